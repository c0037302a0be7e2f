/**
 * `HttpTransport`: raft messages over HTTP/1.1.
 *
 * Sending uses undici (one `Pool` per peer, keep-alive, pipelining 1; see
 * `HttpPeer`). Receiving is a node:http request handler: mount
 * `transport.handler` on an existing server (it serves only paths under the
 * prefix, default `/raft`, and returns false for anything else), or call
 * `listen(port, host)` for a server of its own.
 *
 * Wire protocol (see `codec.ts` for the byte format):
 * - `POST {prefix}/stream` (the default way messages go, `stream: true`): one
 *   long-lived request per peer and direction whose chunked body carries
 *   length-prefixed batches; 200 accepts it (see `http-transport-stream*.ts`).
 * - `POST {prefix}/msgs`, body = a batch of encoded messages; 204 when delivered
 *   (with `stream: false`, or to a peer without a stream endpoint).
 * - `POST {prefix}/snapshot`, body = one encoded `snap` message, streamed in
 *   chunks; 204 when delivered, which the sender reports as `snapshotStatus(ok)`.
 *
 * Peer addresses are `host:port` (served under the default prefix) or full
 * URLs `http://host:port/prefix`. Handler callbacks run asynchronously (a
 * microtask or later), never inside `send`, and never after `close()`.
 * Messages sent before `start()` are dropped; requests arriving before it
 * answer 503.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cryptoRandom, FlynnError, noopLogger, systemClock } from '@flynn-ts/core';
import type { BackoffOptions, Clock, Logger, Random } from '@flynn-ts/core';
import { encodeMessage } from '../codec.js';
import type { Message, NodeId } from '../core/types.js';
import type { Transport, TransportHandler } from '../transport.js';
import { normalizePrefix, parsePeerAddress } from './http-transport-address.js';
import { HttpPeer, type PeerHost, type PeerSettings } from './http-transport-peer.js';
import { createRaftRequestHandler } from './http-transport-server.js';
import { StreamServer } from './http-transport-stream-server.js';

export interface HttpTransportOptions {
  /** This node's id; incoming messages addressed to another id are refused (421). */
  id: NodeId;
  /** Path prefix served by `handler` and used for `host:port` peers. Default `/raft`. */
  pathPrefix?: string;
  /** Messages queued per peer before the oldest is dropped. Default 4096. */
  maxQueue?: number;
  /** Largest `/msgs` body accepted, and the cap for one outgoing batch. Default 64 MiB. */
  maxBodyBytes?: number;
  /** Largest `/snapshot` body accepted. Default 1 GiB. */
  maxSnapshotBytes?: number;
  /** Chunk size when streaming a snapshot. Default 1 MiB. */
  snapshotChunkBytes?: number;
  /** Backoff after a failed request to a peer. Default 100 ms doubling to 5 s, equal jitter. */
  backoff?: BackoffOptions;
  /** Default 5 s; also the time a peer has to accept a stream. */
  connectTimeoutMs?: number;
  /** Send messages over one long-lived stream per peer instead of a POST per batch. Default true. */
  stream?: boolean;
  /** A stream older than this is replaced by a fresh one (server request timeouts). Default 60 s. */
  streamMaxAgeMs?: number;
  /** Timeout for response headers and between body chunks. Default 30 s. */
  requestTimeoutMs?: number;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
}

export interface ListenAddress {
  host: string;
  port: number;
  /** `host:port`, usable as this node's address for `addPeer` on other nodes. */
  address: string;
}

const MIB = 1024 * 1024;

export class HttpTransport implements Transport {
  readonly id: NodeId;
  /**
   * Serves raft requests under the prefix; returns false, without answering,
   * for any other path, so a host server can route it elsewhere.
   */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => boolean;
  private readonly prefix: string;
  private readonly host: PeerHost;
  private readonly peers = new Map<NodeId, HttpPeer>();
  private readonly streams: StreamServer;
  private target: TransportHandler | undefined;
  private server: Server | undefined;
  private closed = false;

  constructor(options: HttpTransportOptions) {
    this.id = options.id;
    this.prefix = normalizePrefix(options.pathPrefix ?? '/raft');
    const settings: PeerSettings = {
      maxQueue: options.maxQueue ?? 4096,
      maxBodyBytes: options.maxBodyBytes ?? 64 * MIB,
      snapshotChunkBytes: options.snapshotChunkBytes ?? MIB,
      connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      backoff: options.backoff ?? { initialMs: 100, maxMs: 5_000 },
      stream: options.stream ?? true,
      streamMaxAgeMs: options.streamMaxAgeMs ?? 60_000,
    };
    const logger = (options.logger ?? noopLogger).child({ component: 'raft-http-transport', node: options.id });
    this.host = {
      clock: options.clock ?? systemClock,
      random: options.random ?? cryptoRandom(),
      logger,
      settings,
      report: (fn) => queueMicrotask(() => this.report(fn)),
    };
    const target = () => (this.closed ? undefined : this.target);
    this.streams = new StreamServer({ self: options.id, maxBodyBytes: settings.maxBodyBytes, target, logger });
    this.handler = createRaftRequestHandler({
      self: options.id,
      prefix: this.prefix,
      maxBodyBytes: settings.maxBodyBytes,
      maxSnapshotBytes: options.maxSnapshotBytes ?? 1024 * MIB,
      target,
      streams: this.streams,
      logger,
    });
  }

  /** The address `listen` bound, if it was called. */
  get address(): ListenAddress | undefined {
    const info = this.server?.address();
    if (!info || typeof info === 'string') return undefined;
    return listenAddress(info);
  }

  /** Starts a node:http server of its own serving `handler`; other paths answer 404. */
  async listen(port = 0, host = '127.0.0.1'): Promise<ListenAddress> {
    if (this.closed) throw new FlynnError('FLYNN_RAFT_TRANSPORT_CLOSED', 'HttpTransport: listen after close');
    if (this.server) throw new FlynnError('FLYNN_RAFT_ALREADY_LISTENING', 'HttpTransport: already listening');
    const server = createServer((req, res) => {
      if (!this.handler(req, res)) {
        res.statusCode = 404;
        res.end();
      }
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return listenAddress(server.address() as AddressInfo);
  }

  start(handler: TransportHandler): Promise<void> {
    if (!this.closed) this.target = handler;
    return Promise.resolve();
  }

  send(messages: readonly Message[]): void {
    if (this.closed || !this.target) return;
    for (const msg of messages) {
      const peer = this.peers.get(msg.to);
      if (!peer) {
        const to = msg.to;
        this.host.report((h) => h.unreachable(to));
        if (msg.type === 'snap') this.host.report((h) => h.snapshotStatus(to, false));
        continue;
      }
      // Encoded now: the caller may reuse `msg` as soon as send returns.
      const bytes = encodeMessage(msg);
      if (msg.type === 'snap') peer.sendSnapshot(bytes);
      else peer.send(bytes);
    }
  }

  /** Throws `FLYNN_RAFT_BAD_ADDRESS` for an address that is neither `host:port` nor an http(s) URL. */
  addPeer(id: NodeId, address: string): void {
    const parsed = parsePeerAddress(address, this.prefix);
    const existing = this.peers.get(id);
    if (existing && existing.address.origin === parsed.origin && existing.address.prefix === parsed.prefix) return;
    void existing?.close();
    if (!this.closed) this.peers.set(id, new HttpPeer(id, parsed, this.host));
  }

  removePeer(id: NodeId): void {
    void this.peers.get(id)?.close();
    this.peers.delete(id);
  }

  /** Cancels requests in flight, drops open streams, closes every pool and the server (with its open connections). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.target = undefined;
    const peers = [...this.peers.values()];
    this.peers.clear();
    this.streams.closeAll();
    const server = this.server;
    const closing = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    server?.closeAllConnections();
    await Promise.all([...peers.map((p) => p.close()), closing]);
  }

  private report(fn: (handler: TransportHandler) => void): void {
    if (!this.closed && this.target) fn(this.target);
  }
}

function listenAddress(info: AddressInfo): ListenAddress {
  const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
  return { host: info.address, port: info.port, address: `${host}:${info.port}` };
}
