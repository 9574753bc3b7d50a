// sentry_trace/disabled.hpp -- the whole public surface as empty inlines (SENTRY_TRACE_ENABLED=0)
//
// WHAT IT DOES  With SENTRY_TRACE_ENABLED=0, <sentry_trace.hpp> includes this part instead of
//               every other one (config.hpp, macros.hpp and the shared vocabulary parts below
//               excepted). It declares each name a user
//               can write -- functions, options, span, scoped_span, transports, hooks, views,
//               enums -- with the signatures of the enabled build, as empty `inline noexcept`
//               bodies that return neutral values ("nothing happened"). Code written against
//               the library keeps compiling unchanged, and what is left of it after inlining is
//               exactly the program without tracing: tests/compile_out/ compares the machine
//               code and fails on any difference or on any sentry_trace symbol left behind.
//                 init(opts)                 true: "tracing is compiled out" is not an error,
//                                            and code that asserts on init() keeps working
//                 flush(), shutdown(), poll() true: nothing is pending
//                 is_enabled()               false: nothing is recorded
//                 start_span(opts, fn)       runs fn(span&) with an empty span, returns its result
//                 continue_trace(..., fn), extract(carrier, fn)
//                                            run fn() and return its result; the headers are not
//                                            parsed and carrier.get() is not called
//                 start_span_manual/inactive an empty span; scoped_span and span are empty types
//                 span's setters, end()      do nothing; is_active()/is_recording() false,
//                                            trace()/id() zero
//                 active_span()              an empty span_ref
//                 get_active_span()          an empty borrowed_span: its setters do nothing
//                 with_active_span(r, fn), start_new_trace(fn)
//                                            run fn() and return its result
//                 now()                      span_time{} (0, "not given"); span_time's helpers work
//                 suppress_tracing(fn)       runs fn() and returns its result
//                 get_trace_headers(), get_trace_headers(span_ref)
//                                            every view empty ("send no such header")
//                 every string_view returned ""  empty but never null: printf("%.*s", n, v.data())
//                                            of a null pointer is undefined (g++ -O2 fails it with
//                                            -Werror=format-overflow), and code written against the
//                                            enabled build may print what it gets
//                 inject(carrier, url)       false, carrier.set() not called
//                 capture_exception/message  false: nothing was sent
//                 get_stats()                all zero
//                 storage, storage_bytes()   an empty type, 0 bytes: the pools are gone
//                 frame_tracker              an empty type: counts nothing, every counter 0
//                 transports                 still declared (a user's class deriving from
//                                            transport compiles); send()/flush() never called
//               Pure value helpers keep their meaning, because programs use their results:
//               to_string(...), from_http_status(), parse_span_status(), attribute_value,
//               sampling_context::find(), envelope_view's accessors, and the DSN parser
//               (protocol/dsn.hpp: dsn::parse, dsn_error, to_string(dsn_error)), included as it is
//               because a stub that parsed nothing would change what a program computes. The
//               vocabulary that needs
//               nothing else (hooks.hpp, status.hpp, attributes.hpp, outcome_kinds.hpp,
//               sampling_context.hpp, event_options.hpp) is not repeated: this part includes those parts, which
//               the enabled build includes too, so it is written once and cannot drift.
//               SENTRY_TRACE_SCOPE / SENTRY_TRACE_FUNCTION (macros.hpp) become static_cast<void>(0).
// ARGUMENTS     Unlike the macros, these are functions: what a call site writes as an argument is
//               still evaluated. Side-effect-free arguments vanish with the call, but the compiler
//               may keep a loop (a header search) or a virtual call (e.what()). Prefer the forms
//               that hand over the object: extract(carrier, fn) rather than
//               continue_trace(req.get("sentry-trace"), ...), capture_exception(e) rather than
//               capture_exception(type, e.what()). tests/compile_out/app.cpp is written that way.
// DOES NOT      declare the utility parts that are not the tracing surface: the JSON writer and
//               sinks (json.hpp), the propagation parsers (propagation.hpp: trace_parent, baggage,
//               parse_sentry_trace). They are left out, not stubbed, because a stub that parsed
//               nothing would silently change what a program using them computes.
//               http_transport is a transport like the others: declared, delivering nothing.
// THREADS       nothing to guard: no state.
// CONFIG        reads SENTRY_TRACE_ENABLED (this file is empty unless it is 0), SENTRY_TRACE_HOSTED
//               (file_transport, console_transport) and SENTRY_TRACE_EXCEPTIONS
//               (capture_exception(const std::exception&)). The names live in the inline
//               namespace config.hpp builds, which encodes ENABLED=0, so they never clash with
//               the enabled build's: a TU with tracing compiled out holds no state and emits no
//               layout guard (config.hpp), and links beside enabled TUs, whose calls it leaves alone.
// KEEP IN STEP  Every public declaration added to another part needs its twin here, except in
//               the shared parts (hooks, status, attributes, outcome_kinds, sampling_context,
//               event_options),
//               which both modes include. tests/compile_out/check_twin.py reads the public names
//               of the real face and of the implementation's user-facing types and fails when one
//               is missing here or unused by tests/compile_out/surface.cpp, which builds one
//               API-coverage file in both modes.

#ifndef SENTRY_TRACE_DISABLED_HPP
#define SENTRY_TRACE_DISABLED_HPP

#include "../config.hpp"

#if !SENTRY_TRACE_ENABLED

// The value vocabulary is not repeated here: these parts are the same in both modes.
#include "attributes.hpp"
#include "event_options.hpp"
#include "hooks.hpp"
#include "outcome_kinds.hpp"
#include "sampling_context.hpp"
#include "span_time.hpp"
#include "status.hpp"
// The DSN parser is pure: the same code in both modes (see the header comment).
#include "../protocol/dsn.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>
#if SENTRY_TRACE_EXCEPTIONS
#  include <exception>
#endif
#if SENTRY_TRACE_HOSTED
#  include <cstdio>
#endif

SENTRY_TRACE_DETAIL_BEGIN

// ---- ids.hpp ---------------------------------------------------------------------------------

/// Trace id; always zero here.
struct trace_id {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  constexpr bool is_zero() const noexcept { return hi == 0 && lo == 0; }
  /// Writes 32 '0' characters (the id is zero), so a caller never prints uninitialized bytes.
  void to_hex(char* out32) const noexcept {
    for (int i = 0; i < 32; ++i) out32[i] = '0';
  }
  /// Parses nothing: false, `out` untouched.
  static bool parse(std::string_view, trace_id&) noexcept { return false; }
  friend constexpr bool operator==(const trace_id& a, const trace_id& b) noexcept { return a.hi == b.hi && a.lo == b.lo; }
  friend constexpr bool operator!=(const trace_id& a, const trace_id& b) noexcept { return !(a == b); }
};
/// Span id; always zero here.
struct span_id {
  std::uint64_t value = 0;
  constexpr bool is_zero() const noexcept { return value == 0; }
  void to_hex(char* out16) const noexcept {
    for (int i = 0; i < 16; ++i) out16[i] = '0';
  }
  static bool parse(std::string_view, span_id&) noexcept { return false; }
  friend constexpr bool operator==(const span_id& a, const span_id& b) noexcept { return a.value == b.value; }
  friend constexpr bool operator!=(const span_id& a, const span_id& b) noexcept { return a.value != b.value; }
};
/// Event id; always zero here.
struct event_id {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  void to_hex(char* out32) const noexcept {
    for (int i = 0; i < 32; ++i) out32[i] = '0';
  }
};

// ---- span.hpp --------------------------------------------------------------------------------

class span;

/// A reference to no span: every flag is clear.
struct span_ref {
  trace_id trace{};
  span_id id{};
  std::uint32_t generation = 0;
  std::uint16_t block = 0;
  std::uint16_t slot = 0;
  std::uint16_t epoch = 0;
  std::uint8_t flags = 0;
  std::uint8_t links = 0;
  std::uint16_t segment_block = 0;
  std::uint32_t sample_rand_micros = 0;
  std::uint32_t sample_rate_ppm = 0;
  std::uint32_t segment_generation = 0;

  static constexpr std::uint8_t valid = 1;
  static constexpr std::uint8_t recording = 2;
  static constexpr std::uint8_t sampled = 4;
  static constexpr std::uint8_t deferred = 8;
  static constexpr std::uint8_t root = 16;
  static constexpr std::uint8_t overflow = 32;

  constexpr span_ref() noexcept = default;
  constexpr span_ref(const span&) noexcept {}  // NOLINT(google-explicit-constructor): as enabled

  constexpr bool is_valid() const noexcept { return false; }
  constexpr bool is_recording() const noexcept { return false; }
  constexpr bool is_sampled() const noexcept { return false; }
};

/// The same aggregate as the enabled build, so `{"name", "op", parent}` still compiles.
struct span_options {
  std::string_view name;
  std::string_view op;
  span_ref parent{};
  std::string_view origin{};
  transaction_source source = transaction_source::custom;
  bool force_transaction = false;
  span_attributes attributes{};
  std::size_t attribute_count = 0;
  span_time start_time{};
  constexpr span_attributes start_attributes() const noexcept {
    return attribute_count != 0 ? span_attributes(attributes.data(), attribute_count) : attributes;
  }
};

/// An empty, move-only handle: every setter does nothing, every query says "no span".
class span {
 public:
  constexpr span() noexcept = default;
  span(span&&) noexcept = default;
  span& operator=(span&&) noexcept = default;
  span(const span&) = delete;
  span& operator=(const span&) = delete;
  // User-provided, as the enabled build's: a type with a non-trivial destructor is a guard to
  // compilers, so `auto s = start_span_manual(a); s = start_span_manual(b);` with nothing else
  // done to `s` raises no -Wunused-but-set-variable, in either mode. It inlines to nothing.
  ~span() {}

  void set_attribute(std::string_view, std::string_view) noexcept {}
  void set_attribute(std::string_view, const char*) noexcept {}
  void set_attribute(std::string_view, double) noexcept {}
  void set_attribute(std::string_view, bool) noexcept {}
  void set_attribute(std::string_view, std::int64_t) noexcept {}
  template <class S, std::enable_if_t<detail::is_attribute_string_v<S>, int> = 0>
  void set_attribute(std::string_view, const S&) noexcept {}
  void set_attribute(std::string_view, char) noexcept {}
  void set_attribute(std::string_view, float) noexcept {}
  void set_attribute(std::string_view, long double) noexcept {}
  template <class Int, std::enable_if_t<detail::is_attribute_integer_v<Int> && !std::is_same_v<Int, std::int64_t>, int> = 0>
  void set_attribute(std::string_view, Int) noexcept {}
  void set_attribute(std::string_view, const attribute_value&) noexcept {}
  template <class T, std::enable_if_t<detail::is_non_text_pointee_v<T>, int> = 0>
  void set_attribute(std::string_view, T*) = delete;
  void set_attributes(span_attributes) noexcept {}
  void set_status(span_status) noexcept {}
  void set_status(span_status, std::string_view) noexcept {}
  void set_http_status(int) noexcept {}
  void set_name(std::string_view) noexcept {}
  void set_name(std::string_view, transaction_source) noexcept {}
  void set_op(std::string_view) noexcept {}
  void set_origin(std::string_view) noexcept {}
  void end() noexcept {}
  void end(span_time) noexcept {}

  bool is_active() const noexcept { return false; }
  bool is_recording() const noexcept { return false; }
  bool is_sampled() const noexcept { return false; }
  trace_id trace() const noexcept { return trace_id{}; }
  span_id id() const noexcept { return span_id{}; }
  span_ref ref() const noexcept { return span_ref{}; }
};

// ---- sampling.hpp ----------------------------------------------------------------------------

/// Accepts any callable `double(const sampling_context&)` and keeps nothing: the sampler is
/// never called, so the lambda's body is never instantiated into the program.
class traces_sampler_fn {
 public:
  constexpr traces_sampler_fn() noexcept = default;
  constexpr traces_sampler_fn(std::nullptr_t) noexcept {}  // NOLINT: implicit as enabled
  template <class F, class D = std::decay_t<F>,
            std::enable_if_t<!std::is_same_v<D, traces_sampler_fn> &&
                                 std::is_invocable_r_v<double, D&, const sampling_context&>,
                             int> = 0>
  constexpr traces_sampler_fn(F&&) noexcept {  // NOLINT: implicit as enabled
    // The enabled build's rules (sampling.hpp), so a sampler it would refuse is refused here too.
    static_assert(sizeof(D) <= 64, "callable too large to store inline: capture less (pointers, not copies)");
    static_assert(std::is_trivially_copyable_v<D> && std::is_trivially_destructible_v<D>,
                  "the callable must be trivially copyable: capture plain values or pointers, not std::string etc.");
  }
  void reset() noexcept {}
  explicit operator bool() const noexcept { return false; }
  double operator()(const sampling_context&) const noexcept { return 0.0; }
};

struct sampling_decision {
  bool sampled = false;
  double sample_rate = 0.0;
  bool sample_rate_known = false;
  bool rate_invalid = false;
  bool sampler_threw = false;
};

// ---- envelope.hpp, transport.hpp, pool.hpp ---------------------------------------------------

struct span_view {
  span_id id;
  span_id parent;
  std::string_view op = "";
  std::string_view name = "";
  std::int64_t start_epoch_us = 0;
  std::int64_t end_epoch_us = 0;
  span_status status = span_status::ok;
  bool is_root = false;
};

/// A transaction with no spans (none is ever built: transports are never called).
class transaction_view {
 public:
  std::string_view name() const noexcept { return ""; }
  trace_id trace() const noexcept { return trace_id{}; }
  std::size_t span_count() const noexcept { return 0; }
  span_view span_at(std::size_t) const noexcept { return span_view{}; }
};

class envelope_view {
 public:
  constexpr envelope_view() noexcept = default;
  constexpr envelope_view(std::string_view bytes, const transaction_view* txn, bool client_report_only,
                          std::uint32_t = 0) noexcept
      : bytes_(bytes), transaction_(txn), client_report_only_(client_report_only) {}
  std::string_view bytes() const noexcept { return bytes_; }
  const transaction_view* transaction() const noexcept { return transaction_; }
  bool is_client_report() const noexcept { return client_report_only_; }
  std::uint32_t span_items() const noexcept { return 0; }
  std::size_t profile_offset() const noexcept { return profile_offset_; }
  bool is_profile_chunk() const noexcept { return profile_chunk_; }
  constexpr envelope_view with_profile_at(std::size_t offset) const noexcept {
    envelope_view v = *this;
    v.profile_offset_ = offset;
    return v;
  }
  static constexpr envelope_view profile_chunk(std::string_view bytes) noexcept {
    envelope_view v(bytes, nullptr, false);
    v.profile_chunk_ = true;
    return v;
  }

 private:
  std::string_view bytes_ = "";
  const transaction_view* transaction_ = nullptr;
  bool client_report_only_ = false;
  bool profile_chunk_ = false;
  std::size_t profile_offset_ = 0;
};

/// The transport interface, unchanged, so a user's transport still compiles. The library never
/// calls it with tracing compiled out.
class transport {
 public:
  virtual void send(envelope_view envelope) = 0;
  virtual bool flush(std::uint32_t) { return true; }
  static void report_lost(const envelope_view&, discard_reason) noexcept {}

 protected:
  transport() = default;
  transport(const transport&) = default;
  transport& operator=(const transport&) = default;
  ~transport() = default;
};

class null_transport final : public transport {
 public:
  void send(envelope_view) override {}
};

class callback_transport final : public transport {
 public:
  using send_fn = void (*)(const char* bytes, std::size_t size, void* user);
  constexpr callback_transport(send_fn, void*) noexcept {}
  void send(envelope_view) override {}
};

#if SENTRY_TRACE_HOSTED
class file_transport final : public transport {
 public:
  explicit file_transport(std::string_view) noexcept {}
  void send(envelope_view) override {}
  std::uint32_t written() const noexcept { return 0; }
};

class console_transport final : public transport {
 public:
  explicit console_transport(std::FILE* = stdout) noexcept {}
  void send(envelope_view) override {}
  void print(const transaction_view&) {}
};
/// Options of the built-in transport; accepted and ignored.
struct http_transport_options {
  std::string_view url = "";
  std::string_view auth_header = "";
  bool use_worker = true;
  bool gzip = false;
  std::uint32_t max_attempts = 4;
  std::uint32_t retry_base_ms = 1000;
  std::size_t queue_bytes = 0;
  bool count_losses = true;
  void (*on_worker_tick)(void* user) = nullptr;
  void* tick_user = nullptr;
};

/// Delivers nothing; every call reports success ("nothing to do"), as init() does.
class http_transport final : public transport {
 public:
  bool configure(const http_transport_options&) noexcept { return true; }
  bool configure_for_dsn(std::string_view, http_transport_options = {}) noexcept { return true; }
  bool start() noexcept { return true; }
  void send(envelope_view) override {}
  bool poll(std::uint64_t) noexcept { return true; }
  bool flush(std::uint32_t) override { return true; }
  bool stop(std::uint32_t) noexcept { return true; }
  bool forget_after_fork() noexcept { return true; }
  bool idle() const noexcept { return true; }
  std::size_t queued() const noexcept { return 0; }
  const char* last_error() const noexcept { return ""; }
  bool has_worker() const noexcept { return false; }
#  if SENTRY_TRACE_WITH_ZLIB
  bool gzip_active() const noexcept { return false; }
#  endif
};
#endif // SENTRY_TRACE_HOSTED

/// No pools: an empty type, so `options.storage = &my_storage` still compiles.
struct storage {};
/// 0: tracing compiled out uses no RAM.
constexpr std::size_t storage_bytes() noexcept { return 0; }

// ---- options.hpp -----------------------------------------------------------------------------

enum class delivery_mode : std::uint8_t { worker, poll };
enum class profile_lifecycle : std::uint8_t { manual, trace };
enum class trace_lifecycle : std::uint8_t { static_, stream };

/// The same aggregate as the enabled build; init() reads none of it.
struct options {
  static constexpr double unset = -1.0;

  std::string_view dsn = "";
  std::string_view release = "";
  std::string_view environment = "";
  std::string_view server_name = "";
  std::string_view org_id = "";
  double traces_sample_rate = unset;
  traces_sampler_fn traces_sampler{};
  std::uint32_t max_spans = SENTRY_TRACE_MAX_SPANS;
  bool debug = false;
  log_hook log{};
  ::sentry_trace::transport* transport = nullptr;
  bool serialize_on_worker = false;
  ::sentry_trace::storage* storage = nullptr;
  clock_hook clock{};
  wall_clock_hook wall_clock{};
  entropy_hook entropy{};
  lock_hook lock{};
  bool send_client_reports = true;
  ::sentry_trace::trace_lifecycle trace_lifecycle = ::sentry_trace::trace_lifecycle::static_;
  const std::string_view* trace_propagation_targets = nullptr;
  std::size_t trace_propagation_target_count = 0;
  bool propagate_traceparent = false;
  bool send_default_pii = false;
  delivery_mode delivery = delivery_mode::worker;
  std::string_view http_proxy = "";
  std::string_view ca_file = "";
  bool http_compression = true;
  std::string_view spotlight = "";
  before_send_hook before_send{};
  before_send_transaction_hook before_send_transaction{};
  const std::string_view* ignore_transactions = nullptr;
  std::size_t ignore_transaction_count = 0;
  double profiles_sample_rate = unset;
  traces_sampler_fn profiles_sampler{};
  double profile_session_sample_rate = unset;
  ::sentry_trace::profile_lifecycle profile_lifecycle = ::sentry_trace::profile_lifecycle::manual;
  std::uint32_t profiler_frequency_hz = 101;
  bool attach_stacktrace = false;
  const std::string_view* in_app_include = nullptr;
  std::size_t in_app_include_count = 0;
};

/// True: "tracing is compiled out" is not a failure, so `if (!init(o))` error paths stay quiet
/// and `assert(init(o))` holds. is_enabled() tells the truth (false).
inline bool init(const options&) noexcept { return true; }
/// True: nothing is pending.
inline bool flush(std::uint32_t) noexcept { return true; }
/// True: nothing is pending.
inline bool shutdown(std::uint32_t) noexcept { return true; }
/// False: nothing is recorded.
inline bool is_enabled() noexcept { return false; }
/// False: nothing is recorded.
inline bool should_send_default_pii() noexcept { return false; }
/// Nothing is profiled.
inline void start_profiler() noexcept {}
inline void stop_profiler() noexcept {}
/// False: nothing is profiled.
inline bool register_profiled_thread(std::string_view) noexcept { return false; }
inline void unregister_profiled_thread() noexcept {}
/// All zero.
inline stats get_stats() noexcept { return stats{}; }

// ---- api.hpp ---------------------------------------------------------------------------------

/// Runs fn(span&) with an empty span and returns its result (references and void included).
template <class Fn> decltype(auto) start_span(const span_options&, Fn&& fn) {
  span s;
  return std::forward<Fn>(fn)(s);
}
[[nodiscard]] inline span start_span_manual(const span_options&) noexcept { return span{}; }
[[nodiscard]] inline span start_inactive_span(const span_options&) noexcept { return span{}; }

/// An empty type (no storage at all: std::is_empty_v holds); get() and -> give an empty span.
class scoped_span : private span {
 public:
  explicit scoped_span(const span_options&) noexcept {}
  scoped_span(const scoped_span&) = delete;
  scoped_span& operator=(const scoped_span&) = delete;
  span& get() noexcept { return *this; }
  span* operator->() noexcept { return this; }
};

inline span_ref active_span() noexcept { return span_ref{}; }
inline span_time now() noexcept { return span_time{}; }
/// Runs fn() and returns its result.
template <class Fn> decltype(auto) suppress_tracing(Fn&& fn) { return std::forward<Fn>(fn)(); }
inline void set_measurement(std::string_view, double, std::string_view = "none") noexcept {}
inline bool poll(std::uint32_t) noexcept { return true; }

// ---- distributed.hpp -------------------------------------------------------------------------

/// Every view empty (""), never null: send no trace headers. Neither copyable nor movable, as in the enabled
/// build (whose baggage view points at the calling thread's buffer, valid until its next
/// get_trace_headers() or inject()), so code that would break there breaks here too.
class trace_headers {
 public:
  std::string_view sentry_trace = "";
  std::string_view baggage = "";
  std::string_view traceparent = "";

  trace_headers() noexcept = default;
  trace_headers(const trace_headers&) = delete;
  trace_headers& operator=(const trace_headers&) = delete;
  // Where the enabled build writes the two fixed-size headers; empty here.
  char sentry_trace_buf[51] = {};
  char traceparent_buf[55] = {};
};

/// Runs fn() and returns its result; the headers are not read.
template <class Fn> decltype(auto) continue_trace(std::string_view, std::string_view, Fn&& fn) {
  return std::forward<Fn>(fn)();
}
template <class Fn>
decltype(auto) continue_trace(std::string_view, std::string_view, std::string_view, Fn&& fn) {
  return std::forward<Fn>(fn)();
}
inline trace_headers get_trace_headers() noexcept { return trace_headers(); }
inline trace_headers get_trace_headers(const span_ref&) noexcept { return trace_headers(); }
/// False, and carrier.set() is not called.
template <class Carrier> bool inject(Carrier&, std::string_view = {}) noexcept { return false; }
/// Runs fn() and returns its result; carrier.get() is not called.
template <class Carrier, class Fn> decltype(auto) extract(const Carrier&, Fn&& fn) {
  return std::forward<Fn>(fn)();
}
/// False: nothing was sent.
inline bool capture_exception(std::string_view, std::string_view) noexcept { return false; }
inline bool capture_exception(std::string_view, std::string_view, const event_options&) noexcept { return false; }
#if SENTRY_TRACE_EXCEPTIONS
inline bool capture_exception(const std::exception&, std::string_view = {}) noexcept { return false; }
inline bool capture_exception(const std::exception&, const event_options&, std::string_view = {}) noexcept { return false; }
#endif
inline bool capture_message(std::string_view, level = level::info) noexcept { return false; }
inline bool capture_message(std::string_view, level, const event_options&) noexcept { return false; }

// ---- active.hpp ------------------------------------------------------------------------------

/// Names no span; each setter takes exactly what span's setter of that name takes (so code the
/// enabled build rejects is rejected here too) and does nothing.
class borrowed_span {
 public:
  constexpr borrowed_span() noexcept = default;
  constexpr explicit borrowed_span(const span_ref&) noexcept {}

  template <class... Args>
  auto set_attribute(Args&&... args) noexcept -> decltype(std::declval<span&>().set_attribute(std::forward<Args>(args)...)) {}
  void set_attributes(span_attributes) noexcept {}
  template <class... Args>
  auto set_status(Args&&... args) noexcept -> decltype(std::declval<span&>().set_status(std::forward<Args>(args)...)) {}
  template <class... Args>
  auto set_http_status(Args&&... args) noexcept
      -> decltype(std::declval<span&>().set_http_status(std::forward<Args>(args)...)) {}
  template <class... Args>
  auto set_name(Args&&... args) noexcept -> decltype(std::declval<span&>().set_name(std::forward<Args>(args)...)) {}
  template <class... Args>
  auto set_op(Args&&... args) noexcept -> decltype(std::declval<span&>().set_op(std::forward<Args>(args)...)) {}
  template <class... Args>
  auto set_origin(Args&&... args) noexcept -> decltype(std::declval<span&>().set_origin(std::forward<Args>(args)...)) {}

  bool is_valid() const noexcept { return false; }
  bool is_recording() const noexcept { return false; }
  bool is_sampled() const noexcept { return false; }
  trace_id trace() const noexcept { return trace_id{}; }
  span_id id() const noexcept { return span_id{}; }
  span_ref ref() const noexcept { return span_ref{}; }
  operator span_ref() const noexcept { return span_ref{}; }  // NOLINT(google-explicit-constructor): as enabled
};

/// An empty borrowed_span: there is never an active span.
[[nodiscard]] inline borrowed_span get_active_span() noexcept { return borrowed_span{}; }
/// Run fn() and return its result.
template <class Fn> decltype(auto) with_active_span(const span_ref&, Fn&& fn) { return std::forward<Fn>(fn)(); }
template <class Fn> decltype(auto) with_active_span(std::nullptr_t, Fn&& fn) { return std::forward<Fn>(fn)(); }
template <class Fn> decltype(auto) start_new_trace(Fn&& fn) { return std::forward<Fn>(fn)(); }

// ---- frames.hpp ------------------------------------------------------------------------------

struct frame_tracker_options {
  std::uint32_t target_frame_ns = 16'666'667;
  std::uint64_t frozen_frame_ns = 700'000'000;
};

/// An empty type: counts nothing, attaches nothing; every counter reads 0 and thresholds()
/// gives the defaults.
class frame_tracker {
 public:
  explicit frame_tracker(frame_tracker_options = {}) noexcept {}
  void record_frame(std::uint64_t) noexcept {}
  void begin_frame() noexcept {}
  void end_frame() noexcept {}
  void attach(span* = nullptr) noexcept {}
  std::uint64_t total() const noexcept { return 0; }
  std::uint64_t slow() const noexcept { return 0; }
  std::uint64_t frozen() const noexcept { return 0; }
  double delay_seconds() const noexcept { return 0.0; }
  std::uint64_t delay_ns() const noexcept { return 0; }
  frame_tracker_options thresholds() const noexcept { return frame_tracker_options{}; }
  void reset() noexcept {}
};

SENTRY_TRACE_DETAIL_END

#endif // !SENTRY_TRACE_ENABLED
#endif // SENTRY_TRACE_DISABLED_HPP
