/**
 * Events (reference §5.6; the original's events_test.go and test_controller
 * event checks): an event for every mutation, filters, past events, resume
 * with Last-Event-Id after a disconnect and across a controller restart, and
 * two controllers on one database streaming the same events in the same
 * order while clients write through both.
 */
import type { ControllerEvent } from '@flynn-ts/controller';
import { afterEach, describe, expect, it } from 'vitest';
import { collectN, StreamCollector } from './collect.js';
import type { Instance } from './harness.js';
import { appWithRelease, controllerHooks, PG_MISSING, startInstance } from './harness.js';

const JOB = '9d2504e0-4f89-41d3-9a0c-0305e82c3309';

describe.skipIf(PG_MISSING)('events', () => {
  const t = controllerHooks({ defaultRouteDomain: 'ex.com' });
  const extra: Instance[] = [];
  afterEach(async () => {
    for (const i of extra.splice(0)) await i.close();
  });

  /** All events in id order, from the database (through the JSON list). */
  const all = async (i: Instance = t.c): Promise<ControllerEvent[]> => ((await i.call('GET', '/events')).body as ControllerEvent[]).reverse();

  it('writes an event for every mutation, with the app and object ids', async () => {
    let last = 0;
    const newTypes = async () => {
      const events = (await all()).filter((e) => e.id > last);
      last = events.at(-1)?.id ?? last;
      return events.map((e) => e.object_type);
    };
    const app = (await t.c.call('POST', '/apps', { name: 'evt' })).body;
    expect(await newTypes()).toEqual(['route', 'app']);
    await t.c.call('POST', '/apps/evt', { meta: { a: 'b' } });
    expect(await newTypes()).toEqual(['app']);
    const artifact = (await t.c.call('POST', '/artifacts', { type: 'docker', uri: 'docker://evt' })).body;
    expect(await newTypes()).toEqual(['artifact']);
    const release = (await t.c.call('POST', '/releases', { app_id: app.id, artifacts: [artifact.id], processes: { web: {} } })).body;
    expect(await newTypes()).toEqual(['release']);
    await t.c.call('PUT', '/apps/evt/release', { id: release.id });
    expect(await newTypes()).toEqual(['app_release']);
    await t.c.call('PUT', `/apps/evt/formations/${release.id}`, { processes: { web: 1 } });
    expect(await newTypes()).toEqual(['scale_request', 'scale']);
    await t.c.call('POST', '/apps/evt/deploy', { id: release.id });
    expect(await newTypes()).toEqual(['deployment']);
    await t.c.call('PUT', `/apps/evt/jobs/${JOB}`, { state: 'up' });
    expect(await newTypes()).toEqual(['job']);
    const route = (await t.c.call('POST', '/apps/evt/routes', { type: 'tcp', service: 'evt-db' })).body;
    expect(await newTypes()).toEqual(['route']);
    await t.c.call('DELETE', `/apps/evt/routes/tcp/${route.id}`);
    expect(await newTypes()).toEqual(['route_deletion']);
    await t.c.call('POST', '/providers', { name: 'p', url: 'http://127.0.0.1:9/x' });
    expect(await newTypes()).toEqual(['provider']);
    await t.c.call('DELETE', '/apps/evt');
    const deletion = await newTypes();
    expect(deletion[0]).toBe('route_deletion');
    expect(deletion).toContain('scale_request');
    expect(deletion).toContain('deployment');
    expect(deletion).toContain('release_deletion');
    expect(deletion.at(-1)).toBe('app_deletion');

    const events = await all();
    const ids = events.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const appEvent = events.find((e) => e.object_type === 'app')!;
    expect(appEvent).toMatchObject({ app: app.id, object_id: app.id, data: { name: 'evt' } });
    expect((await t.c.call('GET', `/events/${appEvent.id}`)).body).toEqual(appEvent);
    expect(events.find((e) => e.object_type === 'artifact')!.app).toBeUndefined();
    const listed = await t.c.call('GET', `/events?app_id=evt&object_types=app&count=1`);
    expect(listed.status).toBe(404); // the app is deleted: its name no longer resolves
    const byId = (await t.c.call('GET', `/events?app_id=${app.id}&object_types=app&count=1`)).body;
    expect(byId.map((e: ControllerEvent) => e.object_type)).toEqual(['app']);
  });

  it('streams live events filtered by app, object types and object id', async () => {
    const a = (await t.c.call('POST', '/apps', { name: 'a' })).body;
    const everything = t.c.client.streamEvents();
    const appA = t.c.client.streamEvents({ appId: a.id, objectTypes: ['app'] });
    const byObject = t.c.client.streamEvents({ objectId: a.id });
    const [all$, onlyA$, obj$] = [everything, appA, byObject].map((s) => new StreamCollector(s));
    // streams start live: wait until all three are subscribed before writing
    await waitSubscribers(t.c, 3);
    await t.c.call('POST', '/apps', { name: 'b' });
    await t.c.call('POST', '/apps/a', { meta: { x: '1' } });
    const first = await all$!.take(3);
    // b's default route (DEFAULT_ROUTE_DOMAIN is set), b, then a's update
    expect(first.map((e) => `${e.object_type}:${(e.data as { name?: string; service?: string }).name ?? (e.data as { service: string }).service}`)).toEqual([
      'route:b-web',
      'app:b',
      'app:a',
    ]);
    const [onlyA] = await onlyA$!.take(1);
    expect(onlyA).toMatchObject({ object_type: 'app', app: a.id, data: { meta: { x: '1' } } });
    const [obj] = await obj$!.take(1);
    expect(obj!.id).toBe(onlyA!.id);
    // b's events reach neither filtered stream
    expect(onlyA$!.items).toHaveLength(1);
    expect(obj$!.items).toHaveLength(1);
    for (const s of [everything, appA, byObject]) s.close();
  });

  it('starts with past events (all, or the newest `count`) and then continues live', async () => {
    for (const name of ['p1', 'p2', 'p3']) await t.c.call('POST', '/apps', { name });
    const past = t.c.client.streamEvents({ objectTypes: ['app'], past: true, count: 2 })[Symbol.asyncIterator]();
    const got = await collectN(past, 2);
    expect(got.map((e) => (e.data as { name: string }).name)).toEqual(['p2', 'p3']);
    await t.c.call('POST', '/apps', { name: 'p4' });
    expect(((await collectN(past, 1))[0]!.data as { name: string }).name).toBe('p4');
    const everything = t.c.client.streamEvents({ objectTypes: ['app'], past: true })[Symbol.asyncIterator]();
    expect((await collectN(everything, 4)).map((e) => (e.data as { name: string }).name)).toEqual(['p1', 'p2', 'p3', 'p4']);
  });

  it('resumes after a disconnect with Last-Event-Id: no gap, no duplicate', async () => {
    await appWithRelease(t.c, 'r1');
    const s1 = t.c.client.streamEvents({ past: true });
    const first = await collectN(s1[Symbol.asyncIterator](), 2);
    s1.close();
    await appWithRelease(t.c, 'r2');
    await t.c.call('POST', '/apps/r1/meta', { meta: { n: '2' } });
    const s2 = t.c.client.streamEvents({ lastEventId: first.at(-1)!.id });
    const expected = (await all()).filter((e) => e.id > first.at(-1)!.id);
    const rest = await collectN(s2[Symbol.asyncIterator](), expected.length);
    expect(rest.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    s2.close();
  });

  it('resumes across a controller restart (the client reconnects by itself) while another controller takes writes', async () => {
    const other = await startInstance(t.db);
    extra.push(other);
    const port = t.c.http.port;
    const stream = t.c.client.streamEvents({ past: true });
    const it = stream[Symbol.asyncIterator]();
    await t.c.call('POST', '/apps', { name: 'before' });
    const before = await collectN(it, 2);

    await t.c.close(); // the stream breaks; the client keeps retrying the same URL
    for (const name of ['during-1', 'during-2', 'during-3']) expect((await other.call('POST', '/apps', { name })).status).toBe(200);
    t.c = await startInstance(t.db, { port }); // same address, new process state
    await t.c.call('POST', '/apps', { name: 'after' });

    const expected = (await all()).filter((e) => e.id > before.at(-1)!.id);
    const resumed = await collectN(it, expected.length, 20_000);
    expect(resumed.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    expect([...before, ...resumed].map((e) => e.id)).toEqual((await all()).map((e) => e.id));
    stream.close();
  });

  it('two controllers on one database stream the same events in the same order under concurrent writes', async () => {
    const b = await startInstance(t.db);
    extra.push(b);
    const streamA = t.c.client.streamEvents();
    const streamB = b.client.streamEvents();
    const fromA = new StreamCollector(streamA);
    const fromB = new StreamCollector(streamB);
    await waitSubscribers(t.c, 1);
    await waitSubscribers(b, 1);
    const writes = Array.from({ length: 30 }, (_, i) => ((i % 2 ? b : t.c) as Instance).call('POST', '/apps', { name: `conc-${i}` }));
    expect((await Promise.all(writes)).every((r) => r.status === 200)).toBe(true);
    const expected = await all();
    // 30 apps; the 15 created through `c` also got a default route
    expect(expected).toHaveLength(45);
    const [gotA, gotB] = await Promise.all([fromA.take(45), fromB.take(45)]);
    expect(gotA.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    expect(gotB.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    expect(gotB).toEqual(gotA);
    streamA.close();
    streamB.close();
  });

  it('rejects bad stream parameters with 400 and unknown apps with 404', async () => {
    expect((await t.c.call('GET', '/events', undefined, { headers: { accept: 'text/event-stream', 'last-event-id': 'abc' } })).status).toBe(400);
    expect((await t.c.call('GET', '/events?object_types=nonsense')).body.detail).toEqual({ field: 'object_types' });
    expect((await t.c.call('GET', '/events?app_id=ghost', undefined, { headers: { accept: 'text/event-stream' } })).status).toBe(404);
    expect((await t.c.call('GET', '/events/999999')).status).toBe(404);
  });
});

async function waitSubscribers(i: Instance, n: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (i.controller.events.subscriberCount < n) {
    if (Date.now() > deadline) throw new Error(`expected ${n} subscribers, have ${i.controller.events.subscriberCount}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
