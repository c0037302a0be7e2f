import { ManualClock, seededRandom } from '@flynn-ts/core/testing';
import { describe, expect, it } from 'vitest';
import type { DiscoveryEvent, Instance } from '../core/types.js';
import { describeDiscoveryClient } from './describe-discovery-client.js';
import { MemoryDiscovery } from './memory-discovery.js';
import { MemoryDiscoveryStore } from './memory-discovery-store.js';

describeDiscoveryClient('MemoryDiscovery', () => {
  const clock = new ManualClock();
  const store = new MemoryDiscoveryStore({ clock });
  const make = () => new MemoryDiscovery({ store, random: seededRandom(1) });
  return { client: make(), newClient: make, dispose: async () => store.close() };
});


const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
};

/** Drains a watch in the background into `seen` as `kind:addr`. */
function record(it: AsyncIterator<DiscoveryEvent>): string[] {
  const seen: string[] = [];
  void (async () => {
    for (;;) {
      const r = await it.next().catch(() => ({ done: true as const, value: undefined }));
      if (r.done) return;
      const e = r.value;
      seen.push(e.kind === 'service_meta' ? `service_meta:${JSON.stringify(e.service_meta?.data)}` : e.kind === 'current' ? 'current' : `${e.kind}:${e.instance?.addr ?? '-'}`);
    }
  })();
  return seen;
}

async function advance(clock: ManualClock, ms: number, step = 500): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    await clock.advanceAsync(step);
    await settle();
  }
}

describe('MemoryDiscovery', () => {
  it('heartbeats keep instances alive on the injected clock; a crashed one expires after the TTL', async () => {
    const clock = new ManualClock(0);
    const d = new MemoryDiscovery({ clock, random: seededRandom(2) });
    const a = await d.register('web', '10.0.0.1:80');
    await d.register('web', '10.0.0.2:80');
    const seen = record(d.watch('web')[Symbol.asyncIterator]());
    await settle();
    await advance(clock, 60_000);
    expect((await d.instances('web')).length).toBe(2);
    expect(seen).toEqual(['up:10.0.0.1:80', 'up:10.0.0.2:80', 'leader:10.0.0.1:80', 'current']);
    d.crash('web', a.id);
    // Its last beat was at most 5 s ago: it outlives the next 4 s, and is gone 10 s (+1 s check) after that beat.
    await advance(clock, 4_000);
    expect((await d.instances('web')).length).toBe(2);
    await advance(clock, 8_000);
    expect((await d.instances('web')).map((i) => i.addr)).toEqual(['10.0.0.2:80']);
    expect(seen.slice(4)).toEqual(['down:10.0.0.1:80', 'leader:10.0.0.2:80']);
    await d.close();
    expect(clock.pending).toBe(0);
  });

  it('after disconnectWatches, a watch reconnects and reports exactly what it missed', async () => {
    const clock = new ManualClock(0);
    const d = new MemoryDiscovery({ clock, random: seededRandom(3) });
    const a = await d.register('db', '10.0.1.1:5432');
    const b = await d.register('db', '10.0.1.2:5432', { role: 'sync' });
    await d.setMeta('db', { data: 'v1', index: 0 });
    const seen = record(d.watch('db')[Symbol.asyncIterator]());
    await settle();
    expect(seen).toHaveLength(5);
    d.disconnectWatches();
    await settle();
    await a.close();
    await b.setMeta({ role: 'primary' });
    await d.register('db', '10.0.1.3:5432');
    await d.updateMeta('db', () => 'v2');
    await settle();
    expect(seen).toHaveLength(5);
    await advance(clock, 1_000, 100);
    expect(seen.slice(5)).toEqual(['down:10.0.1.1:5432', 'update:10.0.1.2:5432', 'up:10.0.1.3:5432', 'leader:10.0.1.2:5432', 'service_meta:"v2"']);
    await d.close();
  });

  it('fakes sharing a store see each other; closing one deregisters only its own instances', async () => {
    const clock = new ManualClock(0);
    const store = new MemoryDiscoveryStore({ clock });
    const hostA = new MemoryDiscovery({ store });
    const hostB = new MemoryDiscovery({ store });
    await hostA.register('flannel', '10.0.0.1:5002');
    await hostB.register('flannel', '10.0.0.2:5002');
    expect((await hostB.instances('flannel')).length).toBe(2);
    await hostA.close();
    expect((await hostB.instances('flannel')).map((i) => i.addr)).toEqual(['10.0.0.2:5002']);
    await hostB.close();
    store.close();
  });

  it('onLeaderChange calls back with the current leader and each change', async () => {
    const clock = new ManualClock(0);
    const d = new MemoryDiscovery({ clock });
    const leaders: Array<string | undefined> = [];
    const sub = d.onLeaderChange('sched', (l: Instance | undefined) => leaders.push(l?.addr));
    await settle();
    const a = await d.register('sched', '10.0.0.1:1');
    await d.register('sched', '10.0.0.2:1');
    await a.close();
    await settle();
    expect(leaders).toEqual([undefined, '10.0.0.1:1', '10.0.0.2:1']);
    sub.close();
    await d.close();
  });

  it('serves as a DiscoveryBackend', async () => {
    const d = new MemoryDiscovery({ clock: new ManualClock(0) });
    const backend = d.backend({ address: '127.0.0.1:1111' });
    await backend.addService('x', { leader_type: 'oldest' });
    expect(backend.lastIndex()).toBe(1);
    expect(backend.peers()).toEqual(['127.0.0.1:1111']);
    expect(await d.addService('x', { ifNotExists: true })).toBe(false);
    await expect(backend.promote()).rejects.toMatchObject({ code: 'FLYNN_DISCOVERY_UNSUPPORTED' });
    await d.close();
  });
});
