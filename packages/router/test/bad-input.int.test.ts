/**
 * Hostile and broken clients over raw sockets: malformed request lines,
 * smuggling shapes, huge headers (431), over-long URIs (414), an invalid
 * Host (400), slowloris-style slow headers (408 after the header timeout),
 * oversized bodies (413), and a fast-check fuzz of request lines and
 * headers. Throughout, a well-behaved client keeps being served.
 */
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouter } from '../src/index.js';
import type { Router } from '../src/index.js';
import { get, rawExchange, startBackend, statusLines } from './helpers.js';
import type { Backend } from './helpers.js';

let router: Router;
let port: number;
let web: Backend;

beforeAll(async () => {
  web = await startBackend('web');
  router = createRouter({
    routes: [{ type: 'http', id: 'web', service: 'web', domain: '*' }],
    backends: { web: [web.addr] },
    timeouts: { headerMs: 300 },
    maxHeaderBytes: 8 * 1024,
    maxBodyBytes: 1024,
  });
  port = (await router.listen({ http: 0 })).http[0]!;
});

afterAll(async () => {
  await router?.close({ graceMs: 200 });
  await web?.close();
});

const healthy = async () => expect((await get(port, '/ok', { Host: 'web.test' })).status).toBe(200);

describe('malformed requests', () => {
  it.each([
    ['garbage', 'HELLO\r\n\r\n', 400],
    ['binary', '\u0000\u0001\u0002\r\n\r\n', 400],
    ['bad method token', 'G@T / HTTP/1.1\r\nHost: a\r\n\r\n', 400],
    ['missing version', 'GET /\r\nHost: a\r\n\r\n', 400],
    ['HTTP/2.0 line', 'GET / HTTP/2.0\r\nHost: a\r\n\r\n', 505],
    ['no Host on 1.1', 'GET / HTTP/1.1\r\n\r\n', 400],
    ['invalid Host', 'GET / HTTP/1.1\r\nHost: exa mple.com\r\n\r\n', 400],
    ['Host with bad port', 'GET / HTTP/1.1\r\nHost: a.test:http\r\n\r\n', 400],
    ['duplicate Host', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400],
    ['CL + TE (smuggling)', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
    ['obs-fold', 'GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n  continued\r\n\r\n', 400],
    ['bad chunk size', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400],
    ['body too large', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n', 413],
    ['unknown coding', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n', 501],
  ])('%s → %i and the connection closes', async (_name, req, status) => {
    const raw = await rawExchange(port, req, { idleMs: 3_000 });
    expect(statusLines(raw)[0]).toBe(status);
    expect(raw).toContain('Connection: close');
    await healthy();
  });

  it('answers 431 for huge headers and 414 for an endless request line', async () => {
    const big = await rawExchange(port, `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`, { idleMs: 3_000 });
    expect(statusLines(big)[0]).toBe(431);
    const long = await rawExchange(port, `GET /${'a'.repeat(20_000)}`, { idleMs: 3_000 });
    expect(statusLines(long)[0]).toBe(414);
    await healthy();
  });

  it('times out a slowloris client with 408 while serving others', async () => {
    const s = connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    s.on('data', (d: Buffer) => got.push(d));
    const closed = new Promise<void>((r) => s.on('close', () => r()));
    s.on('error', () => {});
    await new Promise((r) => s.once('connect', r));
    const drip = 'GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ';
    let i = 0;
    const timer = setInterval(() => {
      if (!s.destroyed) s.write(drip[i++ % drip.length]!);
      void healthy();
    }, 40);
    await closed;
    clearInterval(timer);
    expect(Buffer.concat(got).toString()).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
    await healthy();
  });

  it('closes a connection that never sends a request within the header timeout', async () => {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => {});
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString()));
    await new Promise<void>((r) => s.on('close', () => r()));
    expect(got).toBe('');
  });
});

describe('fuzz', () => {
  const token = fc.stringMatching(/^[A-Za-z!#$%&'*+.^_`|~0-9-]{1,12}$/);
  const anyText = fc.string({ unit: 'binary-ascii', maxLength: 40 });
  const line = fc.oneof(
    fc.tuple(token, fc.constantFrom('/', '/a?b', '*', 'http://x/', ''), fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/9.9', 'HTTP/1.1 ', '')).map(([m, t, v]) => `${m} ${t} ${v}`),
    anyText,
  );
  const header = fc.oneof(
    fc.tuple(fc.constantFrom('Host', 'Content-Length', 'Transfer-Encoding', 'Connection', 'Upgrade', 'Expect', 'X-A'), fc.constantFrom(':', ' :', ': ', ''), fc.oneof(anyText, fc.constantFrom('a.test', '5', 'chunked', 'close', 'upgrade', '100-continue', '-1'))).map(([n, c, v]) => `${n}${c}${v}`),
    anyText,
  );
  const request = fc.tuple(line, fc.array(header, { maxLength: 6 }), fc.constantFrom('\r\n', '\n', '\r\n\r\n'), fc.option(anyText)).map(([l, hs, end, body]) => `${l}\r\n${hs.join('\r\n')}\r\n${end}${body ?? ''}`);

  it('always answers with a well-formed status (or closes) and keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (req) => {
        const raw = await rawExchange(port, req, { idleMs: 150 });
        if (raw.length > 0) expect(raw).toMatch(/^HTTP\/1\.[01] [1-5]\d\d /);
      }),
      { numRuns: 150 },
    );
    await healthy();
    expect(Object.keys(router.dataPlane.inflight())).toEqual([]);
  });
});
