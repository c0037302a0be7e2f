/**
 * Mutation tests: switch off a safety mechanism and show that the suite
 * notices, and that it stays quiet with the mechanism on.
 *
 * (a) Pre-vote (thesis §9.6): a partitioned node that rejoins must not depose
 *     a healthy leader. Checked through the driver's `preVote` knob.
 * (b) Persist before send (Raft fig. 2, "respond after persisting"): with
 *     `unsafeSendBeforePersist`, disk latency and crashes that lose unsynced
 *     saves, the simulator must report a safety violation for some seed, and
 *     the same seeds must pass with the rule on.
 * (c) The current-term commit rule (Figure 8) is tested in src/core.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '@flynn-ts/core';
import { ManualClock } from '@flynn-ts/core/testing';
import type { KvResult } from './testing/kv-state-machine.js';
import { MemoryNetwork } from './testing/memory-network.js';
import { runSimulation, SimulationError } from './testing/simulator.js';
import type { SimulationOptions } from './testing/simulator.js';
import { SimCluster } from './testing/simulator-cluster.js';
import { SimKvStateMachine } from './testing/simulator-kv.js';
import { SafetyMonitor } from './testing/simulator-safety.js';

interface Disruption {
  termBefore: number;
  /** The isolated node's term just before it rejoins. */
  isolatedTerm: number;
  termAfter: number;
  leaderBefore: string;
  leaderAfter: string | undefined;
  /** The original leader stepped down at some point after the rejoin. */
  deposed: boolean;
  violations: readonly string[];
}

async function rejoinAfterPartition(preVote: boolean, seed: number): Promise<Disruption> {
  const clock = new ManualClock(0);
  const random = seededRandom(seed);
  const network = new MemoryNetwork({ clock, random });
  const monitor = new SafetyMonitor();
  const cluster = new SimCluster<KvResult, SimKvStateMachine>({
    ids: ['n1', 'n2', 'n3'],
    clock,
    random,
    network,
    monitor,
    createStateMachine: () => new SimKvStateMachine(),
    nodeOptions: { preVote, tickMs: 10, electionTicks: 10 },
  });
  await cluster.startAll();
  while (!cluster.leader()) await clock.advanceAsync(10);
  await clock.advanceAsync(200);
  const leader = cluster.leader()!;
  const termBefore = leader.node.status().term;
  const lonely = cluster.members().find((m) => m !== leader)!;
  network.isolate(lonely.id);
  await clock.advanceAsync(2_000); // ten election timeouts and more
  const isolatedTerm = lonely.node.status().term;
  let deposed = false;
  leader.node.onStatusChange((s) => {
    if (s.role !== 'leader') deposed = true;
  });
  network.heal();
  await clock.advanceAsync(1_000);
  const after = cluster.leader();
  const result: Disruption = {
    termBefore,
    isolatedTerm,
    termAfter: after?.node.status().term ?? -1,
    leaderBefore: leader.id,
    leaderAfter: after?.id,
    deposed,
    violations: [...monitor.violations],
  };
  const stopping = cluster.stopAll();
  await clock.advanceAsync(100);
  await stopping;
  return result;
}

describe('mutation (a): pre-vote', () => {
  for (const seed of [1, 2, 3]) {
    it(`without pre-vote a rejoining node inflates the term and deposes the leader (seed ${seed})`, async () => {
      const r = await rejoinAfterPartition(false, seed);
      expect(r.isolatedTerm).toBeGreaterThan(r.termBefore + 5);
      expect(r.deposed).toBe(true);
      expect(r.termAfter).toBeGreaterThan(r.isolatedTerm - 1);
      expect(r.violations).toEqual([]);
    });

    it(`with pre-vote the same rejoin leaves leader and term alone (seed ${seed})`, async () => {
      const r = await rejoinAfterPartition(true, seed);
      expect(r.isolatedTerm).toBe(r.termBefore);
      expect(r.deposed).toBe(false);
      expect(r.leaderAfter).toBe(r.leaderBefore);
      expect(r.termAfter).toBe(r.termBefore);
      expect(r.violations).toEqual([]);
    });
  }
});

/**
 * A crash-heavy profile with slow disks: up to two of three nodes down at
 * once, and crashes often land between a send and the save it depended on.
 * A node that stops on a broken invariant is restarted (as a supervisor
 * would), so the damage can reach the safety properties themselves.
 */
const CRASHY: Omit<SimulationOptions, 'seed'> = {
  steps: 700,
  maxDown: 2,
  storageLatencyMs: [2, 20],
  weights: { crash: 20, restart: 20, partition: 0, isolate: 0, membership: 0, transfer: 0, faults: 0 },
  restartFailedNodes: true,
};

/** Seeds of CRASHY that break a safety property without the rule (found by scanning seeds 1..60: 6 of them do). */
const CRASHY_SEEDS = [9, 43, 53];

const SAFETY = /election safety|state machine safety|leader completeness|acknowledged write lost|acknowledged at index|not linearizable/;

describe('mutation (b): persist before send', () => {
  it('breaking the rule makes the simulator report a safety violation (two leaders in a term, a leader missing a committed entry)', async () => {
    const found: string[] = [];
    for (const seed of CRASHY_SEEDS) {
      const err = await runSimulation({ ...CRASHY, seed, node: { unsafeSendBeforePersist: true } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SimulationError);
      const e = err as SimulationError;
      expect(e.message).toContain(`seed=${seed} step=${e.step}`);
      const problems = e.problems.join('\n');
      if (SAFETY.test(problems)) found.push(`seed ${seed} step ${e.step}: ${problems}`);
    }
    expect(found.length, found.join('\n')).toBeGreaterThan(0);
  });

  it('the same seeds pass with the rule kept', async () => {
    for (const seed of CRASHY_SEEDS) {
      const r = await runSimulation({ ...CRASHY, seed });
      expect(r.linearizable).toBe('ok');
      expect(r.crashes).toBeGreaterThan(50);
    }
  });

  it('breaking the rule makes the regular simulator seeds fail (seeds 3 and 18 of simulator.test.ts)', async () => {
    // The same profile as simulator.test.ts: with the rule kept these seeds pass there.
    for (const seed of [3, 18]) {
      const err = await runSimulation({ seed, nodes: 3, steps: 2000, node: { unsafeSendBeforePersist: true } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SimulationError);
      expect((err as SimulationError).message).toContain(`seed=${seed}`);
    }
  });

  it('without restarting failed nodes, a follower that lost acknowledged entries trips the core invariant', async () => {
    const err = await runSimulation({ ...CRASHY, restartFailedNodes: false, seed: 9, node: { unsafeSendBeforePersist: true } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SimulationError);
    expect((err as SimulationError).problems.join('\n')).toMatch(/tocommit is out of range/);
  });
});
