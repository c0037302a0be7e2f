/**
 * The nemesis: every few seconds it finds the raft leader (`GET /raft/leader`)
 * and either kills it with SIGKILL (restarting it on the same data dir after
 * a pause) or freezes it with SIGSTOP (SIGCONT after a pause). One fault at a
 * time, so a quorum always remains once an election is over. Network
 * partitions would need network namespaces, so they are not among its tools.
 */
import type { Random } from '@flynn-ts/core';
import type { Dispatcher } from 'undici';
import type { DaemonCluster, DaemonNode } from './cluster.js';
import { sleep } from './workload.js';

export type NemesisKind = 'kill' | 'pause' | 'no-leader';

export interface NemesisAction {
  /** ms since the nemesis started. */
  at: number;
  kind: NemesisKind;
  node?: string;
  /** How long the node was down or frozen, ms. */
  downMs?: number;
}

export interface NemesisOptions {
  cluster: DaemonCluster;
  dispatcher: Dispatcher;
  random: Random;
  signal: AbortSignal;
  /** Quiet time between faults, ms. */
  intervalMs: readonly [number, number];
  /** How long a killed node stays dead, ms. */
  killMs: readonly [number, number];
  /** How long a frozen node stays stopped, ms. */
  pauseMs: readonly [number, number];
  log?: (line: string) => void;
}

export async function runNemesis(o: NemesisOptions): Promise<NemesisAction[]> {
  const actions: NemesisAction[] = [];
  const t0 = Date.now();
  const log = o.log ?? (() => {});
  while (!o.signal.aborted) {
    await sleep(o.random.between(o.intervalMs[0], o.intervalMs[1]), o.signal);
    if (o.signal.aborted) break;
    const leader = await o.cluster.leader(o.dispatcher);
    if (!leader || leader.state !== 'running') {
      actions.push({ at: Date.now() - t0, kind: 'no-leader' });
      continue;
    }
    const kind: NemesisKind = o.random.chance(0.5) ? 'kill' : 'pause';
    const downMs = kind === 'kill' ? o.random.between(o.killMs[0], o.killMs[1]) : o.random.between(o.pauseMs[0], o.pauseMs[1]);
    actions.push({ at: Date.now() - t0, kind, node: leader.addr, downMs });
    log(`nemesis +${((Date.now() - t0) / 1000).toFixed(1)}s: ${kind} leader ${leader.addr} for ${downMs} ms`);
    // The fault is always healed, even when the run ends meanwhile.
    await (kind === 'kill' ? killAndRestart(o, leader, downMs) : pauseAndResume(leader, downMs));
  }
  await healAll(o.cluster);
  return actions;
}

async function killAndRestart(o: NemesisOptions, node: DaemonNode, downMs: number): Promise<void> {
  await node.kill();
  await sleep(downMs);
  await node.start();
  // Wait until it serves again (bounded), so the next fault does not cost the quorum.
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && !(await o.cluster.isUp(o.dispatcher, node))) await sleep(100);
}

async function pauseAndResume(node: DaemonNode, downMs: number): Promise<void> {
  node.pause();
  await sleep(downMs);
  node.resume();
}

/** Resumes frozen nodes and restarts dead ones. */
export async function healAll(cluster: DaemonCluster): Promise<void> {
  for (const n of cluster.nodes) {
    if (n.state === 'paused') n.resume();
    if (n.state === 'dead') await n.start();
  }
}

export function summarizeNemesis(actions: readonly NemesisAction[]): string {
  const count = (k: NemesisKind) => actions.filter((a) => a.kind === k).length;
  const lines = actions.filter((a) => a.kind !== 'no-leader').map((a) => `  +${(a.at / 1000).toFixed(1)}s ${a.kind} ${a.node} (${a.downMs} ms)`);
  return [`nemesis: ${count('kill')} kill -9 + restart, ${count('pause')} SIGSTOP/SIGCONT, ${count('no-leader')} skipped (no agreed leader)`, ...lines].join('\n');
}
