// sentry_trace/core/claims.hpp -- claims on a transaction block for check-then-write
//
// WHAT IT DOES  block_pin: a claim on a block between checking a reference against it and writing
//               it, so the block is not freed and reused in between; and freezing the head DSC.

#ifndef SENTRY_TRACE_CORE_CLAIMS_HPP
#define SENTRY_TRACE_CORE_CLAIMS_HPP

#include "../config.hpp"
#include "state.hpp"
#include "pool.hpp"
#include "../delivery/dispatch.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <type_traits>

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {


/// A claim on a transaction block, for code that checks a reference against the block's
/// generation and then reads or writes the block: while the claim is held the block counts it
/// as an open span, so it is not freed, and so not reused by another transaction, in between.
/// Giving it back is closing that span: the last one out frees the block (close_span_of).
class block_pin {
 public:
  block_pin() noexcept = default;
  /// Claims the block of a recording reference; empty when its transaction is gone.
  explicit block_pin(const span_ref& ref) noexcept {
    const tracer& t = g_tracer;
    if (!t.enabled || ref.epoch != t.epoch || !(ref.is_recording() || (ref.links & ref_in_block))) return;
    claim(t.mem->blocks[ref.block], ref.generation);
  }
  block_pin(transaction_block& b, std::uint32_t generation) noexcept { claim(b, generation); }
  block_pin(block_pin&& o) noexcept : b_(o.b_) { o.b_ = nullptr; }
  block_pin& operator=(block_pin&& o) noexcept {
    if (this != &o) {
      reset();
      b_ = o.b_;
      o.b_ = nullptr;
    }
    return *this;
  }
  block_pin(const block_pin&) = delete;
  block_pin& operator=(const block_pin&) = delete;
  ~block_pin() { reset(); }

  explicit operator bool() const noexcept { return b_ != nullptr; }
  transaction_block* get() const noexcept { return b_; }
  transaction_block* operator->() const noexcept { return b_; }
  void reset() noexcept {
    if (b_) close_span_of(*b_);
    b_ = nullptr;
  }

 private:
  void claim(transaction_block& b, std::uint32_t generation) noexcept {
    if (b.try_pin(generation)) b_ = &b;
  }
  transaction_block* b_ = nullptr;
};

/// Freezes the DSC of a transaction started here (the head of its trace) the first time it
/// leaves the SDK, in outgoing headers, an error event's envelope, a streaming continuation or
/// a forced transaction: it must not change after that (PROTOCOL.md §8). One thread fills it;
/// others wait the few microseconds that takes. The caller holds a claim on the block.
inline void freeze_head_dsc(transaction_block& b) noexcept {
  if (b.continued) return;  // an incoming (or inherited) DSC is frozen from the start
  std::uint8_t expected = dsc_open;
  if (b.dsc_state.compare_exchange_strong(expected, dsc_freezing, order_acq_rel, order_acquire)) {
    const envelope_context ctx = make_envelope_context();
    if (!ctx.public_key.empty())  // no DSN: no DSC worth sending (Relay needs the key)
      for_each_head_dsc(b.trace, transaction_name(b), b.source, b.sample_rate_known, b.sample_rate,
                        b.sample_rand_micros, parent_decision::sampled, ctx,
                        [&](std::string_view k, std::string_view v) { b.dsc.set_sentry(k, v); });
    b.dsc_state.store(dsc_frozen, order_release);
  } else {
    while (b.dsc_state.load(order_acquire) != dsc_frozen) {
    }
  }
}

}  // namespace detail

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_CORE_CLAIMS_HPP
