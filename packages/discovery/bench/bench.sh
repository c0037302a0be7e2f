#!/usr/bin/env bash
# discovery benchmark (issue #4): three real discoverd daemons (daemons/discoverd/src/main.ts, 127.0.0.1-3, one port)
# and a 3-node etcd 3.4 in ONE run, both clusters running throughout. Modelled on ../../../../shared/bench/etcd-bench.sh.
#   (d) service-meta CAS writes/s, CONC clients each owning one service (discovery-load.ts cas), against etcd's
#       compare-and-swap /v3/kv/txn with CONC clients each owning one key (shared etcd-load.js cas);
#       For reference, the same CAS on the raft package's example KV server (packages/raft/examples/kv-server.ts:
#       the same RaftNode, FileStorage and HttpTransport under a minimal etcd-style API, driven by
#       packages/raft/bench/kv-load.js cas with 64-byte values): what the raft layer alone costs (KV_REF=0 skips it);
#   (b) registrations/s, CONC clients, a new instance per PUT (discovery-load.ts register), against etcd puts (etcd-load.js put);
#   (c) watch fan-out: WATCHERS SSE streams on one service over the 3 nodes, time from an acknowledged registration to
#       its `up` event at every watcher (watch-load.ts);
#   (b) heartbeats: HB_INSTANCES instances registered (each kept alive every 5 s meanwhile; at most HB_REGISTER_MAX s),
#       then heartbeated as fast as the cluster answers (HB_MAX_DUR s) and at Flynn's pace, every 5 s (HB_PACED_DUR s),
#       counting instances that expire meanwhile (heartbeat-load.ts).
# Run: bash packages/discovery/bench/bench.sh   (env: PARTS="cas watch register heartbeat" (any subset) REPS=3 DUR=10 CONC=16 WATCHERS=1000 WATCH_REGS=50 HB_INSTANCES=10000
#      HB_MAX_DUR=$DUR HB_PACED_DUR=25 HB_REGISTER_MAX=120 DAEMON=daemons/discoverd/src/main.ts SHARED_BENCH=<dir of lib.sh> RESULTS_DIR=<dir>;
#      GEN_CPU/SUT_CPU as in lib.sh)
# Layout (lib.sh): load clients pinned to CPU $GEN_CPU, every server process (etcd members, our daemons) to CPU $SUT_CPU;
# data dirs under /tmp, WAL fsync per commit on both. Writes go to the leader.
# Output: $RESULTS_DIR/discovery-<stamp>.tsv (+ -watch.json, -heartbeat.json, .md) and, last on stdout, one JSON line
# {"bench":"discovery","figures":{...},"peers":{...},"ratios":{...}}.
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
SHARED_BENCH="${SHARED_BENCH:-$(cd "$REPO/.." && pwd)/shared/bench}"
RESULTS_DIR="${RESULTS_DIR:-$REPO/.flynn/bench}"
[ -f "$SHARED_BENCH/lib.sh" ] || { echo "lib.sh not found in $SHARED_BENCH (set SHARED_BENCH)" >&2; exit 1; }
. "$SHARED_BENCH/lib.sh"
CONC="${CONC:-16}"
WATCHERS="${WATCHERS:-1000}"
WATCH_REGS="${WATCH_REGS:-50}"
HB_INSTANCES="${HB_INSTANCES:-10000}"
HB_MAX_DUR="${HB_MAX_DUR:-$DUR}"
HB_PACED_DUR="${HB_PACED_DUR:-25}"
HB_REGISTER_MAX="${HB_REGISTER_MAX:-120}"
DAEMON="${DAEMON:-daemons/discoverd/src/main.ts}"
KV_REF="${KV_REF:-1}"
PARTS=" ${PARTS:-cas watch register heartbeat} "
part() { [[ "$PARTS" == *" $1 "* ]]; }
part cas || KV_REF=0
command -v etcd >/dev/null || { log "etcd not found: apt-get install -y etcd-server etcd-client (or bash $SHARED_BENCH/install-deps.sh)"; exit 1; }
trap cleanup_all EXIT INT TERM
cd "$REPO" || exit 1
mkdir -p "$RESULTS_DIR"
STAMP="$(date +%Y%m%d-%H%M%S)-$LAYOUT_TAG"
OUT="$RESULTS_DIR/discovery-$STAMP"
mk_tmp T
TSX=(node --conditions=@flynn-ts/source --import tsx)
# etcd-load.js is CommonJS and requires undici: resolve it from the repo's node_modules.
export NODE_PATH="$REPO/node_modules${NODE_PATH:+:$NODE_PATH}"

start_etcd() { # name clientport peerport initial-cluster
  start_pinned "$SUT_CPU" etcd --name "$1" --data-dir "$T/etcd-$1" \
    --listen-client-urls "http://127.0.0.1:$2" --advertise-client-urls "http://127.0.0.1:$2" \
    --listen-peer-urls "http://127.0.0.1:$3" --initial-advertise-peer-urls "http://127.0.0.1:$3" \
    --initial-cluster "$4" --initial-cluster-state new --initial-cluster-token bench \
    --logger zap --log-level warn >>"$T/etcd-$1.log" 2>&1
}
start_ours() { # host port peers
  local script="$DAEMON"; [[ "$script" = /* ]] || script="$REPO/$script"
  start_pinned "$SUT_CPU" "${TSX[@]}" "$script" --data-dir "$T/ours-$1" --host "$1" --addr "$1:$2" --peers "$3" \
    --log-level warn >>"$T/ours-$1.log" 2>&1
}
start_kv() { # port peers
  start_pinned "$SUT_CPU" "${TSX[@]}" "$REPO/packages/raft/examples/kv-server.ts" --listen "127.0.0.1:$1" --peers "$2" \
    --data-dir "$T/kv-$1" --tick-ms 100 --log-level warn >>"$T/kv-$1.log" 2>&1
}
etcd_leader() { # client ports... -> the leader's URL
  local t cp st
  for t in $(seq 1 150); do
    for cp in "$@"; do
      st="$(curl -s --max-time 2 -X POST "http://127.0.0.1:$cp/v3/maintenance/status" -d '{}')" || continue
      if node -e 'const s=JSON.parse(process.argv[1]); process.exit(s.leader && s.header.member_id===s.leader ? 0 : 1)' "$st" 2>/dev/null; then
        echo "http://127.0.0.1:$cp"; return 0
      fi
    done
    sleep 0.2
  done
  return 1
}
ours_leader() { # -> the leader's URL, once every node pings and names the same leader
  local t h a b c
  for t in $(seq 1 300); do
    a="$(curl -s --max-time 1 "http://${OURS[0]}/raft/leader")"; b="$(curl -s --max-time 1 "http://${OURS[1]}/raft/leader")"
    c="$(curl -s --max-time 1 "http://${OURS[2]}/raft/leader")"
    h="$(echo "$a" | sed -n 's/.*"host":"\([^"]*\)".*/\1/p')"
    if [ -n "$h" ] && [ "$a" = "$b" ] && [ "$a" = "$c" ]; then echo "http://$h"; return 0; fi
    sleep 0.2
  done
  return 1
}
proc_cpu_ms() { # pids... -> user+system CPU ms they used so far (/proc/<pid>/stat fields 14, 15)
  local pid total=0 t
  for pid in "$@"; do
    t="$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null)" || t=0
    total=$((total + ${t:-0}))
  done
  echo $((total * 1000 / $(getconf CLK_TCK)))
}
# setup rep "server pids" command... -> appends a TSV row. cpu_ms_per_op: CPU the 3 servers used while the load client ran,
# over its ops (the measured ones plus about one second's worth of warm-up)
run_load() {
  local setup="$1" rep="$2" pids="$3" c0 c1 p0 p1 j; shift 3
  c0="$(cpu_snap "$SUT_CPU")"; p0="$(proc_cpu_ms $pids)"
  j="$(timeout $((DUR + 60)) taskset -c "$GEN_CPU" "$@")"
  c1="$(cpu_snap "$SUT_CPU")"; p1="$(proc_cpu_ms $pids)"
  log "rep $rep $setup: $j (server CPU $((p1 - p0)) ms)"
  node -e 'const j=JSON.parse(process.argv[1]); const w=j.ops+j.ops_per_s; console.log([process.argv[2],process.argv[3],j.ops_per_s,j.p50_ms,j.p99_ms,j.errors,process.argv[4],(process.argv[5]/w).toFixed(3)].join("\t"))' \
    "$j" "$setup" "$rep" "$(cpu_pct "$c0" "$c1")" "$((p1 - p0))" >> "$OUT.tsv" || log "no result from $setup"
}

# etcd, 3 members
EC=(); EP=(); for i in 1 2 3; do EC+=("$(free_port)"); EP+=("$(free_port)"); done
IC="e1=http://127.0.0.1:${EP[0]},e2=http://127.0.0.1:${EP[1]},e3=http://127.0.0.1:${EP[2]}"
for i in 0 1 2; do start_etcd "e$((i+1))" "${EC[$i]}" "${EP[$i]}" "$IC" >/dev/null; done
ETCD_PIDS="${STARTED_PIDS[*]}"
# ours, 3 daemons on 127.0.0.1-3 sharing one port (raft ids are host:port)
OPORT=$(free_port)
OURS=("127.0.0.1:$OPORT" "127.0.0.2:$OPORT" "127.0.0.3:$OPORT")
OPEERS="$(IFS=,; echo "${OURS[*]}")"
for a in "${OURS[@]}"; do start_ours "${a%:*}" "$OPORT" "$OPEERS" >/dev/null; done
OURS_PIDS="${STARTED_PIDS[*]:3}"
# reference: the raft example KV server, 3 nodes
if [ "$KV_REF" = 1 ]; then
  KC=(); for i in 1 2 3; do KC+=("$(free_port)"); done
  KPEERS="127.0.0.1:${KC[0]},127.0.0.1:${KC[1]},127.0.0.1:${KC[2]}"
  for p in "${KC[@]}"; do start_kv "$p" "$KPEERS" >/dev/null; done
  KV_PIDS="${STARTED_PIDS[*]:6}"
fi
for p in "${EC[@]}"; do wait_port "$p" || exit 1; done
etcd3="$(etcd_leader "${EC[@]}")" || { log "no leader in the etcd cluster"; exit 1; }
if [ "$KV_REF" = 1 ]; then
  for p in "${KC[@]}"; do wait_port "$p" || exit 1; done
  kv3="$(etcd_leader "${KC[@]}")" || { log "no leader in the raft KV cluster"; exit 1; }
  until curl -s --max-time 2 -X POST "$kv3/v3/kv/put" -d '{"key":"aGk=","value":"aGk="}' | grep -q revision; do sleep 0.2; done
fi
ours3="$(ours_leader)" || { log "no leader in our cluster"; tail -n 5 "$T"/ours-*.log >&2; exit 1; }
until curl -s --max-time 2 -X POST "$etcd3/v3/kv/put" -d '{"key":"aGk=","value":"aGk="}' | grep -q revision; do sleep 0.2; done
log "etcd leader=$etcd3; ours leader=$ours3 (nodes ${OURS[*]}); raft KV leader=${kv3:-none}"

printf 'setup\trep\tops_per_s\tp50_ms\tp99_ms\terrors\tsut_cpu_pct\tcpu_ms_per_op\n' > "$OUT.tsv"
OURS_LOAD=("${TSX[@]}" "$HERE/discovery-load.ts")
part cas && for rep in $(seq 1 "$REPS"); do
  run_load "etcd cas c$CONC" "$rep" "$ETCD_PIDS" node "$SHARED_BENCH/etcd-load.js" "$etcd3" "$CONC" "$DUR" cas
  run_load "ours cas c$CONC" "$rep" "$OURS_PIDS" "${OURS_LOAD[@]}" "$ours3" "$CONC" "$DUR" cas
  [ "$KV_REF" = 1 ] && run_load "raft-kv cas c$CONC" "$rep" "$KV_PIDS" node "$REPO/packages/raft/bench/kv-load.js" "$kv3" "$CONC" "$DUR" cas 64
done
if part watch; then
log "watch fan-out: $WATCHERS watchers, $WATCH_REGS registrations"
timeout 300 taskset -c "$GEN_CPU" "${TSX[@]}" "$HERE/watch-load.ts" "$ours3" "http://${OURS[0]},http://${OURS[1]},http://${OURS[2]}" \
  "$WATCHERS" "$WATCH_REGS" > "$OUT-watch.json" || log "watch load failed"
log "watch: $(cat "$OUT-watch.json")"
fi
part register && for rep in $(seq 1 "$REPS"); do
  run_load "etcd put c$CONC" "$rep" "$ETCD_PIDS" node "$SHARED_BENCH/etcd-load.js" "$etcd3" "$CONC" "$DUR" put
  run_load "ours register c$CONC" "$rep" "$OURS_PIDS" "${OURS_LOAD[@]}" "$ours3" "$CONC" "$DUR" register
done
if part heartbeat; then
part register && { log "waiting 12 s: the unheartbeated registrations expire (TTL 10 s) before the heartbeat run"; sleep 12; }
log "heartbeats: $HB_INSTANCES instances, max rate ${HB_MAX_DUR} s, paced (5 s) ${HB_PACED_DUR} s"
timeout $((HB_MAX_DUR + HB_PACED_DUR + HB_REGISTER_MAX + 120)) taskset -c "$GEN_CPU" "${TSX[@]}" "$HERE/heartbeat-load.ts" "$ours3" "$CONC" \
  "$HB_INSTANCES" "$HB_MAX_DUR" "$HB_PACED_DUR" 5000 "$HB_REGISTER_MAX" > "$OUT-heartbeat.json" || log "heartbeat load failed"
log "heartbeat: $(cat "$OUT-heartbeat.json")"
fi
leader_after="$(ours_leader)"; [ "$leader_after" = "$ours3" ] || log "NOTE: our leader changed during the run ($ours3 -> $leader_after)"
du -sh "$T"/ours-127.0.0.1 "$T"/etcd-e1 >&2 2>/dev/null
cleanup_all
{
  echo "Layout: $LAYOUT; REPS=$REPS DUR=${DUR}s CONC=$CONC; $(nproc) vCPU, $(lscpu | sed -n 's/^Model name: *//p')"
  echo; echo "### CAS and writes ($STAMP), medians — baseline: etcd put c$CONC"
  node "$PERF_DIR/summarize.js" "$OUT.tsv" "etcd put c$CONC"
} | tee "$OUT.md" >&2
"${TSX[@]}" "$HERE/summarize-discovery.ts" "$OUT.tsv" "$OUT-watch.json" "$OUT-heartbeat.json" "$CONC"
