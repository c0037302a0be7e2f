/**
 * The controller's PostgreSQL access: a `pg.Pool` whose sessions run in UTC
 * with timestamps parsed to the wire format and int8 to numbers, and
 * `tx(fn)`, the only way mutations happen.
 *
 * Events and commit order. A transaction announces what it changed with
 * `tx.emit(event)`; the events are written when `fn` returns, right before
 * COMMIT, after taking a transaction-level advisory lock (EVENTS_LOCK). Event
 * ids come from a sequence, but only while that lock is held, and the lock is
 * released after the commit is visible (PostgreSQL makes a transaction
 * visible before releasing its locks). So event ids are allocated in commit
 * order: once a reader has seen event N, every event < N is committed and
 * visible, and no event < N can appear later. Streams can therefore resume
 * with `WHERE event_id > last` without gaps. The cost is that event-writing
 * commits are serialised, for the short time from the event insert to the
 * commit; writing events last keeps that short and avoids lock-order
 * deadlocks (the lock is always the last one a transaction takes).
 */
import { noopLogger } from '@flynn-ts/core';
import type { Logger } from '@flynn-ts/core';
import pg from 'pg';
import { pgTimestampToRfc3339 } from '../core/timestamp.js';
import type { EventType } from '../types.js';
import { EVENTS_LOCK } from './locks.js';
import { isRetryableTxError, wrapDatabaseError } from './pg-errors.js';

export interface Queryable {
  query<R extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** An event to write with the transaction that caused it. */
export interface PendingEvent {
  appId?: string | undefined;
  objectType: EventType;
  objectId: string;
  data: unknown;
  /** Events with the same unique id are written once (later ones are dropped). */
  uniqueId?: string;
  op?: 'op_create' | 'op_update';
}

export interface Tx extends Queryable {
  /** Queues an event, written just before COMMIT. */
  emit(event: PendingEvent): void;
}

export interface TxOptions {
  isolation?: 'read committed' | 'repeatable read' | 'serializable';
  readOnly?: boolean;
}

export type DatabaseConfig = string | pg.PoolConfig;

const INT8_OID = 20;
const TIMESTAMPTZ_OID = 1184;
const MAX_TX_ATTEMPTS = 4;

/** Type parsers for our sessions: no global `pg.types` mutation. */
export const CONTROLLER_PG_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8_OID) return (v: string) => Number(v);
    if (oid === TIMESTAMPTZ_OID) return (v: string) => pgTimestampToRfc3339(v);
    return pg.types.getTypeParser(oid, format ?? 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** The pg client config for a controller session (also used for LISTEN clients). */
export function sessionConfig(config: DatabaseConfig): pg.ClientConfig & pg.PoolConfig {
  const base: pg.PoolConfig = typeof config === 'string' ? { connectionString: config } : { ...config };
  return { application_name: 'flynn-controller', ...base, types: CONTROLLER_PG_TYPES, options: '-c TimeZone=UTC' };
}

export class Database implements Queryable {
  readonly pool: pg.Pool;
  private readonly config: pg.ClientConfig & pg.PoolConfig;
  private readonly logger: Logger;
  private closed: Promise<void> | undefined;

  constructor(config: DatabaseConfig, options: { logger?: Logger; max?: number } = {}) {
    this.config = sessionConfig(config);
    this.logger = options.logger ?? noopLogger;
    this.pool = new pg.Pool({ max: options.max ?? 20, idleTimeoutMillis: 30_000, ...this.config });
    // An idle client losing its connection must not crash the process.
    this.pool.on('error', (err) => this.logger.warn({ event: 'db_idle_client_error', err }, 'idle database client failed'));
  }

  /** A new unpooled client with the same session settings (for LISTEN). */
  newClient(): pg.Client {
    return new pg.Client(this.config);
  }

  async query<R extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(text, values as unknown[]);
    } catch (err) {
      throw wrapDatabaseError(err);
    }
  }

  /**
   * Runs `fn` in a transaction and commits, writing the events it emitted
   * last. Serialization failures and deadlocks are retried (so `fn` must
   * only touch the database); other errors roll back and are rethrown.
   */
  async tx<T>(fn: (tx: Tx) => Promise<T>, options: TxOptions = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.txOnce(fn, options);
      } catch (err) {
        if (attempt < MAX_TX_ATTEMPTS && isRetryableTxError(err)) {
          this.logger.debug({ event: 'db_tx_retry', attempt, code: (err as { code?: string }).code }, 'retrying transaction');
          continue;
        }
        throw wrapDatabaseError(err);
      }
    }
  }

  private async txOnce<T>(fn: (tx: Tx) => Promise<T>, options: TxOptions): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    const events: PendingEvent[] = [];
    const tx: Tx = {
      query: (text, values) => client.query(text, values as unknown[]),
      emit: (e) => void events.push(e),
    };
    try {
      const mode = `${options.isolation ? ` ISOLATION LEVEL ${options.isolation.toUpperCase()}` : ''}${options.readOnly ? ' READ ONLY' : ''}`;
      await client.query(`BEGIN${mode}`);
      const result = await fn(tx);
      if (events.length > 0) await writeEvents(client, events);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /** Ends the pool. Idempotent. */
  close(): Promise<void> {
    this.closed ??= this.pool.end();
    return this.closed;
  }
}

/** Inserts events in one statement under the events lock (see the file comment). */
async function writeEvents(client: pg.PoolClient, events: readonly PendingEvent[]): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1, $2)', [...EVENTS_LOCK]);
  const values: unknown[] = [];
  const rows = events.map((e, i) => {
    const b = i * 6;
    values.push(e.appId ?? null, e.objectType, e.objectId, e.uniqueId ?? null, JSON.stringify(e.data ?? null), e.op ?? null);
    return `($${b + 1}::uuid, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}::jsonb, $${b + 6})`;
  });
  // Rows are inserted (and ids drawn) in list order; ON CONFLICT drops repeated unique ids.
  await client.query(
    `INSERT INTO events (app_id, object_type, object_id, unique_id, data, op) VALUES ${rows.join(', ')} ON CONFLICT (unique_id) DO NOTHING`,
    values,
  );
}
