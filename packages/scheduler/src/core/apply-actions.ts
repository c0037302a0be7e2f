/**
 * What the cluster view looks like once a plan's actions were carried out
 * (before any host reported back): started jobs are `pending` on their host,
 * stopped ones `stopping` (or `down` if never placed), blocked ones
 * `blocked`, lost ones `down`. The executor uses it to update its view
 * optimistically; tests use it to check a plan's effect.
 */
import type { Action, ClusterView, JobView } from './model.js';

export function applyActions(view: ClusterView, actions: readonly Action[]): ClusterView {
  const jobs = new Map<string, JobView>();
  for (const job of view.jobs) jobs.set(job.id, job);
  const update = (id: string, f: (j: JobView) => JobView) => {
    const job = jobs.get(id);
    if (job) jobs.set(id, f(job));
  };
  for (const a of actions) {
    switch (a.kind) {
      case 'start':
        jobs.set(a.job.id, { ...a.job, state: 'pending', hostId: a.hostId });
        break;
      case 'stop':
        update(a.jobId, (j) => ({ ...j, state: j.hostId === undefined ? 'down' : 'stopping' }));
        break;
      case 'block':
        for (const j of a.jobs) {
          const { hostId: _drop, ...rest } = j;
          jobs.set(j.id, { ...rest, state: 'blocked' });
        }
        break;
      case 'lost':
        update(a.jobId, (j) => ({ ...j, state: 'down' }));
        break;
      case 'refuse':
        break;
    }
  }
  return { hosts: view.hosts, jobs: [...jobs.values()] };
}

/**
 * The view once every host caught up: `pending` jobs on a host are `up`
 * (with `startedAt = now` when unset), `stopping` and `down` jobs are gone.
 * A simulation helper for tests and benchmarks.
 */
export function settleView(view: ClusterView, now: number): ClusterView {
  const jobs: JobView[] = [];
  for (const j of view.jobs) {
    if (j.state === 'stopping' || j.state === 'down') continue;
    if ((j.state === 'pending' || j.state === 'starting') && j.hostId !== undefined) jobs.push({ ...j, state: 'up', startedAt: j.startedAt ?? now });
    else jobs.push(j);
  }
  return { hosts: view.hosts, jobs };
}
