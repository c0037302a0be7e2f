// Direct handle writes (src/proxy/direct-write.ts) on real sockets: written at once, queued when
// the peer does not read (in order with later socket.write() calls, the owner told on completion),
// end() after a queued write, and a write on a reset connection.
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DIRECT_QUEUED, DIRECT_UNAVAILABLE, DIRECT_WRITTEN, directWritesAvailable, tryDirectWrite } from '../src/proxy/direct-write.js';

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of servers.splice(0)) s.close();
});

/** A connected pair: `client` (ours, written directly) and `peer` (the accepted end, paused). */
async function pair(): Promise<{ client: Socket; peer: Socket }> {
  const server = createServer({ pauseOnConnect: true });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const peerP = new Promise<Socket>((r) => server.once('connection', r));
  const client = connect(port, '127.0.0.1');
  sockets.push(client);
  await new Promise<void>((r) => client.once('connect', r));
  const peer = await peerP;
  sockets.push(peer);
  return { client, peer };
}

function readAll(s: Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    s.on('data', (c: Buffer) => parts.push(c));
    s.on('end', () => resolve(Buffer.concat(parts)));
    s.on('error', reject);
    s.resume();
  });
}

function pattern(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = seed;
  for (let i = 0; i < n; i++) b[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return b;
}

describe('direct writes', () => {
  it('are available on this Node', () => {
    expect(directWritesAvailable()).toBe(true);
  });

  it('write small buffers and latin1 strings at once', async () => {
    const { client, peer } = await pair();
    const done: number[] = [];
    const owner = { directWriteDone: (s: number) => done.push(s) };
    expect(tryDirectWrite(client, Buffer.from('abc'), owner)).toBe(DIRECT_WRITTEN);
    expect(tryDirectWrite(client, 'déf', owner)).toBe(DIRECT_WRITTEN);
    client.end();
    const got = await readAll(peer);
    expect(got.toString('latin1')).toBe('abcdéf');
    expect(done).toEqual([]);
  });

  it('queue a write the peer cannot take, keep order with later writes, and report completion', async () => {
    const { client, peer } = await pair();
    const big = pattern(8 * 1024 * 1024, 7);
    const tail = pattern(100_000, 9);
    const done: number[] = [];
    let r = DIRECT_WRITTEN;
    const owner = { directWriteDone: (s: number) => done.push(s) };
    r = tryDirectWrite(client, big, owner);
    expect(r).toBe(DIRECT_QUEUED);
    // Something is queued in libuv, not in the stream: a socket.write() must go behind it.
    client.write(tail);
    // The stream now has bytes queued: no direct write.
    expect(tryDirectWrite(client, 'x', owner)).toBe(DIRECT_UNAVAILABLE);
    client.end();
    const got = await readAll(peer);
    expect(got.length).toBe(big.length + tail.length);
    expect(got.subarray(0, big.length).equals(big)).toBe(true);
    expect(got.subarray(big.length).equals(tail)).toBe(true);
    expect(done).toEqual([0]);
  });

  it('end() waits for a queued direct write', async () => {
    const { client, peer } = await pair();
    const big = pattern(4 * 1024 * 1024, 3);
    const done: number[] = [];
    expect(tryDirectWrite(client, big, { directWriteDone: (s) => done.push(s) })).toBe(DIRECT_QUEUED);
    client.end();
    const got = await readAll(peer);
    expect(got.equals(big)).toBe(true);
    expect(done).toEqual([0]);
  });

  it('report a failed queued write and destroy on a write error', async () => {
    const { client, peer } = await pair();
    const done: number[] = [];
    const owner = { directWriteDone: (s: number) => done.push(s) };
    expect(tryDirectWrite(client, pattern(8 * 1024 * 1024, 5), owner)).toBe(DIRECT_QUEUED);
    const closed = new Promise<void>((r) => client.once('close', () => r()));
    client.on('error', () => {});
    peer.resetAndDestroy();
    await closed;
    // The queued write was failed or cancelled; the owner heard of it either way.
    expect(done.length).toBe(1);
    expect(done[0]).toBeLessThan(0);
    expect(tryDirectWrite(client, 'late', owner)).toBe(DIRECT_UNAVAILABLE);
  });

  it('is not used while the socket is connecting', () => {
    const s = connect(1, '127.0.0.1');
    sockets.push(s);
    s.on('error', () => {});
    expect(tryDirectWrite(s, 'x', { directWriteDone: () => {} })).toBe(DIRECT_UNAVAILABLE);
  });
});
