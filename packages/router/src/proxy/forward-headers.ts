/**
 * Builds the heads the proxy writes: the request to the backend (kept client
 * lines + the forwarding headers of reference §7.4) and the response to an
 * HTTP/1.x client (kept backend lines + framing and connection headers).
 * Strings are concatenated from slices of the parsed head, so the common
 * case is a handful of concatenations and no header objects.
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
}

function keptRequestLines(h: RequestHead): string {
  if (h.connOptions !== undefined) return keptLinesWithoutConnectionOptions(h);
  const k = h.keep;
  const s = h.head;
  if (k.length === 2) return s.slice(k[0], k[1]);
  let out = '';
  for (let i = 0; i < k.length; i += 2) out += s.slice(k[i], k[i + 1]);
  return out;
}

/**
 * The request head for the backend: request line as received (HTTP/1.1),
 * kept lines (Host, Cookie, Content-Length and Expect stay where they were),
 * then Transfer-Encoding, Connection/Upgrade for upgrades, `X-Forwarded-For`,
 * `-Proto`, `-Port` (appended to the client's values), `X-Request-Start`,
 * `X-Request-Id`. Returns the head and the request id used.
 */
export function upstreamRequestHead(
  h: RequestHead,
  f: ForwardInfo,
  upgrade: boolean,
  closeUpstream: boolean,
  fallbackHost: string,
): { head: string; requestId: string } {
  let line = h.head.slice(h.lineStart, h.lineEnd);
  if (h.minor === 0) line = `${line.slice(0, -1)}1`;
  let head = `${line}\r\n${keptRequestLines(h)}`;
  // HTTP/1.0 may come without Host (or with only an absolute-form URI): a 1.1 backend needs one.
  if (!h.hostHeader) head += `Host: ${h.host ?? fallbackHost}\r\n`;
  if (h.chunked) head += 'Transfer-Encoding: chunked\r\n';
  if (upgrade) head += `Connection: Upgrade\r\nUpgrade: ${h.upgrade}\r\n`;
  else if (closeUpstream) head += 'Connection: close\r\n';
  const requestId = isValidRequestId(h.requestId) ? h.requestId : f.newRequestId();
  head +=
    `X-Forwarded-For: ${h.xff === undefined ? f.clientIp : `${h.xff}, ${f.clientIp}`}\r\n` +
    `X-Forwarded-Proto: ${h.xfProto === undefined ? f.proto : `${h.xfProto}, ${f.proto}`}\r\n` +
    `X-Forwarded-Port: ${h.xfPort === undefined ? f.port : `${h.xfPort}, ${f.port}`}\r\n` +
    `X-Request-Start: ${f.startMs}\r\nX-Request-Id: ${requestId}\r\n\r\n`;
  return { head, requestId };
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

/** The response head for an HTTP/1.x client. */
export function downstreamResponseHead(res: ResponseHead, o: ResponseHeadOptions): string {
  const s = res.head;
  let head: string;
  if (res.minor === 1 && o.clientMinor === 1) head = s.slice(0, res.lineEnd + 2);
  else head = `HTTP/1.${o.clientMinor}${s.slice(8, res.lineEnd + 2)}`;
  const k = res.keep;
  if (res.connOptions !== undefined || res.dropContentLength) head += keptResponseLines(res);
  else if (k.length === 2) head += s.slice(k[0], k[1]);
  else for (let i = 0; i < k.length; i += 2) head += s.slice(k[i], k[i + 1]);
  if (o.chunked) head += 'Transfer-Encoding: chunked\r\n';
  if (o.setCookie !== undefined) head += `${o.setCookie}\r\n`;
  if (res.status === 101) head += `Connection: Upgrade\r\nUpgrade: ${res.upgrade ?? ''}\r\n\r\n`;
  else if (o.close) head += 'Connection: close\r\n\r\n';
  else if (o.clientMinor === 0) head += 'Connection: keep-alive\r\n\r\n';
  else head += '\r\n';
  return head;
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
