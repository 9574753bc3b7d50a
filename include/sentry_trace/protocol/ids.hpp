// sentry_trace/protocol/ids.hpp -- trace ids, span ids, event ids: generation, hex form, parsing
//
// WHAT IT DOES  A trace id is 16 random bytes written as 32 lowercase hex characters, a span id
//               8 random bytes as 16, an event id a uuid4 as 32 (PROTOCOL.md §7). Ids are never
//               all zeros (W3C) and always lowercase.
// DOES NOT      allocate, lock or call the entropy hook on the span path: each thread reads its
//               own ChaCha8 keystream under a key drawn once by init() (platform.hpp), so ids
//               seen outside do not tell the next ones.
// ERRORS        parse functions return false for the wrong length, uppercase or non-hex
//               characters, and all-zero ids, leaving the output untouched.

#ifndef SENTRY_TRACE_IDS_HPP
#define SENTRY_TRACE_IDS_HPP

#include "../config.hpp"
#include "json.hpp"
#include "../core/platform.hpp"
#include "../face/ids.hpp"

#include <cstdint>
#include <cstring>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

// ------------------------------------------------------------------------------------------------
namespace detail {

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
// The 8 hex digits of `v` as one little-endian word (first digit in the lowest byte): the nibbles
// spread to one per byte, then '0' or 'a' - 10 added to all eight at once (n + 6 carries into
// bit 4 exactly when n >= 10, and no byte carries into the next).
inline std::uint64_t u32_hex_word(std::uint32_t v) noexcept {
  std::uint64_t x = v;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFFull;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FFull;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0Full;  // nibble i in byte i
  const std::uint64_t letters = ((x + 0x0606060606060606ull) >> 4) & 0x0101010101010101ull;
  return __builtin_bswap64(x + 0x3030303030303030ull + letters * ('a' - '0' - 10));
}

inline void u64_to_hex(std::uint64_t v, char* out16) noexcept {
  const std::uint64_t hi = u32_hex_word(static_cast<std::uint32_t>(v >> 32));
  const std::uint64_t lo = u32_hex_word(static_cast<std::uint32_t>(v));
  std::memcpy(out16, &hi, 8);
  std::memcpy(out16 + 8, &lo, 8);
}
#else
inline void u64_to_hex(std::uint64_t v, char* out16) noexcept {
  for (int i = 15; i >= 0; --i) {
    out16[i] = hex_digits[v & 0xf];
    v >>= 4;
  }
}
#endif

// Word steps where json.hpp takes its little-endian ones (SENTRY_TRACE_DETAIL_SWAR_CTZ: not
// where the build optimizes for size, so firmware keeps the byte loop, the smaller code).
#if SENTRY_TRACE_DETAIL_SWAR_CTZ
/// The value of 8 lowercase hex characters (the first the most significant), false for any
/// other byte. All eight at once: with no byte's high bit set, adding 0x80 - k to a byte sets its
/// high bit exactly when the byte is at least k, and carries into no other byte; a digit's value
/// is its low nibble, a letter's its low nibble plus 9 (bit 6 tells the letters).
inline bool parse_u32_hex_word(const char* p, std::uint32_t& out) noexcept {
  constexpr std::uint64_t each = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  const std::uint64_t at_least_0 = w + each * (0x80 - '0'), past_9 = w + each * (0x80 - '9' - 1);
  const std::uint64_t at_least_a = w + each * (0x80 - 'a'), past_f = w + each * (0x80 - 'f' - 1);
  const std::uint64_t hex = (at_least_0 & ~past_9) | (at_least_a & ~past_f);
  if (((hex & highs) ^ highs) | (w & highs)) return false;
  std::uint64_t x = __builtin_bswap64((w & each * 0x0F) + ((w >> 6) & each) * 9);  // first digit in the top byte
  x = (x | (x >> 4)) & 0x00FF00FF00FF00FFull;
  x = (x | (x >> 8)) & 0x0000FFFF0000FFFFull;
  out = static_cast<std::uint32_t>(x | (x >> 16));
  return true;
}
#endif

/// Parses exactly 16 lowercase hex characters. Uppercase is rejected on purpose: the SDKs'
/// sentry-trace regex and W3C both require lowercase.
inline bool parse_u64_hex(const char* p, std::uint64_t& out) noexcept {
#if SENTRY_TRACE_DETAIL_SWAR_CTZ
  std::uint32_t hi, lo;
  if (!parse_u32_hex_word(p, hi) || !parse_u32_hex_word(p + 8, lo)) return false;
  out = (std::uint64_t{hi} << 32) | lo;
#else
  std::uint64_t v = 0;
  for (int i = 0; i < 16; ++i) {
    char c = p[i];
    unsigned d;
    if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f') d = static_cast<unsigned>(c - 'a' + 10);
    else return false;
    v = (v << 4) | d;
  }
  out = v;
#endif
  return true;
}

inline trace_id new_trace_id() noexcept {
  trace_id t;
  do {
    t.hi = random_u64();
    t.lo = random_u64();
  } while (t.is_zero());
  return t;
}

inline span_id new_span_id() noexcept {
  span_id s;
  do s.value = random_u64();
  while (s.value == 0);
  return s;
}

inline event_id new_event_id() noexcept {
  event_id e;
  e.hi = (random_u64() & ~0xf000ull) | 0x4000ull;                 // version 4
  e.lo = (random_u64() & ~(3ull << 62)) | (2ull << 62);           // RFC 4122 variant
  return e;
}

} // namespace detail

#ifdef SENTRY_TRACE_IMPLEMENTATION
// The face declares these members (face/ids.hpp); they are defined once, here.
void trace_id::to_hex(char* out32) const noexcept {
  detail::u64_to_hex(hi, out32);
  detail::u64_to_hex(lo, out32 + 16);
}
bool trace_id::parse(std::string_view hex, trace_id& out) noexcept {
  trace_id t;
  if (hex.size() != 32 || !detail::parse_u64_hex(hex.data(), t.hi) || !detail::parse_u64_hex(hex.data() + 16, t.lo) ||
      t.is_zero())
    return false;
  out = t;
  return true;
}
void span_id::to_hex(char* out16) const noexcept { detail::u64_to_hex(value, out16); }
bool span_id::parse(std::string_view hex, span_id& out) noexcept {
  std::uint64_t v = 0;
  if (hex.size() != 16 || !detail::parse_u64_hex(hex.data(), v) || v == 0) return false;
  out.value = v;
  return true;
}
void event_id::to_hex(char* out32) const noexcept {
  detail::u64_to_hex(hi, out32);
  detail::u64_to_hex(lo, out32 + 16);
}
#endif // SENTRY_TRACE_IMPLEMENTATION

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_IDS_HPP
