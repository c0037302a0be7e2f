/**
 * The job manager's in-memory table: one {@link JobEntry} per job, the pure
 * transitions applied to it (./core/job-state.ts), events published for
 * them, and persistence of the records (./job-store.ts). Shared by the
 * runner, the restore code and the manager facade.
 */
import type { Clock, Logger, Timer } from '@flynn-ts/core';
import type { ContainerExit, ContainerHandle } from '../contracts.js';
import type { ActiveJob, HostEventType } from '../types.js';
import type { JobInput } from './core/job-state.js';
import { isTerminal, transition } from './core/job-state.js';
import type { EventHub } from './event-hub.js';
import type { JobRecord, JobStateStore, StagedWrite } from './job-store.js';
import { isStagedStore } from './job-store.js';

export interface JobEntry {
  readonly id: string;
  record: JobRecord;
  handle?: ContainerHandle;
  /** `handle.wait()`, called once. */
  exit?: Promise<ContainerExit>;
  killTimer?: Timer;
  /** Newest output cursor the log pump read: where an attach "from now" starts. */
  liveCursor?: string;
  /** Attach sessions reading the job's output; cleanup waits for them. */
  holds: number;
  onHoldsReleased?: () => void;
  pump?: { stop(): void; done: Promise<unknown> };
  /** This process holds the job's image layers (ImageStore.prepare succeeded, at start or on restore). */
  imageHeld?: boolean;
  cleanup?: Promise<void>;
}

export class JobTable {
  readonly entries = new Map<string, JobEntry>();

  constructor(
    private readonly store: JobStateStore,
    private readonly hub: EventHub,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  insert(record: JobRecord): JobEntry {
    const entry: JobEntry = { id: record.active.job.id, record, holds: 0 };
    this.entries.set(entry.id, entry);
    return entry;
  }

  get(id: string): JobEntry | undefined {
    return this.entries.get(id);
  }

  /** Applies an input to the entry's job; publishes its event. False when it did not apply. */
  apply(entry: JobEntry, input: JobInput): boolean {
    const result = transition(entry.record.active, input);
    if (!result) return false;
    entry.record.active = result.job;
    if (result.event) this.emit(entry, result.event);
    return true;
  }

  emit(entry: JobEntry, event: HostEventType): void {
    this.hub.emit({ event, job_id: entry.id, job: entry.record.active });
  }

  /** Writes the entry's record; failures are logged (the next write retries with newer state). */
  async persist(entry: JobEntry): Promise<void> {
    try {
      await this.store.save(entry.record);
    } catch (err) {
      this.logger.error({ event: 'job_persist_failed', jobId: entry.id, err }, 'could not persist job state');
    }
  }

  /**
   * {@link persist} in two stages when the store can (else both are the one
   * write): `visible` once a restarted daemon would read the record,
   * `durable` once it survives a host crash. Neither rejects (failures are
   * logged, as by persist).
   */
  persistStaged(entry: JobEntry): StagedWrite {
    if (!isStagedStore(this.store)) {
      const p = this.persist(entry);
      return { visible: p, durable: p };
    }
    const w = this.store.saveStaged(entry.record);
    const failed = (err: unknown) => this.logger.error({ event: 'job_persist_failed', jobId: entry.id, err }, 'could not persist job state');
    return { visible: w.visible.catch(() => {}), durable: w.durable.catch(failed) };
  }

  list(filter: { active?: boolean } = {}): Record<string, ActiveJob> {
    const out: Record<string, ActiveJob> = {};
    for (const [id, e] of this.entries) {
      if (filter.active && isTerminal(e.record.active.status)) continue;
      out[id] = e.record.active;
    }
    return out;
  }

  /** Volumes bound by starting or running jobs. */
  volumesInUse(): Set<string> {
    const used = new Set<string>();
    for (const e of this.entries.values()) {
      if (!isTerminal(e.record.active.status)) for (const v of e.record.active.job.config.volumes ?? []) used.add(v.volume);
    }
    return used;
  }

  /** Forgets the oldest cleaned-up finished jobs beyond `max` (memory and disk). */
  async prune(max: number): Promise<void> {
    const done = [...this.entries.values()].filter((e) => isTerminal(e.record.active.status) && e.record.cleanedUp);
    if (done.length <= max) return;
    done.sort((a, b) => (a.record.active.ended_at ?? '').localeCompare(b.record.active.ended_at ?? ''));
    for (const e of done.slice(0, done.length - max)) {
      this.entries.delete(e.id);
      try {
        await this.store.remove(e.id);
      } catch (err) {
        this.logger.warn({ event: 'job_prune_failed', jobId: e.id, err }, 'could not remove an old job record');
      }
    }
  }

  now(): number {
    return this.clock.now();
  }
}
