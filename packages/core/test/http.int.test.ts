/**
 * The JSON client, API helper and node server over real loopback sockets.
 * No assertion depends on how long something takes; waits are event-driven.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { request } from 'undici';
import * as z from 'zod';
import { TimeoutError } from '../src/abort.js';
import { channels, subscribe } from '../src/diagnostics.js';
import { FlynnError, HttpError } from '../src/errors.js';
import type { LogFields, Logger } from '../src/logger.js';
import { createApi, HttpConnectionError, JsonClient, serve, validate } from '../src/http/index.js';
import type { HttpServerHandle, JsonClientOptions } from '../src/http/index.js';
import { deferred, waitFor } from '../src/testing/index.js';

const servers: HttpServerHandle[] = [];
const clients: JsonClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await Promise.all(servers.splice(0).map((s) => s.close(0)));
});

function newClient(options: JsonClientOptions): JsonClient {
  const c = new JsonClient({ backoff: { initialMs: 10, maxMs: 50 }, ...options });
  clients.push(c);
  return c;
}

/** A small API: who answers, how many POSTs it saw, and what they carried. */
async function node(name: string, extra?: Parameters<typeof serve>[1]) {
  const posts: unknown[] = [];
  const app = createApi({ name, version: 'test' });
  app.get('/who', (c) => c.json({ name }));
  app.post('/echo', validate('json', z.object({ n: z.number() })), (c) => {
    posts.push(c.req.valid('json'));
    return c.json({ name, body: c.req.valid('json') });
  });
  const server = await serve(app.fetch, { host: '127.0.0.1', port: 0, ...extra });
  servers.push(server);
  return { server, app, posts };
}

describe('JsonClient failover against real servers', () => {
  it('fails over from a dead server to the live one, for GET and for a refused POST', async () => {
    const a = await node('a');
    const b = await node('b');
    const urls = [a.server.url, b.server.url];
    const client = newClient({ urls });
    expect(await client.get('/who')).toEqual({ name: 'a' });

    const failovers: unknown[] = [];
    const off = subscribe(channels.httpClientFailover, (m) => failovers.push(m));
    try {
      await a.server.close(0);
      expect(await client.get('/who')).toEqual({ name: 'b' });
      expect(client.currentUrl).toBe(b.server.url);
      expect(failovers).toEqual([expect.objectContaining({ from: a.server.url, to: b.server.url, method: 'GET', path: '/who' })]);

      // A fresh client starts on A: the connection is refused, so even a POST moves on to B.
      const fresh = newClient({ urls });
      expect(await fresh.post('/echo', { n: 7 })).toEqual({ name: 'b', body: { n: 7 } });
      expect(b.posts).toEqual([{ n: 7 }]);
      expect(a.posts).toEqual([]);
    } finally {
      off();
    }
  });

  it('does not re-send a POST whose connection broke after it was sent', async () => {
    const b = await node('b');
    const app = createApi({ name: 'flaky', version: 'test' });
    let hits = 0;
    app.post('/echo', (c) => {
      hits++;
      (c.env as { incoming: { socket: { destroy(): void } } }).incoming.socket.destroy();
      return c.json({});
    });
    const flaky = await serve(app.fetch);
    servers.push(flaky);
    const client = newClient({ urls: [flaky.url, b.server.url] });
    const err = await client.post('/echo', { n: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpConnectionError);
    expect(hits).toBe(1);
    expect(b.posts).toEqual([]);
  });

  it('answers with HttpConnectionError when every server is down', async () => {
    const a = await node('a');
    const url = a.server.url;
    await a.server.close(0);
    const client = newClient({ urls: [url], retries: 1 });
    const err = await client.get('/who').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpConnectionError);
    expect(err).toMatchObject({ code: 'FLYNN_HTTP_CONNECTION', retry: true, detail: { errno: 'ECONNREFUSED' } });
  });
});

describe('JsonClient errors, timeouts and redirects against real servers', () => {
  it('turns a request that outlives its deadline into a TimeoutError, and does not re-send a POST', async () => {
    const release = deferred();
    const app = createApi({ name: 'slow', version: 'test' });
    app.all('*', async (c) => {
      await release.promise;
      return c.json({ late: true });
    });
    const slow = await serve(app.fetch);
    servers.push(slow);
    const other = await node('other');
    try {
      const client = newClient({ urls: [slow.url], timeoutMs: 100, retries: 0 });
      const err = await client.get('/slow').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect(err).toMatchObject({ code: 'FLYNN_CORE_TIMEOUT', retry: true });

      // The POST may have reached the slow server, so it must not be re-sent to the other one.
      const failing = newClient({ urls: [slow.url, other.server.url], timeoutMs: 100 });
      await expect(failing.post('/echo', { n: 1 })).rejects.toBeInstanceOf(TimeoutError);
      expect(other.posts).toEqual([]);
    } finally {
      release.resolve();
    }
  });

  it('decodes 4xx JSON error bodies into HttpError with code, detail and retry', async () => {
    const { server, app } = await node('errs');
    app.get('/conflict', () => {
      throw new FlynnError('FLYNN_TEST_CONFLICT', 'release exists', { apiCode: 'object_exists', detail: { id: 'r1' } });
    });
    app.post('/limited', () => {
      throw new FlynnError('FLYNN_TEST_RATE', 'slow down', { apiCode: 'ratelimited', retry: true });
    });
    const client = newClient({ urls: [server.url], retries: 0 });

    const conflict = await client.get('/conflict').catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(HttpError);
    expect(conflict).toMatchObject({ status: 409, apiCode: 'object_exists', message: 'release exists', detail: { id: 'r1' }, retry: false });

    const invalid = await client.post('/echo', { n: 'x' }).catch((e: unknown) => e);
    expect(invalid).toMatchObject({ status: 400, apiCode: 'validation_error', detail: { field: 'n' } });

    const limited = await client.post('/limited', {}).catch((e: unknown) => e);
    expect(limited).toMatchObject({ status: 429, apiCode: 'ratelimited', retry: true });

    const missing = await client.get('/nowhere').catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404, apiCode: 'not_found' });
  });

  it('follows a 307 from a follower to the leader, re-sending the body', async () => {
    const leader = await node('leader');
    const followerApp = createApi({ name: 'follower', version: 'test' });
    followerApp.post('/echo', (c) => c.redirect(`${leader.server.url}/echo`, 307));
    const follower = await serve(followerApp.fetch);
    servers.push(follower);
    const client = newClient({ urls: [follower.url] });
    const res = await client.send('POST', '/echo', { body: { n: 3 } });
    expect(res).toMatchObject({ status: 200, url: `${leader.server.url}/echo`, data: { name: 'leader', body: { n: 3 } } });
    expect(leader.posts).toEqual([{ n: 3 }]);
    expect(client.currentUrl).toBe(follower.url);
  });
});

describe('serve', () => {
  function recordingLogger(lines: LogFields[]): Logger {
    const log = (fields: LogFields) => void lines.push(fields);
    const logger: Logger = { debug: log, info: log, warn: log, error: log, child: () => logger };
    return logger;
  }

  it('logs listen and close, and answers with request ids over a real socket', async () => {
    const lines: LogFields[] = [];
    const { server } = await node('logged', { logger: recordingLogger(lines) });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const res = await request(`${server.url}/.well-known/status`, { headers: { 'x-request-id': 'int-test-1' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toBe('int-test-1');
    expect(await res.body.json()).toEqual({ data: { status: 'healthy', version: 'test' } });
    await server.close();
    expect(lines).toEqual([
      expect.objectContaining({ event: 'http_listen', url: server.url, port: server.port }),
      expect.objectContaining({ event: 'http_close', url: server.url, forcedSockets: 0 }),
    ]);
  });

  it('waits for an in-flight request, refuses new connections, then closes', async () => {
    const entered = deferred();
    const release = deferred();
    const app = createApi({ name: 'graceful', version: 'test' });
    app.get('/slow', async (c) => {
      entered.resolve();
      await release.promise;
      return c.json({ done: true });
    });
    const server = await serve(app.fetch);
    servers.push(server);
    const client = newClient({ urls: [server.url], retries: 0 });

    const inFlight = client.get('/slow');
    await entered.promise;
    let closed = false;
    const closing = server.close(30_000).then(() => (closed = true));
    expect(server.closing.aborted).toBe(true);
    await waitFor(() => !server.server.listening, { what: 'listener closed' });

    const late = newClient({ urls: [server.url], retries: 0 });
    await expect(late.get('/slow')).rejects.toMatchObject({ detail: { errno: 'ECONNREFUSED' } });
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(closed).toBe(false);

    release.resolve();
    expect(await inFlight).toEqual({ done: true });
    await closing;
    expect(closed).toBe(true);
  });

  it('closes idle keep-alive sockets at once and destroys long-lived streams after the grace', async () => {
    const app = createApi({ name: 'streams', version: 'test' });
    app.get('/ok', (c) => c.json({ ok: true }));
    app.get('/events', () => {
      const body = new ReadableStream<Uint8Array>({
        start(ctl) {
          ctl.enqueue(new TextEncoder().encode(': hello\n\n'));
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    });
    const lines: LogFields[] = [];
    const server = await serve(app.fetch, { logger: recordingLogger(lines) });
    servers.push(server);

    // An idle keep-alive connection alone must not hold a long grace open.
    const client = newClient({ urls: [server.url] });
    expect(await client.get('/ok')).toEqual({ ok: true });
    expect(server.server.listening).toBe(true);

    const stream = await request(`${server.url}/events`);
    expect(stream.statusCode).toBe(200);
    const ended = new Promise<unknown>((resolve) => {
      stream.body.on('error', resolve);
      stream.body.on('close', () => resolve('closed'));
      stream.body.resume();
    });
    await server.close(50);
    expect(await ended).toBeDefined();
    expect(lines.at(-1)).toMatchObject({ event: 'http_close', forcedSockets: 1 });
  });

  it('closes when the given signal aborts', async () => {
    const ctl = new AbortController();
    const { server } = await node('signalled', { signal: ctl.signal });
    ctl.abort();
    await waitFor(() => !server.server.listening, { what: 'server closed by signal' });
    expect(server.closing.aborted).toBe(true);
    await server.close();
  });
});

describe('createApi body limit over a real socket', () => {
  it('accepts PUT/DELETE without a body and streamed bodies, refuses streamed bodies over the limit', async () => {
    const app = createApi({ name: 'limit', version: 'test', bodyLimit: 64 });
    app.put('/x', async (c) => c.json({ text: await c.req.text() }));
    app.delete('/x', async (c) => c.json({ text: await c.req.text() }));
    app.post('/x', async (c) => c.json({ text: await c.req.text() }));
    const server = await serve(app.fetch, { host: '127.0.0.1', port: 0 });
    servers.push(server);
    for (const method of ['PUT', 'DELETE'] as const) {
      const res = await request(`${server.url}/x`, { method });
      expect(res.statusCode).toBe(200);
      expect(await res.body.json()).toEqual({ text: '' });
    }
    const chunked = async (parts: string[]) =>
      request(`${server.url}/x`, {
        method: 'POST',
        body: Readable.from(parts.map((p) => Buffer.from(p))),
      });
    const ok = await chunked(['hello ', 'world']);
    expect(ok.statusCode).toBe(200);
    expect(await ok.body.json()).toEqual({ text: 'hello world' });
    const big = await chunked(['x'.repeat(40), 'y'.repeat(40)]);
    expect(big.statusCode).toBe(400);
    expect(await big.body.json()).toMatchObject({ code: 'request_body_too_big' });
  });
});
