/**
 * Randomized schedules over a 5-node cluster (plus a sixth node that comes
 * and goes as learner/voter): random ticks, deliveries, message loss,
 * partitions, crashes/restarts, snapshots, proposals, ReadIndex requests,
 * transfers and membership changes, all from a seeded Random. Raft's safety
 * properties (election safety, log matching, leader completeness, state
 * machine safety) are checked after every step, and every read state must be
 * at or above every index applied anywhere when the read was requested
 * (linearizable reads). After healing, the cluster must make progress again
 * (liveness).
 */
import { FlynnError, seededRandom } from '@flynn-ts/core';
import type { Random } from '@flynn-ts/core';
import { describe, expect, it } from 'vitest';
import type { InteractionEnv } from '../testing/interaction-env.js';
import { appliedData, bytes, cluster } from '../testing/interaction-fixtures.js';

const OPTIONS = { heartbeatTick: 2, electionTick: 10, maxInflightMsgs: 4, maxSizePerMsg: 64 };

function leaderOf(env: InteractionEnv): string | undefined {
  const leaders = env.ids().filter((id) => env.node(id).core.role === 'leader');
  // Several nodes may think they lead (in different terms): take the newest.
  return leaders.sort((a, b) => env.node(b).core.term - env.node(a).core.term)[0];
}

/** Runs `fn`, swallowing expected refusals (typed FlynnErrors other than invariant breaks). */
function attempt(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!FlynnError.is(err) || err.code === 'FLYNN_CORE_INVARIANT') throw err;
  }
}

interface Counter {
  n: number;
  /** Read context → the highest index applied anywhere when it was requested. */
  readFloor: Map<string, number>;
}

function step(env: InteractionEnv, rnd: Random, counter: Counter): void {
  const ids = env.ids();
  const id = rnd.pick(ids);
  const r = rnd.next();
  if (r < 0.03) {
    const ctx = `read-${counter.n++}`;
    counter.readFloor.set(ctx, Math.max(...ids.map((x) => env.node(x).appliedIndex)));
    attempt(() => env.node(id).core.readIndex(bytes(ctx)));
  } else if (r < 0.3) env.tick(id, rnd.between(1, 3));
  else if (r < 0.5) {
    env.dropMessages(id, () => rnd.chance(0.1));
    env.deliverMessages(id);
  } else if (r < 0.68) env.processReady(id);
  else if (r < 0.8) attempt(() => env.node(id).core.propose(bytes(`v${counter.n++}`)));
  else if (r < 0.84) {
    if (rnd.chance(0.5)) env.heal();
    else env.partition(rnd.shuffle(ids).slice(0, rnd.between(1, 2)));
  } else if (r < 0.86) env.restart(id);
  else if (r < 0.88) {
    const st = env.node(id).core.status();
    if (st.applied > st.firstIndex) env.snapshot(id, rnd.between(st.firstIndex, st.applied));
  } else if (r < 0.89) {
    const leader = leaderOf(env);
    if (leader) attempt(() => env.node(leader).core.transferLeadership(rnd.pick(ids)));
  } else if (r < 0.9) {
    const leader = leaderOf(env);
    const type = rnd.pick(['add-learner', 'add-voter', 'remove-node'] as const);
    if (leader && leader !== '6') attempt(() => env.node(leader).core.proposeConfChange({ type, node: '6' }));
  } else env.stabilize(ids, 10_000);
}

/** The voters according to the newest leader (removed nodes may still believe they are members). */
function members(env: InteractionEnv): string[] {
  const leader = leaderOf(env);
  return leader ? env.node(leader).core.status().conf.voters : [];
}

function settle(env: InteractionEnv): void {
  env.heal();
  for (let round = 0; round < 200; round++) {
    for (const id of env.ids()) env.tick(id);
    env.stabilize(env.ids(), 10_000);
    const leader = leaderOf(env);
    if (leader && members(env).every((id) => env.node(id).core.leader === leader)) return;
  }
  throw new Error('no stable leader after healing');
}

function run(seed: number, steps: number): InteractionEnv {
  const env = cluster(5, OPTIONS, seed);
  env.addNodes(1, OPTIONS);
  const rnd = seededRandom(seed * 7919 + 1);
  const counter: Counter = { n: 0, readFloor: new Map() };
  env.onReady = (id, rd) => {
    for (const rs of rd.readStates) {
      const ctx = new TextDecoder().decode(rs.context);
      const floor = counter.readFloor.get(ctx) ?? 0;
      if (rs.index < floor) env.safety.violations.push(`linearizable read: ${id} got ${ctx} at ${rs.index}, below ${floor}`);
    }
  };
  for (let i = 0; i < steps; i++) {
    step(env, rnd, counter);
    if (env.safety.violations.length > 0) break;
  }
  return env;
}

describe('randomized schedules', () => {
  for (let seed = 1; seed <= 40; seed++) {
    it(`seed ${seed}: safety holds throughout, and the cluster recovers after healing`, () => {
      const env = run(seed, 600);
      env.safety.checkLogMatching([...env.nodes.values()]);
      expect(env.safety.violations).toEqual([]);

      settle(env);
      let done = false;
      for (let attemptNo = 0; attemptNo < 20 && !done; attemptNo++) {
        attempt(() => env.node(leaderOf(env)!).core.propose(bytes('final')));
        settle(env);
        done = members(env).every((id) => appliedData(env, id).includes('final'));
      }
      expect(done, 'the healed cluster could not commit').toBe(true);
      const reference = appliedData(env, leaderOf(env)!);
      for (const id of members(env)) expect(appliedData(env, id)).toEqual(reference);
      env.safety.checkLogMatching([...env.nodes.values()]);
      expect(env.safety.violations).toEqual([]);
    });
  }
});
