/**
 * The deterministic cluster the driver tests run on: ManualClock,
 * MemoryNetwork, MemoryStorage and one seeded Random.
 */
import type { Random } from '@flynn-ts/core';
import { ManualClock, seededRandom } from '@flynn-ts/core/testing';
import type { NodeId } from './core/types.js';
import { RaftNode } from './node.js';
import type { RaftNodeOptions } from './node.js';
import type { StateMachine } from './state-machine.js';
import { KvStateMachine } from './testing/kv-state-machine.js';
import type { KvResult } from './testing/kv-state-machine.js';
import { MemoryNetwork } from './testing/memory-network.js';
import type { MemoryTransport } from './testing/memory-network.js';
import { MemoryStorage } from './testing/memory-storage.js';

export type NodeOverrides<R = KvResult> = Partial<Omit<RaftNodeOptions<R>, 'id' | 'transport' | 'stateMachine' | 'clock' | 'random'>>;

export interface Member<R = KvResult, S extends StateMachine<R> = KvStateMachine & StateMachine<R>> {
  id: NodeId;
  node: RaftNode<R>;
  sm: S;
  storage: MemoryStorage;
  transport: MemoryTransport;
}

/** A small cluster on one ManualClock, one MemoryNetwork and one seeded Random. */
export class Cluster<R = KvResult, S extends StateMachine<R> = KvStateMachine & StateMachine<R>> {
  readonly clock = new ManualClock(0);
  readonly random: Random;
  readonly network: MemoryNetwork;
  readonly members = new Map<NodeId, Member<R, S>>();

  constructor(
    readonly ids: readonly NodeId[],
    seed = 1,
    readonly defaults: NodeOverrides<R> = {},
    readonly createStateMachine: () => S = () => new KvStateMachine() as unknown as S,
  ) {
    this.random = seededRandom(seed);
    this.network = new MemoryNetwork({ clock: this.clock, random: this.random });
  }

  async startAll(storageFor: (id: NodeId) => MemoryStorage = () => new MemoryStorage()): Promise<void> {
    for (const id of this.ids) await this.start(id, { bootstrap: this.ids }, storageFor(id));
  }

  /** Starts (or restarts) `id` on `storage` (default: a fresh MemoryStorage). */
  async start(id: NodeId, overrides: NodeOverrides<R> = {}, storage = new MemoryStorage()): Promise<Member<R, S>> {
    const sm = this.createStateMachine();
    const transport = this.network.transport(id);
    const node = await RaftNode.start<R>({
      id,
      storage,
      transport,
      stateMachine: sm,
      clock: this.clock,
      random: this.random,
      tickMs: 10,
      electionTicks: 10,
      timeoutMs: 5_000,
      ...this.defaults,
      ...overrides,
    });
    const member: Member<R, S> = { id, node, sm, storage, transport };
    this.members.set(id, member);
    return member;
  }

  m(id: NodeId): Member<R, S> {
    const m = this.members.get(id);
    if (!m) throw new Error(`no member ${id}`);
    return m;
  }

  leaders(): Array<Member<R, S>> {
    return [...this.members.values()].filter((m) => m.node.isLeader);
  }

  async waitLeader(maxMs = 5_000): Promise<Member<R, S>> {
    for (let t = 0; t < maxMs; t += 10) {
      const ls = this.leaders();
      if (ls.length === 1) return ls[0]!;
      await this.clock.advanceAsync(10);
    }
    throw new Error(`no single leader after ${maxMs} ms: ${JSON.stringify([...this.members.values()].map((m) => m.node.status()))}`);
  }

  /** Waits for a leader; if it is `id`, hands leadership to another voter. */
  async leaderOtherThan(id: NodeId): Promise<Member<R, S>> {
    const leader = await this.waitLeader();
    if (leader.id !== id) return leader;
    const to = this.ids.find((x) => x !== id)!;
    await this.settle(leader.node.transferLeadership(to));
    return this.m(to);
  }

  followers(): Array<Member<R, S>> {
    return [...this.members.values()].filter((m) => !m.node.isLeader);
  }

  /** Advances time until `p` settles; fails if it does not within `maxMs`. */
  async settle<T>(p: Promise<T>, maxMs = 10_000): Promise<T> {
    let done = false;
    const watched = p.finally(() => (done = true));
    watched.catch(() => {});
    for (let t = 0; t < maxMs && !done; t += 10) await this.clock.advanceAsync(10);
    if (!done) throw new Error(`promise did not settle within ${maxMs} ms of manual time`);
    return watched;
  }

  /** Kills `id` like a power cut: the old node is stopped and its storage keeps only what was synced. */
  async crash(id: NodeId): Promise<MemoryStorage> {
    const m = this.m(id);
    const next = m.storage.crash('power-loss');
    await m.transport.close();
    await m.node.stop();
    this.members.delete(id);
    return next;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.members.values()].map((m) => m.node.stop()));
  }
}

