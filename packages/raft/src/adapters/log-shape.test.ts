import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Entry } from '../core/types.js';
import { LogShape } from './log-shape.js';
import { LogState, batchProblem, compactProblem } from './log-state.js';

type Op = { kind: 'append'; from: number; n: number; term: number } | { kind: 'snapshot'; at: number; term: number } | { kind: 'compact'; at: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('append' as const), from: fc.integer({ min: 1, max: 40 }), n: fc.integer({ min: 1, max: 6 }), term: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('snapshot' as const), at: fc.integer({ min: 1, max: 40 }), term: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('compact' as const), at: fc.integer({ min: 0, max: 40 }) }),
);

const entries = (from: number, n: number, term: number): Entry[] =>
  Array.from({ length: n }, (_, i) => ({ index: from + i, term, type: 'normal' as const, data: new Uint8Array(0) }));

describe('LogShape', () => {
  it('accepts, refuses and answers exactly as the full LogState does', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const full = new LogState();
        const shape = new LogShape();
        for (const o of ops) {
          if (o.kind === 'compact') {
            const p = compactProblem(full, o.at);
            expect(compactProblem(shape, o.at)).toBe(p);
            if (!p) {
              full.compact(o.at);
              shape.compact(o.at);
            }
          } else {
            const batch = o.kind === 'append' ? { entries: entries(o.from, o.n, o.term) } : { mark: { index: o.at, term: o.term }, entries: [] };
            const p = batchProblem(full, batch);
            expect(batchProblem(shape, batch)).toBe(p);
            if (!p) {
              full.apply(batch);
              shape.apply(batch);
            }
          }
          expect(shape.lastKnown()).toBe(full.lastKnown());
          for (let i = 0; i <= 50; i++) expect(shape.termAt(i), `term at ${i}`).toBe(full.termAt(i));
        }
      }),
      { numRuns: 300 },
    );
  });
});
