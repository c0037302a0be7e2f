/**
 * The controller daemon's environment (reference §5.1): `PORT` (default
 * 3000), `LISTEN_IP` (default all interfaces), `EXTERNAL_IP` (advertised in
 * discovery), `AUTH_KEY` (comma list: every key is accepted, for rotation),
 * `DEFAULT_ROUTE_DOMAIN`, `CA_CERT`, `NAME_SEED` (hex), `DATABASE_URL` or
 * `PGHOST`/`PGPORT`/`PGUSER`/`PGPASSWORD`/`PGDATABASE`, `DISCOVERD` (comma
 * list of discoverd URLs; registers service `controller`), `LOG_LEVEL`.
 */
import type { LogLevel } from '@flynn-ts/core';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface PgEnvConfig {
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
}

export interface ControllerDaemonConfig {
  port: number;
  listenIp: string;
  externalIp?: string;
  authKeys: string[];
  defaultRouteDomain?: string;
  caCert?: string;
  nameSeed: number;
  database: string | PgEnvConfig;
  discoverd: string[];
  logLevel: LogLevel;
  poolSize?: number;
}

type Env = Readonly<Record<string, string | undefined>>;

export function parseEnv(env: Env): ControllerDaemonConfig {
  const authKeys = (env.AUTH_KEY ?? '').split(',').map((k) => k.trim()).filter((k) => k !== '');
  if (authKeys.length === 0) throw new ConfigError('AUTH_KEY is required (a comma-separated list of accepted keys)');
  const config: ControllerDaemonConfig = {
    port: intVar(env, 'PORT', 3000, 0, 65535),
    listenIp: env.LISTEN_IP || '0.0.0.0',
    authKeys,
    nameSeed: nameSeed(env.NAME_SEED),
    database: env.DATABASE_URL || pgEnv(env),
    discoverd: (env.DISCOVERD ?? '').split(',').map((u) => u.trim()).filter((u) => u !== '' && u !== 'none').map(discoverdUrl),
    logLevel: logLevel(env.LOG_LEVEL),
  };
  if (env.EXTERNAL_IP) config.externalIp = env.EXTERNAL_IP;
  if (env.DEFAULT_ROUTE_DOMAIN) config.defaultRouteDomain = env.DEFAULT_ROUTE_DOMAIN;
  if (env.CA_CERT) config.caCert = env.CA_CERT;
  if (env.PG_POOL_SIZE) config.poolSize = intVar(env, 'PG_POOL_SIZE', 20, 1, 1000);
  if (config.discoverd.length > 0 && !config.externalIp && isWildcard(config.listenIp)) {
    throw new ConfigError('EXTERNAL_IP (or a specific LISTEN_IP) is required to register in discoverd');
  }
  return config;
}

function intVar(env: Env, name: string, def: number, min: number, max: number): number {
  const v = env[name];
  if (v === undefined || v === '') return def;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new ConfigError(`${name} must be an integer in ${min}..${max}, got ${JSON.stringify(v)}`);
  return Number(v);
}

function nameSeed(v: string | undefined): number {
  if (!v) return 0;
  if (!/^[0-9a-fA-F]+$/.test(v)) throw new ConfigError('NAME_SEED must be hex');
  return parseInt(v.slice(0, 8), 16);
}

function pgEnv(env: Env): PgEnvConfig {
  const c: PgEnvConfig = {};
  if (env.PGHOST) c.host = env.PGHOST;
  if (env.PGPORT) c.port = intVar(env, 'PGPORT', 5432, 1, 65535);
  if (env.PGUSER) c.user = env.PGUSER;
  if (env.PGPASSWORD) c.password = env.PGPASSWORD;
  if (env.PGDATABASE) c.database = env.PGDATABASE;
  return c;
}

function discoverdUrl(u: string): string {
  const url = /^https?:\/\//.test(u) ? u : `http://${u}`;
  try {
    new URL(url);
  } catch {
    throw new ConfigError(`DISCOVERD: invalid URL ${JSON.stringify(u)}`);
  }
  return url.replace(/\/+$/, '');
}

function logLevel(v: string | undefined): LogLevel {
  if (!v) return 'info';
  if (v === 'debug' || v === 'info' || v === 'warn' || v === 'error') return v;
  throw new ConfigError('LOG_LEVEL must be debug, info, warn or error');
}

function isWildcard(ip: string): boolean {
  return ip === '0.0.0.0' || ip === '::' || ip === '';
}
