/**
 * Authentication (reference §5.2, wire-observed): Basic auth with any of the
 * configured keys, 401 with an empty body otherwise, `/ping` and `/ca-cert`
 * open, `?key=` only for event streams, key rotation at runtime and across
 * restarts (the original's test_controller key rotation scenario).
 */
import { basicAuthHeader } from '@flynn-ts/controller';
import { HttpError } from '@flynn-ts/core';
import { describe, expect, it } from 'vitest';
import { controllerHooks, KEY, PG_MISSING, startInstance } from './harness.js';

describe.skipIf(PG_MISSING)('auth', () => {
  const t = controllerHooks({ caCert: '-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n' });

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${t.c.url}${path}`, { headers });

  it('answers 401 with an empty body without a key or with a wrong one', async () => {
    for (const headers of [{}, { authorization: basicAuthHeader('wrong') }, { authorization: `Bearer ${KEY}` }, { authorization: 'Basic !!!' }]) {
      const res = await get('/apps', headers);
      expect(res.status).toBe(401);
      expect(await res.text()).toBe('');
    }
    expect((await get('/apps?key=' + KEY)).status).toBe(401);
    expect((await get('/nowhere')).status).toBe(401);
  });

  it('accepts the key as the Basic password whatever the user name', async () => {
    expect((await get('/apps', { authorization: basicAuthHeader(KEY) })).status).toBe(200);
    expect((await get('/apps', { authorization: `Basic ${Buffer.from(`someone:${KEY}`).toString('base64')}` })).status).toBe(200);
  });

  it('leaves /ping, /ca-cert and the status endpoint open', async () => {
    const ping = await get('/ping');
    expect(ping.status).toBe(200);
    expect(await ping.text()).toBe('');
    const ca = await get('/ca-cert');
    expect(ca.status).toBe(200);
    expect(ca.headers.get('content-type')).toBe('application/x-x509-ca-cert');
    expect(await ca.text()).toMatch(/BEGIN CERTIFICATE/);
    expect((await get('/ca-cert', { authorization: basicAuthHeader('wrong') })).status).toBe(401);
    const status = await get('/.well-known/status');
    expect(await status.json()).toMatchObject({ data: { status: 'healthy' } });
  });

  it('takes ?key= for event streams only', async () => {
    const ctl = new AbortController();
    const res = await get(`/events?key=${KEY}`, { accept: 'text/event-stream' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await res.body?.cancel();
    ctl.abort();
    expect((await get(`/events?key=wrong`, { accept: 'text/event-stream' })).status).toBe(401);
  });

  it('rotates keys at runtime: old and new both work, then only the new one', async () => {
    expect((await t.c.client.appList()).length).toBe(0);
    t.c.controller.authorizer.setKeys([KEY, 'new-key']);
    t.c.client.setKey('new-key');
    expect(await t.c.client.appList()).toEqual([]);
    expect((await get('/apps', { authorization: basicAuthHeader(KEY) })).status).toBe(200);
    t.c.controller.authorizer.setKeys(['new-key']);
    expect((await get('/apps', { authorization: basicAuthHeader(KEY) })).status).toBe(401);
    expect(await t.c.client.appList()).toEqual([]);
    t.c.client.setKey(KEY);
    const err = await t.c.client.appList().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).status).toBe(401);
  });

  it('rotates keys across a restart with an AUTH_KEY list', async () => {
    await t.c.close();
    t.c = await startInstance(t.db, { authKeys: ['k-old', 'k-new'] });
    for (const k of ['k-old', 'k-new']) expect((await get('/apps', { authorization: basicAuthHeader(k) })).status).toBe(200);
    await t.c.close();
    t.c = await startInstance(t.db, { authKeys: ['k-new'] });
    expect((await get('/apps', { authorization: basicAuthHeader('k-old') })).status).toBe(401);
    expect((await get('/apps', { authorization: basicAuthHeader('k-new') })).status).toBe(200);
  });
});
