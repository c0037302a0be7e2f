/**
 * The scheduler daemon's environment:
 *
 * - `DISCOVERD` (required): comma list of discoverd URLs (hosts, routers,
 *   services, the controller and the leader election all come from there);
 * - `CONTROLLER_URL`: comma list of controller URLs; default: the instances
 *   of service `controller` in discovery;
 * - `CONTROLLER_KEY`, else the first of `AUTH_KEY` (comma list), required;
 * - `PORT` (default 3000) and `LISTEN_IP` (default all interfaces) of
 *   `/debug/state`; `EXTERNAL_IP`: the address registered in
 *   `controller-scheduler` (default `LISTEN_IP` when specific, else 127.0.0.1);
 * - `HOST_MEMORY` (bytes, or with a `K`/`M`/`G`/`T` suffix: binary units)
 *   and `HOST_CPU` (milli-CPU): the capacity of hosts that report none
 *   (default: this machine's memory and CPUs);
 * - `SCHEDULER_NAME` (logs, `/debug/state`), `LOG_LEVEL`.
 */
import type { LogLevel } from '@flynn-ts/core';
import { isWildcardHost, parseBaseUrl, parseIntInRange, parseLogLevel, splitList } from '@flynn-ts/core/daemon';

/** `flynn-scheduler --help`: it takes no flags, only the environment. */
export const USAGE = `usage: flynn-scheduler [--help | --version]

Configured by the environment:
  DISCOVERD        discoverd URLs, comma-separated (required): hosts, routers, leader election
  CONTROLLER_URL   controller URLs, comma-separated (default: service controller in discovery)
  CONTROLLER_KEY   the controller's API key (or the first of AUTH_KEY; required)
  PORT             /debug/state port (default 3000)
  LISTEN_IP        listen address (default all interfaces)
  EXTERNAL_IP      address registered in controller-scheduler (default LISTEN_IP, else 127.0.0.1)
  HOST_MEMORY      capacity of hosts that report none, bytes or e.g. 8GiB (default: this machine's)
  HOST_CPU         the same for CPU, in milli-CPU (default: this machine's CPUs)
  SCHEDULER_NAME   name in logs and /debug/state
  LOG_LEVEL        debug, info, warn or error (default info)`;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface SchedulerDaemonConfig {
  discoverd: string[];
  /** Empty: find the controller in discovery. */
  controllerUrls: string[];
  controllerKey: string;
  port: number;
  listenIp: string;
  advertiseIp: string;
  hostMemory?: number;
  hostCpu?: number;
  name?: string;
  logLevel: LogLevel;
}

type Env = Readonly<Record<string, string | undefined>>;

export function parseEnv(env: Env): SchedulerDaemonConfig {
  const discoverd = splitList(env.DISCOVERD).filter((u) => u !== 'none').map((u) => url(u, 'DISCOVERD'));
  if (discoverd.length === 0) throw new ConfigError('DISCOVERD is required (a comma-separated list of discoverd URLs)');
  const key = env.CONTROLLER_KEY?.trim() || splitList(env.AUTH_KEY)[0];
  if (!key) throw new ConfigError('CONTROLLER_KEY (or AUTH_KEY) is required');
  const listenIp = env.LISTEN_IP || '0.0.0.0';
  const config: SchedulerDaemonConfig = {
    discoverd,
    controllerUrls: splitList(env.CONTROLLER_URL).map((u) => url(u, 'CONTROLLER_URL')),
    controllerKey: key,
    port: intVar(env, 'PORT', 3000, 0, 65535),
    listenIp,
    advertiseIp: env.EXTERNAL_IP || (isWildcardHost(listenIp) ? '127.0.0.1' : listenIp),
    logLevel: logLevel(env.LOG_LEVEL),
  };
  if (env.HOST_MEMORY) config.hostMemory = bytes(env.HOST_MEMORY);
  if (env.HOST_CPU) config.hostCpu = intVar(env, 'HOST_CPU', 0, 1, 10_000_000);
  if (env.SCHEDULER_NAME) config.name = env.SCHEDULER_NAME;
  return config;
}

function url(u: string, name: string): string {
  const full = parseBaseUrl(u);
  if (full === undefined) throw new ConfigError(`${name}: invalid URL ${JSON.stringify(u)}`);
  return full;
}

function intVar(env: Env, name: string, def: number, min: number, max: number): number {
  const v = env[name];
  if (v === undefined || v === '') return def;
  const n = parseIntInRange(v, min, max);
  if (n === undefined) throw new ConfigError(`${name} must be an integer in ${min}..${max}, got ${JSON.stringify(v)}`);
  return n;
}

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** `8589934592`, `8G`, `8GiB`, `512M`. */
export function bytes(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?$/i.exec(v.trim());
  if (!m) throw new ConfigError(`HOST_MEMORY must be bytes or a size like 8GiB, got ${JSON.stringify(v)}`);
  const n = Math.floor(Number(m[1]) * UNITS[m[2]!.toUpperCase()]!);
  if (!(n > 0)) throw new ConfigError('HOST_MEMORY must be positive');
  return n;
}

function logLevel(v: string | undefined): LogLevel {
  if (!v) return 'info';
  const level = parseLogLevel(v);
  if (level === undefined) throw new ConfigError('LOG_LEVEL must be debug, info, warn or error');
  return level;
}
