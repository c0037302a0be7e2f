/**
 * `Range: bytes=...` for a blob of `size` bytes (RFC 9110 §14), as Go's
 * `http.ServeContent` that the original used, with one range at most:
 *
 * - no header, or a unit other than `bytes`: the whole blob (200);
 * - one satisfiable range (`a-b`, `a-`, `-n`): that part (206), `b` clamped
 *   to the end;
 * - a malformed `bytes` range, or one that starts at or after the end, or
 *   `-0`: 416 with `Content-Range: bytes *\/size`;
 * - several ranges: the whole blob (200): a server may ignore Range, and
 *   multipart/byteranges is not worth it for blobs.
 * Pure.
 */
export type RangeResult = { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

const SPEC = /^(\d{0,15})-(\d{0,15})$/;

export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined) return { kind: 'full' };
  const eq = header.indexOf('=');
  if (eq < 0) return header.trim() === '' ? { kind: 'full' } : { kind: 'unsatisfiable' };
  if (header.slice(0, eq).trim().toLowerCase() !== 'bytes') return { kind: 'full' };
  const specs = header
    .slice(eq + 1)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (specs.length === 0) return { kind: 'unsatisfiable' };
  const parsed = specs.map((s) => SPEC.exec(s));
  if (parsed.some((m) => m === null || (m[1] === '' && m[2] === ''))) return { kind: 'unsatisfiable' };
  if (specs.length > 1) return { kind: 'full' };
  const [, first, last] = parsed[0]!;
  if (first === '') {
    const n = Number(last);
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return { kind: 'unsatisfiable' };
  if (start >= size) return { kind: 'unsatisfiable' };
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  return { kind: 'partial', start, end };
}

/** `bytes a-b/size` for a 206. */
export function contentRange(start: number, end: number, size: number): string {
  return `bytes ${start}-${end}/${size}`;
}
