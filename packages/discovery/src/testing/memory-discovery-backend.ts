/**
 * A `DiscoveryBackend` over a `MemoryDiscoveryStore`, so the fake can be
 * served with the real HTTP API (`createDiscoveryApi(backend)` + `serve()`):
 * a single, always-leader "node" without raft, for testing HTTP clients
 * across the wire. Cluster operations (peers, promote, demote) are refused.
 */
import { FlynnError } from '@flynn-ts/core';
import type { DiscoveryBackend, MetaWrite, Subscription } from '../server/backend.js';
import type { DiscoveryEvent, EventKindSet, Instance, ServiceConfig, ServiceMeta } from '../core/types.js';
import type { MemoryDiscoveryStore } from './memory-discovery-store.js';

export interface MemoryBackendOptions {
  /**
   * This node's `host:port`, for `Discoverd-Peers`, `/raft/leader` and
   * `/raft/peers`; a function may answer later (after `serve()` bound a
   * port). While unknown, the peers header is left out.
   */
  address?: string | (() => string | undefined);
}

export function memoryDiscoveryBackend(store: MemoryDiscoveryStore, options: MemoryBackendOptions = {}): DiscoveryBackend {
  const address = (): string | undefined => (typeof options.address === 'function' ? options.address() : options.address);
  const unsupported = (what: string) =>
    Promise.reject(new FlynnError('FLYNN_DISCOVERY_UNSUPPORTED', `memory discovery backend: ${what} is not supported`, { apiCode: 'validation_error' }));
  return {
    getService: async (service): Promise<ServiceConfig | undefined> => store.getService(service),
    getInstances: async (service): Promise<Instance[] | undefined> => store.getInstances(service),
    getLeader: async (service): Promise<Instance | undefined> => store.getLeader(service),
    getMeta: async (service): Promise<ServiceMeta | undefined> => store.getMeta(service),
    listServices: async () => store.serviceNames(),
    addService: async (service, config) => store.addService(service, config),
    removeService: async (service) => store.removeService(service),
    register: async (service, instance) => store.register(service, instance),
    deregister: async (service, id) => store.deregister(service, id),
    setMeta: async (service, write: MetaWrite) => store.setMeta(service, write),
    setLeader: async (service, id) => store.setLeader(service, id),
    subscribe: (service: string, kinds: EventKindSet, onEvent: (e: DiscoveryEvent, index?: number) => void): Subscription => store.subscribe(service, kinds, onEvent),
    lastIndex: () => store.lastIndex,
    peers: () => {
      const a = address();
      if (a === undefined) throw new FlynnError('FLYNN_DISCOVERY_NO_ADDRESS', 'memory discovery backend: address not known yet');
      return [a];
    },
    leaderAddress: address,
    selfAddress: () => address() ?? '',
    isMember: () => true,
    addPeer: () => unsupported('addPeer'),
    removePeer: () => unsupported('removePeer'),
    promote: () => unsupported('promote'),
    demote: () => unsupported('demote'),
    shutdown: async () => ({ last_index: store.lastIndex }),
  };
}
