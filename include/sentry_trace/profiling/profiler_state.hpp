// sentry_trace/profiling/profiler_state.hpp -- the profiler's stores, their claims, and a root's part in them
//
// WHAT IT DOES  The state runtime/profiler.hpp runs Sentry's two profiling models with, and
//               what the span path and the envelope writer do with it:
//                 profile_root_opened()    a sampled root's start: a v1 profile claims a store,
//                                          or the root is linked to the running session (and in
//                                          lifecycle trace, starts it);
//                 profile_root_ended()     lifecycle trace: the last root marks the chunk due;
//                 take_/append_/drop_transaction_profile()  the transaction's writer
//                                          (delivery/dispatch.hpp) takes its store, appends
//                                          the `profile` item, or counts it with the
//                                          transaction's reason.
// STORES        profile_slot_count stores; a slot moves
//                 free -> claimed (a root or a session took it) -> collecting (the sampler
//                 thread reset its store at the first sample: clearing a store is not a
//                 root's cost) -> writing (its owner took it to write; no more samples) -> free.
//               Every move happens under g_profiler.lock, which the sampler thread also holds
//               while it adds one sample. A transaction's slot names its block and the block's
//               generation: a block released without being written (abandoned at shutdown,
//               dropped by before_send_transaction) leaves a stale claim, which the next claim
//               or the sampler takes back, so no slot leaks. No slot free: the root is not
//               profiled (counted: profiles_not_started).
// THREADS       The profiler lock is taken after the envelope lock, never before it.
// RAM           3 profile stores (profile_store.hpp: 768 KiB each) and their claims, static.

#ifndef SENTRY_TRACE_PROFILING_PROFILER_STATE_HPP
#define SENTRY_TRACE_PROFILING_PROFILER_STATE_HPP

#include "../config.hpp"
#include "../core/pool.hpp"
#include "../core/state.hpp"
#include "../protocol/envelope.hpp"
#include "../protocol/profile.hpp"
#include "../protocol/sampling.hpp"
#include "frames.hpp"
#include "profile_store.hpp"
#include "sampler.hpp"
#include "symbols.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#if SENTRY_TRACE_DETAIL_PROFILING
#  include <mutex>
#endif

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {

/// Which of Sentry's two profiling models init() turned on.
enum class profiling_mode : std::uint8_t { off, transactions, continuous };

#if SENTRY_TRACE_DETAIL_PROFILING

inline constexpr std::size_t profile_slot_count = 3;
inline constexpr std::uint64_t chunk_max_ns = 60ull * 1000 * 1000 * 1000;    // sample format v2

enum class profile_slot_state : std::uint8_t { free, claimed, collecting, writing };

/// One store's claim: who owns it and since when.
struct profile_slot {
  profile_slot_state state = profile_slot_state::free;
  std::uint64_t start_ns = 0;                   ///< monotonic ns: samples before it are not this slot's
  std::uint32_t active_thread = 0;              ///< the profiled-thread slot that started the root (v1's active_thread_id)
  const transaction_block* owner = nullptr;     ///< v1: the root's block; nullptr: the session's chunk
  std::uint32_t owner_generation = 0;
  event_id id{};                                ///< v1: the profile's id; v2: the session's profiler_id
};

struct profiler_runtime {
  std::mutex lock;
  profiling_mode mode = profiling_mode::off;
  ::sentry_trace::profile_lifecycle lifecycle = ::sentry_trace::profile_lifecycle::manual;
  double profiles_sample_rate = options::unset;
  traces_sampler_fn profiles_sampler{};
  bool sampler_running = false;
  std::uint32_t init_thread_slot = 0;  ///< the slot init() registered ("main"), 0: none (it was registered already)
  // Continuous profiling.
  bool session_sampled = false;   ///< drawn once at init()
  int chunk_slot = -1;            ///< the running session's store, -1: no session running
  event_id profiler_id{};         ///< the running (or last) session's id
  std::uint32_t trace_roots = 0;  ///< lifecycle trace: sampled roots running
  bool chunk_due = false;         ///< lifecycle trace: the last root ended, the sampler sends the chunk
  // The sampler's monotonic clock and the tracer's wall clock, read together at init(): sample
  // times to epoch microseconds (the span clock's own anchor may run on a clock hook).
  time_anchor anchor{};
  std::uint64_t profiles_not_started = 0;
  profile_slot slots[profile_slot_count];
  profile_store stores[profile_slot_count];
};
inline profiler_runtime g_profiler;
/// g_profiler.mode as a root's start reads it, without the lock: stored (release) by init()
/// once the rest is set up, cleared first by shutdown().
inline atomic<profiling_mode> g_profiling_mode{profiling_mode::off};

/// True for a store that is claimed or collecting.
constexpr bool is_taken_for_samples(profile_slot_state s) noexcept {
  return s == profile_slot_state::claimed || s == profile_slot_state::collecting;
}

/// True when the v1 claim in `s` names a block that moved on (released unwritten).
inline bool stale_claim(const profile_slot& s) noexcept {
  return is_taken_for_samples(s.state) && s.owner != nullptr && s.owner->generation() != s.owner_generation;
}

/// Claims a free (or stale) store for samples from `start_ns` on; -1 when none is. Under the lock.
inline int claim_profile_slot_locked(std::uint64_t start_ns, std::uint32_t active_thread, const transaction_block* owner,
                                     std::uint32_t generation) noexcept {
  for (std::size_t i = 0; i < profile_slot_count; ++i) {
    profile_slot& s = g_profiler.slots[i];
    if (s.state != profile_slot_state::free && !stale_claim(s)) continue;
    s.state = profile_slot_state::claimed;
    s.start_ns = start_ns;
    s.active_thread = active_thread;
    s.owner = owner;
    s.owner_generation = generation;
    s.id = owner != nullptr ? new_event_id() : g_profiler.profiler_id;
    return static_cast<int>(i);
  }
  ++g_profiler.profiles_not_started;
  return -1;
}

/// Starts the session's chunk store (continuous profiling); false when none is free. The caller
/// holds the lock.
inline bool start_session_locked() noexcept {
  if (g_profiler.chunk_slot >= 0) return true;
  const int slot = claim_profile_slot_locked(monotonic_now_ns(), 0, nullptr, 0);
  if (slot < 0) return false;
  g_profiler.chunk_slot = slot;
  g_profiler.chunk_due = false;
  return true;
}

/// Stops the session: its chunk store is taken for writing (-1: none was running). The caller
/// holds the lock and writes the chunk after letting it go.
inline int stop_session_locked() noexcept {
  const int slot = g_profiler.chunk_slot;
  g_profiler.chunk_slot = -1;
  g_profiler.chunk_due = false;
  if (slot >= 0) g_profiler.slots[slot].state = profile_slot_state::writing;
  return slot;
}

/// Whether the samples of `store` from `start_ns` on make a v1 profile Relay keeps: at least 2
/// of threads with at least 2 each (the writer's own selection).
inline bool profile_has_enough_samples(const profile_store& store, std::uint64_t start_ns) noexcept {
  profile_selection sel;
  sel.from_ns = start_ns;
  sel.to_ns = start_ns + profile_v1_max_ns;
  sel.select(store, profiled_thread_at);
  return sel.samples >= 2;
}

/// Whether a sampled root is profiled (transaction profiling): profiles_sampler with the root's
/// sampling context, else profiles_sample_rate, drawn independently of the trace's sample_rand.
inline bool draw_transaction_profile(const span_options& o) noexcept {
  double rate = g_profiler.profiles_sample_rate;
  if (g_profiler.profiles_sampler) {
    if (!run_sampler(g_profiler.profiles_sampler, root_sampling_context(o), rate)) return false;
  }
  return valid_rate(rate) && decide(rate, new_sample_rand());
}

#endif  // SENTRY_TRACE_DETAIL_PROFILING

/// A sampled root opened in `b` (core/recording.hpp): it is profiled (v1), or linked to the
/// running session (v2), or, in lifecycle trace, starts the session. Costs one relaxed load when
/// profiling is off.
inline void profile_root_opened(transaction_block& b, const span_options& o) noexcept {
  b.profile_link = profile_link_none;
#if SENTRY_TRACE_DETAIL_PROFILING
  const profiling_mode mode = g_profiling_mode.load(order_acquire);
  if (mode == profiling_mode::off) return;
  if (mode == profiling_mode::transactions) {
    if (!draw_transaction_profile(o)) return;
    const std::uint64_t start = monotonic_now_ns();
    std::lock_guard<std::mutex> guard(g_profiler.lock);
    const int slot = claim_profile_slot_locked(start, current_profiled_thread_slot(), &b, b.generation());
    if (slot < 0) return;
    b.profile_link = profile_link_profile;
    b.profile_ref = g_profiler.slots[slot].id;
    return;
  }
  std::lock_guard<std::mutex> guard(g_profiler.lock);
  if (!g_profiler.session_sampled) return;
  if (g_profiler.lifecycle == ::sentry_trace::profile_lifecycle::trace) {
    if (g_profiler.trace_roots++ == 0 && g_profiler.chunk_slot < 0) {
      g_profiler.profiler_id = new_event_id();
      start_session_locked();
    }
    g_profiler.chunk_due = false;
    b.profile_link = profile_link_session_root;
  }
  if (g_profiler.chunk_slot >= 0) {
    if (b.profile_link == profile_link_none) b.profile_link = profile_link_session;
    b.profile_ref = g_profiler.profiler_id;
  }
#else
  static_cast<void>(o);
#endif
}

/// The root of `b` ended (dispatch.hpp, before its envelope is written or queued): in lifecycle
/// trace the last running root marks the chunk due; the sampler thread sends it.
inline void profile_root_ended(const transaction_block& b) noexcept {
#if SENTRY_TRACE_DETAIL_PROFILING
  if (b.profile_link != profile_link_session_root) return;
  std::lock_guard<std::mutex> guard(g_profiler.lock);
  if (g_profiler.trace_roots > 0 && --g_profiler.trace_roots == 0 && g_profiler.chunk_slot >= 0) g_profiler.chunk_due = true;
#else
  static_cast<void>(b);
#endif
}

/// Takes the store of the transaction in `b` (profiled with sample format v1) away from the
/// sampler, before its envelope is written (dispatch.hpp, under the envelope lock). Returns the
/// store's slot, or -1: not profiled, or a profile too small for Relay (fewer than 2 samples
/// that it keeps), which is dropped here and counted (insufficient_data / profile) and then
/// not named in the transaction's contexts.
inline int take_transaction_profile(transaction_block& b) noexcept {
#if SENTRY_TRACE_DETAIL_PROFILING
  if (b.profile_link != profile_link_profile) return -1;
  std::lock_guard<std::mutex> guard(g_profiler.lock);
  for (std::size_t i = 0; i < profile_slot_count; ++i) {
    profile_slot& s = g_profiler.slots[i];
    if (!is_taken_for_samples(s.state) || s.owner != &b || s.owner_generation != b.generation()) continue;
    if (s.state == profile_slot_state::claimed || !profile_has_enough_samples(g_profiler.stores[i], s.start_ns)) {
      s.state = profile_slot_state::free;
      b.profile_link = profile_link_none;
      g_outcomes.record(discard_reason::insufficient_data, data_category::profile);
      log_line(log_level::debug, "a profile had fewer than 2 samples and was dropped: ", transaction_name(b));
      return -1;
    }
    s.state = profile_slot_state::writing;
    return static_cast<int>(i);
  }
  b.profile_link = profile_link_none;  // its claim was lost (a store taken back as stale)
#else
  static_cast<void>(b);
#endif
  return -1;
}

/// Frees a store taken by take_transaction_profile() whose transaction was not sent; the
/// profile is counted with the transaction's reason.
inline void drop_transaction_profile(int slot, discard_reason why) noexcept {
#if SENTRY_TRACE_DETAIL_PROFILING
  if (slot < 0) return;
  g_outcomes.record(why, data_category::profile);
  std::lock_guard<std::mutex> guard(g_profiler.lock);
  g_profiler.slots[slot].state = profile_slot_state::free;
#else
  static_cast<void>(slot);
  static_cast<void>(why);
#endif
}

/// Appends the `profile` item in store `slot` to the transaction envelope at buf[0..len) of
/// `b` (event `event`), and frees the store. Returns the envelope's new length; `item_at` is
/// where the item starts (0: none was added: it did not fit, counted by the writer).
inline std::size_t append_transaction_profile(int slot, char* buf, std::size_t cap, std::size_t len,
                                              const transaction_block& b, const envelope_context& ctx,
                                              const event_id& event, std::size_t& item_at) noexcept {
  item_at = 0;
#if SENTRY_TRACE_DETAIL_PROFILING
  if (slot < 0) return len;
  const profile_slot& s = g_profiler.slots[slot];  // `writing`: no one else touches it
  profile_v1_info info;
  info.profile_id = b.profile_ref;
  info.transaction_id = event;
  info.trace = b.trace;
  info.transaction_name = transaction_name(b);
  info.release = ctx.release;
  info.environment = ctx.environment;
  info.host = ctx.host;
  info.start_mono_ns = s.start_ns;
  info.anchor = g_profiler.anchor;
  info.active_thread_slot = s.active_thread;
  info.resolve = resolve_frame;
  info.threads = profiled_thread_at;
  const profile_result r = append_profile_item(buf, cap, len, g_profiler.stores[slot], info);
  {
    std::lock_guard<std::mutex> guard(g_profiler.lock);
    g_profiler.slots[slot].state = profile_slot_state::free;
  }
  if (r.status != profile_status::written) {
    count_dropped_profile(r.status, data_category::profile);
    return len;
  }
  item_at = r.item_offset;
  return r.length;
#else
  static_cast<void>(slot);
  static_cast<void>(buf);
  static_cast<void>(cap);
  static_cast<void>(b);
  static_cast<void>(ctx);
  static_cast<void>(event);
  return len;
#endif
}

}  // namespace detail
SENTRY_TRACE_DETAIL_END

#endif  // SENTRY_TRACE_PROFILING_PROFILER_STATE_HPP
