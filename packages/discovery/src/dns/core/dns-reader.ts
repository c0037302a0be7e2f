/**
 * A DNS decoder with a sticky error: after the first problem every read
 * returns a zero value (names: the root) and `err` holds a
 * {@link DnsFormatError}; check it once at the end (mdlayher's
 * AttributeDecoder style). Never throws.
 *
 * Names follow compression pointers, which must point strictly backwards
 * (so a loop is impossible) and may not exceed 255 bytes in total.
 */
import { MAX_NAME_WIRE } from './constants.js';
import { DnsFormatError } from './dns-errors.js';
import { DnsName, LABEL_CHAR } from './dns-name.js';

export class DnsReader {
  readonly buf: Uint8Array;
  pos: number;
  err: DnsFormatError | undefined;
  /** Where `name()` looks up and stores uncompressed names; none by default. */
  cache: NameCache | undefined;

  constructor(buf: Uint8Array, pos = 0, cache?: NameCache) {
    this.buf = buf;
    this.pos = pos;
    this.err = undefined;
    this.cache = cache;
  }

  /** Bytes left after `pos`. */
  get remaining(): number {
    return this.buf.length - this.pos;
  }

  fail(message: string): void {
    if (this.err === undefined) this.err = new DnsFormatError(message, { offset: this.pos });
  }

  private need(n: number): boolean {
    if (this.err !== undefined) return false;
    if (this.pos + n > this.buf.length) {
      this.fail(`truncated: need ${n} bytes at offset ${this.pos}, have ${this.buf.length - this.pos}`);
      return false;
    }
    return true;
  }

  u8(): number {
    if (!this.need(1)) return 0;
    return this.buf[this.pos++]!;
  }

  u16(): number {
    if (!this.need(2)) return 0;
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return (b[p]! << 8) | b[p + 1]!;
  }

  u32(): number {
    if (!this.need(4)) return 0;
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  /** A view of the next `n` bytes (not a copy). */
  bytes(n: number): Uint8Array {
    if (!this.need(n)) return EMPTY;
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  skip(n: number): void {
    if (this.need(n)) this.pos += n;
  }

  /**
   * Reads a (possibly compressed) name. Its `wire` is a view of the input when
   * the name had no pointer, else a fresh uncompressed copy. With a `cache`,
   * an uncompressed name seen before is returned from it (its own copy of the
   * bytes), without building a string.
   */
  name(): DnsName {
    if (this.err !== undefined) return DnsName.ROOT;
    const buf = this.buf;
    const start = this.pos;
    let p = start;
    let end = -1; // where reading continues after the name (set at the first pointer or the terminator)
    let limit = start; // a pointer must point before this
    let wireLen = 1;
    let hash = 0x811c9dc5;
    for (;;) {
      if (p >= buf.length) return this.nameFail('name runs past the end', p);
      const len = buf[p]!;
      if (len === 0) {
        if (end < 0) end = p + 1;
        break;
      }
      if (len >= 0xc0) {
        if (p + 1 >= buf.length) return this.nameFail('name pointer runs past the end', p);
        const ptr = ((len & 0x3f) << 8) | buf[p + 1]!;
        if (ptr >= limit) return this.nameFail('name pointer does not point backwards', p);
        if (end < 0) end = p + 2;
        limit = ptr;
        p = ptr;
        continue;
      }
      if (len > 0x3f) return this.nameFail('unsupported label type', p);
      const labelEnd = p + 1 + len;
      if (labelEnd > buf.length) return this.nameFail('label runs past the end', p);
      wireLen += len + 1;
      if (wireLen > MAX_NAME_WIRE) return this.nameFail('name longer than 255 bytes', p);
      if (end < 0) for (let i = p; i < labelEnd; i++) hash = Math.imul(hash ^ buf[i]!, 0x01000193);
      p = labelEnd;
    }
    this.pos = end;
    if (wireLen === 1) return DnsName.ROOT;
    const direct = end - start === wireLen;
    const cache = this.cache;
    if (direct && cache !== undefined) {
      const hit = cache.get(buf, start, wireLen, hash);
      if (hit !== undefined) return hit;
      const name = new DnsName(labelsText(buf, start), copyBytes(buf, start, wireLen));
      cache.set(name, hash);
      return name;
    }
    return new DnsName(labelsText(buf, start), direct ? buf.subarray(start, end) : this.copyName(start, wireLen));
  }

  private nameFail(message: string, at: number): DnsName {
    this.pos = at;
    this.fail(message);
    return DnsName.ROOT;
  }

  /** Uncompressed copy of an already validated compressed name. */
  private copyName(start: number, wireLen: number): Uint8Array {
    const buf = this.buf;
    const out = new Uint8Array(wireLen);
    let o = 0;
    let p = start;
    for (let len = buf[p]!; len !== 0; len = buf[p]!) {
      if (len >= 0xc0) {
        p = ((len & 0x3f) << 8) | buf[p + 1]!;
        continue;
      }
      out.set(buf.subarray(p, p + 1 + len), o);
      o += len + 1;
      p += len + 1;
    }
    return out; // out[wireLen - 1] is already 0
  }
}

const EMPTY = new Uint8Array(0);

/** Text of a validated name at `p`, following pointers. */
function labelsText(buf: Uint8Array, p: number): string {
  let text = '';
  for (let len = buf[p]!; len !== 0; len = buf[p]!) {
    if (len >= 0xc0) {
      p = ((len & 0x3f) << 8) | buf[p + 1]!;
      continue;
    }
    const end = p + 1 + len;
    for (let i = p + 1; i < end; i++) text += LABEL_CHAR[buf[i]!]!;
    text += '.';
    p = end;
  }
  return text;
}

function copyBytes(buf: Uint8Array, start: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = buf[start + i]!;
  return out;
}

/**
 * A direct-mapped cache of decoded names, keyed by their exact wire bytes
 * (case included, so a cached name's wire is the query's own). Bounded:
 * `size` slots, a colliding name replaces the older one.
 */
export class NameCache {
  private readonly slots: (DnsName | undefined)[];
  private readonly mask: number;

  /** `size` is rounded up to a power of two. */
  constructor(size = 1024) {
    const n = 2 ** Math.ceil(Math.log2(Math.max(2, size)));
    this.slots = new Array<DnsName | undefined>(n).fill(undefined);
    this.mask = n - 1;
  }

  get(buf: Uint8Array, start: number, n: number, hash: number): DnsName | undefined {
    const hit = this.slots[(hash ^ (hash >>> 16)) & this.mask];
    if (hit === undefined) return undefined;
    const w = hit.wire;
    if (w.length !== n) return undefined;
    for (let i = 0; i < n; i++) if (w[i] !== buf[start + i]) return undefined;
    return hit;
  }

  set(name: DnsName, hash: number): void {
    this.slots[(hash ^ (hash >>> 16)) & this.mask] = name;
  }
}
