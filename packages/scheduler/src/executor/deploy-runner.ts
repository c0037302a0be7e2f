/**
 * The deployer (reference §6.5): while its scheduler leads, it picks up the
 * controller's unfinished deployment records (a poll every `pollMs`, and at
 * once on a `deployment` event) and runs each with a {@link DeploymentRun},
 * one per app at a time. When leadership is lost the runs stop where they
 * are; the next leader finds the deployments unfinished and resumes them
 * from the formations as they are then.
 */
import { noopLogger, systemClock, cryptoRandom } from '@flynn-ts/core';
import type { Clock, Logger, Random, Timer } from '@flynn-ts/core';
import type { DeployStatus } from '../core/deploy/deploy-model.js';
import type { DeployJobSource } from './deployment-run.js';
import { DeploymentRun } from './deployment-run.js';
import type { DeployController } from './ports.js';
import type { WireDeployment } from './wire.js';

export interface DeployRunnerOptions {
  /** The controller: deployment records, formations, releases, and the deployment progress reports. */
  controller: DeployController;
  /** The scheduler: its jobs, its host count and its leadership. */
  scheduler: DeployJobSource & { readonly role: string; onLeadership(fn: (leader: boolean) => void): () => void };
  /** Poll period for unfinished deployments. Default 5 000 ms (the original worker's). */
  pollMs?: number;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
}

export interface DeploymentSummary {
  id: string;
  app: string;
  newRelease: string;
  strategy: string;
  status: DeployStatus | 'starting';
  step?: number;
  steps?: number;
  error?: string;
}

export class DeployRunner {
  private readonly runs = new Map<string, { run: DeploymentRun; deployment: WireDeployment }>();
  private ctl: AbortController | undefined;
  private timer: Timer | undefined;
  private scanning: Promise<void> | undefined;
  private rescan = false;
  private unsubscribe: (() => void) | undefined;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly logger: Logger;

  constructor(private readonly o: DeployRunnerOptions) {
    this.clock = o.clock ?? systemClock;
    this.random = o.random ?? cryptoRandom();
    this.logger = (o.logger ?? noopLogger).child({ component: 'deployer' });
  }

  start(): void {
    this.unsubscribe = this.o.scheduler.onLeadership((leader) => (leader ? this.activate() : this.deactivate()));
    if (this.o.scheduler.role === 'leader') this.activate();
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    const runs = [...this.runs.values()].map((r) => r.run.done);
    this.deactivate();
    await Promise.all(runs);
    await this.scanning?.catch(() => {});
  }

  /** The deployments this runner is running (for `/debug/state`). */
  state(): DeploymentSummary[] {
    return [...this.runs.values()].map(({ run, deployment: d }) => {
      const s = run.state;
      const out: DeploymentSummary = { id: d.id, app: d.app, newRelease: d.new_release, strategy: d.strategy, status: s?.status ?? 'starting' };
      if (s) {
        out.step = s.next;
        out.steps = s.steps.length;
        if (s.error) out.error = s.error;
      }
      return out;
    });
  }

  /** Looks for unfinished deployments now. */
  scan(): Promise<void> {
    if (this.scanning) {
      this.rescan = true;
      return this.scanning;
    }
    this.scanning = this.doScan().finally(() => {
      this.scanning = undefined;
      if (this.rescan) {
        this.rescan = false;
        void this.scan();
      }
    });
    return this.scanning;
  }

  private activate(): void {
    if (this.ctl) return;
    this.ctl = new AbortController();
    this.logger.info({ event: 'deployer_active' }, 'deployer active');
    this.timer = this.clock.every(this.o.pollMs ?? 5_000, () => void this.scan());
    void this.follow(this.ctl.signal);
    void this.scan();
  }

  private deactivate(): void {
    if (!this.ctl) return;
    this.ctl.abort();
    this.ctl = undefined;
    this.timer?.cancel();
    this.runs.clear();
  }

  private async doScan(): Promise<void> {
    const signal = this.ctl?.signal;
    if (!signal) return;
    try {
      const apps = await this.o.controller.appList();
      for (const app of apps) {
        if (signal.aborted) return;
        if (this.runs.has(app.id)) continue;
        const deployments = await this.o.controller.deploymentList(app.id);
        // The list is newest first; the database allows one unfinished deployment per app.
        const next = deployments.filter(unfinished).at(-1);
        if (next) this.run(next, signal);
      }
    } catch (err) {
      if (!signal.aborted) this.logger.warn({ event: 'deploy_scan_failed', err }, 'could not list deployments');
    }
  }

  private run(d: WireDeployment, signal: AbortSignal): void {
    if (this.runs.has(d.app)) return;
    const run = new DeploymentRun({ deployment: d, controller: this.o.controller, jobs: this.o.scheduler, signal, clock: this.clock, random: this.random, logger: this.logger });
    this.runs.set(d.app, { run, deployment: d });
    void run.done.then(() => {
      if (this.runs.get(d.app)?.run === run) this.runs.delete(d.app);
      if (!signal.aborted) void this.scan();
    });
    run.start();
  }

  /** `deployment` events: a new pending deployment is picked up at once. */
  private async follow(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const stream = this.o.controller.streamEvents({ objectTypes: ['deployment'], signal });
      try {
        for await (const e of stream) {
          const data = e.data as { status?: string } | undefined;
          if (data?.status === 'pending') void this.scan();
        }
      } catch (err) {
        if (signal.aborted) return;
        this.logger.debug({ event: 'deploy_events_failed', err }, 'deployment event stream failed; retrying');
      } finally {
        stream.close();
      }
      await this.clock.sleep(1_000, signal).catch(() => {});
    }
  }
}

function unfinished(d: WireDeployment): boolean {
  return !d.finished_at && (d.status === 'pending' || d.status === 'running');
}
