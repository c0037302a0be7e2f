// Prints the discovery DNS benchmark's JSON line from its TSV (setup, rep, qps, avg_latency_ms, ...).
// Run: node dns-bench-summary.js RESULTS.tsv
// Ratios: median of our qps / median of the peer's, and the median of per-round ratios (same rep = same round);
// cpu_capacity = peer's CPU time per query / ours (> 1: we answer more queries per CPU-second than the peer).
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
const cpu = (setup) => median(col(setup, 7));
const cpuRound = (a, b) => {
  const ra = Object.fromEntries(rows.filter((r) => r[0] === a).map((r) => [r[1], Number(r[7])]));
  const rb = Object.fromEntries(rows.filter((r) => r[0] === b).map((r) => [r[1], Number(r[7])]));
  return median(Object.keys(ra).filter((k) => k in rb && ra[k] > 0).map((k) => rb[k] / ra[k]));
};
const has = (setup) => rows.some((r) => r[0] === setup);
const workers = median(col('ours-workers', 2));
const workersSpread = median(col('ours-workers-spread', 2));
const dnsmasqSpread = median(col('dnsmasq-spread', 2));
const ours = median(col('ours', 2));
const dnsmasq = median(col('dnsmasq', 2));
const raw = median(col('node-dgram-raw', 2));
console.log(
  JSON.stringify({
    bench: 'discovery-dns',
    figures: {
      udp_qps_a3: round(ours),
      udp_avg_latency_ms: round(median(col('ours', 3)), 3),
      cpu_us_per_query: round(cpu('ours'), 2),
      user_us_per_query: round(median(col('ours', 8)), 2),
      ...(has('ours-workers') ? { workers_udp_qps_a3: round(workers), workers_cpu_us_per_query: round(cpu('ours-workers'), 2) } : {}),
      ...(has('ours-workers-spread') ? { workers_spread_udp_qps_a3: round(workersSpread), workers_spread_cpu_us_per_query: round(cpu('ours-workers-spread'), 2) } : {}),
    },
    peers: {
      dnsmasq_udp_qps_a3: round(dnsmasq),
      dnsmasq_cpu_us_per_query: round(cpu('dnsmasq'), 2),
      dnsmasq_user_us_per_query: round(median(col('dnsmasq', 8)), 2),
      node_dgram_raw_udp_qps_a1: round(raw),
      node_dgram_raw_cpu_us_per_query: round(cpu('node-dgram-raw'), 2),
      node_dgram_raw_user_us_per_query: round(median(col('node-dgram-raw', 8)), 2),
      ...(has('dnsmasq-spread') ? { dnsmasq_spread_udp_qps_a3: round(dnsmasqSpread), dnsmasq_spread_cpu_us_per_query: round(cpu('dnsmasq-spread'), 2) } : {}),
    },
    ratios: {
      'udp_qps_a3/dnsmasq': round(ours / dnsmasq, 3),
      'udp_qps_a3/dnsmasq_per_round_median': round(perRound('ours', 'dnsmasq'), 3),
      'udp_qps_a3/node_dgram_raw': round(ours / raw, 3),
      'cpu_capacity/dnsmasq': round(cpu('dnsmasq') / cpu('ours'), 3),
      'cpu_capacity/dnsmasq_per_round_median': round(cpuRound('ours', 'dnsmasq'), 3),
      'cpu_capacity/node_dgram_raw': round(cpu('node-dgram-raw') / cpu('ours'), 3),
      ...(has('ours-workers')
        ? {
            'workers_udp_qps_a3/dnsmasq': round(workers / dnsmasq, 3),
            'workers_udp_qps_a3/dnsmasq_per_round_median': round(perRound('ours-workers', 'dnsmasq'), 3),
            'workers_udp_qps_a3/udp_qps_a3': round(workers / ours, 3),
            'workers_cpu_capacity/dnsmasq': round(cpu('dnsmasq') / cpu('ours-workers'), 3),
          }
        : {}),
      ...(has('ours-workers-spread') && has('dnsmasq-spread')
        ? {
            'workers_spread_udp_qps_a3/dnsmasq_spread': round(workersSpread / dnsmasqSpread, 3),
            'workers_spread_udp_qps_a3/dnsmasq_spread_per_round_median': round(perRound('ours-workers-spread', 'dnsmasq-spread'), 3),
            'workers_spread_udp_qps_a3/dnsmasq': round(workersSpread / dnsmasq, 3),
          }
        : {}),
    },
  }),
);
