import { seededRandom } from '@flynn-ts/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LedgerHost } from './host-ledger.js';
import { fits, HostLedger, memoryLoad, reserve } from './host-ledger.js';
import { MinHeap } from './min-heap.js';
import type { HostView, ResourceAmount } from './model.js';
import { MiB } from './model.js';
import { placeSpread } from './placement.js';

/** The obvious O(n · hosts) version: scan every candidate for each job. */
function placeNaive(candidates: LedgerHost[], counts: Map<string, number>, request: ResourceAmount, n: number): string[] {
  const out: string[] = [];
  for (let k = 0; k < n; k++) {
    let best: LedgerHost | undefined;
    for (const h of candidates) {
      if (!fits(h, request)) continue;
      if (best === undefined) {
        best = h;
        continue;
      }
      const key = (x: LedgerHost) => [counts.get(x.id) ?? 0, memoryLoad(x), x.rank] as const;
      const [a, b] = [key(h), key(best)];
      if (a[0] < b[0] || (a[0] === b[0] && (a[1] < b[1] || (a[1] === b[1] && a[2] < b[2])))) best = h;
    }
    if (!best) break;
    reserve(best, request);
    counts.set(best.id, (counts.get(best.id) ?? 0) + 1);
    out.push(best.id);
  }
  return out;
}

const hostsArb = fc.array(
  fc.record({ mem: fc.integer({ min: 0, max: 12 }), cpu: fc.integer({ min: 0, max: 12 }), used: fc.integer({ min: 0, max: 6 }), have: fc.integer({ min: 0, max: 3 }) }),
  { minLength: 1, maxLength: 12 },
);

describe('placeSpread', () => {
  it('chooses exactly what a naive scan chooses', () => {
    fc.assert(
      fc.property(hostsArb, fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 4 }), fc.integer(), (spec, n, size, seed) => {
        const hosts: HostView[] = spec.map((h, i) => ({ id: `h${i}`, tags: {}, capacity: { memory: h.mem * 256 * MiB, cpu: h.cpu * 250 } }));
        const request = { memory: size * 256 * MiB, cpu: size * 250 };
        const build = () => {
          const ledger = new HostLedger({ hosts, jobs: [] }, seededRandom(seed));
          const counts = new Map<string, number>();
          spec.forEach((h, i) => {
            const lh = ledger.get(`h${i}`)!;
            lh.usedMemory = Math.min(h.used, h.mem) * 256 * MiB;
            lh.usedCpu = Math.min(h.used, h.cpu) * 250;
            counts.set(lh.id, h.have);
          });
          return { candidates: [...ledger.hosts], counts };
        };
        const a = build();
        const b = build();
        const fast = placeSpread(a.candidates, a.counts, request, n).placed.map((h) => h.id);
        const naive = placeNaive(b.candidates, b.counts, request, n);
        expect(fast).toEqual(naive);
        expect(a.counts).toEqual(b.counts);
      }),
      { numRuns: 500 },
    );
  });

  it('says which resource is missing when it cannot place them all', () => {
    const hosts: HostView[] = [{ id: 'a', tags: {}, capacity: { memory: 1024 * MiB, cpu: 4000 } }];
    const ledger = new HostLedger({ hosts, jobs: [] }, seededRandom(1));
    const r = placeSpread([...ledger.hosts], new Map(), { memory: 512 * MiB, cpu: 100 }, 3);
    expect(r.placed.map((h) => h.id)).toEqual(['a', 'a']);
    expect(r.reason).toBe('no host has 512 MiB memory free');
  });
});

describe('MinHeap', () => {
  it('pops in order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), fc.array(fc.integer()), (initial, pushed) => {
        const heap = new MinHeap<number>((a, b) => a < b, initial);
        pushed.forEach((x) => heap.push(x));
        const out: number[] = [];
        while (heap.size > 0) out.push(heap.pop()!);
        expect(out).toEqual([...initial, ...pushed].sort((a, b) => a - b));
        expect(heap.pop()).toBeUndefined();
      }),
    );
  });
});
