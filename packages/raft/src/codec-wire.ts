/**
 * Wire primitives for the raft codec: a growable `Encoder` and a `Decoder`
 * with a sticky error, both over `Uint8Array`/`DataView`.
 *
 * Byte order is big-endian for every fixed-width integer. Integers that can
 * grow (terms, indexes, lengths, counts) are unsigned LEB128 varints limited
 * to `Number.MAX_SAFE_INTEGER` (at most 8 bytes) and must be canonical (no
 * redundant trailing zero groups), so every value has exactly one encoding.
 *
 * The decoder never throws: after the first problem every read returns a zero
 * value and `err` holds a {@link CodecError}. Check `err` (or call `finish()`)
 * once at the end, as mdlayher's AttributeDecoder does.
 */
import { FlynnError } from '@flynn-ts/core';

/** Truncated, malformed or unsupported bytes (or an unencodable value). Answers HTTP 400. */
export class CodecError extends FlynnError {
  constructor(message: string, detail?: { offset?: number }) {
    super('FLYNN_RAFT_CODEC', message, { apiCode: 'bad_request', detail });
    this.name = 'CodecError';
  }
}

const MAX_VARINT_BYTES = 8; // 8 * 7 = 56 bits >= 53
const LONE_SURROGATE = /\p{Cs}/u;
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Appends fields to a growing buffer. Throws {@link CodecError} for values it cannot encode. */
export class Encoder {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
    this.view = new DataView(this.buf.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  u8(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new CodecError(`u8 out of range: ${v}`);
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u32(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) throw new CodecError(`u32 out of range: ${v}`);
    this.ensure(4);
    this.view.setUint32(this.pos, v, false);
    this.pos += 4;
  }

  bool(v: boolean): void {
    this.u8(v ? 1 : 0);
  }

  /** An unsigned integer in [0, 2^53). */
  varint(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new CodecError(`not a non-negative safe integer: ${v}`);
    this.ensure(MAX_VARINT_BYTES);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  /** Length-prefixed bytes. */
  bytes(v: Uint8Array): void {
    this.varint(v.byteLength);
    this.raw(v);
  }

  /** Length-prefixed UTF-8. Lone surrogates are rejected (they would not round-trip). */
  string(v: string): void {
    if (LONE_SURROGATE.test(v)) throw new CodecError('string is not well-formed UTF-16');
    this.bytes(utf8Encoder.encode(v));
  }

  /** Bytes without a length prefix. */
  raw(v: Uint8Array): void {
    this.ensure(v.byteLength);
    this.buf.set(v, this.pos);
    this.pos += v.byteLength;
  }

  /** The encoded bytes (a fresh, exactly-sized array). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  private ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    const next = new Uint8Array(Math.max(need, this.buf.length * 2));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
}

/** Reads fields from bytes; the first problem sticks in `err` and later reads return zero values. */
export class Decoder {
  private readonly view: DataView;
  private pos = 0;
  /** The first problem met, if any. */
  err: CodecError | undefined;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Bytes not yet read. */
  get remaining(): number {
    return this.buf.byteLength - this.pos;
  }

  get offset(): number {
    return this.pos;
  }

  /** Records `message` as the error unless one is already set. */
  fail(message: string): void {
    this.err ??= new CodecError(message, { offset: this.pos });
  }

  u8(): number {
    if (!this.need(1)) return 0;
    return this.buf[this.pos++]!;
  }

  u32(): number {
    if (!this.need(4)) return 0;
    const v = this.view.getUint32(this.pos, false);
    this.pos += 4;
    return v;
  }

  bool(): boolean {
    const b = this.u8();
    if (b > 1) this.fail(`invalid boolean byte ${b}`);
    return b === 1;
  }

  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      if (!this.need(1)) return 0;
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) return this.zero('non-canonical varint');
        if (result > Number.MAX_SAFE_INTEGER) return this.zero('varint exceeds 2^53-1');
        return result;
      }
      mul *= 0x80;
    }
    return this.zero('varint too long');
  }

  /** A length prefix or element count that must fit in the remaining bytes (each element >= `minSize`). */
  count(minSize = 1): number {
    const n = this.varint();
    if (this.err) return 0;
    if (n * minSize > this.remaining) return this.zero(`length ${n} exceeds remaining ${this.remaining} bytes`);
    return n;
  }

  /** Length-prefixed bytes, copied (the result never aliases the input). */
  bytes(): Uint8Array {
    const n = this.count();
    return this.raw(n);
  }

  /** A view of the next `n` bytes without copying; empty after an error. */
  take(n: number): Uint8Array {
    if (!this.need(n)) return new Uint8Array(0);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** `n` bytes, copied. */
  raw(n: number): Uint8Array {
    return this.take(n).slice();
  }

  string(): string {
    const n = this.count();
    const bytes = this.take(n);
    if (this.err) return '';
    try {
      return utf8Decoder.decode(bytes);
    } catch {
      this.fail('invalid UTF-8');
      return '';
    }
  }

  /** Returns the sticky error, adding one if bytes are left over. */
  finish(): CodecError | undefined {
    if (!this.err && this.remaining !== 0) this.fail(`${this.remaining} trailing bytes`);
    return this.err;
  }

  private need(n: number): boolean {
    if (this.err) return false;
    if (n > this.remaining) {
      this.fail(`truncated: need ${n} bytes, have ${this.remaining}`);
      return false;
    }
    return true;
  }

  private zero(message: string): number {
    this.fail(message);
    return 0;
  }
}
