// sentry_trace/protocol/text.hpp -- the small ASCII text jobs every parser shares
//
// WHAT IT DOES  One helper per job that the header parsers, the DSN parser, the HTTP client and
//               init() each need: hex digits (value and upper-case encoding), ASCII lower-casing
//               and case-insensitive comparison, trimming a set of white-space bytes from both
//               ends, reading an unsigned decimal integer, and copying a string into a fixed
//               NUL-terminated buffer.
// DOES NOT      look at the locale (<cctype> would: "I" lower-cases differently under tr_TR), nor
//               treat any byte above 0x7f as a letter, digit or space, nor allocate. Decimal
//               fractions are json.hpp's parse_decimal; this part reads whole numbers only.
// WHY ASCII     Every text read here is protocol text (HTTP heads, W3C and Sentry headers, DSNs),
//               whose grammar is ASCII; a locale-aware helper would change what is accepted.

#ifndef SENTRY_TRACE_PROTOCOL_TEXT_HPP
#define SENTRY_TRACE_PROTOCOL_TEXT_HPP

#include "../config.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {

// ---- digits -------------------------------------------------------------------------------------

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

/// True for a non-empty run of '0'..'9' and nothing else.
constexpr bool all_digits(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_digit(c)) return false;
  return true;
}

/// Upper-case hex digits by value, for percent-encoding (RFC 3986 §2.1 prefers upper case).
inline constexpr char hex_upper[] = "0123456789ABCDEF";

/// A hex digit's value (either case), or -1 for any other byte.
constexpr int hex_value(char c) noexcept {
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

/// A lower-case hex digit: the only form ids take (W3C and the SDKs' sentry-trace regex).
constexpr bool is_lower_hex(char c) noexcept { return is_digit(c) || (c >= 'a' && c <= 'f'); }

/// Reads `s` as an unsigned decimal integer: one or more digits and nothing else (no sign, no
/// spaces), leading zeros allowed, at most `max`. False (and `out` untouched) otherwise,
/// overflow included.
template <class U> constexpr bool parse_unsigned(std::string_view s, U max, U& out) noexcept {
  if (!all_digits(s)) return false;
  U v = 0;
  for (char c : s) {
    const U d = static_cast<U>(c - '0');
    if (v > (max - d) / 10) return false;
    v = static_cast<U>(v * 10 + d);
  }
  out = v;
  return true;
}

// ---- case ---------------------------------------------------------------------------------------

constexpr char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

/// Equal when ASCII letters are folded to lower case (header names, URL schemes, tokens).
constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

/// Whether `needle` occurs in `hay` with ASCII letters folded; an empty needle always does.
constexpr bool contains_ignore_case(std::string_view hay, std::string_view needle) noexcept {
  if (needle.size() > hay.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i)
    if (iequals(hay.substr(i, needle.size()), needle)) return true;
  return false;
}

// ---- white space --------------------------------------------------------------------------------
// Three sets, because the grammars differ and what each accepts must not change: OWS of HTTP and
// W3C headers (RFC 9110 §5.6.3), the same plus line ends for header values that may still carry
// them, and every ASCII space for environment variables written by shells and container specs.

/// W3C and HTTP OWS. JS's trim() strips more (tests' header_cases.json has the cases).
constexpr bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }
constexpr bool is_header_space(char c) noexcept { return is_ows(c) || c == '\r' || c == '\n'; }
constexpr bool is_ascii_space(char c) noexcept { return is_header_space(c) || c == '\v' || c == '\f'; }

/// `s` without the bytes `drop` accepts at either end.
constexpr std::string_view trim(std::string_view s, bool (*drop)(char) noexcept) noexcept {
  while (!s.empty() && drop(s.front())) s.remove_prefix(1);
  while (!s.empty() && drop(s.back())) s.remove_suffix(1);
  return s;
}

// ---- fixed buffers ------------------------------------------------------------------------------

/// Copies `text` into `dst` (`cap` bytes) with a NUL after it; false (and `dst` untouched) when
/// it does not fit. Out of line: one copy of the code for every buffer size (firmware flash).
SENTRY_TRACE_DETAIL_OUT_OF_LINE inline bool copy_bounded(char* dst, std::size_t cap, std::string_view text) noexcept {
  if (text.size() >= cap) return false;
  if (!text.empty()) std::memcpy(dst, text.data(), text.size());  // an empty view may hold nullptr
  dst[text.size()] = '\0';
  return true;
}

/// The same into a fixed buffer, its size taken from the type.
template <std::size_t N> bool copy_bounded(char (&dst)[N], std::string_view text) noexcept {
  return copy_bounded(dst, N, text);
}

}  // namespace detail
SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_PROTOCOL_TEXT_HPP
