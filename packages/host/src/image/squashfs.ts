/**
 * Squashfs layers: built with `mksquashfs` (squashfs-tools) from a directory or
 * from a tar stream, named by content (`<outDir>/<sha512_256>.squashfs`, the
 * hash also being the layer id, as the original's image builder did), and
 * mounted read-only through a loop device.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { CommandError, runCommand } from '../network/run-command.js';
import { SQUASHFS_LAYER_TYPE } from './core/manifest.js';
import type { ImageLayer } from './core/manifest.js';
import { hashFile } from './hashing.js';
import { ImageError } from './image-error.js';

/** A layer file and its manifest entry. */
export interface SquashfsLayer {
  /** `<outDir>/<sha512_256>.squashfs`. */
  path: string;
  /** The sha512_256 of the file. */
  id: string;
  length: number;
  hashes: { sha512_256: string } & Record<string, string>;
}

export interface BuildLayerOptions {
  /** Where the layer file goes (created if missing). */
  outDir: string;
  /** Own every file by root (for trees built by an unprivileged user). Default false. */
  allRoot?: boolean;
  /** Set every timestamp to 0, so that the same tree always gives the same layer. Default false (mtimes kept). */
  zeroTimes?: boolean;
  /** Paths (relative to the tree) left out, as mksquashfs `-e`. */
  exclude?: string[];
}

/** mksquashfs flags shared by every build: no appending, root dir 0755, fixed creation time (reproducible). */
function commonFlags(o: BuildLayerOptions): string[] {
  const flags = ['-noappend', '-quiet', '-no-progress', '-root-mode', '755', '-mkfs-time', '0'];
  if (o.allRoot) flags.push('-all-root');
  if (o.zeroTimes) flags.push('-all-time', '0');
  return flags;
}

/** Makes a squashfs layer of a directory tree. */
export async function buildSquashfsLayer(dir: string, o: BuildLayerOptions): Promise<SquashfsLayer> {
  await mkdir(o.outDir, { recursive: true });
  const tmp = await mkdtemp(join(o.outDir, '.build-'));
  try {
    const file = join(tmp, 'layer.squashfs');
    const args = [dir, file, ...commonFlags(o)];
    if (o.exclude?.length) args.push('-e', ...o.exclude);
    await runCommand('mksquashfs', args).catch((err: unknown) => {
      throw new ImageError('FLYNN_HOST_IMAGE_BUILD', `mksquashfs of ${dir} failed: ${(err as Error).message}`, { cause: err });
    });
    return await finishLayer(file, o.outDir);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Makes a squashfs layer from a tar stream (`mksquashfs - <out> -tar`: ownership, devices and PAX xattrs kept). */
export async function squashfsFromTar(tar: AsyncIterable<Uint8Array>, o: BuildLayerOptions): Promise<SquashfsLayer> {
  await mkdir(o.outDir, { recursive: true });
  const tmp = await mkdtemp(join(o.outDir, '.build-'));
  try {
    const file = join(tmp, 'layer.squashfs');
    const child = spawn('mksquashfs', ['-', file, '-tar', ...commonFlags(o)], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const exited = new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    const fed = pipeline(Readable.from(tar), child.stdin).catch((err: unknown) => err);
    let code: number | null;
    try {
      code = await exited;
    } catch (err) {
      throw new ImageError('FLYNN_HOST_IMAGE_BUILD', `cannot run mksquashfs: ${(err as Error).message}`, { cause: err });
    }
    const feedError = await fed;
    if (code !== 0) throw new ImageError('FLYNN_HOST_IMAGE_BUILD', `mksquashfs -tar exited ${code}: ${stderr.trim()}`, { cause: new CommandError('mksquashfs', code, stderr) });
    if (feedError) throw new ImageError('FLYNN_HOST_IMAGE_BUILD', `reading the layer tar failed: ${(feedError as Error).message}`, { cause: feedError });
    return await finishLayer(file, o.outDir);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function finishLayer(file: string, outDir: string): Promise<SquashfsLayer> {
  const { hashes, length } = await hashFile(file);
  const id = hashes.sha512_256!;
  const path = join(outDir, `${id}.squashfs`);
  await rename(file, path);
  return { path, id, length, hashes: { sha512_256: id } };
}

/** The manifest entry for a built layer. */
export function layerEntry(l: SquashfsLayer): ImageLayer {
  return { id: l.id, type: SQUASHFS_LAYER_TYPE, length: l.length, hashes: { ...l.hashes } };
}

/** `mount -t squashfs -o ro,loop <file> <target>` (the loop device is released on unmount). */
export async function mountSquashfs(file: string, target: string): Promise<void> {
  await mkdir(target, { recursive: true });
  try {
    await runCommand('mount', ['-t', 'squashfs', '-o', 'ro,loop,nodev', file, target]);
  } catch (err) {
    throw new ImageError('FLYNN_HOST_IMAGE_MOUNT', `mounting ${file} at ${target} failed: ${(err as Error).message}`, { cause: err });
  }
}

export async function unmount(target: string): Promise<void> {
  try {
    await runCommand('umount', [target]);
  } catch (err) {
    if (!(await isMountPoint(target))) return; // already gone
    throw new ImageError('FLYNN_HOST_IMAGE_MOUNT', `unmounting ${target} failed: ${(err as Error).message}`, { cause: err });
  }
}

/** Whether something is mounted exactly at `path` (per /proc/self/mountinfo). */
export async function isMountPoint(path: string): Promise<boolean> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const escaped = path.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
  return info.split('\n').some((line) => line.split(' ')[4] === escaped);
}
