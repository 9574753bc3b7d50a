// Tests for sentry_trace/integrations/curl.hpp and httplib.hpp with the real libraries: a
// cpp-httplib server on 127.0.0.1 (a port chosen at run time) in a thread of this process, its
// routes registered with sentry_trace::http_server, called with libcurl through
// sentry_trace::curl. Both ends report to the same capturing transport, so each case checks the
// client span (name, op, origin, attributes, status) and the server transaction it led to (same
// trace, parent = the client span, route name and source), statuses (200, 404, 500 from a
// throwing handler with its linked error event, connection refused, timeout), scrubbing
// (user-info always, the query only with send_default_pii), trace headers reaching the server
// only for matching targets, the baggage merge, the caller's handle and header list left as they
// were, and several transfers at once through the multi interface.

#include "fixture.hpp"

#include "../../../include/sentry_trace/integrations/curl.hpp"
#include "../../../include/sentry_trace/integrations/httplib.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace {

namespace st = sentry_trace;
namespace hs = sentry_trace::http_server;
namespace ts = test_support;
using ts::json;

/// The request headers a route saw, by the `:n` it was called with.
struct seen_headers {
  std::mutex lock;
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> by_key;

  void record(const std::string& key, const httplib::Headers& headers) {
    std::lock_guard<std::mutex> g(lock);
    auto& list = by_key[key];
    for (auto& h : headers) list.emplace_back(h.first, h.second);
  }
  /// Every value of header `name` (ASCII case-insensitive) the request `key` carried.
  std::vector<std::string> values(const std::string& key, const std::string& name) {
    std::lock_guard<std::mutex> g(lock);
    std::vector<std::string> out;
    for (auto& h : by_key[key])
      if (st::redact::equals_ignore_case(h.first, name)) out.push_back(h.second);
    return out;
  }
};

/// A cpp-httplib server on 127.0.0.1, on a port the system chose, running in its own thread
/// from construction to destruction (stopped and joined even when a check failed).
class test_server {
 public:
  test_server() {
    // Headers and body in one segment: without it each response waits for curl's delayed ACK.
    server_.set_tcp_nodelay(true);
    hs::get(server_, "/orders/:id", [](const httplib::Request&, httplib::Response& res, const hs::route_params& p) {
      res.set_content("order " + std::string(p["id"]), "text/plain");
    });
    hs::get(server_, "/missing/:what", [](const httplib::Request&, httplib::Response& res) {
      res.status = 404;
      res.set_content("no such thing", "text/plain");
    });
#if defined(__cpp_exceptions)
    hs::get(server_, "/boom", [](const httplib::Request&, httplib::Response&) {
      throw std::runtime_error("kitchen on fire");
    });
#endif
    hs::get(server_, "/slow", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(400));
      res.set_content("late", "text/plain");
    });
    hs::get(server_, "/seen/:n", [this](const httplib::Request& req, httplib::Response& res, const hs::route_params& p) {
      seen.record(std::string(p["n"]), req.headers);
      res.set_content("seen", "text/plain");
    });
    hs::post(server_, "/files/*", [](const httplib::Request& req, httplib::Response& res, const hs::route_params& p) {
      res.set_content(std::string(p.wildcard(0)) + ":" + std::to_string(req.body.size()), "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    REQUIRE(server_.is_running());
  }
  ~test_server() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  test_server(const test_server&) = delete;
  test_server& operator=(const test_server&) = delete;

  int port() const { return port_; }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

  seen_headers seen;

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

/// A port nothing listens on: one the system gave a socket that is closed again.
int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

/// A curl easy handle with the test's defaults, cleaned up on scope exit.
struct easy_handle {
  CURL* h = curl_easy_init();
  std::string body;
  easy_handle() {
    REQUIRE(h != nullptr);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &easy_handle::write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  }
  ~easy_handle() { curl_easy_cleanup(h); }
  easy_handle(const easy_handle&) = delete;
  easy_handle& operator=(const easy_handle&) = delete;
  void url(const std::string& u) { curl_easy_setopt(h, CURLOPT_URL, u.c_str()); }
  static size_t write(char* data, size_t size, size_t n, void* out) {
    static_cast<std::string*>(out)->append(data, size * n);
    return size * n;
  }
};

/// Tracing on with the capturing transport; `targets` (when given) as trace_propagation_targets.
struct http_session {
  std::vector<std::string_view> targets;
  ts::traced t;
  template <class Tweak>
  explicit http_session(Tweak tweak) : t([&](st::options& o) { tweak(o); }) {}
  http_session() : http_session([](st::options&) {}) {}

  /// Every transaction sent so far (flushed first), and every error event.
  std::vector<json> transactions() {
    st::flush(2000);
    return t.transactions();
  }
  std::vector<json> events() {
    st::flush(2000);
    std::vector<json> out;
    for (auto& s : t.cap.sent) {
      ts::envelope e = ts::parse_envelope(s);
      if (const ts::envelope_item* it = e.item("event")) out.push_back(it->body);
    }
    return out;
  }
};

/// The transaction named `name` (a null json when there is none).
const json& transaction_named(const std::vector<json>& txns, const std::string& name) {
  for (auto& t : txns)
    if (t["transaction"].str == name) return t;
  static const json none;
  return none;
}

/// The spans of `txn` with op `op`.
std::vector<json> spans_with_op(const json& txn, const std::string& op) {
  std::vector<json> out;
  for (auto& s : txn["spans"].items)
    if (s["op"].str == op) out.push_back(s);
  return out;
}

/// Runs `fn` inside a root transaction "client" and returns that transaction's http.client spans.
template <class Fn> std::vector<json> client_spans(http_session& s, Fn&& fn) {
  {
    st::scoped_span root({"client", "test"});
    fn();
  }
  auto txns = s.transactions();
  return spans_with_op(transaction_named(txns, "client"), "http.client");
}

// A single-threaded build (SENTRY_TRACE_THREADS=0) may be used from one thread only, and the
// server here runs in a thread of its own that traces every request: those cases need threads.
#if SENTRY_TRACE_THREADS
TEST_CASE("a request is a client span, and the server's route transaction continues its trace") {
  test_server server;
  http_session session;
  easy_handle e;
  e.url(server.url("/orders/7"));
  CURLcode rc = CURLE_OK;
  auto spans = client_spans(session, [&] { rc = st::curl::perform(e.h); });
  CHECK(rc == CURLE_OK);
  CHECK(e.body == "order 7");
  REQUIRE(spans.size() == 1);
  const json& c = spans[0];
  const std::string port = std::to_string(server.port());
  CHECK(c["description"].str == "GET http://127.0.0.1:" + port + "/orders/7");
  CHECK(c["origin"].str == "auto.http.curl");
  CHECK(c["status"].str == "ok");
  CHECK(c["data"]["http.request.method"].str == "GET");
  CHECK(c["data"]["http.method"].str == "GET");
  CHECK(c["data"]["url.full"].str == "http://127.0.0.1:" + port + "/orders/7");
  CHECK(c["data"]["server.address"].str == "127.0.0.1");
  CHECK(c["data"]["server.port"].num == server.port());
  CHECK(c["data"]["network.peer.address"].str == "127.0.0.1");
  CHECK(c["data"]["network.peer.port"].num == server.port());
  CHECK(c["data"]["http.response.status_code"].num == 200);
  CHECK(c["data"]["http.response_content_length"].num == 7);
  CHECK_FALSE(c["data"].has("http.query"));

  auto all = session.transactions();
  const json& srv = transaction_named(all, "GET /orders/:id");
  REQUIRE(srv.kind == json::object_k);
  const json& trace = srv["contexts"]["trace"];
  CHECK(srv["transaction_info"]["source"].str == "route");
  CHECK(trace["op"].str == "http.server");
  CHECK(trace["origin"].str == "auto.http.httplib");
  CHECK(trace["status"].str == "ok");
  CHECK(trace["trace_id"].str == c["trace_id"].str);
  CHECK(trace["parent_span_id"].str == c["span_id"].str);
  CHECK(trace["data"]["http.route"].str == "/orders/:id");
  CHECK(trace["data"]["url.path"].str == "/orders/7");
  CHECK(trace["data"]["http.request.method"].str == "GET");
  CHECK(trace["data"]["server.address"].str == "127.0.0.1");
  CHECK(trace["data"]["server.port"].num == server.port());
  CHECK(trace["data"]["network.protocol.version"].str == "1.1");
  CHECK(trace["data"]["http.response.status_code"].num == 200);
  CHECK(trace["data"]["http.response_content_length"].num == 7);
  CHECK_FALSE(trace["data"].has("client.address"));
}

TEST_CASE("statuses: 404 from a handler ends both spans not_found") {
  test_server server;
  http_session session;
  easy_handle missing;
  missing.url(server.url("/missing/cat"));
  auto spans = client_spans(session, [&] { CHECK(st::curl::perform(missing.h) == CURLE_OK); });
  REQUIRE(spans.size() == 1);
  CHECK(spans[0]["status"].str == "not_found");
  CHECK(spans[0]["data"]["http.response.status_code"].num == 404);

  auto txns = session.transactions();
  const json& nf = transaction_named(txns, "GET /missing/:what");
  CHECK(nf["contexts"]["trace"]["status"].str == "not_found");
  CHECK(nf["contexts"]["trace"]["data"]["http.response.status_code"].num == 404);
}

// A handler can throw only where exceptions exist; the -fno-exceptions build of this file (CI's
// no-exceptions variant) leaves the /boom route and this case out. modes.cpp covers that build.
#if defined(__cpp_exceptions)
TEST_CASE("statuses: 500 from a throwing handler with its error event") {
  test_server server;
  http_session session;
  easy_handle boom;
  boom.url(server.url("/boom"));
  auto spans = client_spans(session, [&] { CHECK(st::curl::perform(boom.h) == CURLE_OK); });
  REQUIRE(spans.size() == 1);
  CHECK(spans[0]["status"].str == "internal_error");
  CHECK(spans[0]["data"]["http.response.status_code"].num == 500);

  auto txns = session.transactions();
  const json& err = transaction_named(txns, "GET /boom");
  REQUIRE(err.kind == json::object_k);
  CHECK(err["contexts"]["trace"]["status"].str == "internal_error");
  CHECK(err["contexts"]["trace"]["data"]["http.response.status_code"].num == 500);
  CHECK(err["contexts"]["trace"]["parent_span_id"].str == spans[0]["span_id"].str);

  auto events = session.events();
  REQUIRE(events.size() == 1);
  CHECK(events[0]["exception"]["values"][0]["type"].str == "std::runtime_error");
  CHECK(events[0]["exception"]["values"][0]["value"].str == "kitchen on fire");
  CHECK(events[0]["contexts"]["trace"]["span_id"].str == err["contexts"]["trace"]["span_id"].str);
  CHECK(events[0]["contexts"]["trace"]["trace_id"].str == spans[0]["trace_id"].str);
}
#endif

TEST_CASE("a failed transfer ends its span with the status of its CURLcode and curl's text") {
  test_server server;
  http_session session;
  easy_handle refused, slow;
  refused.url("http://127.0.0.1:" + std::to_string(closed_port()) + "/orders/1");
  slow.url(server.url("/slow"));
  curl_easy_setopt(slow.h, CURLOPT_TIMEOUT_MS, 100L);
  auto spans = client_spans(session, [&] {
    CHECK(st::curl::perform(refused.h) == CURLE_COULDNT_CONNECT);
    CHECK(st::curl::perform(slow.h) == CURLE_OPERATION_TIMEDOUT);
  });
  REQUIRE(spans.size() == 2);
  CHECK(spans[0]["status"].str == "unavailable");
  CHECK(spans[0]["data"]["sentry.status.message"].str == curl_easy_strerror(CURLE_COULDNT_CONNECT));
  CHECK_FALSE(spans[0]["data"].has("http.response.status_code"));
  CHECK(spans[1]["status"].str == "deadline_exceeded");
  CHECK(spans[1]["data"]["sentry.status.message"].str == curl_easy_strerror(CURLE_OPERATION_TIMEDOUT));
  CHECK(spans[1]["description"].str == "GET " + server.url("/slow"));
}

TEST_CASE("user-info is always filtered; the query only reaches the data with send_default_pii") {
  test_server server;
  const std::string port = std::to_string(server.port());
  const std::string secret_url = "http://alice:s3cret@127.0.0.1:" + port + "/orders/9?token=abc#frag";
  SUBCASE("without send_default_pii") {
    http_session session;
    easy_handle e;
    e.url(secret_url);
    auto spans = client_spans(session, [&] { CHECK(st::curl::perform(e.h) == CURLE_OK); });
    REQUIRE(spans.size() == 1);
    CHECK(spans[0]["description"].str == "GET http://[Filtered]:[Filtered]@127.0.0.1:" + port + "/orders/9");
    CHECK(spans[0]["data"]["url.full"].str == "http://[Filtered]:[Filtered]@127.0.0.1:" + port + "/orders/9");
    CHECK_FALSE(spans[0]["data"].has("http.query"));
    CHECK_FALSE(spans[0]["data"].has("http.fragment"));
    auto txns = session.transactions();
    const json& srv = transaction_named(txns, "GET /orders/:id");
    CHECK_FALSE(srv["contexts"]["trace"]["data"].has("url.query"));
    for (auto& sent : session.t.cap.sent) {
      CHECK(sent.find("s3cret") == std::string::npos);
      CHECK(sent.find("alice") == std::string::npos);
      CHECK(sent.find("token=abc") == std::string::npos);
    }
  }
  SUBCASE("with send_default_pii") {
    http_session session([](st::options& o) { o.send_default_pii = true; });
    easy_handle e;
    e.url(secret_url);
    auto spans = client_spans(session, [&] { CHECK(st::curl::perform(e.h) == CURLE_OK); });
    REQUIRE(spans.size() == 1);
    CHECK(spans[0]["description"].str == "GET http://[Filtered]:[Filtered]@127.0.0.1:" + port + "/orders/9");
    CHECK(spans[0]["data"]["url.full"].str ==
          "http://[Filtered]:[Filtered]@127.0.0.1:" + port + "/orders/9?token=abc#frag");
    CHECK(spans[0]["data"]["http.query"].str == "?token=abc");
    CHECK(spans[0]["data"]["http.fragment"].str == "#frag");
    auto txns = session.transactions();
    const json& srv = transaction_named(txns, "GET /orders/:id");
    CHECK(srv["contexts"]["trace"]["data"]["url.query"].str == "?token=abc");
    CHECK(srv["contexts"]["trace"]["data"]["client.address"].str == "127.0.0.1");
    for (auto& sent : session.t.cap.sent) CHECK(sent.find("s3cret") == std::string::npos);
  }
}

TEST_CASE("trace headers reach the server only for URLs matching trace_propagation_targets") {
  test_server server;
  static const std::string_view targets[] = {"/seen/yes"};
  http_session session([](st::options& o) {
    o.trace_propagation_targets = targets;
    o.trace_propagation_target_count = 1;
    o.propagate_traceparent = true;
  });
  easy_handle yes, no;
  yes.url(server.url("/seen/yes"));
  no.url(server.url("/seen/no"));
  auto spans = client_spans(session, [&] {
    CHECK(st::curl::perform(yes.h) == CURLE_OK);
    CHECK(st::curl::perform(no.h) == CURLE_OK);
  });
  REQUIRE(spans.size() == 2);
  auto trace = server.seen.values("yes", "sentry-trace");
  REQUIRE(trace.size() == 1);
  CHECK(trace[0] == spans[0]["trace_id"].str + "-" + spans[0]["span_id"].str + "-1");
  auto tp = server.seen.values("yes", "traceparent");
  REQUIRE(tp.size() == 1);
  CHECK(tp[0] == "00-" + spans[0]["trace_id"].str + "-" + spans[0]["span_id"].str + "-01");
  auto baggage = server.seen.values("yes", "baggage");
  REQUIRE(baggage.size() == 1);
  CHECK(baggage[0].find("sentry-trace_id=" + spans[0]["trace_id"].str) != std::string::npos);
  CHECK(server.seen.values("no", "sentry-trace").empty());
  CHECK(server.seen.values("no", "baggage").empty());
  CHECK(server.seen.values("no", "traceparent").empty());

  auto txns = session.transactions();
  int unparented = 0;
  for (auto& t : txns)
    if (t["transaction"].str == "GET /seen/:n" && !t["contexts"]["trace"].has("parent_span_id")) ++unparented;
  CHECK(unparented == 1);  // the request without headers started a trace of its own
}

TEST_CASE("a baggage header of the caller is merged into one; the caller's list and handle are left as they were") {
  test_server server;
  http_session session;
  easy_handle e;
  e.url(server.url("/seen/merged"));
  curl_slist* list = nullptr;
  list = curl_slist_append(list, "X-Before: 1");
  list = curl_slist_append(list, "Baggage: other=1, sentry-environment=evil,more=2");
  list = curl_slist_append(list, "X-After: 2");
  curl_easy_setopt(e.h, CURLOPT_HTTPHEADER, list);
  std::vector<std::pair<curl_slist*, std::string>> before;
  for (curl_slist* n = list; n; n = n->next) before.emplace_back(n, n->data);

  auto spans = client_spans(session, [&] { CHECK(st::curl::perform(e.h, list) == CURLE_OK); });
  REQUIRE(spans.size() == 1);
  auto baggage = server.seen.values("merged", "baggage");
  REQUIRE(baggage.size() == 1);
  CHECK(baggage[0].rfind("other=1,more=2,sentry-", 0) == 0);
  CHECK(baggage[0].find("evil") == std::string::npos);
  CHECK(baggage[0].find("sentry-trace_id=" + spans[0]["trace_id"].str) != std::string::npos);
  CHECK(server.seen.values("merged", "X-Before") == std::vector<std::string>{"1"});
  CHECK(server.seen.values("merged", "X-After") == std::vector<std::string>{"2"});
  CHECK(server.seen.values("merged", "sentry-trace").size() == 1);

  std::size_t i = 0;
  for (curl_slist* n = list; n; n = n->next, ++i) {
    REQUIRE(i < before.size());
    CHECK(n == before[i].first);
    CHECK(std::string(n->data) == before[i].second);
  }
  CHECK(i == before.size());

  // The handle still has the caller's list: a plain transfer sends it, and no trace header.
  e.url(server.url("/seen/plain"));
  CHECK(curl_easy_perform(e.h) == CURLE_OK);
  CHECK(server.seen.values("plain", "sentry-trace").empty());
  CHECK(server.seen.values("plain", "baggage") == std::vector<std::string>{"other=1, sentry-environment=evil,more=2"});
  CHECK(server.seen.values("plain", "X-After") == std::vector<std::string>{"2"});
  curl_slist_free_all(list);
}

TEST_CASE("a list that already carries sentry-trace is sent as it is") {
  test_server server;
  http_session session;
  easy_handle e;
  e.url(server.url("/seen/own"));
  curl_slist* list = curl_slist_append(nullptr, "sentry-trace: 0123456789abcdef0123456789abcdef-0123456789abcdef-1");
  curl_easy_setopt(e.h, CURLOPT_HTTPHEADER, list);
  client_spans(session, [&] { CHECK(st::curl::perform(e.h, list) == CURLE_OK); });
  CHECK(server.seen.values("own", "sentry-trace") ==
        std::vector<std::string>{"0123456789abcdef0123456789abcdef-0123456789abcdef-1"});
  CHECK(server.seen.values("own", "baggage").empty());
  curl_slist_free_all(list);
}

TEST_CASE("the route reads its headers whatever their case, the first of a name given twice") {
  test_server server;
  http_session session;
  easy_handle e;
  e.url(server.url("/orders/9"));
  const std::string trace = "0123456789abcdef0123456789abcdef", parent = "0123456789abcdef";
  curl_slist* list = nullptr;
  list = curl_slist_append(list, ("SENTRY-TRACE: " + trace + "-" + parent + "-1").c_str());
  list = curl_slist_append(list, "sentry-trace: fedcba9876543210fedcba9876543210-fedcba9876543210-1");
  list = curl_slist_append(list, ("Baggage: sentry-trace_id=" + trace + ",sentry-public_key=k,sentry-release=up%401.0,v=1").c_str());
  list = curl_slist_append(list, "user-AGENT: tester/2");
  list = curl_slist_append(list, "HOST: shop.example:8080");
  curl_easy_setopt(e.h, CURLOPT_HTTPHEADER, list);
  CHECK(curl_easy_perform(e.h) == CURLE_OK);
  curl_slist_free_all(list);
  auto all = session.transactions();
  const json& srv = transaction_named(all, "GET /orders/:id");
  REQUIRE(srv.kind == json::object_k);
  CHECK(srv["contexts"]["trace"]["trace_id"].str == trace);
  CHECK(srv["contexts"]["trace"]["parent_span_id"].str == parent);
  CHECK(srv["contexts"]["trace"]["data"]["user_agent.original"].str == "tester/2");
  CHECK(srv["contexts"]["trace"]["data"]["server.address"].str == "shop.example");
  bool dsc_seen = false;
  for (auto& bytes : session.t.cap.sent) {
    ts::envelope env = ts::parse_envelope(bytes);
    if (env.item("transaction") && env.header["trace"]["trace_id"].str == trace) {
      CHECK(env.header["trace"]["release"].str == "up@1.0");
      dsc_seen = true;
    }
  }
  CHECK(dsc_seen);
}

TEST_CASE("without an active span there is no client span, and the headers still go out") {
  test_server server;
  http_session session;
  easy_handle e;
  e.url(server.url("/seen/alone"));
  CHECK(st::curl::perform(e.h) == CURLE_OK);
  auto txns = session.transactions();
  REQUIRE(txns.size() == 1);  // the server's only
  CHECK(txns[0]["transaction"].str == "GET /seen/:n");
  auto trace = server.seen.values("alone", "sentry-trace");
  REQUIRE(trace.size() == 1);
  CHECK(trace[0].substr(0, 32) == txns[0]["contexts"]["trace"]["trace_id"].str);
}

TEST_CASE("POST with a body, and a wildcard route") {
  test_server server;
  http_session session;
  easy_handle e;
  e.url(server.url("/files/a/b.txt"));
  curl_easy_setopt(e.h, CURLOPT_POSTFIELDS, "hello");
  auto spans = client_spans(session, [&] { CHECK(st::curl::perform(e.h) == CURLE_OK); });
  CHECK(e.body == "a/b.txt:5");
  REQUIRE(spans.size() == 1);
  CHECK(spans[0]["description"].str == "POST " + server.url("/files/a/b.txt"));
  CHECK(spans[0]["data"]["http.request.body.size"].num == 5);
  auto txns = session.transactions();
  const json& srv = transaction_named(txns, "POST /files/*");
  CHECK(srv["contexts"]["trace"]["data"]["http.route"].str == "/files/*");
}

TEST_CASE("the multi interface: several transfers, each its own span, the caller's CURLOPT_PRIVATE kept") {
  test_server server;
  http_session session;
  CURLM* multi = curl_multi_init();
  REQUIRE(multi != nullptr);
  constexpr int n = 3;
  easy_handle handles[n];
  int tags[n] = {10, 11, 12};
  curl_slist* list = curl_slist_append(nullptr, "X-Multi: yes");
  std::vector<std::string> done_private;
  auto spans = client_spans(session, [&] {
    for (int i = 0; i < n; ++i) {
      handles[i].url(server.url("/seen/m" + std::to_string(i)));
      curl_easy_setopt(handles[i].h, CURLOPT_PRIVATE, &tags[i]);
      curl_easy_setopt(handles[i].h, CURLOPT_HTTPHEADER, list);
      REQUIRE(st::curl::multi_add(multi, handles[i].h, list) == CURLM_OK);
      CHECK(st::curl::private_data(handles[i].h) == &tags[i]);
    }
    int running = n;
    int finished = 0;
    for (int guard = 0; finished < n && guard < 10000; ++guard) {
      curl_multi_perform(multi, &running);
      int queued = 0;
      while (CURLMsg* m = st::curl::multi_info_read(multi, &queued)) {
        if (m->msg != CURLMSG_DONE) continue;
        CHECK(m->data.result == CURLE_OK);
        char* p = nullptr;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &p);
        done_private.push_back(std::to_string(*reinterpret_cast<int*>(p)));
        st::curl::multi_remove(multi, m->easy_handle);
        ++finished;
      }
      if (finished < n) curl_multi_poll(multi, nullptr, 0, 100, nullptr);
    }
  });
  curl_multi_cleanup(multi);
  CHECK(done_private.size() == n);
  REQUIRE(spans.size() == n);
  auto txns = session.transactions();
  for (int i = 0; i < n; ++i) {
    const std::string key = "m" + std::to_string(i);
    CHECK(handles[i].body == "seen");
    auto trace = server.seen.values(key, "sentry-trace");
    REQUIRE(trace.size() == 1);
    CHECK(server.seen.values(key, "X-Multi") == std::vector<std::string>{"yes"});
    // The span whose id the server received names this transfer's URL.
    bool found = false;
    for (auto& s : spans)
      if (trace[0].find(s["span_id"].str) != std::string::npos) {
        found = true;
        CHECK(s["description"].str == "GET " + server.url("/seen/" + key));
        CHECK(s["status"].str == "ok");
      }
    CHECK(found);
    char* p = nullptr;
    curl_easy_getinfo(handles[i].h, CURLINFO_PRIVATE, &p);
    CHECK(reinterpret_cast<int*>(p) == &tags[i]);
  }
  int server_children = 0;
  for (auto& t : txns)
    if (t["transaction"].str == "GET /seen/:n") {
      for (auto& s : spans)
        if (t["contexts"]["trace"]["parent_span_id"].str == s["span_id"].str) ++server_children;
    }
  CHECK(server_children == n);
  CHECK(st::curl::untraced_transfers() == 0);
  curl_slist_free_all(list);
}

#else
TEST_CASE("single-threaded: a refused transfer is one client span, unavailable, with curl's text") {
  http_session session;
  easy_handle refused;
  refused.url("http://127.0.0.1:" + std::to_string(closed_port()) + "/orders/1");
  auto spans = client_spans(session, [&] { CHECK(st::curl::perform(refused.h) == CURLE_COULDNT_CONNECT); });
  REQUIRE(spans.size() == 1);
  CHECK(spans[0]["status"].str == "unavailable");
  CHECK(spans[0]["data"]["sentry.status.message"].str == curl_easy_strerror(CURLE_COULDNT_CONNECT));
  CHECK(spans[0]["data"]["sentry.origin"].str == "auto.http.curl");
}
#endif

}  // namespace
