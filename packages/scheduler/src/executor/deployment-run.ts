/**
 * One deployment, driven (reference §6.5): reads the app, both releases and
 * formations, starts the pure step machine (`startDeployment`), then feeds it
 * every state change of the app's jobs of either release (from the
 * scheduler) and a tick at the earliest wait deadline, one observation at a
 * time. Each output's formation writes go through the controller in order,
 * its events are reported to the controller (`POST /deployments/:id/events`,
 * which sets the status and records the event), and at the end the app's
 * release is set (and app GC scheduled) before `complete` is reported.
 */
import { Backoff, noopLogger } from '@flynn-ts/core';
import type { Clock, Logger, Random, Timer } from '@flynn-ts/core';
import type { DeployJob, DeployObservation, DeployOutput, DeployState, DeploymentSpec } from '../core/deploy/deploy-model.js';
import { deployStep, startDeployment } from '../core/deploy/deploy-step.js';
import type { ProcessTypeSpec } from '../core/model.js';
import { isSchedulerError } from '../core/errors.js';
import type { DeployController } from './ports.js';
import { statusOf } from './retryable.js';
import { formationFromWire } from './translate.js';
import type { WireDeployment, WireDeploymentEventReport, WireRelease } from './wire.js';

/** The scheduler as a deployment sees it. */
export interface DeployJobSource {
  jobsOf(app: string): readonly { id: string; release: string; type: string; state: DeployJob['state']; hostError?: string }[];
  onJobChange(fn: (job: { id: string; app: string; release: string; type: string; state: DeployJob['state']; hostError?: string }) => void): () => void;
  activeHostCount(): number;
}

export interface DeploymentRunOptions {
  deployment: WireDeployment;
  controller: DeployController;
  jobs: DeployJobSource;
  signal: AbortSignal;
  clock: Clock;
  random: Random;
  logger?: Logger;
}

export class DeploymentRun {
  state: DeployState | undefined;
  private queue: Promise<void> = Promise.resolve();
  private timer: Timer | undefined;
  private unsubscribe: (() => void) | undefined;
  private finished = false;
  private readonly logger: Logger;
  private resolveDone!: () => void;
  /** Resolves when the deployment finished or the run was aborted. */
  readonly done = new Promise<void>((r) => (this.resolveDone = r));

  constructor(private readonly o: DeploymentRunOptions) {
    const d = o.deployment;
    this.logger = (o.logger ?? noopLogger).child({ deployment: d.id, app: d.app, release: d.new_release });
    o.signal.addEventListener('abort', () => this.end(), { once: true });
  }

  start(): void {
    this.enqueue(() => this.begin());
  }

  private async begin(): Promise<void> {
    const d = this.o.deployment;
    const c = this.o.controller;
    const releases = new Set([d.new_release, d.old_release]);
    // Changes from now on are queued behind this step and replayed once the deployment has started.
    this.unsubscribe = this.o.jobs.onJobChange((j) => {
      if (j.app === d.app && releases.has(j.release)) this.observe({ kind: 'job', job: deployJob(j), now: this.o.clock.now() });
    });
    const [newRelease, oldRelease] = await Promise.all([this.retry(() => c.getRelease(d.new_release)), d.old_release ? this.retry(() => c.getRelease(d.old_release!)) : undefined]);
    const formation = async (release: string | undefined) => {
      if (!release) return {};
      try {
        return (await c.getFormation(d.app, release)).processes ?? {};
      } catch (err) {
        if (statusOf(err) === 404) return {};
        throw err;
      }
    };
    const [oldFormation, newFormation] = await Promise.all([this.retry(() => formation(d.old_release)), this.retry(() => formation(d.new_release))]);
    const spec: DeploymentSpec = { id: d.id, app: d.app, newRelease: d.new_release, strategy: d.strategy, processes: d.processes ?? {}, deployTimeout: d.deploy_timeout };
    if (d.old_release) spec.oldRelease = d.old_release;
    if (d.tags && Object.keys(d.tags).length > 0) spec.tags = d.tags;
    if (d.deploy_batch_size !== undefined && d.deploy_batch_size !== null) spec.batchSize = d.deploy_batch_size;
    const jobs: DeployJob[] = this.o.jobs.jobsOf(d.app).filter((j) => releases.has(j.release)).map(deployJob);
    this.logger.info({ event: 'deploy_start', strategy: d.strategy, processes: spec.processes, oldFormation, newFormation }, 'deployment started');
    await this.report({ status: 'running' });
    let out: DeployOutput;
    try {
      out = startDeployment(spec, {
        newTypes: typesOf(newRelease),
        oldTypes: oldRelease ? typesOf(oldRelease) : {},
        oldFormation,
        newFormation,
        hostCount: this.o.jobs.activeHostCount(),
        jobs,
        now: this.o.clock.now(),
      });
    } catch (err) {
      if (!isSchedulerError(err)) throw err;
      await this.report({ status: 'failed', error: err.message });
      return this.end();
    }
    await this.handle(out);
  }

  private observe(obs: DeployObservation): void {
    this.enqueue(async () => {
      if (!this.state || this.finished) return;
      await this.handle(deployStep(this.state, obs));
    });
  }

  private async handle(out: DeployOutput): Promise<void> {
    this.state = out.state;
    const c = this.o.controller;
    for (const f of out.formations) {
      if (f.kind === 'put') {
        const put = { app: f.app, release: f.release, processes: f.processes, ...(f.tags ? { tags: f.tags } : {}) };
        await this.retry(() => c.putFormation(put));
      } else {
        await this.retry(() => c.deleteFormation(f.app, f.release).catch((err: unknown) => (statusOf(err) === 404 ? undefined : Promise.reject(err))));
      }
      this.logger.info({ event: 'deploy_formation', kind: f.kind, release: f.release, ...(f.kind === 'put' ? { processes: f.processes } : {}) }, 'formation written');
    }
    if (out.setRelease) {
      await this.retry(() => c.setAppRelease(out.state.spec.app, out.setRelease!));
      await c.scheduleAppGarbageCollection(out.state.spec.app).catch((err: unknown) => this.logger.warn({ event: 'app_gc_failed', err }, 'could not schedule app GC'));
    }
    for (const e of out.events) {
      if (e.status === 'pending') continue;
      // The event's release is the one it is about: a job of the old release reports the old release.
      const report: WireDeploymentEventReport = { status: e.status, release: e.release };
      if (e.job_type) report.job_type = e.job_type;
      if (e.job_state) report.job_state = e.job_state;
      if (e.error) report.error = e.error;
      await this.report(report);
    }
    this.timer?.cancel();
    this.timer = undefined;
    if (out.done) {
      this.logger.info({ event: 'deploy_done', status: out.state.status, error: out.state.error, rollbackError: out.state.rollbackError }, `deployment ${out.state.status}`);
      return this.end();
    }
    if (out.waits.length > 0) {
      const deadline = Math.min(...out.waits.map((w) => w.deadline));
      this.timer = this.o.clock.setTimer(Math.max(0, deadline - this.o.clock.now()) + 10, () => this.observe({ kind: 'tick', now: this.o.clock.now() }));
    }
  }

  /** Records the deployment's status and event through the controller (`POST /deployments/:id/events`). */
  private async report(event: WireDeploymentEventReport): Promise<void> {
    await this.retry(() => this.o.controller.createDeploymentEvent(this.o.deployment.id, event));
  }

  /** Retries a controller call (up to ~30 s); rejects once the run is aborted or the attempts ran out. */
  private async retry<T>(fn: () => Promise<T>): Promise<T> {
    const backoff = new Backoff({ initialMs: 250, maxMs: 5_000 }, this.o.random);
    for (let attempt = 1; ; attempt++) {
      if (this.o.signal.aborted) throw new Error('deployment run aborted');
      try {
        return await fn();
      } catch (err) {
        const status = statusOf(err);
        if ((status !== undefined && status < 500 && status !== 429) || attempt >= 10) throw err;
        this.logger.debug({ event: 'deploy_call_retry', attempt, err }, 'controller call failed; retrying');
        await this.o.clock.sleep(backoff.next(), this.o.signal).catch(() => {});
      }
    }
  }

  private enqueue(fn: () => Promise<void>): void {
    this.queue = this.queue.then(fn).catch((err: unknown) => {
      if (this.o.signal.aborted || this.finished) return;
      if (statusOf(err) === 409) {
        // The controller refused a report: the deployment was finished elsewhere (e.g. its app was deleted).
        this.logger.warn({ event: 'deploy_finished_elsewhere', err }, 'deployment already finished; run stopped');
        return this.end();
      }
      this.logger.error({ event: 'deploy_error', err }, 'deployment run failed');
      void this.report({ status: 'failed', error: `deployer: ${err instanceof Error ? err.message : String(err)}` }).catch(() => {});
      this.end();
    });
  }

  private end(): void {
    if (this.finished) return;
    this.finished = true;
    this.timer?.cancel();
    this.unsubscribe?.();
    this.resolveDone();
  }
}

function deployJob(j: { id: string; release: string; type: string; state: DeployJob['state']; hostError?: string }): DeployJob {
  const out: DeployJob = { id: j.id, release: j.release, type: j.type, state: j.state };
  if (j.hostError !== undefined) out.hostError = j.hostError;
  return out;
}

function typesOf(r: WireRelease): Record<string, ProcessTypeSpec> {
  return formationFromWire({ app: { id: '', name: '' }, release: r, processes: {} }).types;
}
