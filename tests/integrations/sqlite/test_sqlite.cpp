// Tests for the SQLite integration (include/sentry_trace/integrations/sqlite.hpp) against the
// real library, on a database file in a temporary directory: each statement's span (name, op,
// origin, attributes, parent, start and end placed from the STMT and PROFILE events), inline
// literals scrubbed, bound values never sent, errors through step(), exec() and prepare_v2(),
// triggers, interleaved statements, the unsampled path, a query outside any span, the user's
// trace callback replaced, and the wrappers compiled out.

#include "fixture.hpp"

#include "../../../include/sentry_trace/integrations/sqlite.hpp"

#include <doctest/doctest.h>

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

std::string run_compiled_out(sqlite3* db);  // compiled_out.cpp, SENTRY_TRACE_ENABLED=0

namespace {

namespace st = sentry_trace;
namespace sq = sentry_trace::sqlite;
namespace ts = test_support;
using ts::json;

/// A database file in a fresh temporary directory, removed afterwards.
struct temp_database {
  std::string dir;
  std::string path;
  sqlite3* db = nullptr;

  temp_database() {
    char pattern[] = "/tmp/sentry_trace_sqlite_XXXXXX";
    REQUIRE(::mkdtemp(pattern) != nullptr);
    dir = pattern;
    path = dir + "/shop.db";
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  }
  ~temp_database() {
    sqlite3_close(db);
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) std::remove((path + suffix).c_str());
    ::rmdir(dir.c_str());
  }
  temp_database(const temp_database&) = delete;
  temp_database& operator=(const temp_database&) = delete;

  /// The path SQLite reports for the file (sqlite3_db_filename: absolute, links resolved).
  std::string file_name() const { return sqlite3_db_filename(db, "main"); }
};

/// An SQL function advance_us(n) that moves the harness's clock on by n µs while a statement
/// runs, so a span's duration is exact.
void advance_us_sql(sqlite3_context* context, int, sqlite3_value** argv) {
  static_cast<ts::harness*>(sqlite3_user_data(context))->advance_us(static_cast<std::uint64_t>(sqlite3_value_int64(argv[0])));
  sqlite3_result_int(context, 1);
}

void add_clock_function(sqlite3* db, ts::harness& h) {
  REQUIRE(sqlite3_create_function(db, "advance_us", 1, SQLITE_UTF8, &h, &advance_us_sql, nullptr, nullptr) == SQLITE_OK);
}

json only_transaction(ts::harness& h) {
  const std::vector<json> txs = h.transport.transaction_payloads();
  REQUIRE(txs.size() == 1);
  return txs[0];
}

std::vector<std::string> descriptions(const json& tx) {
  std::vector<std::string> out;
  for (const json& s : tx["spans"].items) out.push_back(s["description"].str);
  return out;
}

json span_named(const json& tx, const std::string& name) {
  for (const json& s : tx["spans"].items)
    if (s["description"].str == name) return s;
  return json{};
}

std::string all_sent(const ts::harness& h) {
  std::string out;
  for (const std::string& e : h.transport.sent) out += e;
  return out;
}

}  // namespace

TEST_SUITE("integration_sqlite") {

TEST_CASE("every statement is a db span named by its scrubbed text, placed from its start to its end") {
  temp_database t;
  ts::harness h;
  REQUIRE(h.init());
  add_clock_function(t.db, h);
  REQUIRE(sq::instrument(t.db) == SQLITE_OK);

  st::span root = st::start_span_manual({"GET /orders", "http.server"});
  const std::string root_id = ts::hex(root.id());
  REQUIRE(sq::exec(t.db, "CREATE TABLE orders(id INTEGER PRIMARY KEY, note TEXT, total REAL)") == SQLITE_OK);
  h.advance_us(10);
  REQUIRE(sq::exec(t.db, "INSERT INTO orders VALUES (1, 'card 4111-1111-1111-1111', 19.99); -- a comment") == SQLITE_OK);
  h.advance_us(10);
  // Plain sqlite3 calls are traced too (the hook sees every statement).
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(t.db, "SELECT note, advance_us(250) FROM orders WHERE id IN (1, 2, 3) AND total > ?",
                             -1, &stmt, nullptr) == SQLITE_OK);
  sqlite3_bind_double(stmt, 1, 5.5);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  REQUIRE(sqlite3_step(stmt) == SQLITE_DONE);
  sqlite3_finalize(stmt);
  root.end();

  const json tx = only_transaction(h);
  CHECK(descriptions(tx) == std::vector<std::string>{
                                "CREATE TABLE orders(id INTEGER PRIMARY KEY, note TEXT, total REAL)",
                                "INSERT INTO orders VALUES (?, ?, ?)",
                                "SELECT note, advance_us(?) FROM orders WHERE id IN (?) AND total > ?"});
  for (const json& s : tx["spans"].items) {
    CAPTURE(s["description"].str);
    CHECK(s["op"].str == "db");
    CHECK(s["origin"].str == "auto.db.sqlite");
    CHECK(s["parent_span_id"].str == root_id);
    CHECK(s["status"].str == "ok");
    const json& d = s["data"];
    CHECK(d["db.system"].str == "sqlite");
    CHECK(d["db.system.name"].str == "sqlite");
    CHECK(d["db.name"].str == t.file_name());
    CHECK(d["db.namespace"].str == t.file_name());
    CHECK(d["db.statement"].str == s["description"].str);
    CHECK(d["db.query.text"].str == s["description"].str);
    CHECK_FALSE(d.has("server.address"));
  }
  CHECK(span_named(tx, "INSERT INTO orders VALUES (?, ?, ?)")["data"]["db.operation.name"].str == "INSERT");
  const json select = span_named(tx, "SELECT note, advance_us(?) FROM orders WHERE id IN (?) AND total > ?");
  CHECK(select["data"]["db.operation.name"].str == "SELECT");
  // Started at its first step (10:00:00.000020), ended when done, 250 µs later: our clock,
  // not SQLite's millisecond one.
  CHECK(select["start_timestamp"].str == "2026-01-01T10:00:00.000020Z");
  CHECK(select["timestamp"].str == "2026-01-01T10:00:00.000270Z");
  CHECK(t.file_name().find("/shop.db") != std::string::npos);
}

TEST_CASE("bound values are never read: the statement is sqlite3_sql's, not sqlite3_expanded_sql's") {
  temp_database t;
  ts::harness h;
  REQUIRE(h.init());
  REQUIRE(sq::instrument(t.db) == SQLITE_OK);
  st::span root = st::start_span_manual({"signup", "task"});
  REQUIRE(sq::exec(t.db, "CREATE TABLE users(email TEXT, password TEXT)") == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sq::prepare_v2(t.db, "INSERT INTO users VALUES (?1, :password)", -1, &stmt, nullptr) == SQLITE_OK);
  sqlite3_bind_text(stmt, 1, "alice@example.com", -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 2, "hunter2-secret", -1, SQLITE_STATIC);
  REQUIRE(sq::step(stmt) == SQLITE_DONE);
  sqlite3_finalize(stmt);
  root.end();
  const json tx = only_transaction(h);
  CHECK(span_named(tx, "INSERT INTO users VALUES (?1, :password)")["data"]["db.statement"].str ==
        "INSERT INTO users VALUES (?1, :password)");
  const std::string sent = all_sent(h);
  CHECK(sent.find("hunter2") == std::string::npos);
  CHECK(sent.find("alice@") == std::string::npos);
}

TEST_CASE("a step that fails ends its span with the error: status, message, result code and name") {
  temp_database t;
  ts::harness h;
  REQUIRE(h.init());
  REQUIRE(sq::instrument(t.db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(t.db, "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT NOT NULL)", nullptr, nullptr, nullptr) == SQLITE_OK);
  st::span root = st::start_span_manual({"job", "task"});
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sq::prepare_v2(t.db, "INSERT INTO t VALUES (?, 'x')", -1, &stmt, nullptr) == SQLITE_OK);
  sqlite3_bind_int(stmt, 1, 7);
  REQUIRE(sq::step(stmt) == SQLITE_DONE);
  sqlite3_reset(stmt);
  CHECK(sq::step(stmt) == SQLITE_CONSTRAINT);  // the same key again
  sqlite3_finalize(stmt);
  REQUIRE(sq::prepare_v2(t.db, "INSERT INTO t VALUES (8, NULL)", -1, &stmt, nullptr) == SQLITE_OK);
  CHECK(sq::step(stmt) == SQLITE_CONSTRAINT);
  sqlite3_finalize(stmt);
  root.end();

  const json tx = only_transaction(h);
  REQUIRE(tx["spans"].size() == 3);
  const json& ok = tx["spans"][0];
  const json& duplicate = tx["spans"][1];
  const json& not_null = tx["spans"][2];
  CHECK(ok["description"].str == "INSERT INTO t VALUES (?, ?)");
  CHECK(ok["status"].str == "ok");
  CHECK(duplicate["description"].str == "INSERT INTO t VALUES (?, ?)");
  CHECK(duplicate["status"].str == "already_exists");
  CHECK(duplicate["data"]["sentry.status.message"].str == "UNIQUE constraint failed: t.a");
  CHECK(duplicate["data"]["db.response.status_code"].str == "1555");  // SQLITE_CONSTRAINT_PRIMARYKEY
  CHECK(duplicate["data"]["error.type"].str == "SQLITE_CONSTRAINT_PRIMARYKEY");
  CHECK(not_null["description"].str == "INSERT INTO t VALUES (?, NULL)");
  CHECK(not_null["status"].str == "failed_precondition");
  CHECK(not_null["data"]["sentry.status.message"].str == "NOT NULL constraint failed: t.b");
  CHECK(not_null["data"]["db.response.status_code"].str == "1299");  // SQLITE_CONSTRAINT_NOTNULL
  CHECK(not_null["data"]["error.type"].str == "SQLITE_CONSTRAINT_NOTNULL");
}

TEST_CASE("exec: a span per statement, the failing one with its error, none for those never run") {
  temp_database t;
  ts::harness h;
  REQUIRE(h.init());
  REQUIRE(sq::instrument(t.db) == SQLITE_OK);
  st::span root = st::start_span_manual({"migrate", "task"});
  char* error = nullptr;
  CHECK(sq::exec(t.db,
                 "CREATE TABLE t(a TEXT UNIQUE);\n  INSERT INTO t VALUES ('x');\n INSERT INTO t VALUES ('x'); "
                 "INSERT INTO t VALUES ('never')",
                 nullptr, nullptr, &error) == SQLITE_CONSTRAINT);
  REQUIRE(error != nullptr);
  CHECK(std::string(error) == "UNIQUE constraint failed: t.a");
  sqlite3_free(error);
  // A statement that does not prepare: an error span named by what was left to run.
  CHECK(sq::exec(t.db, "INSERT INTO t VALUES ('y'); SELEC 'secret' FROM t", nullptr, nullptr, &error) == SQLITE_ERROR);
  REQUIRE(error != nullptr);
  CHECK(std::string(error) == "near \"SELEC\": syntax error");
  sqlite3_free(error);
  CHECK(sq::exec(t.db, "SELECT * FROM missing_table") == SQLITE_ERROR);
  root.end();

  const json tx = only_transaction(h);
  CHECK(descriptions(tx) == std::vector<std::string>{"CREATE TABLE t(a TEXT UNIQUE)", "INSERT INTO t VALUES (?)",
                                                      "INSERT INTO t VALUES (?)", "INSERT INTO t VALUES (?)",
                                                      "SELEC ? FROM t", "SELECT * FROM missing_table"});
  REQUIRE(tx["spans"].size() == 6);
  CHECK(tx["spans"][0]["status"].str == "ok");
  CHECK(tx["spans"][1]["status"].str == "ok");
  CHECK(tx["spans"][2]["status"].str == "already_exists");
  CHECK(tx["spans"][2]["data"]["error.type"].str == "SQLITE_CONSTRAINT_UNIQUE");
  CHECK(tx["spans"][2]["data"]["db.response.status_code"].str == "2067");
  CHECK(tx["spans"][3]["status"].str == "ok");
  const json& syntax = tx["spans"][4];
  CHECK(syntax["status"].str == "internal_error");
  CHECK(syntax["op"].str == "db");
  CHECK(syntax["origin"].str == "auto.db.sqlite");
  CHECK(syntax["data"]["sentry.status.message"].str == "near \"SELEC\": syntax error");
  CHECK(syntax["data"]["error.type"].str == "SQLITE_ERROR");
  CHECK(syntax["data"]["db.response.status_code"].str == "1");
  CHECK(tx["spans"][5]["data"]["sentry.status.message"].str == "no such table: missing_table");
  CHECK(all_sent(h).find("secret") == std::string::npos);
}

TEST_CASE("exec calls back for every row as sqlite3_exec does, and a callback that stops it aborts") {
  temp_database t;
  ts::harness h;
  REQUIRE(h.init());
  REQUIRE(sq::instrument(t.db) == SQLITE_OK);
  st::span root = st::start_span_manual({"report", "task"});
  REQUIRE(sq::exec(t.db, "CREATE TABLE t(a, b); INSERT INTO t VALUES (1, 'one'), (2, NULL), (3, 'three')") == SQLITE_OK);
  struct rows {
    std::vector<std::string> seen;
    int stop_after = 100;
  } r;
  auto collect = [](void* p, int columns, char** values, char** names) -> int {
    rows& self = *static_cast<rows*>(p);
    std::string line;
    for (int i = 0; i < columns; ++i) line += std::string(names[i]) + "=" + (values[i] ? values[i] : "NULL") + ";";
    self.seen.push_back(line);
    return static_cast<int>(self.seen.size()) >= self.stop_after;
  };
  REQUIRE(sq::exec(t.db, "SELECT a, b FROM t ORDER BY a", collect, &r) == SQLITE_OK);
  CHECK(r.seen == std::vector<std::string>{"a=1;b=one;", "a=2;b=NULL;", "a=3;b=three;"});
  r.seen.clear();
  r.stop_after = 1;
  char* error = nullptr;
  CHECK(sq::exec(t.db, "SELECT a FROM t; SELECT b FROM t", collect, &r, &error) == SQLITE_ABORT);
  CHECK(r.seen.size() == 1);
  REQUIRE(error != nullptr);
  CHECK(std::string(error) == "query aborted");
  sqlite3_free(error);
  // A row of 100 columns: wider than the stack's 64.
  std::string wide = "SELECT 0";
  for (int i = 1; i < 100; ++i) wide += ", " + std::to_string(i);
  r.seen.clear();
  r.stop_after = 100;
  REQUIRE(sq::exec(t.db, wide.c_str(), collect, &r) == SQLITE_OK);
  REQUIRE(r.seen.size() == 1);
  CHECK(r.seen[0].find("99=99;") != std::string::npos);
  root.end();
  const json tx = only_transaction(h);
  std::string wide_scrubbed = "SELECT ?";
  for (int i = 1; i < 100; ++i) wide_scrubbed += ", ?";
  const std::vector<std::string> names = descriptions(tx);
  const std::vector<std::string> expected = {"CREATE TABLE t(a, b)", "INSERT INTO t VALUES (?, ?), (?, NULL), (?, ?)",
                                             "SELECT a, b FROM t ORDER BY a", "SELECT a FROM t", wide_scrubbed};
  REQUIRE(names.size() == expected.size());
  for (std::size_t i = 0; i < names.size(); ++i) CHECK(names[i] == expected[i]);
  CHECK(span_named(tx, "SELECT b FROM t").is_null());
  CHECK(span_named(tx, "SELECT a FROM t")["status"].str == "ok");
}

TEST_CASE("a trigger's statements are part of their statement's span; interleaved statements keep their own times") {
  temp_database t;
  ts::harness h;
  REQUIRE(h.init());
  add_clock_function(t.db, h);
  REQUIRE(sq::instrument(t.db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(t.db,
                       "CREATE TABLE a(x); CREATE TABLE log(y);"
                       "CREATE TRIGGER tr AFTER INSERT ON a BEGIN INSERT INTO log VALUES (new.x); END;"
                       "INSERT INTO a VALUES (1), (2), (3)",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  st::span root = st::start_span_manual({"root", "task"});
  REQUIRE(sq::exec(t.db, "INSERT INTO a VALUES (4)") == SQLITE_OK);
  // Outer rows read one by one, an inner query run for each (an N+1 pattern).
  sqlite3_stmt* outer = nullptr;
  sqlite3_stmt* inner = nullptr;
  REQUIRE(sqlite3_prepare_v2(t.db, "SELECT x, advance_us(100) FROM a ORDER BY x", -1, &outer, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_prepare_v2(t.db, "SELECT count(*), advance_us(10) FROM log WHERE y = ?", -1, &inner, nullptr) == SQLITE_OK);
  int outer_rows = 0;
  while (sq::step(outer) == SQLITE_ROW) {
    ++outer_rows;
    sqlite3_bind_int(inner, 1, sqlite3_column_int(outer, 0));
    REQUIRE(sq::step(inner) == SQLITE_ROW);
    REQUIRE(sq::step(inner) == SQLITE_DONE);
    sqlite3_reset(inner);
  }
  sqlite3_finalize(inner);
  sqlite3_finalize(outer);
  root.end();
  CHECK(outer_rows == 4);
  const json tx = only_transaction(h);
  const std::vector<std::string> names = descriptions(tx);
  REQUIRE(names.size() == 6);
  CHECK(names[0] == "INSERT INTO a VALUES (?)");  // one span, the trigger's INSERT inside it
  int inner_spans = 0;
  for (const json& s : tx["spans"].items) {
    if (s["description"].str == "SELECT count(*), advance_us(?) FROM log WHERE y = ?") {
      ++inner_spans;
      CHECK(s["status"].str == "ok");
    }
  }
  CHECK(inner_spans == 4);
  const json outer_span = span_named(tx, "SELECT x, advance_us(?) FROM a ORDER BY x");
  // 4 rows x (100 + 10) µs from the outer statement's first step to its last.
  CHECK(outer_span["start_timestamp"].str == "2026-01-01T10:00:00.000000Z");
  CHECK(outer_span["timestamp"].str == "2026-01-01T10:00:00.000440Z");
}

TEST_CASE("unsampled, outside any span, and uninstrumented: no span, and the statements still work") {
  temp_database t;
  SUBCASE("unsampled") {
    ts::harness h;
    h.opts.traces_sample_rate = 0.0;
    REQUIRE(h.init());
    REQUIRE(sq::instrument(t.db) == SQLITE_OK);
    st::span root = st::start_span_manual({"root", "task"});
    REQUIRE_FALSE(root.is_recording());
    CHECK(sq::exec(t.db, "CREATE TABLE t(a UNIQUE); INSERT INTO t VALUES (1)") == SQLITE_OK);
    CHECK(sq::exec(t.db, "INSERT INTO t VALUES (1)") == SQLITE_CONSTRAINT);
    root.end();
    st::flush(0);
    CHECK(h.transactions_sent() == 0);
  }
  SUBCASE("outside any span") {
    ts::harness h;
    REQUIRE(h.init());
    REQUIRE(sq::instrument(t.db) == SQLITE_OK);
    CHECK(sq::exec(t.db, "CREATE TABLE t(a); INSERT INTO t VALUES (1)") == SQLITE_OK);
    CHECK(sq::exec(t.db, "SELEC") == SQLITE_ERROR);
    st::flush(0);
    CHECK(h.transactions_sent() == 0);
  }
  SUBCASE("uninstrumented") {
    ts::harness h;
    REQUIRE(h.init());
    REQUIRE(sq::instrument(t.db) == SQLITE_OK);
    REQUIRE(sq::uninstrument(t.db) == SQLITE_OK);
    st::span root = st::start_span_manual({"root", "task"});
    CHECK(sqlite3_exec(t.db, "CREATE TABLE t(a)", nullptr, nullptr, nullptr) == SQLITE_OK);
    root.end();
    CHECK(only_transaction(h)["spans"].size() == 0);
  }
}

TEST_CASE("instrument() replaces a trace callback the program had set") {
  temp_database t;
  ts::harness h;
  REQUIRE(h.init());
  int user_calls = 0;
  auto user_trace = [](unsigned, void* count, void*, void*) -> int {
    ++*static_cast<int*>(count);
    return 0;
  };
  REQUIRE(sqlite3_trace_v2(t.db, SQLITE_TRACE_STMT, user_trace, &user_calls) == SQLITE_OK);
  REQUIRE(sqlite3_exec(t.db, "CREATE TABLE t(a)", nullptr, nullptr, nullptr) == SQLITE_OK);
  CHECK(user_calls == 1);
  REQUIRE(sq::instrument(t.db) == SQLITE_OK);
  st::span root = st::start_span_manual({"root", "task"});
  REQUIRE(sqlite3_exec(t.db, "INSERT INTO t VALUES (1)", nullptr, nullptr, nullptr) == SQLITE_OK);
  root.end();
  CHECK(user_calls == 1);
  CHECK(only_transaction(h)["spans"].size() == 1);
}

TEST_CASE("the plain sqlite3_step of a failing statement: a span, marked ok (the hook cannot see the error)") {
  temp_database t;
  ts::harness h;
  REQUIRE(h.init());
  REQUIRE(sq::instrument(t.db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(t.db, "CREATE TABLE t(a NOT NULL)", nullptr, nullptr, nullptr) == SQLITE_OK);
  st::span root = st::start_span_manual({"root", "task"});
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(t.db, "INSERT INTO t VALUES (NULL)", -1, &stmt, nullptr) == SQLITE_OK);
  CHECK(sqlite3_step(stmt) == SQLITE_CONSTRAINT);
  sqlite3_finalize(stmt);
  root.end();
  const json tx = only_transaction(h);
  REQUIRE(tx["spans"].size() == 1);
  CHECK(tx["spans"][0]["description"].str == "INSERT INTO t VALUES (NULL)");
  CHECK(tx["spans"][0]["status"].str == "ok");  // documented: use sentry_trace::sqlite::step() for errors
}

TEST_CASE("compiled out (SENTRY_TRACE_ENABLED=0), the wrappers are the library's own calls") {
  temp_database t;
  CHECK(run_compiled_out(t.db) == "0,0,0,1,0,19,1,near \"SELEC\": syntax error");
}

}  // TEST_SUITE("integration_sqlite")
