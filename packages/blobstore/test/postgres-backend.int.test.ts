/**
 * The PostgreSQL backend against a real PostgreSQL 15 the test starts
 * (startTestPostgres from @flynn-ts/controller/testing): the conformance
 * suite, plus migrations under the advisory lock and what a failed upload
 * leaves in the tables (nothing).
 */
import { startTestPostgres, testPostgresMissing } from '@flynn-ts/controller/testing';
import type { TestPostgres } from '@flynn-ts/controller/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateBlobstore } from '../src/pg/migrate.js';
import { PostgresBackend } from '../src/pg/postgres-backend.js';
import { chunked, describeBlobBackend, patternBytes } from '../src/testing/describe-blob-backend.js';

const missing = testPostgresMissing();
let server: TestPostgres | undefined;
let url = '';

beforeAll(async () => {
  if (missing) return;
  server = await startTestPostgres();
  url = await server.createDatabase();
});
afterAll(async () => {
  await server?.stop();
});

describe.skipIf(missing)('PostgresBackend', () => {
  describeBlobBackend('postgres', async () => {
    const backend = await PostgresBackend.open({ connectionString: url, chunkBytes: 1_000, maxConnections: 8 });
    return {
      backend,
      cleanup: async () => {
        const pool = new pg.Pool({ connectionString: url });
        await pool.query('TRUNCATE blobs, blob_chunks');
        await pool.end();
      },
    };
  });

  it('migrates once under the advisory lock when several blobstores start together', async () => {
    const fresh = await server!.createDatabase();
    const pools = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: fresh, max: 2 }));
    try {
      const applied = await Promise.all(pools.map((p) => migrateBlobstore(p)));
      expect(applied.flat()).toEqual([1]);
      const { rows } = await pools[0]!.query('SELECT id FROM blobstore_schema_migrations');
      expect(rows).toEqual([{ id: 1 }]);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('a failed upload leaves no rows; chunks are 1 MiB rows by default; the old version is dropped', async () => {
    const backend = await PostgresBackend.open({ connectionString: url });
    const pool = new pg.Pool({ connectionString: url });
    try {
      async function* failing() {
        yield patternBytes(3 * 1024 * 1024);
        throw new Error('gone');
      }
      await expect(backend.put('/fail', failing(), { contentType: 'x/y' })).rejects.toThrow('gone');
      expect((await pool.query('SELECT count(*)::int AS n FROM blob_chunks')).rows[0].n).toBe(0);
      await backend.put('/big', chunked(patternBytes(2.5 * 1024 * 1024), 64 * 1024), { contentType: 'x/y' });
      await backend.put('/big', chunked(patternBytes(2.5 * 1024 * 1024, 2), 64 * 1024), { contentType: 'x/y' });
      const { rows } = await pool.query('SELECT len FROM blob_chunks ORDER BY off');
      expect(rows.map((r: { len: number }) => r.len)).toEqual([1048576, 1048576, 524288]);
    } finally {
      await pool.query('TRUNCATE blobs, blob_chunks');
      await pool.end();
      await backend.close();
    }
  });
});
