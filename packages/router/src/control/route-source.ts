/**
 * Where routes come from (reference §7.2). The router keeps no database: a
 * source gives it the whole route list, then changes. Implementations here:
 * {@link MemoryRouteSource} (programmatic), `FileRouteSource` (a watched JSON
 * file); the controller implements the same interface over its route API
 * and event stream.
 *
 * Contract:
 * - `subscribe()` returns an async iterable that the router iterates once.
 *   Its first event is a `snapshot` (the complete list). After that come
 *   `set` / `remove` events in the order the changes happened.
 * - Whenever the source lost track of changes (a reconnect, a re-read file)
 *   it yields a new `snapshot`; the router then removes every route the
 *   snapshot does not contain and sets the rest (a resync).
 * - `set` carries the whole route (an upsert by `id`); `remove` an id that
 *   may be unknown (then it is ignored).
 * - Route objects become the router's: the source must not mutate them
 *   afterwards. Routes are validated by the router; invalid ones are logged
 *   and skipped, never fatal.
 * - Transient failures are the source's business (retry, then snapshot). The
 *   iteration throws only for a fatal error; it ends when `signal` aborts.
 */
import type { Route } from '../core/types.js';

export type RouteSourceEvent = { type: 'snapshot'; routes: Route[] } | { type: 'set'; route: Route } | { type: 'remove'; id: string };

export interface RouteSourceSubscribeOptions {
  /** Ends the iteration (a pending `next()` resolves done). */
  signal?: AbortSignal;
}

export interface RouteSource {
  subscribe(options?: RouteSourceSubscribeOptions): AsyncIterable<RouteSourceEvent>;
}
