/**
 * An in-memory BlobBackend for unit tests of code that uses a blobstore
 * (the HTTP API, builders). Keeps whole blobs in memory: not for big data.
 * Passes the same conformance suite as the real backends.
 */
import { systemClock } from '@flynn-ts/core';
import type { Clock } from '@flynn-ts/core';
import type { BlobBackend, BlobInfo, BlobReader, ByteRange, PutOptions } from '../blob-backend.js';
import { BlobHasher, hashing } from '../blob-hash.js';
import { compareCodePoints } from '../core/blob-path.js';
import { OffsetMismatchError } from '../errors.js';

interface Stored {
  info: BlobInfo;
  data: Uint8Array;
}

export class MemoryBlobBackend implements BlobBackend {
  readonly kind = 'memory';
  private readonly blobs = new Map<string, Stored>();
  private readonly clock: Clock;

  constructor(options: { clock?: Clock } = {}) {
    this.clock = options.clock ?? systemClock;
  }

  async put(path: string, body: AsyncIterable<Uint8Array>, options: PutOptions): Promise<BlobInfo> {
    const offset = options.offset ?? 0;
    const base = this.blobs.get(path);
    if (offset > 0 && base?.info.size !== offset) throw new OffsetMismatchError(path, offset, base?.info.size);
    const hasher = new BlobHasher();
    const parts: Uint8Array[] = [];
    if (offset > 0) {
      hasher.update(base!.data);
      parts.push(base!.data);
    }
    for await (const chunk of hashing(body, hasher, options.signal)) parts.push(Uint8Array.from(chunk));
    if (offset > 0 && this.blobs.get(path) !== base) throw new OffsetMismatchError(path, offset, this.blobs.get(path)?.info.size);
    const data = concat(parts, hasher.size);
    const info: BlobInfo = { path, size: data.length, etag: hasher.digest(), contentType: options.contentType, modifiedAt: this.clock.now() };
    this.blobs.set(path, { info, data });
    return { ...info };
  }

  async stat(path: string): Promise<BlobInfo | undefined> {
    const b = this.blobs.get(path);
    return b ? { ...b.info } : undefined;
  }

  async open(path: string): Promise<BlobReader | undefined> {
    const b = this.blobs.get(path);
    if (!b) return undefined;
    return {
      info: { ...b.info },
      async *read(range?: ByteRange) {
        const start = range?.start ?? 0;
        const end = range ? range.end + 1 : b.data.length;
        for (let at = start; at < end; at += 64 * 1024) yield b.data.slice(at, Math.min(end, at + 64 * 1024));
      },
      close: async () => {},
    };
  }

  async copy(to: string, from: string): Promise<BlobInfo | undefined> {
    const b = this.blobs.get(from);
    if (!b) return undefined;
    const info: BlobInfo = { ...b.info, path: to, modifiedAt: this.clock.now() };
    this.blobs.set(to, { info, data: b.data });
    return { ...info };
  }

  async delete(path: string): Promise<number> {
    let n = 0;
    for (const p of [...this.blobs.keys()]) {
      if (p === path || p.startsWith(`${path}/`)) {
        this.blobs.delete(p);
        n++;
      }
    }
    return n;
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.blobs.keys()].filter((p) => p.startsWith(prefix)).sort(compareCodePoints);
  }

  async check(): Promise<void> {}

  async close(): Promise<void> {
    this.blobs.clear();
  }
}

function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
