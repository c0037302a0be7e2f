/**
 * The aggregator's state: one ring buffer of the last `capacity` (10,000)
 * lines received per app (keyed by APP-NAME), the per-host cursors for
 * `GET /cursors`, and the live subscribers of each app. Pure and
 * synchronous: the syslog server feeds it, the HTTP API reads it, nothing
 * here does I/O or reads a clock.
 *
 * Order: a buffer keeps arrival order (O(1) per line, whatever the
 * timestamps); reads return lines in timestamp order, ties in arrival order
 * (a stable sort, linear when the lines came in order, which is the usual
 * case). The original inserted each line at its timestamp's place instead,
 * which costs up to the whole buffer per line when a host replays old lines
 * into a buffer of newer ones.
 *
 * Deduplication: hosts send each connection's lines in strictly increasing
 * `seq`, and after a reconnect resend everything after the cursor they were
 * given (packages/host/DESIGN-logs.md, "The cursor contract"). So a line
 * whose seq is not above its host's cursor has been stored already (or
 * evicted since): `ingest` drops it. `restore` (a snapshot from a peer) merges
 * by exact (host, seq) instead, since a snapshot is not in seq order.
 */
import type { LogEntry } from './log-entry.js';
import type { LogFilter } from './log-query.js';
import { filterPredicate } from './log-query.js';
import { RingBuffer } from './ring-buffer.js';

export const DEFAULT_BUFFER_LINES = 10_000;

/** `GET /cursors`: per host, the largest seq stored and that line's timestamp (the host shipper's contract). */
export interface HostCursor {
  time: string;
  seq: number;
}
export type CursorMap = Record<string, HostCursor>;

/** What happened to an ingested line: stored, or a replay of a line already taken (`duplicate`). */
export type IngestOutcome = 'stored' | 'duplicate';

export type LogListener = (entry: LogEntry) => void;

export interface ReadOptions {
  /** The last `lines` matching entries; undefined or 0: all of them. */
  lines?: number;
  filter?: LogFilter;
}

export interface LogStoreStats {
  apps: number;
  lines: number;
  hosts: number;
  subscribers: number;
}

const byTime = (a: LogEntry, b: LogEntry) => a.time - b.time;

export class LogStore {
  readonly capacity: number;
  private readonly buffers = new Map<string, RingBuffer<LogEntry>>();
  private readonly hostCursors = new Map<string, HostCursor>();
  private readonly listeners = new Map<string, Set<LogListener>>();
  private lineCount = 0;

  constructor(options: { capacity?: number } = {}) {
    this.capacity = options.capacity ?? DEFAULT_BUFFER_LINES;
  }

  /** Stores a line a host sent, unless its host cursor says it was taken already. Tells the app's subscribers. */
  ingest(entry: LogEntry): IngestOutcome {
    const cursor = this.hostCursors.get(entry.hostId);
    if (cursor !== undefined && entry.seq <= cursor.seq) return 'duplicate';
    this.hostCursors.set(entry.hostId, { seq: entry.seq, time: entry.timestamp });
    this.insert(entry);
    const subs = this.listeners.get(entry.appId);
    if (subs) for (const fn of subs) fn(entry);
    return 'stored';
  }

  /**
   * The app's entries in timestamp order (ties in arrival order), filtered,
   * the last `lines` of them. Unknown apps have none (reading does not
   * create a buffer).
   */
  read(appId: string, options: ReadOptions = {}): LogEntry[] {
    const buf = this.buffers.get(appId);
    if (!buf) return [];
    const match = filterPredicate(options.filter ?? {});
    const all = (match ? buf.toArray().filter(match) : buf.toArray()).sort(byTime);
    const n = options.lines ?? 0;
    return n > 0 && n < all.length ? all.slice(all.length - n) : all;
  }

  /** Calls `fn` with every entry stored for `appId` from now on, until the returned function is called. */
  subscribe(appId: string, fn: LogListener): () => void {
    let subs = this.listeners.get(appId);
    if (!subs) this.listeners.set(appId, (subs = new Set()));
    const listener: LogListener = (e) => fn(e);
    subs.add(listener);
    return () => {
      subs.delete(listener);
      if (subs.size === 0 && this.listeners.get(appId) === subs) this.listeners.delete(appId);
    };
  }

  /** The cursor of every host a line was taken from. A copy. */
  cursors(): CursorMap {
    const out: CursorMap = {};
    for (const [host, c] of this.hostCursors) out[host] = { seq: c.seq, time: c.time };
    return out;
  }

  /** Every stored entry, app by app, oldest first within an app (what `GET /snapshot` sends). */
  snapshot(): LogEntry[] {
    const out: LogEntry[] = [];
    for (const buf of this.buffers.values()) for (const e of buf.toArray()) out.push(e);
    return out;
  }

  /**
   * Merges entries from a peer's snapshot: entries already stored (same host
   * and seq) are skipped, the rest are added in the order given, and host
   * cursors move up to the largest seq seen. Subscribers are not told.
   * Returns how many entries were added.
   */
  restore(entries: Iterable<LogEntry>): number {
    const known = new Map<string, Set<string>>();
    const keysOf = (appId: string) => {
      let keys = known.get(appId);
      if (!keys) {
        keys = new Set(this.read(appId).map(entryKey));
        known.set(appId, keys);
      }
      return keys;
    };
    let added = 0;
    for (const e of entries) {
      const keys = keysOf(e.appId);
      const key = entryKey(e);
      if (keys.has(key)) continue;
      keys.add(key);
      const cursor = this.hostCursors.get(e.hostId);
      if (cursor === undefined || e.seq > cursor.seq) this.hostCursors.set(e.hostId, { seq: e.seq, time: e.timestamp });
      this.insert(e);
      added++;
    }
    return added;
  }

  stats(): LogStoreStats {
    let subscribers = 0;
    for (const s of this.listeners.values()) subscribers += s.size;
    return { apps: this.buffers.size, lines: this.lineCount, hosts: this.hostCursors.size, subscribers };
  }

  private insert(entry: LogEntry): void {
    let buf = this.buffers.get(entry.appId);
    if (!buf) this.buffers.set(entry.appId, (buf = new RingBuffer<LogEntry>(this.capacity)));
    if (buf.push(entry) === undefined) this.lineCount++;
  }
}

function entryKey(e: LogEntry): string {
  return `${e.hostId}\u0000${e.seq}`;
}
