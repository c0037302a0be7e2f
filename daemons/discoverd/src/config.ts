/**
 * discoverd's command line (reference §1.1), parsed without touching
 * `process`: the caller passes argv and env. Flags take Go's forms
 * (`-flag=v`, `-flag v`) and GNU's (`--flag=v`, `--flag v`); boolean flags
 * are `-flag` or `-flag=true|false`, as with Go's `flag` package.
 */
import { FlynnError } from '@flynn-ts/core';
import type { LogLevel } from '@flynn-ts/core';
import { LOG_LEVELS, parseGoFlags, parseLogLevel, splitList } from '@flynn-ts/core/daemon';

export interface DiscoverdConfig {
  /** Holds the raft WAL and the membership marker. */
  dataDir: string;
  /** The advertised host (an IP or name other nodes reach this one at). */
  host: string;
  /** Initial raft voters, `host:port`. Empty: a single-node cluster of this node. */
  peers: string[];
  /** HTTP (and raft) listen address; `:1111` means every IPv4 interface. */
  addr: string;
  /** DNS listen address (UDP and TCP), `ip:port`; no DNS server when absent. */
  dnsAddr?: string;
  /** Upstream resolvers for names outside `discoverd.`. */
  recursors: string[];
  /** UDP DNS worker processes (0: answer in the daemon's process). */
  dnsWorkers: number;
  /** Webhook told `{url, dns}` once this node has a raft leader. */
  notify?: string;
  logLevel: LogLevel;
  /** Instance TTL in ms (`--ttl` or `DISCOVERD_TTL_MS`). Default: the store's (10 s). */
  ttlMs?: number;
  /** Accepted for compatibility with Flynn's start.sh; this daemon never waits for the host network. */
  waitNetDns: boolean;
  /** `FLYNN_JOB_ID`, sent with the notification as `job_id`. */
  jobId?: string;
}

export type ParsedCommandLine = { kind: 'run'; config: DiscoverdConfig } | { kind: 'help'; text: string };

export const USAGE = `usage: discoverd -data-dir DIR -host HOST [flags]

  -data-dir DIR        raft log and membership marker (required)
  -host HOST           advertised host; the node's address is HOST:<port of -addr> (required)
  -peers LIST          comma-separated raft peers ip:port (default: this node alone)
  -addr ADDR           HTTP and raft listen address (default ":1111")
  -dns-addr ADDR       DNS listen address ip:port, UDP and TCP (default: no DNS)
  -recursors LIST      comma-separated upstream DNS servers ip[:port]
  -dns-workers N       answer UDP DNS in N worker processes sharing the port (default 0: in-process)
  -notify URL          POST {"url","dns"} there once a raft leader is known
  -log-level LEVEL     debug, info, warn or error (default info)
  -ttl DURATION        instance TTL, e.g. 10s or 2500ms (default 10s; env DISCOVERD_TTL_MS)
  -wait-net-dns        accepted for compatibility; ignored
  -help                this text
  -version             print the version

Both -flag=value and --flag value forms are accepted.`;

const VALUE_FLAGS = ['data-dir', 'host', 'peers', 'addr', 'dns-addr', 'recursors', 'dns-workers', 'notify', 'log-level', 'ttl'] as const;
const BOOL_FLAGS = ['wait-net-dns', 'help', 'h'] as const;

/** Bad command line or environment. */
export class ConfigError extends FlynnError {
  constructor(message: string) {
    super('FLYNN_DISCOVERD_CONFIG', `discoverd: ${message}`, { apiCode: 'validation_error' });
    this.name = 'ConfigError';
  }
}

/** Parses argv (without the node and script entries) and env. Throws {@link ConfigError}. */
export function parseCommandLine(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): ParsedCommandLine {
  const { values, bools } = parseGoFlags(argv, { values: VALUE_FLAGS, bools: BOOL_FLAGS }, (message) => new ConfigError(message));
  if (bools.get('help') || bools.get('h')) return { kind: 'help', text: USAGE };

  const dataDir = values.get('data-dir') ?? '';
  const host = values.get('host') ?? '';
  if (dataDir === '') throw new ConfigError('-data-dir is required');
  if (host === '') throw new ConfigError('-host is required');
  const addr = values.get('addr') ?? ':1111';
  parseListenAddr(addr);
  const peers = splitList(values.get('peers'));
  for (const p of peers) if (!splitHostPort(p)) throw new ConfigError(`invalid peer ${JSON.stringify(p)}: want host:port`);
  const logLevel = parseLogLevel(values.get('log-level') ?? 'info');
  if (!logLevel) throw new ConfigError(`invalid -log-level ${JSON.stringify(values.get('log-level'))}: want one of ${LOG_LEVELS.join(', ')}`);
  const ttl = values.get('ttl') ?? env.DISCOVERD_TTL_MS;

  const config: DiscoverdConfig = {
    dataDir,
    host,
    peers,
    addr,
    recursors: splitList(values.get('recursors')),
    dnsWorkers: parseWorkers(values.get('dns-workers')),
    logLevel,
    waitNetDns: bools.get('wait-net-dns') ?? false,
  };
  const dnsAddr = values.get('dns-addr');
  if (dnsAddr) config.dnsAddr = dnsAddr;
  const notify = values.get('notify');
  if (notify) config.notify = checkUrl(notify);
  if (ttl !== undefined && ttl !== '') config.ttlMs = parseDuration(ttl, values.has('ttl') ? '-ttl' : 'DISCOVERD_TTL_MS');
  if (env.FLYNN_JOB_ID) config.jobId = env.FLYNN_JOB_ID;
  return { kind: 'run', config };
}

/** `-dns-workers`: an integer 0–64. Throws {@link ConfigError}. */
function parseWorkers(text: string | undefined): number {
  if (text === undefined) return 0;
  const n = /^\d{1,2}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!(n >= 0 && n <= 64)) throw new ConfigError(`invalid -dns-workers ${JSON.stringify(text)}: want an integer from 0 to 64`);
  return n;
}

/** `:1111` → `0.0.0.0:1111`, `[::1]:1111` → `::1` port 1111. Throws {@link ConfigError}. */
export function parseListenAddr(addr: string): { host: string; port: number } {
  const hp = splitHostPort(addr);
  if (!hp) throw new ConfigError(`invalid -addr ${JSON.stringify(addr)}: want [host]:port`);
  return { host: hp.host === '' ? '0.0.0.0' : hp.host, port: hp.port };
}

/** `host:port` with a bracketed IPv6 host when needed. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A Go-style duration (`10s`, `2500ms`, `1m`, `1.5s`) or plain milliseconds. Throws {@link ConfigError}. */
export function parseDuration(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  const unit = m?.[2] ?? 'ms';
  const ms = m ? Math.round(Number(m[1]) * (unit === 'm' ? 60_000 : unit === 's' ? 1_000 : 1)) : NaN;
  if (!Number.isSafeInteger(ms) || ms <= 0) throw new ConfigError(`invalid ${what} ${JSON.stringify(text)}: want a duration such as 10s or 2500ms`);
  return ms;
}

function splitHostPort(addr: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(addr);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: m[1] ?? m[2] ?? '', port };
}

function checkUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.protocol === 'http:' || u.protocol === 'https:') return url;
  } catch {
    // fall through
  }
  throw new ConfigError(`invalid -notify ${JSON.stringify(url)}: want an http(s) URL`);
}
