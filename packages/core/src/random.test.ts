import { describe, expect, it } from 'vitest';
import { seededRandom } from './random.js';

describe('seededRandom', () => {
  it('replays the same sequence for the same seed', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 100 }, () => a.uint32());
    expect(Array.from({ length: 100 }, () => b.uint32())).toEqual(xs);
    expect(seededRandom(43).uint32()).not.toBe(xs[0]);
  });

  it('stays in range and covers it', () => {
    const r = seededRandom(1);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const v = r.between(3, 7);
      expect(v).toBeGreaterThanOrEqual(3);
      expect(v).toBeLessThanOrEqual(7);
      seen.add(v);
      const f = r.next();
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6, 7]);
  });

  it('shuffle is a permutation', () => {
    const r = seededRandom(7);
    const xs = [1, 2, 3, 4, 5, 6, 7, 8];
    expect(r.shuffle(xs).sort()).toEqual(xs);
    expect(() => r.pick([])).toThrow(RangeError);
  });
});
