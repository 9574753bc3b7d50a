// The SQLite wrappers built with SENTRY_TRACE_ENABLED=0 (this file only; CMakeLists.txt sets
// it): instrument() installs no callback and step(), exec(), prepare_v2() are the bare library
// calls. test_sqlite.cpp calls run_compiled_out() and checks what it returns.

#include "../../../include/sentry_trace/integrations/sqlite.hpp"

#if SENTRY_TRACE_ENABLED
#  error "compiled_out.cpp must be built with SENTRY_TRACE_ENABLED=0"
#endif

#include <string>

namespace {
int count_rows(void* count, int, char**, char**) {
  ++*static_cast<int*>(count);
  return 0;
}
}  // namespace

/// Runs a few statements through the wrappers on `db` and describes what they returned.
std::string run_compiled_out(sqlite3* db) {
  namespace sq = sentry_trace::sqlite;
  std::string out;
  out += std::to_string(sq::instrument(db)) + ",";
  char* error = nullptr;
  out += std::to_string(sq::exec(db, "CREATE TABLE off(a INTEGER PRIMARY KEY); INSERT INTO off VALUES (1)", nullptr, nullptr,
                                 &error)) + ",";
  int rows = 0;
  out += std::to_string(sq::exec(db, "SELECT * FROM off", &count_rows, &rows)) + ",";
  out += std::to_string(rows) + ",";
  sqlite3_stmt* stmt = nullptr;
  out += std::to_string(sq::prepare_v2(db, "INSERT INTO off VALUES (1)", -1, &stmt, nullptr)) + ",";
  out += std::to_string(sq::step(stmt)) + ",";
  sqlite3_finalize(stmt);
  out += std::to_string(sq::exec(db, "SELEC 1", nullptr, nullptr, &error));
  out += std::string(",") + (error ? error : "");
  sqlite3_free(error);
  return out;
}
