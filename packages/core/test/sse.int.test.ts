/**
 * SSE over real loopback sockets: sseResponse served by hono through
 * @hono/node-server, read by sseStream over undici.
 */
import { createServer } from 'node:http';
import type { RequestListener, Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { Agent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { channels, subscribe } from '../src/diagnostics.js';
import { HttpError } from '../src/errors.js';
import type { SseReconnectMessage, SseStreamOptions } from '../src/http/sse-client.js';
import { sseStream } from '../src/http/sse-client.js';
import type { SseSend } from '../src/http/sse-writer.js';
import { sseResponse } from '../src/http/sse-writer.js';
import { seededRandom } from '../src/random.js';
import { deferred, waitFor } from '../src/testing/deferred.js';

interface TestServer {
  url: string;
  port: number;
  /** Sockets currently open on the server side. */
  sockets: Set<Socket>;
  /** Stops listening and destroys every open connection at once (a crash). */
  kill(): void;
}

const servers: TestServer[] = [];
let agent: Agent;

async function listen(handler: RequestListener, port = 0): Promise<TestServer> {
  const server: Server = createServer(handler);
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  const ts: TestServer = {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    sockets,
    kill() {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
  servers.push(ts);
  return ts;
}

function serveHono(app: Hono, port = 0): Promise<TestServer> {
  const listener = getRequestListener(app.fetch, { overrideGlobalObjects: false });
  return listen((req, res) => void listener(req, res), port);
}

function clientOptions(extra: SseStreamOptions = {}): SseStreamOptions {
  return { dispatcher: agent, random: seededRandom(7), backoff: { initialMs: 5, maxMs: 50 }, ...extra };
}

/**
 * Sends events `from`..`to` with ids (each padded with `pad` bytes); then hangs
 * until the client goes away, or ends.
 */
function counter(from: number, to: number, then: 'hang' | 'end', pad = 0) {
  return async (send: SseSend, signal: AbortSignal) => {
    for (let i = from; i <= to && !signal.aborted; i++) await send({ id: i, event: 'count', data: { n: i, pad: 'x'.repeat(pad) } });
    if (then === 'hang' && !signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
  };
}

beforeEach(() => {
  agent = new Agent();
});

afterEach(async () => {
  for (const s of servers.splice(0)) s.kill();
  await agent.destroy();
});

describe('SSE over a real socket', () => {
  it('round-trips ids, event names, JSON and multi-line data with the Flynn headers', async () => {
    const app = new Hono().get('/events', () =>
      sseResponse(async (send) => {
        await send({ id: 'a1', data: { hello: 'world' } });
        await send({ event: 'log', data: 'line one\nline two' });
        await send({ id: 'a3', event: 'eof', data: '' });
      }),
    );
    const server = await serveHono(app);
    const opened: Array<Record<string, unknown>> = [];
    const stream = sseStream(`${server.url}/events`, clientOptions({ reconnect: false, onOpen: (info) => opened.push(info.headers) }));
    const messages = [];
    for await (const m of stream) messages.push(m);
    expect(messages).toEqual([
      { id: 'a1', event: 'message', data: '{"hello":"world"}' },
      { id: undefined, event: 'log', data: 'line one\nline two' },
      { id: 'a3', event: 'eof', data: '' },
    ]);
    expect(stream.lastEventId).toBe('a3');
    expect(opened[0]).toMatchObject({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
  });

  it('survives a server restart mid-stream: every event exactly once, in order', async () => {
    const MORE = 10; // events the restarted server sends before the test stops
    const firstCalls: Array<string | undefined> = [];
    let firstSent = 0;
    // Endless big events: when it crashes, some are still in flight and one is likely cut in half.
    const firstApp = new Hono().get('/events', (c) => {
      firstCalls.push(c.req.header('last-event-id'));
      const produce = counter(Number(c.req.header('last-event-id') ?? 0) + 1, Number.MAX_SAFE_INTEGER, 'end', 100_000);
      return sseResponse((send, signal) => produce((e) => ((firstSent = Number(e.id)), send(e)), signal));
    });
    const resumedFrom: number[] = [];
    const secondApp = new Hono().get('/events', (c) => {
      const last = Number(c.req.header('last-event-id') ?? 0);
      resumedFrom.push(last);
      return sseResponse(counter(last + 1, last + MORE, 'hang'));
    });
    const first = await serveHono(firstApp);

    const reconnects: SseReconnectMessage[] = [];
    const off = subscribe(channels.sseReconnect, (m) => reconnects.push(m as SseReconnectMessage));
    let restarted: Promise<TestServer> | undefined;
    const ids: number[] = [];
    try {
      for await (const m of sseStream(`${first.url}/events`, clientOptions())) {
        ids.push(Number(m.id));
        expect(JSON.parse(m.data)).toMatchObject({ n: Number(m.id) });
        if (m.id === '3' && !restarted) {
          first.kill(); // crash while the server is still writing
          restarted = (async () => {
            // Restart on the same port once the client has also been refused by the dead one.
            await waitFor(() => reconnects.some((r) => r.attempt >= 2), { what: 'a refused reconnect' });
            return serveHono(secondApp, first.port);
          })();
        }
        if (resumedFrom.length > 0 && Number(m.id) >= resumedFrom[0]! + MORE) break;
      }
    } finally {
      off();
    }
    await restarted;
    expect(firstCalls).toEqual([undefined]);
    expect(resumedFrom).toHaveLength(1);
    const resumedAt = resumedFrom[0]!;
    expect(resumedAt).toBeGreaterThanOrEqual(3);
    expect(firstSent).toBeGreaterThan(resumedAt); // events were lost in flight, not just paused
    expect(ids).toEqual(Array.from({ length: resumedAt + MORE }, (_, i) => i + 1));
    expect(reconnects[0]!.lastEventId).toBe(String(resumedAt));
  });

  it('drops a half-received event and gets it again after reconnecting', async () => {
    const lastIds: Array<string | undefined> = [];
    const server = await listen((req, res) => {
      const last = req.headers['last-event-id'] as string | undefined;
      lastIds.push(last);
      if (last === '2') {
        res.writeHead(204).end(); // nothing more: the client must stop
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
      if (last === undefined) {
        // The second event is cut off in the middle of its data line.
        res.write('id: 1\ndata: one\n\nid: 2\ndata: tw', () => res.socket?.destroy());
      } else {
        res.end('id: 2\ndata: two\n\n');
      }
    });
    const stream = sseStream(`${server.url}/`, clientOptions({ maxReconnects: 1 }));
    const data: string[] = [];
    for await (const m of stream) data.push(m.data);
    expect(data).toEqual(['one', 'two']);
    expect(lastIds).toEqual([undefined, '1', '2']);
  });

  describe('cancellation closes the connection', () => {
    async function silentServer() {
      const producerStopped = deferred<string>();
      const app = new Hono().get('/events', () =>
        sseResponse(
          async (send, signal) => {
            await send({ id: 1, data: 'first' });
            await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
          },
          { onClose: (reason) => producerStopped.resolve(reason) },
        ),
      );
      return { server: await serveHono(app), producerStopped: producerStopped.promise };
    }

    it('on break out of for-await', async () => {
      const { server, producerStopped } = await silentServer();
      for await (const m of sseStream(`${server.url}/events`, clientOptions())) {
        expect(m.data).toBe('first');
        expect(server.sockets.size).toBe(1);
        break;
      }
      expect(await producerStopped).toBe('cancel');
      await waitFor(() => server.sockets.size === 0, { what: 'server-side socket closed' });
    });

    it('on close() while a next() is pending', async () => {
      const { server, producerStopped } = await silentServer();
      const stream = sseStream(`${server.url}/events`, clientOptions());
      const it = stream[Symbol.asyncIterator]();
      expect((await it.next()).value).toMatchObject({ data: 'first' });
      const pending = it.next();
      stream.close();
      expect(await pending).toEqual({ done: true, value: undefined });
      expect(await producerStopped).toBe('cancel');
      await waitFor(() => server.sockets.size === 0, { what: 'server-side socket closed' });
    });

    it('on the signal aborting while a next() is pending', async () => {
      const { server, producerStopped } = await silentServer();
      const ctl = new AbortController();
      const it = sseStream(`${server.url}/events`, clientOptions({ signal: ctl.signal }))[Symbol.asyncIterator]();
      expect((await it.next()).value).toMatchObject({ data: 'first' });
      const pending = it.next();
      const reason = new Error('caller gave up');
      ctl.abort(reason);
      await expect(pending).rejects.toBe(reason);
      expect(await producerStopped).toBe('cancel');
      await waitFor(() => server.sockets.size === 0, { what: 'server-side socket closed' });
    });
  });

  it('throws an HttpError decoded from a 404 JSON body, without reconnecting', async () => {
    let calls = 0;
    const app = new Hono().get('/events', (c) => {
      calls++;
      return c.json({ code: 'not_found', message: 'app not found', detail: { id: 'x' } }, 404);
    });
    const server = await serveHono(app);
    const stream = sseStream(`${server.url}/events`, clientOptions());
    const error = await (async () => {
      try {
        for await (const _ of stream) throw new Error('no events expected');
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ code: 'FLYNN_HTTP_NOT_FOUND', status: 404, message: 'app not found', detail: { id: 'x' }, url: `${server.url}/events` });
    expect(calls).toBe(1);
  });

  it('reconnects after a 503 and then streams', async () => {
    let calls = 0;
    const app = new Hono().get('/events', (c) => {
      calls++;
      if (calls === 1) return c.json({ code: 'service_unavailable', message: 'warming up', retry: true }, 503);
      return sseResponse(counter(1, 3, 'end'));
    });
    const server = await serveHono(app);
    const reconnects: SseReconnectMessage[] = [];
    const off = subscribe(channels.sseReconnect, (m) => reconnects.push(m as SseReconnectMessage));
    const ids: string[] = [];
    try {
      for await (const m of sseStream(`${server.url}/events`, clientOptions())) {
        ids.push(m.id!);
        if (m.id === '3') break;
      }
    } finally {
      off();
    }
    expect(ids).toEqual(['1', '2', '3']);
    expect(calls).toBe(2);
    expect(reconnects).toHaveLength(1);
    expect(reconnects[0]).toMatchObject({ attempt: 1, url: `${server.url}/events` });
    expect(reconnects[0]!.error).toMatchObject({ status: 503, code: 'FLYNN_HTTP_SERVICE_UNAVAILABLE', retry: true });
  });
});
