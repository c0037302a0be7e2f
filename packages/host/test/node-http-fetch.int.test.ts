// The layer store's default fetch (node-http-fetch.ts) against a loopback
// server that closes the connection right after a large body while the
// reader is still slow (the case that crashes undici 7.30's fetch), and a
// redirect.
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeHttpFetch } from '../src/image/node-http-fetch.js';

const BODY = Buffer.alloc(4 << 20, 0x61);

describe('nodeHttpFetch', () => {
  let server: Server;
  let base = '';

  beforeAll(async () => {
    server = createServer((sock) => {
      sock.once('data', (req) => {
        const path = /^GET (\S+)/.exec(req.toString())?.[1];
        if (path === '/moved') sock.end('HTTP/1.1 302 Found\r\nLocation: /layer\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        else if (path === '/layer') {
          sock.write(`HTTP/1.1 200 OK\r\nContent-Length: ${BODY.length}\r\nConnection: close\r\n\r\n`);
          sock.end(BODY); // FIN while the client is still reading slowly
        } else sock.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('streams the whole body to a slow reader after the server closed the connection, following a redirect', async () => {
    const res = await nodeHttpFetch(`${base}/moved`);
    expect(res.status).toBe(200);
    let n = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      n += chunk.length;
      await new Promise((r) => setTimeout(r, 2)); // slower than the network: the body is paused when the FIN comes
    }
    expect(n).toBe(BODY.length);
  });

  it('answers other statuses as they are', async () => {
    const res = await nodeHttpFetch(`${base}/nowhere`);
    expect(res.status).toBe(404);
  });

  it('rejects when nothing listens', async () => {
    await expect(nodeHttpFetch('http://127.0.0.1:1/')).rejects.toThrow();
  });
});
