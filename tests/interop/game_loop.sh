#!/usr/bin/env bash
# The game loop example delivers in poll mode to SENTRY_DSN: runs it against the capture server
# and checks that each level arrived as a transaction with Sentry's frame measurements, and
# that the process ran with a single thread (poll mode starts none of ours).
#   game_loop.sh <game_loop binary> <work dir>
set -u
game="$1"
work="$2"
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/capture_lib.sh"
rm -rf "$work" && mkdir -p "$work/server"
trap stop_capture_server EXIT
start_capture_server "$work/server" "$work/server.log" 90
check "capture server started" '[ -n "$port" ]'
SENTRY_DSN="http://public@127.0.0.1:$port/7" "$game" 2 60 > "$work/game.log" 2>&1 &
pid=$!
# Sample the thread count while the loop runs: poll mode must not start a delivery thread.
max_threads=0
while kill -0 "$pid" 2>/dev/null; do
  t="$(awk '/^Threads:/{print $2}' "/proc/$pid/status" 2>/dev/null)"
  [ -n "$t" ] && [ "$t" -gt "$max_threads" ] && max_threads="$t"
  sleep 0.05
done
wait "$pid"
status=$?
cat "$work/game.log" | grep '^level'
check "game_loop exits 0 (everything delivered)" '[ "$status" -eq 0 ]'
check "it ran on one thread (highest count seen: $max_threads)" '[ "$max_threads" -eq 1 ]'
n="$(grep -l '"type":"transaction"' "$work/server"/*.envelope 2>/dev/null | wc -l)"
check "both levels arrived as transactions ($n)" '[ "$n" -eq 2 ]'
for m in frames_total frames_slow frames_frozen frames_delay; do
  check "each level carries measurement $m" '[ "$(grep -l "\"$m\":{\"value\"" "$work/server"/*.envelope | wc -l)" -eq 2 ]'
done
check "frames_total is 60 on each level" '[ "$(grep -o "\"frames_total\":{\"value\":60," "$work/server"/*.envelope | wc -l)" -eq 2 ]'
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
