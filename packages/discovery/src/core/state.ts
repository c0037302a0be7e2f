/**
 * The replicated state: services, their instances, leader and metadata.
 *
 * Immutable with structural sharing: the reducer returns a new
 * `DiscoveryState` that shares every untouched `ServiceState` (and every
 * untouched instance) with the old one. The maps are persistent trees
 * (`SortedMap`, `InstanceMap`), so a command costs O(log n) in the number of
 * services and of the service's instances, not a copy. Objects handed out
 * (instances, configs, metas) are frozen and may be kept by readers;
 * `ServiceMeta.data` is shared too and must not be mutated.
 */
import type { InstanceInput } from './commands.js';
import type { InstanceMap } from './instance-map.js';
import { compareStrings, SortedMap } from './sorted-map.js';
import type { Instance, ServiceConfig, ServiceMeta } from './types.js';

export interface ServiceState {
  readonly config: Readonly<ServiceConfig>;
  /** Live instances by id (a `ReadonlyMap`; iterates in index order). */
  readonly instances: InstanceMap;
  /**
   * The leader's instance id, `''` for none. For `oldest` services it is
   * always the live instance with the lowest index; for `manual` services it
   * is whatever was last set, and may name an instance that is not (or no
   * longer) registered, in which case the service has no visible leader.
   */
  readonly leader: string;
  readonly meta: ServiceMeta | undefined;
}

export interface DiscoveryState {
  /** Services by name (a `ReadonlyMap`; iterates in name order). */
  readonly services: SortedMap<string, ServiceState>;
}

export const EMPTY_STATE: DiscoveryState = Object.freeze({ services: SortedMap.empty<string, ServiceState>(compareStrings) });

export function emptyState(): DiscoveryState {
  return EMPTY_STATE;
}

/** Service names, sorted. */
export function serviceNames(state: DiscoveryState): string[] {
  return [...state.services.keys()];
}

/** A service's instances sorted by index (ties, which a valid log never has, by id). Cached per instance map. */
export function instancesOf(svc: ServiceState): readonly Instance[] {
  return svc.instances.sorted();
}

/** The leader instance, if the leader id names a live instance. */
export function leaderOf(svc: ServiceState): Instance | undefined {
  return svc.leader === '' ? undefined : svc.instances.get(svc.leader);
}

/** The instance a registration stores: frozen, `meta` omitted when empty, fields in wire order. */
export function makeInstance(input: InstanceInput, index: number): Instance {
  const { id, addr, proto, meta } = input;
  if (meta && Object.keys(meta).length > 0) return Object.freeze({ id, addr, proto, meta: Object.freeze({ ...meta }), index });
  return Object.freeze({ id, addr, proto, index });
}

/** The original's `Instance.Equal` minus the index: same addr, proto and meta (empty = absent). */
export function sameRegistration(a: Pick<Instance, 'addr' | 'proto' | 'meta'>, b: Pick<Instance, 'addr' | 'proto' | 'meta'>): boolean {
  return a.addr === b.addr && a.proto === b.proto && sameStringMap(a.meta, b.meta);
}

function sameStringMap(x: Readonly<Record<string, string>> | undefined, y: Readonly<Record<string, string>> | undefined): boolean {
  const xs = x ? Object.keys(x) : [];
  const ys = y ? Object.keys(y) : [];
  if (xs.length !== ys.length) return false;
  for (const k of xs) {
    if (!Object.hasOwn(y!, k) || y![k] !== x![k]) return false;
  }
  return true;
}

export function makeConfig(config: ServiceConfig): Readonly<ServiceConfig> {
  return Object.freeze({ leader_type: config.leader_type === 'manual' ? 'manual' : 'oldest' });
}

export function makeMeta(data: unknown, index: number): ServiceMeta {
  return Object.freeze({ data, index });
}
