import { afterEach, describe, expect, it } from 'vitest';
import { FakeNetworkManager } from '../testing/fake-network-manager.js';
import type { Harness } from './job-manager.test-helpers.js';
import { harness, job, until } from './job-manager.test-helpers.js';

// Network allocations after a daemon crash: restore releases those no job owns any more
// (BridgeNetworkManager lists them with jobIds()), and leaves those of jobs it re-attaches.

/** The fake network plus the listing capability of BridgeNetworkManager. */
class ListingFakeNetwork extends FakeNetworkManager {
  async jobIds(): Promise<string[]> {
    return [...this.attached.keys()];
  }
}

let h: Harness;
afterEach(async () => {
  await h?.manager.close();
  await h?.cleanup();
});

describe('JobManager restore: orphaned network allocations', () => {
  it('releases allocations of unknown jobs and keeps those of re-attached ones', async () => {
    const network = new ListingFakeNetwork();
    h = await harness({ network });
    await h.manager.configureNetwork({ subnet: '10.99.0.1/24' });
    await h.manager.add(job('h1-keep'));
    await until(() => h.manager.get('h1-keep')?.status === 'running');
    await h.manager.close();
    // What a crash can leave: an address whose job record is gone (never written, or pruned).
    await network.attach('h1-ghost');

    await h.reopen({ network });
    expect(h.manager.restoreResult.reattached).toEqual(['h1-keep']);
    expect(h.manager.restoreResult.reclaimedNetworks).toEqual(['h1-ghost']);
    expect(network.detached).toEqual(['h1-ghost']);
    expect([...network.attached.keys()]).toEqual(['h1-keep']);
  });

  it('releases the allocation of a job whose cleanup already ran', async () => {
    const network = new ListingFakeNetwork();
    h = await harness({ network });
    await h.manager.configureNetwork({ subnet: '10.99.0.1/24' });
    await h.manager.add(job('h1-done'));
    await until(() => h.manager.get('h1-done')?.status === 'running');
    h.driver.container('h1-done').exit(0);
    await until(() => h.store.get('h1-done')?.cleanedUp === true, 'cleanup');
    await h.manager.close();
    // The crash came between the cleanup's record and the detach's save: the address is still held.
    await network.attach('h1-done');
    network.detached.length = 0;

    await h.reopen({ network });
    expect(h.manager.restoreResult.reclaimedNetworks).toEqual(['h1-done']);
    expect(network.attached.size).toBe(0);
  });

  it('does nothing with a network manager that cannot list its allocations', async () => {
    const network = new FakeNetworkManager();
    h = await harness({ network });
    await network.attach('h1-ghost');
    await h.manager.close();
    await h.reopen({ network });
    expect(h.manager.restoreResult.reclaimedNetworks).toEqual([]);
    expect(network.detached).toEqual([]);
  });
});
