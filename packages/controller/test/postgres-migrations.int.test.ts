/**
 * The test PostgreSQL helper (non-root server, fresh databases, cleanup) and
 * the migrator (advisory lock: concurrent migrators do not race; a failing
 * migration leaves nothing behind).
 */
import { existsSync, statSync } from 'node:fs';
import { Database, migrate, MIGRATIONS, MIGRATIONS_TABLE } from '@flynn-ts/controller';
import { startTestPostgres } from '@flynn-ts/controller/testing';
import type { TestPostgres } from '@flynn-ts/controller/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_MISSING, sql } from './harness.js';

describe.skipIf(PG_MISSING)('test postgres and migrations', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startTestPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('runs the server as an unprivileged user, with fsync off, on loopback', async () => {
    const [row] = await sql(server.url, `SELECT current_setting('fsync') AS fsync, current_setting('listen_addresses') AS listen, host(inet_server_addr()) AS addr`);
    expect(row).toMatchObject({ fsync: 'off', listen: '127.0.0.1' });
    expect(row.addr).toBe('127.0.0.1');
    const owner = statSync(`${server.dataDir}/data`).uid;
    if (process.getuid?.() === 0) expect(owner).not.toBe(0);
    else expect(owner).toBe(process.getuid?.());
  });

  it('creates fresh databases, also as copies of a template', async () => {
    const a = await server.createDatabase({ name: 'tmpl' });
    await sql(a, 'CREATE TABLE t (x int); INSERT INTO t VALUES (42)');
    const b = await server.createDatabase({ template: 'tmpl' });
    expect(await sql(b, 'SELECT x FROM t')).toEqual([{ x: 42 }]);
    const c = await server.createDatabase();
    expect(c).not.toBe(b);
  });

  it('applies every migration once even when two controllers migrate at the same time', async () => {
    const url = await server.createDatabase();
    const dbs = [new Database(url), new Database(url), new Database(url)];
    try {
      const results = await Promise.all(dbs.map((db) => migrate(db.pool)));
      const applied = results.flatMap((r) => r.applied).sort();
      expect(applied).toEqual(MIGRATIONS.map((m) => m.id).sort());
      expect(results.every((r) => r.version === MIGRATIONS.at(-1)!.id)).toBe(true);
      const rows = await sql(url, `SELECT id FROM ${MIGRATIONS_TABLE} ORDER BY id`);
      expect(rows.map((r) => r.id)).toEqual(MIGRATIONS.map((m) => m.id));
      expect((await migrate(dbs[0]!.pool)).applied).toEqual([]);
    } finally {
      await Promise.all(dbs.map((db) => db.close()));
    }
  });

  it('rolls a failing migration back completely and keeps the lock usable', async () => {
    const url = await server.createDatabase();
    const db = new Database(url);
    try {
      const bad = [{ id: 1, name: 'half', sql: 'CREATE TABLE half_done (x int); SELECT no_such_function();' }];
      await expect(migrate(db.pool, { migrations: bad })).rejects.toThrow(/no_such_function/);
      expect(await sql(url, `SELECT to_regclass('half_done') AS t`)).toEqual([{ t: null }]);
      expect(await sql(url, `SELECT count(*)::int AS n FROM ${MIGRATIONS_TABLE}`)).toEqual([{ n: 0 }]);
      expect((await migrate(db.pool)).applied.length).toBe(MIGRATIONS.length);
    } finally {
      await db.close();
    }
  });

  it('removes its directory on stop', async () => {
    const other = await startTestPostgres();
    expect(existsSync(other.dataDir)).toBe(true);
    await other.stop();
    expect(existsSync(other.dataDir)).toBe(false);
  });
});
