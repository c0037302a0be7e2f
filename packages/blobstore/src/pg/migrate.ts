/**
 * The blobstore's schema in PostgreSQL and how it gets there. The whole run
 * holds a session advisory lock, so blobstores starting together against one
 * database take turns; each migration runs in one transaction with the row
 * recording it (a failed migration leaves no trace).
 *
 * Schema: `blobs` (one row per live blob: name, file_id, size, type,
 * SHA-512, times; names in the "C" collation, so they sort by code point and
 * prefix scans use the primary key) and `blob_chunks` (the bytes, in rows of
 * at most 1 MiB, stored uncompressed out of line). The original used large
 * objects; bytea rows stream the same way, are plain SQL, and go with the
 * database's replication and backups.
 */
import { noopLogger } from '@flynn-ts/core';
import type { Logger } from '@flynn-ts/core';
import type pg from 'pg';

export interface BlobMigration {
  id: number;
  name: string;
  sql: string;
}

export const BLOB_MIGRATIONS: readonly BlobMigration[] = [
  {
    id: 1,
    name: 'blobs and chunks',
    sql: `
      CREATE TABLE blobs (
        name text COLLATE "C" PRIMARY KEY,
        file_id uuid NOT NULL UNIQUE,
        size bigint NOT NULL CHECK (size >= 0),
        content_type text NOT NULL,
        sha512 bytea NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      );
      CREATE TABLE blob_chunks (
        file_id uuid NOT NULL,
        off bigint NOT NULL CHECK (off >= 0),
        len integer NOT NULL CHECK (len > 0),
        data bytea NOT NULL,
        PRIMARY KEY (file_id, off)
      );
      ALTER TABLE blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL;`,
  },
];

export const BLOB_MIGRATIONS_TABLE = 'blobstore_schema_migrations';
/** Advisory lock key of migrations ("flynnblb"). */
const MIGRATION_LOCK: [number, number] = [0x666c796e, 0x6e626c62];

export async function migrateBlobstore(pool: pg.Pool, options: { logger?: Logger; migrations?: readonly BlobMigration[] } = {}): Promise<number[]> {
  const logger = options.logger ?? noopLogger;
  const migrations = [...(options.migrations ?? BLOB_MIGRATIONS)].sort((a, b) => a.id - b.id);
  const client = await pool.connect();
  let locked = false;
  try {
    await client.query('SELECT pg_advisory_lock($1, $2)', MIGRATION_LOCK);
    locked = true;
    await client.query(`CREATE TABLE IF NOT EXISTS ${BLOB_MIGRATIONS_TABLE} (id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ id: number }>(`SELECT id FROM ${BLOB_MIGRATIONS_TABLE}`)).rows.map((r) => r.id));
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.id)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query(`INSERT INTO ${BLOB_MIGRATIONS_TABLE} (id, name) VALUES ($1, $2)`, [m.id, m.name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        logger.error({ event: 'migration_failed', id: m.id, name: m.name, err }, 'blobstore migration failed');
        throw err;
      }
      applied.push(m.id);
      logger.info({ event: 'migration_applied', id: m.id, name: m.name }, 'blobstore migration applied');
    }
    return applied;
  } finally {
    if (locked) await client.query('SELECT pg_advisory_unlock($1, $2)', MIGRATION_LOCK).catch(() => {});
    client.release();
  }
}
