// app.cpp -- sentry_trace on a freestanding target: no libstdc++, no heap, no exceptions, no RTTI.
//
// One source, two boards:
//   host    any Linux: the "UART" is stdout (write(2)), the clock is clock_gettime. Linked
//           without libstdc++/libsupc++ (tests/embedded/check_freestanding.sh).
//   mps2    an ARM MPS2 board with a Cortex-M4 (QEMU's mps2-an386), bare metal: the UART is
//           CMSDK APB UART0 at 0x40004000, the clock is SysTick (1 kHz interrupt + the current
//           count for sub-millisecond resolution), exit is semihosting SYS_EXIT_EXTENDED. Startup and
//           linker script: startup_mps2.c, mps2_an386.ld (tests/embedded/check_arm.sh).
//
// Build switches (both boards; tests/embedded/*.sh pass these; the ARM build adds -mcpu=cortex-m4
// -mthumb -flto -ffunction-sections -fdata-sections -Wl,--gc-sections, newlib-nano and libgcc):
//   -std=c++17 -Os -ffreestanding -fno-exceptions -fno-rtti -fno-threadsafe-statics
//   -DSENTRY_TRACE_HOSTED=0 -DSENTRY_TRACE_THREADS=0
//   -DSENTRY_TRACE_MAX_SPANS=32 -DSENTRY_TRACE_MAX_TRANSACTIONS=1 -DSENTRY_TRACE_MAX_ATTRIBUTES=8
//   -DSENTRY_TRACE_ATTRIBUTE_POOL=64 -DSENTRY_TRACE_STRING_ARENA=2048 -DSENTRY_TRACE_MAX_STRING=128
//   -DSENTRY_TRACE_MAX_MEASUREMENTS=4 -DSENTRY_TRACE_MAX_DEPTH=8 -DSENTRY_TRACE_ENVELOPE_BYTES=8192
//   -DSENTRY_TRACE_MAX_BAGGAGE=512 -DSENTRY_TRACE_MAX_DSC=256 -DSENTRY_TRACE_DOUBLES=0 -DSENTRY_TRACE_STREAMING=0
// (the defaults below apply when a switch is not given on the command line).
//
// What it shows:
//   * all tracer memory in one static sentry_trace::storage handed over through options.storage
//     (it lands in .bss: no heap, no allocator anywhere in the image);
//   * the hooks a device must supply: a monotonic clock, a wall clock, entropy, a log line sink;
//     no lock (single-threaded build, SENTRY_TRACE_THREADS=0);
//   * a callback_transport that streams each envelope through `uart_write`, as a UART or MQTT
//     client would. The frame on the wire is
//         @@ENVELOPE <size>\n<size bytes of envelope>\n@@END\n
//     (two transactions, then a client report of the span the second one could not keep), and
//     after shutdown the program writes the marker line "@@DONE <envelopes> <discarded>\n"
//     (on MPS2 preceded by "@@STACK <bytes>\n", the stack high-water mark).
//
// Runtime pieces that libstdc++/libsupc++ (or crt files) would normally provide are defined at
// the end of this file: __cxa_pure_virtual (the abstract transport's vtable refers to it),
// std::__throw_out_of_range_fmt (std::string_view::substr's range check), and, on the bare-metal
// board, __aeabi_atexit and __dso_handle (as no-ops). Nothing else is needed: the library never
// calls operator new, never throws, uses no RTTI, and with -fno-threadsafe-statics no
// function-local static needs __cxa_guard_*. The C library provides memcpy, memmove, memcmp,
// memchr and strlen (glibc on the host, newlib-nano on ARM); nothing in the image calls malloc.

#ifndef SENTRY_TRACE_HOSTED
#  define SENTRY_TRACE_HOSTED 0
#endif
#ifndef SENTRY_TRACE_THREADS
#  define SENTRY_TRACE_THREADS 0
#endif
#ifndef SENTRY_TRACE_MAX_SPANS
#  define SENTRY_TRACE_MAX_SPANS 32
#endif
#ifndef SENTRY_TRACE_MAX_TRANSACTIONS
#  define SENTRY_TRACE_MAX_TRANSACTIONS 1
#endif
#ifndef SENTRY_TRACE_MAX_ATTRIBUTES
#  define SENTRY_TRACE_MAX_ATTRIBUTES 8
#endif
#ifndef SENTRY_TRACE_ATTRIBUTE_POOL
#  define SENTRY_TRACE_ATTRIBUTE_POOL 64
#endif
#ifndef SENTRY_TRACE_STRING_ARENA
#  define SENTRY_TRACE_STRING_ARENA 2048
#endif
#ifndef SENTRY_TRACE_MAX_STRING
#  define SENTRY_TRACE_MAX_STRING 128
#endif
#ifndef SENTRY_TRACE_MAX_MEASUREMENTS
#  define SENTRY_TRACE_MAX_MEASUREMENTS 4
#endif
#ifndef SENTRY_TRACE_MAX_DEPTH
#  define SENTRY_TRACE_MAX_DEPTH 8
#endif
#ifndef SENTRY_TRACE_ENVELOPE_BYTES
#  define SENTRY_TRACE_ENVELOPE_BYTES 8192
#endif
#ifndef SENTRY_TRACE_MAX_BAGGAGE
#  define SENTRY_TRACE_MAX_BAGGAGE 512
#endif
#ifndef SENTRY_TRACE_MAX_DSC
#  define SENTRY_TRACE_MAX_DSC 256
#endif
// Doubles (the "sensor.celsius" attribute, sample rates) in the compact six-decimal form
// (config.hpp): no shortest-round-trip formatter and its big-integer code in flash.
#ifndef SENTRY_TRACE_DOUBLES
#  define SENTRY_TRACE_DOUBLES 0
#endif
// Transactions only: no span streaming code in flash.
#ifndef SENTRY_TRACE_STREAMING
#  define SENTRY_TRACE_STREAMING 0
#endif

// The firmware is one file: it is also the implementation TU (its storage, g_storage below, is a
// type only the implementation sees).
#define SENTRY_TRACE_IMPLEMENTATION
#include <sentry_trace.hpp>

#include <cstddef>
#include <cstdint>

#if defined(__arm__) && !defined(__linux__)
#  define APP_BOARD_MPS2 1
#else
#  define APP_BOARD_MPS2 0
#  include <time.h>
#  include <unistd.h>
#endif

// Seconds since the Unix epoch at build time: the wall clock of the MPS2 board (no RTC) starts
// here (the check scripts pass -DAPP_BUILD_EPOCH_S=$(date +%s), so Sentry sees recent
// timestamps). A real device sets it from GNSS, NTP or a battery-backed RTC.
// -DAPP_NO_TRACING=1 builds the baseline image for the flash figures: no sentry_trace call.
#ifndef APP_NO_TRACING
#  define APP_NO_TRACING 0
#endif

#ifndef APP_BUILD_EPOCH_S
#  define APP_BUILD_EPOCH_S 1767225600  // 2026-01-01T00:00:00Z
#endif

namespace st = sentry_trace;

// ================================================================================================
// Board support: uart_write, a monotonic nanosecond clock, and the end of the program.
// ================================================================================================

extern "C" void uart_write(const char* bytes, std::size_t size);

#if APP_BOARD_MPS2

namespace {
// CMSDK APB UART0 (MPS2 AN385/AN386 memory map).
struct cmsdk_uart {
  volatile std::uint32_t data;     // 0x000
  volatile std::uint32_t state;    // 0x004: bit 0 TX buffer full
  volatile std::uint32_t ctrl;     // 0x008: bit 0 TX enable
  volatile std::uint32_t intstatus;
  volatile std::uint32_t bauddiv;  // 0x010: at least 16
};
cmsdk_uart& uart0() { return *reinterpret_cast<cmsdk_uart*>(0x40004000u); }

// SysTick (ARMv7-M system control space).
volatile std::uint32_t& syst_csr() { return *reinterpret_cast<volatile std::uint32_t*>(0xE000E010u); }
volatile std::uint32_t& syst_rvr() { return *reinterpret_cast<volatile std::uint32_t*>(0xE000E014u); }
volatile std::uint32_t& syst_cvr() { return *reinterpret_cast<volatile std::uint32_t*>(0xE000E018u); }

constexpr std::uint32_t cpu_hz = 25000000u;  // MPS2 FPGA images run the core at 25 MHz
constexpr std::uint32_t ticks_per_ms = cpu_hz / 1000u;
volatile std::uint32_t g_millis = 0;         // advanced by SysTick_Handler

// Stack high-water mark: board_init() fills the unused stack with a pattern, board_stack_used()
// finds how deep it was overwritten (the linker script puts the stack at [_sstack, _estack)).
extern "C" std::uint32_t _sstack[], _estack[];
constexpr std::uint32_t stack_paint = 0x5AC4C0DEu;

__attribute__((noinline)) void paint_stack() {
  std::uint32_t* const sp = static_cast<std::uint32_t*>(__builtin_frame_address(0));
  for (std::uint32_t* p = _sstack; p < sp - 32; ++p) *p = stack_paint;
}

[[maybe_unused]] std::uint32_t board_stack_used() {
  const std::uint32_t* p = _sstack;
  while (p < _estack && *p == stack_paint) ++p;
  return static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(_estack) - reinterpret_cast<std::uintptr_t>(p));
}

void board_init() {
  paint_stack();
  uart0().bauddiv = 16;
  uart0().ctrl = 1u;  // TX enable
  syst_rvr() = ticks_per_ms - 1u;
  syst_cvr() = 0;
  syst_csr() = 0x7u;  // processor clock, interrupt on wrap, enable
}

// Milliseconds from the interrupt plus the SysTick ticks elapsed in the current millisecond;
// re-read when an interrupt slipped in between.
void board_now_ms_ticks(std::uint32_t& ms, std::uint32_t& elapsed) {
  std::uint32_t count;
  do {
    ms = g_millis;
    count = syst_cvr();
  } while (ms != g_millis);
  elapsed = (ticks_per_ms - 1u) - count;  // counts down
}

std::uint64_t board_now_ns() {
  std::uint32_t ms, elapsed;
  board_now_ms_ticks(ms, elapsed);
  return static_cast<std::uint64_t>(ms) * 1000000u + static_cast<std::uint64_t>(elapsed) * 40u;  // 40 ns/tick
}

// No RTC on this board: the build time plus the time since boot (25 ticks per microsecond;
// no 64-bit division, which would pull libgcc's __aeabi_uldivmod into the image).
[[maybe_unused]] std::int64_t board_epoch_us() {
  std::uint32_t ms, elapsed;
  board_now_ms_ticks(ms, elapsed);
  return static_cast<std::int64_t>(APP_BUILD_EPOCH_S) * 1000000 + static_cast<std::int64_t>(ms) * 1000 + elapsed / 25u;
}

[[noreturn]] void board_exit(int status) {
  // Semihosting SYS_EXIT_EXTENDED (0x20) with ADP_Stopped_ApplicationExit: QEMU quits with
  // `status` when started with -semihosting-config enable=on,target=native. (Plain SYS_EXIT,
  // 0x18, cannot carry a status on 32-bit ARM.) Without a debugger this traps: on real hardware,
  // reset or park the core instead.
  static std::uint32_t block[2];
  block[0] = 0x20026u;
  block[1] = static_cast<std::uint32_t>(status);
  register std::uint32_t r0 __asm__("r0") = 0x20u;
  register std::uint32_t* r1 __asm__("r1") = block;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  for (;;) __asm__ volatile("wfi");
}
} // namespace

extern "C" void uart_write(const char* bytes, std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) {
    while (uart0().state & 1u) {
    }
    uart0().data = static_cast<unsigned char>(bytes[i]);
  }
}

extern "C" void SysTick_Handler() { g_millis = g_millis + 1u; }

#else  // host: libc only (write, clock_gettime), no libstdc++

namespace {
void board_init() {}
std::uint32_t board_stack_used() { return 0; }  // not measured on the host
std::uint64_t board_now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}
[[maybe_unused]] std::int64_t board_epoch_us() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000 + static_cast<std::int64_t>(ts.tv_nsec / 1000);
}
[[noreturn]] void board_exit(int status) { _exit(status); }
} // namespace

extern "C" void uart_write(const char* bytes, std::size_t size) {
  while (size > 0) {
    const ssize_t n = write(1, bytes, size);
    if (n <= 0) return;
    bytes += n;
    size -= static_cast<std::size_t>(n);
  }
}

#endif

// ================================================================================================
// The hooks sentry_trace needs (hooks.hpp).
// ================================================================================================

namespace {

void uart_puts(const char* s) {
  std::size_t n = 0;
  while (s[n]) ++n;
  uart_write(s, n);
}

void uart_put_u32(std::uint32_t v) {
  char buf[10];
  std::size_t n = 0;
  do {
    buf[sizeof(buf) - 1 - n++] = static_cast<char>('0' + v % 10u);
    v /= 10u;
  } while (v);
  uart_write(buf + sizeof(buf) - n, n);
}

// Stand-in for talking to a sensor over I2C.
void busy_wait_us(std::uint32_t us) {
  const std::uint64_t until = board_now_ns() + static_cast<std::uint64_t>(us) * 1000u;
  while (board_now_ns() < until) {
  }
}

std::uint32_t g_envelopes = 0;

#if !APP_NO_TRACING
// Monotonic nanoseconds since boot.
std::uint64_t clock_now_ns(void*) noexcept { return board_now_ns(); }

// Wall clock (microseconds since the Unix epoch): read by init() to anchor the monotonic clock
// and for each envelope's sent_at.
std::int64_t wall_now_epoch_us(void*) noexcept { return board_epoch_us(); }

// Entropy: a FIXED-SEED xorshift64, so this example needs no hardware. It only seeds trace and
// span ids (init() calls it once); with a fixed seed every boot produces the same ids, which
// Sentry would merge. A real device must use its TRNG (e.g. STM32 RNG, nRF RNG, ESP32
// esp_fill_random) or at least an id stored in flash mixed with a boot counter.
std::uint64_t g_xorshift = 0x9E3779B97F4A7C15ull ^ static_cast<std::uint64_t>(APP_BUILD_EPOCH_S);
bool entropy_fill(void* bytes, std::size_t n, void*) noexcept {
  auto* p = static_cast<unsigned char*>(bytes);
  for (std::size_t i = 0; i < n; ++i) {
    g_xorshift ^= g_xorshift << 13;
    g_xorshift ^= g_xorshift >> 7;
    g_xorshift ^= g_xorshift << 17;
    p[i] = static_cast<unsigned char>(g_xorshift >> 24);
  }
  return true;
}

// Diagnostics to the same UART, one line each. Freestanding builds default to
// SENTRY_TRACE_LOG_TEXT=0 (config.hpp): a message is "#<line> <value>", the line of the call
// that logs it in the library's headers, so that the sentences take no flash.
void log_line(st::log_level level, const char* message, void*) noexcept {
  uart_puts("[sentry_trace] ");
  uart_puts(st::to_string(level));
  uart_puts(": ");
  uart_puts(message);
  uart_puts("\n");
}

// The transport: frame each envelope and push it through the byte sink. This runs when the
// transaction's root span ends; the bytes are valid only during the call.
void send_envelope(const char* bytes, std::size_t size, void*) {
  uart_puts("@@ENVELOPE ");
  uart_put_u32(static_cast<std::uint32_t>(size));
  uart_puts("\n");
  uart_write(bytes, size);
  uart_puts("\n@@END\n");
  ++g_envelopes;
}

// All tracer memory: one object in .bss (st::storage_bytes() bytes).
st::storage g_storage;
st::callback_transport g_transport(send_envelope, nullptr);
#endif // !APP_NO_TRACING

} // namespace

// With -ffreestanding, clang does not treat main() as special and would mangle its name; C
// linkage keeps it the `main` that the C start-up code (crt1.o, startup_mps2.c) calls.
extern "C" int main();

int main() {
  board_init();
#if APP_NO_TRACING
  // The baseline image: the same board code and work without the tracer, so that the tracing
  // core's flash is the difference between the two images (tests/embedded/check_arm.sh).
  busy_wait_us(300);
  busy_wait_us(800);
  busy_wait_us(100);
  uart_puts("@@DONE ");
  uart_put_u32(g_envelopes);
  uart_puts(" 0\n");
  board_exit(0);
#else

  st::options o;
  o.dsn = "https://0123456789abcdef0123456789abcdef@o1.ingest.sentry.io/42";
  o.release = "freestanding-example@1.0.0";
  o.environment = "embedded";
  o.traces_sample_rate = 1.0;
  o.transport = &g_transport;
  o.storage = &g_storage;
  o.clock.now_ns = clock_now_ns;
  o.wall_clock.now_epoch_us = wall_now_epoch_us;
  o.entropy.fill = entropy_fill;
  o.log.write = log_line;
  // o.lock: none. SENTRY_TRACE_THREADS=0 and the envelope is written from the main loop only;
  // with an RTOS, set o.lock.lock/unlock to take and give a mutex.
  if (!st::init(o)) board_exit(1);

  // A "sensor read" transaction with three children.
  st::start_span({"sensor read", "task"}, [](st::span& read) {
    read.set_attribute("sensor.bus", "i2c1");
    st::start_span({"wake sensor", "i2c.write"}, [](st::span&) { busy_wait_us(300); });
    st::start_span({"read sample", "i2c.read"}, [](st::span& s) {
      busy_wait_us(800);
      s.set_attribute("sensor.bytes", static_cast<std::int64_t>(6));
    });
    st::start_span({"convert", "function"}, [](st::span& s) {
      busy_wait_us(100);
      s.set_attribute("sensor.celsius", 21.5);
    });
  });  // the root ends: the envelope is written and sent through uart_write

  // A burst of more children than SENTRY_TRACE_MAX_SPANS: the one past the limit is dropped and
  // counted, and shutdown() sends the count as a client report, so that path's stack is
  // measured too (@@STACK below).
  st::start_span({"burst", "task"}, [](st::span&) {
    for (int i = 0; i <= SENTRY_TRACE_MAX_SPANS; ++i) st::start_span({"tick", "function"}, [](st::span&) {});
  });

  st::shutdown(0);
  const st::stats s = st::get_stats();
  if (APP_BOARD_MPS2) {
    uart_puts("@@STACK ");
    uart_put_u32(board_stack_used());
    uart_puts("\n");
  }
  uart_puts("@@DONE ");
  uart_put_u32(g_envelopes);
  uart_puts(" ");
  uart_put_u32(static_cast<std::uint32_t>(s.discarded_total));
  uart_puts("\n");
  board_exit(g_envelopes >= 1 ? 0 : 2);
#endif
}

// ================================================================================================
// The C++ runtime pieces this program supplies itself instead of libsupc++.
// ================================================================================================

// Called if a pure virtual function is ever called (never, in a correct program): the abstract
// st::transport's vtable refers to it. Park the program with a distinct exit status.
extern "C" void __cxa_pure_virtual() { board_exit(3); }

// libstdc++'s headers call this when std::string_view::substr() gets a position past the end
// (the library never does; the check is still compiled in). With -fno-exceptions the real one,
// in libstdc++.so/.a, would print and abort; this one stops the program with exit status 4.
// Declared (noreturn, printf-like) by <bits/functexcept.h>, which <string_view> includes.
void std::__throw_out_of_range_fmt(const char*, ...) { board_exit(4); }

#if APP_BOARD_MPS2
// Exit-time destructors. The tracer lives in a holder whose (empty) destructor is still
// registered by the compiler (sentry_trace::detail::immortal), which needs __aeabi_atexit and
// __dso_handle; the host gets them from glibc and crtbegin.o, a bare-metal image from here. A
// device never returns from main, so nothing is recorded and nothing ever runs at exit; this
// also keeps newlib's atexit machinery out of the image.
extern "C" void* __dso_handle;
void* __dso_handle = nullptr;
extern "C" int __aeabi_atexit(void*, void (*)(void*), void*) { return 0; }
#endif
