// integrations/libpq.hpp with SENTRY_TRACE_ENABLED=0: every wrapper is the libpq call alone and
// returns what it returns. Linked into integration_libpq; its functions live in another
// configuration namespace, so they never collide with the traced ones.
#undef SENTRY_TRACE_INTERNALS
#define SENTRY_TRACE_ENABLED 0
#include <sentry_trace/integrations/libpq.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

TEST_CASE("integration libpq compiled out: the wrappers are libpq's calls") {
  const char* port = std::getenv("SENTRY_TRACE_TEST_PG_PORT");
  REQUIRE(port != nullptr);
  const std::string conninfo = std::string("host=127.0.0.1 dbname=postgres user=postgres port=") + port;
  PGconn* conn = PQconnectdb(conninfo.c_str());
  REQUIRE(PQstatus(conn) == CONNECTION_OK);
  PGresult* r = sentry_trace::pq::exec(conn, "SELECT 6 * 7");
  CHECK(std::string(PQgetvalue(r, 0, 0)) == "42");
  PQclear(r);
  const char* values[] = {"5"};
  r = sentry_trace::pq::prepare(conn, "twice", "SELECT $1::int * 2", 1, nullptr);
  CHECK(PQresultStatus(r) == PGRES_COMMAND_OK);
  PQclear(r);
  r = sentry_trace::pq::exec_prepared(conn, "twice", 1, values, nullptr, nullptr, 0);
  CHECK(std::string(PQgetvalue(r, 0, 0)) == "10");
  PQclear(r);
  r = sentry_trace::pq::exec_params(conn, "SELECT $1::int + 1", 1, nullptr, values, nullptr, nullptr, 0);
  CHECK(std::string(PQgetvalue(r, 0, 0)) == "6");
  PQclear(r);
  REQUIRE(sentry_trace::pq::send_query(conn, "SELECT 1") == 1);
  int results = 0;
  while (PGresult* each = sentry_trace::pq::get_result(conn)) {
    ++results;
    PQclear(each);
  }
  CHECK(results == 1);
  CHECK(sentry_trace::pq::pending_overflowed() == 0);
  sentry_trace::pq::finish(conn);
}
