// sentry_trace/http_client.hpp -- one HTTP/1.1 POST at a time over a non-blocking socket
//
// WHAT IT DOES  detail::http_client sends one POST and reads the reply's status and headers,
//               advanced by step() without ever blocking, so that one body of code serves a
//               worker thread (which waits on fd()/wanted_events() with poll(2) between steps)
//               and a game loop (which calls step() once a frame and never waits). IPv4 and
//               IPv6: every address getaddrinfo() gave is tried in order until one connects.
//               An http:// proxy is supported: absolute-form requests for http targets, a
//               CONNECT tunnel for https targets. HTTPS through mbedTLS 2.28 when
//               SENTRY_TRACE_WITH_MBEDTLS=1, with certificate and host name verification on by
//               default. detail::parse_http_url() splits "http[s]://host[:port]/path".
// DOES NOT      keep connections alive (every request says Connection: close), follow
//               redirects, decode the body (it is read and discarded: Sentry's answer is in the
//               status and headers), support https proxies or proxy authentication, or resolve
//               names inside step(): configure() calls getaddrinfo() (through
//               http_client_config::resolver), which may block. prepare() does everything else
//               (TLS and the CA bundle included) and use_addresses() takes addresses resolved
//               elsewhere, which is how http_transport resolves on a thread of its own and keeps
//               the CA chain across re-resolutions.
// HEAP          none of its own: the addresses, the request head, the 8 KiB response head and
//               the mbedTLS contexts are members. The one exception is mbedTLS itself, which
//               calloc()s while it loads the CA bundle (configure()) and during each handshake
//               (certificates, key exchange): that is on the delivery path only, never on the
//               span path.
// TIMING        step() returns as soon as the socket would block, and reads at most 64 KiB of
//               body per call. A TLS handshake step does public-key arithmetic, which can take
//               a few milliseconds on a slow CPU.
// TIMEOUTS      connect_timeout_ms per address tried; io_timeout_ms for the TLS handshake, for
//               the proxy's CONNECT reply, as the longest wait for progress while sending (a big
//               body on a slow link still goes through), and for the whole response head. Once
//               the status and headers are in, the body's end, an early close, a reset or a
//               timeout all finish with done: nothing after the head is needed.
// ERRORS        error() after failed: "connect refused", "connect timeout", "connect
//               unreachable", "connect failed (errno N)", "timeout", "connection reset",
//               "connection closed" (before any reply byte), "bad response", "send failed
//               (errno N)", "receive failed (errno N)", "proxy: CONNECT answered N",
//               "tls: certificate verify failed (why)", "tls: handshake failed: ...", and from
//               configure(): "bad url", "resolve failed: ...", "proxy: ...", "https needs
//               SENTRY_TRACE_WITH_MBEDTLS", "tls: ...".
// CONFIG        SENTRY_TRACE_HOSTED on a POSIX system (otherwise this part is empty),
//               SENTRY_TRACE_WITH_MBEDTLS (link mbedtls, mbedx509 and mbedcrypto).
// THREADS       one http_client belongs to one thread at a time; nothing is shared.

#ifndef SENTRY_TRACE_HTTP_CLIENT_HPP
#define SENTRY_TRACE_HTTP_CLIENT_HPP

#include "../config.hpp"
#include "../protocol/text.hpp"

#if SENTRY_TRACE_HOSTED && (defined(__unix__) || defined(__APPLE__))

#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#if SENTRY_TRACE_WITH_MBEDTLS
#  include <mbedtls/ctr_drbg.h>
#  include <mbedtls/entropy.h>
#  include <mbedtls/error.h>
#  include <mbedtls/net_sockets.h>
#  include <mbedtls/ssl.h>
#  include <mbedtls/x509_crt.h>
#endif

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {

/// A parsed http:// or https:// URL; host without IPv6 brackets, path with its query.
struct http_url {
  bool tls = false;
  char host[256] = {};
  std::uint16_t port = 0;
  char path[1024] = {};
};

/// Parses "http[s]://host[:port]/path" (IPv6 "[::1]"); false on anything else. The scheme is
/// case-insensitive; no user info; a missing path is "/"; a #fragment is dropped. Spaces and
/// control or non-ASCII bytes are refused rather than copied, since the host and path go
/// straight into the request head.
inline bool parse_http_url(std::string_view url, http_url& out) noexcept {
  http_url r;
  std::size_t i = 0;
  if (url.size() >= 7 && iequals(url.substr(0, 7), "http://")) {
    i = 7;
  } else if (url.size() >= 8 && iequals(url.substr(0, 8), "https://")) {
    r.tls = true;
    i = 8;
  } else {
    return false;
  }
  std::string_view host;
  if (i < url.size() && url[i] == '[') {
    std::size_t close = url.find(']', i);
    if (close == std::string_view::npos) return false;
    host = url.substr(i + 1, close - i - 1);
    if (host.find(':') == std::string_view::npos) return false;
    for (char c : host)
      if (!(hex_value(c) >= 0 || c == ':' || c == '.')) return false;  // no zone ids
    i = close + 1;
  } else {
    std::size_t s = i;
    while (i < url.size() && url[i] != ':' && url[i] != '/' && url[i] != '?' && url[i] != '#') ++i;
    host = url.substr(s, i - s);
    for (char c : host) {
      bool ok = is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.' ||
                c == '_';
      if (!ok) return false;
    }
  }
  if (host.empty() || host.size() >= sizeof r.host) return false;
  unsigned long port = r.tls ? 443 : 80;
  if (i < url.size() && url[i] == ':') {
    ++i;
    std::size_t s = i;
    while (i < url.size() && is_digit(url[i])) ++i;
    if (!parse_unsigned<unsigned long>(url.substr(s, i - s), 65535, port) || port == 0) return false;
  }
  std::string_view rest = url.substr(i);
  if (!rest.empty() && rest[0] != '/' && rest[0] != '?' && rest[0] != '#') return false;
  std::size_t hash = rest.find('#');
  if (hash != std::string_view::npos) rest = rest.substr(0, hash);
  std::size_t n = 0;
  if (rest.empty() || rest[0] == '?') r.path[n++] = '/';
  for (char c : rest) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return false;
    if (n + 1 >= sizeof r.path) return false;
    r.path[n++] = c;
  }
  r.path[n] = '\0';
  std::memcpy(r.host, host.data(), host.size());
  r.host[host.size()] = '\0';
  r.port = static_cast<std::uint16_t>(port);
  out = r;
  return true;
}

/// How names are resolved: getaddrinfo's signature (the result is freed with freeaddrinfo).
using resolve_fn = int (*)(const char* host, const char* service, const addrinfo* hints, addrinfo** result);

/// The addresses one name resolved to, in getaddrinfo's order (at most 8).
struct address_list {
  static constexpr int max = 8;
  sockaddr_storage addrs[max] = {};
  socklen_t lens[max] = {};
  int count = 0;
};

/// Resolves `host`:`port` with `fn` (nullptr: ::getaddrinfo), which may block. With
/// `numeric_only` only an IP literal is accepted (AI_NUMERICHOST: never blocks). False with
/// "resolve failed: ..." in err.
inline bool resolve_addresses(resolve_fn fn, const char* host, std::uint16_t port, bool numeric_only,
                              address_list& out, char* err, std::size_t err_size) noexcept {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  // Not AI_ADDRCONFIG: it hides ::1 on hosts without a global IPv6 address.
  hints.ai_flags = AI_NUMERICSERV | (numeric_only ? AI_NUMERICHOST : 0);
  char service[8];
  std::snprintf(service, sizeof service, "%u", static_cast<unsigned>(port));
  addrinfo* list = nullptr;
  const int r = numeric_only || !fn ? ::getaddrinfo(host, service, &hints, &list) : fn(host, service, &hints, &list);
  out.count = 0;
  if (r != 0) {
    std::snprintf(err, err_size, "resolve failed: %s", ::gai_strerror(r));
    return false;
  }
  for (addrinfo* a = list; a && out.count < address_list::max; a = a->ai_next) {
    if (a->ai_addrlen > sizeof(sockaddr_storage)) continue;
    std::memcpy(&out.addrs[out.count], a->ai_addr, a->ai_addrlen);
    out.lens[out.count] = static_cast<socklen_t>(a->ai_addrlen);
    ++out.count;
  }
  if (list) ::freeaddrinfo(list);
  if (out.count == 0) {
    std::snprintf(err, err_size, "resolve failed: no address");
    return false;
  }
  return true;
}

/// What configure() needs beyond the URL.
struct http_client_config {
  std::string_view proxy;              ///< "http://host:port" or empty; HTTP via absolute-form request, HTTPS via CONNECT
  std::string_view ca_file;            ///< PEM bundle for HTTPS; empty: the system bundle (/etc/ssl/certs/ca-certificates.crt)
  bool verify_peer = true;             ///< certificate + host name verification (on by default)
  std::uint32_t connect_timeout_ms = 3000;
  std::uint32_t io_timeout_ms = 5000;  ///< per send/receive phase
  resolve_fn resolver = nullptr;       ///< nullptr: ::getaddrinfo (tests put a slow one here)
};

/// What step() reports.
enum class http_result : std::uint8_t { in_progress, done, failed };

/// One HTTP/1.1 POST at a time; see the top of this file.
class http_client {
 public:
  http_client() noexcept {
#if SENTRY_TRACE_WITH_MBEDTLS
    tls_init();
#endif
  }
  ~http_client() {
    close_socket();
#if SENTRY_TRACE_WITH_MBEDTLS
    tls_free();
#endif
  }
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// prepare(), then resolves with the config's resolver (getaddrinfo: this may block; call it
  /// at start-up or on a thread that has no deadline) and uses the addresses. False with a
  /// reason in error().
  bool configure(const http_url& target, const http_client_config& cfg) noexcept {
    if (!prepare(target, cfg)) return false;
    address_list a;
    if (!resolve_addresses(cfg.resolver, lookup_host_, lookup_port_, false, a, err_, sizeof err_)) return false;
    use_addresses(a);
    return true;
  }

  /// Everything configure() does but resolving: checks the target, loads the CA bundle and
  /// sets up TLS (once: later use_addresses() calls keep it), and remembers the name to
  /// resolve (lookup_host()). The client can send once use_addresses() gave it an address.
  /// With a proxy, the proxy's name is the one to resolve; the target's is the proxy's business.
  bool prepare(const http_url& target, const http_client_config& cfg) noexcept {
    abort();
    configured_ = false;
    prepared_ = false;
    addrs_.count = 0;
    target_ = target;
    connect_timeout_ms_ = cfg.connect_timeout_ms;
    io_timeout_ms_ = cfg.io_timeout_ms;
    if (target_.host[0] == '\0' || target_.port == 0 || target_.path[0] != '/') return set_error("bad url");
    target_.host[sizeof target_.host - 1] = '\0';
    target_.path[sizeof target_.path - 1] = '\0';
#if !SENTRY_TRACE_WITH_MBEDTLS
    if (target_.tls) return set_error("https needs SENTRY_TRACE_WITH_MBEDTLS");
#endif
    via_proxy_ = false;
    std::memcpy(lookup_host_, target_.host, sizeof lookup_host_);
    lookup_port_ = target_.port;
    http_url proxy;
    if (!cfg.proxy.empty()) {
      if (!parse_http_url(cfg.proxy, proxy) || proxy.tls) return set_error("proxy: must be http://host:port");
      via_proxy_ = true;
      std::memcpy(lookup_host_, proxy.host, sizeof lookup_host_);
      lookup_port_ = proxy.port;
    }
#if SENTRY_TRACE_WITH_MBEDTLS
    if (target_.tls && !tls_configure(cfg)) return false;
#endif
    err_[0] = '\0';
    prepared_ = true;
    return true;
  }

  /// The name (and port) to resolve after prepare(): the target's, or the proxy's.
  const char* lookup_host() const noexcept { return lookup_host_; }
  std::uint16_t lookup_port() const noexcept { return lookup_port_; }

  /// Connects to these addresses from the next start() on (after prepare(); a request in
  /// flight keeps the ones it has). An empty list leaves the client unable to send.
  void use_addresses(const address_list& a) noexcept {
    if (!prepared_ || busy()) return;
    addrs_ = a;
    configured_ = addrs_.count > 0;
  }
  /// True once prepared and given at least one address.
  bool ready() const noexcept { return configured_; }
  /// Records why resolving failed (error() returns it).
  void note_error(const char* why) noexcept { set_error(why); }

  /// Starts a POST of `body` to the target's path with these extra header lines (each
  /// "Name: value\r\n", caller-built); adds Host, User-Agent, Content-Length and Connection:
  /// close. The body and headers must stay valid until done/failed: they are sent from where
  /// they are (the head is copied next to ours when it fits, to save a packet). False when not
  /// configured, busy, or the extra headers do not end with "\r\n".
  bool start(std::string_view extra_headers, std::string_view body, std::uint64_t now_ms) noexcept {
    if (!configured_) return set_error("not configured");
    if (busy()) return set_error("busy");
    if (!extra_headers.empty() &&
        (extra_headers.size() < 2 || extra_headers.substr(extra_headers.size() - 2) != "\r\n"))
      return set_error("extra headers must end with \\r\\n");
    close_socket();
    err_[0] = '\0';
    status_ = 0;
    resp_len_ = 0;
    head_len_ = 0;

    // The request head; the path is at most 1023 bytes and the host 255, so it always fits.
    char host_port[280];
    format_host_port(host_port, sizeof host_port, !target_.tls ? target_.port != 80 : target_.port != 443);
    int n;
    if (via_proxy_ && !target_.tls) {
      n = std::snprintf(req_, sizeof req_, "POST http://%s%s HTTP/1.1\r\n", host_port, target_.path);
    } else {
      n = std::snprintf(req_, sizeof req_, "POST %s HTTP/1.1\r\n", target_.path);
    }
    std::size_t len = static_cast<std::size_t>(n);
    n = std::snprintf(req_ + len, sizeof req_ - len,
                      "Host: %s\r\nUser-Agent: %s/%s\r\nContent-Length: %llu\r\nConnection: close\r\n", host_port,
                      sdk_name, version_string, static_cast<unsigned long long>(body.size()));
    len += static_cast<std::size_t>(n);
    seg_count_ = 0;
    if (len + extra_headers.size() + 2 <= sizeof req_) {
      if (!extra_headers.empty()) std::memcpy(req_ + len, extra_headers.data(), extra_headers.size());
      len += extra_headers.size();
      std::memcpy(req_ + len, "\r\n", 2);
      len += 2;
      seg_[seg_count_++] = std::string_view(req_, len);
    } else {
      seg_[seg_count_++] = std::string_view(req_, len);
      seg_[seg_count_++] = extra_headers;
      seg_[seg_count_++] = std::string_view("\r\n", 2);
    }
    if (!body.empty()) seg_[seg_count_++] = body;
    seg_index_ = 0;
    seg_off_ = 0;

    if (via_proxy_ && target_.tls) {
      format_host_port(host_port, sizeof host_port, true);
      n = std::snprintf(tunnel_, sizeof tunnel_, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", host_port, host_port);
      tunnel_len_ = static_cast<std::size_t>(n);
      tunnel_off_ = 0;
    }
    addr_next_ = 0;
    connect_next(now_ms);
    return true;
  }

  /// Advances without blocking (connect, TLS handshake, send, receive, parse). Timeouts are
  /// checked against now_ms (the same monotonic clock as start()'s). Each round runs the step of
  /// the current phase, which either moves on (another round) or stops with the result.
  http_result step(std::uint64_t now_ms) noexcept {
    for (int rounds = 0; rounds < 64; ++rounds) {
      http_result out = http_result::in_progress;
      bool again = false;
      switch (phase_) {
        case phase::idle:
          if (err_[0] == '\0') set_error("not started");
          return http_result::failed;
        case phase::done: return http_result::done;
        case phase::failed: return http_result::failed;
        case phase::connecting: again = step_connect(now_ms, out); break;
        case phase::tunnel_send: again = step_tunnel_send(now_ms, out); break;
        case phase::tunnel_recv: again = step_tunnel_recv(now_ms, out); break;
        case phase::handshake: again = step_handshake(now_ms, out); break;
        case phase::sending: again = step_send(now_ms, out); break;
        case phase::recv_head: again = step_recv_head(now_ms, out); break;
        case phase::recv_body: again = step_recv_body(now_ms, out); break;
      }
      if (!again) return out;
    }
    return http_result::in_progress;
  }

  /// For a waiting loop: the socket and the poll(2) events it waits for (-1 and 0 when none).
  int fd() const noexcept { return busy() ? fd_ : -1; }
  short wanted_events() const noexcept { return busy() && fd_ >= 0 ? want_ : static_cast<short>(0); }

  /// HTTP status after done (0 before).
  int status() const noexcept { return phase_ == phase::done ? status_ : 0; }

  /// A response header (name case-insensitive; the first if repeated), with surrounding blanks
  /// trimmed; empty when absent. Valid until the next start() or configure().
  std::string_view header(std::string_view name) const noexcept {
    return phase_ == phase::done ? find_header(name) : std::string_view();
  }

  /// Why the last configure(), start() or request failed ("" when it did not).
  const char* error() const noexcept { return err_; }

  /// Closes the connection; back to idle (configure()'s result is kept).
  void abort() noexcept {
    close_socket();
    phase_ = phase::idle;
  }

  /// In a fork()'s child: drops the connection without a byte on it. The socket is the parent's
  /// too, so a TLS close_notify (abort()) would end the parent's request; closing the child's
  /// descriptor does not.
  void forget_connection() noexcept {
#if SENTRY_TRACE_WITH_MBEDTLS
    if (tls_active_) {
      mbedtls_ssl_session_reset(&ssl_);  // memory only: no I/O
      tls_active_ = false;
    }
#endif
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    want_ = 0;
    phase_ = phase::idle;
  }

 private:
  std::string_view find_header(std::string_view name) const noexcept {
    if (head_len_ == 0) return {};
    std::string_view head(resp_, head_len_);
    std::size_t pos = head.find('\n');
    while (pos != std::string_view::npos && pos + 1 < head.size()) {
      std::size_t start = pos + 1;
      std::size_t end = head.find('\n', start);
      if (end == std::string_view::npos) end = head.size();
      std::string_view line = head.substr(start, end - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      std::size_t colon = line.find(':');
      if (colon != std::string_view::npos && iequals(line.substr(0, colon), name)) {
        return trim(line.substr(colon + 1), is_ows);
      }
      pos = end;
    }
    return {};
  }

  enum class phase : std::uint8_t {
    idle, connecting, tunnel_send, tunnel_recv, handshake, sending, recv_head, recv_body, done, failed
  };
  enum class body_mode : std::uint8_t { none, length, chunked, until_close };
  enum class chunk_state : std::uint8_t { size, extension, data, data_end, trailer_start, trailer_line };

  bool busy() const noexcept { return phase_ != phase::idle && phase_ != phase::done && phase_ != phase::failed; }

  bool set_error(const char* why) noexcept {
    std::snprintf(err_, sizeof err_, "%s", why);
    return false;
  }
  // ---- step()'s phases: each returns true to go on (its phase moved, or may move, on), or
  // false with step()'s result in `out`.

  static bool stop(http_result& out, http_result r) noexcept {
    out = r;
    return false;
  }

  /// The non-blocking connect finished, failed (next address) or timed out.
  bool step_connect(std::uint64_t now_ms, http_result& out) noexcept {
    pollfd p{fd_, POLLOUT, 0};
    int r = ::poll(&p, 1, 0);
    if (r <= 0) {
      if (now_ms < deadline_) return stop(out, wait(POLLOUT));
      note_connect_error(ETIMEDOUT);
      close_socket();
      connect_next(now_ms);
      return true;
    }
    int so_error = 0;
    socklen_t so_len = sizeof so_error;
    if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &so_error, &so_len) != 0) so_error = errno;
    if (so_error != 0) {
      note_connect_error(so_error);
      close_socket();
      connect_next(now_ms);
      return true;
    }
    after_connect(now_ms);
    return true;
  }

  /// Sends the proxy's CONNECT request.
  bool step_tunnel_send(std::uint64_t now_ms, http_result& out) noexcept {
    while (tunnel_off_ < tunnel_len_) {
      long s = io_send(tunnel_ + tunnel_off_, tunnel_len_ - tunnel_off_);
      if (s < 0) return stop(out, fail_now());
      if (s == 0) return stop(out, now_ms < deadline_ ? http_result::in_progress : fail_now("timeout"));
      tunnel_off_ += static_cast<std::size_t>(s);
    }
    phase_ = phase::tunnel_recv;
    deadline_ = now_ms + io_timeout_ms_;
    return true;
  }

  /// Reads the proxy's answer to CONNECT; a 2xx opens the tunnel for the TLS handshake.
  bool step_tunnel_recv(std::uint64_t now_ms, http_result& out) noexcept {
    int h = receive_head(now_ms);
    if (h <= 0) return stop(out, h < 0 ? http_result::failed : http_result::in_progress);
    if (status_ < 200 || status_ > 299) {
      char why[64];
      std::snprintf(why, sizeof why, "proxy: CONNECT answered %d", status_);
      return stop(out, fail_now(why));
    }
    status_ = 0;
    resp_len_ = 0;
    head_len_ = 0;
#if SENTRY_TRACE_WITH_MBEDTLS
    phase_ = phase::handshake;
    tls_active_ = true;
    deadline_ = now_ms + io_timeout_ms_;
    return true;
#else
    return stop(out, fail_now("https needs SENTRY_TRACE_WITH_MBEDTLS"));
#endif
  }

  /// Advances the TLS handshake.
  bool step_handshake(std::uint64_t now_ms, http_result& out) noexcept {
#if SENTRY_TRACE_WITH_MBEDTLS
    int r = mbedtls_ssl_handshake(&ssl_);
    if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE) {
      if (now_ms >= deadline_) return stop(out, fail_now("timeout"));
      return stop(out, wait(r == MBEDTLS_ERR_SSL_WANT_READ ? POLLIN : POLLOUT));
    }
    if (r != 0) {
      tls_error(r);
      return stop(out, fail_now());
    }
    phase_ = phase::sending;
    deadline_ = now_ms + io_timeout_ms_;
    return true;
#else
    (void)now_ms;
    return stop(out, fail_now("https needs SENTRY_TRACE_WITH_MBEDTLS"));
#endif
  }

  /// Sends the request's segments (head, then body); each byte sent extends the deadline.
  bool step_send(std::uint64_t now_ms, http_result& out) noexcept {
    while (seg_index_ < seg_count_) {
      std::string_view seg = seg_[seg_index_];
      if (seg_off_ >= seg.size()) {
        ++seg_index_;
        seg_off_ = 0;
        continue;
      }
      long s = io_send(seg.data() + seg_off_, seg.size() - seg_off_);
      if (s < 0) return stop(out, fail_now());
      if (s == 0) return stop(out, now_ms < deadline_ ? http_result::in_progress : fail_now("timeout"));
      seg_off_ += static_cast<std::size_t>(s);
      deadline_ = now_ms + io_timeout_ms_;  // progress: a slow link is not a dead one
    }
    phase_ = phase::recv_head;
    deadline_ = now_ms + io_timeout_ms_;
    want_ = POLLIN;
    return true;
  }

  /// Reads the response head, skipping interim (1xx) ones, and sets up reading the body.
  bool step_recv_head(std::uint64_t now_ms, http_result& out) noexcept {
    int h = receive_head(now_ms);
    if (h <= 0) return stop(out, h < 0 ? http_result::failed : http_result::in_progress);
    if (status_ >= 100 && status_ < 200) {
      if (status_ == 101) return stop(out, fail_now("bad response"));
      // An interim reply (100 Continue): drop its head and read the real one.
      std::memmove(resp_, resp_ + head_len_, resp_len_ - head_len_);
      resp_len_ -= head_len_;
      head_len_ = 0;
      status_ = 0;
      return true;
    }
    begin_body();
    std::size_t extra = resp_len_ - head_len_;
    if (body_mode_ == body_mode::none || (extra > 0 && consume_body(resp_ + head_len_, extra)))
      return stop(out, finish());
    phase_ = phase::recv_body;
    deadline_ = now_ms + io_timeout_ms_;
    return true;
  }

  /// Reads and discards the body, up to 16 reads a step.
  bool step_recv_body(std::uint64_t now_ms, http_result& out) noexcept {
    for (int reads = 0; reads < 16; ++reads) {
      long r = io_recv(scratch_, sizeof scratch_);
      if (r == 0) return stop(out, now_ms < deadline_ ? http_result::in_progress : finish());
      if (r < 0) return stop(out, finish());  // end of stream, reset or error: the head is all we need
      if (consume_body(scratch_, static_cast<std::size_t>(r))) return stop(out, finish());
    }
    return stop(out, http_result::in_progress);  // more to read: leave the rest for the next step
  }

  http_result fail_now(const char* why = nullptr) noexcept {
    if (why) set_error(why);
    if (err_[0] == '\0') set_error("failed");
    close_socket();
    phase_ = phase::failed;
    return http_result::failed;
  }
  http_result finish() noexcept {
    close_socket();
    phase_ = phase::done;
    return http_result::done;
  }
  http_result wait(short events) noexcept {
    want_ = events;
    return http_result::in_progress;
  }
  long would_block(short events) noexcept {
    want_ = events;
    return 0;
  }
  long io_failed(const char* why) noexcept {
    set_error(why);
    return -1;
  }
  int head_failed(const char* why) noexcept {
    fail_now(why);
    return -1;
  }
  bool read_until_close() noexcept {
    body_mode_ = body_mode::until_close;  // broken or oversized framing: wait for the close
    return false;
  }

  void format_host_port(char* out, std::size_t size, bool with_port) const noexcept {
    bool v6 = std::strchr(target_.host, ':') != nullptr;
    if (with_port)
      std::snprintf(out, size, v6 ? "[%s]:%u" : "%s:%u", target_.host, static_cast<unsigned>(target_.port));
    else
      std::snprintf(out, size, v6 ? "[%s]" : "%s", target_.host);
  }

  void note_connect_error(int e) noexcept {
    if (e == ECONNREFUSED) set_error("connect refused");
    else if (e == ETIMEDOUT) set_error("connect timeout");
    else if (e == ENETUNREACH || e == EHOSTUNREACH || e == EADDRNOTAVAIL || e == EAFNOSUPPORT)
      set_error("connect unreachable");
    else std::snprintf(err_, sizeof err_, "connect failed (errno %d)", e);
  }

  /// Opens a socket to the next address and starts connecting; failed when none is left.
  void connect_next(std::uint64_t now_ms) noexcept {
    while (addr_next_ < addrs_.count) {
      int i = addr_next_++;
      const auto* sa = reinterpret_cast<const sockaddr*>(&addrs_.addrs[i]);
      int fd = ::socket(sa->sa_family, SOCK_STREAM, 0);
      if (fd < 0) {
        note_connect_error(errno);
        continue;
      }
      int flags = ::fcntl(fd, F_GETFL, 0);
      ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
      ::fcntl(fd, F_SETFD, FD_CLOEXEC);
      int one = 1;
      // The request goes out as two or three writes; without this, Nagle's algorithm and the
      // server's delayed ACK can hold the last one back for up to 200 ms.
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
#if defined(SO_NOSIGPIPE)
      ::setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
      int r;
      do r = ::connect(fd, sa, addrs_.lens[i]);
      while (r != 0 && errno == EINTR);
      fd_ = fd;
      if (r == 0) {
        after_connect(now_ms);
        return;
      }
      if (errno == EINPROGRESS) {
        phase_ = phase::connecting;
        want_ = POLLOUT;
        deadline_ = now_ms + connect_timeout_ms_;
        return;
      }
      note_connect_error(errno);
      close_socket();
    }
    fail_now();
  }

  void after_connect(std::uint64_t now_ms) noexcept {
    deadline_ = now_ms + io_timeout_ms_;
    want_ = POLLOUT;
    if (via_proxy_ && target_.tls) {
      phase_ = phase::tunnel_send;
    } else if (target_.tls) {
#if SENTRY_TRACE_WITH_MBEDTLS
      phase_ = phase::handshake;
      tls_active_ = true;
#else
      fail_now("https needs SENTRY_TRACE_WITH_MBEDTLS");
#endif
    } else {
      phase_ = phase::sending;
    }
  }

  void close_socket() noexcept {
#if SENTRY_TRACE_WITH_MBEDTLS
    if (tls_active_) {
      if (fd_ >= 0) mbedtls_ssl_close_notify(&ssl_);  // best effort; the socket closes anyway
      mbedtls_ssl_session_reset(&ssl_);
      tls_active_ = false;
    }
#endif
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    want_ = 0;
  }

  static int send_flags() noexcept {
#if defined(MSG_NOSIGNAL)
    return MSG_NOSIGNAL;  // a reset peer must not kill the program with SIGPIPE
#else
    return 0;  // SO_NOSIGPIPE is set on the socket instead
#endif
  }

  /// Bytes sent (> 0), 0 when the socket would block (want_ set), -1 on failure (err_ set).
  long io_send(const char* p, std::size_t n) noexcept {
    if (n > INT_MAX) n = INT_MAX;
#if SENTRY_TRACE_WITH_MBEDTLS
    if (tls_active_) {
      int r = mbedtls_ssl_write(&ssl_, reinterpret_cast<const unsigned char*>(p), n);
      if (r > 0) return r;
      if (r == MBEDTLS_ERR_SSL_WANT_WRITE || r == 0) return would_block(POLLOUT);
      if (r == MBEDTLS_ERR_SSL_WANT_READ) return would_block(POLLIN);
      tls_error(r);
      return -1;
    }
#endif
    for (;;) {
      ssize_t r = ::send(fd_, p, n, send_flags());
      if (r >= 0) {
        if (r == 0) return would_block(POLLOUT);
        return static_cast<long>(r);
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return would_block(POLLOUT);
      if (errno == EPIPE || errno == ECONNRESET) return io_failed("connection reset");
      std::snprintf(err_, sizeof err_, "send failed (errno %d)", errno);
      return -1;
    }
  }

  /// Bytes received (> 0), 0 when the socket would block (want_ set), -2 at the end of the
  /// stream, -1 on failure (err_ set).
  long io_recv(char* p, std::size_t n) noexcept {
    if (n > INT_MAX) n = INT_MAX;
#if SENTRY_TRACE_WITH_MBEDTLS
    if (tls_active_) {
      int r = mbedtls_ssl_read(&ssl_, reinterpret_cast<unsigned char*>(p), n);
      if (r > 0) return r;
      if (r == 0 || r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) return -2;
      if (r == MBEDTLS_ERR_SSL_WANT_READ) return would_block(POLLIN);
      if (r == MBEDTLS_ERR_SSL_WANT_WRITE) return would_block(POLLOUT);
      tls_error(r);
      return -1;
    }
#endif
    for (;;) {
      ssize_t r = ::recv(fd_, p, n, 0);
      if (r > 0) return static_cast<long>(r);
      if (r == 0) return -2;
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return would_block(POLLIN);
      if (errno == ECONNRESET) return io_failed("connection reset");
      std::snprintf(err_, sizeof err_, "receive failed (errno %d)", errno);
      return -1;
    }
  }

  /// Reads until a whole response head is in resp_: 1 parsed (status_, head_len_ set),
  /// 0 not yet (in progress), -1 failed (phase_ is failed).
  int receive_head(std::uint64_t now_ms) noexcept {
    for (;;) {
      if (resp_len_ > 0) {
        int p = parse_head();
        if (p > 0) return 1;
        if (p < 0) return head_failed("bad response");
        if (resp_len_ == sizeof resp_) return head_failed("bad response");  // head over 8 KiB
      }
      long r = io_recv(resp_ + resp_len_, sizeof resp_ - resp_len_);
      if (r == 0) {
        if (now_ms >= deadline_) return head_failed("timeout");
        return 0;
      }
      if (r == -2) return head_failed(resp_len_ == 0 ? "connection closed" : "bad response");
      if (r < 0) return head_failed(nullptr);
      resp_len_ += static_cast<std::size_t>(r);
    }
  }

  /// Checks resp_[0, resp_len_) for a response head: 1 complete and valid, 0 incomplete (so
  /// far valid), -1 not HTTP. Garbage is refused as soon as its first bytes show it, so a
  /// server speaking something else fails at once instead of at the timeout.
  int parse_head() noexcept {
    static constexpr char prefix[] = "HTTP/1.";
    std::size_t check = resp_len_ < 7 ? resp_len_ : 7;
    if (std::memcmp(resp_, prefix, check) != 0) return -1;
    std::size_t end = 0;
    for (std::size_t i = 0; i < resp_len_ && end == 0; ++i) {
      if (resp_[i] != '\n') continue;
      if (i + 1 < resp_len_ && resp_[i + 1] == '\n') end = i + 2;
      else if (i + 2 < resp_len_ && resp_[i + 1] == '\r' && resp_[i + 2] == '\n') end = i + 3;
    }
    if (end == 0) return 0;
    std::string_view head(resp_, end);
    // Status line: HTTP/1.x NNN[ reason]
    if (head.size() < 12 || !is_digit(head[7]) || head[8] != ' ' || !is_digit(head[9]) ||
        !is_digit(head[10]) || !is_digit(head[11]))
      return -1;
    if (head.size() > 12 && head[12] != ' ' && head[12] != '\r' && head[12] != '\n') return -1;
    int status = (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0');
    if (status < 100 || status > 599) return -1;
    std::size_t pos = head.find('\n');
    for (std::size_t i = 0; i < pos; ++i) {
      auto u = static_cast<unsigned char>(head[i]);
      if ((u < 0x20 && u != '\t' && u != '\r') || u == 0x7f) return -1;
    }
    // Header lines: name ':' value, no control bytes but tab; no obsolete line folding.
    while (pos + 1 < head.size()) {
      std::size_t start = pos + 1;
      std::size_t next = head.find('\n', start);
      std::string_view line = head.substr(start, next - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) break;
      std::size_t colon = line.find(':');
      if (colon == std::string_view::npos || colon == 0) return -1;
      for (std::size_t i = 0; i < line.size(); ++i) {
        auto u = static_cast<unsigned char>(line[i]);
        if (i < colon && (u <= 0x20 || u >= 0x7f)) return -1;
        if (i > colon && ((u < 0x20 && u != '\t') || u == 0x7f)) return -1;
      }
      pos = next;
    }
    status_ = status;
    head_len_ = end;
    return 1;
  }

  /// Decides how the body ends, from the status and the framing headers.
  void begin_body() noexcept {
    std::string_view te = find_header("Transfer-Encoding");
    std::string_view cl = find_header("Content-Length");
    body_left_ = 0;
    chunk_state_ = chunk_state::size;
    chunk_left_ = 0;
    if (status_ == 204 || status_ == 304) {
      body_mode_ = body_mode::none;
      return;
    }
    if (contains_ignore_case(te, "chunked")) {
      body_mode_ = body_mode::chunked;
      return;
    }
    if (!cl.empty()) {
      std::uint64_t v = 0;
      if (parse_unsigned<std::uint64_t>(cl, UINT64_MAX, v)) {
        body_left_ = v;
        body_mode_ = v == 0 ? body_mode::none : body_mode::length;
        return;
      }
    }
    body_mode_ = body_mode::until_close;  // no usable framing: read until the server closes
  }

  /// Discards body bytes; true once the body is complete.
  bool consume_body(const char* p, std::size_t n) noexcept {
    if (body_mode_ == body_mode::none) return true;
    if (body_mode_ == body_mode::until_close) return false;
    if (body_mode_ == body_mode::length) {
      if (n >= body_left_) {
        body_left_ = 0;
        return true;
      }
      body_left_ -= n;
      return false;
    }
    // Chunked: only the framing is followed, to see the last chunk without waiting for close.
    for (std::size_t i = 0; i < n;) {
      char c = p[i];
      switch (chunk_state_) {
        case chunk_state::size: {
          int h = hex_value(c);
          if (h >= 0) {
            if (chunk_left_ > (UINT64_MAX >> 4)) return read_until_close();
            chunk_left_ = chunk_left_ * 16 + static_cast<std::uint64_t>(h);
          } else if (c == ';' || c == ' ' || c == '\t') {
            chunk_state_ = chunk_state::extension;
          } else if (c == '\n') {
            chunk_state_ = chunk_left_ == 0 ? chunk_state::trailer_start : chunk_state::data;
          } else if (c != '\r') {
            return read_until_close();  // broken framing: wait for close
          }
          ++i;
          break;
        }
        case chunk_state::extension:
          if (c == '\n') chunk_state_ = chunk_left_ == 0 ? chunk_state::trailer_start : chunk_state::data;
          ++i;
          break;
        case chunk_state::data: {
          std::uint64_t take = n - i < chunk_left_ ? n - i : chunk_left_;
          i += static_cast<std::size_t>(take);
          chunk_left_ -= take;
          if (chunk_left_ == 0) chunk_state_ = chunk_state::data_end;
          break;
        }
        case chunk_state::data_end:
          if (c == '\n') chunk_state_ = chunk_state::size;
          else if (c != '\r') return read_until_close();
          ++i;
          break;
        case chunk_state::trailer_start:
          if (c == '\n') return true;
          if (c != '\r') chunk_state_ = chunk_state::trailer_line;
          ++i;
          break;
        case chunk_state::trailer_line:
          if (c == '\n') chunk_state_ = chunk_state::trailer_start;
          ++i;
          break;
      }
    }
    return false;
  }

#if SENTRY_TRACE_WITH_MBEDTLS
  void tls_init() noexcept {
    mbedtls_ssl_init(&ssl_);
    mbedtls_ssl_config_init(&conf_);
    mbedtls_x509_crt_init(&ca_);
    mbedtls_entropy_init(&entropy_);
    mbedtls_ctr_drbg_init(&drbg_);
  }
  void tls_free() noexcept {
    mbedtls_ssl_free(&ssl_);
    mbedtls_ssl_config_free(&conf_);
    mbedtls_x509_crt_free(&ca_);
    mbedtls_ctr_drbg_free(&drbg_);
    mbedtls_entropy_free(&entropy_);
  }

  bool tls_configure(const http_client_config& cfg) noexcept {
    tls_free();
    tls_init();
    static constexpr char personal[] = "sentry_trace http_client";
    if (mbedtls_ctr_drbg_seed(&drbg_, mbedtls_entropy_func, &entropy_,
                              reinterpret_cast<const unsigned char*>(personal), sizeof personal - 1) != 0)
      return set_error("tls: cannot seed the random generator");
    if (cfg.verify_peer) {
      char path[512];
      if (!cfg.ca_file.empty()) {
        if (cfg.ca_file.size() >= sizeof path) return set_error("tls: ca_file path too long");
        std::memcpy(path, cfg.ca_file.data(), cfg.ca_file.size());
        path[cfg.ca_file.size()] = '\0';
        // > 0 means some certificates in the bundle were skipped; the rest still count.
        if (mbedtls_x509_crt_parse_file(&ca_, path) < 0 || ca_.version == 0)
          return set_error("tls: cannot load ca_file");
      } else {
        // Debian/Ubuntu/Alpine, Fedora/RHEL, macOS/BSD.
        static const char* const bundles[] = {"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
                                              "/etc/ssl/cert.pem"};
        bool loaded = false;
        for (const char* b : bundles) {
          if (mbedtls_x509_crt_parse_file(&ca_, b) >= 0 && ca_.version != 0) {
            loaded = true;
            break;
          }
          mbedtls_x509_crt_free(&ca_);
          mbedtls_x509_crt_init(&ca_);
        }
        if (!loaded) return set_error("tls: no system CA bundle (set ca_file)");
      }
    }
    if (mbedtls_ssl_config_defaults(&conf_, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT) != 0)
      return set_error("tls: config failed");
    mbedtls_ssl_conf_authmode(&conf_, cfg.verify_peer ? MBEDTLS_SSL_VERIFY_REQUIRED : MBEDTLS_SSL_VERIFY_NONE);
    mbedtls_ssl_conf_ca_chain(&conf_, &ca_, nullptr);
    mbedtls_ssl_conf_rng(&conf_, mbedtls_ctr_drbg_random, &drbg_);
    if (mbedtls_ssl_setup(&ssl_, &conf_) != 0) return set_error("tls: setup failed");
    // SNI and the name the certificate must carry: always the target, also through a proxy.
    if (mbedtls_ssl_set_hostname(&ssl_, target_.host) != 0) return set_error("tls: bad host name");
    mbedtls_ssl_set_bio(&ssl_, this, &http_client::bio_send, &http_client::bio_recv, nullptr);
    return true;
  }

  static int bio_send(void* ctx, const unsigned char* buf, std::size_t len) noexcept {
    auto* self = static_cast<http_client*>(ctx);
    if (len > INT_MAX) len = INT_MAX;
    for (;;) {
      ssize_t r = ::send(self->fd_, buf, len, send_flags());
      if (r >= 0) return static_cast<int>(r);
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return MBEDTLS_ERR_SSL_WANT_WRITE;
      if (errno == EPIPE || errno == ECONNRESET) return MBEDTLS_ERR_NET_CONN_RESET;
      return MBEDTLS_ERR_NET_SEND_FAILED;
    }
  }
  static int bio_recv(void* ctx, unsigned char* buf, std::size_t len) noexcept {
    auto* self = static_cast<http_client*>(ctx);
    if (len > INT_MAX) len = INT_MAX;
    for (;;) {
      ssize_t r = ::recv(self->fd_, buf, len, 0);
      if (r >= 0) return static_cast<int>(r);
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return MBEDTLS_ERR_SSL_WANT_READ;
      if (errno == ECONNRESET) return MBEDTLS_ERR_NET_CONN_RESET;
      return MBEDTLS_ERR_NET_RECV_FAILED;
    }
  }

  void tls_error(int r) noexcept {
    if (r == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
      std::uint32_t flags = mbedtls_ssl_get_verify_result(&ssl_);
      const char* why = (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) ? "not trusted"
                        : (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) ? "host name mismatch"
                        : (flags & MBEDTLS_X509_BADCERT_EXPIRED)     ? "expired"
                        : (flags & MBEDTLS_X509_BADCERT_FUTURE)      ? "not yet valid"
                                                                     : "rejected";
      std::snprintf(err_, sizeof err_, "tls: certificate verify failed (%s)", why);
    } else if (r == MBEDTLS_ERR_NET_CONN_RESET) {
      set_error("connection reset");
    } else if (r == MBEDTLS_ERR_SSL_CONN_EOF) {
      set_error("tls: connection closed during handshake");
    } else {
      char text[96];
      mbedtls_strerror(r, text, sizeof text);
      std::snprintf(err_, sizeof err_, "tls: handshake failed: %s (-0x%04x)", text, static_cast<unsigned>(-r));
    }
  }

  mbedtls_ssl_context ssl_;
  mbedtls_ssl_config conf_;
  mbedtls_x509_crt ca_;
  mbedtls_entropy_context entropy_;
  mbedtls_ctr_drbg_context drbg_;
  bool tls_active_ = false;
#endif

  http_url target_;
  address_list addrs_{};
  char lookup_host_[sizeof(http_url::host)] = {};
  std::uint16_t lookup_port_ = 0;
  bool prepared_ = false;
  int addr_next_ = 0;
  bool configured_ = false;
  bool via_proxy_ = false;
  std::uint32_t connect_timeout_ms_ = 3000;
  std::uint32_t io_timeout_ms_ = 5000;

  phase phase_ = phase::idle;
  int fd_ = -1;
  short want_ = 0;
  std::uint64_t deadline_ = 0;

  char req_[4096] = {};
  std::string_view seg_[4];
  int seg_count_ = 0;
  int seg_index_ = 0;
  std::size_t seg_off_ = 0;
  char tunnel_[600] = {};
  std::size_t tunnel_len_ = 0;
  std::size_t tunnel_off_ = 0;

  char resp_[8192] = {};
  std::size_t resp_len_ = 0;
  std::size_t head_len_ = 0;
  int status_ = 0;
  body_mode body_mode_ = body_mode::none;
  chunk_state chunk_state_ = chunk_state::size;
  std::uint64_t body_left_ = 0;
  std::uint64_t chunk_left_ = 0;
  char scratch_[4096] = {};
  char err_[160] = {};
};

} // namespace detail
SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_HOSTED && POSIX
#endif // SENTRY_TRACE_HTTP_CLIENT_HPP
