// sentry_trace/outcomes.hpp -- what was dropped or cut, counted by reason, for client reports
//
// WHAT IT DOES  Nothing is lost silently: every span, transaction or envelope the library does
//               not deliver is counted here by (reason, category), as Sentry's SDKs count
//               outcomes, and sent as a `client_report` item. Things that are kept but cut
//               (truncated strings, attributes over the cap, ...) are counted in `stats`. The
//               reasons, categories and `stats` themselves are in outcome_kinds.hpp.
// DOES NOT      lock: counters are relaxed atomics (plain integers when SENTRY_TRACE_THREADS=0).
// SPEC          https://develop.sentry.dev/sdk/telemetry/client-reports/

#ifndef SENTRY_TRACE_OUTCOMES_HPP
#define SENTRY_TRACE_OUTCOMES_HPP

#include "../config.hpp"
#include "../face/outcome_kinds.hpp"
#include "platform.hpp"

#include <cstdint>

SENTRY_TRACE_DETAIL_BEGIN

// ------------------------------------------------------------------------------------------------
namespace detail {

constexpr std::size_t reason_count = static_cast<std::size_t>(discard_reason::count_);
constexpr std::size_t category_count = static_cast<std::size_t>(data_category::count_);

/// Counters of outcomes not yet reported, and the running stats. 64-bit: a server that loses
/// a million spans an hour would wrap 32-bit counters within six months, and a lost count is
/// a silent one.
struct outcome_counters {
  atomic<std::uint64_t> pending[reason_count][category_count];
  atomic<std::uint64_t> strings_truncated;
  atomic<std::uint64_t> attributes_dropped;
  atomic<std::uint64_t> measurements_dropped;
  atomic<std::uint64_t> depth_overflows;
  atomic<std::uint64_t> timestamps_clamped;
  atomic<std::uint64_t> envelopes_sent;
  atomic<std::uint64_t> client_reports_sent;
  atomic<std::uint64_t> discarded_total;

  // Out of line: a dozen callers, none of them on the span path's common case.
  SENTRY_TRACE_DETAIL_OUT_OF_LINE void record(discard_reason r, data_category c, std::uint64_t quantity = 1) noexcept {
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
    timestamps_clamped.store(0, order_relaxed);
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
    s.timestamps_clamped = timestamps_clamped.load(order_relaxed);
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
