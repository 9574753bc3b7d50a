// sentry_trace/sampling_context.hpp -- what a traces_sampler is told about a new transaction
//
// WHAT IT DOES  `sampling_context` (the transaction's name, op, source, attributes and the
//               incoming parent's decision and rate) and `parent_decision`. Written once,
//               included by sampling.hpp (tracing on, which calls the sampler with it) and by
//               disabled.hpp (SENTRY_TRACE_ENABLED=0, where a sampler is accepted, never called,
//               and code that builds a context to test its sampler still compiles and works).
// DOES NOT      decide anything: the sampler, sample_rand and the policies are in sampling.hpp.
//               It depends only on config.hpp, status.hpp and attributes.hpp.
// SPEC          https://develop.sentry.dev/sdk/telemetry/traces/#sampling

#ifndef SENTRY_TRACE_SAMPLING_CONTEXT_HPP
#define SENTRY_TRACE_SAMPLING_CONTEXT_HPP

#include "../config.hpp"
#include "attributes.hpp"
#include "status.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

/// The parent's sampling decision as a new transaction sees it.
enum class parent_decision : std::uint8_t { none, sampled, not_sampled };

/// What a traces_sampler is told about the transaction being started.
struct sampling_context {
  std::string_view name;             ///< the transaction's name
  std::string_view op;
  parent_decision parent_sampled = parent_decision::none;  ///< from an incoming trace, if any
  double parent_sample_rate = -1.0;  ///< the incoming sample_rate; negative when unknown
  transaction_source source = transaction_source::custom;
  const attribute* attributes = nullptr;  ///< span_options::attributes, valid during the call
  std::size_t attribute_count = 0;
  /// The rate to return to follow the incoming trace (JS: samplingContext.inheritOrSampleWith):
  /// the parent's sample_rate when its baggage carried one (also when its sentry-trace left the
  /// decision to us), else 1 or 0 for a parent that decided without a rate (an older SDK), else
  /// `fallback`. Exactly @sentry/core's rule. The rate a parent sent is compared against the
  /// trace's sample_rand, which an incoming trace keeps consistent with the parent's decision,
  /// so returning it inherits that decision:
  ///   o.traces_sampler = [](const st::sampling_context& c) {
  ///     return c.name == "GET /health" ? 0.0 : c.inherit_or_sample_with(0.25);
  ///   };
  constexpr double inherit_or_sample_with(double fallback) const noexcept {
    if (parent_sample_rate >= 0.0) return parent_sample_rate;
    if (parent_sampled != parent_decision::none) return parent_sampled == parent_decision::sampled ? 1.0 : 0.0;
    return fallback;
  }
  /// The value of attribute `key`, or nullptr.
  const attribute_value* find(std::string_view key) const noexcept {
    for (std::size_t i = 0; i < attribute_count; ++i)
      if (attributes[i].key == key) return &attributes[i].value;
    return nullptr;
  }
};

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_SAMPLING_CONTEXT_HPP
