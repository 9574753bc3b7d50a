#!/usr/bin/env bash
# The quickstart with SENTRY_DSN set also sends its envelopes there: runs it against the capture
# server on loopback and checks that the transaction arrived at /api/42/envelope/ with the
# X-Sentry-Auth header, byte for byte equal to the file it wrote.
#   quickstart_dsn.sh <quickstart binary> <work dir>
set -u
quickstart="$1"
work="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rm -rf "$work" && mkdir -p "$work/server" "$work/files"
python3 "$here/capture_server.py" --port 0 --out "$work/server" --timeout 60 > "$work/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null' EXIT
port=""
for _ in $(seq 1 100); do
  port="$(awk '/^PORT /{print $2; exit}' "$work/server.log")"
  [ -n "$port" ] && break
  sleep 0.1
done
passed=0 failed=0
check() { if eval "$2"; then echo "ok  : $1"; passed=$((passed + 1)); else echo "FAIL: $1"; failed=$((failed + 1)); fi; }
check "capture server started" '[ -n "$port" ]'
SENTRY_DSN="http://public@127.0.0.1:$port/42" "$quickstart" "$work/files" > "$work/quickstart.log" 2>&1
check "quickstart exits 0" '[ $? -eq 0 ]'
check "quickstart says it sent to SENTRY_DSN" 'grep -q "sent to SENTRY_DSN as well" "$work/quickstart.log"'
received="$(ls "$work/server"/*.envelope 2>/dev/null | head -1)"
written="$(ls "$work/files"/*transaction.envelope 2>/dev/null | head -1)"
check "the server received an envelope" '[ -n "$received" ]'
check "it is the transaction the quickstart wrote to its file" '[ -n "$written" ] && cmp -s "$received" "$written"'
check "it went to /api/42/envelope/ with X-Sentry-Auth" 'grep -q "/api/42/envelope/" "$work/server"/*.request.json && grep -q "sentry_key=public" "$work/server"/*.request.json'
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
