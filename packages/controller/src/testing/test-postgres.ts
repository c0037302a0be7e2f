/**
 * A throwaway PostgreSQL server for tests: `initdb` into a temp dir, start it
 * on a free loopback port (plus a unix socket in the same dir) with
 * durability switched off (`fsync=off`), and tear everything down on `stop()`.
 *
 * PostgreSQL refuses to run as root, and CI runs as root, so when this process
 * is root the server runs as an unprivileged system user (`flynn-test`,
 * created with `useradd --system` when missing; `postgres` or `nobody` as
 * fallbacks) and the temp dir is chowned to it. As any other user it runs as
 * that user. Binaries come from `options.pgBin`, else `PG_BIN`, else
 * `/usr/lib/postgresql/15/bin`.
 *
 * One server per test file is the intended use; `createDatabase()` makes a
 * fresh database per test (cheaply, by `CREATE DATABASE ... TEMPLATE`).
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noopLogger } from '@flynn-ts/core';
import type { Logger } from '@flynn-ts/core';
import { missingRequirements } from '@flynn-ts/core/testing';
import pg from 'pg';

export const DEFAULT_PG_BIN = '/usr/lib/postgresql/15/bin';
const SUPERUSER = 'flynn';
const RUN_AS_CANDIDATES = ['flynn-test', 'postgres', 'nobody'] as const;

export interface TestPostgresOptions {
  logger?: Logger;
  /** Directory with initdb, pg_ctl and postgres. Default `PG_BIN` or {@link DEFAULT_PG_BIN}. */
  pgBin?: string;
  /** Extra `-c name=value` server settings. */
  settings?: Record<string, string | number>;
}

export interface TestPostgres {
  /** `postgres://flynn:<password>@127.0.0.1:<port>/postgres`. */
  readonly url: string;
  readonly port: number;
  /** The temp dir holding the cluster (`data/`), the socket and the log. */
  readonly dataDir: string;
  readonly user: string;
  readonly password: string;
  /** Settings the server was started with (for benchmark reports). */
  readonly settings: Readonly<Record<string, string>>;
  /** The URL of another database on this server. */
  urlFor(database: string): string;
  /**
   * Creates a database (default name: a unique one) and returns its URL.
   * With `template`, it is a copy of that database (which must have no open
   * connections).
   */
  createDatabase(options?: { name?: string; template?: string }): Promise<string>;
  /** `pg_ctl stop -m fast`, then removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** Why a test PostgreSQL cannot start here, as one line, or undefined (throws under CI=true). */
export function testPostgresMissing(pgBin: string = defaultBin()): string | undefined {
  return missingRequirements({ paths: [join(pgBin, 'initdb'), join(pgBin, 'pg_ctl'), join(pgBin, 'postgres')] });
}

const running = new Set<{ pgCtl: string; data: string; base: string; runAs: RunAs | undefined }>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A process that exits without calling stop() still leaves nothing behind.
  process.once('exit', () => {
    for (const s of running) {
      try {
        execFileSync(s.pgCtl, ['stop', '-D', s.data, '-m', 'immediate', '-w'], { stdio: 'ignore', ...spawnIds(s.runAs) });
      } catch {
        // best effort: already stopped
      }
      rmSync(s.base, { recursive: true, force: true });
    }
  });
}

interface RunAs {
  name: string;
  uid: number;
  gid: number;
}

/** Starts a server and resolves once it accepts connections. */
export async function startTestPostgres(options: TestPostgresOptions = {}): Promise<TestPostgres> {
  const logger = options.logger ?? noopLogger;
  const bin = options.pgBin ?? defaultBin();
  const runAs = process.getuid?.() === 0 ? await resolveRunAs(logger) : undefined;
  const base = mkdtempSync(join(accessibleTmp(), 'flynn-pg-'));
  chmodSync(base, 0o700);
  if (runAs) chownSync(base, runAs.uid, runAs.gid);
  const data = join(base, 'data');
  const password = randomBytes(18).toString('base64url');
  const pwfile = join(base, 'pwfile');
  writeFileSync(pwfile, password + '\n', { mode: 0o600 });
  if (runAs) chownSync(pwfile, runAs.uid, runAs.gid);
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', LANG: 'C', HOME: base, TZ: 'UTC' };
  try {
    await run(join(bin, 'initdb'), ['-D', data, '-U', SUPERUSER, `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync'], { env, runAs, cwd: base });
  } catch (err) {
    rmSync(base, { recursive: true, force: true });
    throw err;
  }
  rmSync(pwfile, { force: true });
  logger.info({ event: 'pg_initdb', dataDir: base, runAs: runAs?.name ?? 'self' }, 'test postgres: initdb done');

  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: base,
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: '300',
    shared_buffers: '64MB',
    TimeZone: 'UTC',
    ...Object.fromEntries(Object.entries(options.settings ?? {}).map(([k, v]) => [k, String(v)])),
  };
  const pgCtl = join(bin, 'pg_ctl');
  const logFile = join(base, 'postgres.log');
  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    const opts = [`-p ${port}`, ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)].join(' ');
    try {
      await run(pgCtl, ['start', '-D', data, '-w', '-t', '60', '-l', logFile, '-o', opts], { env, runAs, cwd: base });
      break;
    } catch (err) {
      if (attempt >= 2) {
        const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
        rmSync(base, { recursive: true, force: true });
        throw new Error(`test postgres failed to start: ${(err as Error).message}\n${tail}`, { cause: err });
      }
    }
  }
  const entry = { pgCtl, data, base, runAs };
  running.add(entry);
  installExitHook();
  settings.port = String(port);
  logger.info({ event: 'pg_started', port, dataDir: base }, 'test postgres: started');

  const urlFor = (database: string) => `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  let counter = 0;
  let stopped: Promise<void> | undefined;
  return {
    url: urlFor('postgres'),
    port,
    dataDir: base,
    user: SUPERUSER,
    password,
    settings,
    urlFor,
    async createDatabase(o = {}) {
      const name = o.name ?? `test_${process.pid}_${++counter}_${randomBytes(3).toString('hex')}`;
      const client = new pg.Client({ connectionString: urlFor('postgres') });
      await client.connect();
      try {
        const template = o.template ? ` TEMPLATE ${quoteIdent(o.template)}` : '';
        await client.query(`CREATE DATABASE ${quoteIdent(name)}${template}`);
      } finally {
        await client.end();
      }
      return urlFor(name);
    },
    stop() {
      stopped ??= (async () => {
        try {
          await run(pgCtl, ['stop', '-D', data, '-m', 'fast', '-w', '-t', '60'], { env, runAs, cwd: base });
        } catch (err) {
          logger.warn({ event: 'pg_stop_failed', err }, 'test postgres: pg_ctl stop failed');
        }
        running.delete(entry);
        rmSync(base, { recursive: true, force: true });
        logger.info({ event: 'pg_stopped', port }, 'test postgres: stopped');
      })();
      return stopped;
    },
  };
}

function defaultBin(): string {
  return process.env.PG_BIN || DEFAULT_PG_BIN;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A temp root the unprivileged user can traverse: os.tmpdir() when it is world-executable, else /tmp. */
function accessibleTmp(): string {
  const dir = tmpdir();
  try {
    if ((statSync(dir).mode & 0o001) !== 0) return dir;
  } catch {
    // fall through
  }
  return '/tmp';
}

async function resolveRunAs(logger: Logger): Promise<RunAs> {
  const existing = lookupUser(RUN_AS_CANDIDATES[0]);
  if (existing) return existing;
  try {
    await run('useradd', ['--system', '--no-create-home', '--user-group', '--shell', '/usr/sbin/nologin', RUN_AS_CANDIDATES[0]], {});
    logger.info({ event: 'pg_user_created', user: RUN_AS_CANDIDATES[0] }, 'test postgres: created system user');
  } catch (err) {
    // Another test file may have created it at the same moment; otherwise fall back.
    logger.debug({ event: 'pg_useradd_failed', err }, 'test postgres: useradd failed');
  }
  for (const name of RUN_AS_CANDIDATES) {
    const user = lookupUser(name);
    if (user) return user;
  }
  throw new Error(`test postgres: running as root but none of ${RUN_AS_CANDIDATES.join(', ')} exists and useradd failed`);
}

function lookupUser(name: string): RunAs | undefined {
  let passwd: string;
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f[2] !== undefined && f[3] !== undefined) return { name, uid: Number(f[2]), gid: Number(f[3]) };
  }
  return undefined;
}

function spawnIds(runAs: RunAs | undefined): { uid?: number; gid?: number } {
  return runAs ? { uid: runAs.uid, gid: runAs.gid } : {};
}

function run(cmd: string, args: string[], o: { env?: NodeJS.ProcessEnv; runAs?: RunAs | undefined; cwd?: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: o.env ?? process.env, ...(o.cwd ? { cwd: o.cwd } : {}), ...spawnIds(o.runAs), timeout: 120_000 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args[0] ?? ''} failed: ${err.message}${stderr ? `\n${String(stderr).trim()}` : ''}`, { cause: err }));
      else resolve();
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
