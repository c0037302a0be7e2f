/**
 * Jepsen-style test of discoverd's service-metadata CAS (issue #4): three
 * daemon processes on 127.0.0.1–3, clients doing CAS writes and consistent
 * reads of `/services/jepsen/meta` on random nodes (following 307s), and a
 * nemesis that kills (-9, then restarts on the same data dir) or freezes
 * (SIGSTOP/SIGCONT) the raft leader every few seconds. Afterwards every fault
 * is healed, the nodes must agree, the history must be linearizable
 * (`casRegisterModel`; writes with unknown outcome count as maybe applied)
 * and every acknowledged write must be on the final value's chain.
 *
 * Env: JEPSEN_SECONDS (default 60), JEPSEN_CLIENTS (8), JEPSEN_SEED (random;
 * printed), JEPSEN_DAEMON (the entry, default daemons/discoverd/src/main.ts),
 * JEPSEN_KEEP=1 keeps the data dirs and logs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '@flynn-ts/core';
import { waitFor } from '@flynn-ts/core/testing';
import { HistoryRecorder, casRegisterModel, checkOperations, isPending } from '@flynn-ts/raft/testing';
import type { CasMeta, Operation } from '@flynn-ts/raft/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAcknowledgedChain } from './jepsen/chain.js';
import { DaemonCluster } from './jepsen/cluster.js';
import { call, makeAgent } from './jepsen/http.js';
import { runNemesis, summarizeNemesis } from './jepsen/nemesis.js';
import { reportCheckFailure } from './jepsen/report.js';
import { MetaClient, WorkloadStats, runClients, sleep } from './jepsen/workload.js';
import type { MetaInput, MetaOutput } from './jepsen/workload.js';

const SECONDS = Number(process.env.JEPSEN_SECONDS ?? 60);
const CLIENTS = Number(process.env.JEPSEN_CLIENTS ?? 8);
const SEED = Number(process.env.JEPSEN_SEED ?? Math.floor(Math.random() * 2 ** 31));
const DAEMON = process.env.JEPSEN_DAEMON ?? 'daemons/discoverd/src/main.ts';
const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const SERVICE = 'jepsen';
const OP_TIMEOUT_MS = 2_000;

const agent = makeAgent(OP_TIMEOUT_MS);
let base = '';
let cluster: DaemonCluster;
let passed = false;

/**
 * The history with its last read (a final read, after every write ended)
 * answering the first acknowledged write's value and index, which later
 * acknowledged writes replaced; undefined when fewer than two writes succeeded.
 */
function staleFinalRead(history: Operation<MetaInput, MetaOutput>[]): Operation<MetaInput, MetaOutput>[] | undefined {
  const acked = history.filter((op) => !isPending(op) && op.output.op === 'write' && op.output.ok);
  const first = acked[0];
  const lastRead = history.findLastIndex((op) => !isPending(op) && op.input.op === 'read');
  if (acked.length < 2 || !first || isPending(first) || first.input.op !== 'write' || first.output.op !== 'write' || !first.output.ok || lastRead < 0) return undefined;
  const op = history[lastRead]!;
  if (isPending(op)) return undefined;
  const copy = history.slice();
  copy[lastRead] = { ...op, output: { op: 'read', meta: { value: first.input.value, index: first.output.index } } };
  return copy;
}

const say = (text: string) => console.log(`[jepsen] ${text.replaceAll('\n', '\n[jepsen] ')}`);

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'flynn-jepsen-'));
  cluster = await DaemonCluster.create({ repoRoot: REPO, script: DAEMON, baseDir: base });
  await cluster.startAll();
  await cluster.waitAllUp(agent, 45_000);
  await waitFor(() => cluster.leader(agent), { timeoutMs: 20_000, intervalMs: 100, what: 'an agreed raft leader' });
  await waitFor(
    async () => {
      const r = await call(agent, { method: 'PUT', node: cluster.peers[0]!, path: `/services/${SERVICE}`, body: { leader_type: 'oldest' }, timeoutMs: OP_TIMEOUT_MS });
      return r.kind === 'response' && (r.status === 200 || r.status === 409);
    },
    { timeoutMs: 20_000, intervalMs: 200, what: `service ${SERVICE} created` },
  );
}, 120_000);

afterAll(async () => {
  if (!passed && cluster) for (const n of cluster.nodes) say(`log tail of ${n.addr}:\n${n.logTail(15)}`);
  await cluster?.stopAll();
  await agent.close();
  if (base && process.env.JEPSEN_KEEP !== '1') await rm(base, { recursive: true, force: true });
  else if (base) say(`kept ${base}`);
}, 30_000);

describe('discoverd under a nemesis (Jepsen-style)', () => {
  it(`keeps service-meta CAS linearizable and loses no acknowledged write (${SECONDS} s, ${CLIENTS} clients)`, { timeout: SECONDS * 1000 + 100_000 }, async () => {
    say(`seed ${SEED}, ${CLIENTS} clients, ${SECONDS} s, daemon ${DAEMON}, nodes ${cluster.peers.join(' ')}`);
    const model = casRegisterModel<string>();
    const recorder = new HistoryRecorder<MetaInput, MetaOutput>();
    const stats = new WorkloadStats();
    const random = seededRandom(SEED);
    const run = new AbortController();
    const timer = setTimeout(() => run.abort(), SECONDS * 1000);
    const common = { dispatcher: agent, service: SERVICE, nodes: cluster.peers, timeoutMs: OP_TIMEOUT_MS, stats, recorder };
    const [, actions] = await Promise.all([
      runClients({ ...common, clients: CLIENTS, random: seededRandom(SEED + 1), signal: run.signal, thinkMs: [0, 5], readRatio: 0.4 }),
      runNemesis({ cluster, dispatcher: agent, random, signal: run.signal, intervalMs: [2_000, 4_000], killMs: [500, 2_500], pauseMs: [1_500, 4_000], log: say }),
    ]);
    clearTimeout(timer);

    // Healed (runNemesis restarts and resumes everything): all nodes up, one leader, the same state everywhere.
    await cluster.waitAllUp(agent, 30_000);
    await waitFor(() => cluster.leader(agent), { timeoutMs: 20_000, intervalMs: 100, what: 'an agreed leader after the heal' });
    const finals: (CasMeta<string> | null)[] = [];
    for (const [i, node] of cluster.peers.entries()) {
      const reader = new MetaClient(1000 + i, { ...common, random });
      const read = async () => {
        const meta = await reader.read(node);
        if (meta === undefined) await sleep(100);
        return meta === undefined ? undefined : { meta };
      };
      finals.push((await waitFor(read, { timeoutMs: 20_000, what: `a final consistent read at ${node}` })).meta);
    }
    const final = finals[0] ?? null;
    const localAgree = await waitFor(
      async () => {
        const local = await Promise.all(cluster.peers.map((node) => call(agent, { method: 'GET', node, path: `/services/${SERVICE}/meta`, timeoutMs: OP_TIMEOUT_MS, maxRedirects: 0 })));
        const seen = local.map((r) => (r.kind === 'response' ? r.text : r.error));
        return seen.every((s) => s === seen[0]) && seen[0];
      },
      { timeoutMs: 20_000, intervalMs: 100, what: 'all nodes serving the same meta locally' },
    );

    const history = recorder.operations();
    const t0 = performance.now();
    const check = checkOperations(model, history, { timeoutMs: 60_000 });
    const checkMs = Math.round(performance.now() - t0);
    const chain = checkAcknowledgedChain(history, final);
    const crashes = cluster.nodes.flatMap((n) => n.crashes.map((c) => `${n.addr} exited ${c}`));

    say(stats.summary());
    say(summarizeNemesis(actions));
    say(`final meta (all nodes, consistent and local): ${localAgree}`);
    say(`acknowledged chain: ${chain.chain.length} values back to the create; ${chain.acknowledged} acknowledged writes, ${chain.lost.length} lost${chain.problem ? `; ${chain.problem}` : ''}`);
    say(`linearizability: ${check.result} (${history.length} operations checked in ${checkMs} ms)`);
    if (crashes.length > 0) say(`unexpected exits: ${crashes.join(', ')}`);
    if (stats.anomalies.length > 0) say(`anomalies: ${stats.anomalies.slice(0, 10).join('; ')}`);
    if (check.result !== 'ok') {
      const { file, excerpt } = reportCheckFailure(model, check, 'discoverd-jepsen');
      say(`${excerpt}\n(full report: ${file}; replay with JEPSEN_SEED=${SEED})`);
    }

    // The checker has teeth on this history: a final read answering the first acknowledged value instead is caught.
    const stale = staleFinalRead(history);
    if (stale) expect(checkOperations(model, stale, { timeoutMs: 60_000 }).result, 'a stale final read is caught').toBe('illegal');
    // ... and so has the chain check: a cluster ending at the created value would have lost every later write.
    const created = chain.chain.at(-1);
    if (created !== undefined && chain.acknowledged >= 2) {
      expect(checkAcknowledgedChain(history, { value: created, index: 0 }).lost.length, 'a lost acknowledged write is caught').toBeGreaterThan(0);
    }

    expect(finals.every((f) => JSON.stringify(f) === JSON.stringify(final)), 'final consistent reads agree').toBe(true);
    expect(check.result).toBe('ok');
    expect(chain.lost).toEqual([]);
    expect(chain.problem).toBeUndefined();
    expect(stats.anomalies).toEqual([]);
    expect(crashes).toEqual([]);
    expect(stats.counts.writeOk, 'some writes succeeded').toBeGreaterThan(0);
    expect(actions.filter((a) => a.kind !== 'no-leader').length, 'the nemesis acted').toBeGreaterThan(0);
    passed = true;
  });
});
