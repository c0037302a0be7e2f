import { lstat, mkdir, readlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
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
export interface RootfsMount {
  /** `-o` of the tmpfs mounted at `scratch`. */
  tmpfsOptions: string;
  /** `-o` of the overlay mounted at `rootfs`. */
  overlayOptions: string;
}

/** The mount options for a job's rootfs (validated: layer paths must not break the option syntax). */
export function rootfsMountOptions(opts: { scratch: string; lowerDirs: readonly string[]; sizeBytes: number }): RootfsMount {
  for (const d of [...opts.lowerDirs, opts.scratch]) {
    if (/[,:]/.test(d)) throw new RuntimeError('FLYNN_HOST_RUNTIME_INVALID_SPEC', `layer and state paths must not contain ',' or ':': ${d}`);
  }
  // overlayfs: the first lowerdir is the top layer.
  const lower = [...opts.lowerDirs].reverse().join(':');
  const overlayOptions = `lowerdir=${lower},upperdir=${opts.scratch}/upper,workdir=${opts.scratch}/work`;
  if (overlayOptions.length > 4000) throw new RuntimeError('FLYNN_HOST_RUNTIME_INVALID_SPEC', `too many/long layer paths for one overlay mount (${overlayOptions.length} bytes of options)`);
  return { tmpfsOptions: `size=${Math.max(4096, Math.floor(opts.sizeBytes))},mode=0755`, overlayOptions };
}

/**
 * Both mounts in one sh (a spawn from a big Node process is the expensive
 * part); the tmpfs is undone when the overlay fails. `$1` tmpfs options, `$2`
 * scratch, `$3` overlay options, `$4` rootfs.
 */
export const MOUNT_ROOTFS_SH =
  'mount -t tmpfs -o "$1" flynn-scratch "$2" && mkdir -m 0755 "$2/upper" && mkdir -m 0700 "$2/work" && { mount -t overlay -o "$3" flynn-rootfs "$4" || { umount "$2"; exit 1; }; }';

/** Mounts the rootfs from Node (the driver itself mounts inside its runtime wrapper, see oci-runtime.ts). */
export async function mountRootfs(opts: { scratch: string; rootfs: string; lowerDirs: readonly string[]; sizeBytes: number }): Promise<void> {
  const m = rootfsMountOptions(opts);
  await Promise.all([mkdir(opts.scratch, { recursive: true, mode: 0o700 }), mkdir(opts.rootfs, { recursive: true, mode: 0o755 })]);
  await execTool('/bin/sh', ['-c', MOUNT_ROOTFS_SH, 'flynn-mount', m.tmpfsOptions, opts.scratch, m.overlayOptions, opts.rootfs]);
}

/** Unmounts the overlay then the tmpfs; fine when either is not mounted. */
export async function unmountRootfs(opts: { scratch: string; rootfs: string }): Promise<void> {
  await unmount(opts.rootfs);
  await unmount(opts.scratch);
}

/**
 * Unmounts every given mount point with one `umount` (deepest first, as given): a spawn from a big
 * daemon is the expensive part (it forks the whole process), so one for all of a job's mounts. On
 * any failure each is retried alone (see {@link unmount}).
 */
export async function unmountAll(paths: readonly string[]): Promise<void> {
  if (paths.length === 0) return;
  try {
    await execTool('umount', ['--', ...paths]);
  } catch {
    for (const p of paths) await unmount(p);
  }
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

/**
 * A {@link LookupFs} over the image layers as overlayfs would merge them (top
 * layer first; a whiteout, a 0/0 character device, hides lower entries), for
 * paths relative to the container root `/`. Opaque directories are not
 * honoured: a file hidden by one may be "found" (the job then fails with 127).
 */
export function layeredLookupFs(lowerDirs: readonly string[]): LookupFs {
  const top = [...lowerDirs].reverse();
  const find = async (path: string): Promise<{ layer: string; st: Stats } | undefined> => {
    for (const layer of top) {
      try {
        const st = await lstat(layer + path);
        if (st.isCharacterDevice() && st.rdev === 0) return undefined;
        return { layer, st };
      } catch {
        /* not in this layer */
      }
    }
    return undefined;
  };
  return {
    async lstat(path) {
      const f = await find(path);
      if (!f) return undefined;
      const kind = f.st.isSymbolicLink() ? 'symlink' : f.st.isDirectory() ? 'dir' : f.st.isFile() ? 'file' : 'other';
      return { kind, executable: (f.st.mode & 0o111) !== 0 };
    },
    async readlink(path) {
      const f = await find(path);
      if (!f) throw new Error(`no such entry: ${path}`);
      return readlink(f.layer + path);
    },
  };
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
