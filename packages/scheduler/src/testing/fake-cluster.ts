/**
 * Fakes of the executor's ports for unit tests (no sockets, no real time):
 * a controller that keeps formations and every job write, and hosts whose
 * jobs the test drives (`crash`, `down`). Hosts answer at once and report
 * `create`, then `start` (running) on the next microtask.
 */
import { HttpConnectionError } from '@flynn-ts/core/http';
import { HttpError } from '@flynn-ts/core';
import type { ClosableStream, JobWrite, SchedulerController, SchedulerHost } from '../executor/ports.js';
import type { WireActiveJob, WireExpandedFormation, WireFormationItem, WireHostEvent, WireHostJob, WireHostStatus, WireJob, WireProcessType } from '../executor/wire.js';
import { AsyncQueue } from './async-queue.js';

function stream<T>(q: AsyncQueue<T>, signal: AbortSignal | undefined): ClosableStream<T> {
  signal?.addEventListener('abort', () => q.end(), { once: true });
  return { close: () => q.end(), [Symbol.asyncIterator]: () => q[Symbol.asyncIterator]() };
}

/** An expanded formation for tests: app `id`/`name` = `app`, one artifact-less release. */
export function testWireFormation(app: string, release: string, processes: Record<string, number>, types: Record<string, WireProcessType> = {}): WireExpandedFormation {
  const all: Record<string, WireProcessType> = {};
  for (const t of Object.keys(processes)) all[t] = { args: ['sleep', '3600'] };
  Object.assign(all, types);
  return { app: { id: app, name: app, meta: {} }, release: { id: release, processes: all }, processes, tags: {}, updated_at: new Date(0).toISOString() };
}

export class FakeSchedulerController implements SchedulerController {
  readonly formations = new Map<string, WireExpandedFormation>();
  /** Every job write, in order. */
  readonly writes: JobWrite[] = [];
  /** The latest write per job. */
  readonly jobs = new Map<string, JobWrite>();
  readonly completedScales: string[] = [];
  private readonly streams = new Set<AsyncQueue<WireFormationItem>>();
  private scaleSeq = 0;

  /** Creates or replaces a formation (with a pending scale request) and streams it. */
  setFormation(f: WireExpandedFormation): void {
    const withScale = { ...f, pending_scale_request: { id: `scale-${++this.scaleSeq}`, state: 'pending' } };
    this.formations.set(`${f.app.id}/${f.release.id}`, withScale);
    for (const q of this.streams) q.push({ type: 'formation', formation: withScale });
  }

  /** The writes of one job, in order. */
  statesOf(uuid: string): string[] {
    return this.writes.filter((w) => w.uuid === uuid).map((w) => w.state);
  }

  /** Latest writes in a state. */
  inState(state: string): JobWrite[] {
    return [...this.jobs.values()].filter((j) => j.state === state);
  }

  async formationListActive(): Promise<WireExpandedFormation[]> {
    return [...this.formations.values()].filter((f) => Object.values(f.processes).some((n) => n > 0));
  }

  streamFormations(options: { signal?: AbortSignal }): ClosableStream<WireFormationItem> {
    const q = new AsyncQueue<WireFormationItem>();
    for (const f of this.formations.values()) q.push({ type: 'formation', formation: f });
    q.push({ type: 'current' });
    this.streams.add(q);
    return stream(q, options.signal);
  }

  async jobListActive(): Promise<WireJob[]> {
    return [...this.jobs.values()].filter((j) => j.state !== 'down').map((j) => ({ ...j }));
  }

  async putJob(job: JobWrite): Promise<unknown> {
    const prev = this.jobs.get(job.uuid);
    if (prev?.state === 'down' && job.state !== 'down') throw new HttpError(400, { code: 'validation_error', message: 'invalid job state transition' });
    this.writes.push({ ...job });
    this.jobs.set(job.uuid, { ...job });
    return job;
  }

  async putScaleRequest(app: string, releaseId: string, request: { id: string; state: 'complete' }): Promise<unknown> {
    this.completedScales.push(request.id);
    const f = this.formations.get(`${app}/${releaseId}`);
    if (f?.pending_scale_request?.id === request.id) {
      const { pending_scale_request: _done, ...rest } = f;
      this.formations.set(`${app}/${releaseId}`, rest);
      for (const q of this.streams) q.push({ type: 'formation', formation: rest });
    }
    return request;
  }
}

export class FakeSchedulerHost implements SchedulerHost {
  readonly jobs = new Map<string, WireActiveJob>();
  /** Every job id sent to this host, in order. */
  readonly added: string[] = [];
  /** While true, every call fails as if the host were unreachable. */
  down = false;
  private readonly streams = new Set<AsyncQueue<WireHostEvent>>();

  /** `now` gives the times the host reports (`created_at`, `started_at`): pass the test's clock. */
  constructor(
    readonly id: string,
    private readonly now: () => number = () => 0,
  ) {}

  async addJob(job: WireHostJob): Promise<void> {
    this.check();
    if (this.jobs.has(job.id)) throw new HttpError(409, { code: 'conflict', message: 'job exists' });
    this.added.push(job.id);
    this.set(job.id, { job, host_id: this.id, status: 'starting', created_at: new Date(this.now()).toISOString() }, 'create');
    queueMicrotask(() => {
      const aj = this.jobs.get(job.id);
      if (aj?.status === 'starting') this.set(job.id, { ...aj, status: 'running', started_at: new Date(this.now()).toISOString() }, 'start');
    });
  }

  async stopJob(id: string): Promise<void> {
    this.check();
    const aj = this.jobs.get(id);
    if (!aj) throw new HttpError(404, { code: 'object_not_found', message: 'no such job' });
    if (aj.status === 'running' || aj.status === 'starting') this.set(id, { ...aj, status: 'done', exit_status: 0 }, 'stop');
  }

  async discoverdDeregisterJob(id: string): Promise<void> {
    this.check();
    if (!this.jobs.has(id)) throw new HttpError(404, { code: 'object_not_found', message: 'no such job' });
  }

  async listJobs(): Promise<Record<string, WireActiveJob>> {
    this.check();
    return Object.fromEntries([...this.jobs].map(([id, j]) => [id, { ...j }]));
  }

  async status(): Promise<WireHostStatus> {
    this.check();
    return { id: this.id };
  }

  streamEvents(_id: undefined, options: { signal?: AbortSignal; onOpen?: () => void }): ClosableStream<WireHostEvent> {
    const q = new AsyncQueue<WireHostEvent>();
    if (this.down) {
      q.end();
    } else {
      this.streams.add(q);
      queueMicrotask(() => options.onOpen?.());
    }
    return stream(q, options.signal);
  }

  async close(): Promise<void> {}

  /** The job's process exits with `exitStatus` (crashed unless 0). */
  crash(id: string, exitStatus = 1): void {
    const aj = this.jobs.get(id);
    if (!aj) throw new Error(`no job ${id}`);
    this.set(id, { ...aj, status: exitStatus === 0 ? 'done' : 'crashed', exit_status: exitStatus }, 'stop');
  }

  /** Running (or starting) job ids. */
  active(): string[] {
    return [...this.jobs].filter(([, j]) => j.status === 'running' || j.status === 'starting').map(([id]) => id);
  }

  /** The host dies: its event streams end, and every later call fails. */
  fail(): void {
    this.down = true;
    for (const q of this.streams) q.end();
    this.streams.clear();
  }

  /** The host is reachable again (its jobs kept running). */
  recover(): void {
    this.down = false;
  }

  private set(id: string, aj: WireActiveJob, event: string): void {
    this.jobs.set(id, aj);
    for (const q of this.streams) q.push({ event, job_id: id, job: { ...aj } });
  }

  private check(): void {
    if (this.down) throw new HttpConnectionError(`http://${this.id}`, Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
  }
}
