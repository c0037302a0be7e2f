import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope } from './envelope.js';

describe('proposal envelopes', () => {
  it('round-trip origin, seq and payload, whatever the order of origins (the origin cache never mixes them up)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('n1', 'n2', '127.0.0.1:7001', 'ünïcode', ''), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.uint8Array({ maxLength: 20 })), {
          maxLength: 30,
        }),
        (items) => {
          const encoded = items.map(([o, s, p]) => encodeEnvelope(o, s, p));
          encoded.forEach((bytes, i) => {
            const [o, s, p] = items[i]!;
            const env = decodeEnvelope(bytes);
            expect([env.origin, env.seq, [...env.payload]]).toEqual([o, s, [...p]]);
          });
        },
      ),
    );
  });

  it('rejects undecodable envelopes with a typed error', () => {
    expect(() => decodeEnvelope(Uint8Array.of(9, 0, 0))).toThrow(expect.objectContaining({ code: 'FLYNN_RAFT_ENVELOPE' }));
    expect(() => decodeEnvelope(Uint8Array.of(1, 0, 200, 0, 0, 0, 0, 0, 0, 0, 0))).toThrow(expect.objectContaining({ code: 'FLYNN_RAFT_ENVELOPE' }));
  });
});
