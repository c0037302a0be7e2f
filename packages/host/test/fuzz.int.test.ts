/**
 * Bad input, fuzzed over real HTTP (fast-check): `PUT /host/jobs/:id` with
 * arbitrary JSON, mutated valid jobs, garbage bodies, odd ids and signals.
 * The API must answer 2xx or 4xx with a JSON error body, never a 500, and keep
 * serving. Jobs run on the FakeRuntimeDriver so no fuzzed command executes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlynnHost } from '../src/host.js';
import { startHost } from '../src/host.js';
import { FakeRuntimeDriver } from '../src/testing/fake-runtime-driver.js';

let host: FlynnHost;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), `flynn-host-fuzz-${process.pid}-`));
  host = await startHost({ id: 'fuzz', stateDir: dir, driver: new FakeRuntimeDriver({ fatalSignals: [9, 15] }), port: 0, jobs: { maxConcurrentStarts: 1000 } });
});
afterAll(async () => {
  await host?.close({ stopJobs: true, graceMs: 100 });
  await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
});

let n = 0;
async function check(method: string, path: string, body?: string): Promise<number> {
  const res = await fetch(`${host.url}${path}`, { method, ...(body !== undefined ? { body, headers: { 'Content-Type': 'application/json' } } : {}) });
  const text = await res.text();
  expect(res.status, `${method} ${path} ${body?.slice(0, 200)} → ${res.status} ${text}`).toBeLessThan(500);
  if (res.status >= 400) {
    const err = JSON.parse(text) as { code: unknown; message: unknown };
    expect(typeof err.code).toBe('string');
    expect(typeof err.message).toBe('string');
  }
  return res.status;
}

const validJob = { config: { args: ['sleep', '1'], env: { A: 'b' }, ports: [{ port: 0, proto: 'tcp' }] }, metadata: { k: 'v' }, resources: { memory: { limit: 1024 } } };
const paths = ['config', 'config.args', 'config.env', 'config.ports', 'config.ports.0', 'config.ports.0.port', 'config.uid', 'metadata', 'resources', 'resources.memory', 'mountspecs', 'partition', 'config.volumes'];

function mutate(path: string, value: unknown): unknown {
  const job = structuredClone(validJob) as Record<string, unknown>;
  const keys = path.split('.');
  let cur: Record<string, unknown> = job;
  for (const k of keys.slice(0, -1)) {
    if (typeof cur[k] !== 'object' || cur[k] === null) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]!] = value;
  return job;
}

describe('fuzzed API input never gets a 500', () => {
  it('PUT /host/jobs/:id with arbitrary JSON', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (body) => {
        await check('PUT', `/host/jobs/fuzz-a${++n}`, JSON.stringify(body));
      }),
      { numRuns: 150 },
    );
  });

  it('PUT /host/jobs/:id with one field of a valid job replaced', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), fc.jsonValue(), async (path, value) => {
        await check('PUT', `/host/jobs/fuzz-m${++n}`, JSON.stringify(mutate(path, value)));
      }),
      { numRuns: 200 },
    );
  });

  it('garbage bodies, odd ids, signals and methods', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), fc.string({ minLength: 1, maxLength: 20 }), fc.string({ maxLength: 6 }), async (text, id, sig) => {
        const eid = encodeURIComponent(id);
        await check('PUT', `/host/jobs/${eid}`, text);
        await check('GET', `/host/jobs/${eid}`);
        await check('DELETE', `/host/jobs/${eid}`);
        await check('PUT', `/host/jobs/${eid}/signal/${encodeURIComponent(sig) || '0'}`);
        await check('GET', `/host/jobs/${eid}/log?lines=${encodeURIComponent(sig)}&follow=${encodeURIComponent(text.slice(0, 5))}`);
        await check('POST', '/host/network', text);
        await check('POST', '/host/discoverd', text);
        await check('POST', '/host/tags', text);
        await check('POST', '/host/resource-check', text);
        await check('POST', '/storage/providers/default/volumes', text);
        await check('DELETE', `/storage/volumes/${eid}`);
      }),
      { numRuns: 60 },
    );
  });

  it('is still serving', async () => {
    expect((await fetch(`${host.url}/ping`)).status).toBe(200);
    expect(Object.keys(host.jobs.list()).length).toBeGreaterThan(0);
  });
});
