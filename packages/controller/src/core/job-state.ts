/**
 * A job's state as the controller records it, from what its host says
 * (reference §6.3): host `starting` → `starting`, `running` → `up`, `done`,
 * `crashed` and `failed` → `down` (with the exit status, and the host's error
 * for a job that could not start). States only move forward:
 * `pending` → `blocked` → `starting` → `up` → `stopping` → `down`, and the
 * legacy `crashed` / `failed` rank with `down`.
 */
import type { JobState } from '../types.js';

export type HostJobStatus = 'starting' | 'running' | 'done' | 'crashed' | 'failed';

const HOST_STATUSES: readonly HostJobStatus[] = ['starting', 'running', 'done', 'crashed', 'failed'];

export const JOB_STATE_RANK: Readonly<Record<JobState, number>> = {
  pending: 0,
  blocked: 1,
  starting: 2,
  up: 3,
  stopping: 4,
  down: 5,
  crashed: 5,
  failed: 5,
};

/** A host status by name, or by the original flynn-host's number (0 starting … 4 failed); undefined when neither. */
export function hostJobStatus(status: unknown): HostJobStatus | undefined {
  if (typeof status === 'number') return HOST_STATUSES[status];
  if (typeof status === 'string' && (HOST_STATUSES as readonly string[]).includes(status)) return status as HostJobStatus;
  return undefined;
}

export interface ObservedJobState {
  state: JobState;
  exitStatus?: number;
  hostError?: string;
}

/** What to record for a host's view of a job; undefined when its status is unknown. */
export function jobStateFromHost(job: { status?: unknown; exit_status?: number; error?: string }): ObservedJobState | undefined {
  const status = hostJobStatus(job.status);
  switch (status) {
    case undefined:
      return undefined;
    case 'starting':
      return { state: 'starting' };
    case 'running':
      return { state: 'up' };
    default: {
      const out: ObservedJobState = { state: 'down' };
      if (typeof job.exit_status === 'number' && Number.isSafeInteger(job.exit_status)) out.exitStatus = job.exit_status;
      if (status === 'failed' && job.error) out.hostError = job.error;
      return out;
    }
  }
}

/** Whether recording `to` over `from` moves the job forward. */
export function isForward(from: JobState, to: JobState): boolean {
  return JOB_STATE_RANK[to] > JOB_STATE_RANK[from];
}

export function isDownState(state: JobState): boolean {
  return JOB_STATE_RANK[state] === JOB_STATE_RANK.down;
}
