/**
 * The job state machine (reference §2.3), pure: a transition takes the
 * current `ActiveJob` and an input and returns the next `ActiveJob` with the
 * event to publish, or `undefined` when the input does not apply in that
 * status (as the original ignores e.g. an exit reported for a failed job).
 *
 *            started                exited(0)
 *   starting ───────▶ running ───────────────▶ done
 *      │  │                 │ exited(≠0) / lost
 *      │  │                 └────────────────▶ crashed
 *      │  └── stopped before start ──────────▶ done (exit 0, force_stop)
 *      └── failed / lost ────────────────────▶ failed (error)
 *
 * Events: started → `start`; exited/lost from running → `stop`; failed → `error`.
 */
import type { ActiveJob, HostEventType, Job, JobStatus } from '../../types.js';

export type JobInput =
  | { kind: 'started'; at: number; pid?: number; internalIp?: string }
  | { kind: 'exited'; at: number; exitStatus: number }
  | { kind: 'failed'; at: number; error: string }
  /** The container vanished (daemon restart found nothing, host rebooted). */
  | { kind: 'lost'; at: number; error: string }
  /** A stop requested before the container started. */
  | { kind: 'force-stop' }
  /** The job as it will run (env and ports resolved), before `started`. */
  | { kind: 'resolved'; job: Job; internalIp?: string };

export interface JobTransition {
  job: ActiveJob;
  event?: HostEventType;
}

export const TERMINAL: ReadonlySet<JobStatus> = new Set(['done', 'crashed', 'failed']);

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL.has(status);
}

export function isActive(status: JobStatus): boolean {
  return status === 'starting' || status === 'running';
}

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

/** A new job in `starting`; publish `create`. */
export function createActiveJob(job: Job, hostId: string, at: number): JobTransition {
  return { job: { job, host_id: hostId, status: 'starting', created_at: rfc3339(at) }, event: 'create' };
}

type Handler = (aj: ActiveJob, input: JobInput) => JobTransition | undefined;

const byStatus: Record<JobStatus, Handler> = {
  starting: (aj, input) => {
    switch (input.kind) {
      case 'resolved': {
        const next: ActiveJob = { ...aj, job: input.job };
        if (input.internalIp !== undefined) next.internal_ip = input.internalIp;
        return { job: next };
      }
      case 'force-stop':
        return { job: { ...aj, force_stop: true } };
      case 'started': {
        const next: ActiveJob = { ...aj, status: 'running', started_at: rfc3339(input.at) };
        if (input.pid !== undefined) next.pid = input.pid;
        if (input.internalIp !== undefined) next.internal_ip = input.internalIp;
        return { job: next, event: 'start' };
      }
      case 'exited':
        // Stopped before it started (the original marks it done with exit 0).
        return { job: ended(aj, input.at, input.exitStatus), event: 'stop' };
      case 'failed':
      case 'lost':
        return { job: failed(aj, input.at, input.error), event: 'error' };
    }
  },
  running: (aj, input) => {
    switch (input.kind) {
      case 'exited':
        return { job: ended(aj, input.at, input.exitStatus), event: 'stop' };
      case 'lost': {
        const next = ended(aj, input.at, undefined);
        next.error = input.error;
        return { job: next, event: 'stop' };
      }
      case 'failed':
        return { job: failed(aj, input.at, input.error), event: 'error' };
      default:
        return undefined;
    }
  },
  done: () => undefined,
  crashed: () => undefined,
  failed: () => undefined,
};

/** Applies `input`; `undefined` when it does not apply in the job's status. */
export function transition(aj: ActiveJob, input: JobInput): JobTransition | undefined {
  return byStatus[aj.status](aj, input);
}

function ended(aj: ActiveJob, at: number, exitStatus: number | undefined): ActiveJob {
  const { pid: _pid, ...rest } = aj;
  const next: ActiveJob = { ...rest, status: exitStatus === 0 ? 'done' : 'crashed', ended_at: rfc3339(at) };
  if (exitStatus !== undefined) next.exit_status = exitStatus;
  return next;
}

function failed(aj: ActiveJob, at: number, error: string): ActiveJob {
  const { pid: _pid, ...rest } = aj;
  return { ...rest, status: 'failed', ended_at: rfc3339(at), error };
}
