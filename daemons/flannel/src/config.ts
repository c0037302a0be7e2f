/**
 * flannel's command line, parsed without touching `process` (the caller
 * passes argv and env). Flags take Go's forms (`-iface=eth0`, `-iface eth0`,
 * as the original flanneld) and GNU's (`--iface eth0`).
 */
import { parseArgs } from 'node:util';
import { FlynnError } from '@flynn-ts/core';
import type { LogLevel } from '@flynn-ts/core';
import { parseLogLevel, splitList } from '@flynn-ts/core/daemon';

export interface FlannelConfig {
  /** discoverd base URLs. */
  discoverd: string[];
  iface?: string;
  publicIp?: string;
  network: string;
  subnetLen?: number;
  vni: number;
  port: number;
  subnetFile: string;
  notifyUrl?: string;
  leaseTtlMs: number;
  resyncMs: number;
  mtu?: number;
  /** A network namespace path (e.g. /var/run/netns/x) whose kernel state is managed. */
  netns?: string;
  jobId?: string;
  releaseOnExit: boolean;
  logLevel: LogLevel;
}

export type ParsedCommandLine = { kind: 'run'; config: FlannelConfig } | { kind: 'help'; text: string };

export const USAGE = `usage: flannel [flags]

  --discoverd URLS      comma-separated discoverd URLs (env DISCOVERD; default http://127.0.0.1:1111)
  --iface NAME|IP       underlay interface or its address (default: the default-route interface)
  --public-ip IP        address peers send VXLAN packets to (default: the interface address)
  --network CIDR        overlay network, used only if none is stored yet (env NETWORK; default 100.100.0.0/16)
  --subnet-len N        host subnet prefix length (default 24)
  --vni N               VXLAN network identifier (default 1)
  --port N              VXLAN UDP port (default 8472)
  --subnet-file PATH    where FLANNEL_NETWORK/SUBNET/MTU are written (default /run/flannel/subnet.env)
  --notify-url URL      POST {job_id, subnet, mtu, resolvers} there (flynn-host /host/network)
  --lease-ttl DURATION  subnet lease time to live, e.g. 24h, 30s (default 24h; renewed at half)
  --resync DURATION     periodic kernel re-check (default 60s; 0 disables)
  --mtu N               overlay MTU (default: underlay MTU - 50)
  --netns PATH          manage the kernel state of this network namespace
  --release-on-exit     give the lease back on SIGTERM (default: keep it for the restart)
  --log-level LEVEL     debug, info, warn or error (default info)
  --help                this text
  --version             print the version`;

/** Bad command line or environment. */
export class ConfigError extends FlynnError {
  constructor(message: string) {
    super('FLYNN_FLANNEL_DAEMON_CONFIG', `flannel: ${message}`, { apiCode: 'validation_error' });
    this.name = 'ConfigError';
  }
}

const OPTIONS = {
  discoverd: { type: 'string' },
  'discoverd-url': { type: 'string' },
  iface: { type: 'string' },
  'public-ip': { type: 'string' },
  network: { type: 'string' },
  'subnet-len': { type: 'string' },
  vni: { type: 'string' },
  port: { type: 'string' },
  'subnet-file': { type: 'string' },
  'notify-url': { type: 'string' },
  'lease-ttl': { type: 'string' },
  resync: { type: 'string' },
  mtu: { type: 'string' },
  netns: { type: 'string' },
  'job-id': { type: 'string' },
  'release-on-exit': { type: 'boolean' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parses argv (without node and the script) and env. Throws {@link ConfigError}. */
export function parseCommandLine(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): ParsedCommandLine {
  let values;
  try {
    ({ values } = parseArgs({ args: argv.map((a) => (/^-[a-z]{2,}/.test(a) ? `-${a}` : a)), options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new ConfigError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) return { kind: 'help', text: USAGE };
  const servers = splitList(values.discoverd ?? values['discoverd-url'] ?? env.DISCOVERD ?? 'http://127.0.0.1:1111');
  if (servers.length === 0 || servers.some((s) => !/^https?:\/\//.test(s))) throw new ConfigError(`--discoverd must be http(s) URLs, got ${JSON.stringify(servers.join(','))}`);
  const level = parseLogLevel(values['log-level'] ?? 'info');
  if (!level) throw new ConfigError(`--log-level must be debug, info, warn or error, got ${values['log-level']}`);
  const config: FlannelConfig = {
    discoverd: servers,
    network: values.network ?? env.NETWORK ?? '100.100.0.0/16',
    vni: int('vni', values.vni, 1),
    port: int('port', values.port, 8472),
    subnetFile: values['subnet-file'] ?? '/run/flannel/subnet.env',
    leaseTtlMs: duration('lease-ttl', values['lease-ttl'] ?? '24h'),
    resyncMs: duration('resync', values.resync ?? '60s'),
    releaseOnExit: values['release-on-exit'] ?? false,
    logLevel: level,
  };
  const iface = values.iface ?? env.EXTERNAL_IP;
  if (iface) config.iface = iface;
  if (values['public-ip']) config.publicIp = values['public-ip'];
  if (values['subnet-len'] !== undefined) config.subnetLen = int('subnet-len', values['subnet-len'], 24);
  if (values['notify-url']) config.notifyUrl = values['notify-url'];
  if (values.mtu !== undefined) config.mtu = int('mtu', values.mtu, 1450);
  if (values.netns) config.netns = values.netns;
  const jobId = values['job-id'] ?? env.FLYNN_JOB_ID;
  if (jobId) config.jobId = jobId;
  return { kind: 'run', config };
}

/** `24h`, `90m`, `30s`, `500ms` or plain milliseconds. */
export function duration(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new ConfigError(`--${flag} must be a duration like 24h, 30s or 500ms, got ${JSON.stringify(text)}`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[m[2] ?? 'ms'] ?? 1;
  return Math.round(Number(m[1]) * unit);
}

function int(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw new ConfigError(`--${flag} must be a non-negative integer, got ${JSON.stringify(text)}`);
  return Number(text);
}
