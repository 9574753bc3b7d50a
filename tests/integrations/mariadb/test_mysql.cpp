// Tests for sentry_trace/integrations/mysql.hpp against a real MariaDB server, started on loopback
// by tests/integrations/servers.py (SENTRY_TRACE_TEST_MYSQL_*): the spans' names, ops, origins,
// attributes, parents and statuses, scrubbing, bound values never sent, failures and a 2 MB
// statement.

#include "../db_test_support.hpp"

#include <sentry_trace/integrations/db_error_text.hpp>
#include <sentry_trace/integrations/mysql.hpp>

#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

namespace {

namespace st = sentry_trace;
namespace my = sentry_trace::mysql;
using db_test::recorded;
using db_test::traced_transaction;
using test_support::json;

int server_port() { return std::stoi(db_test::environment("SENTRY_TRACE_TEST_MYSQL_PORT")); }

/// A connection to the test server (or, given another port, to wherever that is), closed on exit.
struct connection {
  MYSQL* db = mysql_init(nullptr);
  bool connected = false;
  explicit connection(int port = server_port()) {
    unsigned int timeout = 10;
    mysql_options(db, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    connected = mysql_real_connect(db, db_test::environment("SENTRY_TRACE_TEST_MYSQL_HOST").c_str(),
                                   db_test::environment("SENTRY_TRACE_TEST_MYSQL_USER").c_str(), "",
                                   db_test::environment("SENTRY_TRACE_TEST_MYSQL_DB").c_str(),
                                   static_cast<unsigned int>(port), nullptr, 0) != nullptr;
  }
  ~connection() { mysql_close(db); }
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
};

int query(MYSQL* db, const std::string& sql) { return my::real_query(db, sql.c_str(), sql.size()); }

/// Runs a statement untraced, for set-up; fails the test when it fails.
void setup(MYSQL* db, const std::string& sql) {
  INFO(sql);
  REQUIRE(mysql_real_query(db, sql.c_str(), sql.size()) == 0);
  if (MYSQL_RES* rows = mysql_store_result(db)) mysql_free_result(rows);
}

/// The first column of the first row of the last result, as text.
std::string first_value(MYSQL* db) {
  MYSQL_RES* rows = mysql_store_result(db);
  REQUIRE(rows != nullptr);
  MYSQL_ROW row = mysql_fetch_row(rows);
  REQUIRE(row != nullptr);
  std::string value = row[0] ? row[0] : "NULL";
  mysql_free_result(rows);
  return value;
}

/// Binds one string parameter (the buffer must outlive the execute).
struct string_param {
  MYSQL_BIND bind[1];
  unsigned long length;
  explicit string_param(std::string& value) : bind(), length(value.size()) {
    bind[0].buffer_type = MYSQL_TYPE_STRING;
    bind[0].buffer = value.data();
    bind[0].buffer_length = value.size();
    bind[0].length = &length;
  }
};

void check_connection_attributes(const json& span) {
  const json& data = span["data"];
  CHECK(span["op"].str == "db");
  CHECK(span["origin"].str == "auto.db.mysql");
  CHECK(data["db.system"].str == "mysql");
  CHECK(data["db.system.name"].str == "mysql");
  CHECK(data["db.name"].str == db_test::environment("SENTRY_TRACE_TEST_MYSQL_DB"));
  CHECK(data["db.namespace"].str == db_test::environment("SENTRY_TRACE_TEST_MYSQL_DB"));
  CHECK(data["db.user"].str == db_test::environment("SENTRY_TRACE_TEST_MYSQL_USER"));
  CHECK(data["server.address"].str == db_test::environment("SENTRY_TRACE_TEST_MYSQL_HOST"));
  CHECK(data["server.port"].raw_number == db_test::environment("SENTRY_TRACE_TEST_MYSQL_PORT"));
}

}  // namespace

TEST_SUITE("integration mysql") {

TEST_CASE("db_error_text: a server's message up to its first quote, numbers scrubbed") {
  struct row {
    const char* message;
    const char* shown;
  };
  const row rows[] = {
      {"Duplicate entry 'a@b.c' for key 'email'", "Duplicate entry ?"},
      {"Duplicate entry 'it''s' for key 'PRIMARY'", "Duplicate entry ?"},
      {"invalid input syntax for type integer: \"hunter2\"", "invalid input syntax for type integer: ?"},
      {"syntax error at or near \"'secret'\"", "syntax error at or near ?"},
      {"You have an error in your SQL syntax; check the manual for the right syntax to use near ''x' FROM t' at line 1",
       "You have an error in your SQL syntax; check the manual for the right syntax to use near ?"},
      {"Unknown column `b` in 'field list'", "Unknown column ?"},
      {"Lock wait timeout exceeded; try restarting transaction", "Lock wait timeout exceeded; try restarting transaction"},
      {"Out of range value for column 'n' at row 1", "Out of range value for column ?"},
      {"value 99999999999 is out of range for type integer", "value ? is out of range for type integer"},
      {"no connection to the server\n", "no connection to the server"},
      {"'leading quote'", "?"},
      {"", ""},
  };
  for (const row& r : rows) {
    char buffer[st::integration::scrubbed_sql_bytes];
    INFO(r.message);
    CHECK(st::integration::db_error_text(r.message, buffer, sizeof buffer) == std::string_view(r.shown));
  }
  char tiny[8];
  CHECK(st::integration::db_error_text("Duplicate entry 'x'", tiny, sizeof tiny).size() <= sizeof tiny);
}

TEST_CASE("real_query: one db span under the active span, named by the statement scrubbed in the MySQL dialect") {
  connection c;
  REQUIRE(c.connected);
  std::string value;
  int rc = -1;
  const recorded r = traced_transaction([&] {
    rc = query(c.db, "SELECT \"double secret\", 'single secret', 0x1F # a comment\n FROM DUAL WHERE 3 IN (1, 2, 3)");
    value = first_value(c.db);
  });
  CHECK(rc == 0);
  CHECK(value == "double secret");
  const json& span = r.only_span();
  CHECK(span["description"].str == "SELECT ?, ?, ? FROM DUAL WHERE ? IN (?)");
  CHECK(span["data"]["db.statement"].str == span["description"].str);
  CHECK(span["data"]["db.query.text"].str == span["description"].str);
  CHECK(span["data"]["db.operation.name"].str == "SELECT");
  CHECK(span["parent_span_id"].str == r.root_id);
  CHECK(span["status"].str == "ok");
  check_connection_attributes(span);
  CHECK(r.bytes.find("secret") == std::string::npos);
  CHECK(r.bytes.find("a comment") == std::string::npos);
}

TEST_CASE("stmt_prepare and stmt_execute: the execute span carries the prepared text, never the bound values") {
  connection c;
  REQUIRE(c.connected);
  setup(c.db, "CREATE TEMPORARY TABLE secrets (id INT PRIMARY KEY, secret VARCHAR(64))");
  MYSQL_STMT* insert = mysql_stmt_init(c.db);
  MYSQL_STMT* direct = mysql_stmt_init(c.db);
  // Prepared with the client library itself, not through the header: its text is not known.
  const std::string direct_sql = "SELECT COUNT(*) FROM secrets WHERE secret <> 'x'";
  REQUIRE(mysql_stmt_prepare(direct, direct_sql.c_str(), direct_sql.size()) == 0);
  std::string secret = "bound-password-hunter2";
  string_param param(secret);
  const recorded r = traced_transaction([&] {
    const std::string sql = "INSERT INTO secrets (id, secret) VALUES (7, ?)";
    CHECK(my::stmt_prepare(insert, sql.c_str(), sql.size()) == 0);
    REQUIRE(mysql_stmt_bind_param(insert, param.bind) == 0);
    CHECK(my::stmt_execute(insert) == 0);
    CHECK(mysql_stmt_affected_rows(insert) == 1);
    CHECK(my::stmt_execute(direct) == 0);
    mysql_stmt_store_result(direct);
  });
  CHECK(my::stmt_close(insert) == 0);
  CHECK(my::stmt_close(direct) == 0);
  const std::vector<const json*> spans = r.spans();
  REQUIRE(spans.size() == 3);
  CHECK((*spans[0])["description"].str == "INSERT INTO secrets (id, secret) VALUES (?, ?)");
  CHECK((*spans[1])["description"].str == "INSERT INTO secrets (id, secret) VALUES (?, ?)");
  CHECK((*spans[1])["data"]["db.operation.name"].str == "INSERT");
  CHECK((*spans[2])["description"].str == "EXECUTE");
  for (const json* s : spans) {
    CHECK((*s)["status"].str == "ok");
    CHECK((*s)["parent_span_id"].str == r.root_id);
    check_connection_attributes(*s);
  }
  CHECK(r.bytes.find("hunter2") == std::string::npos);
  setup(c.db, "SELECT secret FROM secrets WHERE id = 7");
}

TEST_CASE("statements the server rejects: internal_error, the error number, the message without values") {
  connection c;
  REQUIRE(c.connected);
  setup(c.db, "CREATE TEMPORARY TABLE uniq (id VARCHAR(32) PRIMARY KEY)");
  setup(c.db, "INSERT INTO uniq VALUES ('dup-value-31337')");
  MYSQL_STMT* insert = mysql_stmt_init(c.db);
  std::string dup = "dup-value-31337";
  string_param param(dup);
  int syntax_rc = 0, dup_rc = 0;
  const recorded r = traced_transaction([&] {
    syntax_rc = query(c.db, "SELEC 'inline-secret' FROM nowhere");
    const std::string sql = "INSERT INTO uniq VALUES (?)";
    REQUIRE(my::stmt_prepare(insert, sql.c_str(), sql.size()) == 0);
    REQUIRE(mysql_stmt_bind_param(insert, param.bind) == 0);
    dup_rc = my::stmt_execute(insert);
  });
  my::stmt_close(insert);
  CHECK(syntax_rc != 0);
  CHECK(dup_rc != 0);
  const std::vector<const json*> spans = r.spans();
  REQUIRE(spans.size() == 3);
  const json& syntax = *spans[0];
  CHECK(syntax["description"].str == "SELEC ? FROM nowhere");
  CHECK(syntax["status"].str == "internal_error");
  CHECK(syntax["data"]["db.response.status_code"].str == "1064");
  CHECK(syntax["data"]["sentry.status.message"].str ==
        "You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for "
        "the right syntax to use near ?");
  CHECK(syntax["parent_span_id"].str == r.root_id);
  const json& duplicate = *spans[2];
  CHECK(duplicate["description"].str == "INSERT INTO uniq VALUES (?)");
  CHECK(duplicate["status"].str == "internal_error");
  CHECK(duplicate["data"]["db.response.status_code"].str == "1062");
  CHECK(duplicate["data"]["sentry.status.message"].str == "Duplicate entry ?");
  CHECK(r.bytes.find("inline-secret") == std::string::npos);
  CHECK(r.bytes.find("31337") == std::string::npos);
}

TEST_CASE("a connection to a port where nothing listens: real_query fails, the span is unavailable") {
  connection c(db_test::closed_port());
  REQUIRE(!c.connected);
  int rc = 0;
  const recorded r = traced_transaction([&] { rc = query(c.db, "SELECT 1"); });
  CHECK(rc != 0);
  const json& span = r.only_span();
  CHECK(span["description"].str == "SELECT ?");
  CHECK(span["status"].str == "unavailable");
  CHECK(span["data"]["db.response.status_code"].str == std::to_string(mysql_errno(c.db)));
  CHECK(!span["data"]["sentry.status.message"].str.empty());
  CHECK(span["parent_span_id"].str == r.root_id);
}

TEST_CASE("a 2 MB statement: the server runs it, the span keeps a scrubbed, truncated name") {
  connection c;
  REQUIRE(c.connected);
  std::string literal = "SELECT LENGTH('";
  literal.append(2u << 20, 'x');
  literal += "')";
  // A 2 MB identifier: the server refuses it (too long), the span keeps its string limit of it.
  std::string identifier = "SELECT 12345 AS `";
  identifier.append(2u << 20, 'a');
  identifier += "`";
  std::string length;
  int identifier_rc = 0;
  const recorded r = traced_transaction([&] {
    REQUIRE(query(c.db, literal) == 0);
    length = first_value(c.db);
    identifier_rc = query(c.db, identifier);
    if (MYSQL_RES* rows = mysql_store_result(c.db)) mysql_free_result(rows);
  });
  CHECK(length == std::to_string(2u << 20));
  const std::vector<const json*> spans = r.spans();
  REQUIRE(spans.size() == 2);
  CHECK((*spans[0])["description"].str == "SELECT LENGTH(?)");
  CHECK((*spans[0])["status"].str == "ok");
  const std::string& cut = (*spans[1])["description"].str;
  CHECK(cut.size() <= SENTRY_TRACE_MAX_STRING);
  CHECK(cut.size() > 512);
  CHECK(cut.rfind("SELECT ? AS `aaaa", 0) == 0);
  CHECK(cut.find("12345") == std::string::npos);
  CHECK((*spans[1])["status"].str == (identifier_rc == 0 ? "ok" : "internal_error"));
}

TEST_CASE("no active span: queries run and nothing is sent; unsampled: no transaction") {
  connection c;
  REQUIRE(c.connected);
  const std::string sent = db_test::without_transaction([&] {
    CHECK(query(c.db, "SELECT 1") == 0);
    CHECK(first_value(c.db) == "1");
  });
  CHECK(sent.empty());
  const recorded unsampled = traced_transaction(
      [&] {
        CHECK(query(c.db, "SELECT 2") == 0);
        CHECK(first_value(c.db) == "2");
      },
      0.0);
  CHECK(unsampled.transactions == 0);
}

}  // TEST_SUITE
