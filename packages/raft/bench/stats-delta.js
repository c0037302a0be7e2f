// One row of raft-bench.sh's stats TSV from two snapshots of our nodes' GET /debug/stats (leader first), taken
// before and after one kv-load.js run. Run: node stats-delta.js BEFORE_JSON AFTER_JSON LOAD_JSON SETUP REP
// Columns: setup, rep, entries per entry-carrying save on the leader (group commit), leader fsyncs per second,
// CPU milliseconds (user+system, all nodes) per write, raft HTTP requests (all nodes) per write, and the leader's
// event-loop utilisation during the run.
const [beforeArg, afterArg, loadArg, setup, rep] = process.argv.slice(2);
const before = JSON.parse(beforeArg);
const after = JSON.parse(afterArg);
const load = JSON.parse(loadArg);
const seconds = load.ops / load.ops_per_s + 1; // the measured phase plus the 1 s warm-up, which the stats include (approximately)
const lb = before[0].storage;
const la = after[0].storage;
const entries = la.entries - lb.entries;
const saves = la.entrySaves - lb.entrySaves;
const cpu = (s) => s.cpuUserMs + s.cpuSystemMs;
let cpuMs = 0;
let posts = 0;
for (let i = 0; i < after.length; i++) {
  cpuMs += cpu(after[i]) - cpu(before[i]);
  posts += after[i].requests.raft - before[i].requests.raft;
}
// The event-loop times in /debug/stats are cumulative since start.
const active = after[0].eventLoopActiveMs - before[0].eventLoopActiveMs;
const util = active / (active + after[0].eventLoopIdleMs - before[0].eventLoopIdleMs);
const fmt = (x, d) => (Number.isFinite(x) ? x.toFixed(d) : 'NA');
const opsTotal = after[0].status.commit - before[0].status.commit; // every put and cas is one raft entry, warm-up included
console.log([setup, rep, fmt(entries / saves, 2), fmt((la.syncedSaves - lb.syncedSaves) / seconds, 0), fmt(cpuMs / opsTotal, 3), fmt(posts / opsTotal, 2), fmt(util, 2)].join('\t'));
