# capture_lib.sh -- sourced by the shell tests that need the capture server on loopback.
#
#   start_capture_server <out dir> <log file> [timeout s]   sets $server (pid) and $port
#   check <description> <shell condition>                    counts into $passed / $failed
#
# The caller's EXIT trap should call stop_capture_server.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
passed=0
failed=0

start_capture_server() {
  python3 "$here/capture_server.py" --port 0 --out "$1" --timeout "${3:-60}" > "$2" 2>&1 &
  server=$!
  port=""
  for _ in $(seq 1 100); do
    port="$(awk '/^PORT /{print $2; exit}' "$2")"
    [ -n "$port" ] && return 0
    sleep 0.1
  done
  return 1
}

stop_capture_server() {
  kill "$server" 2>/dev/null
  wait "$server" 2>/dev/null
}

check() {
  if eval "$2"; then
    echo "ok  : $1"
    passed=$((passed + 1))
  else
    echo "FAIL: $1"
    failed=$((failed + 1))
  fi
}
