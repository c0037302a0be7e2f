import type { Instance } from '../core/types.js';
import { dnsInstance, type DnsInstance, type DnsView } from './core/dns-view.js';

export interface StaticService {
  instances: readonly Instance[];
  /** The leader's instance id; default: the instance with the lowest index (`oldest`). */
  leader?: string;
}

/**
 * A fixed view, for tests and benchmarks: service name → instances (as a
 * list, or with an explicit leader). Instances are sorted by index.
 */
export function staticDnsView(services: Record<string, readonly Instance[] | StaticService>): DnsView {
  const instances = new Map<string, readonly DnsInstance[]>();
  const leaders = new Map<string, DnsInstance>();
  for (const [service, spec] of Object.entries(services)) {
    const s: StaticService = Array.isArray(spec) ? { instances: spec as readonly Instance[] } : (spec as StaticService);
    const list = [...s.instances].sort((a, b) => a.index - b.index).map((i) => dnsInstance(service, i));
    instances.set(service, list);
    const leader = s.leader === undefined ? list[0] : list.find((d) => d.instance.id === s.leader);
    if (leader !== undefined) leaders.set(service, leader);
  }
  return {
    instances: (service) => instances.get(service),
    leader: (service) => leaders.get(service),
  };
}
