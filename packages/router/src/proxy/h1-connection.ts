/**
 * One client connection speaking HTTP/1.x (plain TCP, or TLS without h2):
 * reads request heads (./http1), routes them, hands each request to the
 * connection's {@link Exchange}, streams request and response bodies with
 * backpressure (pause/resume on both sockets), keeps the connection alive
 * between requests, serves pipelined requests one after another, and turns
 * into a raw tunnel after a 101 (WebSocket or any `Upgrade`).
 *
 * States: Head (reading a request head; `buf` holds a partial head or
 * pipelined bytes) → Body (request body still coming) → Wait (request sent,
 * response pending or streaming) → Head again, or Tunnel, or Closed. See
 * DESIGN.md.
 */
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { normalizeHost } from '../core/host.js';
import { ChunkedScanner, MALFORMED, NEED_MORE } from '../http1/chunked-scanner.js';
import { parseRequestHead, RequestHead } from '../http1/request-head.js';
import type { ResponseHead } from '../http1/response-head.js';
import { Exchange } from './exchange.js';
import type { ExchangeDownstream } from './exchange.js';
import { cannedResponse, downstreamResponse, upstreamRequestHead } from './forward-headers.js';
import type { ForwardInfo } from './forward-headers.js';
import type { ClientConnectionLike, ProxyContext } from './proxy-context.js';
import { clientAddress, routingTarget } from './addresses.js';
import { isSharedReadBuffer, readsIntoSharedBuffer, readTlsIntoSharedBuffer, setSharedBufferReader } from './shared-read-accept.js';
import type { SharedBufferReader } from './shared-read-accept.js';
import { joinTunnel } from './tunnel.js';
import { DIRECT_QUEUED, DIRECT_WRITTEN, tryDirectWrite } from './direct-write.js';
import type { DirectWriteOwner } from './direct-write.js';

export interface ListenerInfo {
  /** The port requests arrive on (X-Forwarded-Port). */
  port: number;
  /** The port routes are matched with: 0 for a default listener (matches port-0 routes), else `port`. */
  routePort: number;
  proto: 'http' | 'https';
}

const enum S {
  Head,
  Body,
  Wait,
  Tunnel,
  Closed,
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
/** Pipelined or early bytes held while a request is in flight before the socket is paused. */
const HOLD_LIMIT = 64 * 1024;
/** A first response chunk up to this size is copied into one buffer with the head (one write). */
const COALESCE_LIMIT = 16 * 1024;

export class H1Connection implements ExchangeDownstream, ClientConnectionLike, SharedBufferReader, DirectWriteOwner {
  private state = S.Head;
  private buf: Buffer | null = null;
  private pumping = false;
  private readonly req = new RequestHead();
  private readonly ex: Exchange;
  private readonly fwd: ForwardInfo;
  private slowSince = -1;
  private lastActive: number;
  private requests = 0;
  // request body
  private chunked = false;
  private remaining = 0;
  private readonly scanner = new ChunkedScanner();
  private pending: Buffer[] | null = null;
  private pendingBytes = 0;
  private upstreamReady = false;
  private reqDone = true;
  private resDone = true;
  private closeAfter = false;
  private clientEnded = false;
  private pausedForUpstream = false;
  private pausedForHold = false;
  private awaitingDrain = false;
  /**
   * TLS encrypts (copies) written bytes during `write()`, so a write never keeps
   * a reference to the backend read buffer; on plain TCP a write the kernel did
   * not take keeps it (see `UpstreamConnection.retain`).
   */
  private readonly writesCopy: boolean;
  /** Direct writes (./direct-write.ts; plain TCP only) still queued in libuv. */
  private directPending = 0;
  // access log
  private status = 0;
  private host = '';
  private startedAt = 0;
  private requestId: string | undefined;

  constructor(
    readonly socket: Socket,
    private readonly ctx: ProxyContext,
    private readonly listener: ListenerInfo,
    clientIp?: string,
    initial?: Buffer,
  ) {
    this.ex = new Exchange(ctx, this);
    const ip = clientIp ?? clientAddress(socket);
    this.fwd = { proto: listener.proto, port: String(listener.port), clientIp: ip, startMs: 0, newRequestId: () => ctx.newRequestId() };
    this.lastActive = ctx.now;
    this.writesCopy = socket instanceof TLSSocket;
    ctx.connections.add(this);
    socket.setNoDelay?.(true);
    if (readsIntoSharedBuffer(socket) || (this.writesCopy && readTlsIntoSharedBuffer(socket as TLSSocket))) setSharedBufferReader(socket, this);
    else socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    socket.on('drain', this.onDrain);
    if (initial !== undefined && initial.length > 0) this.onData(initial);
  }

  // ---- socket events ----

  private readonly onData = (chunk: Buffer): void => {
    this.lastActive = this.ctx.now;
    switch (this.state) {
      case S.Head:
        this.buf = this.buf === null ? chunk : Buffer.concat([this.buf, chunk]);
        this.pump();
        return;
      case S.Body:
        this.feedBody(chunk, 0, chunk.length);
        return;
      case S.Wait:
        this.hold(chunk);
        return;
      default:
        return;
    }
  };

  /** A read into the shared buffer (plain or TLS): whatever is kept past this call is copied out of it. */
  onSharedRead(nread: number, buf: Buffer): boolean {
    const chunk = buf.subarray(0, nread);
    if (this.state === S.Tunnel) {
      // The tunnel pipes 'data' events.
      this.socket.emit('data', Buffer.from(chunk));
      return true;
    }
    this.onData(chunk);
    const held = this.buf;
    if (held !== null && isSharedReadBuffer(held)) this.buf = Buffer.from(held);
    return true;
  }

  private readonly onEnd = (): void => {
    this.clientEnded = true;
    if (this.state === S.Head) this.closeGracefully();
    else if (this.state === S.Body) this.destroy();
  };

  private readonly onError = (_err: Error): void => {
    this.destroy();
  };

  private readonly onClose = (): void => {
    const tunnel = this.state === S.Tunnel;
    const wasActive = this.ex.active && !tunnel;
    this.state = S.Closed;
    this.ctx.connections.delete(this);
    this.unmarkSlow();
    if (wasActive) {
      this.ex.abort();
      this.status = 499;
      this.logAccess();
    }
  };

  private readonly onDrain = (): void => {
    if (this.directPending > 0 || this.socket.writableLength > 0) return;
    if (this.awaitingDrain) {
      this.awaitingDrain = false;
      this.ex.conn?.resume();
    }
  };

  // ---- ClientConnectionLike ----

  drain(): void {
    if (this.state === S.Head && (this.buf === null || this.buf.length === 0)) this.closeGracefully();
    else this.closeAfter = true;
  }

  /**
   * Timeouts (called by the context's sweep): a request head must be complete
   * `headerMs` after its first byte (slowloris), a new connection must send one
   * within `headerMs`, an idle keep-alive connection closes after `idleMs`.
   * While a request is in flight the backend side's timeouts apply.
   */
  sweep(now: number): void {
    if (this.state !== S.Head) return;
    const t = this.ctx.timeouts;
    if (this.slowSince >= 0) {
      if (now - this.slowSince >= t.headerMs) this.reject(408);
    } else if (this.buf === null && now - this.lastActive >= (this.requests === 0 ? t.headerMs : t.idleMs)) {
      this.closeGracefully();
    }
  }

  destroy(): void {
    if (this.state === S.Closed && this.socket.destroyed) return;
    this.state = S.Closed;
    this.socket.destroy();
  }

  // ---- request side ----

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    while (this.state === S.Head && this.buf !== null) {
      const data = this.buf;
      const idx = data.indexOf(CRLFCRLF);
      if (idx === -1) {
        if (data.length > this.ctx.maxHeaderBytes) this.reject(data.indexOf('\r\n') === -1 ? 414 : 431);
        else this.markSlow();
        break;
      }
      if (idx + 4 > this.ctx.maxHeaderBytes) {
        this.reject(431);
        break;
      }
      this.unmarkSlow();
      this.buf = idx + 4 < data.length ? data.subarray(idx + 4) : null;
      this.onHead(data, data.toString('latin1', 0, idx + 4));
    }
    this.pumping = false;
    if (this.pausedForHold && this.state === S.Head) {
      this.pausedForHold = false;
      if (!this.pausedForUpstream) this.socket.resume();
    }
  }

  /** `head` is `src[0, head.length)` as latin1 (so its offsets are byte offsets into `src`). */
  private onHead(src: Buffer, head: string): void {
    const ctx = this.ctx;
    const req = this.req;
    this.startedAt = ctx.clock.monotonic();
    this.requestId = undefined;
    this.status = 0;
    const bad = parseRequestHead(head, req);
    this.host = req.host ?? '';
    if (bad !== 0) return this.reject(bad);
    this.requests++;
    const host = req.host === undefined ? '' : normalizeHost(req.host);
    if (host === undefined) return this.reject(400, 'invalid Host header');
    const target = req.target.charCodeAt(0) === 0x2f ? req.target : routingTarget(req.target);
    const entry = ctx.routes.matchHttp(host, this.listener.routePort, target);
    if (entry === undefined) return this.respondLocally(404);
    if (ctx.maxBodyBytes > 0 && req.contentLength > ctx.maxBodyBytes) return this.reject(413);
    const route = entry.route;
    const service = entry.data.service;
    const backends = route.leader === true ? service.leader : service.all;
    if (backends.length === 0) return this.respondLocally(503, undefined, ctx.error503Page);

    const upgrade = req.connUpgrade && req.upgrade !== undefined;
    this.fwd.startMs = ctx.clock.now();
    const built = upstreamRequestHead(req, src, this.fwd, upgrade, route.disable_keep_alives === true, route.domain.includes('*') ? host : route.domain);
    this.requestId = built.requestId;
    const ex = this.ex;
    ex.prepare(route, service, backends, built.head, req.method, req.hasBody, req.cookie);
    ex.decodeBody = req.minor === 0;

    this.reqDone = !req.hasBody;
    this.resDone = false;
    this.upstreamReady = false;
    this.closeAfter = !req.keepAlive || ctx.draining || upgrade;
    this.chunked = req.chunked;
    this.remaining = req.contentLength > 0 ? req.contentLength : 0;
    if (req.chunked) this.scanner.reset();
    this.state = this.reqDone ? S.Wait : S.Body;
    const rest = this.buf;
    this.buf = null;
    if (rest !== null) {
      if (this.state === S.Body) this.feedBody(rest, 0, rest.length);
      else this.hold(rest);
    }
    if ((this.state as S) !== S.Closed) ex.start();
  }

  private feedBody(data: Buffer, start: number, end: number): void {
    let stop: number;
    let done: boolean;
    if (this.chunked) {
      const r = this.scanner.scan(data, start, end);
      if (r === MALFORMED) return this.bodyError(400);
      if (this.ctx.maxBodyBytes > 0 && this.scanner.payload > this.ctx.maxBodyBytes) return this.bodyError(413);
      done = r !== NEED_MORE;
      stop = done ? r : end;
    } else {
      const n = Math.min(this.remaining, end - start);
      this.remaining -= n;
      stop = start + n;
      done = this.remaining === 0;
    }
    if (stop > start) this.forwardBody(start === 0 && stop === data.length ? data : data.subarray(start, stop));
    if (!done) return;
    this.reqDone = true;
    if (this.state === S.Body) this.state = S.Wait;
    if (stop < end) this.hold(data.subarray(stop));
    if (this.resDone) this.complete();
  }

  private forwardBody(body: Buffer): void {
    // A queued write keeps a reference to its bytes: never to the shared read buffer.
    const chunk = isSharedReadBuffer(body) ? Buffer.from(body) : body;
    const conn = this.ex.conn;
    if (this.upstreamReady && conn !== null) {
      if (!conn.write(chunk) && !this.pausedForUpstream) {
        this.pausedForUpstream = true;
        this.socket.pause();
      }
    } else if (this.ex.active || !this.resDone) {
      (this.pending ??= []).push(chunk);
      this.pendingBytes += chunk.length;
      if (this.pendingBytes > HOLD_LIMIT && !this.pausedForUpstream) {
        this.pausedForUpstream = true;
        this.socket.pause();
      }
    }
    // else: the response already went out (an error); the rest of the body is dropped and the connection closes.
  }

  /** Bytes after the current request (pipelined requests, or early tunnel data). */
  private hold(chunk: Buffer): void {
    this.buf = this.buf === null ? chunk : Buffer.concat([this.buf, chunk]);
    if (this.buf.length > HOLD_LIMIT && !this.pausedForHold) {
      this.pausedForHold = true;
      this.socket.pause();
    }
  }

  private bodyError(status: number): void {
    if (this.ex.responded) {
      this.destroy();
      return;
    }
    this.ex.abort();
    this.reject(status);
  }

  // ---- ExchangeDownstream ----

  requestReady(ex: Exchange): void {
    this.upstreamReady = true;
    const p = this.pending;
    if (p !== null) {
      this.pending = null;
      this.pendingBytes = 0;
      for (const c of p) ex.conn!.write(c);
    }
    if (this.pausedForUpstream) {
      this.pausedForUpstream = false;
      if (!this.pausedForHold) this.socket.resume();
    }
  }

  drained(_ex: Exchange): void {
    if (this.pausedForUpstream) {
      this.pausedForUpstream = false;
      if (!this.pausedForHold) this.socket.resume();
    }
  }

  informational(_ex: Exchange, res: ResponseHead): void {
    if (this.req.minor === 1) this.socket.write(res.head, 'latin1');
  }

  response(ex: Exchange, res: ResponseHead, buf: Buffer, start: number, end: number, complete: boolean): void {
    this.status = res.status;
    const minor = this.req.minor;
    let close = this.closeAfter || this.ctx.draining;
    const byClose = !complete && !res.chunked && res.contentLength < 0;
    if (byClose || (res.chunked && minor === 0) || (!complete && res.contentLength < 0 && minor === 0)) close = true;
    if (!this.reqDone) {
      close = true;
      ex.conn?.noReuse();
    }
    this.closeAfter = close;
    const o = { clientMinor: minor, chunked: res.chunked && minor === 1, close, setCookie: ex.setCookieLine() };
    if (end - start <= COALESCE_LIMIT) {
      // Head and the first body bytes in one write (built in place in the backend's read buffer when possible).
      this.write(downstreamResponse(res, buf, o, start, end), false);
    } else {
      this.socket.cork();
      this.socket.write(downstreamResponse(res, buf, o, start, start));
      this.write(buf.subarray(start, end), false);
      this.socket.uncork();
    }
    if (this.holdsWrites()) ex.conn?.retain();
  }

  data(ex: Exchange, buf: Buffer, start: number, end: number): void {
    this.write(start === 0 && end === buf.length ? buf : buf.subarray(start, end), false);
    // The bytes live in the backend connection's read buffer: if the kernel did not take them all, keep it.
    if (this.holdsWrites()) ex.conn?.retain();
  }

  end(_ex: Exchange): void {
    this.resDone = true;
    this.logAccess();
    if (this.reqDone || this.closeAfter) this.complete();
  }

  failed(_ex: Exchange, status: number, detail: string): void {
    this.status = status;
    this.resDone = true;
    if (!this.reqDone) this.closeAfter = true;
    this.logAccess();
    const html = status === 503 ? this.ctx.error503Page : undefined;
    this.write(cannedResponse(status, this.closeAfter, html === undefined ? detailFor(status, detail) : undefined, html), true);
    if (this.state !== S.Closed && (this.reqDone || this.closeAfter)) this.complete();
  }

  aborted(_ex: Exchange, err: unknown): void {
    this.ctx.logger.warn({ event: 'backend_failed_mid_response', err, host: this.host }, 'backend failed during the response');
    this.resDone = true;
    this.logAccess();
    this.destroy();
  }

  upgrade(ex: Exchange, res: ResponseHead, src: Buffer, up: Socket, rest: Buffer | undefined): void {
    this.status = 101;
    this.logAccess();
    this.state = S.Tunnel;
    const s = this.socket;
    s.write(Buffer.from(downstreamResponse(res, src, { clientMinor: 1, chunked: false, close: false, setCookie: ex.setCookieLine() }, res.head.length, res.head.length)));
    if (rest !== undefined) s.write(rest);
    const early = this.buf;
    this.buf = null;
    if (early !== null) up.write(early);
    s.removeListener('data', this.onData);
    s.removeListener('end', this.onEnd);
    s.removeListener('drain', this.onDrain);
    this.pausedForHold = false;
    this.pausedForUpstream = false;
    joinTunnel(s, up, () => ex.tunnelClosed());
  }

  // ---- helpers ----

  /** Whether written bytes are still referenced by a queued write (never on TLS: it encrypts a copy at once). */
  private holdsWrites(): boolean {
    return !this.writesCopy && (this.directPending > 0 || this.socket.writableLength > 0);
  }

  directWriteDone(status: number): void {
    this.directPending--;
    if (status < 0) this.destroy();
    else this.onDrain();
  }

  private write(data: Buffer | string, latin1: boolean): void {
    let ok: boolean;
    const r = this.writesCopy || this.directPending > 0 ? -1 : tryDirectWrite(this.socket, data, this);
    if (r === DIRECT_WRITTEN) return;
    if (r === DIRECT_QUEUED) {
      this.directPending++;
      ok = false;
    } else ok = latin1 ? this.socket.write(data as string, 'latin1') : this.socket.write(data as Buffer);
    if (!ok && this.ex.conn !== null && !this.awaitingDrain) {
      this.awaitingDrain = true;
      this.ex.conn.pause();
    }
  }

  /** Both directions of the exchange are done: next request, or close. */
  private complete(): void {
    if (this.state === S.Closed || this.state === S.Tunnel) return;
    if (this.closeAfter || this.clientEnded) {
      this.closeGracefully();
      return;
    }
    this.state = S.Head;
    this.lastActive = this.ctx.now;
    this.pump();
  }

  /** A local answer (404, 503) that may keep the connection. */
  private respondLocally(status: number, detail?: string, html?: string): void {
    const req = this.req;
    const close = !req.keepAlive || req.hasBody || this.ctx.draining || this.clientEnded;
    this.status = status;
    this.logAccess();
    this.socket.write(cannedResponse(status, close, detail, html), 'latin1');
    if (close) this.closeGracefully();
  }

  /** An error answer that ends the connection (bad request, too large, timeout). */
  private reject(status: number, detail?: string): void {
    if (this.state === S.Closed) return;
    this.status = status;
    this.unmarkSlow();
    if (this.startedAt > 0) this.logAccess();
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(cannedResponse(status, true, detail), 'latin1');
    this.closeGracefully();
  }

  private closeGracefully(): void {
    if (this.state === S.Closed) return;
    this.state = S.Closed;
    this.buf = null;
    this.unmarkSlow();
    this.socket.destroySoon();
  }

  private markSlow(): void {
    if (this.slowSince < 0) this.slowSince = this.ctx.now;
  }

  private unmarkSlow(): void {
    this.slowSince = -1;
  }

  private logAccess(): void {
    const onAccess = this.ctx.onAccess;
    if (onAccess === undefined) return;
    const r = this.req;
    const t = this.ex.served;
    onAccess({
      method: r.method,
      host: this.host,
      target: r.target,
      status: this.status,
      clientIp: this.fwd.clientIp,
      durationMs: this.ctx.clock.monotonic() - this.startedAt,
      proto: this.listener.proto,
      ...(t !== null ? { backend: t.addr, service: t.service } : {}),
      ...(this.requestId !== undefined ? { requestId: this.requestId } : {}),
    });
  }
}

function detailFor(status: number, detail: string): string | undefined {
  // 503 keeps the original's exact body ("Service Unavailable\n"); 502/504 say what went wrong.
  return status === 503 ? undefined : detail;
}
