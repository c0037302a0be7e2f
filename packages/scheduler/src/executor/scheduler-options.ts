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
   * Overrides a host's capacity (return undefined to keep what the host
   * reports). Default: none.
   */
  hostCapacity?: (hostId: string) => ResourceAmount | undefined;
  /**
   * The capacity of hosts whose status reports none (`resources.memory.limit`,
   * `resources.cpu.limit`; the original's hosts do not). Default this
   * machine's memory and CPUs.
   */
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

/** A host's capacity: the override, else what its status reports, else the default. */
export function capacityResolver(o: SchedulerOptions): (hostId: string, status: WireHostStatus | undefined) => ResourceAmount {
  const fallback = o.defaultHostCapacity ?? machineCapacity();
  const ok = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0;
  return (hostId, status) => {
    const override = o.hostCapacity?.(hostId);
    if (override) return override;
    const memory = status?.resources?.memory?.limit;
    const cpu = status?.resources?.cpu?.limit;
    return { memory: ok(memory) ? memory : fallback.memory, cpu: ok(cpu) ? cpu : fallback.cpu };
  };
}
