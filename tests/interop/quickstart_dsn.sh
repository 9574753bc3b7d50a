#!/usr/bin/env bash
# The quickstart with SENTRY_DSN set also sends its envelopes there: runs it against the capture
# server on loopback and checks that the transaction arrived at /api/42/envelope/ with the
# X-Sentry-Auth header, byte for byte equal to the file it wrote.
#   quickstart_dsn.sh <quickstart binary> <work dir>
set -u
quickstart="$1"
work="$2"
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/capture_lib.sh"
rm -rf "$work" && mkdir -p "$work/server" "$work/files"
trap stop_capture_server EXIT
start_capture_server "$work/server" "$work/server.log" 60
check "capture server started" '[ -n "$port" ]'
SENTRY_DSN="http://public@127.0.0.1:$port/42" "$quickstart" "$work/files" > "$work/quickstart.log" 2>&1
status=$?
check "quickstart exits 0" '[ "$status" -eq 0 ]'
check "quickstart says it sent to SENTRY_DSN" 'grep -q "sent to SENTRY_DSN as well" "$work/quickstart.log"'
received="$(ls "$work/server"/*.envelope 2>/dev/null | head -1)"
written="$(ls "$work/files"/*transaction.envelope 2>/dev/null | head -1)"
check "the server received an envelope" '[ -n "$received" ]'
check "it is the transaction the quickstart wrote to its file" '[ -n "$written" ] && cmp -s "$received" "$written"'
check "it went to /api/42/envelope/ with X-Sentry-Auth" 'grep -q "/api/42/envelope/" "$work/server"/*.request.json && grep -q "sentry_key=public" "$work/server"/*.request.json'
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
