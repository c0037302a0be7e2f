// Prints the discovery DNS benchmark's JSON line from its TSV (setup, rep, qps, avg_latency_ms, ...).
// Run: node dns-bench-summary.js RESULTS.tsv
// Ratios: median of our qps / median of the peer's, and the median of per-round ratios (same rep = same round).
import { readFileSync } from 'node:fs';

const [file] = process.argv.slice(2);
const rows = readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
const median = (a) => {
  const s = a.filter(Number.isFinite).sort((x, y) => x - y);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const col = (setup, i) => rows.filter((r) => r[0] === setup).map((r) => Number(r[i]));
const byRep = (setup) => Object.fromEntries(rows.filter((r) => r[0] === setup).map((r) => [r[1], Number(r[2])]));
const round = (x, d = 0) => (Number.isFinite(x) ? Number(x.toFixed(d)) : null);
const perRound = (a, b) => {
  const ra = byRep(a);
  const rb = byRep(b);
  return median(Object.keys(ra).filter((k) => k in rb).map((k) => ra[k] / rb[k]));
};
const ours = median(col('ours', 2));
const dnsmasq = median(col('dnsmasq', 2));
const raw = median(col('node-dgram-raw', 2));
console.log(
  JSON.stringify({
    bench: 'discovery-dns',
    figures: { udp_qps_a3: round(ours), udp_avg_latency_ms: round(median(col('ours', 3)), 3) },
    peers: { dnsmasq_udp_qps_a3: round(dnsmasq), node_dgram_raw_udp_qps_a1: round(raw) },
    ratios: {
      'udp_qps_a3/dnsmasq': round(ours / dnsmasq, 3),
      'udp_qps_a3/dnsmasq_per_round_median': round(perRound('ours', 'dnsmasq'), 3),
      'udp_qps_a3/node_dgram_raw': round(ours / raw, 3),
    },
  }),
);
