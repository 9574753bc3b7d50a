// sentry_trace/integrations/db_error_text.hpp -- a database's error message, without the values it quotes
//
// WHAT IT DOES  db_error_text(message, buffer) gives what a span may show of a server's error
//               message: its text up to the first quote (' " `), then `?` when a quote was cut,
//               scrubbed as a statement (numbers to `?`, whitespace collapsed, the ends trimmed):
//                 Duplicate entry 'a@b.c' for key 'email'          ->  Duplicate entry ?
//                 invalid input syntax for type integer: "hunter2" ->  invalid input syntax for type integer: ?
//                 syntax error at or near "'secret'"               ->  syntax error at or near ?
//                 ... for the right syntax to use near ''x' FROM t' at line 1  ->  ... to use near ?
//               Servers quote the value or statement fragment they could not take (a literal of
//               the statement or a bound value) and neither PostgreSQL nor MySQL escapes quotes
//               inside it, so no quote after the first can be trusted to end it: everything
//               from the first quote on is dropped. The error number (db.response.status_code)
//               still says which error it was.
// DOES NOT      allocate: it writes at most `capacity` bytes into the caller's buffer.
// THREADS       A pure function of its arguments.
// ERRORS        None.

#ifndef SENTRY_TRACE_INTEGRATIONS_DB_ERROR_TEXT_HPP
#define SENTRY_TRACE_INTEGRATIONS_DB_ERROR_TEXT_HPP

#include "../../sentry_trace.hpp"
#include "sql.hpp"

#include <cstddef>
#include <string_view>

namespace sentry_trace {
namespace integration {

inline std::string_view db_error_text(std::string_view message, char* buffer, std::size_t capacity) noexcept {
  if (buffer == nullptr || capacity < 2) return {};
  const std::size_t quote = message.find_first_of("'\"`");
  const std::string_view before = message.substr(0, quote);
  // Two bytes kept back for " ?"; an empty text stays empty (scrub_sql would name it).
  const std::size_t n = before.empty() ? 0 : scrub_sql(before, buffer, capacity - 2, sql_dialect::standard).size();
  if (quote == std::string_view::npos) return std::string_view(buffer, n);
  std::size_t end = n;
  if (end != 0) buffer[end++] = ' ';
  buffer[end++] = '?';
  return std::string_view(buffer, end);
}

}  // namespace integration
}  // namespace sentry_trace

#endif  // SENTRY_TRACE_INTEGRATIONS_DB_ERROR_TEXT_HPP
