// sentry_trace/dsn.hpp -- parsing a Sentry DSN into its parts
//
// WHAT IT DOES  Splits `{scheme}://{public_key}[:{secret}]@{host}[:{port}][{path}]/{project_id}`
//               (PROTOCOL.md §1) into views of the caller's string, derives the org id from a
//               host of the form `o<digits>.…`, and builds the envelope endpoint.
// DOES NOT      allocate or copy: the parts are views into the string passed to parse(), which
//               must outlive them (core/state.hpp keeps its own copy).
// ERRORS        parse() returns a dsn_error naming the first problem; to_string() describes it.
//               The user info ends at the last '@' before the path, as URL parsers split it; the
//               key and secret may hold only A-Z a-z 0-9 - . _ ~ (they are written into
//               X-Sentry-Auth, where `,` or `=` would add parameters), so a second '@' is refused
//               as a bad key. `?` and `#` have their own error. Slashes before the project id are
//               not kept in the path ("/a//42" has path "/a").
// SPEC          https://develop.sentry.dev/sdk/foundations/transport/authentication/

#ifndef SENTRY_TRACE_DSN_HPP
#define SENTRY_TRACE_DSN_HPP

#include "../config.hpp"
#include "text.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

/// Why a DSN was rejected.
enum class dsn_error : std::uint8_t {
  none,
  empty,
  bad_scheme,          ///< not http:// or https://
  missing_public_key,  ///< no `key@`
  missing_host,
  bad_port,            ///< not 1-65535
  missing_project_id,  ///< no last path segment
  bad_project_id,      ///< last path segment is not all digits
  bad_character,       ///< whitespace or a control character
  query_or_fragment,   ///< a `?` or `#`: not part of a DSN
  bad_public_key,      ///< the key holds a byte other than A-Z a-z 0-9 - . _ ~ (an `@` too)
  bad_secret,          ///< the secret holds a byte other than A-Z a-z 0-9 - . _ ~
  bad_host,            ///< the host holds a byte a host name or IPv6 literal cannot hold
};

/// What is wrong, in a sentence; with SENTRY_TRACE_LOG_TEXT=0 the enumerator's name (less flash).
constexpr const char* to_string(dsn_error e) noexcept {
#if !SENTRY_TRACE_LOG_TEXT
  constexpr const char* names[] = {"ok", "empty", "bad_scheme", "missing_public_key", "missing_host", "bad_port",
                                   "missing_project_id", "bad_project_id", "bad_character", "query_or_fragment",
                                   "bad_public_key", "bad_secret", "bad_host"};
  return static_cast<std::size_t>(e) < sizeof(names) / sizeof(names[0]) ? names[static_cast<std::size_t>(e)] : "invalid";
#endif
  switch (e) {
    case dsn_error::none: return "ok";
    case dsn_error::empty: return "the DSN is empty";
    case dsn_error::bad_scheme: return "the DSN's scheme must be http or https";
    case dsn_error::missing_public_key: return "the DSN has no public key (expected scheme://KEY@host/PROJECT)";
    case dsn_error::missing_host: return "the DSN has no host";
    case dsn_error::bad_port: return "the DSN's port is not a number from 1 to 65535";
    case dsn_error::missing_project_id: return "the DSN has no project id (expected .../PROJECT_ID at the end)";
    case dsn_error::bad_project_id: return "the DSN's project id must be digits only";
    case dsn_error::bad_character: return "the DSN contains whitespace or a control character";
    case dsn_error::query_or_fragment: return "the DSN must not contain a query (?) or a fragment (#)";
    case dsn_error::bad_public_key:
      return "the DSN's public key may hold only letters, digits and - . _ ~ (is there a second @?)";
    case dsn_error::bad_secret: return "the DSN's secret may hold only letters, digits and - . _ ~";
    case dsn_error::bad_host:
      return "the DSN's host may hold only letters, digits and - . _ (or hex digits, : and . inside [ ])";
  }
  return "invalid DSN";
}

/// The parts of a DSN, as views into the parsed string.
struct dsn {
  std::string_view scheme;      ///< "http" or "https"
  std::string_view public_key;
  std::string_view secret;      ///< deprecated; usually empty
  std::string_view host;        ///< without brackets for an IPv6 literal
  std::uint16_t port = 0;       ///< explicit or the scheme's default (80 / 443)
  bool port_explicit = false;
  std::string_view path;        ///< between host and project id, "" or "/a/b" (no trailing slash)
  std::string_view project_id;
  std::string_view org_id;      ///< digits of a host `o<digits>.…`, else empty

  /// Parses `text`; on failure returns the error and leaves `out` unchanged.
  static dsn_error parse(std::string_view text, dsn& out) noexcept;
};

// ------------------------------------------------------------------------------------------------
namespace detail {
/// A host the HTTP client can connect to (http_client.hpp accepts the same): a name of letters,
/// digits, `-`, `.` and `_`, or an IPv6 literal of hex digits, `:` and `.`. Checked here so that a
/// DSN naming anything else is refused with its own error rather than failing every send.
constexpr bool dsn_host_chars(std::string_view host, bool ipv6) noexcept {
  for (char c : host) {
    const bool ok = ipv6 ? hex_value(c) >= 0 || c == ':' || c == '.'
                         : (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                               c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

/// The key and secret go into the X-Sentry-Auth header as `sentry_key=KEY, sentry_secret=...`;
/// a `,`, `=`, `@`, quote or non-ASCII byte there would add or break parameters, so only URL
/// "unreserved" characters are taken (Sentry's keys are 32 hex digits).
constexpr bool dsn_credential_chars(std::string_view s) noexcept {
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '.' || c == '_' || c == '~';
    if (!ok) return false;
  }
  return true;
}
} // namespace detail

// Positions into `text` rather than std::string_view's find/substr: the same checks in the same
// order, in about half the code (no range checks, no general substring search).
inline dsn_error dsn::parse(std::string_view text, dsn& out) noexcept {
  if (text.empty()) return dsn_error::empty;
  const char* const s = text.data();
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n; ++i)
    if (static_cast<unsigned char>(s[i]) <= 0x20 || s[i] == 0x7f) return dsn_error::bad_character;
  auto part = [s](std::size_t from, std::size_t to) { return std::string_view(s + from, to - from); };
  // The first `c` in [from, to), or `to`.
  auto first = [s](char c, std::size_t from, std::size_t to) {
    while (from < to && s[from] != c) ++from;
    return from;
  };
  dsn d;
  std::size_t sep = 0;  // the first "://"
  while (sep + 3 <= n && !(s[sep] == ':' && s[sep + 1] == '/' && s[sep + 2] == '/')) ++sep;
  if (sep + 3 > n) return dsn_error::bad_scheme;
  d.scheme = part(0, sep);
  if (d.scheme != "http" && d.scheme != "https") return dsn_error::bad_scheme;
  const std::size_t rest = sep + 3;
  // Query strings and fragments are not part of a DSN; refuse rather than guess.
  if (first('?', rest, n) != n || first('#', rest, n) != n) return dsn_error::query_or_fragment;
  // The authority ends at the first '/'; within it the user info ends at the LAST '@', as URL
  // parsers split it, so an '@' can never end up in the host. One left in the user info is
  // refused by the key check below.
  std::size_t at = first('/', rest, n);
  while (at > rest && s[at - 1] != '@') --at;
  if (at == rest) return dsn_error::missing_public_key;
  --at;  // on the '@'
  const std::size_t colon = first(':', rest, at);
  d.public_key = part(rest, colon);
  if (colon != at) d.secret = part(colon + 1, at);
  if (d.public_key.empty()) return dsn_error::missing_public_key;
  if (!detail::dsn_credential_chars(d.public_key)) return dsn_error::bad_public_key;
  if (!detail::dsn_credential_chars(d.secret)) return dsn_error::bad_secret;
  const std::size_t host_at = at + 1;
  const std::size_t slash = first('/', host_at, n);  // host[:port] is [host_at, slash)
  std::string_view tail = part(slash, n);
  std::string_view port_text;
  const bool ipv6 = host_at < slash && s[host_at] == '[';
  if (ipv6) {
    const std::size_t close = first(']', host_at, slash);
    if (close == slash) return dsn_error::missing_host;
    d.host = part(host_at + 1, close);
    if (close + 1 < slash) {
      if (s[close + 1] != ':') return dsn_error::bad_port;
      port_text = part(close + 2, slash);
      d.port_explicit = true;
    }
  } else {
    const std::size_t pc = first(':', host_at, slash);
    d.host = part(host_at, pc);
    if (pc != slash) {
      port_text = part(pc + 1, slash);
      d.port_explicit = true;
    }
  }
  if (d.host.empty()) return dsn_error::missing_host;
  if (!detail::dsn_host_chars(d.host, ipv6)) return dsn_error::bad_host;
  if (d.port_explicit) {
    std::uint32_t p = 0;
    if (port_text.size() > 5 || !detail::parse_unsigned<std::uint32_t>(port_text, 65535, p) || p == 0)
      return dsn_error::bad_port;
    d.port = static_cast<std::uint16_t>(p);
  } else {
    d.port = d.scheme.size() == 5 ? 443 : 80;  // "https" : "http"
  }
  // `tail` is empty or starts with '/': the project id is its last segment.
  while (!tail.empty() && tail.back() == '/') tail.remove_suffix(1);
  std::size_t last = tail.size();
  while (last > 0 && tail[last - 1] != '/') --last;
  if (last == 0 || last >= tail.size()) return dsn_error::missing_project_id;
  d.project_id = tail.substr(last);
  if (!detail::all_digits(d.project_id)) return dsn_error::bad_project_id;
  d.path = std::string_view(tail.data(), last - 1);
  // "/a//42": the path is "/a", so the endpoint is /a/api/42/envelope/, not /a//api/...
  while (!d.path.empty() && d.path.back() == '/') d.path.remove_suffix(1);
  if (d.host.size() > 2 && d.host[0] == 'o') {
    const std::size_t dot = d.host.find('.');
    if (dot != std::string_view::npos && detail::all_digits(d.host.substr(1, dot - 1))) d.org_id = d.host.substr(1, dot - 1);
  }
  out = d;
  return dsn_error::none;
}

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_DSN_HPP
