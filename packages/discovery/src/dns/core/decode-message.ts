/**
 * DNS message decoding. Both decoders throw only {@link DnsFormatError}, with
 * `header` set when the 12-byte header was readable (so a server can answer
 * FORMERR), and never read past the input. Trailing bytes after the last
 * section are ignored. Decoded names may be views of the input bytes.
 */
import { HEADER_SIZE, RRClass, RRType } from './constants.js';
import { DnsFormatError, type DnsHeader } from './dns-errors.js';
import { DnsName } from './dns-name.js';
import { DnsReader, type NameCache } from './dns-reader.js';
import type { DnsMessage, DnsQuery, DnsQuestion, DnsRecord, Edns } from './records.js';

/** Reads the header, or returns undefined for fewer than 12 bytes. */
export function decodeHeader(buf: Uint8Array): DnsHeader | undefined {
  if (buf.length < HEADER_SIZE) return undefined;
  return {
    id: (buf[0]! << 8) | buf[1]!,
    flags: (buf[2]! << 8) | buf[3]!,
    qdcount: (buf[4]! << 8) | buf[5]!,
    ancount: (buf[6]! << 8) | buf[7]!,
    nscount: (buf[8]! << 8) | buf[9]!,
    arcount: (buf[10]! << 8) | buf[11]!,
  };
}

/**
 * Decodes a query with exactly one question: the header, the question and
 * the OPT record if any. With `names`, the question's name comes from (and
 * goes into) that cache. The answer and authority sections are checked for
 * well-formedness and skipped. Throws {@link DnsFormatError} for anything
 * malformed, for a question count other than 1 and for more than one OPT.
 */
export function decodeQuery(buf: Uint8Array, names?: NameCache): DnsQuery {
  if (buf.length < HEADER_SIZE) throw new DnsFormatError(`message shorter than the header: ${buf.length} bytes`);
  const qdcount = (buf[4]! << 8) | buf[5]!;
  if (qdcount !== 1) throw new DnsFormatError(`expected 1 question, got ${qdcount}`, { header: decodeHeader(buf)! });
  const r = new DnsReader(buf, HEADER_SIZE, names);
  const name = r.name();
  r.cache = undefined;
  const type = r.u16();
  const cls = r.u16();
  let edns: Edns | undefined;
  const rrs = ((buf[6]! << 8) | buf[7]!) + ((buf[8]! << 8) | buf[9]!);
  const arcount = (buf[10]! << 8) | buf[11]!;
  for (let i = 0; i < rrs && r.err === undefined; i++) skipRecord(r);
  for (let i = 0; i < arcount && r.err === undefined; i++) {
    const opt = readAdditional(r);
    if (opt === undefined) continue;
    if (edns !== undefined) r.fail('more than one OPT record');
    edns = opt;
  }
  if (r.err !== undefined) throw new DnsFormatError(r.err.message, { header: decodeHeader(buf)!, offset: r.pos });
  return { id: (buf[0]! << 8) | buf[1]!, flags: (buf[2]! << 8) | buf[3]!, question: { name, type, class: cls }, edns };
}

/** Decodes a whole message (any counts); A, AAAA, SRV and SOA records are typed, others raw. */
export function decodeMessage(buf: Uint8Array): DnsMessage {
  const header = decodeHeader(buf);
  if (header === undefined) throw new DnsFormatError(`message shorter than the header: ${buf.length} bytes`);
  const r = new DnsReader(buf, HEADER_SIZE);
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < header.qdcount && r.err === undefined; i++) {
    const name = r.name();
    questions.push({ name, type: r.u16(), class: r.u16() });
  }
  const answers = readRecords(r, header.ancount);
  const authority = readRecords(r, header.nscount);
  const additional: DnsRecord[] = [];
  let edns: Edns | undefined;
  for (let i = 0; i < header.arcount && r.err === undefined; i++) {
    const start = r.pos;
    const opt = readAdditional(r);
    if (opt !== undefined) {
      if (edns !== undefined) r.fail('more than one OPT record');
      edns = opt;
      continue;
    }
    r.pos = start;
    const rec = readRecord(r);
    if (rec !== undefined) additional.push(rec);
  }
  if (r.err !== undefined) throw new DnsFormatError(r.err.message, { header, offset: r.pos });
  return { id: header.id, flags: header.flags, questions, answers, authority, additional, edns };
}

function skipRecord(r: DnsReader): void {
  r.name();
  r.skip(8); // type, class, ttl
  r.skip(r.u16());
}

/** Reads one additional record; returns its EDNS data if it is an OPT, else undefined (skipped). */
function readAdditional(r: DnsReader): Edns | undefined {
  const name = r.name();
  const type = r.u16();
  if (type !== RRType.OPT) {
    r.skip(6);
    r.skip(r.u16());
    return undefined;
  }
  const udpSize = r.u16();
  const ttl = r.u32();
  const options = r.bytes(r.u16());
  if (r.err !== undefined) return undefined;
  if (name !== DnsName.ROOT) r.fail('OPT record owner is not the root');
  return { udpSize, extendedRcode: ttl >>> 24, version: (ttl >>> 16) & 0xff, dnssecOk: (ttl & 0x8000) !== 0, options };
}

function readRecords(r: DnsReader, count: number): DnsRecord[] {
  const out: DnsRecord[] = [];
  for (let i = 0; i < count && r.err === undefined; i++) {
    const rec = readRecord(r);
    if (rec !== undefined) out.push(rec);
  }
  return out;
}

function readRecord(r: DnsReader): DnsRecord | undefined {
  const name = r.name();
  const type = r.u16();
  const cls = r.u16();
  const ttl = r.u32();
  const rdlen = r.u16();
  if (r.err !== undefined) return undefined;
  if (r.remaining < rdlen) {
    r.fail('record data runs past the end');
    return undefined;
  }
  const end = r.pos + rdlen;
  const rec = cls === RRClass.IN ? readTyped(r, name, type, ttl, rdlen) : undefined;
  if (rec !== undefined) {
    if (r.err === undefined && r.pos !== end) r.fail(`record data of type ${type} has the wrong length ${rdlen}`);
    return rec;
  }
  r.pos = end;
  return { kind: 'raw', name, type, class: cls, ttl, data: r.buf.subarray(end - rdlen, end) };
}

function readTyped(r: DnsReader, name: DnsName, type: number, ttl: number, rdlen: number): DnsRecord | undefined {
  switch (type) {
    case RRType.A:
      if (rdlen !== 4) return undefined;
      return { kind: 'A', name, ttl, address: r.bytes(4) };
    case RRType.AAAA:
      if (rdlen !== 16) return undefined;
      return { kind: 'AAAA', name, ttl, address: r.bytes(16) };
    case RRType.SRV:
      return { kind: 'SRV', name, ttl, priority: r.u16(), weight: r.u16(), port: r.u16(), target: r.name() };
    case RRType.SOA:
      return {
        kind: 'SOA',
        name,
        ttl,
        mname: r.name(),
        rname: r.name(),
        serial: r.u32(),
        refresh: r.u32(),
        retry: r.u32(),
        expire: r.u32(),
        minimum: r.u32(),
      };
    default:
      return undefined;
  }
}

/** The first question of a message, or undefined when there is none or it is malformed. Never throws. */
export function firstQuestion(buf: Uint8Array): DnsQuestion | undefined {
  if (buf.length < HEADER_SIZE || ((buf[4]! << 8) | buf[5]!) === 0) return undefined;
  const r = new DnsReader(buf, HEADER_SIZE);
  const name = r.name();
  const type = r.u16();
  const cls = r.u16();
  return r.err === undefined ? { name, type, class: cls } : undefined;
}
