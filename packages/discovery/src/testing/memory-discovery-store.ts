/**
 * The state behind `MemoryDiscovery`: the same pure reducer the raft-backed
 * store replicates (`applyCommand` from src/core), applied at once with a
 * local index counter instead of a raft log, plus heartbeat times, TTL expiry
 * on an injected Clock, and subscriptions. Because the reducer is shared, the
 * fake and the real server agree on every rule (oldest leader, CAS 409/412,
 * event order) by construction.
 *
 * Differences from a real node, on purpose: no raft (every write applies at
 * once and is visible to every reader), no 2×TTL grace after an election (the
 * fake is "leader" from the start), and `disconnectAll()` to drop every
 * subscription as a server restart would.
 */
import { systemClock } from '@flynn-ts/core';
import type { Clock, Timer } from '@flynn-ts/core';
import { toInstanceInput } from '../core/commands.js';
import type { Command, InstanceInput } from '../core/commands.js';
import type { ServiceMeta as StoredMeta } from '../core/types.js';
import { commandError, validationError } from '../core/errors.js';
import { heartbeatKey, planExpiry } from '../core/expiry.js';
import { applyCommand } from '../core/reducer.js';
import type { DiscoveryState } from '../core/state.js';
import { emptyState, instancesOf, leaderOf, sameRegistration, serviceNames } from '../core/state.js';
import type { DiscoveryEvent, EventKindSet, Instance, ServiceConfig } from '../core/types.js';
import { registrationProblem, serviceNameProblem } from '../core/validate.js';

export interface MemoryDiscoveryStoreOptions {
  /** Drives heartbeat times and expiry. Default the system clock. */
  clock?: Clock;
  /** Instance TTL. Default 10 000 ms (the original's). */
  ttlMs?: number;
  /** How often expired instances are removed. Default 1 000 ms; 0 disables the timer (use `expireNow()`). */
  expiryIntervalMs?: number;
}

export interface MetaWriteInput {
  data: unknown;
  index: number;
  leader_id?: string;
}

interface Subscriber {
  kinds: EventKindSet;
  onEvent: (e: DiscoveryEvent, index: number) => void;
  onEnd: (() => void) | undefined;
}

export class MemoryDiscoveryStore {
  private state: DiscoveryState = emptyState();
  private index = 0;
  private readonly lastSeen = new Map<string, number>();
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  private readonly expiryTimer: Timer | undefined;
  readonly clock: Clock;
  readonly ttlMs: number;

  constructor(options: MemoryDiscoveryStoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.ttlMs = options.ttlMs ?? 10_000;
    const every = options.expiryIntervalMs ?? 1_000;
    if (every > 0) this.expiryTimer = this.clock.every(every, () => this.expireNow());
  }

  /** Index of the last write (every write, refused ones included, takes one, as in raft). */
  get lastIndex(): number {
    return this.index;
  }

  // ---- reads ----------------------------------------------------------------

  serviceNames(): string[] {
    return serviceNames(this.state);
  }
  getService(service: string): ServiceConfig | undefined {
    const svc = this.state.services.get(service);
    return svc ? { ...svc.config } : undefined;
  }
  /** Instances oldest first; undefined when the service does not exist. */
  getInstances(service: string): Instance[] | undefined {
    const svc = this.state.services.get(service);
    return svc ? [...instancesOf(svc)] : undefined;
  }
  getLeader(service: string): Instance | undefined {
    const svc = this.state.services.get(service);
    return svc ? leaderOf(svc) : undefined;
  }
  getMeta(service: string): StoredMeta | undefined {
    return this.state.services.get(service)?.meta;
  }

  // ---- writes (throw FlynnErrors with FLYNN_DISCOVERY_* codes) ----------------

  addService(service: string, config: ServiceConfig): void {
    const bad = serviceNameProblem(service);
    if (bad) throw validationError(bad);
    this.apply({ v: 1, type: 'add-service', service, config: { leader_type: config.leader_type === 'manual' ? 'manual' : 'oldest' } });
  }

  removeService(service: string): void {
    this.apply({ v: 1, type: 'remove-service', service });
    for (const key of [...this.lastSeen.keys()]) if (key.startsWith(heartbeatKey(service, ''))) this.lastSeen.delete(key);
  }

  /** Registers or heartbeats an instance: validates as the server does; unchanged re-registration only refreshes the TTL. */
  register(service: string, instance: InstanceInput): void {
    const bad = registrationProblem(instance);
    if (bad) throw validationError(bad);
    const svc = this.state.services.get(service);
    const known = svc?.instances.get(instance.id);
    if (!known || !sameRegistration(known, instance)) this.apply({ v: 1, type: 'add-instance', service, instance: toInstanceInput(instance) });
    this.lastSeen.set(heartbeatKey(service, instance.id), this.clock.monotonic());
  }

  /** Deregisters; a no-op for an unknown instance, not found for an unknown service. */
  deregister(service: string, id: string): void {
    this.apply({ v: 1, type: 'remove-instance', service, id });
    this.lastSeen.delete(heartbeatKey(service, id));
  }

  setMeta(service: string, write: MetaWriteInput): StoredMeta {
    const cmd: Command = { v: 1, type: 'set-meta', service, data: write.data === undefined ? null : write.data, index: write.index };
    if (write.leader_id !== undefined && write.leader_id !== '') cmd.leader_id = write.leader_id;
    return this.apply(cmd).meta!;
  }

  setLeader(service: string, id: string): void {
    this.apply({ v: 1, type: 'set-leader', service, id });
  }

  /** Removes every instance not heartbeated within the TTL (each gets `down`). */
  expireNow(): void {
    const refs = planExpiry(this.state, this.lastSeen, this.clock.monotonic(), this.ttlMs, -Infinity);
    if (refs.length === 0) return;
    this.apply({ v: 1, type: 'expire-instances', instances: refs });
    for (const ref of refs) this.lastSeen.delete(heartbeatKey(ref.service, ref.id));
  }

  // ---- subscriptions --------------------------------------------------------

  /**
   * Replays the current state (`up`s oldest first, `leader`, `service_meta`,
   * `current`, each only if in `kinds`), then delivers live events
   * synchronously in commit order. `onEnd` runs if the store drops the
   * subscription (`disconnectAll`). Works for services that do not exist yet.
   * `onEvent` gets each event's index (the replayed state's, or the command's).
   */
  subscribe(service: string, kinds: EventKindSet, onEvent: (e: DiscoveryEvent, index: number) => void, onEnd?: () => void): { close(): void } {
    const sub: Subscriber = { kinds, onEvent, onEnd };
    const svc = this.state.services.get(service);
    const index = this.index;
    const send = (e: DiscoveryEvent) => {
      if (kinds.has(e.kind)) onEvent(e, index);
    };
    if (svc) {
      for (const instance of instancesOf(svc)) send({ service, kind: 'up', instance });
      const leader = leaderOf(svc);
      if (leader) send({ service, kind: 'leader', instance: leader });
      if (svc.meta) send({ service, kind: 'service_meta', service_meta: svc.meta });
    }
    send({ service, kind: 'current' });
    let set = this.subscribers.get(service);
    if (!set) this.subscribers.set(service, (set = new Set()));
    set.add(sub);
    return {
      close: () => {
        const s = this.subscribers.get(service);
        s?.delete(sub);
        if (s?.size === 0) this.subscribers.delete(service);
      },
    };
  }

  /** Drops every subscription (each gets `onEnd`), as a server restart would. */
  disconnectAll(): void {
    const all = [...this.subscribers.values()].flatMap((s) => [...s]);
    this.subscribers.clear();
    for (const sub of all) sub.onEnd?.();
  }

  /** Stops the expiry timer. */
  close(): void {
    this.expiryTimer?.cancel();
  }

  private apply(cmd: Command): { meta?: StoredMeta } {
    const out = applyCommand(this.state, cmd, ++this.index);
    if (!out.result.ok) throw commandError(out.result);
    this.state = out.state;
    for (const e of out.events) {
      for (const sub of [...(this.subscribers.get(e.service) ?? [])]) if (sub.kinds.has(e.kind)) sub.onEvent(e, this.index);
    }
    return out.result.meta ? { meta: out.result.meta } : {};
  }
}
