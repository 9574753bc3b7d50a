// Tests for sentry_trace/sampling.hpp: the sampling policy (PROTOCOL.md §9), sample_rand, the
// inline sampler, decimal parsing, and sampling end to end through init() with client reports.

#include "fixture.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace st = sentry_trace;
using test_support::env_guard;
using test_support::harness;

constexpr double unset = st::options::unset;
const double nan_value = std::numeric_limits<double>::quiet_NaN();

st::sampling_context context(std::string_view name, st::parent_decision parent = st::parent_decision::none,
                             double parent_rate = -1.0) {
  st::sampling_context c;
  c.name = name;
  c.parent_sampled = parent;
  c.parent_sample_rate = parent_rate;
  return c;
}

double always(const st::sampling_context&) { return 1.0; }

/// Makes this thread's next random_u64() return 0 (a keystream value the test writes into the
/// thread's buffer).
void force_next_random_zero() { test_support::force_next_random(0); }
double never(const st::sampling_context&) { return 0.0; }

} // namespace

TEST_SUITE("sampling") {

TEST_CASE("a traces_sampler beats the parent's decision and the rate") {
  harness h;
  REQUIRE(h.init());
  st::traces_sampler_fn keep = always;
  st::traces_sampler_fn drop = never;
  // The sampler says keep; parent says no; rate says no.
  st::sampling_decision d = st::detail::sample(keep, 0.0, context("a", st::parent_decision::not_sampled, 0.0), 0);
  CHECK(d.sampled);
  CHECK(d.sample_rate_known);
  CHECK(d.sample_rate == 1.0);
  CHECK_FALSE(d.rate_invalid);
  // The sampler says drop; parent says yes; rate says yes.
  d = st::detail::sample(drop, 1.0, context("a", st::parent_decision::sampled, 1.0), 0);
  CHECK_FALSE(d.sampled);
  CHECK(d.sample_rate_known);
  CHECK(d.sample_rate == 0.0);
  CHECK_FALSE(d.rate_invalid);
}

TEST_CASE("the parent's decision beats traces_sample_rate") {
  harness h;
  REQUIRE(h.init());
  st::traces_sampler_fn none;
  st::sampling_decision d = st::detail::sample(none, 0.0, context("a", st::parent_decision::sampled), 999999);
  CHECK(d.sampled);
  CHECK_FALSE(d.sample_rate_known);  // inherited without a rate
  d = st::detail::sample(none, 0.0, context("a", st::parent_decision::sampled, 0.5), 999999);
  CHECK(d.sampled);
  CHECK(d.sample_rate_known);
  CHECK(d.sample_rate == 0.5);
  d = st::detail::sample(none, 1.0, context("a", st::parent_decision::not_sampled, 0.5), 0);
  CHECK_FALSE(d.sampled);
  CHECK(d.sample_rate == 0.5);
  // Even with no rate configured at all.
  d = st::detail::sample(none, unset, context("a", st::parent_decision::sampled), 0);
  CHECK(d.sampled);
}

TEST_CASE("the rate decides when there is neither sampler nor parent decision, and unset decides nothing") {
  harness h;
  REQUIRE(h.init());
  st::traces_sampler_fn none;
  st::sampling_decision d = st::detail::sample(none, 0.25, context("a"), 249999);
  CHECK(d.sampled);
  CHECK(d.sample_rate_known);
  CHECK(d.sample_rate == 0.25);
  d = st::detail::sample(none, 0.25, context("a"), 250000);
  CHECK_FALSE(d.sampled);
  CHECK(d.sample_rate == 0.25);
  d = st::detail::sample(none, unset, context("a"), 0);
  CHECK_FALSE(d.sampled);
  CHECK_FALSE(d.sample_rate_known);
  CHECK_FALSE(d.rate_invalid);
}

TEST_CASE("rate 0 never samples and rate 1 always does, whatever sample_rand is") {
  harness h;
  REQUIRE(h.init());
  st::traces_sampler_fn none;
  int sampled_at_0 = 0, sampled_at_1 = 0;
  for (std::uint32_t r = 0; r < 1000000; r += 997) {
    sampled_at_0 += st::detail::sample(none, 0.0, context("a"), r).sampled ? 1 : 0;
    sampled_at_1 += st::detail::sample(none, 1.0, context("a"), r).sampled ? 1 : 0;
  }
  CHECK(sampled_at_0 == 0);
  CHECK(sampled_at_1 == 1004);  // every r tried: 0, 997, ..., 999 * 997 + ... < 1e6
  // The extremes of sample_rand.
  CHECK_FALSE(st::detail::sample(none, 0.0, context("a"), 0).sampled);
  CHECK(st::detail::sample(none, 1.0, context("a"), 999999).sampled);
  st::traces_sampler_fn zero = never;
  st::traces_sampler_fn one = always;
  CHECK_FALSE(st::detail::sample(zero, unset, context("a"), 0).sampled);
  CHECK(st::detail::sample(one, unset, context("a"), 999999).sampled);
}

TEST_CASE("an invalid sampler result (1.5, -0.1, NaN) is not sampled and is flagged") {
  harness h;
  REQUIRE(h.init());
  const double results[] = {1.5, -0.1, nan_value, std::numeric_limits<double>::infinity()};
  for (double result : results) {
    CAPTURE(result);
    st::traces_sampler_fn bad = [result](const st::sampling_context&) { return result; };
    // Not even a sampled parent or rate 1 rescues it: the sampler decided, wrongly.
    st::sampling_decision d = st::detail::sample(bad, 1.0, context("a", st::parent_decision::sampled, 1.0), 0);
    CHECK_FALSE(d.sampled);
    CHECK(d.rate_invalid);
  }
}

TEST_CASE("an invalid traces_sample_rate reaching detail::sample is not sampled and is flagged") {
  harness h;
  REQUIRE(h.init());
  st::traces_sampler_fn none;
  const double rates[] = {1.5, 2.0};  // (NaN reads as "unset" here; init() refuses it before)
  for (double rate : rates) {
    st::sampling_decision d = st::detail::sample(none, rate, context("a"), 0);
    CHECK_FALSE(d.sampled);
    CHECK(d.rate_invalid);
  }
}

#if SENTRY_TRACE_EXCEPTIONS
TEST_CASE("a throwing sampler falls back to the parent's decision, then to the rate") {
  harness h;
  REQUIRE(h.init());
  int calls = 0;
  st::traces_sampler_fn thrower = [&calls](const st::sampling_context&) -> double {
    ++calls;
    throw std::runtime_error("sampler failed");
  };
  st::sampling_decision d = st::detail::sample(thrower, 0.0, context("a", st::parent_decision::sampled, 0.5), 999999);
  CHECK(d.sampled);
  CHECK(d.sample_rate == 0.5);
  CHECK_FALSE(d.rate_invalid);
  d = st::detail::sample(thrower, 1.0, context("a", st::parent_decision::not_sampled), 0);
  CHECK_FALSE(d.sampled);
  d = st::detail::sample(thrower, 1.0, context("a"), 999999);
  CHECK(d.sampled);
  CHECK(d.sample_rate == 1.0);
  d = st::detail::sample(thrower, 0.0, context("a"), 0);
  CHECK_FALSE(d.sampled);
  CHECK(d.sample_rate_known);
  d = st::detail::sample(thrower, unset, context("a"), 0);
  CHECK_FALSE(d.sampled);
  CHECK_FALSE(d.sample_rate_known);
  CHECK(calls == 5);
  CHECK(d.sampler_threw);
}

TEST_CASE("a throwing sampler given to init() does not escape start_span, which then uses the rate") {
  harness h;
  h.opts.traces_sampler = [](const st::sampling_context&) -> double { throw 42; };
  h.opts.traces_sample_rate = 1.0;
  h.opts.debug = true;
  REQUIRE(h.init());
  { st::scoped_span root({"GET /throwing-sampler", "http.server"}); CHECK(root->is_recording()); }
  CHECK(h.transport.transactions().size() == 1);
  CHECK(h.log.contains("traces_sampler threw"));  // the fallback is not silent
}
#endif

TEST_CASE("a capturing lambda sampler is stored inline, copied with its captures, and sees the context") {
  harness h;
  REQUIRE(h.init());
  static_assert(sizeof(st::traces_sampler_fn) <= 64 + 2 * sizeof(void*) + alignof(std::max_align_t),
                "the sampler is its 64-byte buffer plus two function pointers");
  int threshold = 3;
  std::string seen;
  std::string* seen_ptr = &seen;
  auto lambda = [threshold, seen_ptr](const st::sampling_context& c) {
    *seen_ptr = std::string(c.name) + "/" + std::string(c.op);
    return c.name.size() > static_cast<std::size_t>(threshold) ? 1.0 : 0.0;
  };
  static_assert(sizeof(lambda) <= 2 * sizeof(void*),
                "captures an int and a pointer");
  st::traces_sampler_fn fn = lambda;
  REQUIRE(static_cast<bool>(fn));
  st::traces_sampler_fn copy = fn;  // a copy carries the captures
  fn.reset();
  CHECK_FALSE(static_cast<bool>(fn));
  REQUIRE(static_cast<bool>(copy));
  st::sampling_context c = context("abcd");
  c.op = "task";
  CHECK(copy(c) == 1.0);
  CHECK(seen == "abcd/task");
  CHECK(copy(context("ab")) == 0.0);
  CHECK(seen == "ab/");
  st::traces_sampler_fn assigned;
  assigned = copy;
  CHECK(assigned(context("abcdef")) == 1.0);
  CHECK(seen == "abcdef/");
}

TEST_CASE("decide compares sample_rand micros with the rate: rand < rate") {
  harness h;
  REQUIRE(h.init());
  CHECK(st::detail::decide(0.5, 499999));
  CHECK_FALSE(st::detail::decide(0.5, 500000));
  CHECK(st::detail::decide(0.25, 249999));
  CHECK_FALSE(st::detail::decide(0.25, 250000));
  CHECK(st::detail::decide(0.3, 299999));
  CHECK_FALSE(st::detail::decide(0.3, 300000));
  CHECK(st::detail::decide(0.000001, 0));
  CHECK_FALSE(st::detail::decide(0.000001, 1));
  CHECK(st::detail::decide(1.0, 999999));
  CHECK_FALSE(st::detail::decide(0.0, 0));
  CHECK(st::detail::decide(0.1234565, 123456));  // 0.123456 < 0.1234565
  CHECK_FALSE(st::detail::decide(0.1234565, 123457));
  static_assert(st::detail::decide(0.5, 0), "usable in constant expressions");
}

TEST_CASE("sample_rand_within draws below the rate when sampled and at or above it when not") {
  harness h;
  REQUIRE(h.init());
  const double rates[] = {0.25, 0.5, 0.3, 0.7, 0.1234565, 0.000001, 0.999999, 0.0000005};
  for (double rate : rates) {
    CAPTURE(rate);
    std::uint32_t lo_sampled = 1000000, hi_sampled = 0, lo_unsampled = 1000000, hi_unsampled = 0;
    int inconsistent = 0;
    for (int i = 0; i < 5000; ++i) {
      std::uint32_t s = st::detail::sample_rand_within(rate, true);
      std::uint32_t u = st::detail::sample_rand_within(rate, false);
      lo_sampled = s < lo_sampled ? s : lo_sampled;
      hi_sampled = s > hi_sampled ? s : hi_sampled;
      lo_unsampled = u < lo_unsampled ? u : lo_unsampled;
      hi_unsampled = u > hi_unsampled ? u : hi_unsampled;
      // PROTOCOL.md §8: sample_rand < sample_rate exactly when sampled.
      if (!st::detail::decide(rate, s) || st::detail::decide(rate, u)) ++inconsistent;
    }
    CHECK(inconsistent == 0);
    CHECK(hi_sampled < 1000000);
    CHECK(hi_unsampled < 1000000);
    CHECK(static_cast<double>(hi_sampled) < rate * 1e6);
    CHECK(static_cast<double>(lo_unsampled) >= rate * 1e6);
  }
  // The lowest value an unsampled parent can get must not fall below the rate: PROTOCOL.md §9.4
  // draws from [rate, 1), and the decision is sample_rand < rate.
  const double unaligned[] = {0.1234565, 0.0000005, 0.5000001, 0.25, 0.3};
  for (double rate : unaligned) {
    CAPTURE(rate);
    force_next_random_zero();
    std::uint32_t lowest = st::detail::sample_rand_within(rate, false);
    CHECK_FALSE(st::detail::decide(rate, lowest));
    CHECK(static_cast<double>(lowest) >= rate * 1e6);
    CHECK(static_cast<double>(lowest) < rate * 1e6 + 1.0);
  }
  // Whole ranges for a round rate: both ends are reached over many draws.
  std::uint32_t lo = 1000000, hi = 0;
  for (int i = 0; i < 20000; ++i) {
    std::uint32_t u = st::detail::sample_rand_within(0.5, false);
    lo = u < lo ? u : lo;
    hi = u > hi ? u : hi;
  }
  CHECK(lo >= 500000);
  CHECK(lo < 502000);  // missing [500000, 502000) in 20000 draws: p = e^-80
  CHECK(hi > 998000);
  CHECK(hi <= 999999);
  // Degenerate parents: rate 0 sampled has nothing below it; rate 1 unsampled nothing above.
  CHECK(st::detail::sample_rand_within(0.0, true) == 0);
  CHECK(st::detail::sample_rand_within(1.0, false) == 999999);
  for (int i = 0; i < 1000; ++i) {
    CHECK(st::detail::sample_rand_within(0.0, false) < 1000000);
    CHECK(st::detail::sample_rand_within(1.0, true) < 1000000);
  }
}

TEST_CASE("new_sample_rand is in [0, 1) and spread over the range") {
  harness h;
  REQUIRE(h.init());
  int buckets[10] = {};
  bool in_range = true;
  for (int i = 0; i < 100000; ++i) {
    std::uint32_t r = st::detail::new_sample_rand();
    in_range = in_range && r < 1000000;
    ++buckets[(r < 1000000 ? r : 999999) / 100000];
  }
  CHECK(in_range);
  for (int b : buckets) {
    CHECK(b > 9000);
    CHECK(b < 11000);
  }
}

TEST_CASE("parse_decimal accepts plain decimals and refuses signs, exponents, commas and junk") {
  harness h;
  REQUIRE(h.init());
  struct good_t {
    const char* text;
    double value;  // the double nearest to the text: what strtod, parseFloat and float() give
  };
  const good_t good[] = {{"1", 1.0},          {"0", 0.0},     {"0.25", 0.25},  {".5", 0.5},
                         {"1.0", 1.0},        {"5.", 5.0},    {"0.1", 0.1},    {"0.000001", 0.000001},
                         {"0.421337", 0.421337}, {"0.3", 0.3}, {"0.30000000000000004", 0.30000000000000004},
                         {"0.999999", 0.999999}, {"00.5000", 0.5}};
  for (const good_t& g : good) {
    CAPTURE(g.text);
    double out = -7.0;
    REQUIRE(st::detail::parse_decimal(g.text, out));
    CHECK(out == g.value);  // exact: the nearest double, not one a rounding step away
  }
  const char* bad[] = {"", "-1", "+1", "1e-3", "1E3", "0,5", "abc", "1.2.3", ".", " 1", "1 ", "0x1", "nan", "inf", "1.5%"};
  for (const char* text : bad) {
    CAPTURE(text);
    double out = -7.0;
    CHECK_FALSE(st::detail::parse_decimal(text, out));
    CHECK(out == -7.0);
  }
  static_assert([] {
    st::detail::decimal_text d;
    return st::detail::parse_decimal("0.5", d) && st::detail::decimal_scaled(d, 6) == 500000;
  }(), "usable in constant expressions");
}

TEST_CASE("decimal_to_double is the nearest double, as strtod gives it, for long and short inputs") {
  // strtod is correctly rounded in glibc and in every C library the tests run on; it is the
  // reference here only, the library never calls it.
  const char* texts[] = {"0.1", "0.2", "0.7", "0.123456789012345678", "0.30000000000000004", "0.3000000000000000444",
                         "0.30000000000000001665334536937734810635447502136230468750",  // the midpoint: ties to even
                         "0.30000000000000001665334536937734810635447502136230468751",
                         "123456789012345678901234567890", "0.000000000000000000000000000001", "1.7976931348623157",
                         "9007199254740993", "9007199254740995", "0.0000001", "4.9406564584124654e", "0.99999999999999999"};
  for (const char* text : texts) {
    std::string t = text;
    if (t.back() == 'e') t.pop_back();
    CAPTURE(t);
    double out = -1.0;
    REQUIRE(st::detail::parse_decimal(t, out));
    CHECK(out == std::strtod(t.c_str(), nullptr));
  }
  // The ends of the range: subnormals, half the smallest one, the largest double, overflow.
  const std::string tiny = "0." + std::string(323, '0');
  const std::string extremes[] = {tiny + "494065645841246544", tiny + "247", tiny + "2470328229206232720883",
                                  "0." + std::string(307, '0') + "22250738585072011", "17976931348623157" + std::string(292, '0'),
                                  "17976931348623159" + std::string(292, '0'), "18" + std::string(307, '0')};
  for (const std::string& t : extremes) {
    CAPTURE(t.size());
    double out = -1.0;
    REQUIRE(st::detail::parse_decimal(t, out));
    CHECK(out == std::strtod(t.c_str(), nullptr));
  }
  // Random digit strings of every length up to 30, with the point anywhere.
  std::uint64_t x = 0x243F6A8885A308D3u;
  auto next = [&x] {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    return x;
  };
  int mismatches = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::size_t len = 1 + next() % 30;
    std::string t;
    for (std::size_t j = 0; j < len; ++j) t += static_cast<char>('0' + next() % 10);
    t.insert(next() % (len + 1), ".");
    double out = -1.0;
    REQUIRE(st::detail::parse_decimal(t, out));
    if (out != std::strtod(t.c_str(), nullptr)) {
      if (++mismatches < 5) MESSAGE("mismatch for ", t);
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("every six-decimal sample_rand is read as exactly its millionths") {
  // The old reader summed digit / 10^i in doubles and truncated rand * 1e6: about 7% of these
  // strings came out one millionth low ("0.000003" read as 2 millionths).
  int wrong = 0;
  char text[16];
  for (std::uint32_t k = 0; k < 1000000; ++k) {
    std::snprintf(text, sizeof text, "0.%06u", static_cast<unsigned>(k));
    std::uint32_t micros = 0xFFFFFFFFu;
    if (!st::detail::parse_sample_rand(text, micros) || micros != k) {
      if (++wrong < 5) MESSAGE("misread ", text, " as ", micros);
    }
  }
  CHECK(wrong == 0);
  struct case_t {
    const char* text;
    bool ok;
    std::uint32_t micros;
  };
  const case_t cases[] = {{"0", true, 0},           {".5", true, 500000},        {"0.9999999", true, 999999},
                          {"0.1234567", true, 123456}, {"0.0000001", true, 0},    {"1", false, 0},
                          {"1.0", false, 0},        {"5e-1", false, 0},          {"0.5abc", false, 0},
                          {"-0.1", false, 0},       {"", false, 0},              {"0.5 ", false, 0}};
  for (const case_t& c : cases) {
    CAPTURE(c.text);
    std::uint32_t micros = 77;
    CHECK(st::detail::parse_sample_rand(c.text, micros) == c.ok);
    CHECK(micros == (c.ok ? c.micros : 77u));
  }
}

TEST_CASE("decide samples exactly when sample_rand < rate, compared as @sentry/core compares two doubles") {
  // @sentry/core: parseFloat(sample_rand) < rate; sentry_sdk: float(sample_rand) < rate. strtod
  // of the propagated text is that double. Every six-decimal sample_rand against each rate.
  const double rates[] = {0.1, 0.2, 0.25, 0.3, 0.7, 0.9, 0.123456, 1.0 / 3.0, 0.000001, 0.999999, 0.5, 0.0, 1.0,
                          0.1234565, 0.30000000000000004};
  std::vector<double> parsed(1000000);
  char text[16];
  for (std::uint32_t k = 0; k < 1000000; ++k) {
    std::snprintf(text, sizeof text, "0.%06u", static_cast<unsigned>(k));
    parsed[k] = std::strtod(text, nullptr);
  }
  for (double rate : rates) {
    CAPTURE(rate);
    int disagree = 0;
    std::uint32_t first = 0;
    for (std::uint32_t k = 0; k < 1000000; ++k) {
      if (st::detail::decide(rate, k) != (parsed[k] < rate) && disagree++ == 0) first = k;
    }
    CAPTURE(first);
    CHECK(disagree == 0);
  }
  // micros_to_double is the nearest double, as division of the two exact operands gives it.
  int off = 0;
  for (std::uint32_t k = 0; k < 1000000; ++k) off += st::detail::micros_to_double(k) == k / 1e6 ? 0 : 1;
  CHECK(off == 0);
  // A rate equal to the sample_rand never samples it, and the next double up always does:
  // rand * 1e6 < rate * 1e6 got both wrong for some rates (0.000123 sampled 0.000123).
  int equal_sampled = 0, above_dropped = 0;
  for (std::uint32_t k = 1; k < 1000000; ++k) {
    const double rate = k / 1e6;
    equal_sampled += st::detail::decide(rate, k) ? 1 : 0;
    above_dropped += st::detail::decide(std::nextafter(rate, 2.0), k) ? 0 : 1;
  }
  CHECK(equal_sampled == 0);
  CHECK(above_dropped == 0);
  CHECK_FALSE(st::detail::decide(0.000123, 123));
  CHECK(st::detail::decide(std::nextafter(0.000075, 1.0), 75));
  // The equal cases spelled out: a sample_rand equal to the rate is never sampled.
  CHECK_FALSE(st::detail::decide(0.1, 100000));
  CHECK_FALSE(st::detail::decide(0.3, 300000));
  CHECK_FALSE(st::detail::decide(0.7, 700000));
  CHECK(st::detail::decide(0.3, 299999));
}

TEST_CASE("a sampler that returns 0 for GET /health drops that transaction, counts it, and keeps others") {
  harness h;
  h.opts.traces_sample_rate = unset;
  h.opts.traces_sampler = [](const st::sampling_context& c) { return c.name == "GET /health" ? 0.0 : 1.0; };
  REQUIRE(h.init());
  {
    st::scoped_span root({"GET /health", "http.server"});
    CHECK(root->is_active());
    CHECK_FALSE(root->is_sampled());
    CHECK_FALSE(root->is_recording());
    { st::scoped_span a({"check db", "db"}); }
    { st::scoped_span b({"check cache", "cache"}); }
    st::span inactive = st::start_inactive_span({"inactive", "task"});
    inactive.end();
  }
  CHECK(h.transport.sent.empty());  // nothing sent for the dropped transaction
  {
    st::scoped_span root({"GET /users", "http.server"});
    CHECK(root->is_recording());
    { st::scoped_span a({"select users", "db"}); }
  }
  auto txns = h.transport.transactions();
  REQUIRE(txns.size() == 1);
  CHECK(txns[0].items[0].body["transaction"].str == "GET /users");
  CHECK(txns[0].header["trace"]["sample_rate"].str == "1");
  REQUIRE(st::flush(0));
  CHECK(h.transport.discarded("sample_rate", "transaction") == 1);
  CHECK(h.transport.discarded("sample_rate", "span") == 4);  // the root and its 3 children
}

TEST_CASE("traces_sampler receives span_options attributes of every kind, and find() looks them up by key") {
  struct seen_t {
    int calls = 0;
    std::size_t count = 0;
    bool all_found = false;
    std::string route;
    st::attribute_value::kind route_kind = st::attribute_value::kind::boolean;
    std::int64_t status = 0;
    st::attribute_value::kind status_kind = st::attribute_value::kind::string;
    double ratio = 0.0;
    st::attribute_value::kind ratio_kind = st::attribute_value::kind::string;
    bool cached = false;
    st::attribute_value::kind cached_kind = st::attribute_value::kind::string;
    bool missing_is_null = false;
    bool attributes_point_at_options = false;
  } seen;
  static const st::attribute* expected_array = nullptr;
  harness h;
  h.opts.traces_sample_rate = unset;
  h.opts.traces_sampler = [p = &seen](const st::sampling_context& c) {
    ++p->calls;
    p->count = c.attribute_count;
    p->attributes_point_at_options = c.attributes == expected_array;
    const st::attribute_value* route = c.find("http.route");
    const st::attribute_value* status = c.find("http.response.status_code");
    const st::attribute_value* ratio = c.find("ratio");
    const st::attribute_value* cached = c.find("cached");
    p->all_found = route && status && ratio && cached;
    if (p->all_found) {
      p->route = std::string(route->as_string());
      p->route_kind = route->type();
      p->status = status->as_int64();
      p->status_kind = status->type();
      p->ratio = ratio->as_double();
      p->ratio_kind = ratio->type();
      p->cached = cached->as_bool();
      p->cached_kind = cached->type();
    }
    p->missing_is_null = c.find("absent") == nullptr && c.find("") == nullptr && c.find("http.rout") == nullptr;
    return 1.0;
  };
  REQUIRE(h.init());
  const st::attribute attrs[] = {
      {"http.route", "/orders/:id"},
      {"http.response.status_code", 200},
      {"ratio", 0.75},
      {"cached", true},
  };
  expected_array = attrs;
  {
    st::span_options o{"GET /orders/:id", "http.server"};
    o.attributes = attrs;
    o.attribute_count = 4;
    st::scoped_span root(o);
    CHECK(root->is_recording());
    // A child is not a transaction: the sampler is not asked again.
    st::span_options co{"child", "db"};
    co.attributes = attrs;
    co.attribute_count = 1;
    st::scoped_span child(co);
  }
  CHECK(seen.calls == 1);
  CHECK(seen.count == 4);
  CHECK(seen.attributes_point_at_options);
  REQUIRE(seen.all_found);
  CHECK(seen.route == "/orders/:id");
  CHECK(seen.route_kind == st::attribute_value::kind::string);
  CHECK(seen.status == 200);
  CHECK(seen.status_kind == st::attribute_value::kind::int64);
  CHECK(seen.ratio == 0.75);
  CHECK(seen.ratio_kind == st::attribute_value::kind::float64);
  CHECK(seen.cached);
  CHECK(seen.cached_kind == st::attribute_value::kind::boolean);
  CHECK(seen.missing_is_null);

  // No attributes: an empty list, and find() finds nothing.
  expected_array = nullptr;
  { st::scoped_span root({"GET /plain", "http.server"}); }
  CHECK(seen.calls == 2);
  CHECK(seen.count == 0);
  CHECK(seen.attributes_point_at_options);
  CHECK_FALSE(seen.all_found);
  CHECK(seen.missing_is_null);
  CHECK(h.transport.transactions().size() == 2);
}

TEST_CASE("sampling_context::find returns the first match and works on a hand-built context") {
  harness h;
  REQUIRE(h.init());
  const st::attribute attrs[] = {{"k", 1}, {"k", "second"}, {"flag", false}};
  st::sampling_context c = context("a");
  CHECK(c.find("k") == nullptr);
  c.attributes = attrs;
  c.attribute_count = 3;
  REQUIRE(c.find("k") != nullptr);
  CHECK(c.find("k")->type() == st::attribute_value::kind::int64);
  CHECK(c.find("k")->as_int64() == 1);
  REQUIRE(c.find("flag") != nullptr);
  CHECK(c.find("flag")->type() == st::attribute_value::kind::boolean);
  CHECK_FALSE(c.find("flag")->as_bool());
  // The other accessors of a value give their zero for the wrong kind.
  CHECK(c.find("k")->as_string().empty());
  CHECK(c.find("k")->as_double() == 0.0);
  c.attribute_count = 1;  // only the first is visible
  CHECK(c.find("flag") == nullptr);
}

TEST_CASE("a sampler deciding on the http.route attribute drops /health, keeps others, and reports the drop") {
  harness h;
  h.opts.traces_sample_rate = unset;
  h.opts.traces_sampler = [](const st::sampling_context& c) {
    const st::attribute_value* route = c.find("http.route");
    return route && route->as_string() == "/health" ? 0.0 : 1.0;
  };
  REQUIRE(h.init());
  auto start = [](std::string_view route) {
    const st::attribute attrs[] = {{"http.route", route}, {"http.request.method", "GET"}};
    st::span_options o{"GET", "http.server"};  // the same name for both: only the attribute differs
    o.attributes = attrs;
    o.attribute_count = 2;
    st::scoped_span root(o);
    st::scoped_span child({"handler", "function"});
    return root->is_sampled();
  };
  CHECK_FALSE(start("/health"));
  CHECK(h.transport.sent.empty());
  CHECK(start("/orders"));
  CHECK_FALSE(start("/health"));
  CHECK(start("/users"));
  auto txns = h.transport.transactions();
  REQUIRE(txns.size() == 2);
  CHECK(txns[0].items[0].body["contexts"]["trace"]["data"]["http.route"].str == "/orders");
  CHECK(txns[1].items[0].body["contexts"]["trace"]["data"]["http.route"].str == "/users");
  for (auto& e : txns) {
    CHECK(e.header["trace"]["sample_rate"].str == "1");
    CHECK(e.items[0].body["contexts"]["trace"]["data"]["sentry.sample_rate"].num == 1.0);
  }
  REQUIRE(st::flush(0));
  CHECK(h.transport.discarded("sample_rate", "transaction") == 2);
  CHECK(h.transport.discarded("sample_rate", "span") == 4);  // 2 roots and their 2 children
}

TEST_CASE("a continued trace's sample_rand is compared as @sentry/core compares it: 0.000249 at rate 0.000249 is dropped") {
  // "0.000249" used to be read as 248 millionths and sampled at a rate of 0.000249.
  const std::string trace = "0af7651916cd43dd8448eb211c80319c";
  const double rates[] = {0.000249, std::nextafter(0.000249, 1.0)};
  for (double rate : rates) {
    CAPTURE(rate);
    harness h;
    h.opts.traces_sample_rate = rate;
    REQUIRE(h.init());
    bool sampled = !(rate > 0.000249);
    st::continue_trace(trace + "-b7ad6b7169203331", "sentry-sample_rand=0.000249,sentry-public_key=k,sentry-trace_id=" + trace, [&] {
      st::start_span({"GET /continued", "http.server"}, [&](st::span& s) { sampled = s.is_sampled(); });
    });
    CHECK(sampled == (rate > 0.000249));
  }
}

TEST_CASE("inside continue_trace the sampler sees the parent's decision and sample rate") {
  struct seen_t {
    int calls = 0;
    st::parent_decision parent = st::parent_decision::none;
    double parent_rate = -2.0;
    std::string name;
  } seen;
  harness h;
  h.opts.traces_sample_rate = unset;
  h.opts.traces_sampler = [p = &seen](const st::sampling_context& c) {
    ++p->calls;
    p->parent = c.parent_sampled;
    p->parent_rate = c.parent_sample_rate;
    p->name = std::string(c.name);
    // Inherit the parent's decision, as the SDKs advise.
    return c.parent_sampled == st::parent_decision::sampled ? 1.0 : 0.0;
  };
  REQUIRE(h.init());
  const std::string trace = "0af7651916cd43dd8448eb211c80319c";
  const std::string parent_span = "b7ad6b7169203331";
  const std::string baggage = "sentry-sample_rate=0.5,sentry-trace_id=" + trace + ",sentry-public_key=public";
  bool sampled = false;
  std::string trace_seen;
  st::continue_trace(trace + "-" + parent_span + "-1", baggage, [&] {
    st::start_span({"GET /continued", "http.server"}, [&](st::span& s) {
      sampled = s.is_sampled();
      char hex[32];
      s.trace().to_hex(hex);
      trace_seen.assign(hex, 32);
    });
  });
  CHECK(seen.calls == 1);
  CHECK(seen.parent == st::parent_decision::sampled);
  CHECK(seen.parent_rate == 0.5);
  CHECK(seen.name == "GET /continued");
  CHECK(sampled);
  CHECK(trace_seen == trace);
  auto txns = h.transport.transactions();
  REQUIRE(txns.size() == 1);
  CHECK(txns[0].items[0].body["contexts"]["trace"]["parent_span_id"].str == parent_span);

  // The same trace marked -0: not_sampled reaches the sampler, which drops it.
  st::continue_trace(trace + "-" + parent_span + "-0", baggage, [&] {
    st::scoped_span root({"GET /continued-0", "http.server"});
    sampled = root->is_sampled();
  });
  CHECK(seen.calls == 2);
  CHECK(seen.parent == st::parent_decision::not_sampled);
  CHECK(seen.parent_rate == 0.5);
  CHECK_FALSE(sampled);

  // Outside continue_trace there is no parent.
  { st::scoped_span root({"GET /fresh", "http.server"}); }
  CHECK(seen.calls == 3);
  CHECK(seen.parent == st::parent_decision::none);
  CHECK(seen.parent_rate < 0.0);
}

TEST_CASE("children started with an explicit unsampled parent are counted as sample_rate spans") {
  harness h;
  h.opts.traces_sample_rate = 0.0;
  REQUIRE(h.init());
  st::span root = st::start_inactive_span({"job", "task"});
  REQUIRE(root.is_active());
  CHECK_FALSE(root.is_sampled());
  st::span child = st::start_inactive_span({"step", "task", root});
  CHECK(child.is_active());
  CHECK(child.trace() == root.trace());
  child.end();
  root.end();
  REQUIRE(st::flush(0));
  CHECK(h.transport.transactions().empty());
  CHECK(h.transport.discarded("sample_rate", "transaction") == 1);
  CHECK(h.transport.discarded("sample_rate", "span") == 2);
}

TEST_CASE("traces_sample_rate unset with no sampler: nothing is sent and nothing is counted") {
  harness h;
  h.opts.traces_sample_rate = unset;
  REQUIRE(h.init());
  {
    st::scoped_span root({"GET /off", "http.server"});
    CHECK(root->is_active());
    CHECK_FALSE(root->is_sampled());
    st::scoped_span child({"child", "db"});
    CHECK_FALSE(child->is_recording());
  }
  st::span orphan_parent = st::start_inactive_span({"bg", "task"});
  st::span orphan_child = st::start_inactive_span({"bg child", "task", orphan_parent});
  orphan_child.end();
  orphan_parent.end();
  CHECK(st::flush(0));
  CHECK(h.transport.sent.empty());
  CHECK(st::get_stats().discarded_total == 0);
}

TEST_CASE("SENTRY_TRACES_SAMPLE_RATE is used when the option is unset") {
  harness h;
  h.opts.traces_sample_rate = unset;
  {
    env_guard rate("SENTRY_TRACES_SAMPLE_RATE", "1");
    REQUIRE(h.init());
  }
  { st::scoped_span root({"GET /env-rate", "http.server"}); }
  auto txns = h.transport.transactions();
  REQUIRE(txns.size() == 1);
  CHECK(txns[0].header["trace"]["sample_rate"].str == "1");

  env_guard rate("SENTRY_TRACES_SAMPLE_RATE", "0");
  REQUIRE(h.init());
  { st::scoped_span root({"GET /env-rate-0", "http.server"}); CHECK_FALSE(root->is_sampled()); }
  REQUIRE(st::flush(0));
  CHECK(h.transport.transactions().size() == 1);
  CHECK(h.transport.discarded("sample_rate", "transaction") == 1);
}

TEST_CASE("SENTRY_TRACES_SAMPLE_RATE is ignored when the option is set") {
  harness h;
  env_guard rate("SENTRY_TRACES_SAMPLE_RATE", "1");
  h.opts.traces_sample_rate = 0.0;
  REQUIRE(h.init());
  { st::scoped_span root({"GET /option-wins", "http.server"}); CHECK_FALSE(root->is_sampled()); }
  REQUIRE(st::flush(0));
  CHECK(h.transport.transactions().empty());
  CHECK(h.transport.discarded("sample_rate", "transaction") == 1);

  env_guard bad("SENTRY_TRACES_SAMPLE_RATE", "banana");
  h.opts.traces_sample_rate = 1.0;
  REQUIRE(h.init());  // the invalid variable is not even read
  { st::scoped_span root({"GET /option-wins-2", "http.server"}); CHECK(root->is_sampled()); }
  CHECK(h.transport.transactions().size() == 1);
}

TEST_CASE("an invalid SENTRY_TRACES_SAMPLE_RATE is ignored with a warning naming it and its value") {
  const char* values[] = {"abc", "1.5", "-0.5", "1e-3", "0,5", "2"};
  for (const char* value : values) {
    CAPTURE(value);
    harness h;
    h.opts.traces_sample_rate = unset;
    env_guard rate("SENTRY_TRACES_SAMPLE_RATE", value);
    REQUIRE(h.init());
    CHECK(st::is_enabled());  // tracing on, the rate unset: traces still propagate
    CHECK(h.log.contains(std::string("init: ignoring SENTRY_TRACES_SAMPLE_RATE=\"") + value + "\""));
    { st::scoped_span root({"GET /bad-env-rate", "http.server"}); CHECK_FALSE(root->is_sampled()); }
  }
}

TEST_CASE("an empty SENTRY_TRACES_SAMPLE_RATE counts as unset") {
  harness h;
  h.opts.traces_sample_rate = unset;
  env_guard rate("SENTRY_TRACES_SAMPLE_RATE", "");
  REQUIRE(h.init());
  { st::scoped_span root({"GET /empty-env", "http.server"}); CHECK_FALSE(root->is_sampled()); }
  CHECK(st::flush(0));
  CHECK(h.transport.sent.empty());
}

TEST_CASE("the DSC's sample_rand agrees with the decision: below sample_rate when sampled") {
  harness h;
  h.opts.traces_sample_rate = 0.5;
  REQUIRE(h.init());
  int sampled = 0;
  for (int i = 0; i < 200; ++i) {
    st::scoped_span root({"GET /half", "http.server"});
    sampled += root->is_sampled() ? 1 : 0;
  }
  auto txns = h.transport.transactions();
  CHECK(txns.size() == static_cast<std::size_t>(sampled));
  CHECK(sampled > 50);
  CHECK(sampled < 150);
  for (auto& e : txns) {
    const std::string& rand = e.header["trace"]["sample_rand"].str;
    REQUIRE(rand.size() == 8);
    CHECK(std::stod(rand) < 0.5);
    CHECK(e.header["trace"]["sample_rate"].str == "0.5");
  }
  REQUIRE(st::flush(0));
  CHECK(h.transport.discarded("sample_rate", "transaction") == static_cast<std::uint64_t>(200 - sampled));
}

} // TEST_SUITE
