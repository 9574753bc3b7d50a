#!/usr/bin/env bash
# A real embedded target: examples/freestanding/app.cpp cross-compiled for a Cortex-M4 with
# arm-none-eabi-g++ (-Os, freestanding, no exceptions, no RTTI, no libstdc++, newlib-nano's libc
# for memcpy & co.), with its own start-up code and linker script (startup_mps2.c,
# mps2_an386.ld), run under QEMU's mps2-an386 board. The envelope it writes to CMSDK UART0 is
# captured on the host and checked with the @sentry/core parser.
#
#   tests/embedded/check_arm.sh <source dir>
#
# Prints the image's .text/.data/.bss and the tracing core's flash, and writes them to
# <work>/sizes.txt for CI to record. Work files go to ./arm_qemu (the ctest working directory),
# or $SENTRY_TRACE_EMBEDDED_OUT.
#
# The tracing core's flash is measured by difference: the same app.cpp built with
# -DAPP_NO_TRACING=1 (same board code, no sentry_trace call) is the baseline, and
#   core flash = (.text + .ARM.exidx + .data) of app.elf - the same of baseline.elf,
# i.e. everything the tracer brings: its own code and constant data, the initial values of its
# state (.data is stored in flash too), and what it pulls from libgcc (soft double, 64-bit
# division) and newlib (memcpy, memmove, memchr, memcmp, strlen). For reference the script also
# prints the sum of the sizes of the sentry_trace:: symbols placed in flash (arm-none-eabi-nm
# --size-sort -S -C), which leaves out code inlined into main() and the libraries.
# SENTRY_TRACE_CORE_FLASH_LIMIT=<bytes> makes a core larger than that a failure (the goal is
# 16384); by default the figure is only reported. SENTRY_TRACE_STACK_LIMIT=<bytes> does the same
# for the stack high-water mark measured on the board (the goal is 2048). ctest's arm_qemu sets
# both (tests/CMakeLists.txt).
#
# Exit status: 0 when everything passed, 1 when something failed, 77 (skip) only when
# arm-none-eabi-g++ or qemu-system-arm is missing. Ends with `N passed, N failed`.
set -uo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 <source dir>" >&2
  exit 2
fi
src="$(cd "$1" && pwd)"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="${SENTRY_TRACE_EMBEDDED_OUT:-$PWD/arm_qemu}"

for tool in arm-none-eabi-g++ arm-none-eabi-gcc arm-none-eabi-size arm-none-eabi-nm qemu-system-arm; do
  if ! command -v "$tool" > /dev/null 2>&1; then
    echo "skipped: arm_qemu needs $tool, which is not on PATH (Debian: gcc-arm-none-eabi," \
         "libstdc++-arm-none-eabi-newlib, qemu-system-arm; scripts/install-deps.sh installs them)"
    exit 77
  fi
done

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

ex="$src/examples/freestanding"
cpu=(-mcpu=cortex-m4 -mthumb)
common=(-Os -flto -ffunction-sections -fdata-sections -Wall -Wextra -Werror)
cxxflags=(-std=c++17 -ffreestanding -fno-exceptions -fno-rtti -fno-threadsafe-statics
          -fno-asynchronous-unwind-tables
          -DSENTRY_TRACE_HOSTED=0 -DSENTRY_TRACE_THREADS=0
          -DSENTRY_TRACE_MAX_SPANS=32 -DSENTRY_TRACE_MAX_TRANSACTIONS=1 -DSENTRY_TRACE_MAX_ATTRIBUTES=8
          -DSENTRY_TRACE_ATTRIBUTE_POOL=64 -DSENTRY_TRACE_STRING_ARENA=2048 -DSENTRY_TRACE_MAX_STRING=128
          -DSENTRY_TRACE_MAX_MEASUREMENTS=4 -DSENTRY_TRACE_MAX_DEPTH=8 -DSENTRY_TRACE_ENVELOPE_BYTES=8192
          -DSENTRY_TRACE_MAX_BAGGAGE=512 -DSENTRY_TRACE_MAX_DSC=256 -DSENTRY_TRACE_DOUBLES=0 -DSENTRY_TRACE_STREAMING=0
          "-DAPP_BUILD_EPOCH_S=$(date +%s)"
          -I "$src/include")
# No crt0, no libstdc++/libsupc++: only newlib-nano's libc and libgcc.
ldflags=(-nostartfiles -nodefaultlibs -T "$ex/mps2_an386.ld" -Wl,--gc-sections
         -Wl,--start-group -lc_nano -lgcc -Wl,--end-group)

build() {  # build <output> <extra flags...>
  local out="$1"
  shift
  arm-none-eabi-gcc "${cpu[@]}" "${common[@]}" -std=c11 -c "$ex/startup_mps2.c" -o "$work/startup.o" &&
    arm-none-eabi-g++ "${cpu[@]}" "${common[@]}" "${cxxflags[@]}" "$@" "$ex/app.cpp" "$work/startup.o" \
      "${ldflags[@]}" -Wl,-Map="$out.map" -o "$out"
}

echo "== build: arm-none-eabi-g++ ${cpu[*]} ${common[*]} ${cxxflags[*]}"
if build "$work/app.elf" > "$work/build.log" 2>&1; then
  pass "app.elf built for Cortex-M4 (-Os, freestanding, no exceptions/RTTI, no libstdc++)"
else
  cat "$work/build.log"
  fail "app.elf does not build"
  finish
fi
if build "$work/baseline.elf" -DAPP_NO_TRACING=1 > "$work/build_baseline.log" 2>&1; then
  pass "baseline.elf (the same board code without the tracer) built"
else
  cat "$work/build_baseline.log"
  fail "baseline.elf does not build"
fi

# No heap, no C++ runtime in the image.
arm-none-eabi-nm -C "$work/app.elf" > "$work/nm.txt"
heap="$(awk '{ name = $NF; if (NF > 3) { name = $0; sub(/^[0-9a-fA-F]+ [A-Za-z] /, "", name) }
              if (name ~ /^operator (new|delete)/ || name ~ /^(malloc|calloc|realloc|free|_malloc_r|_free_r|_sbrk|_sbrk_r)$/)
                print $0 }' "$work/nm.txt")"
if [[ -n "$heap" ]]; then
  fail "heap symbols in app.elf:"
  echo "$heap"
else
  pass "no operator new/delete, malloc/calloc/realloc/free or _sbrk in app.elf"
fi

# With SENTRY_TRACE_DOUBLES=0 rates and double values are handled from their bits: no soft-float
# routine of libgcc (__aeabi_dadd, __aeabi_dmul, __aeabi_dcmp*, conversions) is linked in.
soft_float="$(awk '$NF ~ /^__aeabi_(d|[ilfu]*2d|ul2d|l2d)/ || $NF ~ /df[23]$/ { print $NF }' "$work/nm.txt" | sort -u | tr '\n' ' ')"
if [[ -n "$soft_float" ]]; then
  fail "soft-float routines in app.elf: $soft_float"
else
  pass "no soft-float routine (__aeabi_d*, __*df3, conversions to double) in app.elf"
fi

# Sizes.
section() {  # section <elf> <name>: its size in bytes, 0 when absent
  arm-none-eabi-size -A "$1" | awk -v s="$2" '$1 == s { print $2; found = 1 } END { if (!found) print 0 }'
}
text=$(section "$work/app.elf" .text)
exidx=$(section "$work/app.elf" .ARM.exidx)
data=$(section "$work/app.elf" .data)
bss=$(section "$work/app.elf" .bss)
stack=$(section "$work/app.elf" .stack)
flash=$((text + exidx + data))
ram=$((data + bss))
core_flash=""
if [[ -f "$work/baseline.elf" ]]; then
  b_flash=$(( $(section "$work/baseline.elf" .text) + $(section "$work/baseline.elf" .ARM.exidx) + $(section "$work/baseline.elf" .data) ))
  b_ram=$(( $(section "$work/baseline.elf" .data) + $(section "$work/baseline.elf" .bss) ))
  core_flash=$((flash - b_flash))
  core_ram=$((ram - b_ram))
fi
# Sum of sentry_trace:: symbols in flash (addresses below 0x20000000), each address once.
nm_core=$(arm-none-eabi-nm --size-sort -S -C "$work/app.elf" |
  awk '/sentry_trace::/ && length($1) == 8 && $1 < "20000000" && !seen[$1]++ { sum += ("0x" $2) + 0 } END { print sum + 0 }')
# mawk and busybox awk do not read hex: recompute in bash when awk gave 0.
if [[ "$nm_core" == "0" ]]; then
  nm_core=0
  while read -r addr size _; do
    [[ $((16#$addr)) -lt $((16#20000000)) ]] && nm_core=$((nm_core + 16#$size))
  done < <(arm-none-eabi-nm --size-sort -S -C "$work/app.elf" | grep 'sentry_trace::' | sort -u -k1,1)
fi
storage=$(arm-none-eabi-nm -S -C "$work/app.elf" | awk '/g_storage$/ { print $2 }')
storage=$((16#${storage:-0}))

stack_used=""
{
  echo "image            app.elf (Cortex-M4, -Os -flto, newlib-nano, no libstdc++)"
  echo ".text            $text"
  echo ".ARM.exidx       $exidx"
  echo ".data            $data"
  echo ".bss             $bss"
  echo ".stack           $stack (reserved by mps2_an386.ld)"
  echo "flash            $flash (.text + .ARM.exidx + .data)"
  echo "static RAM       $ram (.data + .bss, without the stack)"
  echo "storage          $storage (sentry_trace::storage, in .bss)"
  if [[ -n "$core_flash" ]]; then
    echo "core flash       $core_flash (app.elf - baseline.elf, .text + .ARM.exidx + .data)"
    echo "core static RAM  $core_ram (app.elf - baseline.elf, .data + .bss)"
  fi
  echo "core nm sum      $nm_core (sentry_trace:: symbols in flash, arm-none-eabi-nm --size-sort)"
} > "$work/sizes.txt"
echo "== sizes"
cat "$work/sizes.txt"
if [[ -n "$core_flash" ]]; then
  goal=16384
  if [[ -n "${SENTRY_TRACE_CORE_FLASH_LIMIT:-}" ]]; then
    if [[ $core_flash -le $SENTRY_TRACE_CORE_FLASH_LIMIT ]]; then
      pass "tracing core flash $core_flash <= SENTRY_TRACE_CORE_FLASH_LIMIT $SENTRY_TRACE_CORE_FLASH_LIMIT"
    else
      fail "tracing core flash $core_flash > SENTRY_TRACE_CORE_FLASH_LIMIT $SENTRY_TRACE_CORE_FLASH_LIMIT"
    fi
  elif [[ $core_flash -le $goal ]]; then
    echo "note: tracing core flash $core_flash bytes: within the $goal-byte goal"
  else
    echo "note: tracing core flash $core_flash bytes: above the $goal-byte goal (not enforced)"
  fi
fi

# Run under QEMU. The program exits through semihosting (SYS_EXIT_EXTENDED) with its status;
# the timeout only catches a hang.
echo "== run: qemu-system-arm -M mps2-an386"
timeout 20 qemu-system-arm -M mps2-an386 -display none -monitor none -serial stdio \
  -semihosting-config enable=on,target=native -kernel "$work/app.elf" \
  < /dev/null > "$work/uart.txt" 2> "$work/qemu.log"
rc=$?
if [[ $rc -eq 0 ]]; then
  pass "app.elf ran under QEMU mps2-an386 and exited with status 0"
elif [[ $rc -eq 124 ]]; then
  fail "app.elf did not finish within 20 s under QEMU"
else
  fail "app.elf exited with status $rc under QEMU (10+n: fault exception n; see $work/qemu.log)"
  cat "$work/qemu.log"
fi
stack_used=$(sed -n 's/^@@STACK \([0-9]*\)$/\1/p' "$work/uart.txt" | head -1)
if [[ -n "$stack_used" ]]; then
  echo "stack used       $stack_used (high-water mark measured on the board)" | tee -a "$work/sizes.txt"
fi
if [[ -n "${SENTRY_TRACE_STACK_LIMIT:-}" ]]; then
  if [[ -z "$stack_used" ]]; then
    fail "no @@STACK line in the UART output: the stack was not measured"
  elif [[ $stack_used -le $SENTRY_TRACE_STACK_LIMIT ]]; then
    pass "stack used $stack_used <= SENTRY_TRACE_STACK_LIMIT $SENTRY_TRACE_STACK_LIMIT"
  else
    fail "stack used $stack_used > SENTRY_TRACE_STACK_LIMIT $SENTRY_TRACE_STACK_LIMIT"
  fi
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
