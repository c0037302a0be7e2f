/**
 * Watches across a server restart, and heartbeats against a short TTL, on
 * 127.0.0.1 with the real HTTP API over the in-memory store.
 */
import { waitFor } from '@flynn-ts/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { DiscoveryClient } from '../src/client/discovery-client.js';
import type { HeartbeatLoop } from '../src/client/heartbeater.js';
import type { DiscoveryEvent } from '../src/core/types.js';
import { MemoryDiscovery } from '../src/testing/memory-discovery.js';
import { MemoryDiscoveryStore } from '../src/testing/memory-discovery-store.js';
import { serveMemoryDiscovery } from '../src/testing/memory-discovery-server.js';
import type { MemoryDiscoveryServer } from '../src/testing/memory-discovery-server.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(storeOptions: ConstructorParameters<typeof MemoryDiscoveryStore>[0] = {}) {
  const store = new MemoryDiscoveryStore(storeOptions);
  const fake = new MemoryDiscovery({ store });
  const servers: MemoryDiscoveryServer[] = [await serveMemoryDiscovery(store)];
  const client = new DiscoveryClient({ servers: [servers[0]!.url], refreshServers: false, watchBackoff: { initialMs: 50, maxMs: 200 } });
  cleanups.push(() => store.close());
  cleanups.push(() => fake.close());
  cleanups.push(async () => {
    for (const s of servers) await s.close();
  });
  cleanups.push(() => client.close());
  const restart = async () => {
    const port = servers[0]!.port;
    await servers[0]!.close();
    return async () => {
      servers.push(await serveMemoryDiscovery(store, { port }));
    };
  };
  return { store, fake, client, restart };
}

async function take(it: AsyncIterator<DiscoveryEvent>, n: number): Promise<string[]> {
  const out: string[] = [];
  while (out.length < n) {
    const r = await it.next();
    if (r.done) throw new Error('watch ended');
    const e = r.value;
    out.push(e.kind === 'service_meta' ? `service_meta:${JSON.stringify(e.service_meta?.data)}` : e.kind === 'current' ? 'current' : `${e.kind}:${e.instance?.addr ?? '-'}`);
  }
  return out;
}

describe('DiscoveryClient.watch across a server restart', () => {
  it('emits exactly the changes missed while disconnected, then live events, with no duplicates', async () => {
    const { fake, client, restart } = await setup();
    const a = await fake.register('web', '10.0.0.1:80');
    const b = await fake.register('web', '10.0.0.2:80');
    const c = await fake.register('web', '10.0.0.3:80', { v: '1' });
    await fake.setMeta('web', { data: 'm1', index: 0 });
    const w = client.watch('web');
    const it = w[Symbol.asyncIterator]();
    expect(await take(it, 6)).toEqual(['up:10.0.0.1:80', 'up:10.0.0.2:80', 'up:10.0.0.3:80', 'leader:10.0.0.1:80', 'service_meta:"m1"', 'current']);

    const start = await restart();
    // Changes while the watch cannot connect:
    await a.close(); // down a, leader → b
    await c.setMeta({ v: '2' }); // update c
    const d = await fake.register('web', '10.0.0.4:80'); // up d
    const gone = await fake.register('web', '10.0.0.5:80');
    await gone.close(); // came and went: nothing to see
    const meta = await fake.getMeta('web');
    await fake.setMeta('web', { data: 'm2', index: meta!.index });
    await start();

    expect(await take(it, 5)).toEqual(['down:10.0.0.1:80', 'update:10.0.0.3:80', 'up:10.0.0.4:80', 'leader:10.0.0.2:80', 'service_meta:"m2"']);
    // The next event is a live one: nothing replayed twice, no second `current`.
    await fake.register('web', '10.0.0.6:80');
    expect(await take(it, 1)).toEqual(['up:10.0.0.6:80']);
    await b.close();
    expect(await take(it, 2)).toEqual(['down:10.0.0.2:80', 'leader:10.0.0.3:80']);
    await d.close();
    expect(await take(it, 1)).toEqual(['down:10.0.0.4:80']);
    w.close();
  });

  it('a leader that vanished while disconnected is reported as a leader event without instance', async () => {
    const { fake, client, restart } = await setup();
    const only = await fake.register('solo', '10.0.1.1:80');
    const f = client.followLeader('solo');
    const it = f[Symbol.asyncIterator]();
    expect((await it.next()).value?.id).toBe(only.id);
    const start = await restart();
    await only.close();
    await start();
    const next = await it.next();
    expect(next.done).toBe(false);
    expect(next.value).toBeUndefined();
    f.close();
  });
});

describe('DiscoveryClient heartbeats', () => {
  it('keeps an instance alive past its TTL, and an abandoned one expires (down + leader)', async () => {
    const { store, client } = await setup({ ttlMs: 600, expiryIntervalMs: 100 });
    const hb = await client.register('ttl', '10.0.2.1:80', undefined, { heartbeatMs: 200 });
    const other = await client.register('ttl', '10.0.2.2:80', undefined, { heartbeatMs: 200 });
    const it = client.watch('ttl')[Symbol.asyncIterator]();
    expect(await take(it, 4)).toEqual(['up:10.0.2.1:80', 'up:10.0.2.2:80', 'leader:10.0.2.1:80', 'current']);
    await new Promise((r) => setTimeout(r, 1_800)); // three TTLs
    expect(store.getInstances('ttl')?.map((i) => i.id)).toEqual([hb.id, other.id]);
    (hb as HeartbeatLoop).abandon();
    expect(await take(it, 2)).toEqual(['down:10.0.2.1:80', 'leader:10.0.2.2:80']);
    await waitFor(() => store.getInstances('ttl')?.length === 1);
  });

  it('re-creates a removed service on the next heartbeat', async () => {
    const { store, client } = await setup();
    const hb = await client.register('recreate', '10.0.3.1:80', undefined, { heartbeatMs: 200 });
    store.removeService('recreate');
    await waitFor(() => store.getInstances('recreate')?.[0]?.id === hb.id, { what: 'the heartbeat to re-register' });
  });
});
