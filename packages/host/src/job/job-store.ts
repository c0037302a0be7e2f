/**
 * Durable job state ({@link FileJobStore}): one JSON file per job under `<stateDir>/jobs/` and one
 * `<stateDir>/host.json` for host-level state (boot id, discoverd and network
 * config, tags). Every write is fsync'd and atomically renamed
 * (./atomic-file.ts). Writes of one file are serialised and coalesced: a save
 * while another is in flight replaces the pending record, and both callers
 * resolve once the newer one is on disk.
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@flynn-ts/core';
import { noopLogger } from '@flynn-ts/core';
import type { ActiveJob, HostDiscoverd, HostNetwork } from '../types.js';
import { isTempFile, syncDir, syncFileAndDir, writeFileVisible } from './atomic-file.js';

export const JOB_RECORD_VERSION = 1;

/** What is persisted per job. */
export interface JobRecord {
  v: typeof JOB_RECORD_VERSION;
  active: ActiveJob;
  /** Log shipping resumes after this output cursor (at-least-once: lines after it may repeat). */
  cursor?: string;
  /** When SIGTERM was sent (ms since the epoch): a restarted daemon re-arms the SIGKILL. */
  stopRequestedAt?: number;
  /** Resources set up for the job, to undo at cleanup. */
  setup?: { image?: boolean; network?: boolean };
  /** The driver, network, image and volumes were cleaned up (`cleanup` was published). */
  cleanedUp?: boolean;
}

export interface HostStateRecord {
  v: 1;
  /** `/proc/sys/kernel/random/boot_id` of the boot that wrote this. */
  bootId?: string;
  discoverd?: HostDiscoverd;
  network?: HostNetwork;
  tags?: Record<string, string>;
}

/** A write in two stages: `visible` once a restarted daemon would read it, `durable` once it survives a host crash. */
export interface StagedWrite {
  visible: Promise<void>;
  durable: Promise<void>;
}

/**
 * Optional capability of a {@link JobStateStore} (see {@link isStagedStore}):
 * writes that become visible (atomically) before they are durable. The job
 * manager starts a job's container once its record is visible and answers
 * the `PUT` once it is durable, so an fsync is not on the start path.
 */
export interface StagedJobStateStore extends JobStateStore {
  saveStaged(record: JobRecord): StagedWrite;
}

export function isStagedStore(store: JobStateStore): store is StagedJobStateStore {
  return typeof (store as Partial<StagedJobStateStore>).saveStaged === 'function';
}

/**
 * Where the job manager keeps its state. {@link FileJobStore} is the real one;
 * `MemoryJobStore` (../testing) keeps records in memory for unit tests (share
 * one instance between two managers to simulate a daemon restart).
 */
export interface JobStateStore {
  /** Creates what the store needs (directories). */
  init(): Promise<void>;
  /** Every stored job record, in no particular order. */
  loadAll(): Promise<JobRecord[]>;
  /** Stores a record (replacing the job's previous one); durable when it resolves. */
  save(record: JobRecord): Promise<void>;
  remove(id: string): Promise<void>;
  /** The host-level state, `{v: 1}` when there is none. */
  loadHostState(): Promise<HostStateRecord>;
  saveHostState(state: HostStateRecord): Promise<void>;
  /** Resolves when every write started so far is durable. */
  flush(): Promise<void>;
}

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

interface Slot {
  pending: string | undefined;
  /** Callers waiting for the pending data (or newer) to be visible. */
  visible: Waiter[];
  running: Promise<void> | undefined;
}

export class FileJobStore implements StagedJobStateStore {
  readonly jobsDir: string;
  readonly hostFile: string;
  private readonly slots = new Map<string, Slot>();

  constructor(
    readonly stateDir: string,
    private readonly logger: Logger = noopLogger,
  ) {
    this.jobsDir = join(stateDir, 'jobs');
    this.hostFile = join(stateDir, 'host.json');
  }

  async init(): Promise<void> {
    await mkdir(this.jobsDir, { recursive: true, mode: 0o700 });
  }

  /** Every readable job record; unreadable files are logged and skipped, temp files removed. */
  async loadAll(): Promise<JobRecord[]> {
    const out: JobRecord[] = [];
    for (const name of await readdir(this.jobsDir)) {
      const path = join(this.jobsDir, name);
      if (isTempFile(name)) {
        await rm(path, { force: true });
        continue;
      }
      if (!name.endsWith('.json')) continue;
      try {
        const rec = JSON.parse(await readFile(path, 'utf8')) as JobRecord;
        if (rec?.v !== JOB_RECORD_VERSION || typeof rec.active?.job?.id !== 'string') throw new Error(`unknown record version ${String(rec?.v)}`);
        out.push(rec);
      } catch (err) {
        this.logger.error({ event: 'job_record_unreadable', path, err }, 'skipping an unreadable job record');
      }
    }
    return out;
  }

  /** Persists a job record; resolves when it (or a newer one) is durable. */
  save(record: JobRecord): Promise<void> {
    return this.write(this.jobFile(record.active.job.id), JSON.stringify(record)).durable;
  }

  /** {@link save} in two stages: visible (renamed into place), then durable (fsync'd). */
  saveStaged(record: JobRecord): StagedWrite {
    return this.write(this.jobFile(record.active.job.id), JSON.stringify(record));
  }

  /** Deletes a job's record (after in-flight writes of it). */
  async remove(id: string): Promise<void> {
    const path = this.jobFile(id);
    const slot = this.slots.get(path);
    if (slot) {
      slot.pending = undefined;
      for (const w of slot.visible.splice(0)) w.resolve(); // superseded by the removal
      await slot.running?.catch(() => {});
    }
    await rm(path, { force: true });
    await syncDir(this.jobsDir);
  }

  async loadHostState(): Promise<HostStateRecord> {
    try {
      const rec = JSON.parse(await readFile(this.hostFile, 'utf8')) as HostStateRecord;
      if (rec?.v === 1) return rec;
      this.logger.error({ event: 'host_state_unreadable', path: this.hostFile }, 'ignoring host state of an unknown version');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.logger.error({ event: 'host_state_unreadable', path: this.hostFile, err }, 'ignoring unreadable host state');
      }
    }
    return { v: 1 };
  }

  saveHostState(state: HostStateRecord): Promise<void> {
    return this.write(this.hostFile, JSON.stringify(state)).durable;
  }

  /** Resolves when every write started so far is durable. */
  async flush(): Promise<void> {
    await Promise.all([...this.slots.values()].map((s) => s.running?.catch(() => {})));
  }

  private jobFile(id: string): string {
    return join(this.jobsDir, `${id}.json`);
  }

  private write(path: string, data: string): StagedWrite {
    let slot = this.slots.get(path);
    if (!slot) this.slots.set(path, (slot = { pending: undefined, visible: [], running: undefined }));
    slot.pending = data;
    const s = slot;
    const visible = new Promise<void>((resolve, reject) => s.visible.push({ resolve, reject }));
    visible.catch(() => {}); // the durable promise carries the error to callers that only wait for that
    slot.running ??= this.drain(path, slot);
    return { visible, durable: slot.running };
  }

  /** Writes the newest pending data until none is left: visible (rename), then durable (fsync). */
  private async drain(path: string, slot: Slot): Promise<void> {
    try {
      while (slot.pending !== undefined) {
        const data = slot.pending;
        const waiters = slot.visible.splice(0);
        slot.pending = undefined;
        try {
          await writeFileVisible(path, data);
        } catch (err) {
          for (const w of waiters) w.reject(err);
          throw err;
        }
        for (const w of waiters) w.resolve();
        await syncFileAndDir(path);
      }
    } catch (err) {
      for (const w of slot.visible.splice(0)) w.reject(err);
      throw err;
    } finally {
      slot.running = undefined;
      if (slot.pending === undefined) this.slots.delete(path);
    }
  }
}
