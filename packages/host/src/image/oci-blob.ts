/**
 * Reading OCI layout blobs: `blobs/<algo>/<hex>`, digest-checked, layers
 * decompressed by their magic bytes (gzip by zlib, zstd through the `zstd`
 * command, else plain tar).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { ImageError } from './image-error.js';

const DIGEST = /^(sha256|sha512):([0-9a-f]{64,128})$/;

export function blobPath(layoutDir: string, digest: string): string {
  const m = DIGEST.exec(digest);
  if (!m) throw new ImageError('FLYNN_HOST_IMAGE_INVALID', `unsupported or malformed digest ${JSON.stringify(digest)}`);
  return join(layoutDir, 'blobs', m[1]!, m[2]!);
}

/** A small JSON blob, digest-checked. */
export async function readJsonBlob<T>(layoutDir: string, digest: string): Promise<T> {
  const bytes = await readFile(blobPath(layoutDir, digest)).catch((err: unknown) => {
    throw new ImageError('FLYNN_HOST_IMAGE_INVALID', `OCI blob ${digest} is missing: ${(err as Error).message}`, { cause: err });
  });
  checkDigest(digest, createHash(algo(digest)).update(bytes).digest('hex'));
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch (err) {
    throw new ImageError('FLYNN_HOST_IMAGE_INVALID', `OCI blob ${digest} is not JSON`, { cause: err });
  }
}

function algo(digest: string): string {
  return digest.slice(0, digest.indexOf(':'));
}

function checkDigest(digest: string, hex: string): void {
  if (`${algo(digest)}:${hex}` !== digest) throw new ImageError('FLYNN_HOST_IMAGE_VERIFY', `OCI blob ${digest} does not match its digest (got ${algo(digest)}:${hex})`);
}

/** Reads a layer blob, hashing it as it goes; `verify()` (after the stream ended) throws on a digest mismatch. */
export function digestedBlob(layoutDir: string, digest: string): { stream: AsyncIterable<Uint8Array>; verify(): void } {
  const path = blobPath(layoutDir, digest);
  const hash = createHash(algo(digest));
  let ended = false;
  async function* read(): AsyncGenerator<Uint8Array> {
    for await (const chunk of createReadStream(path)) {
      hash.update(chunk as Buffer);
      yield chunk as Buffer;
    }
    ended = true;
  }
  return {
    stream: read(),
    verify() {
      if (!ended) throw new ImageError('FLYNN_HOST_IMAGE_VERIFY', `OCI blob ${digest} was not read to its end`);
      checkDigest(digest, hash.digest('hex'));
    },
  };
}

export type Compression = 'gzip' | 'zstd' | 'none';

export async function sniffCompression(path: string): Promise<Compression> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(4);
    const { bytesRead } = await fh.read(b, 0, 4, 0);
    if (bytesRead >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
    if (bytesRead >= 4 && b.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
    return 'none';
  } finally {
    await fh.close();
  }
}

/** The tar inside a (possibly compressed) stream. */
export function decompress(input: AsyncIterable<Uint8Array>, compression: Compression): AsyncIterable<Uint8Array> {
  if (compression === 'none') return input;
  if (compression === 'gzip') {
    const gunzip = createGunzip();
    pipeline(Readable.from(input), gunzip).catch(() => {}); // an error destroys gunzip, which its reader sees
    return gunzip;
  }
  const child = spawn('zstd', ['-dc'], { stdio: ['pipe', 'pipe', 'ignore'] });
  child.on('error', (err) => child.stdout.destroy(new ImageError('FLYNN_HOST_IMAGE_BUILD', `zstd layers need the zstd command: ${err.message}`, { cause: err })));
  pipeline(Readable.from(input), child.stdin).catch((err: unknown) => child.stdout.destroy(err as Error));
  return child.stdout;
}
