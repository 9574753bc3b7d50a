#!/usr/bin/env bash
# bench/callgrind.sh -- instructions per span under callgrind (they do not vary with load)
#
# usage: bench/callgrind.sh <path to bench_span> [N]      (N spans per mode, default 200000)
#
# For each mode (sampled child span with one string attribute, the same with profiling on, unsampled child span, root
# transaction with no children) runs `bench_span --loop-only N mode` and `--loop-only 0 mode`
# under callgrind and prints (Ir of N - Ir of 0) / N: start-up, init() and shutdown() cancel out,
# as bench_span.cpp's header describes. What a sampled span costs includes its share of
# serializing its transaction (a batch of SENTRY_TRACE_MAX_SPANS children per root). The
# `serialize` row is write_transaction_envelope() alone, per span of a 1000-span transaction
# written 20 times into a buffer and not sent (about 0.15 G instructions); the span-path row
# collects only the loop of child spans (start, one attribute, end), and span-path+p the same
# with transaction profiling on (the `profiled` mode: every root profiled, the sampler at 1 Hz).
set -euo pipefail
if [[ $# -lt 1 ]]; then
  echo "usage: $0 <bench_span> [N]" >&2
  exit 2
fi
bench="$1"
n="${2:-200000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Total instructions (Ir) of one run of bench_span --loop-only <count> <mode>.
instructions() {
  local count=$1 mode=$2 out="$work/cg.$1.$2"
  valgrind --tool=callgrind --callgrind-out-file="$out" "$bench" --loop-only "$count" "$mode" > /dev/null 2> "$work/log"
  awk '/^summary:/ { print $2 }' "$out"
}

# Instructions of child_batch() alone (the span path: start, one attribute, end; no root, no
# serialization) over N sampled child spans.
span_path_instructions() {
  local mode="${1:-sampled}" out="$work/cg.path.${1:-sampled}"
  valgrind --tool=callgrind --toggle-collect='child_batch*' --callgrind-out-file="$out" "$bench" --loop-only "$n" "$mode" > /dev/null 2> "$work/log"
  awk '/^summary:/ { print $2 }' "$out"
}

printf '%-10s %14s %14s %12s\n' mode "Ir(N=$n)" "Ir(N=0)" "Ir/span"
for mode in sampled profiled unsampled root; do
  full=$(instructions "$n" "$mode")
  base=$(instructions 0 "$mode")
  awk -v m="$mode" -v f="$full" -v b="$base" -v n="$n" 'BEGIN { printf "%-10s %14.0f %14.0f %12.1f\n", m, f, b, (f - b) / n }'
done
writes=20
full=$(instructions "$writes" serialize)
base=$(instructions 0 serialize)
awk -v f="$full" -v b="$base" -v w="$writes" 'BEGIN { printf "%-10s %14.0f %14.0f %12.1f\n", "serialize", f, b, (f - b) / (w * 1000) }'
path=$(span_path_instructions)
awk -v f="$path" -v n="$n" 'BEGIN { printf "%-10s %14.0f %14s %12.1f   (child_batch alone: the span path without its root or serialization)\n", "span-path", f, "-", f / n }'
path=$(span_path_instructions profiled)
awk -v f="$path" -v n="$n" 'BEGIN { printf "%-10s %14.0f %14s %12.1f   (the same with transaction profiling on)\n", "span-path+p", f, "-", f / n }'
