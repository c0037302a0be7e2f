/**
 * The HTTP/1.1 data path against real backends: routing by host and path,
 * 404/503, forwarding headers, bodies (fixed, chunked, large), keep-alive,
 * pipelining, HTTP/1.0.
 */
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouter } from '../src/index.js';
import type { Router } from '../src/index.js';
import { get, json, rawExchange, startBackend, statusLines } from './helpers.js';
import type { Backend } from './helpers.js';

let router: Router;
let port: number;
let web: Backend;
let api: Backend;
let wild: Backend;
let all: Backend;
let chunky: Backend;

beforeAll(async () => {
  web = await startBackend('web');
  api = await startBackend('api');
  wild = await startBackend('wild');
  all = await startBackend('all');
  chunky = await startBackend('chunky', (req, res, body) => {
    res.writeHead(200, { 'Content-Type': 'text/plain', Connection: 'keep-alive, X-Secret', 'X-Secret': 'hop', 'Keep-Alive': 'timeout=5' });
    if (req.url === '/random') {
      // 4 MiB of deterministic bytes in odd-sized writes, to check nothing is corrupted under backpressure.
      let x = 12345;
      for (let i = 0; i < 256; i++) {
        const b = Buffer.allocUnsafe(16 * 1024 + (i % 7));
        for (let j = 0; j < b.length; j++) b[j] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
        res.write(b);
      }
      res.end();
      return;
    }
    if (req.url === '/big') {
      for (let i = 0; i < 64; i++) res.write('x'.repeat(16 * 1024));
      res.end();
      return;
    }
    res.write('part1-');
    setTimeout(() => res.end(`part2-${body.length}`), 10);
  });
  router = createRouter({
    routes: [
      { type: 'http', id: 'web', service: 'web', domain: 'example.com' },
      { type: 'http', id: 'api', service: 'api', domain: 'example.com', path: '/api/' },
      { type: 'http', id: 'wild', service: 'wild', domain: '*.example.com' },
      { type: 'http', id: 'chunky', service: 'chunky', domain: 'chunky.test' },
      { type: 'http', id: 'empty', service: 'nobody', domain: 'empty.test' },
      { type: 'http', id: 'all', service: 'all', domain: '*' },
    ],
    backends: { web: [web.addr], api: [api.addr], wild: [wild.addr], all: [all.addr], chunky: [chunky.addr] },
  });
  port = (await router.listen({ http: 0 })).http[0]!;
});

afterAll(async () => {
  await router?.close({ graceMs: 1_000 });
  await Promise.all([web, api, wild, all, chunky].map((b) => b?.close()));
});

describe('routing', () => {
  it('routes by exact host, path prefix, wildcard and catch-all', async () => {
    expect(json(await get(port, '/', { Host: 'example.com' })).backend).toBe('web');
    expect(json(await get(port, '/api/users?x=1', { Host: 'EXAMPLE.com:8080' })).backend).toBe('api');
    expect(json(await get(port, '/api', { Host: 'example.com' })).backend).toBe('api');
    expect(json(await get(port, '/apix', { Host: 'example.com' })).backend).toBe('web');
    expect(json(await get(port, '/', { Host: 'a.b.example.com' })).backend).toBe('wild');
    expect(json(await get(port, '/', { Host: 'other.org' })).backend).toBe('all');
  });

  it('passes the request-target verbatim', async () => {
    const r = json(await get(port, '/api/a%2Fb/../c?q=%20&r=1', { Host: 'example.com' }));
    expect(r.url).toBe('/api/a%2Fb/../c?q=%20&r=1');
  });

  it('answers 404 without a route and 503 without a backend, keeping the connection', async () => {
    const raw = await rawExchange(
      port,
      'GET / HTTP/1.1\r\nHost: empty.test\r\n\r\nGET / HTTP/1.1\r\nHost: example.com\r\n\r\n',
    );
    expect(statusLines(raw)).toEqual([503, 200]);
    expect(raw).toContain('Service Unavailable\n');
    const none = createRouter({ routes: [{ type: 'http', id: 'x', service: 'x', domain: 'only.test' }] });
    const p = (await none.listen({ http: 0 })).http[0]!;
    const r = await get(p, '/', { Host: 'nope.test' });
    expect(r.status).toBe(404);
    expect(r.body).toBe('Not Found\n');
    await none.close({ graceMs: 100 });
  });
});

describe('options', () => {
  it('serves the custom 503 page, closes backend connections for disable_keep_alives, and logs access records', async () => {
    const records: Array<{ status: number; host: string; backend?: string }> = [];
    const r = createRouter({
      routes: [
        { type: 'http', id: 'down', service: 'nobody', domain: 'down.test' },
        { type: 'http', id: 'once', service: 'web', domain: 'once.test', disable_keep_alives: true },
      ],
      backends: { web: [web.addr] },
      error503Page: '<h1>maintenance</h1>',
      onAccess: (rec) => records.push(rec),
    });
    const p = (await r.listen({ http: 0 })).http[0]!;
    const down = await get(p, '/', { Host: 'down.test' });
    expect(down.status).toBe(503);
    expect(down.body).toBe('<h1>maintenance</h1>');
    expect(down.headers['content-type']).toMatch(/text\/html/);
    const once = json(await get(p, '/', { Host: 'once.test' }));
    expect((once.headers as Record<string, string>).connection).toBe('close');
    expect(records.map((x) => [x.status, x.host, x.backend])).toEqual([
      [503, 'down.test', undefined],
      [200, 'once.test', web.addr],
    ]);
    await r.close({ graceMs: 100 });
  });
});

describe('headers', () => {
  it('appends X-Forwarded-*, sets X-Request-Start and a new X-Request-Id, strips hop-by-hop', async () => {
    const before = Date.now();
    const r = await get(port, '/', {
      Host: 'example.com',
      'X-Forwarded-For': '10.0.0.1',
      'X-Forwarded-Proto': 'https',
      'X-Forwarded-Port': '443',
      'X-Request-Id': 'short',
      Connection: 'keep-alive, X-Drop-Me',
      'X-Drop-Me': 'secret',
      'Keep-Alive': 'timeout=1',
      'Proxy-Connection': 'keep-alive',
      TE: 'trailers',
    });
    const h = json(r).headers as Record<string, string>;
    expect(h['x-forwarded-for']).toBe('10.0.0.1, 127.0.0.1');
    expect(h['x-forwarded-proto']).toBe('https, http');
    expect(h['x-forwarded-port']).toBe(`443, ${port}`);
    expect(Number(h['x-request-start'])).toBeGreaterThanOrEqual(before - 1);
    expect(h['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(h['x-drop-me']).toBeUndefined();
    expect(h['keep-alive']).toBeUndefined();
    expect(h['proxy-connection']).toBeUndefined();
    expect(h.te).toBeUndefined();
    expect(h.host).toBe('example.com');
  });

  it('keeps a valid client X-Request-Id', async () => {
    const id = 'abcdefghij0123456789+/=-';
    expect((json(await get(port, '/', { Host: 'example.com', 'X-Request-Id': id })).headers as Record<string, string>)['x-request-id']).toBe(id);
  });

  it('strips hop-by-hop response headers and headers named by Connection', async () => {
    const r = await get(port, '/', { Host: 'chunky.test' });
    expect(r.body).toBe('part1-part2-0');
    expect(r.headers['x-secret']).toBeUndefined();
    expect(r.headers['keep-alive']).toBeUndefined();
    expect(r.headers['transfer-encoding']).toBe('chunked');
  });
});

describe('bodies and connections', () => {
  it('streams fixed-length and chunked request bodies', async () => {
    const big = Buffer.alloc(1024 * 1024, 'a');
    const r = json(await get(port, '/upload', { Host: 'example.com', 'Content-Type': 'text/plain' }, 'POST', big));
    expect(r.body.length).toBe(big.length);
    const raw = await rawExchange(port, 'POST / HTTP/1.1\r\nHost: chunky.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(raw).toContain('part2-11');
  });

  it('streams a large chunked response', async () => {
    const r = await get(port, '/big', { Host: 'chunky.test' });
    expect(r.body.length).toBe(64 * 16 * 1024);
  });

  it('passes large bodies unchanged to a slow reader (backpressure)', async () => {
    const { createHash } = await import('node:crypto');
    let x = 12345;
    const want = createHash('sha256');
    for (let i = 0; i < 256; i++) {
      const b = Buffer.allocUnsafe(16 * 1024 + (i % 7));
      for (let j = 0; j < b.length; j++) b[j] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
      want.update(b);
    }
    const http = await import('node:http');
    const got = await new Promise<string>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/random', headers: { host: 'chunky.test' }, agent: false }, (res) => {
        const h = createHash('sha256');
        res.on('data', (c: Buffer) => {
          h.update(c);
          // read slowly so the router's writes back up
          res.pause();
          setImmediate(() => res.resume());
        });
        res.on('end', () => resolve(h.digest('hex')));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    expect(got).toBe(want.digest('hex'));
  });

  it('serves pipelined requests in order on one connection', async () => {
    const one = 'GET /1 HTTP/1.1\r\nHost: example.com\r\n\r\n';
    const raw = await rawExchange(port, `${one}GET /2 HTTP/1.1\r\nHost: nope\r\n\r\nGET /api/3 HTTP/1.1\r\nHost: example.com\r\n\r\n${one}`);
    expect(statusLines(raw)).toEqual([200, 200, 200, 200]);
    const order = [...raw.matchAll(/"url":"([^"]+)"/g)].map((m) => m[1]);
    expect(order).toEqual(['/1', '/2', '/api/3', '/1']);
  });

  it('reuses client and backend connections (keep-alive)', async () => {
    const agent = new Agent({ connections: 1 });
    const before = web.seen.length;
    for (let i = 0; i < 20; i++) {
      const r = await request(`http://127.0.0.1:${port}/k${i}`, { headers: { host: 'example.com' }, dispatcher: agent });
      expect(r.statusCode).toBe(200);
      await r.body.text();
    }
    expect(web.seen.length - before).toBe(20);
    const conns = await new Promise<number>((res) => web.server.getConnections((_e, n) => res(n)));
    expect(conns).toBeLessThanOrEqual(2);
    await agent.close();
  });

  it('speaks HTTP/1.0 (close by default, keep-alive on request, de-chunked bodies)', async () => {
    const raw = await rawExchange(port, 'GET / HTTP/1.0\r\nHost: chunky.test\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1\.0 200 OK/);
    expect(raw).not.toMatch(/transfer-encoding/i);
    expect(raw).toMatch(/Connection: close/);
    expect(raw.endsWith('part1-part2-0')).toBe(true);
    const ka = await rawExchange(port, 'GET / HTTP/1.0\r\nHost: example.com\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\nHost: example.com\r\n\r\n');
    expect(statusLines(ka)).toEqual([200, 200]);
    expect(ka).toMatch(/Connection: keep-alive/);
  });
});
