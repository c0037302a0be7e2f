/**
 * "Every record after seq N, in seq order, then the live ones": the one
 * primitive behind shipping (replay after a receiver's cursor) and `read`
 * with `follow`.
 *
 * A snapshot is taken atomically with respect to flushes (the manager's serial
 * queue): it opens the files, notes `flushedSeq` (every record ≤ it is in
 * them, every later one will be published) and subscribes to the feed. The
 * follower replays (after, flushedSeq] from the opened files (k-way merged
 * across apps by seq), then takes live records. If it falls `maxBuffered`
 * records behind, the subscription overflows and it takes a new snapshot and
 * catches up from the files again. Records come out strictly increasing by
 * seq; a record at or below the last one given is dropped.
 */
import type { FileRecord, OpenLogFile } from './log-files.js';
import { closeLogFiles, lastSeqOf, readRecords } from './log-files.js';
import type { FeedSubscription, StoredRecord } from './log-feed.js';

export interface LogSnapshot {
  /** Opened files by app, oldest first. */
  files: Map<string, OpenLogFile[]>;
  /** Every record with seq ≤ this is in `files`; later ones come from `subscription`. */
  flushedSeq: number;
  subscription: FeedSubscription | undefined;
  close(): Promise<void>;
}

export interface SnapshotSource {
  snapshot(options: { appId?: string; subscribe?: { maxBuffered: number } }): Promise<LogSnapshot>;
}

export interface FollowOptions {
  /** Only this app's records. Default all apps. */
  appId?: string;
  /** Per-follower live queue bound. */
  maxBuffered: number;
  /** Ends the iteration (normally, without an error). */
  signal?: AbortSignal;
}

/** Largest batch handed out at once while replaying from files. */
const BATCH_RECORDS = 512;

/** Records with seq > `after` from the files, then live, until the signal aborts or the source closes. */
export async function* followRecords(source: SnapshotSource, after: number, options: FollowOptions): AsyncGenerator<StoredRecord[]> {
  let last = after;
  const { signal } = options;
  while (!signal?.aborted) {
    const snapOptions = options.appId === undefined ? { subscribe: { maxBuffered: options.maxBuffered } } : { appId: options.appId, subscribe: { maxBuffered: options.maxBuffered } };
    const snap = await source.snapshot(snapOptions);
    try {
      for await (const batch of replaySnapshot(snap, last, snap.flushedSeq)) {
        if (signal?.aborted) return;
        yield batch;
        last = batch[batch.length - 1]!.seq;
      }
      last = Math.max(last, snap.flushedSeq);
      await closeLogFiles([...snap.files.values()].flat());
      snap.files.clear();
      const sub = snap.subscription!;
      for (;;) {
        const batch = await sub.take(signal);
        if (batch === null) break;
        const fresh = batch.filter((r) => r.seq > last);
        if (fresh.length === 0) continue;
        yield fresh;
        last = fresh[fresh.length - 1]!.seq;
      }
      if (!sub.overflowed) return; // closed (source shut down) or aborted
    } finally {
      await snap.close();
    }
  }
}

/** The snapshot's records with `after` < seq ≤ `upTo`, in seq order, in batches. */
export async function* replaySnapshot(snap: LogSnapshot, after: number, upTo: number): AsyncGenerator<StoredRecord[]> {
  const heads: Head[] = [];
  for (const [appId, files] of snap.files) {
    const it = appRecords(appId, files, after, upTo);
    const first = await it.next();
    if (!first.done) heads.push({ it, rec: first.value });
  }
  const heap = new MinHeap(heads);
  let batch: StoredRecord[] = [];
  let last = after;
  for (let h = heap.peek(); h !== undefined; h = heap.peek()) {
    if (h.rec.seq > last) {
      batch.push(h.rec);
      last = h.rec.seq;
    }
    if (batch.length >= BATCH_RECORDS) {
      yield batch;
      batch = [];
    }
    const next = await h.it.next();
    if (next.done) heap.pop();
    else {
      h.rec = next.value;
      heap.fixTop();
    }
  }
  if (batch.length > 0) yield batch;
}

interface Head {
  it: AsyncGenerator<StoredRecord>;
  rec: StoredRecord;
}

/** One app's records in (after, upTo], file by file; files whose last record is ≤ after are skipped unread. */
async function* appRecords(appId: string, files: readonly OpenLogFile[], after: number, upTo: number): AsyncGenerator<StoredRecord> {
  for (const file of files) {
    const lastSeq = await lastSeqOf(file);
    if (lastSeq === undefined || lastSeq <= after) continue;
    for await (const batch of readRecords(file)) {
      for (const r of batch as FileRecord[]) {
        if (r.seq > upTo) return;
        if (r.seq > after) yield { seq: r.seq, appId, frame: r.frame };
      }
    }
  }
}

/** A binary min-heap of heads by their record's seq. */
class MinHeap {
  constructor(private readonly items: Head[]) {
    for (let i = (items.length >> 1) - 1; i >= 0; i--) this.down(i);
  }
  peek(): Head | undefined {
    return this.items[0];
  }
  pop(): void {
    const last = this.items.pop();
    if (last !== undefined && this.items.length > 0) {
      this.items[0] = last;
      this.down(0);
    }
  }
  fixTop(): void {
    this.down(0);
  }
  private down(i: number): void {
    const a = this.items;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && a[l]!.rec.seq < a[m]!.rec.seq) m = l;
      if (r < a.length && a[r]!.rec.seq < a[m]!.rec.seq) m = r;
      if (m === i) return;
      [a[i], a[m]] = [a[m]!, a[i]!];
      i = m;
    }
  }
}
