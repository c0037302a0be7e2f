#!/usr/bin/env bash
# Log aggregator ingest (issue #10): lines/s flynn-logaggregator takes over syslog TCP from CONNS hosts at once,
# vs a framing-only sink (same TCP input and RFC 6587 decoder, no parsing/storing), same run, interleaved
# (see ingest-bench.ts). Servers pinned to CPU $SUT_CPU, the sender to CPU $GEN_CPU.
# Run from anywhere: bash packages/logaggregator/bench/ingest-bench.sh   (env: LINES=400000 CONNS=4 REPS=3 GEN_CPU=0 SUT_CPU=1)
# Last line on stdout: {"bench":"logaggregator-ingest","figures":{...},"peers":{...},"ratios":{...}}
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
command -v taskset >/dev/null || { echo "ingest-bench: needs taskset" >&2; exit 1; }
echo "machine: $(nproc) vCPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r), node $(node --version), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
cd "$REPO"
exec taskset -c "${GEN_CPU:-0}" node --conditions=@flynn-ts/source --import tsx packages/logaggregator/bench/ingest-bench.ts \
  --lines "${LINES:-400000}" --conns "${CONNS:-4}" --reps "${REPS:-3}"
