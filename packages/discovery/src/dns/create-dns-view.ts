/**
 * A {@link DnsView} over a {@link DiscoveryBackend}: DNS answers are
 * synchronous, backend reads are not, so the view keeps a per-service cache
 * fed by `backend.subscribe(service, ALL_KINDS)`. A service's subscription
 * starts on its first query (the server waits for its snapshot through
 * `whenReady`) and lives while the service stays among the `maxServices`
 * most recently queried, so random names cannot grow it without bound.
 */
import { noopLogger, type Logger } from '@flynn-ts/core';
import { ALL_KINDS, type DiscoveryEvent } from '../core/types.js';
import type { DiscoveryBackend, Subscription } from '../server/backend.js';
import { dnsInstance, type DnsInstance, type DnsView } from './core/dns-view.js';

export interface BackendDnsViewOptions {
  /** Services cached (and subscribed to) at once; the least recently queried is dropped. Default 1000. */
  maxServices?: number;
  logger?: Logger;
}

export interface BackendDnsView extends DnsView {
  whenReady(service: string): Promise<void> | undefined;
  /** Services currently cached. */
  readonly size: number;
  /** Closes every subscription; later queries subscribe again. */
  close(): void;
}

class ServiceCache {
  readonly byId = new Map<string, DnsInstance>();
  list: readonly DnsInstance[] = [];
  dirty = false;
  leader: DnsInstance | undefined;
  ready = false;
  failed: unknown;
  sub: Subscription | undefined;
  private readyPromise: Promise<void> | undefined;
  private resolveReady: (() => void) | undefined;

  constructor(readonly service: string) {}

  onEvent(e: DiscoveryEvent): void {
    switch (e.kind) {
      case 'up':
      case 'update':
        if (e.instance === undefined) return;
        this.put(dnsInstance(this.service, e.instance));
        return;
      case 'down':
        if (e.instance !== undefined && this.byId.delete(e.instance.id)) this.dirty = true;
        return;
      case 'leader':
        this.leader = e.instance === undefined ? undefined : this.reuse(e.instance.id, e.instance.addr) ?? dnsInstance(this.service, e.instance);
        return;
      case 'current':
        this.ready = true;
        this.resolveReady?.();
        return;
      case 'service_meta':
        return;
    }
  }

  private put(d: DnsInstance): void {
    this.byId.set(d.instance.id, d);
    this.dirty = true;
    if (this.leader?.instance.id === d.instance.id) this.leader = d;
  }

  private reuse(id: string, addr: string): DnsInstance | undefined {
    const d = this.byId.get(id);
    return d !== undefined && d.instance.addr === addr ? d : undefined;
  }

  instances(): readonly DnsInstance[] {
    if (this.dirty) {
      this.list = [...this.byId.values()].sort((a, b) => a.instance.index - b.instance.index);
      this.dirty = false;
    }
    return this.list;
  }

  whenReady(): Promise<void> {
    this.readyPromise ??= new Promise<void>((resolve) => {
      this.resolveReady = resolve;
    });
    return this.readyPromise;
  }
}

export function createDnsView(backend: Pick<DiscoveryBackend, 'subscribe'>, options: BackendDnsViewOptions = {}): BackendDnsView {
  const max = Math.max(1, options.maxServices ?? 1000);
  const logger = options.logger ?? noopLogger;
  const caches = new Map<string, ServiceCache>();
  let lastKey: string | undefined;

  const entry = (service: string): ServiceCache => {
    let c = caches.get(service);
    if (c !== undefined) {
      if (lastKey !== service) {
        caches.delete(service); // move to the most recently used end
        caches.set(service, c);
        lastKey = service;
      }
      return c;
    }
    c = new ServiceCache(service);
    caches.set(service, c);
    lastKey = service;
    const cache = c;
    try {
      cache.sub = backend.subscribe(service, ALL_KINDS, (e) => cache.onEvent(e));
    } catch (err) {
      cache.failed = err;
      caches.delete(service);
      lastKey = undefined;
      logger.warn({ service, err }, 'dns: cannot subscribe to service');
    }
    while (caches.size > max) {
      const [oldest, old] = caches.entries().next().value as [string, ServiceCache];
      caches.delete(oldest);
      old.sub?.close();
    }
    return cache;
  };

  return {
    instances(service) {
      return entry(service).instances();
    },
    leader(service) {
      return entry(service).leader;
    },
    whenReady(service) {
      const c = entry(service);
      if (c.ready) return undefined;
      if (c.failed !== undefined) return Promise.reject(c.failed);
      return c.whenReady();
    },
    get size() {
      return caches.size;
    },
    close() {
      for (const c of caches.values()) c.sub?.close();
      caches.clear();
      lastKey = undefined;
    },
  };
}
