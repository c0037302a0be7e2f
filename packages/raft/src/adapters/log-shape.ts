/**
 * The shape of a log without its payloads: the last index and the term of every
 * index, kept as runs of equal terms (terms change rarely, so a log of millions
 * of entries costs a few objects). The live WAL uses it to refuse gaps and to
 * know whether a snapshot matches the log, with the same rules as `LogState`.
 */
import type { Entry } from '../core/types.js';
import type { LogBatch, LogView, SnapshotMark } from './log-state.js';

interface Run {
  /** First index of the run. */
  start: number;
  term: number;
}

export class LogShape implements LogView {
  mark: SnapshotMark | undefined = undefined;
  compactedTo = 0;
  /** Ascending by `start`; the last run ends at `last`. */
  private runs: Run[] = [];
  private last = 0;
  private floor: number | undefined = undefined;

  static from(entries: readonly Entry[], floor: number | undefined, mark: SnapshotMark | undefined, compactedTo: number): LogShape {
    const s = new LogShape();
    s.floor = floor;
    s.append(entries);
    s.mark = mark;
    s.compactedTo = compactedTo;
    return s;
  }

  lastKnown(): number | undefined {
    return this.runs.length > 0 ? this.last : this.floor;
  }

  /** The last index, 0 when nothing is known. */
  lastIndex(): number {
    return this.lastKnown() ?? 0;
  }

  termAt(index: number): number | undefined {
    const first = this.runs[0];
    if (first && index >= first.start && index <= this.last) {
      for (let i = this.runs.length - 1; i >= 0; i--) {
        const r = this.runs[i]!;
        if (r.start <= index) return r.term;
      }
    }
    return index === this.mark?.index ? this.mark.term : undefined;
  }

  /** Whether saving a snapshot at `mark` replaces the log (see `LogState.restore`). */
  replacedBy(mark: SnapshotMark): boolean {
    return this.termAt(mark.index) !== mark.term;
  }

  apply(batch: LogBatch): void {
    if (batch.mark) this.restore(batch.mark);
    this.append(batch.entries);
  }

  restore(mark: SnapshotMark): void {
    if (this.replacedBy(mark)) {
      this.runs = [];
      this.floor = mark.index;
    }
    if (!this.mark || mark.index >= this.mark.index) this.mark = mark;
  }

  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (!first) return;
    if (this.runs.length > 0 && first.index <= this.last) this.truncateFrom(first.index);
    for (const e of entries) {
      const tail = this.runs.at(-1);
      if (!tail || tail.term !== e.term) this.runs.push({ start: e.index, term: e.term });
      this.last = e.index;
    }
  }

  compact(index: number): void {
    this.compactedTo = Math.max(this.compactedTo, index);
    if (this.runs.length === 0) return;
    if (index >= this.last) {
      this.floor = this.last;
      this.runs = [];
      return;
    }
    while (this.runs.length > 1 && this.runs[1]!.start <= index + 1) this.runs.shift();
    const head = this.runs[0]!;
    head.start = Math.max(head.start, index + 1);
  }

  private truncateFrom(index: number): void {
    while (this.runs.length > 0 && this.runs.at(-1)!.start >= index) this.runs.pop();
    this.last = index - 1;
  }
}
