// sentry_trace/outcome_kinds.hpp -- discard reasons, data categories and the stats a program reads
//
// WHAT IT DOES  The vocabulary of outcomes: `discard_reason` and `data_category` (with the
//               strings client reports and rate limits use for them) and `stats`, what
//               get_stats() returns. Written once, included by outcomes.hpp (tracing on, which
//               counts them) and by disabled.hpp (SENTRY_TRACE_ENABLED=0, where every counter
//               stays zero).
// DOES NOT      count anything or depend on any other part but config.hpp: the counters are in
//               outcomes.hpp.
// SPEC          https://develop.sentry.dev/sdk/telemetry/client-reports/

#ifndef SENTRY_TRACE_OUTCOME_KINDS_HPP
#define SENTRY_TRACE_OUTCOME_KINDS_HPP

#include "../config.hpp"

#include <cstddef>
#include <cstdint>

SENTRY_TRACE_DETAIL_BEGIN

/// Why something was not delivered (the client report `reason` strings).
enum class discard_reason : std::uint8_t {
  sample_rate,        ///< not sampled
  buffer_overflow,    ///< over a pool's capacity (spans, transactions, envelope bytes)
  queue_overflow,     ///< the delivery queue was full
  ratelimit_backoff,  ///< dropped before sending while the server's rate limit lasts
  network_error,      ///< the transport could not reach the server
  send_error,         ///< the server refused it
  invalid,            ///< a span never ended, or ended after its transaction was sent
  no_parent_span,     ///< a child whose explicit parent's transaction was already gone
  internal_sdk_error, ///< anything else inside the library
  before_send,        ///< options.before_send / before_send_transaction returned false
  event_processor,    ///< matched options.ignore_transactions (@sentry/core's eventFilters
                      ///< drops it from an event processor, reported with this reason)
  insufficient_data,  ///< a profile with fewer than two usable samples (sentry_sdk's reason)
  count_
};

/// What was not delivered (the rate-limit / client-report category strings).
/// `profile` is a transaction's v1 profile item, `profile_chunk` a continuous-profiling chunk.
enum class data_category : std::uint8_t { transaction, span, error, internal, profile, profile_chunk, count_ };

constexpr const char* to_string(discard_reason r) noexcept {
  constexpr const char* names[] = {"sample_rate",  "buffer_overflow", "queue_overflow",  "ratelimit_backoff",
                                   "network_error", "send_error",     "invalid",         "no_parent_span",
                                   "internal_sdk_error", "before_send", "event_processor", "insufficient_data"};
  return names[static_cast<std::size_t>(r) < static_cast<std::size_t>(discard_reason::count_)
                   ? static_cast<std::size_t>(r)
                   : static_cast<std::size_t>(discard_reason::internal_sdk_error)];
}
constexpr const char* to_string(data_category c) noexcept {
  constexpr const char* names[] = {"transaction", "span", "error", "internal", "profile", "profile_chunk"};
  return names[static_cast<std::size_t>(c) < static_cast<std::size_t>(data_category::count_) ? static_cast<std::size_t>(c) : 3];
}

/// Things kept but cut, and other diagnostics, readable with sentry_trace::get_stats().
/// With SENTRY_TRACE_ENABLED=0 every counter stays zero: nothing is recorded.
struct stats {
  std::uint64_t strings_truncated = 0;     ///< strings cut at SENTRY_TRACE_MAX_STRING or the arena's end
  std::uint64_t attributes_dropped = 0;    ///< over SENTRY_TRACE_MAX_ATTRIBUTES or the attribute pool, a NaN or
                                           ///< infinite value, one of the SDK's own keys, or a key the arena
                                           ///< could not hold whole
  std::uint64_t measurements_dropped = 0;  ///< over SENTRY_TRACE_MAX_MEASUREMENTS, no transaction, or not finite
  std::uint64_t depth_overflows = 0;       ///< spans not made active because SENTRY_TRACE_MAX_DEPTH was reached
  std::uint64_t timestamps_clamped = 0;    ///< given span times moved: a start after now (to now), an end
                                           ///< before its span's start (to the start); the span is still sent
  std::uint64_t envelopes_sent = 0;        ///< envelopes handed to the transport
  std::uint64_t client_reports_sent = 0;   ///< of which client reports
  std::uint64_t discarded_total = 0;       ///< sum of every outcome counted so far (also the reported ones)
};

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_OUTCOME_KINDS_HPP
