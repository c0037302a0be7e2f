#!/usr/bin/env bash
# Blobstore throughput (issue #10): upload/download MB/s of one blob through flynn-blobstore (directory and
# PostgreSQL backends) vs nginx (static file download, WebDAV PUT upload), curl as the client, same run,
# repetitions interleaved (see blob-bench.ts). Servers pinned to CPU $SUT_CPU, curl to CPU $GEN_CPU.
# Run from anywhere: bash packages/blobstore/bench/blob-bench.sh   (env: SIZE_MIB=100 REPS=3 GEN_CPU=0 SUT_CPU=1)
# Last line on stdout: {"bench":"blobstore","figures":{...},"peers":{...},"ratios":{...}}
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
for c in curl nginx taskset; do command -v "$c" >/dev/null || { echo "blob-bench: needs $c" >&2; exit 1; }; done
echo "machine: $(nproc) vCPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r), $(nginx -v 2>&1), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
cd "$REPO"
exec node --conditions=@flynn-ts/source --import tsx packages/blobstore/bench/blob-bench.ts --size-mib "${SIZE_MIB:-100}" --reps "${REPS:-3}"
