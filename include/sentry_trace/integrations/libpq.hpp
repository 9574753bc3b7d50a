// sentry_trace/integrations/libpq.hpp -- PostgreSQL queries (libpq) as Sentry db spans
//
// WHAT IT DOES  Drop-in replacements for libpq's query calls, with libpq's own signatures and
//               return values, each recording one `db` span under the active span:
//                 PGresult* r = sentry_trace::pq::exec(conn, "SELECT id FROM orders WHERE id = 42");
//                 r = sentry_trace::pq::exec_params(conn, "SELECT ... WHERE id = $1", 1, nullptr, values, nullptr, nullptr, 0);
//                 r = sentry_trace::pq::prepare(conn, "get_order", "SELECT ... WHERE id = $1", 1, nullptr);
//                 r = sentry_trace::pq::exec_prepared(conn, "get_order", 1, values, nullptr, nullptr, 0);
//               and the asynchronous pairs: send_query / send_query_params / send_prepare /
//               send_query_prepared start the span, get_result (PQgetResult) ends it at the first
//               failed result or at the final nullptr. finish(conn) ends a pending span and forgets
//               the connection's prepared statements, then calls PQfinish.
//               Each span (integrations/db_span.hpp): op `db`, origin `auto.db.libpq`, named by the
//               statement scrubbed (integrations/sql.hpp: literals to `?`, `$1` kept), with
//               db.system / db.system.name `postgresql`, db.statement / db.query.text,
//               db.operation.name, db.name / db.namespace (PQdb), db.user (PQuser),
//               server.address (PQhost) and server.port (PQport). exec_prepared /
//               send_query_prepared carry the text given to prepare / send_prepare on that
//               connection under that name (see LIMITS), else `EXECUTE <name>`.
//               A failed call (a nullptr result, PGRES_BAD_RESPONSE, PGRES_FATAL_ERROR,
//               PGRES_PIPELINE_ABORTED, a send that returns 0) still ends its span, with status
//               `unavailable` when the connection is gone (CONNECTION_BAD, SQLSTATE class 08 or
//               57P0x), `deadline_exceeded` for SQLSTATE 57014 (statement_timeout, a cancel),
//               `internal_error` otherwise; the status message is the server's primary error
//               message (PG_DIAG_MESSAGE_PRIMARY: not PQresultErrorMessage whole, whose DETAIL
//               line quotes row values), else libpq's PQerrorMessage, up to its first quote
//               (the server quotes the token or value it could not take, a literal or a bound
//               value, unescaped: `syntax error at or near ?`; integrations/db_error_text.hpp);
//               the SQLSTATE is `db.response.status_code`.
// DOES NOT      record bound values: paramValues are passed to libpq and never read. Nor start a
//               transaction: with no active span the call is traced by nothing (as the SDKs'
//               onlyIfParent). Nor allocate: statements are scrubbed into a stack buffer
//               (SENTRY_TRACE_MAX_STRING bytes kept; a 2 MB statement costs a scan of its first
//               KiB), prepared texts and pending spans live in fixed static tables.
// LIMITS        SENTRY_TRACE_PQ_PREPARED (64): prepared statements remembered, all connections
//               together; past it the oldest is replaced and its executes are named
//               `EXECUTE <name>` (integration::statement_store; names over 63 bytes are not kept).
//               SENTRY_TRACE_PQ_PENDING (64): connections with an asynchronous query in flight at
//               once; past it a send's span ends at the send (counted: pending_overflowed()).
//               One asynchronous query per connection, as libpq allows outside pipeline mode;
//               pipeline mode is not supported (a span would end at the first query's final
//               nullptr); a send while a query is pending ends the pending one's span first.
//               A statement prepared with PQprepare / SQL PREPARE, not through this header, is not
//               known to exec_prepared.
// THREADS       As libpq: one connection is used by one thread at a time; different connections
//               may be used on different threads (the tables are thread-safe).
// ERRORS        Exactly libpq's: every call returns what the libpq call returned, and the span is
//               a side effect that never changes it.
// COMPILED OUT  With SENTRY_TRACE_ENABLED=0 every function is the libpq call alone.

#ifndef SENTRY_TRACE_INTEGRATIONS_LIBPQ_HPP
#define SENTRY_TRACE_INTEGRATIONS_LIBPQ_HPP

#include "../../sentry_trace.hpp"

#include <libpq-fe.h>

#include <cstdint>

#if SENTRY_TRACE_ENABLED
#include "db_error_text.hpp"
#include "db_span.hpp"
#include "pending_spans.hpp"
#include "sql.hpp"
#include "statement_store.hpp"

#include <cstddef>
#include <cstring>
#include <string_view>
#include <utility>
#endif

#ifndef SENTRY_TRACE_PQ_PREPARED
#  define SENTRY_TRACE_PQ_PREPARED 64
#endif
#ifndef SENTRY_TRACE_PQ_PENDING
#  define SENTRY_TRACE_PQ_PENDING 64
#endif

// In the library's configuration namespace (as its own parts): a program whose TUs disagree on
// SENTRY_TRACE_ENABLED gets two sets of these functions, never one definition for both.
SENTRY_TRACE_DETAIL_BEGIN
namespace pq {

#if SENTRY_TRACE_ENABLED
namespace pq_detail {

inline constexpr std::string_view origin = "auto.db.libpq";
inline constexpr std::string_view system = "postgresql";

/// Prepared statements' scrubbed texts, keyed by (connection, statement name).
inline integration::statement_store<SENTRY_TRACE_PQ_PREPARED> prepared;
/// The span of each connection's asynchronous query, from send to the final PQgetResult.
inline integration::pending_spans<SENTRY_TRACE_PQ_PENDING> pending;

inline std::string_view text_of(const char* s) noexcept { return s ? std::string_view(s) : std::string_view(); }

/// "5432" as 5432; 0 when not a port number (then server.port is left out).
inline int port_number(const char* text) noexcept {
  if (text == nullptr || *text == '\0') return 0;
  int port = 0;
  for (const char* c = text; *c; ++c) {
    if (*c < '0' || *c > '9' || port > 65535) return 0;
    port = port * 10 + (*c - '0');
  }
  return port <= 65535 ? port : 0;
}

/// Where the connection's queries go, read from libpq (pointers into the PGconn, valid during
/// the call that starts the span, which copies them).
inline integration::db_target target_of(const PGconn* conn) noexcept {
  integration::db_target t;
  t.system = system;
  t.origin = origin;
  if (conn == nullptr) return t;
  t.name = text_of(PQdb(conn));
  t.user = text_of(PQuser(conn));
  t.server_address = text_of(PQhost(conn));
  t.server_port = port_number(PQport(conn));
  return t;
}

/// The span of `statement` (scrubbed by start_db_span unless `scrubbed`) under `parent`; the
/// connection is asked where it goes only when the span records.
inline span start(const PGconn* conn, span_ref parent, std::string_view statement, bool scrubbed = false) noexcept {
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
  return integration::start_db_span(target_of(conn), query);
}

/// The span of `statement` under this thread's active span.
inline span start(const PGconn* conn, std::string_view statement) noexcept {
  return start(conn, active_span(), statement);
}

/// `EXECUTE <name>` into `out`: the description of a statement whose text is not known.
inline std::size_t execute_by_name(std::string_view statement_name, char (&out)[integration::statement_store_text_bytes]) noexcept {
  constexpr std::string_view execute = "EXECUTE";
  std::size_t n = execute.size();
  std::memcpy(out, execute.data(), n);
  if (!statement_name.empty() && n + 1 + statement_name.size() <= sizeof out) {
    out[n++] = ' ';
    std::memcpy(out + n, statement_name.data(), statement_name.size());
    n += statement_name.size();
  }
  return n;
}

/// The span of executing the statement prepared under `name` on `conn`.
inline span start_prepared(const PGconn* conn, const char* name) noexcept {
  const span_ref parent = active_span();
  if (!parent.is_recording()) return start(conn, parent, std::string_view(), true);  // no text needed
  const std::string_view statement_name = text_of(name);
  char text[integration::statement_store_text_bytes];
  std::size_t n = prepared.recall(conn, statement_name, text);
  bool scrubbed = true;
  if (n == 0) {
    n = execute_by_name(statement_name, text);  // not prepared through this header: name it, never guess
    scrubbed = false;                           // scrubbed all the same: a name could look like a literal
  }
  return start(conn, parent, std::string_view(text, n), scrubbed);
}

/// Keeps the scrubbed text of a statement prepared under `name`, for its executes.
inline void remember_prepared(const PGconn* conn, const char* name, const char* query) noexcept {
  char text[integration::scrubbed_sql_bytes];
  prepared.remember(conn, text_of(name), integration::scrub_sql(text_of(query), text, sizeof text));
}

inline bool failed(ExecStatusType status) noexcept {
  return status == PGRES_BAD_RESPONSE || status == PGRES_FATAL_ERROR || status == PGRES_PIPELINE_ABORTED;
}

/// unavailable when the connection is gone (CONNECTION_BAD, SQLSTATE class 08 connection
/// exception, 57P0x shutdown), deadline_exceeded for 57014 (statement_timeout or a cancel),
/// internal_error otherwise.
inline span_status status_of(const PGconn* conn, std::string_view sqlstate) noexcept {
  if (conn == nullptr || PQstatus(conn) == CONNECTION_BAD) return span_status::unavailable;
  if (sqlstate.substr(0, 2) == "08" || sqlstate.substr(0, 4) == "57P0") return span_status::unavailable;
  if (sqlstate == "57014") return span_status::deadline_exceeded;
  return span_status::internal_error;
}

/// The error of a failed call: the server's primary message when there is one (not
/// PQresultErrorMessage whole, whose DETAIL line quotes row values, e.g. `Key (id)=(42)`), else
/// libpq's own (PQerrorMessage: no connection, a lost connection, a bad response). Cut at its
/// first quote into `buffer` (integration::db_error_text): the server quotes what it could not
/// take, which can be an inline literal or a bound value (`invalid input syntax for type
/// integer: "hunter2"`), and does not escape quotes inside it.
inline integration::db_error error_of(const PGconn* conn, const PGresult* result,
                                      char (&buffer)[integration::scrubbed_sql_bytes]) noexcept {
  integration::db_error e;
  const std::string_view sqlstate = result ? text_of(PQresultErrorField(result, PG_DIAG_SQLSTATE)) : std::string_view();
  e.code = sqlstate;
  e.status = status_of(conn, sqlstate);
  std::string_view message = result ? text_of(PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY)) : std::string_view();
  if (message.empty() && result) message = text_of(PQresultErrorMessage(result));
  if (message.empty()) message = conn ? text_of(PQerrorMessage(conn)) : std::string_view("no connection");
  e.message = integration::db_error_text(message, buffer, sizeof buffer);
  return e;
}

/// Ends `s` with the outcome of `result` (a nullptr result is a failure: libpq could not run the query).
inline void end(span& s, const PGconn* conn, const PGresult* result) noexcept {
  if (s.is_recording() && (result == nullptr || failed(PQresultStatus(result)))) {
    char buffer[integration::scrubbed_sql_bytes];
    integration::end_db_span(s, error_of(conn, result, buffer));
  } else {
    integration::end_db_span(s);
  }
}

/// A send returned 0: the query never left, its span ends now with libpq's error.
inline int finish_send(span& s, const PGconn* conn, int sent) noexcept {
  if (sent == 0) {
    end(s, conn, nullptr);
    return sent;
  }
  if (!s.is_recording()) {
    s.end();  // unsampled (or no parent): nothing records when it ends, so it takes no slot
    return sent;
  }
  if (!pending.claim(conn)) {
    s.end();  // every slot is taken: ends at the send (counted by pending.overflowed())
    return sent;
  }
  span earlier = pending.keep(conn, std::move(s));
  earlier.end();  // a query whose final result was never read
  return sent;
}

}  // namespace pq_detail
#endif  // SENTRY_TRACE_ENABLED

// ---- synchronous ---------------------------------------------------------------------------------

/// PQexec, traced.
inline PGresult* exec(PGconn* conn, const char* query) noexcept {
#if SENTRY_TRACE_ENABLED
  span s = pq_detail::start(conn, pq_detail::text_of(query));
  PGresult* result = PQexec(conn, query);
  pq_detail::end(s, conn, result);
  return result;
#else
  return PQexec(conn, query);
#endif
}

/// PQexecParams, traced: the span carries `command`, never paramValues.
inline PGresult* exec_params(PGconn* conn, const char* command, int n_params, const Oid* param_types,
                             const char* const* param_values, const int* param_lengths, const int* param_formats,
                             int result_format) noexcept {
#if SENTRY_TRACE_ENABLED
  span s = pq_detail::start(conn, pq_detail::text_of(command));
  PGresult* result =
      PQexecParams(conn, command, n_params, param_types, param_values, param_lengths, param_formats, result_format);
  pq_detail::end(s, conn, result);
  return result;
#else
  return PQexecParams(conn, command, n_params, param_types, param_values, param_lengths, param_formats,
                      result_format);
#endif
}

/// PQprepare, traced; a statement prepared without error is remembered for exec_prepared.
inline PGresult* prepare(PGconn* conn, const char* stmt_name, const char* query, int n_params,
                         const Oid* param_types) noexcept {
#if SENTRY_TRACE_ENABLED
  span s = pq_detail::start(conn, pq_detail::text_of(query));
  PGresult* result = PQprepare(conn, stmt_name, query, n_params, param_types);
  if (result != nullptr && PQresultStatus(result) == PGRES_COMMAND_OK) pq_detail::remember_prepared(conn, stmt_name, query);
  pq_detail::end(s, conn, result);
  return result;
#else
  return PQprepare(conn, stmt_name, query, n_params, param_types);
#endif
}

/// PQexecPrepared, traced: the span carries the statement prepared under stmt_name.
inline PGresult* exec_prepared(PGconn* conn, const char* stmt_name, int n_params, const char* const* param_values,
                               const int* param_lengths, const int* param_formats, int result_format) noexcept {
#if SENTRY_TRACE_ENABLED
  span s = pq_detail::start_prepared(conn, stmt_name);
  PGresult* result = PQexecPrepared(conn, stmt_name, n_params, param_values, param_lengths, param_formats, result_format);
  pq_detail::end(s, conn, result);
  return result;
#else
  return PQexecPrepared(conn, stmt_name, n_params, param_values, param_lengths, param_formats, result_format);
#endif
}

// ---- asynchronous: send_* starts the span, get_result ends it ------------------------------------

/// PQsendQuery, traced until get_result returns nullptr.
inline int send_query(PGconn* conn, const char* query) noexcept {
#if SENTRY_TRACE_ENABLED
  span s = pq_detail::start(conn, pq_detail::text_of(query));
  return pq_detail::finish_send(s, conn, PQsendQuery(conn, query));
#else
  return PQsendQuery(conn, query);
#endif
}

/// PQsendQueryParams, traced until get_result returns nullptr.
inline int send_query_params(PGconn* conn, const char* command, int n_params, const Oid* param_types,
                             const char* const* param_values, const int* param_lengths, const int* param_formats,
                             int result_format) noexcept {
#if SENTRY_TRACE_ENABLED
  span s = pq_detail::start(conn, pq_detail::text_of(command));
  return pq_detail::finish_send(s, conn,
                                PQsendQueryParams(conn, command, n_params, param_types, param_values, param_lengths,
                                                  param_formats, result_format));
#else
  return PQsendQueryParams(conn, command, n_params, param_types, param_values, param_lengths, param_formats,
                           result_format);
#endif
}

/// PQsendPrepare, traced until get_result returns nullptr. The statement is remembered for
/// exec_prepared / send_query_prepared when the send succeeds (a prepare that then fails on the
/// server is remembered too: executing it fails anyway).
inline int send_prepare(PGconn* conn, const char* stmt_name, const char* query, int n_params,
                        const Oid* param_types) noexcept {
#if SENTRY_TRACE_ENABLED
  span s = pq_detail::start(conn, pq_detail::text_of(query));
  const int sent = PQsendPrepare(conn, stmt_name, query, n_params, param_types);
  if (sent != 0) pq_detail::remember_prepared(conn, stmt_name, query);
  return pq_detail::finish_send(s, conn, sent);
#else
  return PQsendPrepare(conn, stmt_name, query, n_params, param_types);
#endif
}

/// PQsendQueryPrepared, traced until get_result returns nullptr.
inline int send_query_prepared(PGconn* conn, const char* stmt_name, int n_params, const char* const* param_values,
                               const int* param_lengths, const int* param_formats, int result_format) noexcept {
#if SENTRY_TRACE_ENABLED
  span s = pq_detail::start_prepared(conn, stmt_name);
  return pq_detail::finish_send(s, conn,
                                PQsendQueryPrepared(conn, stmt_name, n_params, param_values, param_lengths,
                                                    param_formats, result_format));
#else
  return PQsendQueryPrepared(conn, stmt_name, n_params, param_values, param_lengths, param_formats, result_format);
#endif
}

/// PQgetResult. The connection's pending span ends at the first failed result (with its error) or
/// at the final nullptr.
inline PGresult* get_result(PGconn* conn) noexcept {
#if SENTRY_TRACE_ENABLED
  PGresult* result = PQgetResult(conn);
  if (result == nullptr || pq_detail::failed(PQresultStatus(result))) {
    span s = pq_detail::pending.release(conn);
    if (result == nullptr) integration::end_db_span(s);  // the last result was read: ok
    else pq_detail::end(s, conn, result);
  }
  return result;
#else
  return PQgetResult(conn);
#endif
}

/// PQfinish, after ending the connection's pending span (its results were never read) and
/// forgetting its prepared statements, so that a new connection at the same address starts clean.
inline void finish(PGconn* conn) noexcept {
#if SENTRY_TRACE_ENABLED
  span left = pq_detail::pending.release(conn);
  left.set_status(span_status::cancelled);
  left.end();
  pq_detail::prepared.forget_owner(conn);
#endif
  PQfinish(conn);
}

/// Asynchronous queries not traced because SENTRY_TRACE_PQ_PENDING connections had one in flight.
inline std::uint64_t pending_overflowed() noexcept {
#if SENTRY_TRACE_ENABLED
  return pq_detail::pending.overflowed();
#else
  return 0;
#endif
}

}  // namespace pq
SENTRY_TRACE_DETAIL_END

#endif  // SENTRY_TRACE_INTEGRATIONS_LIBPQ_HPP
