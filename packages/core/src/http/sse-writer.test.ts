import { describe, expect, it, vi } from 'vitest';
import { FlynnError } from '../errors.js';
import { ManualClock, flushMicrotasks } from '../testing/manual-clock.js';
import type { SseCloseReason, SseEvent, SseSend } from './sse-writer.js';
import { SSE_CONTENT_TYPE, formatSseEvent, sseResponse } from './sse-writer.js';

/** Reads a response body in the background; `text()` is what arrived so far. */
function collect(res: Response) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const done = (async () => {
    for (;;) {
      const r = await reader.read();
      if (r.done) return text;
      text += decoder.decode(r.value, { stream: true });
    }
  })();
  return { text: () => text, done, cancel: (reason?: unknown) => reader.cancel(reason) };
}

/** A producer whose sends the test triggers by hand. */
function manualProducer() {
  let send: SseSend | undefined;
  let signal: AbortSignal | undefined;
  let finish: (() => void) | undefined;
  let fail: ((err: unknown) => void) | undefined;
  const producer = (s: SseSend, sig: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      send = s;
      signal = sig;
      finish = resolve;
      fail = reject;
    });
  return {
    producer,
    send: (e: SseEvent) => send!(e),
    get signal() {
      return signal!;
    },
    finish: () => finish!(),
    fail: (err: unknown) => fail!(err),
  };
}

describe('formatSseEvent', () => {
  it('formats data, id and event name in the original order', () => {
    expect(formatSseEvent({ data: 'hello' })).toBe('data: hello\n\n');
    expect(formatSseEvent({ id: 7, event: 'up', data: 'x' })).toBe('id: 7\nevent: up\ndata: x\n\n');
    expect(formatSseEvent({ id: 'a-1', data: '' })).toBe('id: a-1\ndata: \n\n');
    expect(formatSseEvent({ retry: 1500, data: 'r' })).toBe('retry: 1500\ndata: r\n\n');
  });

  it('splits multi-line data on every kind of line break', () => {
    expect(formatSseEvent({ data: 'one\ntwo\r\nthree\rfour' })).toBe('data: one\ndata: two\ndata: three\ndata: four\n\n');
    expect(formatSseEvent({ data: 'trailing\n' })).toBe('data: trailing\ndata: \n\n');
  });

  it('JSON-encodes objects on one line', () => {
    expect(formatSseEvent({ id: '3', data: { kind: 'up', text: 'a\nb', n: [1, 2] } })).toBe(
      'id: 3\ndata: {"kind":"up","text":"a\\nb","n":[1,2]}\n\n',
    );
  });

  it('rejects fields that would inject lines', () => {
    expect(() => formatSseEvent({ id: '1\nevent: x', data: 'd' })).toThrow(/line breaks/);
    expect(() => formatSseEvent({ event: 'a\rb', data: 'd' })).toThrow(/line breaks/);
    expect(() => formatSseEvent({ retry: -1, data: 'd' })).toThrow(/retry/);
    let caught: unknown;
    try {
      formatSseEvent({ id: '\n', data: '' });
    } catch (err) {
      caught = err;
    }
    expect(FlynnError.is(caught) && caught.code).toBe('FLYNN_SSE_INVALID_EVENT');
  });
});

describe('sseResponse', () => {
  it('sets the SSE headers, letting callers add (but not retype) headers', () => {
    const res = sseResponse((async function* () {})(), { headers: { 'X-Extra': '1', 'Content-Type': 'text/plain' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(SSE_CONTENT_TYPE);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    expect(res.headers.get('x-extra')).toBe('1');
  });

  it('streams an async iterable in order, then ends', async () => {
    const onClose = vi.fn();
    async function* source(): AsyncGenerator<SseEvent> {
      yield { id: 1, data: 'a' };
      yield { id: 2, event: 'named', data: { b: true } };
    }
    const body = collect(sseResponse(source(), { onClose, keepAliveMs: 0 }));
    expect(await body.done).toBe('id: 1\ndata: a\n\nid: 2\nevent: named\ndata: {"b":true}\n\n');
    expect(onClose).toHaveBeenCalledWith('end', undefined);
  });

  it('sends ":" only after keepAliveMs of silence, timed by the injected clock', async () => {
    const clock = new ManualClock();
    const p = manualProducer();
    const body = collect(sseResponse(p.producer, { clock, keepAliveMs: 30_000 }));
    await flushMicrotasks();
    await clock.advanceAsync(29_999);
    expect(body.text()).toBe('');
    await clock.advanceAsync(1);
    expect(body.text()).toBe(':\n\n');

    // An event resets the silence window.
    await clock.advanceAsync(10_000);
    await p.send({ data: 'e' });
    await clock.advanceAsync(29_999);
    expect(body.text()).toBe(':\n\ndata: e\n\n');
    await clock.advanceAsync(1);
    expect(body.text()).toBe(':\n\ndata: e\n\n:\n\n');
    await clock.advanceAsync(30_000);
    expect(body.text()).toBe(':\n\ndata: e\n\n:\n\n:\n\n');

    p.finish();
    await body.done;
    expect(clock.pending).toBe(0);
  });

  it('arms no timer when keep-alive is disabled', async () => {
    const clock = new ManualClock();
    const p = manualProducer();
    const body = collect(sseResponse(p.producer, { clock, keepAliveMs: 0 }));
    await flushMicrotasks();
    expect(clock.pending).toBe(0);
    p.finish();
    expect(await body.done).toBe('');
  });

  it('turns a producer error into an error event and ends the stream', async () => {
    const onClose = vi.fn<(reason: SseCloseReason, error?: unknown) => void>();
    const err = new Error('boom\nsecond line');
    const body = collect(
      sseResponse(
        async (send) => {
          await send({ id: 1, data: 'ok' });
          throw err;
        },
        { onClose, keepAliveMs: 0 },
      ),
    );
    expect(await body.done).toBe('id: 1\ndata: ok\n\nevent: error\ndata: boom\ndata: second line\n\n');
    expect(onClose).toHaveBeenCalledWith('error', err);
  });

  it('turns an iterable error into an error event', async () => {
    async function* source(): AsyncGenerator<SseEvent> {
      yield { data: 'first' };
      throw new Error('iterator failed');
    }
    const body = collect(sseResponse(source(), { keepAliveMs: 0 }));
    expect(await body.done).toBe('data: first\n\nevent: error\ndata: iterator failed\n\n');
  });

  it('aborts the producer signal when the client cancels', async () => {
    const clock = new ManualClock();
    const onClose = vi.fn();
    const p = manualProducer();
    const body = collect(sseResponse(p.producer, { clock, onClose }));
    await flushMicrotasks();
    await p.send({ data: 'x' });
    expect(p.signal.aborted).toBe(false);
    await body.cancel(new Error('client went away'));
    expect(p.signal.aborted).toBe(true);
    expect(onClose).toHaveBeenCalledWith('cancel', undefined);
    expect(clock.pending).toBe(0); // keep-alive timer cancelled
    await p.send({ data: 'after close' }); // a no-op that resolves
    p.finish();
  });

  it("calls the iterator's return() when the client cancels", async () => {
    const returned = vi.fn(async () => ({ done: true as const, value: undefined }));
    let pulls = 0;
    const iterator: AsyncIterator<SseEvent> = {
      next: () => (pulls++ === 0 ? Promise.resolve({ done: false, value: { data: 'only' } }) : new Promise(() => {})),
      return: returned,
    };
    const body = collect(sseResponse({ [Symbol.asyncIterator]: () => iterator }, { keepAliveMs: 0 }));
    await flushMicrotasks();
    expect(body.text()).toBe('data: only\n\n');
    await body.cancel();
    await flushMicrotasks();
    expect(returned).toHaveBeenCalledTimes(1);
  });

  it('runs a generator finally block once its pending await settles', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let cleanedUp = false;
    async function* source(): AsyncGenerator<SseEvent> {
      try {
        yield { data: '1' };
        await gate;
        yield { data: 'never read' };
      } finally {
        cleanedUp = true;
      }
    }
    const body = collect(sseResponse(source(), { keepAliveMs: 0 }));
    await flushMicrotasks();
    await body.cancel();
    expect(cleanedUp).toBe(false);
    release();
    await flushMicrotasks(20);
    expect(cleanedUp).toBe(true);
  });

  it('ends the stream without an error event when options.signal aborts', async () => {
    const ctl = new AbortController();
    const onClose = vi.fn();
    const p = manualProducer();
    const body = collect(sseResponse(p.producer, { signal: ctl.signal, onClose, keepAliveMs: 0 }));
    await flushMicrotasks();
    await p.send({ data: 'before' });
    ctl.abort(new Error('shutting down'));
    expect(await body.done).toBe('data: before\n\n');
    expect(p.signal.aborted).toBe(true);
    expect(onClose).toHaveBeenCalledWith('abort', undefined);
  });

  it('applies backpressure: send waits while the client is not reading', async () => {
    let sent = 0;
    const res = sseResponse(
      async (send) => {
        for (let i = 0; i < 100; i++) {
          await send({ id: i, data: String(i) });
          sent++;
        }
      },
      { keepAliveMs: 0 },
    );
    await flushMicrotasks(50);
    expect(sent).toBeLessThan(100);
    const text = await collect(res).done;
    expect(sent).toBe(100);
    expect(text.split('\n\n').filter(Boolean)).toHaveLength(100);
  });
});
