// sentry_trace/delivery/dispatch.hpp -- handing finished transactions and client reports to the transport
//
// WHAT IT DOES  The built-in HTTP transports (started by init(), in static storage), dispatch() of one
//               envelope, the periodic client report, and finishing a transaction: handing its
//               block to the handoff (handoff.hpp), or writing its envelope and freeing its
//               block on the thread that ended it when there is no handoff or the pool is
//               nearly full (fewer than handoff_free_reserve free blocks). Before a transaction
//               is written, options.ignore_transactions and before_send_transaction decide
//               whether it goes (keep_transaction), under the envelope lock.

#ifndef SENTRY_TRACE_DELIVERY_DISPATCH_HPP
#define SENTRY_TRACE_DELIVERY_DISPATCH_HPP

#include "../config.hpp"
#include "../core/state.hpp"
#include "../profiling/profiler_state.hpp"
#include "../protocol/envelope.hpp"
#include "handoff.hpp"
#include "transport.hpp"
#include "transport_http.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <type_traits>

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {

// The periodic client report (defined below, where the envelope writers are).
inline void send_client_report_if_due_locked() noexcept;
inline void send_client_report_if_due() noexcept;

#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
/// The built-in transports, constructed in place by init() and destroyed by shutdown(). The
/// spaces are zero-initialized static storage (BSS): untouched pages of the queues cost no RAM.
struct builtin_delivery {
  alignas(http_transport) unsigned char main_space[sizeof(http_transport)];
  alignas(http_transport) unsigned char spotlight_space[sizeof(http_transport)];
  http_transport* main;
  http_transport* spotlight;
  bool restart_after_fork;  ///< a fork's child lost the workers: start its own at the next send
};
inline builtin_delivery g_builtin;
/// The sink for an https DSN in a build without TLS. A function's static rather than a member
/// of g_builtin, so that its vtable is emitted only where init() is, not in every TU.
inline transport* no_tls_sink() noexcept {
  static undeliverable_transport sink;
  return &sink;
}
/// The resolver the built-in transports use (nullptr: getaddrinfo). A seam for tests that need
/// a resolver that stops answering; programs leave it alone.
inline resolve_fn g_builtin_resolver = nullptr;
#endif

/// Flushes then stops and destroys the built-in transports, within `timeout_ms` in all;
/// true when everything they held was delivered.
inline bool stop_builtin(std::uint32_t timeout_ms) noexcept {
#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
  builtin_delivery& b = g_builtin;
  b.restart_after_fork = false;
  const std::uint64_t deadline = steady_now_ms() + timeout_ms;
  auto left = [&] {
    std::uint64_t now = steady_now_ms();
    return static_cast<std::uint32_t>(now < deadline ? deadline - now : 0);
  };
  bool ok = true;
  if (g_tracer.sink == no_tls_sink()) g_tracer.sink = nullptr;
  if (b.main) {
    if (g_tracer.sink == b.main) g_tracer.sink = nullptr;
    ok = b.main->stop(left()) && ok;
    b.main->~http_transport();
    b.main = nullptr;
  }
  if (b.spotlight) {
    ok = b.spotlight->stop(left()) && ok;
    b.spotlight->~http_transport();
    b.spotlight = nullptr;
  }
  return ok;
#else
  static_cast<void>(timeout_ms);
  return true;
#endif
}

#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
/// SENTRY_SPOTLIGHT-style value: empty, a truthy or falsy word (ASCII case-insensitive), or a URL.
enum class flag_value : std::uint8_t { unset, on, off, url };
inline flag_value classify_flag(std::string_view v) noexcept {
  if (v.empty()) return flag_value::unset;
  char low[8];
  if (v.size() >= sizeof(low)) return flag_value::url;
  for (std::size_t i = 0; i < v.size(); ++i) low[i] = (v[i] >= 'A' && v[i] <= 'Z') ? static_cast<char>(v[i] + 32) : v[i];
  std::string_view w(low, v.size());
  if (w == "true" || w == "t" || w == "y" || w == "yes" || w == "on" || w == "1") return flag_value::on;
  if (w == "false" || w == "f" || w == "n" || w == "no" || w == "off" || w == "0") return flag_value::off;
  return flag_value::url;
}
/// The Spotlight URL from the option and SENTRY_SPOTLIGHT (PROTOCOL.md §13), "" when off.
inline std::string_view resolve_spotlight(std::string_view option, std::string_view env) noexcept {
  constexpr std::string_view fallback = "http://localhost:8969/stream";
  const flag_value o = classify_flag(option), e = classify_flag(env);
  if (o == flag_value::url) return option;
  if (o == flag_value::off) return {};
  if (o == flag_value::on) return e == flag_value::url ? env : fallback;
  if (e == flag_value::url) return env;
  return e == flag_value::on ? fallback : std::string_view();
}

/// Builds the transports init() needs: the DSN's endpoint when there is a DSN and no
/// options.transport, and Spotlight's. Failures are logged; tracing goes on without them.
inline void start_builtin(const options& o, std::string_view spotlight_env) noexcept {
  tracer& t = g_tracer;
  builtin_delivery& b = g_builtin;
  http_transport_options h;
  h.use_worker = o.delivery == delivery_mode::worker;
  h.on_worker_tick = [](void*) { send_client_report_if_due(); };  // the background client reports
  h.gzip = o.http_compression;
  h.http.proxy = o.http_proxy;
  h.http.ca_file = o.ca_file;
  h.http.resolver = g_builtin_resolver;
  char url[1280];
  char auth[1024];
  if (!t.sink && t.has_dsn && !SENTRY_TRACE_WITH_MBEDTLS && iequals(t.parsed_dsn.scheme, "https")) {
    // Every SaaS DSN is https: this must not pass unnoticed. Tracing stays on (trace headers
    // still propagate), every envelope is counted as lost and flush()/shutdown() return false.
    log_line(log_level::error,
             "init: this build cannot send to an https DSN: every envelope will be dropped. Build with "
             "SENTRY_TRACE_WITH_MBEDTLS=1 and link mbedtls, mbedx509 and mbedcrypto, or use a DSN for a "
             "local Relay over http://");
    t.sink = no_tls_sink();
  }
  if (!t.sink && t.has_dsn) {
    if (dsn_endpoint(t.parsed_dsn, url, auth, h)) {
      b.main = new (b.main_space) http_transport;
      if (b.main->configure(h)) {
        if (!b.main->start() && h.use_worker)
          log_line(log_level::warning, "init: no worker thread for the HTTP transport; call sentry_trace::poll()");
        t.sink = b.main;
      } else {
        log_line(log_level::warning, "init: the built-in HTTP transport cannot send to ", h.url,
                 ": finished transactions are discarded");
        b.main->~http_transport();
        b.main = nullptr;
      }
    }
  }
  std::string_view spot = resolve_spotlight(o.spotlight, spotlight_env);
  if (!spot.empty()) {
    http_transport_options s = h;
    s.url = spot;
    s.auth_header = {};
    s.http.proxy = {};
    s.max_attempts = 1;      // a sidecar that is not running: drop at once, never hold up flush()
    s.count_losses = false;  // Spotlight's losses are not Sentry's outcomes
    s.on_worker_tick = nullptr;
    b.spotlight = new (b.spotlight_space) http_transport;
    if (b.spotlight->configure(s)) {
      b.spotlight->start();
      log_line(log_level::debug, "init: Spotlight on: ", spot);
    } else {
      log_line(log_level::warning, "init: Spotlight URL not usable: ", spot);
      b.spotlight->~http_transport();
      b.spotlight = nullptr;
    }
  }
}
#endif

/// Only what a dynamic sampling context is made of (the DSN's public key, org id, release,
/// environment), without the clock readings make_envelope_context() adds: for the DSC of
/// outgoing headers, made once per request.
inline envelope_context make_dsc_context() noexcept {
  const tracer& t = g_tracer;
  envelope_context c;
  c.public_key = t.has_dsn ? t.parsed_dsn.public_key : std::string_view();
  c.org_id = t.org_id;
  c.release = t.release;
  c.environment = t.environment;
  return c;
}

inline envelope_context make_envelope_context() noexcept {
  const tracer& t = g_tracer;
  envelope_context c = make_dsc_context();
  c.server_name = t.server_name;
  c.anchor = t.serialization_anchor();
  c.sent_at_epoch_us = t.epoch_us();
  c.host = &g_host;
  return c;
}

#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
/// A fork's child sends its first envelope: the built-in transports get workers of their own.
/// Runs under the envelope lock (every dispatch() does), so once.
inline void restart_builtin_after_fork() noexcept {
  builtin_delivery& b = g_builtin;
  b.restart_after_fork = false;
  if (b.main && !b.main->start()) log_line(log_level::warning, "after fork: no worker thread for the HTTP transport; call sentry_trace::poll()");
  if (b.spotlight) b.spotlight->start();
}
#endif

/// Hands one envelope to the transport; a throwing transport is contained and counted.
inline void dispatch(const envelope_view& e) noexcept {
  tracer& t = g_tracer;
#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
  if (g_builtin.restart_after_fork) restart_builtin_after_fork();
  if (g_builtin.spotlight) g_builtin.spotlight->send(e);  // a copy into its queue: never waits
#endif
  if (!t.sink) return;
#if SENTRY_TRACE_EXCEPTIONS
  try {
    t.sink->send(e);
  } catch (...) {
    transport::report_lost(e, discard_reason::internal_sdk_error);
    log_line(log_level::error, "the transport threw while sending an envelope; it was dropped");
    return;
  }
#else
  t.sink->send(e);
#endif
  g_outcomes.envelopes_sent.fetch_add(1, order_relaxed);
  if (e.is_client_report()) g_outcomes.client_reports_sent.fetch_add(1, order_relaxed);
  // A due client report follows this envelope (it reuses the envelope buffer, which is free
  // again now), except inside a run of span batches, whose writer still holds the buffer.
  if (!e.is_client_report() && e.span_items() == 0) send_client_report_if_due_locked();
}

/// Sends pending outcomes as a client report. Caller holds the envelope lock.
inline void send_client_report_locked() noexcept {
  tracer& t = g_tracer;
  if (!t.send_client_reports || !t.mem || !g_outcomes.any_pending()) return;
  envelope_context ctx = make_envelope_context();
  std::string_view bytes = write_client_report_envelope(t.mem->envelope, sizeof(t.mem->envelope), ctx);
  if (!bytes.empty()) dispatch(envelope_view(bytes, nullptr, true));
}

/// Client reports also leave on their own, at most once a minute, so that a program that never
/// flushes still reports its losses: @sentry/node-core sends them every 60 s
/// (DEFAULT_CLIENT_REPORT_FLUSH_INTERVAL_MS), sentry_sdk after an envelope once 60 s have
/// passed (_flush_client_reports). Measured on the tracer's clock (options.clock).
inline constexpr std::uint64_t client_report_interval_ns = 60ull * 1000 * 1000 * 1000;
/// When the next periodic client report is due (the tracer's clock); 0 while tracing is off.
/// init() stores it last (release) and shutdown() clears it first, so a reader that sees it
/// set (acquire) also sees the options init() wrote.
inline atomic<std::uint64_t> g_report_due_ns{0};

/// Sends the pending outcomes when the interval has passed. Caller holds the envelope lock.
inline void send_client_report_if_due_locked() noexcept {
  const std::uint64_t due = g_report_due_ns.load(order_acquire);
  if (due == 0) return;
  const std::uint64_t now = g_tracer.now_ns();
  if (now < due) return;
  g_report_due_ns.store(now + client_report_interval_ns, order_relaxed);
  send_client_report_locked();
}

/// The same from outside the envelope lock: the built-in worker (between deliveries) and
/// sentry_trace::poll() call it; it costs one atomic load and a clock read while not due.
inline void send_client_report_if_due() noexcept {
  const std::uint64_t due = g_report_due_ns.load(order_acquire);
  if (due == 0 || g_tracer.now_ns() < due) return;
  envelope_lock guard(g_tracer.lock);
  send_client_report_if_due_locked();
}

/// True when `name` contains one of options.ignore_transactions (@sentry/core's
/// stringMatchesSomePattern with string patterns: a case-sensitive substring).
inline bool is_ignored_transaction(const tracer& t, std::string_view name) noexcept {
  for (std::size_t i = 0; i < t.ignore_count; ++i)
    if (name.find(t.ignore[i]) != std::string_view::npos) return true;
  return false;
}

/// before_send_transaction's view of the transaction being written. Static rather than on the
/// writer's stack (about 300 bytes: a microcontroller's stack budget is 2 KiB); guarded by the
/// envelope lock, under which transactions are written one at a time.
inline transaction_event g_transaction_edit{};

/// Runs ignore_transactions and before_send_transaction (when either is set) on the
/// transaction in `b`; false when
/// it is dropped: the transaction and each span that ended (root included) are then counted
/// with the filter's reason (event_processor, before_send), spans that never ended as invalid
/// (as the writer would have). `edit` receives the hook's changes, `why` the filter's reason.
inline bool keep_transaction(const tracer& t, const transaction_block& b, std::uint32_t handed_out,
                             transaction_event& edit, discard_reason& why) noexcept {
  edit = transaction_event{};
  edit.name = transaction_name(b);
  std::uint32_t ended = 0, unfinished = 0;
  for (std::uint32_t slot = 1; slot < handed_out; ++slot)
    (b.spans[slot].state.load(order_acquire) == slot_ended ? ended : unfinished) += 1;
  edit.span_count = ended;
  discard_reason reason = discard_reason::event_processor;
  if (!is_ignored_transaction(t, edit.name)) {
    if (t.before_send_transaction.fn == nullptr || t.before_send_transaction.fn(edit, t.before_send_transaction.user))
      return true;
    reason = discard_reason::before_send;
  }
  log_line(log_level::debug, "a transaction was dropped (ignore_transactions or before_send_transaction): ", edit.name);
  why = reason;
  g_outcomes.record_transaction(reason, ended + 1);
  g_outcomes.record(discard_reason::invalid, data_category::span, unfinished);
  return false;
}

/// Writes the envelope of the transaction in `e`, sends it, and gives back the root's open
/// count (the last one out frees the block). The handoff's writer; also called inline.
/// ignore_transactions and before_send_transaction run first (under the envelope lock, so the
/// hook never runs concurrently).
inline void write_transaction(const handoff_entry& e) noexcept {
  tracer& t = g_tracer;
  transaction_block& b = *e.block;
  {
    envelope_lock guard(t.lock);
    transaction_event& edit = g_transaction_edit;
    const bool filtered = t.ignore_count != 0 || t.before_send_transaction.fn != nullptr;
    // Its profile is decided first: one too small to send is not named in its contexts.
    const int profile = take_transaction_profile(b);
    discard_reason why = discard_reason::event_processor;
    if (!filtered || keep_transaction(t, b, e.handed_out, edit, why)) {
      envelope_context ctx = make_envelope_context();
      transaction_write w = write_transaction_envelope(t.mem->envelope, sizeof(t.mem->envelope), b, e.handed_out, ctx,
                                                       t.mem->envelope_slots, filtered ? &edit : nullptr);
      if (!w.bytes.empty()) {
        transaction_view view(&b, w.slots, w.spans_written + 1, ctx.anchor);
        envelope_view out(w.bytes, &view, false);
        if (profile >= 0) {
          char* const start = const_cast<char*>(w.bytes.data());  // inside t.mem->envelope
          const std::size_t room = static_cast<std::size_t>(t.mem->envelope + sizeof(t.mem->envelope) - start);
          std::size_t profile_at = 0;
          const std::size_t length = append_transaction_profile(profile, start, room, w.bytes.size(), b, ctx, w.event, profile_at);
          out = envelope_view(std::string_view(start, length), &view, false).with_profile_at(profile_at);
        }
        dispatch(out);
      } else {
        drop_transaction_profile(profile, discard_reason::buffer_overflow);
        log_line(log_level::warning, "a transaction did not fit in SENTRY_TRACE_ENVELOPE_BYTES and was dropped");
      }
    } else {
      drop_transaction_profile(profile, why);
    }
  }
  if (b.close_one()) b.release();
}

/// Blocks left free for new roots before a root's end stops handing off: a queued block is
/// still in use, so a queue that outran its writer would otherwise leave new roots no block
/// (dropped as buffer_overflow) while their data could have been written at once.
inline constexpr std::uint32_t handoff_free_reserve = 2;

/// True when at least `n` blocks other than those in use are free to claim.
inline bool blocks_free_at_least(std::uint32_t n) noexcept {
  std::uint32_t found = 0;
  for (const transaction_block& b : g_tracer.mem->blocks) {
    if (found >= n) break;
    const std::uint64_t v = b.control_word.load(order_relaxed);  // a hint: try_claim() decides
    if (control::open(v) == 0 && !control::is_closing(v) && control::next_slot(v) == 0) ++found;
  }
  return found >= n;
}

/// Chooses who writes the envelopes (init() calls it after the transport is known): the
/// handoff's worker for the built-in transport in worker mode and for a user transport with
/// options.serialize_on_worker, poll() for the built-in transport in poll mode (and for
/// serialize_on_worker where there are no threads), else the thread that ends the root.
inline void start_handoff(const options& o) noexcept {
  tracer& t = g_tracer;
  handoff_mode mode = handoff_mode::off;
#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
  if (t.sink && t.sink == g_builtin.main) mode = g_builtin.main->has_worker() ? handoff_mode::worker : handoff_mode::poll;
#endif
  if (t.sink && o.serialize_on_worker && mode == handoff_mode::off)
    mode = SENTRY_TRACE_DETAIL_HANDOFF_WORKER ? handoff_mode::worker : handoff_mode::poll;
  if (!g_handoff.start(mode, write_transaction)) {
    log_line(log_level::warning, "init: no thread to write envelopes on; each is written by the thread that ends its root");
    g_handoff.start(handoff_mode::off, write_transaction);
  }
}

/// The root of `b` has ended: no child can join it from here on. Its block goes to the handoff
/// (end() returns without writing anything) unless there is none, the pool is nearly full or
/// the queue takes no more; then this thread writes the envelope and sends it.
inline void finish_transaction(transaction_block& b) noexcept {
  const handoff_entry e{&b, b.begin_closing()};
  if (g_handoff.mode() != handoff_mode::off && blocks_free_at_least(handoff_free_reserve) && g_handoff.push(e)) return;
  write_transaction(e);
}

/// Streaming: sends the ended spans of `b` as span v2 envelopes (its last open span has ended).
inline void finish_stream_block(transaction_block& b) noexcept {
  tracer& t = g_tracer;
  const std::uint32_t handed_out = control::next_slot(b.control_word.load(order_acquire));
  envelope_lock guard(t.lock);
  const envelope_context ctx = make_envelope_context();
  write_span_batches(t.mem->envelope, sizeof(t.mem->envelope), b, handed_out, ctx,
                     [](std::string_view bytes, std::uint32_t items) {
                       dispatch(envelope_view(bytes, nullptr, false, items));
                     });
}

/// Closes one open span of `b`; the last one out sends a streaming block and frees it.
inline void close_span_of(transaction_block& b) noexcept {
  if (!b.close_one()) return;
  if (SENTRY_TRACE_STREAMING && b.stream) finish_stream_block(b);
  b.release();
}

}  // namespace detail

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_DELIVERY_DISPATCH_HPP
