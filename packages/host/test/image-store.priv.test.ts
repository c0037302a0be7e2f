// The image store's mounts (root): layers mounted read-only through loop
// devices, shared and reference-counted, found again by a restarted store;
// the busybox image runs under chroot; OCI whiteouts converted by the import
// really hide lower files when the layers are stacked with overlayfs.
// Everything mounted here is unmounted afterwards, also on failure.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, missingRequirements, waitFor } from '@flynn-ts/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LayerImageStore } from '../src/image/layer-store.js';
import { importOciLayout } from '../src/image/oci-import.js';
import { buildBusyboxImage } from '../src/testing/busybox-image.js';
import type { BusyboxImage } from '../src/testing/busybox-image.js';
import { makeOciLayout } from './image-oci-layout.js';

const missing = missingRequirements({ root: true, commands: ['mksquashfs', 'mount', 'umount', 'losetup', 'chroot', 'tar'], paths: ['/usr/bin/busybox'] });

const mountsUnder = (dir: string) =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((p) => p === dir || p.startsWith(`${dir}/`));
const loopsOf = (file: string) => execFileSync('losetup', ['-j', file], { encoding: 'utf8' }).trim();

describe.skipIf(missing)('LayerImageStore mounts (root)', () => {
  let tmp = '';
  let img: BusyboxImage;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'flynn-mnt-'));
    img = await buildBusyboxImage(join(tmp, 'images'));
  });

  afterAll(() => {
    if (!tmp) return;
    for (const m of mountsUnder(tmp).reverse()) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
    rmSync(tmp, { recursive: true, force: true });
  });

  it('prepares the busybox image: a read-only layer that runs under chroot', async () => {
    const store = new LayerImageStore({ dir: join(tmp, 'store1') });
    const { lowerDirs } = await store.prepare(img.mountspecs);
    const hash = img.mountspecs[0]!.hashes!.sha512_256!;
    expect(lowerDirs).toEqual([join(tmp, 'store1', 'mnt', hash)]);
    expect(mountsUnder(lowerDirs[0]!)).toEqual([lowerDirs[0]]);
    expect(execFileSync('chroot', [lowerDirs[0]!, '/bin/sh', '-c', 'echo hello from $(busybox | head -1 | cut -d" " -f1)'], { encoding: 'utf8' })).toBe('hello from BusyBox\n');
    const touch = spawnSync('chroot', [lowerDirs[0]!, '/bin/touch', '/x'], { encoding: 'utf8' });
    expect(touch.status).not.toBe(0);
    expect(touch.stderr).toMatch(/Read-only file system/);
    await store.release(img.mountspecs);
    expect(mountsUnder(lowerDirs[0]!)).toEqual([]);
    expect(loopsOf(store.layerPath(hash))).toBe(''); // the loop device went with the mount
  });

  it('shares one mount between jobs and unmounts after the last release', async () => {
    const store = new LayerImageStore({ dir: join(tmp, 'store2') });
    const hash = img.mountspecs[0]!.hashes!.sha512_256!;
    const [a, b] = await Promise.all([store.prepare(img.mountspecs), store.prepare(img.mountspecs)]);
    expect(a).toEqual(b);
    expect(mountsUnder(a.lowerDirs[0]!)).toHaveLength(1);
    expect(store.holds(hash)).toBe(2);
    await store.release(img.mountspecs);
    expect(mountsUnder(a.lowerDirs[0]!)).toHaveLength(1);
    expect(existsSync(join(a.lowerDirs[0]!, 'bin/busybox'))).toBe(true);
    await store.release(img.mountspecs);
    expect(mountsUnder(a.lowerDirs[0]!)).toHaveLength(0);
    await store.release(img.mountspecs); // not held: nothing happens
    expect(store.holds(hash)).toBe(0);
  });

  it('a restarted store reuses a mount made before instead of mounting twice', async () => {
    const dir = join(tmp, 'store3');
    const first = new LayerImageStore({ dir });
    const { lowerDirs } = await first.prepare(img.mountspecs);
    const second = new LayerImageStore({ dir }); // the daemon restarted; the job still runs
    expect(await second.prepare(img.mountspecs)).toEqual({ lowerDirs });
    expect(mountsUnder(lowerDirs[0]!)).toHaveLength(1);
    await second.release(img.mountspecs);
    expect(mountsUnder(lowerDirs[0]!)).toHaveLength(0);
  });

  it('with unmountDelayMs, a released layer stays mounted for a new job to take over, then is unmounted', async () => {
    const clock = new ManualClock();
    const store = new LayerImageStore({ dir: join(tmp, 'store-linger'), unmountDelayMs: 30_000, clock });
    const hash = img.mountspecs[0]!.hashes!.sha512_256!;
    const { lowerDirs } = await store.prepare(img.mountspecs);
    await store.release(img.mountspecs);
    expect(store.holds(hash)).toBe(0);
    expect(mountsUnder(lowerDirs[0]!)).toHaveLength(1); // lingering
    clock.advance(29_000);
    await store.prepare(img.mountspecs); // taken over, no second mount
    expect(mountsUnder(lowerDirs[0]!)).toHaveLength(1);
    clock.advance(60_000); // the old timer was cancelled
    expect(mountsUnder(lowerDirs[0]!)).toHaveLength(1);
    await store.release(img.mountspecs);
    clock.advance(30_000);
    await waitFor(() => mountsUnder(lowerDirs[0]!).length === 0, { what: 'the lingering layer unmounted' });
    expect(loopsOf(store.layerPath(hash))).toBe('');
  });

  it('stacks imported OCI layers with overlayfs: whiteouts delete, opaque directories hide', async () => {
    makeOciLayout(join(tmp, 'oci'), join(tmp, 'oci-work'));
    const imported = await importOciLayout({ layoutDir: join(tmp, 'oci'), outDir: join(tmp, 'oci-out') });
    const store = new LayerImageStore({ dir: join(tmp, 'store4') });
    const { lowerDirs } = await store.prepare(imported.mountspecs);
    const root = join(tmp, 'rootfs');
    mkdirSync(root);
    // overlayfs lists lower directories top first
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `ro,lowerdir=${[...lowerDirs].reverse().join(':')}`, root]);
    try {
      expect(readdirSync(join(root, 'etc'))).toEqual(['keep']); // etc/gone was whited out
      expect(readdirSync(join(root, 'opq'))).toEqual(['new']); // opq/old hidden by the opaque marker
      expect(readdirSync(join(root, 'newdir'))).toEqual([]); // opaque dir the layer had no entry for
      expect(readFileSync(join(root, 'etc/keep'), 'utf8')).toBe('keep\n');
      // ...while each layer alone still has what it had
      expect(readdirSync(join(lowerDirs[0]!, 'etc')).sort()).toEqual(['gone', 'keep']);
    } finally {
      execFileSync('umount', [root]);
    }
    await store.release(imported.mountspecs);
    expect(mountsUnder(join(tmp, 'store4'))).toEqual([]);
  });
});
