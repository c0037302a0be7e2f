/**
 * DiscoveryNode roles (member, proxy, stopped) on a deterministic in-memory
 * cluster; promote/demote reach the leader through a fake MembershipClient
 * that calls the leading node's addPeer/removePeer directly. The HTTP
 * version runs in test/store-node.int.test.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Random } from '@flynn-ts/core';
import { ManualClock, seededRandom } from '@flynn-ts/core/testing';
import { NotLeaderError } from '@flynn-ts/raft';
import { MemoryNetwork, MemoryStorage } from '@flynn-ts/raft/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { ALL_KINDS } from '../core/types.js';
import type { NodeRole } from './discovery-node.js';
import { DiscoveryNode } from './discovery-node.js';
import type { MembershipClient } from './discovery-node-membership.js';
import { failure, instance, TICK } from './store.test-helpers.js';

const IDS = ['10.0.0.1:1111', '10.0.0.2:1111', '10.0.0.3:1111'];
const EXTRA = '10.0.0.4:1111';

class NodeCluster {
  readonly clock = new ManualClock(0);
  readonly random: Random = seededRandom(3);
  readonly network = new MemoryNetwork({ clock: this.clock, random: this.random });
  readonly nodes = new Map<string, DiscoveryNode>();
  failJoin = false;

  readonly membership: MembershipClient = {
    join: async (self) => {
      if (this.failJoin) throw new Error('leader unreachable');
      return (await this.leaderNode()).addPeer(self);
    },
    leave: async (self) => (await this.leaderNode()).removePeer(self),
  };

  async start(id: string, peers: readonly string[] = IDS): Promise<DiscoveryNode> {
    const node = await DiscoveryNode.start({
      advertise: id,
      peers,
      clock: this.clock,
      random: this.random,
      storage: async () => new MemoryStorage(),
      transport: (nid) => this.network.transport(nid),
      membership: this.membership,
      tickMs: TICK,
      electionTicks: 10,
      ttlMs: 1_000,
      promoteTimeoutMs: 5_000,
      store: { expiryIntervalMs: 100, timeoutMs: 5_000, catchUpTimeoutMs: 1_000, catchUpRetryMs: 100, transferTimeoutMs: 1_000 },
    });
    this.nodes.set(id, node);
    return node;
  }

  leader(): DiscoveryNode | undefined {
    return [...this.nodes.values()].find((n) => n.store()?.isLeader());
  }

  /** The leader, waiting (in manual time) while an election runs. */
  async leaderNode(): Promise<DiscoveryNode> {
    for (;;) {
      const l = this.leader();
      if (l) return l;
      await this.clock.sleep(TICK);
    }
  }

  async settle<T>(p: Promise<T>, maxMs = 10_000): Promise<T> {
    let done = false;
    const watched = p.finally(() => (done = true));
    watched.catch(() => {});
    for (let t = 0; t < maxMs && !done; t += TICK) await this.clock.advanceAsync(TICK);
    if (!done) throw new Error('did not settle');
    return watched;
  }

  async until(cond: () => boolean, maxMs = 10_000): Promise<void> {
    for (let t = 0; t < maxMs && !cond(); t += TICK) await this.clock.advanceAsync(TICK);
    if (!cond()) throw new Error('condition not reached');
  }

  /** Three founding members with one service and instance, plus a proxy. */
  async withProxy(): Promise<{ leader: DiscoveryNode; proxy: DiscoveryNode }> {
    for (const id of IDS) await this.start(id);
    await this.until(() => this.leader() !== undefined && IDS.every((id) => this.nodes.get(id)!.store()!.caughtUp));
    const leader = this.leader()!;
    await this.settle(leader.addService('web', { leader_type: 'oldest' }));
    await this.settle(leader.register('web', instance('10.1.0.1:80')));
    return { leader, proxy: await this.start(EXTRA) };
  }

  async stopAll(): Promise<void> {
    for (const n of this.nodes.values()) await this.settle(n.shutdown());
  }
}

let cluster: NodeCluster | undefined;
afterEach(async () => {
  await cluster?.stopAll();
  cluster = undefined;
});

function fakeHttp(url: string): { req: IncomingMessage; res: ServerResponse & { ended: boolean } } {
  const res = { statusCode: 200, ended: false, end() { this.ended = true; } };
  return { req: { url } as IncomingMessage, res: res as unknown as ServerResponse & { ended: boolean } };
}

describe('DiscoveryNode roles', () => {
  it('starts founders as members and others as proxies that point at the peers', async () => {
    const c = (cluster = new NodeCluster());
    const { leader, proxy } = await c.withProxy();
    expect(leader.role).toBe('member');
    expect(leader.backend()).toBe(leader);
    expect(proxy.role).toBe('proxy');
    expect(proxy.isMember()).toBe(false);
    expect(proxy.store()).toBeUndefined();
    expect(proxy.peers()).toEqual(IDS);
    expect(proxy.lastIndex()).toBe(0);
    expect(proxy.leaderAddress()).toBeUndefined();
    expect(proxy.selfAddress()).toBe(EXTRA);
    const err = await failure(proxy.getInstances('web'));
    expect(err).toBeInstanceOf(NotLeaderError);
    expect(IDS).toContain((err as NotLeaderError).leader);
    expect(() => proxy.subscribe('web', ALL_KINDS, () => {})).toThrow(NotLeaderError);
  });

  it('raftHandler serves only its prefix, and answers 503 without an HTTP transport', async () => {
    const c = (cluster = new NodeCluster());
    const { leader, proxy } = await c.withProxy();
    for (const n of [leader, proxy]) {
      const other = fakeHttp('/services/web');
      expect(n.raftHandler(other.req, other.res)).toBe(false);
      expect(other.res.ended).toBe(false);
      const raft = fakeHttp('/raft/v1/msgs');
      expect(n.raftHandler(raft.req, raft.res)).toBe(true);
      expect([raft.res.statusCode, raft.res.ended]).toEqual([503, true]);
    }
    expect(leader.raftHandler(fakeHttp('/raft/leader').req, fakeHttp('/raft/leader').res)).toBe(false);
  });

  it('promote: the proxy joins, catches up and serves the state; demote: it leaves and redirects again', async () => {
    const c = (cluster = new NodeCluster());
    const { leader, proxy } = await c.withProxy();
    const roles: NodeRole[] = [];
    proxy.onRoleChange((r) => roles.push(r));
    await c.settle(proxy.promote());
    expect(roles).toEqual(['member']);
    expect(proxy.store()!.caughtUp).toBe(true);
    expect((await proxy.getInstances('web'))!.map((i) => i.addr)).toEqual(['10.1.0.1:80']);
    expect([...c.leader()!.peers()].sort()).toEqual([...IDS, EXTRA].sort());
    await c.settle(proxy.promote()); // already a member: no-op
    await c.settle(leader.register('web', instance('10.1.0.2:80')));
    await c.until(() => proxy.store()!.state.services.get('web')!.instances.size === 2);

    await c.settle(proxy.demote());
    expect(roles).toEqual(['member', 'proxy']);
    expect(proxy.isMember()).toBe(false);
    expect([...proxy.peers()].sort()).toEqual(IDS);
    expect([...c.leader()!.peers()].sort()).toEqual(IDS);
    expect(await failure(proxy.getLeader('web'))).toBeInstanceOf(NotLeaderError);
    await c.settle(proxy.demote()); // already a proxy: no-op

    // And back again, from a fresh storage.
    await c.settle(proxy.promote());
    expect(await proxy.getInstances('web')).toHaveLength(2);
  });

  it('demoting the leader hands leadership over first; the cluster keeps working', async () => {
    const c = (cluster = new NodeCluster());
    const { leader, proxy } = await c.withProxy();
    await c.settle(proxy.promote());
    await c.settle(leader.demote());
    expect(leader.role).toBe('proxy');
    const next = c.leader()!;
    expect(next).not.toBe(leader);
    expect(next.peers()).toHaveLength(3);
    await c.settle(next.register('web', instance('10.1.0.3:80')));
    expect(await next.getInstances('web')).toHaveLength(2);
  });

  it('a failed promote leaves a proxy that can promote later', async () => {
    const c = (cluster = new NodeCluster());
    const { proxy } = await c.withProxy();
    c.failJoin = true;
    await expect(c.settle(proxy.promote())).rejects.toThrow('leader unreachable');
    expect(proxy.role).toBe('proxy');
    c.failJoin = false;
    await c.settle(proxy.promote());
    expect(proxy.role).toBe('member');
  });

  it('refuses to demote the only member, and to promote without peers', async () => {
    const c = (cluster = new NodeCluster());
    const solo = await c.start('10.0.0.9:1111', ['10.0.0.9:1111']);
    await c.until(() => solo.store()!.caughtUp);
    expect((await failure(c.settle(solo.demote()))).apiCode).toBe('validation_error');
    const lonely = await c.start('10.0.0.8:1111', []);
    expect((await failure(lonely.promote())).apiCode).toBe('service_unavailable');
  });

  it('shutdown runs the hooks first, stops the store and reports the last index; later calls say shutting down', async () => {
    const c = (cluster = new NodeCluster());
    const { leader } = await c.withProxy();
    const self = instance('10.0.0.1:1111');
    await c.settle(leader.addService('discoverd', { leader_type: 'oldest' }));
    await c.settle(leader.register('discoverd', self));
    leader.onShutdown(() => leader.deregister('discoverd', self.id));
    const roles: NodeRole[] = [];
    leader.onRoleChange((r) => roles.push(r));
    const { last_index } = await c.settle(leader.shutdown());
    expect(last_index).toBeGreaterThan(0);
    expect(roles).toEqual(['stopped']);
    expect(leader.lastIndex()).toBe(last_index);
    expect((await failure(leader.getInstances('web'))).code).toBe('FLYNN_DISCOVERY_SHUTDOWN');
    expect(await c.settle(leader.shutdown())).toEqual({ last_index });
    await c.until(() => c.leader() !== undefined);
    expect(await c.leader()!.getInstances('discoverd')).toEqual([]);
  });
});
