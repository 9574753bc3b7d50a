// sentry_trace/outcomes.hpp -- what was dropped or cut, counted by reason, for client reports
//
// WHAT IT DOES  Nothing is lost silently: every span, transaction or envelope the library does
//               not deliver is counted here by (reason, category), as Sentry's SDKs count
//               outcomes, and sent as a `client_report` item. Things that are kept but cut
//               (truncated strings, attributes over the cap, ...) are counted in `stats`.
// DOES NOT      lock: counters are relaxed atomics (plain integers when SENTRY_TRACE_THREADS=0).
// SPEC          https://develop.sentry.dev/sdk/telemetry/client-reports/

#ifndef SENTRY_TRACE_OUTCOMES_HPP
#define SENTRY_TRACE_OUTCOMES_HPP

#include "config.hpp"
#include "platform.hpp"

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
  count_
};

/// What was not delivered (the rate-limit / client-report category strings).
enum class data_category : std::uint8_t { transaction, span, error, internal, count_ };

constexpr const char* to_string(discard_reason r) noexcept {
  constexpr const char* names[] = {"sample_rate",  "buffer_overflow", "queue_overflow",  "ratelimit_backoff",
                                   "network_error", "send_error",     "invalid",         "no_parent_span",
                                   "internal_sdk_error"};
  return names[static_cast<std::size_t>(r) < static_cast<std::size_t>(discard_reason::count_) ? static_cast<std::size_t>(r) : 8];
}
constexpr const char* to_string(data_category c) noexcept {
  constexpr const char* names[] = {"transaction", "span", "error", "internal"};
  return names[static_cast<std::size_t>(c) < static_cast<std::size_t>(data_category::count_) ? static_cast<std::size_t>(c) : 3];
}

/// Things kept but cut, and other diagnostics, readable with sentry_trace::get_stats().
struct stats {
  std::uint64_t strings_truncated = 0;     ///< strings cut at SENTRY_TRACE_MAX_STRING or the arena's end
  std::uint64_t attributes_dropped = 0;    ///< over SENTRY_TRACE_MAX_ATTRIBUTES or the attribute pool
  std::uint64_t measurements_dropped = 0;  ///< over SENTRY_TRACE_MAX_MEASUREMENTS, no transaction, or not finite
  std::uint64_t depth_overflows = 0;       ///< spans not made active because SENTRY_TRACE_MAX_DEPTH was reached
  std::uint64_t envelopes_sent = 0;        ///< envelopes handed to the transport
  std::uint64_t client_reports_sent = 0;   ///< of which client reports
  std::uint64_t discarded_total = 0;       ///< sum of every outcome counted so far (also the reported ones)
};

// ------------------------------------------------------------------------------------------------
namespace detail {

constexpr std::size_t reason_count = static_cast<std::size_t>(discard_reason::count_);
constexpr std::size_t category_count = static_cast<std::size_t>(data_category::count_);

/// Counters of outcomes not yet reported, and the running stats.
struct outcome_counters {
  atomic<std::uint32_t> pending[reason_count][category_count];
  atomic<std::uint64_t> strings_truncated;
  atomic<std::uint64_t> attributes_dropped;
  atomic<std::uint64_t> measurements_dropped;
  atomic<std::uint64_t> depth_overflows;
  atomic<std::uint64_t> envelopes_sent;
  atomic<std::uint64_t> client_reports_sent;
  atomic<std::uint64_t> discarded_total;

  void record(discard_reason r, data_category c, std::uint32_t quantity = 1) noexcept {
    if (quantity == 0) return;
    pending[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)].fetch_add(quantity, order_relaxed);
    discarded_total.fetch_add(quantity, order_relaxed);
  }
  /// A dropped transaction also counts its spans (root included), as the SDKs report it.
  void record_transaction(discard_reason r, std::uint32_t spans_including_root) noexcept {
    record(r, data_category::transaction, 1);
    record(r, data_category::span, spans_including_root);
  }
  bool any_pending() const noexcept {
    for (const auto& row : pending)
      for (const auto& cell : row)
        if (cell.load(order_relaxed) != 0) return true;
    return false;
  }
  void reset() noexcept {
    for (auto& row : pending)
      for (auto& cell : row) cell.store(0, order_relaxed);
    strings_truncated.store(0, order_relaxed);
    attributes_dropped.store(0, order_relaxed);
    measurements_dropped.store(0, order_relaxed);
    depth_overflows.store(0, order_relaxed);
    envelopes_sent.store(0, order_relaxed);
    client_reports_sent.store(0, order_relaxed);
    discarded_total.store(0, order_relaxed);
  }
  stats snapshot() const noexcept {
    stats s;
    s.strings_truncated = strings_truncated.load(order_relaxed);
    s.attributes_dropped = attributes_dropped.load(order_relaxed);
    s.measurements_dropped = measurements_dropped.load(order_relaxed);
    s.depth_overflows = depth_overflows.load(order_relaxed);
    s.envelopes_sent = envelopes_sent.load(order_relaxed);
    s.client_reports_sent = client_reports_sent.load(order_relaxed);
    s.discarded_total = discarded_total.load(order_relaxed);
    return s;
  }
};

inline outcome_counters g_outcomes{};

} // namespace detail
SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_OUTCOMES_HPP
