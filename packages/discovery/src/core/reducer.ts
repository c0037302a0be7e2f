/**
 * The pure reducer: `applyCommand(state, cmd, index) → { state, events, result }`.
 *
 * Deterministic: the output depends only on the inputs (never on Map
 * insertion order, the clock or randomness), so every replica that applies
 * the same log reaches the same state and emits the same events, and a
 * snapshot restore followed by the rest of the log equals the whole log.
 * A refused command returns the input state unchanged (the same object), no
 * events and a {@link CommandFailure}.
 *
 * Rules (reference §1.3–1.6, wire-observed §2–3, with the quirk decisions noted):
 * - an instance's `index` is the raft index of its first registration, kept
 *   on re-registration; re-registering unchanged is a no-op (no event);
 *   changed meta/proto gives `update` and never a `leader` event;
 * - `oldest` leaders are re-elected on add/remove/expire (see leader.ts);
 * - meta CAS: index 0 creates only (409 if it exists), n must equal the
 *   stored index (412 otherwise, also when there is none); the stored index
 *   becomes the raft index of the write;
 * - removing a service emits `down` for each instance (index order), then a
 *   `leader` event without instance if it had a visible leader, and really
 *   removes instances, leader and meta (the original left the instances in
 *   place: wire-observed quirk 3, fixed).
 */
import type {
  AddInstanceCommand,
  AddServiceCommand,
  Command,
  CommandType,
  ExpireInstancesCommand,
  RemoveInstanceCommand,
  RemoveServiceCommand,
  SetLeaderCommand,
  SetMetaCommand,
} from './commands.js';
import type { CommandFailure, CommandResult } from './errors.js';
import { metaExists, metaMissing, metaWrongIndex, notManual, serviceExists, serviceNotFound } from './errors.js';
import { InstanceMap } from './instance-map.js';
import { leaderEvent, reelect } from './leader.js';
import type { DiscoveryState, ServiceState } from './state.js';
import { instancesOf, leaderOf, makeConfig, makeInstance, makeMeta, sameRegistration } from './state.js';
import type { DiscoveryEvent } from './types.js';

export interface ApplyOutput {
  state: DiscoveryState;
  /** Events in the order subscribers must see them. */
  events: DiscoveryEvent[];
  result: CommandResult;
}

type Handler<C extends Command> = (state: DiscoveryState, cmd: C, index: number, events: DiscoveryEvent[]) => DiscoveryState | CommandFailure;

const OK: CommandResult = Object.freeze({ ok: true });

/** Applies one committed command at raft index `index`. */
export function applyCommand(state: DiscoveryState, cmd: Command, index: number): ApplyOutput {
  const events: DiscoveryEvent[] = [];
  const handler = handlers[cmd.type] as Handler<Command>;
  const out = handler(state, cmd, index, events);
  if (isFailure(out)) return { state, events: [], result: out };
  if (cmd.type === 'set-meta') {
    const meta = out.services.get(cmd.service)!.meta!;
    return { state: out, events, result: { ok: true, meta } };
  }
  return { state: out, events, result: OK };
}

function isFailure(x: DiscoveryState | CommandFailure): x is CommandFailure {
  return (x as CommandFailure).ok === false;
}

const handlers: { [T in CommandType]: Handler<Extract<Command, { type: T }>> } = {
  'add-service': addService,
  'remove-service': removeService,
  'add-instance': addInstance,
  'remove-instance': removeInstance,
  'expire-instances': expireInstances,
  'set-meta': setMeta,
  'set-leader': setLeader,
};

function addService(state: DiscoveryState, cmd: AddServiceCommand): DiscoveryState | CommandFailure {
  if (state.services.has(cmd.service)) return serviceExists(cmd.service);
  return withService(state, cmd.service, { config: makeConfig(cmd.config), instances: InstanceMap.EMPTY, leader: '', meta: undefined });
}

function removeService(state: DiscoveryState, cmd: RemoveServiceCommand, _i: number, events: DiscoveryEvent[]): DiscoveryState | CommandFailure {
  const svc = state.services.get(cmd.service);
  if (!svc) return serviceNotFound(cmd.service);
  for (const instance of instancesOf(svc)) events.push({ service: cmd.service, kind: 'down', instance });
  if (leaderOf(svc)) events.push(leaderEvent(cmd.service, undefined));
  return withService(state, cmd.service, undefined);
}

function addInstance(state: DiscoveryState, cmd: AddInstanceCommand, index: number, events: DiscoveryEvent[]): DiscoveryState | CommandFailure {
  const svc = state.services.get(cmd.service);
  if (!svc) return serviceNotFound(cmd.service);
  const prev = svc.instances.get(cmd.instance.id);
  if (prev && sameRegistration(prev, cmd.instance)) return state;
  const instance = makeInstance(cmd.instance, prev ? prev.index : index);
  const instances = svc.instances.set(instance);
  events.push({ service: cmd.service, kind: prev ? 'update' : 'up', instance });
  return withService(state, cmd.service, reelect(cmd.service, { ...svc, instances }, events));
}

function removeInstance(state: DiscoveryState, cmd: RemoveInstanceCommand, _i: number, events: DiscoveryEvent[]): DiscoveryState | CommandFailure {
  const svc = state.services.get(cmd.service);
  if (!svc) return serviceNotFound(cmd.service);
  const prev = svc.instances.get(cmd.id);
  if (!prev) return state;
  const instances = svc.instances.delete(cmd.id);
  events.push({ service: cmd.service, kind: 'down', instance: prev });
  return withService(state, cmd.service, reelect(cmd.service, { ...svc, instances }, events));
}

/** Removes the listed instances that still exist (`down` each, in command order), then re-elects. */
function expireInstances(state: DiscoveryState, cmd: ExpireInstancesCommand, _i: number, events: DiscoveryEvent[]): DiscoveryState {
  const changed = new Map<string, InstanceMap>();
  for (const ref of cmd.instances) {
    const svc = state.services.get(ref.service);
    if (!svc) continue;
    const instances = changed.get(ref.service) ?? svc.instances;
    const inst = instances.get(ref.id);
    if (!inst) continue;
    changed.set(ref.service, instances.delete(ref.id));
    events.push({ service: ref.service, kind: 'down', instance: inst });
  }
  let next = state;
  for (const [service, instances] of changed) {
    const svc = state.services.get(service)!;
    next = withService(next, service, reelect(service, { ...svc, instances }, events));
  }
  return next;
}

function setMeta(state: DiscoveryState, cmd: SetMetaCommand, index: number, events: DiscoveryEvent[]): DiscoveryState | CommandFailure {
  const svc = state.services.get(cmd.service);
  if (!svc) return serviceNotFound(cmd.service);
  const curr = svc.meta;
  if (cmd.index === 0) {
    if (curr) return metaExists(cmd.service);
  } else if (!curr) {
    return metaMissing(cmd.service);
  } else if (curr.index !== cmd.index) {
    return metaWrongIndex(cmd.service);
  }
  const meta = makeMeta(cmd.data, index);
  events.push({ service: cmd.service, kind: 'service_meta', service_meta: meta });
  let next: ServiceState = { ...svc, meta };
  // leader_id only steers `manual` services; for `oldest` ones it is ignored
  // (the original stored it until the next re-election overrode it).
  if (cmd.leader_id !== undefined && svc.config.leader_type === 'manual') {
    next = { ...next, leader: cmd.leader_id };
    const leader = next.instances.get(cmd.leader_id);
    if (leader) events.push(leaderEvent(cmd.service, leader));
  }
  return withService(state, cmd.service, next);
}

function setLeader(state: DiscoveryState, cmd: SetLeaderCommand, _i: number, events: DiscoveryEvent[]): DiscoveryState | CommandFailure {
  const svc = state.services.get(cmd.service);
  if (!svc || svc.config.leader_type !== 'manual') return notManual();
  const leader = svc.instances.get(cmd.id);
  if (leader) events.push(leaderEvent(cmd.service, leader));
  return withService(state, cmd.service, { ...svc, leader: cmd.id });
}

/** A new state with `service` replaced (or removed when `svc` is undefined). */
function withService(state: DiscoveryState, service: string, svc: ServiceState | undefined): DiscoveryState {
  if (svc === state.services.get(service)) return state;
  return { services: svc ? state.services.set(service, svc) : state.services.delete(service) };
}
