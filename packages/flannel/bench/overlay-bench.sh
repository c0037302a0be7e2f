#!/usr/bin/env bash
# Overlay vs underlay TCP throughput between two network-namespace "hosts"
# running the real discoverd and flannel daemons. Root only (network
# namespaces); uses iperf3 when installed, else a Node sender/sink.
#
#   REPS=3 DUR=5 bash packages/flannel/bench/overlay-bench.sh      (from the repo root)
#
# Prints progress on stderr and one JSON line {"bench":"overlay",...} last.
set -euo pipefail
cd "$(dirname "$0")/../../.."
if [ "$(id -u)" != 0 ]; then
  echo '{"bench":"overlay","skipped":"needs root (network namespaces)"}'
  exit 0
fi
exec node --conditions=@flynn-ts/source --import tsx packages/flannel/bench/overlay-bench.ts
