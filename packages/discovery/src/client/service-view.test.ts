import { describe, expect, it } from 'vitest';
import type { DiscoveryEvent, Instance } from '../core/types.js';
import { sameInstance, ServiceView } from './service-view.js';

const inst = (n: number, index = n, meta?: Record<string, string>): Instance => ({
  id: `id${n}`,
  addr: `10.0.0.${n}:80`,
  proto: 'tcp',
  index,
  ...(meta ? { meta } : {}),
});
const up = (i: Instance): DiscoveryEvent => ({ service: 's', kind: 'up', instance: i });
const leader = (i?: Instance): DiscoveryEvent => (i ? { service: 's', kind: 'leader', instance: i } : { service: 's', kind: 'leader' });
const meta = (index: number, data: unknown = index): DiscoveryEvent => ({ service: 's', kind: 'service_meta', service_meta: { data, index } });
const brief = (es: readonly (DiscoveryEvent | undefined)[]) => es.map((e) => (e ? `${e.kind}:${e.instance?.id ?? e.service_meta?.index ?? '-'}` : 'none'));

describe('ServiceView.reconcile', () => {
  it('from an empty view emits the snapshot itself, in server order', () => {
    const v = new ServiceView('s');
    expect(brief(v.reconcile([up(inst(2)), up(inst(1)), leader(inst(1)), meta(7)]))).toEqual(['up:id1', 'up:id2', 'leader:id1', 'service_meta:7']);
    expect(v.instances().map((i) => i.id)).toEqual(['id1', 'id2']);
  });

  it('emits nothing when the replay equals the view', () => {
    const v = new ServiceView('s');
    const snap = [up(inst(1)), up(inst(2, 2, { a: 'b' })), leader(inst(1)), meta(7)];
    v.reconcile(snap);
    expect(v.reconcile(snap.map((e) => structuredClone(e)))).toEqual([]);
  });

  it('emits down for vanished, update for changed, up for new, then leader and meta', () => {
    const v = new ServiceView('s');
    v.reconcile([up(inst(1)), up(inst(2)), up(inst(3)), leader(inst(1)), meta(7)]);
    const out = v.reconcile([up(inst(2)), up(inst(3, 3, { x: '1' })), up(inst(4)), leader(inst(2)), meta(9)]);
    expect(brief(out)).toEqual(['down:id1', 'update:id3', 'up:id4', 'leader:id2', 'service_meta:9']);
    expect(out[0]?.instance).toEqual(inst(1));
  });

  it('treats a new index as re-registration: down then up', () => {
    const v = new ServiceView('s');
    v.reconcile([up(inst(1, 5)), leader(inst(1, 5))]);
    expect(brief(v.reconcile([up(inst(1, 9)), leader(inst(1, 9))]))).toEqual(['down:id1', 'up:id1', 'leader:id1']);
  });

  it('reports a leader that vanished with a leader event without instance', () => {
    const v = new ServiceView('s');
    v.reconcile([up(inst(1)), leader(inst(1))]);
    const out = v.reconcile([]);
    expect(brief(out)).toEqual(['down:id1', 'leader:-']);
    expect(out[1]).toEqual({ service: 's', kind: 'leader' });
    expect(v.leader).toBeUndefined();
  });

  it('drops vanished meta silently (only a deleted service loses it), then re-emits a new one', () => {
    const v = new ServiceView('s');
    v.reconcile([meta(3)]);
    expect(v.reconcile([])).toEqual([]);
    expect(v.meta).toBeUndefined();
    expect(brief(v.reconcile([meta(3)]))).toEqual(['service_meta:3']);
  });
});

describe('ServiceView.applyLive', () => {
  it('drops no-ops and corrects kinds', () => {
    const v = new ServiceView('s');
    v.reconcile([up(inst(1))]);
    expect(v.applyLive(up(inst(1)))).toBeUndefined();
    expect(brief([v.applyLive(up(inst(1, 1, { a: 'b' })))])).toEqual(['update:id1']);
    expect(brief([v.applyLive({ service: 's', kind: 'update', instance: inst(2) })])).toEqual(['up:id2']);
    expect(v.applyLive({ service: 's', kind: 'down', instance: inst(9) })).toBeUndefined();
    expect(brief([v.applyLive({ service: 's', kind: 'down', instance: inst(2) })])).toEqual(['down:id2']);
    expect(brief([v.applyLive(leader(inst(1)))])).toEqual(['leader:id1']);
    expect(v.applyLive(leader(inst(1, 1, { a: 'b' })))).toBeUndefined();
    expect(brief([v.applyLive(leader())])).toEqual(['leader:-']);
    expect(v.applyLive(leader())).toBeUndefined();
    expect(brief([v.applyLive(meta(4))])).toEqual(['service_meta:4']);
    expect(v.applyLive(meta(4))).toBeUndefined();
  });

  it('sameInstance treats absent and empty meta alike', () => {
    expect(sameInstance(inst(1), { ...inst(1), meta: {} })).toBe(true);
    expect(sameInstance(inst(1, 1, { a: '1' }), inst(1, 1, { a: '2' }))).toBe(false);
    expect(sameInstance(inst(1, 1, { a: '1' }), inst(1, 1, { b: '1' }))).toBe(false);
  });
});
