/**
 * The simulator's random actions. Each draws what it needs from the run's one
 * seeded `Random` and writes what it did to the trace. Actions that cannot
 * apply right now (no leader, nothing down, too many down) do nothing.
 */
import type { NodeId } from '../core/types.js';
import { describeError } from './simulator-safety.js';
import type { Simulation } from './simulator.js';

export type ActionKind =
  | 'op'
  | 'advance'
  | 'partition'
  | 'isolate'
  | 'heal'
  | 'faults'
  | 'crash'
  | 'restart'
  | 'membership'
  | 'transfer';

export const DEFAULT_WEIGHTS: Record<ActionKind, number> = {
  op: 60,
  advance: 6,
  partition: 2,
  isolate: 2,
  heal: 5,
  faults: 3,
  crash: 2,
  restart: 4,
  membership: 2,
  transfer: 1,
};

type Action = (sim: Simulation) => Promise<void> | void;

export const ACTIONS: Record<ActionKind, Action> = {
  op: (sim) => {
    sim.clients.issue();
  },
  advance: async (sim) => {
    const ms = sim.random.between(20, 400);
    sim.trace(`  advance ${ms} ms`);
    await sim.advance(ms);
  },
  partition: (sim) => {
    const order = sim.random.shuffle(sim.ids);
    const cut = sim.random.between(1, order.length - 1);
    const a = order.slice(0, cut).sort();
    const b = order.slice(cut).sort();
    sim.network.partition(a, b);
    sim.trace(`  partition [${a.join(' ')}] [${b.join(' ')}]`);
  },
  isolate: (sim) => {
    const id = sim.random.pick(sim.ids);
    sim.network.isolate(id);
    sim.trace(`  isolate ${id}`);
  },
  heal: (sim) => {
    sim.network.heal();
    sim.applyBaseFaults();
    sim.trace('  heal');
  },
  faults: (sim) => {
    const r = sim.random;
    const link = r.chance(0.5) ? {} : { from: r.pick(sim.ids), to: r.pick(sim.ids) };
    const where = 'from' in link ? `${link.from}->${link.to}` : 'all';
    switch (r.int(4)) {
      case 0: {
        const rate = r.int(31) / 100;
        sim.network.drop(rate, link);
        return sim.trace(`  drop ${rate} ${where}`);
      }
      case 1: {
        const rate = r.int(21) / 100;
        sim.network.duplicate(rate, link);
        return sim.trace(`  duplicate ${rate} ${where}`);
      }
      case 2: {
        const rate = r.int(31) / 100;
        sim.network.reorder(rate, link);
        return sim.trace(`  reorder ${rate} ${where}`);
      }
      default: {
        // At least 1 ms: a zero-delay link lets a request/response loop spin
        // forever at one instant, where no check could ever see it.
        const max = r.between(1, 40);
        sim.network.delay(1, max, link);
        return sim.trace(`  delay 1..${max} ms ${where}`);
      }
    }
  },
  crash: (sim) => {
    const live = sim.cluster.members();
    if (sim.cluster.downIds().length >= sim.maxDown || live.length === 0) return;
    const m = sim.random.pick(live);
    sim.cluster.crash(m.id, sim.crashKind);
    sim.crashes++;
    sim.trace(`  crash ${m.name} (${sim.crashKind})`);
  },
  restart: async (sim) => {
    const down = sim.cluster.downIds();
    if (down.length === 0) return;
    const m = await sim.cluster.restart(sim.random.pick(down));
    sim.trace(`  restart ${m.name}`);
  },
  membership: (sim) => changeMembership(sim, true),
  transfer: (sim) => {
    const leader = sim.cluster.leader();
    if (!leader || sim.confBusy) return;
    const voters = leader.node.status().conf.voters.filter((id) => id !== leader.id);
    if (voters.length === 0) return;
    const to = sim.random.pick(voters);
    sim.trace(`  transfer ${leader.name} -> ${to}`);
    track(sim, `transfer to ${to}`, leader.node.transferLeadership(to, { timeoutMs: 1_000 }));
  },
};

/**
 * One membership move from the leader's configuration: promote a learner,
 * re-add a removed node as a learner, or (when `remove`) remove a random
 * voter. A removed node keeps running on its storage and comes back as a
 * learner; a node's data is never wiped while a configuration may still
 * count its vote (that needs a new node id).
 */
export function changeMembership(sim: Simulation, remove: boolean): void {
  const leader = sim.cluster.leader();
  if (!leader || sim.confBusy) return;
  const conf = leader.node.status().conf;
  const learner = conf.learners[0];
  if (learner !== undefined) {
    sim.trace(`  promote ${learner} (leader ${leader.name})`);
    track(sim, `promote ${learner}`, leader.node.addVoter(learner));
    return;
  }
  const missing = sim.ids.find((id: NodeId) => !conf.voters.includes(id));
  if (missing !== undefined) {
    sim.trace(`  add learner ${missing} (leader ${leader.name})`);
    track(sim, `add learner ${missing}`, leader.node.addLearner(missing));
    return;
  }
  if (!remove) return;
  const victim = sim.random.chance(0.1) ? leader.id : sim.random.pick(conf.voters.filter((id) => id !== leader.id));
  sim.trace(`  remove ${victim} (leader ${leader.name})`);
  track(sim, `remove ${victim}`, leader.node.removeNode(victim));
}

function track(sim: Simulation, what: string, p: Promise<unknown>): void {
  sim.confBusy = true;
  p.then(
    () => sim.trace(`  done ${what}`),
    (err: unknown) => sim.trace(`  failed ${what}: ${describeError(err)}`),
  ).finally(() => (sim.confBusy = false));
}
