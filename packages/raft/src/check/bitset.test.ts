import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Bitset } from './bitset.js';

describe('Bitset', () => {
  it('sets, clears and counts across word boundaries', () => {
    const b = new Bitset(70);
    b.set(0).set(31).set(32).set(69);
    expect(b.values()).toEqual([0, 31, 32, 69]);
    expect(b.popcount()).toBe(4);
    b.clear(31).clear(31);
    expect(b.has(31)).toBe(false);
    expect(b.popcount()).toBe(3);
  });

  it('rejects out-of-range members and sizes', () => {
    expect(() => new Bitset(3).set(3)).toThrowError(RangeError);
    expect(() => new Bitset(3).has(-1)).toThrowError(RangeError);
    expect(() => new Bitset(-1)).toThrowError(RangeError);
  });

  it('clones independently', () => {
    const a = new Bitset(10).set(1);
    const b = a.clone().set(2);
    expect(a.values()).toEqual([1]);
    expect(b.values()).toEqual([1, 2]);
    expect(a.equals(b)).toBe(false);
  });

  it('behaves as a Set, with equal sets hashing equally whatever the order of operations', () => {
    const ops = fc.array(fc.tuple(fc.boolean(), fc.nat(99)), { maxLength: 200 });
    fc.assert(
      fc.property(ops, ops, (xs, ys) => {
        const run = (list: [boolean, number][]) => {
          const bits = new Bitset(100);
          const set = new Set<number>();
          for (const [add, i] of list) {
            if (add) {
              bits.set(i);
              set.add(i);
            } else {
              bits.clear(i);
              set.delete(i);
            }
          }
          expect(bits.values()).toEqual([...set].sort((a, b) => a - b));
          expect(bits.popcount()).toBe(set.size);
          return { bits, set };
        };
        const a = run(xs);
        const b = run(ys);
        const sameSet = a.set.size === b.set.size && [...a.set].every((i) => b.set.has(i));
        expect(a.bits.equals(b.bits)).toBe(sameSet);
        if (sameSet) expect(a.bits.hash()).toBe(b.bits.hash());
      }),
    );
  });
});
