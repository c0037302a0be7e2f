/**
 * `flynn-host daemon` flags (reference §2.1, the ones that apply here), parsed
 * without touching `process`: the caller passes argv, env, the host.json
 * contents and what the machine has (root, runc). Defaults from host.json's
 * `args` come first, so the command line wins.
 */
import { parseArgs } from 'node:util';
import { FlynnError } from '@flynn-ts/core';
import type { LogLevel } from '@flynn-ts/core';

export interface DaemonConfig {
  httpPort: number;
  externalIp?: string;
  listenIp?: string;
  stateDir: string;
  id: string;
  tags: Record<string, string>;
  volPath: string;
  imageDir: string;
  /** `--layer-unmount-delay`: how long an image layer no job uses stays mounted (ms). */
  layerUnmountDelayMs: number;
  logDir: string;
  bridgeName: string;
  subnet?: string;
  driver: 'oci' | 'process';
  runtime: 'runc' | 'crun';
  /** `--cgroup-parent`: parent of the jobs' cgroups (oci driver); relative = under the daemon's own cgroup. */
  cgroupParent: string;
  discoverd?: string;
  waitDiscoverd: boolean;
  resurrect: boolean;
  maxJobConcurrency: number;
  stopGraceMs: number;
  stopJobsOnExit: boolean;
  logLevel: LogLevel;
  /** `--memory`: bytes offered to jobs (`/host/status` resources); default the machine's. */
  memoryBytes?: number;
  /** `--cpus`: milli-CPUs offered to jobs; default 1000 per CPU of the machine. */
  milliCpus?: number;
  /** Flags accepted for compatibility but ignored (reported in the log). */
  ignored: string[];
  /** The effective command line (`/host/status` flags). */
  argv: string[];
}

export interface Machine {
  hostname: string;
  isRoot: boolean;
  hasRunc: boolean;
}

export class ConfigError extends FlynnError {
  constructor(message: string) {
    super('FLYNN_HOST_CONFIG', `flynn-host: ${message}`, { apiCode: 'validation_error' });
    this.name = 'ConfigError';
  }
}

const IGNORED_VALUES = ['vol-provider', 'backend', 'flynn-init', 'sink-state', 'discovery', 'discovery-service', 'peer-ips', 'partitions', 'init-log-level', 'zpool-name', 'log-file'];
const IGNORED_BOOLS = ['force', 'enable-dhcp'];
const VALUES = ['http-port', 'external-ip', 'listen-ip', 'state', 'id', 'tags', 'volpath', 'image-dir', 'log-dir', 'bridge-name', 'subnet', 'driver', 'runtime', 'discoverd', 'max-job-concurrency', 'stop-grace', 'log-level', 'memory', 'cpus', 'cgroup-parent', 'layer-unmount-delay'];
const BOOLS = ['no-resurrect', 'stop-jobs-on-exit', 'wait-discoverd', 'help'];

/** host.json (`{"args": [...]}`) → its args; throws on a malformed file. */
export function hostJsonArgs(text: string | undefined): string[] {
  if (text === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`host config is not JSON: ${(err as Error).message}`);
  }
  const args = (parsed as { args?: unknown } | null)?.args;
  if (args === undefined) return [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) throw new ConfigError('host config "args" must be a list of strings');
  return args;
}

export function parseDaemonArgs(argv: readonly string[], machine: Machine, configArgs: readonly string[] = []): DaemonConfig | 'help' {
  const all = [...configArgs, ...argv];
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const v of [...VALUES, ...IGNORED_VALUES]) options[v] = { type: 'string' };
  for (const b of [...BOOLS, ...IGNORED_BOOLS]) options[b] = { type: 'boolean' };
  let parsed;
  try {
    parsed = parseArgs({ args: all, options, allowPositionals: false, strict: true });
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  if (v.help) return 'help';
  const str = (k: string) => (typeof v[k] === 'string' && v[k] !== '' ? (v[k] as string) : undefined);
  const driver = str('driver') ?? (str('backend') === 'libcontainer' ? 'oci' : undefined) ?? (machine.isRoot && machine.hasRunc ? 'oci' : 'process');
  if (driver !== 'oci' && driver !== 'process') throw new ConfigError(`--driver must be oci or process, got ${JSON.stringify(driver)}`);
  const runtime = str('runtime') ?? 'runc';
  if (runtime !== 'runc' && runtime !== 'crun') throw new ConfigError(`--runtime must be runc or crun, got ${JSON.stringify(runtime)}`);
  const logLevel = str('log-level') ?? 'info';
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) throw new ConfigError(`--log-level must be debug, info, warn or error`);
  const config: DaemonConfig = {
    httpPort: int(str('http-port') ?? '1113', '--http-port', 0, 65535),
    stateDir: str('state') ?? '/var/lib/flynn/host-state',
    id: str('id') ?? machine.hostname.replace(/-/g, ''),
    tags: parseTags(str('tags')),
    volPath: str('volpath') ?? '/var/lib/flynn/volumes',
    imageDir: str('image-dir') ?? '/var/lib/flynn/images',
    layerUnmountDelayMs: duration(str('layer-unmount-delay') ?? '30s', '--layer-unmount-delay'),
    logDir: str('log-dir') ?? '/var/log/flynn',
    bridgeName: str('bridge-name') ?? 'flynnbr0',
    driver,
    runtime,
    cgroupParent: str('cgroup-parent') ?? 'flynn',
    waitDiscoverd: v['wait-discoverd'] === true,
    resurrect: v['no-resurrect'] !== true,
    maxJobConcurrency: int(str('max-job-concurrency') ?? '4', '--max-job-concurrency', 1, 10_000),
    stopGraceMs: duration(str('stop-grace') ?? '30s', '--stop-grace'),
    stopJobsOnExit: v['stop-jobs-on-exit'] === true,
    logLevel: logLevel as LogLevel,
    ignored: [...IGNORED_VALUES, ...IGNORED_BOOLS].filter((k) => v[k] !== undefined && !(k === 'backend' && v[k] === 'libcontainer')),
    argv: all,
  };
  if (!/^\/?[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(config.cgroupParent) || config.cgroupParent.split('/').includes('..')) {
    throw new ConfigError(`--cgroup-parent must be a cgroup path such as flynn or /flynn, got ${JSON.stringify(config.cgroupParent)}`);
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9_.]{0,62}$/.test(config.id)) throw new ConfigError(`invalid host id ${JSON.stringify(config.id)} (letters, digits, "_" and "."; set --id)`);
  for (const [k, opt] of [['external-ip', 'externalIp'], ['listen-ip', 'listenIp'], ['subnet', 'subnet'], ['discoverd', 'discoverd']] as const) {
    const value = str(k);
    if (value !== undefined) config[opt] = value;
  }
  if (config.discoverd !== undefined && !/^https?:\/\//.test(config.discoverd)) throw new ConfigError('--discoverd must be an http(s) URL');
  const memory = str('memory');
  if (memory !== undefined) config.memoryBytes = byteSize(memory, '--memory');
  const cpus = str('cpus');
  if (cpus !== undefined) config.milliCpus = milliCpus(cpus, '--cpus');
  return config;
}

export function parseTags(text: string | undefined): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const pair of (text ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ConfigError(`invalid tag ${JSON.stringify(pair)}: want KEY=VAL`);
    tags[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return tags;
}

function int(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new ConfigError(`${flag} must be an integer between ${min} and ${max}, got ${JSON.stringify(text)}`);
  return n;
}

/** `30s`, `500ms`, `1m` or plain milliseconds. */
export function duration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  const unit = m?.[2] ?? 'ms';
  const ms = m ? Math.round(Number(m[1]) * (unit === 'm' ? 60_000 : unit === 's' ? 1_000 : 1)) : NaN;
  if (!Number.isSafeInteger(ms) || ms < 0) throw new ConfigError(`${flag} must be a duration such as 30s or 500ms, got ${JSON.stringify(text)}`);
  return ms;
}

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** `4294967296`, `512M`, `4G`, `4GiB`, `1.5g` (binary multiples) → bytes. */
export function byteSize(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(text.trim());
  const n = m ? Math.floor(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw new ConfigError(`${flag} must be a size such as 4G, 512M or a number of bytes, got ${JSON.stringify(text)}`);
  return n;
}

/** `2`, `0.5`, `1.25` CPUs → milli-CPUs. */
export function milliCpus(text: string, flag: string): number {
  const n = /^\d+(?:\.\d+)?$/.test(text.trim()) ? Math.round(Number(text) * 1000) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw new ConfigError(`${flag} must be a positive number of CPUs such as 2 or 0.5, got ${JSON.stringify(text)}`);
  return n;
}
