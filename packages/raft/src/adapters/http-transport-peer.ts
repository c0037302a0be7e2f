/**
 * The sending side of `HttpTransport` for one peer: an undici `Pool` (two
 * keep-alive connections, pipelining 1: one for message batches, one for
 * snapshots), a bounded queue of encoded messages, and a backoff.
 *
 * - Messages: everything queued when the previous request finished goes out
 *   as one `POST {prefix}/msgs` batch; one batch in flight at a time, so the
 *   peer sees messages in send order. When the queue is full the oldest
 *   message is dropped and the peer reported unreachable.
 * - Snapshots: `POST {prefix}/snapshot`, the encoded message streamed in
 *   chunks; one in flight, at most one waiting (a newer one replaces it and
 *   the replaced one reports failure). The outcome is reported through
 *   `snapshotStatus`.
 * - Streaming (`settings.stream`, the default): instead of one POST per batch,
 *   batches go as frames on one long-lived `POST {prefix}/stream` (see
 *   `StreamConnection`), opened on the first send, written at most once per
 *   microtask turn, and replaced (make before break) once older than
 *   `streamMaxAgeMs` so server request timeouts never cut it. A peer that
 *   answers the stream with 404/405 is served by `POST /msgs` from then on.
 *   A lost stream reports `unreachable` and drops what is queued; the next
 *   send reconnects (after the backoff when the stream failed to open or
 *   lived under a second).
 * - Failures (connection errors, timeouts, non-2xx answers) report
 *   `unreachable`, drop what is queued (raft retransmits) and start a backoff:
 *   until it ends, sends to this peer are dropped and reported unreachable at
 *   once. A success resets the backoff.
 */
import { Readable } from 'node:stream';
import { Pool } from 'undici';
import { Backoff } from '@flynn-ts/core';
import type { BackoffOptions, Clock, Logger, Random } from '@flynn-ts/core';
import { encodeBatch } from '../codec.js';
import type { NodeId } from '../core/types.js';
import type { TransportHandler } from '../transport.js';
import type { PeerAddress } from './http-transport-address.js';
import { frameHeader, StreamConnection, type StreamClose, type StreamEvents } from './http-transport-stream.js';

export interface PeerSettings {
  maxQueue: number;
  maxBodyBytes: number;
  snapshotChunkBytes: number;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  backoff: BackoffOptions;
  /** Send messages over a long-lived stream rather than one POST per batch. */
  stream: boolean;
  streamMaxAgeMs: number;
}

/** What a peer needs from its transport. */
export interface PeerHost {
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly settings: PeerSettings;
  /** Calls `fn` with the transport's handler soon (never synchronously), unless the transport has closed. */
  report(fn: (handler: TransportHandler) => void): void;
}

const BATCH_OVERHEAD = 2 + 8; // version, kind, count varint
const ITEM_OVERHEAD = 8; // length varint

export class HttpPeer {
  private readonly pool: Pool;
  private readonly backoff: Backoff;
  private queue: Uint8Array[] = [];
  private flushScheduled = false;
  private sending = false;
  private snapshotInFlight = false;
  private nextSnapshot: Uint8Array | undefined;
  private retryAt = -Infinity;
  private unreachableScheduled = false;
  private closed = false;
  private streaming: boolean;
  private stream: StreamConnection | undefined;
  private opening: StreamConnection | undefined;
  private readonly streamEvents: StreamEvents = {
    ready: (conn) => this.streamReady(conn),
    closed: (conn, why) => this.streamClosed(conn, why),
    drained: () => this.scheduleFlush(),
  };

  constructor(
    readonly id: NodeId,
    readonly address: PeerAddress,
    private readonly host: PeerHost,
  ) {
    const s = host.settings;
    this.pool = new Pool(address.origin, {
      connections: 2,
      pipelining: 1,
      keepAliveTimeout: 4_000,
      connectTimeout: s.connectTimeoutMs,
      headersTimeout: s.requestTimeoutMs,
      bodyTimeout: s.requestTimeoutMs,
    });
    this.backoff = new Backoff(s.backoff, host.random);
    this.streaming = s.stream;
  }

  /** Queues one encoded message (not a snapshot). */
  send(encoded: Uint8Array): void {
    if (this.closed) return;
    const s = this.host.settings;
    if (this.backingOff()) return this.unreachable();
    if (encoded.byteLength + BATCH_OVERHEAD + ITEM_OVERHEAD > s.maxBodyBytes) {
      this.host.logger.warn({ peer: this.id, bytes: encoded.byteLength, max: s.maxBodyBytes }, 'raft: message larger than the body limit dropped');
      return this.unreachable();
    }
    this.queue.push(encoded);
    if (this.queue.length > s.maxQueue) {
      this.queue.splice(0, this.queue.length - s.maxQueue);
      this.unreachable();
    }
    this.scheduleFlush();
  }

  /** Sends one encoded `snap` message; the outcome is reported via `snapshotStatus`. */
  sendSnapshot(encoded: Uint8Array): void {
    if (this.closed) return;
    if (this.backingOff()) {
      this.unreachable();
      return this.reportSnapshot(false);
    }
    if (this.snapshotInFlight) {
      if (this.nextSnapshot) this.reportSnapshot(false);
      this.nextSnapshot = encoded;
      return;
    }
    this.snapshotInFlight = true;
    const body = Readable.from(chunks(encoded, this.host.settings.snapshotChunkBytes), { objectMode: false });
    void this.post('/snapshot', body, encoded.byteLength).then((ok) => {
      this.snapshotInFlight = false;
      if (this.closed) return;
      this.reportSnapshot(ok);
      const next = this.nextSnapshot;
      this.nextSnapshot = undefined;
      if (next) this.sendSnapshot(next);
    });
  }

  /** Drops everything queued and cancels requests in flight. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.nextSnapshot = undefined;
    this.stream?.destroy();
    this.opening?.destroy();
    this.stream = this.opening = undefined;
    await this.pool.destroy().catch(() => {});
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.sending) return;
    this.flushScheduled = true;
    // Coalesce everything sent in this turn into one request.
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.closed || this.sending || this.queue.length === 0) return;
    if (this.streaming) return this.flushStream();
    const batch = this.takeBatch();
    const body = encodeBatch(batch);
    this.sending = true;
    void this.post('/msgs', body, body.byteLength).then((ok) => {
      this.sending = false;
      if (!ok) this.queue = [];
      this.flush();
    });
  }

  private flushStream(): void {
    const conn = this.stream;
    if (!conn) return this.openStream();
    if (this.host.clock.monotonic() - conn.openedAt > this.host.settings.streamMaxAgeMs) this.openStream();
    while (this.queue.length > 0 && !conn.blocked) {
      const body = encodeBatch(this.takeBatch());
      conn.write(frameHeader(body.byteLength), body);
    }
  }

  private openStream(): void {
    if (this.opening || this.closed) return;
    const url = new URL(this.address.origin + this.address.prefix + '/stream');
    const s = this.host.settings;
    this.opening = new StreamConnection(url, this.id, this.host.clock.monotonic(), s.connectTimeoutMs, this.streamEvents);
  }

  private streamReady(conn: StreamConnection): void {
    if (conn !== this.opening || this.closed) return conn.destroy();
    this.opening = undefined;
    this.stream?.end();
    this.stream = conn;
    this.backoff.reset();
    this.retryAt = -Infinity;
    this.scheduleFlush();
  }

  private streamClosed(conn: StreamConnection, why: StreamClose): void {
    if (this.closed) return;
    if (conn === this.opening) {
      this.opening = undefined;
      if (why.kind === 'refused' && (why.status === 404 || why.status === 405)) {
        this.host.logger.info({ peer: this.id, status: why.status }, 'raft: peer has no stream endpoint; using POST /msgs');
        this.streaming = false;
        return this.scheduleFlush();
      }
      if (this.stream) return; // a replacement failed; the current stream still works
      if (why.kind === 'refused') this.host.logger.warn({ peer: this.id, status: why.status, body: why.body }, 'raft: peer refused stream');
      else this.host.logger.debug({ peer: this.id, why }, 'raft: stream to peer failed');
      this.queue = [];
      this.retryAt = this.host.clock.monotonic() + this.backoff.next();
      return this.unreachable();
    }
    if (conn !== this.stream) return;
    this.stream = undefined;
    this.host.logger.debug({ peer: this.id, why }, 'raft: stream to peer lost');
    this.queue = [];
    if (this.host.clock.monotonic() - conn.openedAt < 1_000) this.retryAt = this.host.clock.monotonic() + this.backoff.next();
    this.unreachable();
  }

  private takeBatch(): Uint8Array[] {
    const max = this.host.settings.maxBodyBytes;
    let size = BATCH_OVERHEAD;
    let n = 0;
    for (const item of this.queue) {
      const next = size + item.byteLength + ITEM_OVERHEAD;
      if (n > 0 && next > max) break;
      size = next;
      n++;
    }
    return this.queue.splice(0, n);
  }

  /** POSTs `body`; true on a 2xx answer. Failures report unreachable and start the backoff. */
  private async post(path: string, body: Uint8Array | Readable, length: number): Promise<boolean> {
    try {
      const res = await this.pool.request({
        path: this.address.prefix + path,
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(length) },
        body,
      });
      if (res.statusCode >= 200 && res.statusCode < 300) {
        await res.body.dump();
        this.backoff.reset();
        this.retryAt = -Infinity;
        return true;
      }
      const text = await res.body.text().catch(() => '');
      this.host.logger.warn({ peer: this.id, path, status: res.statusCode, body: text.slice(0, 200) }, 'raft: peer refused request');
    } catch (err) {
      if (this.closed) return false;
      this.host.logger.debug({ peer: this.id, path, err }, 'raft: request to peer failed');
    }
    if (!this.closed) {
      this.retryAt = this.host.clock.monotonic() + this.backoff.next();
      this.unreachable();
    }
    return false;
  }

  private backingOff(): boolean {
    return this.host.clock.monotonic() < this.retryAt;
  }

  private unreachable(): void {
    if (this.unreachableScheduled) return;
    this.unreachableScheduled = true;
    this.host.report((h) => {
      this.unreachableScheduled = false;
      h.unreachable(this.id);
    });
  }

  private reportSnapshot(ok: boolean): void {
    this.host.report((h) => h.snapshotStatus(this.id, ok));
  }
}

function* chunks(bytes: Uint8Array, size: number): Generator<Buffer> {
  for (let at = 0; at < bytes.byteLength; at += size) {
    yield Buffer.from(bytes.buffer, bytes.byteOffset + at, Math.min(size, bytes.byteLength - at));
  }
}
