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

void detail::record_measurement(std::string_view name, double value, std::string_view unit) noexcept {
  if (g_tracer.enabled) set_measurement_impl(name, value, unit);
}

bool poll(std::uint32_t budget_us) noexcept {
  detail::send_client_report_if_due();  // the periodic client report, in every delivery mode
#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
  detail::builtin_delivery& b = detail::g_builtin;
  bool empty = true;
  if (b.main && !b.main->has_worker()) empty = b.main->poll(b.spotlight ? budget_us / 2 + 1 : budget_us) && empty;
  if (b.spotlight && !b.spotlight->has_worker()) empty = b.spotlight->poll(budget_us / 2 + 1) && empty;
  return empty;
#else
  static_cast<void>(budget_us);
  return true;
#endif
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
