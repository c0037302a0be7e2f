/**
 * The typed client against a served controller, and the router's route
 * source: a snapshot consistent with the event stream (no replay, no gap),
 * `set`/`remove` updates, and resumption across a controller restart.
 */
import { ControllerClient, controllerRouteSource } from '@flynn-ts/controller';
import type { HttpRoute, RouteSourceEvent } from '@flynn-ts/controller';
import { HttpError } from '@flynn-ts/core';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamCollector } from './collect.js';
import type { Instance } from './harness.js';
import { controllerHooks, KEY, PG_MISSING, startInstance } from './harness.js';

async function waitDone(c: StreamCollector<unknown>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!c.done) {
    if (Date.now() > deadline) throw new Error('stream did not end');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.skipIf(PG_MISSING)('ControllerClient and controllerRouteSource', () => {
  const t = controllerHooks();
  const extra: Instance[] = [];
  afterEach(async () => {
    for (const i of extra.splice(0)) await i.close();
  });

  it('covers the API with typed calls and typed errors', async () => {
    const { client } = t.c;
    await client.ping();
    const app = await client.createApp({ name: 'typed', meta: { a: 'b' } });
    expect((await client.getApp('typed')).id).toBe(app.id);
    const err = await client.createApp({ name: 'typed' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ status: 409, apiCode: 'object_exists' });
    expect(await client.getApp('missing').catch((e: unknown) => (e as HttpError).status)).toBe(404);

    const artifact = await client.createArtifact({ type: 'docker', uri: 'docker://typed' });
    const release = await client.createRelease(app.id, { artifacts: [artifact.id], env: { A: '1' }, processes: { web: { args: ['run'] } } });
    expect(release.app_id).toBe(app.id);
    const formation = await client.putFormation({ app: app.id, release: release.id, processes: { web: 1 } });
    expect(formation.processes).toEqual({ web: 1 });
    expect((await client.getExpandedFormation('typed', release.id)).artifacts[0]!.id).toBe(artifact.id);
    expect(await client.formationListActive()).toHaveLength(1);
    const deployment = await client.createDeployment('typed', release.id);
    expect(deployment.status).toBe('complete');
    expect((await client.getAppRelease('typed')).id).toBe(release.id);
    const route = await client.createRoute('typed', { type: 'http', service: 'typed-web', domain: 'typed.test' });
    expect((await client.getRoute('typed', `http/${route.id}`)).id).toBe(route.id);
    const snap = await client.routeSnapshot();
    expect(snap.routes.map((r) => r.id)).toEqual([route.id]);
    const events = await client.listEvents({ appId: app.id, objectTypes: ['route'] });
    expect(snap.eventId).toBeGreaterThanOrEqual(events[0]!.id);
    expect((await client.getEvent(events[0]!.id)).object_id).toBe(route.id);
    await client.deleteRoute('typed', `http/${route.id}`);
    await client.deleteApp('typed');
    expect(await client.appList()).toEqual([]);
  });

  it('feeds the router: a consistent snapshot, then set and remove, also across a controller restart', async () => {
    await t.c.call('POST', '/apps', { name: 'site' });
    const root = (await t.c.call('POST', '/apps/site/routes', { type: 'http', service: 'site-web', domain: 'site.test' })).body as HttpRoute;
    const sub = (await t.c.call('POST', '/apps/site/routes', { type: 'http', service: 'site-api', domain: 'site.test', path: '/api' })).body as HttpRoute;
    const source = controllerRouteSource(t.c.client);
    const ctl = new AbortController();
    const updates = new StreamCollector<RouteSourceEvent>(source.subscribe({ signal: ctl.signal }));
    const [snapshot] = await updates.take(1);
    expect(snapshot).toMatchObject({ type: 'snapshot' });
    expect((snapshot as { routes: HttpRoute[] }).routes.map((r) => r.id)).toEqual([root.id, sub.id]);

    const tcp = (await t.c.call('POST', '/apps/site/routes', { type: 'tcp', service: 'site-db' })).body;
    await t.c.call('PUT', `/apps/site/routes/http/${sub.id}`, { service: 'site-api-v2', domain: 'site.test', path: '/api' });
    await t.c.call('DELETE', `/apps/site/routes/http/${sub.id}`);
    const live = (await updates.take(4)).slice(1);
    expect(live).toEqual([
      { type: 'set', route: expect.objectContaining({ id: tcp.id, port: 3000 }) },
      { type: 'set', route: expect.objectContaining({ id: sub.id, service: 'site-api-v2' }) },
      { type: 'remove', id: sub.id },
    ]);

    // restart the controller on the same address; another one takes writes meanwhile
    const other = await startInstance(t.db);
    extra.push(other);
    const port = t.c.http.port;
    await t.c.close();
    await other.call('DELETE', `/apps/site/routes/tcp/${tcp.id}`);
    t.c = await startInstance(t.db, { port });
    await t.c.call('POST', '/apps/site/routes', { type: 'http', service: 'site-web', domain: 'www.site.test' });
    const resumed = (await updates.take(6, 20_000)).slice(4);
    expect(resumed).toEqual([
      { type: 'remove', id: tcp.id },
      { type: 'set', route: expect.objectContaining({ domain: 'www.site.test' }) },
    ]);
    expect(updates.items.filter((u) => u.type === 'snapshot')).toHaveLength(1);
    ctl.abort();
    await waitDone(updates);
    expect(updates.error).toBeUndefined(); // ends quietly on abort, as the router's contract asks
  });

  it('lists again (a new snapshot) when the stream fails for good', async () => {
    await t.c.call('POST', '/apps', { name: 'rot' });
    const client = new ControllerClient({ urls: [t.c.url], key: KEY });
    const source = controllerRouteSource(client);
    const ctl = new AbortController();
    const updates = new StreamCollector<RouteSourceEvent>(source.subscribe({ signal: ctl.signal }));
    await updates.take(1);
    // The controller comes back with a rotated key: the stream's reconnect gets a 401, which is
    // fatal for the stream; the source keeps retrying with backoff and lists again once it can.
    const port = t.c.http.port;
    await t.c.close();
    t.c = await startInstance(t.db, { port, authKeys: ['rotated'] });
    await t.c.call('POST', '/apps/rot/routes', { type: 'tcp', service: 'rot-db' }, { key: 'rotated' });
    await new Promise((r) => setTimeout(r, 300));
    client.setKey('rotated');
    const [, second] = await updates.take(2, 20_000);
    expect(second).toMatchObject({ type: 'snapshot' });
    expect((second as { routes: unknown[] }).routes).toHaveLength(1);
    ctl.abort();
    await waitDone(updates);
    await client.close();
  });
});
