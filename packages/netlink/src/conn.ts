import { FlynnError } from '@flynn-ts/core';
import { decodeDoneMessage, decodeErrorMessage } from './wire/core/ack.js';
import { Errno } from './wire/core/errno.js';
import { NetlinkError } from './wire/core/errors.js';
import { decodeMessages, encodeMessage, NLM_F, NLMSG } from './wire/core/header.js';
import type { NetlinkMessage } from './wire/core/header.js';
import type { RtnlRequest } from './rtnl/core/request.js';
import { rtmName } from './rtnl/core/constants.js';
import type { NetlinkSocket } from './socket.js';

/** A dump came back inconsistent (NLM_F_DUMP_INTR: the table changed while it was read); retry it. */
export class NetlinkDumpInterruptedError extends FlynnError {
  constructor() {
    super('FLYNN_NETLINK_DUMP_INTERRUPTED', 'netlink dump interrupted by a concurrent change; retry', { retry: true });
    this.name = 'NetlinkDumpInterruptedError';
  }
}

/** The connection (or its socket) was closed while a request was outstanding. */
export class NetlinkClosedError extends FlynnError {
  constructor() {
    super('FLYNN_NETLINK_CLOSED', 'netlink connection closed', { apiCode: 'service_unavailable' });
    this.name = 'NetlinkClosedError';
  }
}

interface Pending {
  req: RtnlRequest;
  context: string | undefined;
  seq: number;
  parts: NetlinkMessage[];
  interrupted: boolean;
  resolve(parts: NetlinkMessage[]): void;
  reject(err: Error): void;
}

/**
 * Request/response over a {@link NetlinkSocket}: numbers requests, asks for an
 * ack on every non-dump request, collects multipart dump replies up to
 * NLMSG_DONE, and turns NLMSG_ERROR into a typed {@link NetlinkError}. Many
 * requests may be in flight; replies are matched by sequence number. Dumps
 * are sent one at a time (the kernel allows one per socket), other requests
 * at once. The socket is only read while a request is outstanding.
 */
export class NetlinkConnection {
  private nextSeq: number;
  private readonly pending = new Map<number, Pending>();
  private dumping: Pending | undefined;
  private readonly dumpQueue: Pending[] = [];
  private reading = false;
  private closed = false;

  constructor(
    private readonly socket: NetlinkSocket,
    options: { firstSeq?: number } = {},
  ) {
    this.nextSeq = options.firstSeq ?? 1;
  }

  /** The port id of the underlying socket. */
  get pid(): number {
    return this.socket.pid;
  }

  /**
   * Sends `req` and resolves with the reply messages: the data messages of a
   * dump, the reply of a GET, or none for an acked change. Rejects with
   * {@link NetlinkError} (`FLYNN_NETLINK_EEXIST`, ...),
   * {@link NetlinkDumpInterruptedError} or {@link NetlinkClosedError}.
   * `context` (e.g. `createLink br0`) starts the error message.
   */
  request(req: RtnlRequest, options: { context?: string } = {}): Promise<NetlinkMessage[]> {
    if (this.closed) return Promise.reject(new NetlinkClosedError());
    return new Promise<NetlinkMessage[]>((resolve, reject) => {
      const p: Pending = { req, context: options.context, seq: this.takeSeq(), parts: [], interrupted: false, resolve, reject };
      this.pending.set(p.seq, p);
      // The kernel runs one dump per socket at a time (a second one gets EBUSY): queue dumps.
      if (req.dump && this.dumping) this.dumpQueue.push(p);
      else this.send(p);
    }).finally(() => this.maybePause());
  }

  private send(p: Pending): void {
    const flags = NLM_F.REQUEST | p.req.flags | (p.req.dump ? NLM_F.DUMP : NLM_F.ACK);
    try {
      this.socket.send(encodeMessage({ header: { type: p.req.type, flags, seq: p.seq, pid: 0 }, data: p.req.data }));
    } catch (err) {
      this.settle(p, err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (p.req.dump) this.dumping = p;
    this.startReading();
  }

  private takeSeq(): number {
    const seq = this.nextSeq;
    this.nextSeq = seq >= 0xffffffff ? 1 : seq + 1;
    return seq;
  }

  private startReading(): void {
    if (this.reading || this.closed) return;
    this.reading = true;
    this.socket.receive({ datagram: (b) => this.onDatagram(b), error: (e) => this.failAll(e) });
  }

  private maybePause(): void {
    if (this.reading && this.pending.size === 0 && !this.closed) {
      this.reading = false;
      this.socket.pause();
    }
  }

  private onDatagram(bytes: Uint8Array): void {
    let msgs: NetlinkMessage[];
    try {
      msgs = decodeMessages(bytes);
    } catch (err) {
      this.failAll(err as Error);
      return;
    }
    for (const msg of msgs) {
      const p = this.pending.get(msg.header.seq);
      if (p) this.onMessage(p, msg);
    }
  }

  private onMessage(p: Pending, msg: NetlinkMessage): void {
    try {
      switch (msg.header.type) {
        case NLMSG.NOOP:
          return;
        case NLMSG.ERROR: {
          const a = decodeErrorMessage(msg);
          if (a.errno === 0) return this.settle(p, undefined);
          return this.settle(p, this.errorFor(p, a.errno, a.ack));
        }
        case NLMSG.DONE: {
          const a = decodeDoneMessage(msg);
          if (a.errno !== 0) return this.settle(p, this.errorFor(p, a.errno, a.ack));
          return this.settle(p, p.interrupted ? new NetlinkDumpInterruptedError() : undefined);
        }
        case NLMSG.OVERRUN:
          return this.settle(p, this.errorFor(p, Errno.ENOBUFS, undefined));
        default:
          if (msg.header.flags & NLM_F.DUMP_INTR) p.interrupted = true;
          // Data: a dump part, or the reply of a GET (then the ack we asked for ends it).
          p.parts.push(msg);
          return;
      }
    } catch (err) {
      this.settle(p, err as Error);
    }
  }

  private errorFor(p: Pending, errno: number, ack: NetlinkError['ack']): NetlinkError {
    const detail = { errno, request: { type: p.req.type, seq: p.seq } };
    const what = rtmName(p.req.type);
    return new NetlinkError(ack ? { ...detail, ack } : detail, { context: p.context ? `${p.context} (${what})` : what });
  }

  private settle(p: Pending, err: Error | undefined): void {
    if (!this.pending.delete(p.seq)) return;
    if (err) p.reject(err);
    else p.resolve(p.parts);
    if (this.dumping === p) {
      this.dumping = undefined;
      this.nextDump();
    }
  }

  private nextDump(): void {
    while (!this.dumping && !this.closed) {
      const next = this.dumpQueue.shift();
      if (!next) return;
      this.send(next); // a send error settles `next` and we go on
    }
  }

  private failAll(err: Error): void {
    this.dumpQueue.length = 0;
    this.dumping = undefined;
    for (const p of [...this.pending.values()]) this.settle(p, err);
  }

  /** Closes the socket; outstanding requests reject with {@link NetlinkClosedError}. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new NetlinkClosedError());
    this.reading = false;
    this.socket.close();
  }
}
