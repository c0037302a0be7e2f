/**
 * Writes job states to the controller (reference §6.3): per job one write at
 * a time, always the latest state (so states reach the controller in order
 * and never go backwards), a bounded number of writes in flight overall,
 * retries with backoff for failures worth retrying, and nothing at all
 * unless this scheduler leads (checked before every write).
 */
import { Backoff, noopLogger } from '@flynn-ts/core';
import type { Clock, Logger, Random } from '@flynn-ts/core';
import type { JobWrite, SchedulerController } from './ports.js';
import { isRetryable } from './retryable.js';

export interface JobPersisterOptions {
  controller: Pick<SchedulerController, 'putJob'>;
  isLeader: () => boolean;
  clock: Clock;
  random: Random;
  logger?: Logger;
  /** Writes in flight at once. Default 16. */
  concurrency?: number;
  /** Attempts of one write before it is given up (logged). Default 8. */
  attempts?: number;
}

interface Entry {
  next: JobWrite | undefined;
  running: boolean;
  last: JobWrite | undefined;
}

export class JobPersister {
  private readonly entries = new Map<string, Entry>();
  private readonly waiting: (() => void)[] = [];
  private inFlight = 0;
  private closed = false;
  private readonly logger: Logger;
  private idleWaiters: (() => void)[] = [];
  private active = 0;

  constructor(private readonly o: JobPersisterOptions) {
    this.logger = o.logger ?? noopLogger;
  }

  /** Queues the job's current state; a write already queued for it is replaced. */
  enqueue(w: JobWrite): void {
    if (this.closed || !this.o.isLeader()) return;
    let e = this.entries.get(w.uuid);
    if (!e) this.entries.set(w.uuid, (e = { next: undefined, running: false, last: undefined }));
    if (!e.running && e.last !== undefined && same(e.last, w)) return;
    e.next = w;
    if (!e.running) void this.run(w.uuid, e);
  }

  /** The last state written for a job, if any. */
  written(uuid: string): JobWrite | undefined {
    return this.entries.get(uuid)?.last;
  }

  /** Forgets a job (once it is down and written). */
  forget(uuid: string): void {
    const e = this.entries.get(uuid);
    if (e && !e.running && e.next === undefined) this.entries.delete(uuid);
  }

  /** Resolves when no write is queued or in flight. */
  idle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get pending(): number {
    return this.active;
  }

  close(): void {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w();
  }

  private async run(_uuid: string, e: Entry): Promise<void> {
    e.running = true;
    this.active++;
    try {
      while (e.next !== undefined && !this.closed) await this.write(e);
    } finally {
      e.running = false;
      if (--this.active === 0) for (const fn of this.idleWaiters.splice(0)) fn();
    }
  }

  /**
   * Writes the entry's latest state, with retries. The state is taken once a
   * slot is free (and again for every retry), so a job whose writes queued
   * up sends only its newest state.
   */
  private async write(e: Entry): Promise<void> {
    const backoff = new Backoff({ initialMs: 200, maxMs: 5_000 }, this.o.random);
    const attempts = this.o.attempts ?? 8;
    for (let attempt = 1; ; attempt++) {
      if (this.closed || !this.o.isLeader()) {
        e.next = undefined;
        return;
      }
      await this.slot();
      const w = e.next;
      try {
        if (this.closed || w === undefined) return;
        if (e.last !== undefined && same(e.last, w)) {
          e.next = undefined;
          return;
        }
        await this.o.controller.putJob(w);
        e.last = w;
        if (e.next === w) e.next = undefined;
        return;
      } catch (err) {
        const retry = isRetryable(err) && attempt < attempts;
        this.logger[retry ? 'debug' : 'warn']({ event: 'job_persist_failed', job: w?.uuid, state: w?.state, attempt, err }, 'could not write job state');
        if (!retry) {
          if (e.next === w) e.next = undefined;
          return;
        }
      } finally {
        this.release();
      }
      await this.o.clock.sleep(backoff.next()).catch(() => {});
    }
  }

  private async slot(): Promise<void> {
    const max = this.o.concurrency ?? 16;
    while (this.inFlight >= max && !this.closed) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight++;
  }

  private release(): void {
    this.inFlight--;
    this.waiting.shift()?.();
  }
}

function same(a: JobWrite, b: JobWrite): boolean {
  return (
    a.state === b.state &&
    a.host_id === b.host_id &&
    a.host_error === b.host_error &&
    a.run_at === b.run_at &&
    a.restarts === b.restarts &&
    a.exit_status === b.exit_status
  );
}
