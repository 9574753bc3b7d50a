// Tests for sentry_trace/transport_http.hpp and its wiring in init()/flush()/shutdown()/poll():
// a small HTTP server thread on 127.0.0.1 (port 0) records every POST and answers with a status
// and headers the test chooses, or stalls.

#include "fixture.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
namespace {

namespace st = sentry_trace;
using test_support::clean_sentry_env;
using test_support::env_guard;
using test_support::log_capture;

struct http_request {
  std::string method, path, body;
  std::map<std::string, std::string> headers;  ///< names in lower case
  bool has(const std::string& name) const { return headers.count(name) != 0; }
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

std::string lower(std::string s) {
  for (char& c : s) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  return s;
}

/// One connection at a time: read a request, record it, wait while `stall`, answer, close.
class test_server {
 public:
  test_server() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd_, 64) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~test_server() {
    stop_ = true;
    stall = false;
    thread_.join();
    ::close(fd_);
  }
  test_server(const test_server&) = delete;
  test_server& operator=(const test_server&) = delete;

  std::uint16_t port = 0;
  std::atomic<int> status{200};
  std::atomic<bool> stall{false};

  void set_response_headers(std::string h) {
    std::lock_guard<std::mutex> lk(mu_);
    extra_ = std::move(h);
  }
  std::vector<http_request> requests() {
    std::lock_guard<std::mutex> lk(mu_);
    return requests_;
  }
  std::size_t count() {
    std::lock_guard<std::mutex> lk(mu_);
    return requests_.size();
  }
  /// Responses sent so far.
  int answered() const { return answered_.load(); }
  /// Waits until at least `n` requests arrived; false after `ms`.
  bool wait_for(std::size_t n, int ms) {
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (count() < n) {
      if (std::chrono::steady_clock::now() > end) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
  }

 private:
  void run() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      handle(c);
      ::close(c);
    }
  }
  bool read_more(int c, std::string& buf) {
    char tmp[4096];
    for (int waited = 0; waited < 3000 && !stop_; waited += 10) {
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 10) <= 0) continue;
      ssize_t n = ::recv(c, tmp, sizeof tmp, 0);
      if (n <= 0) return false;
      buf.append(tmp, static_cast<std::size_t>(n));
      return true;
    }
    return false;
  }
  void handle(int c) {
    std::string buf;
    std::size_t end;
    while ((end = buf.find("\r\n\r\n")) == std::string::npos)
      if (!read_more(c, buf)) return;
    http_request r;
    std::string head = buf.substr(0, end);
    std::size_t line_end = head.find("\r\n");
    std::string first = head.substr(0, line_end);
    std::size_t sp1 = first.find(' '), sp2 = first.rfind(' ');
    r.method = first.substr(0, sp1);
    r.path = first.substr(sp1 + 1, sp2 - sp1 - 1);
    std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      std::size_t e = head.find("\r\n", pos);
      if (e == std::string::npos) e = head.size();
      std::string line = head.substr(pos, e - pos);
      std::size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string v = line.substr(colon + 1);
        while (!v.empty() && v.front() == ' ') v.erase(0, 1);
        r.headers[lower(line.substr(0, colon))] = v;
      }
      pos = e + 2;
    }
    std::size_t length = static_cast<std::size_t>(std::stoul(r.header("content-length").empty() ? "0" : r.header("content-length")));
    std::string body = buf.substr(end + 4);
    while (body.size() < length)
      if (!read_more(c, body)) return;
    r.body = body.substr(0, length);
    {
      std::lock_guard<std::mutex> lk(mu_);
      requests_.push_back(r);
    }
    while (stall && !stop_) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::string extra;
    {
      std::lock_guard<std::mutex> lk(mu_);
      extra = extra_;
    }
    std::string resp = "HTTP/1.1 " + std::to_string(status.load()) + " X\r\nContent-Length: 0\r\n" + extra +
                       "Connection: close\r\n\r\n";
    ::send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
    answered_.fetch_add(1);
  }

  int fd_ = -1;
  std::atomic<int> answered_{0};
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<http_request> requests_;
  std::string extra_;
  std::thread thread_;
};

/// A port nothing listens on (bound, read, closed).
std::uint16_t dead_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

std::uint64_t pending(st::discard_reason r, st::data_category c) {
  return st::detail::g_outcomes.pending[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)].load();
}

long long ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t).count();
}

/// init() with a DSN pointing at `server` and no transport; shutdown(0) at the end.
struct live_session {
  clean_sentry_env env;
  env_guard spotlight_env{"SENTRY_SPOTLIGHT", nullptr};
  log_capture log;
  std::string dsn;
  st::options opts;
  explicit live_session(const test_server& server) {
    dsn = "http://public@127.0.0.1:" + std::to_string(server.port) + "/42";
    opts.dsn = dsn;
    opts.release = "test@1.0.0";
    opts.traces_sample_rate = 1.0;
    opts.log = log.hook();
  }
  ~live_session() {
    st::shutdown(0);
    st::detail::g_tracer.log = st::log_hook{};
  }
  bool init() { return st::init(opts); }
};

void one_transaction(int children = 0) {
  st::scoped_span root({"checkout", "task"});
  for (int i = 0; i < children; ++i) st::scoped_span child({"step", "task"});
}

bool contains(const std::string& s, const char* needle) { return s.find(needle) != std::string::npos; }

std::unique_ptr<st::http_transport> make_transport() { return std::unique_ptr<st::http_transport>(new st::http_transport); }

/// A resolver that does not answer until released (or 10 s pass), then fails: the DNS server
/// that stopped answering. Each call is one lookup the library started.
struct stuck_resolver {
  static std::mutex mu;
  static std::condition_variable cv;
  static bool released;
  static std::atomic<int> calls;
  static std::atomic<int> active;
  static int resolve(const char*, const char*, const addrinfo*, addrinfo**) {
    calls.fetch_add(1);
    active.fetch_add(1);
    {
      std::unique_lock<std::mutex> lk(mu);
      cv.wait_for(lk, std::chrono::seconds(10), [] { return released; });
    }
    active.fetch_sub(1);
    return EAI_AGAIN;
  }
  stuck_resolver() {
    std::lock_guard<std::mutex> lk(mu);
    released = false;
    calls = 0;
    st::detail::g_builtin_resolver = &stuck_resolver::resolve;
  }
  ~stuck_resolver() {
    st::detail::g_builtin_resolver = nullptr;
    {
      std::lock_guard<std::mutex> lk(mu);
      released = true;
    }
    cv.notify_all();
    // Let the abandoned lookups return, so that later tests find every resolver slot free.
    for (int i = 0; i < 400 && active.load() != 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
};
std::atomic<int> stuck_resolver::active{0};
std::mutex stuck_resolver::mu;
std::condition_variable stuck_resolver::cv;
bool stuck_resolver::released = false;
std::atomic<int> stuck_resolver::calls{0};

} // namespace

TEST_SUITE("transport_http") {

TEST_CASE("envelope_queue keeps whole envelopes in order, wraps around, and refuses what does not fit") {
  alignas(8) unsigned char buf[256];
  st::detail::envelope_queue q;
  q.reset(buf, sizeof buf);
  st::detail::queue_entry_meta m;
  std::string_view bytes;
  const std::string a(60, 'a'), b(60, 'b'), c(60, 'c'), big(300, 'x');
  CHECK_FALSE(q.push(big, m));
  CHECK(q.push(a, m));
  CHECK(q.push(b, m));
  CHECK_FALSE(q.push(c, m));  // each takes 24 + 64 bytes: a third does not fit in 256
  CHECK(q.size() == 2);
  REQUIRE(q.front(m, bytes));
  CHECK(bytes == a);
  q.pop();
  // Room at the start again: the next one wraps.
  CHECK(q.push(std::string(60, 'd'), m));
  std::string order;
  while (q.front(m, bytes)) {
    order += bytes[0];
    CHECK(bytes.size() == 60);
    q.pop();
  }
  CHECK(order == "bd");
  CHECK(q.empty());
}

TEST_CASE("resolve_spotlight follows PROTOCOL.md §13") {
  using st::detail::resolve_spotlight;
  const std::string_view def = "http://localhost:8969/stream";
  CHECK(resolve_spotlight("", "").empty());
  CHECK(resolve_spotlight("", "TRUE") == def);
  CHECK(resolve_spotlight("", "0").empty());
  CHECK(resolve_spotlight("", "http://x:1/stream") == "http://x:1/stream");
  CHECK(resolve_spotlight("yes", "") == def);
  CHECK(resolve_spotlight("1", "http://x:1/stream") == "http://x:1/stream");
  CHECK(resolve_spotlight("off", "http://x:1/stream").empty());
  CHECK(resolve_spotlight("http://a:2/s", "http://x:1/stream") == "http://a:2/s");
}

TEST_CASE("http_transport posts the exact bytes with the envelope content type and the auth header") {
  test_server server;
  auto t = make_transport();
  st::http_transport_options o;
  std::string url = "http://127.0.0.1:" + std::to_string(server.port) + "/api/42/envelope/";
  o.url = url;
  o.auth_header = "X-Sentry-Auth: Sentry sentry_key=k, sentry_version=7\r\n";
  REQUIRE(t->configure(o));
  REQUIRE(t->start());
  const std::string body = "{}\n{\"type\":\"event\",\"length\":2}\n{}\n";
  t->send(st::envelope_view(body, nullptr, false));
  CHECK(t->flush(2000));
  REQUIRE(server.wait_for(1, 2000));
  http_request r = server.requests()[0];
  CHECK(r.method == "POST");
  CHECK(r.path == "/api/42/envelope/");
  CHECK(r.body == body);
  CHECK(r.header("content-type") == "application/x-sentry-envelope");
  CHECK(r.header("x-sentry-auth") == "Sentry sentry_key=k, sentry_version=7");
  CHECK(contains(r.header("user-agent"), "sentry_trace.native/"));
  CHECK(t->stop(1000));
}

TEST_CASE("init with a DSN and no transport sends transactions over HTTP (worker mode)") {
  test_server server;
  live_session s(server);
  REQUIRE(s.init());
  one_transaction(2);
  REQUIRE(server.wait_for(1, 3000));
  http_request r = server.requests()[0];
  CHECK(r.method == "POST");
  CHECK(r.path == "/api/42/envelope/");
  std::string auth = r.header("x-sentry-auth");
  CHECK(contains(auth, "Sentry sentry_key=public"));
  CHECK(contains(auth, "sentry_version=7"));
  CHECK(contains(auth, "sentry_client=sentry_trace.native/0.1.0"));
  CHECK(r.header("content-type") == "application/x-sentry-envelope");
  CHECK(contains(r.body, "{\"type\":\"transaction\""));
  CHECK(contains(r.body, "\"checkout\""));
  CHECK(st::shutdown(2000));
}

TEST_CASE("poll mode: nothing is sent until sentry_trace::poll(), which returns promptly") {
  test_server server;
  live_session s(server);
  s.opts.delivery = st::delivery_mode::poll;
  REQUIRE(s.init());
  one_transaction();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(server.count() == 0);
  auto t0 = std::chrono::steady_clock::now();
  st::poll(50);  // 50 µs
  long long took = ms_since(t0);
  MESSAGE("st::poll(50 us) took " << took << " ms");
  // Returning promptly is the feature; the bound is loose (a loaded machine) but far below
  // what one blocking network wait would cost (connect_timeout_ms = 3000).
  CHECK(took < 1000);
  auto start = std::chrono::steady_clock::now();
  bool empty = false;
  while (!empty && ms_since(start) < 3000) {
    empty = st::poll(1000);
    if (!empty) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CHECK(empty);
  REQUIRE(server.wait_for(1, 1000));
  CHECK(contains(server.requests()[0].body, "{\"type\":\"transaction\""));
  CHECK(st::shutdown(2000));
}

TEST_CASE("a worker-mode tracer's poll() is a no-op that reports true") {
  test_server server;
  live_session s(server);
  REQUIRE(s.init());
  CHECK(st::poll(10));
}

TEST_CASE("429 with X-Sentry-Rate-Limits: later transactions are dropped before sending and counted; errors still go") {
  test_server server;
  live_session s(server);
  REQUIRE(s.init());
  server.status = 429;
  server.set_response_headers("X-Sentry-Rate-Limits: 60:transaction:key\r\n");
  one_transaction();
  REQUIRE(st::flush(2000));
  REQUIRE(server.count() == 1);
  server.status = 200;
  server.set_response_headers("");
  one_transaction(2);
  st::capture_exception("RuntimeError", "still reported");
  CHECK(st::flush(2000));  // the transaction is dropped, the error sent
  CHECK(st::flush(2000));  // the client report with the drop
  std::vector<http_request> rs = server.requests();
  bool error_sent = false, report = false;
  for (std::size_t i = 1; i < rs.size(); ++i) {
    CHECK_FALSE(contains(rs[i].body, "{\"type\":\"transaction\""));
    if (contains(rs[i].body, "{\"type\":\"event\"")) error_sent = true;
    if (contains(rs[i].body, "\"reason\":\"ratelimit_backoff\",\"category\":\"transaction\",\"quantity\":1") &&
        contains(rs[i].body, "\"reason\":\"ratelimit_backoff\",\"category\":\"span\",\"quantity\":3"))
      report = true;
    // The 429 itself is never counted.
    CHECK_FALSE(contains(rs[i].body, "\"reason\":\"send_error\""));
  }
  CHECK(error_sent);
  CHECK(report);
}

TEST_CASE("a 500 answer is counted as send_error") {
  test_server server;
  live_session s(server);
  REQUIRE(s.init());
  server.status = 500;
  one_transaction();
  CHECK(st::flush(2000));
  server.status = 200;
  CHECK(st::flush(2000));
  std::vector<http_request> rs = server.requests();
  REQUIRE(rs.size() >= 2);
  CHECK(contains(rs.back().body, "\"reason\":\"send_error\",\"category\":\"transaction\",\"quantity\":1"));
}

TEST_CASE("nothing listening: retried with backoff, then dropped as network_error") {
  st::detail::g_outcomes.reset();
  auto t = make_transport();
  st::http_transport_options o;
  std::string url = "http://127.0.0.1:" + std::to_string(dead_port()) + "/api/1/envelope/";
  o.url = url;
  o.max_attempts = 3;
  o.retry_base_ms = 100;  // 100 ms, then 200 ms
  o.use_worker = false;   // poll mode: flush() drives it
  REQUIRE(t->configure(o));
  t->send(st::envelope_view("{}\n{\"type\":\"event\"}\n{}\n", nullptr, false));
  auto t0 = std::chrono::steady_clock::now();
  CHECK(t->flush(3000));  // dropped on purpose, within the timeout: that counts as done
  long long took = ms_since(t0);
  CHECK(took >= 280);  // the backoff (100 ms, then 200 ms) was waited out: a lower bound cannot flake
  CHECK(pending(st::discard_reason::network_error, st::data_category::error) == 1);
  // Client reports are never counted.
  t->send(st::envelope_view("{}\n{\"type\":\"client_report\"}\n{}\n", nullptr, true));
  CHECK(t->flush(3000));
  CHECK(pending(st::discard_reason::network_error, st::data_category::internal) == 0);
  st::detail::g_outcomes.reset();
}

/// A resolver that counts its calls and fails at once.
std::atomic<int> counted_lookups{0};
int counting_resolver(const char*, const char*, const addrinfo*, addrinfo**) {
  counted_lookups.fetch_add(1);
  return EAI_FAIL;
}

TEST_CASE("an IP literal is never looked up: its retries start no resolver thread") {
  st::detail::g_outcomes.reset();
  counted_lookups = 0;
  auto t = make_transport();
  st::http_transport_options o;
  std::string url = "http://127.0.0.1:" + std::to_string(dead_port()) + "/api/1/envelope/";
  o.url = url;
  o.max_attempts = 3;
  o.retry_base_ms = 20;
  o.use_worker = false;
  o.http.resolver = &counting_resolver;
  REQUIRE(t->configure(o));
  t->send(st::envelope_view("{}\n{\"type\":\"event\"}\n{}\n", nullptr, false));
  CHECK(t->flush(3000));
  CHECK(pending(st::discard_reason::network_error, st::data_category::error) == 1);  // three attempts made
  CHECK(counted_lookups.load() == 0);
  st::detail::g_outcomes.reset();
}

TEST_CASE("flush() returns at its timeout, false, while retries are pending (worker mode)") {
  st::detail::g_outcomes.reset();
  auto t = make_transport();
  st::http_transport_options o;
  std::string url = "http://127.0.0.1:" + std::to_string(dead_port()) + "/api/1/envelope/";
  o.url = url;  // max_attempts 4, 1 s first retry
  REQUIRE(t->configure(o));
  REQUIRE(t->start());
  t->send(st::envelope_view("{}\n{\"type\":\"event\"}\n{}\n", nullptr, false));
  auto t0 = std::chrono::steady_clock::now();
  CHECK_FALSE(t->flush(300));
  long long took = ms_since(t0);
  CHECK(took >= 250);  // it did wait (a lower bound cannot flake)
  // Returning at the deadline is the feature: generous slack, far below the 1 s retry delay
  // plus backoff it would otherwise wait out.
  CHECK(took < 300 + 500);
  t0 = std::chrono::steady_clock::now();
  CHECK_FALSE(t->stop(200));
  took = ms_since(t0);
  CHECK(took < 200 + 500);
  CHECK(pending(st::discard_reason::network_error, st::data_category::error) == 1);  // dropped at stop
  st::detail::g_outcomes.reset();
}

TEST_CASE("a full queue drops and counts queue_overflow") {
  st::detail::g_outcomes.reset();
  test_server server;
  server.stall = true;
  auto t = make_transport();
  st::http_transport_options o;
  std::string url = "http://127.0.0.1:" + std::to_string(server.port) + "/api/1/envelope/";
  o.url = url;
  o.queue_bytes = 4096;
  o.http.io_timeout_ms = 1000;
  REQUIRE(t->configure(o));
  REQUIRE(t->start());
  const std::string body = "{}\n{\"type\":\"event\"}\n" + std::string(500, 'x') + "\n";
  for (int i = 0; i < 50; ++i) t->send(st::envelope_view(body, nullptr, false));
  std::uint64_t lost = pending(st::discard_reason::queue_overflow, st::data_category::error);
  MESSAGE("queue_overflow: " << lost << " of 50");
  CHECK(lost >= 40);
  CHECK(t->queued() + lost == 50);
  server.stall = false;
  CHECK(t->stop(5000));
  st::detail::g_outcomes.reset();
}

TEST_CASE("the span path never waits for a stalled server; shutdown returns at its timeout with false") {
  test_server server;
  server.stall = true;
  live_session s(server);
  REQUIRE(s.init());
  auto loop_start = std::chrono::steady_clock::now();
  for (int i = 0; i < 300; ++i) {
    st::scoped_span root({"frame", "task"});
    for (int k = 0; k < 5; ++k) st::scoped_span child({"work", "task"});
  }  // each root's end writes the envelope and queues it
  long long loop_ms = ms_since(loop_start);
  MESSAGE("300 transactions (6 spans each, incl. queueing) while the server stalls: " << loop_ms << " ms");
  // Waiting on the stalled server even once would cost io_timeout_ms (5000 ms): the loop as a
  // whole stays far below that however loaded the machine is.
  CHECK(loop_ms < 4000);
  REQUIRE(server.wait_for(1, 2000));
  CHECK(server.answered() == 0);  // the server was stalled throughout
  auto t0 = std::chrono::steady_clock::now();
  bool delivered = st::shutdown(500);
  long long took = ms_since(t0);
  MESSAGE("shutdown(500) took " << took << " ms");
  CHECK_FALSE(delivered);
  CHECK(took >= 450);        // it waited for the flush (a lower bound cannot flake)
  CHECK(took < 500 + 500);   // and returned at its deadline: the bound is the feature
  server.stall = false;
}

TEST_CASE("Spotlight gets the same envelope bytes, without auth") {
  test_server server, sidecar;
  live_session s(server);
  std::string spot = "http://127.0.0.1:" + std::to_string(sidecar.port) + "/stream";
  s.opts.spotlight = spot;
  REQUIRE(s.init());
  one_transaction(1);
  CHECK(st::flush(2000));
  REQUIRE(server.wait_for(1, 2000));
  REQUIRE(sidecar.wait_for(1, 2000));
  http_request a = server.requests()[0], b = sidecar.requests()[0];
  CHECK(b.path == "/stream");
  CHECK(b.body == a.body);
  CHECK(contains(b.body, "{\"type\":\"transaction\""));
  CHECK_FALSE(b.has("x-sentry-auth"));
  CHECK(b.header("content-type") == "application/x-sentry-envelope");
  CHECK(a.has("x-sentry-auth"));
  CHECK(st::shutdown(2000));
}

TEST_CASE("a Spotlight sidecar that is not running never holds up flush()") {
  test_server server;
  live_session s(server);
  std::string spot = "http://127.0.0.1:" + std::to_string(dead_port()) + "/stream";
  env_guard e("SENTRY_SPOTLIGHT", spot.c_str());
  REQUIRE(s.init());
  one_transaction();
  // A sidecar that held flush() up would make it false: it would still be retrying (1 s, 2 s,
  // ...) when the 2 s are over. One attempt, dropped uncounted, lets it be true.
  CHECK(st::flush(2000));
  REQUIRE(server.wait_for(1, 1000));
  CHECK(st::get_stats().discarded_total == 0);
}

TEST_CASE("init() a second time stops the previous transports first") {
  test_server server;
  live_session s(server);
  REQUIRE(s.init());
  one_transaction();
  REQUIRE(s.init());
  one_transaction();
  CHECK(st::flush(2000));
  CHECK(server.wait_for(1, 2000));
  CHECK(st::shutdown(1000));
}

TEST_CASE("worker mode sends the pending client report in the background once 60 s have passed, without flush()") {
  // The worker reads this clock while the test moves it: an atomic one, declared before the
  // session so that it outlives the worker.
  struct shared_clock {
    std::atomic<std::uint64_t> now{1'000'000'000};
    static std::uint64_t read(void* self) { return static_cast<shared_clock*>(self)->now.load(); }
  } clock;
  test_server server;
  live_session s(server);
  s.opts.clock = st::clock_hook{&shared_clock::read, &clock};
  s.opts.traces_sample_rate = 0.0;  // nothing but client reports is ever sent
  REQUIRE(s.init());
  { st::scoped_span dropped({"unsampled", "task"}); }
  clock.now += 59ull * 1000 * 1000 * 1000;
  // Not due: the worker, which looks at least once a second, sends nothing (a bounded wait,
  // not a timing assert: a report sent early would show up here or in the check below).
  CHECK_FALSE(server.wait_for(1, 1500));
  clock.now += 1ull * 1000 * 1000 * 1000;
  REQUIRE(server.wait_for(1, 5000));
  std::vector<http_request> rs = server.requests();
  REQUIRE(rs.size() == 1);
  CHECK(contains(rs[0].body, "{\"type\":\"client_report\""));
  CHECK(contains(rs[0].body, "\"reason\":\"sample_rate\",\"category\":\"transaction\",\"quantity\":1"));
  CHECK(st::shutdown(2000));
}

TEST_CASE("a resolver that never answers: flush() and shutdown() keep their timeouts; the envelope counts as lost") {
  stuck_resolver resolver;
  clean_sentry_env env;
  env_guard spotlight_env{"SENTRY_SPOTLIGHT", nullptr};
  log_capture log;
  st::options o;
  o.dsn = "http://public@ingest.example.invalid:9000/42";  // a name: it needs the resolver
  o.traces_sample_rate = 1.0;
  o.log = log.hook();
  for (st::delivery_mode mode : {st::delivery_mode::worker, st::delivery_mode::poll}) {
    CAPTURE(static_cast<int>(mode));
    st::detail::g_outcomes.reset();
    o.delivery = mode;
    REQUIRE(st::init(o));
    one_transaction(1);
    // The bound is the feature here: timeout + 300 ms of slack for a loaded machine. Before,
    // the resolver's wait (seconds) was added to both.
    auto t0 = std::chrono::steady_clock::now();
    CHECK_FALSE(st::flush(200));
    long long took = ms_since(t0);
    MESSAGE("flush(200) with a stuck resolver took " << took << " ms");
    CHECK(took < 200 + 300);
    t0 = std::chrono::steady_clock::now();
    CHECK_FALSE(st::shutdown(300));
    took = ms_since(t0);
    MESSAGE("shutdown(300) with a stuck resolver took " << took << " ms");
    CHECK(took < 300 + 300);
    CHECK(resolver.calls.load() >= 1);  // the lookup did start, and is still stuck
    CHECK(pending(st::discard_reason::network_error, st::data_category::transaction) == 1);
    CHECK(pending(st::discard_reason::network_error, st::data_category::span) == 2);
  }
  // Lookups abandoned above are still stuck on their own threads: tracing starts again anyway.
  o.delivery = st::delivery_mode::worker;
  REQUIRE(st::init(o));
  one_transaction();
  CHECK_FALSE(st::shutdown(100));
  CHECK(pending(st::discard_reason::network_error, st::data_category::transaction) == 1);
  st::detail::g_outcomes.reset();
  st::detail::g_tracer.log = st::log_hook{};
}

TEST_CASE("a resolver that never answers is abandoned after connect_timeout_ms; the attempt counts as a failure") {
  stuck_resolver resolver;
  st::detail::g_outcomes.reset();
  auto t = make_transport();
  st::http_transport_options o;
  o.url = "http://ingest.example.invalid:9000/api/1/envelope/";
  o.http.resolver = &stuck_resolver::resolve;
  o.http.connect_timeout_ms = 100;
  o.max_attempts = 2;
  o.retry_base_ms = 50;
  o.use_worker = false;  // flush() drives it
  REQUIRE(t->configure(o));
  t->send(st::envelope_view("{}\n{\"type\":\"event\"}\n{}\n", nullptr, false));
  CHECK(t->flush(5000));  // two abandoned lookups, then dropped: done
  CHECK(resolver.calls.load() >= 1);
  CHECK(std::string(t->last_error()).find("resolve failed") == 0);
  CHECK(pending(st::discard_reason::network_error, st::data_category::error) == 1);
  CHECK(t->stop(100));
  st::detail::g_outcomes.reset();
}

#if !SENTRY_TRACE_WITH_MBEDTLS
TEST_CASE("an https DSN without TLS support: an error that says how to fix it, every envelope lost, flush false") {
  clean_sentry_env env;
  env_guard spotlight_env{"SENTRY_SPOTLIGHT", nullptr};
  log_capture log;
  st::options o;
  o.dsn = "https://public@o1.ingest.sentry.io/42";
  o.traces_sample_rate = 1.0;
  o.log = log.hook();
  REQUIRE(st::init(o));  // tracing stays on: trace headers still propagate
  CHECK(log.contains("cannot send to an https DSN"));
  CHECK(log.contains("SENTRY_TRACE_WITH_MBEDTLS=1"));
  CHECK(log.contains("http://"));
  one_transaction(2);
  st::capture_exception("RuntimeError", "also lost");
  CHECK(pending(st::discard_reason::internal_sdk_error, st::data_category::transaction) == 1);
  CHECK(pending(st::discard_reason::internal_sdk_error, st::data_category::span) == 3);
  CHECK(pending(st::discard_reason::internal_sdk_error, st::data_category::error) == 1);
  CHECK(st::get_stats().discarded_total == 5);
  CHECK_FALSE(st::flush(100));
  CHECK_FALSE(st::shutdown(100));
  st::detail::g_tracer.log = st::log_hook{};
}
#endif

}  // TEST_SUITE
#else
// The built-in HTTP transport needs threads and POSIX sockets (SENTRY_TRACE_THREADS=0 builds
// have neither the worker nor the queue lock), so this suite has nothing to test there.
TEST_CASE("http_transport is not built in this configuration") {
  CHECK(SENTRY_TRACE_DETAIL_HTTP_TRANSPORT == 0);
}
#endif
