/**
 * The storage semantics shared by every raft storage, as pure code: how a
 * snapshot, appended entries, a hard state and a compaction change what a
 * restarted node recovers. `MemoryStorage` keeps its state in a `LogState`;
 * `FileStorage` replays its WAL into one; the live WAL validates against the
 * lighter `LogShape` (log-shape.ts) through the same `batchProblem` rules.
 *
 * Rules:
 * - Appending entries whose first index is at or below the last stored index
 *   replaces the stored suffix from that index (Raft's log-matching truncation).
 *   A gap (first index beyond last + 1) is refused, and so are entries at or
 *   below the snapshot's index (they are committed: raft never rewrites them).
 * - A snapshot whose (index, term) matches a stored entry keeps the log (local
 *   compaction); one that does not match replaces the whole log (InstallSnapshot),
 *   after which the next entry must be at most `index + 1`.
 * - Compaction drops entries at or below `index`, which must be covered by the
 *   snapshot (`index <= snapshot index`).
 */
import type { Entry, HardState } from '../core/types.js';

/** The position of a snapshot, as recorded in the log. */
export interface SnapshotMark {
  index: number;
  term: number;
}

export interface LogBatch {
  mark?: SnapshotMark | undefined;
  entries: readonly Entry[];
  hardState?: HardState | undefined;
}

/** What `batchProblem` needs to know about a log. */
export interface LogView {
  readonly mark: SnapshotMark | undefined;
  /** The last entry's index; when empty, the index the next entry may follow; undefined when anything goes. */
  lastKnown(): number | undefined;
  /** The term of the entry at `index`, or of the snapshot when `index` is its index; undefined if unknown. */
  termAt(index: number): number | undefined;
}

const isIndex = (n: number): boolean => Number.isSafeInteger(n) && n >= 1;
const isCount = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;

/** Why `batch` cannot be saved on top of `log` (a caller bug), or undefined when it can. */
export function batchProblem(log: LogView, batch: LogBatch): string | undefined {
  const { mark, entries, hardState } = batch;
  if (mark) {
    if (!isIndex(mark.index) || !isCount(mark.term)) return `bad snapshot position index=${mark.index} term=${mark.term}`;
    if (log.mark && mark.index < log.mark.index) return `snapshot at ${mark.index} is older than the stored one at ${log.mark.index}`;
    if (log.mark && mark.index === log.mark.index && mark.term !== log.mark.term) {
      return `snapshot at ${mark.index} has term ${mark.term}, the stored one ${log.mark.term}`;
    }
  }
  if (hardState && (!isCount(hardState.term) || !isCount(hardState.commit) || typeof hardState.vote !== 'string')) {
    return `bad hard state ${JSON.stringify(hardState)}`;
  }
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (!isIndex(e.index) || !isCount(e.term)) return `bad entry position index=${e.index} term=${e.term}`;
    if (e.type !== 'normal' && e.type !== 'conf-change') return `bad entry type ${String(e.type)} at ${e.index}`;
    if (!(e.data instanceof Uint8Array)) return `entry ${e.index} has no Uint8Array data`;
    const prev = entries[i - 1];
    if (prev && e.index !== prev.index + 1) return `entries are not contiguous: ${prev.index} then ${e.index}`;
  }
  const first = entries[0];
  if (!first) return undefined;
  const snap = mark ?? log.mark;
  if (snap && first.index <= snap.index) return `entries start at ${first.index}, at or below the snapshot at ${snap.index}`;
  const last = mark && log.termAt(mark.index) !== mark.term ? mark.index : log.lastKnown();
  if (last !== undefined && first.index > last + 1) return `gap: the log ends at ${last} but entries start at ${first.index}`;
  return undefined;
}

/** Why the log cannot be compacted to `index`, or undefined when it can. */
export function compactProblem(log: LogView, index: number): string | undefined {
  if (!isCount(index)) return `bad compaction index ${index}`;
  const snap = log.mark?.index ?? 0;
  if (index > snap) return `compaction to ${index} goes beyond the snapshot at ${snap}`;
  return undefined;
}

/** A whole log in memory. Stores the objects it is given: callers copy. */
export class LogState implements LogView {
  hardState: HardState | undefined = undefined;
  mark: SnapshotMark | undefined = undefined;
  compactedTo = 0;
  private entries: Entry[] = [];
  private floor: number | undefined = undefined;

  clone(): LogState {
    const c = new LogState();
    c.hardState = this.hardState;
    c.mark = this.mark;
    c.compactedTo = this.compactedTo;
    c.entries = this.entries.slice();
    c.floor = this.floor;
    return c;
  }

  lastKnown(): number | undefined {
    return this.entries.at(-1)?.index ?? this.floor;
  }

  termAt(index: number): number | undefined {
    const head = this.entries[0];
    const term = head && index >= head.index ? this.entries[index - head.index]?.term : undefined;
    return term ?? (index === this.mark?.index ? this.mark.term : undefined);
  }

  /** Applies a batch that `batchProblem` accepted: snapshot, then entries, then hard state. */
  apply(batch: LogBatch): void {
    if (batch.mark) this.restore(batch.mark);
    this.append(batch.entries);
    if (batch.hardState) this.hardState = batch.hardState;
  }

  /**
   * Takes in a snapshot. `replaces` says whether it replaces the log; by default,
   * when the log does not match it. (WAL replay passes what the writer decided:
   * the replayed log may lack the deleted segments the decision depended on.)
   */
  restore(mark: SnapshotMark, replaces = this.termAt(mark.index) !== mark.term): void {
    if (replaces) {
      this.entries = [];
      this.floor = mark.index;
    }
    if (!this.mark || mark.index >= this.mark.index) this.mark = mark;
  }

  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (!first) return;
    const head = this.entries[0];
    if (head) this.entries.length = Math.min(this.entries.length, Math.max(0, first.index - head.index));
    for (const e of entries) this.entries.push(e);
  }

  compact(index: number): void {
    this.compactedTo = Math.max(this.compactedTo, index);
    const head = this.entries[0];
    if (!head) return;
    const n = index - head.index + 1;
    if (n >= this.entries.length) {
      this.floor = this.lastKnown();
      this.entries = [];
    } else if (n > 0) {
      this.entries.splice(0, n);
    }
  }

  /** Takes in the state a WAL segment's head repeats (no effect on the entries). */
  noteHead(head: { mark: SnapshotMark | undefined; compactedTo: number; hardState: HardState | undefined }): void {
    if (head.mark && (!this.mark || head.mark.index > this.mark.index)) this.mark = head.mark;
    this.compactedTo = Math.max(this.compactedTo, head.compactedTo);
    if (head.hardState) this.hardState = head.hardState;
  }

  /** Every stored entry and the floor (see `lastKnown`), for building a `LogShape`. */
  outline(): { entries: readonly Entry[]; floor: number | undefined } {
    return { entries: this.entries, floor: this.floor };
  }

  /** The entries after the compaction point (shared objects: copy before handing out). */
  recovered(): readonly Entry[] {
    const head = this.entries[0];
    if (!head || head.index > this.compactedTo) return this.entries;
    return this.entries.slice(this.compactedTo - head.index + 1);
  }
}
