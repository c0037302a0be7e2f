/**
 * Bad input, fuzzed (fast-check) on every POST and PUT against a real
 * PostgreSQL: the answer is never a 5xx; a 4xx carries a JSON `{code,
 * message}` body; and a refused request changes nothing (every table's
 * content hash is the same before and after: no partial writes).
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWithRelease, controllerHooks, PG_MISSING, sql } from './harness.js';

const TABLES = [
  'apps', 'artifacts', 'releases', 'release_artifacts', 'formations', 'scale_requests', 'job_cache', 'deployments',
  'providers', 'resources', 'app_resources', 'events', 'http_routes', 'tcp_routes', 'certificates', 'route_certificates',
];
const FINGERPRINT = `SELECT ${TABLES.map((t) => `(SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM ${t} x) AS ${t}`).join(', ')}`;

/** Plausible field values, sometimes with a NUL or a space slipped in (what PostgreSQL rejects). */
const nearlyValid = fc
  .tuple(
    fc.constantFrom('docker', 'file', 'docker://img', 'http://127.0.0.1:1/x', 'a:b', 'web', 'example.com', 'pg', 'up', 'pending', 'all-at-once', '/api', 'h1', 'my-app', '2024-01-01T00:00:00Z'),
    fc.constantFrom('', '', '\u0000', ' ', '\u0000x'),
  )
  .map(([v, suffix]) => v + suffix);

/** JSON-ish values, biased towards what validators trip over. */
const nasty = fc.oneof(
  nearlyValid,
  fc.dictionary(fc.constantFrom('A', 'web', 'disk', ''), nearlyValid, { maxKeys: 2 }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: fc.constantFrom('a', 'z', '0', ':', '/', '.', '-', '*', ' ', '\u0000', 'É', '\ud83d\ude00'), maxLength: 12 }),
  fc.constantFrom('', ' ', '\u0000', 'a\u0000b', '../../etc', 'DROP TABLE apps;--', '00000000-0000-4000-8000-000000000000', 'web', '/', '/x', 'http', 'tcp', 'x'.repeat(300)),
  fc.constantFrom(-1, 0, 1, 80, 443, 3000, 65535, 2 ** 31, 2 ** 53, 1.5, Number.MAX_SAFE_INTEGER),
  fc.constantFrom(null, true, false, [], {}, { web: 1 }, { web: -1 }, { web: { args: ['x'] } }, { A: 'b' }, { '': 'x' }, ['a', 1]),
);

function bodyFor(fields: readonly string[]): fc.Arbitrary<unknown> {
  const known = fc.dictionary(fc.constantFrom(...fields), nasty, { maxKeys: fields.length });
  const mixed = fc.dictionary(fc.oneof(fc.constantFrom(...fields), fc.string({ maxLength: 8 })), nasty, { maxKeys: 6 });
  return fc.oneof({ weight: 4, arbitrary: known }, { weight: 2, arbitrary: mixed }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });
}

describe.skipIf(PG_MISSING)('fuzzed POST and PUT bodies', () => {
  let provider: Server;
  const ids: Record<string, string> = {};
  const t = controllerHooks({ defaultRouteDomain: 'fuzz.test' }, 'file');

  beforeAll(async () => {
    provider = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(req.method === 'POST' ? JSON.stringify({ id: `r-${Math.random()}`, env: { URL: 'x' } }) : '');
      });
    });
    await new Promise<void>((r) => provider.listen(0, '127.0.0.1', r));
    const base = await appWithRelease(t.c, 'fz');
    ids.release = base.releaseId;
    await t.c.call('PUT', '/apps/fz/release', { id: base.releaseId });
    await t.c.call('PUT', `/apps/fz/formations/${base.releaseId}`, { processes: { web: 1 } });
    ids.route = (await t.c.call('GET', '/apps/fz/routes')).body[0].id;
    const p = (await t.c.call('POST', '/providers', { name: 'fp', url: `http://127.0.0.1:${(provider.address() as AddressInfo).port}/p` })).body;
    ids.provider = p.id;
    ids.resource = (await t.c.call('POST', '/providers/fp/resources', {})).body.id;
  }, 120_000);
  afterAll(async () => {
    await new Promise<void>((r) => provider?.close(() => r()));
  });

  const endpoints: Array<{ method: string; path: () => string; fields: readonly string[]; name?: string }> = [
    { method: 'POST', path: () => '/apps', fields: ['id', 'name', 'meta', 'strategy', 'deploy_timeout', 'release', 'protected'] },
    { method: 'POST', path: () => '/apps/fz', fields: ['meta', 'strategy', 'deploy_timeout', 'name'] },
    { method: 'POST', path: () => '/apps/fz/meta', fields: ['meta'] },
    { method: 'PUT', path: () => '/apps/fz/release', fields: ['id'] },
    { method: 'POST', path: () => '/artifacts', fields: ['id', 'type', 'uri', 'manifest', 'hashes', 'size', 'layer_url_template', 'meta'] },
    { method: 'POST', path: () => '/releases', fields: ['id', 'app_id', 'artifact', 'artifacts', 'env', 'meta', 'processes'] },
    { method: 'PUT', path: () => `/apps/fz/formations/${ids.release}`, fields: ['processes', 'tags'] },
    { method: 'PUT', path: () => `/apps/fz/scale/${ids.release}`, fields: ['id', 'state', 'new_processes', 'new_tags'] },
    { method: 'PUT', path: () => '/apps/fz/jobs/h1-5d2504e0-4f89-41d3-9a0c-0305e82c3305', fields: ['id', 'uuid', 'host_id', 'release', 'type', 'state', 'args', 'meta', 'exit_status', 'run_at', 'restarts'] },
    { method: 'POST', path: () => '/apps/fz/deploy', fields: ['id', 'release'] },
    { method: 'POST', path: () => '/apps/fz/routes', fields: ['type', 'service', 'domain', 'path', 'port', 'sticky', 'leader', 'drain_backends', 'certificate', 'tls_cert', 'tls_key'] },
    { method: 'PUT', path: () => `/apps/fz/routes/http/${ids.route}`, fields: ['type', 'service', 'domain', 'path', 'port', 'sticky', 'leader', 'certificate'] },
    { method: 'POST', path: () => '/providers', fields: ['name', 'url'] },
    { method: 'POST', path: () => '/providers/fp/resources', fields: ['apps', 'config'] },
    { method: 'PUT', path: () => `/providers/fp/resources/${ids.resource}`, fields: ['external_id', 'env', 'apps'] },
  ];

  const check = async (method: string, path: string, init: { body?: unknown; raw?: string }) => {
    const before = await sql(t.db, FINGERPRINT);
    const res = await t.c.call(method, path, init.body, init.raw !== undefined ? { raw: init.raw } : {});
    expect(res.status, `${method} ${path} ${res.text}`).toBeLessThan(500);
    if (res.status >= 400) {
      expect(typeof res.body?.code, `${method} ${path} → ${res.status} ${res.text}`).toBe('string');
      expect(typeof res.body?.message).toBe('string');
      expect(await sql(t.db, FINGERPRINT), `${method} ${path} changed state but answered ${res.status}`).toEqual(before);
    }
  };

  for (const ep of endpoints) {
    it(`${ep.method} ${ep.path().replace(/undefined|[0-9a-f-]{36}/g, ':id')}: never 5xx, 4xx is JSON, refusals write nothing`, async () => {
      await fc.assert(
        fc.asyncProperty(bodyFor(ep.fields), async (body) => check(ep.method, ep.path(), { body })),
        { numRuns: 40 },
      );
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('{', '[1,', 'null', '"x"', '{"a":}', '\u0000')), async (raw) =>
          check(ep.method, ep.path(), { raw }),
        ),
        { numRuns: 10 },
      );
    });
  }

  it('fuzzed path segments are 404 or 400, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 60 }), fc.constantFrom('GET', 'PUT', 'POST', 'DELETE'), async (seg, method) => {
        const s = encodeURIComponent(seg);
        for (const path of [`/apps/${s}`, `/apps/fz/formations/${s}`, `/apps/${s}/jobs/${s}`, `/releases/${s}`, `/providers/${s}/resources/${s}`, `/apps/fz/routes/http/${s}`, `/events/${s}`]) {
          const res = await t.c.call(method, path, method === 'GET' || method === 'DELETE' ? undefined : {});
          expect(res.status, `${method} ${path} ${res.text}`).toBeLessThan(500);
        }
      }),
      { numRuns: 25 },
    );
  });
});
