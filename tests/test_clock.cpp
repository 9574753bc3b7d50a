// Tests for sentry_trace/core/clock.hpp: the span clock (the cycle counter where there is an
// invariant one and no clock hook), its calibration against steady_clock, and the conversion of
// ticks to wall-clock time when a transaction is serialized.

#include <sentry_trace.hpp>

#include "fixture.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace st = sentry_trace;
namespace d = st::detail;
using test_support::default_options;
using test_support::manual_clock;

/// Keeps the spans of every transaction it is sent, as the transaction view gives them.
struct span_recorder final : st::transport {
  std::vector<std::vector<st::span_view>> transactions;
  void send(st::envelope_view e) override {
    const st::transaction_view* t = e.transaction();
    if (!t) return;
    std::vector<st::span_view> spans;
    for (std::size_t i = 0; i < t->span_count(); ++i) spans.push_back(t->span_at(i));
    transactions.push_back(std::move(spans));
  }
};

std::int64_t system_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
long days_from_civil(int y, int m, int dd) {
  y -= m <= 2;
  const long era = (y >= 0 ? y : y - 399) / 400;
  const long yoe = y - era * 400;
  const long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + dd - 1;
  const long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/// Whether this build and machine time spans with the cycle counter (x86-64 with an invariant
/// TSC, AArch64): the cases that need it say so when it is not there.
bool counter_in_use() { return d::g_tracer.span_clock_is_counter; }

}  // namespace

TEST_CASE("the default clock on x86-64 and AArch64 is the cycle counter, calibrated against steady_clock") {
  span_recorder rec;
  REQUIRE(st::init(default_options(&rec)));
#if SENTRY_TRACE_DETAIL_CYCLE_COUNTER
  if (!d::probe_cycle_counter()) {
    MESSAGE("no invariant cycle counter here: spans use steady_clock");
    CHECK_FALSE(counter_in_use());
    st::shutdown(0);
    return;
  }
  REQUIRE(counter_in_use());
  // The rate init() measured, against a baseline of 50 ms of steady_clock taken here.
  const d::time_anchor a = d::g_tracer.anchor;
  const d::clock_pair p0 = d::read_clock_pair();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const d::clock_pair p1 = d::read_clock_pair();
  const double measured_ns = static_cast<double>(p1.mono_ns - p0.mono_ns);
  const double converted_ns = static_cast<double>(a.ns_of(p1.ticks - p0.ticks));
  CHECK(converted_ns == doctest::Approx(measured_ns).epsilon(0.01));
  // A counter tick is not a nanosecond (else this would prove nothing about the conversion).
  CHECK(a.ns_of(1'000'000) != 1'000'000);
#else
  CHECK_FALSE(counter_in_use());
#endif
  st::shutdown(0);
}

TEST_CASE("span durations converted from ticks match a sleep") {
  span_recorder rec;
  REQUIRE(st::init(default_options(&rec)));
  const std::int64_t before_us = system_now_us();
  {
    st::span root = st::start_span_manual({"sleeping", "task"});
    st::span child = st::start_inactive_span({"nap", "sleep"});
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    child.end();
    root.end();
  }
  const std::int64_t after_us = system_now_us();
  st::shutdown(0);
  REQUIRE(rec.transactions.size() == 1);
  REQUIRE(rec.transactions[0].size() == 2);
  const st::span_view& child = rec.transactions[0][1];
  const std::int64_t dur = child.end_epoch_us - child.start_epoch_us;
  // Lower bound strict (the sleep lasted at least 20 ms, less 0.5% for the rate); upper bound
  // generous (a loaded machine may oversleep by far).
  CHECK(dur >= 19'900);
  CHECK(dur <= 20'000 + 2'000'000);
  // Written as wall-clock time: raw counter ticks taken for nanoseconds would land elsewhere.
  CHECK(child.start_epoch_us >= before_us - 1'000);
  CHECK(child.end_epoch_us <= after_us + 1'000);
}

TEST_CASE("the envelope's timestamps are converted ticks, not raw ones") {
  test_support::capture_transport cap;
  REQUIRE(st::init(default_options(&cap)));
  const double before_s = static_cast<double>(system_now_us()) / 1e6;
  {
    st::span root = st::start_span_manual({"checked", "task"});
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    root.end();
  }
  const double after_s = static_cast<double>(system_now_us()) / 1e6;
  st::shutdown(0);
  auto txns = cap.transactions();
  REQUIRE(txns.size() == 1);
  // The payload's RFC 3339 start, read back to seconds: it must be "now", which raw counter
  // ticks taken for nanoseconds since the monotonic origin would not be.
  const test_support::json& p = txns[0].item("transaction")->body;
  const std::string start = p["start_timestamp"].str;
  REQUIRE(start.size() >= 19);
  const int y = std::stoi(start.substr(0, 4)), mo = std::stoi(start.substr(5, 2)), dd = std::stoi(start.substr(8, 2));
  const double start_s = static_cast<double>(days_from_civil(y, mo, dd)) * 86400.0 + std::stoi(start.substr(11, 2)) * 3600.0 +
                         std::stoi(start.substr(14, 2)) * 60.0 + std::stoi(start.substr(17, 2));
  CHECK(start_s >= before_s - 2.0);
  CHECK(start_s <= after_s + 2.0);
}

TEST_CASE("a user clock hook overrides the cycle counter") {
  span_recorder rec;
  manual_clock clk;
  st::options o = default_options(&rec);
  o.clock = clk.hook();
  REQUIRE(st::init(o));
  CHECK_FALSE(counter_in_use());
  {
    st::span root = st::start_span_manual({"manual", "task"});
    clk.now += 1'234'000;  // 1234 us of the hook
    st::span child = st::start_inactive_span({"c", "op"});
    clk.now += 5'000'000;
    child.end();
    root.end();
  }
  st::shutdown(0);
  REQUIRE(rec.transactions.size() == 1);
  const auto& spans = rec.transactions[0];
  REQUIRE(spans.size() == 2);
  CHECK(spans[1].start_epoch_us - spans[0].start_epoch_us == 1234);
  CHECK(spans[1].end_epoch_us - spans[1].start_epoch_us == 5000);
}

TEST_CASE("timestamps stay monotone across a re-anchor") {
  span_recorder rec;
  REQUIRE(st::init(default_options(&rec)));
  {
    // The outer transaction starts first and ends last; the inner one is serialized (with an
    // anchor of its own) in between, and the outer one later with another.
    st::span outer = st::start_span_manual({"outer", "task"});
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    {
      st::span_options io{"inner", "task"};
      io.force_transaction = true;
      st::span inner = st::start_span_manual(io);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      inner.end();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    outer.end();
  }
  st::shutdown(0);
  REQUIRE(rec.transactions.size() == 2);
  const st::span_view& inner = rec.transactions[0][0];
  const st::span_view& outer = rec.transactions[1][0];
  CHECK(inner.start_epoch_us < inner.end_epoch_us);
  CHECK(outer.start_epoch_us < inner.start_epoch_us);
  CHECK(inner.end_epoch_us < outer.end_epoch_us);
}

TEST_CASE("time_anchor: the rate's fraction converts, and converting is monotone either side of the anchor") {
  d::time_anchor a;
  a.epoch_us = 1'767'261'600'000'000;
  a.mono_ns = 5'000'000'000;
  a.ticks = 90'000'000'000;       // a counter reading...
  a.ticks_mono_ns = 6'000'000'000;  // ...taken 1 s after init
  a.ns_per_tick = 0;                // 1/3 ns per tick: a 3 GHz counter
  a.rated = true;
  a.ns_per_tick_frac = 0x5555555555555555ull;
  CHECK(a.to_epoch_us(a.ticks) == a.epoch_us + 1'000'000);
  CHECK(a.to_epoch_us(a.ticks + 3'000'000) == a.epoch_us + 1'000'000 + 999);  // 999.99.. us, truncated
  CHECK(a.to_epoch_us(a.ticks - 3'000'000'000ull) == a.epoch_us);              // 1 s earlier: init
  std::int64_t last = a.to_epoch_us(a.ticks - 30'000);
  for (std::uint64_t t = a.ticks - 30'000; t < a.ticks + 30'000; t += 7) {
    const std::int64_t us = a.to_epoch_us(t);
    CHECK(us >= last);
    last = us;
  }
  // More than 1 ns per tick (a 24 MHz AArch64 counter: 41.666.. ns).
  a.ns_per_tick = 41;
  a.ns_per_tick_frac = 0xaaaaaaaaaaaaaaaaull;
  a.rated = true;
  CHECK(a.to_epoch_us(a.ticks + 24'000'000) == a.epoch_us + 1'000'000 + 999'999);
}

#if SENTRY_TRACE_DETAIL_CYCLE_COUNTER
TEST_CASE("the serialization anchor refines the rate over a longer baseline and keeps init's wall clock") {
  span_recorder rec;
  REQUIRE(st::init(default_options(&rec)));
  if (!counter_in_use()) {
    st::shutdown(0);
    return;
  }
  const d::time_anchor at_init = d::g_tracer.anchor;
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const d::time_anchor now = d::g_tracer.serialization_anchor();
  CHECK(now.epoch_us == at_init.epoch_us);
  CHECK(now.mono_ns == at_init.mono_ns);
  CHECK(now.ticks > at_init.ticks);
  CHECK(now.ticks_mono_ns - at_init.ticks_mono_ns >= 20'000'000);
  // Both anchors put the same tick at nearly the same time (the rates agree).
  const std::uint64_t t = at_init.ticks + (now.ticks - at_init.ticks) / 2;
  const std::int64_t diff = now.to_epoch_us(t) - at_init.to_epoch_us(t);
  CHECK(diff >= -200);
  CHECK(diff <= 200);
  st::shutdown(0);
}
#endif
