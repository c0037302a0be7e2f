/**
 * A route source for @flynn-ts/router backed by the controller (reference
 * §7.2): the routes of `GET /routes`, then `route` / `route_deletion` events
 * as `set` / `remove` updates.
 *
 * The listing and the event stream line up exactly: `GET /routes` reads the
 * routes and the newest event id in one database snapshot (header
 * `Flynn-Event-Id`) and the stream resumes after that id, so no change is
 * missed or replayed. The stream itself reconnects with `Last-Event-Id`
 * (to any controller instance); only when it fails for good (e.g. 401) does
 * the source back off, list again and start over with a new `snapshot`,
 * which replaces everything the router had.
 *
 * The update union is structurally the router's (`packages/router`): routes
 * here carry every field the router's `Route` type has.
 */
import { Backoff, cryptoRandom, noopLogger, systemClock } from '@flynn-ts/core';
import type { Clock, Logger, Random } from '@flynn-ts/core';
import type { ControllerClient } from '../client/controller-client.js';
import type { Route } from '../types.js';

export type RouteSourceUpdate = { type: 'snapshot'; routes: Route[] } | { type: 'set'; route: Route } | { type: 'remove'; id: string };

export interface ControllerRouteSource extends AsyncIterable<RouteSourceUpdate> {
  /** Stops following; a pending `next()` resolves done. */
  close(): void;
}

export interface ControllerRouteSourceOptions {
  signal?: AbortSignal;
  logger?: Logger;
  clock?: Clock;
  random?: Random;
}

/** Orders routes so that a domain's `/` route comes before its sub-paths (HTTP first, by domain, port, path). */
export function sortRoutesForApply(routes: readonly Route[]): Route[] {
  const key = (r: Route) => (r.type === 'http' ? `0 ${r.domain} ${String(r.port).padStart(5, '0')} ${r.path}` : `1 ${String(r.port).padStart(5, '0')}`);
  return [...routes].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export function controllerRouteSource(client: ControllerClient, options: ControllerRouteSourceOptions = {}): ControllerRouteSource {
  const logger = options.logger ?? noopLogger;
  const clock = options.clock ?? systemClock;
  const backoff = new Backoff({ initialMs: 200, maxMs: 10_000 }, options.random ?? cryptoRandom());
  const ctl = new AbortController();
  const onAbort = () => ctl.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) ctl.abort(options.signal.reason);

  async function* run(): AsyncGenerator<RouteSourceUpdate, void, undefined> {
    try {
      while (!ctl.signal.aborted) {
        try {
          const { routes, eventId } = await client.routeSnapshot();
          yield { type: 'snapshot', routes: sortRoutesForApply(routes) };
          backoff.reset();
          const stream = client.streamEvents({
            objectTypes: ['route', 'route_deletion'],
            ...(eventId !== undefined ? { lastEventId: eventId } : {}),
            signal: ctl.signal,
          });
          for await (const e of stream) {
            if (e.object_type === 'route') yield { type: 'set', route: e.data as Route };
            else if (e.object_type === 'route_deletion') yield { type: 'remove', id: e.object_id };
          }
        } catch (err) {
          if (ctl.signal.aborted) return;
          const delayMs = backoff.next();
          logger.warn({ event: 'route_source_error', err, delayMs }, 'controller route source: relisting after an error');
          await clock.sleep(delayMs, ctl.signal).catch(() => undefined);
        }
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  const gen = run();
  return {
    [Symbol.asyncIterator]: () => gen,
    close() {
      if (!ctl.signal.aborted) ctl.abort();
      void gen.return(undefined).catch(() => {});
    },
  };
}
