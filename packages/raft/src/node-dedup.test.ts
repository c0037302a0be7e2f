/**
 * Exactly-once application of forwarded proposals: a network that duplicates
 * 'prop' messages makes the leader append a proposal more than once, and the
 * driver must apply it once, on every node, across leader changes, snapshots
 * and restarts. The state machine is a counter, which is not idempotent: any
 * second application shows.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { channels, subscribe } from '@flynn-ts/core';
import type { Message, NodeId } from './core/types.js';
import { Cluster } from './node.test-helpers.js';
import type { NodeOverrides } from './node.test-helpers.js';
import type { StateMachine } from './state-machine.js';

class Counter implements StateMachine<number> {
  value = 0;
  /** Calls of apply(): one per proposal, whatever the log holds. */
  applies = 0;

  apply(command: Uint8Array): number {
    this.applies++;
    this.value += command[0]!;
    return this.value;
  }

  snapshot(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify({ value: this.value }));
  }

  restore(data: Uint8Array): void {
    this.value = (JSON.parse(new TextDecoder().decode(data)) as { value: number }).value;
  }
}

const one = Uint8Array.of(1);
let cluster: Cluster<number, Counter> | undefined;
afterEach(async () => {
  await cluster?.stopAll();
  cluster = undefined;
});

function newCluster(seed: number, defaults: NodeOverrides<number> = {}): Cluster<number, Counter> {
  cluster = new Cluster<number, Counter>(['n1', 'n2', 'n3'], seed, defaults, () => new Counter());
  return cluster;
}

describe('RaftNode: forwarded proposals duplicated by the network', () => {
  it('applies each proposal once on every node although the leader appends every copy', async () => {
    const c = newCluster(21);
    await c.startAll();
    const leader = await c.waitLeader();
    const follower = c.followers()[0]!;
    const before = leader.node.status().lastIndex;
    c.network.duplicate(1, { from: follower.id, to: leader.id });
    const results: number[] = [];
    for (let i = 0; i < 20; i++) results.push(await c.settle(follower.node.propose(one)));
    await c.clock.advanceAsync(200);
    expect(c.network.stats().duplicated).toBeGreaterThan(0);
    // Both copies of every proposal were appended...
    expect(leader.node.status().lastIndex - before).toBeGreaterThanOrEqual(40);
    // ...and each was applied once, in order, everywhere.
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    for (const m of c.members.values()) expect([m.id, m.sm.value, m.sm.applies]).toEqual([m.id, 20, 20]);
  });

  it('a late copy reaching a new leader that learned the past from a snapshot is not applied, before or after a restart', async () => {
    const c = newCluster(22, { snapshotEvery: 5, snapshotTrailing: 0 });
    await c.startAll();
    const leader = await c.waitLeader();
    const [origin, lagging] = c.followers() as [(typeof leader), (typeof leader)];
    // Keep a copy of every proposal the leader receives, to deliver it again later.
    const copies: Message[] = [];
    const receive = leader.transport.receive.bind(leader.transport);
    leader.transport.receive = (msg: Message) => {
      if (msg.type === 'prop') copies.push(structuredClone(msg));
      receive(msg);
    };
    const restored: NodeId[] = [];
    const off = subscribe(channels.raftSnapshot, (m) => {
      const e = m as { id: string; restored: boolean };
      if (e.restored) restored.push(e.id);
    });
    try {
      c.network.isolate(lagging.id);
      for (let i = 0; i < 12; i++) await c.settle(origin.node.propose(one));
      c.network.heal();
      await c.clock.advanceAsync(1_000);
      expect(restored).toContain(lagging.id); // it knows the first proposals only through a snapshot
    } finally {
      off();
    }
    expect(copies).toHaveLength(12);
    await c.settle(leader.node.transferLeadership(lagging.id, { timeoutMs: 2_000 }));
    const lastBefore = lagging.node.status().lastIndex;
    for (const msg of copies) lagging.transport.receive({ ...msg, to: lagging.id });
    await c.clock.advanceAsync(500);
    expect(lagging.node.status().lastIndex - lastBefore).toBeGreaterThanOrEqual(12); // appended again
    for (const m of c.members.values()) expect([m.id, m.sm.value]).toEqual([m.id, 12]);
    // A restart replays snapshot + log and makes the same decisions.
    const storage = await c.crash(lagging.id);
    const back = await c.start(lagging.id, {}, storage);
    await c.clock.advanceAsync(1_000);
    expect(back.sm.value).toBe(12);
    const next = await c.settle((await c.waitLeader()).node.propose(one));
    expect(next).toBe(13);
  });
});
