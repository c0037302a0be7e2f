/**
 * Builders for scheduler tests and benchmarks: hosts, formations and jobs
 * with sensible defaults, and a synthetic converged cluster.
 */
import { seededRandom } from '@flynn-ts/core';
import { applyActions, settleView } from '../core/apply-actions.js';
import type { ClusterView, Formation, HostView, JobView, ProcessTypeSpec } from '../core/model.js';
import { GiB, MiB } from '../core/model.js';
import { plan } from '../core/plan.js';

export interface HostOptions {
  tags?: Record<string, string>;
  /** GiB. Default 16. */
  memoryGiB?: number;
  /** Milli-CPU. Default 8000. */
  cpu?: number;
  shutdown?: boolean;
  health?: HostView['health'];
}

export function testHost(id: string, o: HostOptions = {}): HostView {
  const h: HostView = { id, tags: o.tags ?? {}, capacity: { memory: (o.memoryGiB ?? 16) * GiB, cpu: o.cpu ?? 8000 } };
  if (o.shutdown !== undefined) h.shutdown = o.shutdown;
  if (o.health !== undefined) h.health = o.health;
  return h;
}

export interface FormationOptions {
  /** Process type specs; every type in `processes` without one gets `{}` (default resources). */
  types?: Record<string, ProcessTypeSpec>;
  tags?: Record<string, Record<string, string>>;
  appMeta?: Record<string, string>;
}

export function testFormation(app: string, release: string, processes: Record<string, number>, o: FormationOptions = {}): Formation {
  const types: Record<string, ProcessTypeSpec> = {};
  for (const t of Object.keys(processes)) types[t] = {};
  Object.assign(types, o.types ?? {});
  const f: Formation = { app, release, processes, types };
  if (o.tags) f.tags = o.tags;
  if (o.appMeta) f.appMeta = o.appMeta;
  return f;
}

export function testJob(id: string, fields: Partial<JobView> & Pick<JobView, 'app' | 'release' | 'type'>): JobView {
  return { id, state: 'up', restarts: 0, resources: { memory: GiB, cpu: 1000 }, ...fields };
}

export interface SyntheticOptions {
  hosts: number;
  /** Jobs to converge to (spread over `formations` formations of one `web` type). */
  jobs: number;
  formations: number;
  seed: number;
  /** Every 4th host gets `disk=ssd`, and every 10th formation asks for it. Default true. */
  tags?: boolean;
}

/**
 * A converged cluster: `hosts` hosts (16–64 GiB, 8–32 CPUs), `formations`
 * formations whose `web` counts add up to about `jobs` (requests 256 MiB to
 * 2 GiB), placed by the planner itself and settled (`up`).
 */
export function syntheticCluster(o: SyntheticOptions): { formations: Formation[]; view: ClusterView } {
  const random = seededRandom(o.seed);
  const tags = o.tags ?? true;
  const hosts: HostView[] = [];
  for (let i = 0; i < o.hosts; i++) {
    const size = 1 << random.int(3); // 1, 2 or 4
    hosts.push(testHost(`host-${String(i).padStart(5, '0')}`, { memoryGiB: 16 * size, cpu: 8000 * size, tags: tags && i % 4 === 0 ? { disk: 'ssd' } : {} }));
  }
  const formations: Formation[] = [];
  const per = Math.max(1, Math.round(o.jobs / o.formations));
  for (let i = 0; i < o.formations; i++) {
    const memory = [256, 512, 1024, 2048][random.int(4)]! * MiB;
    const f = testFormation(`app-${i}`, `release-${i}`, { web: per }, { types: { web: { resources: { memory: { request: memory }, cpu: { request: 250 * (1 + random.int(4)) } } } } });
    if (tags && i % 10 === 9) f.tags = { web: { disk: 'ssd' } };
    formations.push(f);
  }
  const empty: ClusterView = { hosts, jobs: [] };
  const actions = plan(formations, empty, { now: 0, random });
  return { formations, view: settleView(applyActions(empty, actions), 0) };
}
