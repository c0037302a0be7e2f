/** Reading the event log (writing happens in `Database.tx`, see `db/database.ts`). */
import type { EventFilter } from '../core/event-filter.js';
import { eventFilterSql } from '../core/event-filter.js';
import { notFound } from '../errors.js';
import type { ControllerEvent } from '../types.js';
import type { Queryable } from '../db/database.js';
import { EVENT_COLUMNS, toEvent } from './rows.js';

export interface EventListOptions {
  /** Only events with a larger id. */
  sinceId?: number;
  /** Only events with a smaller id. */
  beforeId?: number;
  /** At most this many (the newest ones when descending, the oldest when ascending). */
  count?: number;
  /** Default `desc` (the original's list order). */
  order?: 'asc' | 'desc';
}

export async function listEvents(q: Queryable, filter: EventFilter, options: EventListOptions = {}): Promise<ControllerEvent[]> {
  const { conditions, values } = eventFilterSql(filter, 1);
  if (options.sinceId !== undefined) {
    values.push(options.sinceId);
    conditions.push(`event_id > $${values.length}`);
  }
  if (options.beforeId !== undefined) {
    values.push(options.beforeId);
    conditions.push(`event_id < $${values.length}`);
  }
  let sql = `SELECT ${EVENT_COLUMNS} FROM events`;
  if (conditions.length > 0) sql += ` WHERE ${conditions.join(' AND ')}`;
  sql += ` ORDER BY event_id ${options.order === 'asc' ? 'ASC' : 'DESC'}`;
  if (options.count !== undefined && options.count > 0) {
    values.push(options.count);
    sql += ` LIMIT $${values.length}`;
  }
  const { rows } = await q.query(sql, values);
  return rows.map(toEvent);
}

export async function getEvent(q: Queryable, id: number): Promise<ControllerEvent> {
  const { rows } = await q.query(`SELECT ${EVENT_COLUMNS} FROM events WHERE event_id = $1`, [id]);
  if (!rows[0]) throw notFound('event');
  return toEvent(rows[0]);
}

/** The id of the newest committed event (0 when there is none). */
export async function latestEventId(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ id: number | null }>('SELECT max(event_id) AS id FROM events');
  return Number(rows[0]?.id ?? 0);
}
