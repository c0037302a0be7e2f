/**
 * flynn-router's command line and environment (reference §7.1), parsed
 * without touching `process`: the caller passes argv and env. Flags take Go's
 * forms (`-flag=v`, `-flag v`) and GNU's (`--flag=v`, `--flag v`).
 */
import { FlynnError } from '@flynn-ts/core';
import type { LogLevel } from '@flynn-ts/core';
import { parseGoFlags, parseLogLevel } from '@flynn-ts/core/daemon';

export interface RouterDaemonConfig {
  /** Address of the HTTP, HTTPS and API listeners (`LISTEN_IP`). */
  listenIp: string;
  /** Default HTTP port first, then `ADDITIONAL_HTTP_PORTS`; empty when `DEFAULT_HTTP_PORT=0`. */
  httpPorts: number[];
  /** Default HTTPS port first, then `ADDITIONAL_HTTPS_PORTS`. */
  httpsPorts: number[];
  apiPort: number;
  /** Address of TCP route listeners (`--tcp-ip`, default `LISTEN_IP`). */
  tcpIp: string;
  tcpRangeStart: number;
  tcpRangeEnd: number;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** `TLSCERT` / `TLSKEY` (PEM), used when no files are given. */
  tlsCertPem?: string;
  tlsKeyPem?: string;
  /** Decoded `COOKIE_KEY`; undefined → the daemon generates one (and warns). */
  cookieKey?: Buffer;
  proxyProtocol: boolean;
  legacyTls: boolean;
  error503PageUrl?: string;
  /** Data-plane worker processes; 0 = everything in this process. */
  workers: number;
  clusterScheduling?: 'rr' | 'none';
  routesFile?: string;
  /** `CONTROLLER_KEY`: follow the controller's routes (reference §7.2) with this key. */
  controllerKey?: string;
  /** `CONTROLLER_URL` (comma list); empty → the `controller` instances in discovery. */
  controllerUrls: string[];
  /** discoverd URLs (`--discoverd` or `DISCOVERD`). */
  discoverd: string[];
  /** Address registered in discovery (`EXTERNAL_IP`, else `LISTEN_IP`, else 127.0.0.1). */
  externalIp: string;
  accessLog: boolean;
  logLevel: LogLevel;
  maxBodyBytes: number;
  shutdownGraceMs: number;
}

export type ParsedCommandLine = { kind: 'run'; config: RouterDaemonConfig } | { kind: 'help'; text: string };

export const USAGE = `usage: flynn-router [flags]

  -http-port N          default HTTP port (8080; DEFAULT_HTTP_PORT overrides, 0 disables HTTP)
  -https-port N         default HTTPS port (4433; DEFAULT_HTTPS_PORT overrides)
  -api-port N           router API port (default $PORT, else 5000)
  -tcp-ip IP            address for TCP route listeners (default $LISTEN_IP)
  -tcp-range-start N    first port of the TCP route range (3000)
  -tcp-range-end N      last port of the TCP route range (3500)
  -tls-cert FILE        default TLS certificate, PEM (else $TLSCERT)
  -tls-key FILE         its private key, PEM (else $TLSKEY)
  -workers N            data-plane processes sharing the listeners (1; "auto" = one per CPU;
                        0 = proxy in this process too, no workers)
  -cluster-scheduling S rr or none (how workers share connections; default node's)
  -routes-file FILE     JSON routes (and optional static backends), watched for changes
  -discoverd URLS       discoverd servers for backends and registration (else $DISCOVERD)
  -access-log           log every request as a JSON line
  (env CONTROLLER_KEY [+ CONTROLLER_URL, else the controller found in discovery]: routes follow the controller)
  -max-body-bytes N     largest request body (0 = no limit)
  -shutdown-grace DUR   how long SIGTERM lets requests finish (10s)
  -log-level LEVEL      debug, info, warn or error (info; DEBUG=1 → debug)
  -help                 this text
  -version              print the version

Environment: LISTEN_IP, EXTERNAL_IP, PORT, COOKIE_KEY (base64, 32 bytes), TLSCERT, TLSKEY,
PROXY_PROTOCOL=true, LEGACY_TLS=true, DEFAULT_HTTP_PORT, DEFAULT_HTTPS_PORT,
ADDITIONAL_HTTP_PORTS, ADDITIONAL_HTTPS_PORTS, ERROR_503_PAGE_URL, DISCOVERD, DEBUG.`;

const VALUE_FLAGS = [
  'http-port', 'https-port', 'api-port', 'tcp-ip', 'tcp-range-start', 'tcp-range-end', 'tls-cert', 'tls-key', 'workers',
  'cluster-scheduling', 'routes-file', 'discoverd', 'max-body-bytes', 'shutdown-grace', 'log-level',
] as const;
const BOOL_FLAGS = ['access-log', 'help', 'h'] as const;

export class ConfigError extends FlynnError {
  constructor(message: string) {
    super('FLYNN_ROUTER_CONFIG', `flynn-router: ${message}`, { apiCode: 'validation_error' });
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

export function parseCommandLine(argv: readonly string[], env: Env = {}, cpus = 1): ParsedCommandLine {
  const { values, bools } = parseGoFlags(argv, { values: VALUE_FLAGS, bools: BOOL_FLAGS }, (message) => new ConfigError(message));
  if (bools.get('help') || bools.get('h')) return { kind: 'help', text: USAGE };

  let httpPort = port(values.get('http-port') ?? '8080', '-http-port', true);
  let httpsPort = port(values.get('https-port') ?? '4433', '-https-port', true);
  if (env.DEFAULT_HTTP_PORT) httpPort = port(env.DEFAULT_HTTP_PORT, 'DEFAULT_HTTP_PORT', true);
  if (env.DEFAULT_HTTPS_PORT) {
    httpsPort = port(env.DEFAULT_HTTPS_PORT, 'DEFAULT_HTTPS_PORT', true);
    if (httpsPort === 0) throw new ConfigError('cannot disable HTTPS access (DEFAULT_HTTPS_PORT=0)');
  }
  const httpPorts = httpPort === 0 && env.DEFAULT_HTTP_PORT === '0' ? [] : [httpPort];
  const httpsPorts = [httpsPort];
  for (const p of list(env.ADDITIONAL_HTTP_PORTS)) httpPorts.push(port(p, 'ADDITIONAL_HTTP_PORTS', false));
  for (const p of list(env.ADDITIONAL_HTTPS_PORTS)) httpsPorts.push(port(p, 'ADDITIONAL_HTTPS_PORTS', false));

  const listenIp = env.LISTEN_IP || '0.0.0.0';
  const apiPort = port(values.get('api-port') ?? (env.PORT || '5000'), '-api-port', true);
  const tcpRangeStart = port(values.get('tcp-range-start') ?? '3000', '-tcp-range-start', false);
  const tcpRangeEnd = port(values.get('tcp-range-end') ?? '3500', '-tcp-range-end', false);
  if (tcpRangeEnd < tcpRangeStart) throw new ConfigError('-tcp-range-end is below -tcp-range-start');
  const levelText = values.get('log-level') ?? (env.DEBUG ? 'debug' : 'info');
  const logLevel = parseLogLevel(levelText);
  if (!logLevel) throw new ConfigError(`invalid -log-level ${JSON.stringify(levelText)}`);
  const scheduling = values.get('cluster-scheduling');
  if (scheduling !== undefined && scheduling !== 'rr' && scheduling !== 'none') throw new ConfigError('-cluster-scheduling must be rr or none');

  const config: RouterDaemonConfig = {
    listenIp,
    httpPorts,
    httpsPorts,
    apiPort,
    tcpIp: values.get('tcp-ip') || env.LISTEN_IP || listenIp,
    tcpRangeStart,
    tcpRangeEnd,
    proxyProtocol: env.PROXY_PROTOCOL === 'true',
    legacyTls: env.LEGACY_TLS === 'true',
    workers: workers(values.get('workers') ?? '1', cpus),
    controllerUrls: list(env.CONTROLLER_URL),
    discoverd: list(values.get('discoverd') ?? env.DISCOVERD).map((u) => (u.includes('://') ? u : `http://${u}`)),
    externalIp: env.EXTERNAL_IP || env.LISTEN_IP || '127.0.0.1',
    accessLog: bools.get('access-log') ?? false,
    logLevel,
    maxBodyBytes: count(values.get('max-body-bytes') ?? '0', '-max-body-bytes'),
    shutdownGraceMs: duration(values.get('shutdown-grace') ?? '10s', '-shutdown-grace'),
  };
  if (scheduling) config.clusterScheduling = scheduling;
  const certFile = values.get('tls-cert');
  const keyFile = values.get('tls-key');
  if ((certFile === undefined) !== (keyFile === undefined)) throw new ConfigError('-tls-cert and -tls-key go together');
  if (certFile && keyFile) {
    config.tlsCertFile = certFile;
    config.tlsKeyFile = keyFile;
  } else if (env.TLSCERT && env.TLSKEY) {
    config.tlsCertPem = env.TLSCERT;
    config.tlsKeyPem = env.TLSKEY;
  }
  if (env.COOKIE_KEY) {
    const key = Buffer.from(env.COOKIE_KEY, 'base64');
    if (key.length !== 32) throw new ConfigError(`decoded ${key.length} bytes from COOKIE_KEY, expected 32`);
    config.cookieKey = key;
  }
  if (env.CONTROLLER_KEY) config.controllerKey = env.CONTROLLER_KEY;
  if (env.ERROR_503_PAGE_URL) config.error503PageUrl = env.ERROR_503_PAGE_URL;
  const routesFile = values.get('routes-file');
  if (routesFile) config.routesFile = routesFile;
  return { kind: 'run', config };
}

function port(text: string, what: string, allowZero: boolean): number {
  const n = /^\d{1,5}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!(n >= (allowZero ? 0 : 1) && n <= 65535)) throw new ConfigError(`invalid ${what} ${JSON.stringify(text)}: want a port`);
  return n;
}

function count(text: string, what: string): number {
  const n = /^\d{1,15}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(n)) throw new ConfigError(`invalid ${what} ${JSON.stringify(text)}`);
  return n;
}

function workers(text: string, cpus: number): number {
  if (text === 'auto') return Math.max(1, cpus);
  const n = /^\d{1,3}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 0 && n <= 256)) throw new ConfigError(`invalid -workers ${JSON.stringify(text)}: want 0–256 or auto`);
  return n;
}

/** `10s`, `2500ms`, `1m`, or plain milliseconds. */
export function duration(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  const unit = m?.[2] ?? 'ms';
  const ms = m ? Math.round(Number(m[1]) * (unit === 'm' ? 60_000 : unit === 's' ? 1_000 : 1)) : NaN;
  if (!Number.isSafeInteger(ms) || ms < 0) throw new ConfigError(`invalid ${what} ${JSON.stringify(text)}: want a duration such as 10s`);
  return ms;
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
