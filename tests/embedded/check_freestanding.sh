#!/usr/bin/env bash
# Freestanding link check on the host: examples/freestanding/app.cpp built with
# -ffreestanding -fno-exceptions -fno-rtti and linked WITHOUT libstdc++/libsupc++ (libc and
# libgcc only), then run; its UART (stdout) output must carry an envelope that @sentry/core
# parses, and neither operator new/delete nor malloc/calloc/realloc/free may appear in the
# executable, defined or undefined.
#
#   tests/embedded/check_freestanding.sh <c++ compiler> <source dir>
#
# Work files go to ./freestanding_link (the ctest working directory), or $SENTRY_TRACE_EMBEDDED_OUT.
# Link flags: -nostdlib++ where the driver has it (clang, g++ 13+), else
# -nodefaultlibs -lc -lgcc (g++ 12 and older). The parser step is skipped, with a message,
# only when node or tests/interop/node_modules is missing. Ends with `N passed, N failed`;
# exit status 0 when nothing failed.
set -uo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 <c++ compiler> <source dir>" >&2
  exit 2
fi
cxx="$1"
src="$(cd "$2" && pwd)"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="${SENTRY_TRACE_EMBEDDED_OUT:-$PWD/freestanding_link}"
rm -rf "$work"
mkdir -p "$work"

passed=0
failed=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
finish() {
  echo "$passed passed, $failed failed"
  [[ $failed -eq 0 ]] && exit 0 || exit 1
}

cxxflags=(-std=c++17 -Os -ffreestanding -fno-exceptions -fno-rtti -fno-threadsafe-statics
          -Wall -Wextra -Werror
          -DSENTRY_TRACE_HOSTED=0 -DSENTRY_TRACE_THREADS=0
          -DSENTRY_TRACE_MAX_SPANS=32 -DSENTRY_TRACE_MAX_TRANSACTIONS=1 -DSENTRY_TRACE_MAX_ATTRIBUTES=8
          -DSENTRY_TRACE_ATTRIBUTE_POOL=64 -DSENTRY_TRACE_STRING_ARENA=2048 -DSENTRY_TRACE_MAX_STRING=128
          -DSENTRY_TRACE_MAX_MEASUREMENTS=4 -DSENTRY_TRACE_MAX_DEPTH=8 -DSENTRY_TRACE_ENVELOPE_BYTES=8192
          -DSENTRY_TRACE_MAX_BAGGAGE=512 -DSENTRY_TRACE_MAX_DSC=256
          -I "$src/include")

echo "== compile: $cxx ${cxxflags[*]}"
if "$cxx" "${cxxflags[@]}" -c "$src/examples/freestanding/app.cpp" -o "$work/app.o" 2> "$work/compile.log"; then
  pass "app.cpp compiles freestanding (-ffreestanding -fno-exceptions -fno-rtti)"
else
  cat "$work/compile.log"
  fail "app.cpp does not compile freestanding"
  finish
fi

# The first link line that works wins; each one leaves the C++ libraries out.
linked=""
for flags in "-nostdlib++" "-nodefaultlibs -lc -lgcc" "-nodefaultlibs -lc -lgcc -lgcc_s"; do
  # shellcheck disable=SC2086
  if "$cxx" "$work/app.o" -o "$work/app" $flags > "$work/link.log" 2>&1; then
    linked="$flags"
    break
  fi
done
if [[ -z "$linked" ]]; then
  cat "$work/link.log"
  fail "no link without libstdc++ worked (tried -nostdlib++ and -nodefaultlibs -lc -lgcc)"
  finish
fi
pass "linked without libstdc++/libsupc++: $cxx app.o $linked"

# No C++ runtime library among the dynamic dependencies.
if command -v readelf > /dev/null 2>&1; then
  needed="$(readelf -d "$work/app" 2>/dev/null | awk '/NEEDED/ {print $NF}' | tr -d '[]' | tr '\n' ' ')"
  if grep -Eq 'libstdc\+\+|libsupc\+\+|libc\+\+' <<< "$needed"; then
    fail "the executable needs a C++ runtime: $needed"
  else
    pass "dynamic dependencies: ${needed:-none}"
  fi
fi

# No allocator, defined or undefined (nm lists both; versioned names such as free@GLIBC_2.2.5
# are cut at the @).
nm -C "$work/app" > "$work/nm.txt" 2>&1
heap="$(awk '{ name = $0; sub(/^[0-9a-fA-F]* *[A-Za-z] /, "", name); sub(/^ *[A-Za-z] /, "", name);
              sub(/@.*/, "", name);
              if (name ~ /^operator (new|delete)/ || name ~ /^(malloc|calloc|realloc|free|_Znwm|_Znam|_ZdlPv|_ZdaPv)$/)
                print $0 }' "$work/nm.txt")"
if [[ -n "$heap" ]]; then
  fail "heap symbols in the executable:"
  echo "$heap"
else
  pass "no operator new/delete, malloc, calloc, realloc or free in the executable (nm)"
fi
# Nothing else from libsupc++ either: the app defines the few runtime pieces it needs.
cxxrt="$(grep -E ' U (__cxa_(allocate|throw|begin_catch|end_catch|guard|rethrow|bad)|__gxx_personality|_Unwind_|std::|typeinfo|vtable for __cxxabiv1)' "$work/nm.txt")"
if [[ -n "$cxxrt" ]]; then
  fail "C++ runtime symbols left undefined:"
  echo "$cxxrt"
else
  pass "no C++ runtime (libsupc++) symbol is referenced"
fi

# Run it: the host "UART" is stdout.
if "$work/app" > "$work/uart.txt" 2> "$work/stderr.txt"; then
  pass "the program ran (exit status 0)"
else
  rc=$?
  fail "the program exited with status $rc"
  cat "$work/stderr.txt"
fi
echo "== first lines of the UART output"
head -c 600 "$work/uart.txt"
echo
echo "== extract"
if python3 "$here/extract_envelopes.py" "$work/uart.txt" "$work/envelopes"; then
  pass "envelope frames extracted from the UART output"
else
  fail "envelope frames missing or cut in the UART output ($work/uart.txt)"
  finish
fi

echo "== @sentry/core parser"
if ! command -v node > /dev/null 2>&1; then
  echo "skipped: the @sentry/core parser step needs node, which is not on PATH (scripts/install-deps.sh)"
elif [[ ! -d "$src/tests/interop/node_modules/@sentry/core" ]]; then
  echo "skipped: the @sentry/core parser step needs tests/interop/node_modules (run scripts/install-deps.sh)"
else
  if node "$src/tests/interop/check_envelopes.mjs" "$work/envelopes"; then
    pass "@sentry/core parsed every envelope"
  else
    fail "@sentry/core rejected the envelope(s) in $work/envelopes"
  fi
fi

finish
