// sentry_trace/face/distributed.hpp -- continuing traces, handing them on, errors linked to them
//
// WHAT IT DOES  continue_trace() makes the transactions started in its callback continue the
//               caller's trace (trace id, parent span id, sampling decision, sample_rand and the
//               frozen dynamic sampling context); get_trace_headers() gives the `sentry-trace`,
//               `baggage` and `traceparent` values for the active span (get_trace_headers(span_ref)
//               for any span, e.g. a parent handed to a worker thread); inject()/extract() do
//               both through any key-value carrier; capture_exception()/capture_message() send
//               an error event whose `contexts.trace` is the active span's, so Sentry shows the
//               error inside the trace. Parsing and writing are runtime/distributed.hpp's,
//               compiled once by the implementation TU; the templates here only call them.
// STEP BY STEP  st::continue_trace(req.header("sentry-trace"), req.header("baggage"), [&] {
//                 st::start_span({"GET /orders/:id", "http.server"}, [&](st::span&) {
//                   st::trace_headers h = st::get_trace_headers();
//                   out.set("sentry-trace", h.sentry_trace);
//                   out.set("baggage", h.baggage);
//                 });
//               });
// DOES NOT      allocate, or put more than 2 KiB on the stack (tests/stack/stack_use.cpp checks
//               get_trace_headers(), inject() and continue_trace()).

#ifndef SENTRY_TRACE_FACE_DISTRIBUTED_HPP
#define SENTRY_TRACE_FACE_DISTRIBUTED_HPP

#include "../config.hpp"
#include "span.hpp"
#include "event_options.hpp"
#include "status.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#if SENTRY_TRACE_EXCEPTIONS
#  include <exception>
#endif

SENTRY_TRACE_DETAIL_BEGIN

/// The outgoing trace headers for one request, about 130 bytes. `sentry_trace` and
/// `traceparent` point into this object's own buffers: valid while it lives; it can be neither
/// copied nor moved (returned by value through guaranteed copy elision). `baggage` (up to
/// SENTRY_TRACE_MAX_BAGGAGE bytes) points into this thread's propagation buffer: valid until this
/// thread's next get_trace_headers() or inject(); set it on the request (or copy it) before
/// then, and before a fiber yields. An empty view means "send no such header".
class trace_headers {
 public:
  std::string_view sentry_trace;
  std::string_view baggage;
  std::string_view traceparent;  ///< only with options.propagate_traceparent (default false, as the SDKs)

  trace_headers() noexcept = default;
  /// Internal: built in place (the views must point into the final object).
  template <class Fill> explicit trace_headers(Fill&& fill) noexcept {
    fill(*this);
  }
  trace_headers(const trace_headers&) = delete;
  trace_headers& operator=(const trace_headers&) = delete;

  // Internal buffers (the baggage value is the thread's: see get_trace_headers()).
  char sentry_trace_buf[51] = {};
  char traceparent_buf[55] = {};
};

namespace detail {
/// Room on continue_trace's stack for what it received (core/incoming.hpp's incoming_context,
/// checked to fit by a static_assert where it is defined).
struct incoming_space {
  alignas(8) unsigned char bytes[192];
};
/// Opens a continue_trace scope in `at` on this thread; leave_trace closes it.
void enter_trace(incoming_space& at, std::string_view sentry_trace, std::string_view baggage,
                 std::string_view traceparent) noexcept;
void leave_trace(incoming_space& at) noexcept;
/// True when inject() should set headers for `url` (tracing on, and the URL allowed by
/// options.trace_propagation_targets; an empty URL always is).
bool propagates_to(std::string_view url) noexcept;

/// The scope of one continue_trace call: closed however fn leaves.
class trace_scope {
 public:
  trace_scope(std::string_view sentry_trace, std::string_view baggage, std::string_view traceparent) noexcept {
    enter_trace(space_, sentry_trace, baggage, traceparent);
  }
  ~trace_scope() { leave_trace(space_); }
  trace_scope(const trace_scope&) = delete;
  trace_scope& operator=(const trace_scope&) = delete;

 private:
  incoming_space space_;
};
}  // namespace detail

/// Runs fn() with the trace described by `sentry_trace` and `baggage` (header values; empty
/// when absent) as the parent of every transaction started inside it, and returns fn's result.
/// The values must stay valid until fn returns (the baggage is read again inside the scope);
/// values passed directly, temporaries included, always do. Thread-safe; the scope is this
/// thread's. Nested calls stack. Under 2 KiB of stack of its own (tests/stack/stack_use.cpp).
template <class Fn> decltype(auto) continue_trace(std::string_view sentry_trace, std::string_view baggage, Fn&& fn);
/// The same, also reading a W3C `traceparent`, used when `sentry_trace` is absent or invalid.
template <class Fn>
decltype(auto) continue_trace(std::string_view sentry_trace, std::string_view baggage, std::string_view traceparent,
                              Fn&& fn);

/// The headers to send with an outgoing request made inside the active span (or, with none,
/// inside continue_trace's scope, or this thread's own trace). Before init() and after
/// shutdown() every view is empty: nothing is propagated without an enabled SDK, as
/// @sentry/core's getTraceData() returns {} then. No heap, no lock; under 2 KiB of stack
/// (tests/stack/stack_use.cpp); noexcept.
trace_headers get_trace_headers() noexcept;

/// The headers that make a request a child of the span `of`, which may belong to another
/// thread (as @sentry/core's spanToTraceHeader, spanToBaggageHeader and
/// spanToTraceparentHeader): `sentry-trace` and, with options.propagate_traceparent,
/// `traceparent` from its ids and sampling decision; `baggage` from the dynamic sampling
/// context of its trace (frozen here, as the first headers of a trace freeze it). Empty views
/// before init(), after shutdown(), for an empty reference or one from before the last init().
/// Once the span's transaction has been sent its DSC is gone, and a span that records nothing
/// in a trace continued from elsewhere has only the continue_trace() scope's DSC, on that
/// scope's thread: elsewhere baggage is then empty (never a made-up DSC), the other headers
/// are still given. Not changed by suppress_tracing(): the span is named. The baggage
/// view is valid as get_trace_headers()'s is. No heap, no lock; noexcept.
trace_headers get_trace_headers(const span_ref& of) noexcept;

/// Sets the trace headers on any carrier with `set(std::string_view key, std::string_view value)`
/// (HTTP headers, message metadata, RPC metadata); the values are valid only during set(), so
/// the carrier copies them. With `url`, only when options.trace_propagation_targets allow that
/// URL. Returns whether headers were set (false before init() and after shutdown()).
template <class Carrier> bool inject(Carrier& carrier, std::string_view url = {});

/// Continues the trace a carrier brought: reads "sentry-trace", "baggage" and "traceparent" with
/// `get(std::string_view key)` (returning something convertible to std::string_view, empty when
/// absent) and runs fn inside continue_trace.
template <class Carrier, class Fn> decltype(auto) extract(const Carrier& carrier, Fn&& fn);

/// Sends an error event (`exception.values[0]` = {type, value}) linked to the active span,
/// with the tags, contexts and fingerprint of `extra` when given (captureException(e, {tags,
/// contexts, fingerprint})). Every event carries contexts.os, runtime and device and passes
/// options.before_send first. Strings are copied (cut at SENTRY_TRACE_MAX_STRING bytes) and
/// read only during the call. Returns false when it was not sent (tracing off, before_send
/// dropped it, or the envelope did not fit: counted). No heap; thread-safe.
bool capture_exception(std::string_view type, std::string_view value) noexcept;
bool capture_exception(std::string_view type, std::string_view value, const event_options& extra) noexcept;
#if SENTRY_TRACE_EXCEPTIONS
/// capture_exception with e.what() as the value and, as the type, `type` when given, else e's
/// dynamic type name: with RTTI (__cpp_rtti / __GXX_RTTI / _CPPRTTI) demangled without the heap
/// ("std::runtime_error", "app::db_error"; a template or local class keeps its mangled name,
/// see protocol/type_name.hpp), without RTTI "std::exception".
bool capture_exception(const std::exception& e, std::string_view type = {}) noexcept;
bool capture_exception(const std::exception& e, const event_options& extra, std::string_view type = {}) noexcept;
#endif
/// Sends a message event at `lvl`, linked to the active span (captureMessage).
bool capture_message(std::string_view message, level lvl = level::info) noexcept;
bool capture_message(std::string_view message, level lvl, const event_options& extra) noexcept;

template <class Fn>
decltype(auto) continue_trace(std::string_view sentry_trace, std::string_view baggage, std::string_view traceparent,
                              Fn&& fn) {
  detail::trace_scope scope(sentry_trace, baggage, traceparent);
  return std::forward<Fn>(fn)();
}

template <class Fn> decltype(auto) continue_trace(std::string_view sentry_trace, std::string_view baggage, Fn&& fn) {
  return continue_trace(sentry_trace, baggage, std::string_view(), std::forward<Fn>(fn));
}

template <class Carrier> bool inject(Carrier& carrier, std::string_view url) {
  if (!detail::propagates_to(url)) return false;
  trace_headers h = get_trace_headers();
  carrier.set(std::string_view("sentry-trace"), h.sentry_trace);
  if (!h.baggage.empty()) carrier.set(std::string_view("baggage"), h.baggage);
  if (!h.traceparent.empty()) carrier.set(std::string_view("traceparent"), h.traceparent);
  return true;
}

template <class Carrier, class Fn> decltype(auto) extract(const Carrier& carrier, Fn&& fn) {
  return continue_trace(std::string_view(carrier.get(std::string_view("sentry-trace"))),
                        std::string_view(carrier.get(std::string_view("baggage"))),
                        std::string_view(carrier.get(std::string_view("traceparent"))), std::forward<Fn>(fn));
}

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_FACE_DISTRIBUTED_HPP
