/**
 * The deployer as a pure step machine. `startDeployment(spec, start)` plans
 * the strategy and takes the first steps; `deployStep(state, observation)`
 * takes job events and clock ticks and returns the formation writes to make,
 * the waits to time, the deployment events to record and, at the end,
 * `setRelease` and `done`.
 *
 *     running ──all steps done──────────────────────────────> complete
 *        │
 *        ├─ failure after the new jobs were fully up ───────> failed
 *        └─ failure before ──> rolling-back ──old restored / 10 s──> failed
 *
 * A failure is a wait that passed its deadline (`deploy_timeout` seconds
 * per wait) or more than 5 new jobs going down during one scale-up. A
 * rollback restores the old formation, waits (10 s at most) for it, then
 * deletes the new formation; the deployment is `failed` with the reason.
 */
import { SCHEDULER_INVALID_DEPLOYMENT, SchedulerError } from '../errors.js';
import type { DeployJob, DeployObservation, DeployOutput, DeployStart, DeployState, DeployStatus, DeployWait, DeploymentSpec } from './deploy-model.js';
import { NEW_JOB_FAILURE_THRESHOLD, ROLLBACK_TIMEOUT_MS } from './deploy-model.js';
import { strategySteps } from './deploy-plan.js';

/** Plans the deployment and runs it as far as it goes without waiting. Throws on an unusable record. */
export function startDeployment(spec: DeploymentSpec, start: DeployStart): DeployOutput {
  validate(spec);
  const planned = strategySteps(spec, start);
  const jobs: Record<string, DeployJob> = {};
  for (const j of start.jobs) if (j.release === spec.newRelease || j.release === spec.oldRelease) jobs[j.id] = { ...j };
  const omni = (types: DeployStart['newTypes']) => Object.keys(types).filter((t) => types[t]?.omni === true);
  const state: DeployState = {
    spec,
    status: 'running',
    steps: 'steps' in planned ? planned.steps : [],
    next: 0,
    waits: [],
    waitingForNew: false,
    failures: 0,
    newFullyUp: false,
    old: { ...start.oldFormation },
    new: { ...start.newFormation },
    originalOld: { ...start.oldFormation },
    newOmni: omni(start.newTypes),
    oldOmni: omni(start.oldTypes),
    hostCount: Math.max(0, start.hostCount),
    jobs,
  };
  const out = output(state);
  if ('error' in planned) finish(state, out, 'failed', planned.error);
  else proceed(state, out, start.now);
  out.waits = state.waits.map((w) => ({ ...w }));
  return out;
}

/** Feeds one observation to a deployment. A finished deployment ignores it. */
export function deployStep(prev: DeployState, obs: DeployObservation): DeployOutput {
  const s = clone(prev);
  const out = output(s);
  stepByStatus[s.status](s, obs, out);
  out.waits = s.waits.map((w) => ({ ...w }));
  return out;
}

type Handler = (s: DeployState, obs: DeployObservation, out: DeployOutput) => void;

const stepByStatus: Record<DeployStatus, Handler> = {
  running(s, obs, out) {
    if (obs.kind === 'job') {
      const failed = recordJob(s, obs.job, out);
      if (failed && s.waitingForNew && obs.job.release === s.spec.newRelease && ++s.failures > NEW_JOB_FAILURE_THRESHOLD) {
        fail(s, out, `${obs.job.type} job failed to start: ${obs.job.hostError ?? 'got down job event'}`, obs.now);
        return;
      }
    }
    proceed(s, out, obs.now);
  },
  'rolling-back'(s, obs, out) {
    if (obs.kind === 'job') recordJob(s, obs.job, out);
    if (satisfied(s)) return finishRollback(s, out);
    if (obs.now >= deadline(s)) {
      s.rollbackError = `timed out after ${ROLLBACK_TIMEOUT_MS / 1000} s waiting for the old formation: ${describeWaits(s)}`;
      finishRollback(s, out);
    }
  },
  complete() {},
  failed() {},
};

/** Runs steps until one has to wait, the deployment completes, or a wait timed out. */
function proceed(s: DeployState, out: DeployOutput, now: number): void {
  while (s.status === 'running') {
    if (s.waits.length > 0) {
      if (!satisfied(s)) {
        if (now >= deadline(s)) fail(s, out, `timed out after ${s.spec.deployTimeout} s waiting for ${describeWaits(s)}`, now);
        return;
      }
      s.waits = [];
      if (s.waitingForNew && newAtFullCount(s)) s.newFullyUp = true;
      s.waitingForNew = false;
    }
    const step = s.steps[s.next];
    if (step === undefined) return finish(s, out, 'complete');
    s.next++;
    const which = step.release;
    const waits = setFormation(s, out, which, step.processes, now + s.spec.deployTimeout * 1000);
    if (step.wait) {
      s.waits = waits;
      s.waitingForNew = which === 'new';
      if (which === 'new') s.failures = 0;
    }
  }
}

/**
 * Writes a formation if it changes, and returns what to wait for: each
 * changed type's jobs reaching the new count (× hosts for omni).
 */
function setFormation(s: DeployState, out: DeployOutput, which: 'old' | 'new', processes: Record<string, number>, deadlineAt: number): DeployWait[] {
  const current = which === 'new' ? s.new : s.old;
  const release = which === 'new' ? s.spec.newRelease : s.spec.oldRelease;
  const omni = which === 'new' ? s.newOmni : s.oldOmni;
  const waits: DeployWait[] = [];
  for (const t of [...new Set([...Object.keys(current), ...Object.keys(processes)])].sort()) {
    const from = current[t] ?? 0;
    const to = processes[t] ?? 0;
    if (from === to || release === undefined) continue;
    const count = to * (omni.includes(t) ? s.hostCount : 1);
    waits.push({ release, type: t, until: to > from ? 'up' : 'down', count, deadline: deadlineAt });
  }
  if (waits.length === 0 || release === undefined) return [];
  if (which === 'new') {
    s.new = { ...processes };
    const change: DeployOutput['formations'][number] = { kind: 'put', app: s.spec.app, release, processes: { ...processes } };
    if (s.spec.tags) change.tags = s.spec.tags;
    out.formations.push(change);
  } else {
    s.old = { ...processes };
    out.formations.push({ kind: 'put', app: s.spec.app, release, processes: { ...processes } });
  }
  return waits;
}

function fail(s: DeployState, out: DeployOutput, error: string, now: number): void {
  s.error = error;
  s.waits = [];
  s.waitingForNew = false;
  if (s.newFullyUp) return finish(s, out, 'failed', error);
  s.status = 'rolling-back';
  s.waits = setFormation(s, out, 'old', s.originalOld, now + ROLLBACK_TIMEOUT_MS).filter((w) => w.until === 'up');
  if (satisfied(s)) finishRollback(s, out);
}

function finishRollback(s: DeployState, out: DeployOutput): void {
  s.waits = [];
  out.formations.push({ kind: 'delete', app: s.spec.app, release: s.spec.newRelease });
  s.new = {};
  finish(s, out, 'failed', s.error ?? 'deployment failed');
}

function finish(s: DeployState, out: DeployOutput, status: 'complete' | 'failed', error?: string): void {
  s.status = status;
  s.waits = [];
  out.done = true;
  const base = { app: s.spec.app, deployment: s.spec.id, release: s.spec.newRelease };
  if (status === 'complete') {
    out.setRelease = s.spec.newRelease;
    out.events.push({ ...base, status: 'complete' });
  } else {
    s.error = error ?? s.error ?? 'deployment failed';
    out.events.push({ ...base, status: 'failed', error: s.error });
  }
}

/** Records a job's new state; emits a `running` event when it changed. True when the job just went down unasked. */
function recordJob(s: DeployState, job: DeployJob, out: DeployOutput): boolean {
  if (job.release !== s.spec.newRelease && job.release !== s.spec.oldRelease) return false;
  const prev = s.jobs[job.id];
  if (prev?.state === job.state) return false;
  s.jobs[job.id] = { ...job };
  out.events.push({ app: s.spec.app, deployment: s.spec.id, release: job.release, status: 'running', job_type: job.type, job_state: job.state });
  return job.state === 'down' && prev?.state !== 'stopping';
}

function countJobs(s: DeployState, w: DeployWait): number {
  let n = 0;
  for (const id in s.jobs) {
    const j = s.jobs[id]!;
    if (j.release !== w.release || j.type !== w.type) continue;
    if (w.until === 'up' ? j.state === 'up' : j.state !== 'down') n++;
  }
  return n;
}

function satisfied(s: DeployState): boolean {
  return s.waits.every((w) => (w.until === 'up' ? countJobs(s, w) >= w.count : countJobs(s, w) <= w.count));
}

function deadline(s: DeployState): number {
  return Math.min(...s.waits.map((w) => w.deadline));
}

function describeWaits(s: DeployState): string {
  return s.waits
    .filter((w) => (w.until === 'up' ? countJobs(s, w) < w.count : countJobs(s, w) > w.count))
    .map((w) => (w.until === 'up' ? `${w.type} jobs up (${countJobs(s, w)} of ${w.count})` : `${w.type} jobs down (${countJobs(s, w)} left, want ${w.count})`))
    .join(', ');
}

function newAtFullCount(s: DeployState): boolean {
  return s.steps.every((st) => st.release !== 'new' || Object.entries(st.processes).every(([t, n]) => (s.new[t] ?? 0) >= n));
}

function output(state: DeployState): DeployOutput {
  return { state, formations: [], waits: [], events: [], done: state.status === 'complete' || state.status === 'failed' };
}

function clone(s: DeployState): DeployState {
  return { ...s, waits: s.waits.map((w) => ({ ...w })), old: { ...s.old }, new: { ...s.new }, jobs: { ...s.jobs } };
}

function validate(spec: DeploymentSpec): void {
  const bad = (what: string) => new SchedulerError(SCHEDULER_INVALID_DEPLOYMENT, `deployment ${spec.id}: ${what}`);
  if (!(Number.isFinite(spec.deployTimeout) && spec.deployTimeout > 0)) throw bad(`deploy_timeout must be a positive number of seconds, got ${spec.deployTimeout}`);
  if (spec.batchSize !== undefined && !(Number.isInteger(spec.batchSize) && spec.batchSize >= 1)) throw bad(`batch size must be a positive integer, got ${spec.batchSize}`);
  for (const [t, n] of Object.entries(spec.processes)) {
    if (!(Number.isInteger(n) && n >= 0)) throw bad(`process count of "${t}" must be a non-negative integer, got ${n}`);
  }
}
