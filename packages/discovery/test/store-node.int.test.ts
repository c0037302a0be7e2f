/**
 * DiscoveryNode with its real adapters on loopback: FileStorage in temp dirs,
 * HttpTransport mounted through `raftHandler` on each node's own node:http
 * server, and the default HTTP membership client. The discoverd API is
 * another module; here each server carries just the two routes promote and
 * demote need (`PUT`/`DELETE /raft/peers/:peer`, 307 to the leader).
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlynnError } from '@flynn-ts/core';
import { waitFor } from '@flynn-ts/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscoveryNode } from '../src/server/discovery-node.js';
import { instanceId as expectedInstanceId } from '../src/core/instance-id.js';

const nodes = new Map<string, DiscoveryNode>();
const servers: Server[] = [];
let base = '';
let addrs: string[] = [];

/** The two membership routes, with the original's redirect-to-leader on followers. */
async function miniApi(node: DiscoveryNode | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const m = /^\/raft\/peers\/([^/?]+)$/.exec(req.url ?? '');
  if (!node || !m || (req.method !== 'PUT' && req.method !== 'DELETE')) {
    res.writeHead(node ? 404 : 503).end();
    return;
  }
  req.resume();
  try {
    const peer = decodeURIComponent(m[1]!);
    let body = '';
    if (req.method === 'PUT') body = JSON.stringify(await node.addPeer(peer));
    else await node.removePeer(peer);
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  } catch (err) {
    const leader = FlynnError.is(err) && err.code === 'FLYNN_RAFT_NOT_LEADER' ? (err.detail as { leader?: string }).leader : undefined;
    if (leader) {
      res.writeHead(307, { location: `http://${leader}${req.url}` }).end();
    } else {
      const status = FlynnError.is(err) ? err.status : 500;
      const body = FlynnError.is(err) ? err.toJSON() : { code: 'unknown_error', message: String(err), retry: false };
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    }
  }
}

async function listen(): Promise<string> {
  const server = createServer((req, res) => {
    const addr = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const node = nodes.get(addr);
    if (node?.raftHandler(req, res)) return;
    void miniApi(node, req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function start(addr: string, peers: string[]): Promise<DiscoveryNode> {
  return DiscoveryNode.start({ advertise: addr, peers, dataDir: join(base, addr.replace(':', '_')), tickMs: 50, electionTicks: 10 }).then((n) => {
    nodes.set(addr, n);
    return n;
  });
}

const leader = (): DiscoveryNode | undefined => [...nodes.values()].find((n) => n.store()?.isLeader());
const inst = (addr: string) => ({ id: expectedInstanceId('tcp', addr), addr, proto: 'tcp' });
const exists = (p: string) => stat(p).then(() => true, () => false);

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'flynn-discovery-node-'));
  addrs = [await listen(), await listen(), await listen(), await listen()];
  const members = addrs.slice(0, 3);
  for (const a of members) await start(a, members);
  await waitFor(() => leader() && members.every((a) => nodes.get(a)!.store()!.caughtUp), { timeoutMs: 20_000, what: 'leader and caught-up members' });
});

afterAll(async () => {
  for (const n of nodes.values()) await n.shutdown().catch(() => {});
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
  if (base) await rm(base, { recursive: true, force: true });
});

describe('DiscoveryNode over FileStorage + HttpTransport (loopback)', () => {
  it('three members replicate writes made on the leader', async () => {
    const l = leader()!;
    await l.addService('web', { leader_type: 'oldest' });
    await l.register('web', inst('10.9.0.1:80'));
    for (const a of addrs.slice(0, 3)) {
      await waitFor(async () => (await nodes.get(a)!.getInstances('web'))?.length === 1, { what: `replicated to ${a}` });
      expect(nodes.get(a)!.leaderAddress()).toBe(l.selfAddress());
    }
  });

  it('a fourth node starts as a proxy, is promoted over HTTP, and serves the replicated state', async () => {
    const extra = addrs[3]!;
    const node = await start(extra, addrs.slice(0, 3));
    expect(node.role).toBe('proxy');
    await node.promote();
    expect(node.role).toBe('member');
    expect((await node.getInstances('web'))!.map((i) => i.addr)).toEqual(['10.9.0.1:80']);
    await waitFor(() => leader()!.peers().length === 4, { what: 'four voters' });
    await leader()!.register('web', inst('10.9.0.2:80'));
    await waitFor(async () => (await node.getInstances('web'))?.length === 2, { what: 'new member follows' });
    expect(await exists(join(base, extra.replace(':', '_'), 'raft-member.json'))).toBe(true);
    // Restarted with the same peer list (which does not name it), it comes back as a member.
    await node.shutdown();
    const again = await start(extra, addrs.slice(0, 3));
    expect(again.role).toBe('member');
    await waitFor(async () => again.store()!.caughtUp && (await again.getInstances('web'))?.length === 2, { timeoutMs: 20_000, what: 'restarted member caught up' });
  });

  it('the promoted node is demoted over HTTP and becomes a proxy again, its raft data removed', async () => {
    const extra = addrs[3]!;
    const node = nodes.get(extra)!;
    await node.demote();
    expect(node.role).toBe('proxy');
    await waitFor(() => leader()!.peers().length === 3, { what: 'three voters' });
    expect(leader()!.peers()).not.toContain(extra);
    expect(node.peers().sort()).toEqual(addrs.slice(0, 3).sort());
    const dir = join(base, extra.replace(':', '_'));
    expect(await exists(join(dir, 'raft'))).toBe(false);
    expect(JSON.parse(await readFile(join(dir, 'raft-member.json'), 'utf8'))).toMatchObject({ member: false });
    // The cluster still takes writes.
    await leader()!.register('web', inst('10.9.0.3:80'));
    // Restarted even with a peer list naming it, a demoted node stays a proxy (no stale bootstrap).
    await node.shutdown();
    expect((await start(extra, [...addrs.slice(0, 3), extra])).role).toBe('proxy');
  });

  it('a member restarted on its data dir answers 503 until caught up, then the full state', async () => {
    const l = leader()!;
    const victim = addrs.slice(0, 3).find((a) => a !== l.selfAddress())!;
    await nodes.get(victim)!.shutdown();
    await l.register('web', inst('10.9.0.4:80'));
    const restarted = await start(victim, addrs.slice(0, 3));
    await expect(restarted.getInstances('web')).rejects.toMatchObject({ apiCode: 'service_unavailable', retry: true });
    await waitFor(() => restarted.store()!.caughtUp, { timeoutMs: 20_000, what: 'restarted node caught up' });
    expect((await restarted.getInstances('web'))!.map((i) => i.addr).sort()).toEqual(['10.9.0.1:80', '10.9.0.2:80', '10.9.0.3:80', '10.9.0.4:80']);
  });
});
