import fc from 'fast-check';
import { InvariantError } from '@flynn-ts/core';
import { describe, expect, it } from 'vitest';
import { Inflights } from './inflights.js';

describe('Inflights', () => {
  it('fills up by count and frees up to an index', () => {
    const inf = new Inflights(3);
    inf.add(1, 10);
    inf.add(3, 10);
    expect(inf.full()).toBe(false);
    inf.add(5, 10);
    expect(inf.full()).toBe(true);
    expect(() => inf.add(6, 1)).toThrow(InvariantError);
    inf.freeLE(3);
    expect(inf.count()).toBe(1);
    expect(inf.bytes()).toBe(10);
    inf.add(7, 1);
    inf.add(9, 1);
    expect(inf.full()).toBe(true);
    inf.freeLE(100);
    expect(inf.count()).toBe(0);
    expect(inf.bytes()).toBe(0);
  });

  it('fills up by bytes', () => {
    const inf = new Inflights(10, 100);
    inf.add(1, 60);
    expect(inf.full()).toBe(false);
    inf.add(2, 40);
    expect(inf.full()).toBe(true);
    inf.freeLE(1);
    expect(inf.full()).toBe(false);
  });

  it('rejects non-increasing indexes', () => {
    const inf = new Inflights(4);
    inf.add(5, 1);
    expect(() => inf.add(5, 1)).toThrow(InvariantError);
  });

  it('behaves like a queue (model-based)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.oneof(fc.record({ add: fc.nat(50) }), fc.record({ free: fc.nat(20) })), { maxLength: 60 }),
        (size, ops) => {
          const inf = new Inflights(size, 120);
          const model: { index: number; bytes: number }[] = [];
          let next = 1;
          for (const op of ops) {
            if ('add' in op) {
              if (inf.full()) continue;
              inf.add(next, op.add);
              model.push({ index: next, bytes: op.add });
              next += 1 + (op.add % 3);
            } else {
              const to = next - 1 - op.free;
              inf.freeLE(to);
              while (model.length > 0 && model[0]!.index <= to) model.shift();
            }
            const bytes = model.reduce((n, x) => n + x.bytes, 0);
            expect(inf.count()).toBe(model.length);
            expect(inf.bytes()).toBe(bytes);
            expect(inf.full()).toBe(model.length === size || bytes >= 120);
          }
        },
      ),
    );
  });
});
