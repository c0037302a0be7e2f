/**
 * The flynn-router daemon as a program: flags and env, proxying HTTP and
 * HTTPS from a routes file, the API (status, events), registration of
 * `router-api` / `router-http` and backends from a real discoverd, graceful
 * SIGTERM (a request in flight completes, exit 0), one and two workers.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deferred, waitFor } from '@flynn-ts/core/testing';
import { startDiscoverd } from '@flynn-ts/discoverd';
import type { Discoverd } from '@flynn-ts/discoverd';
import { DiscoveryClient } from '@flynn-ts/discovery';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const main = join(here, '../src/main.ts');

let dir: string;
let backendPort: number;
let backendServer: HttpServer;
let release = deferred<void>();
let slowSeen = 0;
const children: ChildProcess[] = [];

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'router-daemon-'));
  const http = await import('node:http');
  backendServer = http.createServer((req, res) => {
    const reply = () => res.end(JSON.stringify({ url: req.url, xfp: req.headers['x-forwarded-proto'] }));
    if (req.url === '/slow') {
      slowSeen++;
      void release.promise.then(reply);
    }
    else reply();
  });
  await new Promise<void>((r) => backendServer.listen(0, '127.0.0.1', r));
  backendPort = (backendServer.address() as AddressInfo).port;
});

afterAll(async () => {
  release.resolve();
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await new Promise<void>((r) => backendServer.close(() => r()));
  await rm(dir, { recursive: true, force: true });
});

interface Daemon {
  child: ChildProcess;
  http: number;
  https: number;
  api: number;
  logs: string[];
  exited: Promise<number | null>;
}

async function startDaemon(extraArgs: string[], env: Record<string, string> = {}): Promise<Daemon> {
  const [http, https, api] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(process.execPath, ['--conditions=@flynn-ts/source', '--import', 'tsx', main, '-http-port', String(http), '-https-port', String(https), '-api-port', String(api), ...extraArgs], {
    cwd: root,
    env: { ...process.env, LISTEN_IP: '127.0.0.1', COOKIE_KEY: randomBytes(32).toString('base64'), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  const logs: string[] = [];
  child.stderr!.on('data', (d: Buffer) => logs.push(...d.toString().split('\n').filter(Boolean)));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  await waitFor(() => logs.some((l) => l.includes('"event":"started"')) || child.exitCode !== null, { timeoutMs: 60_000, what: 'daemon start' });
  if (child.exitCode !== null) throw new Error(`daemon exited: ${logs.join('\n')}`);
  return { child, http, https, api, logs, exited };
}

function get(port: number, path: string, host = 'app.test'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function routesFile(): Promise<string> {
  const file = join(dir, `routes-${randomBytes(4).toString('hex')}.json`);
  await writeFile(file, JSON.stringify({ routes: [{ type: 'http', id: 'app', service: 'app', domain: 'app.test', drain_backends: true }], backends: { app: [`127.0.0.1:${backendPort}`] } }));
  return file;
}

describe('flynn-router daemon', () => {
  it('exits 2 on a bad flag', async () => {
    const child = spawn(process.execPath, ['--conditions=@flynn-ts/source', '--import', 'tsx', main, '-bogus'], { cwd: root, stdio: 'ignore' });
    children.push(child);
    expect(await new Promise((r) => child.on('exit', r))).toBe(2);
  });

  for (const workers of [0, 2]) {
    it(`proxies HTTP and HTTPS, serves the API, and drains on SIGTERM (${workers === 0 ? 'one process' : `${workers} workers`})`, async () => {
      const certDir = await mkdtemp(join(dir, 'tls-'));
      const { execFileSync } = await import('node:child_process');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(certDir, 'k.pem'), '-out', join(certDir, 'c.pem'), '-days', '1', '-subj', '/CN=app.test'], { stdio: 'ignore' });
      const d = await startDaemon(['-routes-file', await routesFile(), '-workers', String(workers), '-tls-cert', join(certDir, 'c.pem'), '-tls-key', join(certDir, 'k.pem'), '-shutdown-grace', '5s']);
      expect(JSON.parse((await get(d.http, '/x')).body)).toEqual({ url: '/x', xfp: 'http' });
      const agent = new Agent({ connect: { rejectUnauthorized: false } });
      const rs = await request(`https://127.0.0.1:${d.https}/y`, { headers: { host: 'app.test' }, dispatcher: agent });
      expect(await rs.body.json()).toEqual({ url: '/y', xfp: 'https' });
      await agent.close();
      const status = JSON.parse((await get(d.api, '/.well-known/status')).body) as { data: { status: string; detail: { routes: number } } };
      expect(status.data).toMatchObject({ status: 'healthy', detail: { routes: 1 } });
      // SIGTERM with a request in flight: it completes, then the daemon exits 0.
      release = deferred<void>();
      const seen = slowSeen;
      const slow = get(d.http, '/slow');
      await waitFor(() => slowSeen > seen, { what: 'slow request at the backend' });
      d.child.kill('SIGTERM');
      await waitFor(() => d.logs.some((l) => l.includes('"event":"signal"')), { what: 'signal logged' });
      release.resolve();
      expect((await slow).status).toBe(200);
      expect(await d.exited).toBe(0);
    });
  }

  it('registers router-api and router-http and takes backends from discoverd', async () => {
    const ddir = await mkdtemp(join(dir, 'discoverd-'));
    const discoverd: Discoverd = await startDiscoverd({ dataDir: ddir, host: '127.0.0.1', addr: '127.0.0.1:0', ttlMs: 3_000 });
    const client = new DiscoveryClient({ servers: [discoverd.url] });
    try {
      const file = join(dir, 'routes-discovery.json');
      await writeFile(file, JSON.stringify({ routes: [{ type: 'http', id: 'app', service: 'app', domain: 'app.test' }] }));
      const d = await startDaemon(['-routes-file', file, '-discoverd', discoverd.url]);
      await waitFor(async () => (await client.instances('router-api')).some((i) => i.addr === `127.0.0.1:${d.api}`), { what: 'router-api registered' });
      expect((await client.instances('router-http')).map((i) => i.addr)).toContain(`127.0.0.1:${d.http}`);
      const hb = await client.register('app', `127.0.0.1:${backendPort}`);
      await waitFor(async () => (await get(d.http, '/z')).status === 200, { what: 'backend from discovery' });
      d.child.kill('SIGTERM');
      expect(await d.exited).toBe(0);
      await waitFor(async () => (await client.instances('router-api')).length === 0, { what: 'deregistered' });
      await hb.close();
    } finally {
      await client.close();
      await discoverd.close();
    }
  });
});
