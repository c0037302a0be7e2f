/**
 * Planner throughput on a synthetic cluster: 1,000 hosts (16–64 GiB,
 * 8–32 CPUs, a quarter tagged `disk=ssd`) running ~10,000 jobs of 200
 * formations (256 MiB–2 GiB requests, every 10th formation tag-constrained),
 * then a scale request asking for 1,000 more jobs.
 *
 * Figures (medians of REPS timed runs after WARMUP runs, each with a fresh
 * seeded Random; one process, no I/O):
 * - `scale_decisions_per_s`: actions per second of `plan()` for a new
 *   formation `web=1000` (1,000 placements against the 10k-job ledger);
 * - `scale_existing_decisions_per_s`: the same for +1,000 jobs of an
 *   existing formation (spread against its running replicas);
 * - `scale_plan_ms`, `steady_plan_ms`: wall time of one such plan, and of a
 *   plan that finds nothing to do (the cost of every reconcile tick);
 *   `*_cpu_ms` / `*_per_cpu_s`: the same in CPU time of this process, which
 *   moves less than wall time when other work shares the machine;
 * - `cold_10k_plan_ms`: placing all ~10k jobs on the empty cluster in one plan.
 *
 *   npm run bench -w @flynn-ts/scheduler        (REPS=30 WARMUP=5 to change)
 *
 * Prints progress on stderr and one JSON line last.
 */
import { seededRandom } from '@flynn-ts/core';
import type { Action, ClusterView, Formation } from '@flynn-ts/scheduler';
import { plan } from '@flynn-ts/scheduler';
import { syntheticCluster } from '@flynn-ts/scheduler/testing';

const REPS = Number(process.env.REPS ?? 20);
const WARMUP = Number(process.env.WARMUP ?? 5);
const HOSTS = Number(process.env.HOSTS ?? 1000);
const JOBS = Number(process.env.JOBS ?? 10_000);
const SCALE = Number(process.env.SCALE ?? 1000);
const NOW = 1_700_000_000_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Median wall time and CPU time (user + system of this process) of one plan, ms. */
function time(label: string, desired: Formation[], view: ClusterView): { ms: number; cpuMs: number; actions: number } {
  const wall: number[] = [];
  const cpu: number[] = [];
  let actions: Action[] = [];
  for (let i = 0; i < WARMUP + REPS; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    actions = plan(desired, view, { now: NOW, random: seededRandom(1000 + i) });
    const dt = performance.now() - t0;
    const dc = process.cpuUsage(c0);
    if (i >= WARMUP) {
      wall.push(dt);
      cpu.push((dc.user + dc.system) / 1000);
    }
  }
  const ms = median(wall);
  const cpuMs = median(cpu);
  process.stderr.write(`${label}: ${actions.length} actions, median ${round(ms)} ms wall (min ${round(Math.min(...wall))}, max ${round(Math.max(...wall))}), ${round(cpuMs)} ms CPU\n`);
  return { ms, cpuMs, actions: actions.length };
}

function main(): void {
  const t0 = performance.now();
  const { formations, view } = syntheticCluster({ hosts: HOSTS, jobs: JOBS, formations: 200, seed: 42 });
  const coldMs = performance.now() - t0;
  process.stderr.write(`synthetic cluster: ${view.hosts.length} hosts, ${view.jobs.length} jobs placed in one plan (${round(coldMs)} ms incl. setup)\n`);

  const steady = time('steady state (nothing to do)', formations, view);
  if (steady.actions !== 0) throw new Error(`expected a converged cluster, got ${steady.actions} actions`);

  const fresh: Formation = { app: 'bench-app', release: 'bench-release', processes: { web: SCALE }, types: { web: { resources: { memory: { request: 512 * 1024 * 1024 }, cpu: { request: 250 } } } } };
  const scaleNew = time(`scale request: new formation web=${SCALE}`, [...formations, fresh], view);

  const grown = formations.map((f, i) => (i === 0 ? { ...f, processes: { web: (f.processes.web ?? 0) + SCALE } } : f));
  const scaleExisting = time(`scale request: existing formation +${SCALE}`, grown, view);

  const figures = {
    scale_decisions_per_s: Math.round(scaleNew.actions / (scaleNew.ms / 1000)),
    scale_decisions_per_cpu_s: Math.round(scaleNew.actions / (scaleNew.cpuMs / 1000)),
    scale_existing_decisions_per_s: Math.round(scaleExisting.actions / (scaleExisting.ms / 1000)),
    scale_plan_ms: round(scaleNew.ms),
    scale_plan_cpu_ms: round(scaleNew.cpuMs),
    scale_existing_plan_ms: round(scaleExisting.ms),
    steady_plan_ms: round(steady.ms),
    steady_plan_cpu_ms: round(steady.cpuMs),
    cold_10k_plan_ms: round(coldMs),
    hosts: view.hosts.length,
    jobs: view.jobs.length,
    scale_actions: scaleNew.actions,
  };
  console.log(JSON.stringify({ bench: 'scheduler-planner', figures, peers: {}, ratios: {} }));
}

main();
