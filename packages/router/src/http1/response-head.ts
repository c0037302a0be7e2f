/**
 * Parser for an HTTP/1.x response head from a backend, in the same style as
 * ./request-head.ts: status, framing, connection options, and the header
 * lines to forward as they are. Hop-by-hop fields (Connection, Keep-Alive,
 * Proxy-Connection, TE, Transfer-Encoding, Upgrade, and anything Connection
 * names) are not in `keep`; the proxy writes its own.
 */
import { eqLower, headerLineEnd, lowerTokens, tokenEnd, VALUE_CHAR } from './chars.js';

export class ResponseHead {
  head = '';
  status = 0;
  minor = 1;
  /** End of the status line (index of its CR). */
  lineEnd = 0;
  contentLength = -1;
  chunked = false;
  connClose = false;
  connKeepAlive = false;
  connUpgrade = false;
  upgrade: string | undefined;
  connOptions: string[] | undefined;
  /** Chunked with a Content-Length too: the kept lines must be filtered (see {@link keptResponseLines}). */
  dropContentLength = false;
  /**
   * Kept lines as flat [start, end) pairs; only the first `keepLen` entries are
   * valid (the array is reused: truncating it is a slow runtime call in V8).
   */
  readonly keep: number[] = [];
  keepLen = 0;

  /** The valid kept ranges (a copy; for tests and rare paths). */
  keptRanges(): number[] {
    return this.keep.slice(0, this.keepLen);
  }

  reset(head: string): void {
    this.head = head;
    this.status = 0;
    this.minor = 1;
    this.lineEnd = 0;
    this.contentLength = -1;
    this.chunked = false;
    this.connClose = false;
    this.connKeepAlive = false;
    this.connUpgrade = false;
    this.upgrade = undefined;
    this.connOptions = undefined;
    this.dropContentLength = false;
    this.keepLen = 0;
  }

  /** Whether the backend lets this connection be reused after the response. */
  get reusable(): boolean {
    return this.minor === 1 ? !this.connClose : this.connKeepAlive && !this.connClose;
  }
}

const enum H {
  Other,
  /** Read and forwarded as is (dropped only when Transfer-Encoding overrides it). */
  ContentLength,
  // Not forwarded:
  Connection,
  Drop,
  TransferEncoding,
  Upgrade,
  FirstDropped = Connection,
}

function classify(s: string, a: number, b: number): H {
  switch (b - a) {
    case 2:
      return eqLower(s, a, b, 'te') ? H.Drop : H.Other;
    case 7:
      return eqLower(s, a, b, 'upgrade') ? H.Upgrade : H.Other;
    case 10:
      if (eqLower(s, a, b, 'connection')) return H.Connection;
      return eqLower(s, a, b, 'keep-alive') ? H.Drop : H.Other;
    case 14:
      return eqLower(s, a, b, 'content-length') ? H.ContentLength : H.Other;
    case 16:
      return eqLower(s, a, b, 'proxy-connection') ? H.Drop : H.Other;
    case 17:
      return eqLower(s, a, b, 'transfer-encoding') ? H.TransferEncoding : H.Other;
    default:
      return H.Other;
  }
}

/**
 * The line `[from, end)` holds no CR or LF of its own (its CRLF is at `end`).
 * A bare LF would end the line for a lenient client and let a backend smuggle
 * header lines; two native searches check it without a loop per character.
 */
function lineEndsOk(s: string, from: number, end: number): boolean {
  return s.indexOf('\r', from) === end && s.indexOf('\n', from) === end + 1;
}

/**
 * Parses `head` into `out`; returns false for a malformed head (→ 502).
 * Backend heads are checked for what keeps the client connection in sync
 * (line structure, token names, the framing fields); other field values are
 * passed on without a per-character check.
 */
export function parseResponseHead(head: string, out: ResponseHead): boolean {
  out.reset(head);
  const lineEnd = head.indexOf('\r\n');
  // "HTTP/1.x SSS" then optionally " reason"
  if (lineEnd < 12 || !head.startsWith('HTTP/1.') || head.charCodeAt(8) !== 0x20) return false;
  const minor = head.charCodeAt(7) - 0x30;
  if (minor !== 0 && minor !== 1) return false;
  const d0 = head.charCodeAt(9) - 0x30;
  const d1 = head.charCodeAt(10) - 0x30;
  const d2 = head.charCodeAt(11) - 0x30;
  if (d0 < 1 || d0 > 5 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return false;
  if (lineEnd > 12 && head.charCodeAt(12) !== 0x20) return false;
  if (!lineEndsOk(head, 0, lineEnd)) return false;
  out.minor = minor;
  out.status = d0 * 100 + d1 * 10 + d2;
  out.lineEnd = lineEnd;
  const keep = out.keep;
  let n = 0;
  let pos = lineEnd + 2;
  let runStart = pos;
  for (;;) {
    if (head.charCodeAt(pos) === 0x0d) {
      if (head.charCodeAt(pos + 1) !== 0x0a) return false;
      break; // the empty line
    }
    const colon = tokenEnd(head, pos);
    if (colon === pos || head.charCodeAt(colon) !== 0x3a) return false;
    const end = headerLineEnd(head, colon + 1);
    if (end === -1) return false;
    const kind = classify(head, pos, colon);
    if (kind !== H.Other) {
      let vs = colon + 1;
      let ve = end;
      while (vs < ve && (head.charCodeAt(vs) === 0x20 || head.charCodeAt(vs) === 0x09)) vs++;
      while (ve > vs && (head.charCodeAt(ve - 1) === 0x20 || head.charCodeAt(ve - 1) === 0x09)) ve--;
      for (let i = vs; i < ve; i++) if (VALUE_CHAR[head.charCodeAt(i)] !== 1) return false;
      if (kind >= H.FirstDropped) {
        if (runStart < pos) {
          keep[n++] = runStart;
          keep[n++] = pos;
        }
        runStart = end + 2;
      }
      if (kind !== H.Drop && !applyField(kind, head.slice(vs, ve), out)) return false;
    }
    pos = end + 2;
  }
  if (runStart < pos) {
    keep[n++] = runStart;
    keep[n++] = pos;
  }
  out.keepLen = n;
  if (out.chunked && out.contentLength !== -1) {
    // RFC 9112 §6.3: Transfer-Encoding overrides Content-Length, which must not be forwarded.
    out.contentLength = -1;
    out.dropContentLength = true;
  }
  return true;
}

function applyField(kind: H, value: string, out: ResponseHead): boolean {
  switch (kind) {
    case H.ContentLength: {
      const n = parseLength(value);
      if (n < 0 || (out.contentLength !== -1 && out.contentLength !== n)) return false;
      out.contentLength = n;
      return true;
    }
    case H.TransferEncoding: {
      const codings = lowerTokens(value);
      // Only `chunked` (last) frames the body; other codings would make the length unknowable.
      if (codings[codings.length - 1] !== 'chunked' || codings.length !== 1) return false;
      out.chunked = true;
      return true;
    }
    case H.Connection:
      for (const t of lowerTokens(value)) {
        if (t === 'close') out.connClose = true;
        else if (t === 'keep-alive') out.connKeepAlive = true;
        else if (t === 'upgrade') out.connUpgrade = true;
        else (out.connOptions ??= []).push(t);
      }
      return true;
    case H.Upgrade:
      out.upgrade = value;
      return true;
    default:
      return true;
  }
}

function parseLength(v: string): number {
  const n = v.length;
  if (n === 0 || n > 15) return -1;
  let x = 0;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return -1;
    x = x * 10 + c;
  }
  return x;
}

/** `head`'s kept lines, without those named by its Connection header or an overridden Content-Length. */
export function keptResponseLines(h: ResponseHead): string {
  let out = '';
  const s = h.head;
  const drop = h.connOptions === undefined && !h.dropContentLength ? undefined : new Set(h.connOptions);
  if (h.dropContentLength) drop!.add('content-length');
  for (let k = 0; k < h.keepLen; k += 2) {
    const a = h.keep[k]!;
    const b = h.keep[k + 1]!;
    if (drop === undefined) {
      out += s.slice(a, b);
      continue;
    }
    let pos = a;
    while (pos < b) {
      const le = s.indexOf('\r\n', pos);
      const colon = s.indexOf(':', pos);
      if (!drop.has(s.slice(pos, colon).toLowerCase())) out += s.slice(pos, le + 2);
      pos = le + 2;
    }
  }
  return out;
}
