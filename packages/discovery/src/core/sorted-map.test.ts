import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InstanceMap } from './instance-map.js';
import { compareStrings, SortedMap } from './sorted-map.js';
import type { Instance } from './types.js';

type Op = { kind: 'set'; k: number; v: number } | { kind: 'delete'; k: number };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), k: fc.integer({ min: 0, max: 60 }), v: fc.integer() }),
  fc.record({ kind: fc.constant('delete' as const), k: fc.integer({ min: 0, max: 60 }) }),
);

/** Depth of the deepest path: an AVL tree of n nodes is at most 1.44·log2(n + 2). */
function depth(m: SortedMap<number, number>): number {
  const root = (m as unknown as { root: { l?: unknown; r?: unknown } | undefined }).root;
  const d = (n: { l?: unknown; r?: unknown } | undefined): number => (n ? 1 + Math.max(d(n.l as never), d(n.r as never)) : 0);
  return d(root);
}

describe('SortedMap', () => {
  it('behaves like a Map with sorted iteration, and every earlier version stays unchanged (vs a naive model)', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        let m = SortedMap.empty<number, number>((a, b) => a - b);
        const model = new Map<number, number>();
        const versions: Array<[SortedMap<number, number>, Array<[number, number]>]> = [];
        for (const o of ops) {
          if (o.kind === 'set') {
            m = m.set(o.k, o.v);
            model.set(o.k, o.v);
          } else {
            const before = m;
            m = m.delete(o.k);
            if (!model.has(o.k)) expect(m).toBe(before); // nothing to delete: same map
            model.delete(o.k);
          }
          const expected = [...model].sort((a, b) => a[0] - b[0]);
          versions.push([m, expected]);
          expect(m.size).toBe(model.size);
          expect(m.get(o.k)).toBe(model.get(o.k));
          expect(m.has(o.k)).toBe(model.has(o.k));
          expect(m.first()).toEqual(expected[0]);
        }
        for (const [v, expected] of versions) expect([...v]).toEqual(expected);
        expect(depth(m)).toBeLessThanOrEqual(Math.ceil(1.45 * Math.log2(m.size + 2)));
      }),
    );
  });

  it('stays balanced under sorted inserts and deletes from the front', () => {
    let m = SortedMap.empty<number, number>((a, b) => a - b);
    for (let i = 0; i < 4096; i++) m = m.set(i, i);
    expect(depth(m)).toBeLessThanOrEqual(13);
    for (let i = 0; i < 4000; i++) m = m.delete(i);
    expect([...m.keys()]).toEqual(Array.from({ length: 96 }, (_, i) => 4000 + i));
    expect(depth(m)).toBeLessThanOrEqual(8);
  });

  it('is a ReadonlyMap: keys, values, forEach, toStringTag', () => {
    const m = SortedMap.of(compareStrings, [
      ['b', 2],
      ['a', 1],
      ['c', 3],
    ]);
    expect([...m.keys()]).toEqual(['a', 'b', 'c']);
    expect([...m.values()]).toEqual([1, 2, 3]);
    const seen: string[] = [];
    m.forEach((v, k) => seen.push(`${k}${v}`));
    expect(seen).toEqual(['a1', 'b2', 'c3']);
    expect(Object.prototype.toString.call(m)).toBe('[object SortedMap]');
    expect(new Map(m).get('b')).toBe(2);
  });
});

const instance = (id: string, index: number, meta?: Record<string, string>): Instance =>
  meta ? { id, addr: `10.0.0.1:${index}`, proto: 'tcp', meta, index } : { id, addr: `10.0.0.1:${index}`, proto: 'tcp', index };

describe('InstanceMap', () => {
  it('keeps the oldest instance and index order through adds, updates and removals (vs a naive scan)', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), id: fc.constantFrom('a', 'b', 'c', 'd', 'e'), index: fc.integer({ min: 1, max: 20 }), v: fc.constantFrom('1', '2') }),
      fc.record({ kind: fc.constant('delete' as const), id: fc.constantFrom('a', 'b', 'c', 'd', 'e') }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 100 }), (steps) => {
        let m = InstanceMap.EMPTY;
        const model = new Map<string, Instance>();
        for (const s of steps) {
          if (s.kind === 'set') {
            const i = instance(s.id, s.index, { v: s.v });
            m = m.set(i);
            model.set(s.id, i);
          } else {
            m = m.delete(s.id);
            model.delete(s.id);
          }
          const sorted = [...model.values()].sort((x, y) => x.index - y.index || (x.id < y.id ? -1 : 1));
          expect(m.sorted()).toEqual(sorted);
          expect([...m.values()]).toEqual(sorted);
          expect([...m.keys()]).toEqual(sorted.map((i) => i.id));
          expect(m.oldest()).toEqual(sorted[0]);
          expect(m.size).toBe(model.size);
          for (const id of ['a', 'b', 'c', 'd', 'e']) expect(m.get(id)).toEqual(model.get(id));
        }
      }),
    );
  });

  it('from() keeps an InstanceMap and converts a plain Map', () => {
    const m = InstanceMap.of([instance('b', 2), instance('a', 1)]);
    expect(InstanceMap.from(m)).toBe(m);
    const plain = new Map([['x', instance('x', 5)]]);
    expect(InstanceMap.from(plain).oldest()?.id).toBe('x');
    expect(Object.isFrozen(m.sorted())).toBe(true);
  });
});
