/**
 * WebSockets (the `ws` package on both ends) and any other `Upgrade` through
 * the router as a raw tunnel; sticky sessions with the encrypted `_backend`
 * cookie.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { waitFor } from '@flynn-ts/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { createRouter } from '../src/index.js';
import type { Router } from '../src/index.js';
import { get, json, rawExchange, startBackend } from './helpers.js';
import type { Backend } from './helpers.js';

let router: Router;
let port: number;
let wsServer: Server;
let wss: WebSocketServer;
let web: Backend[] = [];

beforeAll(async () => {
  wsServer = createServer((_req, res) => {
    res.writeHead(426, { 'Content-Type': 'text/plain', 'Content-Length': '7' });
    res.end('upgrade');
  });
  wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (ws, req) => {
    ws.send(`hello ${req.headers['x-forwarded-for']}`);
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  wsServer.on('upgrade', (req, socket: Socket, head) => {
    if (req.headers.upgrade?.toLowerCase() === 'websocket') {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
      return;
    }
    if (req.headers.upgrade === 'nope') {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno');
      return;
    }
    // Any other protocol: switch and echo raw bytes upper-cased.
    socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: shout\r\n\r\n');
    socket.on('data', (d: Buffer) => socket.write(d.toString().toUpperCase()));
    socket.on('end', () => socket.end());
  });
  await new Promise<void>((r) => wsServer.listen(0, '127.0.0.1', r));
  web = await Promise.all(['w1', 'w2', 'w3'].map((n) => startBackend(n)));
  router = createRouter({
    routes: [
      { type: 'http', id: 'ws', service: 'ws', domain: '127.0.0.1' },
      { type: 'http', id: 'sticky', service: 'web', domain: 'sticky.test', sticky: true },
      { type: 'http', id: 'plain', service: 'web', domain: 'plain.test' },
    ],
    backends: { ws: [`127.0.0.1:${(wsServer.address() as AddressInfo).port}`], web: web.map((b) => b.addr) },
    cookieKey: randomBytes(32),
  });
  port = (await router.listen({ http: 0 })).http[0]!;
});

afterAll(async () => {
  await router?.close({ graceMs: 500 });
  for (const c of wss?.clients ?? []) c.terminate();
  await new Promise<void>((r) => (wsServer ? (wsServer.closeAllConnections(), wsServer.close(() => r())) : r()));
  await Promise.all(web.map((b) => b.close()));
});

/** Opens a client that queues every message from the start (the greeting can arrive with the handshake). */
function open(url: string): Promise<{ ws: WebSocket; next(): Promise<{ data: Buffer; binary: boolean }> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const queue: Array<{ data: Buffer; binary: boolean }> = [];
    const waiters: Array<(m: { data: Buffer; binary: boolean }) => void> = [];
    ws.on('message', (data: Buffer, binary: boolean) => {
      const w = waiters.shift();
      if (w) w({ data, binary });
      else queue.push({ data, binary });
    });
    const next = () => new Promise<{ data: Buffer; binary: boolean }>((r) => (queue.length ? r(queue.shift()!) : waiters.push(r)));
    ws.once('open', () => resolve({ ws, next }));
    ws.once('error', reject);
  });
}

describe('upgrades', () => {
  it('carries a WebSocket session both ways (text and a 256 KiB binary frame)', async () => {
    const { ws, next } = await open(`ws://127.0.0.1:${port}/chat`);
    const greeting = await next();
    expect(greeting.data.toString()).toBe('hello 127.0.0.1');
    ws.send('ping');
    expect((await next()).data.toString()).toBe('ping');
    const big = randomBytes(256 * 1024);
    ws.send(big);
    const echoed = await next();
    expect(echoed.binary).toBe(true);
    expect(Buffer.compare(echoed.data, big)).toBe(0);
    expect(Object.keys(router.dataPlane.inflight())).toHaveLength(1);
    ws.close();
    await new Promise((r) => ws.once('close', r));
    await waitFor(() => Object.keys(router.dataPlane.inflight()).length === 0, { what: 'tunnel released' });
  });

  it('tunnels any Upgrade protocol, with half-close', async () => {
    const raw = await rawExchange(port, 'GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: upgrade\r\nUpgrade: shout\r\n\r\nquiet please', { halfClose: true, idleMs: 10_000 });
    expect(raw).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    expect(raw).toMatch(/Upgrade: shout/i);
    expect(raw.endsWith('QUIET PLEASE')).toBe(true);
  });

  it('passes a refused upgrade through as a normal response and closes', async () => {
    const raw = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: nope\r\n\r\n', { idleMs: 10_000 });
    expect(raw).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(raw).toMatch(/Connection: close\r\n/);
    expect(raw.endsWith('no')).toBe(true);
  });
});

describe('sticky sessions', () => {
  it('sets an encrypted _backend cookie and keeps the client on that backend', async () => {
    const first = await get(port, '/', { Host: 'sticky.test' });
    const setCookie = String(first.headers['set-cookie'] ?? '');
    expect(setCookie).toMatch(/^_backend=[A-Za-z0-9+/=]+; Path=\/$/);
    expect(setCookie).not.toContain('127.0.0.1');
    const cookie = setCookie.split(';')[0]!;
    const backend = json(first).backend as string;
    for (let i = 0; i < 15; i++) {
      const r = await get(port, '/', { Host: 'sticky.test', Cookie: `a=1; ${cookie}` });
      expect(json(r).backend).toBe(backend);
      expect(r.headers['set-cookie']).toBeUndefined();
    }
  });

  it('spreads clients without a cookie, ignores forged cookies, and never sets cookies on non-sticky routes', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) seen.add(json(await get(port, '/', { Host: 'sticky.test' })).backend as string);
    expect(seen.size).toBeGreaterThan(1);
    const forged = await get(port, '/', { Host: 'sticky.test', Cookie: `_backend=${Buffer.from('127.0.0.1:1').toString('base64')}` });
    expect(forged.status).toBe(200);
    expect(forged.headers['set-cookie']).toBeDefined();
    expect((await get(port, '/', { Host: 'plain.test' })).headers['set-cookie']).toBeUndefined();
  });
});
