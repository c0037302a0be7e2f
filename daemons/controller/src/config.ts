/**
 * The controller daemon's environment (reference §5.1): `PORT` (default
 * 3000), `LISTEN_IP` (default all interfaces), `EXTERNAL_IP` (advertised in
 * discovery), `AUTH_KEY` (comma list: every key is accepted, for rotation),
 * `DEFAULT_ROUTE_DOMAIN`, `CA_CERT`, `NAME_SEED` (hex), `DATABASE_URL` or
 * `PGHOST`/`PGPORT`/`PGUSER`/`PGPASSWORD`/`PGDATABASE`, `DISCOVERD` (comma
 * list of discoverd URLs; registers service `controller`), `LOG_LEVEL`.
 */
import type { LogLevel } from '@flynn-ts/core';
import { isWildcardHost, parseBaseUrl, parseIntInRange, parseLogLevel, splitList } from '@flynn-ts/core/daemon';

/** `flynn-controller --help`: it takes no flags, only the environment (as the original). */
export const USAGE = `usage: flynn-controller [--help | --version]

Configured by the environment:
  AUTH_KEY               accepted API keys, comma-separated (required; several for rotation)
  DATABASE_URL           PostgreSQL URL; or PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE
  PORT                   API port (default 3000)
  LISTEN_IP              listen address (default all interfaces)
  EXTERNAL_IP            address registered in discoverd (required with DISCOVERD and a wildcard LISTEN_IP)
  DISCOVERD              discoverd URLs, comma-separated: register service controller, find hosts
  DEFAULT_ROUTE_DOMAIN   domain of the default HTTP route of new apps
  CA_CERT                the cluster's CA certificate (PEM), served to clients
  NAME_SEED              hex seed of generated app names
  PG_POOL_SIZE           PostgreSQL connections (default 20)
  LOG_LEVEL              debug, info, warn or error (default info)`;

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
  const authKeys = splitList(env.AUTH_KEY);
  if (authKeys.length === 0) throw new ConfigError('AUTH_KEY is required (a comma-separated list of accepted keys)');
  const config: ControllerDaemonConfig = {
    port: intVar(env, 'PORT', 3000, 0, 65535),
    listenIp: env.LISTEN_IP || '0.0.0.0',
    authKeys,
    nameSeed: nameSeed(env.NAME_SEED),
    database: env.DATABASE_URL || pgEnv(env),
    discoverd: splitList(env.DISCOVERD).filter((u) => u !== 'none').map(discoverdUrl),
    logLevel: logLevel(env.LOG_LEVEL),
  };
  if (env.EXTERNAL_IP) config.externalIp = env.EXTERNAL_IP;
  if (env.DEFAULT_ROUTE_DOMAIN) config.defaultRouteDomain = env.DEFAULT_ROUTE_DOMAIN;
  if (env.CA_CERT) config.caCert = env.CA_CERT;
  if (env.PG_POOL_SIZE) config.poolSize = intVar(env, 'PG_POOL_SIZE', 20, 1, 1000);
  if (config.discoverd.length > 0 && !config.externalIp && isWildcardHost(config.listenIp)) {
    throw new ConfigError('EXTERNAL_IP (or a specific LISTEN_IP) is required to register in discoverd');
  }
  return config;
}

function intVar(env: Env, name: string, def: number, min: number, max: number): number {
  const v = env[name];
  if (v === undefined || v === '') return def;
  const n = parseIntInRange(v, min, max);
  if (n === undefined) throw new ConfigError(`${name} must be an integer in ${min}..${max}, got ${JSON.stringify(v)}`);
  return n;
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
  const url = parseBaseUrl(u);
  if (!url) throw new ConfigError(`DISCOVERD: invalid URL ${JSON.stringify(u)}`);
  return url;
}

function logLevel(v: string | undefined): LogLevel {
  const level = parseLogLevel(v || 'info');
  if (!level) throw new ConfigError('LOG_LEVEL must be debug, info, warn or error');
  return level;
}
