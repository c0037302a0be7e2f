/**
 * Load client for discoverd writes, shaped as ../../../../shared/bench/etcd-load.js (undici Pool, one
 * request in flight per client, 1 s warm-up, then DUR seconds; p50/p99 as that script computes them).
 *
 *   node --import tsx discovery-load.ts BASE_URL CONCURRENCY DURATION_S cas|register
 *
 * - cas: `PUT /services/bench-cas-<client>/meta` `{data: 64-byte string, index: last}`: each client owns
 *   one service (etcd-load.js cas: each client owns one key); a 412 re-reads the index (`cas_failed`).
 * - register: `PUT /services/bench-reg/instances/<id>` with a new instance every time (a raft write each).
 *
 * Prints one JSON line: {mode, conc, ops, ops_per_s, p50_ms, p99_ms, errors, cas_failed}.
 */
import { Pool } from 'undici';
import { arg, ensureService, instanceBody, latencySummary, round, send, timedWorkers } from './load-common.js';

const args = process.argv.slice(2);
const base = arg(args, 0);
const conc = Number(arg(args, 1, '1'));
const durMs = Number(arg(args, 2, '10')) * 1000;
const mode = arg(args, 3, 'cas');
const origin = new URL(base).origin;
const pool = new Pool(origin, { connections: conc, pipelining: 1 });
const data = 'x'.repeat(64);

/** Per client: the meta index it last wrote or read, kept across warm-up and the measured phase. */
const lastIndex: number[] = [];
let casFailed = 0;

async function casOp(id: number): Promise<void> {
  const path = `/services/bench-cas-${id}/meta`;
  const r = await send(pool, origin, 'PUT', path, { data, index: lastIndex[id] ?? 0 });
  if (r.status === 200) {
    lastIndex[id] = (JSON.parse(r.text) as { index: number }).index;
    return;
  }
  if (r.status === 412 || r.status === 409) {
    casFailed++;
    const cur = await send(pool, origin, 'GET', `${path}?consistent=true`);
    lastIndex[id] = cur.status === 200 ? (JSON.parse(cur.text) as { index: number }).index : 0;
    return;
  }
  throw new Error(`HTTP ${r.status}: ${r.text.slice(0, 200)}`);
}

// Registrations: a process-wide counter gives each PUT a new instance (distinct address and id).
let next = Math.floor(Math.random() * 2 ** 22) * 64;
async function registerOp(): Promise<void> {
  const inst = instanceBody(next++, 11);
  const r = await send(pool, origin, 'PUT', `/services/bench-reg/instances/${inst.id}`, inst);
  if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${r.text.slice(0, 200)}`);
}

async function main(): Promise<void> {
  if (mode === 'cas') {
    for (let id = 0; id < conc; id++) await ensureService(pool, origin, `bench-cas-${id}`);
  } else if (mode === 'register') {
    await ensureService(pool, origin, 'bench-reg');
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  const op = mode === 'cas' ? casOp : registerOp;
  const res = await timedWorkers(conc, durMs, op, () => (casFailed = 0));
  for (const e of res.firstErrors) console.error(e);
  console.log(
    JSON.stringify({
      mode,
      conc,
      ops: res.ops,
      ops_per_s: round(res.ops / res.seconds, 1),
      ...latencySummary(res.lat),
      errors: res.errors,
      cas_failed: casFailed,
    }),
  );
  await pool.close();
}

await main();
