/**
 * A watch that reconnects to a server lagging behind what it has already
 * seen must not go back in time. Two HTTP servers on 127.0.0.1 over two
 * in-memory stores fed the same commands, one store behind (a follower that
 * has not applied the last writes yet); the real client, the real API, SSE
 * with `id:` indexes.
 */
import { jsonLogger } from '@flynn-ts/core';
import { waitFor } from '@flynn-ts/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { DiscoveryClient } from '../src/client/discovery-client.js';
import { instanceId } from '../src/core/instance-id.js';
import type { DiscoveryEvent } from '../src/core/types.js';
import { MemoryDiscoveryStore } from '../src/testing/memory-discovery-store.js';
import { serveMemoryDiscovery } from '../src/testing/memory-discovery-server.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const inst = (addr: string) => ({ id: instanceId('tcp', addr), addr, proto: 'tcp' });
const brief = (e: DiscoveryEvent) => (e.kind === 'current' ? 'current' : `${e.kind}:${e.instance?.addr ?? '-'}`);

describe('DiscoveryClient.watch and a lagging server', () => {
  it('drops the replay of a server behind what it has seen, retries until one has caught up, and never emits stale state', async () => {
    const leader = new MemoryDiscoveryStore();
    const follower = new MemoryDiscoveryStore();
    const both = (fn: (s: MemoryDiscoveryStore) => void) => [leader, follower].forEach(fn);
    both((s) => s.addService('web', { leader_type: 'oldest' }));
    both((s) => s.register('web', inst('10.0.0.1:80')));
    both((s) => s.register('web', inst('10.0.0.2:80')));
    const a = await serveMemoryDiscovery(leader);
    const b = await serveMemoryDiscovery(follower);
    const lines: string[] = [];
    const client = new DiscoveryClient({
      servers: [a.url, b.url],
      refreshServers: false,
      watchBackoff: { initialMs: 20, maxMs: 100 },
      logger: jsonLogger({ level: 'info', write: (l) => lines.push(l) }),
    });
    cleanups.push(() => leader.close(), () => follower.close(), () => a.close(), () => b.close(), () => client.close());

    const seen: string[] = [];
    const w = client.watch('web');
    const pump = (async () => {
      for await (const e of w) seen.push(brief(e));
    })();
    await waitFor(() => seen.includes('current'));
    // Only the leader has applied these: the watch sees them live.
    leader.deregister('web', inst('10.0.0.1:80').id);
    await waitFor(() => seen.length === 6);
    expect(seen).toEqual(['up:10.0.0.1:80', 'up:10.0.0.2:80', 'leader:10.0.0.1:80', 'current', 'down:10.0.0.1:80', 'leader:10.0.0.2:80']);

    // The leader goes away; the follower still shows 10.0.0.1 as up and leading.
    await a.close();
    const behind = () => lines.filter((l) => l.includes('server is behind what the watch has seen')).length;
    await waitFor(() => behind() >= 2, { what: 'the watch to refuse the lagging replay twice' });
    expect(seen).toHaveLength(6); // nothing stale (no up:10.0.0.1:80 again)

    // The follower catches up; the watch settles there without an event, then follows it live.
    follower.deregister('web', inst('10.0.0.1:80').id);
    follower.register('web', inst('10.0.0.3:80'));
    await waitFor(() => seen.length === 7);
    expect(seen.slice(6)).toEqual(['up:10.0.0.3:80']);
    w.close();
    await pump;
  });
});
