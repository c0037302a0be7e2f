/**
 * `FileStorage`: the durable `RaftStorage`, a write-ahead log plus snapshot
 * files in one directory:
 *
 *     <dir>/wal/<seq>-<firstIndex>.wal   segments (segment.ts, wal-record.ts)
 *     <dir>/snap/<term>-<index>.snap     the newest snapshots (snapshot-file.ts)
 *
 * `save` writes the batch's records (snapshot position, entries, hard state,
 * commit) with one write and, when `sync`, one fdatasync; overlapping saves are
 * group-committed (wal.ts). A batch with a snapshot first writes the snapshot
 * file atomically, then its WAL records, always synced; only then are snapshots
 * beyond the newest `keepSnapshots` deleted. Recovery uses only snapshot files
 * that a durable WAL record names, so a crash between the two steps recovers
 * the previous state.
 *
 * Recovery (`open`) replays the segments in order (wal-replay.ts): whole batches
 * only, suffix truncation, last hard state wins, a torn tail of the last segment
 * is cut off (segment.ts). `compact(index)` records the compaction point, so
 * recovery returns entries after it, and deletes the oldest segments whose
 * entries are all at or below it; each segment's head repeats the snapshot
 * position, compaction point and hard state, so nothing needed is deleted.
 * The first `load` returns what `open` replayed; a `load` after writes reads
 * the files again.
 *
 * Concurrency: calls may overlap; they take effect in call order. One process
 * per directory (there is no lock file). Errors: `InvariantError` for a batch
 * that breaks the log rules (log-state.ts); `StorageCorruptError`
 * (`FLYNN_RAFT_STORAGE_CORRUPT`) from `open`/`load`; `FLYNN_RAFT_STORAGE_FAILED`
 * after an I/O error; `FLYNN_RAFT_STORAGE_CLOSED` after `close`.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { InvariantError } from '@flynn-ts/core';
import type { Entry, HardState, Snapshot, SnapshotMeta } from '../core/types.js';
import type { RaftStorage, RecoveredState } from '../storage.js';
import { SnapshotDir } from './snapshot-file.js';
import { StorageCorruptError, storageClosedError } from './storage-errors.js';
import { syncDir } from './storage-fs.js';
import type { WalBatch, WalStats } from './wal.js';
import { Wal } from './wal.js';
import type { WalScan } from './wal-replay.js';
import { markKey, replayWal } from './wal-replay.js';
import { encodeSnapshotFile } from './wal-record.js';

export interface FileStorageOptions {
  /** Start a new WAL segment once the active one holds this many bytes. Default 64 MiB. */
  segmentSize?: number;
  /** How many snapshot files to keep, newest first. Default 2. */
  keepSnapshots?: number;
}

export const DEFAULT_SEGMENT_SIZE = 64 * 1024 * 1024;

const noop = (): void => undefined;

export class FileStorage implements RaftStorage {
  /** The state replayed by `open`, handed to a `load` before any write instead of reading again. */
  private opened: WalScan | undefined;
  private closed = false;
  /** Saves waiting behind a snapshot write, in call order. */
  private chain: Promise<unknown> = Promise.resolve();
  private chained = 0;

  private constructor(
    readonly dir: string,
    private readonly wal: Wal,
    private readonly snaps: SnapshotDir,
    private readonly keepSnapshots: number,
    scan: WalScan,
  ) {
    this.opened = scan;
  }

  /**
   * Opens (creating if needed) the storage in `dir`: replays the WAL, cuts a torn
   * tail off the last segment, removes temp and orphaned snapshot files.
   * Rejects with `FLYNN_RAFT_STORAGE_CORRUPT` when the data is damaged elsewhere.
   */
  static async open(dir: string, options: FileStorageOptions = {}): Promise<FileStorage> {
    const segmentSize = options.segmentSize ?? DEFAULT_SEGMENT_SIZE;
    const keep = options.keepSnapshots ?? 2;
    if (!(segmentSize > 0) || !Number.isInteger(keep) || keep < 1) {
      throw new InvariantError('FileStorage: bad options', { segmentSize, keepSnapshots: keep });
    }
    const walDir = join(dir, 'wal');
    const snapDir = join(dir, 'snap');
    const created = await mkdir(dir, { recursive: true });
    await mkdir(walDir, { recursive: true });
    await mkdir(snapDir, { recursive: true });
    await syncDir(dir);
    if (created !== undefined) await syncDir(dirname(resolve(created)));
    const snaps = new SnapshotDir(snapDir);
    await snaps.removeTemp();
    const scan = await replayWal(walDir);
    await removeOrphans(snaps, scan, walDir);
    const wal = await Wal.open(walDir, segmentSize, scan);
    return new FileStorage(dir, wal, snaps, keep, scan);
  }

  /** Counters of the WAL (batches, writes, fsyncs, segments), for tests and benchmarks. */
  get stats(): WalStats {
    return { ...this.wal.stats };
  }

  /** The WAL segment file names, oldest first. */
  segmentNames(): string[] {
    return this.wal.segmentNames();
  }

  async load(): Promise<RecoveredState> {
    this.assertOpen();
    await this.chain;
    await this.wal.idle();
    const scan = this.opened ?? (await replayWal(join(this.dir, 'wal')));
    this.opened = undefined;
    return recover(scan, this.snaps);
  }

  async save(batch: { hardState?: HardState; entries: readonly Entry[]; snapshot?: Snapshot }, sync: boolean): Promise<void> {
    this.assertOpen();
    this.opened = undefined; // stale once anything is written
    const { snapshot } = batch;
    if (!snapshot) return this.submit({ entries: batch.entries, hardState: batch.hardState }, sync);
    const meta = snapshot.meta;
    const mark = { index: meta.index, term: meta.term };
    const bytes = encodeSnapshotFile(snapshot);
    const walBatch = copyBatch({ mark, entries: batch.entries, hardState: batch.hardState });
    const { durable } = await this.staged(async () => {
      const problem = this.wal.problem(walBatch);
      if (problem) throw new InvariantError(`raft storage: ${problem}`);
      await this.snaps.write(mark, bytes);
      return { durable: this.wal.append(walBatch, true) };
    });
    await durable;
    await this.snaps.prune(meta.index, this.keepSnapshots);
  }

  appendEntries(entries: readonly Entry[]): Promise<void> {
    return this.save({ entries }, true);
  }

  setHardState(hs: HardState): Promise<void> {
    return this.save({ hardState: hs, entries: [] }, true);
  }

  saveSnapshot(snapshot: Snapshot): Promise<void> {
    return this.save({ snapshot, entries: [] }, true);
  }

  /** Records the compaction point (not synced) and deletes the segments it makes obsolete. */
  async compact(index: number): Promise<void> {
    this.assertOpen();
    this.opened = undefined;
    await this.submit({ entries: [], compact: index }, false);
    await this.wal.dropSegments(index);
  }

  /** Waits for pending saves, makes everything written durable (even unsynced saves) and closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.chain;
    await this.wal.close();
  }

  private assertOpen(): void {
    if (this.closed) throw storageClosedError();
  }

  /** Appends at once (the bytes are encoded before this returns) unless saves are waiting behind a snapshot. */
  private async submit(batch: WalBatch, sync: boolean): Promise<void> {
    if (this.chained === 0) return this.wal.append(batch, sync);
    const copy = copyBatch(batch);
    const { durable } = await this.staged(async () => ({ durable: this.wal.append(copy, sync) }));
    return durable;
  }

  /** Runs `step` after every earlier staged step; a step's WAL append happens inside it, keeping call order. */
  private staged<T>(step: () => Promise<T>): Promise<T> {
    this.chained++;
    const p = this.chain.then(step).finally(() => {
      this.chained--;
    });
    this.chain = p.then(noop, noop);
    return p;
  }
}

function copyBatch(b: WalBatch): WalBatch {
  const out: WalBatch = { entries: b.entries.map((e) => ({ term: e.term, index: e.index, type: e.type, data: new Uint8Array(e.data) })) };
  if (b.mark) out.mark = { ...b.mark };
  if (b.hardState) out.hardState = { ...b.hardState };
  if (b.compact !== undefined) out.compact = b.compact;
  return out;
}

/** Deletes snapshot files no durable record names that are not older than the newest named one. */
async function removeOrphans(snaps: SnapshotDir, scan: WalScan, walDir: string): Promise<void> {
  const files = await snaps.list();
  if (files.length > 0 && !scan.segments.some((s) => s.validLength > 0)) {
    throw new StorageCorruptError(walDir, 0, 'snapshot files exist but the WAL is empty');
  }
  const newest = scan.log.mark?.index ?? 0;
  await snaps.remove(files.filter((f) => f.index >= newest && !scan.referenced.has(markKey(f))).map((f) => f.name));
}

/** Builds what `load` returns: the newest usable snapshot named by the WAL, and the log after it. */
async function recover(scan: WalScan, snaps: SnapshotDir): Promise<RecoveredState> {
  const { log } = scan;
  const entries = log.recovered().slice();
  const hardState = log.hardState ? { ...log.hardState } : undefined;
  const mark = log.mark;
  if (!mark) return { hardState, snapshot: undefined, entries };
  const problems: string[] = [];
  for (const f of await snaps.list()) {
    if (f.index > mark.index || !scan.referenced.has(markKey(f))) continue;
    try {
      const snapshot = await snaps.read(f);
      const gap = coverageProblem(snapshot.meta, entries, log.compactedTo);
      if (!gap) return { hardState, snapshot, entries };
      problems.push(`${f.name}: ${gap}`);
    } catch (err) {
      problems.push(`${f.name}: ${(err as Error).message}`);
    }
  }
  const reason = problems.length > 0 ? problems.join('; ') : `snapshot ${markKey(mark)} is missing`;
  throw new StorageCorruptError(snaps.dir, 0, `no usable snapshot: ${reason}`);
}

/** Why `entries` (compacted to `compactedTo`) do not continue the snapshot `meta`, or undefined. */
function coverageProblem(meta: SnapshotMeta, entries: readonly Entry[], compactedTo: number): string | undefined {
  if (compactedTo > meta.index) return `the log is compacted to ${compactedTo}, past the snapshot`;
  const first = entries[0];
  if (!first) return undefined;
  if (first.index > meta.index + 1) return `the log starts at ${first.index}, after the snapshot`;
  const at = meta.index >= first.index ? entries[meta.index - first.index] : undefined;
  if (at && at.term !== meta.term) return `the log has term ${at.term} at the snapshot index`;
  return undefined;
}
