import { createHash } from 'node:crypto';
import { seededRandom } from '@flynn-ts/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Instance } from '../../core/types.js';
import { staticDnsView } from '../static-dns-view.js';
import { Flag, Opcode, RRType, Rcode } from './constants.js';
import { decodeMessage } from './decode-message.js';
import { DnsName } from './dns-name.js';
import { DnsResponder, FORWARD, IGNORE, WAIT } from './dns-responder.js';
import type { DnsView } from './dns-view.js';
import { encodeMessage } from './dns-writer.js';
import { opcodeOf, rcodeOf, type DnsMessage, type Edns } from './records.js';

function inst(addr: string, index: number): Instance {
  return { id: createHash('md5').update(`tcp-${addr}`).digest('hex'), addr, proto: 'tcp', index };
}
const many = Array.from({ length: 40 }, (_, i) => inst(`10.0.${i >> 8}.${i & 255}:${5000 + i}`, i + 1));
const view = staticDnsView({ svc: many.slice(0, 3), big: many });

function responder(options: { recursionAvailable?: boolean; view?: DnsView } = {}) {
  return new DnsResponder({ view: options.view ?? view, random: seededRandom(7), serial: () => 42, recursionAvailable: options.recursionAvailable ?? false });
}

function query(name: string, type: number, opts: { id?: number; flags?: number; edns?: Partial<Edns> } = {}): Uint8Array {
  const m: DnsMessage = {
    id: opts.id ?? 0xbeef,
    flags: opts.flags ?? Flag.RD,
    questions: [{ name: DnsName.parse(name), type, class: 1 }],
    answers: [],
    authority: [],
    additional: [],
    edns: opts.edns === undefined ? undefined : { udpSize: 1232, extendedRcode: 0, version: 0, dnssecOk: false, options: new Uint8Array(), ...opts.edns },
  };
  return encodeMessage(m);
}

function reply(r: DnsResponder, packet: Uint8Array, udp = true): DnsMessage {
  const out = r.respondCopy(packet, udp);
  if (typeof out === 'string') throw new Error(`no reply: ${out}`);
  return decodeMessage(out);
}

describe('DnsResponder', () => {
  it('answers with QR, AA, the id, opcode, RD and CD of the query, and RA when recursing', () => {
    const m = reply(responder(), query('svc.discoverd', RRType.A, { id: 77, flags: Flag.RD | Flag.CD }));
    expect(m.id).toBe(77);
    expect(m.flags).toBe(Flag.QR | Flag.AA | Flag.RD | Flag.CD);
    expect(m.questions[0]!.name.text).toBe('svc.discoverd.');
    expect(m.answers).toHaveLength(3);
    expect(reply(responder({ recursionAvailable: true }), query('svc.discoverd', RRType.A)).flags & Flag.RA).toBe(Flag.RA);
    expect(reply(responder(), query('svc.discoverd', RRType.A, { flags: 0 })).flags & Flag.RD).toBe(0);
  });

  it('keeps the question exactly as sent (case) and points answers at it', () => {
    const packet = query('SvC.DiscoverD', RRType.A);
    const out = responder().respondCopy(packet, true) as Uint8Array;
    expect(Buffer.from(out.subarray(12, 12 + 19)).equals(Buffer.from(packet.subarray(12, 12 + 19)))).toBe(true);
    expect(Buffer.from(out.subarray(31, 33)).toString('hex')).toBe('c00c');
  });

  it('NXDOMAIN with the SOA in authority', () => {
    const m = reply(responder(), query('nope.discoverd', RRType.A));
    expect(rcodeOf(m.flags)).toBe(Rcode.NXDOMAIN);
    expect(m.flags & Flag.AA).toBe(Flag.AA);
    expect(m.authority[0]).toMatchObject({ kind: 'SOA', serial: 42 });
  });

  it('echoes EDNS with our payload size; BADVERS for EDNS version > 0', () => {
    const m = reply(responder(), query('svc.discoverd', RRType.A, { edns: { udpSize: 4096 } }));
    expect(m.edns).toMatchObject({ udpSize: 1232, version: 0, extendedRcode: 0 });
    expect(reply(responder(), query('svc.discoverd', RRType.A)).edns).toBeUndefined();
    const bad = reply(responder(), query('svc.discoverd', RRType.A, { edns: { version: 1 } }));
    expect(bad.edns?.extendedRcode).toBe(1); // BADVERS = 16 = 1 << 4 | 0
    expect(rcodeOf(bad.flags)).toBe(0);
    expect(bad.answers).toEqual([]);
    expect(bad.flags & Flag.AA).toBe(0);
  });

  it('over UDP without EDNS, a large answer is sent empty with TC; over TCP whole', () => {
    const udp = responder().respondCopy(query('big.discoverd', RRType.SRV), true) as Uint8Array;
    expect(udp.length).toBeLessThanOrEqual(512);
    const tcp = reply(responder(), query('big.discoverd', RRType.SRV), false);
    expect(tcp.answers).toHaveLength(40);
    expect(tcp.additional).toHaveLength(40);
    expect(tcp.flags & Flag.TC).toBe(0);
    // UDP answers are capped at 3 instances, so they fit; force a tiny size via many records to check TC:
    const tiny = new DnsResponder({ view, random: seededRandom(1), serial: () => 1, recursionAvailable: false, maxUdpRecords: 40 });
    const t = reply(tiny, query('big.discoverd', RRType.SRV));
    expect(t.flags & Flag.TC).toBe(Flag.TC);
    expect(t.answers).toEqual([]);
    expect(t.questions).toHaveLength(1);
    const withEdns = reply(tiny, query('big.discoverd', RRType.A, { edns: { udpSize: 4096 } }));
    expect(withEdns.flags & Flag.TC).toBe(0); // 40 A records fit in 1232 bytes
    expect(withEdns.answers).toHaveLength(40);
    expect(withEdns.edns?.udpSize).toBe(1232);
  });

  it('ignores short packets and responses; NOTIMP for other opcodes; FORMERR for bad queries', () => {
    const r = responder();
    expect(r.respond(new Uint8Array(11), true)).toBe(IGNORE);
    expect(r.respond(query('svc.discoverd', RRType.A, { flags: Flag.QR }), true)).toBe(IGNORE);
    const notify = reply(r, query('svc.discoverd', RRType.SOA, { flags: Opcode.NOTIFY << 11 }));
    expect([opcodeOf(notify.flags), rcodeOf(notify.flags), notify.questions.length]).toEqual([Opcode.NOTIFY, Rcode.NOTIMP, 0]);
    const garbage = Uint8Array.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0x3f, 1, 2]);
    const formerr = reply(r, garbage);
    expect([formerr.id, rcodeOf(formerr.flags), formerr.flags & Flag.RD]).toEqual([0x1234, Rcode.FORMERR, Flag.RD]);
    const twoQuestions = query('svc.discoverd', RRType.A);
    twoQuestions[5] = 2;
    expect(rcodeOf(reply(r, twoQuestions).flags)).toBe(Rcode.FORMERR);
  });

  it('FORWARD for names outside the zone, with the decoded query', () => {
    const r = responder();
    expect(r.respond(query('example.com', RRType.A, { id: 9 }), true)).toBe(FORWARD);
    expect(r.forwardQuery?.id).toBe(9);
    const fail = decodeMessage(r.out.slice(0, r.errorReply(r.forwardQuery!, Rcode.SERVFAIL, true)));
    expect([rcodeOf(fail.flags), fail.flags & Flag.AA, fail.id, fail.questions[0]!.name.text]).toEqual([Rcode.SERVFAIL, 0, 9, 'example.com.']);
  });

  it('WAIT while the view loads a service, then answers', () => {
    let ready = false;
    const loading: DnsView = { ...view, instances: view.instances, leader: view.leader, whenReady: () => (ready ? undefined : Promise.resolve()) };
    const r = responder({ view: loading });
    expect(r.respond(query('svc.discoverd', RRType.A), true)).toBe(WAIT);
    expect(r.waitFor).toBeInstanceOf(Promise);
    expect(r.respond(query('example.com', RRType.A), true)).toBe(FORWARD); // only zone names wait
    ready = true;
    expect(r.respond(query('svc.discoverd', RRType.A), true)).toBeGreaterThan(0);
  });

  it('fuzz: never throws; garbage is ignored or answered with a well-formed reply', () => {
    const r = responder();
    const valid = [query('svc.discoverd', RRType.A), query('leader.svc.discoverd', RRType.SRV, { edns: {} }), query('nope.discoverd', RRType.ANY)];
    const mutated = fc
      .tuple(fc.constantFrom(...valid), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat())
      .map(([base, edits, cut]) => {
        const b = base.slice();
        for (const [at, v] of edits) b[at % b.length] = v;
        return b.subarray(0, Math.max(0, b.length - (cut % 8)));
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), mutated), fc.boolean(), (packet, udp) => {
        const n = r.respond(packet, udp);
        if (n === IGNORE || n === FORWARD) return;
        expect(n).toBeGreaterThanOrEqual(12);
        const m = decodeMessage(r.out.slice(0, n));
        expect(m.flags & Flag.QR).toBe(Flag.QR);
        expect(m.id).toBe((packet[0]! << 8) | packet[1]!);
        if (udp) expect(n).toBeLessThanOrEqual(1232);
      }),
      { numRuns: 5000 },
    );
  });
});
