// sentry_trace/integrations/redact.hpp -- what an HTTP integration may record of a URL or a header
//
// WHAT IT DOES  Splits a URL into scheme://[user-info@]host[:port]/path?query#fragment as views
//               of the caller's text (split_url, the same split as @sentry/core's parseUrl, RFC
//               3986 appendix B), and writes into fixed buffers on the caller's stack:
//                 sanitized_url   scheme://host/path as @sentry/core's getSanitizedUrlString:
//                                 user-info replaced by `[Filtered]:[Filtered]@` (whatever it
//                                 held), a :80 or :443 port dropped, no query, no fragment;
//                 span_name       `METHOD scheme://host/path`, the http.client span name;
//                 full_url        the sanitized URL with its ?query and #fragment, for `url.full`
//                                 only when should_send_default_pii() (the caller checks);
//               and filters header values: header_value() gives `[Filtered]` for a header whose
//               name contains auth, token, secret, password, key, cookie, session or csrf (ASCII,
//               any case), else the value.
// DOES NOT      allocate, decode percent-escapes, or validate a URL: what does not parse as
//               above keeps its text in the path (as the regex does). Written text is cut at the
//               buffer's size; text_buffer::truncated() says so.
// THREADS       Pure functions over the caller's buffers.
// ERRORS        None: a URL too long for the buffer is cut, and the cut is counted in the buffer.
//
// Shared by every HTTP integration (curl.hpp, httplib.hpp): one copy of these rules.

#ifndef SENTRY_TRACE_INTEGRATIONS_REDACT_HPP
#define SENTRY_TRACE_INTEGRATIONS_REDACT_HPP

#include <cstddef>
#include <cstring>
#include <string_view>

namespace sentry_trace {
namespace redact {

/// What replaces a secret (Sentry's data-scrubbing substitute, as sentry_sdk writes it).
inline constexpr std::string_view filtered = "[Filtered]";

/// The parts of a URL, viewing the caller's text. `query` keeps its '?' and `fragment` its '#'
/// (as @sentry/core's parseUrl `search` and `hash`); `host` is host[:port] without user-info.
struct url_parts {
  std::string_view scheme;     ///< "https" (no "://"); empty for a relative URL
  std::string_view user_info;  ///< "user:pass" (no '@'); empty when absent
  bool has_user_info = false;  ///< an '@' was present, even with nothing before it
  bool has_authority = false;  ///< a "//" authority was present
  std::string_view host;       ///< "example.com:8080", "[::1]:80"
  std::string_view hostname;   ///< "example.com", "::1" (brackets dropped)
  std::string_view port;       ///< "8080"; empty when absent
  std::string_view path;       ///< "/orders/7"; may be empty
  std::string_view query;      ///< "?a=1"; empty when absent
  std::string_view fragment;   ///< "#top"; empty when absent
};

namespace detail {
/// A loop, not set.find(c): that is a memchr() call for each byte of the URL.
constexpr bool is_one_of(char c, std::string_view set) noexcept {
  for (char x : set)
    if (x == c) return true;
  return false;
}

/// Index of the first character of `s` at or after `from` that is in `set`, else s.size().
constexpr std::size_t find_any(std::string_view s, std::string_view set, std::size_t from = 0) noexcept {
  for (std::size_t i = from; i < s.size(); ++i)
    if (is_one_of(s[i], set)) return i;
  return s.size();
}

/// Splits host[:port] into hostname and port; an IPv6 literal keeps its colons inside [...].
constexpr void split_host_port(url_parts& p) noexcept {
  std::string_view h = p.host;
  std::size_t colon = std::string_view::npos;
  if (!h.empty() && h.front() == '[') {
    std::size_t close = h.find(']');
    if (close != std::string_view::npos) {
      p.hostname = h.substr(1, close - 1);
      if (close + 1 < h.size() && h[close + 1] == ':') p.port = h.substr(close + 2);
      return;
    }
  }
  colon = h.rfind(':');
  if (colon == std::string_view::npos) {
    p.hostname = h;
    return;
  }
  p.hostname = h.substr(0, colon);
  p.port = h.substr(colon + 1);
}

constexpr char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

/// Whether `word` (lowercase) occurs in `text`, ASCII case-insensitively.
constexpr bool contains_word(std::string_view text, std::string_view word) noexcept {
  if (word.size() > text.size()) return false;
  for (std::size_t i = 0; i + word.size() <= text.size(); ++i) {
    std::size_t j = 0;
    while (j < word.size() && ascii_lower(text[i + j]) == word[j]) ++j;
    if (j == word.size()) return true;
  }
  return false;
}
}  // namespace detail

/// Splits `url` as ^(([^:/?#]+):)?(//([^/?#]*))?([^?#]*)(\?([^#]*))?(#(.*))?$ does, then the
/// authority at its last '@' into user-info and host (as getSanitizedUrlString's /^.*@/).
constexpr url_parts split_url(std::string_view url) noexcept {
  url_parts p;
  std::size_t at = 0;
  std::size_t scheme_end = detail::find_any(url, ":/?#");
  if (scheme_end > 0 && scheme_end < url.size() && url[scheme_end] == ':') {
    p.scheme = url.substr(0, scheme_end);
    at = scheme_end + 1;
  }
  if (url.substr(at, 2) == "//") {
    p.has_authority = true;
    std::size_t authority_end = detail::find_any(url, "/?#", at + 2);
    std::string_view authority = url.substr(at + 2, authority_end - at - 2);
    std::size_t last_at = authority.rfind('@');
    if (last_at != std::string_view::npos) {
      p.has_user_info = true;
      p.user_info = authority.substr(0, last_at);
      authority = authority.substr(last_at + 1);
    }
    p.host = authority;
    detail::split_host_port(p);
    at = authority_end;
  }
  std::size_t path_end = detail::find_any(url, "?#", at);
  p.path = url.substr(at, path_end - at);
  at = path_end;
  if (at < url.size() && url[at] == '?') {
    std::size_t query_end = detail::find_any(url, "#", at);
    p.query = url.substr(at, query_end - at);
    at = query_end;
  }
  if (at < url.size()) p.fragment = url.substr(at);
  return p;
}

/// A fixed buffer that text is appended to, cut at N bytes (truncated() counts what was cut).
/// Its bytes are left unwritten until appended to, so that one on the stack costs nothing.
template <std::size_t N> class text_buffer {
 public:
  void append(std::string_view s) noexcept {
    std::size_t room = N - size_;
    std::size_t n = s.size() < room ? s.size() : room;
    if (n) std::memcpy(data_ + size_, s.data(), n);
    size_ += n;
    truncated_ += s.size() - n;
  }
  void clear() noexcept { size_ = truncated_ = 0; }
  std::string_view view() const noexcept { return std::string_view(data_, size_); }
  /// Bytes that did not fit.
  std::size_t truncated() const noexcept { return truncated_; }
  static constexpr std::size_t capacity() noexcept { return N; }

 private:
  char data_[N];
  std::size_t size_ = 0;
  std::size_t truncated_ = 0;
};

/// The host as a span name shows it: the :80 and :443 ports dropped, as getSanitizedUrlString
/// does (whatever the scheme, as its regex does).
constexpr std::string_view host_without_default_port(std::string_view host) noexcept {
  for (std::string_view port : {std::string_view(":80"), std::string_view(":443")})
    if (host.size() >= port.size() && host.substr(host.size() - port.size()) == port)
      return host.substr(0, host.size() - port.size());
  return host;
}

/// scheme://host/path: user-info filtered, no query, no fragment (getSanitizedUrlString; as
/// there, a URL without a scheme is written host/path, and a relative one is its path).
template <std::size_t N> void append_sanitized_url(text_buffer<N>& out, const url_parts& p) noexcept {
  if (!p.scheme.empty()) {
    out.append(p.scheme);
    out.append("://");
  }
  if (p.has_user_info) {
    out.append(filtered);
    out.append(":");
    out.append(filtered);
    out.append("@");
  }
  out.append(host_without_default_port(p.host));
  out.append(p.path);
}

/// The sanitized URL with its query and fragment: only for data sent with send_default_pii.
template <std::size_t N> void append_full_url(text_buffer<N>& out, const url_parts& p) noexcept {
  append_sanitized_url(out, p);
  out.append(p.query);
  out.append(p.fragment);
}

/// `METHOD scheme://host/path`, the name of an http.client span.
template <std::size_t N>
void append_span_name(text_buffer<N>& out, std::string_view method, const url_parts& p) noexcept {
  out.append(method);
  out.append(" ");
  append_sanitized_url(out, p);
}

/// Whether a header's value must never be recorded: its name contains auth, token, secret,
/// password, key, cookie, session or csrf, in any ASCII case (Authorization, X-Api-Key,
/// Set-Cookie, X-CSRF-Token, Proxy-Authenticate...).
constexpr bool is_sensitive_header(std::string_view name) noexcept {
  for (std::string_view word : {"auth", "token", "secret", "password", "key", "cookie", "session", "csrf"})
    if (detail::contains_word(name, word)) return true;
  return false;
}

/// What may be recorded of a header's value: `[Filtered]` for a sensitive name, else the value.
constexpr std::string_view header_value(std::string_view name, std::string_view value) noexcept {
  return is_sensitive_header(name) ? filtered : value;
}

/// ASCII case-insensitive equality, for header names.
constexpr bool equals_ignore_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (detail::ascii_lower(a[i]) != detail::ascii_lower(b[i])) return false;
  return true;
}

}  // namespace redact
}  // namespace sentry_trace

#endif  // SENTRY_TRACE_INTEGRATIONS_REDACT_HPP
