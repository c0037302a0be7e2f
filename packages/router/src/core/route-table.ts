/**
 * The route table (reference §7.3): validation of routes against each other
 * and the lookup the data path runs on every request.
 *
 * HTTP lookup: the host (already normalised, see `normalizeHost`) and the
 * listener port (a default port collapses to 0) select a domain: exact name →
 * wildcard `*.suffix`, most specific suffix first, where `*` stands for 1 to 5
 * leading labels → catch-all `*`; then the longest matching path prefix within
 * that domain (see {@link PathSet}). A domain that matches but has no matching
 * path cannot happen: a sub-path route needs its domain's root route.
 *
 * Validation: a second route with the same (domain, port, path) or the same
 * TCP port is a conflict ("Duplicate route"); a sub-path route needs a root
 * route (`/`) for its domain and port; a root route with sub-path routes
 * cannot be removed; TCP routes may not use 80/443 (see normalize-route.ts).
 *
 * Each entry carries a `data` value of the caller's choosing (the data path
 * hangs its backend set there), so a match is one object with no allocation.
 */
import { RouteConflictError, RouteNotFoundError, RouteValidationError } from './errors.js';
import { normalizeRoute } from './normalize-route.js';
import { PathSet } from './path-set.js';
import type { HttpRoute, Route, TcpRoute } from './types.js';

/** How many leading labels a wildcard's `*` may stand for. */
export const MAX_WILDCARD_LABELS = 5;

export interface HttpEntry<T> {
  readonly route: HttpRoute;
  readonly data: T;
}

export interface TcpEntry<T> {
  readonly route: TcpRoute;
  readonly data: T;
}

export type RouteEntry<T> = HttpEntry<T> | TcpEntry<T>;

export interface RouteTableOptions {
  /**
   * Listener ports that are "default": requests on them match routes with
   * port 0 (and routes naming one of them explicitly). Default `[]`.
   */
  defaultPorts?: readonly number[];
}

class PortDomains<T> {
  readonly exact = new Map<string, PathSet<HttpEntry<T>>>();
  /** Keyed by the suffix after `*.`. */
  readonly wildcard = new Map<string, PathSet<HttpEntry<T>>>();
  catchAll: PathSet<HttpEntry<T>> | undefined;

  setFor(domain: string, create: true): PathSet<HttpEntry<T>>;
  setFor(domain: string, create: false): PathSet<HttpEntry<T>> | undefined;
  setFor(domain: string, create: boolean): PathSet<HttpEntry<T>> | undefined {
    if (domain === '*') {
      if (!this.catchAll && create) this.catchAll = new PathSet();
      return this.catchAll;
    }
    const wild = domain.startsWith('*.');
    const map = wild ? this.wildcard : this.exact;
    const key = wild ? domain.slice(2) : domain;
    let set = map.get(key);
    if (!set && create) map.set(key, (set = new PathSet()));
    return set;
  }

  drop(domain: string): void {
    if (domain === '*') this.catchAll = undefined;
    else if (domain.startsWith('*.')) this.wildcard.delete(domain.slice(2));
    else this.exact.delete(domain);
  }

  get empty(): boolean {
    return this.exact.size === 0 && this.wildcard.size === 0 && this.catchAll === undefined;
  }
}

export class RouteTable<T = undefined> {
  private readonly byId = new Map<string, RouteEntry<T>>();
  private readonly http = new Map<number, PortDomains<T>>();
  private readonly tcp = new Map<number, TcpEntry<T>>();
  private readonly defaultPorts: readonly number[];

  constructor(options: RouteTableOptions = {}) {
    this.defaultPorts = [...(options.defaultPorts ?? [])];
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: string): RouteEntry<T> | undefined {
    return this.byId.get(id);
  }

  /** Every route, HTTP roots before their sub-paths (sorted by domain, port, path), then TCP by port. */
  routes(): Route[] {
    return sortRoutes([...this.byId.values()].map((e) => e.route));
  }

  /** The route's port as the table keys it: default ports collapse to 0. */
  httpPortKey(port: number): number {
    return port === 0 || this.defaultPorts.includes(port) ? 0 : port;
  }

  /**
   * Throws what `set(route)` would throw, changing nothing: a
   * {@link RouteValidationError} or {@link RouteConflictError}. Returns the
   * normalised route.
   */
  check(input: unknown): Route {
    const route = normalizeRoute(input);
    const previous = this.byId.get(route.id)?.route;
    if (route.type === 'tcp') {
      const other = this.tcp.get(route.port);
      if (other && other.route.id !== route.id) throw new RouteConflictError('Duplicate route', { port: route.port, existing: other.route.id });
    } else {
      const port = this.httpPortKey(route.port ?? 0);
      const path = route.path ?? '/';
      const set = this.http.get(port)?.setFor(route.domain, false);
      const other = set?.get(path);
      if (other && other.route.id !== route.id) {
        throw new RouteConflictError('Duplicate route', { domain: route.domain, port, path, existing: other.route.id });
      }
      if (path !== '/') {
        const root = set?.root;
        if (!root || root.route.id === route.id) {
          throw new RouteValidationError('path', `default route for domain ${route.domain} not found`);
        }
      }
    }
    if (previous && previous.type === 'http' && (previous.path ?? '/') === '/' && !sameHttpKey(this, previous, route)) {
      this.assertNoDependents(previous);
    }
    return route;
  }

  /**
   * Adds or replaces (same `id`) a route, normalising it first. Returns the
   * stored route and the one it replaced. Throws like {@link check}.
   */
  set(input: unknown, data: T): { route: Route; previous: Route | undefined } {
    const route = this.check(input);
    const previous = this.byId.get(route.id);
    if (previous) this.unlink(previous);
    const entry = { route, data } as RouteEntry<T>;
    this.byId.set(route.id, entry);
    if (route.type === 'tcp') {
      this.tcp.set(route.port, entry as TcpEntry<T>);
    } else {
      const port = this.httpPortKey(route.port ?? 0);
      let pd = this.http.get(port);
      if (!pd) this.http.set(port, (pd = new PortDomains()));
      pd.setFor(route.domain, true).set(route.path ?? '/', entry as HttpEntry<T>);
    }
    return { route, previous: previous?.route };
  }

  /**
   * Removes a route; returns it. Throws {@link RouteNotFoundError} for an
   * unknown id and {@link RouteConflictError} for a root route that still has
   * sub-path routes.
   */
  remove(id: string): Route {
    const entry = this.byId.get(id);
    if (!entry) throw new RouteNotFoundError(id);
    if (entry.route.type === 'http' && (entry.route.path ?? '/') === '/') this.assertNoDependents(entry.route);
    this.unlink(entry);
    this.byId.delete(id);
    return entry.route;
  }

  /** `host` normalised (lower case, no port); `target` the request-target (path and query). */
  matchHttp(host: string, listenerPort: number, target: string): HttpEntry<T> | undefined {
    const pd = this.http.get(this.httpPortKey(listenerPort));
    if (pd === undefined) return undefined;
    let set = pd.exact.get(host);
    if (set === undefined && pd.wildcard.size > 0) set = wildcardSet(pd.wildcard, host);
    if (set === undefined) set = pd.catchAll;
    return set === undefined ? undefined : set.lookup(target);
  }

  matchTcp(port: number): TcpEntry<T> | undefined {
    return this.tcp.get(port);
  }

  /** Every entry (for re-deriving data, e.g. when backends of a service change). */
  entries(): IterableIterator<RouteEntry<T>> {
    return this.byId.values();
  }

  private assertNoDependents(route: HttpRoute): void {
    const set = this.http.get(this.httpPortKey(route.port ?? 0))?.setFor(route.domain, false);
    if (set?.hasSubPaths()) throw new RouteConflictError(`default route for ${route.domain} has dependent routes`, { id: route.id });
  }

  private unlink(entry: RouteEntry<T>): void {
    const route = entry.route;
    if (route.type === 'tcp') {
      if (this.tcp.get(route.port) === entry) this.tcp.delete(route.port);
      return;
    }
    const port = this.httpPortKey(route.port ?? 0);
    const pd = this.http.get(port);
    const set = pd?.setFor(route.domain, false);
    if (!pd || !set) return;
    const path = route.path ?? '/';
    if (set.get(path) === entry) set.delete(path);
    if (set.size === 0) pd.drop(route.domain);
    if (pd.empty) this.http.delete(port);
  }
}

function wildcardSet<T>(wildcard: Map<string, PathSet<T>>, host: string): PathSet<T> | undefined {
  let from = 0;
  for (let labels = 1; labels <= MAX_WILDCARD_LABELS; labels++) {
    const dot = host.indexOf('.', from);
    if (dot === -1) return undefined;
    const set = wildcard.get(host.slice(dot + 1));
    if (set !== undefined) return set;
    from = dot + 1;
  }
  return undefined;
}

function sameHttpKey<T>(table: RouteTable<T>, a: HttpRoute, b: Route): boolean {
  return (
    b.type === 'http' &&
    a.domain === b.domain &&
    (a.path ?? '/') === (b.path ?? '/') &&
    table.httpPortKey(a.port ?? 0) === table.httpPortKey(b.port ?? 0)
  );
}

/** HTTP routes by domain, port, path (so every root precedes its sub-paths), then TCP routes by port. */
export function sortRoutes(routes: readonly Route[]): Route[] {
  const key = (r: Route): string =>
    r.type === 'http' ? `0 ${r.domain} ${String(r.port ?? 0).padStart(5, '0')} ${r.path ?? '/'}` : `1 ${String(r.port).padStart(5, '0')}`;
  return [...routes].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
}
