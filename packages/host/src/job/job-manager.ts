/**
 * The job manager: validates and starts jobs, tracks their lifecycle
 * (starting → running → done | crashed | failed), stops and signals them,
 * publishes events, persists everything under `stateDir` and, opened again
 * after a daemon restart, re-attaches to the jobs that kept running.
 *
 * It composes the module contracts (../contracts.ts): a RuntimeDriver
 * (required), and optionally a NetworkManager, an ImageStore, a LogManager
 * and the VolumeManager. Open one with {@link JobManager.open}.
 */
import { readFile } from 'node:fs/promises';
import type { Clock, Logger, Random } from '@flynn-ts/core';
import { cryptoRandom, noopLogger, systemClock } from '@flynn-ts/core';
import type { ImageStore, LogLine, LogManager, NetworkManager, RuntimeDriver } from '../contracts.js';
import type { ActiveJob, HostDiscoverd, HostNetwork, Job } from '../types.js';
import type { AttachableJob, AttachTarget } from '../attach/attach-target.js';
import type { VolumeManager } from '../volume/volume-manager.js';
import type { ServiceDiscovery } from '@flynn-ts/discovery';
import { createActiveJob, isActive, isTerminal } from './core/job-state.js';
import { newJobId } from './core/job-id.js';
import { requestedResources, withResourceDefaults } from './core/resources.js';
import { validateJob } from './core/validate-job.js';
import { JobExistsError, JobNotFoundError, JobNotRunningError, NotConfiguredError, RateLimitedError, ShuttingDownError, VolumeInUseError } from './errors.js';
import type { HostEventListener } from './event-hub.js';
import { EventHub } from './event-hub.js';
import { JobRunner, jobLogMeta } from './job-runner.js';
import { restoreJobs } from './job-restore.js';
import type { RestoreResult } from './job-restore.js';
import type { HostStateRecord, JobStateStore } from './job-store.js';
import { FileJobStore, JOB_RECORD_VERSION } from './job-store.js';
import { JobTable } from './job-table.js';
import { JobServices } from './job-services.js';
import { StartLimiter } from './start-limiter.js';
import type { StartToken } from './start-limiter.js';

export interface JobManagerOptions {
  hostId: string;
  /** Job records (unless `store` is given), host state and the drivers' per-job directories live here. */
  stateDir: string;
  /** Where job state is persisted. Default a {@link FileJobStore} in `stateDir`. */
  store?: JobStateStore;
  driver: RuntimeDriver;
  network?: NetworkManager;
  images?: ImageStore;
  logs?: LogManager;
  volumes?: VolumeManager;
  /** Host env for every job (`EXTERNAL_IP`, `LISTEN_IP`); `DISCOVERD` is added once configured. */
  defaultEnv?: Record<string, string>;
  /** Concurrent starts before `add` answers 429. Default 4 (the original's). */
  maxConcurrentStarts?: number;
  /** SIGTERM → SIGKILL grace of a stop. Default 30 000 ms. */
  stopGraceMs?: number;
  /** Restart `resurrect` jobs after a host reboot. Default true. */
  resurrect?: boolean;
  /** This boot's id (`/proc/sys/kernel/random/boot_id`); default read from there. */
  bootId?: string;
  /** Jobs without their own `DISCOVERD` wait until discoverd is configured. Default false. */
  waitForDiscoverd?: boolean;
  /** Jobs that are not host-network wait until the network is configured. Default: when a NetworkManager is given. */
  waitForNetwork?: boolean;
  /** Finished jobs kept (memory and disk). Default 1000. */
  maxDownJobs?: number;
  /** Discovery for the job ports that name a `service` (read when a job starts); none: not registered. */
  discovery?: () => ServiceDiscovery | undefined;
  /** How often a moving log cursor is persisted. Default 1000 ms. */
  cursorFlushMs?: number;
  /** Longest wait for output to drain after an exit and for attach sessions before cleanup. Default 5000 ms. */
  drainMs?: number;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
}

export class JobManager implements AttachTarget {
  readonly hostId: string;
  private readonly hub: EventHub;
  private readonly table: JobTable;
  private readonly runner: JobRunner;
  private readonly store: JobStateStore;
  private readonly limiter: StartLimiter;
  private readonly services: JobServices;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly logger: Logger;
  private hostState: HostStateRecord = { v: 1 };
  private depsWaiters: Array<() => void> = [];
  private shuttingDown = false;
  private restored: RestoreResult = { reattached: [], lost: [], reclaimedNetworks: [], resurrect: [] };

  private constructor(private readonly options: JobManagerOptions) {
    this.hostId = options.hostId;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? cryptoRandom();
    this.logger = (options.logger ?? noopLogger).child({ component: 'job-manager' });
    this.hub = new EventHub(this.logger);
    this.store = options.store ?? new FileJobStore(options.stateDir, this.logger);
    this.table = new JobTable(this.store, this.hub, this.clock, this.logger);
    this.limiter = new StartLimiter(options.maxConcurrentStarts ?? 4);
    this.runner = new JobRunner({
      table: this.table,
      stateDir: options.stateDir,
      driver: options.driver,
      network: options.network,
      images: options.images,
      logs: options.logs,
      volumes: options.volumes,
      limiter: this.limiter,
      clock: this.clock,
      logger: this.logger,
      stopGraceMs: options.stopGraceMs ?? 30_000,
      cursorFlushMs: options.cursorFlushMs ?? 1_000,
      drainMs: options.drainMs ?? 5_000,
      maxDownJobs: options.maxDownJobs ?? 1_000,
      defaultEnv: () => this.defaultEnv(),
      missingDependency: (job) => this.missingDependency(job),
      dependencyChanged: () => new Promise<void>((resolve) => this.depsWaiters.push(resolve)),
      wakeDependencies: () => this.wake(),
    });
    this.services = new JobServices({
      discovery: options.discovery ?? (() => undefined),
      kill: (id) => void this.signal(id, 9).catch(() => {}),
      clock: this.clock,
      logger: this.logger,
    });
    this.hub.subscribe('all', (e) => {
      if (e.event === 'start') this.services.start(e.job);
      else if (e.event === 'stop' || e.event === 'error') void this.services.stop(e.job_id);
    });
  }

  /** Opens the state dir and restores (re-attaches to) the jobs of earlier runs. */
  static async open(options: JobManagerOptions): Promise<JobManager> {
    const m = new JobManager(options);
    await m.restore();
    return m;
  }

  get driverName(): string {
    return this.options.driver.name;
  }

  /** What the restore at open found: re-attached, lost and resurrected jobs. */
  get restoreResult(): RestoreResult {
    return this.restored;
  }

  // ---------------------------------------------------------------- jobs

  /** Validates a PUT body for `id` (400 naming the field). Mountspecs are required by the oci driver only. */
  validate(id: string, body: unknown): Job {
    return validateJob(body, { id, requireMountspecs: this.options.driver.name === 'oci' });
  }

  /**
   * Accepts a validated job: 503 while shutting down, 409 for a known id or a
   * volume an active job uses, 429 when `maxConcurrentStarts` starts are in
   * flight. Resolves once the job is recorded (`create` published, state
   * durable); the start goes on in the background.
   */
  async add(job: Job): Promise<void> {
    if (this.shuttingDown) throw new ShuttingDownError();
    if (this.table.get(job.id)) throw new JobExistsError(job.id);
    this.checkVolumes(job);
    const token = this.limiter.tryAcquire();
    if (!token) throw new RateLimitedError(this.limiter.size);
    await this.create(job, token);
  }

  get(id: string): ActiveJob | undefined {
    return this.table.get(id)?.record.active;
  }

  /** Every known job (`active`: only starting and running ones), by id. */
  list(filter: { active?: boolean } = {}): Record<string, ActiveJob> {
    return this.table.list(filter);
  }

  /** Memory (bytes) and cpu (milli-CPU) requested by the active (starting and running) jobs together. */
  requested(): { memory: number; cpu: number } {
    return requestedResources(Object.values(this.table.list({ active: true })).map((a) => a.job));
  }

  /** SIGTERM, then SIGKILL after the grace; a starting job is stopped before it runs. No-op for finished jobs. */
  async stop(id: string): Promise<void> {
    await this.runner.stop(this.require(id));
  }

  /** Sends a signal (e.g. 2 for SIGINT) to a running job (409 otherwise). */
  async signal(id: string, signal: number): Promise<void> {
    const entry = this.require(id);
    if (!entry.handle || !isActive(entry.record.active.status)) throw new JobNotRunningError(id, entry.record.active.status);
    await entry.handle.signal(signal);
  }

  /** `PUT /host/jobs/:id/discoverd-deregister`: removes the job's service instances from discovery (drain before stop). */
  async discoverdDeregister(id: string): Promise<void> {
    this.require(id);
    await this.services.stop(id);
  }

  /** Registers the service ports of every running job (after discovery became available). */
  registerServices(): void {
    for (const e of this.table.entries.values()) if (e.record.active.status === 'running') this.services.start(e.record.active);
  }

  /** Listens to one job's events or, with `'all'`, every job's. Returns the unsubscribe. */
  subscribe(jobId: string, listener: HostEventListener): () => void {
    return this.hub.subscribe(jobId, listener);
  }

  /** A running job's handle for an attach session (holds the job's cleanup until released). */
  attachable(id: string): AttachableJob | undefined {
    const entry = this.table.get(id);
    if (!entry?.handle || !entry.exit || entry.record.cleanedUp) return undefined;
    const release = this.runner.hold(entry);
    return { job: entry.record.active, handle: entry.handle, exit: entry.exit, liveCursor: entry.liveCursor, release };
  }

  /** A job's log lines from the LogManager (404 unknown job, 503 without a LogManager). */
  jobLog(id: string, opts: { lines?: number; follow?: boolean; signal?: AbortSignal }): AsyncIterable<LogLine> {
    const entry = this.require(id);
    if (!this.options.logs) throw new NotConfiguredError('logging');
    const { appId } = jobLogMeta(entry.record.active.job);
    return this.options.logs.read({ appId, jobId: id }, opts);
  }

  // ---------------------------------------------------------------- host config

  get discoverd(): HostDiscoverd | undefined {
    return this.hostState.discoverd;
  }

  get network(): HostNetwork | undefined {
    return this.hostState.network;
  }

  get tags(): Record<string, string> | undefined {
    return this.hostState.tags;
  }

  /** `POST /host/discoverd`: later jobs get `DISCOVERD`; jobs waiting for it start. */
  async configureDiscoverd(config: HostDiscoverd): Promise<void> {
    this.hostState = { ...this.hostState, discoverd: config };
    await this.store.saveHostState(this.hostState);
    this.wake();
  }

  /** `POST /host/network`: configures the NetworkManager (bridge, NAT); jobs waiting for it start. */
  async configureNetwork(config: HostNetwork): Promise<void> {
    if (this.options.network) {
      await this.options.network.configure({ subnet: config.subnet, mtu: config.mtu ?? 1500, resolvers: config.resolvers ?? [bridgeIp(config.subnet)] });
    }
    this.hostState = { ...this.hostState, network: config };
    await this.store.saveHostState(this.hostState);
    this.wake();
  }

  async setTags(tags: Record<string, string>): Promise<void> {
    this.hostState = { ...this.hostState, tags };
    await this.store.saveHostState(this.hostState);
  }

  /**
   * Stops accepting jobs and stops following the running ones (they keep
   * running and are re-attached by the next JobManager), or with `stopJobs`
   * stops them and waits until they exited. Pending writes are flushed.
   */
  async close(options: { stopJobs?: boolean } = {}): Promise<void> {
    this.shuttingDown = true;
    const active = [...this.table.entries.values()].filter((e) => isActive(e.record.active.status));
    if (options.stopJobs) {
      await Promise.all(
        active.map(async (e) => {
          const cleaned = this.cleanedUp(e.id);
          await this.runner.stop(e);
          await cleaned;
        }),
      );
    } else {
      this.runner.detach();
      for (const e of active) {
        e.killTimer?.cancel();
        e.pump?.stop();
      }
      await Promise.all(active.map((e) => e.pump?.done));
    }
    this.wake();
    await this.services.stopAll();
    // Finished jobs whose cleanup is pending or in flight are cleaned up before the state is flushed.
    const pending = [...this.table.entries.values()].filter((e) => isTerminal(e.record.active.status) && !e.record.cleanedUp);
    await this.atMost(Promise.all(pending.map((e) => this.cleanedUp(e.id))), 2 * (this.options.drainMs ?? 5_000) + 10_000);
    await this.store.flush();
  }

  private async atMost(p: Promise<unknown>, ms: number): Promise<void> {
    let timer: { cancel(): void } | undefined;
    await Promise.race([p, new Promise<void>((resolve) => (timer = this.clock.setTimer(ms, resolve)))]);
    timer?.cancel();
  }

  // ---------------------------------------------------------------- internals

  private async create(job: Job, token: StartToken): Promise<void> {
    const withDefaults: Job = { ...job, resources: withResourceDefaults(job.resources) };
    const created = createActiveJob(withDefaults, this.hostId, this.clock.now());
    // What the start will set up is recorded up front, so whatever a crash interrupts is undone at cleanup.
    const entry = this.table.insert({ v: JOB_RECORD_VERSION, active: created.job, setup: this.runner.plannedSetup(withDefaults) });
    this.table.emit(entry, 'create');
    // The start runs alongside the write (image layers are prepared meanwhile) and creates what outlives
    // the daemon (network, container) once a restarted daemon would find the record; the PUT is answered
    // once the record is durable (fsync'd), which is then off the start's path.
    const { visible, durable } = this.table.persistStaged(entry);
    void this.runner.start(entry, token, visible);
    await durable;
  }

  /** Resolves once the job published `cleanup` (at once if it already did). */
  private cleanedUp(id: string): Promise<void> {
    return new Promise<void>((resolve) => {
      const off = this.hub.subscribe(id, (e) => {
        if (e.event !== 'cleanup') return;
        off();
        resolve();
      });
      if (this.table.get(id)?.record.cleanedUp) {
        off();
        resolve();
      }
    });
  }

  private require(id: string) {
    const entry = this.table.get(id);
    if (!entry) throw new JobNotFoundError(id);
    return entry;
  }

  private checkVolumes(job: Job): void {
    const used = this.table.volumesInUse();
    const busy = [...new Set((job.config.volumes ?? []).map((v) => v.volume))].filter((v) => used.has(v));
    if (busy.length > 0) throw new VolumeInUseError(busy);
  }

  /** Volumes bound by starting or running jobs (a volume in use cannot be destroyed). */
  volumesInUse(): Set<string> {
    return this.table.volumesInUse();
  }

  private defaultEnv(): Record<string, string> {
    const env = { ...(this.options.defaultEnv ?? {}) };
    const url = this.hostState.discoverd?.url;
    if (url) env.DISCOVERD = url;
    return env;
  }

  private missingDependency(job: Job): 'network' | 'discoverd' | undefined {
    const waitNetwork = this.options.waitForNetwork ?? this.options.network !== undefined;
    if (waitNetwork && !job.config.host_network && this.hostState.network === undefined && this.options.network?.config === undefined) return 'network';
    if (this.options.waitForDiscoverd && !job.config.env?.DISCOVERD && !this.hostState.discoverd?.url) return 'discoverd';
    return undefined;
  }

  private wake(): void {
    for (const w of this.depsWaiters.splice(0)) w();
  }

  private async restore(): Promise<void> {
    await this.store.init();
    const stored = await this.store.loadHostState();
    const bootId = this.options.bootId ?? (await readBootId());
    const rebooted = stored.bootId !== undefined && bootId !== undefined && stored.bootId !== bootId;
    this.hostState = { ...stored, v: 1 };
    if (bootId !== undefined) this.hostState.bootId = bootId;
    await this.store.saveHostState(this.hostState);
    if (stored.network && this.options.network && this.options.network.config === undefined) {
      try {
        await this.configureNetwork(stored.network);
      } catch (err) {
        this.logger.error({ event: 'network_restore_failed', err }, 'could not re-apply the stored network config');
      }
    }
    const records = await this.store.loadAll();
    this.restored = await restoreJobs(records, {
      table: this.table,
      runner: this.runner,
      driver: this.options.driver,
      network: this.options.network,
      images: this.options.images,
      logger: this.logger,
      rebooted,
      resurrect: this.options.resurrect ?? true,
    });
    if (records.length > 0) {
      this.logger.info({ event: 'jobs_restored', jobs: records.length, reattached: this.restored.reattached.length, lost: this.restored.lost.length, rebooted }, 'restored job state');
    }
    this.registerServices();
    for (const job of this.restored.resurrect) void this.resurrect(job);
  }

  /** Starts a job again under a new id (waits for a start token instead of refusing). */
  private async resurrect(old: Job): Promise<void> {
    const id = newJobId(this.hostId, this.random);
    const job: Job = { ...old, id, config: { ...old.config } };
    if (job.config.env && 'FLYNN_JOB_ID' in job.config.env) job.config.env = { ...job.config.env, FLYNN_JOB_ID: id };
    this.logger.info({ event: 'job_resurrect', jobId: old.id, newJobId: id }, 'resurrecting job after a host reboot');
    const token = await this.limiter.acquire();
    await this.create(job, token);
  }
}

async function readBootId(): Promise<string | undefined> {
  try {
    return (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
  } catch {
    return undefined;
  }
}

/** `10.0.0.1/24` → `10.0.0.1`. */
function bridgeIp(subnet: string): string {
  return subnet.split('/')[0] ?? subnet;
}
