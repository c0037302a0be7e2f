/** A job record as the controller stores it (`PUT /apps/:app/jobs/:job`). */
import type { JobRecord } from './job-table.js';
import { hostJobIdOf } from './job-table.js';
import type { JobWrite } from './ports.js';
import { rfc3339 } from './translate.js';

export function jobWriteOf(job: Readonly<JobRecord>): JobWrite {
  const w: JobWrite = { uuid: job.id, app: job.app, state: job.state, restarts: job.restarts };
  const id = hostJobIdOf(job);
  if (id !== undefined) w.id = id;
  if (job.hostId !== undefined) w.host_id = job.hostId;
  if (job.release !== '') w.release = job.release;
  if (job.type !== '') w.type = job.type;
  const error = job.state === 'blocked' ? job.blockedReason : job.hostError;
  if (error !== undefined) w.host_error = error;
  if (job.exitStatus !== undefined) w.exit_status = job.exitStatus;
  if (job.runAt !== undefined && job.state === 'pending' && job.hostId === undefined) w.run_at = rfc3339(job.runAt);
  return w;
}
