/**
 * Heartbeats for many instances against the raft leader (a heartbeat is the registration PUT again:
 * an in-memory timestamp on the leader, no raft write unless the instance is new or changed).
 *
 *   node --import tsx heartbeat-load.ts LEADER_URL CONCURRENCY INSTANCES MAX_S PACED_S [INTERVAL_MS=5000] [REGISTER_MAX_S=120]
 *
 * One FIFO of instances, ordered by their last PUT; CONCURRENCY workers:
 * 1. register: until all INSTANCES are registered (or REGISTER_MAX_S passed), a worker heartbeats the
 *    FIFO head if it is due (last PUT + INTERVAL_MS) and otherwise registers the next new instance
 *    (a raft write): registrations get what capacity the heartbeats of those registered leave;
 * 2. max: for MAX_S seconds, heartbeats the head at once, whatever its due time (the most the
 *    cluster answers, each instance coming round every INSTANCES / rate seconds);
 * 3. paced: for PACED_S seconds, heartbeats each instance when due (every INTERVAL_MS, as Flynn's
 *    client does at 3-5 s), so INSTANCES / INTERVAL req/s are needed; `max_late_ms` is how far
 *    behind its due time the latest heartbeat went.
 * A stream (`GET /services/bench-hb/instances`, SSE) counts `down` events throughout: with a 10 s
 * TTL and heartbeats every 5 s, every one of them is a false expiry.
 *
 * Prints one JSON line with each phase's rate, p50/p99, errors, `down_events` and the final count.
 */
import { Agent, Pool } from 'undici';
import { arg, ensureService, instanceBody, latencySummary, now, round, send, sleep } from './load-common.js';

const args = process.argv.slice(2);
const base = arg(args, 0);
const conc = Number(arg(args, 1, '16'));
const total = Number(arg(args, 2, '10000'));
const maxMs = Number(arg(args, 3, '10')) * 1000;
const pacedMs = Number(arg(args, 4, '25')) * 1000;
const intervalMs = Number(arg(args, 5, '5000'));
const registerMaxMs = Number(arg(args, 6, '120')) * 1000;
const origin = new URL(base).origin;
const pool = new Pool(origin, { connections: conc, pipelining: 1 });
const SERVICE = 'bench-hb';
const instances = Array.from({ length: total }, (_, n) => instanceBody(n, 12));

/** Instance numbers by last PUT (oldest first; `head` is the next to take) and when that was. */
let fifo: number[] = [];
let head = 0;
const lastPut = new Float64Array(total);
let registered = 0;

interface Phase {
  ops: number;
  /** PUTs of new instances (raft writes) among `ops`. */
  regs: number;
  errors: number;
  lat: number[];
  maxLateMs: number;
  firstErrors: string[];
}

async function put(n: number, phase: Phase, isNew: boolean): Promise<void> {
  const inst = instances[n]!;
  const t0 = now();
  try {
    const r = await send(pool, origin, 'PUT', `/services/${SERVICE}/instances/${inst.id}`, inst);
    if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${r.text.slice(0, 200)}`);
    phase.ops++;
    if (isNew) phase.regs++;
    phase.lat.push(now() - t0);
  } catch (e) {
    phase.errors++;
    if (phase.firstErrors.length < 3) phase.firstErrors.push(String(e));
  }
  lastPut[n] = now();
  fifo.push(n);
}

function takeHead(): number | undefined {
  if (head >= fifo.length) return undefined;
  const n = fifo[head++]!;
  if (head > total) {
    fifo = fifo.slice(head);
    head = 0;
  }
  return n;
}
const headDue = (): number => (head < fifo.length ? lastPut[fifo[head]!]! + intervalMs : Infinity);

/** The head if it is due (noting how late it is), else undefined. */
function dueHead(phase: Phase): number | undefined {
  const due = headDue();
  if (due > now()) return undefined;
  phase.maxLateMs = Math.max(phase.maxLateMs, now() - due);
  return takeHead();
}

type Pick = (phase: Phase) => Promise<{ n: number; isNew: boolean } | undefined>;

async function runPhase(until: () => boolean, pick: Pick): Promise<Phase & { seconds: number }> {
  const phase: Phase = { ops: 0, regs: 0, errors: 0, lat: [], maxLateMs: 0, firstErrors: [] };
  const start = now();
  const worker = async () => {
    while (!until()) {
      const next = await pick(phase);
      if (next) await put(next.n, phase, next.isNew);
      else await sleep(1);
    }
  };
  await Promise.all(Array.from({ length: conc }, worker));
  return { ...phase, seconds: (now() - start) / 1000 };
}

const old = (n: number | undefined) => (n === undefined ? undefined : { n, isNew: false });

function watchDowns(signal: AbortSignal): { downs: () => number; ready: Promise<void> } {
  let downs = 0;
  const agent = new Agent({ bodyTimeout: 0 });
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  void (async () => {
    const res = await agent.request({ origin, path: `/services/${SERVICE}/instances`, method: 'GET', headers: { accept: 'text/event-stream' }, signal });
    markReady();
    let buf = '';
    try {
      for await (const chunk of res.body) {
        buf += (chunk as Buffer).toString('utf8');
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (frame.includes('"kind":"down"')) downs++;
        }
      }
    } catch {
      // aborted at the end
    }
    await agent.close();
  })();
  return { downs: () => downs, ready };
}

const summary = (p: Phase & { seconds: number }) => ({
  req_per_s: round(p.ops / p.seconds, 1),
  ...latencySummary(p.lat),
  errors: p.errors,
  seconds: round(p.seconds, 1),
  max_late_ms: round(p.maxLateMs, 0),
});

async function main(): Promise<void> {
  await ensureService(pool, origin, SERVICE);
  const stop = new AbortController();
  const watch = watchDowns(stop.signal);
  await watch.ready;
  const regEnd = now() + registerMaxMs;
  const reg = await runPhase(
    () => registered >= total || now() >= regEnd,
    async (phase) => {
      const due = dueHead(phase);
      if (due !== undefined) return { n: due, isNew: false };
      return { n: registered++, isNew: true };
    },
  );
  const downsAfterRegister = watch.downs();
  const maxEnd = now() + maxMs;
  const max = await runPhase(
    () => now() >= maxEnd,
    async () => old(takeHead()),
  );
  const downsAfterMax = watch.downs();
  const pacedEnd = now() + pacedMs;
  const paced = await runPhase(
    () => now() >= pacedEnd,
    async (phase) => {
      const due = dueHead(phase);
      if (due === undefined) await sleep(Math.min(20, headDue() - now(), pacedEnd - now()));
      return old(due);
    },
  );
  const list = await send(pool, origin, 'GET', `/services/${SERVICE}/instances`);
  const finalCount = list.status === 200 ? (JSON.parse(list.text) as unknown[]).length : 0;
  stop.abort();
  for (const e of [...reg.firstErrors, ...max.firstErrors, ...paced.firstErrors]) console.error(e);
  console.log(
    JSON.stringify({
      mode: 'heartbeat',
      conc,
      instances: total,
      registered,
      interval_ms: intervalMs,
      register: { regs_per_s: round(reg.regs / reg.seconds, 1), ...summary(reg) },
      max: summary(max),
      paced: { needed_per_s: round(registered / (intervalMs / 1000), 1), ...summary(paced) },
      down_events: { register: downsAfterRegister, max: downsAfterMax - downsAfterRegister, paced: watch.downs() - downsAfterMax },
      final_instances: finalCount,
    }),
  );
  await pool.close();
}

await main();
