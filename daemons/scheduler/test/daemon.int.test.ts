/**
 * `flynn-scheduler` as real processes against a real cluster (the scheduler
 * package's test cluster: PostgreSQL + controller, discoverd, three hosts
 * with the process driver): two daemons, the second finding the controller
 * through discovery; the leader is killed with SIGKILL, the follower takes
 * over once its instance expired, the app keeps exactly its jobs over the
 * whole window, and the new leader schedules; a SIGTERM stops it cleanly.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@flynn-ts/core/testing';
import { testPostgresMissing } from '@flynn-ts/controller/testing';
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

  it('fails over from a killed leader without duplicate jobs, and stops cleanly on SIGTERM', async () => {
    const base = { DISCOVERD: cluster.discoverd.url, DATABASE_URL: cluster.databaseUrl };
    const first = await spawnScheduler({ ...base, CONTROLLER_URL: cluster.controllerUrl, SCHEDULER_NAME: 'd1' });
    procs.push(first);
    await waitFor(async () => (await role(first)) === 'leader', { what: 'd1 leading', timeoutMs: 30_000 });
    const second = await spawnScheduler({ ...base, SCHEDULER_NAME: 'd2' });
    procs.push(second);
    await waitFor(async () => (await role(second)) === 'follower' && (await debugState(second)).hostsSynced, { what: 'd2 following' });

    const { app, release } = await cluster.createApp('ha', { web: { args: ['sleep', '3600'] } });
    await cluster.client.putFormation({ app: app.id, release: release.id, processes: { web: 3 } });
    await waitFor(async () => (await cluster.jobs(app.id, 'up')).length === 3, { what: '3 jobs up', timeoutMs: 60_000 });

    first.child.kill('SIGKILL');
    expect(await first.exited).toBe(null);
    // Until the follower leads, and a few seconds after, the app runs exactly its 3 jobs.
    const counts = new Set<number>();
    let ledAt: number | undefined;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline && (ledAt === undefined || Date.now() < ledAt + 4_000); ) {
      counts.add(cluster.running(app.id).length);
      counts.add((await cluster.jobs(app.id)).filter((j) => j.state !== 'down').length);
      if (ledAt === undefined && (await role(second)) === 'leader') ledAt = Date.now();
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(ledAt).toBeDefined();
    expect([...counts]).toEqual([3]);

    await cluster.client.putFormation({ app: app.id, release: release.id, processes: { web: 4 } });
    await waitFor(async () => (await cluster.jobs(app.id, 'up')).length === 4, { what: 'scaled by the new leader', timeoutMs: 60_000 });

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(second.logs.some((l) => l.event === 'stopped' && l.app === 'scheduler')).toBe(true);
    expect(second.logs.some((l) => l.event === 'became_leader')).toBe(true);
    // The jobs keep running after the schedulers are gone.
    expect(cluster.running(app.id)).toHaveLength(4);
  }, 150_000);
});
