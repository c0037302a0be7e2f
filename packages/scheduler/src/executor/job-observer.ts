/**
 * Folds what hosts, discovery and routers report into the job table: each
 * observation updates a job's facts, then {@link advance} gives its next
 * state (never backwards). A job with a service is `up` once registered in
 * discovery and reported `backend-up` by every router with a route to the
 * service, or once `routerWaitMs` passed since it registered.
 */
import type { Clock, Logger, Timer } from '@flynn-ts/core';
import { noopLogger } from '@flynn-ts/core';
import { advance } from '../core/job-state.js';
import type { FormationSet } from './formation-set.js';
import type { JobRecord, JobTable } from './job-table.js';
import { hostJobIdOf } from './job-table.js';
import type { RouterSet } from './router-set.js';
import type { ServiceSet } from './service-set.js';
import type { HostJobFacts } from './translate.js';
import { hostJobFacts } from './translate.js';
import type { WireActiveJob } from './wire.js';

export interface JobObserverOptions {
  table: JobTable;
  formations: FormationSet;
  services: ServiceSet;
  routers: RouterSet;
  clock: Clock;
  logger?: Logger;
  /** Bounded wait for the routers' `backend-up`. Default 10 000 ms (the original's). */
  routerWaitMs?: number;
  /** Jobs whose start is still being sent (not missing from a listing). */
  sending: (uuid: string) => boolean;
  /** The host reported on a job (its status may have changed without its state). */
  reported?: (rec: JobRecord) => void;
  /** A host runs a job the scheduler already counts as down (e.g. lost with its host, then replaced). */
  zombie?: (rec: JobRecord) => void;
}

export class JobObserver {
  private readonly registeredAt = new Map<string, number>();
  private readonly timers = new Map<string, Timer>();
  private readonly logger: Logger;

  constructor(private readonly o: JobObserverOptions) {
    this.logger = o.logger ?? noopLogger;
  }

  get routerWaitMs(): number {
    return this.o.routerWaitMs ?? 10_000;
  }

  close(): void {
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }

  /** A job as its host reports it (an event or a listing entry). */
  hostJob(hostId: string, hostJobId: string, aj: WireActiveJob): void {
    const facts = hostJobFacts(hostId, hostJobId, aj);
    if (facts) this.facts(hostId, facts);
  }

  /** A full listing started at `startedAt`: live jobs missing from it are gone from the host. */
  listing(hostId: string, jobs: Record<string, WireActiveJob>, startedAt: number): void {
    for (const [id, aj] of Object.entries(jobs)) this.hostJob(hostId, id, aj);
    const listed = new Set(Object.keys(jobs));
    for (const rec of [...this.o.table.all()]) {
      if (rec.hostId !== hostId || rec.state === 'down' || rec.state === 'blocked') continue;
      if (listed.has(hostJobIdOf(rec)!) || this.o.sending(rec.id)) continue;
      if (Math.max(rec.seenAt ?? 0, rec.sentAt ?? 0, rec.createdAt) >= startedAt) continue;
      this.logger.warn({ event: 'job_missing', job: rec.id, hostId, state: rec.state }, 'job not found on its host');
      rec.hostError ??= 'job not found on host';
      rec.hostStatus = 'failed';
      this.reevaluate(rec);
    }
  }

  /** A start the host refused for good: the job failed. */
  startFailed(rec: JobRecord, error: string): void {
    rec.hostError = error;
    rec.hostStatus = 'failed';
    this.reevaluate(rec);
  }

  /** The host no longer knows a job the scheduler stops. */
  gone(rec: JobRecord): void {
    rec.hostStatus ??= 'done';
    if (rec.hostStatus === 'starting' || rec.hostStatus === 'running') rec.hostStatus = 'done';
    this.reevaluate(rec);
  }

  /** A job's registration changed (by host job id). */
  registration(hostJobId: string): void {
    const rec = this.o.table.get(hostJobId.slice(-36));
    if (rec && hostJobIdOf(rec) === hostJobId) this.reevaluate(rec);
  }

  /** A router changed what it says about `service`. */
  routers(service: string): void {
    for (const rec of this.o.table.all()) if (rec.service === service && rec.state === 'starting') this.reevaluate(rec);
  }

  /** Recomputes a job's state from its facts. */
  reevaluate(rec: JobRecord): void {
    if (rec.service === undefined && !rec.oneOff) {
      const service = this.o.formations.get(rec.app, rec.release)?.formation.types[rec.type]?.service;
      if (service) rec.service = service;
    }
    const hostJobId = hostJobIdOf(rec);
    const reg = rec.service !== undefined && hostJobId !== undefined ? this.o.services.registration(hostJobId) : undefined;
    const now = this.o.clock.now();
    let routersReady = false;
    let routerWaitExpired = false;
    if (reg && rec.service) {
      routersReady = this.o.routers.ready(rec.service, reg.addr);
      let at = this.registeredAt.get(rec.id);
      if (at === undefined) this.registeredAt.set(rec.id, (at = now));
      routerWaitExpired = now - at >= this.routerWaitMs;
      if (!routersReady && !routerWaitExpired && !this.timers.has(rec.id) && rec.state !== 'up') {
        this.timers.set(
          rec.id,
          this.o.clock.setTimer(at + this.routerWaitMs - now, () => {
            this.timers.delete(rec.id);
            this.reevaluate(rec);
          }),
        );
      }
    }
    const next = advance(rec.state, {
      ...(rec.hostStatus ? { host: rec.hostStatus } : {}),
      stopRequested: rec.stopRequested,
      hasService: rec.service !== undefined,
      registered: reg !== undefined,
      routersReady,
      routerWaitExpired,
    });
    if (next === 'up' && rec.startedAt === undefined) rec.startedAt = now;
    if (next === 'up' && reg && !routersReady && rec.state !== 'up') {
      this.logger.warn({ event: 'router_wait_expired', job: rec.id, service: rec.service }, 'routers did not report the job up in time; counting it up');
    }
    if (this.o.table.transition(rec, next) && (next === 'up' || next === 'down')) this.forget(rec.id);
  }

  private forget(id: string): void {
    this.timers.get(id)?.cancel();
    this.timers.delete(id);
    this.registeredAt.delete(id);
  }

  private facts(hostId: string, f: HostJobFacts): void {
    const now = this.o.clock.now();
    let rec = this.o.table.get(f.uuid);
    if (rec && rec.hostId !== undefined && rec.hostId !== hostId) return;
    if (!rec) {
      if (f.status === 'done' || f.status === 'crashed' || f.status === 'failed') return;
      rec = this.o.table.add(this.recordFrom(hostId, f, now));
    }
    if (rec.state === 'down' && (f.status === 'running' || f.status === 'starting')) {
      this.o.zombie?.(rec);
      return;
    }
    rec.hostId = hostId;
    rec.hostStatus = f.status;
    rec.seenAt = now;
    if (f.startedAt !== undefined) rec.startedAt = f.startedAt;
    if (f.exitStatus !== undefined) rec.exitStatus = f.exitStatus;
    if (f.error !== undefined) rec.hostError = f.error;
    this.reevaluate(rec);
    this.o.reported?.(rec);
  }

  private recordFrom(hostId: string, f: HostJobFacts, now: number): JobRecord {
    const rec: JobRecord = {
      id: f.uuid,
      app: f.app ?? '',
      release: f.release ?? '',
      type: f.type ?? '',
      state: 'pending',
      hostId,
      restarts: f.restarts,
      createdAt: now,
      resources: f.resources,
      oneOff: !f.formation,
      stopRequested: false,
      lost: false,
    };
    const service = this.o.formations.get(rec.app, rec.release)?.formation.types[rec.type]?.service;
    if (service) rec.service = service;
    return rec;
  }
}
