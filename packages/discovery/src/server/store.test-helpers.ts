/**
 * A deterministic cluster of `DiscoveryStore`s for tests: one ManualClock,
 * one MemoryNetwork and one seeded Random. Time moves only through
 * `advance`/`settle`. Not exported from the package.
 */
import type { FlynnError, Random } from '@flynn-ts/core';
import { ManualClock, seededRandom } from '@flynn-ts/core/testing';
import { MemoryNetwork, MemoryStorage } from '@flynn-ts/raft/testing';
import type { DiscoveryEvent, EventKindSet, Instance } from '../core/types.js';
import { ALL_KINDS } from '../core/types.js';
import type { DiscoveryStoreOptions } from './store.js';
import { DiscoveryStore } from './store.js';
import { instanceId as expectedInstanceId } from '../core/instance-id.js';

export const TTL = 1_000;
export const TICK = 10;

export type StoreOverrides = Partial<Omit<DiscoveryStoreOptions, 'id' | 'storage' | 'transport' | 'clock' | 'random'>>;

export class StoreCluster {
  readonly clock = new ManualClock(0);
  readonly random: Random;
  readonly network: MemoryNetwork;
  readonly stores = new Map<string, DiscoveryStore>();
  readonly storages = new Map<string, MemoryStorage>();

  constructor(
    readonly ids: readonly string[] = ['10.0.0.1:1111', '10.0.0.2:1111', '10.0.0.3:1111'],
    seed = 7,
    readonly defaults: StoreOverrides = {},
  ) {
    this.random = seededRandom(seed);
    this.network = new MemoryNetwork({ clock: this.clock, random: this.random });
  }

  async startAll(): Promise<void> {
    for (const id of this.ids) await this.start(id, { bootstrap: this.ids });
  }

  /** Starts (or restarts) `id`, on `storage` if given (a restart), else a fresh one. */
  async start(id: string, overrides: StoreOverrides = {}, storage = new MemoryStorage()): Promise<DiscoveryStore> {
    const store = await DiscoveryStore.start({
      id,
      storage,
      transport: this.network.transport(id),
      clock: this.clock,
      random: this.random,
      ttlMs: TTL,
      expiryIntervalMs: 100,
      timeoutMs: 5_000,
      catchUpTimeoutMs: 1_000,
      catchUpRetryMs: 100,
      transferTimeoutMs: 1_000,
      ...this.defaults,
      ...overrides,
      raft: { tickMs: TICK, electionTicks: 10, ...this.defaults.raft, ...overrides.raft },
    });
    this.stores.set(id, store);
    this.storages.set(id, storage);
    return store;
  }

  s(id: string): DiscoveryStore {
    const s = this.stores.get(id);
    if (!s) throw new Error(`no store ${id}`);
    return s;
  }

  leaders(): DiscoveryStore[] {
    return [...this.stores.values()].filter((s) => s.isLeader());
  }

  followers(): DiscoveryStore[] {
    return [...this.stores.values()].filter((s) => !s.isLeader());
  }

  async advance(ms: number): Promise<void> {
    for (let t = 0; t < ms; t += TICK) await this.clock.advanceAsync(TICK);
  }

  /** Advances until exactly one leader exists and every store has caught up. */
  async ready(maxMs = 5_000): Promise<DiscoveryStore> {
    for (let t = 0; t < maxMs; t += TICK) {
      const ls = this.leaders();
      if (ls.length === 1 && [...this.stores.values()].every((s) => s.caughtUp)) return ls[0]!;
      await this.clock.advanceAsync(TICK);
    }
    throw new Error('cluster not ready');
  }

  /** Advances time until `p` settles. */
  async settle<T>(p: Promise<T>, maxMs = 10_000): Promise<T> {
    let done = false;
    const watched = p.finally(() => (done = true));
    watched.catch(() => {});
    for (let t = 0; t < maxMs && !done; t += TICK) await this.clock.advanceAsync(TICK);
    if (!done) throw new Error(`promise did not settle within ${maxMs} ms of manual time`);
    return watched;
  }

  /** Advances until `cond()` holds. */
  async until(cond: () => boolean, maxMs = 10_000, what = 'condition'): Promise<void> {
    for (let t = 0; t < maxMs; t += TICK) {
      if (cond()) return;
      await this.clock.advanceAsync(TICK);
    }
    if (!cond()) throw new Error(`${what} not reached within ${maxMs} ms of manual time`);
  }

  /** Stops `id` like a killed process (everything written survives); returns its storage for a restart. */
  async crash(id: string): Promise<MemoryStorage> {
    const storage = this.storages.get(id)!.crash('process');
    await this.s(id).close();
    this.stores.delete(id);
    return storage;
  }

  async stopAll(): Promise<void> {
    for (const s of this.stores.values()) await s.close();
    this.stores.clear();
  }
}

/** A valid registration (id = MD5 of proto-addr). */
export function instance(addr: string, meta?: Record<string, string>, proto = 'tcp'): Omit<Instance, 'index'> {
  const id = expectedInstanceId(proto, addr);
  return meta ? { id, addr, proto, meta } : { id, addr, proto };
}

/** Collects a subscription's events. */
export function collect(store: DiscoveryStore, service: string, kinds: EventKindSet = ALL_KINDS): { events: DiscoveryEvent[]; ended: unknown[]; close(): void } {
  const events: DiscoveryEvent[] = [];
  const ended: unknown[] = [];
  const sub = store.subscribe(service, kinds, (e) => events.push(e), (reason) => ended.push(reason));
  return { events, ended, close: () => sub.close() };
}

/** `kind:addr` lines for compact assertions. */
export function brief(events: readonly DiscoveryEvent[]): string[] {
  return events.map((e) => {
    if (e.kind === 'service_meta') return `service_meta:${JSON.stringify(e.service_meta?.data)}`;
    if (e.kind === 'current') return 'current';
    return `${e.kind}:${e.instance ? e.instance.addr : '-'}`;
  });
}

/** The settled outcome of a promise: `ok` or the error's apiCode. */
export async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return (err as { apiCode?: string }).apiCode ?? String(err);
  }
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function failure(p: Promise<unknown>): Promise<FlynnError> {
  try {
    await p;
  } catch (err) {
    return err as FlynnError;
  }
  throw new Error('expected the promise to reject');
}
