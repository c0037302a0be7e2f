/**
 * Carries out the planner's starts and stops on the hosts (reference §6.2,
 * §6.4):
 *
 * - start: `PUT /host/jobs/<host>-<uuid>` with the job built from the
 *   formation; failures worth retrying (429, 5xx, no answer) are retried
 *   with backoff while this scheduler leads and the job is still pending on
 *   that host; 409 means the host has it; any other answer fails the job
 *   (it goes down and is restarted with backoff).
 * - stop: for a job with a registered service, `discoverd-deregister` first
 *   and a bounded wait for the routers to drain it; then `DELETE` (404: the
 *   host no longer has it, so it is down).
 */
import { Backoff, noopLogger } from '@flynn-ts/core';
import type { Clock, Logger, Random, Timer } from '@flynn-ts/core';
import type { FormationSet } from './formation-set.js';
import type { HostSet } from './host-set.js';
import type { JobObserver } from './job-observer.js';
import type { JobRecord } from './job-table.js';
import { hostJobIdOf } from './job-table.js';
import { isRetryable, statusOf } from './retryable.js';
import type { RouterSet } from './router-set.js';
import type { ServiceSet } from './service-set.js';
import { hostJobFor } from './translate.js';

export interface ActionRunnerOptions {
  hosts: HostSet;
  formations: FormationSet;
  services: ServiceSet;
  routers: RouterSet;
  observer: JobObserver;
  /** Aborted when this scheduler stops leading. */
  leadership: () => AbortSignal;
  clock: Clock;
  random: Random;
  logger?: Logger;
  /** Bounded wait for `backend-drained` before a stop. Default 10 000 ms. */
  drainTimeoutMs?: number;
  /**
   * Starts in progress per host (sent, and not yet running or failed on the
   * host): more would be answered 429. Default 4, the host's default.
   */
  maxStartsPerHost?: number;
}

/** A per-host count of starts in progress, with waiters for a free slot. */
class StartSlots {
  private readonly used = new Map<string, number>();
  private readonly waiters = new Map<string, (() => void)[]>();
  constructor(private readonly max: number) {}

  /** Waits for a free slot on the host; false when aborted first. */
  async acquire(hostId: string, signal: AbortSignal): Promise<boolean> {
    while ((this.used.get(hostId) ?? 0) >= this.max) {
      if (signal.aborted) return false;
      await new Promise<void>((resolve) => {
        const list = this.waiters.get(hostId) ?? [];
        const wake = () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          const i = list.indexOf(wake);
          if (i >= 0) list.splice(i, 1);
          resolve();
        };
        list.push(wake);
        this.waiters.set(hostId, list);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    }
    if (signal.aborted) return false;
    this.used.set(hostId, (this.used.get(hostId) ?? 0) + 1);
    return true;
  }

  release(hostId: string): void {
    const n = (this.used.get(hostId) ?? 1) - 1;
    if (n <= 0) this.used.delete(hostId);
    else this.used.set(hostId, n);
    this.waiters.get(hostId)?.shift()?.();
  }
}

export class ActionRunner {
  private readonly starts = new Map<string, Promise<void>>();
  private readonly stops = new Map<string, Promise<void>>();
  private readonly killed = new Set<string>();
  private readonly startHosts = new Map<string, string>();
  private readonly logger: Logger;
  private readonly slots: StartSlots;
  /** Jobs holding a start slot on their host, with the timer that frees it at the latest. */
  private readonly holding = new Map<string, { hostId: string; timer: Timer }>();

  constructor(private readonly o: ActionRunnerOptions) {
    this.logger = o.logger ?? noopLogger;
    this.slots = new StartSlots(Math.max(1, o.maxStartsPerHost ?? 4));
  }

  /**
   * A job changed: its start slot is free once the host runs it (or it
   * failed, or went down).
   */
  jobChanged(rec: JobRecord): void {
    const held = this.holding.get(rec.id);
    if (!held) return;
    if (rec.state === 'down' || (rec.hostStatus !== undefined && rec.hostStatus !== 'starting') || rec.hostId !== held.hostId) this.free(rec.id);
  }

  private free(id: string): void {
    const held = this.holding.get(id);
    if (!held) return;
    this.holding.delete(id);
    held.timer.cancel();
    this.slots.release(held.hostId);
  }

  /** A start is being sent for this job. */
  sending(uuid: string): boolean {
    return this.starts.has(uuid);
  }

  get inFlight(): { starts: number; stops: number } {
    return { starts: this.starts.size, stops: this.stops.size };
  }

  start(rec: JobRecord): void {
    const hostId = rec.hostId;
    if (hostId === undefined) return;
    const prev = this.starts.get(rec.id);
    if (prev && this.startHosts.get(rec.id) === hostId) return;
    const signal = this.o.leadership();
    // A start still running for another host gives up at its next check; this one follows it.
    const p = (async () => {
      await prev;
      await this.runStart(rec, hostId, signal);
    })().finally(() => {
      if (this.starts.get(rec.id) === p) {
        this.starts.delete(rec.id);
        this.startHosts.delete(rec.id);
      }
    });
    this.starts.set(rec.id, p);
    this.startHosts.set(rec.id, hostId);
  }

  stop(rec: JobRecord): void {
    if (this.stops.has(rec.id)) return;
    const p = this.runStop(rec, this.o.leadership()).finally(() => this.stops.delete(rec.id));
    this.stops.set(rec.id, p);
  }

  /** Stops a job the scheduler counts as down but its host still runs (once; no drain, no retry). */
  kill(rec: JobRecord): void {
    const id = hostJobIdOf(rec);
    if (id === undefined || this.stops.has(rec.id) || this.killed.has(id)) return;
    this.killed.add(id);
    const client = this.o.hosts.get(rec.hostId!)?.link?.client;
    this.logger.warn({ event: 'job_zombie', job: rec.id, hostId: rec.hostId }, 'host runs a job that was replaced; stopping it');
    void client?.stopJob(id).catch((err: unknown) => this.logger.warn({ event: 'job_zombie_stop_failed', job: rec.id, err }, 'could not stop the replaced job'));
  }

  /** Resolves when every start and stop in flight has ended. */
  async settled(): Promise<void> {
    while (this.starts.size + this.stops.size > 0) await Promise.allSettled([...this.starts.values(), ...this.stops.values()]);
  }

  private async runStart(rec: JobRecord, hostId: string, signal: AbortSignal): Promise<void> {
    const entry = this.o.formations.get(rec.app, rec.release);
    if (!entry) {
      this.o.observer.startFailed(rec, `formation ${rec.app}/${rec.release} is unknown`);
      return;
    }
    const job = hostJobFor({ formation: entry.wire, type: rec.type, uuid: rec.id, hostId, restarts: rec.restarts });
    const backoff = new Backoff({ initialMs: 250, factor: 1.5, maxMs: 10_000 }, this.o.random);
    const log = this.logger.child({ job: rec.id, hostId, app: entry.wire.app.name, type: rec.type });
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted || rec.hostId !== hostId || rec.state !== 'pending' || rec.stopRequested) return;
      const link = this.o.hosts.get(hostId)?.link;
      if (link && (await this.slots.acquire(hostId, signal))) {
        // Held until the host runs the job (see jobChanged), 30 s at most.
        this.holding.set(rec.id, { hostId, timer: this.o.clock.setTimer(30_000, () => this.free(rec.id)) });
        try {
          if (rec.hostId !== hostId || rec.state !== 'pending' || rec.stopRequested) {
            this.free(rec.id);
            return;
          }
          rec.sentAt = this.o.clock.now();
          await link.client.addJob(job);
          log.info({ event: 'job_sent' }, 'job sent to host');
          this.jobChanged(rec);
          return;
        } catch (err) {
          this.free(rec.id);
          const status = statusOf(err);
          if (status === 409) return;
          if (!isRetryable(err)) {
            log.warn({ event: 'job_start_failed', err }, 'host refused the job');
            this.o.observer.startFailed(rec, err instanceof Error ? err.message : String(err));
            return;
          }
          if (attempt % 10 === 0 || status !== 429) log.debug({ event: 'job_start_retry', attempt, err }, 'job start failed; retrying');
        }
      }
      await this.o.clock.sleep(backoff.next(), signal).catch(() => {});
    }
  }

  private async runStop(rec: JobRecord, signal: AbortSignal): Promise<void> {
    await this.starts.get(rec.id);
    const hostId = rec.hostId;
    const hostJobId = hostJobIdOf(rec);
    if (hostId === undefined || hostJobId === undefined) return;
    const log = this.logger.child({ job: rec.id, hostId, type: rec.type });
    const reg = rec.service !== undefined ? this.o.services.registration(hostJobId) : undefined;
    const client = () => this.o.hosts.get(hostId)?.link?.client;
    if (reg && rec.service) {
      try {
        await client()?.discoverdDeregisterJob(hostJobId);
        const drained = await this.o.routers.waitDrained(rec.service, reg.addr, this.o.drainTimeoutMs ?? 10_000, signal);
        if (!drained && !signal.aborted) log.warn({ event: 'drain_timeout', service: rec.service, addr: reg.addr }, 'routers did not drain the job in time; stopping it anyway');
      } catch (err) {
        log.warn({ event: 'deregister_failed', err }, 'could not deregister the job; stopping it anyway');
      }
    }
    const backoff = new Backoff({ initialMs: 250, factor: 1.5, maxMs: 10_000 }, this.o.random);
    for (;;) {
      if (signal.aborted || rec.state !== 'stopping') return;
      const c = client();
      if (c) {
        try {
          await c.stopJob(hostJobId);
          log.info({ event: 'job_stopped' }, 'job stop sent to host');
          return;
        } catch (err) {
          if (statusOf(err) === 404) {
            this.o.observer.gone(rec);
            return;
          }
          if (!isRetryable(err)) {
            log.warn({ event: 'job_stop_failed', err }, 'host refused to stop the job');
            return;
          }
        }
      }
      await this.o.clock.sleep(backoff.next(), signal).catch(() => {});
    }
  }
}
