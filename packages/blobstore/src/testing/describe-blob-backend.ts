/**
 * The BlobBackend conformance suite (see the contract in blob-backend.ts):
 * every backend runs it, the in-memory fake included, so they cannot drift.
 *
 * ```ts
 * describeBlobBackend('directory', async () => {
 *   const dir = await mkdtemp(...);
 *   return { backend: await DirectoryBackend.open({ dir, chunkBytes: 1000 }), cleanup: () => rm(dir, { recursive: true }) };
 * });
 * ```
 * Give the backend a small chunk size (around 1000 bytes) so multi-chunk
 * paths are exercised with small blobs.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BlobBackend } from '../blob-backend.js';

export interface BlobBackendHarness {
  backend: BlobBackend;
  cleanup?: () => Promise<void>;
}

export type BlobBackendFactory = () => Promise<BlobBackendHarness>;

const enc = new TextEncoder();

/** `n` bytes of a deterministic pattern seeded by `seed`. */
export function patternBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** The data in chunks of `size` (an upload as it comes off a socket). */
export async function* chunked(data: Uint8Array, size = 777): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < data.length; at += size) yield data.slice(at, at + size);
}

async function* failingAfter(data: Uint8Array, bytes: number): AsyncGenerator<Uint8Array> {
  yield data.slice(0, bytes);
  throw new Error('client went away');
}

const sha512 = (d: Uint8Array) => createHash('sha512').update(d).digest('base64');

async function readAll(backend: BlobBackend, path: string, range?: { start: number; end: number }): Promise<Uint8Array | undefined> {
  const r = await backend.open(path);
  if (!r) return undefined;
  try {
    const parts: Uint8Array[] = [];
    for await (const c of r.read(range)) parts.push(Uint8Array.from(c));
    return new Uint8Array(Buffer.concat(parts));
  } finally {
    await r.close();
  }
}

export function describeBlobBackend(name: string, factory: BlobBackendFactory): void {
  describe(`BlobBackend conformance: ${name}`, () => {
    let h: BlobBackendHarness;
    let b: BlobBackend;
    beforeEach(async () => {
      h = await factory();
      b = h.backend;
    });
    afterEach(async () => {
      await b.close();
      await h.cleanup?.();
    });

    it('stores a blob and reads it back with size, SHA-512 ETag and content type', async () => {
      const data = patternBytes(5_000);
      const info = await b.put('/a/b.bin', chunked(data), { contentType: 'application/x-test' });
      expect(info).toMatchObject({ path: '/a/b.bin', size: 5_000, etag: sha512(data), contentType: 'application/x-test' });
      expect(await b.stat('/a/b.bin')).toEqual(info);
      expect(await readAll(b, '/a/b.bin')).toEqual(data);
      await b.check();
    });

    it('stores an empty blob', async () => {
      const info = await b.put('/empty', chunked(new Uint8Array(0)), { contentType: 'text/plain' });
      expect(info).toMatchObject({ size: 0, etag: sha512(new Uint8Array(0)) });
      expect(await readAll(b, '/empty')).toEqual(new Uint8Array(0));
    });

    it('answers undefined for what does not exist', async () => {
      expect(await b.stat('/nope')).toBeUndefined();
      expect(await b.open('/nope')).toBeUndefined();
      expect(await b.copy('/x', '/nope')).toBeUndefined();
      expect(await b.stat('/x')).toBeUndefined();
      expect(await b.delete('/nope')).toBe(0);
    });

    it('replaces a blob with the whole new content', async () => {
      await b.put('/r', chunked(patternBytes(3_000, 1)), { contentType: 'a/b' });
      const data = patternBytes(1_234, 2);
      await b.put('/r', chunked(data), { contentType: 'c/d' });
      expect(await readAll(b, '/r')).toEqual(data);
      expect((await b.stat('/r'))?.contentType).toBe('c/d');
    });

    it('reads byte ranges, across chunk boundaries (more than 10 chunks of 1000 bytes)', async () => {
      const data = patternBytes(12_500, 3);
      await b.put('/range', chunked(data, 1_000), { contentType: 'x/y' });
      for (const [start, end] of [[0, 0], [0, 12_499], [999, 1_000], [1_500, 3_700], [9_999, 10_000], [8_500, 12_499], [12_499, 12_499], [10, 2_010], [11_000, 11_999]] as const) {
        expect(await readAll(b, '/range', { start, end })).toEqual(data.slice(start, end + 1));
      }
    });

    it('appends at an offset equal to the size, and refuses any other offset', async () => {
      const first = patternBytes(2_500, 4);
      const second = patternBytes(1_700, 5);
      await b.put('/app', chunked(first), { contentType: 'x/y' });
      const info = await b.put('/app', chunked(second), { contentType: 'x/y', offset: 2_500 });
      const whole = Buffer.concat([first, second]);
      expect(info).toMatchObject({ size: 4_200, etag: sha512(whole) });
      expect(await readAll(b, '/app')).toEqual(new Uint8Array(whole));
      await expect(b.put('/app', chunked(second), { contentType: 'x/y', offset: 100 })).rejects.toMatchObject({ code: 'FLYNN_BLOBSTORE_OFFSET_MISMATCH', status: 409 });
      await expect(b.put('/none', chunked(second), { contentType: 'x/y', offset: 5 })).rejects.toMatchObject({ code: 'FLYNN_BLOBSTORE_OFFSET_MISMATCH' });
      expect(await readAll(b, '/app')).toEqual(new Uint8Array(whole));
    });

    it('leaves nothing behind when an upload fails or is aborted', async () => {
      const old = patternBytes(3_000, 6);
      await b.put('/keep', chunked(old), { contentType: 'x/y' });
      await expect(b.put('/keep', failingAfter(patternBytes(5_000, 7), 2_500), { contentType: 'x/y' })).rejects.toThrow('client went away');
      await expect(b.put('/new', failingAfter(patternBytes(5_000, 7), 2_500), { contentType: 'x/y' })).rejects.toThrow('client went away');
      const ctl = new AbortController();
      ctl.abort(new Error('aborted by test'));
      await expect(b.put('/new', chunked(patternBytes(10)), { contentType: 'x/y', signal: ctl.signal })).rejects.toThrow('aborted by test');
      expect(await readAll(b, '/keep')).toEqual(old);
      expect(await b.stat('/new')).toBeUndefined();
      expect(await b.list('/')).toEqual(['/keep']);
    });

    it('a reader keeps the version it opened while the blob is replaced or deleted', async () => {
      const v1 = patternBytes(6_000, 8);
      await b.put('/iso', chunked(v1), { contentType: 'x/y' });
      const r = await b.open('/iso');
      await b.put('/iso', chunked(patternBytes(6_000, 9)), { contentType: 'x/y' });
      await b.delete('/iso');
      const parts: Uint8Array[] = [];
      for await (const c of r!.read()) parts.push(Uint8Array.from(c));
      await r!.close();
      await r!.close();
      expect(Buffer.concat(parts)).toEqual(Buffer.from(v1));
      expect(r!.info.etag).toBe(sha512(v1));
    });

    it('concurrent writers of one path: the blob is always one whole version, the last one complete wins', async () => {
      const versions = Array.from({ length: 6 }, (_, i) => patternBytes(3_000 + i * 500, 20 + i));
      const etags = new Set(versions.map(sha512));
      let stop = false;
      const seen: string[] = [];
      const reading = (async () => {
        while (!stop) {
          const got = await readAll(b, '/hot');
          if (got) seen.push(sha512(got));
          await new Promise((r) => setImmediate(r));
        }
      })();
      const results = await Promise.all(versions.map((v) => b.put('/hot', chunked(v, 300), { contentType: 'x/y' })));
      stop = true;
      await reading;
      const final = await readAll(b, '/hot');
      expect(etags.has(sha512(final!))).toBe(true);
      expect(results.map((r) => r.etag)).toContain(sha512(final!));
      for (const e of seen) expect(etags.has(e)).toBe(true);
      expect((await b.stat('/hot'))?.etag).toBe(sha512(final!));
    });

    it('copies a blob; the copy does not change with the source', async () => {
      const data = patternBytes(2_222, 10);
      await b.put('/src', chunked(data), { contentType: 'text/x' });
      const info = await b.copy('/dst/copy', '/src');
      expect(info).toMatchObject({ path: '/dst/copy', size: 2_222, etag: sha512(data), contentType: 'text/x' });
      await b.put('/src', chunked(enc.encode('changed')), { contentType: 'text/x' });
      expect(await readAll(b, '/dst/copy')).toEqual(data);
    });

    it('deletes a path and everything under it, nothing else', async () => {
      for (const p of ['/a', '/a/b', '/a/b/c', '/ab', '/b/a']) await b.put(p, chunked(enc.encode(p)), { contentType: 'x/y' });
      expect(await b.delete('/a')).toBe(3);
      expect(await b.list('/')).toEqual(['/ab', '/b/a']);
      expect(await b.delete('/b')).toBe(1);
      expect(await b.list('/')).toEqual(['/ab']);
    });

    it('lists by prefix, sorted by code point, blobs and "directories" side by side', async () => {
      const paths = ['/x/é', '/x/z', '/x', '/x/y/1', '/x/y', '/xa', '/x/😀', '/x/\uffff', '/%_\\'];
      for (const p of paths) await b.put(p, chunked(enc.encode(p)), { contentType: 'x/y' });
      const byCodePoint = (s: string) => [...s].map((ch) => ch.codePointAt(0)!);
      const sorted = [...paths].sort((p, q) => {
        const [a, c] = [byCodePoint(p), byCodePoint(q)];
        for (let i = 0; i < Math.min(a.length, c.length); i++) if (a[i] !== c[i]) return a[i]! - c[i]!;
        return a.length - c.length;
      });
      expect(await b.list('/')).toEqual(sorted);
      expect(await b.list('/x/')).toEqual(sorted.filter((p) => p.startsWith('/x/')));
      expect(await b.list('/x/y')).toEqual(['/x/y', '/x/y/1']);
      expect(await b.list('/%')).toEqual(['/%_\\']);
      expect(await b.list('/nothing/')).toEqual([]);
    });
  });
}
