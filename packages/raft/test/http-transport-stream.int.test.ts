import { createServer, request as httpRequest } from 'node:http';
import type { RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { waitFor } from '@flynn-ts/core/testing';
import { HttpTransport } from '../src/adapters/http-transport.js';
import type { HttpTransportOptions } from '../src/adapters/http-transport.js';
import { encodeMessages } from '../src/codec.js';
import { describeTransport, RecordingHandler, sampleMessage } from '../src/testing/describe-transport.js';

const fastBackoff = { initialMs: 20, maxMs: 200 };
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const until = async (cond: () => boolean, what: string) => void (await waitFor(cond, { timeoutMs: 10_000, what }));

// The POST-per-batch path (stream: false) keeps passing the conformance suite.
describeTransport(
  'HttpTransport (stream: false)',
  async (n) => {
    const ids = Array.from({ length: n }, (_, i) => `node-${i}`);
    const transports = ids.map((id) => new HttpTransport({ id, backoff: fastBackoff, stream: false }));
    const addresses = await Promise.all(transports.map((t) => t.listen(0, '127.0.0.1')));
    transports.forEach((t) => ids.forEach((peer, i) => t.addPeer(peer, addresses[i]!.address)));
    return {
      ids,
      transports,
      until,
      settle: () => sleep(150),
      async dispose() {
        await Promise.all(transports.map((t) => t.close()));
      },
    };
  },
  { timeoutMs: 30_000 },
);

describe('HttpTransport streams', () => {
  const cleanups: Array<() => Promise<unknown> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function node(id: string, options: Partial<HttpTransportOptions> = {}) {
    const transport = new HttpTransport({ id, backoff: fastBackoff, ...options });
    const handler = new RecordingHandler();
    await transport.start(handler);
    cleanups.push(() => transport.close());
    return { transport, handler };
  }

  /** Mounts `b`'s handler on a server of its own that records request paths; `refuse` paths answer 404. */
  async function mounted(b: HttpTransport, refuse: string[] = []) {
    const paths: string[] = [];
    const listener: RequestListener = (req, res) => {
      paths.push(`${req.method ?? ''} ${req.url ?? ''}`);
      if (refuse.includes(req.url ?? '') || !b.handler(req, res)) {
        res.statusCode = 404;
        res.end();
      }
    };
    const server: Server = createServer(listener);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => {
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    });
    return { paths, address: `127.0.0.1:${(server.address() as AddressInfo).port}` };
  }

  it('sends every batch over one long-lived stream, snapshots by POST', async () => {
    const a = await node('a');
    const b = await node('b');
    const app = await mounted(b.transport);
    a.transport.addPeer('b', app.address);
    for (let i = 1; i <= 50; i++) {
      a.transport.send([sampleMessage('heartbeat', 'a', 'b', i), sampleMessage('app', 'a', 'b', i)]);
      if (i % 10 === 0) await sleep(5);
    }
    a.transport.send([sampleMessage('snap', 'a', 'b')]);
    await until(() => b.handler.delivered.length === 101 && a.handler.snapshotReports.length === 1, 'all delivered');
    expect(b.handler.delivered.filter((m) => m.type === 'heartbeat').map((m) => m.index)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(app.paths.sort()).toEqual(['POST /raft/snapshot', 'POST /raft/stream']);
    expect(a.handler.unreachableReports).toEqual([]);
  });

  it('falls back to POST /msgs when the peer has no stream endpoint', async () => {
    const a = await node('a');
    const b = await node('b');
    const app = await mounted(b.transport, ['/raft/stream']);
    a.transport.addPeer('b', app.address);
    a.transport.send([sampleMessage('vote', 'a', 'b', 1)]);
    await sleep(50);
    a.transport.send([sampleMessage('vote', 'a', 'b', 2)]);
    await until(() => b.handler.delivered.length >= 1 && app.paths.includes('POST /raft/msgs'), 'delivered by POST');
    expect(app.paths.filter((p) => p === 'POST /raft/stream')).toHaveLength(1);
  });

  it('replaces a stream older than streamMaxAgeMs without losing messages', async () => {
    const a = await node('a', { streamMaxAgeMs: 30 });
    const b = await node('b');
    const app = await mounted(b.transport);
    a.transport.addPeer('b', app.address);
    for (let i = 1; i <= 40; i++) {
      a.transport.send([sampleMessage('heartbeat', 'a', 'b', i)]);
      await sleep(5);
    }
    await until(() => b.handler.delivered.length === 40, 'all delivered');
    expect(app.paths.filter((p) => p === 'POST /raft/stream').length).toBeGreaterThan(1);
    expect(a.handler.unreachableReports).toEqual([]);
  });

  it('reports unreachable when an open stream is dropped, then reconnects', async () => {
    const a = await node('a');
    const b = await node('b');
    const addr = await b.transport.listen(0);
    a.transport.addPeer('b', addr.address);
    a.transport.send([sampleMessage('heartbeat', 'a', 'b', 1)]);
    await until(() => b.handler.delivered.length === 1, 'first delivery');
    // Drop the inbound stream from the receiving side only (the transport stays up).
    (b.transport as unknown as { streams: { closeAll(): void } }).streams.closeAll();
    await until(() => a.handler.unreachableReports.includes('b'), 'unreachable after loss');
    await waitFor(
      async () => {
        a.transport.send([sampleMessage('heartbeat', 'a', 'b', 2)]);
        await sleep(20);
        return b.handler.delivered.length > 1;
      },
      { timeoutMs: 10_000, what: 'delivery after reconnect' },
    );
  });

  it('refuses streams for another node (421) or while not started (503); drops garbage frames', async () => {
    const b = new HttpTransport({ id: 'b' });
    cleanups.push(() => b.close());
    const { address } = await b.listen(0);
    const open = (to: string, frame?: Uint8Array) =>
      new Promise<{ status: number; closed: boolean }>((resolve) => {
        const req = httpRequest(`http://${address}/raft/stream`, { method: 'POST', headers: { 'x-raft-to': to, 'transfer-encoding': 'chunked' } });
        req.on('response', (res) => {
          res.resume();
          if (res.statusCode !== 200 || !frame) {
            req.destroy();
            return resolve({ status: res.statusCode ?? 0, closed: false });
          }
          req.on('close', () => resolve({ status: 200, closed: true }));
          req.write(frame);
        });
        req.on('error', () => undefined);
        req.flushHeaders();
      });
    expect((await open('b')).status).toBe(503);
    const bh = new RecordingHandler();
    await b.start(bh);
    expect((await open('c')).status).toBe(421);
    const garbage = Buffer.from([0, 0, 0, 3, 1, 2, 3]);
    expect(await open('b', garbage)).toEqual({ status: 200, closed: true });
    const wrong = encodeMessages([sampleMessage('app', 'a', 'c')]);
    const frame = Buffer.concat([Buffer.from([0, 0, 0, wrong.byteLength]), wrong]);
    expect(await open('b', frame)).toEqual({ status: 200, closed: true });
    const huge = Buffer.from([0xff, 0xff, 0xff, 0xff]);
    expect(await open('b', huge)).toEqual({ status: 200, closed: true });
    expect(bh.delivered).toEqual([]);
    expect((await request(`http://${address}/raft/stream`)).statusCode).toBe(405);
  });

  it('bounds the queue while a stream is not accepted (POST mode: while a request hangs)', async () => {
    for (const stream of [true, false]) {
      let received = 0;
      const hung = createServer(() => void received++);
      await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
      const a = await node('a', { maxQueue: 10, stream });
      a.transport.addPeer('b', `127.0.0.1:${(hung.address() as AddressInfo).port}`);
      a.transport.send([sampleMessage('heartbeat', 'a', 'b', 0)]);
      await until(() => received === 1, 'first request in flight');
      for (let i = 1; i <= 15; i++) a.transport.send([sampleMessage('heartbeat', 'a', 'b', i)]);
      await until(() => a.handler.unreachableReports.length > 0, 'queue overflow reported');
      const started = Date.now();
      await a.transport.close();
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(received).toBe(1);
      hung.closeAllConnections();
      await new Promise((r) => hung.close(r));
    }
  });
});
