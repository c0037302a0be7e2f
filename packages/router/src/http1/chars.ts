/**
 * Character classes of RFC 9110/9112 as lookup tables, for the hand-rolled
 * HTTP/1.1 parsers. Indexed by char code (latin1 strings: 0–255).
 */

/** tchar: the characters of a token (method, header name). */
export const TCHAR = (() => {
  const t = new Uint8Array(256);
  const extra = "!#$%&'*+-.^_`|~";
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  for (const ch of extra) t[ch.charCodeAt(0)] = 1;
  return t;
})();

/** field-value characters: VCHAR, obs-text, SP and HTAB (no CTLs, no DEL). */
export const VALUE_CHAR = (() => {
  const t = new Uint8Array(256);
  for (let c = 0x20; c <= 0x7e; c++) t[c] = 1;
  for (let c = 0x80; c <= 0xff; c++) t[c] = 1;
  t[0x09] = 1;
  return t;
})();

/** request-target characters: visible ASCII and obs-text (raw UTF-8 is accepted as bytes, as nginx does). */
export const TARGET_CHAR = (() => {
  const t = new Uint8Array(256);
  for (let c = 0x21; c <= 0x7e; c++) t[c] = 1;
  for (let c = 0x80; c <= 0xff; c++) t[c] = 1;
  return t;
})();

/** True when `s[from, to)` is a non-empty token. */
export function isToken(s: string, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) if (TCHAR[s.charCodeAt(i)] !== 1) return false;
  return true;
}

/**
 * Index of the first character at or after `from` that is not a tchar (the
 * end of a header name). One loop over the characters: cheaper than the
 * native searches it replaces, whose per-call cost dominates on short lines.
 */
export function tokenEnd(s: string, from: number): number {
  const n = s.length;
  let i = from;
  while (i < n && TCHAR[s.charCodeAt(i)] === 1) i++;
  return i;
}

/**
 * The end of a header line whose rest starts at `from`: the index of its CR
 * when CR LF ends it and no other CR or LF comes before, else -1 (a bare CR
 * or LF would end the line early for a lenient peer: smuggling).
 */
export function headerLineEnd(s: string, from: number): number {
  const n = s.length;
  for (let i = from; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x0d) return s.charCodeAt(i + 1) === 0x0a ? i : -1;
    if (c === 0x0a) return -1;
  }
  return -1;
}

/** Case-insensitive comparison of `s[from, from + lower.length)` with an all-lower-case ASCII literal. */
export function eqLower(s: string, from: number, to: number, lower: string): boolean {
  const n = lower.length;
  if (to - from !== n) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(from + i);
    const l = lower.charCodeAt(i);
    if (c !== l && (c | 0x20) !== l) return false;
  }
  return true;
}

const ONE_CLOSE = ['close'];
const ONE_KEEP_ALIVE = ['keep-alive'];
const ONE_UPGRADE = ['upgrade'];

/**
 * Splits a comma-separated header value into lower-cased, trimmed, non-empty
 * tokens. The common single values (`keep-alive`, `close`, `upgrade`) return
 * shared arrays: callers must not mutate the result.
 */
export function lowerTokens(value: string): readonly string[] {
  const n = value.length;
  if (n === 10 && eqLower(value, 0, n, 'keep-alive')) return ONE_KEEP_ALIVE;
  if (n === 5 && eqLower(value, 0, n, 'close')) return ONE_CLOSE;
  if (n === 7 && eqLower(value, 0, n, 'upgrade')) return ONE_UPGRADE;
  const out: string[] = [];
  for (const part of value.split(',')) {
    const t = part.trim().toLowerCase();
    if (t !== '') out.push(t);
  }
  return out;
}
