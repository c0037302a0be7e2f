/**
 * What a subscriber sees of the state: the replay at subscribe time, and the
 * events that turn one state into another (for a snapshot restore, which
 * replaces the state without a command).
 */
import { leaderEvent } from './leader.js';
import type { DiscoveryState, ServiceState } from './state.js';
import { instancesOf, leaderOf, sameRegistration } from './state.js';
import type { DiscoveryEvent, EventKindSet, ServiceMeta } from './types.js';

/**
 * The current state of `service` as events, in the original's order: `up` per
 * instance (index order), then `leader`, then `service_meta`, then
 * `current`, each part only if `kinds` has it. Works for a service that does
 * not exist (only `current`).
 */
export function replayEvents(state: DiscoveryState, service: string, kinds: EventKindSet): DiscoveryEvent[] {
  const svc = state.services.get(service);
  const out: DiscoveryEvent[] = [];
  if (svc && kinds.has('up')) for (const instance of instancesOf(svc)) out.push({ service, kind: 'up', instance });
  const leader = svc && leaderOf(svc);
  if (leader && kinds.has('leader')) out.push({ service, kind: 'leader', instance: leader });
  if (svc?.meta && kinds.has('service_meta')) out.push({ service, kind: 'service_meta', service_meta: svc.meta });
  if (kinds.has('current')) out.push({ service, kind: 'current' });
  return out;
}

/**
 * Events that take a subscriber from `before` to `after`: per service (name
 * order) `down` for instances gone, `up` for new ones, `update` for changed
 * ones (index order), `service_meta` if the meta changed, `leader` if the
 * visible leader changed. Services untouched (same object) produce nothing.
 */
export function diffStates(before: DiscoveryState, after: DiscoveryState): DiscoveryEvent[] {
  const names = new Set([...before.services.keys(), ...after.services.keys()]);
  const out: DiscoveryEvent[] = [];
  for (const service of [...names].sort()) {
    const a = before.services.get(service);
    const b = after.services.get(service);
    if (a !== b) diffService(service, a, b, out);
  }
  return out;
}

function diffService(service: string, a: ServiceState | undefined, b: ServiceState | undefined, out: DiscoveryEvent[]): void {
  const gone = a ? instancesOf(a).filter((i) => b?.instances.get(i.id)?.index !== i.index) : [];
  for (const instance of gone) out.push({ service, kind: 'down', instance });
  for (const instance of b ? instancesOf(b) : []) {
    const prev = a?.instances.get(instance.id);
    if (!prev || prev.index !== instance.index) out.push({ service, kind: 'up', instance });
    else if (!sameRegistration(prev, instance)) out.push({ service, kind: 'update', instance });
  }
  if (b?.meta && !sameMeta(a?.meta, b.meta)) out.push({ service, kind: 'service_meta', service_meta: b.meta });
  const la = a && leaderOf(a);
  const lb = b && leaderOf(b);
  if (la?.id !== lb?.id || la?.index !== lb?.index) out.push(leaderEvent(service, lb));
}

/** Same write: the index identifies it within one log; the data check covers states of unrelated logs. */
function sameMeta(a: ServiceMeta | undefined, b: ServiceMeta): boolean {
  return a !== undefined && a.index === b.index && (a.data === b.data || JSON.stringify(a.data) === JSON.stringify(b.data));
}
