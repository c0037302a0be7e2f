/**
 * The kv-server's client API: the subset of the etcd v3 JSON gateway that the
 * peer benchmark's load client (shared/bench/etcd-load.js) speaks, plus our
 * own `GET /status`.
 *
 * - `POST /v3/kv/put` `{key, value}` (base64) → `{header: {revision}}`
 * - `POST /v3/kv/range` `{key, range_end?, limit?, serializable?}` →
 *   `{header, kvs?: [{key, value, mod_revision}], count?}`; linearizable
 *   (a raft ReadIndex round) unless `serializable: true`
 * - `POST /v3/kv/txn` with one compare `{key, target: 'MOD', result: 'EQUAL',
 *   mod_revision}`, one `request_put` on success and at most one
 *   `request_range` on failure, all on that key → `{header, succeeded?, responses}`
 * - `POST /v3/maintenance/status` → `{header: {member_id}, leader, …}`
 * - `GET /status` → the raft node's status and the store revision
 *
 * As in etcd's JSON, 64-bit numbers are strings and false/zero/empty fields
 * are left out. Errors answer `{code, message, retry?}`: 400 for requests we
 * do not understand or support, 503 for raft refusals (no leader, timeout,
 * shutdown). `code` `FLYNN_RAFT_PROPOSAL_DROPPED` means the write was
 * certainly not applied; `FLYNN_RAFT_TIMEOUT` means the outcome is unknown.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FlynnError } from '@flynn-ts/core';
import type { Logger } from '@flynn-ts/core';
import type { RaftNode } from '../src/node.js';
import { encodeKvCommand } from './kv-store.js';
import type { KvItem, KvReply, KvStore } from './kv-store.js';

export interface KvApiOptions {
  /** This node's id, reported as `member_id`. */
  id: string;
  node: Pick<RaftNode<KvReply>, 'propose' | 'read' | 'status'>;
  store: KvStore;
  /** Timeout of one proposal or read barrier, in ms. */
  timeoutMs: number;
  logger: Logger;
  /** Largest request body accepted. Default 1 MiB. */
  maxBodyBytes?: number;
}

export interface KvAnswer {
  status: number;
  body: unknown;
}

type Json = Record<string, unknown>;
type Route = (body: Json) => Promise<KvAnswer> | KvAnswer;

const bad = (message: string): FlynnError => new FlynnError('FLYNN_KV_BAD_REQUEST', message, { apiCode: 'bad_request' });
const unsupported = (message: string): FlynnError =>
  new FlynnError('FLYNN_KV_UNSUPPORTED', `${message} (this server implements a subset of the etcd v3 API)`, { apiCode: 'bad_request' });

/** The API as a function of (method, path, body text): no sockets, so it can be called directly. */
export function createKvRoutes(o: KvApiOptions): (method: string, path: string, text: string) => Promise<KvAnswer> {
  const header = (revision = o.store.revision): Json => ({
    cluster_id: '0',
    member_id: o.id,
    revision: String(revision),
    raft_term: String(o.node.status().term),
  });
  const propose = (cmd: Parameters<typeof encodeKvCommand>[0]): Promise<KvReply> => o.node.propose(encodeKvCommand(cmd), { timeoutMs: o.timeoutMs });
  const rangeBody = (items: KvItem[], count: number): Json => {
    const out: Json = { header: header() };
    if (items.length > 0) out.kvs = items.map(kvJson);
    if (count > 0) out.count = String(count);
    return out;
  };

  const post: Record<string, Route> = {
    '/v3/kv/put': async (b) => {
      const key = bytes(b.key, 'key', true);
      const value = bytes(b.value, 'value', false);
      const r = await propose({ op: 'put', key, value });
      return { status: 200, body: { header: header(r.op === 'put' ? r.revision : undefined) } };
    },
    '/v3/kv/range': async (b) => {
      const key = bytes(b.key, 'key', true);
      const end = b.range_end === undefined ? undefined : bytes(b.range_end, 'range_end', false);
      const limit = int(b.limit, 'limit');
      if (b.serializable !== true) await o.node.read({ timeoutMs: o.timeoutMs });
      const { items, count } = o.store.range(key, end, limit);
      return { status: 200, body: rangeBody(items, count) };
    },
    '/v3/kv/txn': async (b) => {
      const t = parseTxn(b);
      const r = await propose({ op: 'cas', key: t.key, expect: t.expect, value: t.value });
      if (r.op !== 'cas') throw new FlynnError('FLYNN_KV_INTERNAL', 'unexpected state machine result', { detail: r });
      if (r.ok) return { status: 200, body: { header: header(r.revision), succeeded: true, responses: [{ response_put: { header: header(r.revision) } }] } };
      const cur = r.current;
      const range = rangeBody(cur ? [{ key: t.key, ...cur }] : [], cur ? 1 : 0);
      return { status: 200, body: { header: header(r.revision), responses: t.rangeOnFailure ? [{ response_range: range }] : [] } };
    },
    '/v3/maintenance/status': () => {
      const s = o.node.status();
      return {
        status: 200,
        body: { header: header(), version: 'flynn-ts-kv', leader: s.leader, raftIndex: String(s.commit), raftTerm: String(s.term), raftAppliedIndex: String(s.applied) },
      };
    },
  };

  return async (method, path, text) => {
    try {
      if (method === 'GET' && path === '/status') return { status: 200, body: { ...o.node.status(), revision: o.store.revision } };
      const route = post[path];
      if (!route) return errorAnswer(new FlynnError('FLYNN_KV_NOT_FOUND', `no route for ${method} ${path}`, { apiCode: 'not_found' }));
      if (method !== 'POST') return errorAnswer(new FlynnError('FLYNN_KV_METHOD', `${method} not allowed`, { apiCode: 'method_not_allowed' }));
      return await route(parseBody(text));
    } catch (err) {
      const answer = errorAnswer(err);
      if (answer.status >= 500 && answer.status !== 503) o.logger.error({ event: 'request_failed', path, err }, 'request failed');
      return answer;
    }
  };
}

/** The API as a node:http request listener. */
export function createKvHandler(o: KvApiOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const routes = createKvRoutes(o);
  const max = o.maxBodyBytes ?? 1024 * 1024;
  return (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= max) chunks.push(c);
    });
    req.on('end', () => {
      const path = (req.url ?? '/').split('?', 1)[0]!;
      const answer: Promise<KvAnswer> =
        size > max ? Promise.resolve(errorAnswer(bad(`request body over ${max} bytes`))) : routes(req.method ?? 'GET', path, Buffer.concat(chunks).toString('utf8'));
      void answer.then((a) => {
        const payload = JSON.stringify(a.body);
        res.writeHead(a.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
        res.end(payload);
      });
    });
  };
}

function errorAnswer(err: unknown): KvAnswer {
  if (FlynnError.is(err)) {
    const body: Json = { code: err.code, message: err.message };
    if (err.retry) body.retry = true;
    return { status: err.status, body };
  }
  return { status: 500, body: { code: 'FLYNN_KV_INTERNAL', message: err instanceof Error ? err.message : String(err) } };
}

function parseBody(text: string): Json {
  let v: unknown;
  try {
    v = text === '' ? {} : JSON.parse(text);
  } catch {
    throw bad('request body is not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('request body must be a JSON object');
  return v as Json;
}

/** A base64 field as a latin1 byte string. */
function bytes(v: unknown, field: string, required: boolean): string {
  if (v === undefined || v === '') {
    if (required) throw bad(`${field} is not provided`);
    return '';
  }
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw bad(`${field} must be base64`);
  return Buffer.from(v, 'base64').toString('latin1');
}

/** An int64 field (a JSON number or a decimal string); absent = 0. */
function int(v: unknown, field: string): number {
  if (v === undefined) return 0;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw bad(`${field} must be a non-negative integer`);
  return n;
}

function kvJson(e: KvItem): Json {
  const out: Json = { key: Buffer.from(e.key, 'latin1').toString('base64'), mod_revision: String(e.mod) };
  if (e.value !== '') out.value = Buffer.from(e.value, 'latin1').toString('base64');
  return out;
}

interface Txn {
  key: string;
  expect: number;
  /** The value to put when the compare holds. */
  value: string;
  rangeOnFailure: boolean;
}

/** Accepts exactly the compare-and-swap shape: one MOD/EQUAL compare, put on success, range on failure, one key. */
function parseTxn(b: Json): Txn {
  const compare = list(b.compare, 'compare');
  const success = list(b.success, 'success');
  const failure = list(b.failure, 'failure');
  if (compare.length !== 1 || success.length !== 1 || failure.length > 1) throw unsupported('txn needs one compare, one success and at most one failure operation');
  const c = compare[0]!;
  if (c.target !== 'MOD' || (c.result !== undefined && c.result !== 'EQUAL')) throw unsupported('txn compare must be target MOD, result EQUAL');
  const key = bytes(c.key, 'compare.key', true);
  if (c.range_end !== undefined) throw unsupported('txn compare over a range');
  const put = success[0]!.request_put as Json | undefined;
  if (!put || bytes(put.key, 'request_put.key', true) !== key) throw unsupported('txn success must be one request_put on the compared key');
  const value = bytes(put.value, 'request_put.value', false);
  const range = failure[0]?.request_range as Json | undefined;
  if (failure.length === 1 && (!range || bytes(range.key, 'request_range.key', true) !== key || range.range_end !== undefined)) {
    throw unsupported('txn failure must be one request_range on the compared key');
  }
  return { key, expect: int(c.mod_revision, 'compare.mod_revision'), value, rangeOnFailure: failure.length === 1 };
}

function list(v: unknown, field: string): Json[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'object' || x === null)) throw bad(`${field} must be an array of objects`);
  return v as Json[];
}
