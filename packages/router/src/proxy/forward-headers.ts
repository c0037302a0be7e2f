/**
 * Builds the heads the proxy writes: the request to the backend (kept client
 * lines + the forwarding headers of reference §7.4) and the response to an
 * HTTP/1.x client (kept backend lines + framing and connection headers).
 * Kept lines are copied byte for byte from the bytes the head was parsed
 * from, so the common case is a few `copy` calls into one Buffer and no
 * header objects or string concatenation of the received lines.
 */
import { isValidRequestId } from '../core/request-id.js';
import { keptLinesWithoutConnectionOptions } from '../http1/request-head.js';
import type { RequestHead } from '../http1/request-head.js';
import { keptResponseLines } from '../http1/response-head.js';
import type { ResponseHead } from '../http1/response-head.js';

export interface ForwardInfo {
  /** `http` or `https`. */
  proto: string;
  /** The listener port, as a string. */
  port: string;
  /** The client's IP (from the socket, or the PROXY protocol header). */
  clientIp: string;
  /** Milliseconds since the epoch when the request head was complete. */
  startMs: number;
  /** Generates a request id when the client's is missing or invalid. */
  newRequestId(): string;
  /** Cached `X-Forwarded-For: <ip>\r\n` for clients that send none. */
  xffLine?: string;
  /** Cached `X-Forwarded-Proto` and `-Port` lines for clients that send neither. */
  protoPortLines?: string;
}

/**
 * The request head for the backend, as one Buffer: the request line as
 * received (as HTTP/1.1), the kept header lines copied byte for byte from
 * `src` (the client's bytes; `h` was parsed from `src[0, …)` as latin1, so its
 * offsets are byte offsets), then Transfer-Encoding, Connection/Upgrade for
 * upgrades, `X-Forwarded-For`, `-Proto`, `-Port` (appended to the client's
 * values), `X-Request-Start`, `X-Request-Id`. Host, Cookie, Content-Length
 * and Expect stay where they were. Returns the head and the request id used.
 */
export function upstreamRequestHead(
  h: RequestHead,
  src: Buffer,
  f: ForwardInfo,
  upgrade: boolean,
  closeUpstream: boolean,
  fallbackHost: string,
): { head: Buffer; requestId: string } {
  const requestId = isValidRequestId(h.requestId) ? h.requestId : f.newRequestId();
  // HTTP/1.0 may come without Host (or with only an absolute-form URI): a 1.1 backend needs one.
  let extra = h.hostHeader ? '' : `Host: ${h.host ?? fallbackHost}\r\n`;
  if (h.chunked) extra += 'Transfer-Encoding: chunked\r\n';
  if (upgrade) extra += `Connection: Upgrade\r\nUpgrade: ${h.upgrade}\r\n`;
  else if (closeUpstream) extra += 'Connection: close\r\n';
  extra += h.xff === undefined ? (f.xffLine ??= `X-Forwarded-For: ${f.clientIp}\r\n`) : `X-Forwarded-For: ${h.xff}, ${f.clientIp}\r\n`;
  if (h.xfProto === undefined && h.xfPort === undefined) {
    extra += f.protoPortLines ??= `X-Forwarded-Proto: ${f.proto}\r\nX-Forwarded-Port: ${f.port}\r\n`;
  } else {
    extra +=
      `X-Forwarded-Proto: ${h.xfProto === undefined ? f.proto : `${h.xfProto}, ${f.proto}`}\r\n` +
      `X-Forwarded-Port: ${h.xfPort === undefined ? f.port : `${h.xfPort}, ${f.port}`}\r\n`;
  }
  extra += `X-Request-Start: ${f.startMs}\r\nX-Request-Id: ${requestId}\r\n\r\n`;
  const k = h.keep;
  const kn = h.keepLen;
  const filtered = h.connOptions === undefined ? undefined : keptLinesWithoutConnectionOptions(h);
  let keptLen = 0;
  if (filtered === undefined) for (let i = 0; i < kn; i += 2) keptLen += k[i + 1]! - k[i]!;
  else keptLen = filtered.length;
  const lineEnd = h.lineEnd + 2;
  const out = Buffer.allocUnsafe(lineEnd - h.lineStart + keptLen + extra.length);
  let pos: number;
  let i = 0;
  if (filtered === undefined && kn > 0 && k[0] === lineEnd) {
    // The request line and the first run of kept lines are adjacent: one copy.
    pos = src.copy(out, 0, h.lineStart, k[1]!);
    i = 2;
  } else {
    pos = src.copy(out, 0, h.lineStart, lineEnd);
  }
  if (h.minor === 0) out[lineEnd - h.lineStart - 3] = 0x31; // "HTTP/1.0" → "HTTP/1.1"
  if (filtered === undefined) for (; i < kn; i += 2) pos += src.copy(out, pos, k[i]!, k[i + 1]!);
  else pos += out.write(filtered, pos, 'latin1');
  out.write(extra, pos, 'latin1');
  return { head: out, requestId };
}

export interface ResponseHeadOptions {
  /** The client's HTTP minor version. */
  clientMinor: number;
  /** The body is forwarded with its chunked framing (add Transfer-Encoding). */
  chunked: boolean;
  /** Close the client connection after this response. */
  close: boolean;
  /** A `Set-Cookie` line (without CRLF) to add, or undefined. */
  setCookie: string | undefined;
}

/** Header lines the router adds to a response, without the final CRLF. */
function responseExtra(res: ResponseHead, o: ResponseHeadOptions): string {
  let extra = o.chunked ? 'Transfer-Encoding: chunked\r\n' : '';
  if (o.setCookie !== undefined) extra += `${o.setCookie}\r\n`;
  if (res.status === 101) extra += `Connection: Upgrade\r\nUpgrade: ${res.upgrade ?? ''}\r\n`;
  else if (o.close) extra += 'Connection: close\r\n';
  else if (o.clientMinor === 0) extra += 'Connection: keep-alive\r\n';
  return extra;
}

/**
 * The response head for an HTTP/1.x client followed by `src[bodyStart,
 * bodyEnd)`, as one Buffer. `res` was parsed from `src[0, bodyStart)` (its
 * head ends at `bodyStart`).
 *
 * Common case, no allocation: the head is rebuilt in place inside `src` (the
 * backend connection's read buffer, which the caller owns until its next
 * read), by moving the kept runs right over the dropped hop-by-hop lines and
 * writing the router's lines just before the final CRLF; the result is a view
 * of `src`. That needs the status line unchanged and room for the added lines
 * after the last kept run (Node and most servers put Connection/Keep-Alive
 * last). Otherwise a new Buffer is assembled.
 */
export function downstreamResponse(res: ResponseHead, src: Buffer, o: ResponseHeadOptions, bodyStart: number, bodyEnd: number): Buffer {
  const extra = responseExtra(res, o);
  const k = res.keep;
  const kn = res.keepLen;
  const sameVersion = res.minor === 1 && o.clientMinor === 1;
  const filtered = res.connOptions !== undefined || res.dropContentLength;
  const crlf = bodyStart - 2;
  const lastEnd = kn > 0 ? k[kn - 1]! : res.lineEnd + 2;
  if (sameVersion && !filtered && crlf - lastEnd >= extra.length) {
    let dst = crlf - extra.length;
    for (let i = kn - 2; i >= 0; i -= 2) {
      const a = k[i]!;
      const b = k[i + 1]!;
      dst -= b - a;
      if (dst !== a) src.copyWithin(dst, a, b);
    }
    const line = res.lineEnd + 2;
    dst -= line;
    if (dst !== 0) src.copyWithin(dst, 0, line);
    if (extra.length > 0) src.write(extra, crlf - extra.length, 'latin1');
    return src.subarray(dst, bodyEnd);
  }
  const line = sameVersion ? undefined : `HTTP/1.${o.clientMinor}${res.head.slice(8, res.lineEnd + 2)}`;
  const lines = filtered ? keptResponseLines(res) : undefined;
  let keptLen = 0;
  if (lines === undefined) for (let i = 0; i < kn; i += 2) keptLen += k[i + 1]! - k[i]!;
  else keptLen = lines.length;
  const lineLen = line === undefined ? res.lineEnd + 2 : line.length;
  const out = Buffer.allocUnsafe(lineLen + keptLen + extra.length + 2 + (bodyEnd - bodyStart));
  let pos = line === undefined ? src.copy(out, 0, 0, lineLen) : out.write(line, 0, 'latin1');
  if (lines === undefined) for (let i = 0; i < kn; i += 2) pos += src.copy(out, pos, k[i]!, k[i + 1]!);
  else pos += out.write(lines, pos, 'latin1');
  pos += out.write(extra, pos, 'latin1');
  out[pos++] = 0x0d;
  out[pos++] = 0x0a;
  if (bodyEnd > bodyStart) src.copy(out, pos, bodyStart, bodyEnd);
  return out;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  417: 'Expectation Failed',
  431: 'Request Header Fields Too Large',
  499: 'Client Closed Request',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
};

export function statusText(status: number): string {
  return STATUS_TEXT[status] ?? 'Error';
}

/**
 * A complete plain-text error response. The body is the status text and a
 * newline (as the original's `fail()`), plus `: detail` when given.
 */
export function cannedResponse(status: number, close: boolean, detail?: string, html?: string): string {
  const text = statusText(status);
  const body = html ?? (detail === undefined ? `${text}\n` : `${text}: ${detail}\n`);
  const type = html === undefined ? 'text/plain; charset=utf-8' : 'text/html; charset=utf-8';
  return (
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `${close ? 'Connection: close\r\n' : ''}\r\n${body}`
  );
}
