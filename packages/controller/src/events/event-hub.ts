/**
 * Fans committed events out to subscribers in this process.
 *
 * A dedicated connection `LISTEN`s on `events`. On every notification (and
 * every `pollMs` as a safety net) the hub reads the events with an id above
 * the last one it dispatched, in id order, and pushes each to every
 * subscription. Because event ids are allocated in commit order, "id > last"
 * never skips a committed event. When the LISTEN connection fails the hub
 * reconnects with backoff and catches up the same way; subscribers only see a
 * delay. Several controller processes on one database each run a hub and
 * see the same events in the same order.
 */
import { Backoff, cryptoRandom, noopLogger, systemClock } from '@flynn-ts/core';
import type { Clock, Logger, Random, Timer } from '@flynn-ts/core';
import type pg from 'pg';
import type { EventFilter } from '../core/event-filter.js';
import type { Database } from '../db/database.js';
import { latestEventId, listEvents } from '../data/events.js';
import type { ControllerEvent } from '../types.js';
import { EventSubscription } from './event-subscription.js';
import type { SubscriptionSource } from './event-subscription.js';

export interface EventHubOptions {
  logger?: Logger;
  clock?: Clock;
  random?: Random;
  /** Re-read the log this often even without notifications. Default 5000 ms; 0 disables. */
  pollMs?: number;
}

export interface SubscribeOptions {
  /** Resume after this id (Last-Event-Id): every later matching event is delivered. */
  afterId?: number;
  /** Without `afterId`: start with past events (the newest `count` when count > 0, else all). */
  past?: boolean;
  count?: number;
}

const FETCH_BATCH = 1_000;

export class EventHub implements SubscriptionSource {
  private readonly db: Database;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly backoff: Backoff;
  private readonly fetchBackoff: Backoff;
  private readonly pollMs: number;
  private readonly subs = new Set<EventSubscription>();
  private readonly ready = new WeakSet<EventSubscription>();
  private client: pg.Client | undefined;
  private lastId = 0;
  private fetching: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private poll: Timer | undefined;
  private reconnectTimer: Timer | undefined;
  private started = false;

  constructor(db: Database, options: EventHubOptions = {}) {
    this.db = db;
    this.logger = options.logger ?? noopLogger;
    this.clock = options.clock ?? systemClock;
    const random = options.random ?? cryptoRandom();
    this.backoff = new Backoff({ initialMs: 100, maxMs: 5_000 }, random);
    this.fetchBackoff = new Backoff({ initialMs: 100, maxMs: 5_000 }, random);
    this.pollMs = options.pollMs ?? 5_000;
  }

  /** Connects and starts listening; resolves once live. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.connect();
    this.lastId = await latestEventId(this.db);
    if (this.pollMs > 0) this.poll = this.clock.every(this.pollMs, () => this.kick());
  }

  /** The id of the last event dispatched. */
  get lastDispatchedId(): number {
    return this.lastId;
  }

  /** Subscriptions whose start point is fixed (events committed from now on reach them). */
  get subscriberCount(): number {
    let n = 0;
    for (const sub of this.subs) if (this.ready.has(sub)) n++;
    return n;
  }

  /**
   * A new subscription. It is registered before anything is read, so no
   * event can fall between its past and its live part.
   */
  async subscribe(filter: EventFilter, options: SubscribeOptions = {}): Promise<EventSubscription> {
    const sub = await this.open(filter, options);
    this.ready.add(sub);
    return sub;
  }

  private async open(filter: EventFilter, options: SubscribeOptions): Promise<EventSubscription> {
    if (this.closed) throw new Error('event hub closed');
    if (options.afterId !== undefined) return this.register(filter, { cursor: options.afterId, catchUp: true });
    if (!options.past) {
      // Live from now: skip what was committed before, even if not dispatched yet.
      const sub = this.register(filter, { cursor: this.lastId, catchUp: false });
      try {
        sub.advanceTo(await latestEventId(this.db));
      } catch (err) {
        sub.close();
        throw err;
      }
      return sub;
    }
    if (!options.count) return this.register(filter, { cursor: 0, catchUp: true });
    const pending: ControllerEvent[] = [];
    const sub = this.register(filter, { cursor: 0, catchUp: true, initial: pending });
    try {
      const newest = await listEvents(this.db, filter, { count: options.count, order: 'desc' });
      pending.push(...newest.reverse());
    } catch (err) {
      sub.close();
      throw err;
    }
    return sub;
  }

  private register(filter: EventFilter, start: ConstructorParameters<typeof EventSubscription>[1]): EventSubscription {
    const sub = new EventSubscription(filter, start, this);
    this.subs.add(sub);
    return sub;
  }

  readPage(filter: EventFilter, afterId: number, limit: number): Promise<ControllerEvent[]> {
    return listEvents(this.db, filter, { sinceId: afterId, count: limit, order: 'asc' });
  }

  unsubscribe(sub: EventSubscription): void {
    this.subs.delete(sub);
  }

  /** Stops listening and ends every subscription (their iterators finish). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.poll?.cancel();
    this.reconnectTimer?.cancel();
    for (const sub of [...this.subs]) sub.close();
    const client = this.client;
    this.client = undefined;
    await this.fetching?.catch(() => {});
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    const client = this.db.newClient();
    client.on('notification', () => this.kick());
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, undefined));
    await client.connect();
    await client.query('LISTEN events');
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.backoff.reset();
  }

  private lost(client: pg.Client, err: unknown): void {
    if (this.closed || this.client !== client) return;
    this.client = undefined;
    this.logger.warn({ event: 'event_listener_lost', err }, 'event listener connection lost; reconnecting');
    client.end().catch(() => {});
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    const delay = this.backoff.next();
    this.reconnectTimer = this.clock.setTimer(delay, () => {
      this.connect().then(
        () => {
          this.logger.info({ event: 'event_listener_reconnected' }, 'event listener reconnected');
          this.kick();
        },
        (err: unknown) => {
          this.logger.warn({ event: 'event_listener_reconnect_failed', err }, 'event listener reconnect failed');
          this.scheduleReconnect();
        },
      );
    });
  }

  /** Fetches new events now, or right after the fetch in progress. */
  private kick(): void {
    if (this.closed) return;
    if (this.fetching) {
      this.again = true;
      return;
    }
    this.fetching = this.drain().finally(() => {
      this.fetching = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        const batch = await listEvents(this.db, {}, { sinceId: this.lastId, count: FETCH_BATCH, order: 'asc' });
        for (const e of batch) {
          this.lastId = e.id;
          for (const sub of this.subs) sub.push(e);
        }
        this.fetchBackoff.reset();
        if (batch.length < FETCH_BATCH || this.closed) return;
      }
    } catch (err) {
      this.logger.warn({ event: 'event_fetch_failed', err }, 'reading new events failed; will retry');
      if (!this.closed) this.clock.setTimer(this.fetchBackoff.next(), () => this.kick());
    }
  }
}
