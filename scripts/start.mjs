#!/usr/bin/env node
// `npm start`: the main job. Until the single-host cluster exists this is a
// smaller working demo (README says so): a 3-node replicated key-value store
// on loopback, built on @flynn-ts/raft (file WAL with fsync, HTTP transport),
// with an etcd-v3-style JSON API. Data under ./.flynn/demo (or $FLYNN_DATA/demo);
// a second start reuses it. Ctrl-C stops everything cleanly. A node that dies
// is restarted from its data directory.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const dataDir = join(resolve(process.env.FLYNN_DATA ?? join(root, '.flynn')), 'demo');
const basePort = Number(process.env.FLYNN_DEMO_PORT ?? 7101);
const nodes = [1, 2, 3].map((i) => ({ id: `n${i}`, addr: `127.0.0.1:${basePort + i - 1}`, dir: join(dataDir, `n${i}`) }));
const peers = nodes.map((n) => `${n.id}=${n.addr}`).join(',');
const children = new Map();
let stopping = false;

function log(msg) {
  process.stdout.write(`[flynn-ts] ${msg}\n`);
}

function startNode(n) {
  mkdirSync(n.dir, { recursive: true });
  const args = ['--conditions=@flynn-ts/source', '--import', 'tsx', 'packages/raft/examples/kv-server.ts',
    '--id', n.id, '--listen', n.addr, '--peers', peers, '--data-dir', n.dir, '--log-level', 'warn'];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  children.set(n.id, child);
  child.on('exit', (code, signal) => {
    children.delete(n.id);
    if (stopping) return;
    log(`${n.id} exited (${signal ?? code}); restarting it from ${n.dir}`);
    setTimeout(() => startNode(n), 500);
  });
}

async function post(addr, path, body) {
  const res = await fetch(`http://${addr}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(5000) });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function waitForLeader() {
  for (let i = 0; i < 300; i++) {
    for (const n of nodes) {
      try {
        const st = await post(n.addr, '/v3/maintenance/status', {});
        if (st.leader && String(st.leader) !== '0') return n;
      } catch {
        // not up yet
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no leader elected within 30 s');
}

function stop(signal) {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping the demo cluster`);
  for (const child of children.values()) child.kill('SIGTERM');
  const force = setTimeout(() => {
    for (const child of children.values()) child.kill('SIGKILL');
    process.exit(0);
  }, 5000);
  const check = setInterval(() => {
    if (children.size === 0) {
      clearInterval(check);
      clearTimeout(force);
      log('stopped; data kept in ' + dataDir);
      process.exit(0);
    }
  }, 50);
}

process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));

log(`starting a 3-node replicated KV store (raft) on ${nodes.map((n) => n.addr).join(', ')}; data in ${dataDir}`);
for (const n of nodes) startNode(n);
const b64 = (s) => Buffer.from(s).toString('base64');
try {
  const any = await waitForLeader();
  const put = await post(any.addr, '/v3/kv/put', { key: b64('demo/greeting'), value: b64(`hello from flynn-ts at ${new Date().toISOString()}`) });
  const got = await post(nodes[2].addr, '/v3/kv/range', { key: b64('demo/greeting') });
  const kv = got.kvs?.[0];
  log(`leader elected; wrote demo/greeting at revision ${put.header?.revision}; read back from ${nodes[2].id}: "${kv ? Buffer.from(kv.value, 'base64').toString() : '(missing)'}"`);
  log('the cluster is up. Try:');
  const a = nodes[0].addr;
  process.stdout.write(`
  curl -s http://${a}/status
  curl -s -X POST http://${a}/v3/kv/put   -d '{"key":"${b64('foo')}","value":"${b64('bar')}"}'
  curl -s -X POST http://${nodes[1].addr}/v3/kv/range -d '{"key":"${b64('foo')}"}'
  kill -9 <pid of one node>   # it is restarted from its WAL; writes keep working on the other two

Ctrl-C stops everything.
`);
} catch (err) {
  log(`demo failed to start: ${err instanceof Error ? err.message : String(err)}`);
  stop('error');
}
