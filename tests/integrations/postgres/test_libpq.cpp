// Tests for sentry_trace/integrations/libpq.hpp against a real PostgreSQL server, started on
// loopback by tests/integrations/servers.py (SENTRY_TRACE_TEST_PG_*): the spans' names, ops,
// origins, attributes, parents and statuses, scrubbing, bound values never sent, failures, the
// asynchronous pairs and a 2 MB statement.

#include "../db_test_support.hpp"

#include <sentry_trace/integrations/libpq.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace {

namespace st = sentry_trace;
namespace pq = sentry_trace::pq;
using db_test::recorded;
using db_test::traced_transaction;
using test_support::json;

std::string conninfo_for_port(const std::string& port) {
  return "host=" + db_test::environment("SENTRY_TRACE_TEST_PG_HOST") + " port=" + port +
         " user=" + db_test::environment("SENTRY_TRACE_TEST_PG_USER") +
         " dbname=" + db_test::environment("SENTRY_TRACE_TEST_PG_DB") + " connect_timeout=10";
}

/// A connection to the test server, closed with pq::finish.
struct connection {
  PGconn* conn = nullptr;
  explicit connection(const std::string& conninfo = conninfo_for_port(db_test::environment("SENTRY_TRACE_TEST_PG_PORT")))
      : conn(PQconnectdb(conninfo.c_str())) {}
  ~connection() { pq::finish(conn); }
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  bool ok() const { return PQstatus(conn) == CONNECTION_OK; }
};

/// Runs a statement untraced, for set-up; fails the test when it fails.
void setup(PGconn* conn, const char* sql) {
  PGresult* r = PQexec(conn, sql);
  const ExecStatusType status = PQresultStatus(r);
  INFO(sql, ": ", PQresultErrorMessage(r));
  CHECK((status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK));
  PQclear(r);
}

/// Reads every result of an asynchronous query through pq::get_result; their statuses in order.
std::vector<ExecStatusType> drain(PGconn* conn) {
  std::vector<ExecStatusType> statuses;
  while (PGresult* r = pq::get_result(conn)) {
    statuses.push_back(PQresultStatus(r));
    PQclear(r);
  }
  return statuses;
}

/// The attributes every span of this connection carries.
void check_connection_attributes(const json& span) {
  const json& data = span["data"];
  CHECK(span["op"].str == "db");
  CHECK(span["origin"].str == "auto.db.libpq");
  CHECK(data["sentry.origin"].str == "auto.db.libpq");
  CHECK(data["db.system"].str == "postgresql");
  CHECK(data["db.system.name"].str == "postgresql");
  CHECK(data["db.name"].str == db_test::environment("SENTRY_TRACE_TEST_PG_DB"));
  CHECK(data["db.namespace"].str == db_test::environment("SENTRY_TRACE_TEST_PG_DB"));
  CHECK(data["db.user"].str == db_test::environment("SENTRY_TRACE_TEST_PG_USER"));
  CHECK(data["server.address"].str == db_test::environment("SENTRY_TRACE_TEST_PG_HOST"));
  CHECK(data["server.port"].raw_number == db_test::environment("SENTRY_TRACE_TEST_PG_PORT"));
}

}  // namespace

TEST_SUITE("integration libpq") {

TEST_CASE("exec: one db span under the active span, named by the statement with its literals scrubbed") {
  connection c;
  REQUIRE(c.ok());
  int rows = -1;
  std::string value;
  const recorded r = traced_transaction([&] {
    PGresult* res = pq::exec(c.conn, "SELECT 42 AS answer, 'top secret' AS word -- a comment\n WHERE 1 IN (1, 2, 3)");
    REQUIRE(PQresultStatus(res) == PGRES_TUPLES_OK);
    rows = PQntuples(res);
    value = PQgetvalue(res, 0, 1);
    PQclear(res);
  });
  CHECK(rows == 1);
  CHECK(value == "top secret");
  REQUIRE(r.transactions == 1);
  const json& span = r.only_span();
  CHECK(span["description"].str == "SELECT ? AS answer, ? AS word WHERE ? IN (?)");
  CHECK(span["data"]["db.statement"].str == span["description"].str);
  CHECK(span["data"]["db.query.text"].str == span["description"].str);
  CHECK(span["data"]["db.operation.name"].str == "SELECT");
  CHECK(span["parent_span_id"].str == r.root_id);
  CHECK(span["status"].str == "ok");
  CHECK(db_test::duration_s(span) >= 0);
  check_connection_attributes(span);
  CHECK(r.bytes.find("top secret") == std::string::npos);
  CHECK(r.bytes.find("a comment") == std::string::npos);
}

TEST_CASE("exec_params: the command with its placeholders, never the bound values") {
  connection c;
  REQUIRE(c.ok());
  setup(c.conn, "CREATE TEMP TABLE orders (id int PRIMARY KEY, customer text)");
  const char* values[] = {"7", "customer-password-hunter2"};
  std::string read_back;
  const recorded r = traced_transaction([&] {
    PGresult* res = pq::exec_params(c.conn, "INSERT INTO orders (id, customer) VALUES ($1, $2)", 2, nullptr, values,
                                    nullptr, nullptr, 0);
    CHECK(PQresultStatus(res) == PGRES_COMMAND_OK);
    CHECK(std::string(PQcmdTuples(res)) == "1");
    PQclear(res);
    const char* id[] = {"7"};
    res = pq::exec_params(c.conn, "SELECT customer FROM orders WHERE id = $1", 1, nullptr, id, nullptr, nullptr, 0);
    REQUIRE(PQntuples(res) == 1);
    read_back = PQgetvalue(res, 0, 0);
    PQclear(res);
  });
  CHECK(read_back == "customer-password-hunter2");
  const std::vector<const json*> spans = r.spans();
  REQUIRE(spans.size() == 2);
  CHECK((*spans[0])["description"].str == "INSERT INTO orders (id, customer) VALUES ($1, $2)");
  CHECK((*spans[0])["data"]["db.operation.name"].str == "INSERT");
  CHECK((*spans[1])["description"].str == "SELECT customer FROM orders WHERE id = $1");
  for (const json* s : spans) {
    CHECK((*s)["parent_span_id"].str == r.root_id);
    CHECK((*s)["status"].str == "ok");
    check_connection_attributes(*s);
  }
  CHECK(r.bytes.find("hunter2") == std::string::npos);
}

TEST_CASE("prepare and exec_prepared: the execute span carries the prepared text, not the values") {
  connection c;
  REQUIRE(c.ok());
  setup(c.conn, "CREATE TEMP TABLE accounts (id int, token text)");
  setup(c.conn, "INSERT INTO accounts VALUES (1, 'tok-1'), (2, 'tok-2')");
  // Prepared with libpq itself, not through the header: its text is not known.
  PGresult* direct = PQprepare(c.conn, "direct_stmt", "SELECT 1 WHERE $1::int > 0", 1, nullptr);
  REQUIRE(PQresultStatus(direct) == PGRES_COMMAND_OK);
  PQclear(direct);
  const recorded r = traced_transaction([&] {
    PGresult* res = pq::prepare(c.conn, "token_by_id", "SELECT token FROM accounts WHERE id = $1 AND token <> 'x'", 1,
                                nullptr);
    CHECK(PQresultStatus(res) == PGRES_COMMAND_OK);
    PQclear(res);
    const char* id[] = {"2"};
    res = pq::exec_prepared(c.conn, "token_by_id", 1, id, nullptr, nullptr, 0);
    REQUIRE(PQntuples(res) == 1);
    CHECK(std::string(PQgetvalue(res, 0, 0)) == "tok-2");
    PQclear(res);
    const char* secret[] = {"98765"};
    res = pq::exec_prepared(c.conn, "direct_stmt", 1, secret, nullptr, nullptr, 0);
    CHECK(PQresultStatus(res) == PGRES_TUPLES_OK);
    PQclear(res);
  });
  const std::vector<const json*> spans = r.spans();
  REQUIRE(spans.size() == 3);
  CHECK((*spans[0])["description"].str == "SELECT token FROM accounts WHERE id = $1 AND token <> ?");
  CHECK((*spans[1])["description"].str == "SELECT token FROM accounts WHERE id = $1 AND token <> ?");
  CHECK((*spans[1])["data"]["db.operation.name"].str == "SELECT");
  CHECK((*spans[2])["description"].str == "EXECUTE direct_stmt");
  CHECK((*spans[2])["data"]["db.operation.name"].str == "EXECUTE");
  for (const json* s : spans) {
    CHECK((*s)["status"].str == "ok");
    CHECK((*s)["parent_span_id"].str == r.root_id);
    check_connection_attributes(*s);
  }
  CHECK(r.bytes.find("98765") == std::string::npos);
  CHECK(r.bytes.find("tok-2") == std::string::npos);
}

TEST_CASE("a statement the server rejects: internal_error, the server's message and the SQLSTATE") {
  connection c;
  REQUIRE(c.ok());
  ExecStatusType status = PGRES_COMMAND_OK;
  const recorded r = traced_transaction([&] {
    PGresult* res = pq::exec(c.conn, "SELEC 1 FROM nowhere");
    status = PQresultStatus(res);
    PQclear(res);
    setup(c.conn, "CREATE TEMP TABLE uniq (id int PRIMARY KEY)");
    setup(c.conn, "INSERT INTO uniq VALUES (31337)");
    const char* dup[] = {"31337"};
    res = pq::exec_params(c.conn, "INSERT INTO uniq VALUES ($1)", 1, nullptr, dup, nullptr, nullptr, 0);
    CHECK(PQresultStatus(res) == PGRES_FATAL_ERROR);
    PQclear(res);
    const char* not_a_number[] = {"hunter2-bound"};
    res = pq::exec_params(c.conn, "SELECT $1::int", 1, nullptr, not_a_number, nullptr, nullptr, 0);
    CHECK(PQresultStatus(res) == PGRES_FATAL_ERROR);
    PQclear(res);
  });
  CHECK(status == PGRES_FATAL_ERROR);
  const std::vector<const json*> spans = r.spans();
  REQUIRE(spans.size() == 3);
  // The server quotes the value it could not take: the message keeps its words, not the value.
  CHECK((*spans[2])["data"]["sentry.status.message"].str == "invalid input syntax for type integer: ?");
  CHECK((*spans[2])["data"]["db.response.status_code"].str == "22P02");
  CHECK(r.bytes.find("hunter2") == std::string::npos);
  const json& syntax = *spans[0];
  CHECK(syntax["description"].str == "SELEC ? FROM nowhere");
  CHECK(syntax["status"].str == "internal_error");
  CHECK(syntax["data"]["sentry.status.message"].str == "syntax error at or near ?");
  CHECK(syntax["data"]["db.response.status_code"].str == "42601");
  CHECK(!syntax["data"].has("db.operation.name"));
  CHECK(syntax["parent_span_id"].str == r.root_id);
  const json& unique = *spans[1];
  CHECK(unique["status"].str == "internal_error");
  CHECK(unique["data"]["db.response.status_code"].str == "23505");
  CHECK(unique["data"]["sentry.status.message"].str == "duplicate key value violates unique constraint ?");
  // The DETAIL line ("Key (id)=(31337) already exists.") is left out: it quotes the value.
  CHECK(r.bytes.find("31337") == std::string::npos);
}

TEST_CASE("a connection to a port where nothing listens: exec returns nullptr, the span is unavailable") {
  connection c(conninfo_for_port(std::to_string(db_test::closed_port())));
  REQUIRE(!c.ok());
  PGresult* res = reinterpret_cast<PGresult*>(1);
  const recorded r = traced_transaction([&] { res = pq::exec(c.conn, "SELECT 1"); });
  CHECK(res == nullptr);
  const json& span = r.only_span();
  CHECK(span["description"].str == "SELECT ?");
  CHECK(span["status"].str == "unavailable");
  CHECK(span["data"]["sentry.status.message"].str == "no connection to the server");
  CHECK(span["parent_span_id"].str == r.root_id);
  CHECK(span["data"]["db.system"].str == "postgresql");
}

TEST_CASE("send_query and get_result: the span lasts until the final nullptr") {
  connection c;
  REQUIRE(c.ok());
  std::vector<ExecStatusType> statuses;
  const recorded r = traced_transaction([&] {
    REQUIRE(pq::send_query(c.conn, "SELECT pg_sleep(0.05), 'async secret'; SELECT 2") == 1);
    // A span started between the send and the results is a sibling, not a child of the query.
    st::span between = st::start_span_manual({"between", "task"});
    between.end();
    statuses = drain(c.conn);
  });
  CHECK(statuses == std::vector<ExecStatusType>{PGRES_TUPLES_OK, PGRES_TUPLES_OK});
  const json& query = r.only_span();
  CHECK(query["description"].str == "SELECT pg_sleep(?), ?; SELECT ?");
  CHECK(query["status"].str == "ok");
  CHECK(query["parent_span_id"].str == r.root_id);
  CHECK(db_test::duration_s(query) >= 0.045);
  check_connection_attributes(query);
  CHECK(r.only_span("task")["parent_span_id"].str == r.root_id);
  CHECK(r.bytes.find("async secret") == std::string::npos);
}

TEST_CASE("the asynchronous prepared pair and a failing asynchronous query") {
  connection c;
  REQUIRE(c.ok());
  const recorded r = traced_transaction([&] {
    REQUIRE(pq::send_prepare(c.conn, "async_stmt", "SELECT $1::text || 'suffix'", 1, nullptr) == 1);
    CHECK(drain(c.conn) == std::vector<ExecStatusType>{PGRES_COMMAND_OK});
    const char* value[] = {"bound-async-value"};
    REQUIRE(pq::send_query_prepared(c.conn, "async_stmt", 1, value, nullptr, nullptr, 0) == 1);
    CHECK(drain(c.conn) == std::vector<ExecStatusType>{PGRES_TUPLES_OK});
    REQUIRE(pq::send_query_params(c.conn, "SELECT * FROM missing_table WHERE a = $1", 1, nullptr, value, nullptr,
                                  nullptr, 0) == 1);
    CHECK(drain(c.conn) == std::vector<ExecStatusType>{PGRES_FATAL_ERROR});
  });
  const std::vector<const json*> spans = r.spans();
  REQUIRE(spans.size() == 3);
  CHECK((*spans[0])["description"].str == "SELECT $1::text || ?");
  CHECK((*spans[1])["description"].str == "SELECT $1::text || ?");
  CHECK((*spans[0])["status"].str == "ok");
  CHECK((*spans[1])["status"].str == "ok");
  CHECK((*spans[2])["description"].str == "SELECT * FROM missing_table WHERE a = $1");
  CHECK((*spans[2])["status"].str == "internal_error");
  CHECK((*spans[2])["data"]["db.response.status_code"].str == "42P01");
  CHECK((*spans[2])["data"]["sentry.status.message"].str == "relation ?");
  for (const json* s : spans) CHECK((*s)["parent_span_id"].str == r.root_id);
  CHECK(r.bytes.find("bound-async-value") == std::string::npos);
}

TEST_CASE("a send on a dead connection ends its span at once, unavailable") {
  connection c(conninfo_for_port(std::to_string(db_test::closed_port())));
  int sent = -1;
  const recorded r = traced_transaction([&] {
    sent = pq::send_query(c.conn, "SELECT 1");
    CHECK(pq::get_result(c.conn) == nullptr);
  });
  CHECK(sent == 0);
  const json& span = r.only_span();
  CHECK(span["status"].str == "unavailable");
  CHECK(span["data"]["sentry.status.message"].str == "no connection to the server");
}

TEST_CASE("a 2 MB statement: the server runs it, the span keeps a scrubbed, truncated name") {
  connection c;
  REQUIRE(c.ok());
  std::string statement = "SELECT length('";
  statement.append(2u << 20, 'x');
  statement += "')";
  // A 2 MB quoted alias: the server truncates it to 63 bytes (with a NOTICE), the span to its
  // string limit.
  std::string alias = "SELECT 12345 AS \"";
  alias.append(2u << 20, 'a');
  alias += "\"";
  std::string length;
  int fields = 0;
  const recorded r = traced_transaction([&] {
    PGresult* res = pq::exec(c.conn, statement.c_str());
    REQUIRE(PQresultStatus(res) == PGRES_TUPLES_OK);
    length = PQgetvalue(res, 0, 0);
    PQclear(res);
    res = pq::exec(c.conn, alias.c_str());
    INFO(PQresultErrorMessage(res));
    fields = PQnfields(res);
    PQclear(res);
  });
  CHECK(length == std::to_string(2u << 20));
  CHECK(fields == 1);
  const std::vector<const json*> spans = r.spans();
  REQUIRE(spans.size() == 2);
  CHECK((*spans[0])["description"].str == "SELECT length(?)");
  const std::string& cut = (*spans[1])["description"].str;
  CHECK(cut.size() <= SENTRY_TRACE_MAX_STRING);
  CHECK(cut.size() > 512);
  CHECK(cut.rfind("SELECT ? AS \"aaaa", 0) == 0);
  CHECK(cut.find("12345") == std::string::npos);
}

TEST_CASE("no active span: queries run and nothing is sent; unsampled: no db span") {
  connection c;
  REQUIRE(c.ok());
  const std::string sent = db_test::without_transaction([&] {
    PGresult* res = pq::exec(c.conn, "SELECT 1");
    CHECK(PQresultStatus(res) == PGRES_TUPLES_OK);
    PQclear(res);
    REQUIRE(pq::send_query(c.conn, "SELECT 2") == 1);
    CHECK(drain(c.conn) == std::vector<ExecStatusType>{PGRES_TUPLES_OK});
  });
  CHECK(sent.empty());
  const recorded unsampled = traced_transaction(
      [&] {
        PGresult* res = pq::exec(c.conn, "SELECT 3");
        CHECK(PQresultStatus(res) == PGRES_TUPLES_OK);
        PQclear(res);
      },
      0.0);
  CHECK(unsampled.transactions == 0);
}

}  // TEST_SUITE
