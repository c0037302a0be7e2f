/**
 * `flynn-host image build-base`: the base image of the stack (what slugrunner
 * and most system apps run on), made with debootstrap from Debian's packages,
 * one squashfs layer, cached per suite/variant in `dir`.
 *
 * Needs root, `debootstrap` and a reachable Debian mirror; the tests of this
 * repository do not run it (they reach no network). See DESIGN.md ("Networking and images").
 */
import { access, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeFileDurable } from '../job/atomic-file.js';
import { runCommand } from '../network/run-command.js';
import { mountspecsFromManifest } from './core/manifest.js';
import type { ImageManifest } from './core/manifest.js';
import { ImageError } from './image-error.js';
import { buildSquashfsLayer } from './squashfs.js';
import type { SquashfsLayer } from './squashfs.js';
import { writeImage } from './write-image.js';
import type { WrittenImage } from './write-image.js';

export interface BaseImageOptions {
  /** Cache and output directory (`layers/`, manifests, `base-<suite>-<variant>.json`). */
  dir: string;
  /** Default `bookworm`. */
  suite?: string;
  /** Default: debootstrap's own default (deb.debian.org). */
  mirror?: string;
  /** Default `minbase`. */
  variant?: 'minbase' | 'buildd' | 'fakechroot';
  /** Extra packages (`--include`). */
  include?: string[];
  /** Rebuild even when cached. */
  force?: boolean;
}

export interface BaseImage extends WrittenImage {
  layer: SquashfsLayer;
  cached: boolean;
}

interface CacheRecord {
  manifestId: string;
  layer: SquashfsLayer;
}

export async function buildBaseImage(o: BaseImageOptions): Promise<BaseImage> {
  const suite = o.suite ?? 'bookworm';
  const variant = o.variant ?? 'minbase';
  if (!/^[a-z0-9-]+$/.test(suite)) throw new ImageError('FLYNN_HOST_IMAGE_INVALID', `invalid suite ${JSON.stringify(suite)}`);
  await mkdir(o.dir, { recursive: true });
  const indexPath = join(o.dir, `base-${suite}-${variant}.json`);
  if (!o.force) {
    const hit = await readCache(o.dir, indexPath);
    if (hit) return hit;
  }
  const work = await mkdtemp(join(o.dir, '.debootstrap-'));
  try {
    const rootfs = join(work, 'rootfs');
    const args = [`--variant=${variant}`];
    if (o.include?.length) args.push(`--include=${o.include.join(',')}`);
    args.push(suite, rootfs);
    if (o.mirror) args.push(o.mirror);
    await runCommand('debootstrap', args).catch((err: unknown) => {
      throw new ImageError('FLYNN_HOST_IMAGE_BUILD', `debootstrap ${suite} failed: ${(err as Error).message}`, { cause: err });
    });
    // Package caches make the layer bigger and are of no use in a job.
    await runCommand('sh', ['-c', 'rm -rf var/cache/apt/archives/*.deb var/cache/apt/*.bin var/lib/apt/lists/* var/log/*.log'], { cwd: rootfs });
    // proc, sys and dev stay (empty mount points; debootstrap's device nodes are unusable on the nodev layer mount)
    const layer = await buildSquashfsLayer(rootfs, { outDir: join(o.dir, 'layers') });
    const image = await writeImage({
      dir: o.dir,
      layers: [layer],
      entrypoints: {
        _default: { env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', TERM: 'xterm', HOME: '/' }, cwd: '/', args: ['/bin/bash'] },
      },
      meta: { 'flynn.base.suite': suite, 'flynn.base.variant': variant },
    });
    await writeFileDurable(indexPath, JSON.stringify({ manifestId: image.manifestId, layer } satisfies CacheRecord) + '\n', 0o644);
    return { ...image, layer, cached: false };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function readCache(dir: string, indexPath: string): Promise<BaseImage | undefined> {
  try {
    const rec = JSON.parse(await readFile(indexPath, 'utf8')) as CacheRecord;
    const manifestPath = join(dir, `${rec.manifestId}.json`);
    const rawManifest = await readFile(manifestPath, 'utf8');
    await access(rec.layer.path); // throws when the layer is gone: rebuild
    const manifest = JSON.parse(rawManifest) as ImageManifest;
    const mountspecs = mountspecsFromManifest(manifest, () => pathToFileURL(rec.layer.path).href);
    return { manifest, manifestId: rec.manifestId, rawManifest, manifestPath, mountspecs, layer: rec.layer, cached: true };
  } catch {
    return undefined;
  }
}
