/**
 * The final JSON line of bench.sh: medians over repetitions from its TSV (setup, rep, ops_per_s, p50_ms,
 * p99_ms, errors, sut_cpu_pct), plus the watch and heartbeat runs' JSON.
 *
 *   node --import tsx summarize-discovery.ts RESULTS.tsv WATCH.json HEARTBEAT.json CONC
 *
 * Prints {"bench":"discovery","figures":{...},"peers":{...},"ratios":{...}}: figures are ours, peers etcd's;
 * ratios are ours/etcd (ops/s: higher is better; p99 and CPU ms per op, all 3 servers: lower is better).
 */
import { readFileSync } from 'node:fs';

const [tsvFile, watchFile, hbFile, concArg] = process.argv.slice(2);
const conc = concArg ?? '16';
const rows = readFileSync(tsvFile!, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
const median = (a: number[]): number => {
  const s = a.filter(Number.isFinite).sort((x, y) => x - y);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const med = (setup: string, col: number) => median(rows.filter((r) => r[0] === setup).map((r) => Number(r[col])));
const round = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? +x.toPrecision(4) : null);
const readJson = (file: string | undefined): Record<string, any> => {
  try {
    return JSON.parse(readFileSync(file!, 'utf8').trim().split('\n').pop()!) as Record<string, any>;
  } catch {
    return {};
  }
};

const figures: Record<string, number | null> = {};
const peers: Record<string, number | null> = {};
const ratios: Record<string, number | null> = {};
const pairs: [string, string, string][] = [
  ['cas', `ours cas c${conc}`, `etcd cas c${conc}`],
  ['register', `ours register c${conc}`, `etcd put c${conc}`],
];
for (const [name, ours, etcd] of pairs) {
  const peerName = name === 'cas' ? 'cas' : 'put';
  for (const [col, unit] of [[2, 'ops_s'], [4, 'p99_ms'], [3, 'p50_ms'], [7, 'cpu_ms_per_op']] as const) {
    const o = med(ours, col);
    const e = med(etcd, col);
    figures[`${name}_3node_c${conc}_${unit}`] = round(o);
    peers[`etcd_${peerName}_3node_c${conc}_${unit}`] = round(e);
    if (unit !== 'p50_ms') ratios[`${name}_3node_c${conc}_${unit}/etcd_${peerName}_3node_c${conc}_${unit}`] = round(o / e);
  }
}

// Reference (not a peer): the raft package's example KV server, same raft stack under a minimal API.
for (const [col, unit] of [[2, 'ops_s'], [4, 'p99_ms'], [7, 'cpu_ms_per_op']] as const) {
  const k = med(`raft-kv cas c${conc}`, col);
  if (Number.isFinite(k)) figures[`raft_kv_cas_3node_c${conc}_${unit}`] = round(k);
}

const w = readJson(watchFile);
if (w.mode === 'watch') {
  figures.watch_watchers = w.watchers;
  figures.watch_up_from_ack_p50_ms = round(w.from_ack?.p50_ms);
  figures.watch_up_from_ack_p99_ms = round(w.from_ack?.p99_ms);
  figures.watch_up_from_send_p99_ms = round(w.from_send?.p99_ms);
  figures.watch_up_leader_p99_ms = round(w.leader_from_ack?.p99_ms);
  figures.watch_up_followers_p99_ms = round(w.followers_from_ack?.p99_ms);
  figures.watch_missed_events = w.missed;
}
const h = readJson(hbFile);
if (h.mode === 'heartbeat') {
  figures.heartbeat_instances = h.registered ?? h.instances;
  figures.heartbeat_register_regs_s = round(h.register?.regs_per_s);
  figures.heartbeat_max_req_s = round(h.max?.req_per_s);
  figures.heartbeat_max_p99_ms = round(h.max?.p99_ms);
  figures.heartbeat_paced_needed_req_s = round(h.paced?.needed_per_s);
  figures.heartbeat_paced_req_s = round(h.paced?.req_per_s);
  figures.heartbeat_paced_max_late_ms = round(h.paced?.max_late_ms);
  const downs = h.down_events ?? {};
  figures.heartbeat_false_expiries = (downs.register ?? 0) + (downs.max ?? 0) + (downs.paced ?? 0);
  figures.heartbeat_final_instances = h.final_instances;
}
console.log(JSON.stringify({ bench: 'discovery', figures, peers, ratios }));
