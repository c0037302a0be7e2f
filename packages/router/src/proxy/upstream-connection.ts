/**
 * One TCP connection to a backend, speaking HTTP/1.1 as a client: writes the
 * request the exchange built, parses the response head (./http1), follows the
 * body framing (Content-Length, chunked, until close, none) and hands the
 * bytes to its {@link UpstreamUser} as they arrive, then goes back to its
 * target's idle pool when the backend lets it be reused.
 *
 * Event handlers are bound once per socket; nothing is allocated per request
 * except the response head string.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { ChunkedScanner, MALFORMED, NEED_MORE } from '../http1/chunked-scanner.js';
import { parseResponseHead, ResponseHead } from '../http1/response-head.js';
import type { BackendTarget, PooledConnection } from './backend-target.js';
import { DIRECT_QUEUED, DIRECT_WRITTEN, tryDirectWrite } from './direct-write.js';
import type { DirectWriteOwner } from './direct-write.js';

/** Why an upstream exchange failed. */
export const enum UpstreamFailure {
  /** Could not connect (refused, unreachable, dial timeout): nothing was sent. */
  Dial,
  /** The connection closed or reset before any response byte arrived. */
  Reset,
  /** The response head was malformed or too large. */
  BadResponse,
  /** No response head within the response-header timeout. */
  Timeout,
  /** The connection failed after the response head was forwarded. */
  MidResponse,
}

/** What an upstream connection reports to (implemented by the exchange). */
export interface UpstreamUser {
  /** Decode chunked response bodies (HTTP/2 and HTTP/1.0 clients) instead of passing the framing through. */
  readonly decodeBody: boolean;
  /** The request was a HEAD: the response has no body whatever its headers say. */
  readonly headRequest: boolean;
  upstreamConnected(conn: UpstreamConnection): void;
  upstreamFailed(conn: UpstreamConnection, why: UpstreamFailure, err: unknown): void;
  upstreamInformational(conn: UpstreamConnection, res: ResponseHead): void;
  /**
   * The final response head, with the first body bytes `buf[start, end)` (none
   * when `start === end`) and whether the body is already complete. `res` was
   * parsed from `buf[0, …)`; `buf` is only valid during the call.
   */
  upstreamResponse(conn: UpstreamConnection, res: ResponseHead, buf: Buffer, start: number, end: number, complete: boolean): void;
  upstreamData(conn: UpstreamConnection, buf: Buffer, start: number, end: number): void;
  upstreamEnd(conn: UpstreamConnection): void;
  /** 101: `src` holds the head bytes `res` was parsed from (valid during the call only). */
  upstreamUpgrade(conn: UpstreamConnection, res: ResponseHead, src: Buffer, rest: Buffer | undefined): void;
  upstreamDrain(conn: UpstreamConnection): void;
}

export interface UpstreamSettings {
  dialTimeoutMs: number;
  /** Idle pooled connections are closed after this long. */
  idleTimeoutMs: number;
  responseHeaderTimeoutMs: number;
  maxResponseHeadBytes: number;
  maxIdlePerBackend: number;
  /** Coarse monotonic milliseconds (refreshed by the sweep). */
  readonly time: { readonly now: number };
  /** Where live connections register for the timeout sweep. */
  readonly registry: Set<{ sweep(now: number): void }>;
}

const enum Phase {
  Connecting,
  Idle,
  Head,
  Body,
  Tunnel,
  Closed,
}

const enum Mode {
  None,
  Length,
  Chunked,
  UntilClose,
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
/** Size of each connection's read buffer (responses are read into it with `onread`). */
const READ_BUFFER = 16 * 1024;

export class UpstreamConnection implements PooledConnection, DirectWriteOwner {
  readonly socket: Socket;
  private phase = Phase.Connecting;
  private user: UpstreamUser | null;
  private partial: Buffer | null = null;
  private readonly res = new ResponseHead();
  private mode = Mode.None;
  private remaining = 0;
  private readonly scanner = new ChunkedScanner();
  /** Whether this connection may be pooled after the current response. */
  private reusable = true;
  /** Response bytes seen for the current request. */
  private received = 0;
  private sentAt = 0;
  /** When it started connecting, or went idle. */
  private since: number;
  /** Number of requests sent on this connection (>1 = reused). */
  requests = 0;
  /**
   * Reads land here (`onread`: no per-read allocation, no stream machinery).
   * A consumer that keeps a reference to the bytes (a write the kernel did not
   * take at once) calls {@link retain}, and the next read gets a fresh buffer.
   */
  private readBuf = Buffer.allocUnsafe(READ_BUFFER);
  private retained = false;
  /** Direct writes (./direct-write.ts) still queued in libuv. */
  private directPending = 0;

  constructor(
    readonly target: BackendTarget,
    user: UpstreamUser,
    private readonly settings: UpstreamSettings,
  ) {
    this.user = user;
    this.since = settings.time.now;
    const s = connect({
      host: target.host,
      port: target.port,
      allowHalfOpen: true,
      noDelay: true,
      onread: { buffer: this.nextBuffer, callback: this.onRead },
    });
    this.socket = s;
    s.on('connect', this.onConnect);
    s.on('end', this.onEnd);
    s.on('error', this.onError);
    s.on('close', this.onClose);
    s.on('drain', this.onDrain);
    settings.registry.add(this);
  }

  /** Pool contract: still connected and idle. */
  get usable(): boolean {
    return this.phase === Phase.Idle && !this.socket.destroyed;
  }

  /** True once this connection has carried a request before the current one. */
  get reused(): boolean {
    return this.requests > 1;
  }

  /** Takes this idle connection for `user`'s request. */
  assign(user: UpstreamUser): void {
    this.user = user;
    this.phase = Phase.Head;
  }

  /** Writes the request head (and starts the response-header clock). */
  sendHead(head: Buffer | string): boolean {
    this.requests++;
    this.received = 0;
    this.reusable = true;
    this.phase = Phase.Head;
    this.sentAt = this.settings.time.now;
    this.scanner.onData = this.user!.decodeBody ? this.onDecoded : undefined;
    return this.write(head);
  }

  /** Writes request bytes; false = wait for the user's `upstreamDrain`. */
  write(chunk: Buffer | string): boolean {
    if (this.directPending === 0) {
      const r = tryDirectWrite(this.socket, chunk, this);
      if (r === DIRECT_WRITTEN) return true;
      if (r === DIRECT_QUEUED) {
        this.directPending++;
        return false;
      }
    }
    return typeof chunk === 'string' ? this.socket.write(chunk, 'latin1') : this.socket.write(chunk);
  }

  directWriteDone(status: number): void {
    this.directPending--;
    if (status < 0) this.lost(new Error(`write failed (${status})`));
    else this.onDrain();
  }

  /** The request will not be completed (client went away): this connection cannot be reused. */
  abandon(): void {
    this.user = null;
    this.close();
  }

  /** The bytes last handed out stay referenced (e.g. queued in a write): do not reuse the read buffer. */
  retain(): void {
    this.retained = true;
  }

  /**
   * Hands the socket over as a raw tunnel: no more parsing or pooling. Reads
   * then arrive as ordinary `'data'` events (copies), so it can be piped.
   */
  detach(): Socket {
    this.phase = Phase.Tunnel;
    this.user = null;
    const s = this.socket;
    s.removeListener('end', this.onEnd);
    s.removeListener('error', this.onError);
    s.removeListener('close', this.onClose);
    s.removeListener('drain', this.onDrain);
    this.settings.registry.delete(this);
    return s;
  }

  close(): void {
    if (this.phase === Phase.Closed) return;
    this.phase = Phase.Closed;
    this.settings.registry.delete(this);
    this.target.removeIdle(this);
    this.socket.destroy();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  private readonly onConnect = (): void => {
    this.phase = Phase.Head;
    this.user?.upstreamConnected(this);
  };

  private readonly nextBuffer = (): Buffer => {
    if (this.retained) {
      this.retained = false;
      this.readBuf = Buffer.allocUnsafe(READ_BUFFER);
    }
    return this.readBuf;
  };

  private readonly onRead = (nread: number, buf: Uint8Array): boolean => {
    // `buf` is our own read buffer (a Buffer); only [0, nread) is valid.
    if (this.phase === Phase.Tunnel) this.socket.emit('data', Buffer.from(buf.subarray(0, nread)));
    else this.onData(buf as Buffer, nread);
    return true;
  };

  /** New bytes `buf[0, end)`. */
  private onData(buf: Buffer, end: number): void {
    const user = this.user;
    if (user === null) {
      // Bytes on an idle connection: the backend is confused; never reuse it.
      this.close();
      return;
    }
    this.received += end;
    if (this.phase === Phase.Head) this.onHeadBytes(user, buf, end);
    else if (this.phase === Phase.Body) this.onBody(user, buf, 0, end);
  }

  private onHeadBytes(user: UpstreamUser, chunk: Buffer, chunkEnd: number): void {
    let buf = chunk;
    let end = chunkEnd;
    if (this.partial !== null) {
      buf = Buffer.concat([this.partial, chunk.subarray(0, chunkEnd)]);
      end = buf.length;
      this.partial = null;
    }
    for (;;) {
      const idx = buf.indexOf(CRLFCRLF);
      if (idx === -1 || idx + 4 > end) {
        if (end > this.settings.maxResponseHeadBytes) return this.fail(user, UpstreamFailure.BadResponse, new Error('response head too large'));
        // Kept across reads: copy it out of the read buffer.
        this.partial = buf === chunk ? Buffer.from(chunk.subarray(0, end)) : buf.subarray(0, end);
        return;
      }
      const res = this.res;
      const head = buf.toString('latin1', 0, idx + 4);
      // A backend often sends the same head many times in a row (same status, type and length; Date
      // changes once a second): `res` still holds the parse of an identical head, and nothing else
      // writes to it, so the parse is skipped.
      if (head !== res.head) {
        if (!parseResponseHead(head, res)) {
          res.head = '';
          return this.fail(user, UpstreamFailure.BadResponse, new Error('malformed response head'));
        }
      }
      const start = idx + 4;
      const status = res.status;
      if (status === 101) {
        this.phase = Phase.Tunnel;
        user.upstreamUpgrade(this, res, buf, start < end ? Buffer.from(buf.subarray(start, end)) : undefined);
        return;
      }
      if (status < 200) {
        user.upstreamInformational(this, res);
        if (this.user !== user) return;
        if (start >= end) return;
        buf = buf.subarray(start, end);
        end -= start;
        continue;
      }
      this.startBody(user, res, buf, start, end);
      return;
    }
  }

  private startBody(user: UpstreamUser, res: ResponseHead, buf: Buffer, start: number, end: number): void {
    const status = res.status;
    if (!res.reusable) this.reusable = false;
    let stop = start;
    let complete = false;
    if (user.headRequest || status === 204 || status === 304) {
      this.mode = Mode.None;
      complete = true;
      if (start < end) this.reusable = false;
    } else if (res.chunked) {
      this.mode = Mode.Chunked;
      this.scanner.reset();
      if (user.decodeBody) {
        // Decoded bodies go through upstreamData as the scanner finds them.
        this.phase = Phase.Body;
        user.upstreamResponse(this, res, buf, start, start, false);
        if (this.user === user && start < end) this.onBody(user, buf, start, end);
        return;
      }
      const r = start < end ? this.scanner.scan(buf, start, end) : NEED_MORE;
      if (r === MALFORMED) return this.fail(user, UpstreamFailure.BadResponse, new Error(this.scanner.error));
      if (r === NEED_MORE) stop = end;
      else {
        stop = r;
        complete = true;
        if (r < end) this.reusable = false;
      }
    } else if (res.contentLength >= 0) {
      this.mode = Mode.Length;
      const n = Math.min(res.contentLength, end - start);
      stop = start + n;
      this.remaining = res.contentLength - n;
      complete = this.remaining === 0;
      if (complete && stop < end) this.reusable = false;
    } else {
      this.mode = Mode.UntilClose;
      this.reusable = false;
      stop = end;
    }
    this.phase = complete ? Phase.Idle : Phase.Body;
    user.upstreamResponse(this, res, buf, start, stop, complete);
    if (complete && this.user === user) this.finish(user);
  }

  private onBody(user: UpstreamUser, buf: Buffer, start: number, end: number): void {
    switch (this.mode) {
      case Mode.Length: {
        const n = Math.min(this.remaining, end - start);
        this.remaining -= n;
        if (n > 0) user.upstreamData(this, buf, start, start + n);
        if (this.remaining === 0 && this.user === user) {
          if (start + n < end) this.reusable = false;
          this.finish(user);
        }
        return;
      }
      case Mode.Chunked: {
        const r = this.scanner.scan(buf, start, end);
        if (r === MALFORMED) return this.fail(user, UpstreamFailure.MidResponse, new Error(this.scanner.error));
        const stop = r === NEED_MORE ? end : r;
        if (!user.decodeBody && stop > start) user.upstreamData(this, buf, start, stop);
        if (r !== NEED_MORE && this.user === user) {
          if (r < end) this.reusable = false;
          this.finish(user);
        }
        return;
      }
      case Mode.UntilClose:
        user.upstreamData(this, buf, start, end);
        return;
      default:
        this.reusable = false;
        this.finish(user);
    }
  }

  private readonly onDecoded = (buf: Buffer, start: number, end: number): void => {
    this.user?.upstreamData(this, buf, start, end);
  };

  /** The response is complete: pool the connection if possible, then tell the user. */
  private finish(user: UpstreamUser): void {
    this.user = null;
    this.partial = null;
    if (this.reusable && this.target.live && this.target.idle.length < this.settings.maxIdlePerBackend && !this.socket.destroyed) {
      this.phase = Phase.Idle;
      this.since = this.settings.time.now;
      this.target.idle.push(this);
    } else {
      this.close();
    }
    user.upstreamEnd(this);
  }

  /** Marks the connection not reusable for this response (e.g. the request body was not fully sent). */
  noReuse(): void {
    this.reusable = false;
  }

  private fail(user: UpstreamUser, why: UpstreamFailure, err: unknown): void {
    this.user = null;
    this.close();
    user.upstreamFailed(this, why, err);
  }

  private readonly onEnd = (): void => {
    const user = this.user;
    if (user !== null && this.phase === Phase.Body && this.mode === Mode.UntilClose) {
      this.reusable = false;
      this.finish(user);
      return;
    }
    this.lost(new Error('backend closed the connection'));
  };

  private readonly onError = (err: Error): void => {
    this.lost(err);
  };

  private readonly onClose = (): void => {
    this.lost(new Error('connection closed'));
  };

  private lost(err: unknown): void {
    const user = this.user;
    const phase = this.phase;
    if (phase === Phase.Tunnel) return;
    this.user = null;
    this.close();
    if (user === null) return;
    if (phase === Phase.Connecting) user.upstreamFailed(this, UpstreamFailure.Dial, err);
    else if (phase === Phase.Head && this.received === 0) user.upstreamFailed(this, UpstreamFailure.Reset, err);
    else if (phase === Phase.Head) user.upstreamFailed(this, UpstreamFailure.BadResponse, err);
    else user.upstreamFailed(this, UpstreamFailure.MidResponse, err);
  }

  /** Timeouts, checked by the context's sweep: dial, pooled idle, response head. */
  sweep(now: number): void {
    const user = this.user;
    switch (this.phase) {
      case Phase.Connecting:
        if (now - this.since >= this.settings.dialTimeoutMs) {
          this.user = null;
          this.close();
          user?.upstreamFailed(this, UpstreamFailure.Dial, new Error('dial timeout'));
        }
        return;
      case Phase.Idle:
        if (now - this.since >= this.settings.idleTimeoutMs) this.close();
        return;
      case Phase.Head:
        if (user !== null && now - this.sentAt >= this.settings.responseHeaderTimeoutMs) {
          this.user = null;
          this.close();
          user.upstreamFailed(this, UpstreamFailure.Timeout, new Error('response header timeout'));
        }
        return;
      default:
        // Streaming a body or a tunnel: no timeout (the client side has its own).
        return;
    }
  }

  private readonly onDrain = (): void => {
    // Drained only when neither a direct write nor the stream holds bytes.
    if (this.directPending === 0 && this.socket.writableLength === 0) this.user?.upstreamDrain(this);
  };
}
