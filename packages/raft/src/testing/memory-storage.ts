/**
 * `MemoryStorage`: an in-memory `RaftStorage` for tests, with the same rules as
 * `FileStorage` (both keep their state in a `LogState`, and both run
 * `describeRaftStorage`).
 *
 * It copies every entry, hard state and snapshot it is given, and `load`
 * returns fresh copies. It tracks what would survive a crash, so tests can
 * simulate one with `crash(kind)`, which returns a new storage holding what a
 * restarted node would recover:
 *
 * - `'power-loss'` (the default): only what was made durable. A save with
 *   `sync: true` makes itself and every earlier save durable (fsync flushes all
 *   that came before); `appendEntries`, `setHardState` and `saveSnapshot` are
 *   synced, and so is any batch carrying a snapshot; `compact` and saves with
 *   `sync: false` are lost unless a later synced save follows.
 * - `'process'`: everything saved so far (the OS still had the page cache; only
 *   the process died).
 *
 * `close()` makes everything durable, as `FileStorage.close` does, so
 * `close()` then `crash()` is a clean restart. After `close` or `crash` the old
 * instance rejects every call with `FLYNN_RAFT_STORAGE_CLOSED`.
 */
import { InvariantError } from '@flynn-ts/core';
import type { ConfState, Entry, HardState, Snapshot } from '../core/types.js';
import type { LogBatch } from '../adapters/log-state.js';
import { LogState, batchProblem, compactProblem } from '../adapters/log-state.js';
import { storageClosedError } from '../adapters/storage-errors.js';
import type { RaftStorage, RecoveredState } from '../storage.js';

export type CrashKind = 'power-loss' | 'process';

/** One state: the log rules plus the snapshot itself (the log keeps only its position). */
interface Image {
  log: LogState;
  snapshot: Snapshot | undefined;
}

type Op = { kind: 'save'; batch: LogBatch; snapshot: Snapshot | undefined } | { kind: 'compact'; index: number };

export class MemoryStorage implements RaftStorage {
  private live: Image;
  private durable: Image;
  /** Ops applied to `live` but not yet to `durable`. */
  private unsynced: Op[] = [];
  private closed = false;

  constructor() {
    this.live = { log: new LogState(), snapshot: undefined };
    this.durable = { log: new LogState(), snapshot: undefined };
  }

  /** A storage holding what a node restarted after a crash of this kind would recover; closes this one. */
  crash(kind: CrashKind = 'power-loss'): MemoryStorage {
    if (kind === 'process') this.flush();
    this.closed = true;
    const next = new MemoryStorage();
    next.live = { log: this.durable.log.clone(), snapshot: this.durable.snapshot };
    next.durable = { log: this.durable.log.clone(), snapshot: this.durable.snapshot };
    return next;
  }

  async load(): Promise<RecoveredState> {
    this.assertOpen();
    const { log, snapshot } = this.live;
    return {
      hardState: log.hardState ? { ...log.hardState } : undefined,
      snapshot: snapshot ? copySnapshot(snapshot) : undefined,
      entries: log.recovered().map(copyEntry),
    };
  }

  async save(batch: { hardState?: HardState; entries: readonly Entry[]; snapshot?: Snapshot }, sync: boolean): Promise<void> {
    this.assertOpen();
    const mark = batch.snapshot ? { index: batch.snapshot.meta.index, term: batch.snapshot.meta.term } : undefined;
    const problem = batchProblem(this.live.log, { mark, entries: batch.entries, hardState: batch.hardState });
    if (problem) throw new InvariantError(`raft storage: ${problem}`);
    const snapshot = batch.snapshot ? copySnapshot(batch.snapshot) : undefined;
    const logBatch: LogBatch = { mark, entries: batch.entries.map(copyEntry) };
    if (batch.hardState) logBatch.hardState = { ...batch.hardState };
    this.record({ kind: 'save', batch: logBatch, snapshot }, sync || snapshot !== undefined);
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

  async compact(index: number): Promise<void> {
    this.assertOpen();
    const problem = compactProblem(this.live.log, index);
    if (problem) throw new InvariantError(`raft storage: ${problem}`);
    this.record({ kind: 'compact', index }, false);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
  }

  private record(op: Op, sync: boolean): void {
    applyOp(this.live, op);
    this.unsynced.push(op);
    if (sync) this.flush();
  }

  private flush(): void {
    for (const op of this.unsynced) applyOp(this.durable, op);
    this.unsynced = [];
  }

  private assertOpen(): void {
    if (this.closed) throw storageClosedError();
  }
}

/** Applies an op; `live` and `durable` share the (never mutated) copies inside it. */
function applyOp(image: Image, op: Op): void {
  if (op.kind === 'compact') {
    image.log.compact(op.index);
    return;
  }
  if (op.snapshot && (!image.snapshot || op.snapshot.meta.index >= image.snapshot.meta.index)) image.snapshot = op.snapshot;
  image.log.apply(op.batch);
}

function copyEntry(e: Entry): Entry {
  return { term: e.term, index: e.index, type: e.type, data: new Uint8Array(e.data) };
}

function copyConf(c: ConfState): ConfState {
  return { voters: [...c.voters], learners: [...c.learners] };
}

function copySnapshot(s: Snapshot): Snapshot {
  return { meta: { index: s.meta.index, term: s.meta.term, conf: copyConf(s.meta.conf) }, data: new Uint8Array(s.data) };
}
