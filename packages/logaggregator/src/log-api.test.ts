import { ManualClock, flushMicrotasks } from '@flynn-ts/core/testing';
import { describe, expect, it } from 'vitest';
import { LogStore } from './core/log-store.js';
import { SnapshotDecoder, SNAPSHOT_CONTENT_TYPE } from './core/snapshot-codec.js';
import { createLogAggregatorApi } from './log-api.js';
import { logEntry } from './testing/log-fixtures.js';

function setup() {
  const clock = new ManualClock();
  const store = new LogStore();
  const closing = new AbortController();
  const app = createLogAggregatorApi({ store, clock, closing: closing.signal });
  return { clock, store, app, closing };
}

const lines = async (res: Response) => (await res.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

/** Reads from a streaming body until `n` NDJSON lines have come (the clock is advanced between reads). */
async function readLines(reader: ReadableStreamDefaultReader<Uint8Array>, n: number, tick: () => void): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let text = '';
  while (out.length < n) {
    const pending = reader.read();
    tick();
    const { value, done } = await pending;
    if (done) break;
    text += new TextDecoder().decode(value);
    const parts = text.split('\n');
    text = parts.pop()!;
    for (const p of parts) if (p) out.push(JSON.parse(p) as Record<string, unknown>);
  }
  return out;
}

describe('log aggregator API', () => {
  it('GET /log/:app answers newline-delimited JSON lines, filtered, the last N', async () => {
    const { store, app } = setup();
    for (let s = 1; s <= 6; s++) store.ingest(logEntry({ seq: s, processType: s % 2 ? 'web' : 'worker', jobId: `job${s % 3}`, msgId: s === 6 ? 'ID3' : 'ID1' }));
    const all = await app.request('/log/app1');
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect((await lines(all)).map((l) => l.msg)).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'line 6']);
    expect((await lines(await app.request('/log/app1?lines=2'))).map((l) => l.msg)).toEqual(['line 5', 'line 6']);
    expect((await lines(await app.request('/log/app1?process_type=web&lines=2'))).map((l) => l.msg)).toEqual(['line 3', 'line 5']);
    expect((await lines(await app.request('/log/app1?job_id=job1'))).map((l) => l.msg)).toEqual(['line 1', 'line 4']);
    expect((await lines(await app.request('/log/app1?stream_types=init'))).map((l) => l.msg)).toEqual(['line 6']);
    expect(await lines(await app.request('/log/nope'))).toEqual([]);
    const [first] = await lines(await app.request('/log/app1?lines=1'));
    expect(Object.keys(first!)).toEqual(['host_id', 'job_id', 'msg', 'process_type', 'source', 'stream', 'timestamp']);
  });

  it('answers 400 {code, message} for bad query values', async () => {
    const { app } = setup();
    for (const q of ['lines=10001', 'lines=-1', 'lines=x', 'stream_types=stdout,nope']) {
      const res = await app.request(`/log/app1?${q}`);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'validation_error', message: expect.any(String) });
    }
    expect((await app.request('/nope')).status).toBe(404);
  });

  it('GET /cursors reports the largest seq per host', async () => {
    const { store, app } = setup();
    store.ingest(logEntry({ hostId: 'h1', seq: 3 }));
    store.ingest(logEntry({ hostId: 'h1', seq: 7, appId: 'other' }));
    const res = await app.request('/cursors');
    expect(await res.json()).toEqual({ h1: { seq: 7, time: logEntry({ seq: 7 }).timestamp } });
    expect(await (await setup().app.request('/cursors')).json()).toEqual({});
  });

  it('GET /snapshot sends every line as framed syslog', async () => {
    const { store, app } = setup();
    for (let s = 1; s <= 3; s++) store.ingest(logEntry({ seq: s, appId: s === 2 ? 'b' : 'a' }));
    const res = await app.request('/snapshot');
    expect(res.headers.get('content-type')).toBe(SNAPSHOT_CONTENT_TYPE);
    const d = new SnapshotDecoder();
    const got = d.push(new Uint8Array(await res.arrayBuffer()));
    d.end();
    expect(got.map((e) => `${e.appId}${e.seq}`).sort()).toEqual(['a1', 'a3', 'b2']);
  });

  it('follow streams the backlog, then new lines flushed every 50 ms, until shutdown', async () => {
    const { store, app, clock, closing } = setup();
    store.ingest(logEntry({ seq: 1 }));
    store.ingest(logEntry({ seq: 2 }));
    const res = await app.request('/log/app1?follow=true&lines=1&process_type=web');
    const reader = res.body!.getReader();
    expect((await readLines(reader, 1, () => {})).map((l) => l.msg)).toEqual(['line 2']);
    store.ingest(logEntry({ seq: 3 }));
    store.ingest(logEntry({ seq: 4, processType: 'worker' }));
    store.ingest(logEntry({ seq: 5 }));
    store.ingest(logEntry({ seq: 5 })); // a replay: not sent again
    expect((await readLines(reader, 2, () => clock.advance(50))).map((l) => l.msg)).toEqual(['line 3', 'line 5']);
    expect(store.stats().subscribers).toBe(1);
    closing.abort();
    expect((await reader.read()).done).toBe(true);
    expect(store.stats().subscribers).toBe(0);
  });

  it('follow without lines sends only new lines; a client going away unsubscribes', async () => {
    const { store, app, clock } = setup();
    store.ingest(logEntry({ seq: 1 }));
    const res = await app.request('/log/app1?follow=true');
    const reader = res.body!.getReader();
    store.ingest(logEntry({ seq: 2 }));
    expect((await readLines(reader, 1, () => clock.advance(50))).map((l) => l.msg)).toEqual(['line 2']);
    await reader.cancel();
    await flushMicrotasks();
    expect(store.stats().subscribers).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('speaks SSE in the controller log chunk format when asked to', async () => {
    const { store, app } = setup();
    store.ingest(logEntry({ seq: 1 }));
    const res = await app.request('/log/app1', { headers: { accept: 'text/event-stream' } });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const events = (await res.text()).split('\n\n').filter(Boolean);
    expect(events).toHaveLength(2);
    expect(JSON.parse(events[0]!.replace(/^data: /, ''))).toMatchObject({ event: 'message', data: { msg: 'line 1', source: 'app' } });
    expect(events[1]).toBe('data: {"event":"eof"}');
  });

  it('GET /ping answers an empty 200', async () => {
    const res = await setup().app.request('/ping');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });
});
