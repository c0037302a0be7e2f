/**
 * Where a one-off job runs. The original picked a random host; the default
 * picker here does the same, skipping hosts whose client cannot run jobs or
 * does not answer a ping (so a host that just died does not fail the request
 * while another one is up).
 */
import { linkSignals, noopLogger, systemClock } from '@flynn-ts/core';
import type { Clock, Logger, Random } from '@flynn-ts/core';
import { unavailable } from '../errors.js';
import type { HostClientFor, HostInfo, JobRunner } from '../host-client.js';
import { isJobRunner } from '../host-client.js';
import type { App, Release } from '../types.js';

export interface PickedHost {
  id: string;
  client: JobRunner;
}

export interface HostPickRequest {
  app: App;
  release: Release;
  signal?: AbortSignal;
}

/** Chooses the host of a one-off job; rejects (503 `service_unavailable`) when none can take it. */
export type HostPicker = (request: HostPickRequest) => Promise<PickedHost>;

export interface RandomHostPickerOptions {
  hosts: () => Promise<readonly HostInfo[]>;
  hostClientFor: HostClientFor;
  random: Random;
  /** How long a host may take to answer its ping. Default 2000 ms. */
  pingTimeoutMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/** A random host among those that answer (hosts are tried in a random order). */
export function randomHostPicker(options: RandomHostPickerOptions): HostPicker {
  const logger = options.logger ?? noopLogger;
  const clock = options.clock ?? systemClock;
  return async (request) => {
    const hosts = options.random.shuffle(await options.hosts());
    if (hosts.length === 0) throw unavailable('no hosts found');
    for (const host of hosts) {
      try {
        const client = await options.hostClientFor(host.id);
        if (!isJobRunner(client)) {
          logger.warn({ event: 'host_skipped', hostId: host.id, reason: 'client cannot run jobs' }, 'host skipped');
          continue;
        }
        if (client.ping) {
          const linked = linkSignals([request.signal], { timeoutMs: options.pingTimeoutMs ?? 2_000, clock, what: `ping host ${host.id}` });
          try {
            await client.ping(linked.signal);
          } finally {
            linked.dispose();
          }
        }
        return { id: host.id, client };
      } catch (err) {
        if (request.signal?.aborted) throw err;
        logger.warn({ event: 'host_skipped', hostId: host.id, err }, 'host does not answer; trying another');
      }
    }
    throw unavailable(`none of the ${hosts.length} hosts answered`);
  };
}
