/**
 * The deployer's progress reports (`POST /deployments/:id/events`): the body
 * is a deployment event as the original's deployer recorded it (reference
 * §6.5: `{status, release, job_type, job_state, error}`), and the status
 * moves only forward:
 *
 * ```
 * pending ──> running ──> complete
 *    │  └────────┴──────> failed
 *    └──────────────────> complete
 * ```
 *
 * `running` may be reported any number of times (one event per job state
 * change); `complete` and `failed` are final. Reporting the final status a
 * deployment already has is a no-op (a retried request), any other change of
 * a finished deployment is refused.
 */
import type { DeploymentStatus, JobState } from '../types.js';
import { JOB_STATES } from '../types.js';
import { asObject, rejectUnknown, str, uuid } from './validate.js';

/** Statuses a deployer may report (`pending` is only set when a deployment is created). */
export const REPORTED_DEPLOYMENT_STATUSES = ['running', 'complete', 'failed'] as const;
export type ReportedDeploymentStatus = (typeof REPORTED_DEPLOYMENT_STATUSES)[number];

export interface DeploymentEventInput {
  status: ReportedDeploymentStatus;
  /** The release the event is about (a job of the old release: the old one); default the new release. */
  release?: string;
  jobType?: string;
  jobState?: JobState;
  error?: string;
}

const FIELDS = ['status', 'release', 'job_type', 'job_state', 'error'] as const;

/** Parses a report; 400 naming the field for anything else. */
export function parseDeploymentEventInput(body: unknown): DeploymentEventInput {
  const o = asObject(body);
  rejectUnknown(o, FIELDS);
  const status = str(o, 'status', { required: true, oneOf: REPORTED_DEPLOYMENT_STATUSES }) as ReportedDeploymentStatus;
  const out: DeploymentEventInput = { status };
  const release = uuid(o, 'release');
  if (release) out.release = release;
  const jobType = str(o, 'job_type', { maxLength: 255 });
  if (jobType) out.jobType = jobType;
  const jobState = str(o, 'job_state', { oneOf: JOB_STATES }) as JobState | undefined;
  if (jobState) out.jobState = jobState;
  const error = str(o, 'error', { maxLength: 65_536 });
  if (error) out.error = error;
  return out;
}

/**
 * What reporting `next` does to a deployment in status `current`: `apply`
 * (write it and emit the event), `noop` (the final status it already has),
 * or `illegal`.
 */
export function deploymentTransition(current: DeploymentStatus, next: DeploymentStatus): 'apply' | 'noop' | 'illegal' {
  if (current === 'complete' || current === 'failed') return current === next ? 'noop' : 'illegal';
  if (next === 'pending') return 'illegal';
  return 'apply';
}
