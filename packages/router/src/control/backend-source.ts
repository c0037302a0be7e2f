/**
 * Where backends come from. The router asks for one service at a time and
 * gets the full current set each time it changes (the registry diffs them
 * into backend-up/down). Implementations: {@link discoveryBackends} (the
 * normal case: a discovery watch per service), {@link staticBackends}, and
 * `FileRouteSource` (the file's `backends` section).
 *
 * Contract: `watch()` yields a first snapshot once the current state is
 * known, then a new snapshot after every change, until `signal` aborts.
 * Snapshots are owned by the receiver. Transient failures are retried by the
 * source (a discovery watch reconnects by itself); the iteration never throws
 * for them.
 */
import type { DiscoveryEvent, Instance, ServiceDiscovery } from '@flynn-ts/discovery';
import type { Backend } from '../core/types.js';
import { EventQueue } from './event-queue.js';

export interface BackendSnapshot {
  backends: Backend[];
  /** Address of the service leader, when it has one. */
  leader?: string;
}

export interface BackendSource {
  watch(service: string, signal: AbortSignal): AsyncIterable<BackendSnapshot>;
}

/** Fixed backends per service (`{"web": ["127.0.0.1:8080"]}`); the first one is the leader. */
export function staticBackends(map: Readonly<Record<string, readonly string[]>>): BackendSource {
  return {
    watch(service, signal) {
      const q = new EventQueue<BackendSnapshot>(signal);
      const addrs = map[service] ?? [];
      const snap: BackendSnapshot = { backends: addrs.map((addr) => ({ service, addr })) };
      if (addrs[0] !== undefined) snap.leader = addrs[0];
      q.push(snap);
      return q;
    },
  };
}

/** Instance meta keys the original router read for the backend's app and job (reference §7.4). */
export const APP_META = 'FLYNN_APP_NAME';
export const JOB_META = 'FLYNN_JOB_ID';

export function backendOf(service: string, inst: Instance): Backend {
  const b: Backend = { service, addr: inst.addr };
  const app = inst.meta?.[APP_META];
  const job = inst.meta?.[JOB_META];
  if (app !== undefined) b.app = app;
  if (job !== undefined) b.job_id = job;
  return b;
}

/**
 * Backends from a discovery watch per service: live instances (oldest
 * first), and the leader for `leader` routes. The first snapshot comes after
 * the watch's `current` marker, then one per change.
 */
export function discoveryBackends(discovery: Pick<ServiceDiscovery, 'watch'>): BackendSource {
  return {
    watch(service, signal) {
      return watchService(discovery, service, signal);
    },
  };
}

async function* watchService(discovery: Pick<ServiceDiscovery, 'watch'>, service: string, signal: AbortSignal): AsyncGenerator<BackendSnapshot> {
  const watch = discovery.watch(service, { signal });
  const instances = new Map<string, Instance>();
  let leaderId: string | undefined;
  let live = false;
  const snapshot = (): BackendSnapshot => {
    const list = [...instances.values()].sort((a, b) => a.index - b.index);
    const snap: BackendSnapshot = { backends: list.map((i) => backendOf(service, i)) };
    const leader = leaderId === undefined ? undefined : instances.get(leaderId);
    if (leader) snap.leader = leader.addr;
    return snap;
  };
  try {
    for await (const e of watch as AsyncIterable<DiscoveryEvent>) {
      if (signal.aborted) return;
      switch (e.kind) {
        case 'up':
        case 'update':
          if (e.instance) instances.set(e.instance.id, e.instance);
          break;
        case 'down':
          if (e.instance) instances.delete(e.instance.id);
          break;
        case 'leader':
          leaderId = e.instance?.id;
          if (e.instance && !instances.has(e.instance.id)) instances.set(e.instance.id, e.instance);
          break;
        case 'current':
          live = true;
          break;
        default:
          continue;
      }
      if (live) yield snapshot();
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  } finally {
    watch.close();
  }
}
