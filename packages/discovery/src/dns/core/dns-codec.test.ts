import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Flag, RRType } from './constants.js';
import { decodeMessage, decodeQuery, firstQuestion } from './decode-message.js';
import { DnsFormatError } from './dns-errors.js';
import { DnsName } from './dns-name.js';
import { DnsReader } from './dns-reader.js';
import { DnsWriter, encodeMessage } from './dns-writer.js';
import type { DnsMessage, DnsRecord } from './records.js';

const n = (s: string) => DnsName.parse(s);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function message(partial: Partial<DnsMessage>): DnsMessage {
  return { id: 0x1234, flags: Flag.RD, questions: [], answers: [], authority: [], additional: [], edns: undefined, ...partial };
}

describe('DnsName', () => {
  it('parses text into wire form, with or without the trailing dot', () => {
    expect(hex(n('foo.discoverd').wire)).toBe('03666f6f09646973636f7665726400');
    expect(n('foo.discoverd.').text).toBe('foo.discoverd.');
    expect(n('Foo.DISCOVERD').text).toBe('foo.discoverd.');
    expect(hex(n('Foo.x').wire)).toBe('03466f6f017800'); // wire keeps case
    expect(n('.')).toBe(DnsName.ROOT);
  });

  it('round-trips escapes through text and wire', () => {
    const a = n('a\\.b.c\\\\d.\\000x.');
    expect(hex(a.wire)).toBe('03612e6203635c640200780' + '0');
    expect(DnsName.fromWire(a.wire).text).toBe('a\\.b.c\\\\d.\\000x.');
  });

  it('rejects empty labels, long labels and long names', () => {
    expect(() => n('a..b')).toThrow(DnsFormatError);
    expect(() => n('..')).toThrow(DnsFormatError);
    expect(() => n('x'.repeat(64) + '.y')).toThrow(/63/);
    expect(() => n(Array.from({ length: 60 }, () => 'abcd').join('.'))).toThrow(/255/);
    expect(n('x'.repeat(63)).wire.length).toBe(65);
  });
});

describe('DnsReader', () => {
  it('follows backward pointers and copies the name', () => {
    // header-less buffer: "foo.bar." at 0, then "x" + pointer to 4 ("bar.")
    const buf = Uint8Array.from([3, 0x66, 0x6f, 0x6f, 3, 0x62, 0x61, 0x72, 0, 1, 0x78, 0xc0, 4]);
    const r = new DnsReader(buf, 9);
    const name = r.name();
    expect(r.err).toBeUndefined();
    expect(name.text).toBe('x.bar.');
    expect(hex(name.wire)).toBe('017803626172' + '00');
    expect(r.pos).toBe(13);
  });

  it('refuses forward and self pointers (no loops) and sticks to the first error', () => {
    const self = new DnsReader(Uint8Array.from([0xc0, 0x00]));
    self.name();
    expect(self.err?.message).toMatch(/backwards/);
    const loop = new DnsReader(Uint8Array.from([1, 0x61, 0xc0, 0x00]));
    loop.name();
    expect(loop.err?.message).toMatch(/backwards/);
    expect(loop.u16()).toBe(0);
    expect(loop.err?.message).toMatch(/backwards/);
  });

  it('rejects extended label types and truncation', () => {
    const ext = new DnsReader(Uint8Array.from([0x41, 0]));
    ext.name();
    expect(ext.err?.message).toMatch(/label type/);
    const short = new DnsReader(Uint8Array.from([5, 0x61]));
    short.name();
    expect(short.err?.message).toMatch(/past the end/);
  });
});

describe('decodeQuery', () => {
  const query = encodeMessage(
    message({ questions: [{ name: n('Foo.Discoverd'), type: RRType.A, class: 1 }], edns: { udpSize: 4096, extendedRcode: 0, version: 0, dnssecOk: true, options: new Uint8Array() } }),
  );

  it('reads the header, the question and the OPT record', () => {
    const q = decodeQuery(query);
    expect(q.id).toBe(0x1234);
    expect(q.flags).toBe(Flag.RD);
    expect(q.question.name.text).toBe('foo.discoverd.');
    expect(q.question.type).toBe(RRType.A);
    expect(q.edns).toMatchObject({ udpSize: 4096, version: 0, dnssecOk: true });
  });

  it('skips answer and authority records', () => {
    const withRecords = encodeMessage(
      message({
        questions: [{ name: n('a.discoverd'), type: RRType.SRV, class: 1 }],
        answers: [{ kind: 'A', name: n('a.discoverd'), ttl: 5, address: Uint8Array.from([1, 2, 3, 4]) }],
        authority: [{ kind: 'raw', name: n('discoverd'), type: 99, class: 1, ttl: 0, data: Uint8Array.from([9, 9]) }],
      }),
    );
    expect(decodeQuery(withRecords).question.name.text).toBe('a.discoverd.');
  });

  it('throws DnsFormatError with the header for bad counts, truncation and two OPTs', () => {
    const none = encodeMessage(message({}));
    expect(() => decodeQuery(none)).toThrow(/expected 1 question/);
    try {
      decodeQuery(query.subarray(0, query.length - 3));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(DnsFormatError);
      expect((err as DnsFormatError).header?.id).toBe(0x1234);
    }
    const twoOpt = Uint8Array.from([...query, 0, 0, 41, 2, 0, 0, 0, 0, 0, 0, 0]);
    twoOpt[11] = 2;
    expect(() => decodeQuery(twoOpt)).toThrow(/more than one OPT/);
    expect(() => decodeQuery(new Uint8Array(5))).toThrow(DnsFormatError);
  });

  it('firstQuestion never throws', () => {
    expect(firstQuestion(query)?.name.text).toBe('foo.discoverd.');
    expect(firstQuestion(new Uint8Array(3))).toBeUndefined();
    expect(firstQuestion(query.subarray(0, 14))).toBeUndefined();
  });
});

describe('DnsWriter compression', () => {
  it('points answer owners at the question and SOA names at earlier suffixes', () => {
    const q = n('nope.discoverd');
    const soa: DnsRecord = { kind: 'SOA', name: n('discoverd'), ttl: 0, mname: n('ns.discoverd'), rname: n('postmaster.discoverd'), serial: 7, refresh: 3600, retry: 600, expire: 86400, minimum: 0 };
    const bytes = encodeMessage(message({ questions: [{ name: q, type: RRType.A, class: 1 }], authority: [soa] }));
    // header 12 + question 16+4 ; SOA: owner pointer 2, fixed 10, "ns"+ptr 5, "postmaster"+ptr 13, 20
    expect(bytes.length).toBe(12 + 20 + 2 + 10 + 5 + 13 + 20);
    const back = decodeMessage(bytes);
    expect(back.authority[0]).toMatchObject({ kind: 'SOA', serial: 7, refresh: 3600 });
    expect((back.authority[0] as { mname: DnsName }).mname.text).toBe('ns.discoverd.');
  });

  it('writes SRV targets whole but lets later owners point into them', () => {
    const q = n('svc.discoverd');
    const target = n('abc.svc._i.discoverd');
    const bytes = encodeMessage(
      message({
        questions: [{ name: q, type: RRType.SRV, class: 1 }],
        answers: [{ kind: 'SRV', name: q, ttl: 0, priority: 1, weight: 1, port: 80, target }],
        additional: [{ kind: 'A', name: target, ttl: 0, address: Uint8Array.from([10, 0, 0, 1]) }],
      }),
    );
    const srvTargetAt = 12 + 19 + 2 + 10 + 6;
    expect(hex(bytes.subarray(srvTargetAt, srvTargetAt + target.wire.length))).toBe(hex(target.wire));
    const additionalAt = srvTargetAt + target.wire.length;
    expect(hex(bytes.subarray(additionalAt, additionalAt + 2))).toBe((0xc000 | srvTargetAt).toString(16));
    expect((decodeMessage(bytes).additional[0] as { name: DnsName }).name.text).toBe('abc.svc._i.discoverd.');
  });

  it('compresses case-insensitively and keeps the question case', () => {
    const q = n('SVC.Discoverd');
    const bytes = encodeMessage(
      message({ questions: [{ name: q, type: 1, class: 1 }], answers: [{ kind: 'A', name: n('x.svc.discoverd'), ttl: 0, address: new Uint8Array(4) }] }),
    );
    expect(bytes.length).toBe(12 + 19 + (2 + 2) + 10 + 4); // "x" + pointer
    const back = decodeMessage(bytes);
    expect(hex(back.questions[0]!.name.wire)).toBe(hex(q.wire));
    expect((back.answers[0] as { name: DnsName }).name.text).toBe('x.svc.discoverd.');
  });

  it('sets overflow past the limit and rewinds the record', () => {
    const w = new DnsWriter();
    w.begin(40);
    w.header(1, 0, 1, 1, 0, 0);
    w.question({ name: n('svc.discoverd'), type: 1, class: 1 });
    const before = w.length;
    expect(w.record({ kind: 'AAAA', name: n('svc.discoverd'), ttl: 0, address: new Uint8Array(16) })).toBe(false);
    expect(w.length).toBe(before);
    expect(w.overflow).toBe(true);
  });

  it('an address record owned by the question name is a pointer to 12, and also rewinds when it does not fit', () => {
    const w = new DnsWriter();
    const q = n('svc.discoverd');
    w.begin(12 + 19 + 16 + 15);
    w.header(1, 0, 1, 2, 0, 0);
    w.question({ name: q, type: RRType.A, class: 1 });
    expect(w.record({ kind: 'A', name: q, ttl: 7, address: Uint8Array.from([10, 0, 0, 1]) })).toBe(true);
    expect(hex(w.buf.subarray(31, 47))).toBe('c00c000100010000000700040a000001');
    expect(w.record({ kind: 'A', name: q, ttl: 0, address: new Uint8Array(4) })).toBe(false);
    expect(w.length).toBe(47);
    w.setCount(1, 1);
    const back = decodeMessage(w.buf.slice(0, w.length));
    expect(back.answers[0]).toMatchObject({ kind: 'A', ttl: 7 });
  });

  it('encodeMessage refuses a message over 65,535 bytes', () => {
    const big: DnsRecord = { kind: 'raw', name: DnsName.ROOT, type: 16, class: 1, ttl: 0, data: new Uint8Array(60000) };
    expect(() => encodeMessage(message({ answers: [big, big] }))).toThrow(DnsFormatError);
  });
});

// ---- properties -------------------------------------------------------------

const label = fc.stringMatching(/^[a-zA-Z0-9_-]{1,12}$/);
const nameArb = fc.array(label, { minLength: 0, maxLength: 5 }).map((ls) => (ls.length === 0 ? DnsName.ROOT : n(ls.join('.'))));
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const recordArb: fc.Arbitrary<DnsRecord> = fc.oneof(
  fc.record({ kind: fc.constant('A' as const), name: nameArb, ttl: u32, address: fc.uint8Array({ minLength: 4, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('AAAA' as const), name: nameArb, ttl: u32, address: fc.uint8Array({ minLength: 16, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('SRV' as const), name: nameArb, ttl: u32, priority: u16, weight: u16, port: u16, target: nameArb }),
  fc.record({
    kind: fc.constant('SOA' as const),
    name: nameArb,
    ttl: u32,
    mname: nameArb,
    rname: nameArb,
    serial: u32,
    refresh: u32,
    retry: u32,
    expire: u32,
    minimum: u32,
  }),
  fc.record({ kind: fc.constant('raw' as const), name: nameArb, type: fc.constantFrom(16, 99, 257), class: fc.constantFrom(1, 3), ttl: u32, data: fc.uint8Array({ maxLength: 40 }) }),
);
const messageArb: fc.Arbitrary<DnsMessage> = fc.record({
  id: u16,
  flags: u16,
  questions: fc.array(fc.record({ name: nameArb, type: u16.filter((t) => t !== 41), class: u16 }), { maxLength: 3 }),
  answers: fc.array(recordArb, { maxLength: 6 }),
  authority: fc.array(recordArb, { maxLength: 3 }),
  additional: fc.array(recordArb, { maxLength: 3 }),
  edns: fc.option(fc.record({ udpSize: u16, extendedRcode: fc.integer({ min: 0, max: 255 }), version: fc.integer({ min: 0, max: 255 }), dnssecOk: fc.boolean(), options: fc.constant(new Uint8Array()) }), { nil: undefined }),
});

/** Names compared by text (decoded wire may be a view or a copy), byte arrays by content. */
function normalize(m: DnsMessage): unknown {
  return JSON.parse(JSON.stringify(m, (_k, v: unknown) => (v instanceof DnsName ? v.text : v instanceof Uint8Array ? hex(v) : v)));
}

function rdataSize(r: DnsRecord): number {
  switch (r.kind) {
    case 'A':
    case 'AAAA':
      return r.address.length;
    case 'SRV':
      return 6 + r.target.wire.length;
    case 'SOA':
      return r.mname.wire.length + r.rname.wire.length + 20;
    case 'raw':
      return r.data.length;
  }
}

function uncompressedSize(m: DnsMessage): number {
  let size = 12 + (m.edns ? 11 : 0);
  for (const q of m.questions) size += q.name.wire.length + 4;
  for (const r of [...m.answers, ...m.authority, ...m.additional]) size += r.name.wire.length + 10 + rdataSize(r);
  return size;
}

describe('codec properties', () => {
  it('decodeMessage(encodeMessage(m)) equals m, and compression never grows the message', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        const bytes = encodeMessage(m);
        expect(normalize(decodeMessage(bytes))).toEqual(normalize(m));
        expect(bytes.length).toBeLessThanOrEqual(uncompressedSize(m));
      }),
      { numRuns: 400 },
    );
  });

  it('decoders throw only DnsFormatError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        for (const decode of [decodeQuery, decodeMessage]) {
          try {
            decode(bytes);
          } catch (err) {
            expect(err).toBeInstanceOf(DnsFormatError);
            expect((err as DnsFormatError).code).toBe('FLYNN_DISCOVERY_DNS_FORMAT');
            if (bytes.length >= 12) expect((err as DnsFormatError).header).toBeDefined();
          }
        }
        firstQuestion(bytes);
      }),
      { numRuns: 3000 },
    );
  });

  it('decoders throw only DnsFormatError on mutated valid messages', () => {
    const mutation = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(messageArb, mutation, fc.nat(), (m, edits, cut) => {
        const bytes = encodeMessage(m);
        for (const [at, v] of edits) bytes[at % bytes.length] = v;
        const truncated = bytes.subarray(0, cut % (bytes.length + 1));
        for (const b of [bytes, truncated]) {
          for (const decode of [decodeQuery, decodeMessage]) {
            try {
              decode(b);
            } catch (err) {
              expect(err).toBeInstanceOf(DnsFormatError);
            }
          }
        }
      }),
      { numRuns: 1500 },
    );
  });
});
