// shop_service -- a small web service traced by the integration headers alone: its route
// (cpp-httplib), its queries (SQLite) and its call to another service (libcurl).
//
//   SENTRY_DSN=<your project's DSN> ./shop_service [port] [inventory-url]
//
//   port           where to listen on 127.0.0.1 (else $SHOP_PORT; 0 or none: any free port).
//                  `LISTENING <port>` is printed on stdout once it is bound.
//   inventory-url  the downstream service asked about stock (else $SHOP_INVENTORY_URL, else
//                  http://127.0.0.1:8081/). It gets the trace headers: its address is the one
//                  entry of trace_propagation_targets.
//
//   GET  /orders/:id   reads the order and the running promotion from SQLite, asks the inventory
//                      service whether the product is in stock, and answers JSON (404: no such
//                      order; 502: the inventory service did not answer 200).
//   POST /shutdown     stops the server, flushes what tracing has pending, and exits (0: all of
//                      it was delivered). SIGTERM and SIGINT do the same.
//
// TRY IT   Any HTTP server will do as the inventory service:
//            python3 -m http.server 8081 --bind 127.0.0.1 &
//            SENTRY_DSN=https://<key>@o<org>.ingest.sentry.io/<project> ./shop_service 8080 &
//            curl http://127.0.0.1:8080/orders/42
//            curl -X POST -d "" http://127.0.0.1:8080/shutdown
//          Sentry shows the request as one transaction `GET /orders/:id` (op http.server, source
//          route) with two `db` spans and an `http.client` span, in the trace of whoever called
//          it (a caller that sends sentry-trace and baggage headers). Without SENTRY_DSN each
//          transaction is printed as a waterfall on stdout instead.
// QUERIES  One query binds the order id (`WHERE id = ?`): the span shows the statement as
//          prepared, never the bound value. The other has its values written inline, as SQL
//          built by string concatenation does: the span shows it scrubbed (`code = ?`), so the
//          promotion code itself never leaves the process.
// BUILD    examples/CMakeLists.txt builds it (target example_shop_service) when libcurl,
//          SQLite3 and cpp-httplib are found (Debian: libcurl4-openssl-dev libsqlite3-dev
//          libcpp-httplib-dev). The database is a temporary file, created and seeded at start
//          and removed at exit.
// THREADS  cpp-httplib runs each request on a thread of its pool, and the integration keeps
//          the request's transaction active on that thread, so the queries and the outgoing call
//          made there nest under it. The one SQLite connection is shared under a mutex. Stop
//          signals are blocked in every thread and taken by main() with sigwait().

// console_transport (the waterfall printed without a DSN) is one of the library's internals:
// a TU that uses it says so.
#define SENTRY_TRACE_INTERNALS
#include <sentry_trace.hpp>
#include <sentry_trace/integrations/curl.hpp>
#include <sentry_trace/integrations/httplib.hpp>
#include <sentry_trace/integrations/sqlite.hpp>

#include <curl/curl.h>
#include <httplib.h>
#include <sqlite3.h>

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>

namespace st = sentry_trace;

namespace {

// ---------------------------------------------------------------------------------------------
// Settings: the command line first, then the environment, then the defaults.
// ---------------------------------------------------------------------------------------------

struct settings {
  int port = 0;  // 0: any free port
  std::string inventory_url = "http://127.0.0.1:8081/";
};

const char* arg_or_env(int argc, char** argv, int index, const char* variable) {
  if (argc > index) return argv[index];
  const char* value = std::getenv(variable);
  return value && *value ? value : nullptr;
}

std::optional<settings> read_settings(int argc, char** argv) {
  settings s;
  if (const char* port = arg_or_env(argc, argv, 1, "SHOP_PORT")) {
    char* end = nullptr;
    const long n = std::strtol(port, &end, 10);
    if (*end != '\0' || n < 0 || n > 65535) {
      std::fprintf(stderr, "shop_service: bad port '%s'\n", port);
      return std::nullopt;
    }
    s.port = static_cast<int>(n);
  }
  if (const char* url = arg_or_env(argc, argv, 2, "SHOP_INVENTORY_URL")) s.inventory_url = url;
  return s;
}

// "http://127.0.0.1:8081/inventory" -> "http://127.0.0.1:8081": the downstream's address, the
// trace propagation target (targets match any URL that contains them).
std::string origin_of(const std::string& url) {
  const std::size_t authority = url.find("://");
  if (authority == std::string::npos) return url;
  return url.substr(0, url.find('/', authority + 3));
}

// ---------------------------------------------------------------------------------------------
// The database: a temporary SQLite file with three small tables.
// ---------------------------------------------------------------------------------------------

struct order_row {
  long long id = 0;
  long long quantity = 0;
  std::string sku;
  std::string product;
  long long price_cents = 0;
};

class shop_db {
 public:
  shop_db() = default;
  shop_db(const shop_db&) = delete;
  shop_db& operator=(const shop_db&) = delete;
  ~shop_db() {
    sqlite3_close(db_);
    if (!path_.empty()) ::unlink(path_.c_str());
  }

  /// Creates the file in $TMPDIR (else /tmp), the schema and the rows. False (and a message)
  /// on any failure.
  bool create() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/shop-XXXXXX";
    const int fd = ::mkstemp(pattern.data());
    if (fd < 0) return fail("cannot create a temporary file");
    ::close(fd);
    path_ = pattern;
    if (sqlite3_open(path_.c_str(), &db_) != SQLITE_OK) return fail("cannot open the database");
    return exec("CREATE TABLE products (sku TEXT PRIMARY KEY, name TEXT NOT NULL, price_cents INTEGER NOT NULL);"
                "CREATE TABLE orders (id INTEGER PRIMARY KEY, sku TEXT NOT NULL REFERENCES products,"
                "                     quantity INTEGER NOT NULL);"
                "CREATE TABLE promotions (code TEXT PRIMARY KEY, percent_off INTEGER NOT NULL,"
                "                         active INTEGER NOT NULL);"
                "INSERT INTO products VALUES ('KB-101', 'Mechanical keyboard', 9900),"
                "                            ('MS-202', 'Wireless mouse', 3900);"
                "INSERT INTO orders VALUES (41, 'MS-202', 1), (42, 'KB-101', 2), (43, 'MS-202', 3);"
                "INSERT INTO promotions VALUES ('SPRING-7731', 10, 1), ('WINTER-0419', 15, 0);");
  }

  /// Traces every statement from now on (the seeding above is start-up, not a request).
  /// The queries below prepare and step through st::sqlite's wrappers, which take the same
  /// arguments as sqlite3_prepare_v2 and sqlite3_step and also mark a failing query's span
  /// with its error (SQLite's trace hook alone sees no result codes).
  void instrument() { st::sqlite::instrument(db_); }

  /// The order with its product, or nothing.
  std::optional<order_row> find_order(long long id) {
    std::lock_guard<std::mutex> hold(mutex_);
    sqlite3_stmt* stmt = nullptr;
    st::sqlite::prepare_v2(db_,
                       "SELECT quantity, sku, name, price_cents FROM orders JOIN products USING (sku) WHERE id = ?",
                       -1, &stmt, nullptr);
    sqlite3_bind_int64(stmt, 1, id);  // bound: the span shows `id = ?`, never 42
    std::optional<order_row> found;
    if (st::sqlite::step(stmt) == SQLITE_ROW) {
      found = order_row{id, sqlite3_column_int64(stmt, 0), text_column(stmt, 1), text_column(stmt, 2),
                        sqlite3_column_int64(stmt, 3)};
    }
    sqlite3_finalize(stmt);
    return found;
  }

  /// The running promotion's discount in percent (0: none).
  long long promotion_percent() {
    std::lock_guard<std::mutex> hold(mutex_);
    sqlite3_stmt* stmt = nullptr;
    // The season's code is written into the statement, as concatenated SQL is: the span
    // records `WHERE code = ? AND active = ?`, and the code never reaches Sentry.
    st::sqlite::prepare_v2(db_, "SELECT percent_off FROM promotions WHERE code = 'SPRING-7731' AND active = 1", -1,
                       &stmt, nullptr);
    const long long percent = st::sqlite::step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
    sqlite3_finalize(stmt);
    return percent;
  }

 private:
  static std::string text_column(sqlite3_stmt* stmt, int column) {
    const unsigned char* text = sqlite3_column_text(stmt, column);
    return text ? reinterpret_cast<const char*>(text) : "";
  }

  bool exec(const char* sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) == SQLITE_OK) return true;
    std::fprintf(stderr, "shop_service: %s\n", error ? error : "SQL error");
    sqlite3_free(error);
    return false;
  }

  static bool fail(const char* what) {
    std::fprintf(stderr, "shop_service: %s\n", what);
    return false;
  }

  sqlite3* db_ = nullptr;
  std::string path_;
  std::mutex mutex_;
};

// ---------------------------------------------------------------------------------------------
// The downstream call: GET <inventory-url>?sku=<sku> with libcurl.
// ---------------------------------------------------------------------------------------------

std::size_t keep_body(char* data, std::size_t size, std::size_t count, void* body) {
  static_cast<std::string*>(body)->append(data, size * count);
  return size * count;
}

/// The inventory service's HTTP status for `sku` (0: no answer).
long ask_inventory(const std::string& inventory_url, const std::string& sku) {
  CURL* curl = curl_easy_init();
  if (!curl) return 0;
  // The query string is not in the span's name (nor, without send_default_pii, in its data).
  const std::string url = inventory_url + "?sku=" + sku;  // skus are [A-Z0-9-]: nothing to escape
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // many threads: no SIGALRM for timeouts
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, keep_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_slist* headers = curl_slist_append(nullptr, "Accept: text/plain");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

  // curl_easy_perform, traced: an http.client span, and sentry-trace + baggage added to (a copy
  // of) our headers, because the URL matches trace_propagation_targets. It is given the list
  // set above, which it puts back on the handle afterwards.
  const CURLcode result = st::curl::perform(curl, headers);

  long status = 0;
  if (result == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return status;
}

// ---------------------------------------------------------------------------------------------
// The route.
// ---------------------------------------------------------------------------------------------

void get_order(std::string_view order_id, httplib::Response& res, shop_db& db, const std::string& inventory_url) {
  long long id = 0;
  const bool numeric = std::from_chars(order_id.data(), order_id.data() + order_id.size(), id).ec == std::errc{};
  const std::optional<order_row> order = numeric ? db.find_order(id) : std::nullopt;
  if (!order) {
    res.status = 404;
    res.set_content("{\"error\":\"no such order\"}", "application/json");
    return;
  }
  const long long percent_off = db.promotion_percent();
  if (ask_inventory(inventory_url, order->sku) != 200) {
    res.status = 502;
    res.set_content("{\"error\":\"the inventory service did not answer\"}", "application/json");
    return;
  }
  const long long total_cents = order->quantity * order->price_cents * (100 - percent_off) / 100;
  char json[256];  // product names are the seeded ones: no characters to escape
  std::snprintf(json, sizeof json,
                "{\"order\":%lld,\"sku\":\"%s\",\"product\":\"%s\",\"quantity\":%lld,"
                "\"discount_percent\":%lld,\"total_cents\":%lld,\"in_stock\":true}",
                order->id, order->sku.c_str(), order->product.c_str(), order->quantity, percent_off, total_cents);
  res.set_content(json, "application/json");
}

// ---------------------------------------------------------------------------------------------
// Stopping: SIGTERM, SIGINT or POST /shutdown (which sends this process SIGTERM).
// ---------------------------------------------------------------------------------------------

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

// Called before any thread starts, so that every thread inherits the mask and the signals wait
// for sigwait() in main() instead of killing the process mid-request.
void block_stop_signals() {
  const sigset_t set = stop_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void wait_for_stop_signal() {
  const sigset_t set = stop_signals();
  int received = 0;
  sigwait(&set, &received);
}

// ---------------------------------------------------------------------------------------------
// Putting it together.
// ---------------------------------------------------------------------------------------------

// The DSN comes from SENTRY_DSN (options.dsn left empty); without one, transactions go to
// `without_dsn` (the waterfall printer). Only requests to the inventory service get trace headers.
bool start_tracing(const settings& config, st::transport& without_dsn) {
  const std::string inventory_origin = origin_of(config.inventory_url);
  const std::string_view propagation_targets[] = {inventory_origin};  // init() copies them
  st::options o;
  o.release = "shop-service@1.0.0";
  o.traces_sample_rate = 1.0;  // every request; used only when the caller left the decision to us
  o.trace_propagation_targets = propagation_targets;
  o.trace_propagation_target_count = 1;
  const char* dsn = std::getenv("SENTRY_DSN");
  if (!dsn || !*dsn) o.transport = &without_dsn;
  return st::init(o);  // false: the log (stderr) has said why
}

void add_routes(httplib::Server& server, shop_db& db, const std::string& inventory_url) {
  // A traced route: each request continues the caller's trace in a transaction `GET /orders/:id`.
  namespace hs = st::http_server;
  hs::get(server, "/orders/:id", [&](const httplib::Request&, httplib::Response& res, const hs::route_params& params) {
    get_order(params["id"], res, db, inventory_url);
  });
  // Not traced: an operator's endpoint.
  server.Post("/shutdown", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("stopping\n", "text/plain");
    ::kill(::getpid(), SIGTERM);  // the same way out as a signal
  });
}

// Binds 127.0.0.1:<port> (0: any free port), prints `LISTENING <port>`, and serves until a stop
// signal. False when it cannot bind.
bool serve_until_stopped(httplib::Server& server, int port) {
  const int bound = port == 0 ? server.bind_to_any_port("127.0.0.1")
                              : (server.bind_to_port("127.0.0.1", port) ? port : -1);
  if (bound <= 0) {
    std::fprintf(stderr, "shop_service: cannot listen on 127.0.0.1:%d\n", port);
    return false;
  }
  std::printf("LISTENING %d\n", bound);
  std::fflush(stdout);

  std::atomic<bool> serving_ended{false};
  std::thread serving([&] {
    server.listen_after_bind();
    serving_ended = true;
    ::kill(::getpid(), SIGTERM);  // should it end by itself: stop waiting below
  });
  wait_for_stop_signal();
  // stop() does nothing before listening has begun: a signal that early waits for it.
  while (!serving_ended && !server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  server.stop();  // in-flight requests finish first
  serving.join();
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const std::optional<settings> config = read_settings(argc, argv);
  if (!config) return 2;
  block_stop_signals();  // before any thread starts

  st::console_transport waterfall;  // must outlive shutdown(): the library does not own it
  if (!start_tracing(*config, waterfall)) return 1;
  curl_global_init(CURL_GLOBAL_DEFAULT);

  bool served = false;
  {
    shop_db db;
    if (db.create()) {
      db.instrument();
      httplib::Server server;
      // Without TCP_NODELAY a response's headers and body go as two segments, and the second
      // waits for the client's delayed ACK: 25-40 ms a request on Linux.
      server.set_tcp_nodelay(true);
      add_routes(server, db, config->inventory_url);
      served = serve_until_stopped(server, config->port);
    }
  }

  const bool delivered = st::shutdown(5000);  // every transaction sent before exiting
  curl_global_cleanup();
  return served && delivered ? 0 : 1;
}
