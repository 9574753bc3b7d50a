// sentry_trace/runtime/lifecycle.hpp -- init(), flush(), shutdown() and fork()
//
// WHAT IT DOES  Defines init(), flush(), shutdown(), is_enabled(), should_send_default_pii(),
//               get_stats(); abandons what is in flight at shutdown, and keeps a fork()'s child tracing.

#ifndef SENTRY_TRACE_RUNTIME_LIFECYCLE_HPP
#define SENTRY_TRACE_RUNTIME_LIFECYCLE_HPP

#include "../config.hpp"
#include "environment.hpp"
#include "../core/recording.hpp"
#include "../delivery/dispatch.hpp"
#include "profiler.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <type_traits>

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {


/// Shutdown: what is still recording is not lost silently. A transaction whose root has not
/// ended is dropped and counted as `invalid` (its children that had ended were counted when it
/// was written, if it was). A streaming block sends the spans that have ended, as its last
/// span's end would have, and counts the others as `invalid`. Then every block is freed.
inline void abandon_in_flight() noexcept {
  tracer& t = g_tracer;
  if (!t.mem) return;
  // Unrecorded children counted on stack entries are reported now: after this run their entries
  // are stale. init() and shutdown() run while no other thread uses the API, so every thread's
  // stack may be read here.
  for (thread_scope& s : g_scopes)
    for (std::uint32_t i = 0; i < s.depth && i < SENTRY_TRACE_MAX_DEPTH; ++i) settle_entry(s.entries[i], t.epoch);
  for (transaction_block& b : t.mem->blocks) {
    std::uint64_t v = b.control_word.load(order_acquire);
    if (control::open(v) != 0) {
      if (SENTRY_TRACE_STREAMING && b.stream) {
        finish_stream_block(b);
        log_line(log_level::debug, "a streaming segment still open at shutdown: its ended spans were sent");
      } else if (!control::is_closing(v)) {
        g_outcomes.record_transaction(discard_reason::invalid, control::next_slot(v));
        log_line(log_level::warning, "a transaction still open at shutdown was dropped");
      }
    }
    b.release();
  }
}

// ---- fork() ------------------------------------------------------------------------------------
// The child of a fork() is a copy of the parent with one thread: the one that forked. The
// parent goes on owning everything that was in flight: it ends, sends and counts its
// transactions, sends its queued envelopes and reports its counters. The child starts clean but
// keeps tracing with the same options, without a new init() (as sentry_sdk's worker restarts in a
// forked process): the pthread_atfork child handler below gives it a new id key (so it draws
// none of the parent's ids or sample_rand), frees every block without sending or counting it
// (handles and active spans from before the fork become no-ops there), gives back the other
// threads' stacks of active spans, zeroes the counters, makes
// the default envelope lock usable (another thread may have held it at the fork), and has the
// built-in HTTP transport forget the parent's worker and queue; the child's first envelope starts
// a worker of its own. The handoff forgets its queue and worker the same way (the blocks it
// held are freed with the others); the child's first root to end starts the child's worker.
// A user transport or lock hook is used by the child as it is: make it fork-aware if it holds
// threads, locks or connections. fork()+exec() pays only this handler.

#if SENTRY_TRACE_DETAIL_FORK_AWARE
/// Forks so far; the prepare handler counts in the parent, so every child of one parent gets
/// its own value (and a key of its own from it).
inline atomic<std::uint64_t> g_fork_count{0};

inline void before_fork() noexcept { g_fork_count.fetch_add(1, order_relaxed); }

/// The child's side of fork(), in its only thread, before fork() returns there.
inline void in_fork_child() noexcept {
  rng_rekey_after_fork(g_fork_count.load(order_relaxed));
  tracer& t = g_tracer;
#  if SENTRY_TRACE_THREADS
  if (t.lock.lock == hosted_lock) new (&hosted_mutex()) std::mutex();
#  endif
  g_handoff.forget_after_fork();  // its entries are the parent's: their blocks are freed below
  if (t.mem)
    for (transaction_block& b : t.mem->blocks) b.release();
  ++t.epoch;  // every handle and active-stack entry from before the fork is stale here
  // The other threads' stacks of active spans: those threads do not exist here, and will never
  // give their scopes back.
  for (thread_scope& s : g_scopes)
    if (&s != tl_scope) {
      s.depth = 0;
      s.taken.store(0, order_relaxed);
    }
  g_outcomes.reset();
  profiler_forget_after_fork();
#  if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
  builtin_delivery& b = g_builtin;
  if (b.main && b.main->forget_after_fork()) b.restart_after_fork = true;
  if (b.spotlight && b.spotlight->forget_after_fork()) b.restart_after_fork = true;
  forget_resolve_jobs_after_fork();  // no resolver thread was copied into the child
#  endif
}

/// Registers the fork handlers once per process (init() calls it; init() is never concurrent).
inline void watch_fork() noexcept {
  static bool registered = false;
  if (!registered) registered = ::pthread_atfork(before_fork, nullptr, in_fork_child) == 0;
}
#else
inline void watch_fork() noexcept {}
#endif



/// init(): picks the span clock (clock.hpp) and takes the anchor that turns its ticks into
/// wall-clock time. The counter only when the user gave no clock hook.
inline void start_span_clock(tracer& t, bool user_clock) noexcept {
  t.anchor = time_anchor{};
  t.anchor.mono_ns = t.now_ns();
  t.anchor.epoch_us = t.epoch_us();
  t.anchor.ticks = t.anchor.mono_ns;
  t.anchor.ticks_mono_ns = t.anchor.mono_ns;
  t.span_clock_is_counter = false;
#if SENTRY_TRACE_DETAIL_CYCLE_COUNTER
  if (!user_clock) t.span_clock_is_counter = start_cycle_counter(t.anchor);
#else
  (void)user_clock;
#endif
}

}  // namespace detail

#ifdef SENTRY_TRACE_IMPLEMENTATION
// The face declares these (face/options.hpp); they are defined once, here.

bool flush(std::uint32_t timeout_ms) noexcept {
  detail::tracer& t = detail::g_tracer;
  if (!t.enabled) return true;
#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
  const std::uint64_t started = detail::steady_now_ms();
#endif
  // Roots that have ended are written first: their envelopes are part of what is flushed.
  const bool written = detail::g_handoff.drain(timeout_ms);
#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
  {
    const std::uint64_t spent = detail::steady_now_ms() - started;
    timeout_ms = spent < timeout_ms ? static_cast<std::uint32_t>(timeout_ms - spent) : 0;
  }
#endif
  {
    detail::envelope_lock guard(t.lock);
    detail::send_client_report_locked();
  }
#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
  auto spotlight_flushed = [&](bool ok) {
    ok = ok && written;
    if (!detail::g_builtin.spotlight) return ok;
    std::uint64_t spent = detail::steady_now_ms() - started;
    return detail::g_builtin.spotlight->flush(spent < timeout_ms ? static_cast<std::uint32_t>(timeout_ms - spent) : 0) && ok;
  };
#else
  auto spotlight_flushed = [&](bool ok) { return ok && written; };
#endif
  if (!t.sink) return spotlight_flushed(true);
#if SENTRY_TRACE_EXCEPTIONS
  try {
    return spotlight_flushed(t.sink->flush(timeout_ms));
  } catch (...) {
    detail::log_line(log_level::error, "the transport threw in flush()");
    return spotlight_flushed(false);
  }
#else
  return spotlight_flushed(t.sink->flush(timeout_ms));
#endif
}

bool shutdown(std::uint32_t timeout_ms) noexcept {
  detail::tracer& t = detail::g_tracer;
  if (!t.enabled) return true;
  detail::g_report_due_ns.store(0, detail::order_relaxed);  // no periodic report from here on
  // Every root that ended is written before what is still open is abandoned: a queued block
  // is closing, and abandon_in_flight() would free it unwritten.
  detail::g_handoff.stop();
  detail::abandon_in_flight();
  detail::stop_profiling();  // the sampler stops; the running session's last chunk is sent
  if constexpr (detail::profiling_supported) {
    // Under the envelope lock: an error event being written on another thread holds views
    // into the symbolizer's table until its envelope is done.
    detail::envelope_lock guard(t.lock);
    detail::release_symbols();
  }
#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
  const std::uint64_t started = detail::steady_now_ms();
  bool delivered = flush(timeout_ms);
  const std::uint64_t spent = detail::steady_now_ms() - started;
  delivered = detail::stop_builtin(spent < timeout_ms ? static_cast<std::uint32_t>(timeout_ms - spent) : 0) && delivered;
#else
  bool delivered = flush(timeout_ms);
#endif
  t.enabled = false;
  detail::set_live_run(false);
  ++t.epoch;  // every handle and active-stack entry of this run is now stale
  t.sampler.reset();
  return delivered;
}

bool is_enabled() noexcept { return detail::g_tracer.enabled; }
bool should_send_default_pii() noexcept { return detail::g_tracer.enabled && detail::g_tracer.send_default_pii; }

stats get_stats() noexcept { return detail::g_outcomes.snapshot(); }

namespace detail {

/// A SENTRY_* variable, empty when unset (and always on a freestanding build). Values written by
/// shells, `.env` files and container specs often carry a trailing newline or spaces: every
/// ASCII space around the value is dropped.
inline std::string_view init_env(const char* name) noexcept {
#if SENTRY_TRACE_HOSTED
  const char* v = hosted_getenv(name);
  return v ? trim(v, is_ascii_space) : std::string_view();
#else
  (void)name;
  return {};
#endif
}

/// Why init() failed: a message and what it is about; `what` is null when nothing did.
struct init_error {
  bool failed = false;
  log_text what{""};  ///< with SENTRY_TRACE_LOG_TEXT=0, the line of the init_failed() call
  std::string_view about;
};
constexpr init_error init_failed(log_text what, std::string_view about = {}) noexcept { return {true, what, about}; }

/// The clock, wall clock, lock and entropy hooks, with the hosted defaults where unset.
inline init_error init_hooks(tracer& t, const options& opts, entropy_hook& entropy) noexcept {
  t.clock = opts.clock;
  t.wall_clock = opts.wall_clock;
  t.lock = opts.lock;
  entropy = opts.entropy;
#if SENTRY_TRACE_HOSTED
  if (!t.clock.now_ns) t.clock.now_ns = hosted_now_ns;
  if (!t.wall_clock.now_epoch_us) t.wall_clock.now_epoch_us = hosted_epoch_us;
  if (!entropy.fill) entropy.fill = hosted_entropy;
#  if SENTRY_TRACE_THREADS
  if (!t.lock.lock && !t.lock.unlock) {
    t.lock.lock = hosted_lock;
    t.lock.unlock = hosted_unlock;
  }
#  endif
#endif
  if (!t.clock.now_ns) return init_failed("init: options.clock is required on a freestanding build");
  if (!entropy.fill) return init_failed("init: options.entropy is required on a freestanding build");
  if (!t.lock.lock != !t.lock.unlock) return init_failed("init: options.lock needs both lock and unlock, or neither");
  return {};
}

/// `name`'s value when `unset_in_code`, ignored with a warning when it is `limit` bytes or more.
inline std::string_view init_env_text(const char* name, bool unset_in_code, std::size_t limit,
                                      const char* too_long) noexcept {
  std::string_view v = unset_in_code ? init_env(name) : std::string_view();
  if (v.size() >= limit) {
    env_ignored(name, v, too_long);
    v = {};
  }
  return v;
}

/// The DSN, release, environment, server name and org id, from the options or else the
/// environment: each environment value init() cannot use is ignored with a warning naming it.
inline init_error init_identity(tracer& t, const options& opts) noexcept {
  std::string_view env_dsn = init_env_text("SENTRY_DSN", opts.dsn.empty(), sizeof(t.dsn_text), "longer than 511 bytes");
  if (!env_dsn.empty()) {
    dsn_error e = dsn::parse(env_dsn, t.parsed_dsn);
    if (e != dsn_error::none) {
      env_ignored("SENTRY_DSN", env_dsn, to_string(e));
      env_dsn = {};
    }
  }
  const std::string_view env_release =
      init_env_text("SENTRY_RELEASE", opts.release.empty(), sizeof(t.release), "longer than 200 bytes");
  const std::string_view env_environment =
      init_env_text("SENTRY_ENVIRONMENT", opts.environment.empty(), sizeof(t.environment), "longer than 64 bytes");

  std::string_view dsn_text = !opts.dsn.empty() ? opts.dsn : env_dsn;
  t.has_dsn = false;
  t.dsn_text[0] = '\0';
  if (!dsn_text.empty()) {
    if (!copy_bounded(t.dsn_text, dsn_text)) return init_failed("init: the DSN is longer than 511 bytes");
    dsn_error e = dsn::parse(std::string_view(t.dsn_text, dsn_text.size()), t.parsed_dsn);
    if (e != dsn_error::none) return init_failed("init: malformed DSN: ", to_string(e));
    t.has_dsn = true;
  }
  std::string_view release = !opts.release.empty() ? opts.release : env_release;
  if (!copy_bounded(t.release, release)) return init_failed("init: release is longer than 200 bytes");
  std::string_view environment = !opts.environment.empty() ? opts.environment : env_environment;
  if (environment.empty()) environment = "production";
  if (!copy_bounded(t.environment, environment)) return init_failed("init: environment is longer than 64 bytes");
  if (!copy_bounded(t.server_name, opts.server_name)) return init_failed("init: server_name is longer than 255 bytes");
  std::string_view org = !opts.org_id.empty() ? opts.org_id : (t.has_dsn ? t.parsed_dsn.org_id : std::string_view());
  if (!org.empty() && (!all_digits(org) || org.size() > 20)) return init_failed("init: org_id must be digits: ", org);
  copy_bounded(t.org_id, org);
  return {};
}

/// The sample rate and sampler, max_spans, and the trace lifecycle (static or stream).
inline init_error init_sampling(tracer& t, const options& opts) noexcept {
  double rate = opts.traces_sample_rate;
  if (rate == options::unset) {
    std::string_view text = init_env("SENTRY_TRACES_SAMPLE_RATE");
    if (!text.empty() && (!parse_decimal(text, rate) || !valid_rate(rate))) {
      env_ignored("SENTRY_TRACES_SAMPLE_RATE", text, "not a number from 0 to 1");
      text = {};
    }
    if (text.empty()) rate = options::unset;
  }
  if (rate != options::unset && !valid_rate(rate)) return init_failed("init: traces_sample_rate must be a number from 0 to 1");
  t.traces_sample_rate = rate;
  t.sampler = opts.traces_sampler;
  if (opts.max_spans > SENTRY_TRACE_MAX_SPANS)
    log_line(log_level::warning, "init: max_spans is capped at SENTRY_TRACE_MAX_SPANS");
  t.max_spans = static_cast<std::uint16_t>(opts.max_spans < SENTRY_TRACE_MAX_SPANS ? opts.max_spans : SENTRY_TRACE_MAX_SPANS);
  t.stream = opts.trace_lifecycle == ::sentry_trace::trace_lifecycle::stream;
  if (opts.trace_lifecycle == ::sentry_trace::trace_lifecycle::static_) {
    const std::string_view lifecycle = init_env("SENTRY_TRACE_LIFECYCLE");
    if (lifecycle == "stream") t.stream = true;
    else if (!lifecycle.empty() && lifecycle != "static")
      env_ignored("SENTRY_TRACE_LIFECYCLE", lifecycle, "neither \"static\" nor \"stream\"");
  }
  if (!SENTRY_TRACE_STREAMING && t.stream) {
    log_line(log_level::warning, "init: span streaming is compiled out (SENTRY_TRACE_STREAMING=0); sending transactions");
    t.stream = false;
  }
  return {};
}

/// Copies `count` strings (at most V, checked by the caller) into `text`, one after another,
/// with a view of each in `views` (`n` of them so far). False when they do not fit in `text`.
template <std::size_t V, std::size_t T, class Count>
bool pack_strings(const std::string_view* from, std::size_t count, std::string_view (&views)[V], char (&text)[T],
                  Count& n) noexcept {
  std::size_t used = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string_view s = from[i];
    if (s.size() > T - used) return false;
    if (!s.empty()) std::memcpy(text + used, s.data(), s.size());
    views[n++] = std::string_view(text + used, s.size());
    used += s.size();
  }
  return true;
}

/// Client reports, traceparent, and the trace propagation targets (copied into the tracer).
inline init_error init_propagation(tracer& t, const options& opts) noexcept {
  t.send_client_reports = opts.send_client_reports;
  t.propagate_traceparent = opts.propagate_traceparent;
  t.send_default_pii = opts.send_default_pii;
  t.attach_stacktrace = opts.attach_stacktrace;
  t.targets_set = opts.trace_propagation_targets != nullptr;
  t.target_count = 0;
  if (!t.targets_set) return {};
  if (opts.trace_propagation_target_count > 16) return init_failed("init: at most 16 trace_propagation_targets");
  if (!pack_strings(opts.trace_propagation_targets, opts.trace_propagation_target_count, t.targets, t.target_text,
                    t.target_count))
    return init_failed("init: trace_propagation_targets exceed 1024 bytes");
  return {};
}

/// The send hooks, the ignore_transactions patterns (copied into the tracer) and the host's
/// contexts (read once, here: uname() and the compiler's macros).
inline init_error init_event_filters(tracer& t, const options& opts) noexcept {
  t.before_send = opts.before_send;
  t.before_send_transaction = opts.before_send_transaction;
  t.ignore_count = 0;
  fill_host_contexts(g_host);
  if (opts.ignore_transactions == nullptr) return {};
  if (opts.ignore_transaction_count > sizeof(t.ignore) / sizeof(t.ignore[0]))
    return init_failed("init: at most 8 ignore_transactions");
  if (!pack_strings(opts.ignore_transactions, opts.ignore_transaction_count, t.ignore, t.ignore_text, t.ignore_count))
    return init_failed("init: ignore_transactions exceed 256 bytes");
  return {};
}

/// The storage (a static default when hosted) and the transport (the built-in one started).
inline init_error init_storage_and_transport(tracer& t, const options& opts) noexcept {
  t.mem = opts.storage;
#if SENTRY_TRACE_HOSTED
  if (!t.mem) {
    static ::sentry_trace::storage default_storage;
    t.mem = &default_storage;
  }
#endif
  if (!t.mem) return init_failed("init: options.storage is required on a freestanding build");
  t.sink = opts.transport;
#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
  start_builtin(opts, init_env("SENTRY_SPOTLIGHT"));
#endif
  if (!t.sink) log_line(log_level::warning, "init: no transport: finished transactions are discarded");
  return {};
}

/// Keys the id generator, picks the span clock and anchors it, empties the blocks, starts the
/// handoff, zeroes the counters, and turns tracing on for a new epoch.
inline init_error start_tracing(tracer& t, const options& opts, const entropy_hook& entropy) noexcept {
  watch_fork();
  unsigned char key[32] = {};
  if (!entropy.fill(key, sizeof(key), entropy.user)) return init_failed("init: the entropy hook failed");
  rng_set_key(key);
  start_span_clock(t, opts.clock.now_ns != nullptr);
  for (transaction_block& b : t.mem->blocks) b.release();
  start_handoff(opts);
  g_outcomes.reset();
  ++t.epoch;
  t.enabled = true;
  set_live_run(true);
  g_report_due_ns.store(t.now_ns() + client_report_interval_ns, order_release);
  return {};
}

}  // namespace detail

bool init(const options& opts) noexcept {
  using detail::log_line;
  detail::tracer& t = detail::g_tracer;
  if (t.enabled) shutdown(0);
  detail::stop_builtin(0);  // left over from an init() that failed late
  // Hooks first, so that errors below reach the user's log.
  t.debug = opts.debug;
  t.log = opts.log;
#if SENTRY_TRACE_HOSTED
  if (!t.log.write) t.log.write = detail::hosted_log;
#endif
  // No environment when freestanding: the constant drops the test (an empty value does not fold).
  if (SENTRY_TRACE_HOSTED && !opts.debug && detail::env_true(detail::init_env("SENTRY_DEBUG"))) t.debug = true;

  entropy_hook entropy;
  detail::init_error e = detail::init_hooks(t, opts, entropy);
  if (!e.failed) e = detail::init_identity(t, opts);
  if (!e.failed) e = detail::init_sampling(t, opts);
  if (!e.failed) e = detail::init_propagation(t, opts);
  if (!e.failed) e = detail::init_event_filters(t, opts);
  if (!e.failed) e = detail::init_storage_and_transport(t, opts);
  if (!e.failed) e = detail::start_tracing(t, opts, entropy);
  if (e.failed) {
    log_line(log_level::error, e.what, e.about);
    detail::stop_builtin(0);
    t.enabled = false;
    detail::set_live_run(false);
    return false;
  }
  log_line(log_level::debug, "init: tracing on, environment ", t.environment);
  detail::start_profiling(opts);
  return true;
}

#endif // SENTRY_TRACE_IMPLEMENTATION

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_RUNTIME_LIFECYCLE_HPP
