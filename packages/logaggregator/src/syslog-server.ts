/**
 * The syslog input: a TCP server taking RFC 6587 frames (octet counting, and
 * LF-terminated frames starting with `<`) of RFC 5424 messages, as hosts send
 * them. Each connection has its own incremental decoder; a decoded message
 * goes to `onMessage`.
 *
 * Bad input never takes the server down:
 * - a frame that is not a valid RFC 5424 Flynn log line (`onMessage` throws a
 *   FlynnError) is counted in `badMessages` and skipped; the connection stays;
 * - a stream that is not well framed (garbage, a MSG-LEN above the limit, a
 *   frame cut by the end of the stream) is counted in `badFrames` and the
 *   connection is closed: there is no way to find the next frame boundary.
 * Other connections are not affected either way.
 */
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { FlynnError, noopLogger, publish } from '@flynn-ts/core';
import type { Logger } from '@flynn-ts/core';
import { FrameDecoder } from './core/syslog.js';

/** diagnostics_channel for input problems: `{ kind: 'bad-frame' | 'bad-message', remote, error }`. */
export const SYSLOG_INPUT_CHANNEL = 'flynn:logaggregator:syslog-input';

export interface SyslogServerOptions {
  /** Called for every frame (the SYSLOG-MSG bytes). Throwing a FlynnError counts it as a bad message. */
  onMessage: (frame: Uint8Array) => void;
  logger?: Logger;
  /** Largest frame accepted, in octets. Default 64 KiB. */
  maxFrameBytes?: number;
}

export interface SyslogServerStats {
  connections: number;
  openConnections: number;
  frames: number;
  badFrames: number;
  badMessages: number;
  bytes: number;
}

export class SyslogServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly logger: Logger;
  private readonly counters = { connections: 0, frames: 0, badFrames: 0, badMessages: 0, bytes: 0 };
  private closed: Promise<void> | undefined;

  constructor(private readonly options: SyslogServerOptions) {
    this.logger = (options.logger ?? noopLogger).child({ component: 'syslog' });
    this.server = createServer({ keepAlive: true, noDelay: true }, (socket) => this.accept(socket));
    this.server.on('error', (err) => this.logger.error({ err }, 'syslog listener error'));
  }

  /** Binds; resolves with the bound address. */
  async listen(port: number, host = '127.0.0.1'): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error) => reject(err);
      this.server.once('error', fail);
      this.server.listen(port, host, () => {
        this.server.off('error', fail);
        resolve();
      });
    });
    const addr = this.server.address() as AddressInfo;
    this.logger.info({ event: 'syslog_listen', address: addr.address, port: addr.port }, 'syslog input listening');
    return addr;
  }

  stats(): SyslogServerStats {
    return { ...this.counters, openConnections: this.sockets.size };
  }

  /** Stops accepting and closes every connection (what is in flight is lost: hosts resend after their cursor). */
  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
    return this.closed;
  }

  private accept(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.counters.connections++;
    this.sockets.add(socket);
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const decoder = new FrameDecoder(this.options.maxFrameBytes === undefined ? {} : { maxFrameBytes: this.options.maxFrameBytes });
    socket.on('error', (err) => this.logger.debug({ err, remote }, 'syslog connection error'));
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('data', (chunk: Buffer) => {
      this.counters.bytes += chunk.length;
      for (const frame of decoder.push(chunk)) this.deliver(frame, remote);
      if (decoder.error) this.badFrame(socket, remote, decoder.error);
    });
    socket.on('end', () => {
      for (const frame of decoder.end()) this.deliver(frame, remote);
      if (decoder.error) this.badFrame(socket, remote, decoder.error);
      else socket.end();
    });
  }

  private deliver(frame: Uint8Array, remote: string): void {
    this.counters.frames++;
    try {
      this.options.onMessage(frame);
    } catch (err) {
      // A FlynnError is input we refuse; anything else is a bug, but one bad
      // message must not take the input down for every host: count, log, go on.
      this.counters.badMessages++;
      publish(SYSLOG_INPUT_CHANNEL, { kind: 'bad-message', remote, error: err });
      if (FlynnError.is(err)) this.logger.warn({ err, remote }, 'bad syslog message skipped');
      else this.logger.error({ err, remote }, 'unexpected error handling a syslog message');
    }
  }

  private badFrame(socket: Socket, remote: string, error: Error): void {
    if (socket.destroyed) return;
    this.counters.badFrames++;
    publish(SYSLOG_INPUT_CHANNEL, { kind: 'bad-frame', remote, error });
    this.logger.warn({ err: error, remote }, 'bad syslog framing: closing the connection');
    socket.destroy();
  }
}
