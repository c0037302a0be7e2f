#!/usr/bin/env bash
# Runtime start-latency benchmark (issue #6): oci driver start → running vs a bare `runc run -d`
# of the same bundle, same run, interleaved (see start-bench.ts). Root only.
# Run from anywhere: bash packages/host/bench/start-bench.sh   (env: JOBS=100 CONCURRENT=50 RUNTIME=runc PROCESS_JOBS=0)
# Last line on stdout: {"bench":"host-runtime-start","figures":{...},"peers":{...},"ratios":{...}}
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
[ "$(id -u)" = 0 ] || { echo "start-bench: needs root (containers, mounts)" >&2; exit 1; }
for c in "${RUNTIME:-runc}" conmon mount; do command -v "$c" >/dev/null || { echo "start-bench: needs $c" >&2; exit 1; }; done
[ -x /usr/bin/busybox ] && [ -x /usr/bin/tini-static ] || { echo "start-bench: needs busybox-static and tini (tini-static)" >&2; exit 1; }
echo "machine: $(nproc) vCPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r), $(${RUNTIME:-runc} --version | head -1), $(conmon --version | head -1)" >&2
cd "$REPO"
exec node --conditions=@flynn-ts/source --import tsx packages/host/bench/start-bench.ts \
  --jobs "${JOBS:-100}" --concurrent "${CONCURRENT:-50}" --runtime "${RUNTIME:-runc}" --process-jobs "${PROCESS_JOBS:-0}"
