/**
 * The cluster's hosts: the `flynn-host` service in discovery (meta `id`,
 * `tag:<k>=<v>`, `shutdown=true` when draining), one {@link HostLink} per
 * host, and their health through {@link HostHealthTracker}: a host whose
 * instance left discovery is polled (`GET /host/status`) every
 * `checkIntervalMs`, and after `maxFailedChecks` failures in a row it is down
 * (its jobs are lost and replaced elsewhere).
 */
import { noopLogger } from '@flynn-ts/core';
import type { Clock, Logger, Random, Timer } from '@flynn-ts/core';
import type { Instance, ServiceDiscovery } from '@flynn-ts/discovery';
import type { HostHealthEvent } from '../core/host-health.js';
import { HostHealthTracker } from '../core/host-health.js';
import type { HostView, ResourceAmount } from '../core/model.js';
import type { HostLinkHandlers } from './host-link.js';
import { HostLink } from './host-link.js';
import type { HostConnector } from './ports.js';
import type { WireHostStatus } from './wire.js';

export const HOST_SERVICE = 'flynn-host';
const TAG_PREFIX = 'tag:';

export interface HostEntry {
  id: string;
  addr: string;
  tags: Record<string, string>;
  shutdown: boolean;
  /** The discoverd instance id while registered. */
  instance?: string;
  link?: HostLink;
}

export interface HostSetOptions {
  discovery: Pick<ServiceDiscovery, 'watch'>;
  connect: HostConnector;
  handlers: HostLinkHandlers & { health(e: HostHealthEvent): void; changed(): void };
  capacityFor: (hostId: string, status: WireHostStatus | undefined) => ResourceAmount;
  clock: Clock;
  random: Random;
  logger?: Logger;
  /** Default 1000 ms. */
  checkIntervalMs?: number;
  /** Default 10. */
  maxFailedChecks?: number;
  /** How long a new host may take for its first listing before the scheduler stops waiting for it. Default 10 000 ms. */
  syncTimeoutMs?: number;
}

export class HostSet {
  private readonly hosts = new Map<string, HostEntry>();
  readonly health: HostHealthTracker;
  private readonly ctl = new AbortController();
  private readonly logger: Logger;
  private discovered = false;
  private checkTimer: Timer | undefined;
  private readonly checking = new Set<string>();
  private readonly firstSeen = new Map<string, number>();
  private loop: Promise<void> | undefined;

  constructor(private readonly o: HostSetOptions) {
    this.logger = o.logger ?? noopLogger;
    this.health = new HostHealthTracker({ maxFailedChecks: o.maxFailedChecks ?? 10 });
  }

  start(): void {
    this.loop = this.follow();
    this.checkTimer = this.o.clock.every(this.o.checkIntervalMs ?? 1_000, () => this.check());
  }

  async close(): Promise<void> {
    this.checkTimer?.cancel();
    this.ctl.abort();
    await this.loop?.catch(() => {});
    await Promise.all([...this.hosts.values()].map((h) => h.link?.close()));
  }

  get(id: string): HostEntry | undefined {
    return this.hosts.get(id);
  }

  all(): HostEntry[] {
    return [...this.hosts.values()];
  }

  /**
   * True once discovery listed the hosts and every host that is not down
   * has its first listing (or ran out of `syncTimeoutMs`): only then may a
   * plan run, or it would see jobs on unknown hosts as lost.
   */
  get ready(): boolean {
    if (!this.discovered) return false;
    const now = this.o.clock.now();
    for (const h of this.hosts.values()) {
      if (this.health.health(h.id) === 'down' || h.link?.synced) continue;
      if (now - (this.firstSeen.get(h.id) ?? now) < (this.o.syncTimeoutMs ?? 10_000)) return false;
    }
    return true;
  }

  /**
   * The planner's hosts: every host that is not down. One whose first
   * listing is missing counts as unhealthy (it keeps its jobs, gets none).
   */
  views(): HostView[] {
    const out: HostView[] = [];
    for (const h of this.hosts.values()) {
      const health = this.health.health(h.id) ?? 'unhealthy';
      if (health === 'down') continue;
      const synced = h.link?.synced === true;
      const v: HostView = { id: h.id, tags: { ...h.tags }, capacity: h.link?.capacity ?? { memory: 0, cpu: 0 }, health: synced ? health : 'unhealthy' };
      if (h.shutdown) v.shutdown = true;
      out.push(v);
    }
    return out;
  }

  /** Hosts that are up and not draining (the omni multiplier). */
  activeCount(): number {
    return this.views().filter((h) => h.health === 'up' && h.shutdown !== true).length;
  }

  /** Lists every synced host's jobs again; resolves when all answered or failed. */
  async relist(): Promise<void> {
    await Promise.all([...this.hosts.values()].map((h) => (h.link && this.health.health(h.id) !== 'down' ? h.link.list() : undefined)));
  }

  private async follow(): Promise<void> {
    const signal = this.ctl.signal;
    while (!signal.aborted) {
      const watch = this.o.discovery.watch(HOST_SERVICE, { signal });
      try {
        for await (const e of watch) {
          if (e.kind === 'current') {
            this.discovered = true;
            this.o.handlers.changed();
          } else if ((e.kind === 'up' || e.kind === 'update') && e.instance) {
            this.up(e.instance);
          } else if (e.kind === 'down' && e.instance) {
            this.down(e.instance);
          }
        }
      } catch (err) {
        if (signal.aborted) return;
        this.logger.warn({ event: 'host_watch_failed', err }, 'flynn-host watch failed; retrying');
      } finally {
        watch.close();
      }
      await this.o.clock.sleep(1_000, signal).catch(() => {});
    }
  }

  private up(inst: Instance): void {
    const id = inst.meta?.id;
    if (!id) return;
    const tags: Record<string, string> = {};
    for (const [k, v] of Object.entries(inst.meta ?? {})) if (k.startsWith(TAG_PREFIX)) tags[k.slice(TAG_PREFIX.length)] = v;
    let h = this.hosts.get(id);
    if (!h) {
      this.hosts.set(id, (h = { id, addr: inst.addr, tags, shutdown: false }));
      this.firstSeen.set(id, this.o.clock.now());
      this.logger.info({ event: 'host_discovered', hostId: id, addr: inst.addr, tags }, 'host discovered');
    }
    h.tags = tags;
    h.shutdown = inst.meta?.shutdown === 'true';
    h.instance = inst.id;
    if (h.link && h.link.addr !== inst.addr) {
      void h.link.close();
      delete h.link;
    }
    h.addr = inst.addr;
    this.emit(this.health.observe({ kind: 'seen', hostId: id }));
    if (!h.link) this.connect(h);
    this.o.handlers.changed();
  }

  private down(inst: Instance): void {
    const h = [...this.hosts.values()].find((x) => x.instance === inst.id);
    if (!h) return;
    delete h.instance;
    this.logger.warn({ event: 'host_missing', hostId: h.id }, 'host left discovery; checking it');
    this.emit(this.health.observe({ kind: 'missing', hostId: h.id }));
    this.o.handlers.changed();
  }

  private connect(h: HostEntry): void {
    h.link = new HostLink({
      hostId: h.id,
      addr: h.addr,
      client: this.o.connect({ id: h.id, addr: h.addr }),
      handlers: this.o.handlers,
      capacityFor: this.o.capacityFor,
      clock: this.o.clock,
      random: this.o.random,
      logger: this.logger,
    });
    h.link.start();
  }

  private check(): void {
    for (const id of this.health.needsCheck()) {
      const h = this.hosts.get(id);
      if (!h?.link || this.checking.has(id)) continue;
      this.checking.add(id);
      h.link.client.status().then(
        () => this.emit(this.health.observe({ kind: 'check', hostId: id, ok: true })),
        () => this.emit(this.health.observe({ kind: 'check', hostId: id, ok: false })),
      ).finally(() => this.checking.delete(id));
    }
  }

  private emit(events: HostHealthEvent[]): void {
    for (const e of events) {
      const h = this.hosts.get(e.hostId);
      this.logger[e.kind === 'host-down' || e.kind === 'host-unhealthy' ? 'warn' : 'info']({ event: e.kind, hostId: e.hostId }, `host ${e.kind.slice(5)}`);
      if (e.kind === 'host-down' && h?.link) {
        void h.link.close();
        delete h.link;
      }
      if (e.kind === 'host-up' && h && !h.link) this.connect(h);
      this.o.handlers.health(e);
    }
    if (events.length > 0) this.o.handlers.changed();
  }
}
