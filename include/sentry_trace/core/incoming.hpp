// sentry_trace/core/incoming.hpp -- the trace continue_trace() received, for spans started in its scope
//
// WHAT IT DOES  incoming_context (what a continue_trace() scope holds, on its caller's stack) and
//               how its baggage is loaded where it is needed.

#ifndef SENTRY_TRACE_CORE_INCOMING_HPP
#define SENTRY_TRACE_CORE_INCOMING_HPP

#include "../config.hpp"
#include "../protocol/propagation.hpp"
#include "scopes.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <type_traits>

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {

/// What continue_trace() received, for the transactions started inside its callback. It lives
/// on continue_trace's stack (under 200 bytes); the thread-local pointer below marks the scope.
/// The baggage stays the caller's text, which is valid for the whole scope (continue_trace's
/// contract), and is parsed again where it is needed: into the thread's scratch for headers and
/// events, and into the block of a transaction started in the scope, which copies the scratch
/// instead while that still holds continue_trace's own parse (load_incoming_baggage). So no
/// 9 KiB parsed copy sits on the stack of every continued request.
struct incoming_context {
  bool continued = false;          ///< a valid sentry-trace (or traceparent) of an accepted org
  /// A start_new_trace() scope: its roots start the trace `parent.trace` (parent span id zero,
  /// no decision) with `sample_rand_micros`, as heads of that trace; nothing was received.
  bool fresh = false;
  bool had_sample_rate = false;    ///< the incoming DSC has a sentry-sample_rate
  std::uint8_t added_rand_len = 0;  ///< sample_rand drawn here because the DSC had none
  std::uint8_t added_rate_len = 0;  ///< sample_rate of the decision made here for a deferred trace
  trace_parent parent{};
  double parent_sample_rate = -1.0;  ///< the incoming sentry-sample_rate, negative when none
  std::uint32_t sample_rand_micros = 0;
  std::string_view baggage_text{};  ///< the caller's `baggage` value
  char added_rand[8] = {};
  char added_rate[32] = {};
  incoming_context* previous = nullptr;

  /// True when the scope names the trace its transactions join (continued) or start (fresh).
  bool has_trace() const noexcept { return continued || fresh; }
};
inline SENTRY_TRACE_DETAIL_THREAD_LOCAL incoming_context* tl_incoming = nullptr;

/// The incoming DSC and third-party members of `in`, as its scope propagates them: the caller's
/// baggage parsed into `out` (copied from this thread's scratch when that still holds
/// parse_incoming's parse of it, a copy of the bytes in use instead of a second parse), then
/// what this service added (sample_rand, sample_rate).
inline void load_incoming_baggage(const incoming_context& in, baggage& out) noexcept {
  const thread_scope* scope = tl_scope;
  const baggage* parsed = scope ? scope->scratch.parse_of(&in) : nullptr;
  if (parsed && parsed != &out) {
    out = *parsed;
  } else {
    out.clear();
    out.parse(in.baggage_text);
  }
  if (in.added_rand_len) out.set_sentry("sample_rand", std::string_view(in.added_rand, in.added_rand_len));
  if (in.added_rate_len) out.set_sentry("sample_rate", std::string_view(in.added_rate, in.added_rate_len));
}

/// Only the third-party members of the caller's baggage in `in` (none without a scope), for a
/// trace that starts here: its own DSC replaces the caller's.
inline void load_third_party_baggage(const incoming_context* in, baggage& out) noexcept {
  out.clear();
  if (!in || in->baggage_text.empty()) return;
  out.parse(in->baggage_text);
  out.clear_sentry_members();
}

}  // namespace detail

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_CORE_INCOMING_HPP
