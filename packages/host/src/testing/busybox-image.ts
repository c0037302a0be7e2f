/**
 * A tiny flynn image for tests: a static busybox with its applet links, a
 * minimal /etc, one squashfs layer (~1 MB) and a manifest whose mountspec
 * points at the layer by file:// URL.
 *
 * ```ts
 * const img = await buildBusyboxImage(tmpDir);
 * await host.putJob({ id, mountspecs: img.mountspecs, config: { args: ['/bin/sh', '-c', 'echo hi'] } });
 * ```
 *
 * Deterministic (root-owned, timestamps 0): the same busybox binary always
 * gives the same layer hash and manifest id. Needs `mksquashfs` and a
 * statically linked busybox (Debian's busybox-static, /usr/bin/busybox).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, open, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { ImageManifest } from '../image/core/manifest.js';
import { buildSquashfsLayer } from '../image/squashfs.js';
import { writeImage } from '../image/write-image.js';
import type { MountSpec } from '../types.js';

export interface BusyboxImage {
  manifest: ImageManifest;
  manifestId: string;
  manifestPath: string;
  /** One squashfs mountspec with a file:// url, size and sha512_256. */
  mountspecs: MountSpec[];
  layerPath: string;
}

export interface BusyboxImageOptions {
  /** A statically linked busybox; default /usr/bin/busybox. */
  busybox?: string;
}

const memo = new Map<string, Promise<BusyboxImage>>();

/**
 * Builds the busybox image in `dir` (`layers/`, `<manifestId>.json`); within
 * one process a second call for the same directory returns the first result
 * while its files are still there.
 */
export async function buildBusyboxImage(dir: string, opts: BusyboxImageOptions = {}): Promise<BusyboxImage> {
  const busybox = opts.busybox ?? '/usr/bin/busybox';
  const key = `${dir}\0${busybox}`;
  const known = memo.get(key);
  if (known) {
    const img = await known.catch(() => undefined);
    if (img && existsSync(img.layerPath) && existsSync(img.manifestPath)) return img;
    if (memo.get(key) === known) memo.delete(key);
  }
  let p = memo.get(key);
  if (!p) {
    p = build(dir, busybox);
    memo.set(key, p);
    p.catch(() => memo.delete(key));
  }
  return p;
}

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n';
const GROUP = 'root:x:0:\nnogroup:x:65534:\n';

async function build(dir: string, busybox: string): Promise<BusyboxImage> {
  await assertStatic(busybox);
  const work = await mkdtemp(join(tmpdir(), 'flynn-busybox-'));
  try {
    const root = join(work, 'rootfs');
    for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'proc', 'sys', 'dev', 'root', 'home', 'run', 'var/tmp']) await mkdir(join(root, d), { recursive: true });
    await mkdir(join(root, 'tmp'));
    await chmod(join(root, 'tmp'), 0o1777);
    await copyFile(busybox, join(root, 'bin/busybox'));
    await chmod(join(root, 'bin/busybox'), 0o755);
    const { stdout } = await promisify(execFile)(busybox, ['--list-full']);
    for (const applet of stdout.split('\n').map((l) => l.trim()).filter(Boolean)) {
      if (applet === 'bin/busybox' || applet.includes('..')) continue;
      await mkdir(join(root, dirname(applet)), { recursive: true });
      await symlink('/bin/busybox', join(root, applet)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
    }
    await writeFile(join(root, 'etc/passwd'), PASSWD);
    await writeFile(join(root, 'etc/group'), GROUP);
    await writeFile(join(root, 'etc/hosts'), '127.0.0.1 localhost\n');
    await writeFile(join(root, 'etc/hostname'), 'busybox\n');
    await writeFile(join(root, 'etc/resolv.conf'), ''); // a bind-mount target
    const layer = await buildSquashfsLayer(root, { outDir: join(dir, 'layers'), allRoot: true, zeroTimes: true });
    const image = await writeImage({
      dir,
      layers: [layer],
      entrypoints: { _default: { args: ['/bin/sh'], cwd: '/', env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root' } } },
      meta: { 'flynn-ts.test-image': 'busybox' },
    });
    return { manifest: image.manifest, manifestId: image.manifestId, manifestPath: image.manifestPath, mountspecs: image.mountspecs, layerPath: layer.path };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Refuses a dynamically linked busybox (it would not run in a rootfs without its libc): ELF with a PT_INTERP. */
async function assertStatic(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(64);
    await fh.read(head, 0, 64, 0);
    if (head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2) throw new Error(`${path} is not a 64-bit ELF binary`);
    const phoff = Number(head.readBigUInt64LE(32));
    const phentsize = head.readUInt16LE(54);
    const phnum = head.readUInt16LE(56);
    const ph = Buffer.alloc(phentsize * phnum);
    await fh.read(ph, 0, ph.length, phoff);
    for (let i = 0; i < phnum; i++) {
      if (ph.readUInt32LE(i * phentsize) === 3) throw new Error(`${path} is dynamically linked; install busybox-static`);
    }
  } finally {
    await fh.close();
  }
}
