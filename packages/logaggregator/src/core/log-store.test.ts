import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { logEntry } from '../testing/log-fixtures.js';
import type { LogEntry, StreamType } from './log-entry.js';
import { matchesFilter } from './log-query.js';
import type { LogFilter } from './log-query.js';
import { LogStore } from './log-store.js';

const streams: StreamType[] = ['stdout', 'stderr', 'init', 'unknown'];
const msgIds = { stdout: 'ID1', stderr: 'ID2', init: 'ID3', unknown: 'X' } as const;

/** Entries from one host with increasing seq and arbitrary (possibly out-of-order) times. */
const entriesArb = fc
  .array(
    fc.record({
      app: fc.constantFrom('a', 'b'),
      host: fc.constantFrom('h1', 'h2'),
      dt: fc.integer({ min: -3, max: 5 }),
      job: fc.constantFrom('j1', 'j2'),
      type: fc.constantFrom('web', 'worker', ''),
      stream: fc.constantFrom(...streams),
    }),
    { maxLength: 120 },
  )
  .map((specs) => {
    let t = 1_000;
    const seqs: Record<string, number> = { h1: 0, h2: 0 };
    return specs.map((s) => {
      t += s.dt;
      const seq = (seqs[s.host] = seqs[s.host]! + 1);
      return logEntry({ appId: s.app, hostId: s.host, seq, time: t, jobId: s.job, processType: s.type, stream: s.stream, msgId: msgIds[s.stream] });
    });
  });

/** The model, on plain arrays: per app, the last `cap` received, in timestamp order, ties in arrival order. */
function modelOf(entries: readonly LogEntry[], cap: number, app: string): LogEntry[] {
  const kept = entries.filter((e) => e.appId === app).slice(-cap);
  return kept
    .map((e, i) => ({ e, i }))
    .sort((x, y) => x.e.time - y.e.time || x.i - y.i)
    .map((x) => x.e);
}

const key = (e: LogEntry) => `${e.hostId}/${e.seq}`;

describe('LogStore', () => {
  it('keeps the last `capacity` lines received per app, served in timestamp order, ties by arrival (property)', () => {
    fc.assert(
      fc.property(entriesArb, fc.integer({ min: 1, max: 30 }), (entries, cap) => {
        const store = new LogStore({ capacity: cap });
        for (const e of entries) store.ingest(e);
        for (const app of ['a', 'b']) expect(store.read(app).map(key)).toEqual(modelOf(entries, cap, app).map(key));
        expect(store.read('nope')).toEqual([]);
      }),
    );
  });

  it('filters like the naive filter, and `lines` takes the last matches (property)', () => {
    const filterArb = fc.record(
      {
        jobId: fc.constantFrom('j1', 'j2', 'j3'),
        processTypes: fc.subarray(['web', 'worker', ''], { minLength: 1 }),
        streamTypes: fc.subarray(streams, { minLength: 1 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(entriesArb, filterArb, fc.integer({ min: 0, max: 50 }), (entries, filter: LogFilter, lines) => {
        const store = new LogStore({ capacity: 1_000 });
        for (const e of entries) store.ingest(e);
        const all = store.read('a');
        const matching = all.filter((e) => matchesFilter(filter, e));
        const expected = lines === 0 ? matching : matching.slice(-lines);
        expect(store.read('a', { filter, lines }).map(key)).toEqual(expected.map(key));
      }),
    );
  });

  it('never stores a replayed line twice and loses none, whatever the reconnects and stale cursors (property)', () => {
    // A host sends seq 1..n over connections that each start at the cursor it was given + 1,
    // possibly stale (`rewind` lines behind: an old connection was still delivering), send in
    // order without gaps, are cut at any point, and interleave with each other.
    const stepArb = fc.record({ op: fc.constantFrom('open', 'deliver', 'deliver', 'deliver', 'cut'), pick: fc.nat(), rewind: fc.nat({ max: 20 }), burst: fc.integer({ min: 1, max: 10 }) });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 150 }), fc.array(stepArb, { maxLength: 80 }), (n, steps) => {
        const store = new LogStore({ capacity: 1_000 });
        const conns: { next: number }[] = [];
        const cursor = () => store.cursors().h1?.seq ?? 0;
        const open = (rewind: number) => conns.push({ next: Math.max(1, cursor() + 1 - rewind) });
        const deliver = (c: { next: number }, burst: number) => {
          for (let k = 0; k < burst && c.next <= n; k++) store.ingest(logEntry({ hostId: 'h1', seq: c.next++ }));
        };
        open(0);
        for (const s of steps) {
          if (s.op === 'open') open(s.rewind);
          else if (conns.length > 0) {
            const i = s.pick % conns.length;
            if (s.op === 'deliver') deliver(conns[i]!, s.burst);
            else conns.splice(i, 1);
          }
        }
        open(0);
        deliver(conns[conns.length - 1]!, n);
        expect(store.read('app1').map((e) => e.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
        expect(store.cursors().h1?.seq).toBe(n);
      }),
    );
  });

  it('reports the largest seq per host and its timestamp as /cursors', () => {
    const store = new LogStore();
    store.ingest(logEntry({ hostId: 'h1', seq: 5, appId: 'x' }));
    store.ingest(logEntry({ hostId: 'h2', seq: 9, appId: 'y' }));
    expect(store.ingest(logEntry({ hostId: 'h1', seq: 4, appId: 'y' }))).toBe('duplicate');
    expect(store.cursors()).toEqual({
      h1: { seq: 5, time: logEntry({ seq: 5 }).timestamp },
      h2: { seq: 9, time: logEntry({ seq: 9 }).timestamp },
    });
  });

  it('snapshot then restore gives the same lines and cursors; restoring again adds nothing (property)', () => {
    fc.assert(
      fc.property(entriesArb, fc.integer({ min: 1, max: 30 }), (entries, cap) => {
        const a = new LogStore({ capacity: cap });
        for (const e of entries) a.ingest(e);
        const b = new LogStore({ capacity: cap });
        b.restore(a.snapshot());
        for (const app of ['a', 'b']) expect(b.read(app)).toEqual(a.read(app));
        // Cursors come from what survived in the buffers (lines evicted from `a` are not in its snapshot).
        for (const [host, c] of Object.entries(b.cursors())) expect(c.seq).toBeLessThanOrEqual(a.cursors()[host]!.seq);
        expect(b.restore(a.snapshot())).toBe(0);
        for (const app of ['a', 'b']) expect(b.read(app)).toEqual(a.read(app));
      }),
    );
  });

  it('restore merges into lines taken live without duplicating them', () => {
    const peer = new LogStore();
    for (let s = 1; s <= 10; s++) peer.ingest(logEntry({ seq: s }));
    const store = new LogStore();
    for (let s = 8; s <= 12; s++) store.ingest(logEntry({ seq: s }));
    expect(store.restore(peer.snapshot())).toBe(7);
    expect(store.read('app1').map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(store.cursors().host1?.seq).toBe(12);
  });

  it('tells subscribers about stored lines only, until unsubscribed', () => {
    const store = new LogStore({ capacity: 3 });
    const got: number[] = [];
    const off = store.subscribe('app1', (e) => got.push(e.seq));
    store.ingest(logEntry({ seq: 1 }));
    store.ingest(logEntry({ seq: 1 }));
    store.ingest(logEntry({ seq: 2, appId: 'other' }));
    store.ingest(logEntry({ seq: 3 }));
    expect(store.stats().subscribers).toBe(1);
    off();
    store.ingest(logEntry({ seq: 4 }));
    expect(got).toEqual([1, 3]);
    expect(store.stats()).toEqual({ apps: 2, lines: 4, hosts: 1, subscribers: 0 });
  });

  it('a late line with an old timestamp is kept (it is among the last received) and served in its time place', () => {
    const store = new LogStore({ capacity: 2 });
    store.ingest(logEntry({ seq: 1, time: 100 }));
    store.ingest(logEntry({ seq: 2, time: 200 }));
    expect(store.ingest(logEntry({ seq: 3, time: 50 }))).toBe('stored');
    expect(store.read('app1').map((e) => e.seq)).toEqual([3, 2]);
    expect(store.read('app1', { lines: 1 }).map((e) => e.seq)).toEqual([2]);
  });

  it('a host replaying old lines into a full buffer of newer ones: the last lines received stay, served in time order', () => {
    // A host replaying old lines into a full buffer of newer ones: each line is one push.
    const store = new LogStore({ capacity: 1_000 });
    for (let s = 1; s <= 1_000; s++) store.ingest(logEntry({ hostId: 'new', seq: s, time: 1_000_000 + s }));
    for (let s = 1; s <= 500; s++) store.ingest(logEntry({ hostId: 'old', seq: s, time: s }));
    const got = store.read('app1');
    expect(got).toHaveLength(1_000);
    expect(got.slice(0, 500).every((e) => e.hostId === 'old')).toBe(true);
    expect(got.slice(500).every((e) => e.hostId === 'new' && e.seq > 500)).toBe(true);
  });
});
