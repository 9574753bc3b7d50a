// integrations/mysql.hpp with SENTRY_TRACE_ENABLED=0: every wrapper is the client library call
// alone and returns what it returns. Linked into integration_mysql; its functions live in
// another configuration namespace, so they never collide with the traced ones.
#undef SENTRY_TRACE_INTERNALS
#define SENTRY_TRACE_ENABLED 0
#include <sentry_trace/integrations/mysql.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <cstring>
#include <string>

TEST_CASE("integration mysql compiled out: the wrappers are the client library's calls") {
  const char* port = std::getenv("SENTRY_TRACE_TEST_MYSQL_PORT");
  REQUIRE(port != nullptr);
  MYSQL* db = mysql_init(nullptr);
  REQUIRE(mysql_real_connect(db, "127.0.0.1", "root", "", "sentry_trace_test", static_cast<unsigned>(std::atoi(port)),
                             nullptr, 0) != nullptr);
  const char* sql = "SELECT 6 * 7";
  CHECK(sentry_trace::mysql::real_query(db, sql, std::strlen(sql)) == 0);
  MYSQL_RES* rows = mysql_store_result(db);
  REQUIRE(rows != nullptr);
  CHECK(std::string(mysql_fetch_row(rows)[0]) == "42");
  mysql_free_result(rows);
  MYSQL_STMT* stmt = mysql_stmt_init(db);
  const char* prepared = "SELECT 1";
  CHECK(sentry_trace::mysql::stmt_prepare(stmt, prepared, std::strlen(prepared)) == 0);
  CHECK(sentry_trace::mysql::stmt_execute(stmt) == 0);
  CHECK(sentry_trace::mysql::stmt_close(stmt) == 0);
  const char* bad = "SELEC 1";
  CHECK(sentry_trace::mysql::real_query(db, bad, std::strlen(bad)) != 0);
  CHECK(mysql_errno(db) == 1064);
  mysql_close(db);
}
