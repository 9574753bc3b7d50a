// sentry_trace/runtime/active.hpp -- the active span, writable; with_active_span; start_new_trace
//
// WHAT IT DOES  The out-of-line halves of face/active.hpp, defined once (implementation TU): a
//               borrowed_span's write under a claim on its block, the entries with_active_span
//               puts on this thread's stack, and start_new_trace's trace scope.

#ifndef SENTRY_TRACE_RUNTIME_ACTIVE_HPP
#define SENTRY_TRACE_RUNTIME_ACTIVE_HPP

#include "../config.hpp"
#include "../face/active.hpp"
#include "../core/recording.hpp"
#include "../core/span_members.hpp"
#include "distributed.hpp"

#include <cstdint>

SENTRY_TRACE_DETAIL_BEGIN

namespace detail {
/// What with_active_span(ref) puts on this thread's stack: `ref` itself; for an empty ref, an
/// entry of this run that names no span (current_entry() stops at it: no active span inside);
/// for a ref from before the last init(), a dropped one, so that spans started under it are
/// dropped and counted, as under such an explicit parent.
inline span_ref active_entry_ref(const span_ref& ref) noexcept {
  if (!ref.is_valid()) return no_span_entry_ref();
  return ref.epoch == g_tracer.epoch ? ref : dropped_ref(ref);
}
}  // namespace detail

#ifdef SENTRY_TRACE_IMPLEMENTATION
// Each is documented where face/active.hpp declares it.

// The span's own handle needs no claim (its open count keeps the block); a borrower has none, so
// it claims the block: a span whose transaction was sent meanwhile, its block reused, is never
// written. The setters then check that the span is still the slot's and has not ended.
void borrowed_span::apply_(void (*write)(span&, void*), void* context) const noexcept {
  const detail::block_pin pin(ref_);
  if (!pin) return;
  span borrowed(ref_, detail::active_mark{});
  write(borrowed, context);
  borrowed.release_();  // not ours to end or abandon
}

detail::active_mark detail::enter_active(const span_ref& ref) noexcept {
  if (!g_tracer.enabled) return active_mark{};
  const span_ref entry = active_entry_ref(ref);
  return push_active([&](span_ref& active) { active = entry; });
}

void detail::leave_active(const active_mark& at) noexcept { pop_active(at); }

// @sentry/core's startNewTrace: a propagation context with a new trace id and sample_rand, no
// parent span and no DSC (each root freezes its own, as the head of the trace).
void detail::enter_new_trace(incoming_space& at) noexcept {
  incoming_context& ctx = open_trace_scope(at);  // before init() it only hides continue_trace's scope
  if (!g_tracer.enabled) return;
  ctx.fresh = true;
  ctx.parent.trace = new_trace_id();
  ctx.sample_rand_micros = new_sample_rand();
}
#endif // SENTRY_TRACE_IMPLEMENTATION

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_RUNTIME_ACTIVE_HPP
