/**
 * The end of a simulation: heal the network, restart every crashed node, bring
 * every node back into the configuration as a voter, let the cluster
 * converge, then check the end state: every node applied the same entries
 * (equal state), every acknowledged write is still applied where it was
 * acknowledged, and the clients' history is linearizable.
 */
import { changeMembership } from './simulator-actions.js';
import { digest } from './simulator-cluster.js';
import type { Simulation } from './simulator.js';

/** Simulated time allowed for convergence after healing. */
const CONVERGE_MS = 60_000;

export async function finishSimulation(sim: Simulation): Promise<'ok' | 'unknown'> {
  sim.network.heal();
  sim.applyBaseFaults();
  sim.trace('  heal all');
  for (const id of sim.cluster.downIds()) {
    const m = await sim.cluster.restart(id);
    sim.trace(`  restart ${m.name}`);
  }
  const deadline = sim.clock.monotonic() + CONVERGE_MS;
  let why: string | undefined = 'not checked';
  let calm = 0;
  while (sim.clock.monotonic() < deadline) {
    await sim.advance(50);
    await sim.checkSafety();
    changeMembership(sim, false);
    why = notConverged(sim);
    calm = why === undefined ? calm + 1 : 0;
    if (calm >= 3) break;
  }
  if (why !== undefined) sim.fail([`no convergence within ${CONVERGE_MS} ms after healing: ${why}`, ...statusLines(sim)]);
  checkEndState(sim);
  return sim.checkLinearizable();
}

/** Why the cluster has not converged yet, or undefined once it has. */
function notConverged(sim: Simulation): string | undefined {
  const leader = sim.cluster.leader();
  if (!leader) return 'no leader';
  const members = sim.cluster.members();
  if (members.length !== sim.ids.length) return `${sim.ids.length - members.length} node(s) down`;
  const ls = leader.node.status();
  const voters = [...ls.conf.voters].sort().join(' ');
  if (voters !== [...sim.ids].sort().join(' ') || ls.conf.learners.length > 0) {
    return `configuration is voters (${voters}) learners (${ls.conf.learners.join(' ')})`;
  }
  if (sim.clients.inFlight > 0) return `${sim.clients.inFlight} client operation(s) in flight`;
  if (sim.confBusy) return 'a membership change is in flight';
  for (const m of members) {
    const s = m.node.status();
    if (s.applied !== ls.commit || s.commit !== ls.commit) {
      return `${m.name} at commit ${s.commit} applied ${s.applied}, leader ${leader.name} at commit ${ls.commit}`;
    }
  }
  return undefined;
}

function checkEndState(sim: Simulation): void {
  const problems: string[] = [];
  const members = sim.cluster.members();
  const first = members[0]!;
  const applied = first.node.status().applied;
  for (const m of members) {
    if (m.sm.state() !== first.sm.state()) {
      problems.push(`${m.name} ended with state ${digest(m.sm)}, ${first.name} with ${digest(first.sm)} (both at applied ${applied})`);
    }
  }
  for (const w of sim.clients.acked) {
    const at = sim.monitor.appliedAt(w.index);
    if (w.index > applied || !at || at.hash !== w.hash) problems.push(`acknowledged write lost: ${w.what} at index ${w.index}`);
  }
  sim.trace(`  converged: applied=${applied} state=${digest(first.sm)} keys=${first.sm.kv.keys().join(',')}`);
  if (problems.length > 0) sim.fail(problems);
}

/** One line per live node: role, term, leader, commit, applied, log end and configuration. */
export function statusLines(sim: Simulation): string[] {
  return sim.cluster.members().map((m) => {
    const s = m.node.status();
    const conf = `voters=(${s.conf.voters.join(' ')}) learners=(${s.conf.learners.join(' ')})`;
    return `${m.name}: ${s.role} term=${s.term} leader=${s.leader || '-'} commit=${s.commit} applied=${s.applied} last=${s.lastIndex} ${conf}`;
  });
}
