#!/usr/bin/env bash
# Netlink benchmark (issue #5): create + delete 1,000 veth pairs via @flynn-ts/netlink against `ip -batch`,
# each in a fresh network namespace, same run, repetitions interleaved (see veth-bench.ts).
# Run as root from anywhere: bash packages/netlink/bench/veth-bench.sh   (env: PAIRS=1000 REPS=3 WINDOW=64 WARMUP=100 CHEAP=20000 SETTLE_MS=3000 SUT_CPU=1)
# Everything runs pinned to CPU $SUT_CPU (the kernel does the work in the caller's context, for both sides).
# Last line on stdout: {"bench":"netlink","figures":{...},"peers":{...},"ratios":{...}}
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
[ "$(id -u)" = 0 ] || { echo "veth-bench: needs root (network namespaces)" >&2; exit 1; }
command -v ip >/dev/null || { echo "veth-bench: needs iproute2 (ip)" >&2; exit 1; }
PIN=()
if command -v taskset >/dev/null && [ "$(nproc)" -gt "${SUT_CPU:-1}" ]; then PIN=(taskset -c "${SUT_CPU:-1}"); fi
echo "machine: $(nproc) vCPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r), $(ip -V)" >&2
echo "pinned: ${PIN[*]:-no}" >&2
cd "$REPO"
exec "${PIN[@]}" node --conditions=@flynn-ts/source --import tsx packages/netlink/bench/veth-bench.ts \
  --pairs "${PAIRS:-1000}" --reps "${REPS:-3}" --window "${WINDOW:-64}" --warmup "${WARMUP:-100}" --cheap "${CHEAP:-20000}" --settle "${SETTLE_MS:-3000}"
