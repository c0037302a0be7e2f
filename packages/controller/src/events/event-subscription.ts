/**
 * One consumer of the event log: an async iterable that yields every event
 * matching its filter with an id above its cursor, in id order, each once.
 *
 *            ┌──────── page < PAGE_SIZE ────────┐
 *            ▼                                  │
 *   start ─▶ catch-up (read pages from the DB) ─┘──▶ live (events pushed by the hub)
 *                        ▲                                │
 *                        └──── queue overflowed ──────────┘
 *
 * The hub pushes matching events into a bounded queue from the moment the
 * subscription exists (before its first read), so switching from catch-up to
 * live loses nothing: an event committed after the last page was read is
 * pushed later, one committed before is in a page; ids at or below the
 * cursor are dropped, so nothing is delivered twice. A slow consumer whose
 * queue overflows falls back to reading from the database instead of being
 * disconnected. This relies on event ids being allocated in commit order
 * (see `db/database.ts`).
 */
import type { EventFilter } from '../core/event-filter.js';
import { matchesEventFilter } from '../core/event-filter.js';
import type { ControllerEvent } from '../types.js';

export const PAGE_SIZE = 500;
export const MAX_QUEUE = 2_000;

export interface SubscriptionSource {
  /** Events matching `filter` with id > `afterId`, ascending, at most `limit`. */
  readPage(filter: EventFilter, afterId: number, limit: number): Promise<ControllerEvent[]>;
  /** Called once when the subscription ends. */
  unsubscribe(sub: EventSubscription): void;
}

export interface SubscriptionLimits {
  /** Rows per catch-up read. Default {@link PAGE_SIZE}. */
  pageSize?: number;
  /** Live events buffered before falling back to catch-up. Default {@link MAX_QUEUE}. */
  maxQueue?: number;
}

export interface SubscriptionStart {
  /** Deliver events with id > cursor. */
  cursor: number;
  /** Start by reading the database (resume) rather than waiting for live events. */
  catchUp: boolean;
  /** Events to deliver first (e.g. the newest `count` for `past=true`), ascending. */
  initial?: ControllerEvent[];
}

export class EventSubscription implements AsyncIterable<ControllerEvent> {
  private cursor: number;
  private mode: 'catch-up' | 'live';
  private queue: ControllerEvent[] = [];
  private overflowed = false;
  private closed = false;
  private error: unknown;
  private wake: (() => void) | undefined;
  private initial: ControllerEvent[];
  private iterating = false;
  private readonly pageSize: number;
  private readonly maxQueue: number;

  constructor(
    readonly filter: EventFilter,
    start: SubscriptionStart,
    private readonly source: SubscriptionSource,
    limits: SubscriptionLimits = {},
  ) {
    this.pageSize = limits.pageSize ?? PAGE_SIZE;
    this.maxQueue = limits.maxQueue ?? MAX_QUEUE;
    this.cursor = start.cursor;
    this.mode = start.catchUp ? 'catch-up' : 'live';
    this.initial = start.initial ?? [];
  }

  /** The id of the last event handed out (or the starting cursor). */
  get lastId(): number {
    return this.cursor;
  }

  /** Skips everything up to `id` (a live start: events committed before the subscription). */
  advanceTo(id: number): void {
    if (id > this.cursor) this.cursor = id;
  }

  /** Called by the hub, in id order, for every committed event. */
  push(event: ControllerEvent): void {
    if (this.closed || event.id <= this.cursor || !matchesEventFilter(event, this.filter)) return;
    if (this.queue.length >= this.maxQueue) {
      this.queue = [];
      this.overflowed = true;
    } else {
      this.queue.push(event);
    }
    this.notify();
  }

  /** Ends the subscription; with an error, the iterator throws it. */
  close(error?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.error = error;
    this.queue = [];
    this.source.unsubscribe(this);
    this.notify();
  }

  [Symbol.asyncIterator](): AsyncIterator<ControllerEvent> {
    if (this.iterating) throw new Error('an event subscription can be iterated once');
    this.iterating = true;
    const gen = this.run();
    return {
      next: () => gen.next(),
      return: async () => {
        this.close();
        return gen.return(undefined);
      },
    };
  }

  private async *run(): AsyncGenerator<ControllerEvent, void, undefined> {
    try {
      for (const e of this.initial.splice(0)) {
        if (e.id <= this.cursor) continue;
        this.cursor = e.id;
        yield e;
      }
      while (!this.closed) {
        if (this.mode === 'catch-up') {
          this.overflowed = false;
          const page = await this.source.readPage(this.filter, this.cursor, this.pageSize);
          for (const e of page) {
            if (this.closed) return;
            if (e.id <= this.cursor) continue;
            this.cursor = e.id;
            yield e;
          }
          // A short page means we are at the head; stay in catch-up if the queue overflowed meanwhile.
          if (page.length < this.pageSize && !this.overflowed) this.mode = 'live';
          continue;
        }
        if (this.overflowed) {
          this.mode = 'catch-up';
          continue;
        }
        const e = this.queue.shift();
        if (e === undefined) {
          await new Promise<void>((resolve) => (this.wake = resolve));
          continue;
        }
        if (e.id <= this.cursor) continue;
        this.cursor = e.id;
        yield e;
      }
      if (this.error !== undefined) throw this.error;
    } finally {
      this.close();
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
