// sentry_trace/integrations/sqlite.hpp -- SQLite queries traced through sqlite3_trace_v2
//
// WHAT IT DOES  sentry_trace::sqlite::instrument(db) installs a trace callback on the connection
//               (sqlite3_trace_v2 with SQLITE_TRACE_STMT | SQLITE_TRACE_PROFILE) that makes one
//               span per statement run (db_span.hpp):
//                 name / db.statement / db.query.text  sqlite3_sql(stmt), the text as prepared
//                                          (never sqlite3_expanded_sql: bound values are never
//                                          read), scrubbed (sql.hpp) so inline literals are '?'
//                 op `db`, origin `auto.db.sqlite`, db.system / db.system.name `sqlite`,
//                 db.name / db.namespace   the main database's file (sqlite3_db_filename), left
//                                          out for an in-memory or temporary database
//                 db.operation.name        SELECT, INSERT, PRAGMA, ...
//                 parent                   this thread's active span when the statement started
//               The STMT event (the statement's first step) notes the time and the active span;
//               the PROFILE event (the statement done: its last step, or sqlite3_reset or
//               sqlite3_finalize) places the span with explicit timestamps, from that time to
//               now. The PROFILE event's own elapsed time is kept only as a fallback (a
//               statement started on another thread): SQLite measures it with the VFS clock,
//               in whole milliseconds, so a fast query would read 0 ns.
//               Errors: SQLite reports a statement that fails while it runs (a constraint
//               violation, a busy database) with the same PROFILE event as one that succeeds,
//               before the error is set on the connection, and one that fails to prepare (a
//               syntax error, no such table) with no event at all. So the hook alone marks every
//               span `ok`; the wrappers below, which see the result codes, record errors:
//                 step(stmt)                     sqlite3_step: a failing step ends the
//                                                statement's span with the error
//                 exec(db, sql, cb, arg, errmsg) sqlite3_exec, statement by statement: one span
//                                                per statement, the failing one with the error
//                 prepare_v2(db, sql, n, &stmt, &tail)  sqlite3_prepare_v2: a failure is an
//                                                error span named by the (scrubbed) statement
//               with the signatures and return values of the functions they replace. An error
//               span has the status of its result code (SQLITE_CONSTRAINT_UNIQUE/PRIMARYKEY
//               already_exists, other constraints failed_precondition, BUSY/LOCKED/CANTOPEN
//               unavailable, INTERRUPT cancelled, PERM/AUTH/READONLY permission_denied,
//               FULL/NOMEM/TOOBIG resource_exhausted, RANGE/MISMATCH invalid_argument,
//               CORRUPT/NOTADB data_loss, ABORT aborted, anything else internal_error),
//               sqlite3_errmsg() as its status message, db.response.status_code the extended
//               result code in decimal ("2067") and error.type its name
//               ("SQLITE_CONSTRAINT_UNIQUE").
// DOES NOT      keep a trace callback the program had set on the connection: sqlite3_trace_v2
//               holds one, and instrument() replaces it (uninstrument() removes ours). It makes
//               no span for a statement run outside any span (db_span.hpp), allocates nothing
//               (exec() calls back with the columns of up to 64-column rows from the stack;
//               wider rows, and the *errmsg string, come from sqlite3_malloc, as sqlite3_exec
//               does), and keeps no state per connection: per thread it notes up to 8 running
//               statements (more at once, and the oldest falls back to SQLite's millisecond
//               timing). exec() holds the connection's mutex per statement, not for the whole
//               call as sqlite3_exec does, does not honour PRAGMA empty_result_callbacks, and
//               when the callback asks to stop returns SQLITE_ABORT with "query aborted" in
//               *errmsg without setting it as the connection's error.
//               With SENTRY_TRACE_ENABLED=0 instrument() installs nothing and the wrappers are
//               the bare library calls.
// THREADS       A connection may be used from any thread SQLite allows: the callback runs on the
//               thread that steps, and what it notes is that thread's.
// ERRORS        instrument() returns what sqlite3_trace_v2 returns; the wrappers, what the
//               functions they wrap return.

#ifndef SENTRY_TRACE_INTEGRATIONS_SQLITE_HPP
#define SENTRY_TRACE_INTEGRATIONS_SQLITE_HPP

#include "../../sentry_trace.hpp"
#include "db_span.hpp"

#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace sentry_trace {
namespace sqlite {

namespace sqlite_detail {

/// SQLite's name of a result code, extended where it says more ("SQLITE_CONSTRAINT_UNIQUE").
constexpr std::string_view code_name(int extended) noexcept {
  constexpr std::string_view primary[] = {
      "SQLITE_OK",       "SQLITE_ERROR",    "SQLITE_INTERNAL", "SQLITE_PERM",     "SQLITE_ABORT",
      "SQLITE_BUSY",     "SQLITE_LOCKED",   "SQLITE_NOMEM",    "SQLITE_READONLY", "SQLITE_INTERRUPT",
      "SQLITE_IOERR",    "SQLITE_CORRUPT",  "SQLITE_NOTFOUND", "SQLITE_FULL",     "SQLITE_CANTOPEN",
      "SQLITE_PROTOCOL", "SQLITE_EMPTY",    "SQLITE_SCHEMA",   "SQLITE_TOOBIG",   "SQLITE_CONSTRAINT",
      "SQLITE_MISMATCH", "SQLITE_MISUSE",   "SQLITE_NOLFS",    "SQLITE_AUTH",     "SQLITE_FORMAT",
      "SQLITE_RANGE",    "SQLITE_NOTADB",   "SQLITE_NOTICE",   "SQLITE_WARNING"};
  constexpr std::string_view constraint[] = {
      "SQLITE_CONSTRAINT",          "SQLITE_CONSTRAINT_CHECK",    "SQLITE_CONSTRAINT_COMMITHOOK",
      "SQLITE_CONSTRAINT_FOREIGNKEY", "SQLITE_CONSTRAINT_FUNCTION", "SQLITE_CONSTRAINT_NOTNULL",
      "SQLITE_CONSTRAINT_PRIMARYKEY", "SQLITE_CONSTRAINT_TRIGGER",  "SQLITE_CONSTRAINT_UNIQUE",
      "SQLITE_CONSTRAINT_VTAB",     "SQLITE_CONSTRAINT_ROWID",    "SQLITE_CONSTRAINT_PINNED",
      "SQLITE_CONSTRAINT_DATATYPE"};
  const int code = extended & 0xff;
  const int sub = (extended >> 8) & 0xff;
  if (code == SQLITE_CONSTRAINT && sub < static_cast<int>(sizeof constraint / sizeof constraint[0])) return constraint[sub];
  if (code >= 0 && code < static_cast<int>(sizeof primary / sizeof primary[0])) return primary[code];
  return "SQLITE_ERROR";
}

/// The span status of a failed call's result code (see the top of this file).
constexpr span_status status_of(int extended) noexcept {
  switch (extended & 0xff) {
    case SQLITE_CONSTRAINT:
      return extended == SQLITE_CONSTRAINT_UNIQUE || extended == SQLITE_CONSTRAINT_PRIMARYKEY
                 ? span_status::already_exists
                 : span_status::failed_precondition;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN: return span_status::unavailable;
    case SQLITE_INTERRUPT: return span_status::cancelled;
    case SQLITE_PERM:
    case SQLITE_AUTH:
    case SQLITE_READONLY: return span_status::permission_denied;
    case SQLITE_FULL:
    case SQLITE_NOMEM:
    case SQLITE_TOOBIG: return span_status::resource_exhausted;
    case SQLITE_RANGE:
    case SQLITE_MISMATCH: return span_status::invalid_argument;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return span_status::data_loss;
    case SQLITE_ABORT: return span_status::aborted;
    default: return span_status::internal_error;
  }
}

constexpr bool is_error(int rc) noexcept { return rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE; }

/// A result code in decimal, for db.response.status_code.
struct code_digits {
  char text[12] = {};
  std::size_t size = 0;
  explicit code_digits(int code) noexcept {
    unsigned value = code < 0 ? 0u - static_cast<unsigned>(code) : static_cast<unsigned>(code);
    char reversed[12];
    std::size_t n = 0;
    do {
      reversed[n++] = static_cast<char>('0' + value % 10);
      value /= 10;
    } while (value && n < 11);
    if (code < 0) text[size++] = '-';
    while (n) text[size++] = reversed[--n];
  }
  std::string_view view() const noexcept { return {text, size}; }
};

/// Ends a query span with the connection's error for result code `rc`.
inline void end_with_error(span& s, sqlite3* db, int rc, span_time at = {}) noexcept {
  if (!s.is_recording()) {
    s.end(at);
    return;
  }
  const int extended = db ? sqlite3_extended_errcode(db) : rc;
  const int code = (extended & 0xff) == (rc & 0xff) ? extended : rc;  // the connection's, if it is this error
  const code_digits digits(code);
  const char* message = db && (extended & 0xff) == (rc & 0xff) ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  integration::end_db_span(s, integration::db_error{status_of(code), message ? message : "", digits.view(), code_name(code)}, at);
}

#if SENTRY_TRACE_ENABLED

/// The target of every span of connection `db`; the file name only when it will be recorded.
inline integration::db_target target_of(sqlite3* db, bool recording) noexcept {
  integration::db_target t;
  t.system = "sqlite";
  t.origin = "auto.db.sqlite";
  if (recording && db) {
    const char* file = sqlite3_db_filename(db, "main");
    if (file) t.name = file;
  }
  return t;
}

/// A statement that started running on this thread: when, and under which span.
struct running_statement {
  const sqlite3_stmt* stmt = nullptr;
  span_ref parent{};
  span_time started{};
};

struct call_scope;

/// What the trace callback keeps per thread: trivially destructible and constant-initialized,
/// so the thread_local costs no constructor, destructor or allocation.
struct thread_state {
  static constexpr std::size_t slots = 8;
  running_statement running[slots] = {};
  std::size_t next = 0;         ///< the slot a new statement takes when none is free
  call_scope* call = nullptr;   ///< the innermost step() on this thread
};
inline thread_local thread_state t_state{};

/// step()'s frame: the span the PROFILE event of its statement hands over, so that step() can
/// end it with the result it returns.
struct call_scope {
  sqlite3_stmt* stmt;
  call_scope* previous;
  span held{};
  span_time ended{};

  explicit call_scope(sqlite3_stmt* s) noexcept : stmt(s), previous(t_state.call) { t_state.call = this; }
  ~call_scope() { t_state.call = previous; }
  call_scope(const call_scope&) = delete;
  call_scope& operator=(const call_scope&) = delete;

  void finish(int rc) noexcept {
    if (!held.is_active()) return;
    if (is_error(rc)) end_with_error(held, sqlite3_db_handle(stmt), rc, ended);
    else integration::end_db_span(held, ended);
  }
};

inline void note_start(const sqlite3_stmt* stmt, const span_ref& parent, span_time at) noexcept {
  thread_state& t = t_state;
  running_statement* slot = nullptr;
  for (running_statement& r : t.running) {
    if (r.stmt == stmt) {
      slot = &r;
      break;
    }
    if (!slot && !r.stmt) slot = &r;
  }
  if (!slot) {
    slot = &t.running[t.next];
    t.next = (t.next + 1) % thread_state::slots;
  }
  slot->stmt = stmt;
  slot->parent = parent;
  slot->started = at;
}

inline bool take_start(const sqlite3_stmt* stmt, running_statement& out) noexcept {
  for (running_statement& r : t_state.running) {
    if (r.stmt == stmt) {
      out = r;
      r.stmt = nullptr;
      return true;
    }
  }
  return false;
}

/// SQLITE_TRACE_STMT: a statement's first step (or a trigger's subprogram, whose text is an
/// SQL comment in place of the statement's: skipped).
inline void on_statement(sqlite3_stmt* stmt, const char* text) noexcept {
  if (text && text != sqlite3_sql(stmt) && text[0] == '-' && text[1] == '-') return;
  const span_ref parent = active_span();
  if (!parent.is_valid()) return;
  note_start(stmt, parent, now());
}

/// SQLITE_TRACE_PROFILE: the statement is done; its span is placed from its start to now.
inline void on_profile(sqlite3_stmt* stmt, std::int64_t elapsed_ns) noexcept {
  const span_time end = now();
  running_statement start;
  if (!take_start(stmt, start)) {
    start.parent = active_span();
    start.started = end.minus_ns(elapsed_ns > 0 ? static_cast<std::uint64_t>(elapsed_ns) : 0);
  }
  if (!start.parent.is_valid()) return;
  const integration::db_target target = target_of(sqlite3_db_handle(stmt), start.parent.is_recording());
  const char* sql = sqlite3_sql(stmt);
  integration::db_query query;
  query.statement = sql ? std::string_view(sql) : std::string_view();
  query.start_time = start.started;
  query.parent = start.parent;
  span s = integration::start_db_span(target, query);
  call_scope* call = t_state.call;
  if (call && call->stmt == stmt && !call->held.is_active()) {
    call->held = static_cast<span&&>(s);
    call->ended = end;
    return;
  }
  integration::end_db_span(s, end);
}

inline int trace_callback(unsigned type, void*, void* p, void* x) noexcept {
  if (type == SQLITE_TRACE_STMT) {
    on_statement(static_cast<sqlite3_stmt*>(p), static_cast<const char*>(x));
  } else if (type == SQLITE_TRACE_PROFILE) {
    on_profile(static_cast<sqlite3_stmt*>(p), x ? *static_cast<const sqlite3_int64*>(x) : 0);
  }
  return 0;
}

/// A failed prepare: an error span from `started` to now, named by the statement.
inline void record_prepare_error(sqlite3* db, std::string_view statement, span_time started, int rc) noexcept {
  integration::db_query query;
  query.statement = statement;
  query.start_time = started;
  const span_ref parent = active_span();
  if (!parent.is_valid()) return;
  query.parent = parent;
  span s = integration::start_db_span(target_of(db, parent.is_recording()), query);
  end_with_error(s, db, rc);
}

#endif  // SENTRY_TRACE_ENABLED

}  // namespace sqlite_detail

/// Traces every statement of `db` (see the top of this file). Replaces any trace callback set
/// on the connection. Returns sqlite3_trace_v2's result.
inline int instrument(sqlite3* db) noexcept {
#if SENTRY_TRACE_ENABLED
  return sqlite3_trace_v2(db, SQLITE_TRACE_STMT | SQLITE_TRACE_PROFILE, &sqlite_detail::trace_callback, nullptr);
#else
  static_cast<void>(db);
  return SQLITE_OK;
#endif
}

/// Removes the trace callback (any, ours or not).
inline int uninstrument(sqlite3* db) noexcept {
#if SENTRY_TRACE_ENABLED
  return sqlite3_trace_v2(db, 0, nullptr, nullptr);
#else
  static_cast<void>(db);
  return SQLITE_OK;
#endif
}

/// sqlite3_step(stmt); when the step fails, the statement's span ends with the error.
inline int step(sqlite3_stmt* stmt) noexcept {
#if SENTRY_TRACE_ENABLED
  sqlite_detail::call_scope scope(stmt);
  const int rc = sqlite3_step(stmt);
  scope.finish(rc);
  return rc;
#else
  return sqlite3_step(stmt);
#endif
}

/// sqlite3_prepare_v2(); a failure is an error span named by the statement.
inline int prepare_v2(sqlite3* db, const char* sql, int bytes, sqlite3_stmt** stmt, const char** tail) noexcept {
#if SENTRY_TRACE_ENABLED
  const span_time started = now();
  const int rc = sqlite3_prepare_v2(db, sql, bytes, stmt, tail);
  if (rc != SQLITE_OK && sql) {
    const std::size_t size = bytes < 0 ? std::strlen(sql) : static_cast<std::size_t>(bytes);
    sqlite_detail::record_prepare_error(db, std::string_view(sql, size), started, rc);
  }
  return rc;
#else
  return sqlite3_prepare_v2(db, sql, bytes, stmt, tail);
#endif
}

/// sqlite3_exec(), run statement by statement (prepare_v2, step, finalize) so that each
/// statement's span, and the failing one's error, are its own. Same arguments, callback calls
/// and result codes; *errmsg, when an error is returned, comes from sqlite3_malloc (free it
/// with sqlite3_free), as sqlite3_exec's does.
inline int exec(sqlite3* db, const char* sql, int (*callback)(void*, int, char**, char**) = nullptr,
                void* argument = nullptr, char** errmsg = nullptr) noexcept {
#if SENTRY_TRACE_ENABLED
  if (errmsg) *errmsg = nullptr;
  if (!db) return SQLITE_MISUSE;
  constexpr int stack_columns = 64;
  char* stack_row[2 * stack_columns + 1];
  int rc = SQLITE_OK;
  bool aborted = false;
  const char* rest = sql ? sql : "";
  while (rc == SQLITE_OK && *rest) {
    sqlite3_stmt* stmt = nullptr;
    const char* tail = rest;
    rc = prepare_v2(db, rest, -1, &stmt, &tail);
    if (rc != SQLITE_OK) break;
    if (!stmt) {  // only whitespace or a comment was left
      rest = tail;
      continue;
    }
    char** row = nullptr;  // column names, then values
    int columns = 0;
    for (;;) {
      rc = step(stmt);
      if (callback && rc == SQLITE_ROW) {
        if (!row) {
          columns = sqlite3_column_count(stmt);
          row = columns <= stack_columns
                    ? stack_row
                    : static_cast<char**>(sqlite3_malloc64(sizeof(char*) * (2 * static_cast<std::size_t>(columns) + 1)));
          if (!row) {
            rc = SQLITE_NOMEM;
            break;
          }
          for (int i = 0; i < columns; ++i) row[i] = const_cast<char*>(sqlite3_column_name(stmt, i));
        }
        char** values = row + columns;
        for (int i = 0; i < columns; ++i)
          values[i] = const_cast<char*>(reinterpret_cast<const char*>(sqlite3_column_text(stmt, i)));
        values[columns] = nullptr;
        if (callback(argument, columns, values, row) != 0) {
          rc = SQLITE_ABORT;
          aborted = true;
          break;
        }
      }
      if (rc != SQLITE_ROW) break;
    }
    if (row && row != stack_row) sqlite3_free(row);
    const int finalized = sqlite3_finalize(stmt);
    if (!aborted && rc != SQLITE_NOMEM) rc = finalized;
    rest = tail;
    while (*rest == ' ' || *rest == '\t' || *rest == '\n' || *rest == '\r' || *rest == '\f' || *rest == '\v') ++rest;
  }
  if (rc != SQLITE_OK && errmsg) *errmsg = sqlite3_mprintf("%s", aborted ? sqlite3_errstr(SQLITE_ABORT) : sqlite3_errmsg(db));
  return rc;
#else
  return sqlite3_exec(db, sql, callback, argument, errmsg);
#endif
}

}  // namespace sqlite
}  // namespace sentry_trace

#endif  // SENTRY_TRACE_INTEGRATIONS_SQLITE_HPP
