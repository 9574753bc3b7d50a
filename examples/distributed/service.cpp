// service.cpp -- a C++ service in the middle of a distributed trace.
//
//   ./distributed_service <listen-port> <downstream-url> <dsn>
//
//   GET /orders/<id>  continues the caller's trace (sentry-trace + baggage headers), records a
//                     transaction "GET /orders/:id" with an "http.client" child for a call to
//                     <downstream-url> (which gets our trace headers), reports an error event
//                     linked to the transaction, and answers 200.
//   GET /shutdown     flushes, shuts tracing down and exits.
//
// Envelopes are POSTed to the DSN's host and port (plain HTTP: meant for a local Sentry
// stand-in such as tests/interop/capture_server.py, or a Relay on the same host).
//
// Everything network-related is plain POSIX sockets, kept deliberately small: the point is to
// show where the library's calls go in a request handler, not to be an HTTP implementation.
// Single-threaded: one request at a time, which is all the interop test needs.

// The hosted transports (console_transport, file_transport, http_transport) and the parsers are
// the library's internals: a TU that uses them says so. The definitions still come from the one
// implementation TU (the sentry_trace target's src/sentry_trace.cpp).
#define SENTRY_TRACE_INTERNALS
#include <sentry_trace.hpp>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace st = sentry_trace;

namespace {

// ---------------------------------------------------------------------------------------------
// Tiny socket helpers.
// ---------------------------------------------------------------------------------------------

// Every socket gets a receive/send timeout, so a peer that stalls cannot hang the service
// (and the test that drives it) forever.
void set_timeouts(int fd, int seconds) {
  timeval tv{};
  tv.tv_sec = seconds;
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Connects to host:port (a name or a numeric address); -1 on failure.
int connect_to(const std::string& host, std::uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (getaddrinfo(host.c_str(), service.c_str(), &hints, &found) != 0) return -1;
  int fd = -1;
  for (addrinfo* a = found; a && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    set_timeouts(fd, 5);
    if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  return fd;
}

// Reads an HTTP message head (up to the blank line). Bodies are not needed here: requests
// are GETs, and for responses only the status line matters.
bool read_head(int fd, std::string& head) {
  char buf[4096];
  while (head.find("\r\n\r\n") == std::string::npos) {
    if (head.size() > 64 * 1024) return false;  // not a request this service understands
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    head.append(buf, static_cast<std::size_t>(n));
  }
  return true;
}

// The value of header `name` (ASCII case-insensitive, as HTTP requires), "" when absent.
std::string_view header_value(std::string_view head, std::string_view name) {
  std::size_t pos = head.find("\r\n");
  while (pos != std::string_view::npos && pos + 2 < head.size()) {
    const std::size_t start = pos + 2;
    const std::size_t end = head.find("\r\n", start);
    const std::string_view line = head.substr(start, end == std::string_view::npos ? end : end - start);
    const std::size_t colon = line.find(':');
    if (colon == name.size()) {
      bool same = true;
      for (std::size_t i = 0; i < colon && same; ++i) {
        const char a = line[i] >= 'A' && line[i] <= 'Z' ? static_cast<char>(line[i] - 'A' + 'a') : line[i];
        const char b = name[i] >= 'A' && name[i] <= 'Z' ? static_cast<char>(name[i] - 'A' + 'a') : name[i];
        same = a == b;
      }
      if (same) {
        std::string_view v = line.substr(colon + 1);
        while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
        while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
        return v;
      }
    }
    pos = end;
  }
  return {};
}

// The status code of a response head ("HTTP/1.1 200 OK..."), 0 when unreadable.
int status_of(std::string_view head) {
  const std::size_t sp = head.find(' ');
  if (sp == std::string_view::npos || sp + 4 > head.size()) return 0;
  int code = 0;
  for (std::size_t i = sp + 1; i < sp + 4; ++i) {
    if (head[i] < '0' || head[i] > '9') return 0;
    code = code * 10 + (head[i] - '0');
  }
  return code;
}

// http://host[:port]/path, split up. Only plain http: this example talks to local peers.
struct url_parts {
  std::string host;
  std::uint16_t port = 80;
  std::string path = "/";
};

bool parse_http_url(std::string_view url, url_parts& out) {
  constexpr std::string_view scheme = "http://";
  if (url.substr(0, scheme.size()) != scheme) return false;
  url.remove_prefix(scheme.size());
  const std::size_t slash = url.find('/');
  const std::string_view authority = url.substr(0, slash);
  if (slash != std::string_view::npos) out.path = std::string(url.substr(slash));
  const std::size_t colon = authority.rfind(':');
  out.host = std::string(authority.substr(0, colon));
  if (colon != std::string_view::npos) {
    const long port = std::strtol(std::string(authority.substr(colon + 1)).c_str(), nullptr, 10);
    if (port <= 0 || port > 65535) return false;
    out.port = static_cast<std::uint16_t>(port);
  }
  return !out.host.empty();
}

// One HTTP/1.1 request with `Connection: close`; returns the response status (0: no answer).
int http_request(const url_parts& to, std::string_view method, const std::string& extra_headers,
                 std::string_view body) {
  const int fd = connect_to(to.host, to.port);
  if (fd < 0) return 0;
  std::string req;
  req.append(method).append(" ").append(to.path).append(" HTTP/1.1\r\n");
  req.append("Host: ").append(to.host).append(":").append(std::to_string(to.port)).append("\r\n");
  req.append("Connection: close\r\n");
  req.append(extra_headers);
  if (!body.empty() || method == "POST") req.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  req.append("\r\n");
  int status = 0;
  std::string head;
  if (send_all(fd, req) && send_all(fd, body) && read_head(fd, head)) status = status_of(head);
  ::close(fd);
  return status;
}

// ---------------------------------------------------------------------------------------------
// The transport: POST each envelope to the DSN's ingestion endpoint.
// ---------------------------------------------------------------------------------------------

// send() runs with the library's envelope lock held and the bytes are valid only during the
// call; posting synchronously inside it keeps this simple and correct (a real service would
// copy the bytes to a queue and post from a worker thread, so requests never wait on Sentry).
class http_transport final : public st::transport {
 public:
  // The DSN was validated by st::init; this only takes the parts it needs to address Sentry.
  explicit http_transport(std::string_view dsn_text) {
    st::dsn d;
    if (st::dsn::parse(dsn_text, d) != st::dsn_error::none) return;
    endpoint_.host = std::string(d.host);
    endpoint_.port = d.port;
    endpoint_.path = std::string(d.path) + "/api/" + std::string(d.project_id) + "/envelope/";
    // The auth header as every SDK sends it (PROTOCOL.md §1); the key identifies the project.
    auth_ = "X-Sentry-Auth: Sentry sentry_key=" + std::string(d.public_key) +
            ", sentry_version=7, sentry_client=sentry_trace.native/0.1.0\r\n"
            "Content-Type: application/x-sentry-envelope\r\n";
    ok_ = d.scheme == "http";
    if (!ok_) std::fprintf(stderr, "service: this example only posts over plain http\n");
  }

  void send(st::envelope_view e) override {
    const int status = ok_ ? http_request(endpoint_, "POST", auth_, e.bytes()) : 0;
    // Anything but a 2xx is an envelope Sentry did not take: count it for the client report.
    if (status < 200 || status > 299) {
      report_lost(e, st::discard_reason::send_error);
      std::fprintf(stderr, "service: envelope not delivered (HTTP status %d)\n", status);
    }
  }

 private:
  url_parts endpoint_;
  std::string auth_;
  bool ok_ = false;
};

// ---------------------------------------------------------------------------------------------
// The request handler: where sentry_trace's calls go.
// ---------------------------------------------------------------------------------------------

void handle_order(int client, std::string_view head, std::string_view order_id, const std::string& downstream) {
  // Continue the caller's trace: every transaction started inside this scope gets the caller's
  // trace id, its span as parent, its sampling decision and its (frozen) sampling context.
  st::continue_trace(header_value(head, "sentry-trace"), header_value(head, "baggage"), [&] {
    st::span_options server{"GET /orders/:id", "http.server"};
    server.source = st::transaction_source::route;  // a parameterized route, not a raw URL
    st::start_span(server, [&](st::span& txn) {
      txn.set_attribute("http.request.method", "GET");
      txn.set_attribute("order.id", order_id);

      // The downstream call gets its own span, and the trace headers are taken *inside* it,
      // so the downstream service's transaction hangs under this span (as the SDKs do).
      url_parts to;
      const bool url_ok = parse_http_url(downstream, to);
      const std::string label = "GET " + downstream;
      st::start_span({label, "http.client"}, [&](st::span& call) {
        call.set_attribute("http.request.method", "GET");
        call.set_attribute("url.full", downstream);
        const st::trace_headers h = st::get_trace_headers();
        std::string headers = "sentry-trace: " + std::string(h.sentry_trace) + "\r\n";
        if (!h.baggage.empty()) headers += "baggage: " + std::string(h.baggage) + "\r\n";
        const int status = url_ok ? http_request(to, "GET", headers, {}) : 0;
        if (status) {
          call.set_http_status(status);
        } else {
          call.set_status(st::span_status::unavailable);
        }
      });

      // An error linked to this request: Sentry shows it inside the trace, on this span.
      st::capture_exception("PaymentDeclined", "card expired");

      txn.set_http_status(200);
      send_all(client, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"
                       "Connection: close\r\n\r\nok\n");
    });
  });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s <listen-port> <downstream-url> <dsn>\n", argv[0]);
    return 2;
  }
  const long port = std::strtol(argv[1], nullptr, 10);
  const std::string downstream = argv[2];
  if (port < 0 || port > 65535) {
    std::fprintf(stderr, "service: bad port %s\n", argv[1]);
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);  // a peer that hangs up must not kill the service

  http_transport transport(argv[3]);  // must outlive shutdown(): the library does not own it
  st::options o;
  o.dsn = argv[3];
  o.release = "distributed-example@1.0.0";
  o.traces_sample_rate = 1.0;  // only used when the caller left the decision to us
  o.transport = &transport;
  if (!st::init(o)) return 1;

  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  const int yes = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // loopback only: this is an example
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listener, 16) != 0) {
    std::perror("service: cannot listen");
    return 1;
  }
  socklen_t len = sizeof(addr);
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::printf("LISTENING %u\n", static_cast<unsigned>(ntohs(addr.sin_port)));
  std::fflush(stdout);

  for (;;) {
    const int client = ::accept(listener, nullptr, nullptr);
    if (client < 0) {
      if (errno == EINTR) continue;
      std::perror("service: accept");
      break;
    }
    set_timeouts(client, 5);
    std::string head;
    if (!read_head(client, head)) {
      ::close(client);
      continue;
    }
    // "GET /path HTTP/1.1": the method and the path are all the routing this needs.
    const std::string_view line = std::string_view(head).substr(0, head.find("\r\n"));
    const std::size_t sp1 = line.find(' ');
    const std::size_t sp2 = line.find(' ', sp1 == std::string_view::npos ? sp1 : sp1 + 1);
    const std::string_view method = line.substr(0, sp1);
    const std::string_view path =
        sp1 == std::string_view::npos ? std::string_view() : line.substr(sp1 + 1, sp2 - sp1 - 1);
    constexpr std::string_view orders = "/orders/";

    if (method == "GET" && path.substr(0, orders.size()) == orders && path.size() > orders.size()) {
      handle_order(client, head, path.substr(orders.size()), downstream);
      ::close(client);
    } else if (method == "GET" && path == "/shutdown") {
      // Deliver what is pending before answering, so the caller knows the envelopes are in.
      const bool flushed = st::shutdown(5000);
      send_all(client, flushed ? std::string_view("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                               : std::string_view("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n"
                                                  "Connection: close\r\n\r\n"));
      ::close(client);
      break;
    } else {
      send_all(client, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      ::close(client);
    }
  }
  ::close(listener);
  st::shutdown(0);  // no-op after /shutdown; flushes on the error path
  return 0;
}
