/**
 * Apps, artifacts and releases against a real PostgreSQL (the original's
 * controller_test.go checks that apply): CRUD by id and name, name rules and
 * generated names, the default route, name reuse after deletion, immutable
 * releases, the current release not being deletable, app deletion.
 */
import { describe, expect, it } from 'vitest';
import { appWithRelease, controllerHooks, PG_MISSING, sql } from './harness.js';

describe.skipIf(PG_MISSING)('apps and releases', () => {
  const t = controllerHooks({ defaultRouteDomain: 'Example.com' });

  it('creates, gets (by id and name), lists, updates and deletes apps', async () => {
    const created = await t.c.call('POST', '/apps', { name: 'web-shop', meta: { team: 'a' } });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ name: 'web-shop', strategy: 'all-at-once', deploy_timeout: 120, meta: { team: 'a', 'gc.max_inactive_slug_releases': '10' } });
    expect(created.body.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    const id = created.body.id as string;
    expect((await t.c.call('GET', `/apps/${id}`)).body.name).toBe('web-shop');
    expect((await t.c.call('GET', '/apps/web-shop')).body.id).toBe(id);
    expect((await t.c.call('GET', '/apps')).body.map((a: { id: string }) => a.id)).toEqual([id]);

    const updated = await t.c.call('POST', `/apps/${id}`, { meta: { only: 'this' }, strategy: 'one-by-one', deploy_timeout: 30 });
    expect(updated.body).toMatchObject({ meta: { only: 'this' }, strategy: 'one-by-one', deploy_timeout: 30 });
    expect((await t.c.call('POST', '/apps/web-shop/meta', { meta: { m: '1' } })).body.meta).toEqual({ m: '1' });

    expect((await t.c.call('DELETE', '/apps/web-shop')).status).toBe(200);
    const gone = await t.c.call('GET', `/apps/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ code: 'not_found' });
    expect((await t.c.call('GET', '/apps')).body).toEqual([]);
  });

  it('enforces name rules and uniqueness, and generates names when none is given', async () => {
    const bad = await t.c.call('POST', '/apps', { name: 'Not_Valid' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'validation_error', detail: { field: 'name' } });
    expect(bad.body.message).toMatch(/^name /);
    expect((await t.c.call('POST', '/apps', { name: 'x'.repeat(101) })).status).toBe(400);
    expect((await t.c.call('POST', '/apps', { name: 'dup' })).status).toBe(200);
    const dup = await t.c.call('POST', '/apps', { name: 'dup' });
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual({ code: 'object_exists', message: 'application "dup" already exists', retry: false });
    const names = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const r = await t.c.call('POST', '/apps', {});
      expect(r.status).toBe(200);
      expect(r.body.name).toMatch(/^[a-z]+-[a-z]+-[a-z]+$/);
      names.add(r.body.name);
    }
    expect(names.size).toBe(5);
  });

  it('gives non-system apps a default route, reusable after the app is deleted', async () => {
    const app = (await t.c.call('POST', '/apps', { name: 'blog' })).body;
    const routes = (await t.c.call('GET', '/apps/blog/routes')).body;
    expect(routes).toHaveLength(1);
    expect(routes[0]).toMatchObject({ type: 'http', domain: 'blog.example.com', service: 'blog-web', path: '/', drain_backends: true, parent_ref: `controller/apps/${app.id}` });
    await t.c.call('POST', '/apps', { name: 'sys', meta: { 'flynn-system-app': 'true' } });
    expect((await t.c.call('GET', '/apps/sys/routes')).body).toEqual([]);

    expect((await t.c.call('DELETE', '/apps/blog')).status).toBe(200);
    const again = await t.c.call('POST', '/apps', { name: 'blog' });
    expect(again.status).toBe(200);
    expect(again.body.id).not.toBe(app.id);
    expect((await t.c.call('GET', '/apps/blog/routes')).body).toHaveLength(1);
  });

  it('creates artifacts (deduplicated by type and URI) and validates them', async () => {
    const a = await t.c.call('POST', '/artifacts', { type: 'docker', uri: 'docker://registry/x?id=1' });
    const b = await t.c.call('POST', '/artifacts', { type: 'docker', uri: 'docker://registry/x?id=1' });
    expect(b.body.id).toBe(a.body.id);
    expect((await t.c.call('GET', `/artifacts/${a.body.id}`)).body.uri).toBe('docker://registry/x?id=1');
    const noManifest = await t.c.call('POST', '/artifacts', { type: 'flynn', uri: 'https://blob/x.json' });
    expect(noManifest.body).toMatchObject({ code: 'validation_error', detail: { field: 'manifest' } });
    expect((await t.c.call('POST', '/artifacts', { type: 'squash', uri: 'x:y' })).body.detail).toEqual({ field: 'type' });
  });

  it('creates releases for an app and keeps them immutable', async () => {
    const { appId, releaseId, artifactId } = await appWithRelease(t.c, 'rel-app');
    const rel = (await t.c.call('GET', `/releases/${releaseId}`)).body;
    expect(rel).toMatchObject({ id: releaseId, app_id: appId, artifacts: [artifactId], artifact: artifactId });
    expect(rel.processes.web.resources.memory).toEqual({ limit: 1073741824, request: 1073741824 });
    expect((await t.c.call('GET', '/apps/rel-app/releases')).body.map((r: { id: string }) => r.id)).toEqual([releaseId]);

    const noApp = await t.c.call('POST', '/releases', { env: { A: '1' } });
    expect(noApp.body).toMatchObject({ code: 'validation_error', detail: { field: 'app_id' } });
    const emptyKey = await t.c.call('POST', '/releases', { app_id: appId, env: { '': 'x' } });
    expect(emptyKey.body.message).toMatch(/empty key/);
    const missingArtifact = await t.c.call('POST', '/releases', { app_id: appId, artifacts: ['00000000-0000-4000-8000-000000000000'] });
    expect(missingArtifact.body.detail).toEqual({ field: 'artifacts' });

    // There is no update endpoint; the database refuses changes too.
    await expect(sql(t.db, `UPDATE releases SET env = '{"A":"2"}' WHERE release_id = $1`, [releaseId])).rejects.toThrow(/immutable/);
    expect((await t.c.call('PUT', `/releases/${releaseId}`, { env: { A: '2' } })).status).toBe(404);
  });

  it('sets and gets the current release, and refuses to delete it', async () => {
    const { releaseId } = await appWithRelease(t.c, 'cur');
    expect((await t.c.call('GET', '/apps/cur/release')).status).toBe(404);
    expect((await t.c.call('PUT', '/apps/cur/release', { id: releaseId })).body.id).toBe(releaseId);
    expect((await t.c.call('GET', '/apps/cur')).body.release).toBe(releaseId);
    expect((await t.c.call('GET', '/apps/cur/release')).body.id).toBe(releaseId);
    const refused = await t.c.call('DELETE', `/apps/cur/releases/${releaseId}`);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'validation_error', message: 'cannot delete current app release' });
    await expect(sql(t.db, 'UPDATE releases SET deleted_at = now() WHERE release_id = $1', [releaseId])).rejects.toThrow(/current app release/);
    const unknown = await t.c.call('PUT', '/apps/cur/release', { id: '00000000-0000-4000-8000-000000000000' });
    expect(unknown.body.message).toMatch(/could not find release/);
  });

  it('deletes a non-current release with its formation', async () => {
    const { releaseId } = await appWithRelease(t.c, 'old-rel');
    await t.c.call('PUT', `/apps/old-rel/formations/${releaseId}`, { processes: { web: 1 } });
    expect((await t.c.call('DELETE', `/apps/old-rel/releases/${releaseId}`)).status).toBe(200);
    expect((await t.c.call('GET', `/releases/${releaseId}`)).status).toBe(404);
    expect((await t.c.call('GET', '/apps/old-rel/formations')).body).toEqual([]);
  });

  it('deletes an app with its routes, releases and formations, in one go', async () => {
    const { appId, releaseId } = await appWithRelease(t.c, 'doomed');
    await t.c.call('PUT', `/apps/doomed/formations/${releaseId}`, { processes: { web: 2 } });
    await t.c.call('PUT', '/apps/doomed/release', { id: releaseId });
    await t.c.call('POST', '/apps/doomed/routes', { type: 'tcp', service: 'doomed-db' });
    expect((await t.c.call('DELETE', '/apps/doomed')).status).toBe(200);
    expect((await t.c.call('GET', '/routes')).body).toEqual([]);
    expect((await t.c.call('GET', `/releases/${releaseId}`)).status).toBe(404);
    expect((await t.c.call('GET', '/formations?active=true')).body).toEqual([]);
    const events = (await t.c.call('GET', `/events?app_id=&object_types=app_deletion`)).body;
    expect(events).toHaveLength(1);
    expect(events[0].data.app_deletion).toMatchObject({ app: appId });
    expect(events[0].data.app_deletion.deleted_routes).toHaveLength(2);
    expect(events[0].data.app_deletion.deleted_releases.map((r: { id: string }) => r.id)).toEqual([releaseId]);
  });

  it('garbage-collects old slug releases, keeping the newest distinct slugs and running releases', async () => {
    const app = (await t.c.call('POST', '/apps', { name: 'gc-app', meta: { 'gc.max_inactive_slug_releases': '1' } })).body;
    const image = (await t.c.call('POST', '/artifacts', { type: 'docker', uri: 'docker://slugrunner' })).body;
    const releases: string[] = [];
    for (let i = 0; i < 4; i++) {
      const slug = (await t.c.call('POST', '/artifacts', { type: 'file', uri: `http://blobstore/slug-${i}.tgz`, meta: { blobstore: 'true' } })).body;
      releases.push((await t.c.call('POST', '/releases', { app_id: app.id, artifacts: [image.id, slug.id], meta: { git: 'true' }, processes: { web: {} } })).body.id);
    }
    await t.c.call('PUT', `/apps/gc-app/formations/${releases[0]}`, { processes: { web: 1 } }); // oldest, but running
    await t.c.call('PUT', '/apps/gc-app/release', { id: releases[1] });
    expect((await t.c.call('POST', '/apps/gc-app/gc')).status).toBe(200);
    const left = (await t.c.call('GET', '/apps/gc-app/releases')).body.map((r: { id: string }) => r.id);
    expect(left).toEqual([releases[3], releases[1], releases[0]]);
    const [event] = (await t.c.call('GET', `/events?app_id=${app.id}&object_types=app_garbage_collection`)).body;
    expect(event.data).toEqual({ app_garbage_collection: { app_id: app.id, deleted_releases: [releases[2]] }, error: '' });
  });

  it('answers unknown ids with 404 JSON, refuses bodies over 1 MiB, redirects trailing slashes', async () => {
    for (const path of ['/apps/nope', '/apps/00000000-0000-4000-8000-000000000000', '/releases/garbage', '/artifacts/x', '/deployments/1']) {
      const r = await t.c.call('GET', path);
      expect(r.status, path).toBe(404);
      expect(r.body.code, path).toBe('not_found');
    }
    const big = await fetch(`${t.c.url}/apps`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(':test-key').toString('base64')}` }, body: JSON.stringify({ meta: { x: 'y'.repeat(2 * 1024 * 1024) } }) });
    expect(big.status).toBe(400);
    expect(await big.json()).toMatchObject({ code: 'request_body_too_big' });
    const slash = await t.c.call('GET', '/apps/');
    expect(slash.status).toBe(301);
    expect(slash.headers.get('location')).toBe('/apps');
  });
});
