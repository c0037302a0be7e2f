import { seededRandom } from '@flynn-ts/core';
import { ManualClock, flushMicrotasks } from '@flynn-ts/core/testing';
import { MemoryDiscovery } from '@flynn-ts/discovery/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { chunks } from './aggregator-connection.js';
import type { ShipSource } from './aggregator-connection.js';
import { messageSeq } from './core/frame-seq.js';
import type { HostCursor } from './core/host-cursor.js';
import { FrameDecoder, encodeFrame } from './core/rfc6587.js';
import type { CursorFetcher } from './cursor-client.js';
import { defaultCursorsUrl } from './cursor-client.js';
import type { StoredRecord } from './log-feed.js';
import { LogShipper } from './shipper.js';
import type { SinkDialer, SinkSocket } from './tcp-sink.js';
import { SinkConnectionError, splitAddr } from './tcp-sink.js';

/** An in-memory source: records appended by the test, followed like FileLogManager.follow. */
class MemorySource implements ShipSource {
  records: StoredRecord[] = [];
  private waiters: (() => void)[] = [];
  append(n: number): void {
    for (let i = 0; i < n; i++) {
      const seq = this.records.length + 1;
      const msg = `<0>1 2024-01-01T00:00:00.000Z h a p ID1 [flynn seq="${seq}"] line ${seq}`;
      this.records.push({ seq, appId: 'a', frame: encodeFrame(msg) });
    }
    for (const w of this.waiters.splice(0)) w();
  }
  async *follow(after: number, options: { signal?: AbortSignal }): AsyncGenerator<StoredRecord[]> {
    let last = after;
    while (!options.signal?.aborted) {
      const fresh = this.records.filter((r) => r.seq > last);
      if (fresh.length > 0) {
        yield fresh;
        last = fresh[fresh.length - 1]!.seq;
        continue;
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        options.signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  }
}

class FakeSocket implements SinkSocket {
  private readonly ctl = new AbortController();
  readonly closed = this.ctl.signal;
  readonly decoder = new FrameDecoder();
  seqs: number[] = [];
  destroyed = false;
  constructor(readonly addr: string) {}
  async write(data: Uint8Array): Promise<void> {
    if (this.closed.aborted) throw this.closed.reason;
    for (const f of this.decoder.push(data)) this.seqs.push(messageSeq(f)!);
  }
  /** The receiver goes away. */
  kill(): void {
    this.ctl.abort(new SinkConnectionError('peer closed'));
  }
  destroy(): void {
    this.destroyed = true;
    if (!this.closed.aborted) this.ctl.abort(new SinkConnectionError('destroyed'));
  }
}

function harness() {
  const clock = new ManualClock();
  const source = new MemorySource();
  const sockets: FakeSocket[] = [];
  const cursors = new Map<string, HostCursor | null | 'fail'>();
  const asked: string[] = [];
  let refuse = 0;
  const dial: SinkDialer = async (addr) => {
    if (refuse > 0) {
      refuse--;
      throw new SinkConnectionError(`${addr}: refused`);
    }
    const s = new FakeSocket(addr);
    sockets.push(s);
    return s;
  };
  const fetchCursor: CursorFetcher = async (receiver, hostId) => {
    asked.push(`${receiver.addr}/${hostId}`);
    const c = cursors.get(receiver.addr) ?? null;
    if (c === 'fail') throw new Error('no /cursors');
    return c;
  };
  const discovery = new MemoryDiscovery({ clock, random: seededRandom(3) });
  const shipper = new LogShipper({ source, hostId: 'host1', clock, random: seededRandom(1), dial, fetchCursor, backoff: { initialMs: 100, maxMs: 1000, jitter: 'none' } });
  // Lets every pending promise chain run (no time passes: the clock is manual).
  const settle = async () => {
    for (let i = 0; i < 10; i++) {
      await flushMicrotasks(20);
      await new Promise<void>((r) => setImmediate(r));
    }
  };
  return {
    clock,
    source,
    sockets,
    cursors,
    asked,
    discovery,
    shipper,
    settle,
    refuseNext: (n: number) => (refuse = n),
    socketsOf: (addr: string) => sockets.filter((s) => s.addr === addr),
  };
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('LogShipper', () => {
  it('ships to every discovered receiver from its cursor, live afterwards, and stops on down', async () => {
    const h = harness();
    cleanup = async () => {
      await h.shipper.close();
      await h.discovery.close();
    };
    h.source.append(5);
    h.cursors.set('10.0.0.2:514', { seq: 3, time: '' });
    h.shipper.followService(h.discovery);
    const a = await h.discovery.register('logaggregator', '10.0.0.1:514');
    await h.discovery.register('logaggregator', '10.0.0.2:514');
    await h.settle();
    expect(h.asked.sort()).toEqual(['10.0.0.1:514/host1', '10.0.0.2:514/host1']);
    expect(h.socketsOf('10.0.0.1:514')[0]!.seqs).toEqual([1, 2, 3, 4, 5]);
    expect(h.socketsOf('10.0.0.2:514')[0]!.seqs).toEqual([4, 5]);

    h.source.append(2);
    await h.settle();
    expect(h.socketsOf('10.0.0.1:514')[0]!.seqs).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(h.socketsOf('10.0.0.2:514')[0]!.seqs).toEqual([4, 5, 6, 7]);
    expect(h.shipper.status().map((s) => s.state.kind)).toEqual(['shipping', 'shipping']);

    await a.close();
    await h.settle();
    expect(h.socketsOf('10.0.0.1:514')[0]!.destroyed).toBe(true);
    expect(h.shipper.status().map((s) => s.addr)).toEqual(['10.0.0.2:514']);
  });

  it('reconnects after the receiver drops, resuming after the cursor it reports', async () => {
    const h = harness();
    cleanup = () => h.shipper.close();
    h.source.append(4);
    h.shipper.add({ addr: '127.0.0.1:514' });
    await h.settle();
    const first = h.sockets[0]!;
    expect(first.seqs).toEqual([1, 2, 3, 4]);

    first.kill(); // the receiver restarts having stored only up to 2
    h.cursors.set('127.0.0.1:514', { seq: 2, time: '' });
    h.refuseNext(1);
    await h.settle();
    expect(h.shipper.status()[0]!.state.kind).toBe('backoff');
    h.source.append(2);
    await h.clock.advanceAsync(100); // first retry: refused
    await h.settle();
    expect(h.sockets.length).toBe(1);
    await h.clock.advanceAsync(200); // second retry
    await h.settle();
    expect(h.sockets[1]!.seqs).toEqual([3, 4, 5, 6]);
    expect(h.shipper.status()[0]).toMatchObject({ state: { kind: 'shipping', after: 2, cursorFrom: 'receiver' }, sentSeq: 6, confirmedSeq: 2 });
  });

  it('resumes after the last record sent when the receiver cannot tell its cursor', async () => {
    const h = harness();
    cleanup = () => h.shipper.close();
    h.cursors.set('127.0.0.1:514', 'fail');
    h.source.append(3);
    h.shipper.add({ addr: '127.0.0.1:514' });
    await h.settle();
    expect(h.sockets[0]!.seqs).toEqual([1, 2, 3]); // never sent anything: everything on disk
    h.sockets[0]!.kill();
    h.source.append(1);
    await h.settle();
    await h.clock.advanceAsync(100);
    await h.settle();
    expect(h.sockets[1]!.seqs).toEqual([4]);
    expect(h.shipper.status()[0]!.state).toMatchObject({ kind: 'shipping', cursorFrom: 'local', after: 3 });
  });

  it('does not guess when a receiver that reported cursors before cannot answer now', async () => {
    const h = harness();
    cleanup = () => h.shipper.close();
    h.source.append(3);
    h.shipper.add({ addr: '127.0.0.1:514' });
    await h.settle();
    h.sockets[0]!.kill();
    h.cursors.set('127.0.0.1:514', 'fail'); // API not up yet after a restart
    await h.settle();
    await h.clock.advanceAsync(100);
    await h.settle();
    expect(h.sockets[1]!.seqs).toEqual([]);
    expect(h.shipper.status()[0]!.state.kind).toBe('backoff');
    h.cursors.set('127.0.0.1:514', { seq: 1, time: '' }); // it kept only the first record
    await h.clock.advanceAsync(200);
    await h.settle();
    expect(h.sockets[2]!.seqs).toEqual([2, 3]);
  });

  it('keeps what it sent to a receiver that goes down and comes back under the same address', async () => {
    const h = harness();
    cleanup = () => h.shipper.close();
    h.cursors.set('127.0.0.1:514', 'fail');
    h.source.append(2);
    h.shipper.add({ addr: '127.0.0.1:514' });
    await h.settle();
    await h.shipper.remove('127.0.0.1:514');
    h.source.append(1);
    h.shipper.add({ addr: '127.0.0.1:514' });
    await h.settle();
    expect(h.sockets[1]!.seqs).toEqual([3]);
  });
});

describe('helpers', () => {
  it('cuts batches into bounded writes that end on a record', () => {
    const recs = [1, 2, 3, 4].map((seq) => ({ seq, appId: 'a', frame: new Uint8Array(10) }));
    expect(chunks(recs, 25).map((c) => [c.bytes.length, c.lastSeq])).toEqual([
      [20, 2],
      [20, 4],
    ]);
    expect(chunks(recs, 5).length).toBe(4);
    expect(chunks([], 5)).toEqual([]);
  });

  it('derives the aggregator API URL: same IP, port from meta API_PORT, else 80 (the original)', () => {
    expect(defaultCursorsUrl({ addr: '10.1.2.3:514' })).toBe('http://10.1.2.3/cursors');
    expect(defaultCursorsUrl({ addr: '[fd00::1]:514' })).toBe('http://[fd00::1]/cursors');
    expect(defaultCursorsUrl({ addr: '10.1.2.3:514', meta: { API_PORT: '5000' } })).toBe('http://10.1.2.3:5000/cursors');
    expect(defaultCursorsUrl({ addr: '[fd00::1]:514', meta: { API_PORT: '81' } })).toBe('http://[fd00::1]:81/cursors');
    for (const bad of ['0', '70000', 'x', '']) expect(defaultCursorsUrl({ addr: '10.1.2.3:514', meta: { API_PORT: bad } })).toBe('http://10.1.2.3/cursors');
    expect(splitAddr('[::1]:80')).toEqual({ host: '::1', port: 80 });
    for (const bad of ['x', ':80', 'h:0', 'h:99999', 'h:']) expect(() => splitAddr(bad)).toThrow(SinkConnectionError);
  });
});
