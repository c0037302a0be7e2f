/**
 * HTTPS: the route's certificate chosen by SNI (checked with `openssl
 * s_client -servername` and with undici verifying against each certificate),
 * the default certificate otherwise, TLS ≥ 1.2, and HTTP/2 via ALPN (curl
 * --http2 and the node http2 client) proxied to HTTP/1.1 backends.
 */
import { execFile } from 'node:child_process';
import { connect as h2connect } from 'node:http2';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import { missingRequirements } from '@flynn-ts/core/testing';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouter } from '../src/index.js';
import type { Router } from '../src/index.js';
import { makeCerts } from './certs.js';
import { startBackend } from './helpers.js';
import type { Backend } from './helpers.js';

const run = promisify(execFile);
const missing = missingRequirements({ commands: ['openssl', 'curl'] });

let router: Router;
let port: number;
let a: Backend;
let b: Backend;
let certs: ReturnType<typeof makeCerts>;

beforeAll(async () => {
  if (missing) return;
  certs = makeCerts(['a.test', 'b.test', 'default.test']);
  a = await startBackend('a', (req, res, body) => {
    if (req.url === '/random') {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      for (const b of randomChunks()) res.write(b);
      res.end();
      return;
    }
    const out = JSON.stringify({ backend: 'a', method: req.method, url: req.url, headers: req.headers, body });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(out), 'X-Backend': 'a' });
    res.end(out);
  });
  b = await startBackend('b');
  const c = certs.certs;
  router = createRouter({
    routes: [
      { type: 'http', id: 'a', service: 'a', domain: 'a.test', certificate: { id: 'ca', cert: c['a.test']!.cert, key: c['a.test']!.key } },
      { type: 'http', id: 'b', service: 'b', domain: '*.b.test', certificate: { id: 'cb', cert: c['b.test']!.cert, key: c['b.test']!.key } },
      { type: 'http', id: 'b-apex', service: 'b', domain: 'b.test', certificate: { id: 'cb', cert: c['b.test']!.cert, key: c['b.test']!.key } },
      { type: 'http', id: 'plain', service: 'a', domain: 'plain.test' },
    ],
    backends: { a: [a.addr], b: [b.addr] },
    tls: { cert: c['default.test']!.cert, key: c['default.test']!.key },
  });
  port = (await router.listen({ https: 0 })).https[0]!;
});

afterAll(async () => {
  await router?.close({ graceMs: 500 });
  await a?.close();
  await b?.close();
  certs?.remove();
});

/** 4 MiB of deterministic bytes in odd-sized pieces. */
function randomChunks(): Buffer[] {
  let x = 777;
  const out: Buffer[] = [];
  for (let i = 0; i < 256; i++) {
    const b = Buffer.allocUnsafe(16 * 1024 + (i % 5));
    for (let j = 0; j < b.length; j++) b[j] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
    out.push(b);
  }
  return out;
}

async function subjectVia(servername: string | undefined): Promise<string> {
  const args = ['s_client', '-connect', `127.0.0.1:${port}`, ...(servername ? ['-servername', servername] : ['-noservername'])];
  const child = execFile('openssl', args, { timeout: 10_000 });
  child.stdin?.end('Q\n');
  const out = await new Promise<string>((resolve) => {
    let s = '';
    child.stdout?.on('data', (d: Buffer) => (s += d.toString()));
    child.on('close', () => resolve(s));
  });
  return /subject=(.*)/.exec(out)?.[1]?.trim() ?? out;
}

describe.skipIf(missing)('TLS with SNI', () => {
  it('serves each route certificate by SNI, the default otherwise (openssl s_client)', async () => {
    expect(await subjectVia('a.test')).toContain('CN = a.test');
    expect(await subjectVia('x.b.test')).toContain('CN = b.test');
    expect(await subjectVia('B.TEST')).toContain('CN = b.test');
    expect(await subjectVia('plain.test')).toContain('CN = default.test');
    expect(await subjectVia('unknown.test')).toContain('CN = default.test');
    expect(await subjectVia(undefined)).toContain('CN = default.test');
  });

  it('verifies against the right certificate with undici and proxies the request', async () => {
    const c = certs.certs;
    const agentA = new Agent({ connect: { ca: c['a.test']!.cert, servername: 'a.test' } });
    const r = await request(`https://127.0.0.1:${port}/hello`, { headers: { host: 'a.test' }, dispatcher: agentA });
    const body = (await r.body.json()) as { backend: string; headers: Record<string, string> };
    expect(body.backend).toBe('a');
    expect(body.headers['x-forwarded-proto']).toBe('https');
    expect(body.headers['x-forwarded-port']).toBe(String(port));
    const agentB = new Agent({ connect: { ca: c['b.test']!.cert, servername: 'x.b.test' } });
    const rb = await request(`https://127.0.0.1:${port}/`, { headers: { host: 'x.b.test' }, dispatcher: agentB });
    expect(((await rb.body.json()) as { backend: string }).backend).toBe('b');
    // a.test's certificate does not verify for b.test's name
    const wrong = new Agent({ connect: { ca: c['a.test']!.cert, servername: 'b.test' } });
    await expect(request(`https://127.0.0.1:${port}/`, { headers: { host: 'b.test' }, dispatcher: wrong })).rejects.toThrow();
    await Promise.all([agentA.close(), agentB.close(), wrong.close()]);
  });

  it('passes a large body unchanged to a slow TLS reader', async () => {
    const { createHash } = await import('node:crypto');
    const want = createHash('sha256');
    for (const b of randomChunks()) want.update(b);
    const got = await new Promise<string>((resolve, reject) => {
      const s = tlsConnect({ port, host: '127.0.0.1', servername: 'a.test', ca: certs.certs['a.test']!.cert }, () => {
        s.write('GET /random HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n');
      });
      const chunks: Buffer[] = [];
      s.on('data', (c: Buffer) => {
        chunks.push(c);
        s.pause();
        setImmediate(() => s.resume());
      });
      s.on('end', () => {
        const all = Buffer.concat(chunks);
        const head = all.indexOf('\r\n\r\n');
        // chunked framing: decode
        let pos = head + 4;
        const h = createHash('sha256');
        for (;;) {
          const eol = all.indexOf('\r\n', pos);
          const n = parseInt(all.toString('latin1', pos, eol), 16);
          if (n === 0) break;
          h.update(all.subarray(eol + 2, eol + 2 + n));
          pos = eol + 2 + n + 2;
        }
        resolve(h.digest('hex'));
      });
      s.on('error', reject);
    });
    expect(got).toBe(want.digest('hex'));
  });

  it('refuses TLS 1.1', async () => {
    const err = await new Promise<unknown>((resolve) => {
      const s = tlsConnect({ port, host: '127.0.0.1', servername: 'a.test', rejectUnauthorized: false, maxVersion: 'TLSv1.1', minVersion: 'TLSv1' });
      s.on('secureConnect', () => resolve(undefined));
      s.on('error', resolve);
    });
    expect(err).toBeInstanceOf(Error);
  });
});

describe.skipIf(missing)('HTTP/2', () => {
  it('negotiates h2 with curl and proxies to the HTTP/1.1 backend', async () => {
    const { stdout } = await run('curl', ['-sk', '--http2', '--resolve', `a.test:${port}:127.0.0.1`, `https://a.test:${port}/via-curl`, '-w', '\n%{http_version}']);
    const [body, version] = stdout.split('\n');
    expect(version).toBe('2');
    expect(JSON.parse(body!)).toMatchObject({ backend: 'a', url: '/via-curl' });
  });

  it('serves the node http2 client, with request bodies, several streams and 404s', async () => {
    const session = h2connect(`https://127.0.0.1:${port}`, { ca: certs.certs['a.test']!.cert, servername: 'a.test' });
    const call = (path: string, method = 'GET', body?: string, authority = 'a.test') =>
      new Promise<{ status: number; body: string; headers: Record<string, unknown> }>((resolve, reject) => {
        const req = session.request({ ':path': path, ':method': method, ':authority': authority, cookie: 'k=v' });
        let status = 0;
        let headers: Record<string, unknown> = {};
        let data = '';
        req.on('response', (h) => {
          status = Number(h[':status']);
          headers = h;
        });
        req.on('data', (d: Buffer) => (data += d.toString()));
        req.on('end', () => resolve({ status, body: data, headers }));
        req.on('error', reject);
        req.end(body);
      });
    const results = await Promise.all([call('/s1'), call('/s2'), call('/post', 'POST', 'x'.repeat(100_000)), call('/', 'GET', undefined, 'nope.test')]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 404]);
    const post = JSON.parse(results[2]!.body) as { method: string; body: string; headers: Record<string, string> };
    expect(post.method).toBe('POST');
    expect(post.body.length).toBe(100_000);
    expect(post.headers['transfer-encoding']).toBe('chunked');
    expect(post.headers.host).toBe('a.test');
    expect(post.headers.cookie).toBe('k=v');
    expect(results[0]!.headers['x-backend']).toBe('a');
    expect(results[0]!.headers.connection).toBeUndefined();
    session.close();
  });
});
