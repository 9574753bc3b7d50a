// sentry_trace/profiling/profile_store.hpp -- one profile's samples, frames and stacks, deduplicated
//
// WHAT IT DOES  Keeps the samples of one profile (a transaction's, or one continuous-profiling
//               chunk's) in the shape the payloads need: each distinct code address once (the
//               `frames` list), each distinct call stack once (the `stacks` list), and per sample
//               only {time, thread slot, stack index}. add() looks every entry of a raw_sample
//               up by frame_lookup_address() (a return address minus one, so that a call at the
//               end of a function is not taken for the next one) and walks a trie of
//               (parent node, frame) pairs from the root frame to the leaf: stacks that share
//               their outer frames (main -> run -> ... ) share those nodes, so a new stack costs
//               only the nodes of its new inner frames, where hashing whole stacks would store
//               every stack whole. A trie node that ends at least one sample's stack gets a
//               stack index; a stack is read back leaf to root by following parent links.
// DOES NOT      lock, allocate or resolve symbols (the writers in protocol/profile.hpp do, once
//               per frame). It is not thread-safe: the owner serializes add() and the writers
//               (the sampler's sink runs on one thread; a flush must not overlap it).
//               When a table is full, add() drops that sample and counts it (dropped_full()).
// RAM           Fixed, inside the object, 768 KiB + 2.3 KiB (sizeof(profile_store), pinned by the
//               tests): 16384 samples x 16 B, 8192 frame addresses x 8 B + a 16384-entry index,
//               32768 trie nodes x 8 B + a 65536-entry index, 8192 stacks x 4 B. That holds
//               60 s at 101 Hz of two busy threads (12120 samples) with room to spare. The
//               owner places it in static storage; reset() clears only the indexes (~160 KiB).
// SPEC          https://develop.sentry.dev/sdk/telemetry/profiles/sample-format-v1/ (samples,
//               stacks as frame indexes from leaf to root, frames)

#ifndef SENTRY_TRACE_PROFILING_PROFILE_STORE_HPP
#define SENTRY_TRACE_PROFILING_PROFILE_STORE_HPP

#include "frames.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

SENTRY_TRACE_DETAIL_BEGIN

namespace detail {

/// One kept sample: when, on which thread, which stack (an index into the store's stacks).
struct stored_sample {
  std::uint64_t mono_ns;
  std::uint32_t stack;
  std::uint32_t thread_slot;  ///< 1..max_profiled_threads
};

class profile_store {
 public:
  static constexpr std::uint32_t max_samples = 16384;
  static constexpr std::uint32_t max_frames = 8192;
  static constexpr std::uint32_t max_nodes = 32768;
  static constexpr std::uint32_t max_stacks = 8192;

  /// Forgets everything; the profile starts at `start_mono_ns` (the sampler's clock).
  void reset(std::uint64_t start_mono_ns) noexcept {
    start_ns_ = start_mono_ns;
    sample_count_ = frame_count_ = node_count_ = stack_count_ = 0;
    dropped_full_ = dropped_invalid_ = 0;
    std::memset(frame_index_, 0, sizeof(frame_index_));
    std::memset(node_index_, 0, sizeof(node_index_));
    std::memset(thread_samples_, 0, sizeof(thread_samples_));
    std::memset(thread_known_, 0, sizeof(thread_known_));
  }

  /// Keeps who the thread in `slot` is, as the sampler names it while its samples arrive: a
  /// thread that exits before the profile is written is still named in it (its slot is free by
  /// then, so a lookup at write time would lose its samples).
  void note_thread(std::uint32_t slot, const profiled_thread& t) noexcept {
    if (slot == 0 || slot > max_profiled_threads) return;
    threads_[slot] = t;
    thread_known_[slot] = true;
  }
  /// True when note_thread() named `slot` since the last reset().
  bool knows_thread(std::uint32_t slot) const noexcept { return slot <= max_profiled_threads && thread_known_[slot]; }
  /// The thread note_thread() kept for `slot`; false when none was.
  bool thread_at(std::uint32_t slot, profiled_thread& out) const noexcept {
    if (!knows_thread(slot)) return false;
    out = threads_[slot];
    return true;
  }

  /// Keeps `s`; false (and counted) when a table is full or the sample is malformed (depth 0 or
  /// over max_stack_frames, a thread slot outside 1..max_profiled_threads).
  bool add(const raw_sample& s) noexcept {
    if (s.depth == 0 || s.depth > max_stack_frames || s.thread_slot == 0 || s.thread_slot > max_profiled_threads) {
      ++dropped_invalid_;
      return false;
    }
    if (sample_count_ == max_samples) {
      ++dropped_full_;
      return false;
    }
    // Root first: frames[depth-1] is the outermost caller.
    std::uint32_t node = 0;  // 0: the root, above every stack's outermost frame
    for (std::size_t i = s.depth; i-- > 0;) {
      const std::uint32_t frame = intern_frame(frame_lookup_address(s.frames[i], i));
      node = frame == none ? none : intern_node(node, frame);
      if (node == none) {
        ++dropped_full_;
        return false;
      }
    }
    node_rec& leaf = nodes_[node - 1];
    if (leaf.stack1 == 0) {
      if (stack_count_ == max_stacks) {
        ++dropped_full_;
        return false;
      }
      stack_leaf_[stack_count_] = node;
      leaf.stack1 = static_cast<std::uint16_t>(++stack_count_);
    }
    samples_[sample_count_++] = stored_sample{s.mono_ns, leaf.stack1 - 1u, s.thread_slot};
    ++thread_samples_[s.thread_slot];
    return true;
  }

  std::uint64_t start_ns() const noexcept { return start_ns_; }
  std::uint32_t sample_count() const noexcept { return sample_count_; }
  const stored_sample& sample(std::uint32_t i) const noexcept { return samples_[i]; }
  /// The first and last kept sample's time (0 when there is none). Samples arrive in time
  /// order per thread, not across threads, so these scan.
  std::uint64_t first_sample_ns() const noexcept {
    std::uint64_t t = 0;
    for (std::uint32_t i = 0; i < sample_count_; ++i)
      if (i == 0 || samples_[i].mono_ns < t) t = samples_[i].mono_ns;
    return t;
  }
  std::uint64_t last_sample_ns() const noexcept {
    std::uint64_t t = 0;
    for (std::uint32_t i = 0; i < sample_count_; ++i)
      if (samples_[i].mono_ns > t) t = samples_[i].mono_ns;
    return t;
  }
  /// Samples kept for thread slot `slot1` (1-based; 0 for any other value).
  std::uint32_t thread_sample_count(std::uint32_t slot1) const noexcept {
    return slot1 >= 1 && slot1 <= max_profiled_threads ? thread_samples_[slot1] : 0;
  }

  std::uint32_t frame_count() const noexcept { return frame_count_; }
  /// The lookup address of frame `i` (what a symbolizer resolves).
  std::uintptr_t frame_address(std::uint32_t i) const noexcept { return frame_addr_[i]; }

  std::uint32_t stack_count() const noexcept { return stack_count_; }
  /// Writes stack `i`'s frame indexes, leaf first, into out[0..max_stack_frames); returns how many.
  std::uint32_t stack_frames(std::uint32_t i, std::uint32_t* out) const noexcept {
    std::uint32_t n = 0;
    for (std::uint32_t node = stack_leaf_[i]; node != 0 && n < max_stack_frames; node = nodes_[node - 1].parent)
      out[n++] = nodes_[node - 1].frame;
    return n;
  }

  /// Samples dropped because a table was full, and because they were malformed.
  std::uint64_t dropped_full() const noexcept { return dropped_full_; }
  std::uint64_t dropped_invalid() const noexcept { return dropped_invalid_; }

 private:
  static constexpr std::uint32_t none = 0xffffffffu;
  // The indexes hold 1-based entries (0: empty) and are twice the table they index, so a probe
  // run stays short (load factor at most 1/2).
  static constexpr std::uint32_t frame_slots = 2 * max_frames;
  static constexpr std::uint32_t node_slots = 2 * max_nodes;
  static_assert((frame_slots & (frame_slots - 1)) == 0 && (node_slots & (node_slots - 1)) == 0, "powers of two");
  static_assert(max_nodes <= 0xffff && max_frames <= 0xffff && max_stacks <= 0xffff, "16-bit indexes");

  struct node_rec {
    std::uint32_t parent;  ///< 1-based node, 0: the root
    std::uint16_t frame;   ///< index into frame_addr_
    std::uint16_t stack1;  ///< 1-based stack index when a sample's stack ends here, else 0
  };

  /// Fibonacci-style multiplicative hash (Knuth, TAOCP 6.4), then the top bits: addresses share
  /// their high bits and are aligned, so the low bits alone would collide.
  static std::uint32_t slot_of(std::uint64_t key, std::uint32_t slots) noexcept {
    const std::uint64_t h = (key ^ (key >> 29)) * 0x9e3779b97f4a7c15ull;
    return static_cast<std::uint32_t>(h >> 32) & (slots - 1);
  }

  std::uint32_t intern_frame(std::uintptr_t addr) noexcept {
    for (std::uint32_t at = slot_of(addr, frame_slots);; at = (at + 1) & (frame_slots - 1)) {
      const std::uint16_t e = frame_index_[at];
      if (e == 0) {
        if (frame_count_ == max_frames) return none;
        frame_addr_[frame_count_] = addr;
        frame_index_[at] = static_cast<std::uint16_t>(++frame_count_);
        return frame_count_ - 1;
      }
      if (frame_addr_[e - 1] == addr) return e - 1u;
    }
  }

  std::uint32_t intern_node(std::uint32_t parent, std::uint32_t frame) noexcept {
    const std::uint64_t key = (static_cast<std::uint64_t>(parent) << 16) | frame;
    for (std::uint32_t at = slot_of(key, node_slots);; at = (at + 1) & (node_slots - 1)) {
      const std::uint16_t e = node_index_[at];
      if (e == 0) {
        if (node_count_ == max_nodes) return none;
        nodes_[node_count_] = node_rec{parent, static_cast<std::uint16_t>(frame), 0};
        node_index_[at] = static_cast<std::uint16_t>(++node_count_);
        return node_count_;
      }
      const node_rec& n = nodes_[e - 1];
      if (n.parent == parent && n.frame == frame) return e;
    }
  }

  std::uint64_t start_ns_ = 0;
  std::uint32_t sample_count_ = 0;
  std::uint32_t frame_count_ = 0;
  std::uint32_t node_count_ = 0;
  std::uint32_t stack_count_ = 0;
  std::uint64_t dropped_full_ = 0;
  std::uint64_t dropped_invalid_ = 0;
  std::uint32_t thread_samples_[max_profiled_threads + 1] = {};
  bool thread_known_[max_profiled_threads + 1] = {};
  profiled_thread threads_[max_profiled_threads + 1] = {};
  stored_sample samples_[max_samples];
  std::uintptr_t frame_addr_[max_frames];
  std::uint16_t frame_index_[frame_slots] = {};
  node_rec nodes_[max_nodes];
  std::uint16_t node_index_[node_slots] = {};
  std::uint32_t stack_leaf_[max_stacks];  ///< stack index -> its leaf node (1-based)
};

}  // namespace detail

SENTRY_TRACE_DETAIL_END

#endif  // SENTRY_TRACE_PROFILING_PROFILE_STORE_HPP
