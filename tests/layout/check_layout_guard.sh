#!/usr/bin/env bash
# tests/layout/check_layout_guard.sh <cxx> <srcdir> -- a program holding two configurations
# of the library must not link (config.hpp, "the layout guard").
#
# Links tests/odr_a.cpp with tests/odr_b.cpp (both include the whole library) four ways:
#   same       both with the defaults                                   must link and run
#   spelling   b with SENTRY_TRACE_ENVELOPE_BYTES=(1<<20), the default's value spelled otherwise
#                                                                        must link and run
#   max_spans  b with SENTRY_TRACE_MAX_SPANS=500                        must fail to link
#   arena      b with SENTRY_TRACE_STRING_ARENA=32768 (a switch outside the inline namespace)
#                                                                        must fail to link
# A failing link must name the guard symbol, so the user learns why. Skips (77) on targets
# that are not ELF, where the guard does not exist.
# Prints "N passed, M failed"; exits non-zero on any failure ("FAIL: " lines say which).

set -u
CXX=${1:?usage: check_layout_guard.sh <cxx> <srcdir>}
SRC=${2:?usage: check_layout_guard.sh <cxx> <srcdir>}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sentry_trace_layout.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
FLAGS=(-std=c++17 -O0 -Wall -Wextra -Wpedantic -Werror -I"$SRC/include")
SYMBOL=sentry_trace_translation_units_disagree_on_SENTRY_TRACE_switches
passed=0
failed=0
pass() { echo "ok: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1"; failed=$((failed + 1)); }

if ! echo '#ifndef __ELF__
#error not ELF
#endif' | "$CXX" -x c++ -E - > /dev/null 2>&1; then
  echo "skipped: not an ELF target"
  exit 77
fi

"$CXX" "${FLAGS[@]}" -c "$SRC/tests/odr_a.cpp" -o "$WORK/a.o" || { fail "odr_a.cpp does not compile"; exit 1; }

link() {  # name, expect (links|fails), flags for odr_b.cpp...
  local name=$1 expect=$2
  shift 2
  if ! "$CXX" "${FLAGS[@]}" "$@" -c "$SRC/tests/odr_b.cpp" -o "$WORK/b_$name.o"; then
    fail "$name: odr_b.cpp does not compile with $*"
    return
  fi
  if "$CXX" "$WORK/a.o" "$WORK/b_$name.o" -pthread -o "$WORK/$name" > "$WORK/$name.log" 2>&1; then
    if [ "$expect" = links ]; then
      if "$WORK/$name" > /dev/null; then pass "$name: links and runs"; else fail "$name: links but does not run"; fi
    else
      fail "$name: two configurations ($*) linked into one program"
    fi
  else
    if [ "$expect" = fails ]; then
      if grep -q "$SYMBOL" "$WORK/$name.log"; then
        pass "$name: the link fails and names $SYMBOL"
      else
        fail "$name: the link fails without naming the guard:"
        cat "$WORK/$name.log"
      fi
    else
      fail "$name: one configuration does not link:"
      cat "$WORK/$name.log"
    fi
  fi
}

link same links
link spelling links "-DSENTRY_TRACE_ENVELOPE_BYTES=(1<<20)"
link max_spans fails -DSENTRY_TRACE_MAX_SPANS=500
link arena fails -DSENTRY_TRACE_STRING_ARENA=32768

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
