// Tests for sentry_trace/dsn.hpp: DSN parsing (PROTOCOL.md §1), and what init() does with a DSN.

#include "fixture.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

namespace {

namespace st = sentry_trace;
using test_support::harness;

struct good_case {
  const char* text;
  const char* scheme;
  const char* public_key;
  const char* secret;
  const char* host;
  std::uint16_t port;
  bool port_explicit;
  const char* path;
  const char* project_id;
  const char* org_id;
};

struct bad_case {
  const char* name;
  std::string text;
  st::dsn_error expected;
};

const bad_case bad_dsns[] = {
    {"empty", "", st::dsn_error::empty},
    {"no scheme", "public@o1.ingest.sentry.io/42", st::dsn_error::bad_scheme},
    {"scheme without //", "https:public@o1.ingest.sentry.io/42", st::dsn_error::bad_scheme},
    {"ftp scheme", "ftp://public@o1.ingest.sentry.io/42", st::dsn_error::bad_scheme},
    {"upper-case scheme", "HTTPS://public@o1.ingest.sentry.io/42", st::dsn_error::bad_scheme},
    {"empty scheme", "://public@o1.ingest.sentry.io/42", st::dsn_error::bad_scheme},
    {"no key", "https://o1.ingest.sentry.io/42", st::dsn_error::missing_public_key},
    {"empty key", "https://@o1.ingest.sentry.io/42", st::dsn_error::missing_public_key},
    {"empty key with secret", "https://:secret@o1.ingest.sentry.io/42", st::dsn_error::missing_public_key},
    {"@ only in the path", "https://o1.ingest.sentry.io/x@y/42", st::dsn_error::missing_public_key},
    {"no host", "https://public@/42", st::dsn_error::missing_host},
    {"port without host", "https://public@:9000/42", st::dsn_error::missing_host},
    {"empty IPv6 literal", "https://public@[]:9000/42", st::dsn_error::missing_host},
    {"unclosed IPv6 literal", "https://public@[::1:9000/42", st::dsn_error::missing_host},
    {"port 0", "https://public@sentry.example.com:0/42", st::dsn_error::bad_port},
    {"port 70000", "https://public@sentry.example.com:70000/42", st::dsn_error::bad_port},
    {"port 65536", "https://public@sentry.example.com:65536/42", st::dsn_error::bad_port},
    {"port with six digits", "https://public@sentry.example.com:000443/42", st::dsn_error::bad_port},
    {"port abc", "https://public@sentry.example.com:abc/42", st::dsn_error::bad_port},
    {"empty port", "https://public@sentry.example.com:/42", st::dsn_error::bad_port},
    {"negative port", "https://public@sentry.example.com:-1/42", st::dsn_error::bad_port},
    {"junk after IPv6 literal", "https://public@[::1]9000/42", st::dsn_error::bad_port},
    {"no project", "https://public@o1.ingest.sentry.io", st::dsn_error::missing_project_id},
    {"no project, trailing slash", "https://public@o1.ingest.sentry.io/", st::dsn_error::missing_project_id},
    {"project abc", "https://public@o1.ingest.sentry.io/abc", st::dsn_error::bad_project_id},
    {"project with a letter", "https://public@o1.ingest.sentry.io/42a", st::dsn_error::bad_project_id},
    {"project is a path word", "http://pk@127.0.0.1:9000/relay/", st::dsn_error::bad_project_id},
    {"trailing garbage with spaces", "https://public@o1.ingest.sentry.io/42 trailing garbage", st::dsn_error::bad_character},
    {"leading space", " https://public@o1.ingest.sentry.io/42", st::dsn_error::bad_character},
    {"trailing newline", "https://public@o1.ingest.sentry.io/42\n", st::dsn_error::bad_character},
    {"control char", "https://pub\x01lic@o1.ingest.sentry.io/42", st::dsn_error::bad_character},
    {"DEL char", "https://public@o1.ingest.sentry.io/42\x7f", st::dsn_error::bad_character},
    {"NUL byte", std::string("https://public@o1.ingest.sentry.io/42\0", 38), st::dsn_error::bad_character},
    {"query string", "https://public@o1.ingest.sentry.io/42?sentry_key=x", st::dsn_error::query_or_fragment},
    {"fragment", "https://public@o1.ingest.sentry.io/42#frag", st::dsn_error::query_or_fragment},
    {"query in the key", "https://pub?lic@o1.ingest.sentry.io/42", st::dsn_error::query_or_fragment},
    {"@ inside the host", "http://public@relay@example.com/42", st::dsn_error::bad_public_key},
    {"@ inside the host, IPv4", "http://public@127.0.0.1@8.8.8.8:9000/42", st::dsn_error::bad_public_key},
    {"comma in the key", "https://pub,sentry_version=1@o1.ingest.sentry.io/42", st::dsn_error::bad_public_key},
    {"equals in the key", "https://pub=x@o1.ingest.sentry.io/42", st::dsn_error::bad_public_key},
    {"non-ASCII key", "https://publ\xC3\xA9" "c@o1.ingest.sentry.io/42", st::dsn_error::bad_public_key},
    {"quote in the key", "https://pub\"lic@o1.ingest.sentry.io/42", st::dsn_error::bad_public_key},
    {"comma in the secret", "https://public:se,cret@o1.ingest.sentry.io/42", st::dsn_error::bad_secret},
    {"second colon in the secret", "https://public:a:b@o1.ingest.sentry.io/42", st::dsn_error::bad_secret},
    {"non-ASCII host", "https://public@h\xC3\xA9" "ros.example.com/42", st::dsn_error::bad_host},
    {"comma in the host", "https://public@a,b.example.com/42", st::dsn_error::bad_host},
    {"zone id in an IPv6 literal", "http://public@[fe80::1%25eth0]:9000/42", st::dsn_error::bad_host},
    {"non-ASCII secret", "https://public:s\xE2\x82\xAC" "cret@o1.ingest.sentry.io/42", st::dsn_error::bad_secret},
};

} // namespace

TEST_SUITE("dsn") {

TEST_CASE("a SaaS DSN parses into its parts with https default port 443 and the org id of the host") {
  harness h;
  REQUIRE(h.init());
  st::dsn d;
  REQUIRE(st::dsn::parse("https://k3y@o42.ingest.us.sentry.io/7", d) == st::dsn_error::none);
  CHECK(d.scheme == "https");
  CHECK(d.public_key == "k3y");
  CHECK(d.secret.empty());
  CHECK(d.host == "o42.ingest.us.sentry.io");
  CHECK(d.port == 443);
  CHECK_FALSE(d.port_explicit);
  CHECK(d.path.empty());
  CHECK(d.project_id == "7");
  CHECK(d.org_id == "42");
}

TEST_CASE("good DSNs parse into the expected scheme, key, secret, host, port, path, project and org id") {
  harness h;
  REQUIRE(h.init());
  const good_case cases[] = {
      {"http://pk@sentry.example.com/5", "http", "pk", "", "sentry.example.com", 80, false, "", "5", ""},
      {"https://pk@sentry.example.com/5", "https", "pk", "", "sentry.example.com", 443, false, "", "5", ""},
      {"http://pk@127.0.0.1:9000/relay/5", "http", "pk", "", "127.0.0.1", 9000, true, "/relay", "5", ""},
      {"http://pk@127.0.0.1:9000/relay/sub/5", "http", "pk", "", "127.0.0.1", 9000, true, "/relay/sub", "5", ""},
      {"https://pk@sentry.example.com:8443/12345", "https", "pk", "", "sentry.example.com", 8443, true, "", "12345", ""},
      {"https://pk@sentry.example.com:65535/1", "https", "pk", "", "sentry.example.com", 65535, true, "", "1", ""},
      {"https://pk@sentry.example.com:1/1", "https", "pk", "", "sentry.example.com", 1, true, "", "1", ""},
      {"http://pk@[::1]:9000/5", "http", "pk", "", "::1", 9000, true, "", "5", ""},
      {"http://pk@[::1]/5", "http", "pk", "", "::1", 80, false, "", "5", ""},
      {"https://pk:sk@sentry.example.com/3", "https", "pk", "sk", "sentry.example.com", 443, false, "", "3", ""},
      {"https://k3y@o42.ingest.us.sentry.io/7", "https", "k3y", "", "o42.ingest.us.sentry.io", 443, false, "", "7", "42"},
      {"https://pk@o1.ingest.sentry.io/42", "https", "pk", "", "o1.ingest.sentry.io", 443, false, "", "42", "1"},
      {"https://pk@oabc.x/9", "https", "pk", "", "oabc.x", 443, false, "", "9", ""},
      {"https://pk@o42/9", "https", "pk", "", "o42", 443, false, "", "9", ""},
      {"https://pk@o.example.com/9", "https", "pk", "", "o.example.com", 443, false, "", "9", ""},
      // A slash before the project id leaves no trailing slash in the path (no "/a//api/...").
      {"http://pk@127.0.0.1:9000/a//42", "http", "pk", "", "127.0.0.1", 9000, true, "/a", "42", ""},
      {"http://pk@127.0.0.1:9000/a///42/", "http", "pk", "", "127.0.0.1", 9000, true, "/a", "42", ""},
      {"http://pk@127.0.0.1:9000//42", "http", "pk", "", "127.0.0.1", 9000, true, "", "42", ""},
      {"https://a-b.c_d~e:s-k.1@sentry.example.com/3", "https", "a-b.c_d~e", "s-k.1", "sentry.example.com", 443, false,
       "", "3", ""},
  };
  for (const good_case& c : cases) {
    CAPTURE(c.text);
    st::dsn d;
    REQUIRE(st::dsn::parse(c.text, d) == st::dsn_error::none);
    CHECK(d.scheme == c.scheme);
    CHECK(d.public_key == c.public_key);
    CHECK(d.secret == c.secret);
    CHECK(d.host == c.host);
    CHECK(d.port == c.port);
    CHECK(d.port_explicit == c.port_explicit);
    CHECK(d.path == c.path);
    CHECK(d.project_id == c.project_id);
    CHECK(d.org_id == c.org_id);
  }
}

TEST_CASE("the parts of a parsed DSN are views into the caller's string") {
  harness h;
  REQUIRE(h.init());
  const std::string text = "http://pk:sk@127.0.0.1:9000/relay/sub/5";
  st::dsn d;
  REQUIRE(st::dsn::parse(text, d) == st::dsn_error::none);
  CHECK(d.public_key.data() == text.data() + 7);
  CHECK(d.host.data() >= text.data());
  CHECK(d.project_id.data() + d.project_id.size() == text.data() + text.size());
}

TEST_CASE("each malformed DSN is rejected with its own dsn_error and leaves the output untouched") {
  harness h;
  REQUIRE(h.init());
  CHECK(sizeof(bad_dsns) / sizeof(bad_dsns[0]) >= 15);
  for (const bad_case& c : bad_dsns) {
    CAPTURE(c.name);
    st::dsn d;
    REQUIRE(st::dsn::parse("https://keep@o5.ingest.sentry.io/77", d) == st::dsn_error::none);
    CHECK(st::dsn::parse(c.text, d) == c.expected);
    CHECK(d.public_key == "keep");
    CHECK(d.project_id == "77");
    CHECK(d.org_id == "5");
  }
}

TEST_CASE("every dsn_error has a description, and none of them is the success text") {
  harness h;
  REQUIRE(h.init());
  CHECK(std::string_view(st::to_string(st::dsn_error::none)) == "ok");
  const st::dsn_error errors[] = {st::dsn_error::empty,           st::dsn_error::bad_scheme,
                                  st::dsn_error::missing_public_key, st::dsn_error::missing_host,
                                  st::dsn_error::bad_port,        st::dsn_error::missing_project_id,
                                  st::dsn_error::bad_project_id,  st::dsn_error::bad_character,
                                  st::dsn_error::query_or_fragment, st::dsn_error::bad_public_key,
                                  st::dsn_error::bad_secret,      st::dsn_error::bad_host};
  for (std::size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); ++i) {
    std::string_view text = st::to_string(errors[i]);
    CHECK(text.size() > 10);
    for (std::size_t j = 0; j < i; ++j) CHECK(text != std::string_view(st::to_string(errors[j])));
  }
}

TEST_CASE("malformed DSN makes init return false, logs the problem, and leaves tracing off") {
  for (const bad_case& c : bad_dsns) {
    if (c.expected == st::dsn_error::empty) continue;  // an empty option means "no DSN", tested below
    CAPTURE(c.name);
    harness h;
    h.opts.dsn = c.text;
    CHECK_FALSE(h.init());
    CHECK_FALSE(st::is_enabled());
    CHECK(h.log.contains("malformed DSN"));
    CHECK(h.log.contains(st::to_string(c.expected)));
    {
      st::scoped_span root({"GET /after-bad-dsn", "http.server"});
      CHECK_FALSE(root->is_active());
      st::scoped_span child({"child", "db"});
      CHECK_FALSE(child->is_recording());
    }
    st::span manual = st::start_span_manual({"manual", "task"});
    CHECK_FALSE(manual.is_active());
    manual.end();
    CHECK(st::flush(0));
    CHECK(h.transport.sent.empty());
  }
}

TEST_CASE("a failed init after a good one turns tracing off and the old run's spans send nothing") {
  harness h;
  REQUIRE(h.init());
  st::span before = st::start_span_manual({"GET /before", "http.server"});
  CHECK(before.is_recording());
  h.opts.dsn = "https://public@o1.ingest.sentry.io/notanumber";
  CHECK_FALSE(h.init());
  CHECK_FALSE(st::is_enabled());
  before.end();
  for (const std::string& e : h.transport.sent) CHECK(test_support::parse_envelope(e).item("transaction") == nullptr);
}

TEST_CASE("a DSN longer than 511 bytes makes init return false with a log line") {
  harness h;
  std::string long_dsn = "https://public@o1.ingest.sentry.io/" + std::string(600, '1');
  h.opts.dsn = long_dsn;
  CHECK_FALSE(h.init());
  CHECK(h.log.contains("longer than 511"));
  CHECK_FALSE(st::is_enabled());
}

TEST_CASE("an empty DSN option with no SENTRY_DSN means no DSN: init succeeds and the envelope has no trace header") {
  harness h;
  h.opts.dsn = "";
  h.transport.save_for_interop_checks = false;
  REQUIRE(h.init());
  { st::scoped_span root({"GET /no-dsn", "http.server"}); }
  auto txns = h.transport.transactions();
  REQUIRE(txns.size() == 1);
  CHECK_FALSE(txns[0].header.has("trace"));
  CHECK(txns[0].header.has("event_id"));
}

TEST_CASE("the parsed DSN's public key and org id reach the envelope's trace header") {
  harness h;
  h.opts.dsn = "http://k3y:s3cret@o42.ingest.us.sentry.io:9000/relay/7";
  REQUIRE(h.init());
  { st::scoped_span root({"GET /dsn", "http.server"}); }
  auto txns = h.transport.transactions();
  REQUIRE(txns.size() == 1);
  const test_support::json& trace = txns[0].header["trace"];
  CHECK(trace["public_key"].str == "k3y");
  CHECK(trace["org_id"].str == "42");
  // The secret is never sent.
  CHECK(h.transport.sent[0].find("s3cret") == std::string::npos);
}

TEST_CASE("an explicit org_id option beats the DSN host's, and a non-digit org_id makes init fail") {
  harness h;
  h.opts.org_id = "777";
  REQUIRE(h.init());
  { st::scoped_span root({"GET /org", "http.server"}); }
  auto txns = h.transport.transactions();
  REQUIRE(txns.size() == 1);
  CHECK(txns[0].header["trace"]["org_id"].str == "777");

  harness h2;
  h2.opts.org_id = "o42";
  CHECK_FALSE(h2.init());
  CHECK(h2.log.contains("org_id"));
}

} // TEST_SUITE

#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
TEST_SUITE("dsn") {

TEST_CASE("the endpoint of a DSN with a slash before the project id has no double slash") {
  st::dsn d;
  REQUIRE(st::dsn::parse("http://pk@127.0.0.1:9000/a//42", d) == st::dsn_error::none);
  char url[256];
  char auth[256];
  st::http_transport_options o;
  REQUIRE(st::detail::dsn_endpoint(d, url, auth, o));
  CHECK(o.url == "http://127.0.0.1:9000/a/api/42/envelope/");
}

} // TEST_SUITE
#endif
