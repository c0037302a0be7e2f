/**
 * Refill from a peer: a (re)starting aggregator loads the lines another
 * instance holds (`GET /snapshot`) before it takes traffic, so that with
 * hosts sending to every instance a restart loses nothing: the snapshot
 * brings the past, and the hosts resend everything after the cursors the
 * snapshot sets (reference §10). The original asked the service leader only;
 * here the leader is tried first, then every other instance, and a snapshot
 * is all or nothing (a cut-off one is discarded and the next peer tried).
 */
import { linkSignals, noopLogger, systemClock } from '@flynn-ts/core';
import type { Clock, Logger } from '@flynn-ts/core';
import type { Instance, ServiceDiscovery } from '@flynn-ts/discovery';
import { LogAggregatorClient } from './client/log-aggregator-client.js';
import type { LogEntry } from './core/log-entry.js';

/** Instance meta key under which an aggregator publishes its API port (its addr is the syslog port). */
export const API_PORT_META = 'API_PORT';

/** `http://<instance ip>:<API_PORT meta, else 80>`: where an aggregator's API is (80, as the original, without the meta). */
export function apiUrlOf(instance: Pick<Instance, 'addr' | 'meta'>): string {
  const addr = instance.addr;
  const colon = addr.lastIndexOf(':');
  let host = colon > 0 ? addr.slice(0, colon) : addr;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const port = instance.meta?.[API_PORT_META] ?? '80';
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export interface RefillOptions {
  discovery: ServiceDiscovery;
  serviceName: string;
  /** Our own syslog address, skipped if still listed (e.g. a registration of a previous run). */
  selfAddr?: string;
  /** Per peer. Default 30 000 ms. */
  timeoutMs?: number;
  clock?: Clock;
  logger?: Logger;
  signal?: AbortSignal;
}

export interface RefillResult {
  /** The peer's API URL, or undefined when no peer gave a snapshot. */
  from?: string;
  entries: LogEntry[];
}

/** Fetches a whole snapshot from the first peer that gives one; `entries` is empty when none does. */
export async function fetchPeerSnapshot(options: RefillOptions): Promise<RefillResult> {
  const logger = options.logger ?? noopLogger;
  const peers = await peerOrder(options);
  for (const peer of peers) {
    const url = apiUrlOf(peer);
    const linked = linkSignals([options.signal], { timeoutMs: options.timeoutMs ?? 30_000, clock: options.clock ?? systemClock, what: `snapshot from ${url}` });
    const client = new LogAggregatorClient({ url });
    try {
      const entries: LogEntry[] = [];
      for await (const batch of client.snapshot(linked.signal)) for (const e of batch) entries.push(e);
      logger.info({ event: 'refill_loaded', peer: url, lines: entries.length }, 'loaded a snapshot from a peer');
      return { from: url, entries };
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      logger.warn({ event: 'refill_failed', peer: url, err }, 'no snapshot from this peer');
    } finally {
      linked.dispose();
      await client.close();
    }
  }
  if (peers.length > 0) logger.warn({ event: 'refill_none', peers: peers.length }, 'no peer gave a snapshot: starting empty');
  return { entries: [] };
}

/** The service leader first, then the other instances oldest first; never ourselves. */
async function peerOrder(options: RefillOptions): Promise<Instance[]> {
  const signal = options.signal ? { signal: options.signal } : {};
  const [instances, leader] = await Promise.all([
    options.discovery.instances(options.serviceName, signal),
    options.discovery.leader(options.serviceName, signal).catch(() => undefined),
  ]);
  const others = instances.filter((i) => i.addr !== options.selfAddr);
  const first = leader && leader.addr !== options.selfAddr ? others.find((i) => i.id === leader.id) : undefined;
  return first ? [first, ...others.filter((i) => i !== first)] : others;
}
