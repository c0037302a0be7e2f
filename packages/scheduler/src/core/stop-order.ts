/**
 * Which job of a (formation, type) to stop first (reference §6.4): jobs that
 * were never placed, then jobs on draining hosts, then the most recently
 * started, a starting job before a running one.
 */
import type { JobView } from './model.js';

/** 0 = unplaced, 1 = on a draining host, 2 = sent to a host / starting, 3 = up. */
function stopClass(job: JobView, draining: (hostId: string) => boolean): number {
  if (job.hostId === undefined) return 0;
  if (draining(job.hostId)) return 1;
  return job.state === 'up' ? 3 : 2;
}

/** Started (or, for jobs not started yet, created) time; newest first. Unknown = newest. */
function age(job: JobView): number {
  return job.startedAt ?? job.createdAt ?? Number.POSITIVE_INFINITY;
}

/**
 * A comparator putting the job to stop first. Ties end on the id, so the
 * order never depends on the input order.
 */
export function stopOrder(draining: (hostId: string) => boolean): (a: JobView, b: JobView) => number {
  return (a, b) => {
    const ca = stopClass(a, draining);
    const cb = stopClass(b, draining);
    if (ca !== cb) return ca - cb;
    const aa = age(a);
    const ab = age(b);
    if (aa !== ab) return aa > ab ? -1 : 1;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  };
}

/** The `count` jobs to stop, in order. Does not modify `jobs`. */
export function chooseJobsToStop(jobs: readonly JobView[], count: number, draining: (hostId: string) => boolean): JobView[] {
  if (count <= 0) return [];
  return [...jobs].sort(stopOrder(draining)).slice(0, count);
}
