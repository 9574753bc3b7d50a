#!/usr/bin/env bash
# tests/compile_out/check_compile_out.sh <cxx> <srcdir>
#
# SENTRY_TRACE_ENABLED=0 must leave nothing behind. Compiles tests/compile_out/app.cpp at -O2:
#   off    -DSENTRY_TRACE_ENABLED=0   the instrumented program, tracing compiled out
#   plain  -DAPP_WITHOUT_TRACING      the same program written without the library
#   on     (default)                  tracing on, for contrast
# and checks that off and plain have the same .text size (all .text* sections), the same
# defined and undefined symbols (compiler-local .L labels aside), that off has no symbol
# containing "sentry_trace", and that, linked with main.cpp, both print the same output. The
# contrast build must differ from plain, or the comparison could not fail. It also builds
# surface.cpp (every public name) and rules.cpp (printf of returned views, an only-assigned span)
# in both modes and runs them with tracing compiled out, and
# compiles the umbrella, disabled.hpp and macros.hpp alone with SENTRY_TRACE_ENABLED=0.
# Everything is built with -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror.
# Prints "N passed, M failed"; exits non-zero on any failure ("FAIL: " lines say which).

set -u
CXX=${1:?usage: check_compile_out.sh <cxx> <srcdir>}
SRC=${2:?usage: check_compile_out.sh <cxx> <srcdir>}
HERE="$SRC/tests/compile_out"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sentry_trace_compile_out.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

FLAGS=(-std=c++17 -O2 -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror -I"$SRC/include")
passed=0
failed=0
pass() { echo "ok: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1"; failed=$((failed + 1)); }

compile() {  # name, extra flags...
  local name=$1
  shift
  if ! "$CXX" "${FLAGS[@]}" "$@" -c "$HERE/app.cpp" -o "$WORK/$name.o" 2>"$WORK/$name.err"; then
    cat "$WORK/$name.err"
    fail "app.cpp does not compile ($name: $*)"
    return 1
  fi
}

text_bytes() {  # sum of every .text* section
  size -A "$1" | awk '$1 ~ /^\.text/ { s += $2 } END { print s + 0 }'
}
symbols() {  # defined|undefined: "type name" without addresses or compiler-local labels
  local which=$1 file=$2
  if [ "$which" = defined ]; then
    nm -C --defined-only "$file" | awk '{ $1 = ""; sub(/^ /, ""); print }'
  else
    nm -C --undefined-only "$file" | awk '{ sub(/^ +/, ""); print }'
  fi | grep -v -E '^[A-Za-z] \.L' | LC_ALL=C sort
}

echo "== compiler: $("$CXX" --version | head -n 1)"

# ---- the three builds of app.cpp --------------------------------------------------------------
ok=1
compile off -DSENTRY_TRACE_ENABLED=0 || ok=0
compile plain -DAPP_WITHOUT_TRACING || ok=0
compile on || ok=0

if [ $ok = 1 ]; then
  off_text=$(text_bytes "$WORK/off.o")
  plain_text=$(text_bytes "$WORK/plain.o")
  on_text=$(text_bytes "$WORK/on.o")
  echo "== .text bytes (sum of .text*): compiled out $off_text, without tracing $plain_text, tracing on $on_text"
  size -A "$WORK/off.o" "$WORK/plain.o" | awk '/^\/|^\.text|^\.rodata|^\.data|^\.bss/ { print "   " $0 }' | sed "s|$WORK/||"

  if [ "$off_text" = "$plain_text" ]; then pass ".text size is the same with tracing compiled out ($off_text bytes)"
  else fail ".text size differs: compiled out $off_text, without tracing $plain_text"; fi

  for which in defined undefined; do
    symbols $which "$WORK/off.o" >"$WORK/off.$which"
    symbols $which "$WORK/plain.o" >"$WORK/plain.$which"
    if diff -u "$WORK/plain.$which" "$WORK/off.$which" >"$WORK/$which.diff"; then
      pass "the same $which symbols ($(wc -l <"$WORK/off.$which") of them)"
    else
      fail "$which symbols differ (- without tracing, + compiled out):"
      sed 's/^/   /' "$WORK/$which.diff"
    fi
  done
  echo "== defined symbols, compiled out:"
  sed 's/^/   /' "$WORK/off.defined"

  leftovers=$( (nm "$WORK/off.o"; nm -C "$WORK/off.o") | grep -i 'sentry_trace' || true)
  if [ -z "$leftovers" ]; then pass "no symbol mentions sentry_trace with tracing compiled out"
  else fail "sentry_trace symbols left with tracing compiled out:"; echo "$leftovers" | sed 's/^/   /'; fi

  # The contrast: if tracing on looked the same, the comparison above would prove nothing.
  on_syms=$(nm -C "$WORK/on.o" | grep -c 'sentry_trace' || true)
  if [ "$on_text" != "$plain_text" ] && [ "$on_syms" -gt 0 ]; then
    pass "the comparison can fail: tracing on is $on_text bytes of .text with $on_syms sentry_trace symbols"
  else
    fail "tracing on is indistinguishable from no tracing ($on_text bytes, $on_syms symbols): the check is broken"
  fi

  # Same behaviour: both programs print the same thing.
  if "$CXX" "${FLAGS[@]}" "$WORK/off.o" "$HERE/main.cpp" -o "$WORK/off" 2>"$WORK/link_off.err" &&
     "$CXX" "${FLAGS[@]}" "$WORK/plain.o" "$HERE/main.cpp" -o "$WORK/plain" 2>"$WORK/link_plain.err"; then
    "$WORK/off" >"$WORK/off.out" 2>&1; off_rc=$?
    "$WORK/plain" >"$WORK/plain.out" 2>&1; plain_rc=$?
    if [ $off_rc = $plain_rc ] && cmp -s "$WORK/off.out" "$WORK/plain.out"; then
      pass "both programs print the same $(wc -l <"$WORK/off.out") lines and exit $off_rc"
    else
      fail "the programs behave differently (exit $off_rc vs $plain_rc):"
      diff -u "$WORK/plain.out" "$WORK/off.out" | sed 's/^/   /'
    fi
  else
    cat "$WORK/link_off.err" "$WORK/link_plain.err" 2>/dev/null
    fail "app.cpp + main.cpp do not link"
  fi
fi

# ---- every public name in both modes ----------------------------------------------------------
if "$CXX" "${FLAGS[@]}" -c "$HERE/surface.cpp" -o "$WORK/surface_on.o" 2>"$WORK/surface_on.err"; then
  pass "surface.cpp compiles with tracing on"
else
  cat "$WORK/surface_on.err"; fail "surface.cpp does not compile with tracing on"
fi
if "$CXX" "${FLAGS[@]}" -DSENTRY_TRACE_ENABLED=0 "$HERE/surface.cpp" -o "$WORK/surface_off" 2>"$WORK/surface_off.err"; then
  if out=$("$WORK/surface_off"); then pass "surface.cpp compiled out, linked with no implementation TU: $out"
  else echo "$out"; fail "surface.cpp compiled out: a neutral value is wrong"; fi
else
  cat "$WORK/surface_off.err"; fail "surface.cpp does not compile with tracing compiled out"
fi

# ---- what ordinary code does with the views and spans it gets (rules.cpp) ---------------------
if "$CXX" "${FLAGS[@]}" -c "$HERE/rules.cpp" -o "$WORK/rules_on.o" 2>"$WORK/rules_on.err"; then
  pass "rules.cpp compiles with tracing on"
else
  cat "$WORK/rules_on.err"; fail "rules.cpp does not compile with tracing on"
fi
if "$CXX" "${FLAGS[@]}" -DSENTRY_TRACE_ENABLED=0 "$HERE/rules.cpp" -o "$WORK/rules_off" 2>"$WORK/rules_off.err"; then
  if out=$("$WORK/rules_off"); then pass "rules.cpp compiled out: printf of every returned view, an only-assigned span"
  else echo "$out"; fail "rules.cpp compiled out: a returned view is null"; fi
else
  cat "$WORK/rules_off.err"; fail "rules.cpp does not compile with tracing compiled out (printf of a null view, or an only-assigned span)"
fi

# ---- the headers alone, compiled out ----------------------------------------------------------
for h in sentry_trace.hpp sentry_trace/face/disabled.hpp sentry_trace/face/macros.hpp; do
  if echo "#include <$h>" | "$CXX" "${FLAGS[@]}" -DSENTRY_TRACE_ENABLED=0 -x c++ -c - -o "$WORK/alone.o" 2>"$WORK/alone.err"; then
    pass "<$h> compiles alone with SENTRY_TRACE_ENABLED=0"
  else
    cat "$WORK/alone.err"; fail "<$h> does not compile alone with SENTRY_TRACE_ENABLED=0"
  fi
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
