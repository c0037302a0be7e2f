/**
 * Model test: random sequences of appends (with truncation), hard states,
 * snapshots (matching the log or replacing it), compactions and restarts,
 * applied to FileStorage (with tiny segments, so it rolls and deletes segments
 * all the time) and to MemoryStorage. Both must accept and refuse the same
 * calls and recover the same state after every restart.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FileStorage } from '../src/adapters/file-storage.js';
import type { RaftStorage } from '../src/storage.js';
import { entryAt } from '../src/testing/describe-raft-storage.js';
import { MemoryStorage } from '../src/testing/memory-storage.js';

type Op =
  | { kind: 'append'; back: number; n: number; term: number; sync: boolean }
  | { kind: 'hard-state'; commit: number }
  | { kind: 'snapshot'; back: number; term: number | undefined }
  | { kind: 'compact'; back: number }
  | { kind: 'restart' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('append' as const), back: fc.integer({ min: 0, max: 6 }), n: fc.integer({ min: 1, max: 8 }), term: fc.integer({ min: 1, max: 5 }), sync: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('hard-state' as const), commit: fc.integer({ min: 0, max: 100 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('snapshot' as const), back: fc.integer({ min: -3, max: 8 }), term: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('compact' as const), back: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
);

async function outcome(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'ok',
    (err: unknown) => String((err as { code?: unknown }).code ?? err),
  );
}

describe('FileStorage against MemoryStorage', () => {
  it('accepts, refuses and recovers the same as the model', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 150, size: 'max' }), async (ops) => {
        const dir = await mkdtemp(join(tmpdir(), 'flynn-raft-model-'));
        let file: RaftStorage = await FileStorage.open(dir, { segmentSize: 512 });
        let mem = new MemoryStorage();
        try {
          for (const op of ops) {
            const st = await mem.load();
            const last = st.entries.at(-1)?.index ?? st.snapshot?.meta.index ?? 0;
            const snapIndex = st.snapshot?.meta.index ?? 0;
            const termAt = (i: number): number => st.entries.find((e) => e.index === i)?.term ?? 1;
            let call: (s: RaftStorage) => Promise<void>;
            switch (op.kind) {
              case 'append': {
                const from = Math.max(snapIndex + 1, last + 1 - op.back);
                const ents = Array.from({ length: op.n }, (_, i) => entryAt(from + i, op.term));
                call = (s) => s.save({ entries: ents }, op.sync);
                break;
              }
              case 'hard-state':
                call = (s) => s.setHardState({ term: 1, vote: 'v', commit: op.commit });
                break;
              case 'snapshot': {
                const index = Math.max(1, last - op.back);
                const meta = { index, term: op.term ?? termAt(index), conf: { voters: ['a'], learners: [] } };
                call = (s) => s.saveSnapshot({ meta, data: new Uint8Array([index & 0xff]) });
                break;
              }
              case 'compact':
                call = (s) => s.compact(Math.max(0, snapIndex - op.back));
                break;
              case 'restart':
                await file.close();
                file = await FileStorage.open(dir, { segmentSize: 512 });
                await mem.close();
                mem = mem.crash();
                expect(await file.load()).toEqual(await mem.load());
                continue;
            }
            const [a, b] = [await outcome(call(file)), await outcome(call(mem))];
            expect(a, JSON.stringify(op)).toBe(b);
          }
          await file.close();
          file = await FileStorage.open(dir, { segmentSize: 512 });
          expect(await file.load()).toEqual(await mem.load());
        } finally {
          await file.close();
          await rm(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 60 },
    );
  });
});
