import { createReadStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';
import type { LayerRef } from './core/mountspec.js';
import { MultiHasher } from './hashing.js';
import { ImageError } from './image-error.js';

export type FetchFn = (url: string, init?: { signal?: AbortSignal }) => Promise<Response>;

/** The layer's bytes from its URL (file:// read directly; http(s) through `fetch`). */
async function openSource(ref: LayerRef, fetchFn: FetchFn, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
  const url = ref.url;
  if (!url) throw new ImageError('FLYNN_HOST_IMAGE_INVALID', `layer ${ref.id || ref.hash} is not cached and its mountspec has no url`);
  if (/^file:/i.test(url)) {
    const path = fileURLToPath(url);
    const stream = createReadStream(path);
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (err) => reject(new ImageError('FLYNN_HOST_IMAGE_FETCH', `cannot read layer ${url}: ${err.message}`, { cause: err })));
    });
    return stream;
  }
  let res: Response;
  try {
    res = await fetchFn(url, signal ? { signal } : {});
  } catch (err) {
    throw new ImageError('FLYNN_HOST_IMAGE_FETCH', `fetching layer ${url} failed: ${(err as Error).message}`, { cause: err });
  }
  if (res.status !== 200 || !res.body) {
    await res.body?.cancel().catch(() => {});
    throw new ImageError('FLYNN_HOST_IMAGE_FETCH', `fetching layer ${url} failed: unexpected HTTP status ${res.status}`, { detail: { status: res.status } });
  }
  return Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>);
}

let counter = 0;

/**
 * Streams a layer to `dest`, verifying every hash of `ref` (and its size) on
 * the way; `dest` appears (atomic rename) only when all match. A mismatch is
 * `FLYNN_HOST_IMAGE_VERIFY` and leaves nothing behind.
 */
export async function fetchVerifiedLayer(ref: LayerRef, dest: string, fetchFn: FetchFn, signal?: AbortSignal): Promise<void> {
  const source = await openSource(ref, fetchFn, signal);
  const tmp = join(dirname(dest), `.fetch-${ref.hash.slice(0, 16)}-${process.pid}-${++counter}`);
  const hasher = new MultiHasher(Object.keys(ref.hashes));
  const fh = await open(tmp, 'w', 0o644);
  try {
    try {
      for await (const chunk of source) {
        hasher.update(chunk);
        if (ref.size !== undefined && hasher.length > ref.size) {
          throw new ImageError('FLYNN_HOST_IMAGE_VERIFY', `layer ${ref.id || ref.hash} from ${ref.url} is longer than its size ${ref.size}`);
        }
        await fh.write(chunk);
      }
    } catch (err) {
      if (err instanceof ImageError) throw err;
      throw new ImageError('FLYNN_HOST_IMAGE_FETCH', `reading layer ${ref.url} failed: ${(err as Error).message}`, { cause: err });
    }
    if (ref.size !== undefined && hasher.length !== ref.size) {
      throw new ImageError('FLYNN_HOST_IMAGE_VERIFY', `layer ${ref.id || ref.hash} from ${ref.url} has ${hasher.length} bytes, expected ${ref.size}`);
    }
    const got = hasher.digest();
    for (const [name, want] of Object.entries(ref.hashes)) {
      if (got[name] !== want) {
        throw new ImageError('FLYNN_HOST_IMAGE_VERIFY', `layer ${ref.id || ref.hash} from ${ref.url}: ${name} mismatch (expected ${want}, got ${got[name]})`, {
          detail: { hash: name, expected: want, actual: got[name] },
        });
      }
    }
    await fh.sync();
    await fh.close();
    await rename(tmp, dest);
  } catch (err) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    const destroy = (source as unknown as { destroy?: () => void }).destroy;
    if (typeof destroy === 'function') destroy.call(source);
    throw err;
  }
}
