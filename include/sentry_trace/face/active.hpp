// sentry_trace/face/active.hpp -- the active span, writable; code run under a given span or a new trace
//
// WHAT IT DOES  get_active_span()       (JS getActiveSpan) this thread's active span as a
//                                       borrowed_span: deep code sets attributes, status, name,
//                                       op and origin on it without holding its handle
//               with_active_span(r, fn) (JS withActiveSpan) runs fn() with the span `r` names as
//                                       this thread's active span, the previous one restored
//                                       after; an empty ref (or nullptr) means no active span
//                                       inside, as withActiveSpan(null, fn)
//               start_new_trace(fn)     (JS startNewTrace) runs fn() in a trace of its own: no
//                                       active span, no continue_trace() scope, and one fresh
//                                       trace id and sample_rand for the transactions started
//                                       inside and for headers and events outside any span
//               The out-of-line halves are runtime/active.hpp's (implementation TU).
// STEP BY STEP  st::get_active_span().set_attribute("cache.hit", true);      // deep in a handler
//               pool.run([ref = st::active_span()] {                           // on a worker thread
//                 st::with_active_span(ref, [] { st::scoped_span s({"parse", "task"}); });
//               });
//               st::start_new_trace([] { st::start_span({"nightly job", "task"}, [](st::span&) {}); });
// DOES NOT      allocate, lock, or end, abandon or keep alive a span. A borrowed_span's setter
//               claims the span's transaction block for the write (one compare-and-swap and one
//               atomic subtraction), so a span that has ended, or whose transaction has been
//               sent and its block reused, is never written: the setter is a no-op then, as on
//               an unrecorded span or an empty borrowed_span.
// THREADS       with_active_span changes only the calling thread's stack of active spans, so a
//               worker may run under a span of another thread; spans started inside are that
//               span's children, dropped and counted (no_parent_span) once its transaction has
//               been sent, as with span_options::parent. A span's fields are written by one
//               thread at a time, whichever handle does it: a borrowed_span must not change a
//               span while its owner (or another borrowed_span) changes or ends it on another
//               thread. get_active_span() under start_span/scoped_span on the same thread, its
//               common use, always keeps that rule.
// ERRORS        Nothing here fails. with_active_span and start_new_trace let fn's exception pass,
//               the thread's active span (and trace scope) restored first.

#ifndef SENTRY_TRACE_FACE_ACTIVE_HPP
#define SENTRY_TRACE_FACE_ACTIVE_HPP

#include "../config.hpp"
#include "api.hpp"
#include "distributed.hpp"
#include "span.hpp"

#include <cstddef>
#include <type_traits>
#include <utility>

SENTRY_TRACE_DETAIL_BEGIN

/// A span that is not the holder's to end: it changes the span a span_ref names, as its own
/// handle would, and can never end or abandon it. Copyable, a span_ref in size; holding one keeps
/// nothing alive. Each setter takes exactly the arguments span's setter of that name takes, and
/// is a no-op on an empty, unrecorded or ended span, and once the span's transaction was sent.
class borrowed_span {
  static constexpr bool never_recording = SENTRY_TRACE_SAMPLING == SENTRY_TRACE_SAMPLING_NEVER;

 public:
  constexpr borrowed_span() noexcept = default;
  /// The span `ref` names: from span::ref(), active_span(), or another thread.
  constexpr explicit borrowed_span(const span_ref& ref) noexcept : ref_(ref) {}

  /// span::set_attribute: keys and string values are copied into the transaction's arena.
  template <class... Args>
  auto set_attribute(Args&&... args) noexcept -> decltype(std::declval<span&>().set_attribute(std::forward<Args>(args)...)) {
    if (is_recording()) write_([&](span& s) noexcept { s.set_attribute(std::forward<Args>(args)...); });
  }
  /// span::set_attributes: a braced list, an array, or a pointer and a count, read during the
  /// call. Not a forwarding template: a braced list has no type to deduce.
  void set_attributes(span_attributes attributes) noexcept {
    if (is_recording()) write_([&](span& s) noexcept { s.set_attributes(attributes); });
  }
  /// span::set_status, with or without a message.
  template <class... Args>
  auto set_status(Args&&... args) noexcept -> decltype(std::declval<span&>().set_status(std::forward<Args>(args)...)) {
    if (is_recording()) write_([&](span& s) noexcept { s.set_status(std::forward<Args>(args)...); });
  }
  /// span::set_http_status: the status from the code, and `http.response.status_code`.
  template <class... Args>
  auto set_http_status(Args&&... args) noexcept
      -> decltype(std::declval<span&>().set_http_status(std::forward<Args>(args)...)) {
    if (is_recording()) write_([&](span& s) noexcept { s.set_http_status(std::forward<Args>(args)...); });
  }
  /// span::set_name: on a transaction's root also the transaction's name (and its source).
  template <class... Args>
  auto set_name(Args&&... args) noexcept -> decltype(std::declval<span&>().set_name(std::forward<Args>(args)...)) {
    if (is_recording()) write_([&](span& s) noexcept { s.set_name(std::forward<Args>(args)...); });
  }
  /// span::set_op.
  template <class... Args>
  auto set_op(Args&&... args) noexcept -> decltype(std::declval<span&>().set_op(std::forward<Args>(args)...)) {
    if (is_recording()) write_([&](span& s) noexcept { s.set_op(std::forward<Args>(args)...); });
  }
  /// span::set_origin.
  template <class... Args>
  auto set_origin(Args&&... args) noexcept -> decltype(std::declval<span&>().set_origin(std::forward<Args>(args)...)) {
    if (is_recording()) write_([&](span& s) noexcept { s.set_origin(std::forward<Args>(args)...); });
  }

  /// True when it names a span (sampled or not), as span_ref::is_valid: get_active_span() found one.
  bool is_valid() const noexcept { return ref_.is_valid(); }
  /// True when the span had a slot when the reference was taken (it may have ended since: then
  /// the setters are no-ops).
  bool is_recording() const noexcept { return !never_recording && ref_.is_recording(); }
  bool is_sampled() const noexcept { return ref_.is_sampled(); }
  trace_id trace() const noexcept { return ref_.trace; }
  span_id id() const noexcept { return ref_.id; }
  span_ref ref() const noexcept { return ref_; }
  /// Implicit, so that `span_options{"name", "op", st::get_active_span()}` reads naturally.
  operator span_ref() const noexcept { return ref_; }  // NOLINT(google-explicit-constructor)

 private:
  /// Runs write(span&) on a span handle for ref_, with the span's block claimed.
  template <class Write> void write_(Write&& write) const noexcept {
    apply_(&call_<std::remove_reference_t<Write>>, &write);
  }
  template <class Write> static void call_(span& s, void* write) noexcept { (*static_cast<Write*>(write))(s); }
  /// Defined in runtime/active.hpp: claims the block, runs write(handle, context), lets go.
  void apply_(void (*write)(span&, void*), void* context) const noexcept;

  span_ref ref_{};
};

/// This thread's active span, to change from code that does not hold its handle (JS
/// getActiveSpan): empty (every setter a no-op) when none is active, also inside
/// with_active_span(nullptr, ...) and start_new_trace(). Thread-safe; no heap, no lock.
[[nodiscard]] inline borrowed_span get_active_span() noexcept { return borrowed_span(active_span()); }

namespace detail {
/// Puts `ref` on this thread's stack of active spans (an empty ref: no active span); runtime/active.hpp.
active_mark enter_active(const span_ref& ref) noexcept;
/// Takes the entry enter_active() made off this thread's stack.
void leave_active(const active_mark& at) noexcept;
/// Opens a start_new_trace scope in `at` on this thread; leave_trace closes it.
void enter_new_trace(incoming_space& at) noexcept;

/// One with_active_span call's entry, taken off however fn leaves. With tracing off at run time
/// (or SENTRY_TRACE_SAMPLING_NEVER) nothing is pushed: no span starts anyway.
class active_scope {
 public:
  explicit active_scope(const span_ref& ref) noexcept {
    if constexpr (sampling_policy != sampling_policy_kind::never)
      if (live_run()) at_ = enter_active(ref);
  }
  ~active_scope() {
    if (at_.depth) leave_active(at_);
  }
  active_scope(const active_scope&) = delete;
  active_scope& operator=(const active_scope&) = delete;

 private:
  active_mark at_{};
};

/// One start_new_trace call's trace scope, closed however fn leaves.
class new_trace_scope {
 public:
  new_trace_scope() noexcept { enter_new_trace(space_); }
  ~new_trace_scope() { leave_trace(space_); }
  new_trace_scope(const new_trace_scope&) = delete;
  new_trace_scope& operator=(const new_trace_scope&) = delete;

 private:
  incoming_space space_;
};
}  // namespace detail

/// Runs fn() with the span `ref` names as this thread's active span and returns fn's result
/// (JS withActiveSpan): spans started inside without an explicit parent are its children, and
/// get_active_span(), get_trace_headers(), set_measurement() and error events see it. An empty
/// ref means no active span inside (JS withActiveSpan(null, fn)): spans started there are
/// transactions. The span is not ended when fn returns; a span from before the last init()
/// makes the spans started inside dropped and counted (no_parent_span), as such an explicit
/// parent does. Thread-safe; the calling thread's stack only (SENTRY_TRACE_MAX_DEPTH entries:
/// over it, fn runs under the previous active span, counted in stats.depth_overflows).
template <class Fn> decltype(auto) with_active_span(const span_ref& ref, Fn&& fn) {
  detail::active_scope scope(ref);
  return std::forward<Fn>(fn)();
}
/// with_active_span(nullptr, fn): fn runs with no active span (JS withActiveSpan(null, fn)).
template <class Fn> decltype(auto) with_active_span(std::nullptr_t, Fn&& fn) {
  return with_active_span(span_ref{}, std::forward<Fn>(fn));
}

/// Runs fn() in a trace of its own and returns fn's result (JS startNewTrace): no active span and
/// no continue_trace() scope inside; the transactions started there share one new trace id and
/// sample_rand, which also headers and error events outside any span carry. Outside it the
/// thread's trace is as before. Nested calls each start their own. Thread-safe.
template <class Fn> decltype(auto) start_new_trace(Fn&& fn) {
  detail::active_scope no_active_span{span_ref{}};
  detail::new_trace_scope trace;
  return std::forward<Fn>(fn)();
}

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_FACE_ACTIVE_HPP
