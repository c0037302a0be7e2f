/**
 * flynn-logaggregator's configuration from argv and env, parsed without
 * touching `process` (the caller passes both). Env as the original
 * (reference §10): `PORT_0` API port (default 5000), `PORT_1` syslog port
 * (default 3000), `SERVICE_NAME` (default `logaggregator`), `DISCOVERD`
 * (discoverd URLs; without it the aggregator runs alone: no registration, no
 * refill), `EXTERNAL_IP` (the address registered in discovery). Flags
 * override env.
 */
import { parseArgs } from 'node:util';
import { FlynnError } from '@flynn-ts/core';
import type { LogLevel } from '@flynn-ts/core';
import { parseHostPort, parseLogLevel, splitList } from '@flynn-ts/core/daemon';

export interface LogAggregatorConfig {
  apiHost: string;
  apiPort: number;
  syslogHost: string;
  syslogPort: number;
  serviceName: string;
  /** discoverd base URLs; empty: no discovery. */
  discoverd: string[];
  /** Host part of the registered address (EXTERNAL_IP). */
  advertiseHost?: string;
  refill: boolean;
  logLevel: LogLevel;
}

export type ParsedCommandLine = { kind: 'run'; config: LogAggregatorConfig } | { kind: 'help'; text: string };

export const USAGE = `usage: flynn-logaggregator [flags]

  --api-addr HOST:PORT     HTTP API listen address (default 0.0.0.0:$PORT_0, PORT_0 default 5000)
  --syslog-addr HOST:PORT  syslog TCP listen address (default 0.0.0.0:$PORT_1, PORT_1 default 3000)
  --service-name NAME      discovery service to register as (env SERVICE_NAME; default logaggregator)
  --discoverd URLS         comma-separated discoverd URLs (env DISCOVERD; none: run alone)
  --advertise-host HOST    address registered in discovery (env EXTERNAL_IP; default: the syslog
                           listen address, or 127.0.0.1 when that is a wildcard)
  --no-refill              do not load a snapshot from a peer at start-up
  --log-level LEVEL        debug, info, warn or error (default info)
  --help                   this text
  --version                print the version`;

export class ConfigError extends FlynnError {
  constructor(message: string) {
    super('FLYNN_LOGAGGREGATOR_DAEMON_CONFIG', `flynn-logaggregator: ${message}`, { apiCode: 'validation_error' });
    this.name = 'ConfigError';
  }
}

const OPTIONS = {
  'api-addr': { type: 'string' },
  'syslog-addr': { type: 'string' },
  'service-name': { type: 'string' },
  discoverd: { type: 'string' },
  'advertise-host': { type: 'string' },
  'no-refill': { type: 'boolean' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parses argv (without node and the script) and env. Throws {@link ConfigError}. */
export function parseCommandLine(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): ParsedCommandLine {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new ConfigError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) return { kind: 'help', text: USAGE };
  const api = parseListenAddr('api-addr', values['api-addr'] ?? `0.0.0.0:${env.PORT_0 || '5000'}`);
  const syslog = parseListenAddr('syslog-addr', values['syslog-addr'] ?? `0.0.0.0:${env.PORT_1 || '3000'}`);
  const discoverd = splitList(values.discoverd ?? env.DISCOVERD);
  for (const url of discoverd) if (!/^https?:\/\/[^/]/.test(url)) throw new ConfigError(`--discoverd must be http(s) URLs, got ${JSON.stringify(url)}`);
  const level = parseLogLevel(values['log-level'] ?? 'info');
  if (!level) throw new ConfigError(`--log-level must be debug, info, warn or error, got ${JSON.stringify(values['log-level'])}`);
  const serviceName = values['service-name'] ?? (env.SERVICE_NAME || 'logaggregator');
  if (!/^[a-z0-9-]+$/.test(serviceName)) throw new ConfigError(`service name must be lowercase letters, digits and dashes, got ${JSON.stringify(serviceName)}`);
  const config: LogAggregatorConfig = {
    apiHost: api.host,
    apiPort: api.port,
    syslogHost: syslog.host,
    syslogPort: syslog.port,
    serviceName,
    discoverd,
    refill: !values['no-refill'],
    logLevel: level,
  };
  const advertise = values['advertise-host'] ?? env.EXTERNAL_IP;
  if (advertise) config.advertiseHost = advertise;
  return { kind: 'run', config };
}

/** `host:port`, `[v6]:port` or `:port` (all interfaces). */
export function parseListenAddr(flag: string, text: string): { host: string; port: number } {
  const addr = parseHostPort(text);
  if (!addr) throw new ConfigError(`--${flag} must be HOST:PORT with a port 0-65535, got ${JSON.stringify(text)}`);
  return addr;
}
