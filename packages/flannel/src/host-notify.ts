/**
 * Reports the network to flynn-host: `POST /host/network` with
 * `{job_id, subnet, mtu, resolvers}` (reference §2.2), where `subnet` is the
 * bridge address with the prefix (`100.100.23.1/24`). Retries with backoff,
 * since the host API may not be up yet.
 */
import { cryptoRandom, retry, systemClock } from '@flynn-ts/core';
import type { Clock, Logger, Random } from '@flynn-ts/core';
import { FLANNEL_NOTIFY, FlannelError } from './core/errors.js';
import type { NetworkInfo } from './core/network-info.js';

/** The body of `POST /host/network`. */
export interface HostNetworkBody {
  job_id?: string;
  subnet: string;
  mtu: number;
  resolvers?: string[];
}

export interface NotifyHostOptions {
  /** The flannel job's id (`FLYNN_JOB_ID`), if it runs as a job. */
  jobId?: string;
  /** DNS resolvers for containers (e.g. from /etc/resolv.conf). */
  resolvers?: string[];
  /** Attempts in total. Default 10. */
  attempts?: number;
  /** Per-request timeout. Default 5 000 ms. */
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  signal?: AbortSignal;
}

/** The body the original flannel sent for this network. */
export function hostNetworkBody(info: NetworkInfo, options: Pick<NotifyHostOptions, 'jobId' | 'resolvers'> = {}): HostNetworkBody {
  const body: HostNetworkBody = { subnet: info.gateway, mtu: info.mtu };
  if (options.jobId !== undefined) body.job_id = options.jobId;
  if (options.resolvers !== undefined) body.resolvers = options.resolvers;
  return body;
}

/** POSTs the network to `url` (e.g. `http://10.0.0.1:1113/host/network`); throws `FLYNN_FLANNEL_NOTIFY` when every attempt failed. */
export async function notifyHost(url: string, info: NetworkInfo, options: NotifyHostOptions = {}): Promise<void> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const body = JSON.stringify(hostNetworkBody(info, options));
  try {
    await retry(
      async () => {
        const signal = options.signal ? AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs ?? 5_000)]) : AbortSignal.timeout(options.timeoutMs ?? 5_000);
        const res = await doFetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal });
        await res.arrayBuffer().catch(() => undefined);
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
      },
      {
        attempts: options.attempts ?? 10,
        initialMs: 200,
        maxMs: 5_000,
        clock: options.clock ?? systemClock,
        random: options.random ?? cryptoRandom(),
        ...(options.signal ? { signal: options.signal } : {}),
        onRetry: (err, attempt, delayMs) => options.logger?.warn({ err, url, attempt, delayMs: Math.round(delayMs) }, 'host network notification failed; retrying'),
      },
    );
  } catch (err) {
    throw new FlannelError(FLANNEL_NOTIFY, `could not report the network to ${url}: ${err instanceof Error ? err.message : String(err)}`, { cause: err, retry: true });
  }
}

/** The `nameserver` addresses of a resolv.conf text. */
export function nameserversOf(resolvConf: string): string[] {
  const out: string[] = [];
  for (const line of resolvConf.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m) out.push(m[1]!);
  }
  return out;
}
