/**
 * `flynn-scheduler` as real processes against a real cluster (the scheduler
 * package's test cluster: PostgreSQL + controller, discoverd, three hosts
 * with the process driver): two daemons, the second finding the controller
 * through discovery; the leader is killed with SIGKILL, the follower takes
 * over once its instance expired, the app never runs more than its jobs
 * until then and for 30 s after (and runs the same ones at the end), the new
 * leader schedules and runs a deployment (progress reported through the
 * controller API: the daemon has no database); a SIGTERM stops it cleanly.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@flynn-ts/core/testing';
import { testPostgresMissing } from '@flynn-ts/controller/testing';
import type { DeploymentEvent } from '@flynn-ts/controller';
import type { Heartbeater } from '@flynn-ts/discovery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY, TestCluster } from '../../../packages/scheduler/test/cluster.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const MAIN = resolve(ROOT, 'daemons/scheduler/src/main.ts');

interface Proc {
  child: ChildProcess;
  url: string;
  logs: Record<string, unknown>[];
  exited: Promise<number | null>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of live) if (p.pid) process.kill(p.pid, 'SIGKILL');
});

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

async function spawnScheduler(env: Record<string, string>): Promise<Proc> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--conditions=@flynn-ts/source', '--import', 'tsx', MAIN], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', CONTROLLER_KEY: KEY, LISTEN_IP: '127.0.0.1', PORT: String(port), HOST_MEMORY: '8GiB', HOST_CPU: '8000', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  live.add(child);
  const logs: Record<string, unknown>[] = [];
  let buf = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    buf += d;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ raw: line });
      }
    }
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => (live.delete(child), r(code))));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/debug/state`).catch(() => undefined))?.status === 200, { timeoutMs: 60_000, what: `scheduler on ${port}` });
  return { child, url, logs, exited };
}

const debugState = async (p: Proc) => (await (await fetch(`${p.url}/debug/state`)).json()) as { role: string; hostsSynced: boolean };
const role = async (p: Proc): Promise<string> => (await debugState(p)).role;

describe.skipIf(testPostgresMissing())('flynn-scheduler daemon', () => {
  let cluster: TestCluster;
  let controllerReg: Heartbeater;
  const procs: Proc[] = [];
  beforeAll(async () => {
    cluster = await TestCluster.start({ hosts: 3 });
    controllerReg = await cluster.discovery.register('controller', cluster.controllerUrl.replace(/^http:\/\//, ''));
  });
  afterAll(async () => {
    if (process.env.SCHEDULER_TEST_LOG) for (const p of procs) for (const l of p.logs) process.stderr.write(JSON.stringify(l) + '\n');
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await controllerReg?.close().catch(() => {});
    await cluster?.close();
  });

  it('fails over from a killed leader without duplicate jobs (30 s), deploys through the controller API, and stops cleanly on SIGTERM', async () => {
    // No database: the deployer reports deployment progress through the controller API.
    const base = { DISCOVERD: cluster.discoverd.url };
    const first = await spawnScheduler({ ...base, CONTROLLER_URL: cluster.controllerUrl, SCHEDULER_NAME: 'd1' });
    procs.push(first);
    await waitFor(async () => (await role(first)) === 'leader', { what: 'd1 leading', timeoutMs: 30_000 });
    const second = await spawnScheduler({ ...base, SCHEDULER_NAME: 'd2' });
    procs.push(second);
    await waitFor(async () => (await role(second)) === 'follower' && (await debugState(second)).hostsSynced, { what: 'd2 following' });

    const { app, release } = await cluster.createApp('ha', { web: { args: ['sleep', '3600'] } }, { strategy: 'one-by-one' });
    await cluster.client.setAppRelease(app.id, release.id);
    await cluster.client.putFormation({ app: app.id, release: release.id, processes: { web: 3 } });
    await waitFor(async () => (await cluster.jobs(app.id, 'up')).length === 3, { what: '3 jobs up', timeoutMs: 60_000 });
    const before = cluster.running(app.id).map((j) => j.id).sort();

    first.child.kill('SIGKILL');
    expect(await first.exited).toBe(null);
    // Until the follower leads (once d1's instance expired), and for 30 s after, the app never runs more
    // than its 3 jobs, on the hosts or in the controller; at the end it runs exactly the same 3 jobs.
    const over: string[] = [];
    const sample = async (when: string) => {
      const onHosts = cluster.running(app.id).length;
      const recorded = (await cluster.jobs(app.id)).filter((j) => j.state !== 'down').length;
      if (onHosts > 3 || recorded > 3) over.push(`${when}: ${onHosts} on hosts, ${recorded} recorded`);
    };
    await waitFor(
      async () => {
        await sample('before takeover');
        return (await role(second)) === 'leader';
      },
      { what: 'd2 leading', timeoutMs: 60_000, intervalMs: 500 },
    );
    const ledAt = Date.now();
    while (Date.now() < ledAt + 30_000) {
      await sample(`${Date.now() - ledAt} ms after takeover`);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(over).toEqual([]);
    expect(cluster.running(app.id).map((j) => j.id).sort()).toEqual(before);
    expect((await cluster.jobs(app.id, 'up')).map((j) => j.id).sort()).toEqual(before);

    await cluster.client.putFormation({ app: app.id, release: release.id, processes: { web: 4 } });
    await waitFor(async () => (await cluster.jobs(app.id, 'up')).length === 4, { what: 'scaled by the new leader', timeoutMs: 60_000 });

    // A one-by-one deployment run by d2's deployer, reported through POST /deployments/:id/events.
    const next = await cluster.createRelease(app.id, { web: { args: ['sleep', '3600'] } }, { V: '2' });
    const deployment = await cluster.client.createDeployment(app.id, next.id);
    expect(deployment.status).toBe('pending');
    await waitFor(async () => (await cluster.client.getDeployment(deployment.id)).status === 'complete', { what: 'deployment complete', timeoutMs: 60_000 });
    expect((await cluster.client.getApp(app.id)).release).toBe(next.id);
    const events = (await cluster.client.listEvents({ objectId: deployment.id, objectTypes: ['deployment'], count: 1000 })).reverse().map((e) => e.data as DeploymentEvent);
    expect(events[0]).toMatchObject({ status: 'pending', release: next.id });
    expect(events.at(-1)).toEqual({ app: app.id, deployment: deployment.id, release: next.id, status: 'complete' });
    // Job events name the job's own release: the old jobs going down carry the old release.
    expect(events.filter((e) => e.job_state === 'down').map((e) => e.release)).toEqual([release.id, release.id, release.id, release.id]);
    expect(events.filter((e) => e.job_state === 'up').map((e) => e.release)).toEqual([next.id, next.id, next.id, next.id]);
    await waitFor(async () => (await cluster.jobs(app.id, 'up', next.id)).length === 4 && cluster.running(app.id).length === 4, { what: '4 new jobs running' });

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(second.logs.some((l) => l.event === 'stopped' && l.app === 'scheduler')).toBe(true);
    expect(second.logs.some((l) => l.event === 'became_leader')).toBe(true);
    expect(second.logs.some((l) => l.event === 'deployer_disabled')).toBe(false);
    // The jobs keep running after the schedulers are gone.
    expect(cluster.running(app.id)).toHaveLength(4);
  }, 240_000);
});
