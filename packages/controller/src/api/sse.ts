/** Serving an event subscription as Server-Sent Events (reference §0.2, §5.6). */
import { onAbort } from '@flynn-ts/core';
import type { SseEvent } from '@flynn-ts/core/http';
import { sseResponse } from '@flynn-ts/core/http';
import type { EventSubscription } from '../events/event-subscription.js';
import type { ControllerEvent } from '../types.js';
import type { ApiDeps } from './context.js';

export type EventMapper = (e: ControllerEvent) => SseEvent | undefined | Promise<SseEvent | undefined>;

/**
 * Streams `sub` (after the `prelude` events) until the client goes away,
 * the subscription ends or the controller shuts down. `map` turns an event
 * into what is sent (undefined: skip it); by default the event itself, with
 * its id as the SSE id so clients resume with `Last-Event-Id`.
 */
export function streamSubscription(deps: ApiDeps, sub: EventSubscription, options: { map?: EventMapper; prelude?: readonly SseEvent[] } = {}): Response {
  const map: EventMapper = options.map ?? ((e) => ({ id: e.id, data: e }));
  return sseResponse(
    async (send, signal) => {
      const off = onAbort(signal, () => sub.close());
      try {
        for (const e of options.prelude ?? []) await send(e);
        for await (const e of sub) {
          const out = await map(e);
          if (out) await send(out);
        }
      } finally {
        off();
        sub.close();
      }
    },
    {
      keepAliveMs: deps.sseKeepAliveMs,
      clock: deps.clock,
      signal: deps.shutdown,
      onClose: () => sub.close(),
    },
  );
}
