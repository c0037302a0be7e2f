#!/usr/bin/env bash
# flynn-router against nginx and HAProxy (keep-alive upstreams), same run, same pinning, wrk -c50, 13-byte body.
#   bash packages/router/bench/http-bench.sh        (env: REPS=3 DUR=10 LAYOUTS="1 n" WORKERS_N=$(nproc) WARM=2)
# Layout "1": wrk on CPU 0; backend + the proxy under test on CPU 1 (one nginx worker, one HAProxy thread, one router process).
# Layout "n": nothing pinned, wrk -t2; N nginx workers, N HAProxy threads, N router workers (N = WORKERS_N).
# Adapted from ../shared/bench/http-bench.sh (lib.sh, backend.mjs and summarize.mjs are copies of the shared ones).
# "Configured equivalently": nginx and HAProxy also set X-Forwarded-For/-Proto/-Port, X-Request-Start and X-Request-Id,
# which the router adds to every request (the backend pays for parsing them in every setup but "direct").
# Ends with one JSON line: {"bench":"router-http","figures":{...},"peers":{...},"ratios":{...}}.
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
RESULTS_DIR="${RESULTS_DIR:-$ROOT/.flynn/bench}"   # (lib.sh would default to a folder inside the package)
. "$(dirname "$0")/lib.sh"
ROUTER_CMD="${ROUTER_CMD:-node --conditions=@flynn-ts/source --import tsx $ROOT/daemons/router/src/main.ts}"
WORKERS_N="${WORKERS_N:-$(nproc)}"
LAYOUTS="${LAYOUTS:-1 n}"
WARM="${WARM:-2}"
trap cleanup_all EXIT INT TERM
mkdir -p "$RESULTS_DIR"
STAMP="$(date +%Y%m%d-%H%M%S)"
TSV="$RESULTS_DIR/router-http-$STAMP.tsv"
export WRK_LOG="$RESULTS_DIR/router-http-$STAMP.wrk.log"
mk_tmp T
chmod 755 "$T"
cd "$ROOT"

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 -subj /CN=localhost 2>/dev/null

nginx_conf() { # name workers listen-port tls(0/1) backend-port
  local d="$T/nginx-$1"; mkdir -p "$d"
  local ssl="" ; [ "$4" = 1 ] && ssl="ssl"
  cat > "$d/nginx.conf" <<NG
worker_processes $2;
error_log $d/error.log warn;
pid $d/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $d/b; proxy_temp_path $d/p; fastcgi_temp_path $d/f; uwsgi_temp_path $d/u; scgi_temp_path $d/s;
  keepalive_requests 1000000;
  upstream backend { server 127.0.0.1:$5; keepalive 64; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:$3 $ssl;
    ssl_certificate $T/cert.pem; ssl_certificate_key $T/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3; ssl_session_cache shared:SSL:1m;
    location / {
      proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for; proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Port \$server_port; proxy_set_header X-Request-Start \$msec; proxy_set_header X-Request-Id \$request_id;
    }
  }
}
NG
  echo "$d/nginx.conf"
}

haproxy_conf() { # name threads port backend-port
  cat > "$T/haproxy-$1.cfg" <<HA
global
  nbthread $2
  maxconn 4000
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  option http-keep-alive
  http-reuse always
frontend fe
  bind 127.0.0.1:$3
  option forwardfor
  unique-id-format %{+X}o%ci%cp%fp%Ts%rt%pid
  unique-id-header X-Request-Id
  http-request set-header X-Forwarded-Proto http
  http-request set-header X-Forwarded-Port %[dst_port]
  http-request set-header X-Request-Start %[date(0,ms)]
  default_backend be
backend be
  server s1 127.0.0.1:$4
HA
  echo "$T/haproxy-$1.cfg"
}

start_router() { # cpus workers http-port https-port api-port backend-port
  cat > "$T/routes-$3.json" <<JS
{"routes":[{"type":"http","id":"bench","service":"bench","domain":"*"}],"backends":{"bench":["127.0.0.1:$6"]}}
JS
  COOKIE_KEY="$(head -c32 /dev/urandom | base64)" LISTEN_IP=127.0.0.1 start_pinned "$1" $ROUTER_CMD --workers "$2" --http-port "$3" --https-port "$4" \
    --api-port "$5" --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" --routes-file "$T/routes-$3.json" --log-level warn
}

# CPU ticks (user+system) of a process and its children (nginx/router workers)
proc_ticks() {
  local t=0 p v
  [ -z "$1" ] && { echo 0; return; }
  for p in "$1" $(pgrep -P "$1"); do v=$(awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null); t=$((t + ${v:-0})); done
  echo "$t"
}
CLK_TCK=$(getconf CLK_TCK)

declare -A URL CPUS THREADS SPID
ORDER=()
add() { URL[$1]="$2"; CPUS[$1]="$3"; THREADS[$1]="$4"; SPID[$1]="$5"; ORDER+=("$1"); }
BPORT=$(free_port)
start_pinned "$SUT_CPU" node "$PERF_DIR/backend.mjs" "$BPORT" >/dev/null; BPID=${STARTED_PIDS[-1]}
PORTS=("$BPORT")
for layout in $LAYOUTS; do
  if [ "$layout" = 1 ]; then cpus="$SUT_CPU"; gen="$GEN_CPU"; w=1; thr=1; sfx=""; else cpus="0-$((WORKERS_N - 1))"; gen="0-$((WORKERS_N - 1))"; w="$WORKERS_N"; thr=2; sfx="-n"; fi
  NP=$(free_port); NT=$(free_port); HP=$(free_port); RP=$(free_port); RS=$(free_port); RA=$(free_port)
  start_pinned "$cpus" nginx -p "$T" -c "$(nginx_conf "plain$sfx" "$w" "$NP" 0 "$BPORT")" -g 'daemon off;' >/dev/null; NPID=${STARTED_PIDS[-1]}
  start_pinned "$cpus" nginx -p "$T" -c "$(nginx_conf "tls$sfx" "$w" "$NT" 1 "$BPORT")" -g 'daemon off;' >/dev/null; NTPID=${STARTED_PIDS[-1]}
  start_pinned "$cpus" haproxy -f "$(haproxy_conf "h$sfx" "$w" "$HP" "$BPORT")" -db >/dev/null; HPID=${STARTED_PIDS[-1]}
  start_router "$cpus" "$w" "$RP" "$RS" "$RA" "$BPORT" >/dev/null; RPID=${STARTED_PIDS[-1]}
  PORTS+=("$NP" "$NT" "$HP" "$RP" "$RS")
  add "direct$sfx" "http://127.0.0.1:$BPORT/" "$gen" "$thr" ""
  add "nginx$sfx" "http://127.0.0.1:$NP/" "$gen" "$thr" "$NPID"
  add "haproxy$sfx" "http://127.0.0.1:$HP/" "$gen" "$thr" "$HPID"
  add "router$sfx" "http://127.0.0.1:$RP/" "$gen" "$thr" "$RPID"
  add "nginx-tls$sfx" "https://127.0.0.1:$NT/" "$gen" "$thr" "$NTPID"
  add "router-tls$sfx" "https://127.0.0.1:$RS/" "$gen" "$thr" "$RPID"
done
for p in "${PORTS[@]}"; do wait_port "$p" || exit 1; done
for k in "${ORDER[@]}"; do
  b="$(curl -sk --max-time 5 "${URL[$k]}")"; [ "$b" = "Hello, World!" ] || { log "bad answer from $k: '$b'"; exit 1; }
done

bench_one() { # name duration -> "rps p99 p50 errors gen% sut% proxy_us_per_req backend_us_per_req"
  local p0 b0 p1 b1 line n
  p0=$(proc_ticks "${SPID[$1]}"); b0=$(proc_ticks "$BPID")
  line=$(GEN_CPU="${CPUS[$1]}" DUR="$2" run_wrk_t "${URL[$1]}" "${THREADS[$1]}")
  p1=$(proc_ticks "${SPID[$1]}"); b1=$(proc_ticks "$BPID")
  n=$(echo "$line" | awk -v d="$2" '{print $1 * d}')
  echo "$line $(awk -v a="$p0" -v b="$p1" -v n="$n" -v t="$CLK_TCK" 'BEGIN{printf "%.2f", (n>0 ? (b-a)*1e6/t/n : 0)}') $(awk -v a="$b0" -v b="$b1" -v n="$n" -v t="$CLK_TCK" 'BEGIN{printf "%.2f", (n>0 ? (b-a)*1e6/t/n : 0)}')"
}
# run_wrk from lib.sh with a thread count
run_wrk_t() {
  local url="$1" t="$2" out g0 s0 g1 s1
  g0="$(cpu_snap "$GEN_CPU")"; s0="$(cpu_snap "$SUT_CPU")"
  out="$(timeout $((DUR + 20)) taskset -c "$GEN_CPU" wrk -t"$t" -c50 -d"${DUR}s" --latency "$url" 2>&1)"
  g1="$(cpu_snap "$GEN_CPU")"; s1="$(cpu_snap "$SUT_CPU")"
  echo "$out" >> "${WRK_LOG:-/dev/null}"
  echo "$out" | awk -v gp="$(cpu_pct "$g0" "$g1")" -v sp="$(cpu_pct "$s0" "$s1")" '
    function ms(v){ if (v ~ /us$/) {sub(/us$/,"",v); return v/1000} if (v ~ /ms$/) {sub(/ms$/,"",v); return v+0} if (v ~ /s$/) {sub(/s$/,"",v); return v*1000} return v }
    /^ +50%/ {p50=ms($2)} /^ +99%/ {p99=ms($2)}
    /Requests\/sec:/ {rps=$2}
    /Non-2xx/ {err+=$NF} /Socket errors/ {e=$0; gsub(/[^0-9 ]/,"",e); n=split(e,a," "); for(i=1;i<=n;i++) err+=a[i]}
    END { printf "%s %s %s %d %s %s\n", rps, p99, p50, err+0, gp, sp }'
}
for k in "${ORDER[@]}"; do bench_one "$k" 3 >/dev/null; done

log "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf 'setup\trep\treq_per_s\tp99_ms\tp50_ms\terrors\tgen_cpu_pct\tsut_cpu_pct\tproxy_us_req\tbackend_us_req\n' > "$TSV"
for rep in $(seq 1 "$REPS"); do
  for k in "${ORDER[@]}"; do
    # Unmeasured warm-up of the same setup first (every setup alike): a JIT-compiled proxy that sat idle
    # while the other setups ran starts cold (see docs/benchmarks.md); WARM=0 measures it cold.
    [ "$WARM" != 0 ] && timeout $((WARM + 10)) taskset -c "${CPUS[$k]}" wrk -t"${THREADS[$k]}" -c50 -d"${WARM}s" "${URL[$k]}" >/dev/null 2>&1
    read -r rps p99 p50 err gp sp pus bus < <(bench_one "$k" "$DUR")
    log "rep $rep $k: $rps req/s p99=${p99}ms p50=${p50}ms errors=$err cpu gen=${gp}% sut=${sp}% proxy=${pus}us/req backend=${bus}us/req"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$k" "$rep" "$rps" "$p99" "$p50" "$err" "$gp" "$sp" "$pus" "$bus" >> "$TSV"
    sleep 1
  done
done
LOADAVG="$(cut -d' ' -f1-3 /proc/loadavg)"
log "load average after: $LOADAVG"
cleanup_all
{
  echo "flynn-router HTTP benchmark $STAMP; REPS=$REPS DUR=${DUR}s WARM=${WARM}s before each; layout 1: wrk on CPU $GEN_CPU, servers on CPU $SUT_CPU; layout n: unpinned, $WORKERS_N workers/threads; load average after: $LOADAVG"
  echo; echo "### all setups, baseline nginx (layout 1)"; node "$PERF_DIR/summarize.mjs" "$TSV" nginx
} | tee "$RESULTS_DIR/router-http-$STAMP.md" >&2
node "$PERF_DIR/bench-json.mjs" "$TSV" "$LOADAVG"
