#!/usr/bin/env bash
# discovery DNS benchmark (issue #4): our DnsServer (bench/dns-bench-server.ts: static view, service `svc` with 3 IPv4
# instances) against dnsmasq answering the same name from a hosts file (3 A records), plus the shared harness's bare
# node:dgram answerer (the floor of any Node UDP server), in ONE run. Modelled on ../../../../shared/bench/dns-bench.sh.
# Run: bash packages/discovery/bench/dns-bench.sh   (env: REPS=3 DUR=10 QNAME=svc.discoverd QTYPE=A WORKERS=2 SPREAD=1
#      SHARED_BENCH=<dir of lib.sh> RESULTS_DIR=<dir>; GEN_CPU/SUT_CPU as in lib.sh)
# Also: `ours-workers`, the same server answering UDP from a DnsWorkerPool of $WORKERS processes (discoverd
# --dns-workers) pinned like the others; with SPREAD=1, `ours-workers-spread` and `dnsmasq-spread` on CPUs
# $GEN_CPU,$SUT_CPU (a worker per core, sharing CPU $GEN_CPU with dnsperf: dnsmasq is single-threaded).
# Layout (lib.sh): dnsperf (-c 1 -T 1, 100 outstanding) pinned to CPU $GEN_CPU, each server to CPU $SUT_CPU, UDP on 127.0.0.1.
# Figures: qps (as the shared harness), and each server's own CPU time per answered query (from /proc/PID/stat), whose
# ratio is the single-core capacity ratio and, unlike qps, holds when other work shares the machine.
# Output: $RESULTS_DIR/discovery-dns-<stamp>.tsv (+ .md, .log) and, last on stdout, one JSON line
# {"bench":"discovery-dns","figures":{...},"peers":{...},"ratios":{...}}.
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
SHARED_BENCH="${SHARED_BENCH:-$(cd "$REPO/.." && pwd)/shared/bench}"
RESULTS_DIR="${RESULTS_DIR:-$REPO/.flynn/bench}"
[ -f "$SHARED_BENCH/lib.sh" ] || { echo "lib.sh not found in $SHARED_BENCH (set SHARED_BENCH)" >&2; exit 1; }
. "$SHARED_BENCH/lib.sh"
QNAME="${QNAME:-svc.discoverd}"
QTYPE="${QTYPE:-A}"
for c in dnsperf dnsmasq; do command -v "$c" >/dev/null || { log "$c not found (bash $SHARED_BENCH/install-deps.sh)"; exit 1; }; done
trap cleanup_all EXIT INT TERM
cd "$REPO" || exit 1
mkdir -p "$RESULTS_DIR"
STAMP="$(date +%Y%m%d-%H%M%S)-$LAYOUT_TAG"
TSV="$RESULTS_DIR/discovery-dns-$STAMP.tsv"
mk_tmp T; chmod 755 "$T"
printf '10.0.0.1 svc.discoverd\n10.0.0.2 svc.discoverd\n10.0.0.3 svc.discoverd\n' > "$T/hosts"
echo "$QNAME $QTYPE" > "$T/queries"
chmod 644 "$T/hosts" "$T/queries"

DPORT=$(free_port); OPORT=$(free_port); RPORT=$(free_port)  # TCP-free ports; used for UDP (and our TCP)
start_pinned "$SUT_CPU" dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts --addn-hosts="$T/hosts" \
  --listen-address=127.0.0.1 --bind-interfaces --port="$DPORT" --pid-file="$T/dnsmasq.pid" --cache-size=1000 --local-ttl=0 >/dev/null
DPID=${STARTED_PIDS[-1]}
start_pinned "$SUT_CPU" node --conditions=@flynn-ts/source --import tsx "$HERE/dns-bench-server.ts" --port "$OPORT" --instances 3 >"$T/ours.log" 2>&1
OPID=${STARTED_PIDS[-1]}
start_pinned "$SUT_CPU" node "$PERF_DIR/dns-dgram-raw.js" "$RPORT" >/dev/null
RPID=${STARTED_PIDS[-1]}
WORKERS="${WORKERS:-2}"
SPREAD="${SPREAD:-1}"
WPORT=$(free_port)
start_pinned "$SUT_CPU" node --conditions=@flynn-ts/source --import tsx "$HERE/dns-bench-server.ts" --port "$WPORT" --instances 3 --workers "$WORKERS" >"$T/ours-workers.log" 2>&1
declare -A PORT=([dnsmasq]=$DPORT [ours]=$OPORT [node-dgram-raw]=$RPORT [ours-workers]=$WPORT)
declare -A PID=([dnsmasq]=$DPID [ours]=$OPID [node-dgram-raw]=$RPID)
ORDER=(dnsmasq ours node-dgram-raw ours-workers)
if [ "$SPREAD" = 1 ]; then
  SDPORT=$(free_port); SWPORT=$(free_port)
  start_pinned "$GEN_CPU,$SUT_CPU" dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts --addn-hosts="$T/hosts" \
    --listen-address=127.0.0.1 --bind-interfaces --port="$SDPORT" --pid-file="$T/dnsmasq-spread.pid" --cache-size=1000 --local-ttl=0 >/dev/null
  PID[dnsmasq-spread]=${STARTED_PIDS[-1]}
  start_pinned "$GEN_CPU,$SUT_CPU" node --conditions=@flynn-ts/source --import tsx "$HERE/dns-bench-server.ts" --port "$SWPORT" --instances 3 --workers "$WORKERS" >"$T/ours-workers-spread.log" 2>&1
  PORT[dnsmasq-spread]=$SDPORT; PORT[ours-workers-spread]=$SWPORT
  ORDER+=(dnsmasq-spread ours-workers-spread)
fi
# CPU time (user+system, clock ticks) of one or more processes (comma-separated PIDs): robust to other load on the
# machine, unlike qps
proc_ticks() { local p u=0 k=0 a b; for p in ${1//,/ }; do read -r a b < <(awk '{print $14, $15}' "/proc/$p/stat"); u=$((u + a)); k=$((k + b)); done; echo "$u $k"; }   # user system
TICK_US=$((1000000 / $(getconf CLK_TCK)))
for k in ours ours-workers ours-workers-spread; do
  [ -n "${PORT[$k]:-}" ] || continue
  for i in $(seq 1 300); do grep -q '^ready' "$T/$k.log" 2>/dev/null && break; sleep 0.1; done
  PID[$k]="$(sed -n 's/^ready [0-9]* \([0-9,]*\).*/\1/p' "$T/$k.log" | head -n 1)"
  [ -n "${PID[$k]}" ] || { log "$k did not start"; cat "$T/$k.log" >&2; exit 1; }
done
sleep 0.5
for k in "${ORDER[@]}"; do
  [ "$k" = node-dgram-raw ] && continue
  a=""
  for i in 1 2 3 4 5; do  # the workers load the service on the first query
    a="$(dig +short +time=3 +tries=1 @127.0.0.1 -p "${PORT[$k]}" svc.discoverd A 2>/dev/null | sort | tr '\n' ' ')"
    [ "$a" = "10.0.0.1 10.0.0.2 10.0.0.3 " ] && break
  done
  if [ "$a" != "10.0.0.1 10.0.0.2 10.0.0.3 " ]; then log "bad answer from $k: '$a'"; cat "$T"/ours*.log >&2; exit 1; fi
done
run_dnsperf() { # port duration pid -> "qps avg_latency_ms lost gen_cpu% sut_cpu% server_cpu_us_per_query server_user_us_per_query"
  local g0 s0 g1 s1 p0 p1 out u0 k0 u1 k1
  g0="$(cpu_snap "$GEN_CPU")"; s0="$(cpu_snap "$SUT_CPU")"; p0="$(proc_ticks "$3")"
  out="$(timeout $(($2 + 20)) taskset -c "$GEN_CPU" dnsperf -s 127.0.0.1 -p "$1" -d "$T/queries" -l "$2" -c 1 -T 1 -q 100 -t 2 2>&1)"
  g1="$(cpu_snap "$GEN_CPU")"; s1="$(cpu_snap "$SUT_CPU")"; p1="$(proc_ticks "$3")"
  echo "$out" >> "$RESULTS_DIR/discovery-dns-$STAMP.log"
  read -r u0 k0 <<< "$p0"; read -r u1 k1 <<< "$p1"
  echo "$out" | awk -v gp="$(cpu_pct "$g0" "$g1")" -v sp="$(cpu_pct "$s0" "$s1")" \
    -v us="$(( (u1 + k1 - u0 - k0) * TICK_US ))" -v uu="$(( (u1 - u0) * TICK_US ))" \
    '/Queries completed:/ {done=$3} /Queries lost:/ {lost=$3} /Queries per second:/ {qps=$4} /Average Latency/ {lat=$4*1000}
     END {printf "%s %s %s %s %s %.2f %.2f\n", qps, lat, lost+0, gp, sp, (done > 0 ? us / done : 0), (done > 0 ? uu / done : 0)}'
}
for k in "${ORDER[@]}"; do run_dnsperf "${PORT[$k]}" 3 "${PID[$k]}" >/dev/null; done   # warm-up (JIT, caches)
printf 'setup\trep\tqps\tavg_latency_ms\tlost\tgen_cpu_pct\tsut_cpu_pct\tcpu_us_per_query\tuser_us_per_query\n' > "$TSV"
for rep in $(seq 1 "$REPS"); do
  for k in "${ORDER[@]}"; do
    read -r qps lat lost gp sp cpq upq < <(run_dnsperf "${PORT[$k]}" "$DUR" "${PID[$k]}")
    log "rep $rep $k: $qps qps avg=${lat}ms lost=$lost cpu gen=${gp}% sut=${sp}% server=${cpq}us/query (user ${upq})"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$k" "$rep" "$qps" "$lat" "$lost" "$gp" "$sp" "$cpq" "$upq" >> "$TSV"
    sleep 1
  done
done
cleanup_all
{
  echo "Layout: $LAYOUT; REPS=$REPS DUR=${DUR}s; query '$QNAME $QTYPE' (3 A records); $(nproc) vCPU, $(lscpu | sed -n 's/^Model name: *//p'); node $(node --version)"
  echo; echo "### DNS UDP ($STAMP) — baseline: dnsmasq; ours-workers = $WORKERS DnsWorkerPool processes"
  node "$PERF_DIR/summarize.js" "$TSV" dnsmasq
} | tee "$RESULTS_DIR/discovery-dns-$STAMP.md" >&2
node "$HERE/dns-bench-summary.js" "$TSV"
