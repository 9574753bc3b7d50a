// sentry_trace/platform.hpp -- hosted vs freestanding; default clock, entropy, lock and log hooks
//
// WHAT IT DOES  Gives hosted builds working defaults for the hooks through which the library
//               touches the outside world (declared in hooks.hpp, each a plain function
//               pointer plus a `void* user`, never std::function: it may allocate and throw).
//               Also the small portability layer the other parts share: atomics that vanish when
//               SENTRY_TRACE_THREADS=0, thread-local storage, and a per-thread PRNG state.
// DOES NOT      allocate, throw, or fall back silently: on a freestanding build a missing clock
//               or entropy hook makes init() fail with a log line.
// CONFIG        SENTRY_TRACE_HOSTED, SENTRY_TRACE_THREADS.
// HOOKS         see each struct's comment in hooks.hpp for who calls it, when, and what it may do.

#ifndef SENTRY_TRACE_PLATFORM_HPP
#define SENTRY_TRACE_PLATFORM_HPP

#include "config.hpp"
#include "hooks.hpp"

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
