// sentry_trace/face/span_time.hpp -- a point on the tracer's monotonic clock, for spans timed after the fact
//
// WHAT IT DOES  `span_time`, the value span_options::start_time, span::end(at) and now() use.
//               Written once, included by span.hpp (tracing on) and by disabled.hpp
//               (SENTRY_TRACE_ENABLED=0, where now() is 0, "not given"), so that what a program
//               computes with it is the same in both modes.
// DOES NOT      read a clock (now() does, in the implementation TU) or depend on any other part
//               but config.hpp: every member is constexpr.

#ifndef SENTRY_TRACE_SPAN_TIME_HPP
#define SENTRY_TRACE_SPAN_TIME_HPP

#include "../config.hpp"

#include <cstdint>

SENTRY_TRACE_DETAIL_BEGIN

/// A point in time on the tracer's monotonic clock, in nanoseconds: the clock of
/// options.clock when it is set, else steady_clock (a clock that never steps, unlike the wall
/// clock). Take one with now(); express a duration measured after the fact with minus_ns()
/// (`now().minus_ns(elapsed_ns)` is when a thing that just finished began). Zero means "not
/// given": a span then starts or ends when the call is made. A value taken from another clock
/// must be moved onto this one by the caller (e.g. GPU timestamps, by pairing one with now()).
/// Spans may mix given times and clock readings freely: both are put on the same time line
/// when their transaction is written (core/clock.hpp).
struct span_time {
  std::uint64_t ns = 0;  ///< monotonic nanoseconds; 0: not given

  /// `d_ns` nanoseconds earlier; saturates at the clock's first nanosecond (never "not given").
  constexpr span_time minus_ns(std::uint64_t d_ns) const noexcept { return span_time{ns > d_ns ? ns - d_ns : 1}; }
  /// `d_ns` nanoseconds later (saturating).
  constexpr span_time plus_ns(std::uint64_t d_ns) const noexcept {
    return span_time{ns + d_ns < ns ? ~std::uint64_t{0} : ns + d_ns};
  }
  constexpr bool is_set() const noexcept { return ns != 0; }
};

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_SPAN_TIME_HPP
