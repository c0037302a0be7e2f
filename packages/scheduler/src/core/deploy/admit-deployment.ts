/**
 * Whether and how a new deployment starts (reference §5.4, §6.5): one
 * deployment per app at a time; an app whose old formation runs nothing just
 * switches release and the deployment is recorded as complete at once;
 * otherwise it is `pending` until the deployer picks it up.
 */
import { SCHEDULER_DEPLOY_IN_PROGRESS, SchedulerError } from '../errors.js';
import { META_DEPLOY_BATCH_SIZE } from '../model.js';
import type { DeploymentEvent, DeploymentSpec } from './deploy-model.js';

export type Admission =
  | { kind: 'rejected'; error: SchedulerError }
  /** Nothing runs: set the app's release now and record the deployment finished. */
  | { kind: 'complete'; setRelease: string; events: DeploymentEvent[] }
  /** Record the deployment and hand it to the deployer. */
  | { kind: 'pending'; events: DeploymentEvent[] };

export interface UnfinishedDeployment {
  id: string;
  app: string;
}

/** `unfinished`: deployments not finished yet (any app). */
export function admitDeployment(spec: DeploymentSpec, unfinished: readonly UnfinishedDeployment[]): Admission {
  if (unfinished.some((d) => d.app === spec.app && d.id !== spec.id)) {
    return {
      kind: 'rejected',
      // The original's message (a validation_error: 400).
      error: new SchedulerError(SCHEDULER_DEPLOY_IN_PROGRESS, 'Cannot create deploy, there is already one in progress for this app.'),
    };
  }
  const event = (status: DeploymentEvent['status']): DeploymentEvent => ({ app: spec.app, deployment: spec.id, release: spec.newRelease, status });
  const running = Object.values(spec.processes).reduce((sum, n) => sum + (n > 0 ? n : 0), 0);
  if (running === 0) return { kind: 'complete', setRelease: spec.newRelease, events: [event('complete')] };
  return { kind: 'pending', events: [event('pending')] };
}

/** The `in-batches` batch size from app meta, if set to a positive integer. */
export function batchSizeFromMeta(meta: Readonly<Record<string, string>> | undefined): number | undefined {
  const raw = meta?.[META_DEPLOY_BATCH_SIZE];
  if (raw === undefined || !/^\d+$/.test(raw.trim())) return undefined;
  const n = Number(raw.trim());
  return n >= 1 ? n : undefined;
}
