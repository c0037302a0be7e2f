/**
 * Live fan-out of flushed records to followers (log readers, aggregator
 * connections). Each subscription has a bounded queue: a follower that falls
 * more than `maxBuffered` records behind is cut off (`overflowed`) instead of
 * growing memory or slowing the writer, and catches up from the files, which
 * hold everything the feed ever published (see log-follower.ts).
 */

/** A record as stored and shipped. */
export interface StoredRecord {
  /** Per-host sequence number (the replay cursor). */
  seq: number;
  /** The app whose file holds the record. */
  appId: string;
  /** `LEN SP SYSLOG-MSG` (RFC 6587 octet counting), ready to send. */
  frame: Uint8Array;
}

export interface SubscribeOptions {
  /** Only records of this app. Default all. */
  appId?: string;
  /** Queue bound; above it the subscription overflows. */
  maxBuffered: number;
}

export class FeedSubscription {
  private queue: StoredRecord[] = [];
  private wake: (() => void) | undefined;
  private state: 'open' | 'overflowed' | 'closed' = 'open';

  constructor(
    private readonly options: SubscribeOptions,
    private readonly onClose: (sub: FeedSubscription) => void,
  ) {}

  /** True once the follower fell too far behind; it must re-read from the files. */
  get overflowed(): boolean {
    return this.state === 'overflowed';
  }

  /** Records waiting to be taken. */
  get buffered(): number {
    return this.queue.length;
  }

  /** @internal Called by the feed. */
  offer(records: readonly StoredRecord[]): void {
    if (this.state !== 'open') return;
    const app = this.options.appId;
    for (const r of records) if (app === undefined || r.appId === app) this.queue.push(r);
    if (this.queue.length > this.options.maxBuffered) {
      this.queue = [];
      this.state = 'overflowed';
      this.onClose(this);
    }
    this.notify();
  }

  /**
   * The records queued so far (non-empty), waiting for some if there are none;
   * null once the subscription overflowed or was closed, or `signal` aborted.
   */
  async take(signal?: AbortSignal): Promise<StoredRecord[] | null> {
    for (;;) {
      if (this.queue.length > 0) return this.queue.splice(0);
      if (this.state !== 'open' || signal?.aborted) return null;
      await new Promise<void>((resolve) => {
        const onAbort = () => resolve();
        signal?.addEventListener('abort', onAbort, { once: true });
        this.wake = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  close(): void {
    if (this.state === 'open') {
      this.state = 'closed';
      this.onClose(this);
    }
    this.queue = [];
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}

export class LogFeed {
  private readonly subs = new Set<FeedSubscription>();
  private closed = false;

  get subscribers(): number {
    return this.subs.size;
  }

  subscribe(options: SubscribeOptions): FeedSubscription {
    const sub = new FeedSubscription(options, (s) => this.subs.delete(s));
    if (this.closed) sub.close();
    else this.subs.add(sub);
    return sub;
  }

  publish(records: readonly StoredRecord[]): void {
    if (records.length === 0) return;
    for (const sub of [...this.subs]) sub.offer(records);
  }

  /** Ends every subscription (their `take()` resolves null). */
  close(): void {
    this.closed = true;
    for (const sub of [...this.subs]) sub.close();
  }
}
