import { channels, subscribe } from '@flynn-ts/core';
import { describe, expect, it } from 'vitest';
import type { Command } from '../core/commands.js';
import { encodeCommand } from '../core/commands.js';
import { addInstance, addService, brief, inst, removeInstance, setMeta } from '../core/reducer.test-helpers.js';
import type { DiscoveryEvent } from '../core/types.js';
import { DiscoveryStateMachine } from './fsm.js';

function machine(): { fsm: DiscoveryStateMachine; events: DiscoveryEvent[] } {
  const events: DiscoveryEvent[] = [];
  return { fsm: new DiscoveryStateMachine({ onEvents: (es) => events.push(...es) }), events };
}
const apply = (fsm: DiscoveryStateMachine, cmds: Command[], start = 1) => cmds.map((c, i) => fsm.apply(encodeCommand(c), { index: start + i, term: 1 }));

describe('DiscoveryStateMachine', () => {
  it('applies commands, returns the reducer result and hands events over synchronously', () => {
    const { fsm, events } = machine();
    const results = apply(fsm, [addService('web'), addInstance('web', inst('a')), addService('web'), setMeta('web', 1, 0)]);
    expect(results.map((r) => r.ok)).toEqual([true, true, false, true]);
    expect(results[3]).toEqual({ ok: true, meta: { data: 1, index: 4 } });
    expect(brief(events)).toEqual(['up:a', 'leader:a', 'service_meta:4']);
    expect(fsm.state.services.get('web')!.instances.get('a')!.index).toBe(2);
  });

  it('publishes each event on the flynn:discovery:event channel', () => {
    const seen: unknown[] = [];
    const off = subscribe(channels.discoveryEvent, (m) => seen.push(m));
    try {
      apply(machine().fsm, [addService('web'), addInstance('web', inst('a'))]);
    } finally {
      off();
    }
    expect(seen).toHaveLength(2);
  });

  it('turns an undecodable entry into a refused no-op instead of throwing', () => {
    const { fsm, events } = machine();
    const res = fsm.apply(new TextEncoder().encode('{"v":9}'), { index: 1, term: 1 });
    expect(res).toMatchObject({ ok: false, code: 'validation_error' });
    expect(events).toEqual([]);
  });

  it('restore replaces the state and emits the difference', () => {
    const source = machine().fsm;
    apply(source, [addService('web'), addInstance('web', inst('a')), addInstance('web', inst('b'))]);
    const snap = source.snapshot();
    const { fsm, events } = machine();
    apply(fsm, [addService('web'), addInstance('web', inst('z'))]);
    events.length = 0;
    fsm.restore(snap);
    expect(brief(events)).toEqual(['down:z', 'up:a', 'up:b', 'leader:a']);
    apply(source, [removeInstance('web', 'a')], 4);
    apply(fsm, [removeInstance('web', 'a')], 4);
    expect(fsm.snapshot()).toEqual(source.snapshot());
  });

  it('tracks the raft index of its state: events carry it, snapshots record it, a restore takes it over', () => {
    const indexes: number[] = [];
    const source = new DiscoveryStateMachine({ onEvents: (_es, index) => indexes.push(index) });
    expect(source.index).toBe(0);
    apply(source, [addService('web'), addInstance('web', inst('a')), addInstance('web', inst('b'))], 7);
    expect(indexes).toEqual([8, 9]);
    expect(source.index).toBe(9);
    const restored: number[] = [];
    const fsm = new DiscoveryStateMachine({ onEvents: (_es, index) => restored.push(index) });
    fsm.restore(source.snapshot());
    expect(fsm.index).toBe(9);
    expect(restored).toEqual([9]);
    // A snapshot without an index (an older writer) keeps the index the machine had.
    const legacy = new TextEncoder().encode(JSON.stringify({ v: 1, services: [] }));
    fsm.restore(legacy);
    expect(fsm.index).toBe(9);
  });

  it('an empty snapshot restores the empty state', () => {
    const { fsm } = machine();
    apply(fsm, [addService('web')]);
    fsm.restore(new Uint8Array(0));
    expect(fsm.state.services.size).toBe(0);
  });
});
