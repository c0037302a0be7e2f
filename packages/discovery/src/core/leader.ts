/**
 * Service-leader election rules (reference §1.6).
 *
 * - `oldest` (the default): the leader is the live instance with the lowest
 *   index, recomputed whenever instances come or go; a `leader` event is
 *   emitted when it changes, without an instance when none is left.
 * - `manual`: the leader changes only through `set-leader` or a `set-meta`
 *   carrying `leader_id`; registrations and removals never move it.
 */
import { InstanceMap } from './instance-map.js';
import type { ServiceState } from './state.js';
import type { DiscoveryEvent, Instance } from './types.js';

/** The id of the live instance with the lowest index, or `''` (O(log n) for an `InstanceMap`). */
export function oldestInstanceId(instances: ReadonlyMap<string, Instance>): string {
  if (instances instanceof InstanceMap) return instances.oldest()?.id ?? '';
  let best: Instance | undefined;
  for (const inst of instances.values()) {
    if (!best || inst.index < best.index || (inst.index === best.index && inst.id < best.id)) best = inst;
  }
  return best ? best.id : '';
}

/** A `leader` event for `svc`'s current leader, or without instance when it has none. */
export function leaderEvent(service: string, leader: Instance | undefined): DiscoveryEvent {
  return leader ? { service, kind: 'leader', instance: leader } : { service, kind: 'leader' };
}

/**
 * Re-elects an `oldest` service's leader after its instances changed. Returns
 * the service with the new leader id, and appends a `leader` event to
 * `events` when the leader changed. `manual` services are returned as they are.
 */
export function reelect(service: string, svc: ServiceState, events: DiscoveryEvent[]): ServiceState {
  if (svc.config.leader_type === 'manual') return svc;
  const oldest = svc.instances.oldest();
  const leader = oldest?.id ?? '';
  if (leader === svc.leader) return svc;
  events.push(leaderEvent(service, oldest));
  return { ...svc, leader };
}
