#!/usr/bin/env bash
# bench/callgrind_profiler.sh -- instructions per profiler sample under callgrind
#
# usage: bench/callgrind_profiler.sh <path to bench_profiler> [N]   (N samples per mode, default 100000)
#
# For each mode runs `bench_profiler --loop-only N mode` and `--loop-only 0 mode` under callgrind
# and prints (Ir of N - Ir of 0) / N, so start-up and registration cancel out:
#   capture  the handler's capture step (machine state from a ucontext, the frame-pointer walk of
#            a stack about 35 frames deep, the ring write), plus the ring's drain;
#   handler  the whole handler called directly: gettid, finding the slot, the capture, the futex
#            wake (the kernel's side of the two system calls is not counted).
# Signal delivery itself (mode `signal`) is left out: under valgrind it is valgrind's own.
set -euo pipefail
if [[ $# -lt 1 ]]; then
  echo "usage: $0 <bench_profiler> [N]" >&2
  exit 2
fi
bench="$1"
n="${2:-100000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Total instructions (Ir) of one run of bench_profiler --loop-only <count> <mode>.
instructions() {
  local count=$1 mode=$2 out="$work/cg.$1.$2"
  valgrind --tool=callgrind --callgrind-out-file="$out" "$bench" --loop-only "$count" "$mode" > /dev/null 2> "$work/log"
  awk '/^summary:/ { print $2 }' "$out"
}

printf '%-10s %14s %14s %12s\n' mode "Ir(N=$n)" "Ir(N=0)" "Ir/sample"
for mode in capture handler; do
  full=$(instructions "$n" "$mode")
  base=$(instructions 0 "$mode")
  awk -v m="$mode" -v f="$full" -v b="$base" -v n="$n" 'BEGIN { printf "%-10s %14.0f %14.0f %12.1f\n", m, f, b, (f - b) / n }'
done
