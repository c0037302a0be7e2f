/**
 * Restart policy (reference §6.4): a formation job that goes down is
 * replaced by a new job (new id) with `restarts + 1`, not started before
 * `now + backoff`. Backoff is 0 while the count is under 5, 10 s under 15,
 * 30 s after; the count starts over when the job had run for more than
 * 5 minutes. One-off jobs and jobs the scheduler was stopping are not
 * restarted. Whether the formation still wants the job is the planner's
 * business: an unwanted pending replacement is the first job it stops.
 */
import type { Random } from '@flynn-ts/core';
import { newJobId } from './job-id.js';
import type { ClusterView, JobView } from './model.js';

/** A job that ran at least this long restarts with a fresh count. */
export const RESTART_RESET_AFTER_MS = 5 * 60_000;

/** The delay before restart number `restarts + 1`, in ms. */
export function restartBackoff(restarts: number): number {
  if (restarts < 5) return 0;
  if (restarts < 15) return 10_000;
  return 30_000;
}

export type RestartDecision =
  | { restart: true; job: JobView; delayMs: number }
  | { restart: false; reason: 'one-off' | 'stopped' };

export interface RestartOptions {
  now: number;
  random: Random;
}

/**
 * The replacement for `job`, which just went down; `job.state` is the state
 * it had before (so `stopping` means the scheduler stopped it).
 */
export function restartFor(job: JobView, opts: RestartOptions): RestartDecision {
  if (job.oneOff === true) return { restart: false, reason: 'one-off' };
  if (job.state === 'stopping' || job.state === 'down') return { restart: false, reason: 'stopped' };
  const ranLong = job.startedAt !== undefined && opts.now - job.startedAt > RESTART_RESET_AFTER_MS;
  const restarts = ranLong ? 0 : job.restarts;
  const delayMs = restartBackoff(restarts);
  return {
    restart: true,
    delayMs,
    job: {
      id: newJobId(opts.random),
      app: job.app,
      release: job.release,
      type: job.type,
      state: 'pending',
      restarts: restarts + 1,
      runAt: opts.now + delayMs,
      createdAt: opts.now,
      resources: { ...job.resources },
    },
  };
}

/**
 * When the driver should plan again for restarts still backing off: the
 * earliest `runAt` after `now` of an unplaced pending job, if any.
 */
export function nextRunAt(view: ClusterView, now: number): number | undefined {
  let next: number | undefined;
  for (const j of view.jobs) {
    if (j.state !== 'pending' || j.hostId !== undefined || j.runAt === undefined || j.runAt <= now) continue;
    if (next === undefined || j.runAt < next) next = j.runAt;
  }
  return next;
}
