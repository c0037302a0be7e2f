/**
 * Deterministic data shared by the crash test (file-storage.int.test.ts) and its
 * child process (file-storage-crash-child.ts): both sides can rebuild any entry
 * from its index and compare byte for byte.
 */
import type { Entry, Snapshot } from '../src/core/types.js';

/** Small segments, so the crash test rolls and compacts often. */
export const CRASH_SEGMENT_SIZE = 16 * 1024;

/** Every this many batches the child saves a snapshot and compacts. */
export const CRASH_SNAPSHOT_EVERY = 120;

function bytesFor(seed: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function crashEntry(index: number): Entry {
  return { index, term: 1 + Math.floor(index / 700), type: index % 97 === 0 ? 'conf-change' : 'normal', data: bytesFor(index, (index * 7919) % 300) };
}

/** How many entries batch number `n` (from 0) carries: 1 to 7. */
export function crashBatchSize(n: number): number {
  return 1 + (n % 7);
}

export function crashSnapshot(index: number): Snapshot {
  return { meta: { index, term: crashEntry(index).term, conf: { voters: ['n1', 'n2', 'n3'], learners: [] } }, data: bytesFor(-index, 1000) };
}
