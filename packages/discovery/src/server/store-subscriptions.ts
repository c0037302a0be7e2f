/**
 * Per-service event fan-out with an exact hand-over from replay to live
 * events.
 *
 * Everything is synchronous: the state machine applies a command and then
 * publishes its events before anything else runs, and `add` replays the
 * current state and registers the subscriber in one step. So a subscriber
 * sees the state as of some applied index, then every later event once, in
 * order. A subscriber added *while* a batch is being delivered (from inside
 * another subscriber's callback) has already seen that batch's effects in its
 * replay, and is skipped for the rest of the batch.
 */
import type { Logger } from '@flynn-ts/core';
import type { DiscoveryEvent, EventKindSet } from '../core/types.js';
import type { Subscription } from './backend.js';

/** Called once when the server ends a subscription (shutdown, or the callback threw). */
export type SubscriptionEnd = (reason: unknown) => void;

/** A subscriber's callback: the event, and the raft index of the state it belongs to. */
export type IndexedEventHandler = (e: DiscoveryEvent, index: number) => void;

interface Subscriber {
  readonly service: string;
  readonly kinds: EventKindSet;
  readonly onEvent: IndexedEventHandler;
  readonly onEnd: SubscriptionEnd | undefined;
  /** The batch number current when it subscribed; it only gets later batches. */
  readonly batch: number;
  closed: boolean;
}

export class SubscriptionHub {
  private readonly byService = new Map<string, Set<Subscriber>>();
  private batch = 0;

  constructor(private readonly logger: Logger) {}

  /**
   * Delivers `replay` (the state as of raft index `replayIndex`) to `onEvent`
   * (synchronously), then registers it for live events of `service` whose
   * kind is in `kinds`. If `onEvent` throws during the replay, nothing is
   * registered and the error propagates.
   */
  add(
    service: string,
    kinds: EventKindSet,
    onEvent: IndexedEventHandler,
    replay: readonly DiscoveryEvent[],
    onEnd?: SubscriptionEnd,
    replayIndex = 0,
  ): Subscription {
    const sub: Subscriber = { service, kinds, onEvent, onEnd, batch: this.batch, closed: false };
    for (const e of replay) onEvent(e, replayIndex);
    let set = this.byService.get(service);
    if (!set) this.byService.set(service, (set = new Set()));
    set.add(sub);
    return { close: () => this.remove(sub) };
  }

  /** Delivers one applied command's events (raft index `index`), in order. */
  publish(events: readonly DiscoveryEvent[], index = 0): void {
    if (events.length === 0) return;
    const batch = ++this.batch;
    for (const e of events) {
      const set = this.byService.get(e.service);
      if (!set) continue;
      for (const sub of set) {
        if (sub.closed || sub.batch >= batch || !sub.kinds.has(e.kind)) continue;
        try {
          sub.onEvent(e, index);
        } catch (err) {
          this.logger.warn({ err, service: e.service }, 'subscriber callback threw; ending its subscription');
          this.end(sub, err);
        }
      }
    }
  }

  /** Ends every subscription (calling each `onEnd` with `reason`). */
  closeAll(reason: unknown): void {
    for (const set of [...this.byService.values()]) for (const sub of [...set]) this.end(sub, reason);
  }

  /** Live subscriptions, for one service or all. */
  count(service?: string): number {
    if (service !== undefined) return this.byService.get(service)?.size ?? 0;
    let n = 0;
    for (const set of this.byService.values()) n += set.size;
    return n;
  }

  private end(sub: Subscriber, reason: unknown): void {
    if (sub.closed) return;
    this.remove(sub);
    try {
      sub.onEnd?.(reason);
    } catch (err) {
      this.logger.warn({ err }, 'subscription onEnd threw');
    }
  }

  private remove(sub: Subscriber): void {
    if (sub.closed) return;
    sub.closed = true;
    const set = this.byService.get(sub.service);
    set?.delete(sub);
    if (set && set.size === 0) this.byService.delete(sub.service);
  }
}
