// sentry_trace/tracer.hpp -- the one global state: options, pools, active spans, init/flush/shutdown
//
// WHAT IT DOES  Holds the resolved options, the pools (in `storage`), each thread's stack of
//               active spans, and dispatches finished transactions to the transport. Defines
//               init(), flush(), shutdown() and the span handle's member functions.
// STEP BY STEP  sentry_trace::options o;          // every member holds its documented default
//               o.dsn = "https://key@o1.ingest.sentry.io/42";
//               o.traces_sample_rate = 1.0;
//               o.transport = &my_transport;      // not owned; must outlive shutdown()
//               if (!sentry_trace::init(o)) { /* the log hook said why */ }
//               ... spans (api.hpp) ...
//               sentry_trace::shutdown(2000);
//
// OPTIONS       member               default                     Sentry name / environment variable
//               dsn                  "" (SENTRY_DSN)             dsn; no DSN: envelopes carry no DSC
//               release              "" (SENTRY_RELEASE)         release, at most 200 bytes
//               environment          "production" (SENTRY_ENVIRONMENT)  environment, at most 64 bytes
//               server_name          ""                          server_name
//               org_id               "" (from the DSN host)      org_id
//               traces_sample_rate   options::unset (SENTRY_TRACES_SAMPLE_RATE)  0..1; unset with no
//                                    sampler: tracing off, traces still propagate (deferred)
//               traces_sampler       empty                       traces_sampler; beats the rate
//               max_spans            SENTRY_TRACE_MAX_SPANS      max_spans (child spans per transaction)
//               debug                false (SENTRY_DEBUG)        debug: log hook gets debug lines
//               log                  stderr (hosted); debug      -
//                                    lines only with `debug`
//               transport            nullptr: envelopes dropped  transport (not owned)
//               storage              nullptr: a static one       - (see pool.hpp)
//               clock, wall_clock,   hosted: steady_clock,       - (platform.hpp); freestanding
//               entropy, lock        system_clock, /dev/urandom,   builds must set clock and entropy
//                                    std::mutex
//               send_client_reports  true                        send_client_reports
//               delivery             delivery_mode::worker       - (built-in HTTP transport:
//                                    a background thread, or poll: sentry_trace::poll() sends)
//               http_proxy, ca_file  ""                          http_proxy, ca_certs
//               spotlight            "" (SENTRY_SPOTLIGHT)       spotlight: "true"/"1"/...: the
//                                    default sidecar URL, "false"/"0"/...: off, else a URL
// TRANSPORT     With a DSN and no options.transport, hosted POSIX builds send over HTTP
//               (transport_http.hpp) to {scheme}://{host}:{port}{path}/api/{project}/envelope/
//               with X-Sentry-Auth, from a transport held in static storage inside the library;
//               shutdown() flushes and stops it. With Spotlight on, every envelope is also
//               queued for the sidecar by a second one (no auth, one attempt, losses not
//               counted), which never holds up the first.
//               An https DSN in a build without SENTRY_TRACE_WITH_MBEDTLS=1 cannot be sent to:
//               init() logs an error saying how to fix it and still returns true (tracing works
//               and trace headers propagate), every envelope is counted as lost
//               (internal_sdk_error, see get_stats()), and flush()/shutdown() return false.
//               Options set in code win over the environment, as in every Sentry SDK.
// ENVIRONMENT   Each variable's value is trimmed of white space first (a trailing newline from
//               a shell or a .env file is common). A variable init() cannot use (a malformed
//               SENTRY_DSN, an over-long SENTRY_RELEASE or SENTRY_ENVIRONMENT, a
//               SENTRY_TRACES_SAMPLE_RATE that is not a number from 0 to 1, an unknown
//               SENTRY_TRACE_LIFECYCLE) is ignored with a warning that names it and its value,
//               and init() goes on as if it were not set.
// THREADS       init() and shutdown() must not run while another thread uses the API. Everything
//               else is thread-safe. A span handle may be ended on any thread at any time, also
//               after the thread that made it active has exited: each thread's stack of active
//               spans lives in static storage (g_scopes), and an exiting thread gives its stack
//               back; an entry still active then (a span handed over, not ended yet) keeps that
//               stack from being taken by another thread until the span ends. A span dropped
//               because its parent's transaction had ended stays in its thread's stack, so what
//               starts under it is dropped and counted with it, never made a new transaction.
// FORK          (hosted POSIX, threads on) The child of fork() keeps tracing without a new
//               init(), with ids of its own and an empty queue; what was in flight stays the
//               parent's. See "fork()" below. With SENTRY_TRACE_THREADS=0 the child must call
//               init() again (no pthread_atfork there), or it repeats the parent's ids.
// ERRORS        init() returns false and logs the reason for a malformed DSN option, a rate
//               option outside [0, 1], an over-long string option, or a freestanding build
//               without clock or entropy (the environment's values never fail it, see above);
//               tracing then stays off and every call is a valid no-op.

#ifndef SENTRY_TRACE_TRACER_HPP
#define SENTRY_TRACE_TRACER_HPP

#include "config.hpp"
#include "dsn.hpp"
#include "envelope.hpp"
#include "ids.hpp"
#include "outcomes.hpp"
#include "platform.hpp"
#include "pool.hpp"
#include "propagation.hpp"
#include "sampling.hpp"
#include "span.hpp"
#include "transport.hpp"
#include "transport_http.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>

// Where threads can be seen exiting (hosted POSIX with threads), an exiting thread gives its
// stack of active spans back (tracer.hpp, return_at_thread_exit).
#if SENTRY_TRACE_HOSTED && SENTRY_TRACE_THREADS && (defined(__unix__) || defined(__APPLE__))
#  define SENTRY_TRACE_DETAIL_THREAD_EXIT 1
#  include <pthread.h>
#else
#  define SENTRY_TRACE_DETAIL_THREAD_EXIT 0
#endif
#include <string_view>
#include <type_traits>

SENTRY_TRACE_DETAIL_BEGIN

/// How the built-in HTTP transport delivers (hosted POSIX builds; ignored elsewhere).
enum class delivery_mode : std::uint8_t {
  worker,  ///< a background thread started by init() sends
  poll     ///< nothing is sent until sentry_trace::poll() (or flush()/shutdown()) runs
};

/// How finished spans are sent (options.trace_lifecycle).
enum class trace_lifecycle : std::uint8_t {
  static_,  ///< "static": one transaction per root, with at most max_spans children (the default)
  stream    ///< span v2 items in batches of up to 1000, as @sentry/core 11 streams them: a root
            ///< with more spans than a block holds is sent whole, in several envelopes
};

/// Everything init() takes. An aggregate: declare it, then assign fields by name.
struct options {
  /// traces_sample_rate's "not set" value (0.0 is a real rate: sample nothing).
  static constexpr double unset = -1.0;

  std::string_view dsn{};               ///< "": SENTRY_DSN, else none
  std::string_view release{};           ///< "": SENTRY_RELEASE
  std::string_view environment{};       ///< "": SENTRY_ENVIRONMENT, else "production"
  std::string_view server_name{};
  std::string_view org_id{};            ///< "": the digits of a DSN host "o<digits>.…"
  double traces_sample_rate = unset;    ///< unset: SENTRY_TRACES_SAMPLE_RATE
  traces_sampler_fn traces_sampler{};   ///< any callable double(const sampling_context&) up to 64 bytes
  std::uint32_t max_spans = SENTRY_TRACE_MAX_SPANS;  ///< child spans per transaction; 0 or more: capped
  bool debug = false;                   ///< false: SENTRY_DEBUG ("1", "true", "yes", "on")
  log_hook log{};
  ::sentry_trace::transport* transport = nullptr;  ///< not owned
  ::sentry_trace::storage* storage = nullptr;      ///< not owned; nullptr: a static one (hosted)
  clock_hook clock{};
  wall_clock_hook wall_clock{};
  entropy_hook entropy{};
  lock_hook lock{};
  bool send_client_reports = true;
  /// Outgoing URLs that get trace headers from inject(carrier, url): a URL containing one of
  /// these (ASCII case-insensitive) does. nullptr (the default): every URL, as @sentry/node 11.
  /// Copied by init(): at most 16 targets and 1024 bytes in all.
  const std::string_view* trace_propagation_targets = nullptr;
  std::size_t trace_propagation_target_count = 0;
  /// Also send a W3C `traceparent` header (default false, as the SDKs' propagateTraceparent).
  bool propagate_traceparent = false;
  /// The built-in HTTP transport (a DSN and no `transport`, hosted POSIX builds): worker or poll.
  delivery_mode delivery = delivery_mode::worker;
  std::string_view http_proxy{};        ///< "http://host:port" for the built-in transport; "": none
  std::string_view ca_file{};           ///< a PEM CA bundle for https; "": the system's
  bool http_compression = true;         ///< gzip envelopes over 1 KiB (only with SENTRY_TRACE_WITH_ZLIB=1 and -lz)
  /// static_ (transactions, the default) or stream (span v2 batches); SENTRY_TRACE_LIFECYCLE
  /// ("static" / "stream") when left at the default.
  ::sentry_trace::trace_lifecycle trace_lifecycle = ::sentry_trace::trace_lifecycle::static_;
  /// "": SENTRY_SPOTLIGHT; "true"/"1"/"yes"/"on"...: http://localhost:8969/stream;
  /// "false"/"0"/"no"/"off"...: off; anything else: the sidecar URL (PROTOCOL.md §13).
  std::string_view spotlight{};
};

/// Starts (or restarts) tracing. Returns false, logs why, and leaves tracing off on bad
/// options. A second call shuts the first down cleanly (flushing with a 0 ms timeout) and
/// starts over; spans of the first remain valid no-op handles.
bool init(const options& opts) noexcept;
/// Sends pending client reports (they also leave every 60 s by themselves: from the worker,
/// from poll(), or after the next envelope) and waits up to `timeout_ms` for the transport; true when
/// everything was delivered (also true when tracing is off: nothing is pending).
bool flush(std::uint32_t timeout_ms) noexcept;
/// Counts in-flight transactions as dropped, flushes, and turns tracing off. Later calls are
/// no-ops until the next init(). Returns what flush() returned.
bool shutdown(std::uint32_t timeout_ms) noexcept;
/// True between a successful init() and shutdown().
bool is_enabled() noexcept;
/// Counters of what was cut or dropped since init().
stats get_stats() noexcept;

// ------------------------------------------------------------------------------------------------
namespace detail {

/// One active span on a thread's stack.
struct stack_entry {
  /// The token of the push that made the span active; 0 once it has ended, by whichever
  /// thread ended it. The only field another thread writes.
  atomic<std::uint64_t> token{0};
  /// Unrecorded children started under it on its thread, counted when the entry leaves the
  /// stack (settle_entry). Read and written by the owning thread only.
  std::uint32_t unrecorded_children = 0;
  span_ref ref{};
};

/// Each thread's room for propagation text: a baggage object to parse an incoming DSC into, and
/// the outgoing `baggage` value get_trace_headers() returns a view of (valid until that thread's
/// next get_trace_headers() or inject()). Per thread, so no call puts 17 KiB on the stack and
/// none waits for another; in the thread's scope, so only threads that trace pay for it. The
/// baggage is constructed in place on first use (its constructor is not constant), so the
/// scopes stay zero-initialized static storage.
struct propagation_scratch {
  alignas(baggage) unsigned char bag_space[sizeof(baggage)];
  bool bag_ready;
  char header[SENTRY_TRACE_MAX_BAGGAGE];
  baggage& bag() noexcept {
    if (!bag_ready) {
      new (bag_space) baggage();
      bag_ready = true;
    }
    return *std::launder(reinterpret_cast<baggage*>(bag_space));
  }
};

/// A thread's stack of active spans. Scopes live in static storage (g_scopes), not in
/// thread_local memory, so a handle that ends its span from another thread, after the thread
/// that made it active has exited, still writes to memory that exists. A thread takes a free
/// scope when it first makes a span active and gives it back when it exits; a scope with an
/// entry still active (a span handed to another thread and not ended yet) is taken by no
/// other thread until that span ends.
struct thread_scope {
  atomic<std::uint8_t> taken{0};
  std::uint32_t depth = 0;   ///< owner thread only
  std::uint64_t pushes = 0;  ///< owner thread only; never reset, so every entry's token is new
  stack_entry entries[SENTRY_TRACE_MAX_DEPTH]{};
  propagation_scratch scratch{};  ///< owner thread only
};
/// Constant-initialized (zero: .bss), so untouched scopes cost no RAM on a hosted system.
inline thread_scope g_scopes[SENTRY_TRACE_MAX_THREADS];
/// This thread's scope, or nullptr before its first active span. A pointer, constant-
/// initialized, so reading it costs no TLS init function or guard on the span path.
inline SENTRY_TRACE_DETAIL_THREAD_LOCAL thread_scope* tl_scope = nullptr;

/// What continue_trace() received, for the transactions started inside its callback. It lives
/// on continue_trace's stack (under 200 bytes); the thread-local pointer below marks the scope.
/// The baggage stays the caller's text, which is valid for the whole scope (continue_trace's
/// contract), and is parsed again where it is needed: into the block of a transaction started
/// in the scope, or the thread's scratch for headers and events (load_incoming_baggage). So no
/// 9 KiB parsed copy sits on the stack of every continued request.
struct incoming_context {
  bool continued = false;          ///< a valid sentry-trace (or traceparent) of an accepted org
  bool had_sample_rate = false;    ///< the incoming DSC has a sentry-sample_rate
  std::uint8_t added_rand_len = 0;  ///< sample_rand drawn here because the DSC had none
  std::uint8_t added_rate_len = 0;  ///< sample_rate of the decision made here for a deferred trace
  trace_parent parent{};
  double parent_sample_rate = -1.0;  ///< the incoming sentry-sample_rate, negative when none
  std::uint32_t sample_rand_micros = 0;
  std::string_view baggage_text{};  ///< the caller's `baggage` value
  char added_rand[8] = {};
  char added_rate[32] = {};
  incoming_context* previous = nullptr;
};
inline SENTRY_TRACE_DETAIL_THREAD_LOCAL incoming_context* tl_incoming = nullptr;

/// The incoming DSC and third-party members of `in`, as its scope propagates them: the caller's
/// baggage parsed into `out`, then what this service added (sample_rand, sample_rate).
inline void load_incoming_baggage(const incoming_context& in, baggage& out) noexcept {
  out.clear();
  out.parse(in.baggage_text);
  if (in.added_rand_len) out.set_sentry("sample_rand", std::string_view(in.added_rand, in.added_rand_len));
  if (in.added_rate_len) out.set_sentry("sample_rate", std::string_view(in.added_rate, in.added_rate_len));
}

/// Only the third-party members of the caller's baggage in `in` (none without a scope), for a
/// trace that starts here: its own DSC replaces the caller's.
inline void load_third_party_baggage(const incoming_context* in, baggage& out) noexcept {
  out.clear();
  if (!in || in->baggage_text.empty()) return;
  out.parse(in->baggage_text);
  out.clear_sentry_members();
}

/// Flags a span_ref carries beyond span_ref's public ones.
constexpr std::uint8_t ref_root = span_ref::root;
constexpr std::uint8_t ref_overflow = span_ref::overflow;
/// Not recorded because tracing is off here (no rate, no sampler): nothing to count.
constexpr std::uint8_t ref_unrecorded_by_choice = 64;
/// Dropped: its parent's transaction had ended (or its parent was itself dropped). It stands in
/// the stack like any span, so that everything started under it is dropped and counted with it
/// instead of starting a new transaction.
constexpr std::uint8_t ref_dropped = 128;
/// span_ref::links: block/generation name the transaction of a span that records nothing itself.
constexpr std::uint8_t ref_in_block = 1;
/// span_ref::links: segment_block/segment_generation name the span's streaming segment.
constexpr std::uint8_t ref_segment_link = 2;
/// span_ref::links: sample_rate_ppm holds the rate that decided (a root that records nothing).
constexpr std::uint8_t ref_rate_known = 4;

/// Every member starts as zero (false, nullptr, 0), so g_tracer lands in .bss and costs no
/// initial values in flash. The option copies below (send_client_reports, traces_sample_rate,
/// max_spans, ...) are meaningless until init() has set them all; they are read only while
/// `enabled` is true (or, for send_client_reports, once `mem` is set by init()).
struct tracer {
  bool enabled = false;
  std::uint16_t epoch = 0;
  bool debug = false;
  bool send_client_reports = false;       ///< set by init() from options (default true there)
  bool stream = false;                    ///< options.trace_lifecycle == stream
  bool has_dsn = false;
  double traces_sample_rate = 0.0;        ///< set by init(); options::unset (negative) when none
  std::uint16_t max_spans = 0;            ///< set by init(): options.max_spans capped
  traces_sampler_fn sampler{};
  log_hook log{};
  clock_hook clock{};
  wall_clock_hook wall_clock{};
  lock_hook lock{};
  ::sentry_trace::transport* sink = nullptr;
  ::sentry_trace::storage* mem = nullptr;
  time_anchor anchor{};
  ::sentry_trace::dsn parsed_dsn{};
  atomic<std::uint32_t> block_hint{0};
  char dsn_text[512] = {};
  char release[201] = {};
  char environment[65] = {};
  char server_name[256] = {};
  char org_id[21] = {};
  bool propagate_traceparent = false;
  bool targets_set = false;
  std::size_t target_count = 0;
  std::string_view targets[16] = {};
  char target_text[1024] = {};

  std::uint64_t now_ns() const noexcept { return clock.now_ns(clock.user); }
  std::int64_t epoch_us() const noexcept { return wall_clock.now_epoch_us ? wall_clock.now_epoch_us(wall_clock.user) : 0; }
};
// Constant-initialized and trivially destructible (the sampler is trivially copyable), so it
// costs no start-up or exit-time code in any translation unit, and outlives every user object.
inline tracer g_tracer{};
static_assert(std::is_trivially_destructible_v<tracer>, "the tracer must need no exit-time code");

/// Formats a diagnostic into a stack buffer and hands it to the log hook.
inline void log_line(log_level level, const char* a, std::string_view b = {}, const char* c = "") noexcept {
  const tracer& t = g_tracer;
  if (!t.log.write || (level == log_level::debug && !t.debug)) return;
  char line[512];
  std::size_t n = 0;
  auto add = [&](std::string_view s) {
    for (char ch : s) {
      if (n + 1 >= sizeof(line)) break;
      // Keep log lines single-line and printable whatever the input held.
      line[n++] = (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ? '?' : ch;
    }
  };
  add(a ? std::string_view(a) : std::string_view());
  add(b);
  add(c ? std::string_view(c) : std::string_view());
  line[n] = '\0';
  t.log.write(level, line, t.log.user);
}

/// Holds the envelope lock (the hook's, or none) for a scope.
class envelope_lock {
 public:
  explicit envelope_lock(const lock_hook& h) noexcept : h_(h) {
    if (h_.lock) h_.lock(h_.user);
  }
  ~envelope_lock() {
    if (h_.unlock) h_.unlock(h_.user);
  }
  envelope_lock(const envelope_lock&) = delete;
  envelope_lock& operator=(const envelope_lock&) = delete;

 private:
  lock_hook h_;
};

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
  if (!t.sink && t.has_dsn && !SENTRY_TRACE_WITH_MBEDTLS && http_ieq(t.parsed_dsn.scheme, "https")) {
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

inline envelope_context make_envelope_context() noexcept {
  const tracer& t = g_tracer;
  envelope_context c;
  c.public_key = t.has_dsn ? t.parsed_dsn.public_key : std::string_view();
  c.org_id = t.org_id;
  c.release = t.release;
  c.environment = t.environment;
  c.server_name = t.server_name;
  c.anchor = t.anchor;
  c.sent_at_epoch_us = t.epoch_us();
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

/// The root of `b` has ended: write the envelope, send it, and free the block when its last
/// open span is done.
inline void finish_transaction(transaction_block& b) noexcept {
  tracer& t = g_tracer;
  std::uint32_t handed_out = b.begin_closing();
  {
    envelope_lock guard(t.lock);
    envelope_context ctx = make_envelope_context();
    transaction_write w =
        write_transaction_envelope(t.mem->envelope, sizeof(t.mem->envelope), b, handed_out, ctx, t.mem->envelope_slots);
    if (!w.bytes.empty()) {
      transaction_view view(&b, w.slots, w.spans_written + 1, t.anchor.epoch_us, t.anchor.mono_ns);
      dispatch(envelope_view(w.bytes, &view, false));
    } else {
      log_line(log_level::warning, "a transaction did not fit in SENTRY_TRACE_ENVELOPE_BYTES and was dropped");
    }
  }
  if (b.close_one()) b.release();
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

/// Streaming: a slot for a child whose own block has no room (or was retired) in the current
/// continuation of the segment `index` (generation `generation`), starting a new one (and
/// retiring the old) when that is full. The segment is claimed throughout, so what is copied
/// from it is that segment's.
inline continuation_claim claim_in_continuation(std::uint16_t index, std::uint32_t generation) noexcept {
  tracer& t = g_tracer;
  continuation_claim out;
  block_pin seg(t.mem->blocks[index], generation);
  out.slot = -1;
  if (!seg) return out;  // the segment is gone
  for (int attempt = 0; attempt < 4; ++attempt) {
    if (control::is_closing(seg->control_word.load(order_acquire))) return out;  // its root has ended
    std::uint64_t packed = seg->continuation.load(order_acquire);
    if (transaction_block* c = continuation_block(packed)) {
      const std::int32_t s = c->claim_child(static_cast<std::uint32_t>(packed >> 16));
      if (s > 0) {
        out.index = static_cast<std::uint16_t>((packed & 0xffff) - 1);
        out.generation = static_cast<std::uint32_t>(packed >> 16);
        out.slot = s;
        return out;
      }
    }
    std::uint16_t n_index = 0;
    transaction_block* n = new_continuation(*seg.get(), index, generation, n_index);
    if (!n) {
      out.slot = 0;  // every block in use: the caller counts the span as buffer_overflow
      return out;
    }
    const std::uint32_t n_generation = n->generation();
    const std::uint64_t n_packed = (static_cast<std::uint64_t>(n_generation) << 16) | (n_index + 1u);
    if (!seg->continuation.compare_exchange_strong(packed, n_packed, order_acq_rel, order_acquire)) {
      n->begin_closing();  // another thread installed one first, or the root retired it: give it back
      close_span_of(*n);
      continue;
    }
    if (transaction_block* old = continuation_block(packed)) {
      old->begin_closing();
      close_span_of(*old);
    }
    const std::int32_t s = n->claim_child(n_generation);
    // The root may have ended since the check above, after retiring what it found installed:
    // then nobody else will retire this one. Its closing flag was set before it emptied the
    // slot this exchange found, so it is visible here.
    if (control::is_closing(seg->control_word.load(order_acquire))) retire_continuation(*seg.get());
    if (s > 0) {
      out.index = n_index;
      out.generation = n_generation;
      out.slot = s;
      return out;
    }
  }
  out.slot = 0;
  return out;
}

// ---- the active-span stacks -----------------------------------------------------------------

/// Counts `n` unrecorded items (spans, or a transaction) of a trace with the reference flags
/// `flags`: not at all when tracing was off by choice (nothing was meant to be sent), else by
/// why nothing was recorded. The one place that rule lives.
inline void count_unrecorded(std::uint8_t flags, data_category category, std::uint32_t n) noexcept {
  if (n == 0 || (flags & (span_ref::deferred | ref_unrecorded_by_choice)) != 0) return;
  g_outcomes.record((flags & ref_overflow) ? discard_reason::buffer_overflow : discard_reason::sample_rate, category, n);
}
inline void count_unrecorded_spans(std::uint8_t flags, std::uint32_t n) noexcept {
  count_unrecorded(flags, data_category::span, n);
}

/// An entry leaves its thread's stack: its unrecorded children are counted now (owner thread).
inline void settle_entry(stack_entry& e, std::uint16_t epoch) noexcept {
  if (e.ref.epoch == epoch) count_unrecorded_spans(e.ref.flags, e.unrecorded_children);
  e.unrecorded_children = 0;  // from before the last init(): that run's counts are gone
}

/// This thread's innermost span that is still active, or nullptr. Entries ended elsewhere or
/// left from before a re-init are settled and popped on the way.
inline stack_entry* current_entry() noexcept {
  thread_scope* s = tl_scope;
  if (!s) return nullptr;
  const std::uint16_t epoch = g_tracer.epoch;
  while (s->depth > 0) {
    stack_entry& e = s->entries[s->depth - 1];
    if (e.token.load(order_acquire) != 0 && e.ref.epoch == epoch) return &e;
    settle_entry(e, epoch);
    --s->depth;
  }
  return nullptr;
}

/// True when no entry of `s` is still active in this run: a scope left by an exited thread
/// may be taken only then, so a handle ending late never meets another thread's entry.
inline bool scope_is_free(const thread_scope& s, std::uint16_t epoch) noexcept {
  for (const stack_entry& e : s.entries)
    if (e.token.load(order_acquire) != 0 && e.ref.epoch == epoch) return false;
  return true;
}

/// Gives scope `s` back when its thread exits: its entries' unrecorded children are counted,
/// and spans still active on it stay valid (their handles may end them from any thread; until
/// then the scope is not taken again).
inline void return_thread_scope(thread_scope* s) noexcept {
  const std::uint16_t epoch = g_tracer.epoch;
  for (std::uint32_t i = 0; i < s->depth; ++i) settle_entry(s->entries[i], epoch);
  s->depth = 0;
  s->taken.store(0, order_release);
}

#if SENTRY_TRACE_DETAIL_THREAD_EXIT
/// Thread exit is seen through a pthread key's destructor: registering one costs no allocation
/// (a thread_local destructor's registration mallocs), and it runs after the thread's
/// thread_local destructors, which may still end spans.
inline pthread_key_t g_scope_key;
inline pthread_once_t g_scope_key_once = PTHREAD_ONCE_INIT;
inline bool g_scope_key_made = false;
inline SENTRY_TRACE_DETAIL_THREAD_LOCAL bool tl_scope_returned = false;
inline void scope_key_destructor(void* scope) noexcept {
  tl_scope_returned = true;  // key destructors that run later make no span active here
  tl_scope = nullptr;
  return_thread_scope(static_cast<thread_scope*>(scope));
}
inline void make_scope_key() noexcept { g_scope_key_made = ::pthread_key_create(&g_scope_key, &scope_key_destructor) == 0; }
/// Arranges for `s` to be given back when this thread exits.
inline void return_at_thread_exit(thread_scope& s) noexcept {
  ::pthread_once(&g_scope_key_once, &make_scope_key);
  if (g_scope_key_made) ::pthread_setspecific(g_scope_key, &s);
}
#else
/// No thread-exit hook (single-threaded, or threads without POSIX keys): a scope stays with the
/// thread that took it.
inline void return_at_thread_exit(thread_scope&) noexcept {}
#endif

/// Takes a free scope for this thread (its first active span); nullptr when every one of the
/// SENTRY_TRACE_MAX_THREADS is held by a live thread or by spans still active on an exited one.
inline thread_scope* take_thread_scope() noexcept {
#if SENTRY_TRACE_DETAIL_THREAD_EXIT
  if (tl_scope_returned) return nullptr;
#endif
  const std::uint16_t epoch = g_tracer.epoch;
  for (thread_scope& s : g_scopes) {
    std::uint8_t expected = 0;
    if (s.taken.load(order_relaxed) != 0 || !s.taken.compare_exchange_strong(expected, 1, order_acquire, order_relaxed))
      continue;
    if (!scope_is_free(s, epoch)) {
      s.taken.store(0, order_release);
      continue;
    }
    s.depth = 0;
    tl_scope = &s;
    return_at_thread_exit(s);
    return &s;
  }
  log_line(log_level::warning, "span not made active: more than SENTRY_TRACE_MAX_THREADS threads hold active spans");
  return nullptr;
}

/// This thread's propagation scratch (in its scope, taking one on first use); nullptr when no
/// scope is free.
inline propagation_scratch* this_thread_scratch() noexcept {
  thread_scope* s = tl_scope;
  if (!s) s = take_thread_scope();
  return s ? &s->scratch : nullptr;
}

/// Pushes a new active span on this thread's stack: `fill(span_ref&)` writes its reference in
/// place (the child path writes it field by field, so no half-written copy is read back whole).
/// Returns where it stands; depth 0 when the span cannot be made active.
template <class Fill> active_mark push_active(Fill&& fill) noexcept {
  thread_scope* s = tl_scope;
  if (!s) s = take_thread_scope();
  if (!s || s->depth >= SENTRY_TRACE_MAX_DEPTH) {
    g_outcomes.depth_overflows.fetch_add(1, order_relaxed);
    if (s) log_line(log_level::debug, "span not made active: SENTRY_TRACE_MAX_DEPTH reached");
    return active_mark{};
  }
  stack_entry& e = s->entries[s->depth];
  fill(e.ref);
  e.unrecorded_children = 0;
  const std::uint64_t token = ++s->pushes;
  e.token.store(token, order_release);
  return active_mark{s, token, static_cast<std::uint16_t>(++s->depth)};
}

/// Ends the active-stack entry of a span, from any thread: the entry is in static storage, so
/// this is safe even after its thread exited, and its token names this push only. Its own
/// thread settles and pops it.
inline void pop_active(const active_mark& at) noexcept {
  if (!at.scope || at.depth == 0) return;
  auto* s = static_cast<thread_scope*>(at.scope);
  std::uint64_t expected = at.token;
  s->entries[at.depth - 1].token.compare_exchange_strong(expected, 0, order_acq_rel, order_relaxed);
  if (s == tl_scope) current_entry();  // its own thread: settle it (and ended ones above) now
}

/// A handle for a span that records nothing, `ref` (made active when asked, so that what starts
/// under it on this thread stays in its trace and is counted with it).
inline span start_unrecorded(const span_ref& ref, bool make_active) noexcept {
  const active_mark at = make_active ? push_active([&](span_ref& active) { active = ref; }) : active_mark{};
  return span(ref, at);
}

/// An unrecorded child of `parent` with `flags`: the parent's ids, active when asked.
inline span start_unrecorded_child(const span_ref& parent, std::uint8_t flags, bool make_active) noexcept {
  if (!make_active) return span(parent, flags);
  span_ref ref = parent;
  ref.flags = flags;
  return start_unrecorded(ref, true);
}

/// A child of `parent` that is dropped because its transaction is gone (or `parent` was itself
/// dropped), counted as no_parent_span. It keeps the parent's trace and stands in the stack, so
/// that spans started under it are dropped with it, never promoted to new transactions.
inline span start_dropped_child(const span_ref& parent, bool make_active, const char* why) noexcept {
  g_outcomes.record(discard_reason::no_parent_span, data_category::span);
  log_line(log_level::debug, why);
  span_ref ref = parent;
  ref.epoch = g_tracer.epoch;
  ref.links = 0;
  ref.flags = static_cast<std::uint8_t>(span_ref::valid | ref_dropped | (parent.flags & (span_ref::sampled | span_ref::deferred)));
  return make_active ? start_unrecorded(ref, true) : span(ref, ref.flags);
}

/// Records span_options::attributes on a span that has just been claimed.
inline void apply_attributes(transaction_block& b, std::uint32_t slot, const span_options& o) noexcept {
  if (!o.attributes) return;  // a count without an array: nothing to read
  for (std::size_t i = 0; i < o.attribute_count; ++i) b.set_attribute(slot, o.attributes[i].key, o.attributes[i].value);
}

/// Starts a recording child of `parent` in its block. Split from start_span_slow so that the
/// parent is read in place and the handle is written once, field by field.
inline span start_recording_child(const span_options& o, const span_ref& parent, bool make_active) noexcept {
  tracer& t = g_tracer;
  transaction_block* bp = &t.mem->blocks[parent.block];
  std::uint16_t block_index = parent.block;
  std::uint32_t generation = parent.generation;
  // A child in its parent's block has the parent's segment link (both in one continuation).
  std::uint8_t links = parent.links & ref_segment_link;
  std::uint16_t segment_block = parent.segment_block;
  std::uint32_t segment_generation = parent.segment_generation;
  std::int32_t slot = bp->claim_child(generation);
  if (SENTRY_TRACE_STREAMING && slot <= 0) {
    // Full, retired or gone. Whether the block streams is read under a claim: without one it
    // may be freed and reused by now. Streaming: a full block, or a retired (or already sent)
    // continuation whose segment is still open, sends this span on to the segment's current
    // continuation.
    const block_pin held(*bp, generation);
    bool to_segment = false;
    if (held && held->stream && (slot == 0 || held->is_continuation)) {
      to_segment = true;
      segment_block = held->is_continuation ? held->segment_block : parent.block;
      segment_generation = held->is_continuation ? held->segment_generation : parent.generation;
    } else if (!held && (parent.links & ref_segment_link)) {
      to_segment = true;
      segment_block = parent.segment_block;
      segment_generation = parent.segment_generation;
    } else if (!held) {
      slot = -1;
    }
    if (to_segment) {
      const continuation_claim c = claim_in_continuation(segment_block, segment_generation);
      slot = c.slot;
      if (c.slot > 0) {
        bp = &t.mem->blocks[c.index];
        block_index = c.index;
        generation = c.generation;
        links = ref_segment_link;
      }
    }
  }
  if (slot < 0) return start_dropped_child(parent, make_active, "span dropped: its parent's transaction has already ended");
  const auto flags = static_cast<std::uint8_t>(parent.flags & ~ref_root);
  if (slot == 0) {
    g_outcomes.record(discard_reason::buffer_overflow, data_category::span);
    log_line(log_level::debug, "span dropped: max_spans reached for this transaction");
    span_ref over = parent;
    over.flags = static_cast<std::uint8_t>((flags & ~span_ref::recording) | ref_overflow);
    over.links = ref_in_block;  // not recorded, but part of this transaction (measurements, headers)
    return start_unrecorded_child(over, over.flags, make_active);
  }
  transaction_block& b = *bp;
  const std::uint64_t now = t.now_ns();
  const span_id id = new_span_id();
  span_record& r = b.init_slot(static_cast<std::uint32_t>(slot), id, parent.id, now);
  b.copy_names(r, o);
  if (o.attribute_count) apply_attributes(b, static_cast<std::uint32_t>(slot), o);
  r.state.store(slot_started, order_release);
  const active_mark at = make_active ? push_active([&](span_ref& active) {
    active.trace = parent.trace;
    active.id = id;
    active.generation = generation;
    active.block = block_index;
    active.slot = static_cast<std::uint16_t>(slot);
    active.epoch = parent.epoch;
    active.flags = flags;
    active.links = links;
    active.segment_block = segment_block;
    active.segment_generation = segment_generation;
  }) : active_mark{};
  return span(parent.trace, id, generation, block_index, static_cast<std::uint16_t>(slot), parent.epoch, flags,
              links, segment_block, segment_generation, at);
}

/// Counts a non-recording transaction when its root starts, as @sentry/core's _startRootSpan
/// records its sample_rate drop: the transaction and its root span, whether it is ever ended or
/// not (its children are counted as they start, or as they leave their threads' stacks).
inline void count_unrecorded_root(const span_ref& ref) noexcept {
  count_unrecorded(ref.flags, data_category::transaction, 1);
  count_unrecorded_spans(ref.flags, 1);
}

inline transaction_block* block_of(const span_ref& ref) noexcept {
  tracer& t = g_tracer;
  if (!t.enabled || ref.epoch != t.epoch || !ref.is_recording()) return nullptr;
  transaction_block& b = t.mem->blocks[ref.block];
  if (b.generation() != (ref.generation & 0x1fffffffu)) return nullptr;
  return &b;
}

/// The record of a live recording span, or nullptr (stale, ended, or not recording). Only for
/// the span's own handle: the span's open count keeps the block from being freed meanwhile.
inline span_record* record_of(const span_ref& ref, transaction_block*& block) noexcept {
  block = block_of(ref);
  if (!block) return nullptr;
  span_record& r = block->spans[ref.slot];
  if (r.state.load(order_relaxed) != slot_started || r.id != ref.id) return nullptr;
  return &r;
}

/// Where a new transaction's trace comes from: a forced transaction's parent (it keeps the
/// parent's trace, decision and DSC, as @sentry/core's forceTransaction), continue_trace's
/// scope, or nothing (a new trace).
struct root_origin {
  const span_ref* forced_parent = nullptr;
  incoming_context* incoming = nullptr;
  bool continued() const noexcept { return !forced_parent && incoming && incoming->continued; }
};

/// Decides whether the new root `root` is sampled; sets its sampling fields.
inline sampling_decision decide_root(const span_options& o, const root_origin& from, span_ref& root) noexcept {
  tracer& t = g_tracer;
  incoming_context* in = from.incoming;
  const span_ref* fp = from.forced_parent;
  // A compile-time policy (SENTRY_TRACE_SAMPLING) traces whatever the options say.
  const bool tracing = sampling_policy != sampling_policy_kind::runtime || t.sampler || t.traces_sample_rate >= 0.0;
  sampling_decision d;
  const parent_decision inherited = !fp ? parent_decision::none
                                    : (fp->flags & span_ref::deferred) ? parent_decision::none
                                    : (fp->flags & span_ref::sampled)  ? parent_decision::sampled
                                                                       : parent_decision::not_sampled;
  if (tracing) {
    sampling_context ctx;
    ctx.name = o.name;
    ctx.op = o.op;
    ctx.source = o.source;
    ctx.attributes = o.attributes;
    ctx.attribute_count = o.attributes ? o.attribute_count : 0;
    if (fp) {
      ctx.parent_sampled = inherited;
      if (fp->links & ref_rate_known) ctx.parent_sample_rate = micros_to_double(fp->sample_rate_ppm);
    } else if (from.continued()) {
      ctx.parent_sampled = in->parent.sampled;
      ctx.parent_sample_rate = in->parent_sample_rate;
    }
    d = sample(t.sampler, t.traces_sample_rate, ctx, root.sample_rand_micros);
    if (d.rate_invalid) log_line(log_level::debug, "transaction not sampled: the sample rate is outside [0, 1] or NaN");
    if (d.sampler_threw) log_line(log_level::debug, "traces_sampler threw: the parent's decision or traces_sample_rate decides");
    if (d.sample_rate_known) {
      root.sample_rate_ppm = static_cast<std::uint32_t>(d.sample_rate * 1e6 + 0.5);
      root.links |= ref_rate_known;
    }
    // This service decided a deferred trace: say with which rate, as @sentry/core does.
    if (from.continued() && in->parent.sampled == parent_decision::none && d.sample_rate_known &&
        !in->had_sample_rate && in->added_rate_len == 0)
      in->added_rate_len = static_cast<std::uint8_t>(format_double(in->added_rate, d.sample_rate));
  } else if (from.continued() || fp) {
    // Tracing off: record nothing, but hand the caller's decision on unchanged.
    const parent_decision p = fp ? inherited : in->parent.sampled;
    if (p == parent_decision::sampled) root.flags |= span_ref::sampled;
    else if (p == parent_decision::none) root.flags |= span_ref::deferred;
    root.flags |= ref_unrecorded_by_choice;
    if (fp) {
      root.sample_rate_ppm = fp->sample_rate_ppm;
      root.links |= fp->links & ref_rate_known;
    }
  } else {
    root.flags |= span_ref::deferred;
  }
  if (d.sampled) root.flags |= span_ref::sampled;
  return d;
}

/// Claims a free block for a new transaction, starting at the hint; nullptr when all are in use.
inline transaction_block* claim_free_block(std::uint16_t& index) noexcept {
  tracer& t = g_tracer;
  const std::uint32_t n = SENTRY_TRACE_MAX_TRANSACTIONS;
  const std::uint32_t hint = t.block_hint.load(order_relaxed);
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::uint32_t at = (hint + i) % n;
    if (t.mem->blocks[at].try_claim()) {
      index = static_cast<std::uint16_t>(at);
      t.block_hint.store(at + 1, order_relaxed);
      return &t.mem->blocks[at];
    }
  }
  return nullptr;
}

/// Sets up the claimed block `b` for the new root `root` and records the root in slot 0.
inline void open_transaction(transaction_block& b, const span_options& o, const root_origin& from, const span_ref& root,
                             const sampling_decision& d) noexcept {
  tracer& t = g_tracer;
  incoming_context* in = from.incoming;
  b.reset_contents();
  b.trace = root.trace;
  b.parent_of_root = from.forced_parent ? from.forced_parent->id : from.continued() ? in->parent.parent : span_id{};
  b.sample_rate = d.sample_rate;
  b.sample_rate_known = d.sample_rate_known;
  b.sample_rand_micros = root.sample_rand_micros;
  b.source = o.source;
  b.max_children.store(t.max_spans, order_relaxed);
  b.dsc_state.store(dsc_open, order_relaxed);
  b.stream = t.stream;
  b.is_continuation = false;
  b.segment_id = root.id;
  b.continuation.store(0, order_relaxed);
  b.continued = from.continued();
  if (from.continued()) {
    load_incoming_baggage(*in, b.dsc);
  } else if (from.forced_parent) {
    b.dsc.clear();
    // The parent's DSC, frozen: a forced transaction stays in its parent's trace.
    if (block_pin parent{*from.forced_parent}) {
      freeze_head_dsc(*parent.get());
      b.dsc = parent->dsc;
      b.continued = true;
    }
  } else {
    load_third_party_baggage(in, b.dsc);
  }
  span_record& r = b.init_slot(0, root.id, b.parent_of_root, t.now_ns());
  b.copy_names(r, o);
  if (o.attribute_count) apply_attributes(b, 0, o);
  r.state.store(slot_started, order_release);
}

/// Starts a transaction: the continuation of an incoming trace inside continue_trace(), a
/// forced transaction under `forced_parent`, or the head of a new trace.
inline span start_root(const span_options& o, const span_ref* forced_parent, bool make_active) noexcept {
  tracer& t = g_tracer;
  root_origin from;
  from.forced_parent = forced_parent;
  from.incoming = tl_incoming;
  span_ref root;
  root.trace = forced_parent ? forced_parent->trace : from.continued() ? from.incoming->parent.trace : new_trace_id();
  root.id = new_span_id();
  root.epoch = t.epoch;
  root.flags = span_ref::valid | ref_root;
  root.sample_rand_micros = forced_parent ? forced_parent->sample_rand_micros
                            : from.continued() ? from.incoming->sample_rand_micros
                                               : new_sample_rand();
  const sampling_decision d = decide_root(o, from, root);
  transaction_block* b = nullptr;
  if (d.sampled) {
    b = claim_free_block(root.block);
    if (!b) {
      root.flags |= ref_overflow;
      log_line(log_level::debug, "transaction not recorded: SENTRY_TRACE_MAX_TRANSACTIONS are in flight");
    }
  }
  if (b) {
    root.flags |= span_ref::recording;
    root.generation = b->generation();
    open_transaction(*b, o, from, root, d);
  } else {
    count_unrecorded_root(root);
  }
  // A non-recording root is made active too (even as an inactive span it must not count as
  // recorded), so that its children know they belong to an unsampled trace.
  const active_mark at = make_active ? push_active([&](span_ref& active) { active = root; }) : active_mark{};
  return span(root, at);
}

/// True while the transaction `ref` belongs to takes children: its root has not ended.
inline bool transaction_open(const span_ref& ref) noexcept {
  const block_pin b(ref);
  return b && !control::is_closing(b->control_word.load(order_acquire));
}

/// Starts a span under its explicit parent, this thread's active span, or as a transaction.
inline span start_span_slow(const span_options& o, bool make_active) noexcept {
  tracer& t = g_tracer;
  const span_ref* parent = &o.parent;
  stack_entry* entry = nullptr;
  if (!parent->is_valid()) {
    entry = current_entry();
    if (!entry) return start_root(o, nullptr, make_active);
    parent = &entry->ref;
  } else if (parent->epoch != t.epoch) {
    return start_dropped_child(*parent, make_active, "span dropped: its explicit parent is from before the last init()");
  }
  if (parent->flags & ref_dropped) return start_dropped_child(*parent, make_active, "span dropped: its parent was dropped");
  if (o.force_transaction) return start_root(o, parent, make_active);
  if (parent->is_recording()) return start_recording_child(o, *parent, make_active);
  if ((parent->links & ref_in_block) && !transaction_open(*parent))  // over max_spans, and its root has ended since
    return start_dropped_child(*parent, make_active, "span dropped: its parent's transaction has already ended");
  if (entry) ++entry->unrecorded_children;
  else count_unrecorded_spans(parent->flags, 1);
  return start_unrecorded_child(*parent, static_cast<std::uint8_t>(parent->flags & ~ref_root), make_active);
}

/// The span path's front: when this thread's active span belongs to an unsampled trace, a
/// child is a counter increment and a copy of the parent's ids (no clock, no slot).
/// Under SENTRY_TRACE_SAMPLING_NEVER it returns an empty handle at once, so the span path folds away.
inline span start_span_impl(const span_options& o, bool make_active) noexcept {
  if constexpr (sampling_policy == sampling_policy_kind::never) return span{};
  const tracer& t = g_tracer;
  if (!t.enabled) return span{};
  if (!o.parent.is_valid() && !o.force_transaction) {
    thread_scope* s = tl_scope;
    if (s && s->depth > 0) {
      stack_entry& e = s->entries[s->depth - 1];
      if ((e.ref.flags & (span_ref::recording | ref_dropped)) == 0 && e.ref.links == 0 && e.ref.epoch == t.epoch &&
          e.token.load(order_relaxed) != 0) {
        ++e.unrecorded_children;
        return start_unrecorded_child(e.ref, static_cast<std::uint8_t>(e.ref.flags & ~ref_root), make_active);
      }
    }
  }
  return start_span_slow(o, make_active);
}

/// Measurement names are cut at this many bytes.
constexpr std::size_t max_measurement_name = 200;

/// Sets a measurement on the transaction of this thread's active span. The block is claimed
/// while it is written, so a transaction ended (and its block reused) meanwhile on another
/// thread is never written.
inline void set_measurement_impl(std::string_view name, double value, std::string_view unit) noexcept {
  stack_entry* e = current_entry();
  block_pin b = e ? block_pin(e->ref) : block_pin();
  if (!b || control::is_closing(b->control_word.load(order_acquire)) || !(value == value) || value - value != 0.0) {
    // No transaction, one whose root has ended, NaN, or infinite.
    g_outcomes.measurements_dropped.fetch_add(1, order_relaxed);
    log_line(log_level::debug, "measurement dropped: no active sampled transaction, or a non-finite value: ", name);
    return;
  }
  // Relay: a custom unit is ASCII of at most 15 bytes; anything else falls back to "none".
  bool unit_ok = unit.size() <= 15;
  for (char c : unit) unit_ok = unit_ok && static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
  if (!unit_ok) {
    log_line(log_level::debug, "measurement unit is not ASCII of at most 15 bytes; written as \"none\": ", name);
    unit = "none";
  }
  std::uint32_t used = b->measurements_used.load(order_acquire);
  for (std::uint32_t i = 0; i < used && i < SENTRY_TRACE_MAX_MEASUREMENTS; ++i) {
    measurement_record& m = b->measurements[i];
    if (m.ready.load(order_acquire) == 1 && b->key_equals(m.name, name, max_measurement_name)) {
      m.set(value, b->copy(unit, 15));
      return;
    }
  }
  // The name is kept as it is written (cut, invalid UTF-8 replaced) so that two names written
  // alike are one measurement; one the arena cannot hold whole is dropped.
  arena_str stored;
  if (!b->copy_key(name, max_measurement_name, stored)) {
    g_outcomes.measurements_dropped.fetch_add(1, order_relaxed);
    log_line(log_level::debug, "measurement dropped: the string arena is full: ", name);
    return;
  }
  std::uint32_t index = b->measurements_used.fetch_add(1, order_acq_rel);
  if (index >= SENTRY_TRACE_MAX_MEASUREMENTS) {
    g_outcomes.measurements_dropped.fetch_add(1, order_relaxed);
    log_line(log_level::debug, "measurement dropped: SENTRY_TRACE_MAX_MEASUREMENTS reached: ", name);
    return;
  }
  measurement_record& m = b->measurements[index];
  m.name = stored;
  m.set(value, b->copy(unit, 15));
  m.ready.store(1, order_release);
}

/// Copies `text` into a fixed buffer with a NUL; false when it does not fit.
template <std::size_t N> bool copy_option(char (&dst)[N], std::string_view text) noexcept {
  if (text.size() >= N) return false;
  if (!text.empty()) std::memcpy(dst, text.data(), text.size());  // an empty view may hold nullptr
  dst[text.size()] = '\0';
  return true;
}

inline bool env_true(std::string_view v) noexcept {
  return v == "1" || v == "true" || v == "TRUE" || v == "True" || v == "yes" || v == "on" || v == "y" || v == "t";
}

/// An environment variable's value without the ASCII white space around it: values written by
/// shells, `.env` files and container specs often carry a trailing newline or spaces.
constexpr std::string_view env_trim(std::string_view v) noexcept {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; };
  while (!v.empty() && space(v.front())) v.remove_prefix(1);
  while (!v.empty() && space(v.back())) v.remove_suffix(1);
  return v;
}

/// Logs that init() ignores the environment variable `name` (its value shown, cut at 96 bytes)
/// because of `why`; init() then goes on as if the variable were not set. Options set in code
/// are checked strictly instead: a mistake there is the program's, and fails init().
inline void env_ignored(const char* name, std::string_view value, const char* why) noexcept {
  // No snprintf: this part also builds freestanding.
  char head[96];
  char tail[160];
  auto join = [](char* out, std::size_t cap, std::string_view a, std::string_view b, std::string_view c) {
    std::size_t n = 0;
    const std::string_view parts[3] = {a, b, c};
    for (std::string_view part : parts)
      for (char ch : part)
        if (n + 1 < cap) out[n++] = ch;
    out[n] = '\0';
  };
  const bool cut = value.size() > 96;
  join(head, sizeof(head), "init: ignoring ", name, "=\"");
  join(tail, sizeof(tail), cut ? "...\": " : "\": ", why, "");
  log_line(log_level::warning, head, cut ? value.substr(0, 96) : value, tail);
}

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
// a worker of its own. A user transport or lock hook is used by the child as it is: make it
// fork-aware if it holds threads, locks or connections. fork()+exec() pays only this handler.

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

} // namespace detail

inline bool flush(std::uint32_t timeout_ms) noexcept {
  detail::tracer& t = detail::g_tracer;
  if (!t.enabled) return true;
  {
    detail::envelope_lock guard(t.lock);
    detail::send_client_report_locked();
  }
#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
  const std::uint64_t started = detail::steady_now_ms();
  auto spotlight_flushed = [&](bool ok) {
    if (!detail::g_builtin.spotlight) return ok;
    std::uint64_t spent = detail::steady_now_ms() - started;
    return detail::g_builtin.spotlight->flush(spent < timeout_ms ? static_cast<std::uint32_t>(timeout_ms - spent) : 0) && ok;
  };
#else
  auto spotlight_flushed = [](bool ok) { return ok; };
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

inline bool shutdown(std::uint32_t timeout_ms) noexcept {
  detail::tracer& t = detail::g_tracer;
  if (!t.enabled) return true;
  detail::g_report_due_ns.store(0, detail::order_relaxed);  // no periodic report from here on
  detail::abandon_in_flight();
#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
  const std::uint64_t started = detail::steady_now_ms();
  bool delivered = flush(timeout_ms);
  const std::uint64_t spent = detail::steady_now_ms() - started;
  delivered = detail::stop_builtin(spent < timeout_ms ? static_cast<std::uint32_t>(timeout_ms - spent) : 0) && delivered;
#else
  bool delivered = flush(timeout_ms);
#endif
  t.enabled = false;
  ++t.epoch;  // every handle and active-stack entry of this run is now stale
  t.sampler.reset();
  return delivered;
}

inline bool is_enabled() noexcept { return detail::g_tracer.enabled; }

inline stats get_stats() noexcept { return detail::g_outcomes.snapshot(); }

inline bool init(const options& opts) noexcept {
  using detail::log_line;
  detail::tracer& t = detail::g_tracer;
  if (t.enabled) shutdown(0);
  detail::stop_builtin(0);  // left over from an init() that failed late
  // Hooks first, so that errors below reach the user's log.
  t.debug = opts.debug;
  t.log = opts.log;
#if SENTRY_TRACE_HOSTED
  if (!t.log.write) t.log.write = detail::hosted_log;
  auto env = [](const char* name) -> std::string_view {
    const char* v = detail::hosted_getenv(name);
    return v ? detail::env_trim(v) : std::string_view();
  };
#else
  auto env = [](const char*) -> std::string_view { return {}; };
#endif
  if (!opts.debug && detail::env_true(env("SENTRY_DEBUG"))) t.debug = true;
  auto fail = [&](const char* what, std::string_view detail_text = {}) {
    log_line(log_level::error, what, detail_text);
    detail::stop_builtin(0);
    t.enabled = false;
    return false;
  };

  t.clock = opts.clock;
  t.wall_clock = opts.wall_clock;
  t.lock = opts.lock;
  entropy_hook entropy = opts.entropy;
#if SENTRY_TRACE_HOSTED
  if (!t.clock.now_ns) t.clock.now_ns = detail::hosted_now_ns;
  if (!t.wall_clock.now_epoch_us) t.wall_clock.now_epoch_us = detail::hosted_epoch_us;
  if (!entropy.fill) entropy.fill = detail::hosted_entropy;
#  if SENTRY_TRACE_THREADS
  if (!t.lock.lock && !t.lock.unlock) {
    t.lock.lock = detail::hosted_lock;
    t.lock.unlock = detail::hosted_unlock;
  }
#  endif
#endif
  if (!t.clock.now_ns) return fail("init: options.clock is required on a freestanding build");
  if (!entropy.fill) return fail("init: options.entropy is required on a freestanding build");
  if (!t.lock.lock != !t.lock.unlock) return fail("init: options.lock needs both lock and unlock, or neither");

  // The environment's values: each one init() cannot use is ignored with a warning naming it.
  std::string_view env_dsn = opts.dsn.empty() ? env("SENTRY_DSN") : std::string_view();
  if (env_dsn.size() >= sizeof(t.dsn_text)) {
    detail::env_ignored("SENTRY_DSN", env_dsn, "longer than 511 bytes");
    env_dsn = {};
  } else if (!env_dsn.empty()) {
    dsn_error e = dsn::parse(env_dsn, t.parsed_dsn);
    if (e != dsn_error::none) {
      detail::env_ignored("SENTRY_DSN", env_dsn, to_string(e));
      env_dsn = {};
    }
  }
  std::string_view env_release = opts.release.empty() ? env("SENTRY_RELEASE") : std::string_view();
  if (env_release.size() >= sizeof(t.release)) {
    detail::env_ignored("SENTRY_RELEASE", env_release, "longer than 200 bytes");
    env_release = {};
  }
  std::string_view env_environment = opts.environment.empty() ? env("SENTRY_ENVIRONMENT") : std::string_view();
  if (env_environment.size() >= sizeof(t.environment)) {
    detail::env_ignored("SENTRY_ENVIRONMENT", env_environment, "longer than 64 bytes");
    env_environment = {};
  }

  std::string_view dsn_text = !opts.dsn.empty() ? opts.dsn : env_dsn;
  t.has_dsn = false;
  t.dsn_text[0] = '\0';
  if (!dsn_text.empty()) {
    if (!detail::copy_option(t.dsn_text, dsn_text)) return fail("init: the DSN is longer than 511 bytes");
    dsn_error e = dsn::parse(std::string_view(t.dsn_text, dsn_text.size()), t.parsed_dsn);
    if (e != dsn_error::none) return fail("init: malformed DSN: ", to_string(e));
    t.has_dsn = true;
  }
  std::string_view release = !opts.release.empty() ? opts.release : env_release;
  if (!detail::copy_option(t.release, release)) return fail("init: release is longer than 200 bytes");
  std::string_view environment = !opts.environment.empty() ? opts.environment : env_environment;
  if (environment.empty()) environment = "production";
  if (!detail::copy_option(t.environment, environment)) return fail("init: environment is longer than 64 bytes");
  if (!detail::copy_option(t.server_name, opts.server_name)) return fail("init: server_name is longer than 255 bytes");
  std::string_view org = !opts.org_id.empty() ? opts.org_id : (t.has_dsn ? t.parsed_dsn.org_id : std::string_view());
  if (!org.empty() && (!detail::all_digits(org) || org.size() > 20)) return fail("init: org_id must be digits: ", org);
  detail::copy_option(t.org_id, org);

  double rate = opts.traces_sample_rate;
  if (rate == options::unset) {
    std::string_view text = env("SENTRY_TRACES_SAMPLE_RATE");
    if (!text.empty() && (!detail::parse_decimal(text, rate) || !detail::valid_rate(rate))) {
      detail::env_ignored("SENTRY_TRACES_SAMPLE_RATE", text, "not a number from 0 to 1");
      text = {};
    }
    if (text.empty()) rate = options::unset;
  }
  if (rate != options::unset && !detail::valid_rate(rate))
    return fail("init: traces_sample_rate must be a number from 0 to 1");
  t.traces_sample_rate = rate;
  t.sampler = opts.traces_sampler;
  if (opts.max_spans > SENTRY_TRACE_MAX_SPANS)
    log_line(log_level::warning, "init: max_spans is capped at SENTRY_TRACE_MAX_SPANS");
  t.max_spans = static_cast<std::uint16_t>(opts.max_spans < SENTRY_TRACE_MAX_SPANS ? opts.max_spans : SENTRY_TRACE_MAX_SPANS);
  t.stream = opts.trace_lifecycle == ::sentry_trace::trace_lifecycle::stream;
  if (opts.trace_lifecycle == ::sentry_trace::trace_lifecycle::static_) {
    const std::string_view lifecycle = env("SENTRY_TRACE_LIFECYCLE");
    if (lifecycle == "stream") t.stream = true;
    else if (!lifecycle.empty() && lifecycle != "static")
      detail::env_ignored("SENTRY_TRACE_LIFECYCLE", lifecycle, "neither \"static\" nor \"stream\"");
  }
  if (!SENTRY_TRACE_STREAMING && t.stream) {
    log_line(log_level::warning, "init: span streaming is compiled out (SENTRY_TRACE_STREAMING=0); sending transactions");
    t.stream = false;
  }
  t.send_client_reports = opts.send_client_reports;
  t.propagate_traceparent = opts.propagate_traceparent;
  t.targets_set = opts.trace_propagation_targets != nullptr;
  t.target_count = 0;
  if (t.targets_set) {
    if (opts.trace_propagation_target_count > 16) return fail("init: at most 16 trace_propagation_targets");
    std::size_t used = 0;
    for (std::size_t i = 0; i < opts.trace_propagation_target_count; ++i) {
      std::string_view target = opts.trace_propagation_targets[i];
      if (target.size() > sizeof(t.target_text) - used) return fail("init: trace_propagation_targets exceed 1024 bytes");
      if (!target.empty()) std::memcpy(t.target_text + used, target.data(), target.size());
      t.targets[t.target_count++] = std::string_view(t.target_text + used, target.size());
      used += target.size();
    }
  }

  t.mem = opts.storage;
#if SENTRY_TRACE_HOSTED
  if (!t.mem) {
    static ::sentry_trace::storage default_storage;
    t.mem = &default_storage;
  }
#endif
  if (!t.mem) return fail("init: options.storage is required on a freestanding build");
  t.sink = opts.transport;
#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
  detail::start_builtin(opts, env("SENTRY_SPOTLIGHT"));
#endif
  if (!t.sink) log_line(log_level::warning, "init: no transport: finished transactions are discarded");

  detail::watch_fork();
  unsigned char key[32] = {};
  if (!entropy.fill(key, sizeof(key), entropy.user)) return fail("init: the entropy hook failed");
  detail::rng_set_key(key);
  t.anchor.mono_ns = t.now_ns();
  t.anchor.epoch_us = t.epoch_us();
  for (detail::transaction_block& b : t.mem->blocks) b.release();
  detail::g_outcomes.reset();
  ++t.epoch;
  t.enabled = true;
  detail::g_report_due_ns.store(t.now_ns() + detail::client_report_interval_ns, detail::order_release);
  log_line(log_level::debug, "init: tracing on, environment ", t.environment);
  return true;
}

// ---- span handle members (declared in span.hpp) ---------------------------------------------

/// The setters share one path: a cheap check, the record's validity, then the block's store.
inline void span::set_attribute_value_(std::string_view key, const attribute_value& value) noexcept {
  if (!is_recording()) return;  // unsampled, dropped or ended: the common cheap case
  detail::transaction_block* b;
  if (detail::record_of(ref_, b)) b->set_attribute(ref_.slot, key, value);
}
inline void span::set_attribute(std::string_view key, std::string_view value) noexcept { set_attribute_value_(key, value); }
inline void span::set_attribute(std::string_view key, double value) noexcept { set_attribute_value_(key, value); }
inline void span::set_attribute(std::string_view key, bool value) noexcept { set_attribute_value_(key, value); }
inline void span::set_attribute(std::string_view key, std::int64_t value) noexcept { set_attribute_value_(key, value); }
inline void span::set_status(span_status status) noexcept {
  if (!is_recording()) return;  // unsampled, dropped or ended: the common cheap case
  detail::transaction_block* b;
  if (detail::span_record* r = detail::record_of(ref_, b)) r->status = status;
}
inline void span::set_http_status(int code) noexcept {
  set_status(from_http_status(code));
  set_attribute("http.response.status_code", static_cast<std::int64_t>(code));
}
inline void span::set_name(std::string_view name) noexcept {
  if (!is_recording()) return;  // unsampled, dropped or ended: the common cheap case
  detail::transaction_block* b;
  if (detail::span_record* r = detail::record_of(ref_, b)) r->name = b->copy(name);
}
inline void span::set_name(std::string_view name, transaction_source source) noexcept {
  if (!is_recording()) return;  // unsampled, dropped or ended: the common cheap case
  detail::transaction_block* b;
  if (detail::span_record* r = detail::record_of(ref_, b)) {
    r->name = b->copy(name);
    if (ref_.slot == 0) b->source = source;
  }
}
inline void span::set_op(std::string_view op) noexcept {
  if (!is_recording()) return;  // unsampled, dropped or ended: the common cheap case
  detail::transaction_block* b;
  if (detail::span_record* r = detail::record_of(ref_, b)) r->op = b->copy(op);
}
inline void span::set_origin(std::string_view origin) noexcept {
  if (!is_recording()) return;  // unsampled, dropped or ended: the common cheap case
  detail::transaction_block* b;
  if (detail::span_record* r = detail::record_of(ref_, b)) r->origin = b->copy(origin);
}

inline void span::end() noexcept {
  if constexpr (never_recording) return;
  if ((ref_.flags & (span_ref::recording | detail::ref_root)) == 0) {  // empty, unrecorded or dropped child
    detail::pop_active(active_);
    ref_.flags = 0;
    active_ = detail::active_mark{};
    return;
  }
  end_recorded_();
}

inline void span::end_recorded_() noexcept {
  detail::tracer& t = detail::g_tracer;
  detail::pop_active(active_);  // safe from any thread, also for a stale handle
  if (!t.enabled || ref_.epoch != t.epoch) {
    release_();
    return;
  }
  detail::transaction_block* b = nullptr;  // GCC 12 -O2 -Wdangling-pointer false positive otherwise
  if (detail::span_record* r = detail::record_of(ref_, b)) {
    r->end_ns = t.now_ns();
    r->state.store(detail::slot_ended, detail::order_release);
    if (ref_.slot == 0 && !b->is_continuation) {
      if (SENTRY_TRACE_STREAMING && b->stream) {
        // Streaming: the segment is sent with whatever spans are done when its last span ends.
        b->begin_closing();
        detail::retire_continuation(*b);
        detail::close_span_of(*b);
      } else {
        detail::finish_transaction(*b);
      }
    } else {
      detail::close_span_of(*b);
    }
  }
  release_();
}

inline void span::abandon_() noexcept {
  detail::pop_active(active_);
  if ((ref_.flags & (span_ref::recording | detail::ref_root)) == 0) {  // empty, unrecorded or dropped child
    release_();
    return;
  }
  detail::tracer& t = detail::g_tracer;
  if (t.enabled && ref_.epoch == t.epoch) {
    detail::transaction_block* b;
    if (detail::record_of(ref_, b)) {
      // Never ended: not sent. A child is counted as `invalid` when its transaction is written;
      // an abandoned root takes its whole transaction with it.
      if (ref_.slot == 0 && !b->is_continuation) {
        std::uint32_t handed_out = b->begin_closing();
        if (SENTRY_TRACE_STREAMING && b->stream) {
          detail::retire_continuation(*b);  // ended spans still go; the root is counted invalid
        } else {
          detail::g_outcomes.record_transaction(discard_reason::invalid, handed_out);
        }
        detail::log_line(log_level::debug, "a transaction's root span was destroyed without end(); dropped");
      }
      detail::close_span_of(*b);
    }
  }
  release_();
}

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_TRACER_HPP
