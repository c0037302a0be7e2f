import { ByteWriter } from '../wire/core/byte-writer.js';
import { Errno } from '../wire/core/errno.js';
import { decodeMessages, encodeMessages, NLM_F, NLMSG, NLMSG_HDRLEN } from '../wire/core/header.js';
import type { NetlinkMessage, OutgoingMessage } from '../wire/core/header.js';
import { NetlinkError } from '../wire/core/errors.js';
import { NLMSGERR_ATTR } from '../wire/core/ack.js';
import { AttributeEncoder } from '../wire/core/attributes.js';
import type { NetlinkSocket, NetlinkSocketFactory, NetlinkSocketHandler, NetlinkSocketOptions } from '../socket.js';

/** A message the fake sends; `seq` and `pid` default to the request's. */
export interface FakeReply {
  type: number;
  flags?: number;
  data?: Uint8Array;
  seq?: number;
  pid?: number;
}

/**
 * Answers one request. Return the replies (one datagram), or `undefined` for
 * the default: an ack (or, for a dump, an empty NLMSG_DONE). Throw a
 * `NetlinkError` to answer with its errno (as the kernel would).
 */
export type FakeHandler = (request: NetlinkMessage, socket: FakeNetlinkSocket) => FakeReply[] | undefined;

/** An ack (NLMSG_ERROR with error 0) for `req`. */
export function ack(req: NetlinkMessage): FakeReply {
  return errorReply(req, 0);
}

/** NLMSG_ERROR with `errno` (positive, e.g. `Errno.EEXIST`) and an optional extended-ack message. */
export function errorReply(req: NetlinkMessage, errno: number, message?: string): FakeReply {
  const w = new ByteWriter();
  w.i32(-errno).u32(NLMSG_HDRLEN + req.data.length).u16(req.header.type).u16(req.header.flags).u32(req.header.seq).u32(req.header.pid);
  let flags = NLM_F.CAPPED;
  if (message !== undefined) {
    new AttributeEncoder(w).string(NLMSGERR_ATTR.MSG, message);
    flags |= NLM_F.ACK_TLVS;
  }
  return { type: NLMSG.ERROR, flags, data: w.finish() };
}

/** A data reply: `type` and payload, e.g. an RTM_NEWLINK answering a GET. */
export function reply(type: number, data: Uint8Array, flags = 0): FakeReply {
  return { type, flags, data };
}

/** The parts of a dump (each flagged NLM_F_MULTI) followed by NLMSG_DONE. */
export function multipart(parts: readonly { type: number; data: Uint8Array }[], options: { interrupted?: boolean } = {}): FakeReply[] {
  const flags = NLM_F.MULTI | (options.interrupted ? NLM_F.DUMP_INTR : 0);
  return [...parts.map((p) => ({ type: p.type, flags, data: p.data })), { type: NLMSG.DONE, flags: NLM_F.MULTI, data: new Uint8Array(4) }];
}

interface Shared {
  fn: FakeHandler;
  requests: NetlinkMessage[];
  datagrams: Uint8Array[];
  sockets: FakeNetlinkSocket[];
  nextPid: number;
}

/**
 * An in-memory {@link NetlinkSocket} driven by a function, in the manner of
 * mdlayher's `nltest.Dial`. Every request goes to `fn`; its replies come back
 * asynchronously (a microtask later), in order. Sockets made by `factory`
 * share `fn`, the request log and the multicast groups, so a `Netlink` built
 * on the factory can be driven and sent events:
 *
 * ```ts
 * const fake = fakeNetlinkSocket((req) => (req.header.type === RTM.NEWLINK ? [errorReply(req, Errno.EEXIST)] : undefined));
 * const nl = new Netlink({ socketFactory: fake.factory });
 * fake.emit(RTNLGRP.LINK, { type: RTM.NEWLINK, data: linkBytes });
 * ```
 */
export class FakeNetlinkSocket implements NetlinkSocket {
  readonly pid: number;
  /** What this socket was opened with (by a factory), e.g. its `netns`. */
  readonly options: NetlinkSocketOptions | undefined;
  readonly groups = new Set<number>();
  closed = false;
  private handler: NetlinkSocketHandler | undefined;
  private readonly inbox: Uint8Array[] = [];
  private flushing = false;
  private claimed = false;

  constructor(
    private readonly shared: Shared,
    options?: NetlinkSocketOptions,
  ) {
    this.pid = shared.nextPid++;
    this.options = options;
    shared.sockets.push(this);
  }

  /** Every request received by any socket of this fake, decoded, in order. */
  get requests(): NetlinkMessage[] {
    return this.shared.requests;
  }

  /** Every datagram sent by any socket of this fake, as bytes, in order. */
  get datagrams(): Uint8Array[] {
    return this.shared.datagrams;
  }

  /** Every socket of this fake (open and closed). */
  get sockets(): readonly FakeNetlinkSocket[] {
    return this.shared.sockets;
  }

  /** A factory: its first call returns this socket, later calls new sockets sharing `fn`. */
  readonly factory: NetlinkSocketFactory = (options) => {
    if (!this.claimed && !this.closed) {
      this.claimed = true;
      (this as { options: NetlinkSocketOptions | undefined }).options = options;
      return this;
    }
    const s = new FakeNetlinkSocket(this.shared, options);
    s.claimed = true;
    return s;
  };

  send(bytes: Uint8Array): void {
    if (this.closed) throw new NetlinkError({ errno: 9, syscall: 'sendto' });
    const copy = bytes.slice();
    this.shared.datagrams.push(copy);
    for (const req of decodeMessages(copy)) {
      this.shared.requests.push(req);
      let replies: FakeReply[] | undefined;
      try {
        replies = this.shared.fn(req, this);
      } catch (err) {
        if (!(err instanceof NetlinkError)) throw err;
        replies = [errorReply(req, err.errno, err.ack?.message)];
      }
      replies ??= req.header.flags & NLM_F.ACK ? [ack(req)] : isDump(req) ? multipart([]) : [];
      if (replies.length > 0) this.deliver(replies.map((r) => fill(r, req)));
    }
  }

  /** Queues one datagram of `msgs` for this socket, as if the kernel had sent it. */
  deliver(msgs: readonly OutgoingMessage[]): void {
    this.deliverBytes(encodeMessages(msgs));
  }

  /** Queues raw bytes as one datagram (malformed ones included). */
  deliverBytes(datagram: Uint8Array): void {
    if (this.closed) return;
    this.inbox.push(datagram);
    this.schedule();
  }

  /**
   * Answers `req` later (when `fn` returned `[]` to hold it): one datagram of
   * `replies`, their seq and pid defaulting to the request's.
   */
  answer(req: NetlinkMessage, replies: readonly FakeReply[]): void {
    this.deliver(replies.map((r) => fill(r, req)));
  }

  /** Sends a notification to every open socket of this fake that joined `group`. */
  emit(group: number, msg: FakeReply): void {
    const out: OutgoingMessage = { header: { type: msg.type, flags: msg.flags ?? 0, seq: msg.seq ?? 0, pid: msg.pid ?? 0 }, data: msg.data ?? new Uint8Array(0) };
    for (const s of this.shared.sockets) if (!s.closed && s.groups.has(group)) s.deliver([out]);
  }

  /** Makes this socket report ENOBUFS, as the kernel does when it dropped messages. */
  overrun(): void {
    queueMicrotask(() => this.handler?.error(new NetlinkError({ errno: Errno.ENOBUFS, syscall: 'recv' })));
  }

  private schedule(): void {
    if (this.flushing || !this.handler) return;
    this.flushing = true;
    queueMicrotask(() => {
      this.flushing = false;
      while (this.handler && !this.closed && this.inbox.length > 0) this.handler.datagram(this.inbox.shift()!);
    });
  }

  receive(handler: NetlinkSocketHandler): void {
    if (this.closed) return;
    this.handler = handler;
    this.schedule();
  }

  pause(): void {
    this.handler = undefined;
  }

  addMembership(group: number): void {
    this.groups.add(group);
  }

  dropMembership(group: number): void {
    this.groups.delete(group);
  }

  close(): void {
    this.closed = true;
    this.handler = undefined;
    this.inbox.length = 0;
  }
}

function isDump(req: NetlinkMessage): boolean {
  return (req.header.flags & NLM_F.DUMP) === NLM_F.DUMP;
}

function fill(r: FakeReply, req: NetlinkMessage): OutgoingMessage {
  return {
    header: { type: r.type, flags: r.flags ?? 0, seq: r.seq ?? req.header.seq, pid: r.pid ?? req.header.pid },
    data: r.data ?? new Uint8Array(0),
  };
}

/** A fake netlink socket whose requests are answered by `fn` (see {@link FakeNetlinkSocket}). */
export function fakeNetlinkSocket(fn: FakeHandler = () => undefined): FakeNetlinkSocket {
  return new FakeNetlinkSocket({ fn, requests: [], datagrams: [], sockets: [], nextPid: 1000 });
}
