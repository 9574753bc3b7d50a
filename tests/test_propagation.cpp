// Tests for sentry_trace/protocol/propagation.hpp: sentry-trace and traceparent parsing and formatting,
// baggage and the dynamic sampling context, percent-coding, tracePropagationTargets
// (PROTOCOL.md §7, §8). The header values quoted here are what @sentry/node 11.12.0 and
// sentry_sdk 1.9.10 really sent (shared/fixtures/headers/emit-*.json).

#include "sentry_trace/protocol/propagation.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

namespace st = sentry_trace;
using pd = st::parent_decision;

// RAM: sizeof(baggage) as the doc block states it.
static_assert(sizeof(st::baggage) == (SENTRY_TRACE_MAX_BAGGAGE + SENTRY_TRACE_MAX_DSC + 3) / 4 * 4 +
                                         st::baggage::max_members * 8 + 16,
              "propagation.hpp's RAM figure is out of date");
#if SENTRY_TRACE_MAX_BAGGAGE == 8192 && SENTRY_TRACE_MAX_DSC == 1024
static_assert(sizeof(st::baggage) == 9744, "propagation.hpp's RAM figure is out of date");
#endif

std::string hex(const st::trace_id& t) {
  char b[32];
  t.to_hex(b);
  return std::string(b, 32);
}
std::string hex(st::span_id s) {
  char b[16];
  s.to_hex(b);
  return std::string(b, 16);
}

std::string header(const st::baggage& b, std::size_t cap = SENTRY_TRACE_MAX_BAGGAGE) {
  std::string out(cap, '\0');
  out.resize(b.write_header(cap ? &out[0] : nullptr, cap));
  return out;
}

std::string json(const st::baggage& b) {
  char buf[4096];
  st::fixed_sink out{buf};
  st::json_writer w{out};
  b.write_json(w);
  REQUIRE(w.ok());
  return std::string(out.view());
}

using members = std::vector<std::pair<std::string, std::string>>;

members dsc(const st::baggage& b) {
  members m;
  for (std::size_t i = 0; i < b.sentry_member_count(); ++i)
    m.emplace_back(std::string(b.sentry_key(i)), std::string(b.sentry_value(i)));
  return m;
}

std::string decode(std::string_view in) {
  char buf[256];
  std::size_t n = 0;
  REQUIRE(st::detail::percent_decode(in, buf, sizeof buf, n));
  return std::string(buf, n);
}

std::string encode(std::string_view in) {
  char buf[512];
  st::fixed_sink out{buf};
  st::detail::percent_encode(out, in);
  REQUIRE(!out.overflowed());
  CHECK(out.size() == st::detail::percent_encoded_length(in));
  return std::string(out.view());
}

bool no_control_bytes(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  return true;
}

constexpr std::string_view T = "e6b7daba7b5f4cac81c14bd2e1439ff7";
constexpr std::string_view S = "9b80ad2b99b4092d";

struct st_case {
  std::string value;
  bool ok;
  std::string_view trace, parent;  // parent empty: zero
  pd sampled;
};

void check_sentry_trace(const st_case& c) {
  CAPTURE(c.value);
  st::trace_parent out;
  out.sampled = pd::sampled;  // a marker: untouched on failure
  const bool ok = st::parse_sentry_trace(c.value, out);
  REQUIRE(ok == c.ok);
  if (!ok) {
    CHECK(out.trace.is_zero());
    CHECK(out.parent.is_zero());
    CHECK(out.sampled == pd::sampled);
    return;
  }
  CHECK(hex(out.trace) == c.trace);
  if (c.parent.empty()) CHECK(out.parent.is_zero());
  else CHECK(hex(out.parent) == c.parent);
  CHECK(out.sampled == c.sampled);
}

// The emitted headers of the real SDKs (wire values, and the getTraceData/iter_headers ones).
struct fixture_header {
  const char* name;
  const char* sentry_trace;
  const char* trace;
  const char* span;
  pd sampled;
  const char* baggage;
};
const fixture_header fixtures[] = {
    {"emit-sampled.js wire", "e6b7daba7b5f4cac81c14bd2e1439ff7-98cb974a15094127-1", "e6b7daba7b5f4cac81c14bd2e1439ff7",
     "98cb974a15094127", pd::sampled,
     "sentry-environment=production,sentry-release=shop%402.3.4,sentry-public_key=public,sentry-trace_id="
     "e6b7daba7b5f4cac81c14bd2e1439ff7,sentry-transaction=GET%20%2Foutgoing-test,sentry-sampled=true,sentry-sample_"
     "rand=0.9282821712553584,sentry-sample_rate=1"},
    {"emit-sampled.js getTraceData", "e6b7daba7b5f4cac81c14bd2e1439ff7-9b80ad2b99b4092d-1",
     "e6b7daba7b5f4cac81c14bd2e1439ff7", "9b80ad2b99b4092d", pd::sampled,
     "sentry-environment=production,sentry-release=shop%402.3.4,sentry-public_key=public,sentry-trace_id="
     "e6b7daba7b5f4cac81c14bd2e1439ff7,sentry-transaction=GET%20%2Foutgoing-test,sentry-sampled=true,sentry-sample_"
     "rand=0.9282821712553584,sentry-sample_rate=1"},
    {"emit-unsampled.js wire", "927b677366d2425595f7f4b5b515aeda-b5a059269a0d9b92-0", "927b677366d2425595f7f4b5b515aeda",
     "b5a059269a0d9b92", pd::not_sampled,
     "sentry-environment=production,sentry-release=shop%402.3.4,sentry-public_key=public,sentry-trace_id="
     "927b677366d2425595f7f4b5b515aeda,sentry-transaction=GET%20%2Foutgoing-test,sentry-sampled=false,sentry-sample_"
     "rand=0.2836147642821125,sentry-sample_rate=0"},
    {"emit-sampled.py wire", "f106a16aa0f94b0fad2e3a50d238e289-b0d5f7bca06485f6-1", "f106a16aa0f94b0fad2e3a50d238e289",
     "b0d5f7bca06485f6", pd::sampled,
     "sentry-trace_id=f106a16aa0f94b0fad2e3a50d238e289,sentry-environment=production,sentry-release=shop%402.3.4,"
     "sentry-public_key=public,sentry-transaction=GET%20/outgoing-test,sentry-sample_rate=1.0"},
    {"emit-unsampled.py wire", "cb44edf7393040178b44f700ea2f1e0d-a7f836333dfad6a7-0", "cb44edf7393040178b44f700ea2f1e0d",
     "a7f836333dfad6a7", pd::not_sampled,
     "sentry-trace_id=cb44edf7393040178b44f700ea2f1e0d,sentry-environment=production,sentry-release=shop%402.3.4,"
     "sentry-public_key=public,sentry-transaction=GET%20/outgoing-test,sentry-sample_rate=0.0"},
    {"emit-unsampled.py hub", "cb44edf7393040178b44f700ea2f1e0d-8ef0215ddfea535d-0", "cb44edf7393040178b44f700ea2f1e0d",
     "8ef0215ddfea535d", pd::not_sampled,
     "sentry-trace_id=cb44edf7393040178b44f700ea2f1e0d,sentry-environment=production,sentry-release=shop%402.3.4,"
     "sentry-public_key=public,sentry-transaction=GET%20/outgoing-test,sentry-sample_rate=0.0"},
};

} // namespace

TEST_SUITE("propagation") {

// ---- sentry-trace ------------------------------------------------------------------------------

TEST_CASE("the sentry-trace headers the real JS and Python SDKs sent parse to their ids and decision") {
  for (const auto& f : fixtures) {
    CAPTURE(f.name);
    check_sentry_trace({f.sentry_trace, true, f.trace, f.span, f.sampled});
  }
}

TEST_CASE("sentry-trace is matched as @sentry/core's TRACEPARENT_REGEXP matches it, backtracking included") {
  const std::string t(T), s(S);
  const st_case cases[] = {
      {t + "-" + s + "-1", true, T, S, pd::sampled},
      {t + "-" + s + "-0", true, T, S, pd::not_sampled},
      {t + "-" + s, true, T, S, pd::none},                    // deferred
      {t, true, T, "", pd::none},                             // a bare trace id: parent zero
      {t + "-", true, T, "", pd::none},
      {t + "-" + s + "-", true, T, S, pd::none},              // the dash before the flag is optional, so is the flag
      {t + s, true, T, S, pd::none},                          // dashes are optional
      {t + s + "1", true, T, S, pd::sampled},
      {t + "-" + s + "1", true, T, S, pd::sampled},
      {t + "1", true, T, "", pd::sampled},                    // no span id, flag right after the trace id
      {t + "-1", true, T, "", pd::sampled},
      {t + "--0", true, T, "", pd::not_sampled},
      {" \t " + t + "-" + s + "-1\t ", true, T, S, pd::sampled},  // spaces and tabs around
      {"\t" + t, true, T, "", pd::none},
  };
  for (const auto& c : cases) check_sentry_trace(c);
}

TEST_CASE("a malformed sentry-trace header starts a new trace and leaves the output untouched") {
  const std::string t(T), s(S);
  std::string upper = t + "-" + s + "-1";
  upper[0] = 'E';
  const std::string bad[] = {
      "",                                   // empty
      "   ",                                // blank: matches, but has no trace id
      "-",                                  // matches, no trace id
      s,                                    // a span id alone: matches, no trace id
      s + "-1",                             // no trace id
      "1",                                  // a flag alone
      upper,                                // uppercase hex
      t.substr(0, 31) + "-" + s + "-1",     // 31-char trace id
      t + "a-" + s + "-1",                  // 33-char trace id
      t + "-" + s.substr(0, 15) + "-1",     // 15-char span id
      t + "-" + s + "a-1",                  // 17-char span id
      t + "-" + s + "-2",                   // bad flags
      t + "-" + s + "-10",
      t + "-" + s + "-x",
      t + "-" + s + "--1",                  // extra dashes
      t + "--" + s + "-1",
      "-" + t + "-" + s + "-1",
      t + "-" + s + "-1-",
      t + "_" + s + "-1",
      t + "-" + s + "-1\r\n",               // CR/LF: not space or tab
      t + "-" + s + "-1\nX-Evil: 1",
      std::string("\0", 1) + t,             // NUL
      t + "-" + s + std::string("-1\0", 3),
      "\xC2\xA0" + t,                       // NBSP is not a space here
      "\xEF\xBC\x90" + t.substr(1),         // fullwidth digit zero
      t + " -" + s + "-1",                  // inner space
      "0x" + t,
  };
  for (const auto& v : bad) check_sentry_trace({v, false, "", "", pd::none});
}

TEST_CASE("sentry-trace with an all-zero trace id or span id is rejected") {
  const std::string zt(32, '0'), zs(16, '0'), t(T), s(S);
  check_sentry_trace({zt + "-" + s + "-1", false, "", "", pd::none});
  check_sentry_trace({zt, false, "", "", pd::none});
  check_sentry_trace({t + "-" + zs + "-1", false, "", "", pd::none});
  check_sentry_trace({t + zs, false, "", "", pd::none});
  // Zero halves are fine: only the whole id being zero is invalid.
  check_sentry_trace({std::string(16, '0') + "0000000000000001-000000000000000a", true,
                      "00000000000000000000000000000001", "000000000000000a", pd::none});
}

TEST_CASE("format_sentry_trace writes the flag only when the decision is made, and parses back") {
  st::trace_id t;
  st::span_id s;
  REQUIRE(st::trace_id::parse(T, t));
  REQUIRE(st::span_id::parse(S, s));
  char out[51];
  const std::pair<pd, std::string> cases[] = {{pd::sampled, "-1"}, {pd::not_sampled, "-0"}, {pd::none, ""}};
  for (const auto& c : cases) {
    std::memset(out, 'X', sizeof out);
    const std::size_t n = st::detail::format_sentry_trace(out, t, s, c.first);
    const std::string text(out, n);
    CHECK(text == std::string(T) + "-" + std::string(S) + c.second);
    CHECK(n == (c.first == pd::none ? 49u : 51u));
    st::trace_parent back;
    REQUIRE(st::parse_sentry_trace(text, back));
    CHECK(back.trace == t);
    CHECK(back.parent == s);
    CHECK(back.sampled == c.first);
  }
}

// ---- traceparent -------------------------------------------------------------------------------

TEST_CASE("traceparent version 00 parses; flag bit 0 is the decision, never deferred") {
  const std::string t(T), s(S);
  const std::pair<std::string, pd> cases[] = {
      {"00-" + t + "-" + s + "-01", pd::sampled},
      {"00-" + t + "-" + s + "-00", pd::not_sampled},
      {"00-" + t + "-" + s + "-03", pd::sampled},      // unknown flag bits are ignored
      {"00-" + t + "-" + s + "-fe", pd::not_sampled},
      {"00-" + t + "-" + s + "-ff", pd::sampled},
      {" \t00-" + t + "-" + s + "-01\t ", pd::sampled},
  };
  for (const auto& c : cases) {
    CAPTURE(c.first);
    st::trace_parent out;
    REQUIRE(st::parse_traceparent(c.first, out));
    CHECK(hex(out.trace) == T);
    CHECK(hex(out.parent) == S);
    CHECK(out.sampled == c.second);
  }
}

TEST_CASE("traceparent: later versions are read as far as version 00 goes, version ff is invalid") {
  const std::string t(T), s(S);
  const std::pair<std::string, bool> cases[] = {
      {"01-" + t + "-" + s + "-01", true},
      {"cc-" + t + "-" + s + "-01-what-the-future-brings", true},
      {"cc-" + t + "-" + s + "-01-", true},
      {"cc-" + t + "-" + s + "-01x", false},           // the 56th character must be '-'
      {"cc-" + t + "-" + s + "-01.", false},
      {"ff-" + t + "-" + s + "-01", false},
      {"00-" + t + "-" + s + "-01-extra", false},      // version 00 has nothing after the flags
      {"00-" + t + "-" + s + "-01-", false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.first);
    st::trace_parent out;
    CHECK(st::parse_traceparent(c.first, out) == c.second);
  }
}

TEST_CASE("a malformed traceparent is rejected and leaves the output untouched") {
  const std::string t(T), s(S);
  std::string upper_trace = "00-" + t + "-" + s + "-01";
  upper_trace[3] = 'E';
  std::string upper_flags = "00-" + t + "-" + s + "-0A";
  const std::string bad[] = {
      "",
      "00",
      "00-" + t + "-" + s,                              // no flags
      "00-" + t + "-" + s + "-1",                       // one-digit flags
      "00-" + t + "-" + s + "-001",
      "00-" + t.substr(1) + "-" + s + "-01",            // 31-char trace id
      "00-" + t + "0-" + s + "-01",
      "00-" + t + "-" + s.substr(1) + "-01",
      "00-" + std::string(32, '0') + "-" + s + "-01",   // all-zero trace id
      "00-" + t + "-" + std::string(16, '0') + "-01",   // all-zero parent id
      upper_trace,
      upper_flags,
      "0A-" + t + "-" + s + "-01",                      // uppercase version
      "0-" + t + "-" + s + "-01",
      "000-" + t + "-" + s + "-01",
      "00_" + t + "-" + s + "-01",
      "00-" + t + "_" + s + "-01",
      "00-" + t + "-" + s + "_01",
      "00-" + t + "-" + s + "-0x",
      "zz-" + t + "-" + s + "-01",
      "00-" + t + "-" + s + "-01\r\n",
      t + "-" + s + "-1",                               // a sentry-trace value
  };
  for (const auto& v : bad) {
    CAPTURE(v);
    st::trace_parent out;
    out.sampled = pd::none;
    CHECK_FALSE(st::parse_traceparent(v, out));
    CHECK(out.trace.is_zero());
    CHECK(out.parent.is_zero());
    CHECK(out.sampled == pd::none);
  }
}

TEST_CASE("format_traceparent writes 00-<trace>-<span>-01|00 and parses back") {
  st::trace_id t;
  st::span_id s;
  REQUIRE(st::trace_id::parse(T, t));
  REQUIRE(st::span_id::parse(S, s));
  char out[55];
  for (bool sampled : {true, false}) {
    REQUIRE(st::detail::format_traceparent(out, t, s, sampled) == 55);
    const std::string text(out, 55);
    CHECK(text == "00-" + std::string(T) + "-" + std::string(S) + (sampled ? "-01" : "-00"));
    st::trace_parent back;
    REQUIRE(st::parse_traceparent(text, back));
    CHECK(back.trace == t);
    CHECK(back.parent == s);
    CHECK(back.sampled == (sampled ? pd::sampled : pd::not_sampled));
  }
}

// ---- percent-coding ----------------------------------------------------------------------------

TEST_CASE("percent_encode escapes everything but RFC 3986 unreserved, in uppercase hex, as sentry-native") {
  const std::pair<std::string_view, std::string_view> table[] = {
      {"", ""},
      {"AZaz09-._~", "AZaz09-._~"},
      {"shop@2.3.4", "shop%402.3.4"},
      {"GET /outgoing-test", "GET%20%2Foutgoing-test"},
      {"a,b;c=d", "a%2Cb%3Bc%3Dd"},
      {"100%", "100%25"},
      {"a+b", "a%2Bb"},
      {"\r\n", "%0D%0A"},
      {std::string_view("\0", 1), "%00"},
      {"\x7f", "%7F"},
      {"caf\xC3\xA9", "caf%C3%A9"},
      {"\xFF", "%FF"},
      {"!*'()", "%21%2A%27%28%29"},  // encodeURIComponent leaves these; native does not
      {"\"<>\\^`{|}", "%22%3C%3E%5C%5E%60%7B%7C%7D"},
  };
  for (const auto& row : table) {
    CAPTURE(row.first);
    CHECK(encode(row.first) == row.second);
  }
  // Every byte value: unreserved ones as is, all others escaped, and decoding gives it back
  // (control bytes aside, which percent_decode refuses).
  for (int c = 0; c < 256; ++c) {
    const char ch = static_cast<char>(c);
    const std::string e = encode(std::string_view(&ch, 1));
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '.' || c == '_' || c == '~';
    CHECK(e.size() == (unreserved ? 1u : 3u));
    if (c >= 0x20 && c != 0x7f) CHECK(decode(e) == std::string(1, ch));
  }
}

TEST_CASE("percent_encode through a sink that is too small keeps the error and counts the bytes needed") {
  char buf[5];
  st::fixed_sink out{buf};
  st::detail::percent_encode(out, "a b c");  // a%20b%20c: 9 bytes
  CHECK(out.overflowed());
  CHECK(out.total() == 9);
  CHECK(st::detail::percent_encoded_length("a b c") == 9);
}

TEST_CASE("percent_decode decodes %XX in either case and refuses bad escapes, control bytes and overflow") {
  const std::pair<std::string_view, std::string_view> ok[] = {
      {"", ""},
      {"plain", "plain"},
      {"shop%402.3.4", "shop@2.3.4"},
      {"GET%20/outgoing-test", "GET /outgoing-test"},  // Python leaves '/' unescaped
      {"%2f%2F", "//"},
      {"a+b", "a+b"},                                  // '+' is not a space (decodeURIComponent)
      {"%25", "%"},
      {"%2525", "%25"},                                // decoded once only
      {"caf%C3%A9", "caf\xC3\xA9"},
      {"%FF", "\xFF"},                                 // bytes, not UTF-8: baggage checks that
      {"%7e", "~"},
  };
  for (const auto& row : ok) {
    CAPTURE(row.first);
    CHECK(decode(row.first) == row.second);
  }
  const std::string_view bad[] = {
      "%",   "%2",  "abc%", "abc%4", "%zz", "%g0", "%0g", "% 20", "%%",  "%0A",
      "%0d", "%00", "%1F",  "%7F",   "a\nb", "a\rb", "a\tb", std::string_view("a\0b", 3), "\x7f",
  };
  for (auto in : bad) {
    CAPTURE(in);
    char buf[16];
    std::size_t n = 99;
    CHECK_FALSE(st::detail::percent_decode(in, buf, sizeof buf, n));
    CHECK(n <= sizeof buf);
  }
  char small[3];
  std::size_t n = 0;
  CHECK(st::detail::percent_decode("%41%42%43", small, 3, n));
  CHECK(n == 3);
  CHECK_FALSE(st::detail::percent_decode("%41%42%43%44", small, 3, n));
  CHECK(n == 3);
  CHECK(st::detail::percent_decode("", nullptr, 0, n));
  CHECK(n == 0);
}

// ---- baggage: reading --------------------------------------------------------------------------

TEST_CASE("the baggage the real JS SDK sent parses to its Sentry members, decoded, in order") {
  st::baggage b;
  b.parse(fixtures[0].baggage);
  CHECK(dsc(b) == members{{"environment", "production"},
                          {"release", "shop@2.3.4"},
                          {"public_key", "public"},
                          {"trace_id", "e6b7daba7b5f4cac81c14bd2e1439ff7"},
                          {"transaction", "GET /outgoing-test"},
                          {"sampled", "true"},
                          {"sample_rand", "0.9282821712553584"},
                          {"sample_rate", "1"}});
  CHECK(b.has_sentry_members());
  CHECK(b.third_party().empty());
  CHECK(b.dropped_members() == 0);
  CHECK(b.sentry("release") == "shop@2.3.4");
  CHECK(b.sentry("sentry-release").empty());  // keys are given without the prefix
  CHECK(b.sentry("user_id").empty());
  CHECK(b.sentry_key(8).empty());
  CHECK(b.sentry_value(8).empty());

  st::baggage u;
  u.parse(fixtures[2].baggage);
  CHECK(u.sentry("sampled") == "false");
  CHECK(u.sentry("sample_rate") == "0");
  CHECK(u.sentry("sample_rand") == "0.2836147642821125");
  CHECK(u.sentry("trace_id") == "927b677366d2425595f7f4b5b515aeda");
}

TEST_CASE("the baggage the real Python SDK sent parses to its Sentry members, '/' left unescaped") {
  st::baggage b;
  b.parse(fixtures[3].baggage);
  CHECK(dsc(b) == members{{"trace_id", "f106a16aa0f94b0fad2e3a50d238e289"},
                          {"environment", "production"},
                          {"release", "shop@2.3.4"},
                          {"public_key", "public"},
                          {"transaction", "GET /outgoing-test"},
                          {"sample_rate", "1.0"}});
  st::baggage u;
  u.parse(fixtures[4].baggage);
  CHECK(u.sentry("sample_rate") == "0.0");
  CHECK(u.sentry("sampled").empty());  // Python 1.9.10 does not send it
}

TEST_CASE("parse, write_header and parse again keep every member and decoded value of the real headers") {
  for (const auto& f : fixtures) {
    CAPTURE(f.name);
    st::baggage a;
    a.parse(f.baggage);
    const std::string out = header(a);
    st::baggage b;
    b.parse(out);
    CHECK(dsc(b) == dsc(a));
    CHECK(b.dropped_members() == 0);
    CHECK(header(b) == out);
  }
  // JS's encodeURIComponent and native's encoding agree on these values, so the JS header comes
  // back byte for byte; Python's "GET%20/outgoing-test" comes back with '/' escaped.
  st::baggage js;
  js.parse(fixtures[0].baggage);
  CHECK(header(js) == fixtures[0].baggage);
  st::baggage py;
  py.parse(fixtures[3].baggage);
  CHECK(header(py) ==
        "sentry-trace_id=f106a16aa0f94b0fad2e3a50d238e289,sentry-environment=production,sentry-release=shop%402.3.4,"
        "sentry-public_key=public,sentry-transaction=GET%20%2Foutgoing-test,sentry-sample_rate=1.0");
}

TEST_CASE("write_json gives the Sentry members as an object of strings, numbers and booleans included") {
  st::baggage b;
  b.parse(fixtures[0].baggage);
  CHECK(json(b) ==
        R"({"environment":"production","release":"shop@2.3.4","public_key":"public",)"
        R"("trace_id":"e6b7daba7b5f4cac81c14bd2e1439ff7","transaction":"GET /outgoing-test","sampled":"true",)"
        R"("sample_rand":"0.9282821712553584","sample_rate":"1"})");
  st::baggage empty;
  CHECK(json(empty) == "{}");
  st::baggage odd;
  odd.parse(R"(sentry-transaction=say%20%22hi%22%5C,sentry-org_id=12)");
  CHECK(json(odd) == R"({"transaction":"say \"hi\"\\","org_id":"12"})");
}

TEST_CASE("baggage members are split and decoded as @sentry/core's parseBaggageHeader does") {
  st::baggage b;
  b.parse("  sentry-release = 1.0 ,\tsentry-environment=prod\t,noequals,=novalue-key,emptyvalue=,sentry-public_key=,"
          "vendor=a;prop=1, other = x y ,sentry-bad=%zz,sentry-trailing=ab%,third=%zz,utf=%FF,ok=%C3%A9");
  CHECK(dsc(b) == members{{"release", "1.0"}, {"environment", "prod"}});
  CHECK(b.third_party() == "vendor=a;prop=1,other=x y,ok=%C3%A9");
  CHECK(b.dropped_members() == 0);  // malformed members are not limit drops
}

TEST_CASE("a later duplicate Sentry member wins, in the position of the first") {
  st::baggage b;
  b.parse("sentry-release=1,sentry-environment=prod,sentry-release=2.0.0-long");
  b.parse("sentry-environment=staging");
  CHECK(dsc(b) == members{{"release", "2.0.0-long"}, {"environment", "staging"}});
  CHECK(header(b) == "sentry-release=2.0.0-long,sentry-environment=staging");
}

TEST_CASE("the sentry- prefix is checked on the decoded key, case-sensitively") {
  st::baggage b;
  b.parse("sentry%2Drelease=1.0,%73entry-environment=prod,Sentry-user=x,SENTRY-a=b,sentry-=orphan,sentry%2D=x,"
          "sentry-%20=space");
  CHECK(dsc(b) == members{{"release", "1.0"}, {"environment", "prod"}, {" ", "space"}});
  CHECK(b.third_party() == "Sentry-user=x,SENTRY-a=b");
  CHECK(header(b) == "sentry-release=1.0,sentry-environment=prod,sentry-%20=space,Sentry-user=x,SENTRY-a=b");
}

TEST_CASE("a Sentry value containing ';' keeps it, as @sentry/core does") {
  st::baggage b;
  b.parse("sentry-release=1.0;prop=x,sentry-environment=a%3Bb");
  CHECK(b.sentry("release") == "1.0;prop=x");
  CHECK(b.sentry("environment") == "a;b");
  CHECK(header(b) == "sentry-release=1.0%3Bprop%3Dx,sentry-environment=a%3Bb");
}

TEST_CASE("several baggage headers are joined; third-party only or Sentry only both work") {
  st::baggage b;
  b.parse("vendor=1");
  CHECK_FALSE(b.has_sentry_members());
  CHECK(b.sentry_member_count() == 0);
  CHECK(b.third_party() == "vendor=1");
  CHECK(header(b) == "vendor=1");
  b.parse("sentry-trace_id=" + std::string(T) + ",other=2");
  b.parse("");
  b.parse(",,,");
  CHECK(b.sentry_member_count() == 1);
  CHECK(b.third_party() == "vendor=1,other=2");
  CHECK(header(b) == "sentry-trace_id=" + std::string(T) + ",vendor=1,other=2");
  b.clear();
  CHECK(header(b).empty());
  CHECK(b.third_party().empty());
  CHECK_FALSE(b.has_sentry_members());
}

TEST_CASE("decoded keys and values that are not well-formed UTF-8 are dropped, as decodeURIComponent throws") {
  st::baggage b;
  b.parse("sentry-a=%FF,sentry-b=%C3,sentry-c=%C3%28,sentry-d=%E0%80%80,sentry-e=%ED%A0%80,sentry-f=%F4%90%80%80,"
          "sentry-g=%C3\xA9,sentry-h=\xC3%A9,sentry-i=\xFF,sentry-%FF=x,"
          "sentry-ok1=%C3%A9,sentry-ok2=\xC3\xA9,sentry-ok3=%F0%9F%98%80,sentry-ok4=%ED%9F%BF");
  CHECK(dsc(b) == members{{"ok1", "\xC3\xA9"}, {"ok2", "\xC3\xA9"}, {"ok3", "\xF0\x9F\x98\x80"}, {"ok4", "\xED\x9F\xBF"}});
  CHECK(header(b) == "sentry-ok1=%C3%A9,sentry-ok2=%C3%A9,sentry-ok3=%F0%9F%98%80,sentry-ok4=%ED%9F%BF");
}

// ---- baggage: hostile input --------------------------------------------------------------------

TEST_CASE("CR/LF and other control characters in baggage never reach the output") {
  st::baggage b;
  b.parse("sentry-release=1.0\r\nX-Injected: evil,sentry-environment=prod\n,vendor=a\rb,v2=x\ty,v3=\x7f,"
          "sentry-transaction=GET%0D%0ASet-Cookie:%20x,sentry-user_segment=%00,ok=%0D%0A,sentry-public_key=k");
  const char with_nul[] = "sentry-org_id=1\0,nul=\0x";
  b.parse(std::string_view(with_nul, sizeof with_nul - 1));
  b.parse("sentry-sample_rand=0.5\r\n");
  CHECK(dsc(b) == members{{"public_key", "k"}});
  CHECK(b.third_party() == "ok=%0D%0A");  // escaped, so harmless on the wire: passed on verbatim
  const std::string out = header(b);
  CHECK(out == "sentry-public_key=k,ok=%0D%0A");
  CHECK(no_control_bytes(out));
  CHECK(no_control_bytes(json(b)));
  // Nor can set_sentry put one in.
  CHECK_FALSE(b.set_sentry("transaction", "a\r\nb"));
  CHECK_FALSE(b.set_sentry("tr\nansaction", "x"));
  CHECK_FALSE(b.set_sentry("x", std::string_view("\0", 1)));
  CHECK(no_control_bytes(header(b)));
}

TEST_CASE("more than 64 third-party members: the first 64 are kept, the rest counted as dropped") {
  std::string h;
  for (int i = 0; i < 65; ++i) h += (i ? "," : "") + std::string("k") + std::to_string(i) + "=v";
  st::baggage b;
  b.parse(h);
  CHECK(b.dropped_members() == 1);
  const std::string kept = h.substr(0, h.rfind(','));
  CHECK(b.third_party() == kept);
  CHECK(header(b) == kept);
  b.parse("late=1");
  CHECK(b.dropped_members() == 2);
}

TEST_CASE("a 9000-byte baggage keeps whole members within 8192 bytes and counts the rest") {
  std::string h;
  for (int i = 0; i < 60; ++i) h += (i ? "," : "") + std::string("k") + (i < 10 ? "0" : "") + std::to_string(i) + "=" + std::string(146, 'v');
  REQUIRE(h.size() == 9059);  // 60 members of 150 bytes
  st::baggage b;
  b.parse(h);
  // 54 members take 54 * 150 + 53 = 8153 bytes; a 55th would take 8304.
  CHECK(b.third_party().size() == 8153);
  CHECK(b.third_party() == h.substr(0, 8153));
  CHECK(b.dropped_members() == 6);
  // A small member still fits after the big ones were dropped.
  b.parse("small=1");
  CHECK(b.dropped_members() == 6);
  CHECK(b.third_party().size() == 8161);
}

TEST_CASE("Sentry members past SENTRY_TRACE_MAX_DSC bytes or 64 members are dropped whole and counted") {
  st::baggage b;
  b.parse("sentry-release=" + std::string(SENTRY_TRACE_MAX_DSC, 'r'));  // key + value > limit
  CHECK_FALSE(b.has_sentry_members());
  CHECK(b.dropped_members() == 1);
  b.parse("sentry-release=" + std::string(SENTRY_TRACE_MAX_DSC - 7, 'r'));  // exactly the limit
  CHECK(b.sentry("release").size() == SENTRY_TRACE_MAX_DSC - 7);
  b.parse("sentry-a=b");
  CHECK(b.dropped_members() == 2);
  // A duplicate that does not fit leaves the earlier value.
  b.parse("sentry-release=" + std::string(SENTRY_TRACE_MAX_DSC - 6, 's'));
  CHECK(b.dropped_members() == 3);
  CHECK(b.sentry("release") == std::string(SENTRY_TRACE_MAX_DSC - 7, 'r'));
  // ...and one that fits in the room the old value frees replaces it.
  b.parse("sentry-release=short");
  CHECK(b.sentry("release") == "short");

  st::baggage many;
  std::string h;
  for (int i = 0; i < 65; ++i) h += (i ? "," : "") + std::string("sentry-k") + std::to_string(i) + "=1";
  many.parse(h);
  CHECK(many.sentry_member_count() == 64);
  CHECK(many.dropped_members() == 1);
  CHECK(many.sentry("k63") == "1");
  CHECK(many.sentry("k64").empty());
  CHECK(many.set_sentry("k0", "2"));       // a replacement needs no new slot
  CHECK_FALSE(many.set_sentry("k64", "1"));
}

TEST_CASE("write_header: at most 64 members and SENTRY_TRACE_MAX_BAGGAGE bytes, Sentry members first") {
  st::baggage b;
  std::string tp;
  for (int i = 0; i < 64; ++i) tp += (i ? "," : "") + std::string("t") + std::to_string(i) + "=v";
  b.parse(tp);
  b.parse("sentry-trace_id=" + std::string(T) + ",sentry-public_key=k");
  REQUIRE(b.sentry_member_count() == 2);
  REQUIRE(b.dropped_members() == 0);
  const std::string out = header(b);
  // 2 Sentry members, then the first 62 third-party ones.
  CHECK(out.rfind("sentry-trace_id=" + std::string(T) + ",sentry-public_key=k,t0=v,", 0) == 0);
  CHECK(out.substr(out.size() - 6) == ",t61=v");
  std::size_t commas = 0;
  for (char c : out) commas += c == ',';
  CHECK(commas == 63);

  // Bytes: large third-party members are skipped whole; smaller later ones still go.
  st::baggage big;
  big.parse("a=" + std::string(5198, 'x') + ",b=" + std::string(5000, 'y') + ",c=z");
  big.parse("sentry-release=" + std::string(1000, '/'));  // 3000 bytes once encoded
  REQUIRE(big.dropped_members() == 1);                    // b did not fit the 8192 bytes kept
  REQUIRE(big.third_party().size() == 5200 + 4);
  const std::string o = header(big);                      // a (5200 bytes) no longer fits: skipped
  CHECK(o.size() == std::string("sentry-release=").size() + 3000 + 4);
  CHECK(o.rfind("sentry-release=%2F%2F", 0) == 0);
  CHECK(o.substr(o.size() - 4) == ",c=z");
  CHECK(o.size() <= SENTRY_TRACE_MAX_BAGGAGE);
}

TEST_CASE("write_header never writes past cap and keeps whole members") {
  st::baggage b;
  b.parse(fixtures[0].baggage);
  b.parse("vendor=1");
  const std::string full = header(b);
  for (std::size_t cap = 0; cap <= full.size(); ++cap) {
    std::string buf(cap + 8, '#');
    const std::size_t n = b.write_header(cap ? &buf[0] : nullptr, cap);
    CAPTURE(cap);
    REQUIRE(n <= cap);
    CHECK(buf.substr(cap) == std::string(8, '#'));
    // Whatever was written is a sequence of whole members of the full value.
    st::baggage back;
    back.parse(buf.substr(0, n));
    for (std::size_t i = 0; i < back.sentry_member_count(); ++i)
      CHECK(b.sentry(back.sentry_key(i)) == back.sentry_value(i));
    CHECK((back.third_party().empty() || back.third_party() == "vendor=1"));
  }
  char tiny[21];
  // In 21 bytes, the longer members before "sentry-sampled=true" are skipped; it still goes.
  CHECK(std::string(tiny, b.write_header(tiny, sizeof tiny)) == "sentry-sampled=true");
}

// ---- baggage: writing members ------------------------------------------------------------------

TEST_CASE("set_sentry adds a member or replaces one in place; invalid keys and values are refused") {
  st::baggage b;
  b.parse("sentry-trace_id=" + std::string(T) + ",sentry-sample_rate=0.5,sentry-public_key=k,vendor=v");
  CHECK(b.set_sentry("sample_rand", "0.421337"));
  CHECK(b.set_sentry("sample_rate", "1"));  // replaced, keeps its position
  CHECK(dsc(b) == members{{"trace_id", std::string(T)}, {"sample_rate", "1"}, {"public_key", "k"}, {"sample_rand", "0.421337"}});
  CHECK(b.set_sentry("transaction", "GET /a b,c"));
  CHECK(b.set_sentry("release", "100%"));
  CHECK(header(b) == "sentry-trace_id=" + std::string(T) +
                         ",sentry-sample_rate=1,sentry-public_key=k,sentry-sample_rand=0.421337,"
                         "sentry-transaction=GET%20%2Fa%20b%2Cc,sentry-release=100%25,vendor=v");
  CHECK_FALSE(b.set_sentry("", "x"));
  CHECK_FALSE(b.set_sentry("x", ""));
  CHECK_FALSE(b.set_sentry("x", "\xFF"));
  CHECK_FALSE(b.set_sentry("x", std::string(SENTRY_TRACE_MAX_DSC, 'x')));
  CHECK(b.sentry("x").empty());
  CHECK(b.dropped_members() == 0);  // a refused set_sentry is the caller's to handle, not a drop
  // Replacing shrinks and grows values in the middle without disturbing the others.
  CHECK(b.set_sentry("sample_rate", std::string(300, '9')));
  CHECK(b.set_sentry("trace_id", "t"));
  CHECK(b.set_sentry("sample_rate", "0"));
  CHECK(dsc(b) == members{{"trace_id", "t"},
                          {"sample_rate", "0"},
                          {"public_key", "k"},
                          {"sample_rand", "0.421337"},
                          {"transaction", "GET /a b,c"},
                          {"release", "100%"}});
}

TEST_CASE("a baggage copy owns its bytes") {
  st::baggage a;
  a.parse(fixtures[0].baggage);
  a.parse("vendor=1");
  a.parse("k" + std::string(SENTRY_TRACE_MAX_BAGGAGE, 'x') + "=1");  // counted as dropped
  st::baggage b = a;
  a.clear();
  a.parse("sentry-release=other,x=y");
  CHECK(b.sentry("release") == "shop@2.3.4");
  CHECK(dsc(b).size() == 8);
  CHECK(b.third_party() == "vendor=1");
  CHECK(b.dropped_members() == 1);
  CHECK(header(b) == std::string(fixtures[0].baggage) + ",vendor=1");
  CHECK(a.sentry("release") == "other");
  b = a;
  st::baggage& same = b;
  b = same;  // self-assignment is harmless
  CHECK(dsc(b) == members{{"release", "other"}});
  CHECK(b.third_party() == "x=y");
  CHECK(b.dropped_members() == 0);
}

// ---- tracePropagationTargets -------------------------------------------------------------------

TEST_CASE("should_propagate: every URL while targets are not set, as @sentry/node 11 by default") {
  CHECK(st::detail::should_propagate("https://api.example.com/x", nullptr, 0, false));
  CHECK(st::detail::should_propagate("", nullptr, 0, false));
  CHECK_FALSE(st::detail::should_propagate("https://api.example.com/x", nullptr, 0, true));  // set, but empty
}

TEST_CASE("should_propagate: a case-insensitive substring match against string targets") {
  const std::string_view targets[] = {"api.example.com", "LOCALHOST:8080"};
  CHECK(st::detail::should_propagate("https://api.example.com/orders", targets, 2, true));
  CHECK(st::detail::should_propagate("https://API.Example.COM/orders", targets, 2, true));
  CHECK(st::detail::should_propagate("http://localhost:8080/", targets, 2, true));
  CHECK_FALSE(st::detail::should_propagate("http://localhost:9090/", targets, 2, true));
  CHECK_FALSE(st::detail::should_propagate("https://example.com/api", targets, 2, true));
  CHECK_FALSE(st::detail::should_propagate("api.example.co", targets, 2, true));
  const std::string_view everything[] = {""};
  CHECK(st::detail::should_propagate("https://anything/", everything, 1, true));
}

// ---- the one-pass parse and write: each path pinned ---------------------------------------------

TEST_CASE("classify_bytes and has_special_bytes find a byte of each kind at every position and length") {
  // The word-at-a-time scan against a byte at a time: every byte value, alone in a text of
  // plain bytes, at each position of texts 1 to 19 bytes long (short, one word, overlapping
  // last word), and next to each kind (a borrow or carry must not hide or invent a kind).
  auto expected = [](std::string_view s) {
    unsigned k = 0;
    for (char ch : s) {
      const auto c = static_cast<unsigned char>(ch);
      if (c < 0x20 || c == 0x7f) k |= st::detail::raw_control;
      if (c == '%') k |= st::detail::raw_percent;
      if (c >= 0x80) k |= st::detail::raw_high;
    }
    return k;
  };
  const char neighbours[] = {'a', '\0', '\x1f', ' ', '%', '\x7f', '\x80', '\xff'};
  for (std::size_t len = 1; len <= 19; ++len)
    for (std::size_t at = 0; at < len; ++at)
      for (int v = 0; v < 256; ++v)
        for (char next : neighbours) {
          std::string s(len, 'x');
          s[at] = static_cast<char>(v);
          if (at + 1 < len) s[at + 1] = next;
          const unsigned want = expected(s);
          if (st::detail::classify_bytes(s) != want || st::detail::has_special_bytes(s) != (want != 0)) {
            CAPTURE(len);
            CAPTURE(at);
            CAPTURE(v);
            CAPTURE(static_cast<int>(static_cast<unsigned char>(next)));
            CHECK(st::detail::classify_bytes(s) == want);
            CHECK(st::detail::has_special_bytes(s) == (want != 0));
          }
        }
  CHECK(st::detail::classify_bytes("") == 0);
  CHECK_FALSE(st::detail::has_special_bytes(""));
}

TEST_CASE("word_unreserved is is_unreserved for each byte value at each of the eight positions") {
  for (int pos = 0; pos < 8; ++pos)
    for (int v = 0; v < 256; ++v)
      for (char around : {'a', 'Z', '0', '~', '/', '\x80'}) {
        char bytes[8];
        std::memset(bytes, around, 8);
        bytes[pos] = static_cast<char>(v);
        std::uint64_t w;
        std::memcpy(&w, bytes, 8);
        const bool want = st::detail::is_unreserved(static_cast<unsigned char>(v)) &&
                          st::detail::is_unreserved(static_cast<unsigned char>(around));
        if (st::detail::word_unreserved(w) != want) {
          CAPTURE(pos);
          CAPTURE(v);
          CAPTURE(static_cast<int>(static_cast<unsigned char>(around)));
          CHECK(st::detail::word_unreserved(w) == want);
        }
      }
}

TEST_CASE("percent-escapes at the ends of keys and values, and the prefix escaped, decode as one pass reads them") {
  st::baggage b;
  b.parse("sentry-release=%41bc%42,sentry-environment=%70rod,%73entry-transaction=t%2F,sentry-org_i%64=7,"
          "sentry-sample_rate=1%25,sentry%2Dsampled=true");
  CHECK(dsc(b) == members{{"release", "AbcB"},
                          {"environment", "prod"},
                          {"transaction", "t/"},
                          {"org_id", "7"},
                          {"sample_rate", "1%"},
                          {"sampled", "true"}});
  // A trailing '%' or a '%' with one digit after it, at either end: decodeURIComponent throws.
  st::baggage bad;
  bad.parse("sentry-a=x%,sentry-b=%4,sentry-c%=x,%4sentry-d=x,sentry-e=%,t=%,u%=1,v=%4");
  CHECK(bad.sentry_member_count() == 0);
  CHECK(bad.third_party().empty());
  CHECK(bad.dropped_members() == 0);
  // Third-party members keep their escapes as received; only Sentry ones are decoded.
  st::baggage tp;
  tp.parse("%41=%42,k=v%20w");
  CHECK(tp.third_party() == "%41=%42,k=v%20w");
}

TEST_CASE("tabs and spaces around a member are trimmed, a tab inside drops it, on both kinds of member") {
  st::baggage b;
  b.parse(" \tsentry-release\t = 1.0\t,\tvendor \t=\t x ,sentry-env\tironment=prod,ven\tdor=y,sentry-transaction=a\tb,k=v\tw");
  CHECK(dsc(b) == members{{"release", "1.0"}});
  CHECK(b.third_party() == "vendor=x");
}

TEST_CASE("raw UTF-8 is kept when well-formed, escaped UTF-8 is decoded, and the two never mix in one character") {
  st::baggage b;
  b.parse("sentry-release=caf\xC3\xA9,sentry-environment=caf%C3%A9,sentry-transaction=caf%C3\xA9,"
          "sentry-org_id=\xFF,vendor=caf\xC3\xA9,other=\xC3");
  CHECK(dsc(b) == members{{"release", "caf\xC3\xA9"}, {"environment", "caf\xC3\xA9"}});
  CHECK(b.third_party() == "vendor=caf\xC3\xA9");
  CHECK(header(b) == "sentry-release=caf%C3%A9,sentry-environment=caf%C3%A9,vendor=caf\xC3\xA9");
}

TEST_CASE("an escaped control byte drops a Sentry member and is passed on verbatim in a third-party one") {
  st::baggage b;
  b.parse("sentry-release=a%0Ab,sentry-environment=%7F,sentry-%0A=x,k=a%0Db,sentry-sampled=true");
  CHECK(dsc(b) == members{{"sampled", "true"}});
  CHECK(b.third_party() == "k=a%0Db");
  CHECK(no_control_bytes(header(b)));
}

TEST_CASE("duplicate Sentry keys, written alike or escaped differently, are one member; keys of one length differ") {
  st::baggage b;
  b.parse("sentry-sample_rate=1,sentry-sample_rand=0.5,sentry-%73ample_rate=0.25,sentry-sample_rat%65=0.5");
  CHECK(dsc(b) == members{{"sample_rate", "0.5"}, {"sample_rand", "0.5"}});
  // Same length, different bytes: two members; the dup of the second replaces only it.
  b.parse("sentry-sample_ratf=x,sentry-sample_rand=0.75");
  CHECK(dsc(b) == members{{"sample_rate", "0.5"}, {"sample_rand", "0.75"}, {"sample_ratf", "x"}});
  CHECK(b.dropped_members() == 0);
  // Third-party duplicates are all kept.
  st::baggage tp;
  tp.parse("a=1,a=2,a=1");
  CHECK(tp.third_party() == "a=1,a=2,a=1");
}

TEST_CASE("64 Sentry and 64 third-party members are all kept; 64 of them are written, Sentry first") {
  std::string h;
  for (int i = 0; i < 64; ++i) h += (i ? "," : "") + std::string("sentry-k") + std::to_string(i) + "=v%2F" + std::to_string(i);
  for (int i = 0; i < 64; ++i) h += ",t" + std::to_string(i) + "=w";
  st::baggage b;
  b.parse(h);
  CHECK(b.sentry_member_count() == 64);
  CHECK(b.dropped_members() == 0);
  CHECK(b.sentry("k0") == "v/0");
  CHECK(b.sentry("k63") == "v/63");
  const std::string out = header(b);
  std::size_t commas = 0;
  for (char c : out) commas += c == ',';
  CHECK(commas == 63);
  CHECK(out.substr(out.size() - 17) == "sentry-k63=v%2F63");
  CHECK(out.find("t0=w") == std::string::npos);
  // A 65th of each is dropped and counted.
  b.parse("sentry-k64=1,t64=1");
  CHECK(b.dropped_members() == 2);
}

TEST_CASE("members at the size limits: a third-party value that fills 8192 bytes, a DSC of exactly 1024") {
  st::baggage b;
  const std::string big = "k=" + std::string(SENTRY_TRACE_MAX_BAGGAGE - 2, 'v');
  b.parse(big);
  CHECK(b.third_party() == big);
  CHECK(b.dropped_members() == 0);
  b.parse("x=1");  // no room for ",x=1"
  CHECK(b.dropped_members() == 1);
  CHECK(header(b) == big);
  CHECK(header(b, SENTRY_TRACE_MAX_BAGGAGE - 1).empty());  // the one member does not fit: none goes

  // Decoded bytes count: an escaped value of 3 * n bytes takes n.
  st::baggage d;
  std::string escaped;
  for (std::size_t i = 0; i < SENTRY_TRACE_MAX_DSC - 7; ++i) escaped += "%41";
  d.parse("sentry-release=" + escaped);
  CHECK(d.sentry("release") == std::string(SENTRY_TRACE_MAX_DSC - 7, 'A'));
  CHECK(d.dropped_members() == 0);
  d.parse("sentry-a=b");
  CHECK(d.dropped_members() == 1);
}

TEST_CASE("the usual sentry-trace form is read without the matcher, and rejected as the matcher rejects it") {
  const std::string t = "4bf92f3577b34da6a3ce929d0e0e4736", s = "00f067aa0ba902b7";
  st::trace_parent p;
  REQUIRE(st::parse_sentry_trace(t + "-" + s + "-1", p));
  CHECK(hex(p.trace) == t);
  CHECK(hex(p.parent) == s);
  CHECK(p.sampled == pd::sampled);
  REQUIRE(st::parse_sentry_trace(" " + t + "-" + s + "-0\t", p));
  CHECK(p.sampled == pd::not_sampled);
  st::trace_parent untouched;
  for (const std::string& bad : {"4BF92F3577B34DA6A3CE929D0E0E4736-" + s + "-1", t + "-00F067AA0BA902B7-1",
                                 std::string(32, '0') + "-" + s + "-1", t + "-" + std::string(16, '0') + "-1",
                                 t + "-" + s.substr(0, 15) + "g-1", "g" + t.substr(1) + "-" + s + "-1"}) {
    CAPTURE(bad);
    REQUIRE(bad.size() == 51);
    CHECK_FALSE(st::parse_sentry_trace(bad, untouched));
    CHECK(untouched.trace.is_zero());
  }
}

TEST_CASE("baggage_writer: a checked member is refused whole where set_sentry refuses it, and takes no room") {
  char out[64];
  st::detail::baggage_writer w(out, sizeof out);
  using r = st::detail::baggage_writer;
  CHECK(w.checked_sentry_member("release", "a\nb") == r::refused);
  CHECK(w.checked_sentry_member("release", "\xFF") == r::refused);
  CHECK(w.checked_sentry_member("", "x") == r::refused);
  CHECK(w.checked_sentry_member("x", "") == r::refused);
  CHECK(w.size() == 0);
  CHECK(w.checked_sentry_member("environment", "caf\xC3\xA9") == r::written);
  CHECK(w.checked_sentry_member("transaction", std::string(40, '/')) == r::no_room);
  CHECK(w.checked_sentry_member("release", "1") == r::written);
  CHECK(std::string(out, w.size()) == "sentry-environment=caf%C3%A9,sentry-release=1");
  // The same members through set_sentry and write_header give the same value.
  st::baggage b;
  for (auto kv : {std::pair<const char*, std::string>{"release", "a\nb"}, {"environment", "caf\xC3\xA9"}, {"release", "1"}})
    b.set_sentry(kv.first, kv.second);
  CHECK(header(b) == "sentry-environment=caf%C3%A9,sentry-release=1");
}

} // TEST_SUITE
