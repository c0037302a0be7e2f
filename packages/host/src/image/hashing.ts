import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { ImageManifest } from './core/manifest.js';
import { canonicalManifestJson } from './core/manifest.js';

/** Hash names as Flynn writes them → node's algorithm names. */
export const HASH_ALGORITHMS: Record<string, string> = {
  sha512_256: 'sha512-256',
  sha512: 'sha512',
  sha256: 'sha256',
};

/** Hex digests of several algorithms over one stream of bytes, plus its length. */
export class MultiHasher {
  private readonly hashes: [string, Hash][];
  length = 0;

  constructor(names: readonly string[]) {
    this.hashes = names.map((n) => {
      const algo = HASH_ALGORITHMS[n];
      if (!algo) throw new RangeError(`unknown hash ${n}`);
      return [n, createHash(algo)];
    });
  }

  update(chunk: Uint8Array): void {
    this.length += chunk.length;
    for (const [, h] of this.hashes) h.update(chunk);
  }

  digest(): Record<string, string> {
    return Object.fromEntries(this.hashes.map(([n, h]) => [n, h.digest('hex')]));
  }
}

/** sha512_256 (and `more`) of a file, with its length. */
export async function hashFile(path: string, more: readonly string[] = []): Promise<{ hashes: Record<string, string>; length: number }> {
  const h = new MultiHasher(['sha512_256', ...more]);
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return { hashes: h.digest(), length: h.length };
}

/** The manifest id: hex SHA-512/256 of the canonical JSON (as the original's `ImageManifest.ID()`). */
export function manifestId(m: ImageManifest): string {
  return createHash('sha512-256').update(canonicalManifestJson(m)).digest('hex');
}
