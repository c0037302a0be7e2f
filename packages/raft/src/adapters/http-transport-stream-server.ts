/**
 * The receiving end of `HttpTransport` message streams, `POST {prefix}/stream`:
 * a chunked request body that stays open, carrying frames of
 *
 * ```
 * frame = u32 length (big-endian, 1..maxBodyBytes), batch   -- batch as encodeBatch / decodeMessages
 * ```
 *
 * The stream is accepted with `200` (headers flushed at once, before any
 * frame) unless the transport is not receiving (503) or the `x-raft-to`
 * header names another node (421). Each complete frame is decoded and its
 * messages delivered in order. Bytes the codec rejects, a frame over the
 * limit, or a message addressed to another node drop the connection (the
 * sender reports the peer unreachable and reconnects). The response ends when
 * the sender ends the body; `closeAll` drops every open stream.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FlynnError } from '@flynn-ts/core';
import type { Logger } from '@flynn-ts/core';
import { decodeMessages } from '../codec.js';
import type { NodeId } from '../core/types.js';
import type { TransportHandler } from '../transport.js';

export interface StreamServerOptions {
  self: NodeId;
  maxBodyBytes: number;
  target(): TransportHandler | undefined;
  logger: Logger;
}

const HEADER = 4;

export class StreamServer {
  private readonly open = new Set<IncomingMessage>();

  constructor(private readonly options: StreamServerOptions) {}

  /** Serves one stream request; `fail` answers an error before the stream is accepted. */
  serve(req: IncomingMessage, res: ServerResponse, fail: (res: ServerResponse, err: FlynnError) => void): void {
    const { self, logger } = this.options;
    if (!this.options.target()) {
      return fail(res, new FlynnError('FLYNN_RAFT_TRANSPORT_CLOSED', 'raft transport is not receiving', { apiCode: 'service_unavailable', retry: true }));
    }
    const to = req.headers['x-raft-to'];
    if (typeof to === 'string' && to !== self) {
      return fail(res, new FlynnError('FLYNN_RAFT_WRONG_NODE', `stream for ${JSON.stringify(to)} sent to node ${JSON.stringify(self)}`, { apiCode: 'bad_request', status: 421 }));
    }
    this.open.add(req);
    req.socket.setNoDelay(true);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' });
    res.flushHeaders();

    let chunks: Buffer[] = [];
    let have = 0;
    let need = HEADER;
    const drop = (why: string, err?: unknown) => {
      logger.debug({ err, why }, 'raft: dropping stream');
      req.destroy();
      res.destroy();
    };
    req.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      have += chunk.byteLength;
      if (have < need) return;
      const buf = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, have);
      let off = 0;
      need = HEADER;
      while (buf.byteLength - off >= HEADER) {
        const len = buf.readUInt32BE(off);
        if (len === 0 || len > this.options.maxBodyBytes) return drop(`frame of ${len} bytes`);
        if (buf.byteLength - off - HEADER < len) {
          need = HEADER + len;
          break;
        }
        if (!this.deliver(buf.subarray(off + HEADER, off + HEADER + len), drop)) return;
        off += HEADER + len;
      }
      const rest = off === 0 ? buf : buf.subarray(off);
      chunks = rest.byteLength > 0 ? [rest] : [];
      have = rest.byteLength;
    });
    req.on('end', () => {
      if (have > 0) return drop('stream ended inside a frame');
      res.end();
    });
    req.on('error', () => undefined);
    req.on('close', () => this.open.delete(req));
  }

  /** Drops every open stream (the transport is closing). */
  closeAll(): void {
    for (const req of this.open) {
      req.socket.destroy();
    }
    this.open.clear();
  }

  private deliver(bytes: Uint8Array, drop: (why: string, err?: unknown) => void): boolean {
    const target = this.options.target();
    if (!target) {
      drop('transport closed');
      return false;
    }
    let msgs;
    try {
      msgs = decodeMessages(bytes);
    } catch (err) {
      if (!FlynnError.is(err)) throw err;
      drop('undecodable frame', err);
      return false;
    }
    for (const m of msgs) {
      if (m.to !== this.options.self) {
        drop(`message for ${JSON.stringify(m.to)}`);
        return false;
      }
    }
    for (const m of msgs) target.deliver(m);
    return true;
  }
}
