import { describe, expect, it } from 'vitest';
import { ManualClock, flushMicrotasks } from '@flynn-ts/core/testing';
import { ALL_KINDS } from '../core/types.js';
import type { DiscoveryEvent } from '../core/types.js';
import { FakeBackend } from '../testing/fake-backend.js';
import { createDiscoveryApi } from './http-api.js';
import { BodyReader, inst } from './http-api.test-helpers.js';
import { BLOCKED_RECEIVER_FRAME, eventStreamResponse } from './sse-stream.js';
import type { StreamCloseReason } from './sse-stream.js';

const A = inst(5000, { color: 'red' });
const B = inst(5001);
const SSE = { Accept: 'text/event-stream' };

async function setup(options: { keepAliveMs?: number; streamBufferSize?: number; signal?: AbortSignal } = {}) {
  const backend = new FakeBackend();
  const clock = new ManualClock();
  const app = createDiscoveryApi(backend, { clock, ...options });
  await backend.addService('foo', { leader_type: 'oldest' });
  await backend.register('foo', A);
  await backend.register('foo', B);
  await backend.setMeta('foo', { data: { v: 1 }, index: 0 });
  const open = async (path: string, headers: Record<string, string> = {}) => {
    const res = await app.request(`http://127.0.0.1:1111${path}`, { headers });
    return { res, body: new BodyReader(res) };
  };
  return { backend, clock, app, open };
}

const frame = (e: object) => `data: ${JSON.stringify(e)}\n\n`;
const instance = (i: { id: string; addr: string; proto: string; meta?: Record<string, string> }, index: number) => ({ ...i, index });

describe('GET /services/:service (all kinds, always a stream)', () => {
  it('replays up…, leader, service_meta, current, then streams live events in order', async () => {
    const { backend, open } = await setup();
    const { res, body } = await open('/services/foo'); // no Accept header: still a stream
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('discoverd-index')).toBe('4');
    const a = instance(A, 2);
    const b = instance(B, 3);
    expect(await body.frames(5)).toEqual([
      frame({ service: 'foo', kind: 'up', instance: a }),
      frame({ service: 'foo', kind: 'up', instance: b }),
      frame({ service: 'foo', kind: 'leader', instance: a }),
      frame({ service: 'foo', kind: 'service_meta', service_meta: { data: { v: 1 }, index: 4 } }),
      frame({ service: 'foo', kind: 'current' }),
    ]);
    await backend.deregister('foo', A.id);
    await backend.register('foo', { ...B, meta: { x: 'y' } });
    await backend.setMeta('foo', { data: 2, index: 4 });
    const frames = await body.frames(9);
    expect(frames.slice(5)).toEqual([
      frame({ service: 'foo', kind: 'down', instance: a }),
      frame({ service: 'foo', kind: 'leader', instance: b }),
      frame({ service: 'foo', kind: 'update', instance: { ...B, meta: { x: 'y' }, index: 3 } }),
      frame({ service: 'foo', kind: 'service_meta', service_meta: { data: 2, index: 7 } }),
    ]);
    await body.cancel();
  });

  it('with Discoverd-Event-Index: true, precedes each frame with id: <raft index> (replay: its state\'s; live: the command\'s)', async () => {
    const { backend, open } = await setup();
    const { res, body } = await open('/services/foo', { 'Discoverd-Event-Index': 'true' });
    expect(res.headers.get('discoverd-index')).toBe('4');
    const a = instance(A, 2);
    const b = instance(B, 3);
    const replay = await body.frames(5);
    expect(replay).toEqual([
      `id: 4\n${frame({ service: 'foo', kind: 'up', instance: a })}`,
      `id: 4\n${frame({ service: 'foo', kind: 'up', instance: b })}`,
      `id: 4\n${frame({ service: 'foo', kind: 'leader', instance: a })}`,
      `id: 4\n${frame({ service: 'foo', kind: 'service_meta', service_meta: { data: { v: 1 }, index: 4 } })}`,
      `id: 4\n${frame({ service: 'foo', kind: 'current' })}`,
    ]);
    await backend.deregister('foo', A.id);
    expect((await body.frames(7)).slice(5)).toEqual([
      `id: 5\n${frame({ service: 'foo', kind: 'down', instance: a })}`,
      `id: 5\n${frame({ service: 'foo', kind: 'leader', instance: b })}`,
    ]);
    await body.cancel();
    // `false` (or no header) keeps the original's frames.
    const plain = await open('/services/foo', { 'Discoverd-Event-Index': 'false' });
    expect((await plain.body.frames(1))[0]).toBe(frame({ service: 'foo', kind: 'up', instance: b }));
    await plain.body.cancel();
  });

  it('streams a service that does not exist yet, then its events', async () => {
    const { backend, open } = await setup();
    const { body } = await open('/services/later');
    expect(await body.frames(1)).toEqual([frame({ service: 'later', kind: 'current' })]);
    await backend.addService('later', { leader_type: 'oldest' });
    await backend.register('later', A);
    expect((await body.frames(3)).slice(1)).toEqual([
      frame({ service: 'later', kind: 'up', instance: instance(A, 6) }),
      frame({ service: 'later', kind: 'leader', instance: instance(A, 6) }),
    ]);
    await body.cancel();
  });

  it('sends a leader event without instance when the last instance goes', async () => {
    const { backend, open } = await setup();
    const { body } = await open('/services/foo');
    await body.frames(5);
    await backend.deregister('foo', A.id);
    await backend.deregister('foo', B.id);
    const frames = await body.frames(9);
    expect(frames[8]).toBe('data: {"service":"foo","kind":"leader"}\n\n');
    await body.cancel();
  });
});

describe('instances and leader streams', () => {
  it('GET instances with Accept: text/event-stream streams up/update/down only', async () => {
    const { backend, open } = await setup();
    const { res, body } = await open('/services/foo/instances', SSE);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(await body.frames(2)).toEqual([
      frame({ service: 'foo', kind: 'up', instance: instance(A, 2) }),
      frame({ service: 'foo', kind: 'up', instance: instance(B, 3) }),
    ]);
    await backend.setMeta('foo', { data: 3, index: 4 }); // not streamed
    await backend.deregister('foo', A.id); // down streamed, leader not
    expect((await body.frames(3))[2]).toBe(frame({ service: 'foo', kind: 'down', instance: instance(A, 2) }));
    await body.cancel();
  });

  it('GET leader with Accept: text/event-stream streams leader events only', async () => {
    const { backend, open } = await setup();
    const { body } = await open('/services/foo/leader', { Accept: 'application/json, text/event-stream' });
    expect(await body.frames(1)).toEqual([frame({ service: 'foo', kind: 'leader', instance: instance(A, 2) })]);
    await backend.register('foo', inst(5002));
    await backend.deregister('foo', A.id);
    expect((await body.frames(2))[1]).toBe(frame({ service: 'foo', kind: 'leader', instance: instance(B, 3) }));
    expect(body.text).not.toContain('"kind":"up"');
    await body.cancel();
  });
});

describe('stream lifecycle', () => {
  it('sends `:\\n` after 30 s of silence, counted from the last write', async () => {
    const { backend, clock, open } = await setup();
    const { body } = await open('/services/foo/leader', SSE);
    await body.frames(1);
    await clock.advanceAsync(29_999);
    await backend.register('foo', inst(5002)); // no leader change: nothing written
    await clock.advanceAsync(1);
    expect(await body.frames(2)).toEqual([frame({ service: 'foo', kind: 'leader', instance: instance(A, 2) }), ':\n']);
    await clock.advanceAsync(10_000);
    await backend.deregister('foo', A.id); // leader event at t=40 s
    await body.frames(3);
    await clock.advanceAsync(29_000);
    await flushMicrotasks();
    expect(body.text.endsWith('"index":3}}\n\n')).toBe(true);
    await clock.advanceAsync(1_000);
    expect((await body.frames(4))[3]).toBe(':\n');
    await body.cancel();
  });

  it('closes the subscription and the keep-alive timer when the client disconnects', async () => {
    const { backend, clock, open } = await setup();
    const streams = await Promise.all([open('/services/foo'), open('/services/foo/instances', SSE), open('/services/foo/leader', SSE)]);
    expect(backend.subscriberCount).toBe(3);
    expect(clock.pending).toBe(3);
    for (const { body } of streams) await body.cancel();
    expect(backend.subscriberCount).toBe(0);
    expect(clock.pending).toBe(0);
    await backend.register('foo', inst(5003)); // no listener left to throw
  });

  it('ends a stream whose reader falls behind by more than the buffer, with the original error frame', async () => {
    const { backend, open } = await setup({ streamBufferSize: 3 });
    const { body } = await open('/services/foo/instances', SSE);
    // Nothing is read while 5 live events arrive: the 4th overflows the buffer of 3.
    for (let port = 6000; port < 6005; port++) await backend.register('foo', inst(port));
    expect(backend.subscriberCount).toBe(0);
    const text = await body.readToEnd();
    const frames = text.split('\n\n').filter(Boolean).map((f) => f + '\n\n');
    expect(frames).toHaveLength(2 + 3 + 1); // snapshot, 3 buffered live frames, error
    expect(frames.at(-1)).toBe(BLOCKED_RECEIVER_FRAME);
  });

  it('does not count the replayed snapshot against the buffer', async () => {
    const { backend, open } = await setup({ streamBufferSize: 1 });
    for (let port = 6000; port < 6010; port++) await backend.register('foo', inst(port));
    const { body } = await open('/services/foo/instances', SSE);
    expect(await body.frames(12)).toHaveLength(12);
    expect(backend.subscriberCount).toBe(1);
    await body.cancel();
  });

  it('ends streams cleanly when the signal aborts', async () => {
    const ctl = new AbortController();
    const { backend, open } = await setup({ signal: ctl.signal });
    const { body } = await open('/services/foo');
    await body.frames(5);
    ctl.abort();
    expect(await body.readToEnd()).not.toContain('event: error');
    expect(backend.subscriberCount).toBe(0);
  });

  it('eventStreamResponse reports why it closed and escapes like Go', async () => {
    const reasons: StreamCloseReason[] = [];
    let emit: ((e: DiscoveryEvent) => void) | undefined;
    const res = eventStreamResponse(
      {
        subscribe: (_s, _k, onEvent) => {
          emit = onEvent;
          return { close: () => (emit = undefined) };
        },
      },
      'svc',
      ALL_KINDS,
      { keepAliveMs: 0, onClose: (r) => reasons.push(r) },
    );
    const body = new BodyReader(res);
    emit!({ service: 'svc', kind: 'service_meta', service_meta: { data: '<&>', index: 1 } });
    expect(await body.frames(1)).toEqual(['data: {"service":"svc","kind":"service_meta","service_meta":{"data":"\\u003c\\u0026\\u003e","index":1}}\n\n']);
    await body.cancel();
    expect(reasons).toEqual(['cancel']);
    expect(emit).toBeUndefined();
  });
});
