import { createServer } from 'node:http';
import type { RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { waitFor } from '@flynn-ts/core/testing';
import { HttpTransport } from '../src/adapters/http-transport.js';
import type { HttpTransportOptions } from '../src/adapters/http-transport.js';
import { encodeMessage, encodeMessages } from '../src/codec.js';
import type { Message } from '../src/core/types.js';
import { describeTransport, RecordingHandler, sampleMessage } from '../src/testing/describe-transport.js';

const fastBackoff = { initialMs: 20, maxMs: 200 };
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const until = async (cond: () => boolean, what: string) => void (await waitFor(cond, { timeoutMs: 10_000, what }));

describeTransport(
  'HttpTransport',
  async (n) => {
    const ids = Array.from({ length: n }, (_, i) => `node-${i}`);
    const transports = ids.map((id) => new HttpTransport({ id, backoff: fastBackoff }));
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

describe('HttpTransport', () => {
  const cleanups: Array<() => Promise<unknown> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function node(id: string, options: Partial<HttpTransportOptions> = {}, port = 0) {
    const transport = new HttpTransport({ id, backoff: fastBackoff, ...options });
    const handler = new RecordingHandler();
    await transport.start(handler);
    const addr = await transport.listen(port);
    cleanups.push(() => transport.close());
    return { transport, handler, addr, url: `http://${addr.address}` };
  }

  async function rawServer(listener: RequestListener): Promise<{ server: Server; address: string }> {
    const server = createServer(listener);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => {
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    });
    return { server, address: `127.0.0.1:${(server.address() as AddressInfo).port}` };
  }

  const post = async (url: string, body: Uint8Array | string) => {
    const res = await request(url, { method: 'POST', body });
    const text = await res.body.text();
    return { status: res.statusCode, json: text ? (JSON.parse(text) as { code: string; message: string }) : undefined };
  };

  it('reports a restarted peer unreachable while down, then delivers again', async () => {
    const a = await node('a');
    const b1 = await node('b');
    const port = b1.addr.port;
    a.transport.addPeer('b', b1.addr.address);
    a.transport.send([sampleMessage('heartbeat', 'a', 'b', 1)]);
    await until(() => b1.handler.delivered.length === 1, 'first delivery');

    await b1.transport.close();
    a.transport.send([sampleMessage('heartbeat', 'a', 'b', 2)]);
    await until(() => a.handler.unreachableReports.includes('b'), 'unreachable while down');

    const b2 = await node('b', {}, port);
    let k = 3;
    await waitFor(
      async () => {
        a.transport.send([sampleMessage('heartbeat', 'a', 'b', k++)]);
        await sleep(20);
        return b2.handler.delivered.length > 0;
      },
      { timeoutMs: 10_000, what: 'delivery after restart' },
    );
    expect(b1.handler.delivered).toHaveLength(1);
    expect(b2.handler.delivered[0]!.index).toBeGreaterThanOrEqual(3);
  });

  it('answers 400 to garbage, 421 to messages for another node, 404/405 elsewhere', async () => {
    const b = await node('b');
    expect(await post(`${b.url}/raft/msgs`, new Uint8Array([1, 2, 3, 4, 5]))).toMatchObject({ status: 400, json: { code: 'bad_request' } });
    expect((await post(`${b.url}/raft/msgs`, 'hello')).status).toBe(400);
    expect((await post(`${b.url}/raft/msgs`, new Uint8Array(0))).status).toBe(400);
    const heartbeat = sampleMessage('heartbeat', 'a', 'b');
    expect((await post(`${b.url}/raft/snapshot`, encodeMessage(heartbeat))).status).toBe(400);
    expect((await post(`${b.url}/raft/msgs`, encodeMessage(heartbeat))).status).toBe(400); // a message, not a batch
    expect((await post(`${b.url}/raft/msgs`, encodeMessages([sampleMessage('app', 'a', 'c')]))).status).toBe(421);
    expect((await post(`${b.url}/raft/nope`, 'x')).status).toBe(404);
    expect((await post(`${b.url}/elsewhere`, 'x')).status).toBe(404);
    expect((await request(`${b.url}/raft/msgs`)).statusCode).toBe(405);
    expect(b.handler.delivered).toEqual([]);
    expect((await post(`${b.url}/raft/msgs`, encodeMessages([heartbeat]))).status).toBe(204);
    expect(b.handler.delivered).toHaveLength(1);
  });

  it('answers 413 to an oversized body, declared or streamed', async () => {
    const b = await node('b', { maxBodyBytes: 1024, maxSnapshotBytes: 2048 });
    expect(await post(`${b.url}/raft/msgs`, new Uint8Array(4096))).toMatchObject({ status: 413, json: { code: 'request_body_too_big' } });
    expect((await post(`${b.url}/raft/snapshot`, new Uint8Array(4096))).status).toBe(413);
    async function* stream() {
      for (let i = 0; i < 8; i++) yield new Uint8Array(512);
    }
    const res = await request(`${b.url}/raft/msgs`, { method: 'POST', body: stream() as unknown as Uint8Array });
    await res.body.dump();
    expect(res.statusCode).toBe(413);
    expect(b.handler.delivered).toEqual([]);
  });

  it('drops a message over the body limit on the sending side and reports unreachable', async () => {
    const b = await node('b');
    const a = await node('a', { maxBodyBytes: 1024 });
    a.transport.addPeer('b', b.addr.address);
    const big: Message = { ...sampleMessage('app', 'a', 'b'), entries: [{ term: 1, index: 1, type: 'normal', data: new Uint8Array(2000) }] };
    a.transport.send([big, sampleMessage('heartbeat', 'a', 'b')]);
    await until(() => b.handler.delivered.length === 1 && a.handler.unreachableReports.length === 1, 'heartbeat delivered, big dropped');
    expect(b.handler.delivered[0]!.type).toBe('heartbeat');
  });

  it('bounds the queue, and close() cancels a request in flight', async () => {
    let received = 0;
    const hung = await rawServer(() => void received++); // accepts requests, never answers
    const a = await node('a', { maxQueue: 10 });
    a.transport.addPeer('b', hung.address);
    a.transport.send([sampleMessage('heartbeat', 'a', 'b', 0)]);
    await until(() => received === 1, 'first request in flight');
    for (let i = 1; i <= 15; i++) a.transport.send([sampleMessage('heartbeat', 'a', 'b', i)]);
    await until(() => a.handler.unreachableReports.length > 0, 'queue overflow reported');
    const started = Date.now();
    await a.transport.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(received).toBe(1);
  });

  it('reports snapshotStatus(false) when the peer refuses the snapshot', async () => {
    const failing = await rawServer((_req, res) => {
      res.statusCode = 500;
      res.end('boom');
    });
    const a = await node('a');
    a.transport.addPeer('b', failing.address);
    a.transport.send([sampleMessage('snap', 'a', 'b')]);
    await until(() => a.handler.snapshotReports.length === 1, 'snapshot status');
    expect(a.handler.snapshotReports).toEqual([{ to: 'b', ok: false }]);
    expect(a.handler.unreachableReports).toEqual(['b']);
    // Backing off: the next snapshot fails at once without a request.
    a.transport.send([sampleMessage('snap', 'a', 'b')]);
    await until(() => a.handler.snapshotReports.length === 2, 'second status');
  });

  it('mounts on an existing server under a custom prefix, addressed by URL', async () => {
    const b = new HttpTransport({ id: 'b', pathPrefix: '/cluster/raft/' });
    const bh = new RecordingHandler();
    await b.start(bh);
    cleanups.push(() => b.close());
    const app = await rawServer((req, res) => {
      if (b.handler(req, res)) return;
      res.end('app');
    });
    const a = await node('a');
    a.transport.addPeer('b', `http://${app.address}/cluster/raft`);
    a.transport.send([sampleMessage('vote', 'a', 'b'), sampleMessage('snap', 'a', 'b')]);
    await until(() => bh.delivered.length === 2 && a.handler.snapshotReports.length === 1, 'delivery via mounted handler');
    expect(a.handler.snapshotReports).toEqual([{ to: 'b', ok: true }]);
    const res = await request(`http://${app.address}/other`);
    expect(await res.body.text()).toBe('app');
    const outside = await request(`http://${app.address}/raft/msgs`, { method: 'POST', body: 'x' });
    expect(await outside.body.text()).toBe('app'); // not under the prefix: the app's
  });

  it('rejects malformed peer addresses', async () => {
    const a = await node('a');
    expect(() => a.transport.addPeer('b', 'no-port')).toThrow(expect.objectContaining({ code: 'FLYNN_RAFT_BAD_ADDRESS' }));
    expect(() => a.transport.addPeer('b', 'ftp://x:1')).toThrow(/protocol/);
  });
});
