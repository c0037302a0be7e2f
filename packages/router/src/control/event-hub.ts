/**
 * Fan-out of {@link RouterEvent}s to `GET /events` subscribers (reference
 * §7.5) and to `node:diagnostics_channel` (`flynn:router:backend-up`, ...).
 * A subscriber may filter by type and gets the current backends replayed as
 * `backend-up` first, as the original's event stream did.
 */
import { channels, publish } from '@flynn-ts/core';
import type { RouterEvent, RouterEventType } from '../core/types.js';
import { EventQueue } from './event-queue.js';

const CHANNEL: Partial<Record<RouterEventType, string>> = {
  'backend-up': channels.routerBackendUp,
  'backend-down': channels.routerBackendDown,
  'backend-drained': channels.routerBackendDrained,
};

export interface EventSubscription extends AsyncIterable<RouterEvent> {
  close(): void;
}

export class EventHub {
  private readonly subs = new Set<{ types: ReadonlySet<RouterEventType> | undefined; q: EventQueue<RouterEvent> }>();

  get subscribers(): number {
    return this.subs.size;
  }

  /** Events of `types` (all when undefined), after `replay` (filtered the same way). */
  subscribe(types: ReadonlySet<RouterEventType> | undefined, options: { signal?: AbortSignal; replay?: readonly RouterEvent[] } = {}): EventSubscription {
    const sub = { types, q: undefined as unknown as EventQueue<RouterEvent> };
    sub.q = new EventQueue<RouterEvent>(options.signal, () => this.subs.delete(sub));
    for (const e of options.replay ?? []) if (!types || types.has(e.event)) sub.q.push(e);
    this.subs.add(sub);
    const q = sub.q;
    return {
      [Symbol.asyncIterator]: () => q[Symbol.asyncIterator](),
      close: () => {
        this.subs.delete(sub);
        q.end();
      },
    };
  }

  publish(event: RouterEvent): void {
    const ch = CHANNEL[event.event];
    if (ch !== undefined) publish(ch, event);
    publish('flynn:router:event', event);
    for (const s of this.subs) if (!s.types || s.types.has(event.event)) s.q.push(event);
  }

  close(): void {
    for (const s of this.subs) s.q.end();
    this.subs.clear();
  }
}
