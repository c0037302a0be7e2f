import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRange } from './byte-range.js';

describe('parseRange', () => {
  it('serves the whole blob without a Range, for other units, and for several ranges', () => {
    expect(parseRange(undefined, 10)).toEqual({ kind: 'full' });
    expect(parseRange('items=0-1', 10)).toEqual({ kind: 'full' });
    expect(parseRange('bytes=0-1,3-4', 10)).toEqual({ kind: 'full' });
  });

  it('reads the three forms, clamping the end', () => {
    expect(parseRange('bytes=2-5', 10)).toEqual({ kind: 'partial', start: 2, end: 5 });
    expect(parseRange('bytes=2-', 10)).toEqual({ kind: 'partial', start: 2, end: 9 });
    expect(parseRange('bytes=-3', 10)).toEqual({ kind: 'partial', start: 7, end: 9 });
    expect(parseRange('bytes=-30', 10)).toEqual({ kind: 'partial', start: 0, end: 9 });
    expect(parseRange('bytes=5-100', 10)).toEqual({ kind: 'partial', start: 5, end: 9 });
    expect(parseRange(' Bytes = 1-1 ', 10)).toEqual({ kind: 'partial', start: 1, end: 1 });
  });

  it('is unsatisfiable past the end, for -0, backwards and malformed specs, and on an empty blob', () => {
    for (const h of ['bytes=10-', 'bytes=10-20', 'bytes=-0', 'bytes=5-2', 'bytes=a-b', 'bytes=', 'bytes=-', 'bytes=1-2-3', 'nonsense', 'bytes=99999999999999999-']) {
      expect(parseRange(h, 10), h).toEqual({ kind: 'unsatisfiable' });
    }
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-5', 0)).toEqual({ kind: 'unsatisfiable' });
  });

  it('agrees with a naive model on a-b, a- and -n, and a partial range is always inside the blob (property)', () => {
    const specArb = fc.oneof(
      fc.tuple(fc.nat(200), fc.nat(200)).map(([a, b]) => ({ h: `bytes=${a}-${b}`, a, b: b as number | undefined, n: undefined as number | undefined })),
      fc.nat(200).map((a) => ({ h: `bytes=${a}-`, a, b: undefined, n: undefined })),
      fc.nat(200).map((n) => ({ h: `bytes=-${n}`, a: undefined, b: undefined, n })),
    );
    fc.assert(
      fc.property(specArb, fc.nat(150), ({ h, a, b, n }, size) => {
        const got = parseRange(h, size);
        let want: ReturnType<typeof parseRange>;
        if (n !== undefined) want = n === 0 || size === 0 ? { kind: 'unsatisfiable' } : { kind: 'partial', start: Math.max(0, size - n), end: size - 1 };
        else if (a! >= size || (b !== undefined && b < a!)) want = { kind: 'unsatisfiable' };
        else want = { kind: 'partial', start: a!, end: Math.min(b ?? size - 1, size - 1) };
        expect(got).toEqual(want);
      }),
    );
    fc.assert(
      fc.property(fc.string(), fc.nat(1000), (h, size) => {
        const r = parseRange(h, size);
        if (r.kind === 'partial') expect(0 <= r.start && r.start <= r.end && r.end < size).toBe(true);
      }),
    );
  });
});
