// The seeded simulator over real RaftNode drivers (MemoryNetwork + MemoryStorage
// with crashes + ManualClock): safety invariants after every step, and the
// client history checked linearizable at the end. A failure names its seed;
// `RAFT_SEED=<n>` replays one, `RAFT_SEEDS=<n>` runs seeds 1..n (long runs).
import { describe, expect, it } from 'vitest';
import { runSimulation } from './simulator.js';

function seedList(defaults: number[]): number[] {
  if (process.env.RAFT_SEED) return [Number(process.env.RAFT_SEED)];
  if (process.env.RAFT_SEEDS) return Array.from({ length: Number(process.env.RAFT_SEEDS) }, (_, i) => i + 1);
  return defaults;
}

const THREE = seedList(Array.from({ length: 20 }, (_, i) => i + 1));
const FIVE = seedList(Array.from({ length: 10 }, (_, i) => 101 + i));

describe('raft simulator, 3 nodes', () => {
  it.each(THREE)('seed %i keeps every safety invariant and a linearizable history', async (seed) => {
    const r = await runSimulation({ seed, nodes: 3, steps: 2000 });
    expect(r.linearizable).not.toBe('illegal');
    expect(r.ackedWrites).toBeGreaterThan(0);
  }, 120_000);
});

describe('raft simulator, 5 nodes', () => {
  it.each(FIVE)('seed %i keeps every safety invariant and a linearizable history', async (seed) => {
    const r = await runSimulation({ seed, nodes: 5, steps: 1500 });
    expect(r.linearizable).not.toBe('illegal');
    expect(r.ackedWrites).toBeGreaterThan(0);
  }, 120_000);
});

describe('raft simulator determinism', () => {
  it('replays a seed exactly (same trace hash)', async () => {
    const a = await runSimulation({ seed: 7, nodes: 3, steps: 800 });
    const b = await runSimulation({ seed: 7, nodes: 3, steps: 800 });
    expect(b.traceHash).toBe(a.traceHash);
    expect(b.appliedIndex).toBe(a.appliedIndex);
    const c = await runSimulation({ seed: 8, nodes: 3, steps: 800 });
    expect(c.traceHash).not.toBe(a.traceHash);
  }, 120_000);
});
