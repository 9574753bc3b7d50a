// Tests for sentry_trace/delivery/http_client.hpp: URL parsing, and real requests over loopback to a tiny
// server running on a thread of this process (one behaviour per case: a 200 with headers, a
// 429, garbage, a reset, a stall, chunked and oversized bodies, nothing listening), plus IPv6
// and an http proxy. With SENTRY_TRACE_WITH_MBEDTLS=1 (the tls_client ctest), HTTPS against
// tests/http/tls_server.py with certificates the test generates with the openssl CLI.

#include <sentry_trace/delivery/http_client.hpp>

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>

namespace {

namespace sd = sentry_trace::detail;

std::uint64_t now_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

/// What the test server does once it has read the whole request.
struct behaviour {
  enum ending { close_it, reset_it, wait_for_client } end = wait_for_client;
  std::string reply;           ///< sent as is (may be empty)
  bool stall = false;          ///< send nothing; wait for the client to give up
  bool read_request = true;    ///< false: answer at once, whatever the client sent
};

/// A one-connection HTTP server on a thread: listens on loopback, port 0; accepts one
/// connection, reads one request (head and Content-Length body), then behaves.
class test_server {
 public:
  explicit test_server(behaviour b, int family = AF_INET) : b_(std::move(b)) {
    lfd_ = ::socket(family, SOCK_STREAM, 0);
    if (lfd_ < 0) return;
    int one = 1;
    ::setsockopt(lfd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (family == AF_INET6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
      a->sin6_family = AF_INET6;
      a->sin6_addr = in6addr_loopback;
      len = sizeof *a;
    } else {
      auto* a = reinterpret_cast<sockaddr_in*>(&ss);
      a->sin_family = AF_INET;
      a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      len = sizeof *a;
    }
    if (::bind(lfd_, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(lfd_, 4) != 0) {
      ::close(lfd_);
      lfd_ = -1;
      return;
    }
    len = sizeof ss;
    ::getsockname(lfd_, reinterpret_cast<sockaddr*>(&ss), &len);
    port_ = ntohs(family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                     : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~test_server() {
    if (thread_.joinable()) thread_.join();
    if (lfd_ >= 0) ::close(lfd_);
  }
  test_server(const test_server&) = delete;
  test_server& operator=(const test_server&) = delete;

  bool ok() const { return lfd_ >= 0; }
  std::uint16_t port() const { return port_; }
  /// The request as received; complete once the client is done (join() first).
  const std::string& request() {
    if (thread_.joinable()) thread_.join();
    return request_;
  }
  std::string request_head() {
    const std::string& r = request();
    std::size_t end = r.find("\r\n\r\n");
    return end == std::string::npos ? r : r.substr(0, end + 2);
  }
  std::string request_body() {
    const std::string& r = request();
    std::size_t end = r.find("\r\n\r\n");
    return end == std::string::npos ? std::string() : r.substr(end + 4);
  }

 private:
  static bool wait_readable(int fd, int ms) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, ms) > 0;
  }
  void serve() {
    if (!wait_readable(lfd_, 10000)) return;
    int c = ::accept(lfd_, nullptr, nullptr);
    if (c < 0) return;
    // Read the head, then Content-Length bytes of body.
    char buf[65536];
    std::size_t want = std::string::npos;
    while (b_.read_request && request_.size() < want) {
      if (!wait_readable(c, 10000)) break;
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      request_.append(buf, static_cast<std::size_t>(n));
      std::size_t end = request_.find("\r\n\r\n");
      if (end != std::string::npos && want == std::string::npos) {
        std::size_t length = 0;
        std::size_t at = request_.find("\r\nContent-Length: ");
        if (at != std::string::npos && at < end) length = std::strtoul(request_.c_str() + at + 18, nullptr, 10);
        want = end + 4 + length;
      }
    }
    if (!b_.stall && !b_.reply.empty()) {
      std::size_t off = 0;
      while (off < b_.reply.size()) {
        ssize_t n = ::send(c, b_.reply.data() + off, b_.reply.size() - off, MSG_NOSIGNAL);
        if (n <= 0) break;
        off += static_cast<std::size_t>(n);
      }
    }
    if (b_.end == behaviour::reset_it) {
      linger l{1, 0};  // close with RST instead of FIN
      ::setsockopt(c, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    } else if (b_.end == behaviour::wait_for_client) {
      // Keep the connection open until the client closes it (or 10 s pass): the client must
      // finish from the framing, or give up at its own timeout.
      while (wait_readable(c, 10000)) {
        if (::recv(c, buf, sizeof buf, 0) <= 0) break;
      }
    }
    ::close(c);
  }

  behaviour b_;
  int lfd_ = -1;
  std::uint16_t port_ = 0;
  std::string request_;
  std::thread thread_;
};

/// A worker-style driver: step(), then wait on fd() for what it wants (at most 50 ms, so the
/// timeouts are looked at often enough), until the request is finished.
sd::http_result drive(sd::http_client& client, std::uint64_t limit_ms = 15000) {
  std::uint64_t give_up = now_ms() + limit_ms;
  for (;;) {
    sd::http_result r = client.step(now_ms());
    if (r != sd::http_result::in_progress) return r;
    if (now_ms() > give_up) {
      client.abort();
      return sd::http_result::in_progress;
    }
    pollfd p{client.fd(), client.wanted_events(), 0};
    REQUIRE(p.fd >= 0);
    REQUIRE(p.events != 0);
    ::poll(&p, 1, 50);
  }
}

sd::http_url url_for(std::uint16_t port, const char* host = "127.0.0.1", const char* path = "/api/42/envelope/") {
  sd::http_url u;
  std::string text = "http://" + std::string(host) + ":" + std::to_string(port) + path;
  REQUIRE(sd::parse_http_url(text, u));
  return u;
}

sd::http_client_config quick_config() {
  sd::http_client_config cfg;
  cfg.connect_timeout_ms = 2000;
  cfg.io_timeout_ms = 2000;
  return cfg;
}

constexpr std::string_view sentry_headers =
    "X-Sentry-Auth: Sentry sentry_version=7, sentry_key=abc, sentry_client=sentry_trace.native/0.1.0\r\n"
    "Content-Type: application/x-sentry-envelope\r\n";

} // namespace

TEST_SUITE("http_client") {

TEST_CASE("parse_http_url: the forms a DSN produces, and everything else refused") {
  sd::http_url u;
  REQUIRE(sd::parse_http_url("https://o1.ingest.sentry.io/api/42/envelope/", u));
  CHECK(u.tls);
  CHECK(std::string(u.host) == "o1.ingest.sentry.io");
  CHECK(u.port == 443);
  CHECK(std::string(u.path) == "/api/42/envelope/");

  REQUIRE(sd::parse_http_url("http://localhost:9000/api/1/envelope/?sentry_key=a", u));
  CHECK_FALSE(u.tls);
  CHECK(std::string(u.host) == "localhost");
  CHECK(u.port == 9000);
  CHECK(std::string(u.path) == "/api/1/envelope/?sentry_key=a");

  REQUIRE(sd::parse_http_url("HTTP://[::1]:8080/x#frag", u));
  CHECK(std::string(u.host) == "::1");
  CHECK(u.port == 8080);
  CHECK(std::string(u.path) == "/x");

  REQUIRE(sd::parse_http_url("http://example.com", u));
  CHECK(u.port == 80);
  CHECK(std::string(u.path) == "/");
  REQUIRE(sd::parse_http_url("https://example.com?q=1", u));
  CHECK(std::string(u.path) == "/?q=1");

  const char* bad[] = {
      "",  "ftp://x/", "http://", "http:///path", "http://host:/", "http://host:0/", "http://host:65536/",
      "http://host:80x/", "http://user@host/", "http://ho st/", "http://[::1/", "http://[]/", "http://[1.2.3.4]/",
      "http://host/pa th", "http://host/a\r\nX: y", "https//host/", "http://host\x01/",
  };
  for (const char* b : bad) {
    CAPTURE(b);
    CHECK_FALSE(sd::parse_http_url(b, u));
  }
  std::string long_path = "http://h/" + std::string(1100, 'a');
  CHECK_FALSE(sd::parse_http_url(long_path, u));
  std::string long_host = "http://" + std::string(300, 'a') + "/";
  CHECK_FALSE(sd::parse_http_url(long_host, u));
}

TEST_CASE("200 with headers: the request on the wire and the reply's headers") {
  behaviour b;
  b.reply =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nx-sentry-rate-limits:  60:transaction:key , "
      "2700:default:organization\r\nContent-Length: 41\r\n\r\n{\"id\":\"fc6d8c0c43fc4630ad850ee518f1b9d0\"}";
  test_server server(b);
  REQUIRE(server.ok());
  sd::http_client client;
  REQUIRE(client.configure(url_for(server.port()), quick_config()));
  CHECK(client.fd() == -1);
  std::string body = "{\"event_id\":\"fc6d8c0c43fc4630ad850ee518f1b9d0\"}\n{\"type\":\"transaction\"}\n{}";
  REQUIRE(client.start(sentry_headers, body, now_ms()));
  CHECK(client.fd() >= 0);
  REQUIRE(drive(client) == sd::http_result::done);
  CHECK(client.status() == 200);
  CHECK(client.header("X-Sentry-Rate-Limits") == "60:transaction:key , 2700:default:organization");
  CHECK(client.header("content-type") == "application/json");
  CHECK(client.header("Retry-After").empty());
  CHECK(std::string(client.error()).empty());
  CHECK(client.fd() == -1);

  std::string head = server.request_head();
  CHECK(head.rfind("POST /api/42/envelope/ HTTP/1.1\r\n", 0) == 0);
  CHECK(head.find("\r\nHost: 127.0.0.1:" + std::to_string(server.port()) + "\r\n") != std::string::npos);
  CHECK(head.find("\r\nContent-Length: " + std::to_string(body.size()) + "\r\n") != std::string::npos);
  CHECK(head.find("\r\nConnection: close\r\n") != std::string::npos);
  CHECK(head.find("\r\nUser-Agent: sentry_trace.native/") != std::string::npos);
  CHECK(head.find(std::string(sentry_headers)) != std::string::npos);
  CHECK(server.request_body() == body);
}

TEST_CASE("429 with Retry-After and no body") {
  behaviour b;
  b.reply =
      "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 60\r\nX-Sentry-Rate-Limits: 60::organization\r\n"
      "Content-Length: 0\r\n\r\n";
  test_server server(b);
  REQUIRE(server.ok());
  sd::http_client client;
  REQUIRE(client.configure(url_for(server.port()), quick_config()));
  REQUIRE(client.start({}, "x", now_ms()));
  REQUIRE(drive(client) == sd::http_result::done);
  CHECK(client.status() == 429);
  CHECK(client.header("retry-after") == "60");
  CHECK(client.header("X-Sentry-Rate-Limits") == "60::organization");
  CHECK(server.request_body() == "x");
}

TEST_CASE("garbage, a bare HTTP/1.1 without a head's end, and an oversized head: bad response") {
  const char* replies[] = {
      "SSH-2.0-OpenSSH_9.2\r\n\r\n",
      "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
      "HTTP/1.1 2000 OK\r\n\r\n",
      "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
      "HTTP/1.1 200 OK\r\nBad\x01Name: x\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n",  // closed before the head ends
  };
  for (const char* reply : replies) {
    CAPTURE(reply);
    behaviour b;
    b.reply = reply;
    b.end = behaviour::close_it;
    test_server server(b);
    REQUIRE(server.ok());
    sd::http_client client;
    REQUIRE(client.configure(url_for(server.port()), quick_config()));
    REQUIRE(client.start({}, "{}", now_ms()));
    REQUIRE(drive(client) == sd::http_result::failed);
    CHECK(std::string(client.error()) == "bad response");
    CHECK(client.status() == 0);
  }
  // A head larger than the 8 KiB buffer, from a server that then keeps the connection open.
  behaviour b;
  b.reply = "HTTP/1.1 200 OK\r\n";
  for (int i = 0; i < 400; ++i) b.reply += "X-Filler-" + std::to_string(i) + ": 0123456789\r\n";
  b.reply += "\r\n";
  test_server server(b);
  REQUIRE(server.ok());
  sd::http_client client;
  REQUIRE(client.configure(url_for(server.port()), quick_config()));
  REQUIRE(client.start({}, "{}", now_ms()));
  REQUIRE(drive(client) == sd::http_result::failed);
  CHECK(std::string(client.error()) == "bad response");
}

TEST_CASE("mutated replies: every one ends (done with a real status, or failed), none overruns") {
  const std::string valid =
      "HTTP/1.1 200 OK\r\nX-Sentry-Rate-Limits: 60:transaction\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n0\r\n\r\n";
  std::uint64_t seed = 0x5eed;
  auto next = [&seed] {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<std::size_t>(seed >> 33);
  };
  for (int round = 0; round < 120; ++round) {
    std::string reply = valid;
    int flips = 1 + static_cast<int>(next() % 4);
    for (int f = 0; f < flips; ++f) reply[next() % reply.size()] = static_cast<char>(next() % 256);
    if (round % 3 == 0) reply.resize(next() % reply.size());
    CAPTURE(round);
    behaviour b;
    b.reply = reply;
    b.end = behaviour::close_it;
    test_server server(b);
    REQUIRE(server.ok());
    sd::http_client client;
    REQUIRE(client.configure(url_for(server.port()), quick_config()));
    REQUIRE(client.start({}, "{}", now_ms()));
    sd::http_result r = drive(client);
    REQUIRE(r != sd::http_result::in_progress);
    if (r == sd::http_result::done) {
      CHECK(client.status() >= 200);
      CHECK(client.status() <= 599);
    } else {
      CHECK(std::string(client.error()).size() > 0);
    }
  }
}

TEST_CASE("a reset, a close before any reply, a stall, nothing listening") {
  SUBCASE("reset (SO_LINGER 0) after reading the request") {
    behaviour b;
    b.end = behaviour::reset_it;
    test_server server(b);
    REQUIRE(server.ok());
    sd::http_client client;
    REQUIRE(client.configure(url_for(server.port()), quick_config()));
    REQUIRE(client.start(sentry_headers, "{}", now_ms()));
    REQUIRE(drive(client) == sd::http_result::failed);
    CHECK(std::string(client.error()) == "connection reset");
  }
  SUBCASE("closed without a reply") {
    behaviour b;
    b.end = behaviour::close_it;
    test_server server(b);
    REQUIRE(server.ok());
    sd::http_client client;
    REQUIRE(client.configure(url_for(server.port()), quick_config()));
    REQUIRE(client.start({}, "{}", now_ms()));
    REQUIRE(drive(client) == sd::http_result::failed);
    CHECK(std::string(client.error()) == "connection closed");
  }
  SUBCASE("a server that never answers: timeout") {
    behaviour b;
    b.stall = true;
    test_server server(b);
    REQUIRE(server.ok());
    sd::http_client client;
    sd::http_client_config cfg = quick_config();
    cfg.io_timeout_ms = 300;
    REQUIRE(client.configure(url_for(server.port()), cfg));
    std::uint64_t t0 = now_ms();
    REQUIRE(client.start({}, "{}", t0));
    REQUIRE(drive(client) == sd::http_result::failed);
    std::uint64_t took = now_ms() - t0;
    CHECK(std::string(client.error()) == "timeout");
    CHECK(took >= 290);
    CHECK(took < 3000);
  }
  SUBCASE("nothing listening: connect refused") {
    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(s);  // the port is now free and, for a moment, nobody else's
    sd::http_client client;
    REQUIRE(client.configure(url_for(ntohs(a.sin_port)), quick_config()));
    REQUIRE(client.start({}, "{}", now_ms()));
    REQUIRE(drive(client) == sd::http_result::failed);
    CHECK(std::string(client.error()) == "connect refused");
    CHECK(client.fd() == -1);
    CHECK(client.wanted_events() == 0);
  }
}

TEST_CASE("bodies are discarded: chunked, oversized, until close, after a 100 Continue") {
  SUBCASE("chunked, the server keeps the connection open: the last chunk ends it") {
    behaviour b;
    b.reply = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-After: chunked\r\n\r\n";
    for (int i = 0; i < 50; ++i) b.reply += "800;ext=1\r\n" + std::string(0x800, 'c') + "\r\n";
    b.reply += "0\r\nTrailer: x\r\n\r\n";
    test_server server(b);
    REQUIRE(server.ok());
    sd::http_client client;
    REQUIRE(client.configure(url_for(server.port()), quick_config()));
    std::uint64_t t0 = now_ms();
    REQUIRE(client.start({}, "{}", t0));
    REQUIRE(drive(client) == sd::http_result::done);
    CHECK(now_ms() - t0 < 1500);  // not at the io timeout
    CHECK(client.status() == 200);
    CHECK(client.header("X-After") == "chunked");
  }
  SUBCASE("4 MiB with Content-Length, connection left open") {
    behaviour b;
    b.reply = "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 4194304\r\n\r\n" + std::string(4u << 20, 'z');
    test_server server(b);
    REQUIRE(server.ok());
    sd::http_client client;
    REQUIRE(client.configure(url_for(server.port()), quick_config()));
    std::uint64_t t0 = now_ms();
    REQUIRE(client.start({}, "{}", t0));
    REQUIRE(drive(client) == sd::http_result::done);
    CHECK(now_ms() - t0 < 1500);
    CHECK(client.status() == 413);
  }
  SUBCASE("no framing: read until the server closes") {
    behaviour b;
    b.reply = "HTTP/1.0 502 Bad Gateway\r\nServer: x\r\n\r\n" + std::string(100000, 'b');
    b.end = behaviour::close_it;
    test_server server(b);
    REQUIRE(server.ok());
    sd::http_client client;
    REQUIRE(client.configure(url_for(server.port()), quick_config()));
    REQUIRE(client.start({}, "{}", now_ms()));
    REQUIRE(drive(client) == sd::http_result::done);
    CHECK(client.status() == 502);
    CHECK(client.header("server") == "x");
  }
  SUBCASE("100 Continue, then the answer; LF-only line ends") {
    behaviour b;
    b.reply = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\nX-Final: yes\nContent-Length: 2\n\nok";
    test_server server(b);
    REQUIRE(server.ok());
    sd::http_client client;
    REQUIRE(client.configure(url_for(server.port()), quick_config()));
    REQUIRE(client.start({}, "{}", now_ms()));
    REQUIRE(drive(client) == sd::http_result::done);
    CHECK(client.status() == 200);
    CHECK(client.header("X-Final") == "yes");
  }
}

TEST_CASE("large request: a 1 MiB body and headers too long to copy go out intact") {
  behaviour b;
  b.reply = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  test_server server(b);
  REQUIRE(server.ok());
  std::string body(1u << 20, '\0');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 26);
  std::string headers = "X-Long: " + std::string(5000, 'h') + "\r\n";
  sd::http_client client;
  REQUIRE(client.configure(url_for(server.port()), quick_config()));
  REQUIRE(client.start(headers, body, now_ms()));
  REQUIRE(drive(client) == sd::http_result::done);
  CHECK(client.status() == 200);
  CHECK(server.request_head().find(headers) != std::string::npos);
  CHECK(server.request_body() == body);
}

TEST_CASE("poll mode: step() never blocks, and a finished client starts again") {
  sd::http_client client;
  for (int round = 0; round < 3; ++round) {
    behaviour b;
    b.reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Round: " + std::to_string(round) + "\r\n\r\nok";
    b.stall = false;
    test_server server(b);
    REQUIRE(server.ok());
    REQUIRE(client.configure(url_for(server.port()), quick_config()));
    REQUIRE(client.start(sentry_headers, "frame", now_ms()));
    sd::http_result r = sd::http_result::in_progress;
    int frames = 0;
    while (r == sd::http_result::in_progress && frames < 5000) {
      auto t0 = std::chrono::steady_clock::now();
      r = client.step(now_ms());
      auto spent = std::chrono::steady_clock::now() - t0;
      CHECK(spent < std::chrono::milliseconds(20));
      ++frames;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));  // the rest of the frame
    }
    REQUIRE(r == sd::http_result::done);
    CHECK(client.header("x-round") == std::to_string(round));
    CHECK(server.request_body() == "frame");
  }
}

TEST_CASE("misuse: start before configure, start while busy, headers without CRLF, step when idle") {
  sd::http_client client;
  CHECK_FALSE(client.start({}, "{}", now_ms()));
  CHECK(std::string(client.error()) == "not configured");
  CHECK(client.step(now_ms()) == sd::http_result::failed);

  behaviour b;
  b.reply = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  test_server server(b);
  REQUIRE(server.ok());
  REQUIRE(client.configure(url_for(server.port()), quick_config()));
  CHECK_FALSE(client.start("X-No-Crlf: 1", "{}", now_ms()));
  REQUIRE(client.start({}, "{}", now_ms()));
  CHECK_FALSE(client.start({}, "{}", now_ms()));
  CHECK(std::string(client.error()) == "busy");
  REQUIRE(drive(client) == sd::http_result::done);
  CHECK(client.status() == 200);

  sd::http_url https;
  REQUIRE(sd::parse_http_url("https://127.0.0.1:1/", https));
#if !SENTRY_TRACE_WITH_MBEDTLS
  CHECK_FALSE(client.configure(https, quick_config()));
  CHECK(std::string(client.error()) == "https needs SENTRY_TRACE_WITH_MBEDTLS");
#endif
  sd::http_client_config bad_proxy = quick_config();
  bad_proxy.proxy = "socks5://127.0.0.1:1080";
  CHECK_FALSE(client.configure(url_for(80), bad_proxy));
  sd::http_url unresolvable;
  REQUIRE(sd::parse_http_url("http://no-such-host.invalid/", unresolvable));
  CHECK_FALSE(client.configure(unresolvable, quick_config()));
  CHECK(std::string(client.error()).rfind("resolve failed", 0) == 0);
}

TEST_CASE("IPv6: [::1], and localhost falls through to whichever address listens") {
  behaviour b;
  b.reply = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  test_server server6(b, AF_INET6);
  if (!server6.ok()) {
    MESSAGE("skipped: no IPv6 loopback here (cannot bind [::1])");
  } else {
    sd::http_client client;
    REQUIRE(client.configure(url_for(server6.port(), "[::1]"), quick_config()));
    REQUIRE(client.start({}, "v6", now_ms()));
    REQUIRE(drive(client) == sd::http_result::done);
    CHECK(client.status() == 200);
    CHECK(server6.request_head().find("\r\nHost: [::1]:" + std::to_string(server6.port()) + "\r\n") !=
          std::string::npos);
    CHECK(server6.request_body() == "v6");
  }
  // "localhost" may resolve to ::1 first; the IPv4-only server is then reached on the second
  // address after the first is refused.
  test_server server4(b, AF_INET);
  REQUIRE(server4.ok());
  sd::http_client client;
  REQUIRE(client.configure(url_for(server4.port(), "localhost"), quick_config()));
  REQUIRE(client.start({}, "v4", now_ms()));
  REQUIRE(drive(client) == sd::http_result::done);
  CHECK(client.status() == 200);
}

TEST_CASE("http proxy: the request goes to the proxy in absolute form") {
  behaviour b;
  b.reply = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  test_server proxy(b);
  REQUIRE(proxy.ok());
  sd::http_client_config cfg = quick_config();
  std::string proxy_url = "http://127.0.0.1:" + std::to_string(proxy.port());
  cfg.proxy = proxy_url;
  sd::http_url target;
  REQUIRE(sd::parse_http_url("http://sentry.example.invalid:9000/api/1/envelope/", target));
  sd::http_client client;
  REQUIRE(client.configure(target, cfg));  // the target's name is the proxy's business
  REQUIRE(client.start({}, "{}", now_ms()));
  REQUIRE(drive(client) == sd::http_result::done);
  std::string head = proxy.request_head();
  CHECK(head.rfind("POST http://sentry.example.invalid:9000/api/1/envelope/ HTTP/1.1\r\n", 0) == 0);
  CHECK(head.find("\r\nHost: sentry.example.invalid:9000\r\n") != std::string::npos);
}

#if SENTRY_TRACE_WITH_MBEDTLS

namespace {

/// Runs a shell command quietly; true when it exited 0.
bool run(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0; }

/// Test certificates made with the openssl CLI in a fresh temporary directory: a CA, a server
/// certificate for DNS:localhost signed by it, and a self-signed one for the same name.
struct test_pki {
  std::string dir;
  bool ok = false;
  test_pki() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/sentry_trace_tls_XXXXXX";
    if (!::mkdtemp(&pattern[0])) return;
    dir = pattern;
    std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    std::FILE* ext = std::fopen((dir + "/server.ext").c_str(), "w");
    if (!ext) return;
    std::fputs("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n"
               "subjectAltName=DNS:localhost\n",
               ext);
    std::fclose(ext);
    ok = run("cd " + dir + " && openssl req -x509" + ec +
             " -keyout ca.key -out ca.pem -days 2 -subj '/CN=sentry_trace test CA'"
             " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign") &&
         run("cd " + dir + " && openssl req" + ec + " -keyout server.key -out server.csr -subj /CN=localhost") &&
         run("cd " + dir +
             " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2"
             " -extfile server.ext -out server.pem") &&
         run("cd " + dir + " && openssl req -x509" + ec +
             " -keyout self.key -out self.pem -days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost");
  }
  ~test_pki() {
    if (!dir.empty()) run("rm -rf '" + dir + "'");
  }
};

/// tests/http/tls_server.py serving `count` connections with cert/key; port() is 0 when it did
/// not start.
class tls_server {
 public:
  tls_server(const std::string& cert, const std::string& key, int count) {
#ifdef SENTRY_TRACE_TEST_SOURCE_DIR
    std::string script = std::string(SENTRY_TRACE_TEST_SOURCE_DIR) + "/tests/http/tls_server.py";
#else
    std::string script = "tests/http/tls_server.py";
#endif
    const char* py = std::getenv("SENTRY_TRACE_PYTHON");
    std::string cmd = std::string(py && *py ? py : "python3") + " '" + script + "' '" + cert + "' '" + key +
                      "' " + std::to_string(count);
    pipe_ = ::popen(cmd.c_str(), "r");
    if (!pipe_) return;
    char line[32] = {};
    if (std::fgets(line, sizeof line, pipe_)) port_ = static_cast<std::uint16_t>(std::atoi(line));
  }
  ~tls_server() {
    if (pipe_) ::pclose(pipe_);  // the script exits after its connections (or 20 s idle)
  }
  tls_server(const tls_server&) = delete;
  tls_server& operator=(const tls_server&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  std::FILE* pipe_ = nullptr;
  std::uint16_t port_ = 0;
};

/// A CONNECT proxy on a thread: answers one CONNECT with `answer`; on a 200, relays bytes to
/// 127.0.0.1:upstream until either side closes.
class connect_proxy {
 public:
  connect_proxy(std::uint16_t upstream, std::string answer) : upstream_(upstream), answer_(std::move(answer)) {
    lfd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(lfd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(lfd_, 2);
    socklen_t len = sizeof a;
    ::getsockname(lfd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~connect_proxy() {
    if (thread_.joinable()) thread_.join();
    ::close(lfd_);
  }
  std::uint16_t port() const { return port_; }
  std::string connect_head() {
    if (thread_.joinable()) thread_.join();
    return head_;
  }

 private:
  void serve() {
    pollfd p{lfd_, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) return;
    int c = ::accept(lfd_, nullptr, nullptr);
    char buf[16384];
    while (head_.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      head_.append(buf, static_cast<std::size_t>(n));
    }
    ::send(c, answer_.data(), answer_.size(), MSG_NOSIGNAL);
    if (answer_.find(" 200 ") != std::string::npos) {
      int u = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(upstream_);
      if (::connect(u, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
        pollfd fds[2] = {{c, POLLIN, 0}, {u, POLLIN, 0}};
        bool open = true;
        while (open && ::poll(fds, 2, 10000) > 0) {
          for (int i = 0; i < 2 && open; ++i) {
            if (!fds[i].revents) continue;
            ssize_t n = ::recv(fds[i].fd, buf, sizeof buf, 0);
            if (n <= 0 || ::send(fds[1 - i].fd, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) open = false;
          }
        }
      }
      ::close(u);
    }
    ::close(c);
  }
  std::uint16_t upstream_;
  std::string answer_;
  int lfd_ = -1;
  std::uint16_t port_ = 0;
  std::string head_;
  std::thread thread_;
};

bool tools_present() { return run("openssl version") && run("${SENTRY_TRACE_PYTHON:-python3} -c 'import ssl'"); }

sd::http_url tls_url(std::uint16_t port, const char* host = "localhost") {
  sd::http_url u;
  std::string text = "https://" + std::string(host) + ":" + std::to_string(port) + "/api/7/envelope/";
  REQUIRE(sd::parse_http_url(text, u));
  return u;
}

} // namespace

TEST_CASE("https: the test CA is trusted, a self-signed certificate is refused, verify_peer=false accepts it") {
  if (!tools_present()) {
    MESSAGE("skipped: needs the openssl CLI and python3 with ssl");
    return;
  }
  test_pki pki;
  REQUIRE(pki.ok);
  sd::http_client_config cfg = quick_config();
  std::string ca = pki.dir + "/ca.pem";
  cfg.ca_file = ca;

  SUBCASE("signed by the test CA, ca_file = the CA: accepted, twice on one client") {
    tls_server server(pki.dir + "/server.pem", pki.dir + "/server.key", 2);
    REQUIRE(server.port() != 0);
    sd::http_client client;
    REQUIRE(client.configure(tls_url(server.port()), cfg));
    for (int i = 0; i < 2; ++i) {
      REQUIRE(client.start(sentry_headers, "{\"tls\":true}", now_ms()));
      REQUIRE(drive(client) == sd::http_result::done);
      CAPTURE(std::string(client.error()));
      CHECK(client.status() == 200);
      CHECK(client.header("X-Tls") == "POST /api/7/envelope/ HTTP/1.1");
      CHECK(client.header("X-Body-Length") == "12");
    }
  }
  SUBCASE("signed by the test CA, but reached as 127.0.0.1: host name mismatch") {
    tls_server server(pki.dir + "/server.pem", pki.dir + "/server.key", 1);
    REQUIRE(server.port() != 0);
    sd::http_client client;
    REQUIRE(client.configure(tls_url(server.port(), "127.0.0.1"), cfg));
    REQUIRE(client.start({}, "{}", now_ms()));
    REQUIRE(drive(client) == sd::http_result::failed);
    CHECK(std::string(client.error()) == "tls: certificate verify failed (host name mismatch)");
  }
  SUBCASE("self-signed: refused") {
    tls_server server(pki.dir + "/self.pem", pki.dir + "/self.key", 1);
    REQUIRE(server.port() != 0);
    sd::http_client client;
    REQUIRE(client.configure(tls_url(server.port()), cfg));
    REQUIRE(client.start({}, "{}", now_ms()));
    REQUIRE(drive(client) == sd::http_result::failed);
    CHECK(std::string(client.error()).rfind("tls: certificate verify failed", 0) == 0);
    CHECK(std::string(client.error()) == "tls: certificate verify failed (not trusted)");
  }
  SUBCASE("self-signed, against the system bundle: refused") {
    tls_server server(pki.dir + "/self.pem", pki.dir + "/self.key", 1);
    REQUIRE(server.port() != 0);
    sd::http_client client;
    sd::http_client_config sys = quick_config();
    if (!client.configure(tls_url(server.port()), sys)) {
      MESSAGE("no system CA bundle: " << client.error());
      // Let the server go: it waits for its one connection.
      sys.verify_peer = false;
      REQUIRE(client.configure(tls_url(server.port()), sys));
      REQUIRE(client.start({}, "{}", now_ms()));
      drive(client);
      return;
    }
    REQUIRE(client.start({}, "{}", now_ms()));
    REQUIRE(drive(client) == sd::http_result::failed);
    CHECK(std::string(client.error()) == "tls: certificate verify failed (not trusted)");
  }
  SUBCASE("self-signed with verify_peer=false: accepted") {
    tls_server server(pki.dir + "/self.pem", pki.dir + "/self.key", 1);
    REQUIRE(server.port() != 0);
    sd::http_client client;
    sd::http_client_config off = quick_config();
    off.verify_peer = false;
    REQUIRE(client.configure(tls_url(server.port()), off));
    REQUIRE(client.start({}, "{}", now_ms()));
    REQUIRE(drive(client) == sd::http_result::done);
    CHECK(client.status() == 200);
  }
  SUBCASE("through an http proxy: CONNECT, then TLS to the target inside the tunnel") {
    tls_server server(pki.dir + "/server.pem", pki.dir + "/server.key", 1);
    REQUIRE(server.port() != 0);
    connect_proxy proxy(server.port(), "HTTP/1.1 200 Connection established\r\n\r\n");
    std::string proxy_url = "http://127.0.0.1:" + std::to_string(proxy.port());
    sd::http_client_config via = cfg;
    via.proxy = proxy_url;
    sd::http_client client;
    REQUIRE(client.configure(tls_url(server.port()), via));
    REQUIRE(client.start({}, "{}", now_ms()));
    REQUIRE(drive(client) == sd::http_result::done);
    CAPTURE(std::string(client.error()));
    CHECK(client.status() == 200);
    std::string target = "localhost:" + std::to_string(server.port());
    CHECK(proxy.connect_head() == "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n");
  }
  SUBCASE("a proxy that refuses the CONNECT") {
    connect_proxy proxy(1, "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n");
    std::string proxy_url = "http://127.0.0.1:" + std::to_string(proxy.port());
    sd::http_client_config via = cfg;
    via.proxy = proxy_url;
    sd::http_client client;
    REQUIRE(client.configure(tls_url(443), via));
    REQUIRE(client.start({}, "{}", now_ms()));
    REQUIRE(drive(client) == sd::http_result::failed);
    CHECK(std::string(client.error()) == "proxy: CONNECT answered 407");
  }
  SUBCASE("a plain HTTP server on an https URL: a handshake failure, not a crash") {
    behaviour b;
    b.reply = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    b.end = behaviour::close_it;
    b.read_request = false;
    test_server server(b);
    REQUIRE(server.ok());
    sd::http_client client;
    REQUIRE(client.configure(tls_url(server.port()), cfg));
    REQUIRE(client.start({}, "{}", now_ms()));
    REQUIRE(drive(client) == sd::http_result::failed);
    CHECK(std::string(client.error()).rfind("tls: ", 0) == 0);
  }
  SUBCASE("ca_file that does not exist: configure fails") {
    sd::http_client client;
    sd::http_client_config missing = quick_config();
    missing.ca_file = "/nonexistent/ca.pem";
    CHECK_FALSE(client.configure(tls_url(443), missing));
    CHECK(std::string(client.error()) == "tls: cannot load ca_file");
  }
}

#endif // SENTRY_TRACE_WITH_MBEDTLS

} // TEST_SUITE
