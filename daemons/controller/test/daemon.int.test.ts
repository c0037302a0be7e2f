/**
 * The `flynn-controller` daemon as real processes: two of them started at
 * once on one fresh database (migrating concurrently), registered in
 * discovery without the key in their meta, streaming the same events while
 * clients write through both, a graceful SIGTERM (deregister, exit 0, JSON
 * logs) and a restart that a connected event stream resumes across; and
 * the daemon finding a real flynn-host (process driver) and a real log
 * aggregator in discoverd: a detached and an attached one-off job (the
 * upgrade handler wired to its HTTP server), and the job's lines through
 * `GET /apps/:id/log`.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { basicAuthHeader, ControllerClient } from '@flynn-ts/controller';
import type { ControllerEvent } from '@flynn-ts/controller';
import { startTestPostgres, testPostgresMissing } from '@flynn-ts/controller/testing';
import type { TestPostgres } from '@flynn-ts/controller/testing';
import { waitFor } from '@flynn-ts/core/testing';
import { DiscoveryClient } from '@flynn-ts/discovery';
import { MemoryDiscoveryStore, serveMemoryDiscovery } from '@flynn-ts/discovery/testing';
import type { MemoryDiscoveryServer } from '@flynn-ts/discovery/testing';
import { FileLogManager, HostClient, ProcessDriver, startHost } from '@flynn-ts/host';
import { LogAggregator } from '@flynn-ts/logaggregator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const MAIN = resolve(ROOT, 'daemons/controller/src/main.ts');
const KEY = 'daemon-key';
const MISSING = testPostgresMissing();

interface Proc {
  child: ChildProcess;
  port: number;
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

async function spawnController(env: Record<string, string>, port: number): Promise<Proc> {
  const child = spawn(process.execPath, ['--conditions=@flynn-ts/source', '--import', 'tsx', MAIN], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', AUTH_KEY: KEY, LISTEN_IP: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', ...env },
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
  await waitFor(async () => (await fetch(`${url}/ping`).catch(() => undefined))?.status === 200, { timeoutMs: 30_000, what: `controller on ${port}` });
  return { child, port, url, logs, exited };
}

describe.skipIf(MISSING)('flynn-controller daemon', () => {
  let pg: TestPostgres;
  let discovery: MemoryDiscoveryServer;
  let dc: DiscoveryClient;
  let env: Record<string, string>;
  const procs: Proc[] = [];

  beforeAll(async () => {
    pg = await startTestPostgres();
    discovery = await serveMemoryDiscovery(new MemoryDiscoveryStore());
    dc = new DiscoveryClient({ servers: [discovery.url] });
    env = { DATABASE_URL: await pg.createDatabase(), DISCOVERD: discovery.url, DEFAULT_ROUTE_DOMAIN: 'daemon.test' };
  }, 60_000);
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await dc?.close();
    await discovery?.close();
    await pg?.stop();
  });

  it('runs two controllers on one database: registered without the key, streaming the same events, stopping gracefully, resuming after a restart', async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const [a, b] = await Promise.all([spawnController(env, portA), spawnController(env, portB)]);
    procs.push(a, b);

    const instances = await waitFor(async () => {
      const list = await dc.instances('controller');
      return list.length === 2 ? list : undefined;
    });
    expect(instances.map((i) => i.addr).sort()).toEqual([`127.0.0.1:${portA}`, `127.0.0.1:${portB}`].sort());
    for (const i of instances) {
      expect(i.proto).toBe('http');
      expect(JSON.stringify(i.meta ?? {})).not.toContain(KEY);
    }

    const clientA = new ControllerClient({ urls: [a.url], key: KEY });
    const clientB = new ControllerClient({ urls: [b.url], key: KEY });
    const streamA = clientA.streamEvents({ past: true });
    const streamB = clientB.streamEvents({ past: true });
    const gotA: ControllerEvent[] = [];
    const gotB: ControllerEvent[] = [];
    void (async () => {
      for await (const e of streamA) gotA.push(e);
    })().catch(() => {});
    void (async () => {
      for await (const e of streamB) gotB.push(e);
    })().catch(() => {});

    await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? clientA : clientB).createApp({ name: `d-${i}` })));
    const expected = (await clientA.listEvents()).reverse();
    expect(expected).toHaveLength(20); // 10 apps with their default routes
    await waitFor(() => gotA.length >= 20 && gotB.length >= 20, { what: 'both streams' });
    expect(gotA.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    expect(gotB.map((e) => e.id)).toEqual(expected.map((e) => e.id));

    // graceful stop of A: deregistered, exit code 0, structured logs
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect((await dc.instances('controller')).map((i) => i.addr)).toEqual([`127.0.0.1:${portB}`]);
    expect(a.logs.some((l) => l.event === 'stopped' && l.level === 'info')).toBe(true);
    expect(a.logs.every((l) => typeof l.level === 'string' && typeof l.time === 'string')).toBe(true);

    // writes while A is down, then A comes back on the same port: A's stream resumes without gap
    await clientB.createApp({ name: 'while-down' });
    const a2 = await spawnController(env, portA);
    procs.push(a2);
    await clientA.createApp({ name: 'after-restart' });
    const all = (await clientB.listEvents()).reverse();
    await waitFor(() => gotA.length >= all.length, { timeoutMs: 20_000, what: 'resumed stream' });
    expect(gotA.map((e) => e.id)).toEqual(all.map((e) => e.id));

    streamA.close();
    streamB.close();
    await clientA.close();
    await clientB.close();
    b.child.kill('SIGTERM');
    a2.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);
    expect(await a2.exited).toBe(0);
  });

  it('exits with status 2 and a message when AUTH_KEY is missing', async () => {
    const child = spawn(process.execPath, ['--conditions=@flynn-ts/source', '--import', 'tsx', MAIN], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    live.add(child);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => (live.delete(child), r(c))));
    expect(code).toBe(2);
    expect(err).toMatch(/AUTH_KEY is required/);
  });

  it('runs one-off jobs on a host and serves logs from an aggregator it finds in discoverd', async () => {
    const dir = await mkdtemp(join(tmpdir(), `flynn-ctl-daemon-${process.pid}-`));
    const discoveries = [0, 1, 2].map(() => new DiscoveryClient({ servers: [discovery.url] }));
    const aggregator = await LogAggregator.start({ discovery: discoveries[0]!, refill: false, flushMs: 20 });
    const logs = new FileLogManager({ dir: join(dir, 'logs'), hostId: 'dhost', discovery: discoveries[1]!, flushMs: 20, shipping: { backoff: { initialMs: 20, maxMs: 200 } } });
    const host = await startHost({ id: 'dhost', stateDir: join(dir, 'host'), driver: new ProcessDriver({ pollIntervalMs: 100 }), port: 0, discovery: discoveries[2]!, logs });
    const hostClient = new HostClient({ url: host.url });
    const proc = await spawnController({ ...env, DATABASE_URL: await pg.createDatabase() }, await freePort());
    procs.push(proc);
    const client = new ControllerClient({ urls: [proc.url], key: KEY });
    try {
      await waitFor(async () => (await dc.instances('flynn-host')).length === 1 && (await dc.instances('logaggregator')).length === 1, { what: 'host and aggregator registered' });
      const app = await client.createApp({ name: 'jobs' });
      const artifact = await client.createArtifact({ type: 'docker', uri: `docker://busybox-${randomUUID()}` });
      const release = await client.createRelease(app.id, { artifacts: [artifact.id] });
      await client.setAppRelease(app.id, release.id);

      const job = await client.runJob('jobs', { args: ['sh', '-c', 'echo from-the-daemon; exit 2'] });
      expect(job).toMatchObject({ host_id: 'dhost', state: 'starting' });
      await waitFor(async () => (await client.getJob('jobs', job.id!)).state === 'down', { timeoutMs: 20_000, what: 'the job down' });
      expect(await client.getJob('jobs', job.id!)).toMatchObject({ state: 'down', exit_status: 2 });
      expect((await hostClient.getJob(job.id!)).exit_status).toBe(2);

      const res = await attachedRun(proc.url, 'jobs', { args: ['sh', '-c', 'cat; exit 5'] }, 'ping through the daemon\n');
      expect(res).toEqual({ status: 101, stdout: 'ping through the daemon\n', exit: 5 });

      const lines = await waitFor(async () => {
        const r = await fetch(`${proc.url}/apps/jobs/log?job_id=${job.id}`, { headers: { authorization: basicAuthHeader(KEY) } });
        const text = r.status === 200 ? await r.text() : '';
        return text.includes('from-the-daemon') ? text : undefined;
      }, { timeoutMs: 20_000, what: 'the job line through the daemon' });
      expect(JSON.parse(lines.trim())).toMatchObject({ msg: 'from-the-daemon', job_id: job.id, host_id: 'dhost', stream: 'stdout' });
    } finally {
      await client.close();
      proc.child.kill('SIGTERM');
      await proc.exited;
      await hostClient.close();
      await host.close({ stopJobs: true, graceMs: 500 });
      await logs.close();
      await aggregator.close();
      for (const d of discoveries) await d.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** `POST /apps/:app/jobs` upgraded to flynn-attach/0: sends `input` then stdin EOF, collects stdout until the exit frame. */
function attachedRun(base: string, app: string, job: unknown, input: string): Promise<{ status: number; stdout: string; exit?: number }> {
  const body = JSON.stringify(job);
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest(new URL(`/apps/${app}/jobs`, base), {
      method: 'POST',
      headers: { authorization: basicAuthHeader(KEY), connection: 'Upgrade', upgrade: 'flynn-attach/0', 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    req.on('error', reject);
    req.on('response', (r) => {
      let text = '';
      r.setEncoding('utf8').on('data', (d: string) => (text += d));
      r.on('end', () => resolvePromise({ status: r.statusCode ?? 0, stdout: text }));
    });
    req.on('upgrade', (_res, socket: Socket, head: Buffer) => {
      const data = Buffer.from(input);
      const frame = Buffer.alloc(6);
      frame[0] = 3;
      frame.writeUInt32BE(data.length, 2);
      socket.write(Buffer.concat([frame, data, Buffer.from([3, 0, 0, 0, 0, 0])]));
      let buf = head;
      let stdout = '';
      const onData = (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        for (;;) {
          if (buf[0] === 3 && buf.length >= 6 && buf.length >= 6 + buf.readUInt32BE(2)) {
            const len = buf.readUInt32BE(2);
            if (buf[1] === 1) stdout += buf.subarray(6, 6 + len).toString('utf8');
            buf = buf.subarray(6 + len);
          } else if (buf[0] === 5 && buf.length >= 5) {
            socket.end();
            return resolvePromise({ status: 101, stdout, exit: buf.readUInt32BE(1) });
          } else if (buf.length > 0 && buf[0] !== 3 && buf[0] !== 5) {
            return reject(new Error(`unexpected attach frame ${buf[0]}`));
          } else {
            return;
          }
        }
      };
      socket.on('data', onData);
      if (head.length > 0) onData(Buffer.alloc(0));
    });
    req.end(body);
  });
}
