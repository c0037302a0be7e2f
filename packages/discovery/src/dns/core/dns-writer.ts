/**
 * Encodes DNS messages into one reusable buffer with name compression.
 *
 * Call `begin(limit)`, then `header`, `question`, `record`s and `opt` in
 * order; `length` is the message size. A write that would pass `limit` sets
 * the sticky `overflow` flag and writes nothing; `record()` then rewinds to
 * where the record began and returns false. After that only `opt()` (whose
 * name is the root) and `setCount` may follow.
 *
 * Compression: every label sequence written at an offset below 0x4000 is
 * remembered by a hash of its lowercase suffix, and a later name (owner, SOA
 * names) reuses the longest suffix that is byte-for-byte (case-insensitively)
 * equal. SRV targets are written whole (RFC 2782), but later names may still
 * point into them. An owner that is the question's own `DnsName` object is a
 * plain pointer to offset 12, the common case, with no hashing at all.
 */
import { MAX_MESSAGE_SIZE, RRClass, RRType } from './constants.js';
import { DnsFormatError } from './dns-errors.js';
import type { DnsName } from './dns-name.js';
import type { DnsMessage, DnsQuestion, DnsRecord } from './records.js';

const MAX_POINTER = 0x3fff;
const TABLE_SIZE = 4096;
const TABLE_MASK = TABLE_SIZE - 1;
const MAX_ENTRIES = (TABLE_SIZE * 3) / 4;

export class DnsWriter {
  readonly buf: Uint8Array;
  pos = 0;
  limit = MAX_MESSAGE_SIZE;
  overflow = false;
  // compression table: open addressing over typed arrays, entries of older messages told apart by generation
  private readonly keys = new Int32Array(TABLE_SIZE);
  private readonly offsets = new Int32Array(TABLE_SIZE);
  private readonly gens = new Uint32Array(TABLE_SIZE);
  private gen = 0;
  private entries = 0;
  private qname: DnsName | undefined;
  private qnameAt = 0;
  private qnameRegistered = false;
  // scratch for one name: label offsets within its wire form and suffix hashes
  private readonly offs = new Int32Array(128);
  private readonly hashes = new Int32Array(128);

  /** `buf` defaults to a fresh 65,535-byte buffer; pass a larger one to reserve room. */
  constructor(buf: Uint8Array = new Uint8Array(MAX_MESSAGE_SIZE)) {
    this.buf = buf;
  }

  get length(): number {
    return this.pos;
  }

  /** Starts a new message that may use at most `limit` bytes. */
  begin(limit: number = MAX_MESSAGE_SIZE): void {
    this.pos = 0;
    this.limit = Math.min(limit, this.buf.length);
    this.overflow = false;
    if (this.entries > 0 || this.gen === 0) {
      this.gen = (this.gen + 1) >>> 0;
      if (this.gen === 0) {
        this.gens.fill(0);
        this.gen = 1;
      }
      this.entries = 0;
    }
    this.qname = undefined;
    this.qnameRegistered = false;
  }

  private room(n: number): boolean {
    if (this.overflow) return false;
    if (this.pos + n > this.limit) {
      this.overflow = true;
      return false;
    }
    return true;
  }

  u8(v: number): void {
    if (this.room(1)) this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    if (!this.room(2)) return;
    const b = this.buf;
    const p = this.pos;
    b[p] = v >>> 8;
    b[p + 1] = v;
    this.pos = p + 2;
  }

  u32(v: number): void {
    if (!this.room(4)) return;
    const b = this.buf;
    const p = this.pos;
    b[p] = v >>> 24;
    b[p + 1] = v >>> 16;
    b[p + 2] = v >>> 8;
    b[p + 3] = v;
    this.pos = p + 4;
  }

  bytes(src: Uint8Array): void {
    const n = src.length;
    if (!this.room(n)) return;
    const b = this.buf;
    const p = this.pos;
    if (n <= 16) for (let i = 0; i < n; i++) b[p + i] = src[i]!;
    else b.set(src, p);
    this.pos = p + n;
  }

  header(id: number, flags: number, qd: number, an: number, ns: number, ar: number): void {
    this.u16(id);
    this.u16(flags);
    this.u16(qd);
    this.u16(an);
    this.u16(ns);
    this.u16(ar);
  }

  /** Patches a header count: 0 questions, 1 answers, 2 authority, 3 additional. */
  setCount(section: 0 | 1 | 2 | 3, n: number): void {
    const p = 4 + 2 * section;
    this.buf[p] = n >>> 8;
    this.buf[p + 1] = n;
  }

  /** Patches the flags word. */
  setFlags(flags: number): void {
    this.buf[2] = flags >>> 8;
    this.buf[3] = flags;
  }

  /** Writes a question; its name is written whole and becomes a compression target. */
  question(q: DnsQuestion): void {
    if (this.qname === undefined && this.pos <= MAX_POINTER) {
      this.qname = q.name;
      this.qnameAt = this.pos;
    } else {
      this.name(q.name, true);
      this.u16(q.type);
      this.u16(q.class);
      return;
    }
    this.bytes(q.name.wire);
    this.u16(q.type);
    this.u16(q.class);
  }

  /** Writes a record; false (and nothing written) when it does not fit. */
  record(rec: DnsRecord): boolean {
    if ((rec.kind === 'A' || rec.kind === 'AAAA') && rec.name === this.qname) return this.addressAtQname(rec.kind === 'A' ? RRType.A : RRType.AAAA, rec.ttl, rec.address);
    const start = this.pos;
    this.name(rec.name, true);
    switch (rec.kind) {
      case 'A':
      case 'AAAA':
        this.u16(rec.kind === 'A' ? RRType.A : RRType.AAAA);
        this.u16(RRClass.IN);
        this.u32(rec.ttl);
        this.u16(rec.address.length);
        this.bytes(rec.address);
        break;
      case 'SRV': {
        this.fixed(RRType.SRV, RRClass.IN, rec.ttl);
        const rd = this.pos;
        this.u16(rec.priority);
        this.u16(rec.weight);
        this.u16(rec.port);
        this.name(rec.target, false);
        this.patchRdlength(rd);
        break;
      }
      case 'SOA': {
        this.fixed(RRType.SOA, RRClass.IN, rec.ttl);
        const rd = this.pos;
        this.name(rec.mname, true);
        this.name(rec.rname, true);
        this.u32(rec.serial);
        this.u32(rec.refresh);
        this.u32(rec.retry);
        this.u32(rec.expire);
        this.u32(rec.minimum);
        this.patchRdlength(rd);
        break;
      }
      case 'raw':
        this.u16(rec.type);
        this.u16(rec.class);
        this.u32(rec.ttl);
        this.u16(rec.data.length);
        this.bytes(rec.data);
        break;
    }
    if (this.overflow) {
      this.pos = start;
      return false;
    }
    return true;
  }

  /** The common answer, an address record owned by the question name: one bounds check, then plain stores. */
  private addressAtQname(type: number, ttl: number, address: Uint8Array): boolean {
    const n = address.length;
    const p = this.pos;
    if (this.overflow || p + 12 + n > this.limit || this.qname!.wire.length <= 1) {
      return this.overflow ? false : this.recordSlow(type, ttl, address);
    }
    const b = this.buf;
    const at = 0xc000 | this.qnameAt;
    b[p] = at >>> 8;
    b[p + 1] = at;
    b[p + 2] = 0;
    b[p + 3] = type;
    b[p + 4] = 0;
    b[p + 5] = RRClass.IN;
    b[p + 6] = ttl >>> 24;
    b[p + 7] = ttl >>> 16;
    b[p + 8] = ttl >>> 8;
    b[p + 9] = ttl;
    b[p + 10] = 0;
    b[p + 11] = n;
    for (let i = 0; i < n; i++) b[p + 12 + i] = address[i]!;
    this.pos = p + 12 + n;
    return true;
  }

  private recordSlow(type: number, ttl: number, address: Uint8Array): boolean {
    const start = this.pos;
    this.name(this.qname!, true);
    this.u16(type);
    this.u16(RRClass.IN);
    this.u32(ttl);
    this.u16(address.length);
    this.bytes(address);
    if (this.overflow) {
      this.pos = start;
      return false;
    }
    return true;
  }

  /** Writes an OPT pseudo-record (RFC 6891) with no options. */
  opt(udpSize: number, extendedRcode = 0, version = 0, dnssecOk = false): void {
    if (!this.room(11)) return;
    this.u8(0);
    this.u16(RRType.OPT);
    this.u16(udpSize);
    this.u32(((extendedRcode & 0xff) << 24) | ((version & 0xff) << 16) | (dnssecOk ? 0x8000 : 0));
    this.u16(0);
  }

  private fixed(type: number, cls: number, ttl: number): void {
    this.u16(type);
    this.u16(cls);
    this.u32(ttl);
    this.u16(0); // rdlength, patched
  }

  private patchRdlength(rdStart: number): void {
    if (this.overflow) return;
    const n = this.pos - rdStart;
    this.buf[rdStart - 2] = n >>> 8;
    this.buf[rdStart - 1] = n;
  }

  /** Writes a name, compressed against earlier names when `compress`. */
  name(n: DnsName, compress: boolean): void {
    if (compress && n === this.qname && n.wire.length > 1) {
      this.u16(0xc000 | this.qnameAt);
      return;
    }
    if (this.qname !== undefined && !this.qnameRegistered) {
      this.qnameRegistered = true;
      this.register(this.qnameAt, this.prepare(this.qname.wire));
    }
    const wire = n.wire;
    const k = this.prepare(wire);
    if (compress) {
      for (let i = 0; i < k; i++) {
        const at = this.lookup(this.hashes[i]!);
        if (at < 0 || !this.sameSuffix(wire, this.offs[i]!, at)) continue;
        const start = this.pos;
        const head = this.offs[i]!;
        if (!this.room(head + 2)) return;
        this.buf.set(wire.subarray(0, head), start);
        this.pos = start + head;
        this.u16(0xc000 | at);
        this.register(start, i);
        return;
      }
    }
    const start = this.pos;
    this.bytes(wire);
    if (!this.overflow) this.register(start, k);
  }

  /** Fills `offs`/`hashes` for a wire name; returns its label count. */
  private prepare(wire: Uint8Array): number {
    const offs = this.offs;
    const hashes = this.hashes;
    let k = 0;
    for (let p = 0, len = wire[0]!; len !== 0; p += len + 1, len = wire[p]!) offs[k++] = p;
    let h = 0;
    for (let i = k - 1; i >= 0; i--) {
      const p = offs[i]!;
      const len = wire[p]!;
      let lh = 0x811c9dc5 ^ len;
      for (let j = p + 1; j <= p + len; j++) lh = Math.imul(lh ^ lower(wire[j]!), 0x01000193);
      h = Math.imul(h ^ lh, 0x9e3779b1) ^ (h >>> 15);
      hashes[i] = h;
    }
    return k;
  }

  /** Remembers the first `count` label suffixes of the name prepared last, written at `at`. */
  private register(at: number, count: number): void {
    for (let i = 0; i < count; i++) {
      const off = at + this.offs[i]!;
      if (off > MAX_POINTER) return;
      this.insert(this.hashes[i]!, off);
    }
  }

  private lookup(h: number): number {
    const gens = this.gens;
    for (let i = h & TABLE_MASK; gens[i] === this.gen; i = (i + 1) & TABLE_MASK) if (this.keys[i] === h) return this.offsets[i]!;
    return -1;
  }

  /** Keeps the first offset of a suffix; stops remembering when the table is 3/4 full. */
  private insert(h: number, off: number): void {
    if (this.entries >= MAX_ENTRIES) return;
    const gens = this.gens;
    let i = h & TABLE_MASK;
    for (; gens[i] === this.gen; i = (i + 1) & TABLE_MASK) if (this.keys[i] === h) return;
    gens[i] = this.gen;
    this.keys[i] = h;
    this.offsets[i] = off;
    this.entries++;
  }

  /** Whether the wire suffix starting at `wi` equals the name at buffer offset `at`. */
  private sameSuffix(wire: Uint8Array, wi: number, at: number): boolean {
    const b = this.buf;
    let p = at;
    for (let guard = 0; guard < 128; guard++) {
      let len = b[p]!;
      while (len >= 0xc0) {
        p = ((len & 0x3f) << 8) | b[p + 1]!;
        len = b[p]!;
      }
      if (len !== wire[wi]) return false;
      if (len === 0) return true;
      for (let j = 1; j <= len; j++) if (lower(b[p + j]!) !== lower(wire[wi + j]!)) return false;
      p += len + 1;
      wi += len + 1;
    }
    return false;
  }
}

function lower(b: number): number {
  return b >= 0x41 && b <= 0x5a ? b | 0x20 : b;
}

/**
 * Encodes a whole message into a fresh array (tests, tools). Throws
 * {@link DnsFormatError} when it does not fit in 65,535 bytes.
 */
export function encodeMessage(msg: DnsMessage): Uint8Array {
  const w = new DnsWriter();
  w.begin();
  const ar = msg.additional.length + (msg.edns ? 1 : 0);
  w.header(msg.id, msg.flags, msg.questions.length, msg.answers.length, msg.authority.length, ar);
  for (const q of msg.questions) w.question(q);
  for (const rec of msg.answers) if (!w.record(rec)) throw tooLarge();
  for (const rec of msg.authority) if (!w.record(rec)) throw tooLarge();
  for (const rec of msg.additional) if (!w.record(rec)) throw tooLarge();
  if (msg.edns) w.opt(msg.edns.udpSize, msg.edns.extendedRcode, msg.edns.version, msg.edns.dnssecOk);
  if (w.overflow) throw tooLarge();
  return w.buf.slice(0, w.length);
}

function tooLarge(): DnsFormatError {
  return new DnsFormatError('message longer than 65,535 bytes');
}
