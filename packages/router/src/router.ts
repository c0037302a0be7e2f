/**
 * The router in one process, for embedding: `createRouter({ routes |
 * source, discovery | backends, ... }).listen({ http: [8080] })`. It
 * composes the control side (route source → validated table, backend
 * watches, events) with a data plane and its listeners, and optionally serves
 * the router API. The daemon runs the same pieces, split across cluster
 * workers when asked for more than one.
 */
import { cryptoRandom, noopLogger, systemClock } from '@flynn-ts/core';
import type { Clock, Logger, Random } from '@flynn-ts/core';
import type { HttpServerHandle } from '@flynn-ts/core/http';
import type { ServiceDiscovery } from '@flynn-ts/discovery';
import { createRouterApi, serveApi } from './api/load-router-api.js';
import { discoveryBackends, staticBackends } from './control/backend-source.js';
import type { BackendSource } from './control/backend-source.js';
import { ControlPlane } from './control/control-plane.js';
import type { EventSubscription } from './control/event-hub.js';
import { MemoryRouteSource } from './control/memory-route-source.js';
import type { RouteSource } from './control/route-source.js';
import { RouterClosedError, RouterConfigError } from './core/errors.js';
import type { Route, RouterEventType } from './core/types.js';
import { DataPlane } from './data-plane.js';
import { Listeners } from './listeners.js';
import type { PortSpec } from './listeners.js';
import type { ProxyOptions } from './proxy/proxy-context.js';
import type { KeyPair } from './tls/certificate-store.js';

export interface RouterOptions extends Omit<ProxyOptions, 'clock' | 'random' | 'logger'> {
  /** A fixed starting list of routes; change them with `router.setRoute` / `removeRoute`. */
  routes?: Route[];
  /** Or any route source (a watched file, the controller's stream). */
  source?: RouteSource;
  /** Backends from discovery: one watch per routed service. */
  discovery?: Pick<ServiceDiscovery, 'watch'>;
  /** Or static backends per service (`{ web: ['127.0.0.1:8080'] }`), or any backend source. */
  backends?: BackendSource | Readonly<Record<string, readonly string[]>>;
  /** Default certificate for HTTPS (SNI misses). */
  tls?: KeyPair;
  /** Accept TLS 1.0/1.1 (`LEGACY_TLS`). */
  legacyTls?: boolean;
  /** Offer HTTP/2 on HTTPS listeners. Default true. */
  http2?: boolean;
  /** Expect a PROXY protocol v1 header on HTTP/HTTPS connections. */
  proxyProtocol?: boolean;
  logger?: Logger;
  clock?: Clock;
  random?: Random;
}

export interface ListenOptions {
  /** HTTP/HTTPS listen address. Default `127.0.0.1` (the daemon passes `0.0.0.0` or LISTEN_IP). */
  host?: string;
  /** Default HTTP port (port-0 routes), 0 for an ephemeral one; omit for none. */
  http?: number;
  /** Default HTTPS port. */
  https?: number;
  /** Extra HTTP/HTTPS ports that only match routes naming them. */
  additionalHttp?: readonly number[];
  additionalHttps?: readonly number[];
  /** Serve the router API on this port (0 = ephemeral). */
  api?: number;
  /** Address of TCP route listeners. Default: `host`. */
  tcpHost?: string;
}

export interface RouterAddresses {
  /** Bound HTTP ports, the default one first. */
  http: number[];
  https: number[];
  /** `http://host:port` of the API, when served. */
  api?: string;
}

export class Router {
  private control: ControlPlane | undefined;
  private data: DataPlane | undefined;
  private listeners: Listeners | undefined;
  private api: HttpServerHandle | undefined;
  private readonly memory: MemoryRouteSource | undefined;
  private readonly source: RouteSource;
  private readonly backends: BackendSource;
  private readonly logger: Logger;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: RouterOptions) {
    if (options.routes && options.source) throw new RouterConfigError('pass either routes or source, not both');
    this.memory = options.source ? undefined : new MemoryRouteSource(options.routes ?? []);
    this.source = options.source ?? this.memory!;
    if (options.discovery && options.backends) throw new RouterConfigError('pass either discovery or backends, not both');
    const b = options.backends;
    this.backends = options.discovery
      ? discoveryBackends(options.discovery)
      : b === undefined
        ? staticBackends({})
        : isBackendSource(b)
          ? b
          : staticBackends(b);
    this.logger = options.logger ?? noopLogger;
  }

  /** The control side (routes, events), once listening. */
  get controlPlane(): ControlPlane {
    if (!this.control) throw new RouterConfigError('router is not listening yet');
    return this.control;
  }

  /** The data plane (in-flight counts, backend sets), once listening. */
  get dataPlane(): DataPlane {
    if (!this.data) throw new RouterConfigError('router is not listening yet');
    return this.data;
  }

  /** Applies the routes, waits for their first backends (bounded), binds the listeners. */
  async listen(o: ListenOptions = {}): Promise<RouterAddresses> {
    if (this.closing) throw new RouterClosedError();
    if (this.control) throw new RouterConfigError('router is already listening');
    const host = o.host ?? '127.0.0.1';
    const http: PortSpec[] = [];
    const https: PortSpec[] = [];
    if (o.http !== undefined) http.push({ port: o.http, default: true });
    for (const p of o.additionalHttp ?? []) http.push({ port: p, default: false });
    if (o.https !== undefined) https.push({ port: o.https, default: true });
    for (const p of o.additionalHttps ?? []) https.push({ port: p, default: false });
    const defaultPorts = [o.http, o.https].filter((p): p is number => p !== undefined && p !== 0);
    const opts = this.options;
    const clock = opts.clock ?? systemClock;
    const random = opts.random ?? cryptoRandom();
    this.data = new DataPlane({ ...opts, defaultPorts, clock, random, logger: this.logger });
    this.control = new ControlPlane({
      source: this.source,
      backends: this.backends,
      defaultPorts,
      reservedPorts: [...http, ...https].map((s) => s.port).filter((p) => p !== 0).concat(o.api ? [o.api] : []),
      logger: this.logger,
      clock,
      random,
    });
    const data = this.data;
    this.control.attach({ apply: (u) => data.apply(u), whenIdle: (s, a) => data.whenIdle(s, a) });
    await this.control.start();
    this.listeners = new Listeners(this.data, {
      host,
      http,
      https,
      ...(o.tcpHost ? { tcpHost: o.tcpHost } : {}),
      ...(opts.tls ? { defaultCertificate: opts.tls } : {}),
      legacyTls: opts.legacyTls === true,
      http2: opts.http2 !== false,
      proxyProtocol: opts.proxyProtocol === true,
      logger: this.logger,
    });
    const bound = await this.listeners.bind();
    const out: RouterAddresses = { ...bound };
    if (o.api !== undefined) {
      const app = await createRouterApi(this.control, { logger: this.logger, statusDetail: () => ({ inflight: data.inflight() }) });
      this.api = await serveApi(app.fetch, { port: o.api, host, logger: this.logger });
      out.api = this.api.url;
    }
    return out;
  }

  /** Adds or replaces a route (routers created with `routes`). Throws for an invalid or conflicting route. */
  setRoute(route: Route): Route {
    return this.requireMemory().set(route);
  }

  /** Removes a route (routers created with `routes`). */
  removeRoute(id: string): boolean {
    return this.requireMemory().remove(id);
  }

  routes(): Route[] {
    return this.control ? this.control.routes() : (this.memory?.routes() ?? []);
  }

  /** Router events (all types when `types` is omitted), current backends first as `backend-up`. */
  events(types?: readonly RouterEventType[], signal?: AbortSignal): EventSubscription {
    return this.controlPlane.subscribe(types ? new Set(types) : undefined, signal);
  }

  /**
   * Graceful stop: stop accepting, let requests in flight finish for up to
   * `graceMs` (default 10 s), then cut what is left. Idempotent.
   */
  close(options: { graceMs?: number } = {}): Promise<void> {
    this.closing ??= (async () => {
      await this.listeners?.close(options.graceMs ?? 10_000);
      await this.api?.close(500);
      this.control?.close();
    })();
    return this.closing;
  }

  private requireMemory(): MemoryRouteSource {
    if (!this.memory) throw new RouterConfigError('routes come from a custom source; change them there');
    return this.memory;
  }
}

export function createRouter(options: RouterOptions = {}): Router {
  return new Router(options);
}

function isBackendSource(b: unknown): b is BackendSource {
  return typeof (b as BackendSource).watch === 'function';
}
