/**
 * The byte connection to a log receiver, as the shipper needs it, and the
 * default TCP implementation (node:net).
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { FlynnError, linkSignals, systemClock } from '@flynn-ts/core';
import type { Clock } from '@flynn-ts/core';

export interface SinkSocket {
  /** Resolves once the bytes were handed to the kernel; rejects when the connection failed. */
  write(data: Uint8Array): Promise<void>;
  /** Aborts when the connection ends for any reason (peer closed it, error, destroy). */
  readonly closed: AbortSignal;
  destroy(): void;
}

/** Opens a connection to `addr` (`host:port`, IPv6 as `[::1]:514`). */
export type SinkDialer = (addr: string, signal: AbortSignal) => Promise<SinkSocket>;

export const LOG_SINK_CONNECTION = 'FLYNN_HOST_LOG_SINK_CONNECTION';

export class SinkConnectionError extends FlynnError {
  constructor(message: string, cause?: unknown) {
    super(LOG_SINK_CONNECTION, message, { apiCode: 'service_unavailable', retry: true, cause });
    this.name = 'SinkConnectionError';
  }
}

/** `host:port` → parts; brackets of an IPv6 host are removed. Throws SinkConnectionError when malformed. */
export function splitAddr(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  const port = Number(addr.slice(i + 1));
  let host = addr.slice(0, i);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (i <= 0 || host === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SinkConnectionError(`not a host:port address: ${JSON.stringify(addr)}`);
  }
  return { host, port };
}

export interface TcpDialerOptions {
  clock?: Clock;
  /** Default 5 000. */
  connectTimeoutMs?: number;
  /** A write not taken by the kernel within this is a dead receiver. Default 30 000. */
  writeTimeoutMs?: number;
}

/** The default dialer: plain TCP with keep-alive. */
export function tcpDialer(options: TcpDialerOptions = {}): SinkDialer {
  const clock = options.clock ?? systemClock;
  return async (addr, signal) => {
    const { host, port } = splitAddr(addr);
    const linked = linkSignals([signal], { timeoutMs: options.connectTimeoutMs ?? 5_000, clock, what: `connect to ${addr}` });
    const socket = connect({ host, port });
    try {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(linked.signal.reason);
        linked.signal.addEventListener('abort', onAbort, { once: true });
        socket.once('connect', () => {
          linked.signal.removeEventListener('abort', onAbort);
          resolve();
        });
        socket.once('error', (err) => reject(new SinkConnectionError(`connect to ${addr}: ${err.message}`, err)));
      });
    } catch (err) {
      socket.destroy();
      throw err;
    } finally {
      linked.dispose();
    }
    return new TcpSinkSocket(socket, addr, clock, options.writeTimeoutMs ?? 30_000);
  };
}

class TcpSinkSocket implements SinkSocket {
  private readonly ctl = new AbortController();
  readonly closed = this.ctl.signal;

  constructor(
    private readonly socket: Socket,
    private readonly addr: string,
    private readonly clock: Clock,
    private readonly writeTimeoutMs: number,
  ) {
    socket.setKeepAlive(true, 10_000);
    socket.on('error', (err) => this.end(new SinkConnectionError(`${addr}: ${err.message}`, err)));
    socket.on('close', () => this.end(new SinkConnectionError(`${addr}: connection closed`)));
    socket.on('end', () => this.end(new SinkConnectionError(`${addr}: closed by the receiver`)));
    socket.resume(); // the receiver sends nothing we use; reading lets us see its FIN
  }

  write(data: Uint8Array): Promise<void> {
    if (this.closed.aborted) return Promise.reject(this.closed.reason);
    return new Promise<void>((resolve, reject) => {
      const timer = this.clock.setTimer(this.writeTimeoutMs, () => {
        const err = new SinkConnectionError(`${this.addr}: write not accepted within ${this.writeTimeoutMs} ms`);
        this.end(err);
        reject(err);
      });
      const onClosed = () => {
        timer.cancel();
        reject(this.closed.reason);
      };
      this.closed.addEventListener('abort', onClosed, { once: true });
      this.socket.write(data, (err) => {
        timer.cancel();
        this.closed.removeEventListener('abort', onClosed);
        if (err) reject(new SinkConnectionError(`${this.addr}: ${err.message}`, err));
        else resolve();
      });
    });
  }

  destroy(): void {
    this.end(new SinkConnectionError(`${this.addr}: closed`));
  }

  private end(reason: SinkConnectionError): void {
    if (!this.closed.aborted) this.ctl.abort(reason);
    this.socket.destroy();
  }
}
