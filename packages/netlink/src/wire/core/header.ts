import { align } from './align.js';
import { ByteWriter } from './byte-writer.js';
import { HOST_LE } from './endian.js';
import { NetlinkDecodeError } from './errors.js';

/** struct nlmsghdr: u32 length, u16 type, u16 flags, u32 seq, u32 pid. */
export const NLMSG_HDRLEN = 16;

/** nlmsg_flags (linux/netlink.h). */
export const NLM_F = {
  REQUEST: 0x1,
  MULTI: 0x2,
  ACK: 0x4,
  ECHO: 0x8,
  DUMP_INTR: 0x10,
  DUMP_FILTERED: 0x20,
  // GET requests
  ROOT: 0x100,
  MATCH: 0x200,
  ATOMIC: 0x400,
  DUMP: 0x300,
  // NEW requests
  REPLACE: 0x100,
  EXCL: 0x200,
  CREATE: 0x400,
  APPEND: 0x800,
  // DELETE requests
  NONREC: 0x100,
  BULK: 0x200,
  // ACK (NLMSG_ERROR) replies
  CAPPED: 0x100,
  ACK_TLVS: 0x200,
} as const;

/** Control message types (linux/netlink.h). */
export const NLMSG = {
  NOOP: 1,
  ERROR: 2,
  DONE: 3,
  OVERRUN: 4,
} as const;

export interface NetlinkHeader {
  /** Total length, header included (set by the encoder). */
  length: number;
  type: number;
  flags: number;
  seq: number;
  pid: number;
}

/** One netlink message: its header and the payload after it (unpadded). */
export interface NetlinkMessage {
  header: NetlinkHeader;
  data: Uint8Array;
}

/** What an encoder needs: the length is computed. */
export type OutgoingMessage = { header: Omit<NetlinkHeader, 'length'>; data: Uint8Array };

/** Appends one message (header + payload + padding) to `w`. */
export function writeMessage(w: ByteWriter, msg: OutgoingMessage): void {
  const { type, flags, seq, pid } = msg.header;
  w.u32(NLMSG_HDRLEN + msg.data.length).u16(type).u16(flags).u32(seq).u32(pid).bytes(msg.data).pad();
}

/** One datagram holding `msgs` back to back. */
export function encodeMessages(msgs: readonly OutgoingMessage[]): Uint8Array {
  const w = new ByteWriter(msgs.reduce((n, m) => n + align(NLMSG_HDRLEN + m.data.length), 0));
  for (const m of msgs) writeMessage(w, m);
  return w.finish();
}

export function encodeMessage(msg: OutgoingMessage): Uint8Array {
  return encodeMessages([msg]);
}

/**
 * Walks the messages of one datagram with a sticky error: `while (md.next())
 * { md.message() }`, then check `md.err()` once. Payloads are views into the
 * datagram.
 */
export class MessageDecoder {
  private readonly view: DataView;
  private pos = 0;
  private current: NetlinkMessage | undefined;
  private error: NetlinkDecodeError | undefined;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  next(): boolean {
    if (this.error || this.pos >= this.buf.length) return false;
    const rest = this.buf.length - this.pos;
    if (rest < NLMSG_HDRLEN) return this.fail(`${rest} trailing bytes are not a message`);
    const length = this.view.getUint32(this.pos, HOST_LE);
    if (length < NLMSG_HDRLEN || length > rest) return this.fail(`message length ${length} at offset ${this.pos} overruns ${this.buf.length}`);
    const header: NetlinkHeader = {
      length,
      type: this.view.getUint16(this.pos + 4, HOST_LE),
      flags: this.view.getUint16(this.pos + 6, HOST_LE),
      seq: this.view.getUint32(this.pos + 8, HOST_LE),
      pid: this.view.getUint32(this.pos + 12, HOST_LE),
    };
    this.current = { header, data: this.buf.subarray(this.pos + NLMSG_HDRLEN, this.pos + length) };
    this.pos = Math.min(this.pos + align(length), this.buf.length);
    return true;
  }

  private fail(message: string): false {
    this.error ??= new NetlinkDecodeError(message);
    this.current = undefined;
    return false;
  }

  /** The message `next()` moved to. */
  message(): NetlinkMessage {
    if (!this.current) throw new NetlinkDecodeError('message() before a successful next()');
    return this.current;
  }

  err(): NetlinkDecodeError | undefined {
    return this.error;
  }
}

/** Every message in `datagram`; throws {@link NetlinkDecodeError} if it is malformed. */
export function decodeMessages(datagram: Uint8Array): NetlinkMessage[] {
  const md = new MessageDecoder(datagram);
  const out: NetlinkMessage[] = [];
  while (md.next()) out.push(md.message());
  const err = md.err();
  if (err) throw err;
  return out;
}
