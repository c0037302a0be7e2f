/**
 * Routes (the original's routes_test.go and test_cli route checks that
 * apply): HTTP and TCP CRUD, duplicates 409, sub-path rules, TCP port
 * auto-assignment (also under concurrency), reserved ports, certificates
 * checked with node:crypto (real openssl-made certificates).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingRequirements } from '@flynn-ts/core/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { controllerHooks, PG_MISSING, sql } from './harness.js';

const MISSING = PG_MISSING ?? missingRequirements({ commands: ['openssl'] });

function makeCert(dir: string, name: string): { cert: string; key: string } {
  const key = join(dir, `${name}.key`);
  const crt = join(dir, `${name}.crt`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', crt, '-subj', `/CN=${name}.example.com`, '-days', '2'], {
    stdio: 'ignore',
  });
  return { cert: readFileSync(crt, 'utf8'), key: readFileSync(key, 'utf8') };
}

describe.skipIf(MISSING)('routes', () => {
  let certDir: string;
  let a: { cert: string; key: string };
  let b: { cert: string; key: string };
  beforeAll(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'controller-certs-'));
    a = makeCert(certDir, 'a');
    b = makeCert(certDir, 'b');
  });
  afterAll(() => {
    if (certDir) rmSync(certDir, { recursive: true, force: true });
  });
  const t = controllerHooks();
  beforeEach(async () => {
    await t.c.call('POST', '/apps', { name: 'site' });
    await t.c.call('POST', '/apps', { name: 'other' });
  });

  it('creates, gets, lists, updates and deletes HTTP routes', async () => {
    const created = await t.c.call('POST', '/apps/site/routes', { type: 'http', service: 'site-web', domain: 'Site.Example.com', sticky: true });
    expect(created.status).toBe(200);
    const r = created.body;
    expect(r).toMatchObject({ type: 'http', service: 'site-web', domain: 'site.example.com', path: '/', port: 0, sticky: true, leader: false, drain_backends: true });
    expect((await t.c.call('GET', `/apps/site/routes/http/${r.id}`)).body.id).toBe(r.id);
    expect((await t.c.call('GET', `/apps/other/routes/http/${r.id}`)).status).toBe(404);
    const all = await t.c.call('GET', '/routes');
    expect(all.body.map((x: { id: string }) => x.id)).toEqual([r.id]);
    expect(Number(all.headers.get('flynn-event-id'))).toBeGreaterThan(0);

    const updated = await t.c.call('PUT', `/apps/site/routes/http/${r.id}`, { service: 'site-v2', domain: 'site.example.com', leader: true });
    expect(updated.body).toMatchObject({ id: r.id, service: 'site-v2', leader: true, sticky: false });
    expect((await t.c.call('PUT', `/apps/site/routes/http/${r.id}`, { service: 'x', domain: 'elsewhere.com' })).body.detail).toEqual({ field: 'domain' });

    expect((await t.c.call('DELETE', `/apps/site/routes/http/${r.id}`)).status).toBe(200);
    expect((await t.c.call('GET', `/apps/site/routes/http/${r.id}`)).status).toBe(404);
    expect((await t.c.call('GET', '/routes')).body).toEqual([]);
  });

  it('rejects duplicate routes with 409 "Duplicate route", across apps', async () => {
    expect((await t.c.call('POST', '/apps/site/routes', { type: 'http', service: 's', domain: 'dup.com' })).status).toBe(200);
    const dup = await t.c.call('POST', '/apps/other/routes', { type: 'http', service: 's', domain: 'DUP.com' });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ code: 'conflict', message: 'Duplicate route', detail: { domain: 'dup.com', path: '/' } });
    expect((await t.c.call('POST', '/apps/other/routes', { type: 'http', service: 's', domain: 'dup.com', port: 8080 })).status).toBe(200);
  });

  it('needs a root route for sub-paths and keeps the root while sub-paths depend on it', async () => {
    const orphan = await t.c.call('POST', '/apps/site/routes', { type: 'http', service: 'api', domain: 'paths.com', path: '/api' });
    expect(orphan.status).toBe(400);
    expect(orphan.body.message).toMatch(/^Invalid route: default route for domain paths.com not found/);
    const root = (await t.c.call('POST', '/apps/site/routes', { type: 'http', service: 'web', domain: 'paths.com' })).body;
    const sub = (await t.c.call('POST', '/apps/site/routes', { type: 'http', service: 'api', domain: 'paths.com', path: '/api' })).body;
    expect(sub.path).toBe('/api/');
    const refused = await t.c.call('DELETE', `/apps/site/routes/http/${root.id}`);
    expect(refused.status).toBe(400);
    expect(refused.body.message).toBe('Route has dependent routes');
    expect((await t.c.call('DELETE', `/apps/site/routes/http/${sub.id}`)).status).toBe(200);
    expect((await t.c.call('DELETE', `/apps/site/routes/http/${root.id}`)).status).toBe(200);
  });

  it('assigns TCP ports from 3000 up, refuses taken and reserved ports, and never hands out one port twice', async () => {
    const p1 = (await t.c.call('POST', '/apps/site/routes', { type: 'tcp', service: 'db' })).body;
    const p2 = (await t.c.call('POST', '/apps/site/routes', { type: 'tcp', service: 'db' })).body;
    expect([p1.port, p2.port]).toEqual([3000, 3001]);
    const taken = await t.c.call('POST', '/apps/other/routes', { type: 'tcp', service: 'x', port: 3000 });
    expect(taken.status).toBe(409);
    expect(taken.body.message).toBe('Duplicate route');
    expect((await t.c.call('POST', '/apps/site/routes', { type: 'tcp', service: 'x', port: 443 })).body).toMatchObject({ code: 'conflict', message: 'Port reserved for HTTP/HTTPS traffic' });
    expect((await t.c.call('POST', '/apps/site/routes', { type: 'tcp', service: 'x', port: 5432 })).body.port).toBe(5432);

    const many = await Promise.all(Array.from({ length: 12 }, () => t.c.call('POST', '/apps/other/routes', { type: 'tcp', service: 'burst' })));
    expect(many.map((r) => r.status)).toEqual(many.map(() => 200));
    const ports = many.map((r) => r.body.port as number);
    expect(new Set(ports).size).toBe(12);
    expect(ports.every((p) => p >= 3002 && p <= 3500)).toBe(true);
    await t.c.call('DELETE', `/apps/site/routes/tcp/${p1.id}`);
    expect((await t.c.call('POST', '/apps/site/routes', { type: 'tcp', service: 'db' })).body.port).toBe(3000);
  });

  it('keeps drain_backends consistent per service', async () => {
    await t.c.call('POST', '/apps/site/routes', { type: 'http', service: 'drainy', domain: 'd1.com', drain_backends: false });
    expect((await t.c.call('POST', '/apps/site/routes', { type: 'http', service: 'drainy', domain: 'd2.com' })).body.drain_backends).toBe(false);
    const mismatch = await t.c.call('POST', '/apps/site/routes', { type: 'http', service: 'drainy', domain: 'd3.com', drain_backends: true });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.message).toMatch(/drain_backends mismatch/);
  });

  it('validates certificates: a matching pair is stored, bad PEM and mismatched keys are 400 and write nothing', async () => {
    const ok = await t.c.call('POST', '/apps/site/routes', { type: 'http', service: 's', domain: 'tls.com', certificate: { cert: a.cert, key: a.key } });
    expect(ok.status).toBe(200);
    expect(ok.body.certificate).toMatchObject({ cert: a.cert.trim(), key: a.key.trim() });
    expect(ok.body.certificate.id).toMatch(/^[0-9a-f-]{36}$/);
    const legacy = await t.c.call('POST', '/apps/site/routes', { type: 'http', service: 's', domain: 'tls2.com', tls_cert: a.cert, tls_key: a.key });
    expect(legacy.body.certificate.id).toBe(ok.body.certificate.id);

    const before = await sql(t.db, 'SELECT count(*)::int AS n FROM http_routes');
    const garbage = await t.c.call('POST', '/apps/site/routes', { type: 'http', service: 's', domain: 'bad.com', certificate: { cert: 'not a pem', key: a.key } });
    expect(garbage.status).toBe(400);
    expect(garbage.body).toMatchObject({ code: 'validation_error' });
    expect(garbage.body.message).toMatch(/^Certificate invalid: cannot parse certificate/);
    const mismatch = await t.c.call('POST', '/apps/site/routes', { type: 'http', service: 's', domain: 'bad.com', certificate: { cert: a.cert, key: b.key } });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.message).toBe('Certificate invalid: private key does not match public key');
    const badKey = await t.c.call('POST', '/apps/site/routes', { type: 'http', service: 's', domain: 'bad.com', certificate: { cert: a.cert, key: 'nope' } });
    expect(badKey.body.message).toMatch(/cannot parse private key/);
    expect(await sql(t.db, 'SELECT count(*)::int AS n FROM http_routes')).toEqual(before);

    const swapped = await t.c.call('PUT', `/apps/site/routes/http/${ok.body.id}`, { service: 's', domain: 'tls.com', certificate: { cert: b.cert, key: b.key } });
    expect(swapped.body.certificate.cert).toBe(b.cert.trim());
  });
});
