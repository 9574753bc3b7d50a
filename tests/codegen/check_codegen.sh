#!/usr/bin/env bash
# tests/codegen/check_codegen.sh -- SENTRY_TRACE_SAMPLING_NEVER folds the span path away
#
# usage: check_codegen.sh [CXX] [SOURCE_DIR]     (defaults: g++, this script's ../..)
#
# Compiles span_user.cpp with -O2 three ways -- NEVER, BASELINE (the same program without
# tracing) and RUNTIME (contrast) -- and checks:
#   * the .text of NEVER (every .text* section summed, comdat copies of inline functions
#     included) is at most MARGIN bytes larger than BASELINE's. The margin covers what merely
#     including the headers costs every TU: g_tracer's static initializer and ~tracer (~95 bytes
#     measured with GCC 12 -O2, where NEVER's handle_request itself is smaller than BASELINE's);
#   * no span-path symbol that the RUNTIME object mentions is mentioned by the NEVER object;
#   * RUNTIME is much larger than BASELINE (so the size check can fail).
# Then builds and runs policy_check.cpp under ALWAYS, NEVER and RATIO 500.
set -u
CXX=${1:-g++}
SRC=${2:-$(cd "$(dirname "$0")/../.." && pwd)}
MARGIN=64
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
pass=0
fail=0
ok() { echo "ok:   $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

CXXFLAGS=(-O2 -std=c++17 -I"$SRC/include")
TU="$SRC/tests/codegen/span_user.cpp"
build() {  # name, flags...
  local name=$1; shift
  if "$CXX" "${CXXFLAGS[@]}" "$@" -c "$TU" -o "$WORK/$name.o"; then return 0; fi
  bad "compile $name ($*)"; return 1
}
text_all() { size -A "$1" | awk '$1 ~ /^\.text/ { s += $2 } END { print s + 0 }'; }
text_main() { size -A "$1" | awk '$1 == ".text" { print $2 }'; }

if build baseline -DSPAN_USER_BASELINE && build never -DSENTRY_TRACE_SAMPLING=2 && build runtime; then
  b=$(text_all "$WORK/baseline.o"); n=$(text_all "$WORK/never.o"); r=$(text_all "$WORK/runtime.o")
  printf '%-10s %10s %10s\n' object ".text" ".text*"
  printf '%-10s %10s %10s\n' baseline "$(text_main "$WORK/baseline.o")" "$b"
  printf '%-10s %10s %10s\n' never "$(text_main "$WORK/never.o")" "$n"
  printf '%-10s %10s %10s\n' runtime "$(text_main "$WORK/runtime.o")" "$r"
  if [ "$n" -le $((b + MARGIN)) ]; then ok "NEVER .text* $n <= baseline $b + $MARGIN"
  else bad "NEVER .text* $n > baseline $b + $MARGIN: the span path did not fold away"; fi
  if [ "$r" -gt $((b + 10 * MARGIN)) ]; then ok "RUNTIME .text* $r is much larger than baseline $b (the check can fail)"
  else bad "RUNTIME .text* $r is not much larger than baseline $b: the contrast proves nothing"; fi

  # Defined and undefined: the span path lives in the implementation TU, so an object that
  # uses it refers to it; one whose span path folded away does not even mention it.
  nm -C "$WORK/runtime.o" > "$WORK/runtime.nm"
  nm -C "$WORK/never.o" > "$WORK/never.nm"
  seen=0
  for sym in start_span_impl 'span::end' 'span::abandon_' set_attribute_value_ set_measurement \
             start_span_slow start_recording_child push_active pop_active finish_transaction now_ns; do
    grep -q -- "$sym" "$WORK/runtime.nm" || continue
    seen=$((seen + 1))
    if grep -q -- "$sym" "$WORK/never.nm"; then bad "NEVER object mentions $sym"
    else ok "NEVER object does not mention $sym (RUNTIME does)"; fi
  done
  if [ "$seen" -ge 3 ]; then ok "$seen span-path symbols found in the RUNTIME object"
  else bad "only $seen span-path symbols found in the RUNTIME object: the symbol check proves nothing"; fi
fi

for policy in "ALWAYS:-DSENTRY_TRACE_SAMPLING=1" "NEVER:-DSENTRY_TRACE_SAMPLING=2" \
              "RATIO500:-DSENTRY_TRACE_SAMPLING=3 -DSENTRY_TRACE_SAMPLING_RATIO_PERMILLE=500"; do
  name=${policy%%:*}
  # shellcheck disable=SC2206
  flags=(${policy#*:})
  if "$CXX" "${CXXFLAGS[@]}" "${flags[@]}" "$SRC/tests/codegen/policy_check.cpp" -o "$WORK/policy_$name" -pthread; then
    if "$WORK/policy_$name"; then ok "policy $name"; else bad "policy $name"; fi
  else
    bad "compile policy_check.cpp for $name"
  fi
done

# RATIO without its permille is a compile error, not a silent default.
if echo '#include <sentry_trace/config.hpp>' | "$CXX" -std=c++17 -I"$SRC/include" -DSENTRY_TRACE_SAMPLING=3 \
     -fsyntax-only -x c++ - 2>/dev/null; then bad "RATIO without SENTRY_TRACE_SAMPLING_RATIO_PERMILLE compiled"
else ok "RATIO without SENTRY_TRACE_SAMPLING_RATIO_PERMILLE is an #error"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
