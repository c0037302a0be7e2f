/**
 * Bad input on every write endpoint: random bodies, content types, service
 * names, ids and peers. The API must answer 200 or a 4xx
 * `{code,message,retry}` JSON error, never a 5xx, and a rejected request must
 * leave the state as it was.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FakeBackend } from '../testing/fake-backend.js';
import { createDiscoveryApi } from './http-api.js';
import { call, inst } from './http-api.test-helpers.js';

const WIRE_CODES = new Set(['syntax_error', 'validation_error', 'request_body_too_big', 'object_not_found', 'object_exists', 'precondition_failed']);

async function world() {
  const backend = new FakeBackend();
  await backend.addService('foo', { leader_type: 'oldest' });
  await backend.addService('bar', { leader_type: 'manual' });
  await backend.register('foo', inst(5000, { a: 'b' }));
  await backend.register('bar', inst(5001));
  await backend.setMeta('foo', { data: { x: 1 }, index: 0 });
  return { backend, app: createDiscoveryApi(backend, { bodyLimit: 4096 }) };
}

async function dump(backend: FakeBackend) {
  const services = await backend.listServices();
  const out: Record<string, unknown> = { peers: backend.peers(), member: backend.isMember() };
  for (const s of services) {
    out[s] = {
      config: await backend.getService(s),
      instances: await backend.getInstances(s),
      leader: await backend.getLeader(s),
      meta: await backend.getMeta(s),
    };
  }
  return out;
}

const jsonValue = fc.jsonValue({ maxDepth: 3 });
const valid = inst(5000, { a: 'b' });

/** Bodies: valid-looking structs with fields of any type, random JSON, random text, truncated JSON, big bodies. */
const body = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      JSON.stringify(valid),
      JSON.stringify(inst(5009)),
      '{"leader_type":"manual"}',
      '{}',
      'null',
      '{"data":{"y":2},"index":0}',
      '{"data":[1],"index":4}',
      `{"id":"${valid.id}"}`,
    ),
  },
  fc.record(
    {
      leader_type: fc.oneof(fc.constantFrom('oldest', 'manual', '', 'OLDEST'), jsonValue),
      id: fc.oneof(fc.constant(valid.id), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 }), jsonValue),
      addr: fc.oneof(fc.constantFrom(valid.addr, '[::1]:80', 'host', ':1', '[::1', 'a:b:c', ''), fc.string(), jsonValue),
      proto: fc.oneof(fc.constantFrom('tcp', 'TCP', '', 'h2'), fc.string(), jsonValue),
      meta: fc.oneof(fc.dictionary(fc.string(), fc.string()), jsonValue),
      data: jsonValue,
      index: fc.oneof(fc.integer({ min: -2, max: 8 }), fc.double(), jsonValue),
      leader_id: fc.oneof(fc.constant(valid.id), jsonValue),
    },
    { requiredKeys: [] },
  ).map((o) => JSON.stringify(o)),
  jsonValue.map((v) => JSON.stringify(v)),
  fc.string({ unit: 'binary' }),
  fc.string().map((s) => `{"id":${JSON.stringify(s)}`),
  fc.constant('x'.repeat(5000)),
  fc.constant(''),
);
const contentType = fc.constantFrom<string | null>('application/json', null, 'text/plain', 'application/json; charset=utf-8', 'multipart/form-data', '');
const serviceName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('foo', 'bar', 'new', 'nope', 'Bad_Name', 'a b', '-', 'ünï') },
  fc.string({ minLength: 1 }),
);
const segment = fc.oneof(fc.constantFrom(valid.id, 'x', '127.0.0.1:1', 'nohost', '[::1]:1'), fc.string({ minLength: 1 }));

const ENDPOINTS: Array<[string, string, (service: string, id: string) => string]> = [
  ['PUT', '/services/:service', (s) => `/services/${s}`],
  ['DELETE', '/services/:service', (s) => `/services/${s}`],
  ['PUT', '/services/:service/meta', (s) => `/services/${s}/meta`],
  ['PUT', '/services/:service/instances/:id', (s, id) => `/services/${s}/instances/${id}`],
  ['DELETE', '/services/:service/instances/:id', (s, id) => `/services/${s}/instances/${id}`],
  ['PUT', '/services/:service/leader', (s) => `/services/${s}/leader`],
  ['PUT', '/raft/peers/:peer', (_s, id) => `/raft/peers/${id}`],
  ['DELETE', '/raft/peers/:peer', (_s, id) => `/raft/peers/${id}`],
  ['POST', '/raft/promote', () => '/raft/promote'],
  ['POST', '/raft/demote', () => '/raft/demote'],
  ['POST', '/shutdown', () => '/shutdown'],
];

describe('fuzz: bad input on every write endpoint', () => {
  it.each(ENDPOINTS)('%s %s answers 200 or a 4xx JSON error, never 5xx, and rejections change nothing', async (method, _route, path) => {
    await fc.assert(
      fc.asyncProperty(serviceName, segment, body, contentType, async (service, id, text, ct) => {
        const { backend, app } = await world();
        const before = await dump(backend);
        const url = path(encodeURIComponent(service), encodeURIComponent(id));
        const r = await call(app, method, url, { body: text, contentType: ct });
        expect(r.status, `${method} ${url} ${ct} ${text.slice(0, 200)} → ${r.text}`).toBeLessThan(500);
        if (r.status === 200) return;
        if (r.status === 404 && r.headers.get('content-type')?.startsWith('text/plain')) {
          // No route (e.g. an encoded "/" in a name): the original's router 404.
          expect(r.text).toBe('404 page not found\n');
        } else {
          expect([400, 404, 409, 412]).toContain(r.status);
          expect(r.headers.get('content-type')).toBe('application/json');
          const err = JSON.parse(r.text) as Record<string, unknown>;
          expect(Object.keys(err)).toEqual(['code', 'message', 'retry']);
          expect(WIRE_CODES.has(err.code as string)).toBe(true);
          expect(err.retry).toBe(false);
          expect(typeof err.message).toBe('string');
        }
        expect(await dump(backend)).toEqual(before);
      }),
      { numRuns: 200 },
    );
  }, 30_000);

  it('never lets a validation failure reach the backend as a write', async () => {
    await fc.assert(
      fc.asyncProperty(serviceName, body, contentType, async (service, text, ct) => {
        const { backend, app } = await world();
        const writes = backend.calls.length;
        const r = await call(app, 'PUT', `/services/${encodeURIComponent(service)}/instances/x`, { body: text, contentType: ct });
        if (r.status === 400) expect(backend.calls.slice(writes)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  }, 30_000);
});
