// Prints the bench's one JSON line from the TSV: medians per setup and medians of same-round ratios.
import fs from 'node:fs';
const [file, loadavg] = process.argv.slice(2);
const rows = fs.readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
const median = (a) => { const s = a.filter(Number.isFinite).sort((x, y) => x - y); if (!s.length) return null; const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const by = {};
for (const [setup, rep, rps, p99, , , , , pus, bus] of rows) {
  const proxy = Number(pus);
  const backend = Number(bus);
  // CPU per request on one core: proxy + backend. 1e6 / that = the req/s the pair would reach on an idle core.
  (by[setup] ||= {})[rep] = { rps: Number(rps), p99: Number(p99), proxy, backend, model: proxy + backend > 0 ? 1e6 / (proxy + backend) : NaN };
}
const med = (s, k) => (by[s] ? median(Object.values(by[s]).map((v) => v[k])) : null);
const ratio = (a, b, k) => (by[a] && by[b] ? median(Object.keys(by[a]).filter((r) => by[b][r]).map((r) => by[a][r][k] / by[b][r][k])) : null);
const round = (x, d = 2) => (x === null ? null : Number(x.toFixed(d)));
const figures = {}; const peers = {}; const ratios = {};
for (const s of Object.keys(by)) {
  const target = s.startsWith('router') ? figures : peers;
  target[`${s} req/s`] = round(med(s, 'rps'), 0);
  target[`${s} p99 ms`] = round(med(s, 'p99'));
  if (s.startsWith('direct')) continue;
  target[`${s} proxy CPU us/req`] = round(med(s, 'proxy'));
  target[`${s} backend CPU us/req`] = round(med(s, 'backend'));
  target[`${s} one-core req/s from CPU`] = round(med(s, 'model'), 0);
}
for (const sfx of ['', '-n']) {
  for (const [ours, peer] of [[`router${sfx}`, `nginx${sfx}`], [`router${sfx}`, `haproxy${sfx}`], [`router-tls${sfx}`, `nginx-tls${sfx}`], [`router${sfx}`, `direct${sfx}`], [`nginx${sfx}`, `direct${sfx}`]]) {
    if (!by[ours] || !by[peer]) continue;
    ratios[`${ours}/${peer} req/s`] = round(ratio(ours, peer, 'rps'));
    ratios[`${ours}/${peer} p99`] = round(ratio(ours, peer, 'p99'));
    if (!peer.startsWith('direct')) {
      ratios[`${ours}/${peer} proxy CPU per req`] = round(ratio(ours, peer, 'proxy'));
      ratios[`${ours}/${peer} one-core req/s from CPU`] = round(ratio(ours, peer, 'model'));
    }
  }
}
console.log(JSON.stringify({ bench: 'router-http', figures, peers, ratios, loadavg }));
