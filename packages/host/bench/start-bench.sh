#!/usr/bin/env bash
# Start-latency benchmark (issue #6): API-call-to-running through the real flynn-host daemon (oci driver)
# and OciDriver.start(), each against a bare `runc run -d` of the same bundle in the same run (see start-bench.ts).
# Root only. Run from anywhere: bash packages/host/bench/start-bench.sh, or npm run bench -w @flynn-ts/host
#   env: JOBS=100 CONCURRENT=50 IDLE=100 DRIVER_JOBS=100 RUNTIME=runc MONITOR=flynn WRAPPER=perl PROCESS_JOBS=0
#   (MONITOR=conmon WRAPPER=perl|sh: the driver level with conmon; the API level's daemon uses flynn-monitor when built)
# Last line on stdout: {"bench":"host-start","figures":{...},"peers":{...},"ratios":{...}}
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
[ "$(id -u)" = 0 ] || { echo "start-bench: needs root (containers, mounts)" >&2; exit 1; }
MON="$HERE/../build/Release/flynn-monitor"
[ -x "$MON" ] || { echo "start-bench: flynn-monitor is not built: npm run build:native -w @flynn-ts/host (or node packages/host/native/build-monitor.mjs)" >&2; exit 1; }
for c in "${RUNTIME:-runc}" conmon mount mksquashfs perl; do command -v "$c" >/dev/null || { echo "start-bench: needs $c" >&2; exit 1; }; done
[ -x /usr/bin/busybox ] && [ -x /usr/bin/tini-static ] || { echo "start-bench: needs busybox-static and tini (tini-static)" >&2; exit 1; }
echo "machine: $(nproc) vCPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r), $(${RUNTIME:-runc} --version | head -1), flynn-monitor, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
cd "$REPO"
exec node --conditions=@flynn-ts/source --import tsx packages/host/bench/start-bench.ts \
  --jobs "${JOBS:-100}" --concurrent "${CONCURRENT:-50}" --idle "${IDLE:-100}" --driver-jobs "${DRIVER_JOBS:-100}" \
  --runtime "${RUNTIME:-runc}" --wrapper "${WRAPPER:-perl}" --monitor "${MONITOR:-flynn}" --process-jobs "${PROCESS_JOBS:-0}"
