/**
 * Crash test with real processes: three kv-server processes (FileStorage,
 * fsync on, HttpTransport) under a concurrent write load sent to random nodes;
 * the leader is killed with SIGKILL mid-load and restarted on its data
 * directory. Afterwards every node must hold every acknowledged write, all
 * nodes must hold the same data, and the recorded history (including final
 * reads of every key) must be linearizable.
 */
import { seededRandom } from '@flynn-ts/core';
import { afterAll, describe, expect, it } from 'vitest';
import { checkOperations, formatCheckResult, kvModel } from '../src/check/index.js';
import { KvCluster } from './kv-cluster.js';
import { b64, decodeKvs, KvLoad } from './kv-cluster-load.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const ALL = { key: b64('\0'), range_end: b64('\0') };

let cluster: KvCluster | undefined;
let load: KvLoad | undefined;
afterAll(async () => {
  await load?.stop();
  await load?.close();
  await cluster?.destroy();
});

describe('kv-server cluster (real processes, fsync on)', () => {
  it('keeps every acknowledged write on every node and stays linearizable across a SIGKILL of the leader', async () => {
    const seed = Date.now() % 1_000_000;
    const c = (cluster = await KvCluster.start(3, ['--timeout-ms', '3000', '--tick-ms', '50', '--election-ticks', '10']));
    try {
      await c.waitForLeader(30_000);
      const l = (load = new KvLoad({
        urls: c.nodes.map((n) => n.url),
        clients: 6,
        sharedKeys: ['s/0', 's/1', 's/2'],
        random: seededRandom(seed),
        timeoutMs: 6_000,
      }));
      l.start();
      await sleep(3_000);
      const victim = await c.waitForLeader(10_000);
      const beforeKill = { ...l.counts };
      await c.kill9(victim);
      await sleep(3_000);
      c.spawn(victim);
      await c.waitForLeader(20_000);
      await sleep(3_000);
      await l.stop();
      const afterRestart = { ...l.counts };

      await c.waitCaughtUp(20_000);
      await recordFinalReads(c, l);
      const nodeData = await Promise.all(c.nodes.map((_, i) => readAll(l, c.nodes[i]!.url)));

      // Progress before and after the crash (a liveness sanity check, not a timing one).
      expect(beforeKill.ok).toBeGreaterThan(0);
      expect(afterRestart.ok).toBeGreaterThan(beforeKill.ok);
      // Every node has the same data, and every acknowledged write.
      for (const data of nodeData.slice(1)) expect(data).toEqual(nodeData[0]);
      for (const [i, data] of nodeData.entries()) {
        const missing = [...l.acknowledged].filter(([k, v]) => data.get(k) !== v);
        expect(missing, `acknowledged writes missing on ${c.nodes[i]!.id}`).toEqual([]);
      }
      // The history is linearizable.
      const model = kvModel<string>();
      const check = checkOperations(model, l.history.operations(), { timeoutMs: 30_000 });
      if (check.result !== 'ok') console.error(formatCheckResult(model, check));
      expect(check.result, `seed ${seed}; counts ${JSON.stringify(l.counts)}`).toBe('ok');
    } catch (err) {
      console.error(`seed ${seed}\n${c.logTails(15)}`);
      throw err;
    }
  }, 60_000);
});

/** A linearizable read of every key, recorded as one `get` per key written during the load (all over the same interval). */
async function recordFinalReads(c: KvCluster, l: KvLoad): Promise<void> {
  const keys = new Set(l.history.operations().map((op) => op.input.key));
  const ops = [...keys].map((key) => ({ key, op: l.history.invoke('final', { op: 'get', key }) }));
  const leader = await c.waitForLeader(10_000);
  const out = await l.call(c.nodes[leader]!.url, '/v3/kv/range', ALL);
  if (out.kind !== 'ok') throw new Error(`final read failed: ${out.why}`);
  const data = new Map(decodeKvs(out.body).map((kv) => [kv.key, kv.value]));
  for (const { key, op } of ops) op.ok({ op: 'get', value: data.get(key) });
}

/** A node's whole store, read locally (serializable). */
async function readAll(l: KvLoad, url: string): Promise<Map<string, string>> {
  const out = await l.call(url, '/v3/kv/range', { ...ALL, serializable: true });
  if (out.kind !== 'ok') throw new Error(`read of ${url} failed: ${out.why}`);
  return new Map(decodeKvs(out.body).map((kv) => [kv.key, kv.value]));
}
