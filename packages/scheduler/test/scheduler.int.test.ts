/**
 * The scheduler loop against a real cluster (./cluster.ts): PostgreSQL and
 * the controller, discoverd, hosts running `sleep` jobs with the process
 * driver, one scheduler. Scaling, omni types and a host added later, job
 * crashes and restarts, one-off jobs, resource-aware placement and blocked
 * jobs, and a host failure. The tests share one cluster and run in order.
 */
import { waitFor } from '@flynn-ts/core/testing';
import type { ControllerEvent, Job } from '@flynn-ts/controller';
import { testPostgresMissing } from '@flynn-ts/controller/testing';
import { GiB } from '@flynn-ts/scheduler';
import type { SchedulerState } from '@flynn-ts/scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster } from './cluster.js';
import type { TestScheduler } from './cluster.js';

const SLEEP = { args: ['sleep', '3600'] };
const RANK: Record<string, number> = { pending: 0, blocked: 0, starting: 1, up: 2, stopping: 3, down: 4 };

describe.skipIf(testPostgresMissing())('scheduler loop on a real cluster', () => {
  let cluster: TestCluster;
  let sched: TestScheduler;
  beforeAll(async () => {
    cluster = await TestCluster.start({ hosts: 3, capacity: { memory: 8 * GiB, cpu: 8000 } });
    sched = await cluster.startScheduler();
    await waitFor(() => sched.scheduler.role === 'leader', { what: 'scheduler leading', timeoutMs: 20_000 });
  });
  afterAll(async () => {
    await cluster?.close();
  });

  const state = async (): Promise<SchedulerState> => (await (await fetch(`${sched.url}/debug/state`)).json()) as SchedulerState;

  it('scales web=3 onto 3 hosts (one each, all up), then to 1: two stopped, every job’s events in order', async () => {
    const { app, release } = await cluster.createApp('scale', { web: SLEEP });
    await cluster.client.putFormation({ app: app.id, release: release.id, processes: { web: 3 } });
    const up = await waitFor(async () => {
      const jobs = await cluster.jobs(app.id, 'up');
      return jobs.length === 3 ? jobs : undefined;
    }, { what: '3 jobs up', timeoutMs: 30_000 });
    expect(new Set(up.map((j) => j.host_id)).size).toBe(3);
    expect(cluster.running(app.id).map((r) => r.hostId).sort()).toEqual(['host1', 'host2', 'host3']);
    // The scale request is completed once the formation converged.
    await waitFor(async () => (await cluster.client.getExpandedFormation(app.id, release.id)).pending_scale_request === undefined, { what: 'scale request complete' });

    await cluster.client.putFormation({ app: app.id, release: release.id, processes: { web: 1 } });
    await waitFor(async () => (await cluster.jobs(app.id, 'down')).length === 2 && cluster.running(app.id).length === 1, { what: '2 jobs down', timeoutMs: 30_000 });
    expect(await cluster.jobs(app.id, 'up')).toHaveLength(1);

    const events = await collectJobEvents(cluster, app.id);
    const byJob = new Map<string, string[]>();
    for (const e of events) byJob.set(e.data.uuid, [...(byJob.get(e.data.uuid) ?? []), e.data.state]);
    expect(byJob.size).toBe(3);
    for (const states of byJob.values()) {
      expect(states.map((s) => RANK[s])).toEqual([...states.map((s) => RANK[s]!)].sort((a, b) => a - b));
      expect(states).toContain('up');
    }
    const stopped = [...byJob.values()].filter((s) => s.includes('down'));
    expect(stopped).toHaveLength(2);
    for (const s of stopped) expect(s.slice(-2)).toEqual(['stopping', 'down']);
  });

  async function collectJobEvents(c: TestCluster, appId: string): Promise<ControllerEvent<Job>[]> {
    return (await c.client.listEvents({ appId, objectTypes: ['job'], count: 1000 })).reverse() as ControllerEvent<Job>[];
  }

  it('runs an omni type once per host, and a host added later gets its own', async () => {
    const { app, release } = await cluster.createApp('omni', { agent: { ...SLEEP, omni: true } });
    await cluster.client.putFormation({ app: app.id, release: release.id, processes: { agent: 1 } });
    await waitFor(async () => (await cluster.jobs(app.id, 'up')).length === 3, { what: '3 omni jobs up', timeoutMs: 30_000 });
    expect(cluster.running(app.id).map((r) => r.hostId).sort()).toEqual(['host1', 'host2', 'host3']);
    await cluster.addHost();
    await waitFor(async () => (await cluster.jobs(app.id, 'up')).length === 4, { what: 'omni job on the new host', timeoutMs: 30_000 });
    expect(cluster.running(app.id).map((r) => r.hostId).sort()).toEqual(['host1', 'host2', 'host3', 'host4']);
  });

  it('replaces a crashed job with a new one (restart count 1, no delay); a one-off job is not restarted', async () => {
    const { app, release } = await cluster.createApp('crashy', { web: SLEEP, run: SLEEP });
    await cluster.client.putFormation({ app: app.id, release: release.id, processes: { web: 1 } });
    const [first] = await waitFor(async () => {
      const jobs = await cluster.jobs(app.id, 'up');
      return jobs.length === 1 ? jobs : undefined;
    }, { what: 'job up', timeoutMs: 30_000 });
    const host = cluster.hosts.find((h) => h.id === first!.host_id)!;
    process.kill(host.host.jobs.get(first!.id!)!.pid!, 'SIGKILL');
    const replacement = await waitFor(async () => {
      const up = (await cluster.jobs(app.id, 'up')).filter((j) => j.uuid !== first!.uuid);
      return up.length === 1 ? up[0] : undefined;
    }, { what: 'replacement up', timeoutMs: 30_000 });
    expect(replacement.restarts).toBe(1);
    expect((await cluster.client.getJob(app.id, first!.uuid)).state).toBe('down');

    // A one-off job (no formation metadata) on host1: killed, it stays down.
    const oneOff = `host1-${crypto.randomUUID()}`;
    const h1 = cluster.hosts[0]!;
    await h1.host.jobs.add({ id: oneOff, metadata: { 'flynn-controller.app': app.id, 'flynn-controller.release': release.id, 'flynn-controller.type': 'run' }, config: { args: ['sleep', '3600'] } });
    await waitFor(async () => {
      const j = (await state()).jobs.find((x) => x.id === oneOff.slice(-36));
      return j?.state === 'up' && j.oneOff;
    }, { what: 'one-off job up' });
    process.kill(h1.host.jobs.get(oneOff)!.pid!, 'SIGKILL');
    const downAt = await waitFor(async () => {
      const s = await state();
      return s.jobs.find((j) => j.id === oneOff.slice(-36))?.state === 'down' ? Date.now() : undefined;
    }, { what: 'one-off job down' });
    // A plan ran after it went down (it would have placed a replacement), and none exists.
    await waitFor(async () => Date.parse((await state()).lastPlan?.at ?? '0') > downAt, { what: 'a later plan' });
    const s = await state();
    expect(s.jobs.filter((j) => j.app === app.id && j.type === 'run' && j.state !== 'down')).toEqual([]);
    // Its state is left to whoever started it (the controller, for `flynn run`): no record here.
    await expect(cluster.client.getJob(app.id, oneOff)).rejects.toMatchObject({ status: 404 });
  });

  it('never places more memory on a host than it has; jobs that fit nowhere are blocked with the reason', async () => {
    const big = { ...SLEEP, resources: { memory: { request: 3 * GiB, limit: 3 * GiB } } };
    const { app, release } = await cluster.createApp('big', { web: big });
    await cluster.client.putFormation({ app: app.id, release: release.id, processes: { web: 12 } });
    const settled = await waitFor(async () => {
      const jobs = await cluster.jobs(app.id);
      const up = jobs.filter((j) => j.state === 'up');
      const blocked = jobs.filter((j) => j.state === 'blocked');
      return up.length + blocked.length === 12 && blocked.length > 0 ? { up, blocked } : undefined;
    }, { what: 'big jobs placed or blocked', timeoutMs: 30_000 });
    for (const b of settled.blocked) expect(b.host_error).toBe('no host has 3072 MiB memory free');
    expect(cluster.running(app.id)).toHaveLength(settled.up.length);
    const s = await state();
    for (const h of s.hosts) expect(h.requested.memory).toBeLessThanOrEqual(h.capacity!.memory);
    // And no host could take one more 3 GiB job.
    for (const h of s.hosts) expect(h.capacity!.memory - h.requested.memory).toBeLessThan(3 * GiB);

    const huge = await cluster.createApp('huge', { web: { ...SLEEP, resources: { memory: { request: 64 * GiB, limit: 64 * GiB } } } });
    await cluster.client.putFormation({ app: huge.app.id, release: huge.release.id, processes: { web: 1 } });
    const [blocked] = await waitFor(async () => {
      const jobs = await cluster.jobs(huge.app.id, 'blocked');
      return jobs.length === 1 ? jobs : undefined;
    }, { what: 'huge job blocked' });
    expect(blocked!.host_error).toBe('no host has 65536 MiB memory free');

    await cluster.client.putFormation({ app: app.id, release: release.id, processes: { web: 0 } });
    await cluster.client.putFormation({ app: huge.app.id, release: huge.release.id, processes: { web: 0 } });
    await waitFor(async () => (await cluster.jobs(app.id)).every((j) => j.state === 'down') && (await cluster.jobs(huge.app.id)).every((j) => j.state === 'down'), {
      what: 'big and huge scaled to zero',
      timeoutMs: 30_000,
    });
  });

  it('replaces the jobs of a failed host on the other hosts', async () => {
    const { app, release } = await cluster.createApp('spread', { web: SLEEP });
    await cluster.client.putFormation({ app: app.id, release: release.id, processes: { web: 4 } });
    await waitFor(async () => cluster.running(app.id).length === 4 && (await cluster.jobs(app.id, 'up')).length === 4, { what: '4 spread jobs up', timeoutMs: 30_000 });
    expect(new Set(cluster.running(app.id).map((r) => r.hostId)).size).toBe(4);
    const victim = cluster.hosts.find((h) => h.id === 'host4')!;
    const onVictim = (await cluster.jobs(app.id, 'up')).filter((j) => j.host_id === 'host4');
    expect(onVictim).toHaveLength(1);
    await victim.kill();
    // About 10 failed checks (1 s apart) later, host4's job is replaced elsewhere.
    await waitFor(async () => {
      const up = await cluster.jobs(app.id, 'up');
      return up.length === 4 && up.every((j) => j.host_id !== 'host4');
    }, { what: 'job of host4 replaced', timeoutMs: 40_000, intervalMs: 250 });
    expect((await cluster.client.getJob(app.id, onVictim[0]!.uuid)).state).toBe('down');
    expect((await state()).hosts.find((h) => h.id === 'host4')?.health).toBe('down');
  });

  it('has /debug/state', async () => {
    const s = await state();
    expect(s).toMatchObject({ role: 'leader', leader: true, formationsSynced: true, hostsSynced: true });
    expect(s.hosts.map((h) => h.id).sort()).toEqual(['host1', 'host2', 'host3', 'host4']);
    expect(s.jobs.length).toBeGreaterThan(0);
  });
});
