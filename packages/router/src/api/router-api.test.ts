import { ManualClock, flushMicrotasks } from '@flynn-ts/core/testing';
import { describe, expect, it } from 'vitest';
import { staticBackends } from '../control/backend-source.js';
import { ControlPlane } from '../control/control-plane.js';
import { MemoryRouteSource } from '../control/memory-route-source.js';
import { createRouterApi, parseEventTypes } from './router-api.js';

async function setup() {
  const source = new MemoryRouteSource([{ type: 'http', id: 'r', service: 'web', domain: 'a.test' }]);
  const control = new ControlPlane({ source, backends: staticBackends({ web: ['10.0.0.1:80'] }), clock: new ManualClock() });
  await control.start();
  return { source, control, app: createRouterApi(control, { keepAliveMs: 0 }) };
}

describe('router API', () => {
  it('reports status with counts', async () => {
    const { app, control } = await setup();
    const res = await app.request('/.well-known/status');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ data: { status: 'healthy', detail: { routes: 1, services: 1 } } });
    control.close();
  });

  it('lists routes', async () => {
    const { app, control } = await setup();
    expect(await (await app.request('/routes')).json()).toEqual([{ type: 'http', id: 'r', service: 'web', domain: 'a.test', port: 0, path: '/' }]);
    control.close();
  });

  it('streams events as SSE data lines, filtered by ?types=', async () => {
    const { app, control, source } = await setup();
    const res = await app.request('/events?types=set,backend-up');
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += dec.decode(value);
      }
    };
    await readUntil('backend-up');
    source.remove('r');
    source.set({ type: 'http', id: 'n', service: 'web', domain: 'n.test' });
    await readUntil('"id":"n"');
    await flushMicrotasks();
    const events = text.split('\n\n').filter(Boolean).map((b) => JSON.parse(b.replace(/^data: /, '')) as { event: string });
    expect(events.map((e) => e.event)).toEqual(['backend-up', 'set']);
    await reader.cancel();
    control.close();
  });

  it('answers 400 for an unknown event type', async () => {
    const { app, control } = await setup();
    const res = await app.request('/events?types=set,bogus');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'validation_error' });
    control.close();
  });

  it('parses type lists', () => {
    expect(parseEventTypes(undefined)).toBeUndefined();
    expect([...parseEventTypes(' set , remove ')!]).toEqual(['set', 'remove']);
  });
});
