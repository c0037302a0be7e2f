import { ManualClock, flushMicrotasks, seededRandom } from '@flynn-ts/core/testing';
import { MemoryDiscovery } from '@flynn-ts/discovery/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { AsyncQueue } from '../testing/async-queue.js';
import type { SchedulerRouter } from './ports.js';
import { RouterSet } from './router-set.js';
import type { WireRoute, WireRouterEvent } from './wire.js';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

function fakeRouter(routes: WireRoute[]) {
  const events = new AsyncQueue<WireRouterEvent>();
  const router: SchedulerRouter = {
    routes: async () => routes,
    async *events({ onOpen }) {
      onOpen?.();
      yield* events;
    },
    close: async () => events.end(),
  };
  return { router, events };
}

async function setup(routers: Record<string, WireRoute[]>) {
  const clock = new ManualClock();
  const discovery = new MemoryDiscovery({ clock, random: seededRandom(1) });
  const fakes = new Map(Object.entries(routers).map(([addr, routes]) => [addr, fakeRouter(routes)]));
  const changed: string[] = [];
  const set = new RouterSet({ discovery, connect: (addr) => fakes.get(addr)!.router, clock, random: seededRandom(2), changed: (s) => changed.push(s) });
  closers.push(() => discovery.close(), () => set.close());
  set.start();
  for (const addr of fakes.keys()) await discovery.register('router-api', addr);
  for (let i = 0; i < 20 && set.summary().filter((r) => r.synced).length < fakes.size; i++) await flushMicrotasks(50);
  const send = async (addr: string, e: WireRouterEvent) => {
    fakes.get(addr)!.events.push(e);
    await flushMicrotasks(50);
  };
  return { clock, set, send, changed };
}

const backend = (addr: string) => ({ service: 'web', addr });

describe('RouterSet', () => {
  it('is ready for a backend once every router routing its service reported it up', async () => {
    const t = await setup({ '10.0.0.1:80': [{ type: 'http', id: 'r1', service: 'web' }], '10.0.0.2:80': [{ type: 'http', id: 'r2', service: 'web' }], '10.0.0.3:80': [] });
    expect(t.set.summary()).toHaveLength(3);
    expect(t.set.ready('web', '10.1.0.1:8080')).toBe(false);
    await t.send('10.0.0.1:80', { event: 'backend-up', backend: backend('10.1.0.1:8080') });
    expect(t.set.ready('web', '10.1.0.1:8080')).toBe(false);
    await t.send('10.0.0.2:80', { event: 'backend-up', backend: backend('10.1.0.1:8080') });
    expect(t.set.ready('web', '10.1.0.1:8080')).toBe(true);
    // A service no router routes is ready at once.
    expect(t.set.ready('other', '10.1.0.9:1')).toBe(true);
    expect(t.changed).toContain('web');
  });

  it('is drained once each router dropped the backend and, for draining routes, reported backend-drained; the wait is bounded', async () => {
    const t = await setup({ '10.0.0.1:80': [{ type: 'http', id: 'r1', service: 'web', drain_backends: true }] });
    const addr = '10.1.0.1:8080';
    await t.send('10.0.0.1:80', { event: 'backend-up', backend: backend(addr) });
    let drained: boolean | undefined;
    void t.set.waitDrained('web', addr, 10_000).then((v) => (drained = v));
    await flushMicrotasks(20);
    await t.send('10.0.0.1:80', { event: 'backend-down', backend: backend(addr) });
    expect(drained).toBeUndefined();
    await t.send('10.0.0.1:80', { event: 'backend-drained', backend: backend(addr) });
    expect(drained).toBe(true);

    await t.send('10.0.0.1:80', { event: 'backend-up', backend: backend(addr) });
    let second: boolean | undefined;
    void t.set.waitDrained('web', addr, 10_000).then((v) => (second = v));
    await t.clock.advanceAsync(9_999);
    expect(second).toBeUndefined();
    await t.clock.advanceAsync(1);
    expect(second).toBe(false);
  });

  it('follows route changes: a router that stops routing a service is no longer waited for', async () => {
    const t = await setup({ '10.0.0.1:80': [{ type: 'http', id: 'r1', service: 'web' }] });
    expect(t.set.ready('web', '10.1.0.1:8080')).toBe(false);
    await t.send('10.0.0.1:80', { event: 'remove', route: { type: 'http', id: 'r1', service: 'web' } });
    expect(t.set.ready('web', '10.1.0.1:8080')).toBe(true);
  });
});
