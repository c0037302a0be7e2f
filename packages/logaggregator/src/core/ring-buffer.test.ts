import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RingBuffer } from './ring-buffer.js';

describe('RingBuffer', () => {
  it('behaves like an array trimmed to capacity from the front (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(fc.integer(), { maxLength: 200 }), (capacity, items) => {
        const ring = new RingBuffer<number>(capacity);
        const model: number[] = [];
        for (const v of items) {
          model.push(v);
          const expected = model.length > capacity ? model.shift() : undefined;
          expect(ring.push(v)).toBe(expected);
          expect(ring.length).toBe(model.length);
          expect(ring.toArray()).toEqual(model);
          expect(ring.last()).toBe(model[model.length - 1]);
          expect(ring.at(0)).toBe(model[0]);
        }
        const from = Math.floor(model.length / 2);
        expect(ring.toArray(from)).toEqual(model.slice(from));
      }),
    );
  });

  it('rejects bad capacities and indexes', () => {
    expect(() => new RingBuffer(0)).toThrow(/capacity/);
    const ring = new RingBuffer<number>(2);
    expect(() => ring.at(0)).toThrow(/out of range/);
    expect(ring.last()).toBeUndefined();
  });
});
