// Median-of-reps summary as a markdown table. Run: node summarize.mjs RESULTS.tsv BASELINE_SETUP
// TSV: header "setup<TAB>rep<TAB>metric1<TAB>metric2...", one row per repetition.
// Ratio columns: median(metric1)/median(baseline metric1) and the median of per-rep ratios (same rep = same round).
import fs from 'node:fs';
const [file, baseline] = process.argv.slice(2);
const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
const head = lines[0].split('\t');
const rows = lines.slice(1).map((l) => l.split('\t'));
const metrics = head.slice(2);
const median = (a) => { const s = a.filter((x) => Number.isFinite(x)).sort((x, y) => x - y); if (!s.length) return NaN; const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const fmt = (x) => (!Number.isFinite(x) ? 'NA' : Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2));
const setups = [...new Set(rows.map((r) => r[0]))];
const byRep = {}; for (const r of rows) { (byRep[r[0]] ||= {})[r[1]] = r.slice(2).map(Number); }
const med = {}; for (const s of setups) med[s] = metrics.map((_, i) => median(Object.values(byRep[s]).map((v) => v[i])));
const out = [];
out.push(`| setup | ${metrics.map((m) => `${m} (median of ${Math.max(...setups.map((s) => Object.keys(byRep[s]).length))})`).join(' | ')} | ${metrics[0]} ratio to ${baseline} | median per-round ratio | all reps ${metrics[0]} |`);
out.push(`|${' --- |'.repeat(metrics.length + 4)}`);
for (const s of setups) {
  const b = med[baseline] ? med[baseline][0] : NaN;
  const perRound = Object.entries(byRep[s]).map(([rep, v]) => (byRep[baseline] && byRep[baseline][rep] ? v[0] / byRep[baseline][rep][0] : NaN));
  const reps = Object.values(byRep[s]).map((v) => fmt(v[0])).join(' / ');
  out.push(`| ${s} | ${med[s].map(fmt).join(' | ')} | ${fmt(med[s][0] / b)} | ${fmt(median(perRound))} | ${reps} |`);
}
console.log(out.join('\n'));
