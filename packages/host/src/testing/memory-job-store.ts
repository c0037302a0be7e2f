/**
 * A JobStateStore in memory, for unit tests of the job manager: records are
 * copied through JSON (as the file store would), so a second JobManager on the
 * same instance sees exactly what the first persisted — a daemon restart
 * without files or fsync.
 */
import type { HostStateRecord, JobRecord, JobStateStore } from '../job/job-store.js';

export class MemoryJobStore implements JobStateStore {
  readonly records = new Map<string, string>();
  private host = JSON.stringify({ v: 1 });
  /** Number of `save` calls (to check write coalescing / frequency). */
  saves = 0;

  async init(): Promise<void> {}

  async loadAll(): Promise<JobRecord[]> {
    return [...this.records.values()].map((r) => JSON.parse(r) as JobRecord);
  }

  async save(record: JobRecord): Promise<void> {
    this.saves++;
    this.records.set(record.active.job.id, JSON.stringify(record));
  }

  async remove(id: string): Promise<void> {
    this.records.delete(id);
  }

  async loadHostState(): Promise<HostStateRecord> {
    return JSON.parse(this.host) as HostStateRecord;
  }

  async saveHostState(state: HostStateRecord): Promise<void> {
    this.host = JSON.stringify(state);
  }

  async flush(): Promise<void> {}

  /** The stored record of a job, parsed. */
  get(id: string): JobRecord | undefined {
    const r = this.records.get(id);
    return r === undefined ? undefined : (JSON.parse(r) as JobRecord);
  }
}
