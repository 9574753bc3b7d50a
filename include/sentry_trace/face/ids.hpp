// sentry_trace/face/ids.hpp -- trace ids, span ids, event ids: the values users hold
//
// WHAT IT DOES  The id types (PROTOCOL.md §7): a trace id is 16 bytes written as 32 lowercase hex
//               characters, a span id 8 bytes as 16, an event id a uuid4 as 32. Generation and the
//               hex code are in protocol/ids.hpp, compiled by the implementation TU.
// ERRORS        parse functions return false for the wrong length, uppercase or non-hex
//               characters, and all-zero ids, leaving the output untouched.

#ifndef SENTRY_TRACE_FACE_IDS_HPP
#define SENTRY_TRACE_FACE_IDS_HPP

#include "../config.hpp"

#include <cstdint>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

/// 16-byte trace id shared by every span of one trace.
struct trace_id {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  constexpr bool is_zero() const noexcept { return hi == 0 && lo == 0; }
  /// Writes exactly 32 lowercase hex characters (no NUL).
  void to_hex(char* out32) const noexcept;
  /// Parses exactly 32 lowercase hex characters; false (and `out` untouched) otherwise or when zero.
  static bool parse(std::string_view hex, trace_id& out) noexcept;
  friend constexpr bool operator==(const trace_id& a, const trace_id& b) noexcept { return a.hi == b.hi && a.lo == b.lo; }
  friend constexpr bool operator!=(const trace_id& a, const trace_id& b) noexcept { return !(a == b); }
};

/// 8-byte span id; 0 means "none".
struct span_id {
  std::uint64_t value = 0;
  constexpr bool is_zero() const noexcept { return value == 0; }
  /// Writes exactly 16 lowercase hex characters (no NUL).
  void to_hex(char* out16) const noexcept;
  /// Parses exactly 16 lowercase hex characters; false (and `out` untouched) otherwise or when zero.
  static bool parse(std::string_view hex, span_id& out) noexcept;
  friend constexpr bool operator==(const span_id& a, const span_id& b) noexcept { return a.value == b.value; }
  friend constexpr bool operator!=(const span_id& a, const span_id& b) noexcept { return a.value != b.value; }
};

/// uuid4 used as an event id; written as 32 hex without dashes, as event payloads require.
struct event_id {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  void to_hex(char* out32) const noexcept;
};

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_FACE_IDS_HPP
