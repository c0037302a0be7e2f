// The seeded simulator over real RaftNode drivers (MemoryNetwork + MemoryStorage
// with crashes + ManualClock): safety invariants after every step, and the
// client history checked linearizable at the end. A failure names its seed and
// step; `RAFT_SEED=<n>` replays one, `RAFT_SEEDS=<n>` runs seeds 1..n (long
// runs), `RAFT_STEPS=<n>` changes the steps per run.
import { afterEach, describe, expect, it } from 'vitest';
import { runSimulation, SimulationError } from './simulator.js';

function seedList(defaults: number[]): number[] {
  if (process.env.RAFT_SEED) return [Number(process.env.RAFT_SEED)];
  if (process.env.RAFT_SEEDS) return Array.from({ length: Number(process.env.RAFT_SEEDS) }, (_, i) => i + 1);
  return defaults;
}

// A simulation runs on microtasks only; give the event loop one turn between
// runs so vitest's worker RPC is not starved in long RAFT_SEEDS runs. (Nothing
// of a run is pending by then, so this cannot change any result.)
afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));

const steps = (n: number): number => Number(process.env.RAFT_STEPS ?? n);
const THREE = seedList(Array.from({ length: 20 }, (_, i) => i + 1));
const FIVE = seedList(Array.from({ length: 10 }, (_, i) => 101 + i));

describe('raft simulator, 3 nodes', () => {
  it.each(THREE)('seed %i keeps every safety invariant and a linearizable history', async (seed) => {
    const r = await runSimulation({ seed, nodes: 3, steps: steps(3000) });
    expect(r.linearizable).not.toBe('illegal');
    expect(r.ackedWrites).toBeGreaterThan(0);
    expect(r.crashes).toBeGreaterThan(0);
  }, 300_000);
});

describe('raft simulator, 5 nodes', () => {
  it.each(FIVE)('seed %i keeps every safety invariant and a linearizable history', async (seed) => {
    const r = await runSimulation({ seed, nodes: 5, steps: steps(2500) });
    expect(r.linearizable).not.toBe('illegal');
    expect(r.ackedWrites).toBeGreaterThan(0);
    expect(r.crashes).toBeGreaterThan(0);
  }, 300_000);
});

describe('raft simulator determinism', () => {
  it('replays a seed exactly (same trace hash)', async () => {
    const a = await runSimulation({ seed: 7, nodes: 3, steps: 800 });
    const b = await runSimulation({ seed: 7, nodes: 3, steps: 800 });
    expect(b.traceHash).toBe(a.traceHash);
    expect(b).toEqual(a);
    const c = await runSimulation({ seed: 8, nodes: 3, steps: 800 });
    expect(c.traceHash).not.toBe(a.traceHash);
  }, 120_000);

  it('a failure names its seed and step, shows the trace tail and replays identically', async () => {
    // Breaking persist-before-send makes this seed fail (see mutation.test.ts).
    const options = { seed: 3, nodes: 3, steps: 2000, traceTail: 20, node: { unsafeSendBeforePersist: true } };
    const first = await runSimulation(options).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(SimulationError);
    const e = first as SimulationError;
    expect(e.message).toMatch(new RegExp(`^raft simulation failed: seed=3 step=${e.step}\\n`));
    expect(e.message).toContain('replay: runSimulation({"seed":3,');
    expect(e.trace).toHaveLength(20);
    const again = (await runSimulation(options).catch((err: unknown) => err)) as SimulationError;
    expect(again.message).toBe(e.message);
  }, 120_000);
});
