/**
 * The scheduler loop (reference §6.1): observe → plan → execute → persist.
 *
 *   observe   formations (controller stream + periodic listing), hosts
 *             (`flynn-host` in discovery, each host's job events and
 *             listings, health polls), service registrations, router events
 *   plan      plan(formations, view, {now, random}), debounced after every
 *             observation, at the next pending restart, and every jobSyncMs
 *   execute   starts and stops on the hosts (./action-runner.ts)
 *   persist   job states to the controller, per job in order (./job-persister.ts)
 *
 * Every scheduler observes; only the leader of `controller-scheduler` plans,
 * executes, persists and creates restarts. On becoming leader it first
 * re-lists every host's jobs and reads the controller's active jobs
 * (./takeover.ts), then plans.
 *
 *   follower ──elected──> syncing ──hosts listed, controller read──> leader
 *      ^                     │                                          │
 *      └────lost election────┴──────────────────────────────────────────┘
 */
import { setMaxListeners } from 'node:events';
import { cryptoRandom, noopLogger, systemClock } from '@flynn-ts/core';
import type { Clock, Logger, Random, Timer } from '@flynn-ts/core';
import type { Action } from '../core/model.js';
import { plan } from '../core/plan.js';
import { nextRunAt, restartFor } from '../core/restart.js';
import { ActionRunner } from './action-runner.js';
import { executeAction } from './execute-action.js';
import { FormationSet } from './formation-set.js';
import { HostSet } from './host-set.js';
import { httpRouterConnector } from './http-router.js';
import { JobObserver } from './job-observer.js';
import { JobPersister } from './job-persister.js';
import type { JobChangeListener, JobRecord } from './job-table.js';
import { JobTable, toView } from './job-table.js';
import { LeaderElection } from './leader-election.js';
import { RouterSet } from './router-set.js';
import type { SchedulerOptions } from './scheduler-options.js';
import { capacityResolver } from './scheduler-options.js';
import { completeScaleRequests } from './scale-requests.js';
import { ServiceSet } from './service-set.js';
import { schedulerState } from './scheduler-state.js';
import type { SchedulerState } from './scheduler-state.js';
import { applyControllerJobs } from './takeover.js';
import { jobWriteOf } from './job-write.js';

export type SchedulerRole = 'follower' | 'syncing' | 'leader';

export interface LastPlan {
  at: number;
  actions: Record<Action['kind'], number>;
}

export class Scheduler {
  readonly name: string;
  readonly table = new JobTable();
  readonly formations: FormationSet;
  readonly hosts: HostSet;
  readonly services: ServiceSet;
  readonly routers: RouterSet;
  readonly observer: JobObserver;
  readonly runner: ActionRunner;
  readonly persister: JobPersister;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  private readonly election: LeaderElection | undefined;
  private roleValue: SchedulerRole = 'follower';
  private leadership = new AbortController();
  private kickTimer: Timer | undefined;
  private runAtTimer: { at: number; timer: Timer } | undefined;
  private syncTimer: Timer | undefined;
  private closed = false;
  private readonly leaderListeners = new Set<(leader: boolean) => void>();
  lastPlan: LastPlan | undefined;
  /** Recent blocked/refused reasons by `app/release/type` (for logs and /debug/state). */
  readonly blocked = new Map<string, string>();
  readonly scaleWrites = new Set<string>();

  constructor(private readonly o: SchedulerOptions) {
    this.clock = o.clock ?? systemClock;
    this.random = o.random ?? cryptoRandom();
    this.name = o.name ?? o.advertiseAddr ?? 'scheduler';
    this.logger = (o.logger ?? noopLogger).child({ scheduler: this.name });
    const t = o.tuning ?? {};
    const kick = () => this.kick();
    this.formations = new FormationSet({
      controller: o.controller,
      clock: this.clock,
      logger: this.logger,
      ...(t.formationSyncMs !== undefined ? { syncMs: t.formationSyncMs } : {}),
      onChange: () => {
        this.services.ensure(this.formations.services());
        kick();
      },
    });
    this.services = new ServiceSet({ discovery: o.discovery, clock: this.clock, logger: this.logger, changed: (_s, job) => this.observer.registration(job) });
    this.routers = new RouterSet({
      discovery: o.discovery,
      connect: o.connectRouter ?? httpRouterConnector({ clock: this.clock, random: this.random, logger: this.logger }),
      clock: this.clock,
      random: this.random,
      logger: this.logger,
      changed: (service) => this.observer.routers(service),
    });
    this.observer = new JobObserver({
      table: this.table,
      formations: this.formations,
      services: this.services,
      routers: this.routers,
      clock: this.clock,
      logger: this.logger,
      sending: (uuid) => this.runner.sending(uuid),
      reported: (job) => this.runner.jobChanged(job),
      zombie: (job) => {
        if (this.isLeader) this.runner.kill(job);
      },
      ...(t.routerWaitMs !== undefined ? { routerWaitMs: t.routerWaitMs } : {}),
    });
    this.hosts = new HostSet({
      discovery: o.discovery,
      connect: o.connectHost,
      capacityFor: capacityResolver(o),
      clock: this.clock,
      random: this.random,
      logger: this.logger,
      ...(t.hostCheckIntervalMs !== undefined ? { checkIntervalMs: t.hostCheckIntervalMs } : {}),
      ...(t.maxFailedChecks !== undefined ? { maxFailedChecks: t.maxFailedChecks } : {}),
      ...(t.hostSyncTimeoutMs !== undefined ? { syncTimeoutMs: t.hostSyncTimeoutMs } : {}),
      handlers: {
        listing: (hostId, jobs, startedAt) => this.observer.listing(hostId, jobs, startedAt),
        event: (hostId, e) => this.observer.hostJob(hostId, e.job_id, e.job),
        synced: kick,
        health: kick,
        changed: kick,
      },
    });
    this.runner = new ActionRunner({
      hosts: this.hosts,
      formations: this.formations,
      services: this.services,
      routers: this.routers,
      observer: this.observer,
      leadership: () => this.leadership.signal,
      clock: this.clock,
      random: this.random,
      logger: this.logger,
      ...(t.drainTimeoutMs !== undefined ? { drainTimeoutMs: t.drainTimeoutMs } : {}),
      ...(t.maxStartsPerHost !== undefined ? { maxStartsPerHost: t.maxStartsPerHost } : {}),
    });
    this.persister = new JobPersister({
      controller: o.controller,
      isLeader: () => this.isLeader,
      clock: this.clock,
      random: this.random,
      logger: this.logger,
      ...(t.persistConcurrency !== undefined ? { concurrency: t.persistConcurrency } : {}),
    });
    this.table.subscribe((job, prev) => this.changed(job, prev));
    if (o.advertiseAddr !== undefined) {
      this.election = new LeaderElection({
        discovery: o.discovery,
        addr: o.advertiseAddr,
        meta: { name: this.name },
        clock: this.clock,
        logger: this.logger,
        onChange: (leader) => (leader ? this.becomeLeader() : this.becomeFollower()),
      });
    }
  }

  /** The controller this scheduler persists to. */
  get controller(): SchedulerOptions['controller'] {
    return this.o.controller;
  }

  get role(): SchedulerRole {
    return this.roleValue;
  }

  /** Elected (or alone; `syncing` included): this scheduler's writes count. */
  get isLeader(): boolean {
    return this.roleValue !== 'follower';
  }

  /** Starts observing and (once registered) takes part in the election. */
  async start(): Promise<void> {
    this.formations.start();
    this.hosts.start();
    this.routers.start();
    this.syncTimer = this.clock.every(this.o.tuning?.jobSyncMs ?? 30_000, () => void this.periodicSync());
    if (this.election) await this.election.start();
    else this.becomeLeader();
  }

  /** Stops leading (deregistering: the next scheduler takes over), then stops observing. Jobs keep running. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.election?.close();
    this.becomeFollower();
    this.kickTimer?.cancel();
    this.runAtTimer?.timer.cancel();
    this.syncTimer?.cancel();
    this.observer.close();
    this.persister.close();
    await this.runner.settled();
    await Promise.all([this.formations.close(), this.hosts.close(), this.services.close(), this.routers.close()]);
    this.logger.info({ event: 'scheduler_stopped' }, 'scheduler stopped');
  }

  /** Called with true once this scheduler leads (after its takeover), with false when it stops. */
  onLeadership(fn: (leader: boolean) => void): () => void {
    this.leaderListeners.add(fn);
    return () => this.leaderListeners.delete(fn);
  }

  /** Every change of a job (creation included), in order. */
  onJobChange(fn: JobChangeListener): () => void {
    return this.table.subscribe(fn);
  }

  /** The jobs of an app (records are live objects: read, do not change). */
  jobsOf(app: string): JobRecord[] {
    return [...this.table.all()].filter((j) => j.app === app);
  }

  /** Hosts that are up and not draining. */
  activeHostCount(): number {
    return this.hosts.activeCount();
  }

  /** What `/debug/state` shows. */
  state(): SchedulerState {
    return schedulerState(this);
  }

  /** Plans soon (debounced). */
  kick(): void {
    if (this.closed || this.kickTimer) return;
    this.kickTimer = this.clock.setTimer(this.o.tuning?.debounceMs ?? 20, () => {
      this.kickTimer = undefined;
      this.reconcile();
    });
  }

  /** One plan, carried out at once (starts and stops continue in the background). */
  reconcile(): void {
    if (this.roleValue !== 'leader' || this.closed) return;
    if (!this.formations.ready || !this.hosts.ready) {
      this.clock.setTimer(250, () => this.kick());
      return;
    }
    const now = this.clock.now();
    const view = { hosts: this.hosts.views(), jobs: this.table.views() };
    const actions = plan(this.formations.desired(), view, { now, random: this.random });
    const counts: Record<Action['kind'], number> = { start: 0, stop: 0, block: 0, lost: 0, refuse: 0 };
    for (const a of actions) {
      counts[a.kind]++;
      executeAction(this, a);
    }
    this.lastPlan = { at: now, actions: counts };
    if (counts.start + counts.stop + counts.lost > 0) this.logger.info({ event: 'plan', ...counts }, 'plan carried out');
    const next = nextRunAt({ hosts: view.hosts, jobs: this.table.views() }, now);
    if (next !== undefined) this.wakeAt(next);
    completeScaleRequests(this, actions);
  }

  private changed(job: JobRecord, prev: JobRecord['state'] | undefined): void {
    this.runner.jobChanged(job);
    if (this.isLeader && owned(job)) this.persister.enqueue(jobWriteOf(job));
    if (job.state === 'down' && prev !== undefined && prev !== 'down') this.jobDown(job, prev);
    if (prev !== job.state) this.kick();
  }

  /** A job went down: a formation job that went down by itself is replaced (with backoff) by the leader. */
  private jobDown(job: JobRecord, prev: JobRecord['state']): void {
    const log = this.logger.child({ job: job.id, app: job.app, type: job.type, hostId: job.hostId });
    log.info({ event: 'job_down', prev, hostError: job.hostError, exitStatus: job.exitStatus }, 'job down');
    if (!this.isLeader || job.oneOff || job.lost || job.stopRequested || prev === 'stopping') return;
    const f = this.formations.get(job.app, job.release);
    if (!f || !((f.formation.processes[job.type] ?? 0) > 0)) return;
    const decision = restartFor({ ...toView(job), state: prev }, { now: this.clock.now(), random: this.random });
    if (!decision.restart) return;
    const next: JobRecord = { ...recordOf(decision.job), stopRequested: false, lost: false, oneOff: false };
    if (job.service) next.service = job.service;
    log.info({ event: 'job_restart', replacement: next.id, restarts: next.restarts, delayMs: decision.delayMs }, 'job replaced');
    this.table.add(next);
    this.wakeAt(next.runAt ?? this.clock.now());
  }

  private wakeAt(at: number): void {
    if (this.runAtTimer && this.runAtTimer.at <= at) return;
    this.runAtTimer?.timer.cancel();
    this.runAtTimer = {
      at,
      timer: this.clock.setTimer(Math.max(0, at - this.clock.now()), () => {
        this.runAtTimer = undefined;
        this.kick();
      }),
    };
  }

  private becomeLeader(): void {
    if (this.roleValue !== 'follower' || this.closed) return;
    this.roleValue = 'syncing';
    this.leadership = new AbortController();
    // Every start, stop and retry wait of this term listens to it.
    setMaxListeners(0, this.leadership.signal);
    void this.takeover(this.leadership.signal);
  }

  private becomeFollower(): void {
    if (this.roleValue === 'follower') return;
    const led = this.roleValue === 'leader';
    this.roleValue = 'follower';
    this.leadership.abort();
    if (led) for (const fn of this.leaderListeners) fn(false);
  }

  private async takeover(signal: AbortSignal): Promise<void> {
    const log = this.logger.child({ event: 'takeover' });
    while (!signal.aborted && !(this.formations.ready && this.hosts.ready)) await this.clock.sleep(100, signal).catch(() => {});
    await this.hosts.relist();
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        const active = await this.o.controller.jobListActive();
        if (signal.aborted) return;
        applyControllerJobs({ active, table: this.table, hosts: this.hosts, formations: this.formations, clock: this.clock, logger: log, write: (w) => this.persister.enqueue(w) });
        break;
      } catch (err) {
        log.warn({ attempt, err }, 'could not read the active jobs; retrying');
        await this.clock.sleep(Math.min(5_000, 250 * 2 ** attempt), signal).catch(() => {});
      }
    }
    if (signal.aborted || this.roleValue !== 'syncing') return;
    this.roleValue = 'leader';
    for (const job of this.table.all()) if (owned(job)) this.persister.enqueue(jobWriteOf(job));
    log.info({ jobs: this.table.size, hosts: this.hosts.all().length }, 'leading');
    for (const fn of this.leaderListeners) fn(true);
    this.kick();
  }

  private async periodicSync(): Promise<void> {
    await this.hosts.relist();
    // Down jobs that were written (or cannot be) are forgotten.
    for (const job of [...this.table.all()]) {
      if (job.state !== 'down') continue;
      if (!this.isLeader || !owned(job) || this.persister.written(job.id)?.state === 'down') {
        this.table.delete(job.id);
        this.persister.forget(job.id);
      }
    }
    this.formations.prune((app, release) => this.jobsOf(app).some((j) => j.release === release && j.state !== 'down'));
    this.kick();
  }
}

/**
 * The jobs whose states this scheduler writes: formation jobs. One-off jobs
 * only count on their hosts; whoever started them (the controller's
 * `POST /apps/:app/jobs`) records their states.
 */
function owned(job: JobRecord): boolean {
  return !job.oneOff && job.app !== '';
}

function recordOf(v: ReturnType<typeof toView>): Omit<JobRecord, 'stopRequested' | 'lost' | 'oneOff'> {
  const rec: Omit<JobRecord, 'stopRequested' | 'lost' | 'oneOff'> = {
    id: v.id,
    app: v.app,
    release: v.release,
    type: v.type,
    state: v.state,
    restarts: v.restarts,
    createdAt: v.createdAt ?? 0,
    resources: { ...v.resources },
  };
  if (v.hostId !== undefined) rec.hostId = v.hostId;
  if (v.runAt !== undefined) rec.runAt = v.runAt;
  return rec;
}
