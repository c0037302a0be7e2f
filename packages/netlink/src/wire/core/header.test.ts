import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HOST_LE } from './endian.js';
import { decodeMessages, encodeMessage, encodeMessages, MessageDecoder, NLM_F, NLMSG_HDRLEN } from './header.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe.skipIf(!HOST_LE)('nlmsghdr', () => {
  it('encodes length, type, flags, seq, pid and pads the payload', () => {
    const b = encodeMessage({ header: { type: 18, flags: NLM_F.REQUEST | NLM_F.DUMP, seq: 1, pid: 0 }, data: new Uint8Array([1, 2, 3]) });
    expect(hex(b)).toBe('13000000' + '1200' + '0103' + '01000000' + '00000000' + '010203' + '00');
  });

  it('several messages share a datagram, each aligned', () => {
    const msgs = [
      { header: { type: 16, flags: 5, seq: 1, pid: 0 }, data: new Uint8Array([9]) },
      { header: { type: 17, flags: 5, seq: 2, pid: 7 }, data: new Uint8Array(0) },
    ];
    const b = encodeMessages(msgs);
    expect(b.length).toBe(20 + 16);
    const out = decodeMessages(b);
    expect(out.map((m) => [m.header.type, m.header.seq, m.header.pid, m.header.length, [...m.data]])).toEqual([
      [16, 1, 0, 17, [9]],
      [17, 2, 7, 16, []],
    ]);
  });

  it('round-trips any messages (property)', () => {
    const msg = fc.record({
      header: fc.record({
        type: fc.integer({ min: 0, max: 0xffff }),
        flags: fc.integer({ min: 0, max: 0xffff }),
        seq: fc.integer({ min: 0, max: 0xffffffff }),
        pid: fc.integer({ min: 0, max: 0xffffffff }),
      }),
      data: fc.uint8Array({ maxLength: 50 }),
    });
    fc.assert(
      fc.property(fc.array(msg, { maxLength: 5 }), (msgs) => {
        const out = decodeMessages(encodeMessages(msgs));
        expect(out.map((m) => ({ header: { ...m.header, length: undefined }, data: [...m.data] }))).toEqual(
          msgs.map((m) => ({ header: { ...m.header, length: undefined }, data: [...m.data] })),
        );
      }),
    );
  });

  it('a bad length is a sticky error, never an exception or a loop', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const md = new MessageDecoder(bytes);
        let n = 0;
        while (md.next()) n++;
        expect(n).toBeLessThanOrEqual(bytes.length / NLMSG_HDRLEN);
      }),
    );
    const md = new MessageDecoder(new Uint8Array([0xff, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    expect(md.next()).toBe(false);
    expect(md.err()?.message).toMatch(/message length 255/);
    expect(() => decodeMessages(new Uint8Array(3))).toThrow(/3 trailing bytes/);
    expect(() => md.message()).toThrow();
  });
});
