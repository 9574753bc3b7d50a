// Tests for sentry_trace/integrations/redact.hpp, the URL and header rules every HTTP
// integration shares: the split of a URL (as @sentry/core's parseUrl), the span-name URL (as
// getSanitizedUrlString: user-info always filtered, :80/:443 dropped, no query or fragment), the
// full URL kept for send_default_pii, truncation, and the sensitive-header filter. Table-driven.

#include "../include/sentry_trace/integrations/redact.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace {

namespace rd = sentry_trace::redact;

struct split_case {
  std::string_view url, scheme, user_info, host, hostname, port, path, query, fragment;
};

const split_case split_cases[] = {
    {"https://example.com/orders/7?x=1#top", "https", "", "example.com", "example.com", "", "/orders/7", "?x=1", "#top"},
    {"http://user:pw@api.local:8080/v1", "http", "user:pw", "api.local:8080", "api.local", "8080", "/v1", "", ""},
    {"http://a@b@host/p", "http", "a@b", "host", "host", "", "/p", "", ""},
    {"http://[::1]:9000/x?q", "http", "", "[::1]:9000", "::1", "9000", "/x", "?q", ""},
    {"http://[::1]/x", "http", "", "[::1]", "::1", "", "/x", "", ""},
    {"https://example.com", "https", "", "example.com", "example.com", "", "", "", ""},
    {"https://example.com#frag?notquery", "https", "", "example.com", "example.com", "", "", "", "#frag?notquery"},
    {"/relative/path?x=1", "", "", "", "", "", "/relative/path", "?x=1", ""},
    {"", "", "", "", "", "", "", "", ""},
    {"http://@host/", "http", "", "host", "host", "", "/", "", ""},
};

TEST_CASE("split_url splits scheme, user-info, host, port, path, query and fragment") {
  for (const split_case& c : split_cases) {
    CAPTURE(c.url);
    rd::url_parts p = rd::split_url(c.url);
    CHECK(p.scheme == c.scheme);
    CHECK(p.user_info == c.user_info);
    CHECK(p.host == c.host);
    CHECK(p.hostname == c.hostname);
    CHECK(p.port == c.port);
    CHECK(p.path == c.path);
    CHECK(p.query == c.query);
    CHECK(p.fragment == c.fragment);
  }
  CHECK(rd::split_url("http://@host/").has_user_info);
  CHECK_FALSE(rd::split_url("http://host/").has_user_info);
}

struct name_case {
  std::string_view method, url, name, full;
};

const name_case name_cases[] = {
    {"GET", "https://example.com/orders/7?token=abc#top", "GET https://example.com/orders/7",
     "https://example.com/orders/7?token=abc#top"},
    {"POST", "http://alice:s3cret@api.local:8080/v1/pay", "POST http://[Filtered]:[Filtered]@api.local:8080/v1/pay",
     "http://[Filtered]:[Filtered]@api.local:8080/v1/pay"},
    {"GET", "http://alice@api.local/x?y", "GET http://[Filtered]:[Filtered]@api.local/x",
     "http://[Filtered]:[Filtered]@api.local/x?y"},
    {"GET", "http://example.com:80/a", "GET http://example.com/a", "http://example.com/a"},
    {"GET", "https://example.com:443/a", "GET https://example.com/a", "https://example.com/a"},
    {"GET", "https://example.com:8443/a", "GET https://example.com:8443/a", "https://example.com:8443/a"},
    {"GET", "http://127.0.0.1:4080", "GET http://127.0.0.1:4080", "http://127.0.0.1:4080"},
    {"DELETE", "/local/path?x=1", "DELETE /local/path", "/local/path?x=1"},
    {"GET", "//cdn.example.com/lib.js", "GET cdn.example.com/lib.js", "cdn.example.com/lib.js"},
};

TEST_CASE("span names never show user-info, query or fragment; the full URL keeps query and fragment only") {
  for (const name_case& c : name_cases) {
    CAPTURE(c.url);
    rd::url_parts p = rd::split_url(c.url);
    rd::text_buffer<256> name;
    rd::append_span_name(name, c.method, p);
    CHECK(name.view() == c.name);
    CHECK(name.truncated() == 0);
    rd::text_buffer<256> full;
    rd::append_full_url(full, p);
    CHECK(full.view() == c.full);
    CHECK(std::string(full.view()).find("s3cret") == std::string::npos);
    CHECK(std::string(full.view()).find("alice") == std::string::npos);
  }
}

TEST_CASE("a URL longer than the buffer is cut and the cut counted") {
  rd::text_buffer<16> out;
  rd::append_sanitized_url(out, rd::split_url("https://example.com/a/very/long/path"));
  CHECK(out.view() == "https://example.");
  CHECK(out.truncated() == std::string_view("https://example.com/a/very/long/path").size() - 16);
  out.clear();
  CHECK(out.view().empty());
  CHECK(out.truncated() == 0);
}

struct header_case {
  std::string_view name;
  bool sensitive;
};

const header_case header_cases[] = {
    {"Authorization", true},   {"Proxy-Authorization", true}, {"X-Auth-Token", true}, {"x-api-key", true},
    {"Cookie", true},          {"Set-Cookie", true},          {"X-CSRF-Token", true}, {"X-XSRF-TOKEN", true},
    {"X-Session-Id", true},    {"X-Client-Secret", true},     {"X-PASSWORD", true},   {"Keep-Alive", false},
    {"Content-Type", false},   {"Accept", false},             {"User-Agent", false},  {"X-Request-Id", false},
    {"sentry-trace", false},   {"baggage", false},            {"", false},
};

TEST_CASE("header values are filtered when the name says they hold a secret") {
  for (const header_case& c : header_cases) {
    CAPTURE(c.name);
    CHECK(rd::is_sensitive_header(c.name) == c.sensitive);
    CHECK(rd::header_value(c.name, "v4lue") == (c.sensitive ? std::string_view("[Filtered]") : std::string_view("v4lue")));
  }
}

TEST_CASE("the rules hold at compile time") {
  static_assert(rd::split_url("http://u:p@h:81/p?q#f").port == "81");
  static_assert(rd::is_sensitive_header("AUTHORIZATION"));
  static_assert(!rd::is_sensitive_header("content-length"));
  static_assert(rd::equals_ignore_case("Baggage", "baggage"));
  CHECK(rd::equals_ignore_case("SENTRY-TRACE", "sentry-trace"));
  CHECK_FALSE(rd::equals_ignore_case("baggage", "baggage2"));
}

}  // namespace
