/**
 * Driver tests for `RaftNode`: fully deterministic (ManualClock, MemoryNetwork,
 * MemoryStorage, seededRandom). Time moves only through `clock.advanceAsync`,
 * which also lets the driver's promise callbacks run between timers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { channels, FlynnError, subscribe } from '@flynn-ts/core';
import { NotLeaderError, ProposalDroppedError } from './core/errors.js';
import type { NodeId } from './core/types.js';
import { Cluster } from './node.test-helpers.js';
import type { NodeOverrides } from './node.test-helpers.js';
import { RaftShutdownError, RaftTimeoutError } from './node-errors.js';
import { encodeKvCommand } from './testing/kv-state-machine.js';
import type { KvCommand } from './testing/kv-state-machine.js';
import { MemoryStorage } from './testing/memory-storage.js';

const put = (key: string, value: string): Uint8Array => encodeKvCommand({ op: 'put', key, value });
const cmd = (c: KvCommand): Uint8Array => encodeKvCommand(c);

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.stopAll();
  cluster = undefined;
});

function newCluster(n: number, seed = 1, defaults: NodeOverrides = {}): Cluster {
  cluster = new Cluster(Array.from({ length: n }, (_, i) => `n${i + 1}`), seed, defaults);
  return cluster;
}

describe('RaftNode: elections and proposals', () => {
  it('bootstraps three nodes and elects exactly one leader that everyone follows', async () => {
    const c = newCluster(3);
    await c.startAll();
    const leader = await c.waitLeader();
    await c.clock.advanceAsync(500);
    expect(c.leaders()).toEqual([leader]);
    const statuses = c.ids.map((id) => c.m(id).node.status());
    expect(new Set(statuses.map((s) => s.leader))).toEqual(new Set([leader.id]));
    expect(new Set(statuses.map((s) => s.term)).size).toBe(1);
    expect(statuses.every((s) => s.conf.voters.join() === 'n1,n2,n3')).toBe(true);
  });

  it('propose resolves with the state machine result on the leader and on a follower (forwarded)', async () => {
    const c = newCluster(3);
    await c.startAll();
    const leader = await c.waitLeader();
    const follower = c.followers()[0]!;
    const a = await c.settle(leader.node.propose(put('a', '1')));
    expect(a).toEqual({ op: 'put', revision: expect.any(Number) as number });
    const b = await c.settle(follower.node.propose(put('b', '2')));
    expect(b.op).toBe('put');
    expect((b as { revision: number }).revision).toBeGreaterThan((a as { revision: number }).revision);
    const cas = await c.settle(follower.node.propose(cmd({ op: 'cas', key: 'a', expect: (a as { revision: number }).revision, value: '3' })));
    expect(cas).toMatchObject({ op: 'cas', ok: true });
    await c.clock.advanceAsync(200);
    for (const m of c.members.values()) expect([m.sm.get('a')?.value, m.sm.get('b')?.value]).toEqual(['3', '2']);
  });

  it('read() is a linearizable barrier: a write acknowledged before the call is visible after it resolves', async () => {
    const c = newCluster(3);
    await c.startAll();
    const leader = await c.waitLeader();
    const follower = c.followers()[0]!;
    // Slow the leader -> follower link so the follower lags when the write is acknowledged.
    c.network.delay(40, 40, { from: leader.id, to: follower.id });
    await c.settle(leader.node.propose(put('x', 'fresh')));
    expect(follower.sm.get('x')).toBeUndefined(); // a plain local read would be stale here
    const index = await c.settle(follower.node.read());
    expect(follower.sm.get('x')?.value).toBe('fresh');
    expect(index).toBeGreaterThanOrEqual(leader.node.status().commit - 1);
    // On the leader, too.
    await c.settle(leader.node.read());
    expect(leader.sm.get('x')?.value).toBe('fresh');
  });

  it('rejects with NotLeaderError (with the leader as hint) on a follower when forwarding is off', async () => {
    const c = newCluster(3, 2, { forwardProposals: false });
    await c.startAll();
    const leader = await c.waitLeader();
    const follower = c.followers()[0]!;
    const err = await c.settle(follower.node.propose(put('a', '1'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotLeaderError);
    expect((err as NotLeaderError).leader).toBe(leader.id);
    expect((err as NotLeaderError).code).toBe('FLYNN_RAFT_NOT_LEADER');
    await expect(c.settle(leader.node.propose(put('a', '1')))).resolves.toMatchObject({ op: 'put' });
  });

  it('rejects with ProposalDroppedError on a node that knows no leader (isolated)', async () => {
    const c = newCluster(3, 3);
    await c.startAll();
    const leader = await c.waitLeader();
    const lonely = c.followers()[0]!;
    c.network.isolate(lonely.id);
    await c.clock.advanceAsync(1_000);
    expect(lonely.node.status().leader).toBe('');
    const err = await c.settle(lonely.node.propose(put('a', '1'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProposalDroppedError);
    expect((err as ProposalDroppedError).reason).toBe('no-leader');
    const readErr = await c.settle(lonely.node.read()).catch((e: unknown) => e);
    expect(FlynnError.is(readErr) && readErr.code).toBe('FLYNN_RAFT_READ_INDEX_DROPPED');
    expect(leader.node.isLeader).toBe(true); // pre-vote: the isolated node did not disturb it
  });

  it('rejects with RaftTimeoutError when the leader has no quorum', async () => {
    const c = newCluster(3, 4);
    await c.startAll();
    const leader = await c.waitLeader();
    c.network.partition([leader.id]);
    const err = await c.settle(leader.node.propose(put('a', '1'), { timeoutMs: 300 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RaftTimeoutError);
    expect((err as RaftTimeoutError).code).toBe('FLYNN_RAFT_TIMEOUT');
  });

  it('rejects pending and later calls with RaftShutdownError after stop()', async () => {
    const c = newCluster(3, 5);
    await c.startAll();
    const leader = await c.waitLeader();
    c.network.partition([leader.id]);
    const pending = leader.node.propose(put('a', '1'));
    const read = leader.node.read();
    await c.clock.advanceAsync(20);
    await leader.node.stop();
    await expect(pending).rejects.toBeInstanceOf(RaftShutdownError);
    await expect(read).rejects.toBeInstanceOf(RaftShutdownError);
    await expect(leader.node.propose(put('b', '2'))).rejects.toBeInstanceOf(RaftShutdownError);
    await expect(leader.node.read()).rejects.toBeInstanceOf(RaftShutdownError);
    await expect(leader.node.transferLeadership('n1')).rejects.toBeInstanceOf(RaftShutdownError);
  });

  it('transfers leadership to a chosen voter', async () => {
    const c = newCluster(3, 6);
    await c.startAll();
    const leader = await c.waitLeader();
    await c.settle(leader.node.propose(put('a', '1')));
    const target = c.followers()[1]!;
    const before = leader.node.status().term;
    await c.settle(leader.node.transferLeadership(target.id, { timeoutMs: 2_000 }));
    await c.clock.advanceAsync(100);
    expect(c.leaders().map((m) => m.id)).toEqual([target.id]);
    expect(target.node.status().term).toBe(before + 1);
    await expect(c.settle(leader.node.propose(put('b', '2')))).resolves.toMatchObject({ op: 'put' });
  });
});

describe('RaftNode: durability, snapshots and membership', () => {
  it('recovers the applied state after every node loses power, and keeps going', async () => {
    const c = newCluster(3, 7);
    await c.startAll();
    const leader = await c.waitLeader();
    for (let i = 0; i < 10; i++) await c.settle(leader.node.propose(put(`k${i % 3}`, `v${i}`)));
    const expected = leader.sm.keys().map((k) => [k, leader.sm.get(k)]);
    const storages = new Map<NodeId, MemoryStorage>();
    for (const id of c.ids) storages.set(id, await c.crash(id));
    for (const id of c.ids) await c.start(id, {}, storages.get(id)!);
    const again = await c.waitLeader();
    await c.settle(again.node.propose(put('after', 'restart')));
    await c.clock.advanceAsync(200);
    for (const m of c.members.values()) {
      expect(m.sm.keys().filter((k) => k !== 'after').map((k) => [k, m.sm.get(k)])).toEqual(expected);
      expect(m.sm.get('after')?.value).toBe('restart');
    }
  });

  it('a restarted node never settles a new proposal with an entry proposed by its previous incarnation', async () => {
    const c = newCluster(3, 13);
    await c.startAll();
    const leader = await c.leaderOtherThan('n3');
    // n3's forwarded proposal reaches the leader, but n3 never hears of the entry.
    c.network.drop(1, { from: leader.id, to: 'n3' });
    const old = c.m('n3').node.propose(put('a', 'old'));
    old.catch(() => {});
    await c.clock.advanceAsync(50);
    const oldIndex = leader.node.status().lastIndex;
    expect(leader.sm.get('a')).toEqual({ value: 'old', mod: oldIndex });
    const storage = await c.crash('n3');
    c.network.heal();
    c.network.delay(10, 10);
    const n3 = await c.start('n3', {}, storage);
    while (n3.node.status().leader === '') await c.clock.advanceAsync(1);
    expect(n3.node.status().lastIndex).toBeLessThan(oldIndex); // it has not seen the old entry yet
    const res = await c.settle(n3.node.propose(put('a', 'new')));
    await c.clock.advanceAsync(100);
    expect(n3.sm.get('a')?.value).toBe('new');
    expect(res).toEqual({ op: 'put', revision: n3.sm.get('a')!.mod });
  });

  it('a restarted follower replays its log into a fresh state machine', async () => {
    const c = newCluster(3, 8, { snapshotEvery: 4, snapshotTrailing: 1 });
    await c.startAll();
    const leader = await c.waitLeader();
    const f = c.followers()[0]!;
    for (let i = 0; i < 11; i++) await c.settle(leader.node.propose(put('k', `v${i}`)));
    await c.clock.advanceAsync(100);
    const storage = await c.crash(f.id);
    const loaded = await storage.load();
    expect(loaded.snapshot?.meta.index).toBeGreaterThan(0); // restart goes through snapshot + log tail
    const back = await c.start(f.id, {}, storage);
    await c.clock.advanceAsync(300);
    expect(back.sm.get('k')?.value).toBe('v10');
    expect(back.node.status().applied).toBe(leader.node.status().applied);
  });

  it('takes snapshots and brings a lagging follower back with InstallSnapshot', async () => {
    const c = newCluster(3, 9, { snapshotEvery: 5, snapshotTrailing: 2 });
    await c.startAll();
    const leader = await c.waitLeader();
    const lagging = c.followers()[0]!;
    const restored: Array<{ id: string; index: number }> = [];
    const off = subscribe(channels.raftSnapshot, (m) => {
      const e = m as { id: string; index: number; restored: boolean };
      if (e.restored) restored.push({ id: e.id, index: e.index });
    });
    try {
      c.network.isolate(lagging.id);
      for (let i = 0; i < 30; i++) await c.settle(leader.node.propose(put(`k${i % 4}`, `v${i}`)));
      expect(leader.node.status().applied - lagging.node.status().applied).toBeGreaterThan(20);
      c.network.heal();
      await c.clock.advanceAsync(1_000);
      expect(restored.filter((r) => r.id === lagging.id).length).toBeGreaterThan(0);
      expect(lagging.node.status().applied).toBe(leader.node.status().applied);
      expect(lagging.sm.keys().map((k) => lagging.sm.get(k))).toEqual(leader.sm.keys().map((k) => leader.sm.get(k)));
      expect(lagging.node.isLeader).toBe(false);
      expect(leader.node.isLeader).toBe(true);
    } finally {
      off();
    }
  });

  it('a restarted leader sends the snapshot it recovered to a follower that needs one', async () => {
    const c = newCluster(3, 14, { snapshotEvery: 5, snapshotTrailing: 0 });
    await c.startAll();
    const leader = await c.waitLeader();
    const lagging = c.followers()[0]!;
    c.network.isolate(lagging.id);
    for (let i = 0; i < 12; i++) await c.settle(leader.node.propose(put('k', `v${i}`)));
    await c.clock.advanceAsync(100);
    // Restart the two up-to-date nodes: their logs are compacted, and the only snapshot is the one on disk.
    const others = c.ids.filter((id) => id !== lagging.id);
    const storages = new Map<NodeId, MemoryStorage>();
    for (const id of others) storages.set(id, await c.crash(id));
    for (const id of others) expect((await storages.get(id)!.load()).snapshot).toBeDefined();
    for (const id of others) await c.start(id, {}, storages.get(id)!);
    await c.clock.advanceAsync(1_000);
    c.network.heal();
    await c.clock.advanceAsync(1_000);
    expect(lagging.sm.get('k')?.value).toBe('v11');
    await expect(c.settle((await c.waitLeader()).node.propose(put('k', 'after')))).resolves.toMatchObject({ op: 'put' });
  });

  it('adds a learner (caught up by snapshot), promotes it to voter, then removes a node', async () => {
    const c = newCluster(3, 10, { snapshotEvery: 5, snapshotTrailing: 0 });
    await c.startAll();
    const leader = await c.waitLeader();
    for (let i = 0; i < 12; i++) await c.settle(leader.node.propose(put('k', `v${i}`)));
    const n4 = await c.start('n4'); // no bootstrap: joins an existing cluster
    const afterLearner = await c.settle(leader.node.addLearner('n4'));
    expect(afterLearner).toEqual({ voters: ['n1', 'n2', 'n3'], learners: ['n4'] });
    await c.clock.advanceAsync(500);
    expect(n4.sm.get('k')?.value).toBe('v11');
    expect(n4.node.status().conf.learners).toEqual(['n4']);
    const afterPromote = await c.settle(leader.node.addVoter('n4'));
    expect(afterPromote).toEqual({ voters: ['n1', 'n2', 'n3', 'n4'], learners: [] });
    const victim = c.followers().find((m) => m.id !== 'n4')!;
    const afterRemove = await c.settle(leader.node.removeNode(victim.id));
    expect(afterRemove.voters).not.toContain(victim.id);
    expect(afterRemove.voters).toHaveLength(3);
    await c.clock.advanceAsync(200);
    // The three remaining voters carry on without the removed node.
    await c.crash(victim.id);
    await expect(c.settle(leader.node.propose(put('k', 'last')))).resolves.toMatchObject({ op: 'put' });
    await c.clock.advanceAsync(200);
    expect(n4.sm.get('k')?.value).toBe('last');
    expect(n4.node.status().conf.voters).toEqual(afterRemove.voters);
  });

  it('rejects membership changes on a follower with NotLeaderError', async () => {
    const c = newCluster(3, 11);
    await c.startAll();
    const leader = await c.waitLeader();
    const err = await c.followers()[0]!.node.addLearner('n9').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotLeaderError);
    expect((err as NotLeaderError).leader).toBe(leader.id);
  });

  it('fails stop when storage.save throws: pending proposals reject with RaftShutdownError and node.error is set', async () => {
    const c = newCluster(3, 12);
    const broken = new FlakyStorage();
    await c.startAll((id) => (id === 'n3' ? broken : new MemoryStorage()));
    const leader = await c.leaderOtherThan('n3');
    const m = c.m('n3');
    await c.settle(m.node.propose(put('a', '0')));
    expect(m.node.error).toBeUndefined();
    c.network.isolate(leader.id); // n3's forwarded proposal is lost: it stays pending
    const outcome = m.node.propose(put('a', '1')).catch((e: unknown) => e);
    await c.clock.advanceAsync(50);
    c.network.heal();
    broken.failing = true;
    // The next entry n3 has to persist makes its save throw.
    const other = leader.node.propose(put('b', '1'));
    await c.clock.advanceAsync(200);
    const err = await outcome;
    expect(err).toBeInstanceOf(RaftShutdownError);
    expect(m.node.error).toBeInstanceOf(Error);
    expect(String((m.node.error as Error).message)).toContain('disk on fire');
    expect((err as RaftShutdownError).cause).toBe(m.node.error);
    await expect(m.node.propose(put('b', '2'))).rejects.toBeInstanceOf(RaftShutdownError);
    // The other two carry on.
    await expect(c.settle(other)).resolves.toMatchObject({ op: 'put' });
  });
});

/** A MemoryStorage whose `save` throws once `failing` is set. */
class FlakyStorage extends MemoryStorage {
  failing = false;

  override async save(batch: Parameters<MemoryStorage['save']>[0], sync: boolean): Promise<void> {
    if (this.failing) throw new Error('disk on fire');
    return super.save(batch, sync);
  }
}
