/**
 * The whole request → response step of the DNS server, without I/O: decode,
 * answer from the view, encode into one reusable buffer. The server feeds it
 * packets and sends what it writes; it is the hot path, so it allocates
 * little (the decoded query, the answer's records, no intermediate buffers).
 *
 * `respond()` returns a length (> 0: the response is `out[0..length)`, valid
 * until the next call), {@link IGNORE}, {@link FORWARD} (a name outside the
 * zone: `forwardQuery` holds the decoded query) or {@link WAIT} (the view is
 * loading the service: await `waitFor`, then call `respond()` again).
 *
 * Policy for odd input (modern miekg/dns's accept rules):
 * - shorter than a header, or a response (QR set): ignored, so two servers
 *   can never bounce packets between each other;
 * - opcode other than QUERY: NOTIMP; malformed, or not exactly one question:
 *   FORMERR (header only, no question);
 * - EDNS version other than 0: BADVERS. A query with OPT gets an OPT back
 *   (payload size 1232), and its UDP size (clamped to 512..1232) bounds the
 *   answer; without OPT a UDP answer is at most 512 bytes. An answer that does
 *   not fit is sent empty with TC set, so the client retries over TCP.
 */
import type { Random } from '@flynn-ts/core';
import { buildAnswer, type AnswerOptions, type DnsAnswer } from './build-answer.js';
import { classifyName } from './classify-name.js';
import { EDNS_UDP_SIZE, Flag, HEADER_SIZE, MAX_MESSAGE_SIZE, MIN_UDP_SIZE, Opcode, Rcode } from './constants.js';
import { decodeQuery } from './decode-message.js';
import { DnsFormatError } from './dns-errors.js';
import { NameCache } from './dns-reader.js';
import type { DnsView } from './dns-view.js';
import { DnsWriter } from './dns-writer.js';
import type { DnsQuery, DnsRecord } from './records.js';

export const IGNORE = 0;
export const FORWARD = -1;
export const WAIT = -2;

export interface ResponderOptions {
  view: DnsView;
  random: Random;
  /** The SOA serial to use now (the original: unix seconds). Called only for answers that carry the SOA. */
  serial: () => number;
  /** Sets RA in our answers (the original: when recursors are configured). */
  recursionAvailable: boolean;
  /** Most instances in a UDP answer; default 3. */
  maxUdpRecords?: number;
  /** Output buffer (at least 512 bytes; a TCP answer is bounded by its size, at most 65,535). */
  buffer?: Uint8Array;
}

const OPT_SIZE = 11;
/** Flags copied from a query into its response: opcode, RD, CD. */
const COPIED_FLAGS = 0x7800 | Flag.RD | Flag.CD;

export class DnsResponder {
  private readonly view: DnsView;
  private readonly ra: number;
  private readonly writer: DnsWriter;
  private readonly udpOptions: AnswerOptions;
  private readonly tcpOptions: AnswerOptions;
  private readonly names = new NameCache(1024);
  /** The query of the last {@link FORWARD} or {@link WAIT}. */
  forwardQuery: DnsQuery | undefined;
  /** What to await after {@link WAIT}. */
  waitFor: Promise<void> | undefined;

  constructor(options: ResponderOptions) {
    this.view = options.view;
    this.ra = options.recursionAvailable ? Flag.RA : 0;
    this.writer = new DnsWriter(options.buffer ?? new Uint8Array(MAX_MESSAGE_SIZE));
    const max = options.maxUdpRecords ?? 3;
    const serial = options.serial;
    // `serial` is a getter: the clock is read only for answers that carry the SOA
    const answerOptions = (udp: boolean): AnswerOptions => ({
      random: options.random,
      get serial() {
        return serial();
      },
      udp,
      maxUdpRecords: max,
    });
    this.udpOptions = answerOptions(true);
    this.tcpOptions = answerOptions(false);
  }

  /** The output buffer `respond()` and `errorReply()` write into. */
  get out(): Uint8Array {
    return this.writer.buf;
  }

  respond(packet: Uint8Array, udp: boolean): number {
    if (packet.length < HEADER_SIZE || (packet[2]! & 0x80) !== 0) return IGNORE;
    if (((packet[2]! >>> 3) & 0xf) !== Opcode.QUERY) return this.headerReply(packet, Rcode.NOTIMP);
    let query: DnsQuery;
    try {
      query = decodeQuery(packet, this.names);
    } catch (err) {
      if (err instanceof DnsFormatError) return this.headerReply(packet, Rcode.FORMERR);
      throw err;
    }
    if (query.edns !== undefined && query.edns.version !== 0) return this.errorReply(query, Rcode.BADVERS, udp);
    if (this.view.whenReady !== undefined && this.mustWait(query)) return WAIT;
    const answer = buildAnswer(query.question, this.view, udp ? this.udpOptions : this.tcpOptions);
    if (answer === undefined) {
      this.forwardQuery = query;
      return FORWARD;
    }
    return this.encode(query, answer, udp);
  }

  private mustWait(query: DnsQuery): boolean {
    const t = classifyName(query.question.name.text);
    if (t.kind !== 'service' && t.kind !== 'leader' && t.kind !== 'instance') return false;
    const p = this.view.whenReady!(t.service);
    if (p === undefined) return false;
    this.forwardQuery = query;
    this.waitFor = p;
    return true;
  }

  /** A reply with no records (SERVFAIL after failed recursion, BADVERS...): not authoritative. */
  errorReply(query: DnsQuery, rcode: number, udp: boolean): number {
    const w = this.writer;
    const opt = query.edns !== undefined;
    w.begin(udp ? udpLimit(query) : MAX_MESSAGE_SIZE);
    w.header(query.id, Flag.QR | (query.flags & COPIED_FLAGS) | this.ra | (rcode & 0xf), 1, 0, 0, opt ? 1 : 0);
    w.question(query.question);
    if (opt) w.opt(EDNS_UDP_SIZE, rcode >>> 4);
    return w.length;
  }

  /** Encodes an answer; over the size limit it sends the question alone with TC. */
  encode(query: DnsQuery, answer: DnsAnswer, udp: boolean): number {
    const w = this.writer;
    const opt = query.edns !== undefined;
    const flags = Flag.QR | Flag.AA | (query.flags & COPIED_FLAGS) | this.ra | (answer.rcode & 0xf);
    const limit = udp ? udpLimit(query) : MAX_MESSAGE_SIZE;
    w.begin(limit);
    if (opt) w.limit -= OPT_SIZE; // keep room for the OPT record
    w.header(query.id, flags, 1, answer.answers.length, answer.authority.length, 0);
    w.question(query.question);
    if (!writeAll(w, answer.answers) || !writeAll(w, answer.authority)) {
      w.begin(limit);
      w.header(query.id, flags | Flag.TC, 1, 0, 0, opt ? 1 : 0);
      w.question(query.question);
      if (opt) w.opt(EDNS_UDP_SIZE, answer.rcode >>> 4);
      return w.length;
    }
    let ar = 0;
    for (const rec of answer.additional) {
      if (!w.record(rec)) break;
      ar++;
    }
    if (opt) {
      w.limit += OPT_SIZE;
      w.overflow = false;
      w.opt(EDNS_UDP_SIZE, answer.rcode >>> 4);
      ar++;
    }
    if (ar > 0) w.setCount(3, ar);
    return w.length;
  }

  /** A header-only reply (FORMERR, NOTIMP) to a packet whose header is readable. */
  private headerReply(packet: Uint8Array, rcode: number): number {
    const w = this.writer;
    w.begin(MIN_UDP_SIZE);
    const flags = ((packet[2]! << 8) | packet[3]!) & COPIED_FLAGS;
    w.header((packet[0]! << 8) | packet[1]!, Flag.QR | flags | this.ra | rcode, 0, 0, 0, 0);
    return w.length;
  }

  /** Test helper: a copy of the response, or 'ignore' / 'forward' / 'wait'. */
  respondCopy(packet: Uint8Array, udp: boolean): Uint8Array | 'ignore' | 'forward' | 'wait' {
    const n = this.respond(packet, udp);
    if (n === IGNORE) return 'ignore';
    if (n === FORWARD) return 'forward';
    if (n === WAIT) return 'wait';
    return this.writer.buf.slice(0, n);
  }
}

function writeAll(w: DnsWriter, records: readonly DnsRecord[]): boolean {
  for (let i = 0; i < records.length; i++) if (!w.record(records[i]!)) return false;
  return true;
}

function udpLimit(query: DnsQuery): number {
  const e = query.edns;
  if (e === undefined) return MIN_UDP_SIZE;
  return Math.max(MIN_UDP_SIZE, Math.min(e.udpSize, EDNS_UDP_SIZE));
}
