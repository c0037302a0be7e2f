import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MockAgent } from 'undici';
import { channels, subscribe } from '../diagnostics.js';
import { FlynnError, HttpError } from '../errors.js';
import { seededRandom } from '../random.js';
import { ManualClock } from '../testing/manual-clock.js';
import { errorCode, HttpConnectionError, httpErrorFrom, joinUrl, JsonClient } from './json-client.js';
import type { JsonClientOptions } from './json-client.js';

const A = 'http://a.test:1111';
const B = 'http://b.test:1111';
const json = { headers: { 'content-type': 'application/json' } };

function sysError(code: string): Error {
  return Object.assign(new Error(`connect ${code}`), { code });
}

/** Lets I/O callbacks run and fires due ManualClock timers until `p` settles. */
async function drive<T>(p: Promise<T>, clock: ManualClock): Promise<T> {
  let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
  p.then(
    (value) => (outcome = { ok: true, value }),
    (error: unknown) => (outcome = { ok: false, error }),
  );
  for (let i = 0; i < 1000 && !outcome; i++) {
    await new Promise((r) => setImmediate(r));
    const due = clock.nextDue();
    if (!outcome && due !== undefined) clock.advance(due - clock.now());
  }
  if (!outcome) throw new Error('drive: promise did not settle');
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

let agent: MockAgent;
let clock: ManualClock;
const clients: JsonClient[] = [];

function client(options: Partial<JsonClientOptions> = {}): JsonClient {
  const c = new JsonClient({ urls: [A, B], dispatcher: agent, clock, random: seededRandom(1), ...options });
  clients.push(c);
  return c;
}

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  clock = new ManualClock(0);
});

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await agent.close();
});

describe('JsonClient requests', () => {
  it('sends JSON with default and per-request headers and decodes the answer', async () => {
    let seen: { headers: unknown; body: unknown } | undefined;
    agent
      .get(A)
      .intercept({ path: '/apps?limit=2&tag=a&tag=b', method: 'POST' })
      .reply(201, (opts) => {
        seen = { headers: opts.headers, body: opts.body };
        return { id: 'app-1' };
      }, json);
    const c = client({ headers: { Authorization: 'Bearer t' } });
    const out = await c.post<{ id: string }>('/apps', { name: 'web' }, { query: { limit: 2, tag: ['a', 'b'], skip: undefined }, headers: { 'X-Request-Id': 'r1' } });
    expect(out).toEqual({ id: 'app-1' });
    expect(seen?.body).toBe('{"name":"web"}');
    expect(seen?.headers).toMatchObject({ authorization: 'Bearer t', 'content-type': 'application/json', accept: 'application/json', 'x-request-id': 'r1' });
  });

  it('resolves undefined for 204 and empty bodies, and exposes status and headers via send()', async () => {
    agent.get(A).intercept({ path: '/x', method: 'DELETE' }).reply(204, '');
    agent.get(A).intercept({ path: '/y', method: 'PUT' }).reply(200, '', { headers: { etag: '"v1"' } });
    const c = client();
    expect(await c.delete('/x')).toBeUndefined();
    const res = await c.send('PUT', '/y', { body: {} });
    expect(res).toMatchObject({ status: 200, data: undefined, url: `${A}/y` });
    expect(res.headers.get('etag')).toBe('"v1"');
  });

  it('decodes JSON error bodies into HttpError', async () => {
    agent
      .get(A)
      .intercept({ path: '/apps', method: 'POST' })
      .reply(400, { code: 'validation_error', message: 'name is invalid', detail: { field: 'name', message: 'is invalid' } }, json);
    const err = await client().post('/apps', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect(FlynnError.is(err)).toBe(true);
    expect(err).toMatchObject({ status: 400, apiCode: 'validation_error', code: 'FLYNN_HTTP_VALIDATION_ERROR', message: 'name is invalid', detail: { field: 'name', message: 'is invalid' }, retry: false, url: `${A}/apps` });
  });

  it('falls back to a code from the status when the error body is not the JSON error shape', () => {
    expect(httpErrorFrom(404, 'page not found')).toMatchObject({ status: 404, apiCode: 'not_found', message: 'page not found' });
    expect(httpErrorFrom(502, '')).toMatchObject({ status: 502, apiCode: 'unknown_error', message: 'HTTP 502' });
    expect(httpErrorFrom(409, '{"error":"x"}')).toMatchObject({ apiCode: 'conflict' });
    expect(httpErrorFrom(503, '{"code":"service_unavailable","message":"no leader","retry":true}')).toMatchObject({ retry: true, status: 503 });
  });

  it('honours expectStatus', async () => {
    agent.get(A).intercept({ path: '/a', method: 'GET' }).reply(200, { ok: true }, json);
    agent.get(A).intercept({ path: '/b', method: 'GET' }).reply(404, { code: 'not_found', message: 'gone' }, json);
    const c = client();
    await expect(c.get('/a', { expectStatus: 201 })).rejects.toBeInstanceOf(HttpError);
    expect(await c.get('/b', { expectStatus: [200, 404] })).toEqual({ code: 'not_found', message: 'gone' });
  });

  it('rejects a 2xx body that is not JSON with a typed error', async () => {
    agent.get(A).intercept({ path: '/a', method: 'GET' }).reply(200, '<html>');
    await expect(client().get('/a')).rejects.toMatchObject({ code: 'FLYNN_HTTP_INVALID_JSON' });
  });

  it('fails with FLYNN_HTTP_NO_URLS when there is nowhere to send', async () => {
    await expect(client({ urls: [] }).get('/a')).rejects.toMatchObject({ code: 'FLYNN_HTTP_NO_URLS', retry: true });
  });
});

describe('JsonClient failover and retries', () => {
  it('fails over to the next URL when a connection is refused, and stays there', async () => {
    agent.get(A).intercept({ path: '/x', method: 'POST' }).replyWithError(sysError('ECONNREFUSED'));
    agent.get(B).intercept({ path: '/x', method: 'POST' }).reply(200, { from: 'b' }, json);
    agent.get(B).intercept({ path: '/y', method: 'GET' }).reply(200, { from: 'b' }, json);
    const events: Array<[string, unknown]> = [];
    const offs = [
      subscribe(channels.httpClientFailover, (m) => events.push(['failover', m])),
      subscribe(channels.httpClientRetry, (m) => events.push(['retry', m])),
    ];
    try {
      const c = client();
      expect(await c.post('/x', { n: 1 })).toEqual({ from: 'b' });
      expect(c.currentUrl).toBe(B);
      expect(await c.get('/y')).toEqual({ from: 'b' });
    } finally {
      for (const off of offs) off();
    }
    expect(events.map(([k]) => k)).toEqual(['failover', 'retry']);
    expect(events[0]![1]).toMatchObject({ from: A, to: B, method: 'POST', path: '/x' });
    expect(events[1]![1]).toMatchObject({ url: B, attempt: 1, delayMs: 0 });
  });

  it('retries idempotent requests after a reset, but not a POST that may have been sent', async () => {
    agent.get(A).intercept({ path: '/x', method: 'GET' }).replyWithError(sysError('ECONNRESET'));
    agent.get(B).intercept({ path: '/x', method: 'GET' }).reply(200, { ok: 1 }, json);
    agent.get(B).intercept({ path: '/x', method: 'POST' }).replyWithError(sysError('ECONNRESET'));
    const c = client();
    expect(await c.get('/x')).toEqual({ ok: 1 });
    const err = await c.post('/x', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpConnectionError);
    expect(err).toMatchObject({ apiCode: 'service_unavailable', retry: true, detail: { url: `${B}/x`, errno: 'ECONNRESET' } });
    // `idempotent: true` makes a POST retryable again.
    agent.get(A).intercept({ path: '/x', method: 'POST' }).reply(200, { ok: 2 }, json);
    agent.get(B).intercept({ path: '/x', method: 'POST' }).replyWithError(sysError('ECONNRESET'));
    expect(await c.post('/x', {}, { idempotent: true })).toEqual({ ok: 2 });
  });

  it('retries a POST on an error body with retry: true, with backoff on the injected clock', async () => {
    const sleeps: number[] = [];
    const off = subscribe(channels.httpClientRetry, (m) => sleeps.push((m as { delayMs: number }).delayMs));
    agent.get(A).intercept({ path: '/x', method: 'POST' }).reply(503, { code: 'service_unavailable', message: 'no leader', retry: true }, json).times(2);
    agent.get(A).intercept({ path: '/x', method: 'POST' }).reply(200, { ok: true }, json);
    const c = client({ urls: [A], backoff: { initialMs: 100, jitter: 'none' } });
    try {
      expect(await drive(c.post('/x', {}), clock)).toEqual({ ok: true });
    } finally {
      off();
    }
    expect(sleeps).toEqual([100, 200]);
    expect(clock.now()).toBe(300);
  });

  it('does not retry a POST on a plain 503, and gives up on GET after `retries`', async () => {
    agent.get(A).intercept({ path: '/x', method: 'POST' }).reply(503, 'busy');
    const c = client({ urls: [A], retries: 2, backoff: { initialMs: 10, jitter: 'none' } });
    await expect(drive(c.post('/x', {}), clock)).rejects.toMatchObject({ status: 503 });
    agent.get(A).intercept({ path: '/y', method: 'GET' }).reply(503, 'busy').times(3);
    await expect(drive(c.get('/y'), clock)).rejects.toMatchObject({ status: 503, apiCode: 'service_unavailable' });
    agent.assertNoPendingInterceptors();
  });

  it('gives every untried URL one free attempt before spending retries', async () => {
    const urls = ['http://c1.test', 'http://c2.test', 'http://c3.test', 'http://c4.test'];
    for (const u of urls.slice(0, 3)) agent.get(u).intercept({ path: '/x', method: 'GET' }).replyWithError(sysError('ECONNREFUSED'));
    agent.get(urls[3]!).intercept({ path: '/x', method: 'GET' }).reply(200, { n: 4 }, json);
    const c = client({ urls, retries: 0 });
    expect(await c.get('/x')).toEqual({ n: 4 });
  });

  it('stops on the caller abort without retrying', async () => {
    agent.get(A).intercept({ path: '/x', method: 'GET' }).replyWithError(sysError('ECONNREFUSED'));
    const ctl = new AbortController();
    const reason = new Error('caller gave up');
    ctl.abort(reason);
    await expect(client().get('/x', { signal: ctl.signal })).rejects.toBe(reason);
  });

  it('reads the URL list from a function and from setUrls', async () => {
    let list = [A];
    const c = client({ urls: () => list });
    agent.get(A).intercept({ path: '/x', method: 'GET' }).reply(200, { from: 'a' }, json);
    expect(await c.get('/x')).toEqual({ from: 'a' });
    list = [B];
    agent.get(B).intercept({ path: '/x', method: 'GET' }).reply(200, { from: 'b' }, json);
    expect(await c.get('/x')).toEqual({ from: 'b' });
    c.setUrls([A, B]);
    expect(c.currentUrl).toBe(B);
  });
});

describe('JsonClient redirects', () => {
  it('follows 307 and 308 with the same method and body', async () => {
    const bodies: unknown[] = [];
    agent.get(A).intercept({ path: '/services/web', method: 'PUT' }).reply(307, '', { headers: { location: `${B}/services/web` } });
    agent.get(B).intercept({ path: '/services/web', method: 'PUT' }).reply(308, '', { headers: { location: '/v2/services/web' } });
    agent
      .get(B)
      .intercept({ path: '/v2/services/web', method: 'PUT' })
      .reply(200, (opts) => {
        bodies.push(opts.body);
        return { ok: true };
      }, json);
    const res = await client().send('PUT', '/services/web', { body: { a: 1 } });
    expect(res).toMatchObject({ status: 200, data: { ok: true }, url: `${B}/v2/services/web` });
    expect(bodies).toEqual(['{"a":1}']);
  });

  it('keeps credentials only for known origins', async () => {
    const auth: unknown[] = [];
    const record = (status: number, location?: string) => (opts: { headers?: unknown }) => {
      auth.push((opts.headers as Record<string, string>).authorization);
      return location ? '' : { status };
    };
    agent.get(A).intercept({ path: '/k', method: 'GET' }).reply(307, record(307, `${B}/k`), { headers: { location: `${B}/k` } });
    agent.get(B).intercept({ path: '/k', method: 'GET' }).reply(307, record(307, 'http://evil.test/k'), { headers: { location: 'http://evil.test/k' } });
    agent.get('http://evil.test').intercept({ path: '/k', method: 'GET' }).reply(200, record(200), json);
    await client({ headers: { authorization: 'secret' } }).get('/k');
    expect(auth).toEqual(['secret', 'secret', undefined]);
  });

  it('stops after maxRedirects hops with an HttpError', async () => {
    agent.get(A).intercept({ path: '/loop', method: 'GET' }).reply(307, '', { headers: { location: '/loop' } }).times(2);
    const err = await client({ maxRedirects: 1 }).get('/loop').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ status: 307 });
  });
});

describe('helpers', () => {
  it('joins base URLs with prefixes, paths and queries', () => {
    expect(joinUrl('http://h:1/', '/a')).toBe('http://h:1/a');
    expect(joinUrl('http://h:1/api', 'a/b')).toBe('http://h:1/api/a/b');
    expect(joinUrl('http://h:1', '/a?x=1', { y: true })).toBe('http://h:1/a?x=1&y=true');
    expect(joinUrl('http://h:1', '/a', { y: undefined })).toBe('http://h:1/a');
  });

  it('finds errno codes in causes and aggregate errors', () => {
    expect(errorCode(new AggregateError([sysError('ECONNREFUSED')]))).toBe('ECONNREFUSED');
    expect(errorCode(new Error('x', { cause: sysError('EPIPE') }))).toBe('EPIPE');
    expect(errorCode(new Error('x'))).toBeUndefined();
  });
});
