// Tests for gzip in the built-in HTTP transport (transport_http.hpp, GZIP). The real checks need
// SENTRY_TRACE_WITH_ZLIB=1 and zlib: tests/CMakeLists.txt builds this file a second time into
// sentry_trace_tests_gzip (ctest `gzip_transport`) when find_package(ZLIB) finds it. In the main
// test executable (zlib off) only a placeholder runs.
//
// A small HTTP server thread on 127.0.0.1 (port 0) records every POST (as in
// test_transport_http.cpp); a tee transport keeps the envelope bytes the tracer sent, so the
// request body can be inflated and compared with them byte for byte.

#include "fixture.hpp"

#include <doctest/doctest.h>

#if SENTRY_TRACE_WITH_ZLIB && SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
#  include <zlib.h>

#  include <arpa/inet.h>
#  include <netinet/in.h>
#  include <poll.h>
#  include <sys/socket.h>
#  include <unistd.h>

#  include <atomic>
#  include <chrono>
#  include <cstdint>
#  include <cstring>
#  include <map>
#  include <memory>
#  include <mutex>
#  include <string>
#  include <string_view>
#  include <thread>
#  include <vector>

namespace {

namespace st = sentry_trace;
using test_support::harness;

struct gz_request {
  std::string body;
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

/// One connection at a time: read a request (Content-Length framing), record it, answer 200, close.
class gz_server {
 public:
  gz_server() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd_, 16) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~gz_server() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  gz_server(const gz_server&) = delete;
  gz_server& operator=(const gz_server&) = delete;

  std::uint16_t port = 0;

  std::vector<gz_request> requests() {
    std::lock_guard<std::mutex> lk(mu_);
    return requests_;
  }
  std::size_t count() {
    std::lock_guard<std::mutex> lk(mu_);
    return requests_.size();
  }
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
    char tmp[16384];
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
    gz_request r;
    const std::string head = buf.substr(0, end);
    std::size_t pos = head.find("\r\n");
    pos = pos == std::string::npos ? head.size() : pos + 2;
    while (pos < head.size()) {
      std::size_t e = head.find("\r\n", pos);
      if (e == std::string::npos) e = head.size();
      const std::string line = head.substr(pos, e - pos);
      const std::size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string v = line.substr(colon + 1);
        while (!v.empty() && v.front() == ' ') v.erase(0, 1);
        r.headers[lower(line.substr(0, colon))] = v;
      }
      pos = e + 2;
    }
    const std::string cl = r.header("content-length");
    const std::size_t length = static_cast<std::size_t>(std::stoul(cl.empty() ? "0" : cl));
    std::string body = buf.substr(end + 4);
    while (body.size() < length)
      if (!read_more(c, body)) return;
    r.body = body.substr(0, length);
    {
      std::lock_guard<std::mutex> lk(mu_);
      requests_.push_back(r);
    }
    static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    ::send(c, resp, sizeof resp - 1, MSG_NOSIGNAL);
  }

  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<gz_request> requests_;
  std::thread thread_;
};

/// Keeps a copy of every envelope, then hands it to the HTTP transport.
struct tee_transport final : st::transport {
  st::http_transport* next = nullptr;
  std::vector<std::string> sent;
  void send(st::envelope_view e) override {
    sent.emplace_back(e.bytes());
    next->send(e);
  }
  bool flush(std::uint32_t timeout_ms) override { return next->flush(timeout_ms); }
};

/// Inflates one whole gzip member (16 + MAX_WBITS: gzip wrapper only); false on any error or
/// trailing bytes.
bool gunzip(const std::string& in, std::string& out) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return false;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  out.clear();
  char chunk[65536];
  int r;
  do {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    r = inflate(&z, Z_NO_FLUSH);
    out.append(chunk, sizeof chunk - z.avail_out);
  } while (r == Z_OK);
  const bool ok = r == Z_STREAM_END && z.avail_in == 0;
  inflateEnd(&z);
  return ok;
}

std::unique_ptr<st::http_transport> make_transport(const gz_server& server, bool gzip, bool worker = true) {
  std::unique_ptr<st::http_transport> t(new st::http_transport);
  static std::string url;  // configure() copies it
  url = "http://127.0.0.1:" + std::to_string(server.port) + "/api/42/envelope/";
  st::http_transport_options o;
  o.url = url;
  o.auth_header = "X-Sentry-Auth: Sentry sentry_key=k, sentry_version=7\r\n";
  o.gzip = gzip;
  o.use_worker = worker;
  REQUIRE(t->configure(o));
  REQUIRE(t->start());
  return t;
}

/// One transaction with `children` child spans through the tracer, into `tee`; returns its bytes.
std::string send_transaction(tee_transport& tee, int children) {
  harness h;
  h.opts.transport = &tee;
  REQUIRE(h.init());
  {
    st::scoped_span root({"checkout", "task"});
    for (int i = 0; i < children; ++i) {
      st::scoped_span child({"db.query SELECT * FROM orders WHERE id = ?", "db"});
      h.advance_us(100);
    }
  }
  REQUIRE(!tee.sent.empty());
  std::string bytes;
  for (const std::string& s : tee.sent)
    if (s.find("\"type\":\"transaction\"") != std::string::npos) bytes = s;
  return bytes;
}

} // namespace

TEST_SUITE("gzip") {

TEST_CASE("gzip on: a large transaction goes out gzip-compressed and inflates to the exact envelope") {
  gz_server server;
  auto t = make_transport(server, true);
  REQUIRE(t->gzip_active());
  const st::detail::gzip_deflater& gz = t->deflater();
  CHECK(gz.refused() == 0);
  CHECK(gz.allocations() > 0);
  CHECK(gz.arena_used() > st::detail::gzip_deflate_bytes);
  CHECK(gz.arena_used() <= st::detail::gzip_arena_bytes);
  MESSAGE("zlib " << std::string(zlibVersion()) << ": deflateInit2 took " << gz.arena_used() << " of " << st::detail::gzip_arena_bytes
                  << " arena bytes in " << gz.allocations() << " blocks");
  const std::uint32_t allocations_after_init = gz.allocations();
  const std::size_t used_after_init = gz.arena_used();

  tee_transport tee;
  tee.next = t.get();
  const std::string envelope = send_transaction(tee, 300);
  REQUIRE(envelope.size() > 32 * 1024);
  CHECK(t->flush(3000));
  REQUIRE(server.wait_for(tee.sent.size(), 3000));

  std::vector<gz_request> rs = server.requests();
  bool found = false;
  for (const gz_request& r : rs) {
    if (r.header("content-encoding") != "gzip") continue;
    std::string plain;
    REQUIRE(gunzip(r.body, plain));
    if (plain != envelope) continue;
    found = true;
    CHECK(r.header("content-type") == "application/x-sentry-envelope");
    CHECK(r.header("x-sentry-auth") == "Sentry sentry_key=k, sentry_version=7");
    CHECK(r.body.size() < envelope.size() / 4);
    CHECK(static_cast<unsigned char>(r.body[0]) == 0x1f);  // the gzip magic
    CHECK(static_cast<unsigned char>(r.body[1]) == 0x8b);
    MESSAGE("envelope " << envelope.size() << " bytes, sent as " << r.body.size() << " gzip bytes");
  }
  CHECK(found);
  // No heap after init: zlib's zalloc was not called again (deflateReset and deflate allocate
  // nothing) and never had to refuse (the callbacks have no malloc fallback at all).
  CHECK(gz.compressed() >= 1);
  CHECK(gz.failed() == 0);
  CHECK(gz.allocations() == allocations_after_init);
  CHECK(gz.arena_used() == used_after_init);
  CHECK(gz.refused() == 0);
  CHECK(t->stop(1000));
}

TEST_CASE("gzip on: an envelope of at most 1 KiB goes uncompressed") {
  gz_server server;
  auto t = make_transport(server, true);
  const std::string body = "{}\n{\"type\":\"event\",\"length\":2}\n{}\n";
  REQUIRE(body.size() <= st::detail::gzip_min_bytes);
  t->send(st::envelope_view(body, nullptr, false));
  std::string exactly_1k(st::detail::gzip_min_bytes, 'x');
  t->send(st::envelope_view(exactly_1k, nullptr, false));
  CHECK(t->flush(2000));
  REQUIRE(server.wait_for(2, 2000));
  std::vector<gz_request> rs = server.requests();
  CHECK_FALSE(rs[0].has("content-encoding"));
  CHECK(rs[0].body == body);
  CHECK_FALSE(rs[1].has("content-encoding"));
  CHECK(rs[1].body == exactly_1k);
  CHECK(t->deflater().compressed() == 0);
  CHECK(t->stop(1000));
}

TEST_CASE("gzip on, 1 KiB + 1: compressed (poll mode too)") {
  gz_server server;
  auto t = make_transport(server, true, false);
  const std::string body(st::detail::gzip_min_bytes + 1, 'y');
  t->send(st::envelope_view(body, nullptr, false));
  CHECK(t->flush(2000));
  REQUIRE(server.wait_for(1, 2000));
  gz_request r = server.requests()[0];
  CHECK(r.header("content-encoding") == "gzip");
  std::string plain;
  REQUIRE(gunzip(r.body, plain));
  CHECK(plain == body);
  CHECK(t->stop(1000));
}

TEST_CASE("gzip on: what does not compress smaller goes uncompressed, never lost") {
  gz_server server;
  auto t = make_transport(server, true);
  // Random bytes: deflate's output is larger than the input, so it does not fit the room
  // given (the input's size - 1) and the envelope goes out as it is.
  std::string noise(4096, '\0');
  std::uint64_t x = 0x9e3779b97f4a7c15u;
  for (char& c : noise) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x & 0xff);
  }
  t->send(st::envelope_view(noise, nullptr, false));
  CHECK(t->flush(2000));
  REQUIRE(server.wait_for(1, 2000));
  gz_request r = server.requests()[0];
  CHECK_FALSE(r.has("content-encoding"));
  CHECK(r.body == noise);
  CHECK(t->deflater().failed() == 1);
  CHECK(t->deflater().refused() == 0);
  CHECK(t->stop(1000));
}

TEST_CASE("gzip off: no Content-Encoding, the exact bytes, and no deflate stream") {
  gz_server server;
  auto t = make_transport(server, false);
  CHECK_FALSE(t->gzip_active());
  CHECK(t->deflater().allocations() == 0);
  tee_transport tee;
  tee.next = t.get();
  const std::string envelope = send_transaction(tee, 300);
  REQUIRE(envelope.size() > 32 * 1024);
  CHECK(t->flush(3000));
  REQUIRE(server.wait_for(tee.sent.size(), 3000));
  bool found = false;
  for (const gz_request& r : server.requests()) {
    CHECK_FALSE(r.has("content-encoding"));
    if (r.body == envelope) found = true;
  }
  CHECK(found);
  CHECK(t->stop(1000));
}

TEST_CASE("configure() again re-initializes the stream in the same arena") {
  gz_server server;
  auto t = make_transport(server, true);
  const std::size_t used = t->deflater().arena_used();
  std::string url = "http://127.0.0.1:" + std::to_string(server.port) + "/api/42/envelope/";
  st::http_transport_options o;
  o.url = url;
  o.gzip = true;
  for (int i = 0; i < 3; ++i) {
    REQUIRE(t->configure(o));
    CHECK(t->gzip_active());
    CHECK(t->deflater().arena_used() == used);
    CHECK(t->deflater().refused() == 0);
  }
  o.gzip = false;
  REQUIRE(t->configure(o));
  CHECK_FALSE(t->gzip_active());
  CHECK(t->deflater().arena_used() == 0);
}

} // TEST_SUITE

#else

TEST_CASE("gzip: SENTRY_TRACE_WITH_ZLIB is 0 in this build (sentry_trace_tests_gzip runs the real checks)") {
  CHECK(SENTRY_TRACE_WITH_ZLIB == 0);
}

#endif
