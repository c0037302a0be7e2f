/**
 * flynn-blobstore's configuration from argv and env, parsed without touching
 * `process`. As the original (reference §9): `PORT` (default 3001 here),
 * PostgreSQL from `DATABASE_URL` or the `PG*` variables (the default
 * backend, as in a cluster), `DISCOVERD` to register `blobstore`. `--dir`
 * selects the local directory backend (single host) instead.
 */
import { parseArgs } from 'node:util';
import { FlynnError } from '@flynn-ts/core';
import type { LogLevel } from '@flynn-ts/core';
import { parseHostPort, parseLogLevel, splitList } from '@flynn-ts/core/daemon';

export type BackendConfig = { kind: 'directory'; dir: string } | { kind: 'postgres'; connectionString?: string };

export interface BlobstoreConfig {
  host: string;
  port: number;
  backend: BackendConfig;
  serviceName: string;
  discoverd: string[];
  advertiseHost?: string;
  maxBlobBytes?: number;
  logLevel: LogLevel;
}

export type ParsedCommandLine = { kind: 'run'; config: BlobstoreConfig } | { kind: 'help'; text: string };

export const USAGE = `usage: flynn-blobstore [flags]

  --addr HOST:PORT        listen address (default 0.0.0.0:$PORT, PORT default 3001)
  --dir PATH              keep blobs in this directory (single host); without it blobs go to
                          PostgreSQL: DATABASE_URL, or the PGHOST/PGDATABASE/PGUSER/... variables
  --service-name NAME     discovery service to register as (default blobstore)
  --discoverd URLS        comma-separated discoverd URLs (env DISCOVERD; none: no registration)
  --advertise-host HOST   address registered in discovery (env EXTERNAL_IP; default: the listen
                          address, or 127.0.0.1 when that is a wildcard)
  --max-blob-bytes N      refuse blobs larger than N bytes (default: no limit)
  --log-level LEVEL       debug, info, warn or error (default info)
  --help                  this text
  --version               print the version`;

export class ConfigError extends FlynnError {
  constructor(message: string) {
    super('FLYNN_BLOBSTORE_DAEMON_CONFIG', `flynn-blobstore: ${message}`, { apiCode: 'validation_error' });
    this.name = 'ConfigError';
  }
}

const OPTIONS = {
  addr: { type: 'string' },
  dir: { type: 'string' },
  'service-name': { type: 'string' },
  discoverd: { type: 'string' },
  'advertise-host': { type: 'string' },
  'max-blob-bytes': { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parseCommandLine(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): ParsedCommandLine {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new ConfigError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) return { kind: 'help', text: USAGE };
  const { host, port } = parseListenAddr(values.addr ?? `0.0.0.0:${env.PORT || '3001'}`);
  const discoverd = splitList(values.discoverd ?? env.DISCOVERD);
  for (const url of discoverd) if (!/^https?:\/\/[^/]/.test(url)) throw new ConfigError(`--discoverd must be http(s) URLs, got ${JSON.stringify(url)}`);
  const level = parseLogLevel(values['log-level'] ?? 'info');
  if (!level) throw new ConfigError(`--log-level must be debug, info, warn or error, got ${JSON.stringify(values['log-level'])}`);
  const serviceName = values['service-name'] ?? 'blobstore';
  if (!/^[a-z0-9-]+$/.test(serviceName)) throw new ConfigError(`service name must be lowercase letters, digits and dashes, got ${JSON.stringify(serviceName)}`);
  const config: BlobstoreConfig = { host, port, backend: backendOf(values.dir, env), serviceName, discoverd, logLevel: level };
  const advertise = values['advertise-host'] ?? env.EXTERNAL_IP;
  if (advertise) config.advertiseHost = advertise;
  const max = values['max-blob-bytes'];
  if (max !== undefined) {
    if (!/^\d{1,15}$/.test(max)) throw new ConfigError(`--max-blob-bytes must be a number of bytes, got ${JSON.stringify(max)}`);
    config.maxBlobBytes = Number(max);
  }
  return { kind: 'run', config };
}

function backendOf(dir: string | undefined, env: Readonly<Record<string, string | undefined>>): BackendConfig {
  if (dir !== undefined) {
    if (dir === '') throw new ConfigError('--dir must not be empty');
    return { kind: 'directory', dir };
  }
  if (env.DATABASE_URL) return { kind: 'postgres', connectionString: env.DATABASE_URL };
  if (env.PGHOST || env.PGDATABASE) return { kind: 'postgres' };
  throw new ConfigError('no backend: give --dir PATH, or DATABASE_URL / PGHOST for PostgreSQL');
}

/** `host:port`, `[v6]:port` or `:port`. */
export function parseListenAddr(text: string): { host: string; port: number } {
  const addr = parseHostPort(text);
  if (!addr) throw new ConfigError(`--addr must be HOST:PORT with a port 0-65535, got ${JSON.stringify(text)}`);
  return addr;
}
