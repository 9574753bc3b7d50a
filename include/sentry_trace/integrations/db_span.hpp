// sentry_trace/integrations/db_span.hpp -- the one way every database integration starts and ends a query span
//
// WHAT IT DOES  start_db_span(target, query) starts the span of one query as @sentry/node 11's
//               database integrations do: op `db` (or the target's op, e.g. `db.redis`), named by
//               the scrubbed statement (sql.hpp), origin the integration's (`auto.db.sqlite`),
//               under the query's parent or this thread's active span, with these attributes,
//               both the current and the newer names where Sentry is renaming them:
//                 db.system, db.system.name     target.system ("sqlite", "postgresql", "mysql")
//                 db.statement, db.query.text   the scrubbed statement
//                 db.operation.name             its first keyword ("SELECT"), when it is one
//                 db.name, db.namespace         target.name, when known
//                 server.address, server.port   target.server_address / server_port, when known
//                 db.user                       target.user, when known
//               A start time may be given (query.start_time), for queries timed after the fact.
//               end_db_span(span) ends it `ok`; end_db_span(span, db_error) ends it with a status
//               (internal_error, deadline_exceeded, unavailable, ...) and the error text as the
//               status message (the span's `sentry.status.message`, where @sentry/core puts a
//               span's status message), plus `db.response.status_code` (the database's own code,
//               e.g. SQLSTATE "23505", MySQL 1062, SQLite 2067) and `error.type` (its name, e.g.
//               "SQLITE_CONSTRAINT_UNIQUE"), the OpenTelemetry database conventions' names that
//               @sentry/core's postgres.js integration writes too.
// DOES NOT      start a span for a query made outside any span (no active span and no parent
//               given): a lone query would otherwise become a transaction of its own, which
//               @sentry/node's database integrations do not make either (requireParentSpan).
//               It scrubs only for a span that records: under an unsampled parent the query pays
//               the unsampled span path and nothing else (no scrub, no attribute), and with
//               SENTRY_TRACE_ENABLED=0 it compiles to nothing. The statement is scrubbed into
//               scrubbed_sql_bytes of stack (1 KiB by default); it never allocates.
// THREADS       As the span API: a span may be started on one thread and ended on another.
// ERRORS        None: a span that cannot be recorded is an empty handle, and ending it is a no-op.

#ifndef SENTRY_TRACE_INTEGRATIONS_DB_SPAN_HPP
#define SENTRY_TRACE_INTEGRATIONS_DB_SPAN_HPP

#include "../../sentry_trace.hpp"
#include "sql.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sentry_trace {
namespace integration {

/// Where an integration's queries go: fixed per connection. Empty strings and a zero port are
/// "not known" and are left out of the span.
struct db_target {
  std::string_view system;          ///< db.system and db.system.name: "sqlite", "postgresql", "mysql", "redis"
  std::string_view name;            ///< db.name and db.namespace: the database (SQLite: the file)
  std::string_view server_address;  ///< server.address: the host name or address
  int server_port = 0;              ///< server.port
  std::string_view user;            ///< db.user
  std::string_view origin;          ///< sentry.origin, e.g. "auto.db.sqlite"
  std::string_view op = "db";       ///< the span's op: "db", or e.g. "db.redis"
  sql_dialect dialect = sql_dialect::standard;  ///< how its statements' literals end
};

/// One query.
struct db_query {
  /// The statement as prepared, never with bound values in it; scrubbed here (only when the
  /// span records) unless `scrubbed` says it already is (or is not SQL, e.g. a Redis command).
  std::string_view statement;
  span_time start_time{};  ///< when it started, if before now (e.g. now().minus_ns(elapsed))
  span_ref parent{};       ///< its parent; not given: this thread's active span
  bool scrubbed = false;
};

/// How a query failed.
struct db_error {
  span_status status = span_status::internal_error;
  std::string_view message;  ///< the database's error text: the span's status message
  std::string_view code;     ///< db.response.status_code: SQLSTATE, error number, result code
  std::string_view type;     ///< error.type: the error's name
};

namespace db_detail {

/// The attributes of a query span, those that are known, in the order Sentry lists them.
struct query_attributes {
  static constexpr std::size_t capacity = 10;
  attribute items[capacity] = {
      {"", ""}, {"", ""}, {"", ""}, {"", ""}, {"", ""}, {"", ""}, {"", ""}, {"", ""}, {"", ""}, {"", ""}};
  std::size_t count = 0;

  void add(std::string_view key, const attribute_value& value) noexcept {
    if (count < capacity) items[count++] = attribute{key, value};
  }
  void add_known(std::string_view key, std::string_view value) noexcept {
    if (!value.empty()) add(key, value);
  }
  span_attributes view() const noexcept { return span_attributes(items, count); }
};

inline span start_recorded(const db_target& target, const db_query& query, span_options& options) noexcept {
  char buffer[scrubbed_sql_bytes];
  const std::string_view text =
      query.scrubbed ? query.statement : scrub_sql(query.statement, buffer, sizeof buffer, target.dialect);
  query_attributes a;
  a.add_known("db.system", target.system);
  a.add_known("db.system.name", target.system);
  a.add_known("db.statement", text);
  a.add_known("db.query.text", text);
  a.add_known("db.operation.name", sql_operation(text));
  a.add_known("db.name", target.name);
  a.add_known("db.namespace", target.name);
  a.add_known("server.address", target.server_address);
  if (target.server_port > 0) a.add("server.port", target.server_port);
  a.add_known("db.user", target.user);
  options.name = text.empty() ? target.system : text;
  options.attributes = a.view();
  return start_inactive_span(options);  // read during this call: `a` and `buffer` may go after it
}

}  // namespace db_detail

/// Starts the span of one query (see the top of this file). It is never this thread's active
/// span (a query has no children), so it may be ended on any thread, in any order.
inline span start_db_span(const db_target& target, const db_query& query) noexcept {
  const span_ref parent = query.parent.is_valid() ? query.parent : active_span();
  if (!parent.is_valid()) return span{};
  span_options options;
  options.op = target.op;
  options.origin = target.origin;
  options.parent = parent;
  options.start_time = query.start_time;
  if (!parent.is_recording()) {
    options.name = target.system;
    return start_inactive_span(options);  // the unsampled path: nothing to scrub or record
  }
  return db_detail::start_recorded(target, query, options);
}

/// Ends a query span `ok` (at `at`, if given).
inline void end_db_span(span& s, span_time at = {}) noexcept { s.end(at); }

/// Ends a query span with the error's status, text and codes (at `at`, if given).
inline void end_db_span(span& s, const db_error& error, span_time at = {}) noexcept {
  if (s.is_recording()) {
    if (error.message.empty()) s.set_status(error.status);
    else s.set_status(error.status, error.message);
    if (!error.code.empty()) s.set_attribute("db.response.status_code", error.code);
    if (!error.type.empty()) s.set_attribute("error.type", error.type);
  }
  s.end(at);
}

}  // namespace integration
}  // namespace sentry_trace

#endif  // SENTRY_TRACE_INTEGRATIONS_DB_SPAN_HPP
