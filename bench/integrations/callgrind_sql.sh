#!/usr/bin/env bash
# bench/integrations/callgrind_sql.sh -- client-side instructions per query of the SQL wrappers
#
# usage: bench/integrations/callgrind_sql.sh <path to bench_sql_servers> [N]   (N queries, default 2000)
#
# Starts PostgreSQL and MariaDB with tests/integrations/servers.py, then runs
# `bench_sql_servers --loop-only N <mode>` under callgrind, collecting measured_loop() only, and
# prints Ir / N per mode and the difference to the bare query. Callgrind counts this process
# alone (libpq / Connector/C and the wrapper; the server is another process), so the figures do
# not vary with load. The sampled rows include ending a root per 500 queries; the thread that
# writes it is the worker's, which the toggle leaves out, except in the -inline rows, which
# write it on the query's thread (a user transport without serialize_on_worker).
set -euo pipefail
if [[ $# -lt 1 ]]; then
  echo "usage: $0 <bench_sql_servers> [N]" >&2
  exit 2
fi
bench="$(realpath "$1")"
n="${2:-2000}"
here="$(cd "$(dirname "$0")" && pwd)"
servers="$here/../../tests/integrations/servers.py"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cat > "$work/run.sh" <<INNER
#!/usr/bin/env bash
set -euo pipefail
for db in pq my; do
  bare=""
  for mode in bare sampled sampled-inline unsampled wrapper wrapper-inline wrapper-unsampled prepared; do
    out="$work/cg.\$db.\$mode"
    valgrind --tool=callgrind --toggle-collect='*measured_loop*' --callgrind-out-file="\$out" \
      "$bench" --loop-only "$n" "\$db-\$mode" > /dev/null 2> "$work/log"
    ir=\$(awk '/^summary:/ { print \$2 }' "\$out")
    per=\$(( ir / $n ))
    [[ "\$mode" == bare ]] && bare=\$per
    case "\$mode" in
      sampled|sampled-inline|unsampled) printf '%-3s %-18s %10d Ir/query  added %+8d\n' "\$db" "\$mode" "\$per" \$(( per - bare )) ;;
      *) printf '%-3s %-18s %10d Ir/query\n' "\$db" "\$mode" "\$per" ;;
    esac
  done
done
INNER
chmod +x "$work/run.sh"
python3 "$servers" postgres -- python3 "$servers" mariadb -- "$work/run.sh"
