/**
 * The deployer and the leader election on a real cluster (./cluster.ts)
 * with two schedulers and an in-process router (`@flynn-ts/router`, its
 * backends from discoverd, its API registered as `router-api`): a one-by-one
 * deploy of a small HTTP server from release A to B under continuous HTTP load
 * through the router (zero failed requests), a deploy of a crashing release
 * (failed, rolled back, the old jobs still serving), and the follower taking
 * over when the leader stops, without duplicate jobs.
 */
import { waitFor } from '@flynn-ts/core/testing';
import type { Deployment, DeploymentEvent, ProcessType } from '@flynn-ts/controller';
import { testPostgresMissing } from '@flynn-ts/controller/testing';
import type { Heartbeater } from '@flynn-ts/discovery';
import { createRouter } from '@flynn-ts/router';
import type { Router } from '@flynn-ts/router';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TCP_CHECK, TestCluster, WEB_SERVER } from './cluster.js';
import type { TestScheduler } from './cluster.js';

const SERVICE = 'dep-web';
const DOMAIN = 'dep.test';
const web = (): ProcessType => ({
  args: [process.execPath, '-e', WEB_SERVER],
  ports: [{ port: 8080, proto: 'tcp', service: { name: SERVICE, create: true, check: TCP_CHECK } }],
  service: SERVICE,
});

describe.skipIf(testPostgresMissing())('deployments and leader election on a real cluster', () => {
  let cluster: TestCluster;
  let s1: TestScheduler;
  let s2: TestScheduler;
  let router: Router;
  let routerPort: number;
  let routerReg: Heartbeater;
  let appId: string;
  let releaseA: string;
  let releaseB: string;

  beforeAll(async () => {
    cluster = await TestCluster.start({ hosts: 3 });
    s1 = await cluster.startScheduler();
    await waitFor(() => s1.scheduler.role === 'leader', { what: 'first scheduler leading', timeoutMs: 20_000 });
    s2 = await cluster.startScheduler();
    router = createRouter({ routes: [{ type: 'http', id: 'dep', service: SERVICE, domain: DOMAIN, drain_backends: true }], discovery: cluster.discovery });
    const addrs = await router.listen({ host: '127.0.0.1', http: 0, api: 0 });
    routerPort = addrs.http[0]!;
    routerReg = await cluster.discovery.register('router-api', addrs.api!.replace(/^http:\/\//, ''));
    await waitFor(() => s1.scheduler.routers.summary().some((r) => r.synced && r.routes === 1), { what: 'scheduler follows the router' });
  });
  afterAll(async () => {
    await routerReg?.close().catch(() => {});
    await router?.close({ graceMs: 200 });
    await cluster?.close();
  });

  /** A POST (not replayable: the router retries no POST on another backend, so a job killed mid-request fails it). */
  const get = async (): Promise<string> => {
    const res = await request(`http://127.0.0.1:${routerPort}/`, { method: 'POST', headers: { host: DOMAIN, 'content-type': 'text/plain' }, body: 'ping' });
    const body = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${body}`);
    return body;
  };

  /** Sends requests through the router from `workers` loops until stopped; counts answers by body and failures. */
  function load(workers = 4) {
    const seen = new Map<string, number>();
    const failures: string[] = [];
    let stop = false;
    const loops = Array.from({ length: workers }, async () => {
      while (!stop) {
        try {
          const body = await get();
          seen.set(body, (seen.get(body) ?? 0) + 1);
        } catch (err) {
          failures.push(String(err));
        }
      }
    });
    return {
      seen,
      failures,
      total: () => [...seen.values()].reduce((a, b) => a + b, 0) + failures.length,
      async stop() {
        stop = true;
        await Promise.all(loops);
      },
    };
  }

  async function deployAndWait(release: string): Promise<Deployment> {
    const d = await cluster.client.createDeployment(appId, release);
    return waitFor(async () => {
      const cur = await cluster.client.getDeployment(d.id);
      return cur.status === 'complete' || cur.status === 'failed' ? cur : undefined;
    }, { what: `deployment of ${release} finished`, timeoutMs: 90_000, intervalMs: 100 });
  }

  async function deploymentEvents(id: string): Promise<DeploymentEvent[]> {
    const events = await cluster.client.listEvents({ appId, objectTypes: ['deployment'], objectId: id, count: 1000 });
    return events.reverse().map((e) => e.data as DeploymentEvent);
  }

  it('deploys one-by-one from A to B under HTTP load (POSTs) through the router without a failed request', async () => {
    const { app, release } = await cluster.createApp('dep', { web: web() }, { strategy: 'one-by-one', deploy_timeout: 60 });
    appId = app.id;
    releaseA = release.id;
    await cluster.client.putFormation({ app: appId, release: releaseA, processes: { web: 2 } });
    await cluster.client.setAppRelease(appId, releaseA);
    await waitFor(async () => (await cluster.jobs(appId, 'up', releaseA)).length === 2, { what: 'A up', timeoutMs: 60_000 });
    await waitFor(async () => (await get()) === releaseA, { what: 'A answering through the router' });

    releaseB = (await cluster.createRelease(appId, { web: web() }, { VERSION: 'b' })).id;
    const traffic = load();
    await waitFor(() => traffic.total() >= 20, { what: 'load running' });
    const d = await deployAndWait(releaseB);
    await waitFor(() => (traffic.seen.get(releaseB) ?? 0) >= 10, { what: 'B answering' });
    await traffic.stop();

    expect(d.status).toBe('complete');
    expect(traffic.failures).toEqual([]);
    expect(traffic.seen.get(releaseA)).toBeGreaterThan(0);
    expect((await cluster.client.getApp(appId)).release).toBe(releaseB);
    expect(await cluster.jobs(appId, 'up', releaseB)).toHaveLength(2);
    expect(cluster.running(appId).map((r) => r.release)).toEqual([releaseB, releaseB]);
    await waitFor(async () => (await cluster.jobs(appId, undefined, releaseA)).every((j) => j.state === 'down'), { what: 'A down' });

    const events = await deploymentEvents(d.id);
    expect(events[0]!.status).toBe('pending');
    expect(events.at(-1)!.status).toBe('complete');
    // Job events (the controller records them all under the new release): two new jobs up, two old
    // ones stopped, and one by one: the first new job is up before the first old one stops.
    const states = events.filter((e) => e.job_state !== undefined).map((e) => e.job_state);
    expect(states.filter((x) => x === 'up')).toHaveLength(2);
    expect(states.filter((x) => x === 'down')).toHaveLength(2);
    expect(states.indexOf('up')).toBeLessThan(states.indexOf('stopping'));
  });

  it('fails a deploy of a crashing release, rolls back, and the old jobs keep serving', async () => {
    const before = (await cluster.jobs(appId, 'up', releaseB)).map((j) => j.uuid).sort();
    const crashing = (await cluster.createRelease(appId, { web: { ...web(), args: ['sh', '-c', 'exit 3'] } })).id;
    const traffic = load(2);
    const d = await deployAndWait(crashing);
    await traffic.stop();

    expect(d.status).toBe('failed');
    const events = await deploymentEvents(d.id);
    expect(events.at(-1)).toMatchObject({ status: 'failed', error: expect.stringMatching(/web job failed to start/) });
    expect((await cluster.client.getApp(appId)).release).toBe(releaseB);
    await expect(cluster.client.getFormation(appId, crashing)).rejects.toMatchObject({ status: 404 });
    expect((await cluster.jobs(appId, 'up', releaseB)).map((j) => j.uuid).sort()).toEqual(before);
    await waitFor(async () => (await cluster.jobs(appId, undefined, crashing)).every((j) => j.state === 'down'), { what: 'crashing jobs down' });
    expect(traffic.failures).toEqual([]);
    expect(await get()).toBe(releaseB);
  });

  it('hands over to the follower when the leader stops: no duplicate jobs, and it keeps scheduling', async () => {
    expect(s1.scheduler.role).toBe('leader');
    expect(s2.scheduler.role).toBe('follower');
    await s1.close();
    await waitFor(() => s2.scheduler.role === 'leader', { what: 'second scheduler leading', timeoutMs: 20_000 });
    // Over a window after the takeover, the app runs exactly its 2 jobs.
    const counts = new Set<number>();
    const until = Date.now() + 4_000;
    while (Date.now() < until) {
      counts.add(cluster.running(appId).length);
      counts.add((await cluster.jobs(appId)).filter((j) => j.state !== 'down').length);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect([...counts]).toEqual([2]);
    await cluster.client.putFormation({ app: appId, release: releaseB, processes: { web: 3 } });
    await waitFor(async () => (await cluster.jobs(appId, 'up', releaseB)).length === 3, { what: 'scaled by the new leader', timeoutMs: 60_000 });
    expect(new Set(cluster.running(appId).map((r) => r.hostId)).size).toBe(3);
  });
});
