/**
 * Health checks against real TCP/HTTP(S) servers on 127.0.0.1, and
 * registerWhileHealthy end to end (app server → health checks → HTTP client →
 * discoverd HTTP API over the in-memory store).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, RequestListener, Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo, Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingRequirements, waitFor } from '@flynn-ts/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { DiscoveryClient } from '../src/client/discovery-client.js';
import { httpCheck } from '../src/health/http-check.js';
import { registerWhileHealthy } from '../src/health/register-while-healthy.js';
import { tcpCheck } from '../src/health/tcp-check.js';
import { MemoryDiscoveryStore } from '../src/testing/memory-discovery-store.js';
import { serveMemoryDiscovery } from '../src/testing/memory-discovery-server.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listen(server: Server | TcpServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((r) => (server.close(() => r(undefined)), (server as Server).closeAllConnections?.())));
  return (server.address() as AddressInfo).port;
}

async function httpServer(handler: RequestListener): Promise<number> {
  return listen(createServer(handler));
}

const never = () => new AbortController().signal;

describe('tcpCheck', () => {
  it('passes when the port accepts, fails when it refuses', async () => {
    const port = await listen(createTcpServer((s) => s.end()));
    await expect(tcpCheck({ addr: `127.0.0.1:${port}` })(never())).resolves.toBeUndefined();
    const closed = createTcpServer();
    const dead = await listen(closed);
    await new Promise((r) => closed.close(r));
    await expect(tcpCheck({ addr: `127.0.0.1:${dead}` })(never())).rejects.toMatchObject({ code: 'FLYNN_DISCOVERY_HEALTH_TCP' });
  });

  it('stops when its signal aborts', async () => {
    const port = await listen(createTcpServer((s) => s.end()));
    const ctl = new AbortController();
    ctl.abort(new Error('stopped'));
    await expect(tcpCheck({ addr: `127.0.0.1:${port}` })(ctl.signal)).rejects.toThrow('stopped');
  });
});

describe('httpCheck', () => {
  it('checks the status, sends the Host header, and matches within the first 5 KiB', async () => {
    let seen: IncomingHttpHeaders = {};
    const port = await httpServer((req, res) => {
      seen = req.headers;
      if (req.url === '/teapot') return void res.writeHead(418).end();
      if (req.url === '/late') return void res.end('x'.repeat(6 * 1024) + 'NEEDLE');
      res.end('hello NEEDLE world');
    });
    const base = `http://127.0.0.1:${port}`;
    await expect(httpCheck({ url: `${base}/`, host: 'app.example.com', match: 'NEEDLE' })(never())).resolves.toBeUndefined();
    expect(seen.host).toBe('app.example.com');
    expect(seen.connection).toBe('close');
    await expect(httpCheck({ url: `${base}/teapot` })(never())).rejects.toThrow(/expected HTTP status 200, got 418/);
    await expect(httpCheck({ url: `${base}/teapot`, status: 418 })(never())).resolves.toBeUndefined();
    await expect(httpCheck({ url: `${base}/late`, match: 'NEEDLE' })(never())).rejects.toThrow(/did not match/);
    await expect(httpCheck({ url: `${base}/`, match: 'HAYSTACK' })(never())).rejects.toThrow(/did not match/);
  });

  it('times out on a server that never answers', async () => {
    const port = await httpServer(() => {});
    await expect(httpCheck({ url: `http://127.0.0.1:${port}/`, timeoutMs: 200 })(never())).rejects.toMatchObject({ code: 'FLYNN_CORE_TIMEOUT' });
  });

  const noOpenssl = missingRequirements({ commands: ['openssl'] });
  it.skipIf(noOpenssl)('does not verify TLS certificates', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flynn-health-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=self.invalid', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], {
      stdio: 'ignore',
    });
    let servername: string | undefined;
    const server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
      servername = (req.socket as { servername?: string }).servername;
      res.end('secure ok');
    });
    const port = await listen(server);
    await expect(httpCheck({ url: `https://127.0.0.1:${port}/`, host: 'app.example.com', match: 'ok' })(never())).resolves.toBeUndefined();
    expect(servername).toBe('app.example.com');
  });
});

describe('registerWhileHealthy over the wire', () => {
  it('registers while the app answers, deregisters when it stops', async () => {
    const store = new MemoryDiscoveryStore();
    const discoverd = await serveMemoryDiscovery(store);
    const client = new DiscoveryClient({ servers: [discoverd.url] });
    cleanups.push(() => store.close(), () => discoverd.close(), () => client.close());
    let healthy = false;
    const port = await httpServer((_req, res) => res.writeHead(healthy ? 200 : 503).end());
    const addr = `127.0.0.1:${port}`;
    const reg = registerWhileHealthy(client, 'app-web', addr, [tcpCheck({ addr }), httpCheck({ url: `http://${addr}/status` })], {
      intervalMs: 100,
      startIntervalMs: 50,
    });
    cleanups.push(() => reg.close());
    await new Promise((r) => setTimeout(r, 300));
    expect(store.getInstances('app-web') ?? []).toEqual([]);
    healthy = true;
    await waitFor(() => store.getInstances('app-web')?.[0]?.addr === addr, { what: 'registered once healthy' });
    healthy = false;
    await waitFor(() => (store.getInstances('app-web') ?? []).length === 0, { what: 'deregistered once unhealthy' });
    expect(reg.status).toBe('down');
    healthy = true;
    await waitFor(() => reg.status === 'up' && store.getInstances('app-web')?.length === 1, { what: 're-registered' });
    await reg.close();
    expect(store.getInstances('app-web')).toEqual([]);
  });
});
