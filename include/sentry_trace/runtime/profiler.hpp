// sentry_trace/runtime/profiler.hpp -- profiling wired to the tracer: what is profiled, and when
//
// WHAT IT DOES  Connects the sampler (profiling/sampler.hpp), the sample stores
//               (profiling/profile_store.hpp), the symbolizer (profiling/symbols.hpp) and the
//               payload writers (protocol/profile.hpp) to transactions, in Sentry's two models
//               (face/options.hpp):
//                 transactions  a sampled root is profiled with profiles_sample_rate (or as
//                               profiles_sampler says); a store collects the registered threads'
//                               samples from the root's start (at most 30 s), and its `profile`
//                               item goes in the transaction's envelope when that is written;
//                 continuous    a profiler session (profile_session_sample_rate, drawn once at
//                               init()) collects into a chunk store, sent as a `profile_chunk`
//                               every 60 s and when the session stops: from start_profiler() to
//                               stop_profiler() (lifecycle manual), or while any sampled root
//                               runs (lifecycle trace). Transactions whose root starts while a
//                               session runs carry its contexts.profile.profiler_id.
//               Both set: transactions wins and init() warns, as the SDKs do.
// STORES        profiling/profiler_state.hpp: the stores, their claims, and a root's part.
// THREADS       The signal handler takes no lock (the sampler's rings). The profiler lock is
//               taken after the envelope lock, never before it: the sampler thread writes a
//               due chunk only after it let go of the profiler lock.
// DOES NOT      write anything on the span path: a chunk that is due (60 s, or the last root of
//               lifecycle trace ended) is written by the sampler thread, a transaction's profile
//               by whoever writes the transaction's envelope.

#ifndef SENTRY_TRACE_RUNTIME_PROFILER_HPP
#define SENTRY_TRACE_RUNTIME_PROFILER_HPP

#include "../config.hpp"
#include "../delivery/dispatch.hpp"
#include "../profiling/profiler_state.hpp"

#include <cstddef>
#include <cstdint>
#include <new>
#include <string_view>
#if SENTRY_TRACE_DETAIL_PROFILING
#  include <mutex>
#endif

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {

#if SENTRY_TRACE_DETAIL_PROFILING

/// The sampler's sink (on the sampler thread): each collecting store whose window the sample
/// falls in keeps it; a chunk older than 60 s, or one whose session's last root ended, is
/// rotated and written once the lock is let go.
inline void write_chunk_of_slot(int slot) noexcept;
inline void take_profile_sample(const raw_sample& s, void*) noexcept {
  int due = -1;
  {
    std::lock_guard<std::mutex> guard(g_profiler.lock);
    for (std::size_t i = 0; i < profile_slot_count; ++i) {
      profile_slot& p = g_profiler.slots[i];
      if (!is_taken_for_samples(p.state) || s.mono_ns < p.start_ns) continue;
      if (stale_claim(p)) {
        p.state = profile_slot_state::free;
        continue;
      }
      if (p.state == profile_slot_state::claimed) {
        g_profiler.stores[i].reset(p.start_ns);
        p.state = profile_slot_state::collecting;
      }
      if (!g_profiler.stores[i].knows_thread(s.thread_slot)) {
        profiled_thread who;
        if (profiled_thread_at(s.thread_slot, who)) g_profiler.stores[i].note_thread(s.thread_slot, who);
      }
      if (p.owner != nullptr) {
        if (s.mono_ns - p.start_ns <= profile_v1_max_ns) g_profiler.stores[i].add(s);
        continue;
      }
      // The session's chunk.
      const bool full = s.mono_ns - p.start_ns >= chunk_max_ns;
      if (!full && !g_profiler.chunk_due) g_profiler.stores[i].add(s);
      if ((full || g_profiler.chunk_due) && static_cast<int>(i) == g_profiler.chunk_slot) {
        p.state = profile_slot_state::writing;
        due = static_cast<int>(i);
        g_profiler.chunk_slot = g_profiler.chunk_due ? -1 : claim_profile_slot_locked(s.mono_ns, 0, nullptr, 0);
        g_profiler.chunk_due = false;
      }
    }
  }
  if (due >= 0) write_chunk_of_slot(due);
}

/// Writes the chunk in store `slot` (taken for writing) as a profile_chunk envelope, sends it
/// and frees the store. Not on the span path: the sampler thread, stop_profiler() or shutdown().
inline void write_chunk_of_slot(int slot) noexcept {
  tracer& t = g_tracer;
  {
    envelope_lock guard(t.lock);
    const envelope_context ctx = make_envelope_context();
    profile_chunk_info info;
    info.profiler_id = g_profiler.slots[slot].id;
    info.chunk_id = new_event_id();
    info.release = ctx.release;
    info.environment = ctx.environment;
    info.anchor = g_profiler.anchor;
    info.sent_at_epoch_us = ctx.sent_at_epoch_us;
    info.resolve = resolve_frame;
    info.threads = profiled_thread_at;
    const profile_result r = write_profile_chunk_envelope(t.mem->envelope, sizeof(t.mem->envelope), g_profiler.stores[slot], info);
    if (r.status == profile_status::written)
      dispatch(envelope_view::profile_chunk(std::string_view(t.mem->envelope, r.length)));
    else
      count_dropped_profile(r.status, data_category::profile_chunk);
  }
  std::lock_guard<std::mutex> guard(g_profiler.lock);
  g_profiler.slots[slot].state = profile_slot_state::free;
}

#endif  // SENTRY_TRACE_DETAIL_PROFILING

/// init(): the model the options ask for, the calling thread registered as "main", the
/// symbolizer's in-app patterns, and the sampler thread. Unsupported platforms log (debug) and
/// leave profiling off.
inline void start_profiling(const options& o) noexcept {
#if SENTRY_TRACE_DETAIL_PROFILING
  const bool transactions = o.profiles_sample_rate != options::unset || static_cast<bool>(o.profiles_sampler);
  const bool continuous = o.profile_session_sample_rate != options::unset;
  configure_symbols(o);  // error events' stack traces use the in-app patterns too
  if (!transactions && !continuous) return;
  if (transactions && continuous)
    log_line(log_level::warning,
             "init: profiles_sample_rate is set, so profile_session_sample_rate has no effect (transaction profiling wins)");
  if (transactions && o.profiles_sample_rate != options::unset && !valid_rate(o.profiles_sample_rate)) {
    log_line(log_level::warning, "init: profiles_sample_rate must be a number from 0 to 1; profiling stays off");
    return;
  }
  if (!transactions && !valid_rate(o.profile_session_sample_rate)) {
    log_line(log_level::warning, "init: profile_session_sample_rate must be a number from 0 to 1; profiling stays off");
    return;
  }
  profiler_runtime& p = g_profiler;
  {
    std::lock_guard<std::mutex> guard(p.lock);
    p.mode = transactions ? profiling_mode::transactions : profiling_mode::continuous;
    p.lifecycle = o.profile_lifecycle;
    p.profiles_sample_rate = o.profiles_sample_rate;
    p.profiles_sampler = o.profiles_sampler;
    p.session_sampled = !transactions && decide(o.profile_session_sample_rate, new_sample_rand());
    p.chunk_slot = -1;
    p.trace_roots = 0;
    p.chunk_due = false;
    p.profiles_not_started = 0;
    p.anchor = time_anchor{};
    p.anchor.mono_ns = monotonic_now_ns();
    p.anchor.epoch_us = g_tracer.epoch_us();
    for (profile_slot& s : p.slots) s = profile_slot{};
  }
  p.init_thread_slot = 0;
  if (current_profiled_thread_slot() == 0 && ::sentry_trace::detail::register_profiled_thread("main"))
    p.init_thread_slot = current_profiled_thread_slot();
  const std::uint32_t hz = o.profiler_frequency_hz == 0 || o.profiler_frequency_hz > 1000 ? 101 : o.profiler_frequency_hz;
  if (hz != o.profiler_frequency_hz) log_line(log_level::warning, "init: profiler_frequency_hz must be 1 to 1000; using 101");
  p.sampler_running = start_sampler(hz, take_profile_sample, nullptr);
  if (!p.sampler_running) {
    log_line(log_level::warning, "init: the profiler's sampler did not start; profiling stays off");
    p.mode = profiling_mode::off;
    return;
  }
  if (!transactions && !p.session_sampled)
    log_line(log_level::debug, "init: this process's profiler session was not sampled (profile_session_sample_rate)");
  g_profiling_mode.store(p.mode, order_release);
  log_line(log_level::debug, transactions ? "init: transaction profiling on" : "init: continuous profiling on");
#elif SENTRY_TRACE_HOSTED
  if (o.profiles_sample_rate != options::unset || static_cast<bool>(o.profiles_sampler) ||
      o.profile_session_sample_rate != options::unset)
    log_line(log_level::debug, "init: profiling is not supported on this platform (Linux on x86-64 or AArch64 only); it stays off");
#else
  static_cast<void>(o);  // freestanding: no profiler, and nothing to say it with
#endif
}

/// shutdown(): the sampler stops (joined: no sample arrives after), the running session's
/// chunk is sent, the stores are freed. Before the transports stop.
inline void stop_profiling() noexcept {
#if SENTRY_TRACE_DETAIL_PROFILING
  if (g_profiler.mode == profiling_mode::off) return;
  g_profiling_mode.store(profiling_mode::off, order_relaxed);
  if (g_profiler.sampler_running) stop_sampler();
  g_profiler.sampler_running = false;
  // What init() registered goes with it (a shutdown() on another thread leaves it: a thread
  // unregisters only itself, and its exit does it anyway).
  if (g_profiler.init_thread_slot != 0 && current_profiled_thread_slot() == g_profiler.init_thread_slot)
    ::sentry_trace::detail::unregister_profiled_thread();
  g_profiler.init_thread_slot = 0;
  int chunk;
  {
    std::lock_guard<std::mutex> guard(g_profiler.lock);
    chunk = stop_session_locked();
  }
  if (chunk >= 0) write_chunk_of_slot(chunk);
  {
    std::lock_guard<std::mutex> guard(g_profiler.lock);
    for (profile_slot& s : g_profiler.slots) s = profile_slot{};
    g_profiler.mode = profiling_mode::off;
  }
#endif
}

/// A fork()'s child (runtime/lifecycle.hpp's handler): it has no sampler thread, and the
/// profiler's and the symbolizer's locks may have been held by a thread it does not have.
/// Profiling stops there (the stores are the parent's) until the child calls init() again.
inline void profiler_forget_after_fork() noexcept {
#if SENTRY_TRACE_DETAIL_PROFILING
  g_profiling_mode.store(profiling_mode::off, order_relaxed);
  new (&g_profiler.lock) std::mutex();
  new (&g_symbols.lock) std::mutex();
  for (profile_slot& s : g_profiler.slots) s = profile_slot{};
  g_profiler.mode = profiling_mode::off;
  g_profiler.chunk_slot = -1;
  g_profiler.sampler_running = false;
  sampler_reset_in_forked_child();
#endif
}

}  // namespace detail

#ifdef SENTRY_TRACE_IMPLEMENTATION
// Each is documented where face/options.hpp declares it.
void start_profiler() noexcept {
#if SENTRY_TRACE_DETAIL_PROFILING
  detail::profiler_runtime& p = detail::g_profiler;
  std::lock_guard<std::mutex> guard(p.lock);
  if (p.mode != detail::profiling_mode::continuous || p.lifecycle != profile_lifecycle::manual) {
    detail::log_line(log_level::debug, "start_profiler: continuous profiling with profile_lifecycle::manual is not on");
    return;
  }
  if (!p.session_sampled) {
    detail::log_line(log_level::debug, "start_profiler: this process's profiler session was not sampled");
    return;
  }
  if (p.chunk_slot >= 0) return;
  p.profiler_id = detail::new_event_id();
  if (!detail::start_session_locked()) detail::log_line(log_level::warning, "start_profiler: no free profile store");
#else
  detail::log_line(log_level::debug, "start_profiler: profiling is not supported on this platform");
#endif
}

void stop_profiler() noexcept {
#if SENTRY_TRACE_DETAIL_PROFILING
  detail::profiler_runtime& p = detail::g_profiler;
  int chunk;
  {
    std::lock_guard<std::mutex> guard(p.lock);
    if (p.mode != detail::profiling_mode::continuous || p.lifecycle != profile_lifecycle::manual) return;
    chunk = detail::stop_session_locked();
  }
  if (chunk >= 0) detail::write_chunk_of_slot(chunk);
#endif
}

bool register_profiled_thread(std::string_view name) noexcept {
#if SENTRY_TRACE_DETAIL_PROFILING
  return detail::register_profiled_thread(name);
#else
  static_cast<void>(name);
  detail::log_line(log_level::debug, "register_profiled_thread: profiling is not supported on this platform");
  return false;
#endif
}

void unregister_profiled_thread() noexcept {
#if SENTRY_TRACE_DETAIL_PROFILING
  detail::unregister_profiled_thread();
#endif
}
#endif  // SENTRY_TRACE_IMPLEMENTATION

SENTRY_TRACE_DETAIL_END

#endif  // SENTRY_TRACE_RUNTIME_PROFILER_HPP
