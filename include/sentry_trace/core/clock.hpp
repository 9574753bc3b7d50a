// sentry_trace/core/clock.hpp -- the span clock: the cycle counter, and its ticks turned into time
//
// WHAT IT DOES  Spans are timed in ticks of the span clock. On hosted x86-64 with an invariant
//               TSC (CPUID leaf 0x80000007, EDX bit 8; checked once per process) and on hosted
//               AArch64 (cntvct_el0), with no clock hook set, that is the cycle counter read
//               inline: two reads cost about half of two clock_gettime() calls (bench_span).
//               Elsewhere, or when the user sets options.clock, a tick is a nanosecond of the
//               hook (or of steady_clock). Ticks become time only when a transaction is
//               serialized: time_anchor maps them to monotonic nanoseconds, then to the wall
//               clock read at init(). A time the user gives (span_time) is already monotonic
//               nanoseconds: it takes only the second step, so given times and ticks of one
//               transaction land on one time line, each as exactly as its source allows.
// CALIBRATION   The rate (nanoseconds per tick) is measured against steady_clock over the
//               longest baseline there is: from the first pair of readings this process took
//               (at the first init(), followed by a busy wait of 1 ms) to the newest one. Each
//               serialization takes a new pair, so the anchor sits next to the spans it converts
//               and the rate gets more exact as the process runs: a long-running process does
//               not drift from the monotonic clock.
// DOES NOT      read the wall clock after init(): a wall-clock step moves no span.
// CONFIG        SENTRY_TRACE_HOSTED (the counter only on hosted builds; a freestanding build
//               sets options.clock, which always wins).

#ifndef SENTRY_TRACE_CORE_CLOCK_HPP
#define SENTRY_TRACE_CORE_CLOCK_HPP

#include "../config.hpp"
#include "../protocol/json.hpp"
#include "platform.hpp"

#include <cstdint>

#if SENTRY_TRACE_HOSTED && (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__aarch64__))
#  define SENTRY_TRACE_DETAIL_CYCLE_COUNTER 1
#else
#  define SENTRY_TRACE_DETAIL_CYCLE_COUNTER 0
#endif

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {

/// The high 64 bits of a 64 x 64-bit product.
inline std::uint64_t mul_hi64(std::uint64_t a, std::uint64_t b) noexcept {
#if defined(__SIZEOF_INT128__)
  __extension__ using u128 = unsigned __int128;
  return static_cast<std::uint64_t>((static_cast<u128>(a) * b) >> 64);
#else
  const std::uint64_t a_lo = a & 0xffffffffu, a_hi = a >> 32, b_lo = b & 0xffffffffu, b_hi = b >> 32;
  const std::uint64_t lo_lo = a_lo * b_lo, hi_lo = a_hi * b_lo, lo_hi = a_lo * b_hi, hi_hi = a_hi * b_hi;
  const std::uint64_t mid = (lo_lo >> 32) + (hi_lo & 0xffffffffu) + lo_hi;
  return hi_hi + (hi_lo >> 32) + (mid >> 32);
#endif
}

/// Turns span-clock ticks into epoch microseconds. Two steps: ticks to monotonic nanoseconds
/// through the pair (`ticks`, `ticks_mono_ns`) and the rate, then monotonic nanoseconds to the
/// wall clock through init()'s pair (`mono_ns`, `epoch_us`). Every member defaults to zero,
/// which makes a tick one nanosecond of the monotonic clock (a clock hook, steady_clock), so
/// g_tracer, which holds one, stays zero-initialized (.bss, not flash).
struct time_anchor {
  std::int64_t epoch_us = 0;        ///< the wall clock at init()
  std::uint64_t mono_ns = 0;        ///< the monotonic clock at the same instant
  std::uint64_t ticks = 0;          ///< a span-clock reading...
  std::uint64_t ticks_mono_ns = 0;  ///< ...and the monotonic clock at the same instant
  std::uint64_t ns_per_tick = 0;    ///< the rate, when `rated`: ns_per_tick + ns_per_tick_frac / 2^64
  std::uint64_t ns_per_tick_frac = 0;
  bool rated = false;               ///< false: a tick is a nanosecond

  std::uint64_t ns_of(std::uint64_t tick_count) const noexcept {
    return rated ? tick_count * ns_per_tick + mul_hi64(tick_count, ns_per_tick_frac) : tick_count;
  }
  std::uint64_t to_mono_ns(std::uint64_t t) const noexcept {
    return t >= ticks ? ticks_mono_ns + ns_of(t - ticks) : ticks_mono_ns - ns_of(ticks - t);
  }
  /// Monotonic nanoseconds (a span_time the user gave, or a converted tick) to epoch microseconds.
  std::int64_t mono_to_epoch_us(std::uint64_t ns) const noexcept {
    return ns >= mono_ns ? epoch_us + static_cast<std::int64_t>(divmod_u64(ns - mono_ns, 1000).quot)
                         : epoch_us - static_cast<std::int64_t>(divmod_u64(mono_ns - ns, 1000).quot);
  }
  std::int64_t to_epoch_us(std::uint64_t t) const noexcept { return mono_to_epoch_us(to_mono_ns(t)); }
};

#if SENTRY_TRACE_DETAIL_CYCLE_COUNTER
/// The cycle counter: the TSC (x86-64) or the virtual counter (AArch64). Not serializing: a span
/// boundary needs no fence, and one would cost more than the read.
inline std::uint64_t read_cycle_counter() noexcept {
#  if defined(__x86_64__)
  return __builtin_ia32_rdtsc();
#  else
  std::uint64_t v;
  __asm__ __volatile__("mrs %0, cntvct_el0" : "=r"(v));
  return v;
#  endif
}

/// Whether the counter ticks at one constant rate on every core, whatever the power state.
inline bool probe_cycle_counter() noexcept {
#  if defined(__x86_64__)
  std::uint32_t a, b, c, d;
  __asm__ __volatile__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000000u), "c"(0u));
  if (a < 0x80000007u) return false;
  __asm__ __volatile__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000007u), "c"(0u));
  return (d & (1u << 8)) != 0;  // invariant TSC
#  else
  // The architected counter is constant-rate by definition; a frequency under 1 MHz (or none
  // reported) would make its ticks coarser than the microseconds the envelope writes.
  std::uint64_t f;
  __asm__ __volatile__("mrs %0, cntfrq_el0" : "=r"(f));
  return f >= 1000000u;
#  endif
}

/// A counter reading and a steady_clock reading taken at (nearly) the same instant.
struct clock_pair {
  std::uint64_t ticks = 0;
  std::uint64_t mono_ns = 0;
};

/// The tightest of a few tries: the counter is read on both sides of the monotonic clock and
/// the midpoint kept, so a try interrupted between its reads does not skew the pair.
inline clock_pair read_clock_pair() noexcept {
  clock_pair best;
  std::uint64_t best_width = ~std::uint64_t{0};
  for (int i = 0; i < 8; ++i) {
    const std::uint64_t t0 = read_cycle_counter();
    const std::uint64_t ns = hosted_now_ns(nullptr);
    const std::uint64_t t1 = read_cycle_counter();
    if (t1 - t0 < best_width) {
      best_width = t1 - t0;
      best.ticks = t0 + (t1 - t0) / 2;
      best.mono_ns = ns;
    }
  }
  return best;
}

/// The process's counter: probed once; `origin` is the first pair, the start of every baseline.
struct cycle_counter_state {
  bool probed = false;
  bool usable = false;
  clock_pair origin{};
};
inline cycle_counter_state g_cycle_counter{};

/// The shortest baseline a rate is measured over (init() waits that long once per process).
inline constexpr std::uint64_t min_calibration_ns = 1'000'000;

/// A pair taken now, at least min_calibration_ns after the origin (busy-waiting for it once).
inline clock_pair read_calibrated_pair() noexcept {
  const cycle_counter_state& c = g_cycle_counter;
  clock_pair p = read_clock_pair();
  while (p.mono_ns - c.origin.mono_ns < min_calibration_ns || p.ticks == c.origin.ticks) p = read_clock_pair();
  return p;
}

/// Sets the rate and the tick pair of `a` from the origin and `now`.
inline void set_rate(time_anchor& a, const clock_pair& now) noexcept {
  const clock_pair& o = g_cycle_counter.origin;
  const std::uint64_t dt = now.ticks - o.ticks;
  const std::uint64_t dns = now.mono_ns - o.mono_ns;
  a.ns_per_tick = dns / dt;
  // The fraction in double: 53 bits of it are far finer than the pairs' own jitter.
  const double frac = static_cast<double>(dns % dt) / static_cast<double>(dt) * 18446744073709551616.0;
  a.ns_per_tick_frac = frac >= 18446744073709551615.0 ? ~std::uint64_t{0} : static_cast<std::uint64_t>(frac);
  a.rated = true;
  a.ticks = now.ticks;
  a.ticks_mono_ns = now.mono_ns;
}

/// init(): whether the span clock is the counter; when it is, `a` gets its first rate. Called
/// only when the user set no clock hook. Probing and the origin happen once per process.
inline bool start_cycle_counter(time_anchor& a) noexcept {
  cycle_counter_state& c = g_cycle_counter;
  if (!c.probed) {
    c.probed = true;
    c.usable = probe_cycle_counter();
    if (c.usable) c.origin = read_clock_pair();
  }
  if (!c.usable) return false;
  set_rate(a, read_calibrated_pair());
  return true;
}

/// The anchor a serialization converts with: init()'s wall-clock pair, a fresh tick pair and
/// the rate over the baseline from the origin to now.
inline time_anchor refreshed_anchor(const time_anchor& at_init) noexcept {
  time_anchor a = at_init;
  set_rate(a, read_calibrated_pair());
  return a;
}
#endif  // SENTRY_TRACE_DETAIL_CYCLE_COUNTER

}  // namespace detail
SENTRY_TRACE_DETAIL_END

#endif  // SENTRY_TRACE_CORE_CLOCK_HPP
