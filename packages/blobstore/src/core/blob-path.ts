/**
 * Blob paths: what a URL path may name, and the canonical (decoded) form
 * blobs are stored and listed under. Pure.
 *
 * A blob path is `/seg/seg/...`: each segment percent-decoded (strictly: a
 * malformed escape is refused), non-empty, not `.` or `..`, without `/`
 * (also not as `%2F`), NUL or other control characters, at most
 * {@link MAX_SEGMENT_BYTES} UTF-8 octets; the whole at most
 * {@link MAX_PATH_BYTES}. `/` alone is the root: it names the listing, not
 * a blob. The original cleaned paths (`path.Clean`); refusing is safer than
 * guessing what `a/../b` meant.
 */
import { ValidationError } from '@flynn-ts/core';

export const MAX_SEGMENT_BYTES = 200;
export const MAX_PATH_BYTES = 1024;
export const BLOBSTORE_INVALID_PATH = 'FLYNN_BLOBSTORE_INVALID_PATH';

export class BlobPathError extends ValidationError {
  constructor(field: string, message: string) {
    super(field, `blobstore: ${message}`, { code: BLOBSTORE_INVALID_PATH });
    this.name = 'BlobPathError';
  }
}

const encoder = new TextEncoder();
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Checks a decoded path (`/a/b`); returns it. Throws BlobPathError. */
export function checkBlobPath(path: string, field = 'path'): string {
  if (!path.startsWith('/')) throw new BlobPathError(field, `a path must start with /: ${JSON.stringify(path.slice(0, 100))}`);
  if (path === '/') throw new BlobPathError(field, 'the path is empty');
  if (encoder.encode(path).length > MAX_PATH_BYTES) throw new BlobPathError(field, `the path is longer than ${MAX_PATH_BYTES} bytes`);
  for (const seg of path.slice(1).split('/')) checkSegment(seg, field);
  return path;
}

function checkSegment(seg: string, field: string): void {
  if (seg === '') throw new BlobPathError(field, 'empty path segment (// or a trailing /)');
  if (seg === '.' || seg === '..') throw new BlobPathError(field, `path segment ${JSON.stringify(seg)} is not allowed`);
  if (CONTROL.test(seg)) throw new BlobPathError(field, 'control characters are not allowed in paths');
  if (encoder.encode(seg).length > MAX_SEGMENT_BYTES) throw new BlobPathError(field, `a path segment is longer than ${MAX_SEGMENT_BYTES} bytes`);
}

/** The canonical path of a percent-encoded URL path (`/a%20b` → `/a b`). Throws BlobPathError. */
export function decodeBlobPath(urlPath: string, field = 'path'): string {
  if (!urlPath.startsWith('/')) throw new BlobPathError(field, 'a path must start with /');
  const segments = urlPath.slice(1).split('/');
  const decoded = segments.map((s) => {
    let d: string;
    try {
      d = decodeURIComponent(s);
    } catch {
      throw new BlobPathError(field, `malformed percent-encoding in ${JSON.stringify(s.slice(0, 100))}`);
    }
    if (d.includes('/')) throw new BlobPathError(field, 'an encoded / (%2F) is not allowed in a path segment');
    return d;
  });
  return checkBlobPath(`/${decoded.join('/')}`, field);
}

/** The URL path for a canonical path (each segment percent-encoded). */
export function encodeBlobPath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** The segments of a canonical path. */
export function pathSegments(path: string): string[] {
  return path.slice(1).split('/');
}

/**
 * A listing directory as the original's `?dir=` took it: empty or `/` for
 * the root (returned as ''), else a path, a trailing `/` allowed.
 */
export function checkListDir(dir: string): string {
  const trimmed = dir.endsWith('/') ? dir.slice(0, -1) : dir;
  return trimmed === '' ? '' : checkBlobPath(trimmed, 'dir');
}

/** A listing prefix: starts with `/`, any characters but control ones, at most MAX_PATH_BYTES. */
export function checkListPrefix(prefix: string): string {
  if (!prefix.startsWith('/')) throw new BlobPathError('prefix', 'a prefix must start with /');
  if (CONTROL.test(prefix)) throw new BlobPathError('prefix', 'control characters are not allowed in a prefix');
  if (encoder.encode(prefix).length > MAX_PATH_BYTES) throw new BlobPathError('prefix', `the prefix is longer than ${MAX_PATH_BYTES} bytes`);
  return prefix;
}

/** Orders strings by code point (the same order as their UTF-8 bytes, and Go's sort.Strings). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}
