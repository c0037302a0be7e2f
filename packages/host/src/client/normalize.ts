/**
 * The original flynn-host marshals `JobStatus` as a number (a Go uint8 without
 * a MarshalJSON: 0 starting … 4 failed, omitted when 0). This host sends the
 * names; the client accepts both, so it also talks to an original host.
 */
import type { ActiveJob, HostEvent, JobStatus } from '../types.js';

const STATUS_BY_NUMBER: readonly JobStatus[] = ['starting', 'running', 'done', 'crashed', 'failed'];

export function normalizeStatus(status: unknown): JobStatus {
  if (typeof status === 'number') return STATUS_BY_NUMBER[status] ?? 'failed';
  if (typeof status === 'string' && (STATUS_BY_NUMBER as readonly string[]).includes(status)) return status as JobStatus;
  return 'starting';
}

export function normalizeActiveJob(job: ActiveJob): ActiveJob {
  return { ...job, status: normalizeStatus((job as { status?: unknown }).status) };
}

export function normalizeEvent(event: HostEvent): HostEvent {
  return event.job ? { ...event, job: normalizeActiveJob(event.job) } : event;
}
