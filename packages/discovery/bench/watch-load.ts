/**
 * Watch fan-out: WATCHERS event streams on one service (`GET /services/bench-watch`, SSE), spread
 * round-robin over the nodes, then REGS registrations of new instances on the leader, one at a time;
 * for each, the time from the registration's acknowledgement (and from its send) to its `up` event
 * at every watcher.
 *
 *   node --import tsx watch-load.ts LEADER_URL NODE_URLS WATCHERS REGS [GAP_MS=100]
 *
 * NODE_URLS is a comma list. An event that arrives before the PUT's answer counts as 0 ms from the
 * acknowledgement (the leader fans out on apply, before it answers). Prints one JSON line.
 */
import { setMaxListeners } from 'node:events';
import { Agent, Pool } from 'undici';
import { arg, ensureService, instanceBody, latencySummary, now, round, send, sleep } from './load-common.js';

const args = process.argv.slice(2);
const leader = new URL(arg(args, 0)).origin;
const nodes = arg(args, 1).split(',').map((u) => new URL(u).origin);
const watchers = Number(arg(args, 2, '1000'));
const regs = Number(arg(args, 3, '50'));
const gapMs = Number(arg(args, 4, '100'));
const SERVICE = 'bench-watch';

interface Registration {
  tSend: number;
  tAck: number;
  /** Arrival time and node index, per watcher that saw the `up`. */
  arrivals: { at: number; node: number }[];
}
const byAddr = new Map<string, Registration>();
const stop = new AbortController();
setMaxListeners(0, stop.signal); // one listener per watcher
const agent = new Agent({ bodyTimeout: 0, headersTimeout: 30_000, connections: null });
let ready = 0;
let streamErrors = 0;

async function watch(node: number): Promise<void> {
  const res = await agent.request({ origin: nodes[node]!, path: `/services/${SERVICE}`, method: 'GET', headers: { accept: 'text/event-stream' }, signal: stop.signal });
  if (res.statusCode !== 200) throw new Error(`watch ${nodes[node]}: HTTP ${res.statusCode}`);
  let buf = '';
  for await (const chunk of res.body) {
    const at = now();
    buf += (chunk as Buffer).toString('utf8');
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const frame = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const data = frame.split('\n').find((l) => l.startsWith('data:'));
      if (!data) continue;
      const event = JSON.parse(data.slice(5)) as { kind: string; instance?: { addr: string } };
      if (event.kind === 'current') ready++;
      else if (event.kind === 'up' && event.instance) byAddr.get(event.instance.addr)?.arrivals.push({ at, node });
    }
  }
}

async function main(): Promise<void> {
  const pool = new Pool(leader, { connections: 1, pipelining: 1 });
  await ensureService(pool, leader, SERVICE);
  const streams: Promise<void>[] = [];
  for (let w = 0; w < watchers; w++) {
    streams.push(
      watch(w % nodes.length).catch((e: unknown) => {
        if (!stop.signal.aborted && streamErrors++ < 3) console.error(String(e));
      }),
    );
    if (w % 100 === 99) await sleep(50);
  }
  const deadline = now() + 60_000;
  while (ready < watchers && now() < deadline) await sleep(50);
  if (ready < watchers) throw new Error(`only ${ready} of ${watchers} watchers got their snapshot`);
  const leaderIndex = nodes.indexOf(leader);
  const base = Math.floor(Math.random() * 2 ** 20) * 64;
  for (let k = 0; k < regs; k++) {
    const inst = instanceBody(base + k, 13);
    const reg: Registration = { tSend: now(), tAck: NaN, arrivals: [] };
    byAddr.set(inst.addr, reg);
    const r = await send(pool, leader, 'PUT', `/services/${SERVICE}/instances/${inst.id}`, inst);
    reg.tAck = now();
    if (r.status !== 200) throw new Error(`register: HTTP ${r.status} ${r.text}`);
    const until = now() + 5_000;
    while (reg.arrivals.length < watchers && now() < until) await sleep(2);
    await sleep(gapMs);
  }
  const fromAck: number[] = [];
  const fromSend: number[] = [];
  const leaderAck: number[] = [];
  const followerAck: number[] = [];
  let missed = 0;
  for (const reg of byAddr.values()) {
    missed += watchers - reg.arrivals.length;
    for (const a of reg.arrivals) {
      const ack = Math.max(0, a.at - reg.tAck);
      fromAck.push(ack);
      fromSend.push(a.at - reg.tSend);
      (a.node === leaderIndex ? leaderAck : followerAck).push(ack);
    }
  }
  const early = fromAck.filter((x) => x === 0).length;
  stop.abort();
  await Promise.allSettled(streams);
  console.log(
    JSON.stringify({
      mode: 'watch',
      watchers,
      regs,
      samples: fromAck.length,
      missed,
      before_ack: early,
      from_ack: { ...latencySummary(fromAck), max_ms: round(Math.max(...fromAck)) },
      from_send: latencySummary(fromSend),
      leader_from_ack: latencySummary(leaderAck),
      followers_from_ack: latencySummary(followerAck),
    }),
  );
  await pool.close();
  await agent.destroy();
}

await main();
