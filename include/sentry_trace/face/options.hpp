// sentry_trace/face/options.hpp -- what init() takes, and init/flush/shutdown
//
// WHAT IT DOES  Declares `options` (every member with its default), the delivery and lifecycle
//               enums, and the functions that start and stop tracing. They are defined once, in
//               runtime/lifecycle.hpp (the implementation TU).
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
//               serialize_on_worker  false                       - (envelopes written and sent on
//                                    a library thread; poll() where there are no threads)
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
//               before_send          none                        beforeSend: edit or drop an event
//               before_send_transaction none                     beforeSendTransaction: rename, tag
//                                                                or drop a transaction
//               ignore_transactions  none                        ignoreTransactions (substrings)
// TRANSPORT     With a DSN and no options.transport, hosted POSIX builds send over HTTP
//               (transport_http.hpp) to {scheme}://{host}:{port}{path}/api/{project}/envelope/
//               with X-Sentry-Auth, from a transport held in static storage inside the library;
//               shutdown() flushes and stops it. With Spotlight on, every envelope is also
//               queued for the sidecar by a second one (no auth, one attempt, losses not
//               counted), which never holds up the first. In worker mode a root's end() hands
//               its block to a library thread that writes the envelope (delivery/handoff.hpp);
//               in poll mode poll() writes it. A queued block stays in use until it is written
//               (it counts against SENTRY_TRACE_MAX_TRANSACTIONS): with fewer than two blocks
//               free, end() writes the envelope itself rather than let new roots be dropped.
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
// ERRORS        init() returns false and logs the reason for a malformed DSN option, a rate
//               option outside [0, 1], an over-long string option, or a freestanding build
//               without clock or entropy (the environment's values never fail it, see above);
//               tracing then stays off and every call is a valid no-op.


#ifndef SENTRY_TRACE_FACE_OPTIONS_HPP
#define SENTRY_TRACE_FACE_OPTIONS_HPP

#include "../config.hpp"
#include "event_options.hpp"
#include "hooks.hpp"
#include "outcome_kinds.hpp"
#include "sampler.hpp"
#include "transport.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

/// The pools a tracer records into (core/pool.hpp); options.storage may point at one.
struct storage;


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

/// When continuous profiling (options.profile_session_sample_rate) runs: the names and
/// meanings of the SDKs' profileLifecycle / profile_lifecycle.
enum class profile_lifecycle : std::uint8_t {
  manual,  ///< from start_profiler() to stop_profiler()
  trace    ///< while any sampled root span is running
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
  /// With `transport`: a thread of the library writes each transaction's envelope and calls
  /// transport->send() from there, so a root's end() only queues its block (SENTRY_TRACE_THREADS=0:
  /// poll() writes them). Off by default, because send() then runs on another thread than
  /// the one that ended the root. The built-in transport always works this way in worker mode.
  bool serialize_on_worker = false;
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
  /// Whether integrations (include/sentry_trace/integrations/) may record data that can identify
  /// a person: URL query strings and fragments, request and response headers (their secrets still
  /// `[Filtered]`). Default false, as the SDKs' sendDefaultPii / send_default_pii. User-info in a
  /// URL, bound SQL values and Redis values are never recorded, whatever this says.
  bool send_default_pii = false;
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
  /// Sees every error and message event before it is written; may edit it or drop it (false:
  /// counted as before_send / error). See face/event_options.hpp for what can be edited.
  before_send_hook before_send{};
  /// Sees every transaction before it is written; may rename it, add tags, or drop it (false:
  /// counted as before_send for the transaction and each of its spans). Neither this nor
  /// ignore_transactions applies to streamed spans (trace_lifecycle::stream), as @sentry/core
  /// ignores both there.
  before_send_transaction_hook before_send_transaction{};
  /// Transactions whose name contains one of these (case-sensitive substring, as @sentry/core's
  /// stringMatchesSomePattern with string patterns; there are no regular expressions) are not
  /// sent: counted as event_processor for the transaction and its spans, as @sentry/core's
  /// eventFilters integration drops them. Checked before before_send_transaction, against the
  /// name the root ended with. An empty pattern matches every name. Copied by init(): at most 8
  /// patterns and 256 bytes in all (a microcontroller's RAM; the usual list is a few health
  /// checks).
  const std::string_view* ignore_transactions = nullptr;
  std::size_t ignore_transaction_count = 0;

  // Profiling (Linux on x86-64 and AArch64; elsewhere these do nothing, and debug mode says so).
  // Two models, as Sentry's SDKs have them; when both are set, the first wins and a warning says so.
  /// Transaction profiling: each sampled root is profiled with this probability (0 to 1) and
  /// its envelope carries a `profile` item (sample format v1, at most 30 s). unset: off.
  double profiles_sample_rate = unset;
  /// Transaction profiling: decides per sampled root instead of profiles_sample_rate (as
  /// sentry_sdk's profiles_sampler), with the root's sampling context.
  traces_sampler_fn profiles_sampler{};
  /// Continuous profiling: this process's profiler session runs with this probability (drawn
  /// once, at init()) and sends `profile_chunk` items (format v2, at most 60 s each). unset: off.
  double profile_session_sample_rate = unset;
  ::sentry_trace::profile_lifecycle profile_lifecycle = ::sentry_trace::profile_lifecycle::manual;
  /// Samples per second of each registered thread (the thread that calls init() and those that
  /// call register_profiled_thread()). 101 by default, as the SDKs: off the beat of 100 Hz timers.
  std::uint32_t profiler_frequency_hz = 101;
  /// capture_message() events carry the calling thread's stack trace too (capture_exception()'s
  /// always do, where profiling_supported), as the SDKs' attachStacktrace / attach_stacktrace.
  bool attach_stacktrace = false;
  /// Images whose frames are in_app besides the main executable: a frame's module path that
  /// contains one of these (e.g. "libgame"). Read during init() only.
  const std::string_view* in_app_include = nullptr;
  std::size_t in_app_include_count = 0;
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
/// options.send_default_pii of the running init() (as sentry_sdk's should_send_default_pii());
/// false before init() and after shutdown().
bool should_send_default_pii() noexcept;
/// Continuous profiling with profile_lifecycle::manual: starts / stops the profiler session
/// (no-ops in the other modes, when the session was not sampled, or where profiling is not
/// supported; debug mode logs why). stop_profiler() sends the chunk in progress.
void start_profiler() noexcept;
void stop_profiler() noexcept;
/// Adds the calling thread to those the profiler samples, under `name` (thread_metadata; cut at
/// 63 bytes). The thread that calls init() is registered by it. False when all 31 places are
/// taken or profiling is not supported. A thread that exits is removed by itself.
bool register_profiled_thread(std::string_view name) noexcept;
/// Removes the calling thread from those the profiler samples.
void unregister_profiled_thread() noexcept;
/// Counters of what was cut or dropped since init().
stats get_stats() noexcept;

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_FACE_OPTIONS_HPP
