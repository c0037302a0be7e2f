/**
 * The whole raft log in memory (etcd's `raftLog` over `MemoryStorage` +
 * `unstable`, merged): a compaction point (index/term covered by a snapshot),
 * the entries after it, and the markers that drive the Ready cycle.
 *
 *   compacted │ snapIndex │ … stable … │ … inProgress … │ … unstable … │ lastIndex
 *             │           │ persisted  │ handed out,    │ not yet in   │
 *             │           │            │ not advanced   │ a Ready      │
 *
 *   applied ≤ applying ≤ committed ≤ lastIndex
 *
 * `applying` is what was handed out in `committedEntries`; `applied` what the
 * caller confirmed with `advance`. A snapshot received from the leader is
 * `pending` until handed out and `inFlight` until advanced; while either is
 * set no committed entries are handed out.
 */
import { invariant } from '@flynn-ts/core';
import type { Entry, Snapshot } from './types.js';

/** Per-entry overhead counted against message and Ready size limits. */
export const ENTRY_OVERHEAD_BYTES = 16;

/** Approximate encoded size: payload plus fixed overhead. */
export function entrySize(e: Entry): number {
  return e.data.byteLength + ENTRY_OVERHEAD_BYTES;
}

/** Payload bytes only (used for flow control and the uncommitted-size limit; empty entries are free). */
export function payloadSize(entries: readonly Entry[]): number {
  let n = 0;
  for (const e of entries) n += e.data.byteLength;
  return n;
}

/** A prefix of `entries` whose size is within `maxBytes`, but always at least one entry. */
export function limitSize(entries: Entry[], maxBytes: number): Entry[] {
  if (entries.length === 0) return entries;
  let size = entrySize(entries[0]!);
  let n = 1;
  while (n < entries.length) {
    size += entrySize(entries[n]!);
    if (size > maxBytes) break;
    n++;
  }
  return n === entries.length ? entries : entries.slice(0, n);
}

export interface RaftLogInit {
  /** The compaction point: index and term of the last entry covered by the snapshot (0/0 for none). */
  snapIndex: number;
  snapTerm: number;
  /** Durable entries strictly after `snapIndex`, contiguous. */
  entries: readonly Entry[];
  committed: number;
  applied: number;
}

export class RaftLog {
  private snapIndex: number;
  private snapTerm: number;
  private ents: Entry[];
  committed: number;
  applied: number;
  applying: number;
  private stable: number;
  private inProgress: number;
  private pendingSnap: Snapshot | undefined;
  private inFlightSnap: Snapshot | undefined;

  constructor(init: RaftLogInit) {
    this.snapIndex = init.snapIndex;
    this.snapTerm = init.snapTerm;
    this.ents = [...init.entries];
    this.ents.forEach((e, i) => {
      invariant(e.index === init.snapIndex + 1 + i, 'recovered entries are not contiguous after the snapshot', {
        expected: init.snapIndex + 1 + i,
        got: e.index,
      });
    });
    const last = this.lastIndex();
    invariant(init.committed >= init.snapIndex && init.committed <= last, 'commit is out of range', {
      commit: init.committed,
      snapIndex: init.snapIndex,
      lastIndex: last,
    });
    invariant(init.applied >= init.snapIndex && init.applied <= init.committed, 'applied is out of range', {
      applied: init.applied,
      snapIndex: init.snapIndex,
      commit: init.committed,
    });
    this.committed = init.committed;
    this.applied = init.applied;
    this.applying = init.applied;
    this.stable = last;
    this.inProgress = last;
  }

  firstIndex(): number {
    return this.snapIndex + 1;
  }

  lastIndex(): number {
    return this.snapIndex + this.ents.length;
  }

  /** The compaction point (index and term of the last compacted entry). */
  compactedTo(): { index: number; term: number } {
    return { index: this.snapIndex, term: this.snapTerm };
  }

  /** The term of entry `i`, or undefined if it is compacted away or beyond the end. */
  term(i: number): number | undefined {
    if (i === this.snapIndex) return this.snapTerm;
    if (i < this.snapIndex || i > this.lastIndex()) return undefined;
    return this.ents[i - this.snapIndex - 1]!.term;
  }

  lastTerm(): number {
    return this.term(this.lastIndex())!;
  }

  matchTerm(i: number, term: number): boolean {
    return this.term(i) === term;
  }

  /** Raft §5.4.1: the candidate's log (lastTerm, lastIndex) is at least as up to date as ours. */
  isUpToDate(index: number, term: number): boolean {
    const lt = this.lastTerm();
    return term > lt || (term === lt && index >= this.lastIndex());
  }

  /** Entries in [lo, hi), limited to `maxBytes` (at least one). Range must be in the log. */
  slice(lo: number, hi: number, maxBytes = Infinity): Entry[] {
    invariant(lo >= this.firstIndex() && hi <= this.lastIndex() + 1 && lo <= hi, 'slice out of bounds', {
      lo,
      hi,
      firstIndex: this.firstIndex(),
      lastIndex: this.lastIndex(),
    });
    const out = this.ents.slice(lo - this.snapIndex - 1, hi - this.snapIndex - 1);
    return maxBytes === Infinity ? out : limitSize(out, maxBytes);
  }

  /**
   * The follower side of AppendEntries: if our log has (prevIndex, prevTerm),
   * append `entries` (truncating a conflicting suffix) and commit up to
   * min(commit, last new index). Returns the last new index, or undefined if
   * the previous entry does not match.
   */
  maybeAppend(prevIndex: number, prevTerm: number, commit: number, entries: readonly Entry[]): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNew = prevIndex + entries.length;
    const ci = this.findConflict(entries);
    if (ci !== 0) {
      invariant(ci > this.committed, 'entry conflicts with a committed entry', { conflict: ci, committed: this.committed });
      this.append(entries.slice(ci - prevIndex - 1));
    }
    this.commitTo(Math.min(commit, lastNew));
    return lastNew;
  }

  /** Index of the first entry that is new or conflicts with ours, or 0 if all match. */
  private findConflict(entries: readonly Entry[]): number {
    for (const e of entries) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * The largest (index, term) with index <= `index` and term <= `term`, as a
   * reject hint (etcd `findConflictByTerm`). Term 0 means "unknown".
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (let i = index; i > 0; i--) {
      const t = this.term(i);
      if (t === undefined) return { index: i, term: 0 };
      if (t <= term) return { index: i, term: t };
    }
    return { index: 0, term: 0 };
  }

  /** Appends `entries`, replacing any entries at or after the first one's index. Returns the new last index. */
  append(entries: readonly Entry[]): number {
    if (entries.length === 0) return this.lastIndex();
    const after = entries[0]!.index - 1;
    invariant(after >= this.committed, 'appending an entry below the commit index', { after, committed: this.committed });
    invariant(after <= this.lastIndex(), 'appending leaves a gap in the log', { after, lastIndex: this.lastIndex() });
    this.ents.length = after - this.snapIndex;
    for (const e of entries) this.ents.push(e);
    this.stable = Math.min(this.stable, after);
    this.inProgress = Math.min(this.inProgress, after);
    return this.lastIndex();
  }

  /** Moves the commit index forward to `c` (never backwards). */
  commitTo(c: number): void {
    if (c <= this.committed) return;
    invariant(c <= this.lastIndex(), 'tocommit is out of range', { tocommit: c, lastIndex: this.lastIndex() });
    this.committed = c;
  }

  /** The leader's commit rule: commit `index` only if its entry is from `term` (the current term). */
  maybeCommit(index: number, term: number): boolean {
    if (index > this.committed && this.matchTerm(index, term)) {
      this.commitTo(index);
      return true;
    }
    return false;
  }

  /** Replaces the log with a snapshot received from the leader. */
  restore(s: Snapshot): void {
    invariant(s.meta.index > this.committed, 'restoring a snapshot at or below commit', {
      snapshot: s.meta.index,
      committed: this.committed,
    });
    this.snapIndex = s.meta.index;
    this.snapTerm = s.meta.term;
    this.ents = [];
    this.committed = s.meta.index;
    this.stable = s.meta.index;
    this.inProgress = s.meta.index;
    this.pendingSnap = s;
  }

  /** Drops the entries up to `index` (covered by a snapshot the caller took). */
  compact(index: number): void {
    if (index <= this.snapIndex) return;
    invariant(index <= this.applied, 'compacting beyond the applied index', { index, applied: this.applied });
    this.snapTerm = this.term(index)!;
    this.ents = this.ents.slice(index - this.snapIndex);
    this.snapIndex = index;
  }

  // --- the Ready cycle -------------------------------------------------------

  /** Entries not yet handed out for persistence. */
  unstableEntries(): Entry[] {
    return this.ents.slice(this.inProgress - this.snapIndex);
  }

  /** The received snapshot not yet handed out, if any. */
  nextSnapshot(): Snapshot | undefined {
    return this.pendingSnap;
  }

  /** A snapshot is waiting to be handed out or to be advanced. */
  hasSnapshotInProgress(): boolean {
    return this.pendingSnap !== undefined || this.inFlightSnap !== undefined;
  }

  /** Marks everything unstable (entries and snapshot) as handed out. */
  acceptUnstable(): void {
    this.inProgress = this.lastIndex();
    if (this.pendingSnap) {
      this.inFlightSnap = this.pendingSnap;
      this.pendingSnap = undefined;
    }
  }

  /** The caller persisted entries through (index, term). Ignored if that entry was since replaced. */
  stableTo(index: number, term: number): void {
    if (index > this.stable && this.matchTerm(index, term)) this.stable = Math.min(index, this.inProgress);
  }

  /** The caller persisted (and applied) the snapshot at `index`. */
  stableSnapTo(index: number): void {
    if (this.inFlightSnap?.meta.index === index) this.inFlightSnap = undefined;
    if (index > this.applied) {
      this.applied = index;
      this.applying = Math.max(this.applying, index);
    }
  }

  /** The highest index known to be durable locally. */
  persistedIndex(): number {
    return this.stable;
  }

  /** Committed entries not yet handed out, at most `maxBytes` (at least one). None while a snapshot is in progress. */
  nextCommittedEntries(maxBytes: number): Entry[] {
    if (!this.hasNextCommittedEntries()) return [];
    return this.slice(this.applying + 1, this.committed + 1, maxBytes);
  }

  hasNextCommittedEntries(): boolean {
    return !this.hasSnapshotInProgress() && this.applying < this.committed;
  }

  acceptApplying(index: number): void {
    invariant(index <= this.committed, 'applying beyond commit', { index, committed: this.committed });
    this.applying = Math.max(this.applying, index);
  }

  appliedTo(index: number): void {
    invariant(index <= this.committed, 'applied beyond commit', { index, committed: this.committed });
    this.applied = Math.max(this.applied, index);
  }
}
