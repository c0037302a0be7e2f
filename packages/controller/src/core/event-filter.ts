/**
 * Which events a listing or a stream delivers (reference §5.6): by app, by a
 * set of object types, by object id. The same filter is applied in SQL (see
 * `eventFilterSql`) and in memory (`matchesEventFilter`), so a stream that
 * switches between reading the table and receiving live events sees the same
 * events either way.
 */
import { validationError } from '../errors.js';
import { EVENT_TYPES } from '../types.js';
import type { EventType } from '../types.js';
import { canonicalUuid } from './validate.js';

export interface EventFilter {
  /** App id (a UUID); the API resolves names first. */
  appId?: string;
  /** Any of these object types; empty or absent = all. */
  objectTypes?: readonly EventType[];
  objectId?: string;
}

export interface EventLike {
  app?: string | undefined;
  object_type: string;
  object_id: string;
}

export function matchesEventFilter(e: EventLike, f: EventFilter): boolean {
  if (f.appId !== undefined && e.app !== f.appId) return false;
  if (f.objectTypes && f.objectTypes.length > 0 && !f.objectTypes.includes(e.object_type as EventType)) return false;
  if (f.objectId !== undefined && e.object_id !== f.objectId) return false;
  return true;
}

/** SQL conditions (joined with AND) and their parameters, numbered from `firstParam`. */
export function eventFilterSql(f: EventFilter, firstParam: number): { conditions: string[]; values: unknown[] } {
  const conditions: string[] = [];
  const values: unknown[] = [];
  let n = firstParam;
  if (f.appId !== undefined) {
    conditions.push(`app_id = $${n++}`);
    values.push(f.appId);
  }
  if (f.objectTypes && f.objectTypes.length > 0) {
    conditions.push(`object_type = ANY($${n++}::text[])`);
    values.push([...f.objectTypes]);
  }
  if (f.objectId !== undefined) {
    conditions.push(`object_id = $${n++}`);
    values.push(f.objectId);
  }
  return { conditions, values };
}

export interface EventQuery {
  /** The `app_id` parameter as given (an id or a name, resolved by the caller). */
  app?: string;
  objectTypes: EventType[];
  objectId?: string;
  past: boolean;
  count?: number;
  sinceId?: number;
  beforeId?: number;
}

/** Parses the query parameters of `GET /events` (both the list and the stream). */
export function parseEventQuery(get: (name: string) => string | undefined): EventQuery {
  const q: EventQuery = { objectTypes: parseObjectTypes(get('object_types')), past: get('past') === 'true' };
  const app = get('app_id');
  if (app) q.app = app;
  const objectId = get('object_id');
  if (objectId) q.objectId = objectId;
  const count = parseId(get('count'), 'count');
  if (count !== undefined) q.count = count;
  const sinceId = parseId(get('since_id'), 'since_id');
  if (sinceId !== undefined) q.sinceId = sinceId;
  const beforeId = parseId(get('before_id'), 'before_id');
  if (beforeId !== undefined) q.beforeId = beforeId;
  return q;
}

/** A non-negative integer parameter (event ids, counts), or undefined when empty. */
export function parseId(value: string | undefined, field: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,15}$/.test(value)) throw validationError(field, 'is invalid');
  return Number(value);
}

function parseObjectTypes(value: string | undefined): EventType[] {
  if (!value) return [];
  return value.split(',').filter((t) => t !== '').map((t) => {
    if (!(EVENT_TYPES as readonly string[]).includes(t)) throw validationError('object_types', `contains an unknown type ${JSON.stringify(t.slice(0, 64))}`);
    return t as EventType;
  });
}

/** The app id of a filter value that is already a UUID, else undefined (a name). */
export function appIdIfUuid(value: string): string | undefined {
  return canonicalUuid(value);
}
