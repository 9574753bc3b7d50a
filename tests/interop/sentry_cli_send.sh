#!/usr/bin/env bash
# Sends envelope files through the real sentry-cli (npm @sentry/cli, pinned in
# package.json) to a capture server on 127.0.0.1, and checks what arrives.
#
#   bash sentry_cli_send.sh <dir>
#
# For every *.envelope under <dir> that holds no client_report or span item
# (sentry-cli 3.8.0 does not know those item types and rejects the whole file):
#   1. `sentry-cli send-envelope FILE` parses the file with sentry's Rust
#      protocol types (stricter than Relay: RFC 3339 timestamps, known item
#      types) and re-serializes it; the server must get one envelope with the
#      same event_id, item types, trace_id, transaction name and span ids.
#   2. `sentry-cli send-envelope --raw FILE` sends the bytes as they are; the
#      server must get exactly those bytes.
# Prints one line per file and `N passed, M failed`. Exit status 0 when all
# passed, 1 on any failure or when <dir> holds no envelope to send, 77 (skip)
# when node or tests/interop/node_modules is missing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="${1:-}"
if [[ -z "$dir" ]]; then
  echo "usage: bash sentry_cli_send.sh <dir-with-.envelope-files>" >&2
  exit 2
fi

cli="$here/node_modules/.bin/sentry-cli"
if ! command -v node >/dev/null 2>&1; then
  echo "skipped: node is not on PATH; install Node.js and run scripts/install-deps.sh"
  exit 77
fi
if [[ ! -x "$cli" ]]; then
  echo "skipped: sentry-cli is not installed in $here/node_modules; run \`npm ci\` in tests/interop (scripts/install-deps.sh does it)"
  exit 77
fi

# The interpreter itself, not a wrapper script (pyenv shims would swallow the
# SIGTERM meant for the server).
py="${SENTRY_TRACE_PYTHON:-python3}"
py="$("$py" -c 'import sys; print(sys.executable)')"

# sentry-cli must talk to nobody but our server: no update check, no dotenv or
# .sentryclirc from the user's environment, no proxy.
work="$(mktemp -d "${TMPDIR:-/tmp}/sentry_cli_send.XXXXXX")"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/home" "$work/received"
unset SENTRY_AUTH_TOKEN SENTRY_ORG SENTRY_PROJECT SENTRY_PROPERTIES SENTRY_DOTENV_PATH \
      http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy 2>/dev/null || true
export HOME="$work/home"
export SENTRY_DISABLE_UPDATE_CHECK=true
export SENTRY_LOAD_DOTENV=0
export SENTRYCLI_SKIP_DOWNLOAD=1
export SENTRY_LOG_LEVEL=warn
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

# Which files to send: classify each one (strict framing, item types, ids).
mapfile -t files < <(find "$dir" -type f -name '*.envelope' 2>/dev/null | LC_ALL=C sort)
describe() {
  "$py" - "$1" <<'PY'
import json, sys

def items(path):
    data = open(path, "rb").read()
    line_end = data.find(b"\n")
    if line_end < 0:
        line_end = len(data)
    header = json.loads(data[:line_end].decode("utf-8"))
    pos, out = line_end + 1, []
    while pos < len(data):
        end = data.find(b"\n", pos)
        end = len(data) if end < 0 else end
        ih = json.loads(data[pos:end].decode("utf-8"))
        pos = end + 1
        if isinstance(ih.get("length"), int) and ih["length"] > 0:
            payload = data[pos:pos + ih["length"]]
            pos += ih["length"] + 1
        else:
            end = data.find(b"\n", pos)
            end = len(data) if end < 0 else end
            payload = data[pos:end]
            pos = end + 1
        out.append((ih, payload))
    return header, out

def summary(path):
    header, its = items(path)
    types = [ih.get("type") for ih, _ in its]
    s = {"event_id": str(header.get("event_id", "")).replace("-", ""), "types": types,
         "sendable": not any(t in ("client_report", "span") for t in types)}
    for ih, payload in its:
        if ih.get("type") == "transaction":
            p = json.loads(payload.decode("utf-8"))
            s["event_id_payload"] = str(p.get("event_id", "")).replace("-", "")
            s["transaction"] = p.get("transaction")
            s["trace_id"] = p.get("contexts", {}).get("trace", {}).get("trace_id")
            s["span_ids"] = sorted(x.get("span_id") for x in p.get("spans", []))
        elif ih.get("type") == "event":
            p = json.loads(payload.decode("utf-8"))
            s["event_id_payload"] = str(p.get("event_id", "")).replace("-", "")
    return s

try:
    s = summary(sys.argv[1])
except Exception as e:  # noqa: BLE001 - any parse failure is reported the same way
    print(json.dumps({"error": "%s: %s" % (type(e).__name__, e)}))
else:
    print(json.dumps(s, sort_keys=True))
PY
}

sendable=()
skipped=0   # files with client_report/span items; a file that does not parse is sent (and fails)
for f in "${files[@]}"; do
  d="$(describe "$f")"
  # JSON escapes quotes inside strings, so this key cannot come from a payload value.
  if [[ "$d" == *'"sendable": false'* ]]; then
    skipped=$((skipped + 1))
    continue
  fi
  sendable+=("$f")
done
if [[ ${#sendable[@]} -eq 0 ]]; then
  echo "FAIL: no envelope to send under $dir (${#files[@]} *.envelope files, $skipped with client_report/span items):"
  echo "      the file-transport tests must write their envelopes there"
  echo "0 passed, 0 failed"
  exit 1
fi

"$py" "$here/capture_server.py" --port 0 --out "$work/received" --timeout 600 \
  >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
port=""
for _ in $(seq 1 100); do
  port="$(awk '/^PORT /{print $2; exit}' "$work/server.out" 2>/dev/null || true)"
  [[ -n "$port" ]] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
  sleep 0.1
done
if [[ -z "$port" ]]; then
  echo "FAIL: the capture server did not start"
  cat "$work/server.err" || true
  echo "0 passed, ${#sendable[@]} failed"
  exit 1
fi
export SENTRY_DSN="http://public@127.0.0.1:$port/42"
export SENTRY_URL="http://127.0.0.1:$port/"

received=0
# Waits until the server has stored envelope number $1; prints its path.
wait_for() {
  local want f
  want="$(printf '%04d' "$1")"
  f="$work/received/$want.envelope"
  for _ in $(seq 1 100); do
    if [[ -f "$f" ]]; then echo "$f"; return 0; fi
    sleep 0.05
  done
  return 1
}

passed=0
failed=0
for f in "${sendable[@]}"; do
  label="${f#"$dir"/}"
  problems=()
  expected="$(describe "$f")"
  if [[ "$expected" == '{"error": '* ]]; then
    problems+=("cannot read it: $expected")
  fi

  # 1. parsed and re-serialized by sentry-cli
  if out="$("$cli" send-envelope "$f" 2>&1)"; then
    received=$((received + 1))
    if got="$(wait_for "$received")"; then
      actual="$(describe "$got")"
      if [[ "$actual" != "$expected" ]]; then
        problems+=("sentry-cli re-serialized it differently: sent $expected, server got $actual")
      fi
    else
      problems+=("sentry-cli reported success but the server got nothing")
      received=$((received - 1))
    fi
  else
    problems+=("sentry-cli send-envelope rejected it: $(printf '%s' "$out" | grep -v '^ *[0-9]*: \|^Stack backtrace\|^Add --log-level\|^Please attach\|^$' | tr '\n' ' ')")
  fi

  # 2. raw: the bytes must arrive unchanged
  if out="$("$cli" send-envelope --raw "$f" 2>&1)"; then
    received=$((received + 1))
    if got="$(wait_for "$received")"; then
      cmp -s "$got" "$f" || problems+=("send-envelope --raw: the server got different bytes")
    else
      problems+=("send-envelope --raw reported success but the server got nothing")
      received=$((received - 1))
    fi
  else
    problems+=("sentry-cli send-envelope --raw failed: $(printf '%s' "$out" | head -3 | tr '\n' ' ')")
  fi

  if [[ ${#problems[@]} -eq 0 ]]; then
    echo "ok   $label"
    passed=$((passed + 1))
  else
    echo "FAIL $label"
    for p in "${problems[@]}"; do echo "       - $p"; done
    failed=$((failed + 1))
  fi
done

# Nothing extra arrived (e.g. a retry sending an envelope twice).
sleep 0.2
total="$(find "$work/received" -name '*.envelope' | wc -l | tr -d ' ')"
if [[ "$total" != "$received" ]]; then
  echo "FAIL: the server got $total envelopes, $received were sent"
  failed=$((failed + 1))
fi

if [[ $skipped -gt 0 ]]; then
  echo "($skipped file(s) with client_report or span items not sent: sentry-cli 3.8.0 rejects those item types)"
fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
