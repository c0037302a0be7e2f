// Netlink benchmark (issue #5): create + delete N veth pairs in a fresh network
// namespace with our API, against `ip -batch` doing the same in another fresh
// namespace, in the same run, repetitions interleaved. Root only.
//
//   node --conditions=@flynn-ts/source --import tsx packages/netlink/bench/veth-bench.ts [--pairs 1000] [--reps 3] [--window 64] [--warmup 100]
//
// Figures are operations per second, one operation being one veth-pair create
// or one delete (so 2N per run): "sequential" awaits each request (as `ip
// -batch` does), "pipelined" keeps `window` requests in flight on one socket.
// Prints a table to stderr and, last on stdout, one JSON line.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Netlink } from '../src/index.js';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '1000' },
    reps: { type: 'string', default: '3' },
    window: { type: 'string', default: '64' },
    warmup: { type: 'string', default: '100' },
    cheap: { type: 'string', default: '20000' },
    settle: { type: 'string', default: '3000' },
  },
});
const PAIRS = Number(values.pairs);
const REPS = Number(values.reps);
const WINDOW = Number(values.window);
const WARMUP = Number(values.warmup);
const CHEAP = Number(values.cheap);
const SETTLE_MS = Number(values.settle);

interface Run {
  create: number; // seconds
  del: number;
}

const created: string[] = [];
function netns(): string {
  const name = `flynnts-bench-${randomBytes(3).toString('hex')}`;
  execFileSync('ip', ['netns', 'add', name]);
  created.push(name);
  return name;
}
function dropNetns(name: string): void {
  spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
}

async function pool(n: number, width: number, op: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) await op(next++);
  };
  await Promise.all(Array.from({ length: Math.min(width, n) }, worker));
}

async function ours(width: number, pairs = PAIRS): Promise<Run> {
  const ns = netns();
  const nl = new Netlink({ netns: `/run/netns/${ns}` });
  try {
    const t0 = performance.now();
    await pool(pairs, width, (i) => nl.createLink({ kind: 'veth', name: `va${i}`, peer: { name: `vb${i}` } }));
    const t1 = performance.now();
    await pool(pairs, width, (i) => nl.deleteLink(`va${i}`));
    const t2 = performance.now();
    return { create: (t1 - t0) / 1000, del: (t2 - t1) / 1000 };
  } finally {
    nl.close();
    dropNetns(ns);
  }
}

function ipBatch(dir: string, pairs = PAIRS): Run {
  const ns = netns();
  const add = join(dir, 'add.batch');
  const del = join(dir, 'del.batch');
  writeFileSync(add, Array.from({ length: pairs }, (_, i) => `link add va${i} type veth peer name vb${i}\n`).join(''));
  writeFileSync(del, Array.from({ length: pairs }, (_, i) => `link del va${i}\n`).join(''));
  try {
    const t0 = performance.now();
    execFileSync('ip', ['-n', ns, '-batch', add], { stdio: 'inherit' });
    const t1 = performance.now();
    execFileSync('ip', ['-n', ns, '-batch', del], { stdio: 'inherit' });
    const t2 = performance.now();
    return { create: (t1 - t0) / 1000, del: (t2 - t1) / 1000 };
  } finally {
    dropNetns(ns);
  }
}

/** A request the kernel does almost nothing for (`ip link set lo up`), N times: the per-request overhead of each side. */
async function oursCheap(): Promise<number> {
  const ns = netns();
  const nl = new Netlink({ netns: `/run/netns/${ns}` });
  try {
    const t0 = performance.now();
    for (let i = 0; i < CHEAP; i++) await nl.setLinkUp('lo');
    return CHEAP / ((performance.now() - t0) / 1000);
  } finally {
    nl.close();
    dropNetns(ns);
  }
}

function ipCheap(dir: string): number {
  const ns = netns();
  const file = join(dir, 'cheap.batch');
  writeFileSync(file, 'link set lo up\n'.repeat(CHEAP));
  try {
    const t0 = performance.now();
    execFileSync('ip', ['-n', ns, '-batch', file], { stdio: 'inherit' });
    return CHEAP / ((performance.now() - t0) / 1000);
  } finally {
    dropNetns(ns);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const opsPerSec = (r: Run) => (2 * PAIRS) / (r.create + r.del);
const round = (x: number) => Math.round(x);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'flynnts-nlbench-'));
  const runs: Record<'seq' | 'pipe' | 'ip', Run[]> = { seq: [], pipe: [], ip: [] };
  const cheap: Record<'ours' | 'ip', number[]> = { ours: [], ip: [] };
  try {
    // Warm-up, not counted: JIT, page cache, the kernel's first namespaces.
    if (WARMUP > 0) {
      await ours(1, WARMUP);
      await ours(WINDOW, WARMUP);
      ipBatch(dir, WARMUP);
    }
    for (let rep = 0; rep < REPS; rep++) {
      // Interleave, rotating who goes first.
      const order = [
        () => ours(1).then((r) => runs.seq.push(r)),
        () => ours(WINDOW).then((r) => runs.pipe.push(r)),
        async () => runs.ip.push(ipBatch(dir)),
        () => oursCheap().then((r) => cheap.ours.push(r)),
        async () => cheap.ip.push(ipCheap(dir)),
      ];
      for (let k = 0; k < order.length; k++) {
        // A deleted namespace is torn down asynchronously by a kernel worker holding the rtnl lock:
        // let it finish, so it does not slow down whichever measurement comes next.
        await sleep(SETTLE_MS);
        await order[(k + rep) % order.length]!();
      }
      const last = (xs: Run[]) => xs.at(-1)!;
      console.error(
        `rep ${rep + 1}: ours sequential ${round(opsPerSec(last(runs.seq)))} ops/s, ours pipelined(${WINDOW}) ${round(opsPerSec(last(runs.pipe)))} ops/s, ` +
          `ip -batch ${round(opsPerSec(last(runs.ip)))} ops/s; link set lo up: ours ${round(cheap.ours.at(-1)!)}/s, ip -batch ${round(cheap.ip.at(-1)!)}/s`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    for (const ns of created) dropNetns(ns);
  }
  const m = (xs: Run[], f: (r: Run) => number) => median(xs.map(f));
  const seq = m(runs.seq, opsPerSec);
  const pipe = m(runs.pipe, opsPerSec);
  const ipOps = m(runs.ip, opsPerSec);
  const createRate = (r: Run) => PAIRS / r.create;
  const deleteRate = (r: Run) => PAIRS / r.del;
  const figures = {
    [`veth create+delete ops/s, ${PAIRS} pairs, sequential`]: round(seq),
    [`veth create+delete ops/s, ${PAIRS} pairs, pipelined ${WINDOW}`]: round(pipe),
    'veth create/s, sequential': round(m(runs.seq, createRate)),
    'veth delete/s, sequential': round(m(runs.seq, deleteRate)),
    [`link set lo up/s, ${CHEAP} sequential`]: round(median(cheap.ours)),
  };
  const peers = {
    [`ip -batch veth create+delete ops/s, ${PAIRS} pairs`]: round(ipOps),
    'ip -batch veth create/s': round(m(runs.ip, createRate)),
    'ip -batch veth delete/s': round(m(runs.ip, deleteRate)),
    [`ip -batch link set lo up/s, ${CHEAP}`]: round(median(cheap.ip)),
  };
  const ratios = {
    'sequential/ip -batch': Number((seq / ipOps).toFixed(2)),
    [`pipelined ${WINDOW}/ip -batch`]: Number((pipe / ipOps).toFixed(2)),
    'create sequential/ip -batch': Number((m(runs.seq, createRate) / m(runs.ip, createRate)).toFixed(2)),
    'delete sequential/ip -batch': Number((m(runs.seq, deleteRate) / m(runs.ip, deleteRate)).toFixed(2)),
    'link set lo up/ip -batch': Number((median(cheap.ours) / median(cheap.ip)).toFixed(2)),
  };
  console.log(JSON.stringify({ bench: 'netlink', figures, peers, ratios }));
}

await main();
