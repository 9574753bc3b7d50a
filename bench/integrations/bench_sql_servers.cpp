// bench_sql_servers.cpp -- what the PostgreSQL and MySQL wrappers add to a query: numbers, not pass/fail.
//
//   python3 tests/integrations/servers.py postgres -- python3 tests/integrations/servers.py mariadb -- build/bench/bench_sql_servers
//                          the table, for each server whose address is in the environment
//                          (SENTRY_TRACE_TEST_PG_*, SENTRY_TRACE_TEST_MYSQL_*: servers.py sets them)
//   ... bench_sql_servers --loop-only N MODE
//                          only N queries of MODE (pq-bare, pq-sampled, pq-unsampled, pq-wrapper,
//                          pq-wrapper-unsampled, pq-prepared, my-*; a sampled mode with `-inline`
//                          appended writes its roots on this thread), for callgrind:
//     valgrind --tool=callgrind --toggle-collect='measured_loop*' bench_sql_servers --loop-only 2000 pq-sampled
//                          instructions of the client side (the server is another process):
//                          Ir / N per query; bench/integrations/callgrind_sql.sh prints the table.
//
// The query is the same in every mode: a 200-byte SELECT with string and number literals and an
// IN list, scrubbed by the wrapper on every call (the issue's "≤ 500 ns per query including
// scrubbing a 200-byte statement"). Modes:
//   bare          PQexec / mysql_real_query alone
//   sampled       the wrapper, under a sampled root (one root per 500 queries, ended and
//                 handed to the worker thread that writes it, as the built-in transport does:
//                 the query's thread does not pay for the writing); `-inline` modes write it
//                 on this thread, into a transport that drops it, so the writing is in the figure
//   unsampled     the wrapper, under an unsampled root
//   wrapper       what the wrapper does besides the library call, with a real connection and a
//                 real result (start the span, scrub, attributes, end): the added cost alone,
//                 free of the round trip's noise; wrapper-unsampled the same under an unsampled root
//   prepared      the same for exec_prepared / stmt_execute: the text was scrubbed once, at
//                 prepare, and is recalled from the statement table (no scrub per call)
// Round-trip figures are the median of interleaved batches (bare, sampled, unsampled, bare, ...)
// so that load on the machine hits every mode alike; "added" is the difference of medians, and
// the round trip's own spread (shown) bounds how well it can be known. The wrapper rows are
// best-of and median of batches of 2000.

#include <sentry_trace.hpp>
#include <sentry_trace/integrations/libpq.hpp>
#include <sentry_trace/integrations/mysql.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace st = sentry_trace;
using bench_clock = std::chrono::steady_clock;

namespace {

constexpr const char* statement =
    "SELECT o.id, o.total, o.created_at, c.email FROM orders o JOIN customers c ON c.id = o.customer_id "
    "WHERE c.email = 'someone@example.com' AND o.status IN (1, 2, 3) AND o.total > 19.99 "
    "ORDER BY o.created_at DESC LIMIT 10";

constexpr int queries_per_root = 500;

struct drop_transport final : st::transport {
  void send(st::envelope_view) override {}
  bool flush(std::uint32_t) override { return true; }
};

drop_transport g_transport;

/// Tracing at `rate`. Finished roots are written on the handoff's worker thread, as the built-in
/// HTTP transport has them written (serialize_on_worker for a user transport), so that the
/// query's thread pays what it pays in a service; `inline_writes` writes them on the thread
/// that ends them instead (a user transport without serialize_on_worker), for the `-inline`
/// modes that show the serialization's share.
bool start_tracing(double rate, bool inline_writes = false) {
  st::options o;
  o.dsn = "https://public@o1.ingest.sentry.io/42";
  o.traces_sample_rate = rate;
  o.transport = &g_transport;
  o.serialize_on_worker = !inline_writes;
  return st::init(o);
}

const char* env(const char* name) { return std::getenv(name); }

// ---- the two databases, behind the same three calls ----------------------------------------------

struct postgres {
  PGconn* conn = nullptr;
  PGresult* kept = nullptr;  ///< a real result, for the wrapper-alone rows
  bool open() {
    const char* port = env("SENTRY_TRACE_TEST_PG_PORT");
    if (port == nullptr) return false;
    const std::string info = std::string("host=") + env("SENTRY_TRACE_TEST_PG_HOST") + " port=" + port +
                             " user=" + env("SENTRY_TRACE_TEST_PG_USER") + " dbname=" + env("SENTRY_TRACE_TEST_PG_DB");
    conn = PQconnectdb(info.c_str());
    if (PQstatus(conn) != CONNECTION_OK) return false;
    const char* setup =
        "CREATE TEMP TABLE customers (id int PRIMARY KEY, email text);"
        "CREATE TEMP TABLE orders (id int PRIMARY KEY, customer_id int, status int, total numeric, created_at timestamptz);"
        "INSERT INTO customers VALUES (1, 'someone@example.com');"
        "INSERT INTO orders SELECT g, 1, g % 4, g * 1.5, now() FROM generate_series(1, 20) g";
    PQclear(PQexec(conn, setup));
    PQclear(st::pq::prepare(conn, "bench_stmt", statement, 0, nullptr));  // its scrubbed text is kept
    kept = PQexec(conn, statement);
    return PQresultStatus(kept) == PGRES_TUPLES_OK;
  }
  void close() {
    PQclear(kept);
    PQfinish(conn);
  }
  void bare() { PQclear(PQexec(conn, statement)); }
  void traced() { PQclear(st::pq::exec(conn, statement)); }
  void wrapper_alone() {
    st::span s = st::pq::pq_detail::start(conn, statement);
    st::pq::pq_detail::end(s, conn, kept);
  }
  /// exec_prepared's part: the statement's text recalled (scrubbed once, at prepare), not scrubbed.
  void prepared_wrapper_alone() {
    st::span s = st::pq::pq_detail::start_prepared(conn, "bench_stmt");
    st::pq::pq_detail::end(s, conn, kept);
  }
};

struct mariadb {
  MYSQL* db = nullptr;
  std::size_t length = std::strlen(statement);
  bool open() {
    const char* port = env("SENTRY_TRACE_TEST_MYSQL_PORT");
    if (port == nullptr) return false;
    db = mysql_init(nullptr);
    if (mysql_real_connect(db, env("SENTRY_TRACE_TEST_MYSQL_HOST"), env("SENTRY_TRACE_TEST_MYSQL_USER"), "",
                           env("SENTRY_TRACE_TEST_MYSQL_DB"), static_cast<unsigned>(std::atoi(port)), nullptr,
                           CLIENT_MULTI_STATEMENTS) == nullptr)
      return false;
    const char* setup[] = {
        "CREATE TEMPORARY TABLE customers (id INT PRIMARY KEY, email VARCHAR(64))",
        "CREATE TEMPORARY TABLE orders (id INT PRIMARY KEY, customer_id INT, status INT, total DECIMAL(10,2), created_at DATETIME)",
        "INSERT INTO customers VALUES (1, 'someone@example.com')",
        "INSERT INTO orders VALUES (1,1,1,10,NOW()),(2,1,2,20,NOW()),(3,1,3,30,NOW()),(4,1,0,40,NOW())"};
    for (const char* s : setup)
      if (mysql_query(db, s) != 0) return false;
    return run(mysql_real_query(db, statement, length));
  }
  void close() {
    if (stmt) st::mysql::stmt_close(stmt);
    mysql_close(db);
  }
  bool run(int rc) {
    if (MYSQL_RES* rows = mysql_store_result(db)) mysql_free_result(rows);
    return rc == 0;
  }
  void bare() { run(mysql_real_query(db, statement, length)); }
  void traced() { run(st::mysql::real_query(db, statement, length)); }
  void wrapper_alone() {
    st::span s = st::mysql::mysql_detail::start(db, std::string_view(statement, length), false);
    st::mysql::mysql_detail::end(s, 0, db);
  }
  MYSQL_STMT* stmt = nullptr;
  /// stmt_execute's part: the statement's text recalled (scrubbed once, at prepare), not scrubbed.
  void prepared_wrapper_alone() {
    if (stmt == nullptr) {
      stmt = mysql_stmt_init(db);
      st::mysql::stmt_prepare(stmt, statement, static_cast<unsigned long>(length));
    }
    st::span s = st::mysql::mysql_detail::start_execute(stmt);
    st::mysql::mysql_detail::end(s, 0, stmt);
  }
};

enum class mode { bare, traced, wrapper_alone, prepared_wrapper_alone };

/// n queries of `m`, under roots of queries_per_root (sampled or not, as init() decided).
template <class Db> [[gnu::noinline]] void measured_loop(Db& db, mode m, int n) {
  for (int done = 0; done < n;) {
    st::span root = st::start_span_manual({"bench", "task"});
    const int batch = std::min(queries_per_root, n - done);
    for (int i = 0; i < batch; ++i) {
      switch (m) {
        case mode::bare: db.bare(); break;
        case mode::traced: db.traced(); break;
        case mode::wrapper_alone: db.wrapper_alone(); break;
        case mode::prepared_wrapper_alone: db.prepared_wrapper_alone(); break;
      }
    }
    root.end();
    done += batch;
  }
}

template <class Db> double ns_per_query(Db& db, mode m, int n) {
  const auto start = bench_clock::now();
  measured_loop(db, m, n);
  return std::chrono::duration<double, std::nano>(bench_clock::now() - start).count() / n;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
double best(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

/// Round trips: interleaved batches of bare and traced queries; `rate` 1 (sampled) or 0.
template <class Db> void round_trips(Db& db, const char* name, int rounds, int per_batch) {
  std::vector<double> bare, sampled, unsampled;
  for (int r = 0; r < rounds; ++r) {
    start_tracing(1.0);
    bare.push_back(ns_per_query(db, mode::bare, per_batch));
    sampled.push_back(ns_per_query(db, mode::traced, per_batch));
    st::shutdown(0);
    start_tracing(0.0);
    unsampled.push_back(ns_per_query(db, mode::traced, per_batch));
    bare.push_back(ns_per_query(db, mode::bare, per_batch));
    st::shutdown(0);
  }
  std::sort(bare.begin(), bare.end());
  const double spread = bare[bare.size() * 3 / 4] - bare[bare.size() / 4];
  std::printf("%-8s round trip, bare         %9.0f ns/query (median of %d batches of %d; IQR %.0f ns)\n", name,
              median(bare), rounds * 2, per_batch, spread);
  std::printf("%-8s round trip, sampled      %9.0f ns/query  added %+7.0f ns\n", name, median(sampled),
              median(sampled) - median(bare));
  std::printf("%-8s round trip, unsampled    %9.0f ns/query  added %+7.0f ns\n", name, median(unsampled),
              median(unsampled) - median(bare));
}

/// The wrapper alone (no round trip), sampled and unsampled: best and median of batches.
template <class Db> void wrapper_alone(Db& db, const char* name) {
  constexpr int batch = 2000, batches = 31;
  struct run {
    double rate;
    bool inline_writes;
    const char* label;
    const char* note;
  };
  constexpr run runs[] = {{1.0, false, "sampled", ""},
                          {1.0, true, "+ writing", ", and a root of 500 written on this thread"},
                          {0.0, false, "unsampled", ""}};
  for (mode m : {mode::wrapper_alone, mode::prepared_wrapper_alone}) {
    for (const run& r : runs) {
      start_tracing(r.rate, r.inline_writes);
      std::vector<double> v;
      for (int i = 0; i < batches; ++i) v.push_back(ns_per_query(db, m, batch));
      st::shutdown(0);
      std::printf("%-8s %-8s alone, %-9s %7.0f ns/query best, %5.0f median (%s%s)\n", name,
                  m == mode::wrapper_alone ? "wrapper" : "prepared", r.label, best(v), median(v),
                  m == mode::wrapper_alone ? "scrub + span + attributes + end" : "recall + span + attributes + end", r.note);
    }
  }
}

template <class Db> void table(const char* name, int rounds, int per_batch) {
  Db db;
  if (!db.open()) {
    std::printf("%-8s not run: no server in the environment (run through tests/integrations/servers.py)\n", name);
    return;
  }
  start_tracing(1.0);
  measured_loop(db, mode::traced, 200);  // warm the connection, the caches and the pools
  st::shutdown(0);
  round_trips(db, name, rounds, per_batch);
  wrapper_alone(db, name);
  db.close();
}

template <class Db> int loop_only(int n, mode m, double rate, bool inline_writes) {
  Db db;
  if (!db.open()) return 1;
  start_tracing(rate, inline_writes);
  measured_loop(db, m, n);
  st::shutdown(0);
  db.close();
  return 0;
}

int run_loop_only(int n, const std::string& what) {
  const bool pq = what.rfind("pq-", 0) == 0;
  std::string m = what.substr(3);
  const std::string inline_suffix = "-inline";
  const bool inline_writes = m.size() > inline_suffix.size() && m.compare(m.size() - inline_suffix.size(), inline_suffix.size(), inline_suffix) == 0;
  if (inline_writes) m.resize(m.size() - inline_suffix.size());
  mode which = mode::bare;
  double rate = 1.0;
  if (m == "bare") which = mode::bare;
  else if (m == "sampled") which = mode::traced;
  else if (m == "unsampled") which = mode::traced, rate = 0.0;
  else if (m == "wrapper") which = mode::wrapper_alone;
  else if (m == "wrapper-unsampled") which = mode::wrapper_alone, rate = 0.0;
  else if (m == "prepared") which = mode::prepared_wrapper_alone;
  else return 2;
  return pq ? loop_only<postgres>(n, which, rate, inline_writes) : loop_only<mariadb>(n, which, rate, inline_writes);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 4 && std::strcmp(argv[1], "--loop-only") == 0) return run_loop_only(std::atoi(argv[2]), argv[3]);
  std::printf("statement: %zu bytes, scrubbed on every traced call\n", std::strlen(statement));
  table<postgres>("postgres", 15, 400);
  table<mariadb>("mariadb", 15, 400);
  return 0;
}
