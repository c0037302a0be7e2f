import { MockAgent } from 'undici';
import type { Interceptable } from 'undici';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { channels, subscribe } from '../diagnostics.js';
import { FlynnError, HttpError } from '../errors.js';
import { seededRandom } from '../random.js';
import type { SseMessage, SseReconnectMessage, SseStream, SseStreamOptions } from './sse-client.js';
import { sseStream } from './sse-client.js';

const ORIGIN = 'http://sse.test';
const SSE = { 'content-type': 'text/event-stream; charset=utf-8' };

interface Reply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

let agent: MockAgent;
let pool: Interceptable;
/** Request headers of every call, in order. */
let requests: Array<Record<string, string>>;
/** Delays the stream slept for; the fake clock returns at once. */
let delays: number[];

/** A clock whose sleep records the delay and returns at once (the client only sleeps). */
const recordingClock: Clock = {
  ...systemClock,
  sleep: async (ms, signal) => {
    signal?.throwIfAborted();
    delays.push(ms);
  },
};

/** Answers successive requests to `path` with `replies`, recording request headers. */
function script(path: string, replies: Reply[]): void {
  for (const reply of replies) {
    pool.intercept({ path, method: 'GET' }).reply((opts) => {
      requests.push(lowerCase(opts.headers));
      return { statusCode: reply.status, data: reply.body ?? '', responseOptions: { headers: reply.headers ?? SSE } };
    });
  }
}

function lowerCase(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const entries = headers instanceof Headers ? [...headers.entries()] : Object.entries((headers ?? {}) as Record<string, string>);
  for (const [k, v] of entries) out[k.toLowerCase()] = String(v);
  return out;
}

function open(path: string, options: SseStreamOptions = {}): SseStream {
  return sseStream(ORIGIN + path, {
    dispatcher: agent,
    clock: recordingClock,
    random: seededRandom(1),
    backoff: { initialMs: 100, maxMs: 1_000, jitter: 'none' },
    ...options,
  });
}

async function drain(stream: SseStream): Promise<{ messages: SseMessage[]; error: unknown }> {
  const messages: SseMessage[] = [];
  try {
    for await (const m of stream) messages.push(m);
    return { messages, error: undefined };
  } catch (error) {
    return { messages, error };
  }
}

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  pool = agent.get(ORIGIN);
  requests = [];
  delays = [];
});

afterEach(async () => {
  await agent.close();
});

describe('sseStream', () => {
  it('parses events, names and ids, and asks for an event stream', async () => {
    script('/s', [{ status: 200, body: 'id: 1\ndata: a\n\nevent: up\ndata: {"x":1}\ndata: more\n\n: keep-alive\n\n' }]);
    const { messages, error } = await drain(open('/s', { reconnect: false, headers: { 'X-Token': 't' } }));
    expect(error).toBeUndefined();
    expect(messages).toEqual([
      { id: '1', event: 'message', data: 'a' },
      { id: undefined, event: 'up', data: '{"x":1}\nmore' },
    ]);
    expect(requests[0]).toMatchObject({ accept: 'text/event-stream', 'x-token': 't' });
    expect(requests[0]!['last-event-id']).toBeUndefined();
  });

  it('reconnects with Last-Event-ID and the server retry: delay', async () => {
    script('/s', [
      { status: 200, body: 'retry: 1234\nid: 1\ndata: a\n\n' },
      { status: 200, body: 'id: 2\ndata: b\n\nid: 3\ndata: c' }, // the last event is cut off
      { status: 200, body: 'id: 3\ndata: c\n\n' },
      { status: 404, body: JSON.stringify({ code: 'not_found', message: 'stream gone' }), headers: { 'content-type': 'application/json' } },
    ]);
    const stream = open('/s', { lastEventId: '0' });
    const { messages, error } = await drain(stream);
    expect(messages.map((m) => m.data)).toEqual(['a', 'b', 'c']);
    expect(requests.map((h) => h['last-event-id'])).toEqual(['0', '1', '2', '3']);
    expect(delays).toEqual([1234, 1234, 1234]);
    expect(stream.lastEventId).toBe('3');
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ code: 'FLYNN_HTTP_NOT_FOUND', status: 404, apiCode: 'not_found', message: 'stream gone' });
  });

  it('backs off on 5xx, honours Retry-After, and publishes each reconnect', async () => {
    const published: SseReconnectMessage[] = [];
    const off = subscribe(channels.sseReconnect, (m) => published.push(m as SseReconnectMessage));
    const unavailable = JSON.stringify({ code: 'service_unavailable', message: 'later', retry: true });
    const json = { 'content-type': 'application/json' };
    script('/s', [
      { status: 503, body: unavailable, headers: json },
      { status: 502, body: 'bad gateway', headers: { 'content-type': 'text/plain' } },
      { status: 429, body: '', headers: { 'retry-after': '3' } },
      { status: 200, body: 'data: finally\n\n' },
    ]);
    const onOpen = vi.fn();
    const stream = open('/s', { onOpen });
    const seen: string[] = [];
    for await (const m of stream) {
      seen.push(m.data);
      break;
    }
    off();
    expect(seen).toEqual(['finally']);
    expect(delays).toEqual([100, 200, 3000]);
    expect(published.map((p) => [p.attempt, p.delayMs])).toEqual([
      [1, 100],
      [2, 200],
      [3, 3000],
    ]);
    expect(published[0]!.error).toMatchObject({ code: 'FLYNN_HTTP_SERVICE_UNAVAILABLE', status: 503 });
    expect(published[1]!.error).toMatchObject({ status: 502, message: 'HTTP 502: bad gateway' });
    expect(onOpen).toHaveBeenCalledTimes(1);
    expect(onOpen.mock.calls[0]![0]).toMatchObject({ status: 200, attempt: 3, url: `${ORIGIN}/s` });
  });

  it('gives up after maxReconnects failures in a row', async () => {
    script('/s', [{ status: 503 }, { status: 503 }, { status: 503 }]);
    const { error } = await drain(open('/s', { maxReconnects: 2 }));
    expect(error).toMatchObject({ status: 503, code: 'FLYNN_HTTP_SERVICE_UNAVAILABLE' });
    expect(requests).toHaveLength(3);
  });

  it('wraps connection errors once reconnecting is exhausted', async () => {
    pool.intercept({ path: '/s', method: 'GET' }).replyWithError(new Error('connection refused'));
    const { error } = await drain(open('/s', { reconnect: false }));
    expect(FlynnError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: 'FLYNN_SSE_CONNECTION_FAILED', retry: true });
  });

  it('ends quietly when the server closes and reconnect is off', async () => {
    script('/s', [{ status: 200, body: 'data: only\n\n' }]);
    const { messages, error } = await drain(open('/s', { reconnect: false }));
    expect(messages.map((m) => m.data)).toEqual(['only']);
    expect(error).toBeUndefined();
  });

  it('treats a 2xx that is not an event stream as final', async () => {
    script('/s', [{ status: 200, body: '[]', headers: { 'content-type': 'application/json' } }]);
    const { error } = await drain(open('/s'));
    expect(error).toMatchObject({ code: 'FLYNN_HTTP_UNEXPECTED_CONTENT_TYPE', status: 200 });
    expect(requests).toHaveLength(1);
  });

  it('decodes a 4xx without a JSON body from its status', async () => {
    script('/s', [{ status: 401, body: 'no', headers: { 'content-type': 'text/plain' } }]);
    const { error } = await drain(open('/s'));
    expect(error).toMatchObject({ code: 'FLYNN_HTTP_UNAUTHORIZED', status: 401, apiCode: 'unauthorized' });
  });

  it('stops without reconnecting on 204', async () => {
    script('/s', [{ status: 204 }]);
    const { messages, error } = await drain(open('/s'));
    expect(messages).toEqual([]);
    expect(error).toBeUndefined();
    expect(requests).toHaveLength(1);
  });

  it('follows redirects for the current attempt', async () => {
    pool.intercept({ path: '/old', method: 'GET' }).reply(307, '', { headers: { location: '/new' } });
    script('/new', [{ status: 200, body: 'id: 9\ndata: moved\n\n' }]);
    const { messages } = await drain(open('/old', { reconnect: false }));
    expect(messages).toEqual([{ id: '9', event: 'message', data: 'moved' }]);
  });

  it('makes no request when closed or aborted before iterating', async () => {
    const closed = open('/s');
    closed.close();
    expect(await drain(closed)).toEqual({ messages: [], error: undefined });

    const reason = new Error('caller gave up');
    const aborted = open('/s', { signal: AbortSignal.abort(reason) });
    expect((await drain(aborted)).error).toBe(reason);
    expect(requests).toHaveLength(0);
  });

  it('close() inside the loop ends iteration after the current event', async () => {
    script('/s', [{ status: 200, body: 'data: 1\n\ndata: 2\n\ndata: 3\n\n' }]);
    const stream = open('/s');
    const seen: string[] = [];
    for await (const m of stream) {
      seen.push(m.data);
      if (m.data === '2') stream.close();
    }
    expect(seen).toEqual(['1', '2']);
  });

  it('a signal aborted mid-stream rejects with its reason', async () => {
    script('/s', [{ status: 200, body: 'data: 1\n\ndata: 2\n\n' }]);
    const ctl = new AbortController();
    const reason = new Error('stop');
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const m of open('/s', { signal: ctl.signal })) {
          seen.push(m.data);
          ctl.abort(reason);
        }
      })(),
    ).rejects.toBe(reason);
    expect(seen).toEqual(['1']);
  });
});
