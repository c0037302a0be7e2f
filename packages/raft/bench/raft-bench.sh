#!/usr/bin/env bash
# Raft KV benchmark (issue #3): our kv-server (packages/raft/examples/kv-server.ts: RaftNode + FileStorage with fsync
# + HttpTransport) against etcd 3.4, 1 node and 3 nodes, in ONE run, with ONE load client for both (kv-load.js: the
# shared harness's etcd-load.js with a value-size argument). Modelled on ../../../../shared/bench/etcd-bench.sh.
# Run: bash packages/raft/bench/raft-bench.sh   (env: REPS=3 DUR=10 CONCS="1 16 64" VALUE_BYTES=256 TICK_MS=100
#      SHARED_BENCH=<dir of lib.sh> RESULTS_DIR=<dir>; GEN_CPU/SUT_CPU as in lib.sh)
# Layout (lib.sh): load client pinned to CPU $GEN_CPU, every server process (etcd members, our nodes) to CPU $SUT_CPU;
# data dirs under /tmp, WAL fsync per commit for both. Requests go to the leader's client URL.
# Output: $RESULTS_DIR/raft-<stamp>.tsv (+ -stats.tsv, .md) and, last on stdout, one JSON line
# {"bench":"raft","figures":{...},"peers":{...},"ratios":{...}}.
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
SHARED_BENCH="${SHARED_BENCH:-$(cd "$REPO/.." && pwd)/shared/bench}"
RESULTS_DIR="${RESULTS_DIR:-$REPO/.flynn/bench}"
[ -f "$SHARED_BENCH/lib.sh" ] || { echo "lib.sh not found in $SHARED_BENCH (set SHARED_BENCH)" >&2; exit 1; }
. "$SHARED_BENCH/lib.sh"
CONCS="${CONCS:-1 16 64}"
VALUE_BYTES="${VALUE_BYTES:-256}"
TICK_MS="${TICK_MS:-100}"
command -v etcd >/dev/null || { log "etcd not found: apt-get install -y etcd-server etcd-client (or bash $SHARED_BENCH/install-deps.sh)"; exit 1; }
trap cleanup_all EXIT INT TERM
cd "$REPO" || exit 1
mkdir -p "$RESULTS_DIR"
STAMP="$(date +%Y%m%d-%H%M%S)-$LAYOUT_TAG"
TSV="$RESULTS_DIR/raft-$STAMP.tsv"
STATS_TSV="$RESULTS_DIR/raft-$STAMP-stats.tsv"
mk_tmp T

start_etcd() { # name clientport peerport initial-cluster token
  local name=$1 cp=$2 pp=$3 ic=$4 tok=$5
  start_pinned "$SUT_CPU" etcd --name "$name" --data-dir "$T/$tok-$name" \
    --listen-client-urls "http://127.0.0.1:$cp" --advertise-client-urls "http://127.0.0.1:$cp" \
    --listen-peer-urls "http://127.0.0.1:$pp" --initial-advertise-peer-urls "http://127.0.0.1:$pp" \
    --initial-cluster "$ic" --initial-cluster-state new --initial-cluster-token "$tok" \
    --logger zap --log-level warn >>"$T/etcd-$tok-$name.log" 2>&1
}
start_ours() { # port peers tag
  start_pinned "$SUT_CPU" node --conditions=@flynn-ts/source --import tsx "$REPO/packages/raft/examples/kv-server.ts" \
    --listen "127.0.0.1:$1" --peers "$2" --data-dir "$T/$3-$1" --tick-ms "$TICK_MS" --log-level warn >>"$T/ours-$3-$1.log" 2>&1
}
find_leader() { # client ports... -> prints the leader's URL (maintenance/status: header.member_id === leader)
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
wait_put() { until curl -s --max-time 2 -X POST "$1/v3/kv/put" -d '{"key":"aGk=","value":"aGk="}' | grep -q revision; do sleep 0.2; done; }

# etcd, 1 and 3 members
E1=$(free_port); E1P=$(free_port); start_etcd s1 "$E1" "$E1P" "s1=http://127.0.0.1:$E1P" single >/dev/null
EC=(); EP=(); for i in 1 2 3; do EC+=("$(free_port)"); EP+=("$(free_port)"); done
IC="c1=http://127.0.0.1:${EP[0]},c2=http://127.0.0.1:${EP[1]},c3=http://127.0.0.1:${EP[2]}"
for i in 0 1 2; do start_etcd "c$((i+1))" "${EC[$i]}" "${EP[$i]}" "$IC" cluster3 >/dev/null; done
# ours, 1 and 3 nodes (node ids are host:port)
O1=$(free_port); start_ours "$O1" "127.0.0.1:$O1" single >/dev/null
OC=(); for i in 1 2 3; do OC+=("$(free_port)"); done
OPEERS="127.0.0.1:${OC[0]},127.0.0.1:${OC[1]},127.0.0.1:${OC[2]}"
for i in 0 1 2; do start_ours "${OC[$i]}" "$OPEERS" cluster3 >/dev/null; done
# null HTTP server = client ceiling (same client, no store)
NULL_PORT=$(free_port); start_pinned "$SUT_CPU" node "$PERF_DIR/backend.js" "$NULL_PORT" >/dev/null

for p in "$E1" "${EC[@]}" "$O1" "${OC[@]}" "$NULL_PORT"; do wait_port "$p" || exit 1; done
etcd3="$(find_leader "${EC[@]}")" || { log "no leader in the etcd cluster"; exit 1; }
ours1="$(find_leader "$O1")" || { log "our single node did not lead"; exit 1; }
ours3="$(find_leader "${OC[@]}")" || { log "no leader in our cluster"; exit 1; }
for u in "http://127.0.0.1:$E1" "$etcd3" "$ours1" "$ours3"; do wait_put "$u"; done
log "etcd single=http://127.0.0.1:$E1 cluster leader=$etcd3; ours single=$ours1 cluster leader=$ours3; null=http://127.0.0.1:$NULL_PORT"

declare -A URL=([null-http]="http://127.0.0.1:$NULL_PORT" [etcd-1node]="http://127.0.0.1:$E1" [etcd-3node]="$etcd3" [ours-1node]="$ours1" [ours-3node]="$ours3")
declare -A OURS_PORTS=([ours-1node]="$O1" [ours-3node]="${OC[*]}")
ours_stats() { # setup -> JSON array of /debug/stats, leader first
  local p out="[" u="${URL[$1]}"; out+="$(curl -s --max-time 2 "$u/debug/stats")"
  for p in ${OURS_PORTS[$1]}; do [ "http://127.0.0.1:$p" = "$u" ] || out+=",$(curl -s --max-time 2 "http://127.0.0.1:$p/debug/stats")"; done
  echo "$out]"
}
printf 'setup\trep\tops_per_s\tp50_ms\tp99_ms\terrors\tsut_cpu_pct\n' > "$TSV"
printf 'setup\trep\tentries_per_save\tsyncs_per_s\tcluster_cpu_ms_per_op\traft_posts_per_op\tleader_loop_util\n' > "$STATS_TSV"
for rep in $(seq 1 "$REPS"); do
  for target in null-http etcd-1node etcd-3node ours-1node ours-3node; do
    for mode in put cas; do
      [ "$target" = null-http ] && [ "$mode" = cas ] && continue
      for conc in $CONCS; do
        name="$target $mode c$conc"
        [ -n "${OURS_PORTS[$target]:-}" ] && s0="$(ours_stats "$target")"
        c0="$(cpu_snap "$SUT_CPU")"
        j="$(timeout $((DUR + 30)) taskset -c "$GEN_CPU" node "$HERE/kv-load.js" "${URL[$target]}" "$conc" "$DUR" "$mode" "$VALUE_BYTES")"
        c1="$(cpu_snap "$SUT_CPU")"
        log "rep $rep $name: $j"
        node -e 'const j=JSON.parse(process.argv[1]); console.log([process.argv[2],process.argv[3],j.ops_per_s,j.p50_ms,j.p99_ms,j.errors,process.argv[4]].join("\t"))' "$j" "$name" "$rep" "$(cpu_pct "$c0" "$c1")" >> "$TSV"
        if [ -n "${OURS_PORTS[$target]:-}" ]; then
          node "$HERE/stats-delta.js" "$s0" "$(ours_stats "$target")" "$j" "$name" "$rep" >> "$STATS_TSV" || true
          tail -n 1 "$STATS_TSV" >&2
        fi
      done
    done
  done
done
du -sh "$T"/single-* "$T"/cluster3-* >&2 2>/dev/null
cleanup_all
{
  echo "Layout: $LAYOUT; REPS=$REPS DUR=${DUR}s; value $VALUE_BYTES bytes; our tick ${TICK_MS} ms; $(nproc) vCPU, $(lscpu | sed -n 's/^Model name: *//p')"
  echo; echo "### all runs ($STAMP), medians — baseline: etcd-3node put c16"
  node "$PERF_DIR/summarize.js" "$TSV" "etcd-3node put c16"
  echo; echo "### our server's internals (leader: entries per fsync'd save; all nodes: CPU per op)"
  node "$PERF_DIR/summarize.js" "$STATS_TSV" "ours-3node put c16"
} | tee "$RESULTS_DIR/raft-$STAMP.md" >&2
node "$HERE/summarize-raft.js" "$TSV" "$CONCS"
