#!/usr/bin/env bash
# bench/integrations/callgrind_http.sh -- instructions per request of the HTTP wrappers' own work
#
# usage: bench/integrations/callgrind_http.sh <path to bench_http> [N]   (N requests, default 2000)
#
# Runs `bench_http --loop-only N <mode>` and `--loop-only 0 <mode>` under callgrind for each mode
# of the wrappers' own work (and the baggage alone) and prints (Ir of N - Ir of 0) / N: what one
# request costs, start-up and shutdown left out. Callgrind counts instructions, so the figures
# do not vary with the machine's load. Only the thread that runs the loop is counted
# (--toggle-collect), so the sampled rows leave out writing the transactions, which the
# handoff's worker does, except the -inline rows, which write them on that thread: one
# transaction a request (own-server) or one a 500 (own-client). callgrind_annotate on the files
# kept in the directory printed last splits them by function.
set -euo pipefail
if [[ $# -lt 1 ]]; then
  echo "usage: $0 <bench_http> [N]" >&2
  exit 2
fi
bench="$(realpath "$1")"
n="${2:-2000}"
work="$(mktemp -d)"

collected() {  # the Ir callgrind reports for one run, on the thread that runs the mode's loop
  valgrind --tool=callgrind --toggle-collect='*own_client*' --toggle-collect='*own_server*' \
    --toggle-collect='*baggage_alone*' --callgrind-out-file="$work/cg.$2.$1" "$bench" \
    --loop-only "$1" "$2" > /dev/null 2> "$work/log.$2.$1"
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$work/log.$2.$1"
}

for mode in baggage-parse baggage-write own-server own-server-inline own-server-unsampled own-client own-client-inline \
            own-client-unsampled; do
  full=$(collected "$n" "$mode")
  none=$(collected 0 "$mode")
  printf '%-22s %8d Ir/request\n' "$mode" $(( (full - none) / n ))
done
echo "callgrind files: $work"
