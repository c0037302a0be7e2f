/**
 * Failures and changes under traffic: a backend killed mid-traffic (idempotent
 * requests retried elsewhere, nothing hangs, a non-idempotent request in
 * flight gets a 502), dial failures, timeouts (504), and route changes taking
 * effect while requests in flight on the old route complete.
 */
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { waitFor } from '@flynn-ts/core/testing';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createRouter } from '../src/index.js';
import type { Router } from '../src/index.js';
import { get, json, startBackend } from './helpers.js';
import type { Backend } from './helpers.js';

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function routerFor(backends: Record<string, string[]>, extra: Parameters<typeof createRouter>[0] = {}): Promise<{ router: Router; port: number }> {
  const router = createRouter({ routes: [{ type: 'http', id: 'web', service: 'web', domain: 'web.test' }], backends, ...extra });
  const port = (await router.listen({ http: 0 })).http[0]!;
  cleanup.push(() => router.close({ graceMs: 200 }));
  return { router, port };
}

/** Kills a backend like a crash: every connection reset, the port closed. */
async function crash(b: Backend): Promise<void> {
  b.server.closeAllConnections();
  await new Promise<void>((r) => b.server.close(() => r()));
}

async function deadAddr(): Promise<string> {
  const s: Server = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `127.0.0.1:${port}`;
}

describe('backend failures', () => {
  it('retries idempotent requests on another backend when one is killed mid-traffic; nothing hangs', async () => {
    const slowA = await startBackend('a', (_req, res) => setTimeout(() => res.end('a'), 5));
    const b = await startBackend('b', (_req, res) => res.end('b'));
    cleanup.push(() => slowA.server.listening && slowA.close(), () => b.close());
    const { port } = await routerFor({ web: [slowA.addr, b.addr] });
    const agent = new Agent({ connections: 20, headersTimeout: 10_000, bodyTimeout: 10_000 });
    cleanup.push(() => agent.close());
    let killed = false;
    const statuses: number[] = [];
    const worker = async () => {
      for (let i = 0; i < 40; i++) {
        if (i === 10 && !killed) {
          killed = true;
          void crash(slowA);
        }
        const r = await request(`http://127.0.0.1:${port}/`, { headers: { host: 'web.test' }, dispatcher: agent });
        await r.body.text();
        statuses.push(r.statusCode);
      }
    };
    await Promise.all(Array.from({ length: 10 }, worker));
    expect(statuses).toHaveLength(400);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });

  it('answers 502 (not retried) when a backend dies during a POST', async () => {
    const hang = await startBackend('hang', () => {});
    const other = await startBackend('other');
    cleanup.push(() => other.close());
    const { port } = await routerFor({ web: [hang.addr] });
    const pending = get(port, '/', { Host: 'web.test', 'Content-Type': 'text/plain' }, 'POST', 'payload');
    await waitFor(() => hang.seen.length === 1, { what: 'request at the backend' });
    await crash(hang);
    const r = await pending;
    expect(r.status).toBe(502);
    expect(r.body).toMatch(/^Bad Gateway: /);
  });

  it('tries the next backend when a dial fails, and answers 503 when none can be reached', async () => {
    const ok = await startBackend('ok');
    cleanup.push(() => ok.close());
    const dead1 = await deadAddr();
    const dead2 = await deadAddr();
    const { port } = await routerFor({ web: [dead1, ok.addr, dead2] });
    for (let i = 0; i < 10; i++) expect(json(await get(port, '/', { Host: 'web.test' })).backend).toBe('ok');
    const none = await routerFor({ web: [dead1, dead2] });
    const r = await get(none.port, '/', { Host: 'web.test' });
    expect(r.status).toBe(503);
    expect(r.body).toBe('Service Unavailable\n');
  });

  it('answers 504 when the response head does not come in time', async () => {
    const silent = await startBackend('silent', () => {});
    cleanup.push(() => silent.close());
    const { port } = await routerFor({ web: [silent.addr] }, { timeouts: { responseHeaderMs: 200, upstreamIdleMs: 100 } });
    const r = await get(port, '/', { Host: 'web.test' });
    expect(r.status).toBe(504);
  });

  it('cuts the client connection when the backend dies mid-body', async () => {
    let sock: Socket | undefined;
    const half = await startBackend('half', (req, res) => {
      sock = req.socket;
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('only part');
      setTimeout(() => sock?.destroy(), 20);
    });
    cleanup.push(() => half.close());
    const { port } = await routerFor({ web: [half.addr] });
    await expect(get(port, '/', { Host: 'web.test' })).rejects.toThrow();
  });
});

describe('route changes', () => {
  it('applies route additions and removals quickly, without dropping requests in flight', async () => {
    const slow = await startBackend('slow', (_req, res) => setTimeout(() => res.end('slow done'), 400));
    const fresh = await startBackend('fresh');
    cleanup.push(() => slow.close(), () => fresh.close());
    const router = createRouter({ routes: [{ type: 'http', id: 'old', service: 'slow', domain: 'old.test' }], backends: { slow: [slow.addr], fresh: [fresh.addr] } });
    const port = (await router.listen({ http: 0 })).http[0]!;
    cleanup.push(() => router.close({ graceMs: 200 }));

    const inFlight = get(port, '/', { Host: 'old.test' });
    await waitFor(() => slow.seen.length === 1, { what: 'request in flight' });
    const t0 = performance.now();
    router.removeRoute('old');
    router.setRoute({ type: 'http', id: 'new', service: 'fresh', domain: 'new.test' });
    await waitFor(async () => (await get(port, '/', { Host: 'new.test' })).status === 200, { intervalMs: 5, what: 'new route' });
    await waitFor(async () => (await get(port, '/', { Host: 'old.test' })).status === 404, { intervalMs: 5, what: 'old route gone' });
    const tookMs = performance.now() - t0;
    const r = await inFlight;
    expect(r.status).toBe(200);
    expect(r.body).toBe('slow done');
    // Figure for the docs, not an assertion on timing.
    console.info(`route change visible after ${tookMs.toFixed(1)} ms`);
  });
});
