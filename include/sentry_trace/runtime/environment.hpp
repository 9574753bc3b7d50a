// sentry_trace/runtime/environment.hpp -- option strings and SENTRY_* environment variables
//
// WHAT IT DOES  Reads the SENTRY_* environment variables init() falls back to: what counts as
//               true, and how an ignored one is logged. Option strings are copied into the
//               tracer's buffers by protocol/text.hpp's copy_bounded.

#ifndef SENTRY_TRACE_RUNTIME_ENVIRONMENT_HPP
#define SENTRY_TRACE_RUNTIME_ENVIRONMENT_HPP

#include "../config.hpp"
#include "../core/state.hpp"
#include "../protocol/text.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <type_traits>

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {

inline bool env_true(std::string_view v) noexcept {
  return v == "1" || v == "true" || v == "TRUE" || v == "True" || v == "yes" || v == "on" || v == "y" || v == "t";
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
