import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlynnError } from '@flynn-ts/core';
import type { Entry, Message, MessageType, Snapshot } from './core/types.js';
import {
  CODEC_VERSION,
  CodecError,
  decodeEntry,
  decodeMessage,
  decodeMessages,
  decodeSnapshot,
  encodeBatch,
  encodeEntry,
  encodeMessage,
  encodeMessages,
  encodeSnapshot,
} from './codec.js';
import { Decoder, Encoder } from './codec-wire.js';

const MESSAGE_TYPES: MessageType[] = [
  'app', 'app-resp', 'vote', 'vote-resp', 'pre-vote', 'pre-vote-resp', 'heartbeat',
  'heartbeat-resp', 'snap', 'prop', 'read-index', 'read-index-resp', 'timeout-now',
];

const index = fc.oneof(fc.nat(1000), fc.maxSafeNat());
const nodeId = fc.string({ unit: 'binary', maxLength: 12 });
const bytes = fc.uint8Array({ maxLength: 64 });

const entryArb: fc.Arbitrary<Entry> = fc.record({
  term: index,
  index,
  type: fc.constantFrom('normal' as const, 'conf-change' as const),
  data: bytes,
});

const snapshotArb: fc.Arbitrary<Snapshot> = fc.record({
  meta: fc.record({
    index,
    term: index,
    conf: fc.record({ voters: fc.array(nodeId, { maxLength: 5 }), learners: fc.array(nodeId, { maxLength: 3 }) }),
  }),
  data: fc.uint8Array({ maxLength: 256 }),
});

const messageArb: fc.Arbitrary<Message> = fc.record(
  {
    type: fc.constantFrom(...MESSAGE_TYPES),
    from: nodeId,
    to: nodeId,
    term: index,
    logTerm: index,
    index,
    entries: fc.array(entryArb, { maxLength: 4 }),
    commit: index,
    reject: fc.boolean(),
    rejectHint: index,
    snapshot: snapshotArb,
    context: bytes,
  },
  { requiredKeys: ['type', 'from', 'to', 'term', 'logTerm', 'index', 'entries', 'commit', 'reject', 'rejectHint'] },
);

function expectCodecError(fn: () => unknown): CodecError {
  try {
    fn();
  } catch (err) {
    expect(FlynnError.is(err)).toBe(true);
    expect((err as FlynnError).code).toBe('FLYNN_RAFT_CODEC');
    expect(err).toBeInstanceOf(CodecError);
    return err as CodecError;
  }
  throw new Error('expected a CodecError');
}

describe('codec round trips', () => {
  it('messages', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        const b = encodeMessage(m);
        const back = decodeMessage(b);
        expect(back).toEqual(m);
        expect(Object.keys(back).sort()).toEqual(Object.keys(m).sort());
        expect(encodeMessage(back)).toEqual(b);
      }),
      { numRuns: 500 },
    );
  });

  it('batches', () => {
    fc.assert(
      fc.property(fc.array(messageArb, { maxLength: 8 }), (ms) => {
        const b = encodeMessages(ms);
        expect(decodeMessages(b)).toEqual(ms);
        expect(encodeBatch(ms.map(encodeMessage))).toEqual(b);
      }),
      { numRuns: 200 },
    );
  });

  it('entries and snapshots', () => {
    fc.assert(fc.property(entryArb, (e) => void expect(decodeEntry(encodeEntry(e))).toEqual(e)));
    fc.assert(fc.property(snapshotArb, (s) => void expect(decodeSnapshot(encodeSnapshot(s))).toEqual(s)));
  });

  it('decoded buffers are copies that do not alias the input', () => {
    const data = new Uint8Array([1, 2, 3]);
    const b = encodeEntry({ term: 1, index: 2, type: 'normal', data });
    const e = decodeEntry(b);
    b.fill(0);
    expect(e.data).toEqual(data);
    expect(e.data.buffer).not.toBe(b.buffer);
  });

  it('varints cover the whole safe-integer range and are canonical', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => {
        const e = new Encoder();
        e.varint(n);
        const b = e.finish();
        expect(b.length).toBeLessThanOrEqual(8);
        const d = new Decoder(b);
        expect(d.varint()).toBe(n);
        expect(d.finish()).toBeUndefined();
      }),
    );
    expect(new Decoder(new Uint8Array([0x80, 0x00])).varint()).toBe(0);
    const d = new Decoder(new Uint8Array([0x80, 0x00]));
    d.varint();
    expect(d.err?.message).toMatch(/non-canonical/);
    const big = new Decoder(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]));
    big.varint();
    expect(big.err?.message).toMatch(/2\^53/);
  });
});

describe('codec format', () => {
  it('pins the byte layout of a message', () => {
    const m: Message = {
      type: 'app', from: 'a', to: 'b', term: 2, logTerm: 1, index: 300, commit: 5, reject: true, rejectHint: 0,
      entries: [{ term: 2, index: 301, type: 'conf-change', data: new Uint8Array([9]) }],
      context: new Uint8Array([7, 7]),
    };
    expect(Array.from(encodeMessage(m))).toEqual([
      CODEC_VERSION, 1, // header: version, kind=message
      1, // type app
      1, 0x61, 1, 0x62, // from "a", to "b"
      2, 1, 0xac, 0x02, 5, 0, // term, logTerm, index 300, commit, rejectHint
      0b101, // flags: reject | context
      1, 2, 0xad, 0x02, 1, 1, 9, // one entry: term 2, index 301, conf-change, data [9]
      2, 7, 7, // context
    ]);
  });

  it('pins the batch framing', () => {
    const m: Message = { type: 'heartbeat', from: '', to: '', term: 0, logTerm: 0, index: 0, commit: 0, reject: false, rejectHint: 0, entries: [] };
    const one = encodeMessage(m);
    expect(Array.from(encodeMessages([m, m]))).toEqual([CODEC_VERSION, 2, 2, one.length, ...one, one.length, ...one]);
  });
});

describe('codec errors', () => {
  const sample: Message = {
    type: 'snap', from: 'n1', to: 'n2', term: 3, logTerm: 3, index: 10, commit: 9, reject: false, rejectHint: 0,
    entries: [{ term: 3, index: 11, type: 'normal', data: new Uint8Array([1, 2, 3]) }],
    snapshot: { meta: { index: 10, term: 3, conf: { voters: ['n1', 'n2'], learners: ['n3'] } }, data: new Uint8Array(100) },
    context: new Uint8Array([4]),
  };

  it('rejects every truncation and trailing bytes', () => {
    const b = encodeMessage(sample);
    for (let n = 0; n < b.length; n++) expectCodecError(() => decodeMessage(b.subarray(0, n)));
    const longer = new Uint8Array(b.length + 1);
    longer.set(b);
    expect(expectCodecError(() => decodeMessage(longer)).message).toMatch(/trailing/);
  });

  it('rejects a wrong version, kind, type, flags or UTF-8', () => {
    const b = encodeMessage(sample);
    const patched = (i: number, v: number) => {
      const c = b.slice();
      c[i] = v;
      return c;
    };
    expect(expectCodecError(() => decodeMessage(patched(0, 9))).message).toMatch(/version/);
    expect(expectCodecError(() => decodeMessage(patched(1, 2))).message).toMatch(/kind/);
    expect(expectCodecError(() => decodeMessages(b)).message).toMatch(/kind/);
    expect(expectCodecError(() => decodeMessage(patched(2, 200))).message).toMatch(/type/);
    expect(expectCodecError(() => decodeMessage(patched(4, 0xff))).message).toMatch(/UTF-8/);
    const flagsAt = 2 + 1 + 3 + 3 + 5;
    expect(b[flagsAt]).toBe(0b110);
    expect(expectCodecError(() => decodeMessage(patched(flagsAt, 0x10))).message).toMatch(/flags/);
  });

  it('rejects absurd counts without allocating', () => {
    const e = new Encoder();
    e.u8(CODEC_VERSION);
    e.u8(2);
    e.varint(Number.MAX_SAFE_INTEGER);
    expect(expectCodecError(() => decodeMessages(e.finish())).message).toMatch(/exceeds/);
  });

  it('refuses to encode values outside the format', () => {
    const bad = (patch: Partial<Message>) => ({ ...sample, ...patch }) as Message;
    expectCodecError(() => encodeMessage(bad({ term: -1 })));
    expectCodecError(() => encodeMessage(bad({ index: 1.5 })));
    expectCodecError(() => encodeMessage(bad({ commit: 2 ** 53 })));
    expectCodecError(() => encodeMessage(bad({ type: 'nope' as MessageType })));
    expectCodecError(() => encodeMessage(bad({ from: '\ud800' })));
  });
});

describe('codec fuzz', () => {
  const decoders = [decodeMessage, decodeMessages, decodeEntry, decodeSnapshot];

  const onlyCodecErrors = (b: Uint8Array) => {
    for (const decode of decoders) {
      try {
        decode(b);
      } catch (err) {
        if (!(err instanceof CodecError)) throw err;
      }
    }
  };

  it('random bytes never throw anything but CodecError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), onlyCodecErrors), { numRuns: 2000 });
  });

  it('random bytes behind a valid header never throw anything but CodecError', () => {
    const withHeader = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.uint8Array({ maxLength: 200 })).map(([kind, rest]) => Uint8Array.of(CODEC_VERSION, kind, ...rest));
    fc.assert(fc.property(withHeader, onlyCodecErrors), { numRuns: 2000 });
  });

  it('mutated valid encodings never throw anything but CodecError', () => {
    const mutated = fc
      .tuple(fc.array(messageArb, { minLength: 1, maxLength: 3 }), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }))
      .map(([ms, edits]) => {
        const b = encodeMessages(ms);
        for (const [at, v] of edits) b[at % b.length] = v;
        return b;
      });
    fc.assert(fc.property(mutated, onlyCodecErrors), { numRuns: 1000 });
  });
});
