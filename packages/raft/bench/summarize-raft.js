// The final JSON line of raft-bench.sh, from its TSV (setup, rep, ops_per_s, p50_ms, p99_ms, errors, ...):
// medians over repetitions, ours against etcd for each node count, mode and concurrency.
// Run: node summarize-raft.js RESULTS.tsv "1 16 64"
// Prints {"bench":"raft","figures":{...},"peers":{...},"ratios":{...}}: figures are ours, peers etcd's (and the
// client ceiling against a null HTTP server); ratios are ours/etcd (ops/s: higher is better; p99: lower is better).
import { readFileSync } from 'node:fs';

const [file, concArg] = process.argv.slice(2);
const concs = (concArg || '1 16 64').split(/\s+/).filter(Boolean);
const rows = readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
const median = (a) => {
  const s = a.filter(Number.isFinite).sort((x, y) => x - y);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const med = (setup, col) => median(rows.filter((r) => r[0] === setup).map((r) => Number(r[col])));
const round = (x) => (Number.isFinite(x) ? +x.toPrecision(4) : null);
const figures = {};
const peers = {};
const ratios = {};
for (const nodes of ['1node', '3node']) {
  for (const mode of ['put', 'cas']) {
    for (const c of concs) {
      const base = `${mode}_${nodes}_c${c}`;
      for (const [col, unit] of [[2, 'ops_s'], [4, 'p99_ms'], [3, 'p50_ms']]) {
        const ours = med(`ours-${nodes} ${mode} c${c}`, col);
        const etcd = med(`etcd-${nodes} ${mode} c${c}`, col);
        figures[`${base}_${unit}`] = round(ours);
        peers[`etcd_${base}_${unit}`] = round(etcd);
        if (unit !== 'p50_ms') ratios[`${base}_${unit}/etcd_${base}_${unit}`] = round(ours / etcd);
      }
    }
  }
}
for (const c of concs) peers[`null_http_c${c}_ops_s`] = round(med(`null-http put c${c}`, 2));
console.log(JSON.stringify({ bench: 'raft', figures, peers, ratios }));
