/**
 * The host's LogManager: every job output line becomes an RFC 5424 message
 * with a per-host sequence number, appended to the app's file (rotated, see
 * AppLogWriter), fanned out to live readers, and shipped to every log
 * aggregator (LogShipper) when a discovery client is given.
 *
 * Writes are batched: `write()` only queues; a flush runs `flushMs` after the
 * first queued line (at once when `maxPendingLines` are queued), on `flush()`
 * and on `close()`. Nothing is fsynced (as the original). A flush assigns
 * sequence numbers, appends to the files, then publishes to followers, all in
 * one serial queue that snapshots also go through, so "seq ≤ flushedSeq is in
 * the files, later records come live" holds for every snapshot.
 */
import { mkdir } from 'node:fs/promises';
import { systemClock, noopLogger } from '@flynn-ts/core';
import type { Clock, Logger, Random, Timer } from '@flynn-ts/core';
import type { ServiceDiscovery } from '@flynn-ts/discovery';
import type { LogLine, LogManager, LogStream } from '../contracts.js';
import { AppLogWriter } from './app-log-writer.js';
import { DEFAULT_MAX_LINE_BYTES, fromSyslogMessage, nextSeq, splitLogMessage, toSyslogMessage } from './core/log-message.js';
import type { SyslogPriority } from './core/log-message.js';
import { encodeRfc5424, parseRfc5424 } from './core/rfc5424.js';
import { encodeFrame } from './core/rfc6587.js';
import { LogFeed } from './log-feed.js';
import type { StoredRecord } from './log-feed.js';
import type { FollowOptions, LogSnapshot, SnapshotSource } from './log-follower.js';
import { followRecords } from './log-follower.js';
import { closeLogFiles, lastSeqOf, listLogFiles, openLogFiles, readRecords, readRecordsBackward, recordOfLine } from './log-files.js';
import type { FileRecord, OpenLogFile } from './log-files.js';
import { LogShipper } from './shipper.js';
import type { LogShipperOptions, ShipSource } from './shipper.js';

export interface FileLogManagerOptions {
  /** Directory of the per-app files (created if missing), e.g. /var/log/flynn. */
  dir: string;
  /** HOSTNAME of every message; receivers key cursors by it. */
  hostId: string;
  /** Ship to every instance of `serviceName` found here. Without it, logs stay local. */
  discovery?: ServiceDiscovery;
  /** Default `logaggregator`. */
  serviceName?: string;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  /** Rotate a file before it grows past this. Default 100 MiB (lumberjack's default, as the original). */
  maxFileBytes?: number;
  /** Rotated files kept per app. Default 1. */
  backups?: number;
  /** Longest message part in UTF-8 octets; longer lines are split. Default 9,500. */
  maxLineBytes?: number;
  /** Flush delay after the first queued line. Default 100 ms. */
  flushMs?: number;
  /** Flush at once when this many lines are queued. Default 10,000. */
  maxPendingLines?: number;
  /** Per-follower (reader or receiver connection) live buffer, in records, before it falls back to the files. Default 10,000. */
  maxBufferedRecords?: number;
  /** Open app files kept; the least recently written are closed beyond it. Default 256. */
  maxOpenFiles?: number;
  /** PRI per stream. Default FLYNN_PRIORITIES (`<0>`, as the original). */
  priorities?: Readonly<Record<LogStream, SyslogPriority>>;
  /** Shipper options (cursor URL, dialer, backoff…). */
  shipping?: Omit<LogShipperOptions, 'source' | 'hostId' | 'clock' | 'random' | 'logger'>;
}

export class FileLogManager implements LogManager, ShipSource, SnapshotSource {
  readonly hostId: string;
  private shipperInstance: LogShipper | undefined;
  private readonly dir: string;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly feed = new LogFeed();
  private readonly writers = new Map<string, AppLogWriter>();
  private pending: LogLine[] = [];
  private flushTimer: Timer | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private initialized: Promise<void> | undefined;
  private lastSeq = 0;
  private flushedSeq = 0;
  private closing: Promise<void> | undefined;
  private readonly o: Required<Pick<FileLogManagerOptions, 'maxFileBytes' | 'backups' | 'maxLineBytes' | 'flushMs' | 'maxPendingLines' | 'maxBufferedRecords' | 'maxOpenFiles'>>;

  constructor(private readonly options: FileLogManagerOptions) {
    this.dir = options.dir;
    this.hostId = options.hostId;
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? noopLogger).child({ component: 'logs' });
    this.o = {
      maxFileBytes: options.maxFileBytes ?? 100 * 1024 * 1024,
      backups: options.backups ?? 1,
      maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
      flushMs: options.flushMs ?? 100,
      maxPendingLines: options.maxPendingLines ?? 10_000,
      maxBufferedRecords: options.maxBufferedRecords ?? 10_000,
      maxOpenFiles: options.maxOpenFiles ?? 256,
    };
    if (options.discovery) this.shipWith(options.discovery);
  }

  /** The shipper, once shipping started (`discovery` option or shipWith()). */
  get shipper(): LogShipper | undefined {
    return this.shipperInstance;
  }

  /**
   * Starts shipping to every instance of `serviceName` (default the option,
   * else `logaggregator`) in `discovery`, e.g. once discoverd became known
   * (`POST /host/discoverd`). Further calls add more services to follow.
   */
  shipWith(discovery: ServiceDiscovery, serviceName = this.options.serviceName ?? 'logaggregator'): LogShipper {
    this.shipperInstance ??= new LogShipper({
      maxBufferedRecords: this.o.maxBufferedRecords,
      ...this.options.shipping,
      source: this,
      hostId: this.hostId,
      clock: this.clock,
      logger: this.logger,
      ...(this.options.random ? { random: this.options.random } : {}),
    });
    if (!this.closing) this.shipperInstance.followService(discovery, serviceName);
    return this.shipperInstance;
  }

  /** Queues a line; it is written, published and shipped with the next flush. Ignored after close(). */
  write(line: LogLine): void {
    if (this.closing) return;
    this.pending.push(line);
    if (this.pending.length >= this.o.maxPendingLines) this.flushInBackground();
    else this.flushTimer ??= this.clock.setTimer(this.o.flushMs, () => this.flushInBackground());
  }

  /** Writes everything queued so far; resolves when it is in the files and published. */
  flush(): Promise<void> {
    this.flushTimer?.cancel();
    this.flushTimer = undefined;
    return this.serial(() => this.flushPending());
  }

  /** Sequence number of the last flushed record (recovered from the files once anything ran; 0 before). */
  get cursor(): number {
    return this.flushedSeq;
  }

  read(filter: { appId: string; jobId?: string }, opts: { lines?: number; follow?: boolean; signal?: AbortSignal } = {}): AsyncIterable<LogLine> {
    return this.readLines(filter, opts);
  }

  /** Records with seq > `after` (all apps, seq order), from the files then live. For the shipper. */
  follow(after: number, options: Omit<FollowOptions, 'appId'>): AsyncIterable<StoredRecord[]> {
    return followRecords(this, after, options);
  }

  snapshot(options: { appId?: string; subscribe?: { maxBuffered: number } }): Promise<LogSnapshot> {
    return this.serial(async () => {
      await this.init();
      const listed = await listLogFiles(this.dir);
      const files = new Map<string, OpenLogFile[]>();
      for (const [appId, paths] of listed) {
        if (options.appId !== undefined && appId !== options.appId) continue;
        files.set(appId, await openLogFiles(paths));
      }
      const subscription = options.subscribe
        ? this.feed.subscribe({ maxBuffered: options.subscribe.maxBuffered, ...(options.appId !== undefined ? { appId: options.appId } : {}) })
        : undefined;
      const snap: LogSnapshot = {
        files,
        flushedSeq: this.flushedSeq,
        subscription,
        close: async () => {
          subscription?.close();
          await closeLogFiles([...files.values()].flat());
          files.clear();
        },
      };
      return snap;
    });
  }

  /** Flushes, stops shipping, ends every follower and closes the files. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.flush();
      await this.shipperInstance?.close();
      this.feed.close();
      await this.serial(async () => {
        for (const w of this.writers.values()) await w.close().catch(() => undefined);
        this.writers.clear();
      });
    })();
    return this.closing;
  }

  // ---------------------------------------------------------------- internals

  private flushInBackground(): void {
    this.flush().catch((err: unknown) => this.logger.error({ err }, 'log flush failed'));
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op, op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private init(): Promise<void> {
    this.initialized ??= (async () => {
      await mkdir(this.dir, { recursive: true });
      for (const paths of (await listLogFiles(this.dir)).values()) {
        const files = await openLogFiles([...paths].reverse()); // newest first: the current file, then .log.1, …
        try {
          for (const f of files) {
            const seq = await lastSeqOf(f);
            if (seq !== undefined) {
              this.lastSeq = Math.max(this.lastSeq, seq);
              break;
            }
          }
        } finally {
          await closeLogFiles(files);
        }
      }
      this.flushedSeq = this.lastSeq;
    })();
    return this.initialized;
  }

  private async flushPending(): Promise<void> {
    try {
      await this.init();
    } catch (err) {
      this.initialized = undefined; // retried by the next flush
      this.logger.error({ err, dir: this.dir }, 'log directory unusable; lines are only delivered live');
    }
    const lines = this.pending;
    this.pending = [];
    if (lines.length === 0) return;
    const records: StoredRecord[] = [];
    const byApp = new Map<string, Uint8Array[]>();
    for (const line of lines) {
      const appId = line.appId || line.jobId || 'unknown';
      const time = Number.isFinite(line.time) && line.time >= 0 && line.time < 253402300800000 ? line.time : this.clock.now();
      for (const message of splitLogMessage(String(line.message ?? ''), this.o.maxLineBytes)) {
        const seq = nextSeq(this.lastSeq, this.clock.now());
        let frame: Uint8Array;
        try {
          frame = encodeFrame(encodeRfc5424(toSyslogMessage({ ...line, appId, time, message }, { hostId: this.hostId, seq, ...(this.options.priorities ? { priorities: this.options.priorities } : {}) })));
        } catch (err) {
          this.logger.error({ err, jobId: line.jobId }, 'dropping a log line that cannot be formatted');
          continue;
        }
        this.lastSeq = seq;
        records.push({ seq, appId, frame });
        const list = byApp.get(appId) ?? [];
        list.push(frame);
        byApp.set(appId, list);
      }
    }
    for (const [appId, frames] of byApp) {
      try {
        await this.writer(appId).append(frames);
      } catch (err) {
        this.logger.error({ err, appId, lines: frames.length }, 'writing the log file failed; lines are only delivered live');
      }
    }
    this.flushedSeq = this.lastSeq;
    this.feed.publish(records);
  }

  private writer(appId: string): AppLogWriter {
    let w = this.writers.get(appId);
    if (w) {
      this.writers.delete(appId); // re-insert: the Map's order is the LRU order
    } else {
      w = new AppLogWriter(this.dir, appId, { maxFileBytes: this.o.maxFileBytes, backups: this.o.backups });
      for (const [id, old] of this.writers) {
        if (this.writers.size < this.o.maxOpenFiles) break;
        this.writers.delete(id);
        void old.close().catch(() => undefined);
      }
    }
    this.writers.set(appId, w);
    return w;
  }

  private async *readLines(filter: { appId: string; jobId?: string }, opts: { lines?: number; follow?: boolean; signal?: AbortSignal }): AsyncGenerator<LogLine> {
    const { signal } = opts;
    if (signal?.aborted) return;
    const toLine = (message: Uint8Array): LogLine | undefined => {
      try {
        const { line } = fromSyslogMessage(parseRfc5424(message));
        if (filter.jobId !== undefined && line.jobId !== filter.jobId) return undefined;
        return { ...line, appId: filter.appId };
      } catch {
        return undefined;
      }
    };
    const snap = await this.snapshot({ appId: filter.appId });
    const files = snap.files.get(filter.appId) ?? [];
    try {
      if (opts.lines === undefined) {
        for (const file of files) {
          for await (const batch of readRecords(file)) {
            if (signal?.aborted) return;
            for (const r of batch) {
              const line = toLine(r.message);
              if (line) yield line;
              if (signal?.aborted) return;
            }
          }
        }
      } else if (opts.lines > 0) {
        for (const line of await tail(files, opts.lines, toLine)) {
          yield line;
          if (signal?.aborted) return;
        }
      }
    } finally {
      await snap.close();
    }
    if (!opts.follow || signal?.aborted) return;
    const follow = followRecords(this, snap.flushedSeq, { appId: filter.appId, maxBuffered: this.o.maxBufferedRecords, ...(signal ? { signal } : {}) });
    for await (const batch of follow) {
      for (const r of batch) {
        const rec = recordOfLine(r.frame);
        const line = rec && toLine(rec.message);
        if (line) yield line;
        if (signal?.aborted) return;
      }
    }
  }
}

/** The last `n` lines of `files` (oldest first) that `toLine` accepts, in file order. */
async function tail(files: readonly OpenLogFile[], n: number, toLine: (message: Uint8Array) => LogLine | undefined): Promise<LogLine[]> {
  const out: LogLine[] = [];
  for (let i = files.length - 1; i >= 0 && out.length < n; i--) {
    for await (const batch of readRecordsBackward(files[i]!)) {
      for (const r of batch as FileRecord[]) {
        const line = toLine(r.message);
        if (line) out.push(line);
        if (out.length >= n) break;
      }
      if (out.length >= n) break;
    }
  }
  return out.reverse();
}
