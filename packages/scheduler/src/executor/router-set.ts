/**
 * What the routers say about the jobs' backends (reference §6.3, §7.5): the
 * `router-api` instances in discovery, each router's routes (`GET /routes`,
 * then `set`/`remove` events) and its backends (`backend-up`, `backend-down`,
 * `backend-drained`). A job with a service is `up` once every router with a
 * route to the service reported it up; a stopping job is drained once every
 * such router no longer has it and, for routes with `drain_backends`,
 * reported `backend-drained`. Routers that are not connected are not waited
 * for, and the waits are bounded by the caller.
 */
import { Backoff, noopLogger } from '@flynn-ts/core';
import type { Clock, Logger, Random } from '@flynn-ts/core';
import type { ServiceDiscovery } from '@flynn-ts/discovery';
import type { RouterConnector, SchedulerRouter } from './ports.js';
import type { WireRouterEvent } from './wire.js';

export const ROUTER_SERVICE = 'router-api';

interface RouterLink {
  addr: string;
  client: SchedulerRouter;
  ctl: AbortController;
  synced: boolean;
  /** route id → {service, drain}. */
  routes: Map<string, { service: string; drain: boolean }>;
  /** `service addr` of backends up. */
  up: Set<string>;
  /** `service addr` of backends down, waiting for `backend-drained`. */
  draining: Set<string>;
}

export interface RouterSetOptions {
  discovery: Pick<ServiceDiscovery, 'watch'>;
  connect: RouterConnector;
  clock: Clock;
  random: Random;
  logger?: Logger;
  /** Something changed for this service's backends. */
  changed: (service: string) => void;
}

export class RouterSet {
  private readonly links = new Map<string, RouterLink>();
  private readonly ctl = new AbortController();
  private readonly logger: Logger;
  private readonly waiters = new Set<() => void>();
  private loop: Promise<void> | undefined;

  constructor(private readonly o: RouterSetOptions) {
    this.logger = o.logger ?? noopLogger;
  }

  start(): void {
    this.loop = this.follow();
  }

  async close(): Promise<void> {
    this.ctl.abort();
    await this.loop?.catch(() => {});
    for (const l of this.links.values()) this.drop(l);
  }

  /** Connected routers (for /debug/state). */
  summary(): { addr: string; synced: boolean; routes: number; backends: number }[] {
    return [...this.links.values()].map((l) => ({ addr: l.addr, synced: l.synced, routes: l.routes.size, backends: l.up.size }));
  }

  /** Every connected router with a route to `service` has `addr` up. */
  ready(service: string, addr: string): boolean {
    const key = `${service} ${addr}`;
    return this.routing(service).every((l) => l.up.has(key));
  }

  /** Every connected router with a route to `service` no longer sends to `addr`, and drained it where asked. */
  drained(service: string, addr: string): boolean {
    const key = `${service} ${addr}`;
    return this.routing(service).every((l) => !l.up.has(key) && !l.draining.has(key));
  }

  /** Resolves true once {@link drained}, false after `timeoutMs` or when aborted. */
  waitDrained(service: string, addr: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (v: boolean) => {
        if (done) return;
        done = true;
        this.waiters.delete(check);
        timer.cancel();
        signal?.removeEventListener('abort', onAbort);
        resolve(v);
      };
      const check = () => {
        if (this.drained(service, addr)) finish(true);
      };
      const onAbort = () => finish(false);
      const timer = this.o.clock.setTimer(timeoutMs, () => finish(false));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(check);
      check();
    });
  }

  private routing(service: string): RouterLink[] {
    return [...this.links.values()].filter((l) => l.synced && [...l.routes.values()].some((r) => r.service === service));
  }

  private async follow(): Promise<void> {
    const signal = this.ctl.signal;
    while (!signal.aborted) {
      const watch = this.o.discovery.watch(ROUTER_SERVICE, { signal, kinds: new Set(['up', 'down', 'current']) });
      try {
        for await (const e of watch) {
          if (!e.instance) continue;
          if (e.kind === 'up' && !this.links.has(e.instance.addr)) this.connect(e.instance.addr);
          if (e.kind === 'down') {
            const l = this.links.get(e.instance.addr);
            if (l) this.drop(l);
          }
        }
      } catch (err) {
        if (signal.aborted) return;
        this.logger.warn({ event: 'router_watch_failed', err }, 'router-api watch failed; retrying');
      } finally {
        watch.close();
      }
      await this.o.clock.sleep(1_000, signal).catch(() => {});
    }
  }

  private connect(addr: string): void {
    const link: RouterLink = { addr, client: this.o.connect(addr), ctl: new AbortController(), synced: false, routes: new Map(), up: new Set(), draining: new Set() };
    this.links.set(addr, link);
    this.logger.info({ event: 'router_discovered', addr }, 'router discovered');
    void this.run(link);
  }

  private drop(l: RouterLink): void {
    l.ctl.abort();
    this.links.delete(l.addr);
    void l.client.close().catch(() => {});
    const services = new Set([...l.routes.values()].map((r) => r.service));
    for (const s of services) this.o.changed(s);
    this.wake();
  }

  private async run(l: RouterLink): Promise<void> {
    const backoff = new Backoff({ initialMs: 250, maxMs: 5_000 }, this.o.random);
    while (!l.ctl.signal.aborted) {
      try {
        const routes = await l.client.routes();
        l.routes = new Map(routes.map((r) => [r.id, { service: r.service, drain: r.drain_backends === true }]));
        // Every (re)connection replays the current backends as `backend-up`.
        const onOpen = () => {
          backoff.reset();
          l.up.clear();
          l.draining.clear();
          l.synced = true;
        };
        for await (const e of l.client.events({ signal: l.ctl.signal, onOpen })) this.apply(l, e);
      } catch (err) {
        if (l.ctl.signal.aborted) return;
        this.logger.debug({ event: 'router_link_failed', addr: l.addr, err }, 'router connection failed; retrying');
      }
      l.synced = false;
      await this.o.clock.sleep(backoff.next(), l.ctl.signal).catch(() => {});
    }
  }

  private apply(l: RouterLink, e: WireRouterEvent): void {
    if ((e.event === 'set' || e.event === 'remove') && e.route) {
      if (e.event === 'set') l.routes.set(e.route.id, { service: e.route.service, drain: e.route.drain_backends === true });
      else l.routes.delete(e.route.id);
      this.o.changed(e.route.service);
    } else if (e.backend) {
      const key = `${e.backend.service} ${e.backend.addr}`;
      if (e.event === 'backend-up') {
        l.up.add(key);
        l.draining.delete(key);
      } else if (e.event === 'backend-down') {
        l.up.delete(key);
        if ([...l.routes.values()].some((r) => r.service === e.backend!.service && r.drain)) l.draining.add(key);
      } else if (e.event === 'backend-drained') {
        l.draining.delete(key);
      }
      this.o.changed(e.backend.service);
    }
    this.wake();
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}
