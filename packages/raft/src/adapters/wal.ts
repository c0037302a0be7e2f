/**
 * The WAL writer: appends batches to the active segment with group commit,
 * rolls segments at a size limit and drops compacted ones.
 *
 * Group commit: `append` encodes the batch and queues it synchronously (so the
 * WAL order is the call order); one flush loop writes everything queued so far
 * with a single `write` and, when any of it asked for sync, a single
 * `datasync`. Batches queued while a write or fsync is in flight, or within
 * one event-loop turn of the previous round, go out together in the next one.
 *
 * Failure is fail-stop: after a failed write or fsync the tail may hold a partial
 * batch, so every later call rejects with `FLYNN_RAFT_STORAGE_FAILED`; reopening
 * recovers (the partial batch is a torn tail).
 */
import type { FileHandle } from 'node:fs/promises';
import { open, unlink } from 'node:fs/promises';
import { setImmediate as yieldTurn } from 'node:timers/promises';
import { join } from 'node:path';
import { InvariantError } from '@flynn-ts/core';
import type { Entry, HardState } from '../core/types.js';
import type { LogBatch, SnapshotMark } from './log-state.js';
import { batchProblem, compactProblem } from './log-state.js';
import { LogShape } from './log-shape.js';
import { segmentName } from './segment.js';
import { storageClosedError, storageFailedError } from './storage-errors.js';
import { syncDir, writeAll } from './storage-fs.js';
import type { WalScan } from './wal-replay.js';
import type { WalRecord } from './wal-record.js';
import { encodeRecords } from './wal-record.js';

export interface WalBatch extends LogBatch {
  /** Records a compaction point (see `LogStorage.compact`). */
  compact?: number | undefined;
}

export interface WalStats {
  /** Batches appended. */
  appends: number;
  /** `write` calls (each carries one or more batches). */
  writes: number;
  /** `datasync` calls for batches (segment creation not counted). */
  syncs: number;
  /** Segments created. */
  segmentsCreated: number;
  /** Segments deleted by compaction. */
  segmentsDeleted: number;
}

interface Segment {
  seq: number;
  name: string;
  maxIndex: number;
}

/** What the records written so far add up to: repeated in each new segment's head. */
interface Written {
  lastIndex: number;
  hardState: HardState | undefined;
  mark: SnapshotMark | undefined;
  compactedTo: number;
}

interface Pending {
  bytes: Uint8Array;
  sync: boolean;
  written: Partial<Written>;
  maxIndex: number;
  resolve(): void;
  reject(err: unknown): void;
}

export class Wal {
  readonly stats: WalStats = { appends: 0, writes: 0, syncs: 0, segmentsCreated: 0, segmentsDeleted: 0 };
  /** The log as of every queued batch: what new batches are checked against. */
  readonly shape: LogShape;
  private written: Written;
  private queue: Pending[] = [];
  private flushRunning = false;
  private flushDone: Promise<void> = Promise.resolve();
  private failure: { err: unknown } | undefined;
  private closed = false;

  private constructor(
    private readonly dir: string,
    private readonly segmentSize: number,
    private segments: Segment[],
    private handle: FileHandle | undefined,
    private size: number,
    scan: WalScan,
  ) {
    const { entries, floor } = scan.log.outline();
    // An empty log after recovery ends at the snapshot (segment heads repeat its position, not the floor).
    this.shape = LogShape.from(entries, floor ?? scan.log.mark?.index, scan.log.mark, scan.log.compactedTo);
    this.written = { lastIndex: this.shape.lastIndex(), hardState: scan.log.hardState, mark: scan.log.mark, compactedTo: scan.log.compactedTo };
  }

  /** Opens the WAL for appending after `replayWal(dir)`: cuts a torn tail, or starts the first segment. */
  static async open(dir: string, segmentSize: number, scan: WalScan): Promise<Wal> {
    const segments: Segment[] = scan.segments.map(({ seq, name, maxIndex }) => ({ seq, name, maxIndex }));
    let nextSeq = (scan.segments.at(-1)?.seq ?? 0) + 1;
    const torn = scan.segments.at(-1);
    if (torn && torn.validLength === 0) {
      // Crashed while creating it: not even the head is whole.
      await unlink(join(dir, torn.name));
      await syncDir(dir);
      segments.pop();
      nextSeq = torn.seq;
    }
    const wal = new Wal(dir, segmentSize, segments, undefined, 0, scan);
    const last = scan.segments.find((s) => s.seq === segments.at(-1)?.seq);
    if (last) {
      const handle = await open(join(dir, last.name), 'r+');
      if (last.validLength < last.fileSize) {
        await handle.truncate(last.validLength);
        await handle.datasync();
      }
      wal.handle = handle;
      wal.size = last.validLength;
    } else {
      await wal.createSegment(nextSeq);
    }
    return wal;
  }

  /** The segment files, oldest first. */
  segmentNames(): string[] {
    return this.segments.map((s) => s.name);
  }

  /** Why `batch` cannot be appended (a caller bug), or undefined. */
  problem(batch: WalBatch): string | undefined {
    return batchProblem(this.shape, batch) ?? (batch.compact === undefined ? undefined : compactProblem(this.shape, batch.compact));
  }

  /**
   * Queues a batch (snapshot record, entries, hard state, compact record, commit)
   * and resolves once it is written, and durable when `sync`. The bytes are
   * encoded before this returns, so the caller may reuse its buffers at once.
   */
  append(batch: WalBatch, sync: boolean): Promise<void> {
    if (this.closed) return Promise.reject(storageClosedError());
    if (this.failure) return Promise.reject(storageFailedError(this.failure.err));
    const problem = this.problem(batch);
    if (problem) return Promise.reject(new InvariantError(`raft storage: ${problem}`));
    const records: WalRecord[] = [];
    if (batch.mark) {
      const mark = { index: batch.mark.index, term: batch.mark.term };
      records.push({ kind: 'snapshot', mark, replacesLog: this.shape.replacedBy(mark) });
    }
    for (const entry of batch.entries) records.push({ kind: 'entry', entry });
    if (batch.hardState) records.push({ kind: 'hard-state', hardState: batch.hardState });
    if (batch.compact !== undefined) records.push({ kind: 'compact', index: batch.compact });
    records.push({ kind: 'commit' });
    const bytes = encodeRecords(records);
    this.shape.apply(batch);
    if (batch.compact !== undefined) this.shape.compact(batch.compact);
    const written: Partial<Written> = { lastIndex: this.shape.lastIndex(), mark: this.shape.mark, compactedTo: this.shape.compactedTo };
    if (batch.hardState) written.hardState = { ...batch.hardState };
    const maxIndex = maxEntryIndex(batch.entries);
    this.stats.appends++;
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ bytes, sync, written, maxIndex, resolve, reject });
      if (!this.flushRunning) {
        this.flushRunning = true;
        this.flushDone = this.flushLoop();
      }
    });
  }

  /** Deletes the oldest segments whose entries are all at or below `index`; never the active one. */
  async dropSegments(index: number): Promise<void> {
    const victims: Segment[] = [];
    while (this.segments.length > 1 && this.segments[0]!.maxIndex <= index) victims.push(this.segments.shift()!);
    if (victims.length === 0) return;
    for (const v of victims) await unlink(join(this.dir, v.name));
    await syncDir(this.dir);
    this.stats.segmentsDeleted += victims.length;
  }

  /** Resolves when everything queued has been written (or failed). */
  async idle(): Promise<void> {
    while (this.flushRunning) await this.flushDone;
  }

  /** Waits for queued batches, makes everything written durable, closes the file. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.idle();
    const handle = this.handle;
    this.handle = undefined;
    if (!handle) return;
    try {
      if (!this.failure) await handle.datasync();
    } finally {
      await handle.close();
    }
  }

  private async flushLoop(): Promise<void> {
    for (;;) {
      // Let callers whose saves just resolved (or that are about to save) queue
      // their next batch first: one event-loop turn, small next to an fsync.
      await yieldTurn();
      if (this.queue.length === 0) {
        this.flushRunning = false; // in the same synchronous step as the check: no append can slip between
        return;
      }
      const group = this.queue.splice(0);
      try {
        await this.writeGroup(group);
      } catch (err) {
        this.failure = { err };
        const failed = storageFailedError(err);
        for (const p of [...group, ...this.queue.splice(0)]) p.reject(failed);
        continue;
      }
      for (const p of group) p.resolve();
    }
  }

  private async writeGroup(group: readonly Pending[]): Promise<void> {
    if (this.size >= this.segmentSize) await this.roll();
    const handle = this.handle!;
    const bytes = group.length === 1 ? group[0]!.bytes : concat(group.map((p) => p.bytes));
    await writeAll(handle, bytes, this.size);
    this.size += bytes.length;
    this.stats.writes++;
    const active = this.segments.at(-1)!;
    for (const p of group) {
      Object.assign(this.written, p.written);
      active.maxIndex = Math.max(active.maxIndex, p.maxIndex);
    }
    if (group.some((p) => p.sync)) {
      await handle.datasync();
      this.stats.syncs++;
    }
  }

  /** Makes the active segment durable and starts the next one. */
  private async roll(): Promise<void> {
    const old = this.handle!;
    await old.datasync();
    this.handle = undefined;
    await old.close();
    await this.createSegment(this.segments.at(-1)!.seq + 1);
  }

  /** Creates segment `seq` holding only its head (the state so far), durably. */
  private async createSegment(seq: number): Promise<void> {
    const name = segmentName(seq, this.written.lastIndex + 1);
    const head = encodeRecords([
      { kind: 'head', head: { seq, mark: this.written.mark, compactedTo: this.written.compactedTo, hardState: this.written.hardState } },
      { kind: 'commit' },
    ]);
    const handle = await open(join(this.dir, name), 'wx');
    try {
      await writeAll(handle, head, 0);
      await handle.datasync();
      await syncDir(this.dir);
    } catch (err) {
      await handle.close();
      throw err;
    }
    this.handle = handle;
    this.size = head.length;
    this.segments.push({ seq, name, maxIndex: 0 });
    this.stats.segmentsCreated++;
  }
}

function maxEntryIndex(entries: readonly Entry[]): number {
  let max = 0;
  for (const e of entries) max = Math.max(max, e.index);
  return max;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
