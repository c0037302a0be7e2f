/**
 * A route source for @flynn-ts/router backed by the controller (reference
 * §7.2): the routes of `GET /routes`, then `route` / `route_deletion` events
 * as `set` / `remove`.
 *
 * It implements the router's `RouteSource` contract
 * (packages/router/src/control/route-source.ts), declared here structurally
 * so this package does not depend on the router: `subscribe()` yields a
 * `snapshot` first, then changes in order; after losing track it yields a
 * new `snapshot`; it retries transient failures itself and ends (without
 * throwing) when `signal` aborts.
 *
 * The listing and the event stream line up exactly: `GET /routes` reads the
 * routes and the newest event id in one database snapshot (header
 * `Flynn-Event-Id`) and the stream resumes after that id, so no change is
 * missed or replayed. The stream reconnects with `Last-Event-Id` by itself
 * (to any controller instance); only when it fails for good (e.g. a 401)
 * does the source back off, list again and start over with a new snapshot.
 */
import { Backoff, cryptoRandom, noopLogger, systemClock } from '@flynn-ts/core';
import type { Clock, Logger, Random } from '@flynn-ts/core';
import type { ControllerClient } from '../client/controller-client.js';
import type { Route } from '../types.js';

/** The router's `RouteSourceEvent`. */
export type RouteSourceEvent = { type: 'snapshot'; routes: Route[] } | { type: 'set'; route: Route } | { type: 'remove'; id: string };

export interface RouteSourceSubscribeOptions {
  /** Ends the iteration (a pending `next()` resolves done). */
  signal?: AbortSignal;
}

/** The router's `RouteSource`. */
export interface ControllerRouteSource {
  subscribe(options?: RouteSourceSubscribeOptions): AsyncIterable<RouteSourceEvent>;
}

export interface ControllerRouteSourceOptions {
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
  const random = options.random ?? cryptoRandom();
  return {
    subscribe: (o = {}) => follow(client, o.signal, { logger, clock, random }),
  };
}

async function* follow(
  client: ControllerClient,
  signal: AbortSignal | undefined,
  ctx: { logger: Logger; clock: Clock; random: Random },
): AsyncGenerator<RouteSourceEvent, void, undefined> {
  const backoff = new Backoff({ initialMs: 200, maxMs: 10_000 }, ctx.random);
  while (!signal?.aborted) {
    try {
      const { routes, eventId } = await client.routeSnapshot();
      if (signal?.aborted) return;
      yield { type: 'snapshot', routes: sortRoutesForApply(routes) };
      backoff.reset();
      const stream = client.streamEvents({
        objectTypes: ['route', 'route_deletion'],
        ...(eventId !== undefined ? { lastEventId: eventId } : {}),
        ...(signal ? { signal } : {}),
      });
      try {
        for await (const e of stream) {
          if (e.object_type === 'route') yield { type: 'set', route: e.data as Route };
          else if (e.object_type === 'route_deletion') yield { type: 'remove', id: e.object_id };
        }
      } finally {
        stream.close();
      }
    } catch (err) {
      if (signal?.aborted) return;
      const delayMs = backoff.next();
      ctx.logger.warn({ event: 'route_source_error', err, delayMs }, 'controller route source: listing again after an error');
      try {
        await ctx.clock.sleep(delayMs, signal);
      } catch {
        return; // aborted while waiting
      }
    }
  }
}
