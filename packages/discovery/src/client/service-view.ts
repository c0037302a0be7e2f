/**
 * A watcher's own view of one service (instances, leader, meta), and the two
 * rules that keep what a caller sees free of duplicates and gaps across
 * reconnects. Pure: no I/O, no time.
 *
 * - `applyLive(event)`: a live event updates the view and is passed on only if
 *   it changes it (an `up` for a known, identical instance is dropped; an `up`
 *   for a known but changed one becomes `update`; a `down` for an unknown one
 *   is dropped; a `leader`/`service_meta` equal to the known one is dropped).
 * - `reconcile(snapshot)`: after a (re)connect the server replays the state
 *   (`up`s, `leader`, `service_meta`, then `current`); the view is replaced by
 *   it and the returned events are exactly the changes from the old view to
 *   the new one, in this order: `down` for instances that vanished (oldest
 *   first), `up`/`update` for new or changed ones (oldest first), `leader` if
 *   the leader changed (without `instance` when there is none any more), and
 *   `service_meta` if the meta index changed. An instance that came back with a
 *   new index was re-registered while we were away: it gets `down` then `up`.
 *   Meta that vanished (only when the service was deleted) is dropped silently:
 *   the live stream has no event for that either.
 */
import type { DiscoveryEvent, Instance, ServiceMeta } from '../core/types.js';

export class ServiceView {
  private byId = new Map<string, Instance>();
  private currentLeader: Instance | undefined;
  private currentMeta: ServiceMeta | undefined;

  constructor(readonly service: string) {}

  /** Live instances, oldest first. */
  instances(): Instance[] {
    return sortByIndex(this.byId.values());
  }

  get leader(): Instance | undefined {
    return this.currentLeader;
  }

  get meta(): ServiceMeta | undefined {
    return this.currentMeta;
  }

  /** Applies a live event; returns what to emit (possibly with a corrected kind), or undefined for a no-op. */
  applyLive(event: DiscoveryEvent): DiscoveryEvent | undefined {
    switch (event.kind) {
      case 'up':
      case 'update': {
        const inst = event.instance;
        if (!inst) return undefined;
        const known = this.byId.get(inst.id);
        if (known && sameInstance(known, inst)) return undefined;
        this.byId.set(inst.id, inst);
        const kind = known ? 'update' : 'up';
        return kind === event.kind ? event : { ...event, kind };
      }
      case 'down': {
        const inst = event.instance;
        if (!inst || !this.byId.has(inst.id)) return undefined;
        this.byId.delete(inst.id);
        return event;
      }
      case 'leader': {
        if (leaderKey(event.instance) === leaderKey(this.currentLeader)) return undefined;
        this.currentLeader = event.instance;
        return event;
      }
      case 'service_meta': {
        const meta = event.service_meta;
        if (!meta || (this.currentMeta && this.currentMeta.index === meta.index)) return undefined;
        this.currentMeta = meta;
        return event;
      }
      case 'current':
        return event;
    }
  }

  /** Replaces the view with a replayed snapshot; returns the changes to emit (see the file comment). */
  reconcile(snapshot: readonly DiscoveryEvent[]): DiscoveryEvent[] {
    const next = new Map<string, Instance>();
    let leader: Instance | undefined;
    let meta: ServiceMeta | undefined;
    for (const e of snapshot) {
      if ((e.kind === 'up' || e.kind === 'update') && e.instance) next.set(e.instance.id, e.instance);
      else if (e.kind === 'down' && e.instance) next.delete(e.instance.id);
      else if (e.kind === 'leader') leader = e.instance;
      else if (e.kind === 'service_meta' && e.service_meta) meta = e.service_meta;
    }
    const out: DiscoveryEvent[] = [];
    const service = this.service;
    for (const old of sortByIndex(this.byId.values())) {
      const now = next.get(old.id);
      if (!now || now.index !== old.index) out.push({ service, kind: 'down', instance: old });
    }
    for (const inst of sortByIndex(next.values())) {
      const old = this.byId.get(inst.id);
      if (!old || old.index !== inst.index) out.push({ service, kind: 'up', instance: inst });
      else if (!sameInstance(old, inst)) out.push({ service, kind: 'update', instance: inst });
    }
    if (leaderKey(leader) !== leaderKey(this.currentLeader)) out.push(leader ? { service, kind: 'leader', instance: leader } : { service, kind: 'leader' });
    if (meta && (!this.currentMeta || this.currentMeta.index !== meta.index)) out.push({ service, kind: 'service_meta', service_meta: meta });
    this.byId = next;
    this.currentLeader = leader;
    this.currentMeta = meta;
    return out;
  }
}

/** Field-wise equality of two instances (`meta` absent and `{}` are equal). */
export function sameInstance(a: Instance, b: Instance): boolean {
  return a.id === b.id && a.addr === b.addr && a.proto === b.proto && a.index === b.index && sameMeta(a.meta, b.meta);
}

function sameMeta(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  const kb = Object.keys(b ?? {});
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && a![k] === b![k]);
}

/** A leader's identity: id and registration index (a re-registered instance is a new leader). */
function leaderKey(inst: Instance | undefined): string {
  return inst ? `${inst.id}@${inst.index}` : '';
}

function sortByIndex(items: Iterable<Instance>): Instance[] {
  return [...items].sort((a, b) => a.index - b.index);
}
