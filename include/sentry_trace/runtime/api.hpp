// sentry_trace/runtime/api.hpp -- the free functions of face/api.hpp, defined
//
// WHAT IT DOES  active_span(), set_measurement(), poll() and the frame tracker's clock, defined
//               once (implementation TU).

#ifndef SENTRY_TRACE_RUNTIME_API_HPP
#define SENTRY_TRACE_RUNTIME_API_HPP

#include "../config.hpp"
#include "../face/api.hpp"
#include "../face/frames.hpp"
#include "../core/recording.hpp"
#include "../delivery/dispatch.hpp"

#include <cstdint>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

#ifdef SENTRY_TRACE_IMPLEMENTATION
// Each is documented where face/api.hpp declares it.
span_ref active_span() noexcept {
  if (!detail::g_tracer.enabled) return span_ref{};
  detail::stack_entry* e = detail::current_entry();
  return e ? e->ref : span_ref{};
}

span_time now() noexcept {
  const detail::tracer& t = detail::g_tracer;
  // The hook is read only while enabled: after shutdown() it may point at an object gone.
  return t.enabled ? span_time{t.now_ns()} : span_time{};
}

bool detail::enter_suppression() noexcept {
  thread_scope* s = tl_scope ? tl_scope : take_thread_scope();
  if (!s) return false;
  ++s->suppressed;
  return true;
}
void detail::leave_suppression() noexcept {
  // The scope entered is still this thread's: a thread gives its scope back only at exit.
  if (thread_scope* s = tl_scope) --s->suppressed;
}

void detail::record_measurement(std::string_view name, double value, std::string_view unit) noexcept {
  if (g_tracer.enabled) set_measurement_impl(name, value, unit);
}

/// Poll mode: writes the envelopes of roots that have ended, at least one and more while
/// `budget_us` lasts (spent time is taken from it). True when none is left queued.
namespace detail {
inline bool write_queued_roots(std::uint32_t& budget_us) noexcept {
  handoff_queue& h = g_handoff;
  if (h.mode() != handoff_mode::poll) return true;
  const tracer& t = g_tracer;
  const std::uint64_t started = t.now_ns();
  const std::uint64_t budget_ns = static_cast<std::uint64_t>(budget_us) * 1000;
  while (h.take_and_write() && t.now_ns() - started < budget_ns) {
  }
  const std::uint64_t spent_us = (t.now_ns() - started) / 1000;
  budget_us = spent_us < budget_us ? static_cast<std::uint32_t>(budget_us - spent_us) : 0;
  return h.pending() == 0;
}
}  // namespace detail

bool poll(std::uint32_t budget_us) noexcept {
  detail::send_client_report_if_due();  // the periodic client report, in every delivery mode
  bool empty = detail::write_queued_roots(budget_us);
#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
  detail::builtin_delivery& b = detail::g_builtin;
  if (b.main && !b.main->has_worker()) empty = b.main->poll(b.spotlight ? budget_us / 2 + 1 : budget_us) && empty;
  if (b.spotlight && !b.spotlight->has_worker()) empty = b.spotlight->poll(budget_us / 2 + 1) && empty;
#endif
  return empty;
}

// The hook is only read while enabled: after shutdown() it may point at an object that no
// longer exists.
bool detail::frame_clock_now(std::uint64_t& out) noexcept {
  const detail::tracer& t = detail::g_tracer;
  if (!t.enabled || !t.clock.now_ns) return false;
  out = t.now_ns();
  return true;
}
#endif // SENTRY_TRACE_IMPLEMENTATION

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_RUNTIME_API_HPP
