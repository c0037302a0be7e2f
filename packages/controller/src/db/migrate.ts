/**
 * Applies pending migrations. The whole run holds a session-level advisory
 * lock, so controllers starting at the same time against one database take
 * turns: the first applies what is missing, the others find nothing left.
 * Each migration runs in its own transaction together with the row that
 * records it, so a failed migration leaves no trace.
 */
import { noopLogger } from '@flynn-ts/core';
import type { Logger } from '@flynn-ts/core';
import type pg from 'pg';
import { MIGRATION_LOCK } from './locks.js';
import { MIGRATIONS } from './migrations/index.js';
import type { Migration } from './migrations/index.js';

export interface MigrateOptions {
  logger?: Logger;
  /** Default {@link MIGRATIONS}; tests pass their own. */
  migrations?: readonly Migration[];
}

export interface MigrateResult {
  /** Ids applied by this call (empty when the schema was current). */
  applied: number[];
  /** The schema version afterwards. */
  version: number;
}

export const MIGRATIONS_TABLE = 'flynn_schema_migrations';

export async function migrate(pool: pg.Pool, options: MigrateOptions = {}): Promise<MigrateResult> {
  const logger = options.logger ?? noopLogger;
  const migrations = [...(options.migrations ?? MIGRATIONS)].sort((a, b) => a.id - b.id);
  const client = await pool.connect();
  let locked = false;
  try {
    await client.query('SELECT pg_advisory_lock($1, $2)', [...MIGRATION_LOCK]);
    locked = true;
    await client.query(`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ id: number }>(`SELECT id FROM ${MIGRATIONS_TABLE}`)).rows.map((r) => r.id));
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.id)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query(`INSERT INTO ${MIGRATIONS_TABLE} (id, name) VALUES ($1, $2)`, [m.id, m.name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        logger.error({ event: 'migration_failed', id: m.id, name: m.name, err }, 'migration failed');
        throw err;
      }
      applied.push(m.id);
      logger.info({ event: 'migration_applied', id: m.id, name: m.name }, 'migration applied');
    }
    const version = Math.max(0, ...done, ...applied);
    return { applied, version };
  } finally {
    if (locked) await client.query('SELECT pg_advisory_unlock($1, $2)', [...MIGRATION_LOCK]).catch(() => {});
    client.release();
  }
}
