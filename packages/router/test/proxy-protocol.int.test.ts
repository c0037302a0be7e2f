/**
 * PROXY protocol v1 input (`PROXY_PROTOCOL=true`): the client address from
 * the header ends up in X-Forwarded-For, over HTTP and HTTPS; a connection
 * without the header is refused.
 */
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { missingRequirements } from '@flynn-ts/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouter } from '../src/index.js';
import type { Router } from '../src/index.js';
import { makeCerts } from './certs.js';
import { rawExchange, startBackend } from './helpers.js';
import type { Backend } from './helpers.js';

const missing = missingRequirements({ commands: ['openssl'] });
let router: Router;
let web: Backend;
let ports: { http: number[]; https: number[] };
let certs: ReturnType<typeof makeCerts>;

beforeAll(async () => {
  if (missing) return;
  certs = makeCerts(['web.test']);
  web = await startBackend('web');
  router = createRouter({
    routes: [{ type: 'http', id: 'web', service: 'web', domain: 'web.test' }],
    backends: { web: [web.addr] },
    proxyProtocol: true,
    tls: { cert: certs.certs['web.test']!.cert, key: certs.certs['web.test']!.key },
  });
  ports = await router.listen({ http: 0, https: 0 });
});

afterAll(async () => {
  await router?.close({ graceMs: 200 });
  await web?.close();
  certs?.remove();
});

describe.skipIf(missing)('PROXY protocol', () => {
  it('takes the client address from the header (HTTP), the rest of the bytes as the request', async () => {
    const raw = await rawExchange(ports.http[0]!, 'PROXY TCP4 203.0.113.7 10.0.0.1 5555 80\r\nGET / HTTP/1.1\r\nHost: web.test\r\nConnection: close\r\n\r\n', { idleMs: 3_000 });
    expect(raw).toMatch(/^HTTP\/1\.1 200/);
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)).headers['x-forwarded-for']).toBe('203.0.113.7');
  });

  it('refuses a connection without the header', async () => {
    expect(await rawExchange(ports.http[0]!, 'GET / HTTP/1.1\r\nHost: web.test\r\n\r\n', { idleMs: 3_000 })).toBe('');
  });

  it.each([false, true])('reads the header before the TLS handshake (HTTPS; header and ClientHello in one segment: %s)', async (oneSegment) => {
    const body = await new Promise<string>((resolve, reject) => {
      const raw = connect(ports.https[0]!, '127.0.0.1', () => {
        if (oneSegment) {
          raw.cork();
          setImmediate(() => raw.uncork());
        }
        raw.write('PROXY TCP6 2001:db8::5 2001:db8::1 4444 443\r\n');
        const s = tlsConnect({ socket: raw, servername: 'web.test', ca: certs.certs['web.test']!.cert }, () => {
          s.write('GET / HTTP/1.1\r\nHost: web.test\r\nConnection: close\r\n\r\n');
        });
        let out = '';
        s.on('data', (d: Buffer) => (out += d.toString()));
        s.on('end', () => resolve(out));
        s.on('error', reject);
      });
      raw.on('error', reject);
    });
    expect(body).toMatch(/^HTTP\/1\.1 200/);
    const json = JSON.parse(body.slice(body.indexOf('\r\n\r\n') + 4)) as { headers: Record<string, string> };
    expect(json.headers['x-forwarded-for']).toBe('2001:db8::5');
    expect(json.headers['x-forwarded-proto']).toBe('https');
  });
});
