// sentry_trace/platform.hpp -- hosted vs freestanding; clock, entropy, lock and log hooks
//
// WHAT IT DOES  Declares the hooks through which the library touches the outside world, each a
//               plain function pointer plus a `void* user` (never std::function: it may
//               allocate and throw), and gives hosted builds working defaults. Also the small
//               portability layer the other parts share: atomics that vanish when
//               SENTRY_TRACE_THREADS=0, thread-local storage, and a per-thread PRNG state.
// DOES NOT      allocate, throw, or fall back silently: on a freestanding build a missing clock
//               or entropy hook makes init() fail with a log line.
// CONFIG        SENTRY_TRACE_HOSTED, SENTRY_TRACE_THREADS.
// HOOKS         see each struct's comment for who calls it, when, and what it may do.

#ifndef SENTRY_TRACE_PLATFORM_HPP
#define SENTRY_TRACE_PLATFORM_HPP

#include "config.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#if SENTRY_TRACE_THREADS
#  include <atomic>
#endif
#if SENTRY_TRACE_HOSTED
#  include <chrono>
#  include <cstdio>
#  include <cstdlib>
#  if SENTRY_TRACE_THREADS
#    include <mutex>
#  endif
#  if defined(__unix__) || defined(__APPLE__)
#    include <fcntl.h>
#    include <unistd.h>
#  endif
#endif

SENTRY_TRACE_DETAIL_BEGIN

/// Monotonic clock: nanoseconds from any fixed origin. Called on the span path by any thread
/// that starts or ends a span, so it must be thread-safe, non-blocking and never go backwards.
/// Hosted default: std::chrono::steady_clock.
struct clock_hook {
  std::uint64_t (*now_ns)(void* user) = nullptr;
  void* user = nullptr;
};

/// Wall clock: microseconds since the Unix epoch (UTC). Read once by init() to anchor the
/// monotonic clock, and when an envelope's `sent_at` is written. Hosted default: system_clock.
/// On a device with no real-time clock, return the best estimate you have (0 is allowed: the
/// timestamps are then relative to 1970, which Sentry accepts but shows as old).
struct wall_clock_hook {
  std::int64_t (*now_epoch_us)(void* user) = nullptr;
  void* user = nullptr;
};

/// Entropy: fill `n` bytes with unpredictable data, return false on failure. Called by init()
/// to seed the id generator (not on the span path). Hosted default: /dev/urandom, mixed with
/// the clocks and an address when that is unavailable.
struct entropy_hook {
  bool (*fill)(void* bytes, std::size_t n, void* user) = nullptr;
  void* user = nullptr;
};

/// Lock: guards the envelope buffer and the transport while a finished transaction is written
/// and sent; never taken on the span path. Set both functions or neither. With neither, a
/// hosted threaded build uses a std::mutex; a single-threaded build uses no lock.
struct lock_hook {
  void (*lock)(void* user) = nullptr;
  void (*unlock)(void* user) = nullptr;
  void* user = nullptr;
};

/// Severity of a diagnostic.
enum class log_level : std::uint8_t { debug, info, warning, error };

/// Diagnostics: `message` is a NUL-terminated line without a newline, valid only during the
/// call. Called from whichever thread found the problem; must be reentrant and must not call
/// back into sentry_trace. Hosted default: stderr. Debug lines reach the hook only when
/// options.debug (or SENTRY_DEBUG) is on; warnings and errors always do.
struct log_hook {
  void (*write)(log_level level, const char* message, void* user) = nullptr;
  void* user = nullptr;
};

/// Short name of a log level ("debug", "info", "warning", "error").
constexpr const char* to_string(log_level level) noexcept {
  return level == log_level::debug     ? "debug"
         : level == log_level::info    ? "info"
         : level == log_level::warning ? "warning"
                                       : "error";
}

// ------------------------------------------------------------------------------------------------
namespace detail {

#if SENTRY_TRACE_THREADS
template <class T> using atomic = std::atomic<T>;
constexpr auto order_relaxed = std::memory_order_relaxed;
constexpr auto order_acquire = std::memory_order_acquire;
constexpr auto order_release = std::memory_order_release;
constexpr auto order_acq_rel = std::memory_order_acq_rel;
#  define SENTRY_TRACE_DETAIL_THREAD_LOCAL thread_local
#else
// Single-threaded builds keep the std::atomic spelling with plain loads and stores, so the
// rest of the library has one body of code and no atomics reach the binary.
enum memory_order_plain { order_relaxed, order_acquire, order_release, order_acq_rel };
template <class T> struct atomic {
  T v;
  T load(memory_order_plain = order_relaxed) const noexcept { return v; }
  void store(T x, memory_order_plain = order_relaxed) noexcept { v = x; }
  T fetch_add(T x, memory_order_plain = order_relaxed) noexcept { T o = v; v = static_cast<T>(v + x); return o; }
  T fetch_sub(T x, memory_order_plain = order_relaxed) noexcept { T o = v; v = static_cast<T>(v - x); return o; }
  T fetch_or(T x, memory_order_plain = order_relaxed) noexcept { T o = v; v = static_cast<T>(v | x); return o; }
  T exchange(T x, memory_order_plain = order_relaxed) noexcept { T o = v; v = x; return o; }
  bool compare_exchange_weak(T& expected, T desired, memory_order_plain = order_relaxed,
                             memory_order_plain = order_relaxed) noexcept {
    return compare_exchange_strong(expected, desired);
  }
  bool compare_exchange_strong(T& expected, T desired, memory_order_plain = order_relaxed,
                               memory_order_plain = order_relaxed) noexcept {
    if (v == expected) { v = desired; return true; }
    expected = v;
    return false;
  }
};
#  define SENTRY_TRACE_DETAIL_THREAD_LOCAL
#endif

#if SENTRY_TRACE_HOSTED
inline std::uint64_t hosted_now_ns(void*) noexcept {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}
inline std::int64_t hosted_epoch_us(void*) noexcept {
  return static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
}
inline bool hosted_entropy(void* bytes, std::size_t n, void*) noexcept {
#  if defined(__unix__) || defined(__APPLE__)
  int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    auto* p = static_cast<unsigned char*>(bytes);
    std::size_t got = 0;
    while (got < n) {
      ssize_t r = ::read(fd, p + got, n - got);
      if (r <= 0) break;
      got += static_cast<std::size_t>(r);
    }
    ::close(fd);
    if (got == n) return true;
  }
#  endif
  // No OS entropy: still distinct per process and per call, which is all ids need.
  std::uint64_t mix = hosted_now_ns(nullptr) ^ static_cast<std::uint64_t>(hosted_epoch_us(nullptr)) ^
                      static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(bytes));
  auto* p = static_cast<unsigned char*>(bytes);
  for (std::size_t i = 0; i < n; ++i) {
    mix += 0x9e3779b97f4a7c15ull;
    std::uint64_t z = mix;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    p[i] = static_cast<unsigned char>(z ^ (z >> 31));
  }
  return true;
}
inline void hosted_log(log_level level, const char* message, void*) noexcept {
  std::fprintf(stderr, "[sentry_trace] %s: %s\n", to_string(level), message);
}
inline const char* hosted_getenv(const char* name) noexcept { return std::getenv(name); }
#  if SENTRY_TRACE_THREADS
inline std::mutex& hosted_mutex() noexcept {
  static std::mutex m;
  return m;
}
inline void hosted_lock(void*) noexcept { hosted_mutex().lock(); }
inline void hosted_unlock(void*) noexcept { hosted_mutex().unlock(); }
#  endif
#endif

/// splitmix64: a fast, well-mixed step; ids only need uniqueness and unpredictability to other
/// processes, not cryptographic strength.
inline std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/// The process-wide seed set by init() and a counter that gives each thread its own stream.
inline atomic<std::uint64_t> g_rng_seed{0};
inline atomic<std::uint64_t> g_rng_streams{0};
inline SENTRY_TRACE_DETAIL_THREAD_LOCAL std::uint64_t tl_rng_state = 0;
inline SENTRY_TRACE_DETAIL_THREAD_LOCAL std::uint64_t tl_rng_seed = 0;

/// 64 random bits from this thread's stream; reseeds when init() set a new seed.
inline std::uint64_t random_u64() noexcept {
  std::uint64_t seed = g_rng_seed.load(order_relaxed);
  if (tl_rng_seed != seed || tl_rng_state == 0) {
    tl_rng_seed = seed;
    std::uint64_t stream = g_rng_streams.fetch_add(1, order_relaxed) + 1;
    tl_rng_state = seed ^ (stream * 0xd1b54a32d192ed03ull);
    if (tl_rng_state == 0) tl_rng_state = 0x853c49e6748fea9bull;
  }
  return splitmix64(tl_rng_state);
}

} // namespace detail
SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_PLATFORM_HPP
