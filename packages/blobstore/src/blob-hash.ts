/** SHA-512 and byte count of a blob as it streams by (the ETag: base64 SHA-512, as the original). */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';

export class BlobHasher {
  private readonly hash: Hash = createHash('sha512');
  size = 0;

  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.size += chunk.length;
  }

  /** base64 of the digest. Call once. */
  digest(): string {
    return this.hash.digest('base64');
  }
}

/** Passes `source` through, feeding `hasher`; throws the signal's reason when it aborts. */
export async function* hashing(source: AsyncIterable<Uint8Array>, hasher: BlobHasher, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    signal?.throwIfAborted();
    if (chunk.length === 0) continue;
    hasher.update(chunk);
    yield chunk;
  }
  signal?.throwIfAborted();
}

/** The base64 SHA-512 of some bytes. */
export function sha512Base64(data: Uint8Array): string {
  return createHash('sha512').update(data).digest('base64');
}
