import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RingBuffer } from './ring-buffer.js';

type Op = { kind: 'push'; v: number } | { kind: 'insert'; at: number; v: number };

/** The naive model: an array, trimmed from the front. */
function applyModel(model: number[], op: Op, capacity: number): { stored: boolean; evicted?: number } {
  const at = op.kind === 'push' ? model.length : Math.min(op.at, model.length);
  if (model.length === capacity && at === 0) return { stored: false };
  model.splice(at, 0, op.v);
  if (model.length > capacity) return { stored: true, evicted: model.shift()! };
  return { stored: true };
}

const opArb = fc.oneof(
  fc.record({ kind: fc.constant('push' as const), v: fc.integer() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat({ max: 40 }), v: fc.integer() }),
);

describe('RingBuffer', () => {
  it('behaves like an array trimmed to capacity from the front (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(opArb, { maxLength: 200 }), (capacity, ops) => {
        const ring = new RingBuffer<number>(capacity);
        const model: number[] = [];
        for (const op of ops) {
          const expected = applyModel(model, op, capacity);
          const got = op.kind === 'push' ? ring.push(op.v) : ring.insert(Math.min(op.at, ring.length), op.v);
          expect(got).toEqual(expected);
          expect(ring.length).toBe(model.length);
          expect(ring.toArray()).toEqual(model);
          expect(ring.last()).toBe(model[model.length - 1]);
        }
        const from = Math.floor(model.length / 2);
        expect(ring.toArray(from)).toEqual(model.slice(from));
      }),
    );
  });

  it('upperBound finds where a value goes in a sorted buffer, after its equals (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 30 }), fc.integer({ min: -1, max: 21 }), (values, probe) => {
        const sorted = [...values].sort((a, b) => a - b);
        const ring = new RingBuffer<number>(Math.max(1, sorted.length));
        for (const v of sorted) ring.push(v);
        const expected = sorted.filter((v) => v <= probe).length;
        expect(ring.upperBound(probe, (a, b) => a - b)).toBe(expected);
      }),
    );
  });

  it('rejects bad capacities and indexes', () => {
    expect(() => new RingBuffer(0)).toThrow(/capacity/);
    const ring = new RingBuffer<number>(2);
    expect(() => ring.at(0)).toThrow(/out of range/);
    expect(() => ring.insert(1, 5)).toThrow(/out of range/);
  });
});
