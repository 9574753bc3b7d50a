// sentry_trace/status.hpp -- span status, transaction source and event level, as Sentry names them
//
// WHAT IT DOES  The small value types a program passes in and reads back whether tracing is
//               compiled in or out: `span_status` (with to_string(), from_http_status() and
//               parse_span_status()), `transaction_source` and the event `level`, each with the
//               string Sentry writes for it. Written once, included by span.hpp and events.hpp
//               (tracing on) and by disabled.hpp (SENTRY_TRACE_ENABLED=0), so the mapping a
//               program computes is the same in both modes.
// DOES NOT      depend on any other part but config.hpp, allocate, or read global state: every
//               function is constexpr.
// SPEC          https://develop.sentry.dev/sdk/foundations/envelopes/event-payloads/span/

#ifndef SENTRY_TRACE_STATUS_HPP
#define SENTRY_TRACE_STATUS_HPP

#include "../config.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

/// Sentry's span statuses (PROTOCOL.md §4). `ok` is also what an unset status is written as.
/// The HTTP ranges are those of from_http_status().
enum class span_status : std::uint8_t {
  ok,                   ///< 100-399
  cancelled,            ///< 499 (JS); the caller gave up
  unknown_error,        ///< 600 and above in Python; written as "unknown_error", "unknown" accepted on input
  invalid_argument,     ///< 400 and any 4xx without its own status
  deadline_exceeded,    ///< 504
  not_found,            ///< 404
  already_exists,       ///< 409
  permission_denied,    ///< 403
  resource_exhausted,   ///< 429
  failed_precondition,  ///< 413
  aborted,
  out_of_range,
  unimplemented,        ///< 501
  internal_error,       ///< any 5xx without its own status; below 100 or 600 and above
  unavailable,          ///< 503
  data_loss,
  unauthenticated,      ///< 401
};

/// The status as Sentry writes it ("ok", "deadline_exceeded", ...).
constexpr const char* to_string(span_status s) noexcept {
  constexpr const char* names[] = {"ok", "cancelled", "unknown_error", "invalid_argument", "deadline_exceeded",
                                   "not_found", "already_exists", "permission_denied", "resource_exhausted",
                                   "failed_precondition", "aborted", "out_of_range", "unimplemented",
                                   "internal_error", "unavailable", "data_loss", "unauthenticated"};
  return static_cast<std::size_t>(s) < sizeof(names) / sizeof(names[0]) ? names[static_cast<std::size_t>(s)]
                                                                         : "unknown_error";
}

/// Maps an HTTP status code as @sentry/core 11 does (PROTOCOL.md §4): 100-399 ok, 401
/// unauthenticated, 403 permission_denied, 404 not_found, 409 already_exists, 413
/// failed_precondition, 429 resource_exhausted, 499 cancelled, other 4xx invalid_argument,
/// 501 unimplemented, 503 unavailable, 504 deadline_exceeded, other 5xx internal_error, and
/// anything below 100 or from 600 on internal_error.
constexpr span_status from_http_status(int code) noexcept {
  if (code >= 100 && code < 400) return span_status::ok;
  if (code >= 400 && code < 500) {
    switch (code) {
      case 401: return span_status::unauthenticated;
      case 403: return span_status::permission_denied;
      case 404: return span_status::not_found;
      case 409: return span_status::already_exists;
      case 413: return span_status::failed_precondition;
      case 429: return span_status::resource_exhausted;
      case 499: return span_status::cancelled;
      default: return span_status::invalid_argument;
    }
  }
  if (code >= 500 && code < 600) {
    switch (code) {
      case 501: return span_status::unimplemented;
      case 503: return span_status::unavailable;
      case 504: return span_status::deadline_exceeded;
      default: return span_status::internal_error;
    }
  }
  return span_status::internal_error;
}

/// Parses a status string. Accepts the 17 names, and what Relay also accepts: "unknown" (as
/// unknown_error), "success" (ok) and "failure" (internal_error). False for anything else.
constexpr bool parse_span_status(std::string_view text, span_status& out) noexcept {
  for (int i = 0; i <= static_cast<int>(span_status::unauthenticated); ++i) {
    if (text == to_string(static_cast<span_status>(i))) {
      out = static_cast<span_status>(i);
      return true;
    }
  }
  if (text == "unknown") { out = span_status::unknown_error; return true; }
  if (text == "success") { out = span_status::ok; return true; }
  if (text == "failure") { out = span_status::internal_error; return true; }
  return false;
}

/// Where a transaction's name came from (`transaction_info.source`). Sentry groups `url`
/// names as high-cardinality and leaves them out of the dynamic sampling context.
enum class transaction_source : std::uint8_t { custom, url, route, view, component, task };

constexpr const char* to_string(transaction_source s) noexcept {
  constexpr const char* names[] = {"custom", "url", "route", "view", "component", "task"};
  return names[static_cast<std::size_t>(s) < 6 ? static_cast<std::size_t>(s) : 0];
}

/// Severity of a message event (Sentry's level strings). Error events default to `error`;
/// `fatal` is for errors that end the program.
enum class level : std::uint8_t { debug, info, warning, error, fatal };

/// The level as Sentry writes it: "debug", "info", "warning", "error" or "fatal". A value
/// outside the enum gives "error", Sentry's default.
constexpr const char* to_string(level l) noexcept {
  constexpr const char* names[] = {"debug", "info", "warning", "error", "fatal"};
  return static_cast<std::size_t>(l) < sizeof(names) / sizeof(names[0]) ? names[static_cast<std::size_t>(l)]
                                                                         : "error";
}

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_STATUS_HPP
