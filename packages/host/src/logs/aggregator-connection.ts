/**
 * Shipping to one log receiver, reconnecting forever until closed.
 *
 *   connecting ──dial + cursor ok──▶ shipping ──socket ends / write fails──▶ backoff
 *       ▲   └──dial fails────────────────────────────────────────────────────▶ │
 *       └───────────────────────────── delay elapsed ◀─────────────────────────┘
 *   (close() from any state ──▶ closed)
 *
 * On every connect it asks the receiver for its cursor (`GET /cursors`) and
 * sends exactly the records after it: from the files, then live, strictly
 * increasing by seq (see log-follower.ts). A receiver that has never answered
 * `/cursors` (a plain syslog server) gets the records after the last one the
 * kernel accepted on an earlier connection (`sentSeq`; records in flight when
 * it died are then lost), or everything in the files if nothing was sent yet,
 * as the original did. One that answered before and fails now is retried. The live buffer is bounded (`maxBufferedRecords`): a slow
 * receiver makes the follower fall back to the files, never the writer wait.
 */
import { Backoff, linkSignals, publish } from '@flynn-ts/core';
import type { BackoffOptions, Clock, Logger, Random } from '@flynn-ts/core';
import type { CursorFetcher, LogReceiver } from './cursor-client.js';
import type { StoredRecord } from './log-feed.js';
import type { SinkDialer, SinkSocket } from './tcp-sink.js';

/** diagnostics_channel on which every state change is published as `{ addr, state }`. */
export const LOG_SINK_CHANNEL = 'flynn:host:log-sink';

/** What the shipper reads from: FileLogManager. */
export interface ShipSource {
  /** Records with seq > `after`, all apps, seq order: from the files, then live; ends when `signal` aborts. */
  follow(after: number, options: { maxBuffered: number; signal?: AbortSignal }): AsyncIterable<StoredRecord[]>;
}

export type ConnectionState =
  | { kind: 'connecting'; attempt: number }
  | { kind: 'shipping'; after: number; cursorFrom: 'receiver' | 'local' }
  | { kind: 'backoff'; attempt: number; delayMs: number; error: string }
  | { kind: 'closed' };

export interface ConnectionDeps {
  hostId: string;
  source: ShipSource;
  dial: SinkDialer;
  fetchCursor: CursorFetcher;
  clock: Clock;
  random: Random;
  logger: Logger;
  backoff: BackoffOptions;
  maxBufferedRecords: number;
  /** Largest single socket write. */
  maxWriteBytes: number;
}

export class AggregatorConnection {
  state: ConnectionState = { kind: 'connecting', attempt: 0 };
  /** Seq of the last record the kernel accepted for this receiver (survives reconnects). */
  sentSeq: number | undefined;
  /** The receiver's cursor for this host at the last connect, if it told. */
  confirmedSeq: number | undefined;
  /** Whether the receiver ever answered `/cursors` (survives reconnects, like sentSeq). */
  answersCursors = false;
  private readonly ctl = new AbortController();
  private readonly logger: Logger;
  private running: Promise<void> | undefined;

  constructor(
    public receiver: LogReceiver,
    private readonly deps: ConnectionDeps,
  ) {
    this.logger = deps.logger.child({ sink: receiver.addr });
  }

  start(): void {
    this.running ??= this.run();
  }

  /** Stops shipping and closes the connection; resolves when the loop ended. */
  async close(): Promise<void> {
    this.ctl.abort();
    await this.running;
    this.become({ kind: 'closed' });
  }

  private become(state: ConnectionState): void {
    this.state = state;
    publish(LOG_SINK_CHANNEL, { addr: this.receiver.addr, state });
  }

  private async run(): Promise<void> {
    const signal = this.ctl.signal;
    const backoff = new Backoff(this.deps.backoff, this.deps.random);
    while (!signal.aborted) {
      this.become({ kind: 'connecting', attempt: backoff.attempts });
      let socket: SinkSocket | undefined;
      let error: unknown;
      try {
        socket = await this.deps.dial(this.receiver.addr, signal);
        const { after, cursorFrom } = await this.startingPoint(signal);
        this.become({ kind: 'shipping', after, cursorFrom });
        this.logger.info({ after, cursorFrom }, 'shipping logs');
        backoff.reset();
        const ended = await this.ship(socket, after);
        if (ended === 'source-closed') break;
      } catch (err) {
        error = err;
      } finally {
        socket?.destroy();
      }
      if (signal.aborted) break;
      const delayMs = backoff.next();
      const message = error instanceof Error ? error.message : String(error ?? 'connection ended');
      this.logger.warn({ err: error, delayMs, sentSeq: this.sentSeq }, 'log receiver connection failed');
      this.become({ kind: 'backoff', attempt: backoff.attempts, delayMs, error: message });
      try {
        await this.deps.clock.sleep(delayMs, signal);
      } catch {
        break;
      }
    }
  }

  /**
   * The seq to resume after: the receiver's cursor, else what was sent before,
   * else 0 (everything on disk). A receiver that answered `/cursors` once is
   * expected to again: its failure is then a failed connect (retried), not a
   * reason to guess.
   */
  private async startingPoint(signal: AbortSignal): Promise<{ after: number; cursorFrom: 'receiver' | 'local' }> {
    try {
      const cursor = await this.deps.fetchCursor(this.receiver, this.deps.hostId, signal);
      this.confirmedSeq = cursor?.seq;
      this.answersCursors = true;
      return { after: cursor?.seq ?? 0, cursorFrom: 'receiver' };
    } catch (err) {
      if (signal.aborted || this.answersCursors) throw err;
      this.logger.warn({ err, sentSeq: this.sentSeq }, 'receiver cursor unavailable; resuming after the last record sent');
      return { after: this.sentSeq ?? 0, cursorFrom: 'local' };
    }
  }

  /** Sends until the socket ends (throws its reason), close() (returns) or the source closes. */
  private async ship(socket: SinkSocket, after: number): Promise<'aborted' | 'source-closed'> {
    const linked = linkSignals([this.ctl.signal, socket.closed]);
    try {
      const records = this.deps.source.follow(after, { maxBuffered: this.deps.maxBufferedRecords, signal: linked.signal });
      for await (const batch of records) {
        for (const chunk of chunks(batch, this.deps.maxWriteBytes)) {
          await socket.write(chunk.bytes);
          this.sentSeq = chunk.lastSeq;
        }
      }
    } finally {
      linked.dispose();
    }
    if (socket.closed.aborted) throw socket.closed.reason;
    return this.ctl.signal.aborted ? 'aborted' : 'source-closed';
  }
}

/** Frames concatenated into writes of at most `maxBytes` (a bigger frame is a write of its own). */
export function chunks(batch: readonly StoredRecord[], maxBytes: number): { bytes: Uint8Array; lastSeq: number }[] {
  const out: { bytes: Uint8Array; lastSeq: number }[] = [];
  let parts: Uint8Array[] = [];
  let size = 0;
  let lastSeq = 0;
  const push = () => {
    if (parts.length > 0) out.push({ bytes: Buffer.concat(parts, size), lastSeq });
    parts = [];
    size = 0;
  };
  for (const r of batch) {
    if (size > 0 && size + r.frame.length > maxBytes) push();
    parts.push(r.frame);
    size += r.frame.length;
    lastSeq = r.seq;
  }
  push();
  return out;
}
