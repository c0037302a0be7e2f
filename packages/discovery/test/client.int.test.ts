/**
 * The HTTP DiscoveryClient against the real discoverd HTTP API
 * (`createDiscoveryApi`) on 127.0.0.1, backed by the in-memory store (the
 * same reducer the raft store applies): the conformance suite, then what only
 * the wire has (failover, 307s from a proxy node, `Discoverd-Peers`, sockets).
 */
import { serve } from '@flynn-ts/core/http';
import { seededRandom, waitFor } from '@flynn-ts/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DiscoveryClient } from '../src/client/discovery-client.js';
import { createProxyApi } from '../src/server/proxy.js';
import { describeDiscoveryClient } from '../src/testing/describe-discovery-client.js';
import { MemoryDiscoveryStore } from '../src/testing/memory-discovery-store.js';
import type { MemoryDiscoveryServer } from '../src/testing/memory-discovery-server.js';
import { serveMemoryDiscovery } from '../src/testing/memory-discovery-server.js';

let store: MemoryDiscoveryStore;
let member: MemoryDiscoveryServer;

beforeAll(async () => {
  store = new MemoryDiscoveryStore();
  member = await serveMemoryDiscovery(store);
});
afterAll(async () => {
  await member.close();
  store.close();
});

describeDiscoveryClient(
  'DiscoveryClient over HTTP (createDiscoveryApi + memory store)',
  () => {
    const make = () => new DiscoveryClient({ servers: [member.url] });
    return { client: make(), newClient: make, dispose: async () => {} };
  },
  { timeoutMs: 20_000 },
);

/** A proxy-mode node: every API request is answered with a 307 to `target`. */
async function startProxy(target: string) {
  const app = createProxyApi({
    peers: () => [target],
    random: seededRandom(1),
    backendForPromote: {
      promote: () => Promise.reject(new Error('unsupported')),
      demote: () => Promise.reject(new Error('unsupported')),
      shutdown: () => Promise.reject(new Error('unsupported')),
    },
  });
  return serve((req) => app.fetch(req), { graceMs: 0 });
}

/** A URL nothing listens on: a server bound and closed again. */
async function deadUrl(): Promise<string> {
  const s = await serve(() => new Response('x'), { graceMs: 0 });
  await s.close(0);
  return s.url;
}

describe('DiscoveryClient on the wire', () => {
  const clients: DiscoveryClient[] = [];
  const client = (servers: string[], extra: { refreshServers?: boolean } = {}) => {
    const c = new DiscoveryClient({ servers, timeoutMs: 5_000, ...extra });
    clients.push(c);
    return c;
  };
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });

  it('refreshes its server list from Discoverd-Peers', async () => {
    const c = client([`${member.url}/`, 'http://127.0.0.1:1']);
    await c.addService('peers-refresh');
    expect(c.servers.list).toEqual([member.url]);
  });

  it('keeps its list when refreshServers is false', async () => {
    const c = client([member.url, 'http://127.0.0.1:1'], { refreshServers: false });
    await c.addService('peers-static');
    expect(c.servers.list).toEqual([member.url, 'http://127.0.0.1:1']);
  });

  it('fails over past a dead server, for requests and for watches', async () => {
    const dead = await deadUrl();
    const c = client([dead, member.url], { refreshServers: false });
    await c.addService('failover');
    const w = c.watch('failover');
    const it = w[Symbol.asyncIterator]();
    // The watch starts on the list's current server; if that is the dead one it moves on.
    expect((await it.next()).value).toMatchObject({ kind: 'current' });
    const hb = await c.register('failover', '127.0.0.1:9100');
    expect((await it.next()).value).toMatchObject({ kind: 'up', instance: { id: hb.id } });
    w.close();
  });

  it('follows 307s from a proxy node, re-sending bodies', async () => {
    const proxy = await startProxy(member.address);
    try {
      const c = client([proxy.url], { refreshServers: false });
      await c.addService('via-proxy');
      const meta = await c.setMeta('via-proxy', { data: { a: 1 }, index: 0 });
      expect(meta.data).toEqual({ a: 1 });
      const hb = await c.register('via-proxy', '127.0.0.1:9200', { k: 'v' });
      expect(store.getInstances('via-proxy')?.map((i) => i.id)).toEqual([hb.id]);
      expect((await c.leader('via-proxy'))?.id).toBe(hb.id);
      await hb.close();
      expect(store.getInstances('via-proxy')).toEqual([]);
    } finally {
      await proxy.close(0);
    }
  });

  // The client follows the stream's 307 inside undici (see `streamDispatcher`): @flynn-ts/core's
  // sseStream follows redirects by destroying the unread 3xx body, which undici reports as an
  // unhandled 'error' (UND_ERR_ABORTED) that crashes the process.
  it('streams through a proxy node (307 on the SSE GET)', async () => {
    const proxy = await startProxy(member.address);
    try {
      const c = client([proxy.url], { refreshServers: false });
      await c.register('via-proxy-stream', '127.0.0.1:9201');
      const it = c.watch('via-proxy-stream')[Symbol.asyncIterator]();
      const kinds = [];
      for (let i = 0; i < 3; i++) kinds.push((await it.next()).value?.kind);
      expect(kinds).toEqual(['up', 'leader', 'current']);
    } finally {
      await proxy.close(0);
    }
  });

  it('after a redirect, adopts the peers the member lists', async () => {
    const proxy = await startProxy(member.address);
    try {
      const c = client([proxy.url]);
      await c.addService('redirect-peers');
      expect(c.servers.list).toEqual([member.url]);
    } finally {
      await proxy.close(0);
    }
  });

  it('maps errors to typed codes and surfaces 503s', async () => {
    const c = client([member.url]);
    await expect(c.removeService('nope-nope')).rejects.toMatchObject({ code: 'FLYNN_DISCOVERY_NOT_FOUND' });
    await expect(c.addService('UPPER')).rejects.toMatchObject({ code: 'FLYNN_DISCOVERY_INVALID', apiCode: 'validation_error' });
    await expect(c.register('x', '127.0.0.1:1', undefined, { proto: 'TCP' })).rejects.toMatchObject({ code: 'FLYNN_DISCOVERY_INVALID' });
  });

  it('leaves no socket open after close()', async () => {
    const c = client([member.url]);
    await c.addService('sockets');
    const hb = await c.register('sockets', '127.0.0.1:9300');
    const w = c.watch('sockets');
    const it = w[Symbol.asyncIterator]();
    await it.next();
    const f = c.followLeader('sockets');
    expect((await f[Symbol.asyncIterator]().next()).value?.id).toBe(hb.id);
    expect(await member.connections()).toBeGreaterThan(0);
    await c.close();
    expect(store.getInstances('sockets')).toEqual([]);
    await waitFor(async () => (await member.connections()) === 0, { what: 'all client sockets closed' });
  });

  it('ends a watch with the error when the server answers 4xx (retrying cannot help)', async () => {
    const broken = client([`${member.url}/nowhere`], { refreshServers: false });
    const it = broken.watch('svc')[Symbol.asyncIterator]();
    await expect(it.next()).rejects.toMatchObject({ status: 404 });
  });
});
