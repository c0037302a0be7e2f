import { afterEach, describe, expect, it } from 'vitest';
import { FakeImageStore } from '../testing/fake-image-store.js';
import type { MountSpec } from '../types.js';
import type { Harness } from './job-manager.test-helpers.js';
import { harness, job, kinds, until } from './job-manager.test-helpers.js';

// Image holds across a daemon restart: each JobManager process has its own
// ImageStore (holds are counted in memory), so a restarted manager must take
// the holds of the jobs it re-attaches to again, or their cleanup would not
// release (unmount) the layers.

let h: Harness;
afterEach(async () => {
  await h?.manager.close();
  await h?.cleanup();
});

const layers = (n: string): MountSpec[] => [{ type: 'squashfs', id: `${n}-base`, url: `file:///layers/${n}-base.squashfs` }, { type: 'squashfs', id: `${n}-app` }];
const statusOf = (id: string) => h.manager.get(id)?.status;
const ids = (specs: MountSpec[][]) => specs.map((s) => s.map((m) => m.id).join('+'));

describe('JobManager restore: image holds', () => {
  it('re-takes the image hold of a re-attached running job, and releases it after the job exits', async () => {
    const before = new FakeImageStore();
    h = await harness({ images: before });
    await h.manager.add(job('h1-img', {}, { mountspecs: layers('a') }));
    await until(() => statusOf('h1-img') === 'running');
    expect(ids(before.prepared)).toEqual(['a-base+a-app']);
    await h.manager.close();

    const after = new FakeImageStore(); // a new daemon process: no holds yet
    await h.reopen({ images: after });
    expect(h.manager.restoreResult.reattached).toEqual(['h1-img']);
    expect(ids(after.prepared)).toEqual(['a-base+a-app']);
    expect(after.released).toEqual([]);

    h.driver.container('h1-img').exit(0);
    await until(() => kinds(h.events, 'h1-img').includes('cleanup'), 'cleanup');
    expect(ids(after.released)).toEqual(['a-base+a-app']);
    expect(before.released).toEqual([]);
  });

  it('a job that exited while the daemon was down: hold re-taken, then released by its cleanup', async () => {
    h = await harness({ images: new FakeImageStore() });
    await h.manager.add(job('h1-gone-img', {}, { mountspecs: layers('b') }));
    await until(() => statusOf('h1-gone-img') === 'running');
    await h.manager.close();
    h.driver.container('h1-gone-img').exit(4);

    const after = new FakeImageStore();
    await h.reopen({ images: after });
    await until(() => kinds(h.events, 'h1-gone-img').includes('cleanup'), 'cleanup');
    expect(h.manager.get('h1-gone-img')).toMatchObject({ status: 'crashed', exit_status: 4 });
    expect(ids(after.prepared)).toEqual(['b-base+b-app']);
    expect(ids(after.released)).toEqual(['b-base+b-app']);
  });

  it('a vanished container: the hold is re-taken and released, so the layer the old daemon left mounted goes', async () => {
    h = await harness({ images: new FakeImageStore() });
    await h.manager.add(job('h1-lost-img', {}, { mountspecs: layers('c') }));
    await until(() => statusOf('h1-lost-img') === 'running');
    await h.manager.close();
    h.driver.forget('h1-lost-img');

    const after = new FakeImageStore();
    await h.reopen({ images: after });
    // Lost jobs are cleaned up during the restore itself (before the harness subscribes): read the record.
    await until(() => h.store.get('h1-lost-img')?.cleanedUp === true, 'cleanup');
    expect(statusOf('h1-lost-img')).toBe('crashed');
    expect(ids(after.prepared)).toEqual(['c-base+c-app']);
    expect(ids(after.released)).toEqual(['c-base+c-app']);
  });

  it('after a host reboot nothing is re-held (the mounts are gone)', async () => {
    h = await harness({ images: new FakeImageStore() });
    await h.manager.add(job('h1-reboot-img', {}, { mountspecs: layers('d') }));
    await until(() => statusOf('h1-reboot-img') === 'running');
    await h.manager.close();
    h.driver.forget('h1-reboot-img');

    const rebooted = new FakeImageStore();
    await h.reopen({ images: rebooted, bootId: 'boot-2' });
    await until(() => h.store.get('h1-reboot-img')?.cleanedUp === true, 'cleanup');
    expect(statusOf('h1-reboot-img')).toBe('crashed');
    expect(rebooted.prepared).toEqual([]);
  });

  it('a re-attached job without mountspecs takes no hold', async () => {
    h = await harness({ images: new FakeImageStore() });
    await h.manager.add(job('h1-noimg'));
    await until(() => statusOf('h1-noimg') === 'running');
    await h.manager.close();
    const after = new FakeImageStore();
    await h.reopen({ images: after });
    expect(h.manager.restoreResult.reattached).toEqual(['h1-noimg']);
    expect(after.prepared).toEqual([]);
  });

  it('a failing re-hold is logged, the job is still re-attached and followed', async () => {
    h = await harness({ images: new FakeImageStore() });
    await h.manager.add(job('h1-rehold-fail', {}, { mountspecs: layers('e') }));
    await until(() => statusOf('h1-rehold-fail') === 'running');
    await h.manager.close();

    const after = new FakeImageStore();
    after.failNext = new Error('layer file vanished');
    await h.reopen({ images: after });
    expect(h.manager.restoreResult.reattached).toEqual(['h1-rehold-fail']);
    h.driver.container('h1-rehold-fail').exit(0);
    await until(() => kinds(h.events, 'h1-rehold-fail').includes('cleanup'), 'cleanup');
    expect(statusOf('h1-rehold-fail')).toBe('done');
    expect(after.released).toEqual([]); // no hold was taken, so none is given back (it could be another job's)
  });
});
