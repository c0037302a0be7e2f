/**
 * The state of one `plan()` call shared by the per-type deciders: the ledger,
 * the actions emitted so far and the helpers that emit them.
 */
import type { Random } from '@flynn-ts/core';
import type { HostLedger, LedgerHost } from './host-ledger.js';
import { newJobId } from './job-id.js';
import type { Action, Formation, JobView, ResourceAmount, StopReason } from './model.js';

/** A decided (formation, type): what it wants placed once every group has decided its stops. */
export interface GroupPlacement {
  /** 0 omni, 1 system app, 2 other: placement order. */
  readonly priority: number;
  place(ctx: PlanContext): void;
}

export class PlanContext {
  readonly actions: Action[] = [];

  constructor(
    readonly now: number,
    readonly random: Random,
    readonly ledger: HostLedger,
  ) {}

  /** Draining hosts' jobs are stopped first. */
  readonly draining = (hostId: string): boolean => this.ledger.get(hostId)?.host.shutdown === true;

  stop(job: JobView, reason: StopReason): void {
    const action: Action = { kind: 'stop', jobId: job.id, app: job.app, release: job.release, type: job.type, reason };
    if (job.hostId !== undefined) action.hostId = job.hostId;
    this.actions.push(action);
  }

  start(job: JobView, host: LedgerHost): void {
    this.actions.push({ kind: 'start', job: { ...job, state: 'pending', hostId: host.id }, hostId: host.id });
  }

  block(f: Formation, type: string, jobs: JobView[], reason: string): void {
    if (jobs.length === 0) return;
    const blocked = jobs.map((j): JobView => ({ ...j, state: 'blocked' }));
    this.actions.push({ kind: 'block', app: f.app, release: f.release, type, jobs: blocked, reason });
  }

  /** A new job of the group, not yet placed. Draws its id from the plan's Random. */
  newJob(f: Formation, type: string, request: ResourceAmount): JobView {
    return {
      id: newJobId(this.random),
      app: f.app,
      release: f.release,
      type,
      state: 'pending',
      restarts: 0,
      createdAt: this.now,
      resources: { memory: request.memory, cpu: request.cpu },
    };
  }
}

/** Unplaced jobs in the order they are placed: the oldest first. */
export function placementQueueOrder(a: JobView, b: JobView): number {
  const ca = a.createdAt ?? 0;
  const cb = b.createdAt ?? 0;
  if (ca !== cb) return ca - cb;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** A pending/blocked job whose backoff has passed. */
export function isReady(job: JobView, now: number): boolean {
  return job.runAt === undefined || job.runAt <= now;
}
