/**
 * Parser for an HTTP/1.x request head (request line + header fields), as a
 * latin1 string ending in CRLF CRLF. Built for a proxy: it does not build a
 * header object, it records what the proxy acts on (host, framing, connection
 * options, the forwarding headers, cookie) and which header lines to forward
 * as they are (`keep`: [start, end) pairs into `head`, CRLF included).
 *
 * Strict where leniency enables request smuggling or header injection (RFC
 * 9112 §6.3, §11): CRLF line endings only, no obs-fold, token header names
 * with no space before the colon, no CTLs in values, one Content-Length
 * value, Content-Length and Transfer-Encoding together refused, a
 * Transfer-Encoding other than `chunked` refused (501), HTTP/1.1 needs
 * exactly one Host. The result is an HTTP status (0 = parsed).
 */
import { eqLower, headerLineEnd, isToken, lowerTokens, TARGET_CHAR, tokenEnd, VALUE_CHAR } from './chars.js';

export class RequestHead {
  head = '';
  method = '';
  target = '';
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor = 1;
  /** Start of the request line (after any leading empty lines). */
  lineStart = 0;
  /** End of the request line (index of its CR). */
  lineEnd = 0;
  /** Host header value (trimmed), or the authority of an absolute-form target. */
  host: string | undefined;
  /** Whether a Host header line was present (it is forwarded as is). */
  hostHeader = false;
  /** Content-Length, or -1 when absent. */
  contentLength = -1;
  chunked = false;
  connClose = false;
  connKeepAlive = false;
  connUpgrade = false;
  upgrade: string | undefined;
  expectContinue = false;
  xff: string | undefined;
  xfProto: string | undefined;
  xfPort: string | undefined;
  requestId: string | undefined;
  cookie: string | undefined;
  /** Header names listed in Connection besides close/keep-alive/upgrade (lower case). */
  connOptions: string[] | undefined;
  /** Lines to forward: flat [start, end) pairs into `head`, each range a run of whole lines. */
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
    this.method = '';
    this.target = '';
    this.minor = 1;
    this.lineStart = 0;
    this.lineEnd = 0;
    this.host = undefined;
    this.hostHeader = false;
    this.contentLength = -1;
    this.chunked = false;
    this.connClose = false;
    this.connKeepAlive = false;
    this.connUpgrade = false;
    this.upgrade = undefined;
    this.expectContinue = false;
    this.xff = undefined;
    this.xfProto = undefined;
    this.xfPort = undefined;
    this.requestId = undefined;
    this.cookie = undefined;
    this.connOptions = undefined;
    this.keepLen = 0;
  }

  /** True when the client wants the connection kept after this exchange. */
  get keepAlive(): boolean {
    return this.minor === 1 ? !this.connClose : this.connKeepAlive && !this.connClose;
  }

  get hasBody(): boolean {
    return this.chunked || this.contentLength > 0;
  }
}

/** Header kinds the proxy acts on; anything else is forwarded untouched. */
const enum H {
  Other,
  // Read, and forwarded as they are:
  Host,
  ContentLength,
  Expect,
  Cookie,
  // Read (or not), and not forwarded: hop-by-hop, or rewritten by the router.
  Connection,
  KeepAlive,
  ProxyConnection,
  TransferEncoding,
  TE,
  Upgrade,
  Xff,
  XfProto,
  XfPort,
  RequestId,
  RequestStart,
  FirstDropped = Connection,
}

function classify(s: string, a: number, b: number): H {
  switch (b - a) {
    case 2:
      return eqLower(s, a, b, 'te') ? H.TE : H.Other;
    case 4:
      return eqLower(s, a, b, 'host') ? H.Host : H.Other;
    case 6:
      if (eqLower(s, a, b, 'cookie')) return H.Cookie;
      return eqLower(s, a, b, 'expect') ? H.Expect : H.Other;
    case 7:
      return eqLower(s, a, b, 'upgrade') ? H.Upgrade : H.Other;
    case 10:
      if (eqLower(s, a, b, 'connection')) return H.Connection;
      return eqLower(s, a, b, 'keep-alive') ? H.KeepAlive : H.Other;
    case 12:
      return eqLower(s, a, b, 'x-request-id') ? H.RequestId : H.Other;
    case 14:
      return eqLower(s, a, b, 'content-length') ? H.ContentLength : H.Other;
    case 15:
      if (eqLower(s, a, b, 'x-forwarded-for')) return H.Xff;
      return eqLower(s, a, b, 'x-request-start') ? H.RequestStart : H.Other;
    case 16:
      if (eqLower(s, a, b, 'x-forwarded-port')) return H.XfPort;
      return eqLower(s, a, b, 'proxy-connection') ? H.ProxyConnection : H.Other;
    case 17:
      if (eqLower(s, a, b, 'x-forwarded-proto')) return H.XfProto;
      return eqLower(s, a, b, 'transfer-encoding') ? H.TransferEncoding : H.Other;
    default:
      return H.Other;
  }
}

const join = (prev: string | undefined, v: string, sep: string) => (prev === undefined ? v : `${prev}${sep}${v}`);

/**
 * Parses `head` (from the first byte of the request line through the final
 * CRLF CRLF; leading empty lines allowed) into `out`. Returns 0 or the HTTP
 * status to answer with: 400, 501 (unsupported transfer coding) or 505.
 */
export function parseRequestHead(head: string, out: RequestHead): number {
  out.reset(head);
  let pos = 0;
  // RFC 9112 §2.2: ignore at least one empty line before the request line.
  while (head.charCodeAt(pos) === 0x0d && head.charCodeAt(pos + 1) === 0x0a) pos += 2;
  const lineEnd = head.indexOf('\r\n', pos);
  if (lineEnd === -1 || head.indexOf('\0', pos) !== -1) return 400;
  const sp1 = head.indexOf(' ', pos);
  if (sp1 <= pos || sp1 >= lineEnd || !isToken(head, pos, sp1)) return 400;
  const sp2 = head.indexOf(' ', sp1 + 1);
  if (sp2 === -1 || sp2 >= lineEnd || sp2 === sp1 + 1) return 400;
  for (let i = sp1 + 1; i < sp2; i++) if (TARGET_CHAR[head.charCodeAt(i)] !== 1) return 400;
  const vlen = lineEnd - sp2 - 1;
  if (vlen !== 8 || !head.startsWith('HTTP/1.', sp2 + 1)) {
    return vlen === 8 && head.startsWith('HTTP/', sp2 + 1) && /^\d\.\d$/.test(head.slice(sp2 + 6, lineEnd)) ? 505 : 400;
  }
  const minorCh = head.charCodeAt(lineEnd - 1);
  if (minorCh !== 0x31 && minorCh !== 0x30) return 505;
  out.minor = minorCh - 0x30;
  out.method = head.slice(pos, sp1);
  out.target = head.slice(sp1 + 1, sp2);
  out.lineStart = pos;
  out.lineEnd = lineEnd;
  if (out.target.charCodeAt(0) !== 0x2f /* / */) {
    const status = absoluteTarget(out);
    if (status !== 0) return status;
  }
  const status = parseFields(head, lineEnd + 2, out);
  if (status !== 0) return status;
  if (out.host === undefined && out.minor === 1) return 400;
  if (out.chunked && out.contentLength !== -1) return 400;
  return 0;
}

/** Absolute-form (`http://host/path`) takes its host from the URI; `*` is allowed for OPTIONS; anything else is refused. */
function absoluteTarget(out: RequestHead): number {
  const t = out.target;
  if (t === '*') return out.method === 'OPTIONS' ? 0 : 400;
  const m = /^https?:\/\/([^/?#@]+)/i.exec(t);
  if (!m) return 400;
  out.host = m[1]!;
  return 0;
}

function parseFields(head: string, start: number, out: RequestHead): number {
  const keep = out.keep;
  let n = 0;
  let pos = start;
  let runStart = pos;
  let sawHost = false;
  for (;;) {
    if (head.charCodeAt(pos) === 0x0d) {
      if (head.charCodeAt(pos + 1) !== 0x0a) return 400;
      break; // the empty line
    }
    // A token name right before the colon: no obs-fold, no empty name, no space before the colon.
    const colon = tokenEnd(head, pos);
    if (colon === pos || head.charCodeAt(colon) !== 0x3a) return 400;
    // No CR or LF inside the line: a bare one would split it for a lenient backend (smuggling).
    const end = headerLineEnd(head, colon + 1);
    if (end === -1) return 400;
    const kind = classify(head, pos, colon);
    if (kind !== H.Other) {
      // Fields the router acts on get the full RFC 9110 value check; the others were
      // checked for CR/LF above and for NUL once per head.
      let vs = colon + 1;
      let ve = end;
      while (vs < ve && (head.charCodeAt(vs) === 0x20 || head.charCodeAt(vs) === 0x09)) vs++;
      while (ve > vs && (head.charCodeAt(ve - 1) === 0x20 || head.charCodeAt(ve - 1) === 0x09)) ve--;
      for (let i = vs; i < ve; i++) if (VALUE_CHAR[head.charCodeAt(i)] !== 1) return 400;
      if (kind >= H.FirstDropped) {
        // This line is not forwarded as is: close the current run of kept lines.
        if (runStart < pos) {
          keep[n++] = runStart;
          keep[n++] = pos;
        }
        runStart = end + 2;
      }
      const status = applyField(kind, head.slice(vs, ve), out, sawHost);
      if (status !== 0) return status;
      if (kind === H.Host) sawHost = true;
    }
    pos = end + 2;
  }
  if (runStart < pos) {
    keep[n++] = runStart;
    keep[n++] = pos;
  }
  out.keepLen = n;
  return 0;
}

function applyField(kind: H, value: string, out: RequestHead, sawHost: boolean): number {
  switch (kind) {
    case H.Host:
      if (sawHost) return 400;
      out.hostHeader = true;
      // An absolute-form target's authority wins over the Host header (RFC 9112 §3.2.2).
      if (out.host === undefined) out.host = value;
      return 0;
    case H.ContentLength: {
      const n = parseContentLength(value);
      if (n < 0 || (out.contentLength !== -1 && out.contentLength !== n)) return 400;
      out.contentLength = n;
      return 0;
    }
    case H.TransferEncoding: {
      if (out.minor === 0) return 400;
      const codings = lowerTokens(value);
      if (codings.length === 0) return 400;
      if (out.chunked || codings.length !== 1 || codings[0] !== 'chunked') return codings.includes('chunked') ? 400 : 501;
      out.chunked = true;
      return 0;
    }
    case H.Connection:
      for (const t of lowerTokens(value)) {
        if (t === 'close') out.connClose = true;
        else if (t === 'keep-alive') out.connKeepAlive = true;
        else if (t === 'upgrade') out.connUpgrade = true;
        else (out.connOptions ??= []).push(t);
      }
      return 0;
    case H.Upgrade:
      out.upgrade = out.upgrade === undefined ? value : `${out.upgrade}, ${value}`;
      return 0;
    case H.Expect:
      if (value.toLowerCase() === '100-continue') out.expectContinue = true;
      else return 417;
      return 0;
    case H.Xff:
      out.xff = join(out.xff, value, ', ');
      return 0;
    case H.XfProto:
      out.xfProto = join(out.xfProto, value, ', ');
      return 0;
    case H.XfPort:
      out.xfPort = join(out.xfPort, value, ', ');
      return 0;
    case H.RequestId:
      out.requestId = value;
      return 0;
    case H.Cookie:
      out.cookie = join(out.cookie, value, '; ');
      return 0;
    default:
      // Keep-Alive, Proxy-Connection, TE, X-Request-Start: hop-by-hop or set by the router.
      return 0;
  }
}

/** Digits only, at most 15 of them (≤ 2^53); -1 when invalid. */
export function parseContentLength(v: string): number {
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

/**
 * The kept lines of `h` minus those named in its Connection header (a proxy
 * must drop them, RFC 9110 §7.6.1). Rare, so it re-scans the kept lines.
 */
export function keptLinesWithoutConnectionOptions(h: RequestHead): string {
  const drop = new Set(h.connOptions);
  let out = '';
  const s = h.head;
  for (let k = 0; k < h.keepLen; k += 2) {
    let pos = h.keep[k]!;
    const end = h.keep[k + 1]!;
    while (pos < end) {
      const le = s.indexOf('\r\n', pos);
      const colon = s.indexOf(':', pos);
      if (!drop.has(s.slice(pos, colon).toLowerCase())) out += s.slice(pos, le + 2);
      pos = le + 2;
    }
  }
  return out;
}
