// sentry_trace/core/state.hpp -- the one global state: resolved options, pools, log line
//
// WHAT IT DOES  g_tracer (the options init() resolved, the storage, the clock anchor), the reference
//               flags internal to the span path, the log line formatter and the envelope lock.

#ifndef SENTRY_TRACE_CORE_STATE_HPP
#define SENTRY_TRACE_CORE_STATE_HPP

#include "../config.hpp"
#include "../face/options.hpp"
#include "../protocol/dsn.hpp"
#include "../protocol/envelope.hpp"
#include "clock.hpp"
#include "outcomes.hpp"
#include "platform.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <type_traits>

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {


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
/// span_ref::links: the span's trace came in through continue_trace(): its DSC is the caller's,
/// which only that scope (or the transaction's block) holds.
constexpr std::uint8_t ref_continued = 8;

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
  time_anchor anchor{};                   ///< set by init(): the wall clock and the first rate
  bool span_clock_is_counter = false;     ///< set by init(): spans read the cycle counter (clock.hpp)
  ::sentry_trace::dsn parsed_dsn{};
  atomic<std::uint32_t> block_hint{0};
  char dsn_text[512] = {};
  char release[201] = {};
  char environment[65] = {};
  char server_name[256] = {};
  char org_id[21] = {};
  bool propagate_traceparent = false;
  bool send_default_pii = false;
  bool attach_stacktrace = false;  ///< capture_message() events carry the caller's stack too
  bool targets_set = false;
  std::size_t target_count = 0;
  std::string_view targets[16] = {};
  char target_text[1024] = {};
  before_send_hook before_send{};
  before_send_transaction_hook before_send_transaction{};
  std::size_t ignore_count = 0;          ///< options.ignore_transactions, copied by init()
  std::string_view ignore[8] = {};       ///< few: RAM on a microcontroller (8 x 16 + 256 bytes)
  char ignore_text[256] = {};

  std::uint64_t now_ns() const noexcept { return clock.now_ns(clock.user); }
  /// The span clock (clock.hpp): the cycle counter read inline, or the clock hook.
  std::uint64_t span_now() const noexcept {
#if SENTRY_TRACE_DETAIL_CYCLE_COUNTER
    if (span_clock_is_counter) return read_cycle_counter();
#endif
    return now_ns();
  }
  /// A span-clock reading as monotonic nanoseconds, converted through a pair read now, so that
  /// only the time since `tick` carries the rate's error: for comparing a reading with a time
  /// the user gave (span::end(at)). Off the span path's common case.
  std::uint64_t tick_to_mono_ns(std::uint64_t tick) const noexcept {
#if SENTRY_TRACE_DETAIL_CYCLE_COUNTER
    if (span_clock_is_counter) {
      const std::uint64_t now_ticks = read_cycle_counter();
      const std::uint64_t ns = now_ns();
      return tick <= now_ticks ? ns - anchor.ns_of(now_ticks - tick) : ns + anchor.ns_of(tick - now_ticks);
    }
#endif
    return tick;
  }
  /// The anchor a serialization converts span ticks with: refreshed for the counter.
  time_anchor serialization_anchor() const noexcept {
#if SENTRY_TRACE_DETAIL_CYCLE_COUNTER
    if (span_clock_is_counter) return refreshed_anchor(anchor);
#endif
    return anchor;
  }
  std::int64_t epoch_us() const noexcept { return wall_clock.now_epoch_us ? wall_clock.now_epoch_us(wall_clock.user) : 0; }
};
// Constant-initialized and trivially destructible (the sampler is trivially copyable), so it
// costs no start-up or exit-time code in any translation unit, and outlives every user object.
inline tracer g_tracer{};
static_assert(std::is_trivially_destructible_v<tracer>, "the tracer must need no exit-time code");

/// What a diagnostic says: its sentence, or with SENTRY_TRACE_LOG_TEXT=0 only the line of the
/// call that made it (__builtin_LINE() in a default argument is the caller's line). The sentence
/// is then never read, so the optimizer drops the literal from the image.
struct log_text {
#if SENTRY_TRACE_LOG_TEXT
  constexpr log_text(const char* t) noexcept : text(t) {}  // NOLINT: literals convert implicitly
  const char* text;
#else
  constexpr log_text(const char*, unsigned at = __builtin_LINE()) noexcept : line(at) {}  // NOLINT
  unsigned line;
#endif
};

/// Formats a diagnostic into a stack buffer and hands it to the log hook: `a` + `b` + `c`, or
/// with SENTRY_TRACE_LOG_TEXT=0 "#<line of a>" and " " + `b` when there is one (`c` is text too).
SENTRY_TRACE_DETAIL_COLD inline void log_line(log_level level, log_text a, std::string_view b = {}, const char* c = "") noexcept {
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
#if SENTRY_TRACE_LOG_TEXT
  add(a.text ? std::string_view(a.text) : std::string_view());
  add(b);
  add(c ? std::string_view(c) : std::string_view());
#else
  (void)c;
  char digits[12];
  std::size_t d = sizeof(digits);
  unsigned v = a.line;
  do digits[--d] = static_cast<char>('0' + v % 10u); while ((v /= 10u) != 0);
  digits[--d] = '#';
  add(std::string_view(digits + d, sizeof(digits) - d));
  if (!b.empty()) {
    add(" ");
    add(b);
  }
#endif
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

}  // namespace detail

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_CORE_STATE_HPP
