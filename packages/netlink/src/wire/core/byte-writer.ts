import { align } from './align.js';
import { HOST_LE } from './endian.js';

/**
 * A growable little buffer for building messages: fixed headers with
 * {@link ByteWriter.u8}..{@link ByteWriter.u32}, then attributes. Integers are
 * host order unless the method says `be`. `finish()` returns a copy.
 */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  /** Bytes written so far. */
  length = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  private reserve(n: number): number {
    const at = this.length;
    const need = at + n;
    if (need > this.buf.length) {
      const next = new Uint8Array(Math.max(need, this.buf.length * 2));
      next.set(this.buf.subarray(0, at));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    this.length = need;
    return at;
  }

  u8(v: number): this {
    this.view.setUint8(this.reserve(1), v);
    return this;
  }

  u16(v: number): this {
    this.view.setUint16(this.reserve(2), v, HOST_LE);
    return this;
  }

  u16be(v: number): this {
    this.view.setUint16(this.reserve(2), v, false);
    return this;
  }

  u32(v: number): this {
    this.view.setUint32(this.reserve(4), v >>> 0, HOST_LE);
    return this;
  }

  i32(v: number): this {
    this.view.setInt32(this.reserve(4), v, HOST_LE);
    return this;
  }

  u32be(v: number): this {
    this.view.setUint32(this.reserve(4), v >>> 0, false);
    return this;
  }

  u64(v: bigint): this {
    this.view.setBigUint64(this.reserve(8), v, HOST_LE);
    return this;
  }

  bytes(b: Uint8Array): this {
    this.buf.set(b, this.reserve(b.length));
    return this;
  }

  zeros(n: number): this {
    this.buf.fill(0, this.reserve(n), this.length);
    return this;
  }

  /** Zero-pads to the next 4-byte boundary. */
  pad(): this {
    return this.zeros(align(this.length) - this.length);
  }

  /** Overwrites a u16 at `at` (used for lengths known only at the end). */
  setU16(at: number, v: number): void {
    this.view.setUint16(at, v, HOST_LE);
  }

  setU32(at: number, v: number): void {
    this.view.setUint32(at, v >>> 0, HOST_LE);
  }

  /** A copy of the bytes written. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
