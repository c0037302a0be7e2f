import { describe, expect, it } from 'vitest';
import { seededRandom } from '@flynn-ts/core';
import { FakeBackend } from '../testing/fake-backend.js';
import { call, errBody } from './http-api.test-helpers.js';
import { createProxyApi, isProxyLocal } from './proxy.js';

const PEERS = ['10.0.0.1:1111', '10.0.0.2:1111', '10.0.0.3:1111'];

function proxy(peers: string[] = PEERS, seed = 7) {
  const backend = new FakeBackend({ member: false });
  const app = createProxyApi({ peers: () => peers, random: seededRandom(seed), backendForPromote: backend });
  return { app, backend };
}

describe('createProxyApi', () => {
  it('redirects a GET with Go http.Redirect HTML body and no Discoverd-* headers', async () => {
    const { app } = proxy(['10.0.0.1:1111']);
    const r = await call(app, 'GET', '/services/foo/instances?x=<1>');
    expect(r.status).toBe(307);
    const location = 'http://10.0.0.1:1111/services/foo/instances?x=%3C1%3E';
    expect(r.headers.get('location')).toBe(location);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.text).toBe(`<a href="${location}">Temporary Redirect</a>.\n\n`);
    expect(r.headers.get('discoverd-index')).toBeNull();
    expect(r.headers.get('discoverd-peers')).toBeNull();
  });

  it('redirects writes with an empty body and no Content-Type', async () => {
    const { app } = proxy(['10.0.0.1:1111']);
    for (const method of ['PUT', 'DELETE', 'POST']) {
      const r = await call(app, method, '/services/foo', { body: {} });
      expect(r.status).toBe(307);
      expect(r.headers.get('location')).toBe('http://10.0.0.1:1111/services/foo');
      expect(r.text).toBe('');
      expect(r.headers.get('content-type')).toBeNull();
    }
  });

  it('picks peers with the injected Random', async () => {
    const seen = new Set<string>();
    const { app } = proxy();
    for (let i = 0; i < 30; i++) seen.add((await call(app, 'GET', '/raft/leader')).headers.get('location')!);
    expect([...seen].sort()).toEqual(PEERS.map((p) => `http://${p}/raft/leader`));
    const a = proxy(PEERS, 3);
    const b = proxy(PEERS, 3);
    for (let i = 0; i < 5; i++) {
      expect((await call(a.app, 'GET', '/x')).headers.get('location')).toBe((await call(b.app, 'GET', '/x')).headers.get('location'));
    }
  });

  it('answers promote, demote, shutdown, ping and status itself', async () => {
    const { app, backend } = proxy();
    expect((await call(app, 'GET', '/ping')).status).toBe(200);
    const status = await call(app, 'GET', '/.well-known/status');
    expect(status.text).toBe('{\n  "data": {\n    "status": "healthy",\n    "version": "dev"\n  }\n}\n');
    const promote = await call(app, 'POST', '/raft/promote');
    expect(promote.status).toBe(200);
    expect(promote.text).toBe('');
    expect(backend.isMember()).toBe(true);
    expect((await call(app, 'POST', '/raft/demote')).status).toBe(200);
    expect(backend.isMember()).toBe(false);
    // Whitelisted paths with another method: the original's router 404.
    const wrong = await call(app, 'GET', '/shutdown');
    expect(wrong.status).toBe(404);
    expect(wrong.text).toBe('404 page not found\n');
    const down = await call(app, 'POST', '/shutdown');
    expect(down.text).toBe('{"last_index":0}');
    expect(down.headers.get('connection')).toBe('close');
    expect((await call(app, 'GET', '/anything')).text).toBe(errBody('service_unavailable', 'discoverd: shutting down', true));
  });

  it('answers 503 with no peers instead of failing', async () => {
    const { app } = proxy([]);
    const r = await call(app, 'PUT', '/services/foo', { body: {} });
    expect(r.status).toBe(503);
    expect(r.text).toBe(errBody('service_unavailable', 'discoverd: no known peers', true));
  });

  it('isProxyLocal matches the whitelist by prefix, ping and status by GET', () => {
    expect(isProxyLocal('POST', '/raft/promote')).toBe(true);
    expect(isProxyLocal('GET', '/shutdown/x')).toBe(true);
    expect(isProxyLocal('GET', '/ping')).toBe(true);
    expect(isProxyLocal('PUT', '/ping')).toBe(false);
    expect(isProxyLocal('GET', '/raft/peers')).toBe(false);
  });
});
