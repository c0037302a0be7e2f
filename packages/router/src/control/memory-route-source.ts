/**
 * A {@link RouteSource} held in memory and changed by calls: for embedding
 * (`createRouter({ routes })`) and for tests. `set` and `remove` validate
 * against the routes it already holds (duplicates, sub-path without root,
 * TCP 80/443) and throw typed errors, so a caller hears about a bad route at
 * once instead of in the router's log.
 */
import { RouteTable } from '../core/route-table.js';
import type { Route } from '../core/types.js';
import { EventQueue } from './event-queue.js';
import type { RouteSource, RouteSourceEvent, RouteSourceSubscribeOptions } from './route-source.js';

export interface MemoryRouteSourceOptions {
  /** Listener ports treated as port 0 when checking for duplicates (the router's default ports). */
  defaultPorts?: readonly number[];
}

export class MemoryRouteSource implements RouteSource {
  private readonly table: RouteTable;
  private readonly defaultPorts: readonly number[];
  private readonly subscribers = new Set<EventQueue<RouteSourceEvent>>();

  constructor(routes: readonly Route[] = [], options: MemoryRouteSourceOptions = {}) {
    this.defaultPorts = options.defaultPorts ?? [];
    this.table = new RouteTable({ defaultPorts: this.defaultPorts });
    this.replace(routes);
  }

  /** The current routes, roots before their sub-paths. */
  routes(): Route[] {
    return this.table.routes();
  }

  get(id: string): Route | undefined {
    return this.table.get(id)?.route;
  }

  /** Adds or replaces a route; returns it normalised. Throws `RouteConflictError` / `RouteValidationError`. */
  set(route: Route): Route {
    const stored = this.table.set(route, undefined).route;
    this.emit({ type: 'set', route: stored });
    return stored;
  }

  /** Removes a route; false when there was none. Throws `RouteConflictError` for a root with sub-paths. */
  remove(id: string): boolean {
    if (!this.table.get(id)) return false;
    this.table.remove(id);
    this.emit({ type: 'remove', id });
    return true;
  }

  /** Replaces every route at once (validated as a whole, applied roots first); subscribers get a snapshot. */
  replace(routes: readonly Route[]): void {
    const next = new RouteTable({ defaultPorts: this.defaultPorts });
    for (const r of sortForInsert(routes)) next.set(r, undefined);
    for (const r of this.table.routes().reverse()) this.table.remove(r.id);
    for (const r of next.routes()) this.table.set(r, undefined);
    this.emit({ type: 'snapshot', routes: this.table.routes() });
  }

  subscribe(options: RouteSourceSubscribeOptions = {}): AsyncIterable<RouteSourceEvent> {
    const q: EventQueue<RouteSourceEvent> = new EventQueue(options.signal, () => this.subscribers.delete(q));
    q.push({ type: 'snapshot', routes: this.table.routes() });
    this.subscribers.add(q);
    return q;
  }

  private emit(e: RouteSourceEvent): void {
    for (const q of this.subscribers) q.push(e);
  }
}

/** Roots before sub-paths, so a list can be inserted in order. */
function sortForInsert(routes: readonly Route[]): Route[] {
  return [...routes].sort((a, b) => depth(a) - depth(b));
}

function depth(r: Route): number {
  return r.type === 'http' ? (r.path ?? '/').split('/').filter(Boolean).length : 0;
}
