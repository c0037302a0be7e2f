/**
 * What discoverd does once the cluster has a raft leader (reference §1.1):
 * POST `{url, dns}` to the `-notify` webhook (best effort), then register
 * itself as service `discoverd` and keep heartbeating. Registration goes
 * through the node's own HTTP API, which redirects to the leader (member) or
 * to a peer (proxy), so it works in either role.
 */
import type { Clock, Logger, Random } from '@flynn-ts/core';
import { JsonClient } from '@flynn-ts/core/http';
import { DiscoveryClient } from '@flynn-ts/discovery';
import type { Heartbeater } from '@flynn-ts/discovery';
import type { DiscoveryNode } from '@flynn-ts/discovery/server';

export const SELF_SERVICE = 'discoverd';

export interface AnnounceOptions {
  node: DiscoveryNode;
  /** This node's API, `http://host:port`. */
  url: string;
  /** The advertised address, registered as the instance's `addr`. */
  advertise: string;
  /** The DNS address reported to the webhook ('' when DNS is off). */
  dns: string;
  notify?: string;
  jobId?: string;
  heartbeatMs: number;
  clock: Clock;
  random: Random;
  logger: Logger;
  /** Aborting stops waiting and retrying. */
  signal: AbortSignal;
}

export interface Announcement {
  client: DiscoveryClient;
  heartbeater: Heartbeater;
}

/** Waits for a leader, notifies, registers. Rejects only when aborted (or registration gives up). */
export async function announceSelf(o: AnnounceOptions): Promise<Announcement> {
  const leader = await waitForLeader(o);
  o.logger.info({ event: 'raft_leader_known', leader }, 'raft leader known');
  if (o.notify) await notify(o, o.notify);
  const client = new DiscoveryClient({ servers: [o.url], refreshServers: false, clock: o.clock, random: o.random, logger: o.logger });
  try {
    const heartbeater = await client.register(SELF_SERVICE, o.advertise, undefined, { heartbeatMs: o.heartbeatMs, signal: o.signal });
    o.logger.info({ event: 'self_registered', service: SELF_SERVICE, id: heartbeater.id, addr: heartbeater.addr }, 'registered as service discoverd');
    return { client, heartbeater };
  } catch (err) {
    await client.close();
    throw err;
  }
}

/** Polls until a leader is known: locally as a member, by asking the peers as a proxy. */
async function waitForLeader(o: AnnounceOptions): Promise<string> {
  let peersClient: JsonClient | undefined;
  try {
    for (;;) {
      o.signal.throwIfAborted();
      if (o.node.role === 'member') {
        const leader = o.node.leaderAddress();
        if (leader) return leader;
      } else if (o.node.role === 'proxy' && o.node.peers().length > 0) {
        peersClient ??= new JsonClient({ urls: () => o.node.peers().map((p) => `http://${p}`), retries: 0, timeoutMs: 2_000, clock: o.clock, random: o.random });
        const res = await peersClient.get<{ host?: unknown } | undefined>('/raft/leader', { signal: o.signal }).catch(() => undefined);
        if (typeof res?.host === 'string') return res.host;
      }
      await o.clock.sleep(100, o.signal);
    }
  } finally {
    await peersClient?.close();
  }
}

/** POSTs `{url, dns}` (plus `job_id` when known); a few attempts, failures only logged. */
async function notify(o: AnnounceOptions, target: string): Promise<void> {
  const body: Record<string, string> = { url: o.url, dns: o.dns };
  if (o.jobId) body.job_id = o.jobId;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const res = await fetch(target, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.any([o.signal, AbortSignal.timeout(5_000)]),
      });
      await res.body?.cancel();
      if (res.ok) {
        o.logger.info({ event: 'notified', url: target, status: res.status }, 'notified');
        return;
      }
      o.logger.warn({ event: 'notify_failed', url: target, status: res.status, attempt }, 'notify failed');
    } catch (err) {
      o.signal.throwIfAborted();
      o.logger.warn({ event: 'notify_failed', url: target, err, attempt }, 'notify failed');
    }
    await o.clock.sleep(1_000, o.signal);
  }
}
