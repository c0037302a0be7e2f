/**
 * Durable storage contracts, in the hashicorp/raft style: small roles, one
 * combined interface that the driver uses. Implementations: `MemoryStorage`
 * (./testing) and `FileStorage` (./node). Both run `describeRaftStorage` from
 * `@flynn-ts/raft/testing`.
 *
 * Concurrency: the driver never calls two mutating methods at once; it awaits
 * each before the next. Reads (`load`) happen only at start.
 * Ownership: storage must copy (or never mutate) the entries and buffers it is
 * given; what `load` returns belongs to the caller.
 */
import type { Entry, HardState, Snapshot } from './core/types.js';

/** Everything recovered at start. */
export interface RecoveredState {
  hardState: HardState | undefined;
  /** The newest snapshot, if any. */
  snapshot: Snapshot | undefined;
  /**
   * Log entries after the compaction point, contiguous and ascending. When a
   * snapshot exists, entries start at or before `snapshot.meta.index + 1`
   * (entries at or below the snapshot index may be kept; the caller skips them).
   */
  entries: Entry[];
}

/** The log: append with suffix truncation, and prefix compaction. */
export interface LogStorage {
  /**
   * Appends entries durably. `entries` are contiguous; if `entries[0].index`
   * is at or below the last stored index, every stored entry from that index on
   * is replaced (the Raft log-matching truncation). Resolves once durable.
   * Entries that leave a gap after the stored log, or that start at or below the
   * stored snapshot's index, reject with `InvariantError`.
   */
  appendEntries(entries: readonly Entry[]): Promise<void>;
  /**
   * Discards entries with index <= `index` (they are covered by a snapshot). May be lazy.
   * `index` beyond the stored snapshot's index rejects with `InvariantError`.
   */
  compact(index: number): Promise<void>;
}

/** The term/vote/commit record. */
export interface StableStorage {
  /** Replaces the hard state durably. */
  setHardState(hs: HardState): Promise<void>;
}

/** The newest snapshot; writes are atomic (a crash leaves the old or the new one). */
export interface SnapshotStore {
  /**
   * Stores `snapshot` durably. When the log holds an entry at `meta.index` with
   * `meta.term`, the log is kept (local compaction); otherwise the snapshot
   * replaces the whole log (InstallSnapshot) and the next entry follows
   * `meta.index`. A snapshot older than the stored one rejects with `InvariantError`.
   */
  saveSnapshot(snapshot: Snapshot): Promise<void>;
}

/**
 * The storage the driver uses. `save` is the group-commit path: the snapshot
 * (if any), the entries and the hard state of one Ready become durable
 * together with a single fsync (when `sync` is true) before it resolves.
 * After a crash, recovery yields a prefix of the saves in order, never a torn
 * record: a save that resolved is always recovered whole.
 */
export interface RaftStorage extends LogStorage, StableStorage, SnapshotStore {
  load(): Promise<RecoveredState>;
  save(batch: { hardState?: HardState; entries: readonly Entry[]; snapshot?: Snapshot }, sync: boolean): Promise<void>;
  close(): Promise<void>;
}
