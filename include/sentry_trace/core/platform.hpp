// sentry_trace/platform.hpp -- hosted vs freestanding; default clock, entropy, lock and log hooks
//
// WHAT IT DOES  Gives hosted builds working defaults for the hooks through which the library
//               touches the outside world (declared in hooks.hpp, each a plain function
//               pointer plus a `void* user`, never std::function: it may allocate and throw).
//               Also the small portability layer the other parts share: atomics that vanish when
//               SENTRY_TRACE_THREADS=0, thread-local storage, and the id generator (a ChaCha8 keystream per thread).
// DOES NOT      allocate, throw, or fall back silently: on a freestanding build a missing clock
//               or entropy hook makes init() fail with a log line.
// CONFIG        SENTRY_TRACE_HOSTED, SENTRY_TRACE_THREADS.
// HOOKS         see each struct's comment in hooks.hpp for who calls it, when, and what it may do.

#ifndef SENTRY_TRACE_PLATFORM_HPP
#define SENTRY_TRACE_PLATFORM_HPP

#include "../config.hpp"
#include "../face/hooks.hpp"

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
// fork() handlers (runtime/lifecycle.hpp) come with threads: a single-threaded build refers to no pthread
// symbol, so its forked children must call init() again to draw ids of their own.
#    if SENTRY_TRACE_THREADS
#      include <pthread.h>
#      define SENTRY_TRACE_DETAIL_FORK_AWARE 1
#    endif
#  endif
#endif
#ifndef SENTRY_TRACE_DETAIL_FORK_AWARE
#  define SENTRY_TRACE_DETAIL_FORK_AWARE 0
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

// ---- the id generator ---------------------------------------------------------------------------
// Ids and sample_rand leave the process in headers and envelopes, so an observer must not be able
// to compute the next ones from those it saw (a raw splitmix64 output gives its state away: each
// step of its finalizer can be undone). Each thread reads a ChaCha8 keystream (Bernstein's
// ChaCha with 8 rounds, the strength Go's runtime generator ChaCha8Rand relies on): a block of 64
// bytes is eight 64-bit values, buffered per thread, so the span path pays a load, a compare and
// an increment, and one block every eighth value: about 50 instructions and 7 ns per id in all
// with the 128-bit vector form (SSE2, NEON; 90 word by word), against about 10 and 1.1 ns for a
// splitmix64 step (bench_span, and --loop-only N ids under callgrind; g++ 12, clang 14, -O2). No
// syscall, no lock and no hook on the span path: the 256-bit key comes from the entropy hook at
// init(); a thread draws its stream number (the ChaCha nonce) once per key, so threads never
// share a block; freestanding builds need nothing but integer arithmetic.

constexpr std::uint32_t rotl32(std::uint32_t v, int c) noexcept { return (v << c) | (v >> (32 - c)); }

inline void chacha_quarter_round(std::uint32_t* x, int a, int b, int c, int d) noexcept {
  x[a] += x[b]; x[d] = rotl32(x[d] ^ x[a], 16);
  x[c] += x[d]; x[b] = rotl32(x[b] ^ x[c], 12);
  x[a] += x[b]; x[d] = rotl32(x[d] ^ x[a], 8);
  x[c] += x[d]; x[b] = rotl32(x[b] ^ x[c], 7);
}

/// One ChaCha block with `Rounds` rounds (20 is RFC 8439's cipher; ids use 8), in the original
/// layout: words 12-13 a 64-bit block counter, 14-15 a 64-bit nonce. Word by word: the portable
/// form, and the reference the vector form below is tested against.
template <int Rounds>
inline void chacha_block_scalar(const std::uint32_t (&key)[8], std::uint64_t counter, std::uint64_t nonce,
                                std::uint32_t (&out)[16]) noexcept {
  const std::uint32_t in[16] = {0x61707865u, 0x3320646eu, 0x79622d32u, 0x6b206574u,  // "expand 32-byte k"
                                key[0], key[1], key[2], key[3], key[4], key[5], key[6], key[7],
                                static_cast<std::uint32_t>(counter), static_cast<std::uint32_t>(counter >> 32),
                                static_cast<std::uint32_t>(nonce), static_cast<std::uint32_t>(nonce >> 32)};
  std::uint32_t x[16];
  for (int i = 0; i < 16; ++i) x[i] = in[i];
  for (int r = 0; r < Rounds; r += 2) {
    chacha_quarter_round(x, 0, 4, 8, 12);
    chacha_quarter_round(x, 1, 5, 9, 13);
    chacha_quarter_round(x, 2, 6, 10, 14);
    chacha_quarter_round(x, 3, 7, 11, 15);
    chacha_quarter_round(x, 0, 5, 10, 15);
    chacha_quarter_round(x, 1, 6, 11, 12);
    chacha_quarter_round(x, 2, 7, 8, 13);
    chacha_quarter_round(x, 3, 4, 9, 14);
  }
  for (int i = 0; i < 16; ++i) out[i] = x[i] + in[i];
}

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__SSE2__) || defined(__ARM_NEON)) && \
    ((defined(__GNUC__) && __GNUC__ >= 12) || defined(__clang__))
#  define SENTRY_TRACE_DETAIL_CHACHA_VECTOR 1
/// The same block with each row of the state in one 128-bit vector (SSE2, NEON): a column round
/// is four vector quarter-round steps, a diagonal round the same after rotating three rows' lanes.
/// About a third of the scalar form's instructions.
using chacha_row = std::uint32_t __attribute__((vector_size(16)));
inline chacha_row chacha_rotl(chacha_row v, int c) noexcept { return (v << c) | (v >> (32 - c)); }
inline void chacha_vector_quarter_round(chacha_row& a, chacha_row& b, chacha_row& c, chacha_row& d) noexcept {
  a += b; d = chacha_rotl(d ^ a, 16);
  c += d; b = chacha_rotl(b ^ c, 12);
  a += b; d = chacha_rotl(d ^ a, 8);
  c += d; b = chacha_rotl(b ^ c, 7);
}
template <int Rounds>
inline void chacha_block_vector(const std::uint32_t (&key)[8], std::uint64_t counter, std::uint64_t nonce,
                                std::uint32_t (&out)[16]) noexcept {
  const chacha_row a0 = {0x61707865u, 0x3320646eu, 0x79622d32u, 0x6b206574u};
  const chacha_row b0 = {key[0], key[1], key[2], key[3]};
  const chacha_row c0 = {key[4], key[5], key[6], key[7]};
  const chacha_row d0 = {static_cast<std::uint32_t>(counter), static_cast<std::uint32_t>(counter >> 32),
                         static_cast<std::uint32_t>(nonce), static_cast<std::uint32_t>(nonce >> 32)};
  chacha_row a = a0, b = b0, c = c0, d = d0;
  for (int r = 0; r < Rounds; r += 2) {
    chacha_vector_quarter_round(a, b, c, d);
    b = __builtin_shufflevector(b, b, 1, 2, 3, 0);
    c = __builtin_shufflevector(c, c, 2, 3, 0, 1);
    d = __builtin_shufflevector(d, d, 3, 0, 1, 2);
    chacha_vector_quarter_round(a, b, c, d);
    b = __builtin_shufflevector(b, b, 3, 0, 1, 2);
    c = __builtin_shufflevector(c, c, 2, 3, 0, 1);
    d = __builtin_shufflevector(d, d, 1, 2, 3, 0);
  }
  a += a0;
  b += b0;
  c += c0;
  d += d0;
  std::memcpy(out, &a, 16);
  std::memcpy(out + 4, &b, 16);
  std::memcpy(out + 8, &c, 16);
  std::memcpy(out + 12, &d, 16);
}
#else
#  define SENTRY_TRACE_DETAIL_CHACHA_VECTOR 0
#endif

/// The block function ids use: the vector form where the target has 128-bit vectors.
template <int Rounds>
inline void chacha_block(const std::uint32_t (&key)[8], std::uint64_t counter, std::uint64_t nonce,
                         std::uint32_t (&out)[16]) noexcept {
#if SENTRY_TRACE_DETAIL_CHACHA_VECTOR
  chacha_block_vector<Rounds>(key, counter, nonce, out);
#else
  chacha_block_scalar<Rounds>(key, counter, nonce, out);
#endif
}

/// The process-wide key and its generation. init() sets the key from the entropy hook; the
/// child of a fork() derives a new one (rng_rekey_after_fork). A thread notices a new generation
/// at its next draw and starts a new stream, dropping what it had buffered.
inline std::uint32_t g_rng_key[8] = {};
inline atomic<std::uint64_t> g_rng_generation{0};
inline atomic<std::uint64_t> g_rng_streams{0};

/// One thread's keystream: which key generation and stream it reads, the next block, and the
/// eight values of the current block (`used` of them handed out). Constant-initialized.
struct rng_stream {
  std::uint64_t generation = 0;
  std::uint64_t nonce = 0;    ///< this thread's stream number under `generation`; 0: none yet
  std::uint64_t counter = 0;  ///< the next block
  std::uint32_t used = 8;
  std::uint64_t values[8] = {};
};
inline SENTRY_TRACE_DETAIL_THREAD_LOCAL rng_stream tl_rng;

/// Fills the thread's buffer with the next block (of a new stream when the key has changed).
inline void rng_refill(rng_stream& s, std::uint64_t generation) noexcept {
  if (s.generation != generation || s.nonce == 0) {
    s.generation = generation;
    s.nonce = g_rng_streams.fetch_add(1, order_relaxed) + 1;
    s.counter = 0;
  }
  std::uint32_t block[16];
  chacha_block<8>(g_rng_key, s.counter++, s.nonce, block);
  for (int i = 0; i < 8; ++i)
    s.values[i] = static_cast<std::uint64_t>(block[2 * i]) | (static_cast<std::uint64_t>(block[2 * i + 1]) << 32);
  s.used = 0;
}

/// 64 random bits from this thread's keystream.
inline std::uint64_t random_u64() noexcept {
  rng_stream& s = tl_rng;
  const std::uint64_t generation = g_rng_generation.load(order_acquire);
  if (s.generation != generation || s.used >= 8) rng_refill(s, generation);
  return s.values[s.used++];
}

/// Sets the key (init(); 32 bytes from the entropy hook). Must not run while other threads draw.
inline void rng_set_key(const unsigned char (&bytes)[32]) noexcept {
  for (int i = 0; i < 8; ++i) {
    std::uint32_t w = 0;
    for (int j = 3; j >= 0; --j) w = (w << 8) | bytes[4 * i + j];
    g_rng_key[i] = w;
  }
  g_rng_generation.store(g_rng_generation.load(order_relaxed) + 1, order_release);
}

/// A fork's child: a new key from the old one and the parent's fork count, which differs for
/// every child of one parent. Nonce ~0 is never a thread's stream number, so the new key is no
/// value a thread of the parent ever drew. Runs in the child's only thread.
inline void rng_rekey_after_fork(std::uint64_t fork_count) noexcept {
  std::uint32_t block[16];
  chacha_block<8>(g_rng_key, fork_count, ~std::uint64_t{0}, block);
  for (int i = 0; i < 8; ++i) g_rng_key[i] = block[i];
  g_rng_generation.store(g_rng_generation.load(order_relaxed) + 1, order_release);
}

} // namespace detail
SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_PLATFORM_HPP
