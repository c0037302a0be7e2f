/**
 * The node:http fast path answers byte for byte what the fetch app answers:
 * two servers on 127.0.0.1 over identical FakeBackends, one with the fast
 * path in front of the app, one with the app alone, get the same raw HTTP/1.1
 * requests; every response must be identical but for its `Date` header. The
 * fast path must also really take the hot requests (and leave the others).
 */
import { connect } from 'node:net';
import { serve } from '@flynn-ts/core/http';
import type { HttpServerHandle } from '@flynn-ts/core/http';
import { NotLeaderError } from '@flynn-ts/raft';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instanceId } from '../src/core/instance-id.js';
import { createDiscoveryApi, createDiscoveryHttp } from '../src/server/http-api.js';
import { FakeBackend } from '../src/testing/fake-backend.js';

const LIMIT = 2_000;
const fast = new FakeBackend();
const plain = new FakeBackend();
let fastServer: HttpServerHandle;
let plainServer: HttpServerHandle;
const taken: string[] = [];

beforeAll(async () => {
  const http = createDiscoveryHttp(fast, { bodyLimit: LIMIT });
  fastServer = await serve((req, env) => {
    if (http.handleNode(env.incoming, env.outgoing)) {
      taken.push(`${env.incoming.method} ${env.incoming.url}`);
      return new Response(null, { headers: { 'x-hono-already-sent': 'true' } });
    }
    return http.app.fetch(req);
  });
  const app = createDiscoveryApi(plain, { bodyLimit: LIMIT });
  plainServer = await serve((req) => app.fetch(req));
});

afterAll(async () => {
  await fastServer?.close(0);
  await plainServer?.close(0);
});

/** One raw request on a fresh connection; the whole response, without its Date header. */
function raw(port: number, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8').replace(/^Date: .*\r\n/im, '')));
    let head = `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    if (body !== undefined) head += `Content-Length: ${Buffer.byteLength(body)}\r\n`;
    socket.end(`${head}\r\n${body ?? ''}`);
  });
}

const JSON_CT = { 'Content-Type': 'application/json' };
const inst = (addr: string, extra: Record<string, unknown> = {}) => JSON.stringify({ id: instanceId('tcp', addr), addr, proto: 'tcp', ...extra });

/** Sends the request to both servers (same order, so both backends stay in step); returns the fast path's answer. */
async function same(method: string, path: string, body?: string, headers: Record<string, string> = JSON_CT): Promise<string> {
  const a = await raw(fastServer.port, method, path, body, headers);
  const b = await raw(plainServer.port, method, path, body, headers);
  expect(a).toBe(b);
  return a;
}

describe('the node:http fast path', () => {
  it('answers CAS writes, registrations and meta reads exactly as the app does, and takes them', async () => {
    await same('PUT', '/services/web', JSON.stringify({ leader_type: 'oldest' }));
    expect(await same('PUT', '/services/web/meta', JSON.stringify({ data: { v: 1 }, index: 0 }))).toMatch(/^HTTP\/1.1 200 OK\r\n[^]*\r\n\r\n\{"data":\{"v":1\},"index":2\}$/);
    expect(await same('PUT', '/services/web/meta', JSON.stringify({ data: { v: 2 }, index: 0 }))).toMatch(/^HTTP\/1.1 409/);
    expect(await same('PUT', '/services/web/meta', JSON.stringify({ data: { v: 2 }, index: 999 }))).toMatch(/^HTTP\/1.1 412/);
    await same('PUT', '/services/web/meta', JSON.stringify({ data: '<&>', index: 2, leader_id: 'abc' }));
    await same('PUT', '/services/web/meta', 'not json');
    await same('PUT', '/services/web/meta', JSON.stringify({ data: 1, index: -1 }));
    await same('PUT', '/services/web/meta', '');
    await same('PUT', '/services/web/meta', JSON.stringify({ data: 'x'.repeat(LIMIT), index: 0 }));
    await same('PUT', '/services/nope/meta', JSON.stringify({ data: 1, index: 0 }));
    await same('GET', '/services/web/meta');
    await same('GET', '/services/web/meta?consistent=true');
    await same('GET', '/services/none/meta');
    await same('PUT', '/services/web/instances/x', inst('10.0.0.1:80'));
    await same('PUT', '/services/web/instances/anything', inst('10.0.0.1:80', { meta: { k: 'v' } }), {});
    await same('PUT', '/services/web/instances/x', inst('10.0.0.2:80', { id: 'wrong' }));
    await same('PUT', '/services/web/instances/x', JSON.stringify({ id: 'x', addr: '10.0.0.3:80', proto: 'TCP' }));
    await same('PUT', '/services/web/instances/x', inst('10.0.0.4:80', { meta: { k: 1 } }));
    await same('PUT', '/services/nope/instances/x', inst('10.0.0.5:80'));
    expect(taken).toEqual([
      'PUT /services/web/meta',
      'PUT /services/web/meta',
      'PUT /services/web/meta',
      'PUT /services/web/meta',
      'PUT /services/web/meta',
      'PUT /services/web/meta',
      'PUT /services/web/meta',
      'PUT /services/web/meta',
      'PUT /services/nope/meta',
      'GET /services/web/meta',
      'GET /services/web/meta?consistent=true',
      'GET /services/none/meta',
      'PUT /services/web/instances/x',
      'PUT /services/web/instances/anything',
      'PUT /services/web/instances/x',
      'PUT /services/web/instances/x',
      'PUT /services/web/instances/x',
      'PUT /services/nope/instances/x',
    ]);
  });

  it('redirects writes on a follower (307 to the leader), answers 503 without a leader and 500 for an unexpected failure, as the app does', async () => {
    for (const b of [fast, plain]) b.setRaftLeader('127.0.0.9:1111');
    expect(await same('PUT', '/services/web/meta', JSON.stringify({ data: 3, index: 0 }))).toMatch(/^HTTP\/1.1 307[^]*\r\nlocation: http:\/\/127\.0\.0\.9:1111\/services\/web\/meta\r\n/i);
    await same('PUT', '/services/web/instances/x', inst('10.0.0.6:80'));
    await same('GET', '/services/web/meta');
    for (const b of [fast, plain]) b.setRaftLeader(undefined);
    expect(await same('PUT', '/services/web/meta', JSON.stringify({ data: 3, index: 0 }))).toMatch(/^HTTP\/1.1 503/);
    for (const b of [fast, plain]) b.setRaftLeader('127.0.0.1:1111');
    for (const b of [fast, plain]) b.failNext('setMeta', new NotLeaderError('127.0.0.8:1111', 'setMeta'));
    expect(await same('PUT', '/services/web/meta', JSON.stringify({ data: 3, index: 0 }))).toMatch(/location: http:\/\/127\.0\.0\.8:1111\//i);
    for (const b of [fast, plain]) b.failNext('register', new Error('disk on fire'));
    expect(await same('PUT', '/services/web/instances/x', inst('10.0.0.7:80'))).toMatch(/^HTTP\/1.1 500/);
  });

  it('leaves everything else to the app: other shapes, query strings on writes, odd names, no JSON Content-Type, proxy mode', async () => {
    const before = taken.length;
    await same('PUT', '/services/web/meta?x=1', JSON.stringify({ data: 1, index: 0 }));
    await same('PUT', '/services/web/meta', JSON.stringify({ data: 1, index: 0 }), {});
    await same('PUT', '/services/Web/meta', JSON.stringify({ data: 1, index: 0 }));
    await same('PUT', '/services/w%65b/meta', JSON.stringify({ data: 1, index: 0 }));
    await same('PUT', '/services/web/meta/', JSON.stringify({ data: 1, index: 0 }));
    await same('POST', '/services/web/meta', JSON.stringify({ data: 1, index: 0 }));
    await same('GET', '/services/web/instances');
    for (const b of [fast, plain]) b.setMember(false);
    await same('PUT', '/services/web/meta', JSON.stringify({ data: 1, index: 0 }));
    for (const b of [fast, plain]) b.setMember(true);
    expect(taken.length).toBe(before);
  });
});
