// sentry_trace/integrations/mysql.hpp -- MySQL / MariaDB queries (Connector/C, libmysqlclient) as Sentry db spans
//
// WHAT IT DOES  Drop-in replacements for the client library's query calls, with their signatures
//               and return values, each recording one `db` span under the active span:
//                 int rc = sentry_trace::mysql::real_query(db, sql, std::strlen(sql));      // mysql_real_query
//                 rc = sentry_trace::mysql::stmt_prepare(stmt, sql, std::strlen(sql));      // mysql_stmt_prepare
//                 rc = sentry_trace::mysql::stmt_execute(stmt);                             // mysql_stmt_execute
//                 sentry_trace::mysql::stmt_close(stmt);                                   // mysql_stmt_close
//               Each span (integrations/db_span.hpp): op `db`, origin `auto.db.mysql`, named by the
//               statement scrubbed in the MySQL dialect (integrations/sql.hpp: '...' and "..."
//               literals, numbers to `?`, `?` placeholders kept, `#` comments dropped), with
//               db.system / db.system.name `mysql` (as the SDKs name MariaDB too),
//               db.statement / db.query.text, db.operation.name, db.name / db.namespace (the
//               connection's current database), db.user, server.address and server.port (the
//               host and port it connected to). stmt_execute's span carries the text given to
//               stmt_prepare for that handle (see LIMITS), else `EXECUTE`.
//               A failed call (a nonzero return) still ends its span, with status `unavailable`
//               when the server is gone (CR_CONNECTION_ERROR 2002, CR_CONN_HOST_ERROR 2003,
//               CR_SERVER_GONE_ERROR 2006, CR_SERVER_LOST 2013, CR_SERVER_LOST_EXTENDED 2055),
//               `deadline_exceeded` for a statement timeout (1969 MariaDB, 3024 MySQL) or a lock
//               wait timeout (1205), `internal_error` otherwise; the status message is
//               mysql_error / mysql_stmt_error up to its first quote (the server quotes values
//               and statement text in its messages, unescaped: `Duplicate entry ?`,
//               `... to use near ?`; integrations/db_error_text.hpp), and
//               `db.response.status_code` the error number.
// DOES NOT      record bound values: MYSQL_BIND buffers are never read. Nor start a transaction:
//               with no active span the call is traced by nothing. Nor allocate: statements are
//               scrubbed into a stack buffer (SENTRY_TRACE_MAX_STRING bytes kept; a 2 MB
//               statement costs a scan of its first KiB), prepared texts live in a fixed table.
//               Nor wrap the non-blocking *_start / *_cont calls or mysql_query (use real_query).
// LIMITS        SENTRY_TRACE_MYSQL_PREPARED (64): prepared statement handles whose text is kept,
//               all connections together; past it the oldest is replaced
//               (integration::statement_store) and its executes are named `EXECUTE`. A handle
//               prepared with mysql_stmt_prepare, not stmt_prepare, is not known (and a handle
//               freed by mysql_stmt_close rather than stmt_close keeps its entry until replaced:
//               a new handle at the same address is prepared, which replaces it, before it runs).
// THREADS       As the client library: one connection (and its statements) is used by one
//               thread at a time; the table of prepared texts is thread-safe.
// ERRORS        Exactly the client library's: every call returns what the wrapped call returned.
// COMPILED OUT  With SENTRY_TRACE_ENABLED=0 every function is the client library call alone.

#ifndef SENTRY_TRACE_INTEGRATIONS_MYSQL_HPP
#define SENTRY_TRACE_INTEGRATIONS_MYSQL_HPP

#include "../../sentry_trace.hpp"

#include <mysql.h>

#if SENTRY_TRACE_ENABLED
#include "db_error_text.hpp"
#include "db_span.hpp"
#include "sql.hpp"
#include "statement_store.hpp"

#include <cstddef>
#include <cstring>
#include <string_view>
#endif

#include <cstdint>

#ifndef SENTRY_TRACE_MYSQL_PREPARED
#  define SENTRY_TRACE_MYSQL_PREPARED 64
#endif

// In the library's configuration namespace (as its own parts): a program whose TUs disagree on
// SENTRY_TRACE_ENABLED gets two sets of these functions, never one definition for both.
SENTRY_TRACE_DETAIL_BEGIN
namespace mysql {

#if SENTRY_TRACE_ENABLED
namespace mysql_detail {

inline constexpr std::string_view origin = "auto.db.mysql";
inline constexpr std::string_view system = "mysql";

/// Prepared statements' scrubbed texts, keyed by their MYSQL_STMT handle.
inline integration::statement_store<SENTRY_TRACE_MYSQL_PREPARED> prepared;

inline std::string_view text_of(const char* s) noexcept { return s ? std::string_view(s) : std::string_view(); }

/// Where the connection's queries go, read from the MYSQL handle's public fields (valid during
/// the call that starts the span, which copies them).
inline integration::db_target target_of(const MYSQL* connection) noexcept {
  integration::db_target t;
  t.system = system;
  t.origin = origin;
  t.dialect = integration::sql_dialect::mysql;
  if (connection == nullptr) return t;
  t.name = text_of(connection->db);
  t.user = text_of(connection->user);
  t.server_address = text_of(connection->host);
  t.server_port = connection->port <= 65535 ? static_cast<int>(connection->port) : 0;
  return t;
}

/// The span of `statement` under `parent`; the connection is read only when the span records.
inline span start(const MYSQL* connection, span_ref parent, std::string_view statement, bool scrubbed) noexcept {
  integration::db_query query;
  query.statement = statement;
  query.scrubbed = scrubbed;
  query.parent = parent;
  if (!parent.is_recording()) {
    integration::db_target bare;
    bare.system = system;
    bare.origin = origin;
    return integration::start_db_span(bare, query);  // no parent: empty; unsampled: the unsampled path
  }
  return integration::start_db_span(target_of(connection), query);
}

inline span start(const MYSQL* connection, std::string_view statement, bool scrubbed) noexcept {
  return start(connection, active_span(), statement, scrubbed);
}

/// The span of executing `stmt`: the text stmt_prepare kept for it, else `EXECUTE`.
inline span start_execute(MYSQL_STMT* stmt) noexcept {
  const MYSQL* connection = stmt ? stmt->mysql : nullptr;
  const span_ref parent = active_span();
  if (!parent.is_recording()) return start(connection, parent, std::string_view(), true);  // no text needed
  char text[integration::statement_store_text_bytes];
  const std::size_t n = prepared.recall(stmt, std::string_view(), text);
  if (n == 0) return start(connection, parent, "EXECUTE", true);  // not prepared through this header: never guess
  return start(connection, parent, std::string_view(text, n), true);
}

/// Keeps the scrubbed text of the statement prepared on `stmt`, for its executes.
inline void remember_prepared(const MYSQL_STMT* stmt, std::string_view statement) noexcept {
  char text[integration::scrubbed_sql_bytes];
  prepared.remember(stmt, std::string_view(),
                    integration::scrub_sql(statement, text, sizeof text, integration::sql_dialect::mysql));
}

/// unavailable when the server is gone, deadline_exceeded for timeouts, internal_error otherwise.
constexpr span_status status_of(unsigned int error_number) noexcept {
  switch (error_number) {
    case 2002: case 2003: case 2006: case 2013: case 2055: return span_status::unavailable;
    case 1205: case 1969: case 3024: return span_status::deadline_exceeded;
    default: return span_status::internal_error;
  }
}

/// `value` in decimal into `out`; the view of the digits.
inline std::string_view decimal(unsigned int value, char (&out)[12]) noexcept {
  std::size_t at = sizeof out;
  do {
    out[--at] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0 && at > 0);
  return std::string_view(out + at, sizeof out - at);
}

/// Ends `s`: ok when `rc` is 0, else with the error (its text up to the first quote:
/// integration::db_error_text).
inline void end(span& s, int rc, unsigned int error_number, const char* message) noexcept {
  if (rc == 0 || !s.is_recording()) {
    integration::end_db_span(s);
    return;
  }
  char text[integration::scrubbed_sql_bytes];
  char number[12];
  integration::db_error e;
  e.status = status_of(error_number);
  e.message = integration::db_error_text(text_of(message), text, sizeof text);
  if (error_number != 0) e.code = decimal(error_number, number);
  integration::end_db_span(s, e);
}

inline void end(span& s, int rc, MYSQL* connection) noexcept {
  if (rc != 0 && s.is_recording() && connection != nullptr) end(s, rc, mysql_errno(connection), mysql_error(connection));
  else end(s, rc, 0, "");
}

inline void end(span& s, int rc, MYSQL_STMT* stmt) noexcept {
  if (rc != 0 && s.is_recording() && stmt != nullptr) end(s, rc, mysql_stmt_errno(stmt), mysql_stmt_error(stmt));
  else end(s, rc, 0, "");
}

}  // namespace mysql_detail
#endif  // SENTRY_TRACE_ENABLED

/// mysql_real_query, traced.
inline int real_query(MYSQL* connection, const char* statement, unsigned long length) noexcept {
#if SENTRY_TRACE_ENABLED
  span s = mysql_detail::start(connection, std::string_view(statement ? statement : "", statement ? length : 0), false);
  const int rc = mysql_real_query(connection, statement, length);
  mysql_detail::end(s, rc, connection);
  return rc;
#else
  return mysql_real_query(connection, statement, length);
#endif
}

/// mysql_stmt_prepare, traced; a statement prepared without error is remembered for stmt_execute.
inline int stmt_prepare(MYSQL_STMT* stmt, const char* statement, unsigned long length) noexcept {
#if SENTRY_TRACE_ENABLED
  const std::string_view text(statement ? statement : "", statement ? length : 0);
  span s = mysql_detail::start(stmt ? stmt->mysql : nullptr, text, false);
  const int rc = mysql_stmt_prepare(stmt, statement, length);
  if (rc == 0) mysql_detail::remember_prepared(stmt, text);
  else mysql_detail::prepared.forget_owner(stmt);  // the handle's earlier statement is gone too
  mysql_detail::end(s, rc, stmt);
  return rc;
#else
  return mysql_stmt_prepare(stmt, statement, length);
#endif
}

/// mysql_stmt_execute, traced: the span carries the statement prepared on `stmt`.
inline int stmt_execute(MYSQL_STMT* stmt) noexcept {
#if SENTRY_TRACE_ENABLED
  span s = mysql_detail::start_execute(stmt);
  const int rc = mysql_stmt_execute(stmt);
  mysql_detail::end(s, rc, stmt);
  return rc;
#else
  return mysql_stmt_execute(stmt);
#endif
}

/// mysql_stmt_close, after forgetting the handle's statement text. Not traced. (Its return type
/// is the library's: my_bool in Connector/C, bool in MySQL 8.)
inline auto stmt_close(MYSQL_STMT* stmt) noexcept -> decltype(mysql_stmt_close(stmt)) {
#if SENTRY_TRACE_ENABLED
  mysql_detail::prepared.forget_owner(stmt);
#endif
  return mysql_stmt_close(stmt);
}

}  // namespace mysql
SENTRY_TRACE_DETAIL_END

#endif  // SENTRY_TRACE_INTEGRATIONS_MYSQL_HPP
