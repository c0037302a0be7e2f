/**
 * The HTTP DiscoveryClient against a real three-node discoverd cluster on
 * loopback: `DiscoveryNode` (raft over FileStorage + HttpTransport) with the
 * real HTTP API (`createDiscoveryApi`) on each node's server. Runs the
 * conformance suite against the leader, then what a cluster adds: 307s from
 * followers, consistent reads there, and a watch and a heartbeat that outlive
 * the leader.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { waitFor } from '@flynn-ts/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DiscoveryClient } from '../src/client/discovery-client.js';
import type { DiscoveryEvent } from '../src/core/types.js';
import { DiscoveryNode } from '../src/server/discovery-node.js';
import { createDiscoveryApi } from '../src/server/http-api.js';
import { describeDiscoveryClient } from '../src/testing/describe-discovery-client.js';

interface Member {
  addr: string;
  url: string;
  server: Server;
  node?: DiscoveryNode;
  /** Aborted on stop: ends the API's open event streams. */
  streams: AbortController;
  /** The discoverd API, set once the node exists (503 before). */
  api?: (req: Request) => Response | Promise<Response>;
}

const members: Member[] = [];
let base = '';

/** A node:http server that serves raft under /raft/v1 and the discoverd API for everything else. */
async function listen(): Promise<Member> {
  const m: Member = { addr: '', url: '', server: createServer(), streams: new AbortController() };
  const listener = getRequestListener((req) => (m.api ? m.api(req) : new Response(null, { status: 503 })), { overrideGlobalObjects: false });
  m.server.on('request', (req, res) => {
    if (m.node?.raftHandler(req, res)) return;
    void listener(req, res);
  });
  await new Promise<void>((resolve) => m.server.listen(0, '127.0.0.1', resolve));
  m.addr = `127.0.0.1:${(m.server.address() as AddressInfo).port}`;
  m.url = `http://${m.addr}`;
  members.push(m);
  return m;
}

async function stop(m: Member): Promise<void> {
  m.streams.abort();
  await m.node?.shutdown().catch(() => {});
  m.server.closeAllConnections();
  await new Promise<void>((resolve) => m.server.close(() => resolve()));
}

const leader = (): Member | undefined => members.find((m) => m.node?.store()?.isLeader());

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'flynn-discovery-client-cluster-'));
  const started = [await listen(), await listen(), await listen()];
  const peers = started.map((m) => m.addr);
  for (const m of started) {
    m.node = await DiscoveryNode.start({ advertise: m.addr, peers, dataDir: join(base, m.addr.replace(':', '_')), tickMs: 50, electionTicks: 10 });
    const app = createDiscoveryApi(m.node.backend(), { signal: m.streams.signal });
    m.api = (req) => app.fetch(req);
  }
  await waitFor(() => leader() && started.every((m) => m.node!.store()!.caughtUp), { timeoutMs: 20_000, what: 'a leader and caught-up members' });
});

afterAll(async () => {
  for (const m of members) await stop(m);
  if (base) await rm(base, { recursive: true, force: true });
});

describeDiscoveryClient(
  'DiscoveryClient against a 3-node DiscoveryNode cluster (via the leader)',
  () => {
    const make = () => new DiscoveryClient({ servers: [leader()!.url] });
    return { client: make(), newClient: make, dispose: async () => {} };
  },
  { timeoutMs: 30_000 },
);

describe('DiscoveryClient and a cluster', () => {
  const clients: DiscoveryClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  const followers = () => members.filter((m) => m.node?.role === 'member' && !m.node.store()?.isLeader());

  it('writes through a follower are redirected (307, body re-sent); consistent reads see them there', async () => {
    const follower = followers()[0]!;
    const c = new DiscoveryClient({ servers: [follower.url], refreshServers: false });
    clients.push(c);
    await c.addService('cl-redirect');
    const meta = await c.setMeta('cl-redirect', { data: { v: 1 }, index: 0 });
    expect(await c.getMeta('cl-redirect')).toEqual(meta); // consistent by default: a read barrier on the follower
    const hb = await c.register('cl-redirect', '10.20.0.1:80');
    await waitFor(async () => (await c.instances('cl-redirect')).some((i) => i.id === hb.id), { what: 'replicated to the follower' });
    expect(c.servers.current()).toBe(follower.url);
  });

  it('a watch and a heartbeat outlive the leader: no lost or repeated events', async () => {
    const old = leader()!;
    const c = new DiscoveryClient({ servers: [old.url, ...followers().map((m) => m.url)], watchBackoff: { initialMs: 50, maxMs: 500 } });
    clients.push(c);
    const a = await c.register('cl-failover', '10.21.0.1:80', undefined, { heartbeatMs: 500 });
    const w = c.watch('cl-failover');
    const it = w[Symbol.asyncIterator]();
    const seen: DiscoveryEvent[] = [];
    const next = async () => {
      const r = await it.next();
      if (r.done) throw new Error('watch ended');
      seen.push(r.value);
      return r.value;
    };
    expect((await next()).kind).toBe('up');
    expect((await next()).kind).toBe('leader');
    expect((await next()).kind).toBe('current');

    await stop(old);
    await waitFor(() => leader() && leader() !== old, { timeoutMs: 20_000, what: 'a new raft leader' });
    const b = await c.register('cl-failover', '10.21.0.2:80', { after: 'failover' });
    const e = await next();
    expect(e).toMatchObject({ kind: 'up', instance: { id: b.id } });
    // `a` kept heartbeating through the failover, so nothing else changed.
    await a.setMeta({ beat: 'still here' });
    expect(await next()).toMatchObject({ kind: 'update', instance: { id: a.id, meta: { beat: 'still here' } } });
    expect(seen.map((x) => x.kind)).toEqual(['up', 'leader', 'current', 'up', 'update']);
    expect((await c.instances('cl-failover')).map((i) => i.id)).toEqual([a.id, b.id]);
    w.close();
  });
});
