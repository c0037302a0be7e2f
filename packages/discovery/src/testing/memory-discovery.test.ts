import { ManualClock, seededRandom } from '@flynn-ts/core/testing';
import { describeDiscoveryClient } from './describe-discovery-client.js';
import { MemoryDiscovery } from './memory-discovery.js';
import { MemoryDiscoveryStore } from './memory-discovery-store.js';

describeDiscoveryClient('MemoryDiscovery', () => {
  const clock = new ManualClock();
  const store = new MemoryDiscoveryStore({ clock });
  const make = () => new MemoryDiscovery({ store, random: seededRandom(1) });
  return { client: make(), newClient: make, dispose: async () => store.close() };
});
