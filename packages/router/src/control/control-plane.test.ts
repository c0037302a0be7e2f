import { ManualClock, flushMicrotasks, seededRandom } from '@flynn-ts/core/testing';
import { MemoryDiscovery } from '@flynn-ts/discovery/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { Route, RouterEvent } from '../core/types.js';
import type { PlaneUpdate } from '../data-plane.js';
import { discoveryBackends, staticBackends } from './backend-source.js';
import { ControlPlane } from './control-plane.js';
import type { PlaneLink } from './control-plane.js';
import { MemoryRouteSource } from './memory-route-source.js';

/** A data plane stand-in: records updates; `whenIdle` waits for `finish(addr)`. */
class FakePlane implements PlaneLink {
  readonly updates: PlaneUpdate[] = [];
  private readonly busy = new Map<string, () => void>();
  readonly inflight = new Set<string>();
  apply(u: PlaneUpdate): void {
    this.updates.push(u);
  }
  whenIdle(_service: string, addr: string): Promise<void> {
    if (!this.inflight.has(addr)) return Promise.resolve();
    return new Promise((r) => this.busy.set(addr, r));
  }
  finish(addr: string): void {
    this.inflight.delete(addr);
    this.busy.get(addr)?.();
  }
  backendsOf(service: string): string[] | undefined {
    const last = this.updates.filter((u): u is Extract<PlaneUpdate, { op: 'backends' }> => u.op === 'backends' && u.service === service).at(-1);
    return last?.backends.map((b) => b.addr);
  }
}

/** Lets promise chains run until `cond` holds (no timers, no real time). */
async function settle(cond: () => unknown): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (cond()) return;
    await flushMicrotasks(50);
  }
  throw new Error('condition not reached');
}
const waitFor = settle;

const http = (id: string, domain: string, extra: Partial<Route> = {}): Route => ({ type: 'http', id, service: 'web', domain, ...extra }) as Route;

const clocks: ManualClock[] = [];
const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

function setup(routes: Route[] = []) {
  const clock = new ManualClock();
  clocks.push(clock);
  const discovery = new MemoryDiscovery({ clock, random: seededRandom(1) });
  const source = new MemoryRouteSource(routes);
  const control = new ControlPlane({ source, backends: discoveryBackends(discovery), clock, random: seededRandom(2), readyTimeoutMs: 1_000 });
  const plane = new FakePlane();
  control.attach(plane);
  const events: RouterEvent[] = [];
  const sub = control.subscribe();
  void (async () => {
    for await (const e of sub) events.push(e);
  })();
  closers.push(() => control.close(), () => discovery.close());
  return { clock, discovery, source, control, plane, events };
}

describe('ControlPlane', () => {
  it('applies the first snapshot, then set/remove, and emits set/remove events', async () => {
    const { source, control, plane, events } = setup([http('a', 'a.test')]);
    await control.start();
    expect(control.routes().map((r) => r.id)).toEqual(['a']);
    source.set(http('b', 'b.test'));
    source.remove('a');
    await waitFor(() => events.filter((e) => e.event === 'remove').length === 1);
    expect(plane.updates.filter((u) => u.op !== 'backends').map((u) => (u.op === 'route-set' ? `set ${u.route.id}` : u.op === 'route-remove' ? `remove ${u.id}` : ''))).toEqual([
      'set a',
      'set b',
      'remove a',
    ]);
    expect(events.map((e) => `${e.event} ${e.route?.id}`)).toEqual(['set a', 'set b', 'remove a']);
  });

  it('resyncs on a new snapshot: removes vanished routes (sub-paths first), sets new ones (roots first)', async () => {
    const { source, control, plane } = setup([http('r', 'x.test'), http('p', 'x.test', { path: '/p/' }), http('keep', 'k.test')]);
    await control.start();
    plane.updates.length = 0;
    source.replace([http('keep', 'k.test'), http('r2', 'y.test'), http('p2', 'y.test', { path: '/q/' })]);
    await waitFor(() => control.routes().length === 3);
    const ops = plane.updates.filter((u) => u.op !== 'backends').map((u) => (u.op === 'route-set' ? `set ${u.route.id}` : u.op === 'route-remove' ? `remove ${u.id}` : ''));
    expect(ops).toEqual(['remove p', 'remove r', 'set r2', 'set p2']);
  });

  it('rejects invalid routes from a source without stopping', async () => {
    const source = { subscribe: () => (async function* () {
      yield { type: 'snapshot' as const, routes: [http('ok', 'ok.test'), { type: 'tcp', id: 't', service: 's', port: 80 } as Route, http('sub', 'none.test', { path: '/x/' })] };
    })() };
    const control = new ControlPlane({ source, backends: staticBackends({}), readyTimeoutMs: 10, reservedPorts: [8080] });
    closers.push(() => control.close());
    await control.start();
    expect(control.routes().map((r) => r.id)).toEqual(['ok']);
  });

  it('follows backends per service, shared by routes, and emits backend-up/down', async () => {
    const { discovery, control, plane, events } = setup([http('a', 'a.test'), http('b', 'b.test')]);
    const hb1 = await discovery.register('web', '10.0.0.1:80', { FLYNN_APP_NAME: 'app', FLYNN_JOB_ID: 'job1' });
    await control.start();
    await waitFor(() => plane.backendsOf('web')?.length === 1);
    const hb2 = await discovery.register('web', '10.0.0.2:80');
    await waitFor(() => plane.backendsOf('web')?.length === 2);
    await hb1.close();
    await waitFor(() => plane.backendsOf('web')?.join() === '10.0.0.2:80');
    await waitFor(() => events.some((e) => e.event === 'backend-down'));
    expect(events.filter((e) => e.event.startsWith('backend')).map((e) => `${e.event} ${e.backend?.addr}`)).toEqual([
      'backend-up 10.0.0.1:80',
      'backend-up 10.0.0.2:80',
      'backend-down 10.0.0.1:80',
    ]);
    expect(events.find((e) => e.event === 'backend-up')?.backend).toEqual({ service: 'web', addr: '10.0.0.1:80', app: 'app', job_id: 'job1' });
    await hb2.close();
  });

  it('sends only the leader for leader routes and follows leader changes', async () => {
    const { discovery, control, plane } = setup([http('a', 'a.test', { leader: true })]);
    const first = await discovery.register('web', '10.0.0.1:80');
    await discovery.register('web', '10.0.0.2:80');
    await control.start();
    const leaderOf = () => {
      const u = plane.updates.filter((x): x is Extract<PlaneUpdate, { op: 'backends' }> => x.op === 'backends').at(-1);
      return u?.leader;
    };
    await waitFor(() => leaderOf() === '10.0.0.1:80');
    await first.close();
    await waitFor(() => leaderOf() === '10.0.0.2:80');
  });

  it('emits backend-drained only after every plane is idle for a drain_backends service', async () => {
    const { discovery, control, plane, events } = setup([http('a', 'a.test', { drain_backends: true })]);
    const hb = await discovery.register('web', '10.0.0.1:80');
    await control.start();
    await waitFor(() => plane.backendsOf('web')?.length === 1);
    plane.inflight.add('10.0.0.1:80');
    await hb.close();
    await waitFor(() => events.some((e) => e.event === 'backend-down'));
    await flushMicrotasks();
    expect(events.some((e) => e.event === 'backend-drained')).toBe(false);
    expect(control.status().draining).toBe(1);
    plane.finish('10.0.0.1:80');
    await waitFor(() => events.some((e) => e.event === 'backend-drained'));
    expect(events.map((e) => e.event).slice(-2)).toEqual(['backend-down', 'backend-drained']);
  });

  it('waits for every data plane (cluster workers) before backend-drained', async () => {
    const { discovery, control, plane, events } = setup([http('a', 'a.test', { drain_backends: true })]);
    const second = new FakePlane();
    control.attach(second);
    const hb = await discovery.register('web', '10.0.0.1:80');
    await control.start();
    await waitFor(() => second.backendsOf('web')?.length === 1);
    plane.inflight.add('10.0.0.1:80');
    second.inflight.add('10.0.0.1:80');
    await hb.close();
    await waitFor(() => events.some((e) => e.event === 'backend-down'));
    plane.finish('10.0.0.1:80');
    await flushMicrotasks(100);
    expect(events.some((e) => e.event === 'backend-drained')).toBe(false);
    second.finish('10.0.0.1:80');
    await waitFor(() => events.some((e) => e.event === 'backend-drained'));
  });

  it('replays current backends as backend-up to a new subscriber, filtered by type', async () => {
    const { discovery, control } = setup([http('a', 'a.test')]);
    await discovery.register('web', '10.0.0.9:80');
    await control.start();
    await waitFor(() => control.status().backends === 1);
    const ctl = new AbortController();
    const got: RouterEvent[] = [];
    const sub = control.subscribe(new Set(['backend-up']), ctl.signal);
    for await (const e of sub) {
      got.push(e);
      break;
    }
    expect(got).toEqual([{ event: 'backend-up', backend: { service: 'web', addr: '10.0.0.9:80' } }]);
    const none = control.subscribe(new Set(['remove']));
    let n = 0;
    void (async () => {
      for await (const _ of none) n++;
    })();
    await flushMicrotasks();
    expect(n).toBe(0);
    none.close();
  });
});
