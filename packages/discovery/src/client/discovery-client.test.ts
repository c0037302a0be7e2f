import { ManualClock, seededRandom } from '@flynn-ts/core/testing';
import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { DiscoveryClient } from './discovery-client.js';
import { instanceId } from '../core/instance-id.js';

const BASE = 'http://10.0.0.1:1111';
const json = { headers: { 'content-type': 'application/json' } };

let agent: MockAgent;
let client: DiscoveryClient;

function setup(options: { externalIp?: string } = {}) {
  agent = new MockAgent();
  agent.disableNetConnect();
  client = new DiscoveryClient({ servers: [BASE], dispatcher: agent, clock: new ManualClock(0), random: seededRandom(1), ...options });
  return agent.get(BASE);
}

afterEach(async () => {
  await client.close();
  await agent.close();
});

describe('DiscoveryClient (mocked HTTP)', () => {
  it('refreshes servers from Discoverd-Peers on a success', async () => {
    const pool = setup();
    pool.intercept({ path: '/services/web', method: 'PUT' }).reply(200, '', { headers: { 'discoverd-peers': '10.0.0.2:1111,10.0.0.1:1111' } });
    await client.addService('web');
    expect(client.servers.list).toEqual(['http://10.0.0.2:1111', BASE]);
    expect(client.servers.current()).toBe(BASE);
  });

  it('sends leader_type and maps 409 to FLYNN_DISCOVERY_EXISTS (or false with ifNotExists)', async () => {
    const pool = setup();
    const bodies: unknown[] = [];
    pool
      .intercept({ path: '/services/web', method: 'PUT', body: (b) => (bodies.push(JSON.parse(b)), true) })
      .reply(409, { code: 'object_exists', message: 'exists', retry: false }, json)
      .times(2);
    await expect(client.addService('web', { leaderType: 'manual' })).rejects.toMatchObject({ code: 'FLYNN_DISCOVERY_EXISTS', name: 'DiscoveryExistsError' });
    expect(await client.addService('web', { ifNotExists: true })).toBe(false);
    // (undici's mock may run a body matcher more than once per request)
    expect(bodies[0]).toEqual({ leader_type: 'manual' });
    expect(bodies.at(-1)).toEqual({ leader_type: 'oldest' });
  });

  it('answers lookups of 404s with [] / undefined; getMeta is consistent by default', async () => {
    const pool = setup();
    const notFound = { code: 'object_not_found', message: 'nope', retry: false };
    pool.intercept({ path: '/services/web/instances', method: 'GET' }).reply(404, notFound, json);
    pool.intercept({ path: '/services/web/leader', method: 'GET' }).reply(404, notFound, json);
    pool.intercept({ path: '/services/web/meta?consistent=true', method: 'GET' }).reply(200, { data: { a: 1 }, index: 4 }, json);
    pool.intercept({ path: '/services/web/meta', method: 'GET' }).reply(404, notFound, json);
    expect(await client.instances('web')).toEqual([]);
    expect(await client.leader('web')).toBeUndefined();
    expect(await client.getMeta('web')).toEqual({ data: { a: 1 }, index: 4 });
    expect(await client.getMeta('web', { consistent: false })).toBeUndefined();
  });

  it('setMeta sends leader_id, strips it from the echo, and maps 409/412 to CAS conflicts', async () => {
    const pool = setup();
    let body: unknown;
    pool
      .intercept({ path: '/services/pg/meta', method: 'PUT', body: (b) => ((body = JSON.parse(b)), true) })
      .reply(200, { data: 'x', leader_id: 'abc', index: 9 }, json);
    expect(await client.setMeta('pg', { data: 'x', index: 3, leaderId: 'abc' })).toEqual({ data: 'x', index: 9 });
    expect(body).toEqual({ data: 'x', index: 3, leader_id: 'abc' });
    pool.intercept({ path: '/services/pg/meta', method: 'PUT' }).reply(409, { code: 'object_exists', message: 'meta exists', retry: false }, json);
    await expect(client.setMeta('pg', { data: 1, index: 0 })).rejects.toMatchObject({ code: 'FLYNN_DISCOVERY_META_EXISTS' });
    pool.intercept({ path: '/services/pg/meta', method: 'PUT' }).reply(412, { code: 'precondition_failed', message: 'stale', retry: false }, json);
    await expect(client.setMeta('pg', { data: 1, index: 2 })).rejects.toMatchObject({ code: 'FLYNN_DISCOVERY_META_STALE' });
  });

  it('register: PUT service (409 is fine), then the instance with its md5 id and no index; close DELETEs', async () => {
    const pool = setup({ externalIp: '192.168.1.5' });
    const id = instanceId('http', '192.168.1.5:8080');
    const seen: string[] = [];
    pool.intercept({ path: '/services/web', method: 'PUT' }).reply(409, { code: 'object_exists', message: 'exists', retry: false }, json);
    pool
      .intercept({ path: `/services/web/instances/${id}`, method: 'PUT', body: (b) => (seen.push(b), true) })
      .reply(200, '');
    pool.intercept({ path: `/services/web/instances/${id}`, method: 'DELETE' }).reply(200, '');
    const hb = await client.register('web', ':8080', { k: 'v' }, { proto: 'http' });
    expect(hb.addr).toBe('192.168.1.5:8080');
    expect(JSON.parse(seen[0]!)).toEqual({ id, addr: '192.168.1.5:8080', proto: 'http', meta: { k: 'v' } });
    await hb.close();
    agent.assertNoPendingInterceptors();
  });

  it('a heartbeat that finds the service gone re-creates it and re-registers', async () => {
    const pool = setup();
    const id = instanceId('tcp', '10.0.0.9:80');
    const path = `/services/web/instances/${id}`;
    pool.intercept({ path: '/services/web', method: 'PUT' }).reply(200, '');
    pool.intercept({ path, method: 'PUT' }).reply(200, '');
    const hb = await client.register('web', '10.0.0.9:80');
    pool.intercept({ path, method: 'PUT' }).reply(404, { code: 'object_not_found', message: 'gone', retry: false }, json);
    pool.intercept({ path: '/services/web', method: 'PUT' }).reply(200, '');
    pool.intercept({ path, method: 'PUT' }).reply(200, '');
    await hb.setMeta({ a: 'b' });
    pool.intercept({ path, method: 'DELETE' }).reply(404, { code: 'object_not_found', message: 'gone', retry: false }, json);
    await hb.close(); // a 404 on deregistration is success
    agent.assertNoPendingInterceptors();
  });

  it('rejects a bare port without externalIp and a bad proto before any request', async () => {
    setup();
    await expect(client.register('web', ':80')).rejects.toMatchObject({ code: 'FLYNN_DISCOVERY_INVALID' });
    await expect(client.register('web', '1.2.3.4:80', undefined, { proto: 'TCP' })).rejects.toMatchObject({ code: 'FLYNN_DISCOVERY_INVALID' });
  });
});
