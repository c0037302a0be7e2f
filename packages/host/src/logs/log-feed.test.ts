import { describe, expect, it } from 'vitest';
import { LogFeed } from './log-feed.js';
import type { StoredRecord } from './log-feed.js';

const rec = (seq: number, appId = 'a'): StoredRecord => ({ seq, appId, frame: new Uint8Array([0x31, 0x20, 0x78]) });

describe('LogFeed', () => {
  it('hands queued records out in batches, filtered by app', async () => {
    const feed = new LogFeed();
    const all = feed.subscribe({ maxBuffered: 10 });
    const onlyB = feed.subscribe({ appId: 'b', maxBuffered: 10 });
    feed.publish([rec(1), rec(2, 'b')]);
    feed.publish([rec(3)]);
    expect((await all.take())!.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect((await onlyB.take())!.map((r) => r.seq)).toEqual([2]);
    const waiting = all.take();
    feed.publish([rec(4)]);
    expect((await waiting)!.map((r) => r.seq)).toEqual([4]);
  });

  it('cuts off a follower that falls behind, without touching the others', async () => {
    const feed = new LogFeed();
    const slow = feed.subscribe({ maxBuffered: 2 });
    const fast = feed.subscribe({ maxBuffered: 100 });
    feed.publish([rec(1), rec(2), rec(3)]);
    expect(slow.overflowed).toBe(true);
    expect(await slow.take()).toBeNull();
    expect(feed.subscribers).toBe(1);
    expect((await fast.take())!.length).toBe(3);
  });

  it('ends takers on close and on abort', async () => {
    const feed = new LogFeed();
    const sub = feed.subscribe({ maxBuffered: 10 });
    const ctl = new AbortController();
    const aborted = sub.take(ctl.signal);
    ctl.abort();
    expect(await aborted).toBeNull();
    const pending = sub.take();
    feed.close();
    expect(await pending).toBeNull();
    expect(sub.overflowed).toBe(false);
    expect(await feed.subscribe({ maxBuffered: 1 }).take()).toBeNull();
  });
});
