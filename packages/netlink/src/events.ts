import { Errno } from './wire/core/errno.js';
import { NetlinkError } from './wire/core/errors.js';
import { decodeMessages } from './wire/core/header.js';
import type { EventKind, NetlinkEvent } from './rtnl/core/event.js';
import { EVENT_GROUPS, parseEvent } from './rtnl/core/event.js';
import type { NetlinkSocket } from './socket.js';
import { hasReceiveBuffer } from './socket.js';

export interface SubscribeOptions {
  /** Ends the iteration (and closes the socket) when aborted. */
  signal?: AbortSignal;
  /** Events buffered for a slow consumer before the stream fails with `FLYNN_NETLINK_ENOBUFS`. Default 10,000. */
  maxQueue?: number;
  /** Kernel receive queue of the subscription's socket, in bytes (bursts beyond it are ENOBUFS). Default 4 MiB. */
  receiveBuffer?: number;
}

/**
 * Kernel change notifications as an async iterator, on a socket of its own.
 * If the kernel (or our queue) drops notifications, the next `next()` rejects
 * with `FLYNN_NETLINK_ENOBUFS` and the stream ends: re-read the state and
 * subscribe again. `return()`/`close()` (or the signal) end it cleanly.
 */
export class NetlinkSubscription implements AsyncIterableIterator<NetlinkEvent> {
  private readonly queue: NetlinkEvent[] = [];
  private waiter: { resolve(r: IteratorResult<NetlinkEvent>): void; reject(e: Error): void } | undefined;
  private failure: Error | undefined;
  private done = false;
  private readonly maxQueue: number;
  private readonly onAbort = () => this.close();
  private readonly signal: AbortSignal | undefined;

  constructor(
    private readonly socket: NetlinkSocket,
    kinds: readonly EventKind[],
    options: SubscribeOptions = {},
  ) {
    this.maxQueue = options.maxQueue ?? 10_000;
    this.signal = options.signal;
    try {
      if (hasReceiveBuffer(socket)) socket.setReceiveBuffer(options.receiveBuffer ?? 4 * 1024 * 1024);
      for (const kind of new Set(kinds)) for (const g of EVENT_GROUPS[kind]) socket.addMembership(g);
    } catch (err) {
      socket.close();
      throw err;
    }
    socket.receive({ datagram: (b) => this.onDatagram(b), error: (e) => this.fail(e) });
    if (this.signal?.aborted) this.close();
    else this.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  private onDatagram(bytes: Uint8Array): void {
    try {
      for (const msg of decodeMessages(bytes)) {
        const ev = parseEvent(msg);
        if (ev) this.push(ev);
      }
    } catch (err) {
      this.fail(err as Error);
    }
  }

  private push(ev: NetlinkEvent): void {
    if (this.done) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value: ev, done: false });
      return;
    }
    if (this.queue.length >= this.maxQueue) {
      this.fail(new NetlinkError({ errno: Errno.ENOBUFS }, { context: `event queue over ${this.maxQueue}` }));
      return;
    }
    this.queue.push(ev);
  }

  private fail(err: Error): void {
    if (this.done) return;
    this.failure = err;
    this.finish();
  }

  private finish(): void {
    this.done = true;
    this.signal?.removeEventListener('abort', this.onAbort);
    this.socket.close();
    const w = this.waiter;
    this.waiter = undefined;
    if (!w) return;
    if (this.failure && this.queue.length === 0) {
      const f = this.failure;
      this.failure = undefined;
      w.reject(f);
    } else w.resolve({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<NetlinkEvent>> {
    const ev = this.queue.shift();
    if (ev) return Promise.resolve({ value: ev, done: false });
    if (this.failure) {
      const f = this.failure;
      this.failure = undefined;
      return Promise.reject(f);
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  return(): Promise<IteratorResult<NetlinkEvent>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Ends the stream and closes its socket; buffered events are dropped. Idempotent. */
  close(): void {
    if (this.done) return;
    this.queue.length = 0;
    this.finish();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
