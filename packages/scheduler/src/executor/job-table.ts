/**
 * The executor's jobs: every job it knows (formation jobs, pending restarts,
 * blocked jobs and one-off jobs seen on hosts), keyed by UUID, with what was
 * observed about each. States change only through {@link JobTable.transition}
 * (forward, or between `pending` and `blocked`: the rule of `canTransition`),
 * and every change is reported to the listeners in order.
 */
import type { HostJobStatus } from '../core/job-state.js';
import { canTransition } from '../core/job-state.js';
import type { JobState, JobView, ResourceAmount } from '../core/model.js';

export interface JobRecord {
  /** UUID. */
  readonly id: string;
  /** App id. */
  app: string;
  release: string;
  type: string;
  state: JobState;
  hostId?: string;
  restarts: number;
  runAt?: number;
  startedAt?: number;
  createdAt: number;
  resources: ResourceAmount;
  oneOff: boolean;
  hostError?: string;
  exitStatus?: number;
  /** The host's latest status. */
  hostStatus?: HostJobStatus;
  /** The scheduler asked for the job to stop (a planner stop, not a crash). */
  stopRequested: boolean;
  /** The host is gone: down without a restart of its own (the planner replaces it). */
  lost: boolean;
  /** The discoverd service of its process type. */
  service?: string;
  /** Why it is blocked. */
  blockedReason?: string;
  /** When it was last seen on its host (listing or event). */
  seenAt?: number;
  /** When its start was last sent to its host. */
  sentAt?: number;
}

export type JobChangeListener = (job: Readonly<JobRecord>, prev: JobState | undefined) => void;

/** `<hostId>-<uuid>`, the id the host knows the job by. */
export function hostJobIdOf(job: Pick<JobRecord, 'id' | 'hostId'>): string | undefined {
  return job.hostId === undefined ? undefined : `${job.hostId}-${job.id}`;
}

export class JobTable {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly listeners = new Set<JobChangeListener>();

  get size(): number {
    return this.jobs.size;
  }

  get(id: string): JobRecord | undefined {
    return this.jobs.get(id);
  }

  all(): IterableIterator<JobRecord> {
    return this.jobs.values();
  }

  /** Adds a job (reported as a change from `undefined`). Throws if the id is known. */
  add(job: JobRecord): JobRecord {
    if (this.jobs.has(job.id)) throw new Error(`job ${job.id} is already known`);
    this.jobs.set(job.id, job);
    this.emit(job, undefined);
    return job;
  }

  /** Moves a job to `next` if allowed; returns whether it changed. */
  transition(job: JobRecord, next: JobState): boolean {
    if (job.state === next || !canTransition(job.state, next)) return false;
    const prev = job.state;
    job.state = next;
    this.emit(job, prev);
    return true;
  }

  /** Reports a change of a job's other fields (host error, blocked reason) to the listeners. */
  touch(job: JobRecord): void {
    this.emit(job, job.state);
  }

  delete(id: string): void {
    this.jobs.delete(id);
  }

  subscribe(fn: JobChangeListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The planner's view of the jobs that still matter (every state but `down`). */
  views(): JobView[] {
    const out: JobView[] = [];
    for (const j of this.jobs.values()) if (j.state !== 'down') out.push(toView(j));
    return out;
  }

  private emit(job: JobRecord, prev: JobState | undefined): void {
    for (const fn of this.listeners) fn(job, prev);
  }
}

export function toView(j: JobRecord): JobView {
  const v: JobView = { id: j.id, app: j.app, release: j.release, type: j.type, state: j.state, restarts: j.restarts, resources: { ...j.resources } };
  if (j.hostId !== undefined) v.hostId = j.hostId;
  if (j.runAt !== undefined) v.runAt = j.runAt;
  if (j.startedAt !== undefined) v.startedAt = j.startedAt;
  v.createdAt = j.createdAt;
  if (j.oneOff) v.oneOff = true;
  if (j.hostError !== undefined) v.hostError = j.hostError;
  return v;
}
