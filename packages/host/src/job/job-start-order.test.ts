import { afterEach, describe, expect, it } from 'vitest';
import { FakeImageStore } from '../testing/fake-image-store.js';
import { FakeNetworkManager } from '../testing/fake-network-manager.js';
import { MemoryJobStore } from '../testing/memory-job-store.js';
import type { MountSpec } from '../types.js';
import type { Harness } from './job-manager.test-helpers.js';
import { harness, job, kinds, until } from './job-manager.test-helpers.js';
import type { JobRecord } from './job-store.js';

// The start sequence against the durability of the job record, and the
// image holds a start takes (only those are released at cleanup).

let h: Harness;
afterEach(async () => {
  await h?.manager.close();
  await h?.cleanup();
});

const layers: MountSpec[] = [{ type: 'squashfs', id: 'base' }];
const statusOf = (id: string) => h.manager.get(id)?.status;

/** A store whose writes wait until the test opens the gate. */
class GatedStore extends MemoryJobStore {
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  close(): void {
    this.gate = new Promise((r) => (this.open = r));
  }
  release(): void {
    this.open?.();
    this.gate = undefined;
  }
  override async save(record: JobRecord): Promise<void> {
    if (this.gate) await this.gate;
    return super.save(record);
  }
}

describe('JobManager start order', () => {
  it('prepares the image while the create record is written, but makes the network and the container only once it is durable', async () => {
    const store = new GatedStore();
    const images = new FakeImageStore();
    const network = new FakeNetworkManager();
    await network.configure({ subnet: '10.99.0.1/24', mtu: 1500, resolvers: [] });
    h = await harness({ store, images, network });
    store.close();
    const added = h.manager.add(job('h1-order', {}, { mountspecs: layers }));
    await until(() => images.prepared.length === 1, 'image prepared before the record is durable');
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(network.attached.size).toBe(0);
    expect(h.driver.containers.size).toBe(0);
    expect(store.get('h1-order')).toBeUndefined();
    store.release();
    await added;
    await until(() => statusOf('h1-order') === 'running', 'running');
    expect(network.attached.has('h1-order')).toBe(true);
  });

  it('records what a start will set up in the first durable record, so a crash at any point is undone at cleanup', async () => {
    const network = new FakeNetworkManager();
    await network.configure({ subnet: '10.99.0.1/24', mtu: 1500, resolvers: [] });
    h = await harness({ images: new FakeImageStore(), network });
    let open!: () => void;
    h.driver.startGate = new Promise<void>((r) => (open = r));
    await h.manager.add(job('h1-plan', {}, { mountspecs: layers }));
    await h.manager.add(job('h1-hostnet', { host_network: true }));
    expect(h.store.get('h1-plan')?.setup).toEqual({ image: true, network: true });
    expect(h.store.get('h1-hostnet')?.setup).toEqual({});
    open();
    await until(() => statusOf('h1-plan') === 'running' && statusOf('h1-hostnet') === 'running');
  });

  it('a failed image prepare releases nothing at cleanup: another job’s hold on a shared layer stays', async () => {
    const images = new FakeImageStore();
    h = await harness({ images });
    await h.manager.add(job('h1-holder', {}, { mountspecs: layers }));
    await until(() => statusOf('h1-holder') === 'running');
    images.failNext = new Error('FLYNN_HOST_IMAGE_FETCH: layer server down');
    await h.manager.add(job('h1-nofetch', {}, { mountspecs: [...layers, { type: 'squashfs', id: 'app' }] }));
    await until(() => kinds(h.events, 'h1-nofetch').includes('cleanup'), 'cleanup');
    expect(h.manager.get('h1-nofetch')).toMatchObject({ status: 'failed', error: 'FLYNN_HOST_IMAGE_FETCH: layer server down' });
    expect(images.released).toEqual([]);
    h.driver.container('h1-holder').exit(0);
    await until(() => kinds(h.events, 'h1-holder').includes('cleanup'), 'cleanup');
    expect(images.released).toEqual([layers]);
  });
});
