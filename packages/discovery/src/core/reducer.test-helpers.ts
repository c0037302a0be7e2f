/**
 * Builders shared by the core's tests (not exported from the package).
 * Instance ids here are arbitrary strings: the reducer never checks them.
 */
import type { Command, InstanceInput } from './commands.js';
import type { ApplyOutput } from './reducer.js';
import { applyCommand } from './reducer.js';
import type { DiscoveryState } from './state.js';
import { EMPTY_STATE } from './state.js';
import type { DiscoveryEvent, LeaderType } from './types.js';

export const addService = (service: string, leader_type: LeaderType = 'oldest'): Command => ({ v: 1, type: 'add-service', service, config: { leader_type } });
export const removeService = (service: string): Command => ({ v: 1, type: 'remove-service', service });
export const addInstance = (service: string, instance: InstanceInput): Command => ({ v: 1, type: 'add-instance', service, instance });
export const removeInstance = (service: string, id: string): Command => ({ v: 1, type: 'remove-instance', service, id });
export const expire = (...refs: Array<[string, string]>): Command => ({
  v: 1,
  type: 'expire-instances',
  instances: refs.map(([service, id]) => ({ service, id })),
});
export const setMeta = (service: string, data: unknown, index: number, leader_id?: string): Command =>
  leader_id === undefined ? { v: 1, type: 'set-meta', service, data, index } : { v: 1, type: 'set-meta', service, data, index, leader_id };
export const setLeader = (service: string, id: string): Command => ({ v: 1, type: 'set-leader', service, id });

/** An instance whose addr is derived from its id (the reducer does not check ids). */
export function inst(id: string, meta?: Record<string, string>, proto = 'tcp'): InstanceInput {
  const port = 1000 + [...id].reduce((a, c) => a + c.charCodeAt(0), 0);
  return meta ? { id, addr: `10.0.0.1:${port}`, proto, meta } : { id, addr: `10.0.0.1:${port}`, proto };
}

/** Applies commands at indexes start, start+1, …; returns every output and the final state. */
export function run(cmds: readonly Command[], state: DiscoveryState = EMPTY_STATE, start = 1): { state: DiscoveryState; outputs: ApplyOutput[]; events: DiscoveryEvent[] } {
  const outputs: ApplyOutput[] = [];
  let s = state;
  cmds.forEach((c, i) => {
    const out = applyCommand(s, c, start + i);
    outputs.push(out);
    s = out.state;
  });
  return { state: s, outputs, events: outputs.flatMap((o) => o.events) };
}

/** `kind:id` (or `kind` / `kind:-` for a leader event without instance) for compact assertions. */
export function brief(events: readonly DiscoveryEvent[]): string[] {
  return events.map((e) => {
    if (e.kind === 'service_meta') return `service_meta:${e.service_meta?.index}`;
    if (e.kind === 'current') return 'current';
    return `${e.kind}:${e.instance ? e.instance.id : '-'}`;
  });
}
