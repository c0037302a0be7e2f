/**
 * The planner's running account of every host: capacity, what the jobs on it
 * (and the ones placed earlier in the same plan) request, and a random rank
 * that breaks ties. One ledger lives for one `plan()` call.
 */
import type { Random } from '@flynn-ts/core';
import type { ClusterView, HostView, ResourceAmount } from './model.js';
import { holdsResources } from './model.js';
import { usableCapacity } from './resources.js';

export interface LedgerHost {
  readonly id: string;
  readonly host: HostView;
  readonly capacity: ResourceAmount;
  /** Requested memory of the jobs on the host, bytes. */
  usedMemory: number;
  /** Requested CPU of the jobs on the host, milli-CPUs. */
  usedCpu: number;
  /** Position in this plan's random host order (0 first); unique, breaks every tie. */
  readonly rank: number;
  /** Counts for omni types: not draining and not down. */
  readonly active: boolean;
  /** May receive new jobs: active and healthy. */
  readonly placeable: boolean;
}

export class HostLedger {
  private readonly byId = new Map<string, LedgerHost>();
  /** Hosts in rank order. */
  readonly hosts: readonly LedgerHost[];

  constructor(view: ClusterView, random: Random) {
    const sorted = [...view.hosts].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const order = random.shuffle(sorted);
    const hosts: LedgerHost[] = [];
    order.forEach((host, rank) => {
      if (this.byId.has(host.id)) return; // a duplicate id: the first one wins
      const health = host.health ?? 'up';
      const active = health !== 'down' && host.shutdown !== true;
      const entry: LedgerHost = {
        id: host.id,
        host,
        capacity: usableCapacity(host.capacity),
        usedMemory: 0,
        usedCpu: 0,
        rank,
        active,
        placeable: active && health === 'up',
      };
      this.byId.set(host.id, entry);
      hosts.push(entry);
    });
    this.hosts = hosts;
    for (const job of view.jobs) {
      if (!holdsResources(job)) continue;
      const h = this.byId.get(job.hostId!);
      if (h) {
        h.usedMemory += job.resources.memory;
        h.usedCpu += job.resources.cpu;
      }
    }
  }

  get(hostId: string): LedgerHost | undefined {
    return this.byId.get(hostId);
  }

  /** The host is absent from the view or down: its jobs are lost. */
  isGone(hostId: string): boolean {
    const h = this.byId.get(hostId);
    return h === undefined || (h.host.health ?? 'up') === 'down';
  }
}

export function fits(h: LedgerHost, request: ResourceAmount): boolean {
  return h.usedMemory + request.memory <= h.capacity.memory && h.usedCpu + request.cpu <= h.capacity.cpu;
}

export function reserve(h: LedgerHost, request: ResourceAmount): void {
  h.usedMemory += request.memory;
  h.usedCpu += request.cpu;
}

/** Memory in use as a fraction of capacity; a host without memory sorts last. */
export function memoryLoad(h: LedgerHost): number {
  return h.capacity.memory > 0 ? h.usedMemory / h.capacity.memory : Number.POSITIVE_INFINITY;
}
