/**
 * A concurrent write load against kv-server processes over the etcd JSON API,
 * recorded for the linearizability checker.
 *
 * Each client is sequential and sends each request to a random node. It
 * mixes puts of unique keys (`u/<client>/<n>`) with compare-and-swap rounds on
 * a few shared keys: a linearizable read (recorded as `get`), then a txn on
 * the mod revision just read (recorded as `cas` on the value just read).
 * Every written value is unique, so "the key's mod revision is R" holds
 * exactly when "the key holds the value written at R", and the checker's
 * value-based `cas` models the server's revision-based one.
 *
 * Outcomes: 200 → ok; a 4xx, `FLYNN_RAFT_PROPOSAL_DROPPED`/`FLYNN_KV_STARTING`
 * or a refused connection → the write certainly did not happen (fail);
 * anything else (timeout, other 5xx, a connection lost mid-request) →
 * unknown (info).
 */
import type { Random } from '@flynn-ts/core';
import { Agent, request } from 'undici';
import { HistoryRecorder } from '../src/check/index.js';
import type { KvInput, KvOutput, OpenOperation } from '../src/check/index.js';

export type KvHistory = HistoryRecorder<KvInput<string>, KvOutput<string>>;

type Json = Record<string, unknown>;
type Outcome = { kind: 'ok'; body: Json } | { kind: 'fail'; why: string } | { kind: 'unknown'; why: string };

const DEFINITE_REJECTIONS = new Set(['FLYNN_RAFT_PROPOSAL_DROPPED', 'FLYNN_KV_STARTING']);

export const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
export const unb64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

export interface KvLoadOptions {
  urls: readonly string[];
  clients: number;
  sharedKeys: readonly string[];
  random: Random;
  /** Client-side request timeout. */
  timeoutMs: number;
}

export interface KvLoadCounts {
  ok: number;
  fail: number;
  unknown: number;
}

export class KvLoad {
  readonly history: KvHistory = new HistoryRecorder();
  /** Unique-key puts that were acknowledged: key → value. */
  readonly acknowledged = new Map<string, string>();
  readonly counts: KvLoadCounts = { ok: 0, fail: 0, unknown: 0 };
  private readonly agent = new Agent({ keepAliveTimeout: 10_000, connections: 8 });
  private running = false;
  private workers: Promise<void>[] = [];

  constructor(private readonly o: KvLoadOptions) {}

  start(): void {
    this.running = true;
    this.workers = Array.from({ length: this.o.clients }, (_, c) => this.worker(c));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** POSTs to `url`; never throws. */
  async call(url: string, path: string, body: Json): Promise<Outcome> {
    try {
      const res = await request(`${url}${path}`, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
        dispatcher: this.agent,
        headersTimeout: this.o.timeoutMs,
        bodyTimeout: this.o.timeoutMs,
      });
      const text = await res.body.text();
      const parsed = (text ? JSON.parse(text) : {}) as Json;
      if (res.statusCode === 200) return { kind: 'ok', body: parsed };
      const why = `HTTP ${res.statusCode} ${String(parsed.code)}`;
      if (res.statusCode < 500 || DEFINITE_REJECTIONS.has(String(parsed.code))) return { kind: 'fail', why };
      return { kind: 'unknown', why };
    } catch (err) {
      const code = (err as { code?: string; cause?: { code?: string } }).code ?? (err as { cause?: { code?: string } }).cause?.code;
      if (code === 'ECONNREFUSED') return { kind: 'fail', why: code };
      return { kind: 'unknown', why: String(code ?? err) };
    }
  }

  private async worker(client: number): Promise<void> {
    const r = this.o.random;
    for (let n = 0; this.running; n++) {
      const url = r.pick(this.o.urls);
      let outcome: Outcome;
      if (r.chance(0.5)) outcome = await this.put(client, url, `u/${client}/${n}`, `v/${client}/${n}`, true);
      else if (r.chance(0.2)) outcome = await this.put(client, url, r.pick(this.o.sharedKeys), `v/${client}/${n}`, false);
      else outcome = await this.casRound(client, url, r.pick(this.o.sharedKeys), `v/${client}/${n}`);
      if (outcome.kind !== 'ok') await new Promise((res) => setTimeout(res, 20));
    }
  }

  private async put(client: number, url: string, key: string, value: string, unique: boolean): Promise<Outcome> {
    const op = this.history.invoke(client, { op: 'put', key, value });
    const out = await this.call(url, '/v3/kv/put', { key: b64(key), value: b64(value) });
    this.settle(op, out, () => ({ op: 'put' }));
    if (out.kind === 'ok' && unique) this.acknowledged.set(key, value);
    return out;
  }

  private async casRound(client: number, url: string, key: string, value: string): Promise<Outcome> {
    const get = this.history.invoke(client, { op: 'get', key });
    const read = await this.call(url, '/v3/kv/range', { key: b64(key) });
    if (read.kind !== 'ok') {
      get.fail(); // a read has no effect: nothing to record
      this.count(read);
      return read;
    }
    const kv = firstKv(read.body);
    get.ok({ op: 'get', value: kv?.value });
    this.counts.ok++;
    const cas = this.history.invoke(client, { op: 'cas', key, expected: kv?.value, value });
    const out = await this.call(this.o.random.pick(this.o.urls), '/v3/kv/txn', {
      compare: [{ key: b64(key), target: 'MOD', result: 'EQUAL', mod_revision: kv?.mod ?? '0' }],
      success: [{ request_put: { key: b64(key), value: b64(value) } }],
      failure: [{ request_range: { key: b64(key) } }],
    });
    this.settle(cas, out, (body) => ({ op: 'cas', ok: body.succeeded === true }));
    return out;
  }

  private settle(op: OpenOperation<KvOutput<string>>, out: Outcome, output: (body: Json) => KvOutput<string>): void {
    if (out.kind === 'ok') op.ok(output(out.body));
    else if (out.kind === 'fail') op.fail();
    else op.info();
    this.count(out);
  }

  private count(out: Outcome): void {
    if (out.kind === 'ok') this.counts.ok++;
    else if (out.kind === 'fail') this.counts.fail++;
    else this.counts.unknown++;
  }
}

/** The first kv of a range answer, decoded. */
export function firstKv(body: Json): { value: string; mod: string } | undefined {
  return decodeKvs(body)[0];
}

export function decodeKvs(body: Json): Array<{ key: string; value: string; mod: string }> {
  const kvs = (body.kvs ?? []) as Array<{ key: string; value?: string; mod_revision: string }>;
  return kvs.map((kv) => ({ key: unb64(kv.key), value: unb64(kv.value ?? ''), mod: kv.mod_revision }));
}
