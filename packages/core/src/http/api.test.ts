import { describe, expect, it } from 'vitest';
import { HTTPException } from 'hono/http-exception';
import { channels, subscribe } from '../diagnostics.js';
import { FlynnError, InvariantError, ValidationError } from '../errors.js';
import type { LogFields, Logger } from '../logger.js';
import { createApi } from './api.js';

function recordingLogger(): Logger & { lines: Array<{ level: string; fields: LogFields; msg?: string }> } {
  const lines: Array<{ level: string; fields: LogFields; msg?: string }> = [];
  const make = (ctx: LogFields): Logger => {
    const log = (level: string) => (fields: LogFields, msg?: string) => {
      lines.push(msg === undefined ? { level, fields: { ...ctx, ...fields } } : { level, fields: { ...ctx, ...fields }, msg });
    };
    return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), child: (f) => make({ ...ctx, ...f }) };
  };
  return Object.assign(make({}), { lines });
}

describe('createApi', () => {
  it('echoes a valid X-Request-Id and exposes it to handlers', async () => {
    const app = createApi({ name: 'test', version: '1' });
    app.get('/id', (c) => c.json({ id: c.get('requestId') }));
    const res = await app.request('/id', { headers: { 'X-Request-Id': 'abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    expect(await res.json()).toEqual({ id: 'abc-123' });
  });

  it('generates a UUID request id when none (or a bad one) is given', async () => {
    const app = createApi({ name: 'test', version: '1' });
    app.get('/id', (c) => c.json({ id: c.get('requestId') }));
    for (const headers of [{}, { 'X-Request-Id': 'bad id with spaces' }]) {
      const res = await app.request('/id', { headers });
      const id = res.headers.get('x-request-id');
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(await res.json()).toEqual({ id });
    }
  });

  it('answers the status endpoint healthy by default', async () => {
    const app = createApi({ name: 'test', version: 'v20240101' });
    const res = await app.request('/.well-known/status');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { status: 'healthy', version: 'v20240101' } });
  });

  it('reports status detail and 503 when unhealthy or when the probe throws', async () => {
    let healthy = true;
    const app = createApi({ name: 'test', version: '2', status: async () => ({ healthy, detail: { leader: healthy } }) });
    let res = await app.request('/.well-known/status');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { status: 'healthy', detail: { leader: true }, version: '2' } });
    healthy = false;
    res = await app.request('/.well-known/status');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ data: { status: 'unhealthy', detail: { leader: false }, version: '2' } });

    const broken = createApi({ name: 'test', version: '3', status: () => { throw new Error('db down'); } });
    res = await broken.request('/.well-known/status');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ data: { status: 'unhealthy', detail: { error: 'db down' }, version: '3' } });
  });

  it('answers unknown routes with a JSON 404 carrying the request id', async () => {
    const app = createApi({ name: 'test', version: '1' });
    const res = await app.request('/nope', { headers: { 'X-Request-Id': 'req-404' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBe('req-404');
    expect(await res.json()).toEqual({ code: 'not_found', message: 'no route for GET /nope' });
  });

  it('maps thrown FlynnErrors to their status and JSON body', async () => {
    const app = createApi({ name: 'test', version: '1' });
    app.get('/missing', () => {
      throw new FlynnError('FLYNN_TEST_NOT_FOUND', 'app not found', { apiCode: 'object_not_found', detail: { app: 'x' } });
    });
    app.get('/busy', () => {
      throw new FlynnError('FLYNN_TEST_BUSY', 'no leader', { apiCode: 'service_unavailable', retry: true });
    });
    app.get('/invalid', () => {
      throw new ValidationError('name', 'must not be empty');
    });
    let res = await app.request('/missing');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ code: 'object_not_found', message: 'app not found', detail: { app: 'x' }, retry: false });
    res = await app.request('/busy');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ code: 'service_unavailable', message: 'no leader', retry: true });
    res = await app.request('/invalid');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ code: 'validation_error', message: 'must not be empty', detail: { field: 'name', message: 'must not be empty' }, retry: false });
  });

  it('hides unexpected errors behind 500 unknown_error and logs them with the request id', async () => {
    const logger = recordingLogger();
    const app = createApi({ name: 'ctl', version: '1', logger });
    app.get('/boom', () => {
      throw new TypeError('secret internals');
    });
    app.get('/bug', () => {
      throw new InvariantError('broken', { x: 1 });
    });
    const res = await app.request('/boom', { headers: { 'X-Request-Id': 'req-500' } });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ code: 'unknown_error', message: 'internal server error', retry: false });
    const line = logger.lines.find((l) => l.level === 'error');
    expect(line?.fields).toMatchObject({ api: 'ctl', requestId: 'req-500', status: 500 });
    expect((line?.fields.err as Error).message).toBe('secret internals');
    expect((await app.request('/bug')).status).toBe(500);
    expect(logger.lines.filter((l) => l.level === 'error')).toHaveLength(2);
  });

  it('maps hono HTTPExceptions to the wire code of their status', async () => {
    const app = createApi({ name: 'test', version: '1' });
    app.get('/auth', () => {
      throw new HTTPException(401, { message: 'no token' });
    });
    const res = await app.request('/auth');
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ code: 'unauthorized', message: 'no token' });
  });

  it('rejects bodies over the limit with 400 request_body_too_big', async () => {
    const app = createApi({ name: 'test', version: '1', bodyLimit: 16 });
    app.post('/echo', async (c) => c.json(await c.req.json()));
    const ok = await app.request('/echo', { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } });
    expect(ok.status).toBe(200);
    const big = JSON.stringify({ data: 'x'.repeat(100) });
    const res = await app.request('/echo', { method: 'POST', body: big, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'request_body_too_big' });
    // Without Content-Length (a streamed body) the limit is enforced while reading.
    const stream = new ReadableStream<Uint8Array>({
      start(ctl) {
        ctl.enqueue(new TextEncoder().encode(big));
        ctl.close();
      },
    });
    const streamed = await app.request('/echo', { method: 'POST', body: stream, headers: { 'transfer-encoding': 'chunked' }, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(400);
    expect(await streamed.json()).toMatchObject({ code: 'request_body_too_big' });
  });

  it('applies allow-all CORS when asked', async () => {
    const app = createApi({ name: 'test', version: '1', cors: true });
    app.get('/x', (c) => c.json({}));
    const pre = await app.request('/x', { method: 'OPTIONS', headers: { Origin: 'https://dash.example', 'Access-Control-Request-Method': 'PUT' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://dash.example');
    expect(pre.headers.get('access-control-allow-credentials')).toBe('true');
    const res = await app.request('/x', { headers: { Origin: 'https://dash.example' } });
    expect(res.headers.get('access-control-expose-headers')).toContain('X-Request-Id');
  });

  it('publishes request and response events', async () => {
    const app = createApi({ name: 'events', version: '1' });
    app.get('/x', (c) => c.json({}, 201));
    const seen: unknown[] = [];
    const offReq = subscribe(channels.httpRequest, (m) => seen.push(m));
    const offRes = subscribe(channels.httpResponse, (m) => seen.push(m));
    try {
      await app.request('/x', { headers: { 'X-Request-Id': 'evt-1' } });
    } finally {
      offReq();
      offRes();
    }
    expect(seen).toEqual([
      { api: 'events', method: 'GET', path: '/x', requestId: 'evt-1' },
      expect.objectContaining({ api: 'events', method: 'GET', path: '/x', requestId: 'evt-1', status: 201 }),
    ]);
  });
});
