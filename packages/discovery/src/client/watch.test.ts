import { ManualClock, seededRandom } from '@flynn-ts/core/testing';
import { describe, expect, it } from 'vitest';
import type { DiscoveryEvent, Instance } from '../core/types.js';
import type { WatchConnection, WatchEngineOptions, WatchItem } from './watch.js';
import { createWatch } from './watch.js';

/** A scripted connection: the test pushes events and ends or fails it. */
class FakeConnection implements WatchConnection {
  private queue: WatchItem[] = [];
  private outcome: { error?: unknown } | undefined;
  private wake: (() => void) | undefined;
  closed = false;
  laggingCalls = 0;
  private readonly gen = this.run();

  /** Pushes events without an index. */
  push(...events: DiscoveryEvent[]): this {
    return this.pushAt(undefined, ...events);
  }
  /** Pushes events reported at raft index `index`. */
  pushAt(index: number | undefined, ...events: DiscoveryEvent[]): this {
    this.queue.push(...events.map((event) => (index === undefined ? { event } : { event, index })));
    this.wake?.();
    return this;
  }
  lagging(): void {
    this.laggingCalls++;
  }
  end(): void {
    this.outcome = {};
    this.wake?.();
  }
  fail(error: unknown): void {
    this.outcome = { error };
    this.wake?.();
  }
  close(): void {
    this.closed = true;
    this.end();
  }
  [Symbol.asyncIterator](): AsyncIterator<WatchItem> {
    return this.gen;
  }
  private async *run(): AsyncGenerator<WatchItem, void, undefined> {
    try {
      for (;;) {
        for (let e = this.queue.shift(); e; e = this.queue.shift()) yield e;
        if (this.outcome) {
          if (this.outcome.error !== undefined) throw this.outcome.error;
          return;
        }
        await new Promise<void>((r) => (this.wake = r));
      }
    } finally {
      this.closed = true;
    }
  }
}

/** Lets every pending promise chain run (no timers fire: the clock is manual). */
const flushMicrotasks = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
};

const inst = (n: number): Instance => ({ id: `id${n}`, addr: `10.0.0.${n}:80`, proto: 'tcp', index: n });
const up = (n: number): DiscoveryEvent => ({ service: 's', kind: 'up', instance: inst(n) });
const down = (n: number): DiscoveryEvent => ({ service: 's', kind: 'down', instance: inst(n) });
const leader = (n?: number): DiscoveryEvent => (n ? { service: 's', kind: 'leader', instance: inst(n) } : { service: 's', kind: 'leader' });
const current: DiscoveryEvent = { service: 's', kind: 'current' };
const brief = (es: DiscoveryEvent[]) => es.map((e) => `${e.kind}${e.instance ? `:${e.instance.id}` : ''}`);

function harness(options: Partial<WatchEngineOptions> = {}) {
  const clock = new ManualClock();
  const conns: FakeConnection[] = [];
  const attempts: number[] = [];
  let closes = 0;
  const watch = createWatch(
    's',
    (attempt) => {
      attempts.push(attempt);
      const c = new FakeConnection();
      conns.push(c);
      return c;
    },
    { clock, random: seededRandom(7), onClose: () => closes++, ...options },
  );
  const it = watch[Symbol.asyncIterator]();
  const seen: DiscoveryEvent[] = [];
  let done = false;
  let error: unknown;
  // Pull continuously in the background, recording what arrives.
  const pump = (async () => {
    try {
      for (;;) {
        const r = await it.next();
        if (r.done) break;
        seen.push(r.value);
      }
    } catch (err) {
      error = err;
    }
    done = true;
  })();
  return { clock, conns, attempts, watch, seen, pump, state: () => ({ done, error, closes }) };
}

describe('createWatch', () => {
  it('buffers the replay until current, emits it, then passes live events through the view', async () => {
    const h = harness();
    await flushMicrotasks();
    h.conns[0]!.push(up(1), up(2), leader(1));
    await flushMicrotasks();
    expect(h.seen).toEqual([]);
    h.conns[0]!.push(current, up(1), up(3), down(9), down(2));
    await flushMicrotasks();
    expect(brief(h.seen)).toEqual(['up:id1', 'up:id2', 'leader:id1', 'current', 'up:id3', 'down:id2']);
    h.watch.close();
    await h.pump;
  });

  it('after a reconnect emits only the differences and no second current', async () => {
    const h = harness();
    await flushMicrotasks();
    h.conns[0]!.push(up(1), up(2), leader(1), current);
    await flushMicrotasks();
    h.conns[0]!.end();
    await flushMicrotasks();
    expect(h.conns).toHaveLength(1); // waiting out the backoff
    await h.clock.advanceAsync(200);
    await flushMicrotasks();
    expect(h.conns).toHaveLength(2);
    h.conns[1]!.push(up(2), up(3), leader(2), current);
    await flushMicrotasks();
    expect(brief(h.seen.slice(4))).toEqual(['down:id1', 'up:id3', 'leader:id2']);
    h.watch.close();
    await h.pump;
  });

  it('discards a replay cut off before current, and backs off harder on repeated failures', async () => {
    const h = harness();
    await flushMicrotasks();
    h.conns[0]!.push(up(1), up(2));
    h.conns[0]!.fail(new Error('reset'));
    await flushMicrotasks();
    await h.clock.advanceAsync(200);
    await flushMicrotasks();
    h.conns[1]!.fail(new Error('refused'));
    await flushMicrotasks();
    await h.clock.advanceAsync(200);
    await flushMicrotasks();
    expect(h.conns).toHaveLength(2); // second delay is 200–400 ms
    await h.clock.advanceAsync(200);
    await flushMicrotasks();
    expect(h.attempts).toEqual([0, 1, 2]);
    h.conns[2]!.push(up(2), current);
    await flushMicrotasks();
    expect(brief(h.seen)).toEqual(['up:id2', 'current']);
    h.watch.close();
    await h.pump;
  });

  it('ends with the error when isFatal says so', async () => {
    const h = harness({ isFatal: (e) => (e as Error).message === 'fatal' });
    await flushMicrotasks();
    h.conns[0]!.fail(new Error('fatal'));
    await h.pump;
    expect((h.state().error as Error).message).toBe('fatal');
    expect(h.conns[0]!.closed).toBe(true);
    expect(h.state().closes).toBe(1);
  });

  it('filters kinds but tracks everything', async () => {
    const h = harness({ kinds: new Set(['leader']) });
    await flushMicrotasks();
    h.conns[0]!.push(up(1), leader(1), current, up(2), down(1), leader(2), leader(2));
    await flushMicrotasks();
    expect(brief(h.seen)).toEqual(['leader:id1', 'leader:id2']);
    h.watch.close();
    await h.pump;
  });

  it('close() ends a pending next(), closes the connection, and calls onClose once', async () => {
    const h = harness();
    await flushMicrotasks();
    h.watch.close();
    h.watch.close();
    await h.pump;
    expect(h.state()).toMatchObject({ done: true, error: undefined, closes: 1 });
    expect(h.conns[0]!.closed).toBe(true);
  });

  it('close() during the backoff stops reconnecting', async () => {
    const h = harness();
    await flushMicrotasks();
    h.conns[0]!.end();
    await flushMicrotasks();
    h.watch.close();
    await h.pump;
    await h.clock.advanceAsync(10_000);
    expect(h.conns).toHaveLength(1);
  });

  it('an aborted signal ends the iteration with its reason', async () => {
    const ctl = new AbortController();
    const h = harness({ signal: ctl.signal });
    await flushMicrotasks();
    ctl.abort(new Error('stop'));
    await h.pump;
    expect((h.state().error as Error).message).toBe('stop');
    expect(h.conns[0]!.closed).toBe(true);
  });

  it('never goes back in time: a reconnect whose replay is behind what was seen is dropped unseen and retried', async () => {
    const h = harness();
    await flushMicrotasks();
    h.conns[0]!.pushAt(10, up(1), up(2), leader(1), current);
    h.conns[0]!.pushAt(12, down(1));
    h.conns[0]!.pushAt(12, leader(2));
    await flushMicrotasks();
    expect(brief(h.seen)).toEqual(['up:id1', 'up:id2', 'leader:id1', 'current', 'down:id1', 'leader:id2']);
    h.conns[0]!.end();
    await flushMicrotasks();
    await h.clock.advanceAsync(200);
    await flushMicrotasks();
    // A lagging follower replays the state as of index 11: id1 still up and leading.
    h.conns[1]!.pushAt(11, up(1), up(2), leader(1), current);
    await flushMicrotasks();
    expect(brief(h.seen.slice(6))).toEqual([]); // nothing stale was emitted
    expect(h.conns[1]!.laggingCalls).toBe(1);
    expect(h.conns[1]!.closed).toBe(true);
    await h.clock.advanceAsync(400);
    await flushMicrotasks();
    expect(h.conns).toHaveLength(3);
    // Caught up (or another server): the same state as seen, so no events; then live ones again.
    h.conns[2]!.pushAt(12, up(2), leader(2), current);
    h.conns[2]!.pushAt(14, up(3));
    await flushMicrotasks();
    expect(brief(h.seen.slice(6))).toEqual(['up:id3']);
    expect(h.conns[2]!.laggingCalls).toBe(0);
    // A later reconnect at index 13 (below the live event's 14) is behind too.
    h.conns[2]!.end();
    await flushMicrotasks();
    await h.clock.advanceAsync(200);
    await flushMicrotasks();
    h.conns[3]!.pushAt(13, up(2), leader(2), current);
    await flushMicrotasks();
    expect(h.conns[3]!.laggingCalls).toBe(1);
    expect(brief(h.seen.slice(7))).toEqual([]);
    h.watch.close();
    await h.pump;
  });

  it('takes a replay at the index already seen, and connections that report no index as they are', async () => {
    const h = harness();
    await flushMicrotasks();
    h.conns[0]!.pushAt(10, up(1), current);
    h.conns[0]!.end();
    await flushMicrotasks();
    await h.clock.advanceAsync(200);
    await flushMicrotasks();
    h.conns[1]!.pushAt(10, up(1), up(2), current); // same index (an event with index 10 would not change it)
    h.conns[1]!.end();
    await flushMicrotasks();
    await h.clock.advanceAsync(200);
    await flushMicrotasks();
    h.conns[2]!.push(up(2), current); // an older server type without indexes
    await flushMicrotasks();
    expect(brief(h.seen)).toEqual(['up:id1', 'current', 'up:id2', 'down:id1']);
    expect(h.conns.map((c) => c.laggingCalls)).toEqual([0, 0, 0]);
    h.watch.close();
    await h.pump;
  });

  it('break in for-await closes the connection', async () => {
    const clock = new ManualClock();
    const conn = new FakeConnection().push(up(1), current);
    const watch = createWatch('s', () => conn, { clock, random: seededRandom(1) });
    for await (const e of watch) if (e.kind === 'current') break;
    expect(conn.closed).toBe(true);
  });
});
