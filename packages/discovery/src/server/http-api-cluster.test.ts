import { describe, expect, it } from 'vitest';
import { FlynnError, seededRandom } from '@flynn-ts/core';
import { FakeBackend } from '../testing/fake-backend.js';
import { createDiscoveryApi } from './http-api.js';
import { call, errBody, inst } from './http-api.test-helpers.js';

const LEADER = '127.0.0.2:1111';

describe('Discoverd-* headers', () => {
  it('carry the index from before the request and the peers, leader first', async () => {
    const backend = new FakeBackend({ peers: ['127.0.0.2:1111', '127.0.0.3:1111'] });
    const app = createDiscoveryApi(backend);
    const first = await call(app, 'PUT', '/services/foo', { body: {} });
    expect(first.headers.get('discoverd-index')).toBe('0');
    expect(first.headers.get('discoverd-peers')).toBe('127.0.0.1:1111,127.0.0.2:1111,127.0.0.3:1111');
    // A failed write still consumes an index, as in the original.
    const dup = await call(app, 'PUT', '/services/foo', { body: {} });
    expect(dup.headers.get('discoverd-index')).toBe('1');
    const read = await call(app, 'GET', '/services/foo/instances');
    expect(read.headers.get('discoverd-index')).toBe('2');
    for (const path of ['/ping', '/.well-known/status', '/nope', '/raft/peers']) {
      expect((await call(app, 'GET', path)).headers.get('discoverd-index')).toBe('2');
    }
  });

  it('omit Discoverd-Peers when the backend cannot list peers', async () => {
    const backend = new FakeBackend();
    backend.peers = () => {
      throw new Error('no configuration yet');
    };
    const r = await call(createDiscoveryApi(backend), 'GET', '/ping');
    expect(r.headers.get('discoverd-peers')).toBeNull();
    expect(r.headers.get('discoverd-index')).toBe('0');
  });
});

describe('writes on a follower', () => {
  const writes: Array<[string, string, unknown]> = [
    ['PUT', '/services/foo', {}],
    ['DELETE', '/services/foo', undefined],
    ['PUT', '/services/foo/meta?x=1&y=%20', { data: 1, index: 0 }],
    ['PUT', '/services/foo/instances/abc', inst(5000)],
    ['DELETE', '/services/foo/instances/abc', undefined],
    ['PUT', '/raft/peers/10.0.0.9:1111', undefined],
    ['DELETE', '/raft/peers/10.0.0.9:1111', undefined],
  ];

  it('are redirected with 307 to the leader, same path and query, empty body, Discoverd-* headers', async () => {
    const backend = new FakeBackend({ peers: [LEADER], leader: LEADER });
    const app = createDiscoveryApi(backend);
    for (const [method, path, body] of writes) {
      const r = await call(app, method, path, { body });
      expect(r.status, `${method} ${path}`).toBe(307);
      expect(r.headers.get('location')).toBe(`http://${LEADER}${path}`);
      expect(r.text).toBe('');
      expect(r.headers.get('content-type')).toBeNull();
      expect(r.headers.get('discoverd-peers')).toBe(`${LEADER},127.0.0.1:1111`);
      expect(r.headers.get('discoverd-index')).toBe('0');
    }
  });

  it('redirect a manual leader PUT after the local config check', async () => {
    const backend = new FakeBackend();
    await backend.addService('bar', { leader_type: 'manual' });
    backend.setRaftLeader(LEADER);
    const app = createDiscoveryApi(backend);
    const r = await call(app, 'PUT', '/services/bar/leader', { body: { id: 'x' } });
    expect(r.status).toBe(307);
    expect(r.headers.get('location')).toBe(`http://${LEADER}/services/bar/leader`);
  });

  it('answer 503 without a known leader', async () => {
    const backend = new FakeBackend({ leader: null });
    const app = createDiscoveryApi(backend);
    for (const [method, path, body] of writes) {
      const r = await call(app, method, path, { body });
      expect(r.status).toBe(503);
      expect(r.headers.get('content-type')).toBe('application/json');
      expect(r.text).toBe(errBody('service_unavailable', 'discoverd: no known leader', true));
    }
  });

  it('still serve reads locally', async () => {
    const backend = new FakeBackend();
    await backend.addService('foo', { leader_type: 'oldest' });
    await backend.register('foo', inst(5000));
    backend.setRaftLeader(LEADER);
    const r = await call(createDiscoveryApi(backend), 'GET', '/services/foo/instances');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toHaveLength(1);
  });
});

describe('raft routes', () => {
  it('GET /raft/leader and /raft/peers', async () => {
    const backend = new FakeBackend({ peers: ['127.0.0.2:1111'] });
    const app = createDiscoveryApi(backend);
    expect((await call(app, 'GET', '/raft/leader')).text).toBe('{"host":"127.0.0.1:1111"}');
    expect((await call(app, 'GET', '/raft/peers')).text).toBe('["127.0.0.1:1111","127.0.0.2:1111"]');
    backend.setRaftLeader(undefined);
    const none = await call(app, 'GET', '/raft/leader');
    expect(none.status).toBe(503);
    expect(none.text).toBe(errBody('service_unavailable', 'discoverd: no known leader', true));
  });

  it('PUT and DELETE /raft/peers/:peer', async () => {
    const backend = new FakeBackend();
    const app = createDiscoveryApi(backend);
    const add = await call(app, 'PUT', '/raft/peers/127.0.0.5:1111');
    expect(add.status).toBe(200);
    expect(add.headers.get('content-type')).toBe('application/json');
    expect(add.text).toBe('{"last_index":1}');
    expect(backend.peers()).toContain('127.0.0.5:1111');
    const del = await call(app, 'DELETE', '/raft/peers/127.0.0.5:1111');
    expect(del.status).toBe(200);
    expect(del.text).toBe('');
    expect(backend.peers()).not.toContain('127.0.0.5:1111');
    const bad = await call(app, 'PUT', '/raft/peers/nohost');
    expect(bad.text).toBe(errBody('validation_error', 'address nohost: missing port in address'));
  });

  it('POST /raft/promote and /raft/demote switch between member and proxy mode', async () => {
    const backend = new FakeBackend({ peers: [LEADER] });
    const app = createDiscoveryApi(backend, { random: seededRandom(1) });
    const demote = await call(app, 'POST', '/raft/demote');
    expect(demote.status).toBe(200);
    expect(demote.text).toBe('');
    expect(backend.isMember()).toBe(false);
    // Proxy mode: redirect to a peer, no Discoverd-* headers.
    const proxied = await call(app, 'GET', '/services/foo/instances?a=b');
    expect(proxied.status).toBe(307);
    expect(proxied.headers.get('location')).toMatch(/^http:\/\/127\.0\.0\.[12]:1111\/services\/foo\/instances\?a=b$/);
    expect(proxied.headers.get('discoverd-index')).toBeNull();
    expect((await call(app, 'GET', '/ping')).status).toBe(200);
    const promote = await call(app, 'POST', '/raft/promote');
    expect(promote.status).toBe(200);
    expect(promote.headers.get('discoverd-index')).toBeNull();
    expect(backend.isMember()).toBe(true);
    expect((await call(app, 'GET', '/ping')).headers.get('discoverd-index')).toBe('0');
  });

  it('maps backend failures: FlynnErrors by their code, anything else 500 unknown_error', async () => {
    const backend = new FakeBackend();
    const app = createDiscoveryApi(backend);
    backend.failNext('promote', new Error('disk on fire'));
    const boom = await call(app, 'POST', '/raft/promote');
    expect(boom.status).toBe(500);
    expect(boom.text).toBe(errBody('unknown_error', 'Something went wrong'));
    backend.failNext('getInstances', new FlynnError('FLYNN_DISCOVERY_CATCHING_UP', 'discoverd: catching up', { apiCode: 'service_unavailable', retry: true }));
    const busy = await call(app, 'GET', '/services/foo/instances');
    expect(busy.status).toBe(503);
    expect(busy.text).toBe(errBody('service_unavailable', 'discoverd: catching up', true));
    // A stream that cannot subscribe answers a JSON error, not a broken stream.
    backend.failNext('subscribe', new FlynnError('FLYNN_DISCOVERY_CATCHING_UP', 'discoverd: catching up', { apiCode: 'service_unavailable', retry: true }));
    const stream = await call(app, 'GET', '/services/foo');
    expect(stream.status).toBe(503);
    expect(stream.headers.get('content-type')).toBe('application/json');
    expect(stream.headers.get('discoverd-index')).toBe('0');
  });
});

describe('POST /shutdown', () => {
  it('answers the last index with Connection: close, then every request is 503', async () => {
    const backend = new FakeBackend();
    await backend.addService('foo', { leader_type: 'oldest' });
    const app = createDiscoveryApi(backend);
    const r = await call(app, 'POST', '/shutdown');
    expect(r.status).toBe(200);
    expect(r.text).toBe('{"last_index":1}');
    expect(r.headers.get('connection')).toBe('close');
    expect(r.headers.get('content-type')).toBe('application/json');
    const after = await call(app, 'GET', '/ping');
    expect(after.status).toBe(503);
    expect(after.text).toBe(errBody('service_unavailable', 'discoverd: shutting down', true));
    expect(after.headers.get('discoverd-index')).toBeNull();
  });

  it('does not latch when the backend fails to shut down', async () => {
    const backend = new FakeBackend();
    backend.failNext('shutdown', new Error('stuck'));
    const app = createDiscoveryApi(backend);
    expect((await call(app, 'POST', '/shutdown')).status).toBe(500);
    expect((await call(app, 'GET', '/ping')).status).toBe(200);
  });
});
