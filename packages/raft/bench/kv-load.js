// etcd v3 HTTP/JSON gateway load client (undici), used for both etcd and our kv-server in raft-bench.sh.
// A copy of ../../../../shared/bench/etcd-load.js (same loop, same measurement) with one extra argument:
// the value size (default 256 bytes, the figure; etcd-load.js uses 64), and ESM instead of CommonJS.
// Run: node kv-load.js BASE_URL CONCURRENCY DURATION_S [put|cas] [VALUE_BYTES]
// put: POST /v3/kv/put. cas: POST /v3/kv/txn comparing mod_revision (one round trip per CAS, each client owns one key).
// Prints one JSON line: {mode, conc, value_bytes, ops, ops_per_s, p50_ms, p99_ms, errors, cas_failed}
import { Pool } from 'undici';

const [base, concArg, durArg, modeArg, valueArg] = process.argv.slice(2);
const conc = Number(concArg || 1);
const durMs = Number(durArg || 10) * 1000;
const mode = modeArg || 'put';
const valueBytes = Number(valueArg || 256);
const pool = new Pool(base, { connections: conc, pipelining: 1 });
const b64 = (s) => Buffer.from(s).toString('base64');
const value = b64('x'.repeat(valueBytes));
const lat = [];
let errors = 0, casFailed = 0;

async function post(path, obj, parse) {
  const { statusCode, body } = await pool.request({ path, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(obj) });
  const text = await body.text();
  if (statusCode !== 200) throw new Error(`HTTP ${statusCode}: ${text.slice(0, 200)}`);
  return parse ? JSON.parse(text) : null; // put mode only needs the 200 (lets a null HTTP server stand in as client ceiling)
}
const lastRevOf = new Map(); // per-client last known mod_revision, kept across warm-up and measured phase

async function worker(id, deadline) {
  let i = 0;
  let lastRev = lastRevOf.get(id) || '0';
  const casKey = b64(`bench/cas/${id}`);
  while (performance.now() < deadline) {
    const t0 = performance.now();
    try {
      if (mode === 'put') {
        await post('/v3/kv/put', { key: b64(`bench/${id}/${i++ % 1000}`), value }, false);
      } else {
        const r = await post('/v3/kv/txn', {
          compare: [{ key: casKey, target: 'MOD', result: 'EQUAL', mod_revision: lastRev }],
          success: [{ request_put: { key: casKey, value } }],
          failure: [{ request_range: { key: casKey } }],
        }, true);
        if (r.succeeded) lastRev = r.header.revision;
        else {
          casFailed++;
          const kv = r.responses && r.responses[0] && r.responses[0].response_range && r.responses[0].response_range.kvs;
          lastRev = kv && kv[0] ? kv[0].mod_revision : '0';
        }
        lastRevOf.set(id, lastRev);
      }
      lat.push(performance.now() - t0);
    } catch (e) {
      errors++;
      if (errors < 3) console.error(String(e));
    }
  }
}

// warm-up 1 s (not recorded)
await Promise.all(Array.from({ length: conc }, (_, k) => worker(k, performance.now() + 1000)));
lat.length = 0; errors = 0; casFailed = 0;
const start = performance.now();
await Promise.all(Array.from({ length: conc }, (_, k) => worker(k, start + durMs)));
const elapsed = (performance.now() - start) / 1000;
lat.sort((a, b) => a - b);
const q = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : NaN);
console.log(JSON.stringify({ mode, conc, value_bytes: valueBytes, ops: lat.length, ops_per_s: +(lat.length / elapsed).toFixed(1), p50_ms: +q(0.5).toFixed(3), p99_ms: +q(0.99).toFixed(3), errors, cas_failed: casFailed }));
await pool.close();
