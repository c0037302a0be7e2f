/**
 * DiscoveryStore on a deterministic 3-node cluster (ManualClock,
 * MemoryNetwork, MemoryStorage): writes, heartbeats, subscriptions, CAS,
 * reads. Failover, expiry and restarts are in store-failover.test.ts.
 */
import type { FlynnError } from '@flynn-ts/core';
import { NotLeaderError } from '@flynn-ts/raft';
import { afterEach, describe, expect, it } from 'vitest';
import { ALL_KINDS, INSTANCE_KINDS, LEADER_KINDS } from '../core/types.js';
import type { DiscoveryStore } from './store.js';
import { brief, collect, failure, instance, outcome, StoreCluster } from './store.test-helpers.js';

let cluster: StoreCluster | undefined;
afterEach(async () => {
  await cluster?.stopAll();
  cluster = undefined;
});

async function ready(): Promise<{ c: StoreCluster; leader: DiscoveryStore; followers: DiscoveryStore[] }> {
  const c = (cluster = new StoreCluster());
  await c.startAll();
  const leader = await c.ready();
  return { c, leader, followers: c.followers() };
}

describe('DiscoveryStore: writes and events', () => {
  it('a registration on the leader reaches every node’s subscription as up + leader', async () => {
    const { c, leader } = await ready();
    await c.settle(leader.addService('web', { leader_type: 'oldest' }));
    const subs = [...c.stores.values()].map((s) => collect(s, 'web'));
    for (const s of subs) expect(brief(s.events)).toEqual(['current']);
    await c.settle(leader.register('web', instance('10.1.0.1:80', { v: '1' })));
    await c.until(() => subs.every((s) => s.events.length === 3), 2_000, 'events on every node');
    for (const s of subs) expect(brief(s.events)).toEqual(['current', 'up:10.1.0.1:80', 'leader:10.1.0.1:80']);
    for (const s of c.stores.values()) {
      const [inst] = (await s.getInstances('web'))!;
      expect(inst).toMatchObject({ addr: '10.1.0.1:80', meta: { v: '1' } });
      expect(inst!.index).toBeGreaterThan(0);
    }
  });

  it('writes on a follower throw NotLeaderError naming the leader (host:port); no write happens', async () => {
    const { c, leader, followers } = await ready();
    const f = followers[0]!;
    const before = leader.lastIndex();
    for (const p of [f.addService('web', { leader_type: 'oldest' }), f.register('web', instance('10.1.0.1:80')), f.setMeta('web', { data: 1, index: 0 })]) {
      const err = await p.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotLeaderError);
      expect((err as NotLeaderError).leader).toBe(leader.selfAddress());
    }
    await c.advance(200);
    expect(leader.lastIndex()).toBe(before);
  });

  it('validates before anything else, with the original messages (400 even on a follower)', async () => {
    const { followers } = await ready();
    const f = followers[0]!;
    const err = (p: Promise<unknown>) => p.then(() => 'ok', (e: FlynnError) => `${e.apiCode}: ${e.message}`);
    expect(await err(f.addService('Bad_Name', { leader_type: 'oldest' }))).toBe('validation_error: discoverd: service must be lowercase alphanumeric plus dash');
    expect(await err(f.register('web', { ...instance('10.1.0.1:80'), proto: 'TCP' }))).toBe('validation_error: discoverd: proto must be lowercase alphanumeric');
    expect(await err(f.register('web', { ...instance('10.1.0.1:80'), id: 'nope' }))).toBe(
      `validation_error: discoverd: instance id is incorrect, expected ${instance('10.1.0.1:80').id}`,
    );
    expect(await err(f.register('web', instance('no-port')))).toBe('validation_error: address no-port: missing port in address');
  });

  it('maps reducer refusals to typed errors: 409 service, 404 service, 400 leader type', async () => {
    const { c, leader } = await ready();
    await c.settle(leader.addService('web', { leader_type: 'oldest' }));
    const e409 = await failure(c.settle(leader.addService('web', { leader_type: 'oldest' })));
    expect([e409.apiCode, e409.code, e409.message]).toEqual(['object_exists', 'FLYNN_DISCOVERY_EXISTS', 'discoverd: service "web" already exists']);
    const e404 = await failure(c.settle(leader.register('nope', instance('10.1.0.1:80'))));
    expect([e404.apiCode, e404.message]).toEqual(['object_not_found', 'discoverd: service "nope" not found']);
    const e400 = await failure(c.settle(leader.setLeader('web', 'x')));
    expect([e400.apiCode, e400.message]).toEqual(['validation_error', 'service leader election type is not manual']);
    expect(await outcome(c.settle(leader.removeService('nope')))).toBe('object_not_found');
    expect(await outcome(c.settle(leader.deregister('web', 'not-there')))).toBe('ok');
  });

  it('heartbeats of an unchanged instance write nothing to raft; a change does (update event)', async () => {
    const { c, leader } = await ready();
    await c.settle(leader.addService('web', { leader_type: 'oldest' }));
    await c.settle(leader.register('web', instance('10.1.0.1:80', { v: '1' })));
    const sub = collect(leader, 'web', INSTANCE_KINDS);
    await c.advance(100);
    const before = [...c.stores.values()].map((s) => s.lastIndex());
    for (let i = 0; i < 20; i++) {
      await leader.register('web', instance('10.1.0.1:80', { v: '1' })); // resolves without advancing time: no raft round trip
      await c.advance(50);
    }
    expect([...c.stores.values()].map((s) => s.lastIndex())).toEqual(before);
    await c.settle(leader.register('web', instance('10.1.0.1:80', { v: '2' })));
    expect(leader.lastIndex()).toBeGreaterThan(before[0]!);
    expect(brief(sub.events)).toEqual(['up:10.1.0.1:80', 'update:10.1.0.1:80']);
    expect((await leader.getInstances('web'))![0]!.meta).toEqual({ v: '2' });
  });

  it('manual leaders: set-leader and set-meta leader_id (service_meta then leader)', async () => {
    const { c, leader } = await ready();
    await c.settle(leader.addService('db', { leader_type: 'manual' }));
    const a = instance('10.1.0.1:5432');
    const b = instance('10.1.0.2:5432');
    await c.settle(leader.register('db', a));
    await c.settle(leader.register('db', b));
    expect(await leader.getLeader('db')).toBeUndefined();
    const sub = collect(leader, 'db', ALL_KINDS);
    await c.settle(leader.setLeader('db', a.id));
    const meta = await c.settle(leader.setMeta('db', { data: { primary: 'b' }, index: 0, leader_id: b.id }));
    expect(meta).toEqual({ data: { primary: 'b' }, index: leader.lastIndex() });
    expect(brief(sub.events)).toEqual(['up:10.1.0.1:5432', 'up:10.1.0.2:5432', 'current', 'leader:10.1.0.1:5432', 'service_meta:{"primary":"b"}', 'leader:10.1.0.2:5432']);
    expect((await leader.getLeader('db'))!.id).toBe(b.id);
    // An unknown id is accepted and the leader then reads as none (quirk 5).
    await c.settle(leader.setLeader('db', 'ghost'));
    expect(await leader.getLeader('db')).toBeUndefined();
  });

  it('removeService emits down for each instance and really removes them (quirk 3 fixed)', async () => {
    const { c, leader } = await ready();
    await c.settle(leader.addService('web', { leader_type: 'oldest' }));
    await c.settle(leader.register('web', instance('10.1.0.1:80')));
    await c.settle(leader.register('web', instance('10.1.0.2:80')));
    const sub = collect(leader, 'web', ALL_KINDS);
    await c.settle(leader.removeService('web'));
    expect(brief(sub.events).slice(4)).toEqual(['down:10.1.0.1:80', 'down:10.1.0.2:80', 'leader:-']);
    expect(await leader.getInstances('web')).toBeUndefined();
    await c.settle(leader.addService('web', { leader_type: 'oldest' }));
    expect(await leader.getInstances('web')).toEqual([]);
  });
});

describe('DiscoveryStore: meta CAS races', () => {
  it('20 concurrent creates (index 0): exactly one wins, the others get 409', async () => {
    const { c, leader } = await ready();
    await c.settle(leader.addService('cfg', { leader_type: 'oldest' }));
    const results = await c.settle(Promise.all(Array.from({ length: 20 }, (_, i) => outcome(leader.setMeta('cfg', { data: { writer: i }, index: 0 })))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r === 'object_exists')).toHaveLength(19);
  });

  it('20 concurrent updates with the same index: exactly one wins, the others get 412', async () => {
    const { c, leader } = await ready();
    await c.settle(leader.addService('cfg', { leader_type: 'oldest' }));
    const first = await c.settle(leader.setMeta('cfg', { data: 0, index: 0 }));
    const writes = Array.from({ length: 20 }, (_, i) => leader.setMeta('cfg', { data: i + 1, index: first.index }));
    const results = await c.settle(Promise.all(writes.map(outcome)));
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r === 'precondition_failed')).toHaveLength(19);
    const winner = results.indexOf('ok');
    const stored = (await leader.getMeta('cfg'))!;
    expect(stored.data).toBe(winner + 1);
    expect(stored.index).toBeGreaterThan(first.index);
    await c.advance(200);
    for (const s of c.stores.values()) expect(await s.getMeta('cfg')).toEqual(stored);
  });
});

describe('DiscoveryStore: subscriptions', () => {
  it('replays up (index order), leader, service_meta, current, then live events in commit order', async () => {
    const { c, leader, followers } = await ready();
    await c.settle(leader.addService('web', { leader_type: 'oldest' }));
    await c.settle(leader.register('web', instance('10.1.0.2:80')));
    await c.settle(leader.register('web', instance('10.1.0.1:80')));
    await c.settle(leader.setMeta('web', { data: 'm', index: 0 }));
    await c.advance(100);
    const f = followers[0]!;
    const all = collect(f, 'web', ALL_KINDS);
    const inst = collect(f, 'web', INSTANCE_KINDS);
    const lead = collect(f, 'web', LEADER_KINDS);
    expect(brief(all.events)).toEqual(['up:10.1.0.2:80', 'up:10.1.0.1:80', 'leader:10.1.0.2:80', 'service_meta:"m"', 'current']);
    expect(brief(inst.events)).toEqual(['up:10.1.0.2:80', 'up:10.1.0.1:80']);
    expect(brief(lead.events)).toEqual(['leader:10.1.0.2:80']);
    await c.settle(leader.deregister('web', instance('10.1.0.2:80').id));
    await c.until(() => lead.events.length === 2);
    expect(brief(all.events).slice(5)).toEqual(['down:10.1.0.2:80', 'leader:10.1.0.1:80']);
    expect(brief(inst.events).slice(2)).toEqual(['down:10.1.0.2:80']);
    expect(brief(lead.events).slice(1)).toEqual(['leader:10.1.0.1:80']);
  });

  it('works for a service that does not exist yet; close() stops delivery', async () => {
    const { c, leader } = await ready();
    const sub = collect(leader, 'later', ALL_KINDS);
    const closed = collect(leader, 'later', ALL_KINDS);
    closed.close();
    closed.close();
    expect(brief(sub.events)).toEqual(['current']);
    await c.settle(leader.addService('later', { leader_type: 'oldest' }));
    await c.settle(leader.register('later', instance('10.1.0.1:80')));
    expect(brief(sub.events)).toEqual(['current', 'up:10.1.0.1:80', 'leader:10.1.0.1:80']);
    expect(brief(closed.events)).toEqual(['current']);
    expect(leader.subscriptionCount('later')).toBe(1);
  });

  it('a subscriber added from inside another callback gets the replay and no duplicate of the batch', async () => {
    const { c, leader } = await ready();
    await c.settle(leader.addService('web', { leader_type: 'oldest' }));
    const inner: string[] = [];
    leader.subscribe('web', INSTANCE_KINDS, (e) => {
      if (e.kind === 'up' && inner.length === 0) leader.subscribe('web', ALL_KINDS, (x) => inner.push(brief([x])[0]!));
    });
    await c.settle(leader.register('web', instance('10.1.0.1:80')));
    // The inner replay already shows the instance and its leadership; the rest of the batch is not re-sent.
    expect(inner).toEqual(['up:10.1.0.1:80', 'leader:10.1.0.1:80', 'current']);
  });

  it('a throwing callback ends only its own subscription', async () => {
    const { c, leader } = await ready();
    await c.settle(leader.addService('web', { leader_type: 'oldest' }));
    const ended: unknown[] = [];
    leader.subscribe('web', INSTANCE_KINDS, () => { throw new Error('boom'); }, (r) => ended.push(r));
    const ok = collect(leader, 'web', INSTANCE_KINDS);
    await c.settle(leader.register('web', instance('10.1.0.1:80')));
    expect(ended).toHaveLength(1);
    expect(brief(ok.events)).toEqual(['up:10.1.0.1:80']);
  });
});

describe('DiscoveryStore: reads', () => {
  it('consistent reads on a follower see every write acknowledged before them', async () => {
    const { c, leader, followers } = await ready();
    await c.settle(leader.addService('web', { leader_type: 'oldest' }));
    const f = followers[0]!;
    for (let i = 1; i <= 5; i++) {
      await c.settle(leader.register('web', instance(`10.1.0.${i}:80`)));
      const seen = await c.settle(f.getInstances('web', { consistent: true }));
      expect(seen).toHaveLength(i);
    }
    expect(await leader.listServices()).toEqual(['web']);
    expect(await f.getService('web')).toEqual({ leader_type: 'oldest' });
  });

  it('reports cluster facts: peers (leader first), leader address, last index', async () => {
    const { c, leader, followers } = await ready();
    for (const s of c.stores.values()) {
      expect(s.leaderAddress()).toBe(leader.selfAddress());
      expect(s.peers()[0]).toBe(leader.selfAddress());
      expect([...s.peers()].sort()).toEqual([...c.ids].sort());
      expect(s.isMember()).toBe(true);
    }
    const before = followers[0]!.lastIndex();
    await c.settle(leader.addService('web', { leader_type: 'oldest' }));
    await c.until(() => followers[0]!.lastIndex() > before);
  });
});
