import { beforeEach, describe, expect, it } from 'vitest';
import type { Hono } from 'hono';
import { FakeBackend } from '../testing/fake-backend.js';
import { createDiscoveryApi } from './http-api.js';
import { call, errBody, inst } from './http-api.test-helpers.js';

const A = 'f89ac025042901d1bbc6a6872a7af35a'; // md5("tcp-127.0.0.1:5000")
const B = 'e497feed309b652066ce0ea0940c9679'; // md5("tcp-127.0.0.1:5001")

let backend: FakeBackend;
let app: Hono;

beforeEach(() => {
  backend = new FakeBackend();
  app = createDiscoveryApi(backend);
});

function expectEmpty200(r: { status: number; headers: Headers; text: string }) {
  expect(r.status).toBe(200);
  expect(r.text).toBe('');
  expect(r.headers.get('content-length')).toBe('0');
  expect(r.headers.get('content-type')).toBeNull();
}

function expectError(r: { status: number; headers: Headers; text: string }, status: number, code: string, message: string, retry = false) {
  expect(r.status).toBe(status);
  expect(r.headers.get('content-type')).toBe('application/json');
  expect(r.text).toBe(errBody(code, message, retry));
}

describe('node routes', () => {
  it('GET /.well-known/status is the pretty body with a trailing newline', async () => {
    const r = await call(app, 'GET', '/.well-known/status');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(r.text).toBe('{\n  "data": {\n    "status": "healthy",\n    "version": "dev"\n  }\n}\n');
    const v = await call(createDiscoveryApi(backend, { version: 'v1.2' }), 'GET', '/.well-known/status');
    expect(JSON.parse(v.text)).toEqual({ data: { status: 'healthy', version: 'v1.2' } });
  });

  it('GET /ping answers 200 empty', async () => {
    expectEmpty200(await call(app, 'GET', '/ping'));
  });

  it('unknown routes and HEAD get Go text 404', async () => {
    for (const [method, path] of [['GET', '/nope'], ['POST', '/services/foo'], ['HEAD', '/services/foo/instances']] as const) {
      const r = await call(app, method, path);
      expect(r.status).toBe(404);
      expect(r.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      if (method !== 'HEAD') expect(r.text).toBe('404 page not found\n');
    }
    expect(backend.subscriberCount).toBe(0);
  });
});

describe('services', () => {
  it('creates, refuses duplicates, validates names and deletes', async () => {
    expectEmpty200(await call(app, 'PUT', '/services/foo', { body: { leader_type: 'oldest' } }));
    expectError(await call(app, 'PUT', '/services/foo', { body: { leader_type: 'oldest' } }), 409, 'object_exists', 'discoverd: service "foo" already exists');
    expectError(await call(app, 'PUT', '/services/Bad_Name', { body: {} }), 400, 'validation_error', 'discoverd: service must be lowercase alphanumeric plus dash');
    expectError(await call(app, 'DELETE', '/services/Bad_Name'), 400, 'validation_error', 'discoverd: service must be lowercase alphanumeric plus dash');
    expectEmpty200(await call(app, 'PUT', '/services/empty-cfg', { body: {} }));
    expect(await backend.getService('empty-cfg')).toEqual({ leader_type: 'oldest' });
    expectEmpty200(await call(app, 'PUT', '/services/man', { body: { leader_type: 'manual', extra: [1] } }));
    expect(await backend.getService('man')).toEqual({ leader_type: 'manual' });
    expectEmpty200(await call(app, 'DELETE', '/services/foo'));
    expectError(await call(app, 'DELETE', '/services/foo'), 404, 'object_not_found', 'discoverd: service "foo" not found');
  });

  it('checks the Content-Type, then the JSON', async () => {
    expectError(await call(app, 'PUT', '/services/foo', { body: '{}', contentType: null }), 400, 'validation_error', 'Content-Type must be application/json');
    expectError(await call(app, 'PUT', '/services/foo', { body: '{}', contentType: 'text/plain' }), 400, 'validation_error', 'Content-Type must be application/json');
    // a substring match, as Go's strings.Contains
    expectEmpty200(await call(app, 'PUT', '/services/foo', { body: '{}', contentType: 'application/json; charset=utf-8' }));
    for (const body of ['{', '', '[]', '"oldest"', '{"leader_type":5}', '{} {}']) {
      expectError(await call(app, 'PUT', '/services/bar', { body }), 400, 'syntax_error', 'The provided JSON input is invalid');
    }
    expectEmpty200(await call(app, 'PUT', '/services/bar', { body: 'null' }));
    expectError(await call(app, 'PUT', '/services/baz', { body: { leader_type: 'newest' } }), 400, 'validation_error', 'discoverd: leader_type must be "oldest" or "manual"');
  });

  it('refuses bodies over the limit', async () => {
    const big = JSON.stringify({ leader_type: 'oldest', pad: 'x'.repeat(1024 * 1024) });
    expectError(await call(app, 'PUT', '/services/foo', { body: big }), 400, 'request_body_too_big', 'The provided request body is too big');
    const small = createDiscoveryApi(backend, { bodyLimit: 10 });
    expectError(await call(small, 'PUT', '/services/foo/instances/x', { body: inst(5000) }), 400, 'request_body_too_big', 'The provided request body is too big');
    expect(await backend.listServices()).toEqual([]);
  });
});

describe('instances', () => {
  beforeEach(async () => {
    await backend.addService('foo', { leader_type: 'oldest' });
  });

  it('registers (path id ignored), lists by index with meta omitted when empty, deregisters idempotently', async () => {
    expectEmpty200(await call(app, 'PUT', '/services/foo/instances/anything', { body: { ...inst(5000, { color: 'red' }), index: 99 } }));
    // Instance PUT does not check the Content-Type.
    expectEmpty200(await call(app, 'PUT', `/services/foo/instances/${B}`, { body: inst(5001, {}), contentType: 'text/plain' }));
    const r = await call(app, 'GET', '/services/foo/instances');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(r.text).toBe(
      `[{"id":"${A}","addr":"127.0.0.1:5000","proto":"tcp","meta":{"color":"red"},"index":2},{"id":"${B}","addr":"127.0.0.1:5001","proto":"tcp","index":3}]`,
    );
    const leader = await call(app, 'GET', '/services/foo/leader');
    expect(leader.text).toBe(`{"id":"${A}","addr":"127.0.0.1:5000","proto":"tcp","meta":{"color":"red"},"index":2}`);
    expectEmpty200(await call(app, 'DELETE', `/services/foo/instances/${A}`));
    expectEmpty200(await call(app, 'DELETE', `/services/foo/instances/${A}`));
    expect(JSON.parse((await call(app, 'GET', '/services/foo/instances')).text)).toHaveLength(1);
  });

  it('validates proto, addr and id with the original messages', async () => {
    expectError(await call(app, 'PUT', '/services/foo/instances/x', { body: { ...inst(5000), id: 'wrong' } }), 400, 'validation_error', `discoverd: instance id is incorrect, expected ${A}`);
    expectError(await call(app, 'PUT', '/services/foo/instances/x', { body: { ...inst(5000), proto: 'TCP' } }), 400, 'validation_error', 'discoverd: proto must be lowercase alphanumeric');
    expectError(await call(app, 'PUT', '/services/foo/instances/x', { body: { ...inst(5000), proto: '' } }), 400, 'validation_error', 'discoverd: proto must be set');
    expectError(await call(app, 'PUT', '/services/foo/instances/x', { body: { id: 'x', addr: 'nohost', proto: 'tcp' } }), 400, 'validation_error', 'address nohost: missing port in address');
    expectError(await call(app, 'PUT', '/services/foo/instances/x', { body: { ...inst(5000), meta: { a: 1 } } }), 400, 'syntax_error', 'The provided JSON input is invalid');
    expectError(await call(app, 'PUT', '/services/foo/instances/x', { body: { ...inst(5000), index: -1 } }), 400, 'syntax_error', 'The provided JSON input is invalid');
    expectError(await call(app, 'PUT', '/services/nope/instances/x', { body: inst(5000) }), 404, 'object_not_found', 'discoverd: service "nope" not found');
    expect(await backend.getInstances('foo')).toEqual([]);
  });

  it('answers 404 "service not found" for a missing service and for one with zero instances', async () => {
    expectError(await call(app, 'GET', '/services/foo/instances'), 404, 'object_not_found', 'service not found: "foo"');
    expectError(await call(app, 'GET', '/services/nope/instances'), 404, 'object_not_found', 'service not found: "nope"');
    expectError(await call(app, 'GET', '/services/foo/leader'), 404, 'object_not_found', 'no leader found');
  });

  it('passes ?consistent=true to the backend reads', async () => {
    await call(app, 'GET', '/services/foo/instances?consistent=true');
    await call(app, 'GET', '/services/foo/leader?consistent=1');
    await call(app, 'GET', '/services/foo/meta?consistent=true');
    await call(app, 'GET', '/services/foo/meta');
    expect(backend.reads).toEqual([{ consistent: true }, { consistent: true }, { consistent: true }, {}]);
  });

  it('escapes <, > and & like Go', async () => {
    await call(app, 'PUT', '/services/foo/instances/x', { body: inst(5000, { html: '<b>&amp;</b>' }) });
    const r = await call(app, 'GET', '/services/foo/instances');
    expect(r.text).toContain('"meta":{"html":"\\u003cb\\u003e\\u0026amp;\\u003c/b\\u003e"}');
  });
});

describe('service meta', () => {
  beforeEach(async () => {
    await backend.addService('foo', { leader_type: 'oldest' });
  });

  it('is a CAS on the index, echoing the request with the new index', async () => {
    expectError(await call(app, 'GET', '/services/foo/meta'), 404, 'object_not_found', 'service meta not found');
    const first = await call(app, 'PUT', '/services/foo/meta', { body: { data: { hello: 'world' }, index: 0 } });
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('application/json');
    expect(first.text).toBe('{"data":{"hello":"world"},"index":2}');
    expectError(
      await call(app, 'PUT', '/services/foo/meta', { body: { data: {}, index: 0 } }),
      409,
      'object_exists',
      'Service metadata for "foo" already exists, use index=n to set',
    );
    expectError(
      await call(app, 'PUT', '/services/foo/meta', { body: { data: {}, index: 1 } }),
      412,
      'precondition_failed',
      'Service metadata for "foo" exists, but wrong index provided',
    );
    const second = await call(app, 'PUT', '/services/foo/meta', { body: { data: { hello: 'again' }, index: 2 } });
    expect(second.text).toBe('{"data":{"hello":"again"},"index":5}');
    expect((await call(app, 'GET', '/services/foo/meta')).text).toBe('{"data":{"hello":"again"},"index":5}');
    await backend.register('foo', inst(5000));
    const withLeader = await call(app, 'PUT', '/services/foo/meta', { body: { data: 1, index: 5, leader_id: A } });
    expect(withLeader.text).toBe(`{"data":1,"leader_id":"${A}","index":7}`);
    expect((await call(app, 'GET', '/services/foo/meta')).text).toBe('{"data":1,"index":7}');
  });

  it('checks the Content-Type and the service', async () => {
    expectError(await call(app, 'PUT', '/services/foo/meta', { body: { index: 0 }, contentType: 'text/plain' }), 400, 'validation_error', 'Content-Type must be application/json');
    expectError(await call(app, 'PUT', '/services/foo/meta', { body: { index: '1' } }), 400, 'syntax_error', 'The provided JSON input is invalid');
    expectError(await call(app, 'PUT', '/services/nope/meta', { body: { data: 1, index: 0 } }), 404, 'object_not_found', 'discoverd: service "nope" not found');
    // data absent → null
    expect((await call(app, 'PUT', '/services/foo/meta', { body: { index: 0 } })).text).toBe('{"data":null,"index":3}');
  });
});

describe('service leader', () => {
  it('is settable only for manual services; an unknown id is accepted and then reads as 404', async () => {
    await backend.addService('foo', { leader_type: 'oldest' });
    await backend.addService('bar', { leader_type: 'manual' });
    await backend.register('bar', inst(5000));
    await backend.register('bar', inst(5001));
    expectError(await call(app, 'PUT', '/services/foo/leader', { body: { id: A } }), 400, 'validation_error', 'service leader election type is not manual');
    expectError(await call(app, 'PUT', '/services/nope/leader', { body: { id: A }, contentType: null }), 400, 'validation_error', 'service leader election type is not manual');
    expectError(await call(app, 'GET', '/services/bar/leader'), 404, 'object_not_found', 'no leader found');
    expectError(await call(app, 'PUT', '/services/bar/leader', { body: { id: B }, contentType: null }), 400, 'validation_error', 'Content-Type must be application/json');
    expectEmpty200(await call(app, 'PUT', '/services/bar/leader', { body: { id: B } }));
    expect(JSON.parse((await call(app, 'GET', '/services/bar/leader')).text)).toMatchObject({ id: B });
    expectEmpty200(await call(app, 'PUT', '/services/bar/leader', { body: { id: 'unknown' } }));
    expectError(await call(app, 'GET', '/services/bar/leader'), 404, 'object_not_found', 'no leader found');
  });
});
