// compact_rates.cpp -- the rates of SENTRY_TRACE_DOUBLES=0 (protocol/sampling.hpp) against the
// double arithmetic they replace on small targets.
//
// Built with -DSENTRY_TRACE_DOUBLES=0 as its own program (ctest compact_rates), since every TU
// of a program must agree on the switch. The bit-level helpers must give what the host's
// floating point gives: micros_to_double(k) the double nearest to k / 10^6 for every k, the
// same decisions as the double comparison for rates of six decimals, valid_rate and
// non_negative as the comparisons, and rates read from text to six decimals.
#define SENTRY_TRACE_IMPLEMENTATION
#define SENTRY_TRACE_INTERNALS
#include <sentry_trace.hpp>

#include <cmath>
#include <cstdio>
#include <limits>

namespace d = sentry_trace::detail;

static int failures = 0;
static void check(bool ok, const char* what, double v = 0.0) {
  if (!ok) {
    ++failures;
    std::printf("FAIL: %s (%.17g)\n", what, v);
  }
}

int main() {
  static_assert(!SENTRY_TRACE_DOUBLES, "built with SENTRY_TRACE_DOUBLES=0");
  for (std::uint32_t k = 0; k <= 1000000; ++k) {
    const double exact = static_cast<double>(k) / 1e6;  // correctly rounded on the host
    if (d::micros_to_double(k) != exact) check(false, "micros_to_double(k) == k / 1e6", k);
    if (d::rate_to_micros(exact) != k) check(false, "rate_to_micros(k / 1e6) == k", k);
  }
  const std::uint32_t rates[] = {0, 1, 7, 100000, 250000, 333333, 500000, 999999, 1000000};
  for (std::uint32_t r : rates) {
    const double rate = static_cast<double>(r) / 1e6;
    for (std::uint32_t k : {0u, 1u, 99999u, 100000u, 100001u, 333332u, 333333u, 499999u, 500000u, 999999u}) {
      const bool by_doubles = static_cast<double>(k) / 1e6 < rate;
      check(d::decide(rate, k) == by_doubles, "decide() as the double comparison", rate);
      if (r > 0 && r < 1000000) {
        const std::uint32_t in = d::sample_rand_within(rate, true), out = d::sample_rand_within(rate, false);
        check(d::decide(rate, in) && !d::decide(rate, out), "sample_rand_within() on the right side", rate);
      }
    }
  }
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  for (double v : {0.0, -0.0, 1e-300, 0.5, 1.0, std::nextafter(1.0, 2.0), 2.0, -1e-300, -1.0, nan, -nan, inf, -inf}) {
    check(d::valid_rate(v) == (v >= 0.0 && v <= 1.0), "valid_rate() as the comparisons", v);
    check(d::non_negative(v) == (v >= 0.0), "non_negative() as v >= 0", v);
  }
  struct { const char* text; bool ok; double value; } reads[] = {
      {"0.25", true, 0.25},      {"1", true, 1.0},          {".5", true, 0.5},
      {"0.1234565", true, 0.123457}, {"0.0000004", true, 0.0}, {"1.0000004", true, 1.000001},
      {"x", false, 0.0},         {"-0.5", false, 0.0},
  };
  for (const auto& r : reads) {
    double v = -7.0;
    const bool ok = d::parse_decimal(r.text, v);
    check(ok == r.ok && (!ok || v == r.value), r.text, v);
  }
  double above = 0.0;
  check(d::parse_decimal("1.000001", above) && !d::valid_rate(above), "1.000001 is not a valid rate", above);
  check(d::parse_decimal("12345678901234567890", above) && !d::valid_rate(above), "a huge rate is not valid", above);
  std::printf("%s\n", failures ? "compact rates: FAILED" : "compact rates: ok");
  return failures ? 1 : 0;
}
