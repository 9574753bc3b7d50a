// sentry_trace/hooks.hpp -- the clock, wall clock, entropy, lock and log hooks; log_level
//
// WHAT IT DOES  Declares the hooks through which the library touches the outside world, each a
//               plain function pointer plus a `void* user` (never std::function: it may
//               allocate and throw), and the log_level a log hook receives. Written once,
//               included by platform.hpp (tracing on, which also gives hosted builds working
//               defaults) and by disabled.hpp (SENTRY_TRACE_ENABLED=0, where options still
//               takes them and no hook is ever called).
// DOES NOT      depend on any other part but config.hpp, or call a hook: the callers are the
//               tracer and the transports, and each struct's comment says when.
// HOOKS         see each struct's comment for who calls it, when, and what it may do.

#ifndef SENTRY_TRACE_HOOKS_HPP
#define SENTRY_TRACE_HOOKS_HPP

#include "../config.hpp"

#include <cstddef>
#include <cstdint>

SENTRY_TRACE_DETAIL_BEGIN

/// Monotonic clock: nanoseconds from any fixed origin. When set, it times every span: called
/// by any thread that starts or ends one, so it must be thread-safe, non-blocking and never go
/// backwards. Hosted default: spans read the cycle counter on x86-64 with an invariant TSC and
/// on AArch64 (core/clock.hpp), std::chrono::steady_clock elsewhere; steady_clock also times
/// frames and the client-report interval.
struct clock_hook {
  std::uint64_t (*now_ns)(void* user) = nullptr;
  void* user = nullptr;
};

/// Wall clock: microseconds since the Unix epoch (UTC). Read once by init() to anchor the
/// monotonic clock, and when an envelope's `sent_at` is written. Hosted default: system_clock.
/// On a device with no real-time clock, return the best estimate you have (0 is allowed: the
/// timestamps are then relative to 1970, which Sentry accepts but shows as old).
struct wall_clock_hook {
  std::int64_t (*now_epoch_us)(void* user) = nullptr;
  void* user = nullptr;
};

/// Entropy: fill `n` bytes with unpredictable data, return false on failure. Called by init()
/// for the id generator's 256-bit key (32 bytes; not on the span path). Hosted default:
/// /dev/urandom, mixed with the clocks and an address when that is unavailable.
struct entropy_hook {
  bool (*fill)(void* bytes, std::size_t n, void* user) = nullptr;
  void* user = nullptr;
};

/// Lock: guards the envelope buffer and the transport while an envelope is written and sent.
/// Starting a span never takes it, nor does ending a child span; ending a root span does (its
/// transaction is written on the ending thread, dispatch.hpp's finish_transaction), and so does
/// closing the last open span of a streaming segment, and sending a client report once one is
/// due (from poll(), the worker or a send). Set both functions or neither. With neither, a hosted threaded build uses a std::mutex; a
/// single-threaded build uses no lock.
struct lock_hook {
  void (*lock)(void* user) = nullptr;
  void (*unlock)(void* user) = nullptr;
  void* user = nullptr;
};

/// Severity of a diagnostic.
enum class log_level : std::uint8_t { debug, info, warning, error };

/// Diagnostics: `message` is a NUL-terminated line without a newline, valid only during the
/// call. Called from whichever thread found the problem; must be reentrant and must not call
/// back into sentry_trace. Hosted default: stderr. Debug lines reach the hook only when
/// options.debug (or SENTRY_DEBUG) is on; warnings and errors always do.
struct log_hook {
  void (*write)(log_level level, const char* message, void* user) = nullptr;
  void* user = nullptr;
};

/// Short name of a log level ("debug", "info", "warning", "error").
constexpr const char* to_string(log_level level) noexcept {
  return level == log_level::debug     ? "debug"
         : level == log_level::info    ? "info"
         : level == log_level::warning ? "warning"
                                       : "error";
}

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_HOOKS_HPP
