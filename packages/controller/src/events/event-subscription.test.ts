import { flushMicrotasks } from '@flynn-ts/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventFilter } from '../core/event-filter.js';
import { matchesEventFilter } from '../core/event-filter.js';
import type { ControllerEvent } from '../types.js';
import { EventSubscription } from './event-subscription.js';
import type { SubscriptionSource } from './event-subscription.js';

/**
 * A model of the database and the hub: `log` is the committed event log (ids
 * in commit order); the hub dispatches committed events to the subscription
 * later, in order. Pages are read from the log as it is when read.
 */
class Model implements SubscriptionSource {
  log: ControllerEvent[] = [];
  dispatched = 0;
  sub: EventSubscription | undefined;
  reads = 0;

  commit(app: string): void {
    const id = (this.log.at(-1)?.id ?? 0) + 1 + (this.log.length % 3 === 0 ? 1 : 0); // gaps in the id space are allowed
    this.log.push({ id, app, object_type: 'app', object_id: app, data: {}, created_at: '' });
  }
  dispatchOne(): void {
    const e = this.log[this.dispatched];
    if (!e) return;
    this.dispatched++;
    this.sub?.push(e);
  }
  async readPage(filter: EventFilter, afterId: number, limit: number): Promise<ControllerEvent[]> {
    this.reads++;
    const page = this.log.filter((e) => e.id > afterId && matchesEventFilter(e, filter)).slice(0, limit);
    await Promise.resolve();
    return page;
  }
  unsubscribe(): void {
    this.sub = undefined;
  }
}

type Op = { kind: 'commit'; app: string } | { kind: 'dispatch'; n: number } | { kind: 'consume'; n: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('commit' as const), app: fc.constantFrom('a', 'b') }),
  fc.record({ kind: fc.constant('dispatch' as const), n: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('consume' as const), n: fc.integer({ min: 1, max: 5 }) }),
);

/** Takes up to `n` events without waiting for more than microtasks. */
async function take(it: AsyncIterator<ControllerEvent>, n: number, out: ControllerEvent[], pending: { p?: Promise<IteratorResult<ControllerEvent>> | undefined }): Promise<void> {
  for (let i = 0; i < n; i++) {
    pending.p ??= it.next();
    let settled: IteratorResult<ControllerEvent> | undefined;
    void pending.p.then((r) => (settled = r));
    await flushMicrotasks();
    if (!settled) return; // waiting for live events
    pending.p = undefined;
    if (settled.done) return;
    out.push(settled.value);
  }
}

describe('EventSubscription', () => {
  it('delivers every matching event after its cursor exactly once, in order, across catch-up, live and overflow', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { maxLength: 60 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom<EventFilter>({}, { appId: 'a' }),
        fc.integer({ min: 0, max: 5 }),
        fc.boolean(),
        async (ops, pageSize, maxQueue, filter, preCommits, resume) => {
          const m = new Model();
          for (let i = 0; i < preCommits; i++) m.commit(i % 2 ? 'a' : 'b');
          // The hub has dispatched part of the log. A resumed subscription starts at some
          // committed id (possibly ahead of the hub); a live one at the hub's last dispatched id.
          for (let i = 0; i < Math.floor(preCommits / 2); i++) m.dispatchOne();
          const start = resume
            ? { cursor: m.log[Math.floor(preCommits / 3)]?.id ?? 0, catchUp: true }
            : { cursor: m.log[m.dispatched - 1]?.id ?? 0, catchUp: false };
          const sub = new EventSubscription(filter, start, m, { pageSize, maxQueue });
          m.sub = sub;
          const it = sub[Symbol.asyncIterator]();
          const got: ControllerEvent[] = [];
          const pending: { p?: Promise<IteratorResult<ControllerEvent>> | undefined } = {};
          for (const op of ops) {
            if (op.kind === 'commit') m.commit(op.app);
            else if (op.kind === 'dispatch') for (let i = 0; i < op.n; i++) m.dispatchOne();
            else await take(it, op.n, got, pending);
          }
          while (m.dispatched < m.log.length) m.dispatchOne();
          await take(it, 10_000, got, pending);
          const expected = m.log.filter((e) => e.id > start.cursor && matchesEventFilter(e, filter));
          expect(got.map((e) => e.id)).toEqual(expected.map((e) => e.id));
          sub.close();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('falls back to reading the log when its queue overflows, without losing events', async () => {
    const m = new Model();
    const sub = new EventSubscription({}, { cursor: 0, catchUp: false }, m, { pageSize: 2, maxQueue: 3 });
    m.sub = sub;
    for (let i = 0; i < 10; i++) {
      m.commit('a');
      m.dispatchOne();
    }
    const it = sub[Symbol.asyncIterator]();
    const got: ControllerEvent[] = [];
    await take(it, 100, got, {});
    expect(got.map((e) => e.id)).toEqual(m.log.map((e) => e.id));
    expect(m.reads).toBeGreaterThan(0);
  });

  it('ends its iterator when closed while waiting', async () => {
    const m = new Model();
    const sub = new EventSubscription({}, { cursor: 0, catchUp: false }, m);
    m.sub = sub;
    const next = sub[Symbol.asyncIterator]().next();
    await flushMicrotasks();
    sub.close();
    await expect(next).resolves.toEqual({ done: true, value: undefined });
    expect(m.sub).toBeUndefined();
  });

  it('throws the error it was closed with', async () => {
    const m = new Model();
    const sub = new EventSubscription({}, { cursor: 0, catchUp: false }, m);
    const next = sub[Symbol.asyncIterator]().next();
    sub.close(new Error('listener lost'));
    await expect(next).rejects.toThrow('listener lost');
  });
});
