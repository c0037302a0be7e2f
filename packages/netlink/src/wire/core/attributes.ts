import { align } from './align.js';
import { ByteWriter } from './byte-writer.js';
import { HOST_LE } from './endian.js';
import { NetlinkDecodeError, NetlinkEncodeError } from './errors.js';

/** struct nlattr: u16 length (header included), u16 type; payload padded to 4. */
export const NLA_HDRLEN = 4;
/** Type bit: the payload is itself a list of attributes. */
export const NLA_F_NESTED = 0x8000;
/** Type bit: the payload is in network byte order. */
export const NLA_F_NET_BYTEORDER = 0x4000;
export const NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;

const te = new TextEncoder();
const td = new TextDecoder();

function checkInt(type: number, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new NetlinkEncodeError(`attribute ${type}`, `${v} is not an integer in 0..${max}`);
}

/**
 * Builds a list of netlink attributes (struct nlattr), each padded to 4 bytes,
 * with nesting. Methods append in call order; a bad value throws
 * {@link NetlinkEncodeError} at once.
 *
 * ```ts
 * const ae = new AttributeEncoder();
 * ae.string(IFLA_IFNAME, 'vx0');
 * ae.nested(IFLA_LINKINFO, (info) => info.string(IFLA_INFO_KIND, 'vxlan'));
 * const bytes = ae.encode();
 * ```
 */
export class AttributeEncoder {
  readonly writer: ByteWriter;

  /** Appends to `writer` (e.g. after a fixed header) or to a new buffer. */
  constructor(writer: ByteWriter = new ByteWriter()) {
    this.writer = writer;
  }

  private attr(type: number, payloadLength: number, write: (w: ByteWriter) => void): this {
    checkInt(type, type, 0xffff);
    const w = this.writer;
    w.u16(NLA_HDRLEN + payloadLength).u16(type);
    write(w);
    w.pad();
    return this;
  }

  u8(type: number, v: number): this {
    checkInt(type, v, 0xff);
    return this.attr(type, 1, (w) => w.u8(v));
  }

  u16(type: number, v: number): this {
    checkInt(type, v, 0xffff);
    return this.attr(type, 2, (w) => w.u16(v));
  }

  /** A u16 in network byte order (ports). */
  u16be(type: number, v: number): this {
    checkInt(type, v, 0xffff);
    return this.attr(type, 2, (w) => w.u16be(v));
  }

  u32(type: number, v: number): this {
    checkInt(type, v, 0xffffffff);
    return this.attr(type, 4, (w) => w.u32(v));
  }

  i32(type: number, v: number): this {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw new NetlinkEncodeError(`attribute ${type}`, `${v} is not an int32`);
    return this.attr(type, 4, (w) => w.i32(v));
  }

  u32be(type: number, v: number): this {
    checkInt(type, v, 0xffffffff);
    return this.attr(type, 4, (w) => w.u32be(v));
  }

  u64(type: number, v: bigint): this {
    return this.attr(type, 8, (w) => w.u64(BigInt.asUintN(64, v)));
  }

  bytes(type: number, b: Uint8Array): this {
    if (b.length > 0xffff - NLA_HDRLEN) throw new NetlinkEncodeError(`attribute ${type}`, `${b.length} bytes is too long`);
    return this.attr(type, b.length, (w) => w.bytes(b));
  }

  /**
   * A string, NUL-terminated unless `terminate` is false (for NLA_STRING
   * policies such as IFLA_INFO_KIND, which iproute2 sends without the NUL).
   */
  string(type: number, s: string, terminate = true): this {
    const b = te.encode(s);
    if (b.includes(0)) throw new NetlinkEncodeError(`attribute ${type}`, 'string contains NUL');
    return terminate ? this.attr(type, b.length + 1, (w) => w.bytes(b).u8(0)) : this.attr(type, b.length, (w) => w.bytes(b));
  }

  /** A zero-length attribute whose presence is the value. */
  flag(type: number): this {
    return this.attr(type, 0, () => {});
  }

  /** A nested attribute list; `fn` fills it. Pass `type | NLA_F_NESTED` to set the flag. */
  nested(type: number, fn: (ae: AttributeEncoder) => void): this {
    checkInt(type, type, 0xffff);
    const w = this.writer;
    const start = w.length;
    w.u16(0).u16(type);
    fn(this);
    w.setU16(start, w.length - start);
    w.pad();
    return this;
  }

  /** The encoded bytes (a copy). */
  encode(): Uint8Array {
    return this.writer.finish();
  }
}

/**
 * Walks a list of netlink attributes. The error is sticky: call `next()` in a
 * loop, read the current attribute with the typed getters, then check `err()`
 * once at the end. A getter on a payload of the wrong size records an error
 * and returns a zero value; `next()` returns false once an error is recorded.
 *
 * ```ts
 * const ad = new AttributeDecoder(bytes);
 * while (ad.next()) {
 *   switch (ad.type()) {
 *     case IFLA_IFNAME: name = ad.string(); break;
 *     case IFLA_MTU: mtu = ad.u32(); break;
 *   }
 * }
 * if (ad.err()) throw ad.err();
 * ```
 *
 * Byte getters return views into the input, not copies.
 */
export class AttributeDecoder {
  private readonly view: DataView;
  private pos: number;
  private readonly end: number;
  private curType = 0;
  private curStart = 0;
  private curLen = 0;
  private error: NetlinkDecodeError | undefined;

  constructor(private readonly buf: Uint8Array, offset = 0, end = buf.length) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = offset;
    this.end = end;
  }

  /** Moves to the next attribute; false at the end or after an error. */
  next(): boolean {
    if (this.error) return false;
    if (this.pos >= this.end) return false;
    if (this.end - this.pos < NLA_HDRLEN) return this.fail(`${this.end - this.pos} trailing bytes are not an attribute`);
    const len = this.view.getUint16(this.pos, HOST_LE);
    if (len < NLA_HDRLEN || this.pos + len > this.end) return this.fail(`attribute length ${len} at offset ${this.pos} overruns ${this.end}`);
    this.curType = this.view.getUint16(this.pos + 2, HOST_LE);
    this.curStart = this.pos + NLA_HDRLEN;
    this.curLen = len - NLA_HDRLEN;
    this.pos = Math.min(this.pos + align(len), this.end);
    return true;
  }

  private fail(message: string): false {
    this.error ??= new NetlinkDecodeError(message);
    return false;
  }

  /** The current attribute's type, without the NESTED/NET_BYTEORDER bits. */
  type(): number {
    return this.curType & NLA_TYPE_MASK;
  }

  /** The current attribute's raw type field, flag bits included. */
  rawType(): number {
    return this.curType;
  }

  /** The current payload's length in bytes. */
  len(): number {
    return this.curLen;
  }

  private sized(n: number): boolean {
    if (this.curLen >= n) return true;
    this.fail(`attribute ${this.type()}: want ${n} bytes, got ${this.curLen}`);
    return false;
  }

  u8(): number {
    return this.sized(1) ? this.view.getUint8(this.curStart) : 0;
  }

  u16(): number {
    return this.sized(2) ? this.view.getUint16(this.curStart, HOST_LE) : 0;
  }

  u16be(): number {
    return this.sized(2) ? this.view.getUint16(this.curStart, false) : 0;
  }

  u32(): number {
    return this.sized(4) ? this.view.getUint32(this.curStart, HOST_LE) : 0;
  }

  i32(): number {
    return this.sized(4) ? this.view.getInt32(this.curStart, HOST_LE) : 0;
  }

  u32be(): number {
    return this.sized(4) ? this.view.getUint32(this.curStart, false) : 0;
  }

  u64(): bigint {
    return this.sized(8) ? this.view.getBigUint64(this.curStart, HOST_LE) : 0n;
  }

  /** The payload (a view into the input). */
  bytes(): Uint8Array {
    return this.buf.subarray(this.curStart, this.curStart + this.curLen);
  }

  /** The payload as a string, up to the first NUL. */
  string(): string {
    const b = this.bytes();
    const nul = b.indexOf(0);
    return td.decode(nul < 0 ? b : b.subarray(0, nul));
  }

  /** Decodes the current payload as nested attributes; an error inside becomes this decoder's error. */
  nested(fn: (ad: AttributeDecoder) => void): void {
    const child = new AttributeDecoder(this.buf, this.curStart, this.curStart + this.curLen);
    fn(child);
    const err = child.err();
    if (err) this.fail(`in attribute ${this.type()}: ${err.message}`);
  }

  /** Records an error found by the caller (e.g. a value out of range); sticky like the others. */
  setError(message: string): void {
    this.fail(message);
  }

  err(): NetlinkDecodeError | undefined {
    return this.error;
  }
}
