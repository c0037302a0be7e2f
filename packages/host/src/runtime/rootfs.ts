import { lstat, mkdir, readlink } from 'node:fs/promises';
import { execTool } from './exec.js';
import type { LookupFs } from './core/rootfs-lookup.js';
import { RuntimeError } from './runtime-error.js';

/**
 * The job's root filesystem: a tmpfs of `sizeBytes` at `scratch` holding the
 * overlay's `upper` and `work` dirs, and an overlayfs at `rootfs` stacking the
 * read-only `lowerDirs` (bottom first) under that upper. Writes land in the
 * tmpfs (and count against the job's memory cgroup, as tmpfs pages do);
 * ENOSPC past `sizeBytes`; the layers are never written.
 */
export async function mountRootfs(opts: { scratch: string; rootfs: string; lowerDirs: readonly string[]; sizeBytes: number }): Promise<void> {
  for (const d of opts.lowerDirs) {
    if (/[,:]/.test(d)) throw new RuntimeError('FLYNN_HOST_RUNTIME_INVALID_SPEC', `layer path must not contain ',' or ':': ${d}`);
  }
  // overlayfs: the first lowerdir is the top layer.
  const lower = [...opts.lowerDirs].reverse().join(':');
  const options = `lowerdir=${lower},upperdir=${opts.scratch}/upper,workdir=${opts.scratch}/work`;
  if (options.length > 4000) throw new RuntimeError('FLYNN_HOST_RUNTIME_INVALID_SPEC', `too many/long layer paths for one overlay mount (${options.length} bytes of options)`);
  await mkdir(opts.scratch, { recursive: true, mode: 0o700 });
  await mkdir(opts.rootfs, { recursive: true, mode: 0o755 });
  const size = Math.max(4096, Math.floor(opts.sizeBytes));
  await execTool('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'flynn-scratch', opts.scratch]);
  try {
    await mkdir(`${opts.scratch}/upper`, { mode: 0o755 });
    await mkdir(`${opts.scratch}/work`, { mode: 0o700 });
    await execTool('mount', ['-t', 'overlay', '-o', options, 'flynn-rootfs', opts.rootfs]);
  } catch (err) {
    await unmount(opts.scratch);
    throw err;
  }
}

/** Unmounts the overlay then the tmpfs; fine when either is not mounted. */
export async function unmountRootfs(opts: { scratch: string; rootfs: string }): Promise<void> {
  await unmount(opts.rootfs);
  await unmount(opts.scratch);
}

/** `umount path`, ignoring "not mounted"; lazy as a last resort when busy. */
export async function unmount(path: string): Promise<void> {
  try {
    await execTool('umount', [path]);
  } catch (err) {
    const msg = String((err as Error).message);
    if (/not mounted|no mount point|No such file|not found/i.test(msg)) return;
    if (/busy/i.test(msg)) {
      await execTool('umount', ['-l', path]);
      return;
    }
    throw err;
  }
}

/** A {@link LookupFs} on the real filesystem. */
export const hostLookupFs: LookupFs = {
  async lstat(path) {
    try {
      const st = await lstat(path);
      const kind = st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
      return { kind, executable: (st.mode & 0o111) !== 0 };
    } catch {
      return undefined;
    }
  },
  readlink: (path) => readlink(path),
};
