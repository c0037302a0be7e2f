/** Options of the {@link Scheduler} loop, with their defaults. */
import { cpus, totalmem } from 'node:os';
import type { Clock, Logger, Random } from '@flynn-ts/core';
import type { ServiceDiscovery } from '@flynn-ts/discovery';
import type { ResourceAmount } from '../core/model.js';
import type { HostConnector, RouterConnector, SchedulerController } from './ports.js';
import type { WireHostStatus } from './wire.js';

export interface SchedulerTuning {
  /** Delay between an observation and the plan it triggers (coalesces bursts). Default 20 ms. */
  debounceMs?: number;
  /** Poll period of unhealthy hosts. Default 1 000 ms. */
  hostCheckIntervalMs?: number;
  /** Failed polls before a host is down and its jobs are replaced. Default 10. */
  maxFailedChecks?: number;
  /** Bounded wait for the routers' `backend-up`. Default 10 000 ms. */
  routerWaitMs?: number;
  /** Bounded wait for `backend-drained` before stopping a job. Default 10 000 ms. */
  drainTimeoutMs?: number;
  /** Full formation listing period. Default 60 000 ms. */
  formationSyncMs?: number;
  /** Job listing of every host, and a plan, this often. Default 30 000 ms. */
  jobSyncMs?: number;
  /** How long a new host may take to list its jobs before plans stop waiting for it. Default 10 000 ms. */
  hostSyncTimeoutMs?: number;
  /** Starts in progress per host (sent, not yet running on the host). Default 4, the host's default limit. */
  maxStartsPerHost?: number;
  /** Job state writes in flight at once. Default 16. */
  persistConcurrency?: number;
}

export interface SchedulerOptions {
  controller: SchedulerController;
  discovery: ServiceDiscovery;
  /** Makes a host's client from its `flynn-host` instance. */
  connectHost: HostConnector;
  /** Makes a router's client from its `router-api` address. Default: HTTP ({@link httpRouterConnector}). */
  connectRouter?: RouterConnector;
  /**
   * The address this scheduler registers in `controller-scheduler` for the
   * leader election (unique per scheduler, e.g. its `/debug/state`
   * listener). Without it there is no election: this scheduler leads alone.
   */
  advertiseAddr?: string;
  /** A name for logs and `/debug/state`. Default `advertiseAddr` or `scheduler`. */
  name?: string;
  /**
   * A host's capacity when its status reports none (hosts do not report one
   * yet). Default {@link defaultHostCapacity}.
   */
  hostCapacity?: (hostId: string) => ResourceAmount | undefined;
  /** The capacity of hosts that report none and have no `hostCapacity`. Default this machine's memory and CPUs. */
  defaultHostCapacity?: ResourceAmount;
  tuning?: SchedulerTuning;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
}

/** This machine's memory and CPUs (1000 milli-CPU each). */
export function machineCapacity(): ResourceAmount {
  return { memory: totalmem(), cpu: Math.max(1, cpus().length) * 1000 };
}

/** The capacity a host's status reports (when it does), else the configured one. */
export function capacityResolver(o: SchedulerOptions): (hostId: string, status: WireHostStatus | undefined) => ResourceAmount {
  const fallback = o.defaultHostCapacity ?? machineCapacity();
  return (hostId, status) => {
    const c = status?.capacity;
    const ok = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0;
    const configured = o.hostCapacity?.(hostId) ?? fallback;
    return { memory: ok(c?.memory) ? c.memory : configured.memory, cpu: ok(c?.cpu) ? c.cpu : configured.cpu };
  };
}
