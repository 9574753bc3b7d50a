#!/usr/bin/env bash
# Installs what building and testing sentry_trace needs on Debian 12 (or a
# close Debian/Ubuntu), then the pinned npm packages of tests/interop.
# Idempotent: installs only what is missing, and reruns `npm ci` only when
# tests/interop/node_modules is missing or package-lock.json changed.
#
#   bash scripts/install-deps.sh               everything the tests need
#   bash scripts/install-deps.sh --quickstart  only what building the quickstart needs
#
# Environment: SENTRY_TRACE_SKIP_NPM=1 skips the npm step (the interop tests
# then report themselves as skipped).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

quickstart_only=0
[[ "${1:-}" == "--quickstart" ]] && quickstart_only=1

packages=(g++ clang cmake ninja-build meson doctest-dev python3 python3-sentry-sdk python3-jsonschema git ca-certificates libmbedtls-dev zlib1g-dev
          gcc-arm-none-eabi libstdc++-arm-none-eabi-newlib qemu-system-arm chromium
          libcurl4-openssl-dev libcpp-httplib-dev libsqlite3-dev libpq-dev postgresql
          libmariadb-dev mariadb-server libhiredis-dev redis-server)
if [[ $quickstart_only -eq 1 ]]; then
  packages=(g++ cmake ninja-build)
fi
# zlib1g-dev: tests/test_gzip.cpp (ctest gzip_transport, SENTRY_TRACE_WITH_ZLIB=1).
# python3-sentry-sdk: tests/interop/python_sdk.py (trace headers with Sentry's Python SDK).
# python3-jsonschema: tests/interop/check_event_schema.py (payloads against Relay's event schema).
# libcurl4-openssl-dev, libcpp-httplib-dev, libsqlite3-dev, libpq-dev, libmariadb-dev,
# libhiredis-dev: the integrations' tests (tests/integrations/); postgresql, mariadb-server,
# redis-server: the servers those tests start on loopback (tests/integrations/servers.py; the
# packages' own services are not used).
# chromium: tests/interop/spotlight/run.mjs opens the Spotlight UI in it (/usr/bin/chromium,
# driven by playwright-core; playwright never downloads a browser of its own).
# gcc-arm-none-eabi, libstdc++-arm-none-eabi-newlib, qemu-system-arm: tests/embedded/check_arm.sh
# (examples/freestanding/ on a Cortex-M4 under QEMU's mps2-an386).
# Node may come from elsewhere (nvm, NodeSource, a CI image): Debian's nodejs
# and npm are needed only when node or npm is missing.
if [[ $quickstart_only -eq 0 ]] && { ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; }; then
  packages+=(nodejs npm)
fi

installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

missing=()
for p in "${packages[@]}"; do
  installed "$p" || missing+=("$p")
done

if [[ ${#missing[@]} -gt 0 ]]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-deps: missing ${missing[*]}, and this system has no apt-get; install them by hand" >&2
    exit 1
  fi
  sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      echo "install-deps: missing ${missing[*]}; run this script as root" >&2
      exit 1
    fi
  fi
  echo "install-deps: installing ${missing[*]}"
  "${sudo[@]}" apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
else
  echo "install-deps: system packages already installed"
fi

if [[ $quickstart_only -eq 1 ]]; then
  exit 0
fi

# The npm packages that the interop tests run: @sentry/core and @sentry/cli,
# @spotlightjs/spotlight and playwright-core, exactly as package-lock.json pins them.
if [[ "${SENTRY_TRACE_SKIP_NPM:-0}" == "1" ]]; then
  echo "install-deps: SENTRY_TRACE_SKIP_NPM=1, not installing tests/interop/node_modules"
  exit 0
fi
interop="$root/tests/interop"
stamp="$interop/node_modules/.sentry_trace-lock.sha256"
want="$(sha256sum "$interop/package-lock.json" | cut -d' ' -f1)"
if [[ -d "$interop/node_modules" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "install-deps: tests/interop/node_modules matches package-lock.json"
else
  echo "install-deps: npm ci in tests/interop"
  # --ignore-scripts: @sentry/cli's postinstall would download its binary from a
  # CDN; the binary already comes with the platform package (@sentry/cli-linux-x64, ...).
  (cd "$interop" && npm ci --ignore-scripts --no-audit --no-fund)
  echo "$want" > "$stamp"
fi
if ! "$interop/node_modules/.bin/sentry-cli" --version >/dev/null 2>&1; then
  echo "install-deps: warning: tests/interop/node_modules/.bin/sentry-cli does not run on this platform" >&2
fi
