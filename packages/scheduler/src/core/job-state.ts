/**
 * The scheduler-side job state machine (reference §6.3), as one pure
 * function: `advance(current, observed)`. States only move forward:
 *
 *     pending ─┬─> starting ──> up ──> stopping ──> down
 *     blocked ─┘      │          │                   ^
 *                     └──────────┴───────────────────┘  (host: done / crashed / failed)
 *
 * `pending` and `blocked` are the same step (waiting for placement; the
 * planner moves a job between them). A job is `up` once its host runs it
 * and, if its type has a service, it registered in discovery and every
 * router with a route to the service reported `backend-up` (or the bounded
 * wait for the routers ran out).
 */
import type { JobState } from './model.js';

/** A job's status as the host reports it (reference §2.3 ActiveJob.status). */
export type HostJobStatus = 'starting' | 'running' | 'done' | 'crashed' | 'failed';

export interface JobObservation {
  /** The host's latest status for the job, if it reported one. */
  host?: HostJobStatus;
  /** The scheduler asked for the job to stop. */
  stopRequested?: boolean;
  /** The job's process type has a discoverd service. */
  hasService?: boolean;
  /** The job's instance is registered in discovery. */
  registered?: boolean;
  /** Every router with a route to the service reported `backend-up` for it. */
  routersReady?: boolean;
  /** The bounded wait for the routers (10 s in the original) ran out. */
  routerWaitExpired?: boolean;
}

const RANK: Record<JobState, number> = { pending: 0, blocked: 0, starting: 1, up: 2, stopping: 3, down: 4 };

/** Position in the forward order; `pending` and `blocked` share 0. */
export function jobStateRank(state: JobState): number {
  return RANK[state];
}

/** Whether `from → to` is allowed: forward, or between `pending` and `blocked`. */
export function canTransition(from: JobState, to: JobState): boolean {
  return RANK[to] > RANK[from] || (RANK[to] === 0 && RANK[from] === 0);
}

/** Whether a running job counts as up (see the module doc). */
export function isUp(observed: JobObservation): boolean {
  if (observed.host !== 'running') return false;
  if (observed.hasService !== true) return true;
  return observed.registered === true && (observed.routersReady === true || observed.routerWaitExpired === true);
}

/** The state the observation implies, before the never-backwards rule. */
function implied(current: JobState, o: JobObservation): JobState {
  if (o.host === 'done' || o.host === 'crashed' || o.host === 'failed') return 'down';
  if (o.stopRequested === true) return 'stopping';
  if (o.host === 'running') return isUp(o) ? 'up' : 'starting';
  if (o.host === 'starting') return 'starting';
  return current;
}

/** The job's next state: what the observation implies, unless that would go backwards. */
export function advance(current: JobState, observed: JobObservation): JobState {
  const next = implied(current, observed);
  return RANK[next] > RANK[current] ? next : current;
}
