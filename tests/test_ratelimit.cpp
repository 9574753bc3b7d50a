// Tests for sentry_trace/protocol/ratelimit.hpp: X-Sentry-Rate-Limits and Retry-After as the SDKs apply
// them (PROTOCOL.md §10), per data category, with hostile header values.

#include "sentry_trace/protocol/ratelimit.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace {

namespace st = sentry_trace;
using st::data_category;
using st::detail::rate_limiter;

constexpr std::uint64_t t0 = 1'000'000;  // monotonic ms of the response
constexpr std::uint64_t day_s = 24 * 60 * 60;
constexpr data_category all_categories[] = {data_category::transaction, data_category::span,
                                            data_category::error, data_category::internal};

/// One response and the seconds each category is then blocked for: transaction, span, error,
/// internal (client reports).
struct header_case {
  const char* name;
  int status;
  std::string rate_limits;
  std::string retry_after;
  std::uint64_t seconds[4];
};

const header_case header_cases[] = {
    // PROTOCOL.md's example: the 120 s "all" limit covers client reports too.
    {"protocol example", 429, "30:transaction;span:project:usage_exceeded, 120::organization", "",
     {120, 120, 120, 120}},
    {"category limit alone", 429, "30:transaction;span:project:usage_exceeded", "", {30, 30, 0, 0}},
    {"category longer than all", 200, "10::key, 30:transaction:key", "", {30, 10, 10, 10}},
    {"no scope field", 200, "30:error", "", {0, 0, 30, 0}},
    {"empty category list = all", 200, "30::key", "", {30, 30, 30, 30}},
    {"empty category list, blank", 200, "30: \t :key", "", {30, 30, 30, 30}},
    {"extra fields ignored", 200, "30:span:key:reason:custom:more:fields", "", {0, 30, 0, 0}},
    // Spaces, tabs, CR and LF around fields and categories.
    {"spaces", 200, "  30 : transaction ; span : project ,  5 :error: key ", "", {30, 30, 5, 0}},
    {"tabs and newlines", 200, "\t30\t:\ttransaction\r\n,\r\n7:error:key\r\n", "", {30, 0, 7, 0}},
    // Float seconds are rounded up (JS truncates).
    {"float rounds up", 200, "2.5:transaction:key, 2.001:span:key, 7.0:error:key", "", {3, 3, 7, 0}},
    {"float below one second", 200, "0.1:error:key", "", {0, 0, 1, 0}},
    {"zero seconds", 200, "0:transaction:key", "", {0, 0, 0, 0}},
    // Unknown categories are skipped, known ones in the same limit still apply.
    {"unknown category", 200, "30:transaction;foo;bar:project", "", {30, 0, 0, 0}},
    {"upper case is unknown", 200, "30:Transaction;SPAN:project", "", {0, 0, 0, 0}},
    {"empty entries skipped", 200, "30:;span;;:project", "", {0, 30, 0, 0}},
    // A limit whose categories are all unknown (or only ones we never send) changes nothing.
    {"all unknown ignored", 429, "30:foo;bar:project", "", {0, 0, 0, 0}},
    {"only other categories", 429, "30:attachment;session;default;profile;replay;log_item:project", "",
     {0, 0, 0, 0}},
    {"metric_bucket with namespaces", 429, "30:metric_bucket:organization:quota:custom", "", {0, 0, 0, 0}},
    {"internal by name is not all", 429, "30:internal:project", "", {0, 0, 0, 0}},
    {"all-unknown beside a real one", 200, "30:foo:key, 40:error:key", "", {0, 0, 40, 0}},
    // The longer limit wins, whatever the order.
    {"longer wins, long first", 200, "60:transaction:key, 10:transaction:key", "", {60, 0, 0, 0}},
    {"longer wins, short first", 200, "10:transaction:key, 60:transaction;span:key", "", {60, 60, 0, 0}},
    {"longer wins, all", 200, "90::key, 10::org", "", {90, 90, 90, 90}},
    // X-Sentry-Rate-Limits present: Retry-After is ignored.
    {"rate limits beat retry-after", 429, "30:transaction:key", "120", {30, 0, 0, 0}},
    {"rate limits beat retry-after on 200", 200, "30:error:key", "120", {0, 0, 30, 0}},
    {"all-unknown still beats retry-after", 429, "30:attachment:key", "120", {0, 0, 0, 0}},
    // Retry-After: all categories, on any status.
    {"retry-after on 429", 429, "", "42", {42, 42, 42, 42}},
    {"retry-after on 503", 503, "", "42", {42, 42, 42, 42}},
    {"retry-after on 200", 200, "", "42", {42, 42, 42, 42}},
    {"retry-after with spaces", 429, "", "  42 \r\n", {42, 42, 42, 42}},
    {"retry-after float", 429, "", "2.5", {3, 3, 3, 3}},
    {"retry-after HTTP date = 60 s", 429, "", "Wed, 21 Oct 2015 07:28:00 GMT", {60, 60, 60, 60}},
    {"retry-after garbage = 60 s", 503, "", "soon", {60, 60, 60, 60}},
    {"retry-after negative = 60 s", 429, "", "-5", {60, 60, 60, 60}},
    {"blank retry-after is absent", 200, "", " \t ", {0, 0, 0, 0}},
    // Nothing but the status.
    {"429 alone = 60 s", 429, "", "", {60, 60, 60, 60}},
    {"200 alone", 200, "", "", {0, 0, 0, 0}},
    {"500 alone", 500, "", "", {0, 0, 0, 0}},
    {"413 alone", 413, "", "", {0, 0, 0, 0}},
    // 24 h cap.
    {"capped at 24 h", 200, "100000:transaction:key", "", {day_s, 0, 0, 0}},
    {"huge number capped", 200, "99999999999999999999999999999:error:key", "", {0, 0, day_s, 0}},
    {"retry-after capped", 429, "", "999999", {day_s, day_s, day_s, day_s}},
    // Garbage in X-Sentry-Rate-Limits: no limit, and it does not hide the status's own rule.
    {"colons only", 200, ":::", "", {0, 0, 0, 0}},
    {"colons only on 429", 429, ":::", "", {60, 60, 60, 60}},
    {"colons only with retry-after", 503, ":::", "5", {5, 5, 5, 5}},
    {"letters as seconds", 200, "abc:transaction", "", {0, 0, 0, 0}},
    {"letters as seconds, scoped", 200, "abc:transaction:key", "", {0, 0, 0, 0}},
    {"empty seconds", 200, ":transaction:key", "", {0, 0, 0, 0}},
    {"signed seconds", 200, "-5:transaction:key, +5:span:key", "", {0, 0, 0, 0}},
    {"exponent seconds", 200, "1e3:transaction:key", "", {0, 0, 0, 0}},
    {"space inside seconds", 200, "3 0:transaction:key", "", {0, 0, 0, 0}},
    {"dot forms", 200, "2.:transaction:key, .5:span:key, 1.2.3:error:key", "", {0, 0, 0, 0}},
    {"no category field", 200, "30", "", {0, 0, 0, 0}},
    {"commas only", 200, ",,, ,", "", {0, 0, 0, 0}},
    {"semicolons only", 200, "30:;;;:key", "", {0, 0, 0, 0}},
    {"CR LF inside a category", 200, "30:trans\r\naction:key", "", {0, 0, 0, 0}},
    {"header injection", 200, "30:foo\r\nX-Evil: 1", "", {0, 0, 0, 0}},
    {"blank rate limits is absent", 429, " \r\n ", "", {60, 60, 60, 60}},
    {"garbage beside a good limit", 200, "abc, :::, 30:span:key, -1:error:key", "", {0, 30, 0, 0}},
    {"embedded NUL", 200, std::string("30:tran\0saction:key", 19), "", {0, 0, 0, 0}},
    {"NUL in seconds", 200, std::string("3\0:error:key", 12), "", {0, 0, 0, 0}},
    {"high bytes", 200, "\xff\xfe:\x80\x81:key", "", {0, 0, 0, 0}},
    {"very long letters", 200, std::string(100000, 'a'), "", {0, 0, 0, 0}},
    {"very long colons", 200, std::string(100000, ':'), "", {0, 0, 0, 0}},
    {"very long commas", 429, std::string(100000, ','), "", {60, 60, 60, 60}},
    {"very long category", 200, "30:" + std::string(100000, 'x') + ":key", "", {0, 0, 0, 0}},
    {"very long digits", 200, std::string(100000, '9') + ":error:key", "", {0, 0, day_s, 0}},
    {"very long fraction", 200, "1." + std::string(100000, '0') + "1:error:key", "", {0, 0, 2, 0}},
    {"very long retry-after", 429, "", std::string(100000, 'x'), {60, 60, 60, 60}},
};

constexpr data_category classified_at_compile_time(std::string_view name) {
  data_category c = data_category::count_;
  st::detail::classify_rate_limit_category(name, c);
  return c;
}

std::string repeated(std::string_view s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

} // namespace

TEST_SUITE("ratelimit") {

TEST_CASE("each header case limits exactly the expected categories") {
  for (const header_case& hc : header_cases) {
    CAPTURE(hc.name);
    rate_limiter rl;
    rl.update(hc.status, hc.rate_limits, hc.retry_after, t0);
    for (std::size_t i = 0; i < 4; ++i) {
      data_category c = all_categories[i];
      CAPTURE(st::to_string(c));
      const std::uint64_t expected_ms = hc.seconds[i] * 1000;
      CHECK(rl.wait_ms(c, t0) == expected_ms);
      CHECK(rl.is_limited(c, t0) == (expected_ms != 0));
      // Expiry: limited until the last millisecond, free from the deadline on.
      if (expected_ms != 0) CHECK(rl.is_limited(c, t0 + expected_ms - 1));
      CHECK_FALSE(rl.is_limited(c, t0 + expected_ms));
      CHECK(rl.wait_ms(c, t0 + expected_ms) == 0);
    }
  }
}

TEST_CASE("many limits in one header are all applied") {
  rate_limiter rl;
  rl.update(200, repeated("30:foo:key, ", 5000) + "45:span:key", "", t0);
  CHECK(rl.wait_ms(data_category::span, t0) == 45000);
  CHECK_FALSE(rl.is_limited(data_category::transaction, t0));
}

TEST_CASE("a limit expires and wait_ms counts down") {
  rate_limiter rl;
  rl.update(429, "30:transaction:key", "", t0);
  CHECK(rl.wait_ms(data_category::transaction, t0) == 30000);
  CHECK(rl.wait_ms(data_category::transaction, t0 + 10000) == 20000);
  CHECK(rl.is_limited(data_category::transaction, t0 + 29999));
  CHECK_FALSE(rl.is_limited(data_category::transaction, t0 + 30000));
  CHECK_FALSE(rl.is_limited(data_category::transaction, t0 + 1'000'000'000));
  // A time before the response (a clock that was read earlier) is still limited.
  CHECK(rl.is_limited(data_category::transaction, 0));
}

TEST_CASE("the longer of an existing and a new limit wins across responses") {
  rate_limiter rl;
  rl.update(429, "60:transaction:key", "", t0);
  rl.update(429, "10:transaction:key", "", t0 + 1000);  // would end at t0 + 11 s: shorter
  CHECK(rl.wait_ms(data_category::transaction, t0) == 60000);
  rl.update(429, "100:transaction:key", "", t0 + 1000);  // ends at t0 + 101 s: longer
  CHECK(rl.wait_ms(data_category::transaction, t0) == 101000);
  // A shorter "all" does not shorten a category limit, and a longer one extends it.
  rl.update(429, "", "5", t0);
  CHECK(rl.wait_ms(data_category::transaction, t0) == 101000);
  CHECK(rl.wait_ms(data_category::span, t0) == 5000);
  rl.update(429, "200::org", "", t0);
  CHECK(rl.wait_ms(data_category::transaction, t0) == 200000);
  // A 200 without headers lifts nothing: limits only end by time.
  rl.update(200, "", "", t0 + 1);
  CHECK(rl.is_limited(data_category::error, t0 + 1));
}

TEST_CASE("client reports (internal) are limited only by an all limit") {
  rate_limiter rl;
  rl.update(429, "300:transaction;span;error;internal;default:key", "", t0);
  CHECK(rl.is_limited(data_category::transaction, t0));
  CHECK(rl.is_limited(data_category::span, t0));
  CHECK(rl.is_limited(data_category::error, t0));
  CHECK_FALSE(rl.is_limited(data_category::internal, t0));
  CHECK(rl.wait_ms(data_category::internal, t0) == 0);
  rl.update(200, "20::organization", "", t0);
  CHECK(rl.wait_ms(data_category::internal, t0) == 20000);
  CHECK(rl.wait_ms(data_category::transaction, t0) == 300000);
}

TEST_CASE("clear forgets every limit") {
  rate_limiter rl;
  rl.update(429, "30:transaction:key, 60::org", "", t0);
  REQUIRE(rl.is_limited(data_category::internal, t0));
  rl.clear();
  for (data_category c : all_categories) CHECK_FALSE(rl.is_limited(c, t0));
}

TEST_CASE("a fresh limiter limits nothing, even at time 0") {
  rate_limiter rl;
  for (data_category c : all_categories) {
    CHECK_FALSE(rl.is_limited(c, 0));
    CHECK(rl.wait_ms(c, 0) == 0);
  }
}

TEST_CASE("deadlines saturate instead of wrapping near the end of the clock") {
  rate_limiter rl;
  const std::uint64_t late = UINT64_MAX - 5;
  rl.update(429, "30:error:key", "", late);
  CHECK(rl.is_limited(data_category::error, late));
  CHECK(rl.wait_ms(data_category::error, late) == 5);
  CHECK(rl.is_limited(data_category::error, UINT64_MAX - 1));
  rl.update(429, "", "", late);
  CHECK(rl.is_limited(data_category::internal, late));
}

TEST_CASE("parse_retry_seconds accepts plain decimal seconds only") {
  struct good { const char* text; std::uint64_t seconds; };
  const good goods[] = {{"30", 30},     {"0", 0},       {"2.5", 3},   {"2.0", 2},     {"2.000", 2},
                        {"0.001", 1},   {" 60 ", 60},   {"\t7\r\n", 7}, {"007", 7},    {"86400", 86400},
                        {"18446744073709551615", UINT64_MAX},
                        {"18446744073709551616", UINT64_MAX},  // saturates
                        {"18446744073709551615.5", UINT64_MAX}};
  for (const good& g : goods) {
    CAPTURE(g.text);
    std::uint64_t s = 12345;
    CHECK(st::detail::parse_retry_seconds(g.text, s));
    CHECK(s == g.seconds);
  }
  const char* bads[] = {"",    " ",    "-1",  "+1",   "1e3",  "1E3", ".5",   "2.",   "2.5.1", "3 0",
                        "abc", "30s",  "0x10", "1,5", "inf",  "nan", "2.5 s", "--", "Wed, 21 Oct 2015 07:28:00 GMT"};
  for (const char* b : bads) {
    CAPTURE(b);
    std::uint64_t s = 12345;
    CHECK_FALSE(st::detail::parse_retry_seconds(b, s));
    CHECK(s == 12345);  // untouched on failure
  }
}

TEST_CASE("category names: ours, Sentry's others, unknown") {
  using st::detail::classify_rate_limit_category;
  using st::detail::rate_limit_category;
  data_category c = data_category::count_;
  CHECK(classify_rate_limit_category("transaction", c) == rate_limit_category::ours);
  CHECK(c == data_category::transaction);
  CHECK(classify_rate_limit_category("span", c) == rate_limit_category::ours);
  CHECK(c == data_category::span);
  CHECK(classify_rate_limit_category("error", c) == rate_limit_category::ours);
  CHECK(c == data_category::error);
  CHECK(classify_rate_limit_category("profile", c) == rate_limit_category::ours);
  CHECK(c == data_category::profile);
  CHECK(classify_rate_limit_category("profile_chunk", c) == rate_limit_category::ours);
  CHECK(c == data_category::profile_chunk);
  for (const char* other : {"default", "attachment", "session", "replay", "monitor",
                            "log_item", "log_byte", "security", "feedback", "trace_metric", "metric_bucket",
                            "internal"}) {
    CAPTURE(other);
    CHECK(classify_rate_limit_category(other, c) == rate_limit_category::other);
  }
  for (const char* unknown : {"", "Transaction", "spans", "errors", "event", "all", "client_report", " span"}) {
    CAPTURE(unknown);
    CHECK(classify_rate_limit_category(unknown, c) == rate_limit_category::unknown);
  }
  static_assert(classified_at_compile_time("span") == data_category::span, "usable at compile time");
}

TEST_CASE("RAM: one 64-bit deadline per category plus all") {
  static_assert(sizeof(rate_limiter) == 8 * (static_cast<std::size_t>(data_category::count_) + 1), "RAM figure");
  CHECK(sizeof(rate_limiter) == 56);
}

} // TEST_SUITE
