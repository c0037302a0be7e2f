import { describe, expect, expectTypeOf, it } from 'vitest';
import { Hono } from 'hono';
import * as z from 'zod';
import { createApi } from './api.js';
import { parseJsonBody, validate } from './validate.js';

const App = z.object({
  name: z.string().min(1),
  meta: z.object({ owner: z.string() }).optional(),
  processes: z.record(z.string(), z.number().int().nonnegative()).default({}),
});

function makeApp() {
  const app = createApi({ name: 'test', version: '1' });
  app.post('/apps', validate('json', App), (c) => {
    const body = c.req.valid('json');
    expectTypeOf(body.name).toEqualTypeOf<string>();
    return c.json(body, 201);
  });
  app.get('/apps', validate('query', z.object({ limit: z.coerce.number().int().max(100), tag: z.array(z.string()).optional() })), (c) => {
    return c.json(c.req.valid('query'));
  });
  app.get('/apps/:id', validate('param', z.object({ id: z.uuid() })), (c) => c.json({ id: c.req.valid('param').id }));
  return app;
}

const post = (app: ReturnType<typeof makeApp>, body: string, contentType = 'application/json') =>
  app.request('/apps', { method: 'POST', body, headers: { 'content-type': contentType } });

describe('validate', () => {
  it('passes the parsed (and defaulted) value to the handler', async () => {
    const res = await post(makeApp(), JSON.stringify({ name: 'web' }));
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ name: 'web', processes: {} });
  });

  it('answers validation_error with the dotted path of the first issue', async () => {
    let res = await post(makeApp(), JSON.stringify({ name: '' }));
    expect(res.status).toBe(400);
    type Body = { code: string; message: string; detail: { field: string; message: string } };
    let body = (await res.json()) as Body;
    expect(body).toMatchObject({ code: 'validation_error', detail: { field: 'name' } });
    expect(body.message).toBe(body.detail.message);

    res = await post(makeApp(), JSON.stringify({ name: 'a', meta: { owner: 7 } }));
    body = (await res.json()) as Body;
    expect(res.status).toBe(400);
    expect(body.detail.field).toBe('meta.owner');

    res = await post(makeApp(), JSON.stringify({ name: 'a', processes: { web: -1 } }));
    expect(((await res.json()) as Body).detail.field).toBe('processes.web');
  });

  it('names the body itself when the whole value is wrong', async () => {
    const res = await post(makeApp(), '[1,2]');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'validation_error', detail: { field: 'body' } });
  });

  it('answers syntax_error for malformed or empty JSON, whatever the content type', async () => {
    for (const [body, type] of [['{"name":', 'application/json'], ['not json', 'text/plain'], ['', 'application/json']] as const) {
      const res = await post(makeApp(), body, type);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'syntax_error' });
    }
  });

  it('validates query strings, keeping repeated keys as arrays', async () => {
    const app = makeApp();
    let res = await app.request('/apps?limit=10&tag=a&tag=b');
    expect(await res.json()).toEqual({ limit: 10, tag: ['a', 'b'] });
    res = await app.request('/apps?limit=1000');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'validation_error', detail: { field: 'limit' } });
  });

  it('validates path params', async () => {
    const app = makeApp();
    const id = '0b6f9c1e-3f5a-4c2d-9e8b-7a6d5c4b3a21';
    expect(await (await app.request(`/apps/${id}`)).json()).toEqual({ id });
    const res = await app.request('/apps/nope');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ detail: { field: 'id' } });
  });

  it('works on a plain hono app too (answers directly, no error handler needed)', async () => {
    const app = new Hono().post('/x', validate('json', z.object({ n: z.number() })), (c) => c.json(c.req.valid('json')));
    const res = await app.request('/x', { method: 'POST', body: '{"n":"1"}' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'validation_error', detail: { field: 'n' } });
  });
});

describe('parseJsonBody', () => {
  it('throws a syntax_error FlynnError', () => {
    expect(() => parseJsonBody('{')).toThrow(expect.objectContaining({ apiCode: 'syntax_error', status: 400 }));
    expect(parseJsonBody(' {"a":1} ')).toEqual({ a: 1 });
  });
});
