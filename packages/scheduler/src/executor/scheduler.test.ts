/**
 * The scheduler loop against fakes (MemoryDiscovery, a fake controller and
 * fake hosts) with a ManualClock: no sockets, no real time. Placement and
 * state writes, restart backoff, host failure after 10 failed checks, and
 * leadership (only the leader writes; a new leader takes over without
 * duplicating jobs).
 */
import { ManualClock, flushMicrotasks, seededRandom } from '@flynn-ts/core/testing';
import { MemoryDiscovery } from '@flynn-ts/discovery/testing';
import type { Heartbeater } from '@flynn-ts/discovery';
import { afterEach, describe, expect, it } from 'vitest';
import { GiB } from '../core/model.js';
import { FakeSchedulerController, FakeSchedulerHost, testWireFormation } from '../testing/fake-cluster.js';
import { Scheduler } from './scheduler.js';

async function settle(cond: () => unknown, what = 'condition'): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (cond()) return;
    await flushMicrotasks(50);
  }
  throw new Error(`${what} not reached`);
}

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function setup(hostIds: string[]) {
  const clock = new ManualClock();
  const discovery = new MemoryDiscovery({ clock, random: seededRandom(1) });
  closers.push(() => discovery.close());
  const controller = new FakeSchedulerController();
  const hosts = new Map(hostIds.map((id) => [id, new FakeSchedulerHost(id, () => clock.now())]));
  const regs = new Map<string, Heartbeater>();
  for (const [i, id] of hostIds.entries()) regs.set(id, await discovery.register('flynn-host', `10.0.0.${i + 1}:1113`, { id }));
  const make = (name: string, election: boolean) => {
    const s = new Scheduler({
      controller,
      discovery,
      connectHost: (h) => hosts.get(h.id)!,
      connectRouter: () => {
        throw new Error('no routers in these tests');
      },
      ...(election ? { advertiseAddr: `10.0.1.${name.length}:${3000 + Number(name.slice(-1))}` } : {}),
      name,
      defaultHostCapacity: { memory: 8 * GiB, cpu: 8000 },
      clock,
      random: seededRandom(name.length * 7 + Number(name.slice(-1))),
    });
    closers.push(() => s.close());
    return s;
  };
  /** Advances time in small steps, letting promise chains run. */
  const advance = async (ms: number, step = 100) => {
    for (let t = 0; t < ms; t += step) await clock.advanceAsync(Math.min(step, ms - t));
    await flushMicrotasks(50);
  };
  return { clock, discovery, controller, hosts, regs, make, advance };
}

const running = (hosts: Map<string, FakeSchedulerHost>) => [...hosts.values()].flatMap((h) => h.active());

describe('Scheduler (fakes, ManualClock)', () => {
  it('places a formation one job per host and writes each job’s states in order; completes the scale request', async () => {
    const t = await setup(['hostA', 'hostB']);
    const s = t.make('s1', false);
    await s.start();
    t.controller.setFormation(testWireFormation('app1', 'r1', { web: 2 }));
    await t.advance(200);
    await settle(() => t.controller.inState('up').length === 2, 'two jobs up');
    expect([...t.hosts.values()].map((h) => h.active().length)).toEqual([1, 1]);
    for (const j of t.controller.inState('up')) expect(t.controller.statesOf(j.uuid)).toEqual(['pending', 'starting', 'up']);
    await t.advance(100);
    expect(t.controller.completedScales).toEqual(['scale-1']);

    t.controller.setFormation(testWireFormation('app1', 'r1', { web: 1 }));
    await t.advance(200);
    await settle(() => t.controller.inState('down').length === 1, 'one job down');
    const down = t.controller.inState('down')[0]!;
    expect(t.controller.statesOf(down.uuid)).toEqual(['pending', 'starting', 'up', 'stopping', 'down']);
    expect(running(t.hosts)).toHaveLength(1);
  });

  it('replaces a crashed job with a new one: no delay for the first five restarts, then 10 s', async () => {
    const t = await setup(['hostA']);
    const s = t.make('s1', false);
    await s.start();
    t.controller.setFormation(testWireFormation('app1', 'r1', { web: 1 }));
    await t.advance(200);
    const host = t.hosts.get('hostA')!;
    for (let restart = 1; restart <= 5; restart++) {
      await settle(() => host.active().length === 1, `job ${restart} running`);
      host.crash(host.active()[0]!);
      await t.advance(100);
      await settle(() => host.added.length === restart + 1, `restart ${restart} sent without delay`);
    }
    const ids = host.added.map((id) => id.slice(-36));
    expect(ids.map((id) => t.controller.jobs.get(id)?.restarts)).toEqual([0, 1, 2, 3, 4, 5]);
    // The sixth replacement (restarts 5 so far) waits 10 s.
    await settle(() => host.active().length === 1);
    host.crash(host.active()[0]!);
    await t.advance(9_800);
    expect(host.added).toHaveLength(6);
    const pending = [...t.controller.jobs.values()].find((j) => j.state === 'pending' && j.host_id === undefined);
    expect(pending).toMatchObject({ restarts: 6 });
    expect(Date.parse(pending!.run_at!) - t.clock.now()).toBeGreaterThan(0);
    await t.advance(400);
    await settle(() => host.added.length === 7, 'seventh job after 10 s');
  });

  it('does not restart a job it stopped, nor a one-off job', async () => {
    const t = await setup(['hostA']);
    const s = t.make('s1', false);
    await s.start();
    const host = t.hosts.get('hostA')!;
    t.controller.setFormation(testWireFormation('app1', 'r1', { web: 1 }));
    await t.advance(200);
    await settle(() => host.active().length === 1);
    const oneOff = `hostA-${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`;
    await host.addJob({ id: oneOff, metadata: { 'flynn-controller.app': 'app1', 'flynn-controller.release': 'r1', 'flynn-controller.type': 'run' }, config: { args: ['sh'] } });
    await t.advance(200);
    await settle(() => s.table.get(oneOff.slice(-36))?.state === 'up', 'one-off job seen');
    host.crash(oneOff, 0);
    t.controller.setFormation(testWireFormation('app1', 'r1', { web: 0 }));
    await t.advance(500);
    await settle(() => host.active().length === 0, 'all stopped');
    await t.advance(1_000);
    expect(host.added).toHaveLength(2);
    expect(s.table.get(oneOff.slice(-36))?.state).toBe('down');
    expect(t.controller.jobs.has(oneOff.slice(-36))).toBe(false);
  });

  it('replaces the jobs of a host after 10 failed status checks, not before', async () => {
    const t = await setup(['hostA', 'hostB']);
    const s = t.make('s1', false);
    await s.start();
    t.controller.setFormation(testWireFormation('app1', 'r1', { web: 2 }));
    await t.advance(200);
    await settle(() => t.controller.inState('up').length === 2);
    const b = t.hosts.get('hostB')!;
    const onB = b.active()[0]!;
    b.fail();
    await t.regs.get('hostB')!.close();
    await t.advance(8_500);
    expect(t.controller.jobs.get(onB.slice(-36))?.state).toBe('up');
    expect(s.hosts.health.health('hostB')).toBe('unhealthy');
    await t.advance(2_000);
    await settle(() => t.controller.jobs.get(onB.slice(-36))?.state === 'down', 'lost job down');
    expect(t.controller.jobs.get(onB.slice(-36))?.host_error).toBe('host hostB is down');
    await settle(() => t.hosts.get('hostA')!.active().length === 2, 'replacement on hostA');

    // The host comes back with the old job still running: it was replaced, so it is stopped.
    b.recover();
    t.regs.set('hostB', await t.discovery.register('flynn-host', '10.0.0.2:1113', { id: 'hostB' }));
    await t.advance(1_000);
    await settle(() => b.active().length === 0, 'replaced job stopped on the returning host');
    expect(running(t.hosts)).toHaveLength(2);
  });

  it('writes nothing as a follower; the next leader takes over the jobs without duplicating them', async () => {
    const t = await setup(['hostA', 'hostB']);
    const s1 = t.make('s1', true);
    await s1.start();
    await t.advance(200);
    const s2 = t.make('s2', true);
    await s2.start();
    await t.advance(200);
    expect([s1.role, s2.role]).toEqual(['leader', 'follower']);
    t.controller.setFormation(testWireFormation('app1', 'r1', { web: 3 }));
    await t.advance(300);
    await settle(() => t.controller.inState('up').length === 3);
    expect(s2.table.views().filter((j) => j.state === 'up')).toHaveLength(3);
    const writes = t.controller.writes.length;

    await s1.close();
    await t.advance(300);
    await settle(() => s2.role === 'leader', 's2 leading');
    await t.advance(1_000);
    expect(running(t.hosts)).toHaveLength(3);
    expect([...t.hosts.values()].reduce((n, h) => n + h.added.length, 0)).toBe(3);
    // The new leader re-wrote nothing it did not change (same states), and keeps scheduling.
    expect(t.controller.writes.slice(writes).every((w) => w.state === 'up')).toBe(true);
    t.controller.setFormation(testWireFormation('app1', 'r1', { web: 4 }));
    await t.advance(300);
    await settle(() => t.controller.inState('up').length === 4, 'scaled by s2');
  });
});
