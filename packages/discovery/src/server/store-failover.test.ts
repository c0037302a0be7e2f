/**
 * DiscoveryStore under time and failures (ManualClock, MemoryNetwork):
 * expiry and its 2×TTL grace, leader failover, restarts and catch-up,
 * snapshots, membership changes and shutdown.
 */
import type { FlynnError } from '@flynn-ts/core';
import { NotLeaderError } from '@flynn-ts/raft';
import { afterEach, describe, expect, it } from 'vitest';
import type { DiscoveryEvent, Instance } from '../core/types.js';
import { ALL_KINDS, INSTANCE_KINDS } from '../core/types.js';
import type { DiscoveryStore } from './store.js';
import { brief, collect, instance, StoreCluster, TICK, TTL } from './store.test-helpers.js';

let cluster: StoreCluster | undefined;
afterEach(async () => {
  await cluster?.stopAll();
  cluster = undefined;
});

async function ready(c = new StoreCluster()): Promise<{ c: StoreCluster; leader: DiscoveryStore }> {
  cluster = c;
  await c.startAll();
  const leader = await c.ready();
  await c.settle(leader.addService('web', { leader_type: 'oldest' }));
  return { c, leader };
}

/** Heartbeats `inst` to whichever store currently leads, every `everyMs`, while `alive()` holds. */
function heartbeater(c: StoreCluster, inst: Omit<Instance, 'index'>, everyMs: number, alive: () => boolean): void {
  const beat = () => {
    if (!alive()) return;
    const l = c.leaders()[0];
    if (l) void l.register('web', inst).catch(() => {});
  };
  beat();
  c.clock.every(everyMs, beat);
}

describe('expiry', () => {
  it('expires an instance without heartbeats only once the leader has led for 2×TTL', async () => {
    const { c, leader } = await ready();
    const since = c.clock.now();
    const sub = collect(leader, 'web', INSTANCE_KINDS);
    await c.settle(leader.register('web', instance('10.1.0.1:80')));
    // No heartbeat after the registration: stale after TTL, but the leader is still within 2×TTL.
    await c.advance(2 * TTL - (c.clock.now() - since) - 5 * TICK);
    expect(brief(sub.events)).toEqual(['up:10.1.0.1:80']);
    await c.until(() => sub.events.length === 2, 1_000, 'expiry');
    expect(brief(sub.events)).toEqual(['up:10.1.0.1:80', 'down:10.1.0.1:80']);
    expect(c.clock.now() - since).toBeGreaterThanOrEqual(2 * TTL - 2 * TICK);
    expect(await leader.getInstances('web')).toEqual([]);
  });

  it('keeps heartbeating instances and expires the silent one in a single raft command', async () => {
    const { c, leader } = await ready();
    let alive = true;
    heartbeater(c, instance('10.1.0.1:80'), 300, () => true);
    heartbeater(c, instance('10.1.0.2:80'), 300, () => alive);
    heartbeater(c, instance('10.1.0.3:80'), 300, () => alive);
    await c.advance(3 * TTL);
    expect(await leader.getInstances('web')).toHaveLength(3);
    alive = false;
    const before = leader.lastIndex();
    const sub = collect(leader, 'web', ALL_KINDS);
    await c.until(() => sub.events.some((e) => e.kind === 'down'), 3 * TTL, 'expiry');
    await c.advance(500);
    expect(brief(sub.events.slice(5))).toEqual(['down:10.1.0.2:80', 'down:10.1.0.3:80']);
    expect(leader.lastIndex()).toBe(before + 1);
    expect((await leader.getInstances('web'))!.map((i) => i.addr)).toEqual(['10.1.0.1:80']);
  });

  it('enforceExpiry is a no-op on followers', async () => {
    const { c, leader } = await ready();
    await c.settle(leader.register('web', instance('10.1.0.1:80')));
    await c.advance(3 * TTL);
    for (const f of c.followers()) expect(await f.enforceExpiry()).toBe(0);
  });
});

describe('leader failover', () => {
  it('keeps live instances: the new leader waits 2×TTL while clients find it (no false expiry)', async () => {
    const { c, leader } = await ready();
    // Clients heartbeat every 300 ms; after the crash they need 1.5×TTL to find the new leader.
    let pausedUntil = 0;
    const insts = [instance('10.1.0.1:80'), instance('10.1.0.2:80')];
    for (const i of insts) heartbeater(c, i, 300, () => c.clock.now() >= pausedUntil);
    await c.advance(3 * TTL);
    const watcher = [...c.stores.values()].find((s) => s !== leader)!;
    const sub = collect(watcher, 'web', INSTANCE_KINDS);
    pausedUntil = c.clock.now() + 1.5 * TTL;
    await c.crash(leader.selfAddress());
    await c.until(() => c.leaders().length === 1, 2_000, 'new leader');
    await c.advance(6 * TTL);
    expect(brief(sub.events)).toEqual(['up:10.1.0.1:80', 'up:10.1.0.2:80']);
    expect(await c.leaders()[0]!.getInstances('web')).toHaveLength(2);
  });

  it('the new leader still expires instances whose clients died, after its 2×TTL', async () => {
    const { c, leader } = await ready();
    await c.settle(leader.register('web', instance('10.1.0.9:80')));
    heartbeater(c, instance('10.1.0.1:80'), 300, () => true);
    await c.advance(500);
    await c.crash(leader.selfAddress());
    await c.until(() => c.leaders().length === 1, 2_000, 'new leader');
    const newLeader = c.leaders()[0]!;
    const sub = collect(newLeader, 'web', INSTANCE_KINDS);
    const elected = c.clock.now();
    await c.until(() => sub.events.some((e) => e.kind === 'down'), 4 * TTL, 'expiry');
    expect(c.clock.now() - elected).toBeGreaterThanOrEqual(2 * TTL - 5 * TICK);
    expect(brief(sub.events).filter((l) => l.startsWith('down'))).toEqual(['down:10.1.0.9:80']);
  });
});

describe('restart and catch-up', () => {
  it('a restarted node answers 503 until caught up, then the full state; never an empty or partial one', async () => {
    const { c, leader } = await ready();
    for (let i = 1; i <= 3; i++) await c.settle(leader.register('web', instance(`10.1.0.${i}:80`)));
    const victim = c.followers()[0]!.selfAddress();
    const storage = await c.crash(victim);
    for (let i = 4; i <= 6; i++) await c.settle(leader.register('web', instance(`10.1.0.${i}:80`)));
    const restarted = await c.start(victim, {}, storage);
    const codes: string[] = [];
    for (let t = 0; t < 2_000 && !restarted.caughtUp; t += TICK) {
      try {
        expect(await restarted.getInstances('web')).toHaveLength(6);
        codes.push('ok');
      } catch (err) {
        expect((err as FlynnError).apiCode).toBe('service_unavailable');
        expect((err as FlynnError).retry).toBe(true);
        codes.push('503');
      }
      await c.clock.advanceAsync(TICK);
    }
    expect(codes[0]).toBe('503');
    expect(restarted.caughtUp).toBe(true);
    expect(await restarted.getInstances('web')).toHaveLength(6);
    expect(() => collect(restarted, 'web')).not.toThrow();
  });

  it('stays unavailable while cut off from the leader, and subscribe refuses too', async () => {
    const { c } = await ready();
    heartbeater(c, instance('10.1.0.1:80'), 300, () => true);
    await c.advance(500);
    const victim = c.followers()[0]!.selfAddress();
    const storage = await c.crash(victim);
    c.network.isolate(victim);
    const restarted = await c.start(victim, {}, storage);
    await c.advance(3_000);
    await expect(restarted.getInstances('web')).rejects.toMatchObject({ apiCode: 'service_unavailable' });
    expect(() => restarted.subscribe('web', ALL_KINDS, () => {})).toThrow(/catching up/);
    c.network.heal();
    await c.until(() => restarted.caughtUp, 3_000, 'caught up');
    expect(await restarted.getInstances('web')).toHaveLength(1);
  });

  it('a lagging subscriber catching up through a snapshot gets the difference as events', async () => {
    const c = new StoreCluster(undefined, 7, { raft: { snapshotEvery: 5, snapshotTrailing: 0 } });
    const { leader } = await ready(c);
    const lagging = c.followers()[0]!;
    await c.settle(leader.register('web', instance('10.1.0.1:80')));
    await c.settle(leader.register('web', instance('10.1.0.2:80')));
    await c.advance(100);
    const view = new Map<string, DiscoveryEvent>();
    const sub = collect(lagging, 'web', INSTANCE_KINDS);
    c.network.isolate(lagging.selfAddress());
    await c.settle(leader.deregister('web', instance('10.1.0.1:80').id));
    for (let i = 3; i <= 12; i++) await c.settle(leader.register('web', instance(`10.1.0.${i}:80`)));
    c.network.heal();
    await c.until(() => lagging.lastIndex() >= leader.lastIndex(), 5_000, 'lagging node caught up');
    for (const e of sub.events) {
      if (e.kind === 'down') view.delete(e.instance!.id);
      else view.set(e.instance!.id, e);
    }
    const expected = (await leader.getInstances('web'))!.map((i) => i.addr).sort();
    expect([...view.values()].map((e) => e.instance!.addr).sort()).toEqual(expected);
    expect(expected).toHaveLength(11);
  });
});

describe('membership and shutdown', () => {
  it('adds a fourth voter that catches up, then removes it; followers refuse', async () => {
    const { c, leader } = await ready();
    await c.settle(leader.register('web', instance('10.1.0.1:80')));
    const extra = '10.0.0.4:1111';
    const fresh = await c.start(extra); // no bootstrap: waits to be added
    await expect(c.followers().find((s) => s !== fresh)!.addPeer(extra)).rejects.toBeInstanceOf(NotLeaderError);
    // An address no node could dial would wedge every member: refused before raft sees it.
    for (const bad of ['garbage', 'host:', '1.2.3.4:port']) await expect(leader.addPeer(bad)).rejects.toMatchObject({ apiCode: 'validation_error' });
    const { last_index } = await c.settle(leader.addPeer(extra));
    expect(last_index).toBeGreaterThan(0);
    await c.until(() => fresh.caughtUp && fresh.lastIndex() >= last_index, 5_000, 'new member caught up');
    expect(await fresh.getInstances('web')).toHaveLength(1);
    expect(leader.peers()).toHaveLength(4);
    await c.settle(leader.addPeer(extra)); // already a voter: no-op
    await c.settle(leader.removePeer(extra));
    await c.settle(leader.removePeer(extra)); // unknown: no-op
    expect(leader.peers()).toHaveLength(3);
    expect(leader.peers()).not.toContain(extra);
  });

  it('shutdown of the leader hands leadership over, ends subscriptions and returns the commit index', async () => {
    const { c, leader } = await ready();
    await c.settle(leader.register('web', instance('10.1.0.1:80')));
    const sub = collect(leader, 'web');
    const applied = leader.lastIndex();
    const { last_index } = await c.settle(leader.shutdown());
    expect(last_index).toBeGreaterThanOrEqual(applied);
    expect(sub.ended).toHaveLength(1);
    expect(leader.isMember()).toBe(false);
    await expect(leader.getInstances('web')).rejects.toMatchObject({ apiCode: 'service_unavailable' });
    await expect(leader.register('web', instance('10.1.0.1:80'))).rejects.toMatchObject({ code: 'FLYNN_DISCOVERY_SHUTDOWN' });
    c.stores.delete(leader.selfAddress());
    // Handed over: a peer leads without waiting for an election timeout.
    const others = [...c.stores.values()];
    expect(others.filter((s) => s.isLeader())).toHaveLength(1);
    expect(await c.settle(leader.shutdown())).toEqual({ last_index });
  });

  it('a follower isolated long enough knows no leader: writes get 503 "no known leader"', async () => {
    const { c } = await ready();
    const f = c.followers()[0]!;
    c.network.isolate(f.selfAddress());
    await c.until(() => f.leaderAddress() === undefined, 5_000, 'leader forgotten');
    await expect(f.addService('x', { leader_type: 'oldest' })).rejects.toMatchObject({
      apiCode: 'service_unavailable',
      message: 'discoverd: no known leader',
      retry: true,
    });
    // Local reads still answer (stale is allowed once caught up).
    expect(await f.getInstances('web')).toEqual([]);
  });
});
