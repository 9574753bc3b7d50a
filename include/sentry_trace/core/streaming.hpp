// sentry_trace/core/streaming.hpp -- continuation blocks of a streamed segment
//
// WHAT IT DOES  Streaming (trace_lifecycle::stream): when a segment's block is full, children go to a
//               continuation block of the same segment; installing, claiming and retiring one.

#ifndef SENTRY_TRACE_CORE_STREAMING_HPP
#define SENTRY_TRACE_CORE_STREAMING_HPP

#include "../config.hpp"
#include "claims.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <type_traits>

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {


/// A continuation block by its packed reference, or nullptr when it has moved on.
inline transaction_block* continuation_block(std::uint64_t packed) noexcept {
  if (!packed) return nullptr;
  transaction_block& c = g_tracer.mem->blocks[(packed & 0xffff) - 1];
  return c.generation() == static_cast<std::uint32_t>(packed >> 16) ? &c : nullptr;
}

/// Retires a segment's continuation: no new children; it is sent when its last span ends.
/// Whoever takes it out of the segment (exchange) retires it, so it is retired exactly once.
inline void retire_continuation(transaction_block& segment) noexcept {
  if (transaction_block* c = continuation_block(segment.continuation.exchange(0, order_acq_rel))) {
    c->begin_closing();
    close_span_of(*c);  // drops the holder's open count
  }
}

struct continuation_claim {
  std::uint16_t index = 0;
  std::uint32_t generation = 0;
  std::int32_t slot = 0;  ///< > 0: claimed; 0: no block free; -1: the segment's root has ended
};

/// A free block set up as a continuation of `seg` (claimed by the caller), or nullptr.
inline transaction_block* new_continuation(transaction_block& seg, std::uint16_t seg_index, std::uint32_t seg_generation,
                                           std::uint16_t& index) noexcept {
  tracer& t = g_tracer;
  transaction_block* n = nullptr;
  for (std::uint32_t i = 0; i < SENTRY_TRACE_MAX_TRANSACTIONS && !n; ++i)
    if (t.mem->blocks[i].try_claim()) {
      n = &t.mem->blocks[i];
      index = static_cast<std::uint16_t>(i);
    }
  if (!n) return nullptr;
  n->reset_contents();
  n->trace = seg.trace;
  n->parent_of_root = seg.parent_of_root;
  n->sample_rate = seg.sample_rate;
  n->sample_rate_known = seg.sample_rate_known;
  n->sample_rand_micros = seg.sample_rand_micros;
  n->source = seg.source;
  n->max_children.store(seg.max_children.load(order_relaxed), order_relaxed);
  n->stream = true;
  n->is_continuation = true;
  n->segment_id = seg.spans[0].id;
  n->segment_name = n->copy(transaction_name(seg));
  n->segment_block = seg_index;
  n->segment_generation = seg_generation;
  n->continuation.store(0, order_relaxed);
  // Its envelopes carry the segment's DSC, frozen now (it has left the SDK with the first batch).
  freeze_head_dsc(seg);
  n->continued = true;
  n->dsc = seg.dsc;
  n->dsc_state.store(dsc_frozen, order_release);
  return n;
}

/// transaction_block::continuation's form of a block reference: (generation << 16) | (index + 1).
constexpr std::uint64_t pack_continuation(std::uint16_t index, std::uint32_t generation) noexcept {
  return (static_cast<std::uint64_t>(generation) << 16) | (index + 1u);
}

/// Claims a child slot in the continuation `packed` names, when it is still that block and has
/// room; `out` is set only then.
inline bool claim_in_installed(std::uint64_t packed, continuation_claim& out) noexcept {
  transaction_block* c = continuation_block(packed);
  if (!c) return false;
  const std::uint32_t generation = static_cast<std::uint32_t>(packed >> 16);
  const std::int32_t slot = c->claim_child(generation);
  if (slot <= 0) return false;
  out = {static_cast<std::uint16_t>((packed & 0xffff) - 1), generation, slot};
  return true;
}

/// Makes `n` (packed as `n_packed`) the continuation of `seg` in place of `expected`, and
/// retires the one it replaces. False when another thread installed one first, or the root
/// retired `expected`: `n` is then given back, and `expected` holds what is installed now.
inline bool install_continuation(transaction_block& seg, std::uint64_t& expected, transaction_block& n,
                                 std::uint64_t n_packed) noexcept {
  if (!seg.continuation.compare_exchange_strong(expected, n_packed, order_acq_rel, order_acquire)) {
    n.begin_closing();
    close_span_of(n);
    return false;
  }
  if (transaction_block* old = continuation_block(expected)) {
    old->begin_closing();
    close_span_of(*old);
  }
  return true;
}

/// Streaming: a slot for a child whose own block has no room (or was retired) in the current
/// continuation of the segment `index` (generation `generation`), starting a new one (and
/// retiring the old) when that is full. The segment is claimed throughout, so what is copied
/// from it is that segment's. Each attempt: give up once the root has ended; claim in the
/// installed continuation; else set up a new one, install it, and claim in that.
inline continuation_claim claim_in_continuation(std::uint16_t index, std::uint32_t generation) noexcept {
  continuation_claim out;
  block_pin seg(g_tracer.mem->blocks[index], generation);
  out.slot = -1;
  if (!seg) return out;  // the segment is gone
  for (int attempt = 0; attempt < 4; ++attempt) {
    if (control::is_closing(seg->control_word.load(order_acquire))) return out;  // its root has ended
    std::uint64_t packed = seg->continuation.load(order_acquire);
    if (claim_in_installed(packed, out)) return out;
    std::uint16_t n_index = 0;
    transaction_block* n = new_continuation(*seg.get(), index, generation, n_index);
    if (!n) {
      out.slot = 0;  // every block in use: the caller counts the span as buffer_overflow
      return out;
    }
    const std::uint64_t n_packed = pack_continuation(n_index, n->generation());
    if (!install_continuation(*seg.get(), packed, *n, n_packed)) continue;
    const bool claimed = claim_in_installed(n_packed, out);
    // The root may have ended since the check above, after retiring what it found installed:
    // then nobody else will retire this one. Its closing flag was set before it emptied the
    // slot this exchange found, so it is visible here.
    if (control::is_closing(seg->control_word.load(order_acquire))) retire_continuation(*seg.get());
    if (claimed) return out;
  }
  out.slot = 0;
  return out;
}

}  // namespace detail

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_CORE_STREAMING_HPP
