/**
 * The router's control side: follows a {@link RouteSource} into the
 * authoritative route table (validating every route), keeps one backend
 * watch per routed service ({@link BackendRegistry}), emits router events,
 * and sends every change, in order, to the attached data planes (this
 * process's, or cluster workers' over IPC).
 *
 * Drain (reference §7.5): when a backend of a service with a
 * `drain_backends` route goes away, `backend-down` is emitted at once and
 * `backend-drained` once every data plane reports no request (or TCP
 * connection) in flight to it.
 */
import { cryptoRandom, FlynnError, noopLogger, systemClock } from '@flynn-ts/core';
import type { Clock, Logger, Random } from '@flynn-ts/core';
import { RouteValidationError } from '../core/errors.js';
import { normalizeRoute } from '../core/normalize-route.js';
import { RouteTable, sortRoutes } from '../core/route-table.js';
import type { Backend, Route, RouterEvent } from '../core/types.js';
import type { PlaneUpdate } from '../data-plane.js';
import { CertificateStore } from '../tls/certificate-store.js';
import { BackendRegistry } from './backend-registry.js';
import type { BackendSnapshot, BackendSource } from './backend-source.js';
import { EventHub } from './event-hub.js';
import type { RouteSource, RouteSourceEvent } from './route-source.js';

/** A data plane as the control side drives it. */
export interface PlaneLink {
  apply(update: PlaneUpdate): void;
  /** Resolves when nothing is in flight to the backend on that plane. */
  whenIdle(service: string, addr: string): Promise<void>;
}

export interface ControlPlaneOptions {
  source: RouteSource;
  backends: BackendSource;
  /** Listener ports that match port-0 routes. */
  defaultPorts?: readonly number[];
  /** Ports TCP routes may not take (the router's own listeners). */
  reservedPorts?: readonly number[];
  /** How long `start()` waits for the first backends of the initial routes. Default 5 000. */
  readyTimeoutMs?: number;
  logger?: Logger;
  clock?: Clock;
  random?: Random;
}

export class ControlPlane {
  readonly table: RouteTable;
  readonly events = new EventHub();
  private readonly registry: BackendRegistry;
  private readonly planes = new Set<PlaneLink>();
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly ctl = new AbortController();
  private readonly reserved: ReadonlySet<number>;
  private started: Promise<void> | undefined;
  /** Drains waiting for data planes, by `service addr`. */
  private readonly draining = new Map<string, Promise<void>>();

  constructor(private readonly options: ControlPlaneOptions) {
    this.table = new RouteTable({ defaultPorts: options.defaultPorts ?? [] });
    this.logger = options.logger ?? noopLogger;
    this.clock = options.clock ?? systemClock;
    this.reserved = new Set(options.reservedPorts ?? []);
    this.registry = new BackendRegistry(
      options.backends,
      {
        changed: (service, snap) => this.backendsChanged(service, snap),
        up: (b) => this.events.publish({ event: 'backend-up', backend: b }),
        down: (b) => this.backendDown(b),
      },
      { clock: this.clock, random: options.random ?? cryptoRandom(), logger: this.logger },
    );
  }

  /** Follows the source; resolves once its first snapshot is applied and those routes' backends are known (bounded). */
  start(): Promise<void> {
    this.started ??= new Promise<void>((resolve, reject) => {
      let first = true;
      const run = async () => {
        for await (const e of this.options.source.subscribe({ signal: this.ctl.signal })) {
          this.onSourceEvent(e);
          if (first && e.type === 'snapshot') {
            first = false;
            const services = new Set(this.table.routes().map((r) => r.service));
            const timeout = this.options.readyTimeoutMs ?? 5_000;
            void Promise.all([...services].map((s) => this.registry.whenReady(s, timeout))).then(() => resolve());
          }
        }
      };
      run().then(
        () => resolve(),
        (err: unknown) => {
          this.logger.error({ event: 'route_source_failed', err }, 'route source failed');
          reject(err);
        },
      );
    });
    return this.started;
  }

  /** Attaches a data plane: it gets the current routes and backends, then every change. Returns the detach function. */
  attach(plane: PlaneLink): () => void {
    for (const route of this.table.routes()) plane.apply({ op: 'route-set', route });
    const services = new Set(this.table.routes().map((r) => r.service));
    for (const service of services) {
      const snap = this.registry.current(service);
      if (snap) plane.apply(backendsUpdate(service, snap));
    }
    this.planes.add(plane);
    return () => this.planes.delete(plane);
  }

  /** Events of the given types, after the current backends as `backend-up` (as the original). */
  subscribe(types?: ReadonlySet<RouterEvent['event']>, signal?: AbortSignal) {
    const replay = this.registry.all().map((backend): RouterEvent => ({ event: 'backend-up', backend }));
    return this.events.subscribe(types, signal ? { signal, replay } : { replay });
  }

  routes(): Route[] {
    return this.table.routes();
  }

  status(): { routes: number; services: number; backends: number; draining: number } {
    const services = new Set(this.table.routes().map((r) => r.service));
    return { routes: this.table.size, services: services.size, backends: this.registry.all().length, draining: this.draining.size };
  }

  close(): void {
    this.ctl.abort();
    this.registry.close();
    this.events.close();
  }

  // ---- routes ----

  private onSourceEvent(e: RouteSourceEvent): void {
    switch (e.type) {
      case 'snapshot':
        this.resync(e.routes);
        return;
      case 'set':
        this.setRoute(e.route);
        return;
      case 'remove':
        this.removeRoute(e.id);
        return;
    }
  }

  /** Removes routes the snapshot lacks (sub-paths first), then sets the rest (roots first). */
  private resync(routes: readonly Route[]): void {
    const wanted = new Map<string, Route>();
    for (const r of routes) {
      try {
        wanted.set(r.id, normalizeRoute(r));
      } catch (err) {
        this.rejected(r, err);
      }
    }
    const stale = this.table.routes().filter((r) => !wanted.has(r.id));
    for (const r of stale.reverse()) this.removeRoute(r.id);
    for (const r of sortRoutes([...wanted.values()])) {
      const have = this.table.get(r.id)?.route;
      if (have === undefined || JSON.stringify(have) !== JSON.stringify(r)) this.setRoute(r);
    }
  }

  private setRoute(input: Route): void {
    let route: Route;
    let previous: Route | undefined;
    try {
      route = this.table.check(input);
      if (route.type === 'tcp' && this.reserved.has(route.port)) throw new RouteValidationError('port', `port ${route.port} is one of the router's own listeners`);
      if (route.type === 'http' && route.certificate) CertificateStore.check(route.certificate);
      ({ route, previous } = this.table.set(route, undefined));
    } catch (err) {
      this.rejected(input, err);
      return;
    }
    this.registry.ref(route.service);
    this.broadcast({ op: 'route-set', route });
    const snap = this.registry.current(route.service);
    if (snap && (!previous || previous.service !== route.service)) this.broadcast(backendsUpdate(route.service, snap));
    if (previous) this.registry.unref(previous.service);
    this.events.publish({ event: 'set', route: eventRoute(route) });
  }

  private removeRoute(id: string): void {
    if (!this.table.get(id)) return;
    let route: Route;
    try {
      route = this.table.remove(id);
    } catch (err) {
      this.logger.warn({ event: 'route_remove_refused', id, err }, 'route removal refused');
      return;
    }
    this.broadcast({ op: 'route-remove', id });
    this.registry.unref(route.service);
    this.events.publish({ event: 'remove', route: eventRoute(route) });
  }

  private rejected(route: unknown, err: unknown): void {
    if (!FlynnError.is(err)) throw err;
    const id = typeof route === 'object' && route !== null ? (route as { id?: unknown }).id : undefined;
    this.logger.warn({ event: 'route_rejected', id, code: err.code, err }, `route rejected: ${err.message}`);
  }

  // ---- backends ----

  private backendsChanged(service: string, snap: BackendSnapshot): void {
    this.broadcast(backendsUpdate(service, snap));
  }

  private backendDown(b: Backend): void {
    this.events.publish({ event: 'backend-down', backend: b });
    const drains = this.table.routes().some((r) => r.service === b.service && r.drain_backends === true);
    if (!drains) return;
    const key = `${b.service} ${b.addr}`;
    const planes = [...this.planes];
    const done = Promise.all(planes.map((p) => p.whenIdle(b.service, b.addr))).then(() => {
      if (this.draining.get(key) === done) this.draining.delete(key);
      if (!this.ctl.signal.aborted) this.events.publish({ event: 'backend-drained', backend: b });
    });
    this.draining.set(key, done);
  }

  private broadcast(u: PlaneUpdate): void {
    for (const p of this.planes) {
      try {
        p.apply(u);
      } catch (err) {
        this.logger.error({ event: 'plane_update_failed', op: u.op, err }, 'data plane refused an update');
      }
    }
  }
}

function backendsUpdate(service: string, snap: BackendSnapshot): PlaneUpdate {
  return snap.leader === undefined ? { op: 'backends', service, backends: snap.backends } : { op: 'backends', service, backends: snap.backends, leader: snap.leader };
}

/** Routes in events carry no private key. */
function eventRoute(route: Route): Route {
  if (route.type !== 'http' || route.certificate === undefined) return route;
  const { certificate, ...rest } = route;
  return certificate.id === undefined ? rest : { ...rest, certificate: { id: certificate.id, cert: certificate.cert, key: '' } };
}
