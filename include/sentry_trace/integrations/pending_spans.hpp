// sentry_trace/integrations/pending_spans.hpp -- spans kept between a send and its results
//
// WHAT IT DOES  A fixed table of spans keyed by a connection, for asynchronous calls whose span
//               starts in one call (PQsendQuery) and ends in a later one (PQgetResult returning
//               its final nullptr). One span per connection: keeping a second one for the same
//               key first hands back the one it replaces, for the caller to end.
//                 pending_spans<64> table;
//                 if (table.claim(conn)) table.keep(conn, std::move(s));  // at send
//                 span* s = table.find(conn);                            // at each result
//                 span done = table.release(conn);                       // at the last one
// DOES NOT      allocate: Entries slots of one pointer and one span handle each. When every slot
//               is taken, claim() fails and the call is not traced (counted in overflowed()).
// THREADS       claim/release/find may be called from any thread, lock-free; the span in a slot
//               belongs to the thread using that connection (a connection is used by one thread
//               at a time, as libpq and Connector/C require), which is the only one that finds it.
// ERRORS        None.

#ifndef SENTRY_TRACE_INTEGRATIONS_PENDING_SPANS_HPP
#define SENTRY_TRACE_INTEGRATIONS_PENDING_SPANS_HPP

#include "../../sentry_trace.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace sentry_trace {
namespace integration {

template <std::size_t Entries>
class pending_spans {
  static_assert(Entries >= 1, "a pending span table needs at least one entry");

 public:
  /// Claims a slot for `owner`: true when it has one (already or now), false when the table is full.
  bool claim(const void* owner) noexcept {
    if (find_slot_(owner) != nullptr) return true;
    for (slot& s : slots_) {
      const void* expected = nullptr;
      if (s.owner.load(std::memory_order_relaxed) == nullptr &&
          s.owner.compare_exchange_strong(expected, owner, std::memory_order_acquire)) {
        in_use_.fetch_add(1, std::memory_order_relaxed);
        return true;
      }
    }
    overflowed_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }

  /// Puts `s` in owner's claimed slot and returns what the slot held (an empty span, or the
  /// span of an earlier call on that connection that never got its final result).
  span keep(const void* owner, span&& s) noexcept {
    slot* at = find_slot_(owner);
    if (at == nullptr) return std::move(s);  // not claimed: handed back to be ended now
    span earlier = std::move(at->pending);
    at->pending = std::move(s);
    return earlier;
  }

  /// The span kept for `owner`, nullptr when there is none.
  span* find(const void* owner) noexcept {
    slot* at = find_slot_(owner);
    return at ? &at->pending : nullptr;
  }

  /// Frees owner's slot and hands back its span (empty when there was none).
  span release(const void* owner) noexcept {
    slot* at = find_slot_(owner);
    if (at == nullptr) return span{};
    span kept = std::move(at->pending);
    at->owner.store(nullptr, std::memory_order_release);
    in_use_.fetch_sub(1, std::memory_order_relaxed);
    return kept;
  }

  /// Calls not traced because every slot was taken.
  std::uint64_t overflowed() const noexcept { return overflowed_.load(std::memory_order_relaxed); }

 private:
  struct slot {
    std::atomic<const void*> owner{nullptr};
    span pending;
  };

  slot* find_slot_(const void* owner) noexcept {
    if (owner == nullptr || in_use_.load(std::memory_order_relaxed) == 0) return nullptr;
    for (slot& s : slots_)
      if (s.owner.load(std::memory_order_acquire) == owner) return &s;
    return nullptr;
  }

  std::atomic<std::size_t> in_use_{0};
  std::atomic<std::uint64_t> overflowed_{0};
  slot slots_[Entries];
};

}  // namespace integration
}  // namespace sentry_trace

#endif  // SENTRY_TRACE_INTEGRATIONS_PENDING_SPANS_HPP
