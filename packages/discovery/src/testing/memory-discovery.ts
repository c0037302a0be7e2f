/**
 * An in-memory `ServiceDiscovery` for other packages' unit tests (router,
 * scheduler, overlay): the same methods and errors as `DiscoveryClient`, the
 * same reducer as the real server (see ./memory-discovery-store.ts), the same
 * heartbeat loop and reconnecting watch as the client, and time from an
 * injected Clock. With a `ManualClock`, advance it to make heartbeats,
 * expiry and watch reconnects happen (`await clock.advanceAsync(ms)`).
 *
 * Several `MemoryDiscovery`s can share one store (pass `store`), e.g. one per
 * simulated host, each closing only its own registrations and watches.
 *
 * Test helpers: `crash(service, id)` stops an instance's heartbeats without
 * deregistering it (it expires after the TTL, like a dead process);
 * `disconnectWatches()` drops every watch connection (they reconnect and
 * catch up); `expireNow()`; `backend()` serves the store over HTTP with
 * `createDiscoveryApi`.
 */
import { cryptoRandom, noopLogger } from '@flynn-ts/core';
import type { BackoffOptions, Clock, Logger, Random } from '@flynn-ts/core';
import type { Instance, ServiceMeta } from '../core/types.js';
import { ALL_KINDS } from '../core/types.js';
import { DiscoveryClosedError, isDiscoveryNotFound } from '../client/errors.js';
import { HeartbeatLoop } from '../client/heartbeater.js';
import type { HeartbeatTransport, InstanceRegistration } from '../client/heartbeater.js';
import { checkProto, expandAddr } from '../client/expand-addr.js';
import { instanceId } from '../core/instance-id.js';
import { LeaderFollower, runLeaderCallback } from '../client/leader-follower.js';
import type {
  AddServiceOptions,
  CallOptions,
  Closer,
  DiscoveryWatch,
  Heartbeater,
  LookupOptions,
  MetaUpdater,
  RegisterOptions,
  ServiceDiscovery,
  SetMetaInput,
  UpdateMetaOptions,
  WatchOptions,
} from '../client/service-discovery.js';
import { updateMeta } from '../client/update-meta.js';
import type { WatchConnection, WatchItem } from '../client/watch.js';
import { createWatch } from '../client/watch.js';
import type { DiscoveryBackend } from '../server/backend.js';
import { memoryDiscoveryBackend } from './memory-discovery-backend.js';
import type { MemoryBackendOptions } from './memory-discovery-backend.js';
import { MemoryDiscoveryStore } from './memory-discovery-store.js';
import type { MemoryDiscoveryStoreOptions } from './memory-discovery-store.js';

export interface MemoryDiscoveryOptions extends MemoryDiscoveryStoreOptions {
  /** Share a store between several fakes (its clock and TTL then apply). Default: a new store, closed by `close()`. */
  store?: MemoryDiscoveryStore;
  random?: Random;
  logger?: Logger;
  /** Fills a leading `:` in registered addresses. */
  externalIp?: string;
  /** Reconnect backoff of watches. Default `{ initialMs: 200, maxMs: 5000 }`. */
  watchBackoff?: BackoffOptions;
}

export class MemoryDiscovery implements ServiceDiscovery {
  readonly store: MemoryDiscoveryStore;
  private readonly ownsStore: boolean;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly logger: Logger;
  private readonly watches = new Set<DiscoveryWatch>();
  private readonly connections = new Set<{ end(): void }>();
  private readonly heartbeaters = new Map<string, HeartbeatLoop>();
  private closing: Promise<void> | undefined;

  constructor(private readonly options: MemoryDiscoveryOptions = {}) {
    this.ownsStore = !options.store;
    this.store = options.store ?? new MemoryDiscoveryStore(options);
    this.clock = this.store.clock;
    this.random = options.random ?? cryptoRandom();
    this.logger = options.logger ?? noopLogger;
  }

  async addService(service: string, options: AddServiceOptions = {}): Promise<boolean> {
    this.assertOpen(options);
    if (options.ifNotExists && this.store.getService(service)) return false;
    this.store.addService(service, { leader_type: options.leaderType ?? 'oldest' });
    return true;
  }

  async removeService(service: string, options: CallOptions = {}): Promise<void> {
    this.assertOpen(options);
    this.store.removeService(service);
  }

  async instances(service: string, options: LookupOptions = {}): Promise<Instance[]> {
    this.assertOpen(options);
    return this.store.getInstances(service) ?? [];
  }

  async leader(service: string, options: LookupOptions = {}): Promise<Instance | undefined> {
    this.assertOpen(options);
    return this.store.getLeader(service);
  }

  async setLeader(service: string, id: string, options: CallOptions = {}): Promise<void> {
    this.assertOpen(options);
    this.store.setLeader(service, id);
  }

  async getMeta(service: string, options: LookupOptions = {}): Promise<ServiceMeta | undefined> {
    this.assertOpen(options);
    return this.store.getMeta(service);
  }

  async setMeta(service: string, write: SetMetaInput): Promise<ServiceMeta> {
    this.assertOpen(write);
    const stored = this.store.setMeta(service, { data: write.data, index: write.index, ...(write.leaderId !== undefined ? { leader_id: write.leaderId } : {}) });
    return { data: stored.data, index: stored.index };
  }

  updateMeta(service: string, fn: MetaUpdater, options?: UpdateMetaOptions): Promise<ServiceMeta | undefined> {
    return updateMeta(this, service, fn, options);
  }

  async register(service: string, addr: string, meta?: Record<string, string>, options: RegisterOptions = {}): Promise<Heartbeater> {
    this.assertOpen(options);
    const proto = options.proto ?? 'tcp';
    checkProto(proto);
    const full = expandAddr(addr, options.externalIp ?? this.options.externalIp);
    const registration: InstanceRegistration = { id: instanceId(proto, full), addr: full, proto };
    if (meta && Object.keys(meta).length > 0) registration.meta = { ...meta };
    const transport = this.transport(service);
    await transport.put(registration, new AbortController().signal);
    const key = `${service}/${registration.id}`;
    // Registering the same instance again: the new heartbeater takes over (closing the old one would deregister it).
    this.heartbeaters.get(key)?.abandon();
    const hb: HeartbeatLoop = new HeartbeatLoop(service, registration, transport, {
      heartbeatMs: options.heartbeatMs ?? 5_000,
      clock: this.clock,
      random: this.random,
      logger: this.logger,
      onClose: () => {
        if (this.heartbeaters.get(key) === hb) this.heartbeaters.delete(key);
      },
    });
    this.heartbeaters.set(key, hb);
    hb.start();
    return hb;
  }

  watch(service: string, options: WatchOptions = {}): DiscoveryWatch {
    this.assertOpen({});
    const watch: DiscoveryWatch = createWatch(service, () => this.connect(service), {
      clock: this.clock,
      random: this.random,
      logger: this.logger,
      onClose: () => this.watches.delete(watch),
      ...(options.kinds ? { kinds: options.kinds } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(this.options.watchBackoff ? { backoff: this.options.watchBackoff } : {}),
    });
    this.watches.add(watch);
    return watch;
  }

  followLeader(service: string, options: { signal?: AbortSignal } = {}): LeaderFollower {
    return new LeaderFollower(this.watch(service, { kinds: new Set(['leader', 'current']), ...options }));
  }

  onLeaderChange(service: string, fn: (leader: Instance | undefined) => void, onError?: (err: unknown) => void): Closer {
    return runLeaderCallback(this.followLeader(service), fn, onError);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const w of [...this.watches]) w.close();
      await Promise.allSettled([...this.heartbeaters.values()].map((h) => h.close()));
      if (this.ownsStore) this.store.close();
    })();
    return this.closing;
  }

  // ---- test helpers -----------------------------------------------------------

  /** Stops the heartbeats of an instance registered here, without deregistering it (it expires after the TTL). */
  crash(service: string, id: string): void {
    const hb = this.heartbeaters.get(`${service}/${id}`);
    if (!hb) throw new Error(`MemoryDiscovery.crash: no heartbeater for ${service}/${id}`);
    this.heartbeaters.delete(`${service}/${id}`);
    hb.abandon();
  }

  /** Drops every watch connection of this fake, as a server restart would; watches reconnect after their backoff. */
  disconnectWatches(): void {
    for (const c of [...this.connections]) c.end();
  }

  /** The store as a `DiscoveryBackend`, to serve it with `createDiscoveryApi` (see ./memory-discovery-backend.ts). */
  backend(options?: MemoryBackendOptions): DiscoveryBackend {
    return memoryDiscoveryBackend(this.store, options);
  }

  /** Expires every instance whose TTL ran out, now. */
  expireNow(): void {
    this.store.expireNow();
  }

  // ---- internals --------------------------------------------------------------

  private assertOpen(options: CallOptions): void {
    if (this.closing) throw new DiscoveryClosedError();
    options.signal?.throwIfAborted();
  }

  private transport(service: string): HeartbeatTransport {
    return {
      put: async (inst) => {
        if (!this.store.getService(service)) this.store.addService(service, { leader_type: 'oldest' });
        this.store.register(service, inst);
      },
      remove: async (id) => {
        try {
          this.store.deregister(service, id);
        } catch (err) {
          if (!isDiscoveryNotFound(err)) throw err;
        }
      },
    };
  }

  /** One "connection": a store subscription feeding a queue. */
  private connect(service: string): WatchConnection {
    const queue: WatchItem[] = [];
    let ended = false;
    let wake: (() => void) | undefined;
    const end = () => {
      ended = true;
      sub.close();
      this.connections.delete(handle);
      wake?.();
    };
    const handle = { end };
    const sub = this.store.subscribe(
      service,
      ALL_KINDS,
      (event, index) => {
        queue.push({ event, index });
        wake?.();
      },
      end,
    );
    this.connections.add(handle);
    async function* events(): AsyncGenerator<WatchItem, void, undefined> {
      try {
        for (;;) {
          for (let e = queue.shift(); e !== undefined; e = queue.shift()) yield e;
          if (ended) return;
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
      } finally {
        end();
      }
    }
    const gen = events();
    return {
      [Symbol.asyncIterator]: () => gen,
      close: () => {
        end();
        void gen.return(undefined).catch(() => {});
      },
    };
  }
}
