/**
 * The deployer's model (reference §5.4 Deployment, §6.5). Deployment events
 * keep the original's JSON field names (`job_type`, `job_state`) because they
 * are stored and streamed as they are.
 */
import type { JobState, ProcessTypeSpec } from '../model.js';

export type DeployStrategy = 'all-at-once' | 'one-by-one' | 'one-down-one-up' | 'in-batches';

export const DEPLOY_STRATEGIES: readonly DeployStrategy[] = ['all-at-once', 'one-by-one', 'one-down-one-up', 'in-batches'];

/** The app's `deploy_timeout` default, seconds. */
export const DEFAULT_DEPLOY_TIMEOUT = 120;
/** How many times new jobs may go down during one scale-up before the deploy aborts. */
export const NEW_JOB_FAILURE_THRESHOLD = 5;
/** How long a rollback waits for the restored old jobs, ms. */
export const ROLLBACK_TIMEOUT_MS = 10_000;

/** A deployment record, as the controller creates it. */
export interface DeploymentSpec {
  id: string;
  app: string;
  /** Absent for an app's first release. */
  oldRelease?: string;
  newRelease: string;
  /** One of {@link DEPLOY_STRATEGIES}; anything else fails the deployment. */
  strategy: string;
  /** The old formation's counts when the deployment was created: the new formation's target. */
  processes: Record<string, number>;
  tags?: Record<string, Record<string, string>>;
  /** Seconds each wait may take (the app's `deploy_timeout`). */
  deployTimeout: number;
  /** `in-batches`: formation units per batch (`flynn-deploy-batch-size`); default the host count. */
  batchSize?: number;
}

/** A job of the old or new release, as far as the deployer cares. */
export interface DeployJob {
  id: string;
  release: string;
  type: string;
  state: JobState;
  hostError?: string;
}

/** What the deployer needs besides the record when it starts. */
export interface DeployStart {
  /** The new release's process types; counts of types missing here are not carried over. */
  newTypes: Record<string, ProcessTypeSpec>;
  /** The old release's process types (omni types wait for count × hosts). */
  oldTypes: Record<string, ProcessTypeSpec>;
  /** The old formation's current counts. */
  oldFormation: Record<string, number>;
  /** The new formation's current counts (`{}` when it does not exist yet). */
  newFormation: Record<string, number>;
  /** Active hosts: the omni multiplier and the default batch size. */
  hostCount: number;
  /** The jobs of both releases now. */
  jobs: readonly DeployJob[];
  now: number;
}

/** A deployment event (reference §6.5); `status` `running` events carry a job's type and state. */
export interface DeploymentEvent {
  app: string;
  deployment: string;
  release: string;
  status: 'pending' | 'running' | 'complete' | 'failed';
  job_type?: string;
  job_state?: JobState;
  error?: string;
}

/** A formation write for the driver to make, in order. */
export type FormationChange =
  | { kind: 'put'; app: string; release: string; processes: Record<string, number>; tags?: Record<string, Record<string, string>> }
  | { kind: 'delete'; app: string; release: string };

/** A condition the deployer waits for; the driver sends a `tick` at `deadline` at the latest. */
export interface DeployWait {
  release: string;
  type: string;
  /** `up`: at least `count` jobs up. `down`: at most `count` jobs not down. */
  until: 'up' | 'down';
  count: number;
  deadline: number;
}

export type DeployObservation =
  /** A job of the old or new release changed state (others are ignored). */
  | { kind: 'job'; job: DeployJob; now: number }
  /** Time passed (for the wait deadlines). */
  | { kind: 'tick'; now: number };

export type DeployStatus = 'running' | 'rolling-back' | 'complete' | 'failed';

/** One step of a strategy: set a formation, then (maybe) wait for its jobs. */
export interface DeployStepSpec {
  release: 'old' | 'new';
  processes: Record<string, number>;
  wait: boolean;
}

export interface DeployState {
  readonly spec: DeploymentSpec;
  status: DeployStatus;
  readonly steps: readonly DeployStepSpec[];
  /** Index of the next step to run. */
  next: number;
  /** What the current step (or the rollback) waits for; empty when nothing. */
  waits: DeployWait[];
  /** The current waits are for new jobs to come up (down new jobs count as failures). */
  waitingForNew: boolean;
  /** Down events of new jobs during the current scale-up. */
  failures: number;
  /** Every new type reached its full count up: failures after this do not roll back. */
  newFullyUp: boolean;
  old: Record<string, number>;
  new: Record<string, number>;
  /** The old formation at the start, restored by a rollback. */
  readonly originalOld: Record<string, number>;
  readonly newOmni: readonly string[];
  readonly oldOmni: readonly string[];
  readonly hostCount: number;
  jobs: Record<string, DeployJob>;
  /** Why the deployment failed. */
  error?: string;
  /** Why the rollback did not finish cleanly (the deployment is failed either way). */
  rollbackError?: string;
}

export interface DeployOutput {
  state: DeployState;
  /** Formation writes to make, in order, before feeding more observations. */
  formations: FormationChange[];
  /** What the deployment now waits for (with deadlines). */
  waits: DeployWait[];
  events: DeploymentEvent[];
  /** On success: make this the app's release (and schedule app GC). */
  setRelease?: string;
  /** The deployment finished (complete or failed): mark it finished. */
  done: boolean;
}
