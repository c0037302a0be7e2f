/**
 * The kv-server's etcd JSON API (examples/kv-api.ts) without sockets: the
 * route function over a real single-node RaftNode (memory storage and
 * network). Checks the shapes the shared load client (etcd-load.js) and the
 * cluster test rely on.
 */
import { noopLogger, seededRandom, systemClock } from '@flynn-ts/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RaftNode } from '../src/node.js';
import { MemoryNetwork } from '../src/testing/memory-network.js';
import { MemoryStorage } from '../src/testing/memory-storage.js';
import { createKvRoutes } from '../examples/kv-api.js';
import type { KvAnswer } from '../examples/kv-api.js';
import { KvStore } from '../examples/kv-store.js';
import type { KvReply } from '../examples/kv-store.js';

const b64 = (s: string): string => Buffer.from(s, 'latin1').toString('base64');

let node: RaftNode<KvReply>;
let call: (method: string, path: string, body?: unknown) => Promise<KvAnswer & { body: any }>;

beforeAll(async () => {
  const network = new MemoryNetwork({ clock: systemClock, random: seededRandom(1) });
  const store = new KvStore();
  node = await RaftNode.start({ id: 'n1', storage: new MemoryStorage(), transport: network.transport('n1'), stateMachine: store, bootstrap: ['n1'], tickMs: 5 });
  await node.waitFor((s) => s.role === 'leader', 5_000);
  const routes = createKvRoutes({ id: 'n1', node, store, timeoutMs: 2_000, logger: noopLogger });
  call = (method, path, body) => routes(method, path, body === undefined ? '' : JSON.stringify(body));
});
afterAll(async () => {
  await node?.stop();
});

describe('kv-server etcd JSON API', () => {
  it('puts and reads back, with revisions as strings', async () => {
    const put = await call('POST', '/v3/kv/put', { key: b64('a'), value: b64('1') });
    expect(put.status).toBe(200);
    const rev = put.body.header.revision as string;
    expect(rev).toMatch(/^\d+$/);
    const range = await call('POST', '/v3/kv/range', { key: b64('a') });
    expect(range.body).toMatchObject({ count: '1', kvs: [{ key: b64('a'), value: b64('1'), mod_revision: rev }] });
    const missing = await call('POST', '/v3/kv/range', { key: b64('nope'), serializable: true });
    expect(missing.status).toBe(200);
    expect(missing.body.kvs).toBeUndefined();
  });

  it('compares and swaps on the mod revision, answering like etcd', async () => {
    const key = b64('cas');
    const txn = (mod: string, value: string) =>
      call('POST', '/v3/kv/txn', {
        compare: [{ key, target: 'MOD', result: 'EQUAL', mod_revision: mod }],
        success: [{ request_put: { key, value: b64(value) } }],
        failure: [{ request_range: { key } }],
      });
    const first = await txn('0', 'x');
    expect(first.body.succeeded).toBe(true);
    const rev = first.body.header.revision as string;
    const stale = await txn('0', 'y');
    expect(stale.body.succeeded).toBeUndefined();
    expect(stale.body.responses[0].response_range.kvs[0]).toMatchObject({ value: b64('x'), mod_revision: rev });
    const second = await txn(rev, 'z');
    expect(second.body.succeeded).toBe(true);
    expect(second.body.responses[0].response_put.header.revision).toBe(second.body.header.revision);
  });

  it('ranges over [key, range_end) and over everything with "\\0"', async () => {
    for (const k of ['r/1', 'r/2', 'r/3']) await call('POST', '/v3/kv/put', { key: b64(k), value: b64(k) });
    const some = await call('POST', '/v3/kv/range', { key: b64('r/1'), range_end: b64('r/3') });
    expect(some.body.kvs.map((kv: { key: string }) => kv.key)).toEqual([b64('r/1'), b64('r/2')]);
    const all = await call('POST', '/v3/kv/range', { key: b64('\0'), range_end: b64('\0'), limit: 2 });
    expect(all.body.kvs).toHaveLength(2);
    expect(Number(all.body.count)).toBeGreaterThanOrEqual(5);
  });

  it('reports the leader for the benchmark harness', async () => {
    const st = await call('POST', '/v3/maintenance/status', {});
    expect(st.body.leader).toBe('n1');
    expect(st.body.header.member_id).toBe('n1');
    const ours = await call('GET', '/status');
    expect(ours.body).toMatchObject({ id: 'n1', role: 'leader' });
  });

  it('rejects what it does not understand with a JSON error', async () => {
    expect((await call('POST', '/v3/kv/put', { value: b64('v') })).body.code).toBe('FLYNN_KV_BAD_REQUEST');
    expect((await call('POST', '/v3/kv/put', { key: 'not base64!' })).status).toBe(400);
    const multi = await call('POST', '/v3/kv/txn', { compare: [], success: [] });
    expect(multi).toMatchObject({ status: 400, body: { code: 'FLYNN_KV_UNSUPPORTED' } });
    expect((await call('POST', '/v3/kv/nope', {})).status).toBe(404);
    expect((await call('GET', '/v3/kv/put')).status).toBe(405);
    expect((await call('POST', '/v3/kv/range', undefined)).body.message).toBe('key is not provided');
  });
});
