/**
 * Runs jobs: the start sequence (dependencies → volumes → image → network →
 * env → driver), following a started container (log pump, exit), stop with
 * SIGTERM then SIGKILL after the grace period, and cleanup. The job's status
 * changes only through the pure transitions (./core/job-state.ts) applied by
 * the {@link JobTable}.
 */
import { join } from 'node:path';
import type { Clock, Logger } from '@flynn-ts/core';
import type { ContainerExit, ContainerHandle, ContainerMount, ContainerSpec, ImageStore, JobNetwork, LogManager, NetworkManager, RuntimeDriver } from '../contracts.js';
import type { Job } from '../types.js';
import type { VolumeManager } from '../volume/volume-manager.js';
import { buildJobEnv } from './core/job-env.js';
import { isTerminal } from './core/job-state.js';
import { containerLimits, tempDiskBytes, withResourceDefaults } from './core/resources.js';
import { errorMessage, VolumeNotFoundError } from './errors.js';
import { startLogPump } from './log-pump.js';
import type { StartLimiter, StartToken } from './start-limiter.js';
import type { JobEntry, JobTable } from './job-table.js';

export const SIGTERM = 15;
export const SIGKILL = 9;
const OOM_MESSAGE = 'FATAL: a container process was killed due to lack of available memory';

export interface JobRunnerDeps {
  table: JobTable;
  stateDir: string;
  driver: RuntimeDriver;
  network: NetworkManager | undefined;
  images: ImageStore | undefined;
  logs: LogManager | undefined;
  volumes: VolumeManager | undefined;
  limiter: StartLimiter;
  clock: Clock;
  logger: Logger;
  stopGraceMs: number;
  cursorFlushMs: number;
  /** Longest wait for the output to drain after an exit, and for attach sessions before cleanup. */
  drainMs: number;
  maxDownJobs: number;
  /** Host env defaults (EXTERNAL_IP, LISTEN_IP, DISCOVERD). */
  defaultEnv(): Record<string, string>;
  /** What the job still waits for before it can start, if anything. */
  missingDependency(job: Job): 'network' | 'discoverd' | undefined;
  /** Resolves on the next change of a dependency (or a stop request). */
  dependencyChanged(): Promise<void>;
  /** Wakes waiters of {@link dependencyChanged}. */
  wakeDependencies(): void;
}

export class JobRunner {
  /** Set when the manager closed without stopping jobs: exits are left for the next manager. */
  private detached = false;

  constructor(private readonly d: JobRunnerDeps) {}

  /** Stops acting on jobs (daemon shutdown leaving them running): the next manager re-attaches. */
  detach(): void {
    this.detached = true;
  }

  containerDir(id: string): string {
    return join(this.d.stateDir, 'containers', id);
  }

  /** What starting `job` will set up (recorded before anything is). */
  plannedSetup(job: Job): { image?: boolean; network?: boolean } {
    const setup: { image?: boolean; network?: boolean } = {};
    if (job.mountspecs && job.mountspecs.length > 0 && this.d.images) setup.image = true;
    if (this.d.network && !job.config.host_network) setup.network = true;
    return setup;
  }

  /**
   * The async start of a created job; `token` is held until it ran or failed.
   * `recorded` resolves once the job's record is written (a restarted daemon
   * would find it): the network and the container, which outlive a daemon
   * crash, are only made after it.
   */
  async start(entry: JobEntry, token: StartToken, recorded: Promise<void> = Promise.resolve()): Promise<void> {
    const held = { token };
    const log = this.d.logger.child({ jobId: entry.id });
    try {
      await this.waitForDependencies(entry, held);
      if (entry.record.active.force_stop) {
        log.info({ event: 'job_stopped_before_start' }, 'job stopped before it started');
        this.d.table.apply(entry, { kind: 'exited', at: this.d.clock.now(), exitStatus: 0 });
        await this.d.table.persist(entry);
        await this.cleanup(entry);
        return;
      }
      const spec = await this.prepare(entry, recorded);
      await recorded;
      const handle = await this.d.driver.start(spec);
      this.onStarted(entry, handle);
      await this.d.table.persist(entry);
      log.info({ event: 'job_started', pid: handle.pid }, 'job running');
      if (entry.record.active.force_stop) await this.stop(entry);
    } catch (err) {
      log.warn({ event: 'job_start_failed', err }, 'job failed to start');
      this.d.table.apply(entry, { kind: 'failed', at: this.d.clock.now(), error: errorMessage(err) });
      await this.d.table.persist(entry);
      await this.cleanup(entry);
    } finally {
      held.token.release();
    }
  }

  /** A container (started or re-attached) now runs: record it and follow it. */
  onStarted(entry: JobEntry, handle: ContainerHandle): void {
    entry.handle = handle;
    entry.exit = handle.wait();
    const started: { kind: 'started'; at: number; pid?: number; internalIp?: string } = { kind: 'started', at: this.d.clock.now(), pid: handle.pid };
    if (entry.record.active.internal_ip !== undefined) started.internalIp = entry.record.active.internal_ip;
    this.d.table.apply(entry, started);
    this.follow(entry);
  }

  /** SIGTERM now, SIGKILL after the grace period (counted from the first stop request). */
  async stop(entry: JobEntry): Promise<void> {
    const status = entry.record.active.status;
    if (status === 'starting') {
      if (entry.handle) return this.stopRunning(entry);
      if (!entry.record.active.force_stop) {
        this.d.table.apply(entry, { kind: 'force-stop' });
        await this.d.table.persist(entry);
      }
      this.d.wakeDependencies();
      return;
    }
    if (status === 'running') return this.stopRunning(entry);
  }

  /** Re-arms a SIGKILL that a previous daemon scheduled (after a restart). */
  resumeStop(entry: JobEntry): void {
    if (entry.record.stopRequestedAt !== undefined) this.armKill(entry);
  }

  private async stopRunning(entry: JobEntry): Promise<void> {
    if (entry.record.stopRequestedAt === undefined) {
      entry.record.stopRequestedAt = this.d.clock.now();
      await this.d.table.persist(entry);
    }
    this.armKill(entry);
    await this.signal(entry, SIGTERM);
  }

  private armKill(entry: JobEntry): void {
    if (entry.killTimer || isTerminal(entry.record.active.status)) return;
    const elapsed = this.d.clock.now() - (entry.record.stopRequestedAt ?? this.d.clock.now());
    entry.killTimer = this.d.clock.setTimer(Math.max(0, this.d.stopGraceMs - elapsed), () => {
      if (isTerminal(entry.record.active.status)) return;
      this.d.logger.info({ event: 'job_kill', jobId: entry.id, graceMs: this.d.stopGraceMs }, 'grace period over: SIGKILL');
      void this.signal(entry, SIGKILL);
    });
  }

  async signal(entry: JobEntry, signal: number): Promise<void> {
    try {
      await entry.handle?.signal(signal);
    } catch (err) {
      // The process may have exited between the status check and the kill.
      if (!isTerminal(entry.record.active.status)) this.d.logger.warn({ event: 'job_signal_failed', jobId: entry.id, signal, err }, 'signal failed');
    }
  }

  /** Releases the start token while the job waits for the network or discoverd. */
  private async waitForDependencies(entry: JobEntry, held: { token: StartToken }): Promise<void> {
    for (;;) {
      const missing = this.d.missingDependency(entry.record.active.job);
      if (missing === undefined || entry.record.active.force_stop) return;
      this.d.logger.info({ event: 'job_waiting', jobId: entry.id, for: missing }, `job waits for ${missing} to be configured`);
      held.token.release();
      await this.d.dependencyChanged();
      held.token = await this.d.limiter.acquire();
    }
  }

  /** Volumes, image, network and env: everything the driver needs. The network only once `recorded`. */
  private async prepare(entry: JobEntry, recorded: Promise<void>): Promise<ContainerSpec> {
    const job = entry.record.active.job;
    const setup = (entry.record.setup ??= {});
    Object.assign(setup, this.plannedSetup(job));
    const mounts: ContainerMount[] = this.volumeMounts(job);
    let lowerDirs: string[] | undefined;
    if (setup.image) {
      lowerDirs = (await this.d.images!.prepare(job.mountspecs!)).lowerDirs;
      entry.imageHeld = true;
    }
    let net: JobNetwork | undefined;
    if (setup.network) {
      await recorded;
      net = await this.d.network!.attach(entry.id);
      mounts.push({ source: net.resolvConf, target: '/etc/resolv.conf', writeable: false });
    }
    const envInput: Parameters<typeof buildJobEnv>[0] = { defaults: this.d.defaultEnv() };
    if (job.config.env) envInput.env = job.config.env;
    if (job.config.ports) envInput.ports = job.config.ports;
    if (net) envInput.containerIp = net.ip;
    const { env, ports } = buildJobEnv(envInput);
    const resolved: Job = { ...job, config: { ...job.config, env } };
    if (job.config.ports) resolved.config.ports = ports;
    this.d.table.apply(entry, net ? { kind: 'resolved', job: resolved, internalIp: net.ip } : { kind: 'resolved', job: resolved });
    // Not awaited: what it adds (the resolved env and ports, the IP) is written again once the job runs,
    // and what a crash must undo was recorded before anything was set up.
    void this.d.table.persist(entry);

    const dir = this.containerDir(entry.id);
    const resources = withResourceDefaults(job.resources);
    const spec: ContainerSpec = {
      jobId: entry.id,
      args: job.config.args ?? [],
      env,
      hostname: hostnameFor(entry.id),
      tty: job.config.tty ?? false,
      stdin: job.config.stdin ?? false,
      tempDiskBytes: tempDiskBytes(resources),
      limits: containerLimits(resources),
      network: net ? { mode: 'netns', netnsPath: net.netnsPath } : { mode: 'host' },
      mounts,
      stateDir: dir,
    };
    if (lowerDirs) spec.lowerDirs = lowerDirs;
    if (job.config.working_dir !== undefined) spec.workingDir = job.config.working_dir;
    if (job.config.uid !== undefined) spec.uid = job.config.uid;
    if (job.config.gid !== undefined) spec.gid = job.config.gid;
    if (job.config.linux_capabilities !== undefined) spec.capabilities = [...job.config.linux_capabilities];
    return spec;
  }

  private volumeMounts(job: Job): ContainerMount[] {
    return (job.config.volumes ?? []).map((v) => {
      if (!this.d.volumes?.has(v.volume)) throw new VolumeNotFoundError(v.volume);
      return { source: this.d.volumes.path(v.volume), target: v.target, writeable: v.writeable ?? false };
    });
  }

  /** Pumps logs and waits for the exit; then drains, records the exit and cleans up. */
  private follow(entry: JobEntry): void {
    const handle = entry.handle!;
    const job = entry.record.active.job;
    if (this.d.logs && !job.config.disable_log) {
      const meta = jobLogMeta(job);
      const pump = startLogPump({
        handle,
        logs: this.d.logs,
        after: entry.record.cursor,
        jobId: entry.id,
        ...meta,
        clock: this.d.clock,
        logger: this.d.logger,
        flushMs: this.d.cursorFlushMs,
        onCursor: (cursor) => {
          entry.record.cursor = cursor;
          void this.d.table.persist(entry);
        },
        onChunk: (cursor) => {
          entry.liveCursor = cursor;
        },
      });
      entry.pump = pump;
    }
    entry.exit!.then(
      (exit) => this.onExit(entry, exit),
      (err: unknown) => this.onLost(entry, `waiting for the container failed: ${errorMessage(err)}`),
    );
  }

  private async onExit(entry: JobEntry, exit: ContainerExit): Promise<void> {
    if (this.detached) return;
    entry.killTimer?.cancel();
    if (exit.oomKilled && this.d.logs && !entry.record.active.job.config.disable_log) {
      this.d.logs.write({ jobId: entry.id, ...jobLogMeta(entry.record.active.job), stream: 'init', message: OOM_MESSAGE, time: this.d.clock.now() });
    }
    // Let the log pump read the last output first: a job reported done has its logs written.
    if (entry.pump) await this.bounded(entry.pump.done);
    if (this.d.logs?.flush) await this.bounded(this.d.logs.flush());
    if (this.detached) return;
    this.d.logger.info({ event: 'job_exited', jobId: entry.id, code: exit.code, signal: exit.signal, oomKilled: exit.oomKilled }, 'job exited');
    this.d.table.apply(entry, { kind: 'exited', at: this.d.clock.now(), exitStatus: exit.code });
    await this.d.table.persist(entry);
    await this.cleanup(entry);
  }

  async onLost(entry: JobEntry, error: string): Promise<void> {
    if (this.detached) return;
    entry.killTimer?.cancel();
    this.d.logger.warn({ event: 'job_lost', jobId: entry.id, error }, 'job lost');
    this.d.table.apply(entry, { kind: 'lost', at: this.d.clock.now(), error });
    await this.d.table.persist(entry);
    await this.cleanup(entry);
  }

  /** Undoes what the job set up (after attach sessions let go); publishes `cleanup`. Once. */
  cleanup(entry: JobEntry): Promise<void> {
    entry.cleanup ??= this.doCleanup(entry);
    return entry.cleanup;
  }

  private async doCleanup(entry: JobEntry): Promise<void> {
    if (entry.holds > 0) await this.bounded(new Promise<void>((resolve) => (entry.onHoldsReleased = resolve)));
    if (entry.record.cleanedUp) return;
    const job = entry.record.active.job;
    const setup = entry.record.setup ?? {};
    await this.attempt(entry, 'driver', () => this.d.driver.cleanup(entry.id, this.containerDir(entry.id)));
    if (setup.network && this.d.network) await this.attempt(entry, 'network', () => this.d.network!.detach(entry.id));
    // Only a hold this process took (a failed prepare took none): releasing another would drop another job's.
    if (entry.imageHeld && this.d.images && job.mountspecs) await this.attempt(entry, 'image', () => this.d.images!.release(job.mountspecs!));
    entry.imageHeld = false;
    for (const v of job.config.volumes ?? []) {
      if (v.delete_on_stop && this.d.volumes?.has(v.volume)) await this.attempt(entry, 'volume', () => this.d.volumes!.destroy(v.volume));
    }
    entry.record.cleanedUp = true;
    delete entry.pump;
    await this.d.table.persist(entry);
    this.d.table.emit(entry, 'cleanup');
    await this.d.table.prune(this.d.maxDownJobs);
  }

  /** Holds the job's output for an attach session; cleanup waits until released. */
  hold(entry: JobEntry): () => void {
    entry.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      entry.holds--;
      if (entry.holds === 0) entry.onHoldsReleased?.();
    };
  }

  private async attempt(entry: JobEntry, what: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.d.logger.error({ event: 'job_cleanup_failed', jobId: entry.id, what, err }, `cleanup of ${what} failed`);
    }
  }

  /** Waits for `p`, but at most `drainMs`. */
  private async bounded(p: Promise<unknown>): Promise<void> {
    let timer: { cancel(): void } | undefined;
    await Promise.race([p.catch(() => {}), new Promise<void>((resolve) => (timer = this.d.clock.setTimer(this.d.drainMs, resolve)))]);
    timer?.cancel();
  }
}

/** APP-NAME and process type of a job's log lines: the controller's metadata, else the job id. */
export function jobLogMeta(job: Job): { appId: string; processType?: string } {
  const appId = job.metadata?.['flynn-controller.app'] || job.id;
  const type = job.metadata?.['flynn-controller.type'];
  return type ? { appId, processType: type } : { appId };
}

/** A hostname from the job id (≤ 63 characters, as the kernel allows). */
export function hostnameFor(jobId: string): string {
  const h = jobId.replace(/[^A-Za-z0-9-]/g, '-').slice(-63).replace(/^-+/, '');
  return h === '' ? 'job' : h;
}
