/**
 * Providers and resources through a fake provider HTTP server run by the
 * test (the original's resource_test.go): provisioning POSTs the config,
 * attaches the resource and its env (a new release per app); deletion
 * DELETEs `<url>?id=<external id>`; failures roll back.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { appWithRelease, controllerHooks, PG_MISSING, sql } from './harness.js';

interface Seen {
  method: string;
  url: string;
  body: string;
}

describe.skipIf(PG_MISSING)('providers and resources', () => {
  let provider: Server;
  let providerUrl: string;
  const seen: Seen[] = [];
  let nextStatus = 200;
  let counter = 0;

  beforeAll(async () => {
    provider = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (body += d));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', body });
        res.statusCode = nextStatus;
        if (req.method === 'POST' && nextStatus === 200) {
          counter++;
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ id: `db-${counter}`, env: { DATABASE_URL: `postgres://db-${counter}`, DB_NAME: `db${counter}` } }));
        } else {
          res.end(nextStatus === 200 ? '' : 'nope');
        }
      });
    });
    await new Promise<void>((r) => provider.listen(0, '127.0.0.1', r));
    providerUrl = `http://127.0.0.1:${(provider.address() as AddressInfo).port}/databases`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => provider?.close(() => r()));
  });
  beforeEach(() => {
    seen.length = 0;
    nextStatus = 200;
    counter = 0;
  });
  const t = controllerHooks();

  it('creates providers (unique names) and looks them up by id or name', async () => {
    const p = (await t.c.call('POST', '/providers', { name: 'postgres', url: providerUrl })).body;
    expect(p).toMatchObject({ name: 'postgres', url: providerUrl });
    expect((await t.c.call('GET', `/providers/${p.id}`)).body.name).toBe('postgres');
    expect((await t.c.call('GET', '/providers/postgres')).body.id).toBe(p.id);
    expect((await t.c.call('POST', '/providers', { name: 'postgres', url: `${providerUrl}2` })).status).toBe(409);
    expect((await t.c.call('POST', '/providers', { name: 'x', url: 'ftp://nope' })).body.detail).toEqual({ field: 'url' });
    expect((await t.c.call('GET', '/providers')).body).toHaveLength(1);
  });

  it('provisions a resource, attaches it to apps and gives each a release with the env', async () => {
    await t.c.call('POST', '/providers', { name: 'pg', url: providerUrl });
    const { releaseId } = await appWithRelease(t.c, 'shop');
    await t.c.call('PUT', '/apps/shop/release', { id: releaseId });
    await t.c.call('POST', '/apps', { name: 'empty' });

    const res = await t.c.call('POST', '/providers/pg/resources', { config: { size: 'small' }, apps: ['shop', 'empty'] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ external_id: 'db-1', env: { DATABASE_URL: 'postgres://db-1' } });
    expect(res.body.apps).toHaveLength(2);
    expect(seen).toEqual([{ method: 'POST', url: '/databases', body: '{"size":"small"}' }]);

    const shopRelease = (await t.c.call('GET', '/apps/shop/release')).body;
    expect(shopRelease.id).not.toBe(releaseId);
    expect(shopRelease.env).toMatchObject({ DATABASE_URL: 'postgres://db-1' });
    expect(shopRelease.processes).toHaveProperty('web');
    expect((await t.c.call('GET', '/apps/empty/release')).body.env).toEqual({ DATABASE_URL: 'postgres://db-1', DB_NAME: 'db1' });

    expect((await t.c.call('GET', '/apps/shop/resources')).body.map((r: { id: string }) => r.id)).toEqual([res.body.id]);
    expect((await t.c.call('GET', `/providers/pg/resources/${res.body.id}`)).body.external_id).toBe('db-1');
    expect((await t.c.call('GET', '/providers/pg/resources')).body).toHaveLength(1);
    expect((await t.c.call('GET', '/resources')).body).toHaveLength(1);

    const detached = await t.c.call('DELETE', `/providers/pg/resources/${res.body.id}/apps/empty`);
    expect(detached.body.apps).toHaveLength(1);
    const deleted = await t.c.call('DELETE', `/providers/pg/resources/${res.body.id}`);
    expect(deleted.status).toBe(200);
    expect(seen.at(-1)).toEqual({ method: 'DELETE', url: '/databases?id=db-1', body: '' });
    expect((await t.c.call('GET', '/resources')).body).toEqual([]);
    const types = (await t.c.call('GET', '/events?object_types=resource,resource_deletion,resource_app_deletion')).body.map((e: { object_type: string }) => e.object_type);
    expect(types).toEqual(['resource_deletion', 'resource_app_deletion', 'resource', 'resource']);
  });

  it('rejects unknown apps before provisioning, and passes provider refusals on as 400', async () => {
    await t.c.call('POST', '/providers', { name: 'pg', url: providerUrl });
    const unknownApp = await t.c.call('POST', '/providers/pg/resources', { apps: ['ghost'] });
    expect(unknownApp.body.detail).toEqual({ field: 'apps.0' });
    expect(seen).toEqual([]);
    nextStatus = 422;
    const refused = await t.c.call('POST', '/providers/pg/resources', {});
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/provider rejected the request with 422/);
    expect(await sql(t.db, 'SELECT count(*)::int AS n FROM resources')).toEqual([{ n: 0 }]);
  });

  it('deprovisions again when recording the resource fails (no partial writes)', async () => {
    await t.c.call('POST', '/providers', { name: 'pg', url: providerUrl });
    const { releaseId } = await appWithRelease(t.c, 'busy');
    await t.c.call('PUT', '/apps/busy/release', { id: releaseId });
    await t.c.call('PUT', `/apps/busy/formations/${releaseId}`, { processes: { web: 1 } });
    const rel2 = (await t.c.call('POST', '/releases', { app_id: (await t.c.call('GET', '/apps/busy')).body.id, artifacts: (await t.c.call('GET', `/releases/${releaseId}`)).body.artifacts, processes: { web: {} } })).body;
    expect((await t.c.call('POST', '/apps/busy/deploy', { id: rel2.id })).body.status).toBe('pending');
    const eventsBefore = await sql(t.db, 'SELECT count(*)::int AS n FROM events');

    const failed = await t.c.call('POST', '/providers/pg/resources', { apps: ['busy'] });
    expect(failed.status).toBe(400);
    expect(failed.body.message).toMatch(/already one in progress/);
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(['POST /databases', 'DELETE /databases?id=db-1']);
    expect(await sql(t.db, 'SELECT count(*)::int AS n FROM resources')).toEqual([{ n: 0 }]);
    expect(await sql(t.db, 'SELECT count(*)::int AS n FROM events')).toEqual(eventsBefore);
  });

  it('imports a resource with PUT and deprovisions the resources of a deleted app', async () => {
    const p = (await t.c.call('POST', '/providers', { name: 'pg', url: providerUrl })).body;
    await t.c.call('POST', '/apps', { name: 'gone' });
    const id = '7a1b2c3d-0000-4000-8000-000000000001';
    const put = await t.c.call('PUT', `/providers/${p.id}/resources/${id}`, { external_id: 'ext-9', env: { URL: 'x' }, apps: ['gone'] });
    expect(put.body).toMatchObject({ id, provider: p.id, external_id: 'ext-9', env: { URL: 'x' } });
    await t.c.call('DELETE', '/apps/gone');
    expect(seen.at(-1)).toEqual({ method: 'DELETE', url: '/databases?id=ext-9', body: '' });
    expect((await t.c.call('GET', '/resources')).body).toEqual([]);
  });
});
