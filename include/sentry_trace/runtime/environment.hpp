// sentry_trace/runtime/environment.hpp -- option strings and SENTRY_* environment variables
//
// WHAT IT DOES  Copies option strings into the tracer's fixed buffers and reads the environment
//               variables init() falls back to.

#ifndef SENTRY_TRACE_RUNTIME_ENVIRONMENT_HPP
#define SENTRY_TRACE_RUNTIME_ENVIRONMENT_HPP

#include "../config.hpp"
#include "../core/state.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <type_traits>

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {


/// Copies `text` into `dst`, `cap` bytes, with a NUL; false when it does not fit. One copy of
/// the code for every buffer size (copy_option is the typed front).
SENTRY_TRACE_DETAIL_OUT_OF_LINE inline bool copy_bounded(char* dst, std::size_t cap, std::string_view text) noexcept {
  if (text.size() >= cap) return false;
  if (!text.empty()) std::memcpy(dst, text.data(), text.size());  // an empty view may hold nullptr
  dst[text.size()] = '\0';
  return true;
}

/// Copies `text` into a fixed buffer with a NUL; false when it does not fit.
template <std::size_t N> bool copy_option(char (&dst)[N], std::string_view text) noexcept {
  return copy_bounded(dst, N, text);
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

}  // namespace detail

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_RUNTIME_ENVIRONMENT_HPP
