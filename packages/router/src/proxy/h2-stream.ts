/**
 * An HTTP/2 stream from a client, proxied to an HTTP/1.1 backend through the
 * same {@link Exchange} as HTTP/1 requests: pseudo-headers become the request
 * line and Host, a body without Content-Length is sent chunked, the
 * backend's chunked framing is decoded, hop-by-hop headers are dropped both
 * ways (HTTP/2 forbids them).
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { constants } from 'node:http2';
import type { Socket } from 'node:net';
import { normalizeHost } from '../core/host.js';
import { isValidRequestId } from '../core/request-id.js';
import type { ResponseHead } from '../http1/response-head.js';
import { keptResponseLines } from '../http1/response-head.js';
import { Exchange } from './exchange.js';
import type { ExchangeDownstream } from './exchange.js';
import { statusText } from './forward-headers.js';
import type { ListenerInfo } from './h1-connection.js';
import type { ProxyContext } from './proxy-context.js';

/** Request headers not forwarded (hop-by-hop, or set by the router). */
const SKIP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'host', 'expect',
  'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-port', 'x-request-id', 'x-request-start', 'http2-settings',
]);

export function handleH2Stream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, ctx: ProxyContext, info: ListenerInfo, clientIp: string): void {
  new H2Stream(stream, headers, ctx, info, clientIp).start();
}

class H2Stream implements ExchangeDownstream {
  private readonly ex: Exchange;
  private chunkedBody = false;
  private ready = false;
  private readonly pending: Buffer[] = [];
  private ended = false;
  private startedAt: number;
  private status = 0;
  private host = '';

  constructor(
    private readonly stream: ServerHttp2Stream,
    private readonly headers: IncomingHttpHeaders,
    private readonly ctx: ProxyContext,
    private readonly info: ListenerInfo,
    private readonly clientIp: string,
  ) {
    this.ex = new Exchange(ctx, this);
    this.startedAt = ctx.clock.monotonic();
  }

  start(): void {
    const h = this.headers;
    const method = String(h[':method'] ?? 'GET');
    const path = String(h[':path'] ?? '/');
    const authority = String(h[':authority'] ?? h.host ?? '');
    this.host = authority;
    if (method === 'CONNECT') return this.local(501);
    const host = normalizeHost(authority);
    if (host === undefined) return this.local(400, 'invalid :authority');
    const entry = this.ctx.routes.matchHttp(host, this.info.routePort, path.charCodeAt(0) === 0x2f ? path : '/');
    if (!entry) return this.local(404);
    const route = entry.route;
    const service = entry.data.service;
    const backends = route.leader === true ? service.leader : service.all;
    if (backends.length === 0) return this.local(503, undefined, this.ctx.error503Page);
    const length = h['content-length'];
    const hasBody = !this.stream.endAfterHeaders;
    if (this.ctx.maxBodyBytes > 0 && length !== undefined && Number(length) > this.ctx.maxBodyBytes) return this.local(413);
    this.chunkedBody = hasBody && length === undefined;

    let head = `${method} ${path} HTTP/1.1\r\nHost: ${authority}\r\n`;
    let cookie: string | undefined;
    for (const name of Object.keys(h)) {
      if (name.charCodeAt(0) === 0x3a || SKIP.has(name)) continue;
      const v = h[name];
      if (v === undefined) continue;
      if (name === 'cookie') {
        cookie = Array.isArray(v) ? v.join('; ') : v;
        head += `cookie: ${cookie}\r\n`;
      } else if (Array.isArray(v)) for (const x of v) head += `${name}: ${x}\r\n`;
      else head += `${name}: ${v}\r\n`;
    }
    if (this.chunkedBody) head += 'Transfer-Encoding: chunked\r\n';
    const prior = (n: string) => {
      const v = h[n];
      return v === undefined ? undefined : Array.isArray(v) ? v.join(', ') : v;
    };
    const append = (n: string, v: string) => {
      const p = prior(n);
      return p === undefined ? v : `${p}, ${v}`;
    };
    const clientId = prior('x-request-id');
    const requestId = isValidRequestId(clientId) ? clientId : this.ctx.newRequestId();
    head +=
      `X-Forwarded-For: ${append('x-forwarded-for', this.clientIp)}\r\nX-Forwarded-Proto: ${append('x-forwarded-proto', this.info.proto)}\r\n` +
      `X-Forwarded-Port: ${append('x-forwarded-port', String(this.info.port))}\r\nX-Request-Start: ${this.ctx.clock.now()}\r\nX-Request-Id: ${requestId}\r\n`;
    if (route.disable_keep_alives === true) head += 'Connection: close\r\n';
    head += '\r\n';

    const ex = this.ex;
    ex.prepare(route, service, backends, head, method, hasBody, cookie);
    ex.decodeBody = true;
    const s = this.stream;
    s.on('close', () => {
      if (this.ex.active) {
        this.ex.abort();
        this.status = 499;
        this.log();
      }
    });
    s.on('error', () => {});
    if (hasBody) {
      s.on('data', (chunk: Buffer) => this.body(chunk));
      s.on('end', () => {
        this.ended = true;
        this.body(undefined);
      });
    }
    ex.start();
  }

  private body(chunk: Buffer | undefined): void {
    const conn = this.ex.conn;
    if (!this.ready || conn === null) {
      if (chunk !== undefined) this.pending.push(chunk);
      if (this.pending.length > 16) this.stream.pause();
      return;
    }
    if (chunk !== undefined) {
      if (this.chunkedBody) conn.write(`${chunk.length.toString(16)}\r\n`);
      let ok = conn.write(chunk);
      if (this.chunkedBody) ok = conn.write('\r\n') && ok;
      if (!ok) this.stream.pause();
    } else if (this.chunkedBody) {
      conn.write('0\r\n\r\n');
    }
  }

  private local(status: number, detail?: string, html?: string): void {
    this.status = status;
    this.log();
    const body = html ?? `${statusText(status)}${detail === undefined ? '' : `: ${detail}`}\n`;
    if (this.stream.destroyed) return;
    this.stream.respond({ ':status': status, 'content-type': html === undefined ? 'text/plain; charset=utf-8' : 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    this.stream.end(body);
  }

  private log(): void {
    const onAccess = this.ctx.onAccess;
    if (onAccess === undefined) return;
    const t = this.ex.served;
    onAccess({
      method: String(this.headers[':method'] ?? ''), host: this.host, target: String(this.headers[':path'] ?? ''), status: this.status,
      clientIp: this.clientIp, durationMs: this.ctx.clock.monotonic() - this.startedAt, proto: 'h2',
      ...(t ? { backend: t.addr, service: t.service } : {}),
    });
  }

  // ---- ExchangeDownstream ----

  requestReady(ex: Exchange): void {
    this.ready = true;
    const conn = ex.conn!;
    for (const c of this.pending.splice(0)) {
      if (this.chunkedBody) conn.write(`${c.length.toString(16)}\r\n`);
      conn.write(c);
      if (this.chunkedBody) conn.write('\r\n');
    }
    if (this.ended && this.chunkedBody) conn.write('0\r\n\r\n');
    this.stream.resume();
  }

  drained(): void {
    this.stream.resume();
  }

  informational(): void {}

  response(ex: Exchange, res: ResponseHead, buf: Buffer, start: number, end: number, complete: boolean): void {
    this.status = res.status;
    if (this.stream.destroyed) return;
    const out = responseHeaders(res);
    const cookie = ex.setCookieLine();
    if (cookie !== undefined) {
      const v = cookie.slice('Set-Cookie: '.length);
      const prev = out['set-cookie'];
      out['set-cookie'] = prev === undefined ? [v] : [...(Array.isArray(prev) ? prev : [String(prev)]), v];
    }
    const noBody = complete && end === start;
    try {
      this.stream.respond(out, { endStream: noBody });
    } catch (err) {
      // A header HTTP/2 cannot carry (e.g. a repeated single-value field).
      ex.abort();
      this.ctx.logger.warn({ event: 'h2_response_rejected', err }, 'backend response not representable in HTTP/2');
      this.aborted();
      return;
    }
    if (end > start) this.data(ex, buf, start, end);
  }

  data(ex: Exchange, buf: Buffer, start: number, end: number): void {
    if (this.stream.destroyed) return;
    // HTTP/2 writes are queued: the backend connection's read buffer must not be reused.
    ex.conn?.retain();
    if (!this.stream.write(buf.subarray(start, end))) {
      const conn = ex.conn;
      conn?.pause();
      this.stream.once('drain', () => conn?.resume());
    }
  }

  end(): void {
    this.log();
    if (!this.stream.destroyed && !this.stream.writableEnded) this.stream.end();
  }

  failed(_ex: Exchange, status: number, detail: string): void {
    this.local(status, status === 503 ? undefined : detail, status === 503 ? this.ctx.error503Page : undefined);
  }

  aborted(): void {
    this.status = 502;
    this.log();
    if (!this.stream.destroyed) this.stream.close(constants.NGHTTP2_INTERNAL_ERROR);
  }

  upgrade(ex: Exchange, _res: ResponseHead, _src: Buffer, socket: Socket): void {
    // An HTTP/2 request never asks for an upgrade; a backend answering 101 anyway is a broken exchange.
    socket.destroy();
    ex.tunnelClosed();
    this.aborted();
  }
}

const DROP_RESPONSE = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te']);

/** The backend's response head as HTTP/2 headers (lower-case names, repeated ones as arrays). */
export function responseHeaders(res: ResponseHead): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { ':status': res.status };
  const lines = keptResponseLines(res);
  let pos = 0;
  while (pos < lines.length) {
    const end = lines.indexOf('\r\n', pos);
    const colon = lines.indexOf(':', pos);
    const name = lines.slice(pos, colon).toLowerCase();
    const value = lines.slice(colon + 1, end).trim();
    pos = end + 2;
    if (DROP_RESPONSE.has(name)) continue;
    const prev = out[name];
    if (prev === undefined) out[name] = name === 'set-cookie' ? [value] : value;
    else out[name] = Array.isArray(prev) ? [...prev, value] : [String(prev), value];
  }
  return out;
}
