/**
 * Backends from a real discoverd (started in-process): instances become
 * backends, a leader route follows a leader change, and a drained backend
 * emits `backend-drained` on `GET /events` only after its last in-flight
 * request finished.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deferred, waitFor } from '@flynn-ts/core/testing';
import { startDiscoverd } from '@flynn-ts/discoverd';
import type { Discoverd } from '@flynn-ts/discoverd';
import { DiscoveryClient } from '@flynn-ts/discovery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouter } from '../src/index.js';
import type { Router } from '../src/index.js';
import { get, json, startBackend } from './helpers.js';
import type { Backend } from './helpers.js';

let dir: string;
let discoverd: Discoverd;
let client: DiscoveryClient;
let router: Router;
let port: number;
let api: string;
const backends: Backend[] = [];
const release = deferred<void>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'router-discoverd-'));
  discoverd = await startDiscoverd({ dataDir: dir, host: '127.0.0.1', addr: '127.0.0.1:0', ttlMs: 2_000 });
  client = new DiscoveryClient({ servers: [discoverd.url] });
  for (const name of ['a', 'b', 'drain']) {
    backends.push(
      await startBackend(name, (req, res) => {
        const answer = () => res.end(JSON.stringify({ backend: name }));
        if (req.url === '/hold') void release.promise.then(answer);
        else answer();
      }),
    );
  }
  router = createRouter({
    routes: [
      { type: 'http', id: 'all', service: 'pool', domain: 'pool.test' },
      { type: 'http', id: 'lead', service: 'pool', domain: 'leader.test', leader: true },
      { type: 'http', id: 'drain', service: 'drainer', domain: 'drain.test', drain_backends: true },
    ],
    discovery: client,
  });
  const addrs = await router.listen({ http: 0, api: 0 });
  port = addrs.http[0]!;
  api = addrs.api!;
});

afterAll(async () => {
  release.resolve();
  await router?.close({ graceMs: 500 });
  await client?.close();
  await discoverd?.close();
  await Promise.all(backends.map((b) => b.close()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

const backendAt = async (host: string) => {
  const r = await get(port, '/', { Host: host });
  return r.status === 200 ? (json(r).backend as string) : `status ${r.status}`;
};

describe('backends from discoverd', () => {
  it('routes to registered instances and follows the service leader', async () => {
    const [a, b] = backends;
    expect(await backendAt('pool.test')).toBe('status 503');
    const hbA = await client.register('pool', a!.addr);
    await waitFor(async () => (await backendAt('pool.test')) === 'a', { what: 'first instance' });
    const hbB = await client.register('pool', b!.addr);
    await waitFor(async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 20; i++) seen.add(await backendAt('pool.test'));
      return seen.size === 2;
    }, { what: 'both instances used' });
    // The oldest instance leads; leader routes use only it.
    for (let i = 0; i < 5; i++) expect(await backendAt('leader.test')).toBe('a');
    await hbA.close();
    await waitFor(async () => (await backendAt('leader.test')) === 'b', { what: 'leader change' });
    for (let i = 0; i < 5; i++) expect(await backendAt('pool.test')).toBe('b');
    await hbB.close();
  });

  it('emits backend-drained only after the last in-flight request to a down backend finished', async () => {
    const drainer = backends[2]!;
    const order: string[] = [];
    const ctl = new AbortController();
    const res = await fetch(`${api}/events?types=backend-up,backend-down,backend-drained`, { signal: ctl.signal });
    const reader = res.body!.getReader();
    const events: Array<{ event: string; backend?: { addr: string } }> = [];
    void (async () => {
      const dec = new TextDecoder();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        buf += dec.decode(value);
        let i;
        while ((i = buf.indexOf('\n\n')) !== -1) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (!data) continue;
          const e = JSON.parse(data.slice(6)) as { event: string; backend?: { addr: string } };
          if (e.backend?.addr !== drainer.addr) continue;
          events.push(e);
          order.push(e.event);
        }
      }
    })();
    const hb = await client.register('drainer', drainer.addr, { FLYNN_JOB_ID: 'job-7' });
    await waitFor(() => events.some((e) => e.event === 'backend-up'), { what: 'backend-up' });
    const held = get(port, '/hold', { Host: 'drain.test' }).then((r) => {
      order.push(`response ${r.status}`);
      return r;
    });
    await waitFor(() => drainer.seen.some((s) => s.url === '/hold'), { what: 'request in flight' });
    await hb.close();
    await waitFor(() => events.some((e) => e.event === 'backend-down'), { what: 'backend-down' });
    await waitFor(() => router.controlPlane.status().draining === 1, { what: 'drain pending' });
    expect(order).toEqual(['backend-up', 'backend-down']);
    release.resolve();
    await held;
    await waitFor(() => events.some((e) => e.event === 'backend-drained'), { what: 'backend-drained' });
    expect(order).toEqual(['backend-up', 'backend-down', 'response 200', 'backend-drained']);
    expect(events[2]).toEqual({ event: 'backend-drained', backend: { service: 'drainer', addr: drainer.addr, job_id: 'job-7' } });
    ctl.abort();
  });
});
