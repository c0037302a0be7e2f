/**
 * The client end of one `HttpTransport` message stream: a long-lived
 * `POST {prefix}/stream` with a chunked request body that stays open.
 *
 * The receiver answers `200` at once (before reading the body) to accept the
 * stream, then reads frames until the body ends; any other answer refuses it
 * (404/405 mean the peer has no stream endpoint and the caller falls back to
 * `POST /msgs`). A frame is a u32 big-endian length followed by one encoded
 * message batch (`encodeBatch`); see `http-transport-stream-server.ts`.
 *
 * The connection does no queueing of its own: `write` hands a frame to the
 * socket and returns false once the socket buffer is over its high-water mark
 * (`blocked` until `drain`), so the caller's bounded queue absorbs the rest.
 */
import { request as httpRequest } from 'node:http';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { NodeId } from '../core/types.js';

export interface StreamEvents {
  /** The peer accepted the stream (200); frames may be written. */
  ready(conn: StreamConnection): void;
  /** Called once, when the stream ended for any reason other than `end()`/`destroy()`. */
  closed(conn: StreamConnection, why: StreamClose): void;
  /** The socket drained after `write` returned false. */
  drained(conn: StreamConnection): void;
}

export type StreamClose =
  | { kind: 'refused'; status: number; body: string }
  | { kind: 'failed'; err: unknown }
  /** The receiver ended or dropped an accepted stream. */
  | { kind: 'lost' };

export const STREAM_FRAME_HEADER = 4;

export class StreamConnection {
  readonly openedAt: number;
  ready = false;
  blocked = false;
  private done = false;
  private refusal: StreamClose | undefined;
  private readonly req: ClientRequest;

  constructor(
    url: URL,
    to: NodeId,
    now: number,
    openTimeoutMs: number,
    private readonly events: StreamEvents,
  ) {
    this.openedAt = now;
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    this.req = request(url, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked', 'x-raft-to': to },
    });
    const req = this.req;
    req.setNoDelay(true);
    req.setSocketKeepAlive(true, 10_000); // notice a peer that vanished while the stream is idle
    // Until accepted: a peer that does not answer in time is treated as down.
    req.setTimeout(openTimeoutMs, () => req.destroy(new Error(`raft stream not accepted within ${openTimeoutMs} ms`)));
    req.on('response', (res) => this.onResponse(res));
    req.on('error', (err) => this.finish({ kind: 'failed', err }));
    req.on('close', () => this.finish(this.ready ? { kind: 'lost' } : (this.refusal ?? { kind: 'failed', err: new Error('connection closed') })));
    req.on('drain', () => {
      this.blocked = false;
      if (!this.done) this.events.drained(this);
    });
    req.flushHeaders();
  }

  /** Writes one frame (header + batch). Returns false when the socket is backed up. */
  write(header: Uint8Array, batch: Uint8Array): boolean {
    if (this.done) return false;
    this.req.cork();
    this.req.write(header);
    const ok = this.req.write(batch);
    this.req.uncork();
    if (!ok) this.blocked = true;
    return ok;
  }

  /** Ends the body cleanly (frames already written are still delivered); no further events. */
  end(): void {
    if (this.done) return;
    this.done = true;
    this.req.end();
    // The receiver answers the end of the body by ending its response; do not wait forever.
    const timer = setTimeout(() => this.req.destroy(), 10_000);
    timer.unref();
    this.req.once('close', () => clearTimeout(timer));
  }

  /** Drops the connection at once; no further events. */
  destroy(): void {
    this.done = true;
    this.req.destroy();
  }

  private onResponse(res: IncomingMessage): void {
    if (res.statusCode !== 200) {
      this.refusal = { kind: 'refused', status: res.statusCode ?? 0, body: '' };
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        this.finish({ kind: 'refused', status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8').slice(0, 200) });
        this.req.destroy();
      });
      res.on('error', () => undefined);
      return;
    }
    this.ready = true;
    this.req.setTimeout(0);
    res.on('error', () => undefined);
    res.resume();
    res.on('end', () => this.finish({ kind: 'lost' }));
    if (!this.done) this.events.ready(this);
  }

  private finish(why: StreamClose): void {
    if (this.done) return;
    this.done = true;
    this.req.destroy();
    this.events.closed(this, why);
  }
}

/** The 4-byte frame header for a batch of `length` bytes. */
export function frameHeader(length: number): Uint8Array {
  const header = Buffer.allocUnsafe(STREAM_FRAME_HEADER);
  header.writeUInt32BE(length, 0);
  return header;
}
