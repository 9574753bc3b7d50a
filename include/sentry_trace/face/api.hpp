// sentry_trace/face/api.hpp -- the free functions users call to trace
//
// WHAT IT DOES  The four ways to start a span, measurements, and access to the active span:
//                 start_span(opts, fn)       runs fn(span&) with the span active, ends it, returns fn's result
//                 scoped_span s(opts)        RAII: active until the end of the scope
//                 start_span_manual(opts)    active on this thread until end(); may be ended elsewhere
//                 start_inactive_span(opts)  never becomes a parent of later spans; end() it yourself
//               now(), the clock that span_options::start_time and span::end(at) take times
//               of; suppress_tracing(fn), inside which nothing is traced or propagated; and
//               poll(budget_us), which drives the built-in HTTP transport in poll mode.
//               A span started with no active span and no explicit parent is a transaction.
// DOES NOT      allocate, or lock or format text when a span starts or a child span ends. A
//               sampled span costs a clock read at each end, a compare-and-swap claiming its
//               slot in the transaction's block, an atomic add per string copied into the block's
//               arena, and one more when it ends. Ending a root writes and hands over its whole
//               transaction on the ending thread, under the envelope lock (hooks.hpp, lock_hook).
//               An unsampled span takes no slot; its trace's unrecorded spans are counted for
//               client reports. With tracing off at run time a start is one inline test.
// THREADS       Spans nest under this thread's active span. To continue on another thread, pass
//               the parent explicitly: span_options{"work", "task", parent_span}.
// ERRORS        Nothing here fails: over a capacity, spans are dropped and counted, strings
//               truncated and counted (get_stats(), client reports). With exceptions on, an
//               exception leaving start_span's callback sets internal_error, ends the span, and
//               propagates.

#ifndef SENTRY_TRACE_FACE_API_HPP
#define SENTRY_TRACE_FACE_API_HPP

#include "../config.hpp"
#include "sampler.hpp"
#include "span.hpp"

#if SENTRY_TRACE_EXCEPTIONS
#  include <exception>
#endif
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>

SENTRY_TRACE_DETAIL_BEGIN

namespace detail {
/// Starts a span under its explicit parent, this thread's active span, or as a transaction;
/// `make_active` pushes it on this thread's stack. Defined in core/recording.hpp.
span start_span_impl(const span_options& o, bool make_active) noexcept;

/// set_measurement's work, defined in runtime/api.hpp.
void record_measurement(std::string_view name, double value, std::string_view unit) noexcept;

/// Whether tracing is on in this run: written by init() and shutdown() (runtime/lifecycle.hpp,
/// through set_live_run), read inline by every start, so a program with tracing off at run time
/// pays one load and one predictable branch per span and makes no call. Zero-initialized static
/// storage; read and written with the compiler's atomic builtins (relaxed: it only picks the
/// path, start_span_impl checks the tracer again), so the face needs no <atomic>.
inline bool g_live_run = false;

#if defined(_MSC_VER) && !defined(__clang__)
// MSVC has no __atomic builtins; a volatile byte access is one plain load or store there, all this
// relaxed word needs.
inline bool live_run() noexcept { return *static_cast<volatile bool*>(&g_live_run); }
inline void set_live_run(bool on) noexcept { *static_cast<volatile bool*>(&g_live_run) = on; }
#else
inline bool live_run() noexcept { return __atomic_load_n(&g_live_run, __ATOMIC_RELAXED); }
inline void set_live_run(bool on) noexcept { __atomic_store_n(&g_live_run, on, __ATOMIC_RELAXED); }
#endif

/// Every start goes through here: under SENTRY_TRACE_SAMPLING_NEVER it is an empty handle,
/// inline, so the span path folds away in the caller; with tracing off at run time it is an
/// empty handle after one test.
inline span start(const span_options& o, bool make_active) noexcept {
  if constexpr (sampling_policy == sampling_policy_kind::never) return span{};
  if (!live_run()) return span{};
  return start_span_impl(o, make_active);
}
}  // namespace detail

/// Starts a span, makes it this thread's active span, runs `fn(span&)` and ends the span.
/// Returns what `fn` returns. Thread-safe.
template <class Fn> decltype(auto) start_span(const span_options& opts, Fn&& fn) {
  span s = detail::start(opts, true);
#if SENTRY_TRACE_EXCEPTIONS
  struct on_unwind {
    span& s;
    int uncaught = std::uncaught_exceptions();
    ~on_unwind() {
      if (std::uncaught_exceptions() > uncaught) s.set_status(span_status::internal_error);
      s.end();
    }
  } guard{s};
  return std::forward<Fn>(fn)(s);
#else
  if constexpr (std::is_void_v<decltype(std::forward<Fn>(fn)(s))>) {
    std::forward<Fn>(fn)(s);
    s.end();
  } else {
    decltype(auto) result = std::forward<Fn>(fn)(s);
    s.end();
    return result;
  }
#endif
}

/// Starts a span and makes it this thread's active span until end() (idempotent). The handle
/// may be moved to another thread and ended there. Thread-safe.
[[nodiscard]] inline span start_span_manual(const span_options& opts) noexcept { return detail::start(opts, true); }

/// Starts a span that never becomes the active span, so later spans do not nest under it
/// (pass it as an explicit parent to nest something). End it yourself. Thread-safe.
[[nodiscard]] inline span start_inactive_span(const span_options& opts) noexcept { return detail::start(opts, false); }

/// A span active for the rest of the scope, ended by the destructor.
class scoped_span {
 public:
  explicit scoped_span(const span_options& opts) noexcept : span_(detail::start(opts, true)) {}
  ~scoped_span() { span_.end(); }
  scoped_span(const scoped_span&) = delete;
  scoped_span& operator=(const scoped_span&) = delete;
  /// The span, to set attributes or status.
  span& get() noexcept { return span_; }
  span* operator->() noexcept { return &span_; }

 private:
  span span_;
};

/// A reference to this thread's active span (empty when there is none).
span_ref active_span() noexcept;

/// Now on the tracer's monotonic clock (span_time: options.clock, else steady_clock), for
/// span_options::start_time and span::end(at). Not given (0) before init() and after
/// shutdown(). Costs one read of that clock; thread-safe.
span_time now() noexcept;

namespace detail {
/// suppress_tracing's scope on this thread (runtime/api.hpp); enter returns false when this
/// thread could get no stack scope (SENTRY_TRACE_MAX_THREADS; logged), and then nothing is
/// suppressed.
bool enter_suppression() noexcept;
void leave_suppression() noexcept;
class suppression_scope {
 public:
  suppression_scope() noexcept : on_(enter_suppression()) {}
  ~suppression_scope() {
    if (on_) leave_suppression();
  }
  suppression_scope(const suppression_scope&) = delete;
  suppression_scope& operator=(const suppression_scope&) = delete;

 private:
  bool on_;
};
}  // namespace detail

/// Runs fn() with tracing suppressed on this thread and returns its result (as @sentry/core's
/// suppressTracing): spans started inside, with or without an explicit parent, record nothing
/// and are counted in no client report (nothing was meant to be sent, as with tracing off);
/// they carry their parent's ids, so errors captured inside still link to the enclosing span.
/// No trace headers go out inside: get_trace_headers() is empty and inject() sets nothing, as
/// @sentry/opentelemetry's propagator injects nothing while tracing is suppressed
/// (get_trace_headers(span_ref) still gives a named span's headers). The active span outside
/// is unchanged. Nested calls stack; the scope is this thread's (another thread's spans are
/// traced as usual). For code whose work must not be traced, e.g. a transport's own requests.
template <class Fn> decltype(auto) suppress_tracing(Fn&& fn) {
  detail::suppression_scope scope;
  return std::forward<Fn>(fn)();
}

/// Sets a measurement on the transaction of this thread's active span, e.g.
/// set_measurement("ttfb", 12.5, "millisecond"). `unit` is one of Relay's units (nanosecond …
/// week, byte … exbibyte, ratio, percent, none) or a custom ASCII unit of at most 15 bytes;
/// anything else is written as "none". Non-finite values, or no active sampled transaction:
/// dropped and counted (stats.measurements_dropped). A later value of the same name wins.
inline void set_measurement(std::string_view name, double value, std::string_view unit = "none") noexcept {
  if constexpr (detail::sampling_policy != detail::sampling_policy_kind::never) detail::record_measurement(name, value, unit);
}

/// Poll mode (options.delivery = delivery_mode::poll): sends what the built-in transports
/// have queued, doing non-blocking work for about `budget_us` microseconds (at least one
/// step), and returns whether their queues are empty. Call it from the program's loop. In
/// every mode it also sends the pending client report when one is due (every 60 s); beyond
/// that it is a no-op returning true in worker mode, with a user transport, or without the
/// HTTP transport.
bool poll(std::uint32_t budget_us) noexcept;

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_FACE_API_HPP
