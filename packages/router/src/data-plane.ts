/**
 * The data path of one process: a replica of the route table and backend
 * sets, fed by {@link PlaneUpdate}s from the control side (directly in
 * single-process mode, over IPC in a cluster worker), and the listeners that
 * proxy with them (HTTP, HTTPS with HTTP/2, TCP route ports).
 *
 * It keeps no state of its own beyond what the updates say, plus what is in
 * flight: retired backends stay reachable for {@link whenIdle} until their
 * last request (or TCP connection) ends.
 */
import { noopLogger } from '@flynn-ts/core';
import type { Logger } from '@flynn-ts/core';
import { RouteTable } from './core/route-table.js';
import type { HttpEntry } from './core/route-table.js';
import type { Backend, Route } from './core/types.js';
import { ServiceBackends } from './proxy/backend-target.js';
import type { BackendTarget } from './proxy/backend-target.js';
import { ProxyContext } from './proxy/proxy-context.js';
import type { HttpRouteData, ProxyOptions, RouteLookup } from './proxy/proxy-context.js';

/** A change the control side sends to every data plane, in order. */
export type PlaneUpdate =
  | { op: 'route-set'; route: Route }
  | { op: 'route-remove'; id: string }
  | { op: 'backends'; service: string; backends: Backend[]; leader?: string };

export interface RouteData extends HttpRouteData {
  readonly service: ServiceBackends;
}

export interface DataPlaneOptions extends ProxyOptions {
  /** Listener ports whose requests match port-0 routes. */
  defaultPorts?: readonly number[];
}

interface ServiceRef {
  readonly backends: ServiceBackends;
  readonly routes: Set<string>;
}

export class DataPlane implements RouteLookup {
  readonly table: RouteTable<RouteData>;
  readonly ctx: ProxyContext;
  private readonly services = new Map<string, ServiceRef>();
  /** Backends that left while requests were in flight, by `service addr`. */
  private readonly retiring = new Map<string, BackendTarget>();
  private readonly logger: Logger;
  /** Called after each applied update (TCP listeners follow TCP routes this way). */
  onRoute: ((route: Route, removed: boolean) => void) | undefined;

  constructor(options: DataPlaneOptions = {}) {
    this.table = new RouteTable<RouteData>({ defaultPorts: options.defaultPorts ?? [] });
    this.ctx = new ProxyContext(this, options);
    this.logger = options.logger ?? noopLogger;
  }

  matchHttp(host: string, listenerPort: number, target: string): HttpEntry<RouteData> | undefined {
    return this.table.matchHttp(host, listenerPort, target);
  }

  service(name: string): ServiceBackends | undefined {
    return this.services.get(name)?.backends;
  }

  /** Applies one update. Throws for a route the table refuses (the control side validates first). */
  apply(u: PlaneUpdate): void {
    switch (u.op) {
      case 'route-set': {
        const ref = this.ref(u.route.service);
        const { route, previous } = this.table.set(u.route, { service: ref.backends });
        ref.routes.add(route.id);
        if (previous && previous.service !== route.service) this.unref(previous.service, previous.id);
        if (previous && previous.type === 'tcp' && (route.type !== 'tcp' || route.port !== previous.port)) this.onRoute?.(previous, true);
        this.onRoute?.(route, false);
        return;
      }
      case 'route-remove': {
        if (!this.table.get(u.id)) return;
        const route = this.table.remove(u.id);
        this.unref(route.service, route.id);
        this.onRoute?.(route, true);
        return;
      }
      case 'backends': {
        const ref = this.services.get(u.service);
        if (!ref) return;
        const removed = ref.backends.update(u.backends, u.leader);
        for (const t of removed) if (t.inflight > 0) this.retire(t);
        return;
      }
    }
  }

  /**
   * Resolves once no request (or TCP connection) of this data plane is in
   * flight to `addr` of `service` (at once if none is, or the backend is unknown).
   */
  whenIdle(service: string, addr: string): Promise<void> {
    const t = this.services.get(service)?.backends.get(addr) ?? this.retiring.get(`${service} ${addr}`);
    return t === undefined ? Promise.resolve() : t.whenIdle();
  }

  /** In-flight count per backend (`service addr` → n), for status and tests. */
  inflight(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, ref] of this.services) for (const t of ref.backends.all) if (t.inflight > 0) out[`${name} ${t.addr}`] = t.inflight;
    for (const [key, t] of this.retiring) out[key] = t.inflight;
    return out;
  }

  private retire(t: BackendTarget): void {
    const key = `${t.service} ${t.addr}`;
    this.retiring.set(key, t);
    void t.whenIdle().then(() => {
      if (this.retiring.get(key) === t) this.retiring.delete(key);
    });
  }

  private ref(name: string): ServiceRef {
    let ref = this.services.get(name);
    if (!ref) {
      ref = { backends: new ServiceBackends(name), routes: new Set() };
      this.services.set(name, ref);
    }
    return ref;
  }

  private unref(name: string, routeId: string): void {
    const ref = this.services.get(name);
    if (!ref) return;
    ref.routes.delete(routeId);
    if (ref.routes.size > 0) return;
    this.services.delete(name);
    for (const t of ref.backends.clear()) if (t.inflight > 0) this.retire(t);
    this.logger.debug({ event: 'service_unrouted', service: name }, 'service no longer routed');
  }
}
