/**
 * A `RaftStorage` wrapper that counts what the driver asks of the storage:
 * saves (one per Ready that persists something), entries per save, synced
 * saves and time spent in `save`. The kv-server reports it at
 * `GET /debug/stats`, to see how well proposals are group-committed.
 */
import type { Entry, HardState, Snapshot } from '../src/core/types.js';
import type { RaftStorage, RecoveredState } from '../src/storage.js';

export interface SaveStats {
  saves: number;
  syncedSaves: number;
  entries: number;
  /** Saves that carried at least one entry. */
  entrySaves: number;
  maxEntriesPerSave: number;
  /** Milliseconds spent inside `save` (wall time, including fsync). */
  saveMs: number;
}

export class StatsStorage implements RaftStorage {
  readonly stats: SaveStats = { saves: 0, syncedSaves: 0, entries: 0, entrySaves: 0, maxEntriesPerSave: 0, saveMs: 0 };

  constructor(
    private readonly inner: RaftStorage,
    private readonly now: () => number = () => performance.now(),
  ) {}

  load(): Promise<RecoveredState> {
    return this.inner.load();
  }

  async save(batch: { hardState?: HardState; entries: readonly Entry[]; snapshot?: Snapshot }, sync: boolean): Promise<void> {
    const s = this.stats;
    const t0 = this.now();
    await this.inner.save(batch, sync);
    s.saveMs += this.now() - t0;
    s.saves++;
    if (sync) s.syncedSaves++;
    const n = batch.entries.length;
    if (n > 0) {
      s.entries += n;
      s.entrySaves++;
      s.maxEntriesPerSave = Math.max(s.maxEntriesPerSave, n);
    }
  }

  appendEntries(entries: readonly Entry[]): Promise<void> {
    return this.inner.appendEntries(entries);
  }

  compact(index: number): Promise<void> {
    return this.inner.compact(index);
  }

  setHardState(hs: HardState): Promise<void> {
    return this.inner.setHardState(hs);
  }

  saveSnapshot(snapshot: Snapshot): Promise<void> {
    return this.inner.saveSnapshot(snapshot);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
