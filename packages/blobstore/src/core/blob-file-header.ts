/**
 * The header of a blob file in the directory backend: the blob's metadata
 * stored in the same file as its bytes, so one `rename` replaces both at
 * once and a reader that opened the file sees metadata and content of the
 * same version. Layout (pure encode/decode):
 *
 *   0..7     magic `FLYNNBL1`
 *   8..11    JSON length L, uint32 big-endian
 *   12..12+L JSON {"v":1,"size":n,"sha512":"<base64>","type":"<content type>","mtime":<ms>}
 *   ..4095   zero padding
 *   4096..   the blob's bytes
 */
import { FlynnError } from '@flynn-ts/core';

export const BLOB_HEADER_BYTES = 4096;
const MAGIC = new TextEncoder().encode('FLYNNBL1');
const JSON_AT = 12;

export interface BlobFileHeader {
  size: number;
  /** base64 SHA-512 of the content. */
  sha512: string;
  type: string;
  /** ms since the epoch. */
  mtime: number;
}

export const BLOBSTORE_CORRUPT = 'FLYNN_BLOBSTORE_CORRUPT';

export class BlobFileError extends FlynnError {
  constructor(message: string) {
    super(BLOBSTORE_CORRUPT, `blobstore: ${message}`, { apiCode: 'unknown_error' });
    this.name = 'BlobFileError';
  }
}

export function encodeBlobHeader(h: BlobFileHeader): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify({ v: 1, size: h.size, sha512: h.sha512, type: h.type, mtime: h.mtime }));
  if (JSON_AT + json.length > BLOB_HEADER_BYTES) throw new BlobFileError(`metadata too large for the ${BLOB_HEADER_BYTES}-byte header`);
  const out = new Uint8Array(BLOB_HEADER_BYTES);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(8, json.length, false);
  out.set(json, JSON_AT);
  return out;
}

/** Decodes the first BLOB_HEADER_BYTES of a blob file. Throws BlobFileError. */
export function decodeBlobHeader(bytes: Uint8Array): BlobFileHeader {
  if (bytes.length < BLOB_HEADER_BYTES) throw new BlobFileError('blob file shorter than its header');
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) throw new BlobFileError('not a blob file (bad magic)');
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, false);
  if (JSON_AT + len > BLOB_HEADER_BYTES) throw new BlobFileError('bad header length');
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(JSON_AT, JSON_AT + len)));
  } catch {
    throw new BlobFileError('bad header JSON');
  }
  const h = v as Partial<BlobFileHeader> & { v?: unknown };
  if (h.v !== 1 || !isCount(h.size) || typeof h.sha512 !== 'string' || typeof h.type !== 'string' || !isCount(h.mtime)) {
    throw new BlobFileError('bad header fields');
  }
  return { size: h.size, sha512: h.sha512, type: h.type, mtime: h.mtime };
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}
