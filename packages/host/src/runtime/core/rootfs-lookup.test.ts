import { describe, expect, it } from 'vitest';
import { findCommandInRoot, resolveInRoot } from './rootfs-lookup.js';
import type { LookupFs } from './rootfs-lookup.js';

/** A fake filesystem: path → entry (paths absolute on the "host"). */
function fakeFs(entries: Record<string, { kind: 'file' | 'dir' | 'other'; executable?: boolean } | { link: string }>): LookupFs {
  return {
    async lstat(p) {
      const e = entries[p];
      if (!e) return undefined;
      if ('link' in e) return { kind: 'symlink', executable: true };
      return { kind: e.kind, executable: e.executable ?? false };
    },
    async readlink(p) {
      const e = entries[p];
      if (!e || !('link' in e)) throw new Error('EINVAL');
      return e.link;
    },
  };
}

const root = '/r';
const fs = fakeFs({
  '/r/bin': { link: 'usr/bin' },
  '/r/usr': { kind: 'dir' },
  '/r/usr/bin': { kind: 'dir' },
  '/r/usr/bin/busybox': { kind: 'file', executable: true },
  '/r/usr/bin/sh': { link: 'busybox' },
  '/r/usr/bin/abs': { link: '/usr/bin/busybox' },
  '/r/usr/bin/up': { link: '../../../../usr/bin/busybox' },
  '/r/usr/bin/loop': { link: 'loop' },
  '/r/usr/bin/data': { kind: 'file', executable: false },
  '/r/app': { kind: 'dir' },
  '/r/app/run': { kind: 'file', executable: true },
});

describe('resolveInRoot', () => {
  it('follows relative and absolute symlinks inside the root', async () => {
    expect((await resolveInRoot(root, '/bin/sh', fs))?.hostPath).toBe('/r/usr/bin/busybox');
    expect((await resolveInRoot(root, '/bin/abs', fs))?.hostPath).toBe('/r/usr/bin/busybox');
  });

  it('never leaves the root through ..', async () => {
    expect((await resolveInRoot(root, '/bin/up', fs))?.hostPath).toBe('/r/usr/bin/busybox');
    expect((await resolveInRoot(root, '/../../r/app/run', fs))).toBeUndefined();
    expect((await resolveInRoot(root, '/../../app/run', fs))?.hostPath).toBe('/r/app/run');
  });

  it('gives up on symlink loops and missing entries', async () => {
    expect(await resolveInRoot(root, '/bin/loop', fs)).toBeUndefined();
    expect(await resolveInRoot(root, '/bin/nope', fs)).toBeUndefined();
    expect(await resolveInRoot(root, '/app/run/x', fs)).toBeUndefined();
  });
});

describe('findCommandInRoot', () => {
  it('searches PATH like execvp, and resolves names with a slash against cwd', async () => {
    expect(await findCommandInRoot(root, 'sh', '/usr/local/bin:/bin', '/', fs)).toBe('/r/usr/bin/busybox');
    expect(await findCommandInRoot(root, './run', '/bin', '/app', fs)).toBe('/r/app/run');
    expect(await findCommandInRoot(root, '/app/run', '', '/', fs)).toBe('/r/app/run');
  });

  it('refuses what is missing or not executable', async () => {
    expect(await findCommandInRoot(root, 'nope', '/bin:/usr/bin', '/', fs)).toBeUndefined();
    expect(await findCommandInRoot(root, 'data', '/bin', '/', fs)).toBeUndefined();
    expect(await findCommandInRoot(root, 'usr', '/', '/', fs)).toBeUndefined();
  });
});
