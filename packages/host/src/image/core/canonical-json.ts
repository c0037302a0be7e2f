/**
 * Canonical JSON as the original Flynn computed image manifest ids with
 * (github.com/tent/canonical-json-go, a fork of Go's encoding/json):
 *
 * - object keys sorted by byte order of their UTF-8 encoding (= code point order);
 * - no insignificant whitespace;
 * - strings escape only `"` and `\`; every other character, control characters,
 *   `<`, `>`, `&` and non-ASCII included, is written as raw UTF-8; invalid UTF-8
 *   (a lone surrogate here) is an error;
 * - numbers must be integers (floating point is refused);
 * - `undefined` object members are left out (the caller applies Go's
 *   `omitempty` rules first: see `normalizeManifest`).
 */

export class CanonicalJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CanonicalJsonError';
  }
}

export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, out, '$');
  return out.join('');
}

function write(v: unknown, out: string[], path: string): void {
  if (v === null) {
    out.push('null');
    return;
  }
  switch (typeof v) {
    case 'boolean':
      out.push(v ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isSafeInteger(v)) throw new CanonicalJsonError(`${path}: ${v} is not an integer (canonical JSON has no floating point)`);
      out.push(Object.is(v, -0) ? '0' : String(v));
      return;
    case 'string':
      out.push(quote(v, path));
      return;
    case 'object':
      if (Array.isArray(v)) {
        out.push('[');
        v.forEach((item, i) => {
          if (i > 0) out.push(',');
          write(item === undefined ? null : item, out, `${path}[${i}]`);
        });
        out.push(']');
        return;
      }
      writeObject(v as Record<string, unknown>, out, path);
      return;
    default:
      throw new CanonicalJsonError(`${path}: cannot encode a ${typeof v}`);
  }
}

function writeObject(obj: Record<string, unknown>, out: string[], path: string): void {
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort(compareCodePoints);
  out.push('{');
  keys.forEach((k, i) => {
    if (i > 0) out.push(',');
    out.push(quote(k, `${path} key`), ':');
    write(obj[k], out, `${path}.${k}`);
  });
  out.push('}');
}

function quote(s: string, path: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      throw new CanonicalJsonError(`${path}: invalid UTF-8 (lone surrogate)`);
    }
    if (c >= 0xdc00 && c <= 0xdfff) throw new CanonicalJsonError(`${path}: invalid UTF-8 (lone surrogate)`);
  }
  return `"${s.replace(/[\\"]/g, (m) => `\\${m}`)}"`;
}

/** Orders strings by code point, which is the byte order of their UTF-8 encodings (Go's string order). */
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
