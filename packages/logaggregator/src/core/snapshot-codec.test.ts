import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { logEntry } from '../testing/log-fixtures.js';
import { encodeSnapshot, SnapshotDecoder } from './snapshot-codec.js';

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

const entriesArb = fc.array(
  fc.record({ seq: fc.integer({ min: 0, max: 2 ** 40 }), msg: fc.string({ unit: 'grapheme', maxLength: 40 }), appId: fc.constantFrom('a', 'b'), processType: fc.constantFrom('', 'web') }),
  { maxLength: 40 },
);

describe('snapshot codec', () => {
  it('decodes what it encodes, however the bytes are cut (property)', () => {
    fc.assert(
      fc.property(entriesArb, fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 10 }), fc.integer({ min: 1, max: 4096 }), (specs, cuts, chunkBytes) => {
        const entries = specs.map((s) => logEntry(s));
        const bytes = concat([...encodeSnapshot(entries, chunkBytes)]);
        const d = new SnapshotDecoder();
        const out = [];
        let at = 0;
        for (let i = 0; at < bytes.length; i++) {
          const n = cuts[i % cuts.length]!;
          out.push(...d.push(bytes.subarray(at, at + n)));
          at += n;
        }
        d.end();
        expect(out).toEqual(entries);
        expect(d.count).toBe(entries.length);
      }),
    );
  });

  it('refuses a cut-off snapshot, garbage and messages that are not log lines', () => {
    const bytes = concat([...encodeSnapshot([logEntry({ seq: 1 }), logEntry({ seq: 2 })])]);
    const cut = new SnapshotDecoder();
    cut.push(bytes.subarray(0, bytes.length - 3));
    expect(() => cut.end()).toThrow(expect.objectContaining({ code: 'FLYNN_LOGAGGREGATOR_SNAPSHOT_INVALID' }));
    expect(() => new SnapshotDecoder().push(new TextEncoder().encode('hello'))).toThrow(/snapshot/);
    expect(new SnapshotDecoder().push(bytes.subarray(0, 5))).toEqual([]);
    const notFlynn = new TextEncoder().encode('16 <0>1 - - - - - -');
    expect(() => new SnapshotDecoder().push(notFlynn)).toThrow(/message 1: .*HOSTNAME/);
  });
});
