/**
 * The host's image store (reference §2.4): squashfs layers fetched by URL
 * (http(s) or file://), verified against their mountspec hashes, cached by
 * content (`<dir>/layers/<sha512_256>.squashfs`) and mounted read-only at
 * `<dir>/mnt/<sha512_256>`, shared by every job that uses them
 * (reference-counted; the last `release()` unmounts).
 *
 * - Concurrent `prepare()`s of one layer fetch it once.
 * - Cached files are trusted: they only appear (by atomic rename) after
 *   verification.
 * - Holds are kept in memory. After a daemon restart, mounts made before are
 *   found and reused by `prepare()`: call it again for each job that is still
 *   running to re-take its holds; `release()` of a layer nobody holds is a no-op.
 * - Cached files are never deleted here (the original left layer garbage
 *   collection to `flynn-host volume gc` too).
 * - `unmountDelayMs`: a layer nobody holds stays mounted that long (a job of
 *   the same image started meanwhile takes it over without a mount), then it
 *   is unmounted. Default 0: at once.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { noopLogger, systemClock } from '@flynn-ts/core';
import type { Clock, Logger, Timer } from '@flynn-ts/core';
import type { ImageStore, PreparedImage } from '../contracts.js';
import { pathExists } from '../path-exists.js';
import type { MountSpec } from '../types.js';
import { layerRef } from './core/mountspec.js';
import type { LayerRef } from './core/mountspec.js';
import { ImageError } from './image-error.js';
import { fetchVerifiedLayer } from './layer-fetch.js';
import type { FetchFn } from './layer-fetch.js';
import { nodeHttpFetch } from './node-http-fetch.js';
import { isMountPoint, mountSquashfs, unmount } from './squashfs.js';

export interface LayerImageStoreOptions {
  /** Root of the store: `layers/` (cache) and `mnt/` (mount points) go under it. */
  dir: string;
  /** For http(s) layers; default node:http(s) (node-http-fetch.ts). */
  fetch?: FetchFn;
  logger?: Logger;
  /** Keep a layer mounted this long after its last release (ms). Default 0. */
  unmountDelayMs?: number;
  clock?: Clock;
}

export class LayerImageStore implements ImageStore {
  readonly dir: string;
  private readonly fetchFn: FetchFn;
  private readonly log: Logger;
  private readonly inflight = new Map<string, Promise<string>>();
  private readonly refs = new Map<string, number>();
  private readonly locks = new Map<string, Promise<unknown>>();
  /** Layers nobody holds any more, mounted until their timer fires. */
  private readonly lingering = new Map<string, Timer>();
  private readonly unmountDelayMs: number;
  private readonly clock: Clock;

  constructor(options: LayerImageStoreOptions) {
    this.dir = options.dir;
    this.fetchFn = options.fetch ?? nodeHttpFetch;
    this.log = options.logger ?? noopLogger;
    this.unmountDelayMs = options.unmountDelayMs ?? 0;
    this.clock = options.clock ?? systemClock;
  }

  /** Where a layer is cached. */
  layerPath(hash: string): string {
    return join(this.dir, 'layers', `${hash}.squashfs`);
  }

  /** Where a layer is mounted. */
  mountPath(hash: string): string {
    return join(this.dir, 'mnt', hash);
  }

  /** How many holds this process has on a layer (0 when unmounted or untracked). */
  holds(hash: string): number {
    return this.refs.get(hash) ?? 0;
  }

  /**
   * The path of the verified layer file, fetching it when it is not cached.
   * Needs no privileges (mounting does). Rejects with `FLYNN_HOST_IMAGE_INVALID`,
   * `_FETCH` or `_VERIFY`.
   */
  async ensureLayer(spec: MountSpec): Promise<string> {
    return this.ensure(checked(spec, 0));
  }

  async prepare(mountspecs: MountSpec[]): Promise<PreparedImage> {
    if (!Array.isArray(mountspecs) || mountspecs.length === 0) throw new ImageError('FLYNN_HOST_IMAGE_INVALID', 'a job needs at least one mountspec (image layer)');
    const refs = mountspecs.map((s, i) => checked(s, i));
    // A layer mounted for another job (or lingering) is verified and cached already.
    await Promise.all(refs.filter((r) => !this.refs.has(r.hash) && !this.lingering.has(r.hash)).map((r) => this.ensure(r)));
    const held: string[] = [];
    try {
      for (const r of refs) {
        await this.acquire(r.hash);
        held.push(r.hash);
      }
    } catch (err) {
      for (const h of held.reverse()) await this.releaseOne(h).catch(() => {});
      throw err;
    }
    return { lowerDirs: refs.map((r) => this.mountPath(r.hash)) };
  }

  async release(mountspecs: MountSpec[]): Promise<void> {
    const hashes: string[] = [];
    for (const s of mountspecs ?? []) {
      const r = layerRef(s);
      if (typeof r !== 'string') hashes.push(r.hash);
    }
    let first: unknown;
    for (const h of hashes.reverse()) {
      try {
        await this.releaseOne(h);
      } catch (err) {
        first ??= err;
      }
    }
    if (first !== undefined) throw first;
  }

  // ---------------------------------------------------------------- internals

  private ensure(ref: LayerRef): Promise<string> {
    const running = this.inflight.get(ref.hash);
    if (running) return running;
    const p = this.fetchOnce(ref).finally(() => this.inflight.delete(ref.hash));
    this.inflight.set(ref.hash, p);
    return p;
  }

  private async fetchOnce(ref: LayerRef): Promise<string> {
    const path = this.layerPath(ref.hash);
    if (await pathExists(path)) return path;
    await mkdir(join(this.dir, 'layers'), { recursive: true });
    this.log.info({ layer: ref.hash, url: ref.url }, 'fetching layer');
    await fetchVerifiedLayer(ref, path, this.fetchFn);
    this.log.info({ layer: ref.hash }, 'layer cached');
    return path;
  }

  private acquire(hash: string): Promise<void> {
    return this.lock(hash, async () => {
      const n = this.refs.get(hash) ?? 0;
      const linger = this.lingering.get(hash);
      if (n === 0 && linger) {
        // Still mounted from a job that ended moments ago: take it over.
        linger.cancel();
        this.lingering.delete(hash);
      } else if (n === 0) {
        const target = this.mountPath(hash);
        if (await isMountPoint(target)) this.log.info({ layer: hash }, 'reusing mounted layer');
        else await mountSquashfs(this.layerPath(hash), target);
      }
      this.refs.set(hash, n + 1);
    });
  }

  private releaseOne(hash: string): Promise<void> {
    return this.lock(hash, async () => {
      const n = this.refs.get(hash) ?? 0;
      if (n === 0) return; // not held by this process
      if (n > 1) {
        this.refs.set(hash, n - 1);
        return;
      }
      if (this.unmountDelayMs > 0) {
        this.refs.delete(hash);
        this.lingering.set(hash, this.clock.setTimer(this.unmountDelayMs, () => void this.unmountLingering(hash)));
        return;
      }
      await this.unmountNow(hash);
      this.refs.delete(hash);
    });
  }

  private unmountLingering(hash: string): Promise<void> {
    return this.lock(hash, async () => {
      // Taken over by a prepare() since the timer was set?
      if (!this.lingering.has(hash) || (this.refs.get(hash) ?? 0) > 0) return;
      this.lingering.delete(hash);
      await this.unmountNow(hash).catch((err: unknown) => this.log.warn({ layer: hash, err }, 'could not unmount a layer nobody uses'));
    });
  }

  private async unmountNow(hash: string): Promise<void> {
    await unmount(this.mountPath(hash));
    this.log.info({ layer: hash }, 'layer unmounted');
  }

  /** Runs mount bookkeeping for one layer one step at a time. */
  private lock<T>(hash: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(hash) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => {});
    this.locks.set(hash, tail);
    void tail.then(() => {
      if (this.locks.get(hash) === tail) this.locks.delete(hash);
    });
    return run;
  }
}

function checked(spec: MountSpec, index: number): LayerRef {
  const r = layerRef(spec);
  if (typeof r === 'string') throw new ImageError('FLYNN_HOST_IMAGE_INVALID', `mountspecs[${index}]: ${r}`, { detail: { field: `mountspecs[${index}]` } });
  return r;
}

