/**
 * The aggregator's state: one ring buffer of the last `capacity` (10,000)
 * lines per app (keyed by APP-NAME, ordered by timestamp, ties in arrival
 * order, as the original's buffer), the per-host cursors for `GET /cursors`,
 * and the live subscribers of each app. Pure and synchronous: the syslog
 * server feeds it, the HTTP API reads it, nothing here does I/O or reads a
 * clock.
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

/**
 * What happened to an ingested line: stored; a replay of a line already taken
 * (`duplicate`); or older than everything in a full buffer (`expired`).
 */
export type IngestOutcome = 'stored' | 'duplicate' | 'expired';

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
    if (!this.insert(entry)) return 'expired';
    const subs = this.listeners.get(entry.appId);
    if (subs) for (const fn of subs) fn(entry);
    return 'stored';
  }

  /**
   * The app's entries, oldest first, filtered, the last `lines` of them.
   * Unknown apps have none (reading does not create a buffer).
   */
  read(appId: string, options: ReadOptions = {}): LogEntry[] {
    const buf = this.buffers.get(appId);
    if (!buf) return [];
    const match = filterPredicate(options.filter ?? {});
    const n = options.lines ?? 0;
    if (!match) return buf.toArray(n > 0 ? buf.length - n : 0);
    if (n <= 0) return buf.toArray().filter(match);
    // Walk back from the newest until n matches: cheap for a tail of a big buffer.
    const out: LogEntry[] = [];
    for (let i = buf.length - 1; i >= 0 && out.length < n; i--) {
      const e = buf.at(i);
      if (match(e)) out.push(e);
    }
    return out.reverse();
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
   * and seq) are skipped, the rest are inserted in timestamp order, and host
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
      if (this.insert(e)) added++;
    }
    return added;
  }

  stats(): LogStoreStats {
    let subscribers = 0;
    for (const s of this.listeners.values()) subscribers += s.size;
    return { apps: this.buffers.size, lines: this.lineCount, hosts: this.hostCursors.size, subscribers };
  }

  /** Inserts in timestamp order (after equal timestamps); false when it fell off a full buffer at once. */
  private insert(entry: LogEntry): boolean {
    let buf = this.buffers.get(entry.appId);
    if (!buf) this.buffers.set(entry.appId, (buf = new RingBuffer<LogEntry>(this.capacity)));
    const last = buf.last();
    const at = last === undefined || last.time <= entry.time ? buf.length : buf.upperBound(entry, byTime);
    const result = buf.insert(at, entry);
    if (!result.stored) return false;
    if (result.evicted === undefined) this.lineCount++;
    return true;
  }
}

function entryKey(e: LogEntry): string {
  return `${e.hostId}\u0000${e.seq}`;
}
