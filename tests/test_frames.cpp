// Tests for sentry_trace/face/frames.hpp: frame counting (slow excludes frozen, as the mobile SDKs do),
// the frame delay, and the measurements and span data attach() writes (PROTOCOL.md §12).

#include <sentry_trace.hpp>
#include "sentry_trace/face/frames.hpp"

#include "fixture.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace {

namespace st = sentry_trace;
using test_support::harness;
using test_support::json;

constexpr std::uint64_t ms = 1'000'000;  // nanoseconds

/// 100 frames of 10 ms, 5 of 20 ms and 1 of 800 ms: at 60 Hz, 5 slow and 1 frozen.
void play_synthetic_level(st::frame_tracker& f) {
  for (int i = 0; i < 100; ++i) f.record_frame(10 * ms);
  for (int i = 0; i < 5; ++i) f.record_frame(20 * ms);
  f.record_frame(800 * ms);
}
/// 5 * (20 ms - 16'666'667 ns) + (800 ms - 16'666'667 ns)
constexpr std::uint64_t synthetic_delay_ns = 5 * (20 * ms - 16'666'667) + (800 * ms - 16'666'667);

/// The single transaction payload the harness captured.
json only_transaction(const harness& h) {
  auto txns = h.transport.transactions();
  REQUIRE(txns.size() == 1);
  return txns[0].items[0].body;
}

} // namespace

TEST_SUITE("frames") {

TEST_CASE("a synthetic level at 60 Hz: exact counts, frozen frames not also slow, delay over slow and frozen frames") {
  harness h;
  REQUIRE(h.init());
  st::frame_tracker f;
  CHECK(f.thresholds().target_frame_ns == 16'666'667);
  CHECK(f.thresholds().frozen_frame_ns == 700 * ms);
  play_synthetic_level(f);
  CHECK(f.total() == 106);
  CHECK(f.slow() == 5);
  CHECK(f.frozen() == 1);
  static_assert(synthetic_delay_ns == 799'999'998, "5 * 3'333'333 + 783'333'333");
  CHECK(f.delay_ns() == synthetic_delay_ns);
  CHECK(f.delay_seconds() == doctest::Approx(0.799999998).epsilon(1e-12));
}

TEST_CASE("both thresholds are exclusive: the target time is not slow, 700 ms is slow, just over is frozen") {
  harness h;
  REQUIRE(h.init());
  st::frame_tracker f;
  f.record_frame(16'666'667);
  CHECK(f.slow() == 0);
  CHECK(f.delay_ns() == 0);
  f.record_frame(16'666'668);
  CHECK(f.slow() == 1);
  CHECK(f.delay_ns() == 1);
  f.record_frame(700 * ms);
  CHECK(f.slow() == 2);
  CHECK(f.frozen() == 0);
  f.record_frame(700 * ms + 1);
  CHECK(f.slow() == 2);
  CHECK(f.frozen() == 1);
  f.record_frame(0);
  CHECK(f.total() == 5);
  CHECK(f.delay_ns() == 1 + (700 * ms - 16'666'667) + (700 * ms + 1 - 16'666'667));
}

TEST_CASE("custom thresholds: a 30 Hz target and a 500 ms frozen threshold") {
  harness h;
  REQUIRE(h.init());
  st::frame_tracker_options o;
  o.target_frame_ns = 33'333'333;
  o.frozen_frame_ns = 500 * ms;
  st::frame_tracker f(o);
  play_synthetic_level(f);  // 10 and 20 ms are on time at 30 Hz; 800 ms is frozen
  f.record_frame(40 * ms);  // slow
  f.record_frame(600 * ms);  // frozen (it would be slow with the 700 ms default)
  CHECK(f.total() == 108);
  CHECK(f.slow() == 1);
  CHECK(f.frozen() == 2);
  CHECK(f.delay_ns() == (800 * ms - 33'333'333) + (40 * ms - 33'333'333) + (600 * ms - 33'333'333));
  CHECK(f.thresholds().target_frame_ns == 33'333'333);
  CHECK(f.thresholds().frozen_frame_ns == 500 * ms);
}

TEST_CASE("zero thresholds mean the defaults") {
  st::frame_tracker_options o;
  o.target_frame_ns = 0;
  o.frozen_frame_ns = 0;
  st::frame_tracker f(o);
  CHECK(f.thresholds().target_frame_ns == 16'666'667);
  CHECK(f.thresholds().frozen_frame_ns == 700 * ms);
  f.record_frame(1);
  CHECK(f.slow() == 0);
}

TEST_CASE("attach puts the four frame measurements with their units on the transaction, and resets") {
  harness h;
  REQUIRE(h.init());
  st::frame_tracker f;
  {
    st::scoped_span level({"level 1", "game.level"});
    play_synthetic_level(f);
    f.attach();
    CHECK(f.total() == 0);
    CHECK(f.slow() == 0);
    CHECK(f.frozen() == 0);
    CHECK(f.delay_ns() == 0);
  }
  json body = only_transaction(h);
  const json& m = body["measurements"];
  REQUIRE(m.kind == json::object_k);
  CHECK(m.size() == 4);
  CHECK(m["frames_total"]["value"].raw_number == "106");
  CHECK(m["frames_total"]["unit"].str == "none");
  CHECK(m["frames_slow"]["value"].raw_number == "5");
  CHECK(m["frames_slow"]["unit"].str == "none");
  CHECK(m["frames_frozen"]["value"].raw_number == "1");
  CHECK(m["frames_frozen"]["unit"].str == "none");
  CHECK(m["frames_delay"]["value"].num == doctest::Approx(0.799999998).epsilon(1e-12));
  CHECK(m["frames_delay"]["unit"].str == "second");
  CHECK_FALSE(body["contexts"]["trace"]["data"].has("frames.total"));  // no span given
  CHECK(st::get_stats().measurements_dropped == 0);
}

TEST_CASE("attach given the transaction's span also sets frames.total, .slow, .frozen and .delay as its data") {
  harness h;
  REQUIRE(h.init());
  st::frame_tracker f;
  {
    st::scoped_span level({"level 2", "game.level"});
    play_synthetic_level(f);
    f.attach(&level.get());
  }
  json body = only_transaction(h);
  const json& data = body["contexts"]["trace"]["data"];
  CHECK(data["frames.total"].kind == json::number_k);
  CHECK(data["frames.total"].raw_number == "106");
  CHECK(data["frames.slow"].raw_number == "5");
  CHECK(data["frames.frozen"].raw_number == "1");
  CHECK(data["frames.delay"].kind == json::number_k);
  CHECK(data["frames.delay"].num == doctest::Approx(0.799999998).epsilon(1e-12));
  CHECK(body["measurements"]["frames_total"]["value"].raw_number == "106");
}

TEST_CASE("attach given a child span sets the child's data; the measurements still go to the transaction") {
  harness h;
  REQUIRE(h.init());
  st::frame_tracker f;
  {
    st::scoped_span level({"level 3", "game.level"});
    st::scoped_span boss({"boss fight", "game.scene"});
    f.record_frame(10 * ms);
    f.record_frame(50 * ms);
    f.attach(&boss.get());
  }
  json body = only_transaction(h);
  CHECK_FALSE(body["contexts"]["trace"]["data"].has("frames.total"));
  REQUIRE(body["spans"].size() == 1);
  const json& data = body["spans"][0]["data"];
  CHECK(data["frames.total"].raw_number == "2");
  CHECK(data["frames.slow"].raw_number == "1");
  CHECK(data["frames.frozen"].raw_number == "0");
  CHECK(data["frames.delay"].num == doctest::Approx((50 * ms - 16'666'667) / 1e9).epsilon(1e-12));
  const json& m = body["measurements"];
  CHECK(m["frames_total"]["value"].raw_number == "2");
  CHECK(m["frames_slow"]["value"].raw_number == "1");
  CHECK(m["frames_frozen"]["value"].raw_number == "0");
}

TEST_CASE("attach with no frame recorded sends no frame measurements") {
  harness h;
  REQUIRE(h.init());
  st::frame_tracker f;
  {
    st::scoped_span level({"menu", "game.level"});
    f.attach(&level.get());
  }
  json body = only_transaction(h);
  CHECK_FALSE(body.has("measurements"));
  CHECK_FALSE(body["contexts"]["trace"]["data"].has("frames.total"));
  CHECK(st::get_stats().measurements_dropped == 0);
}

TEST_CASE("attach with no active transaction drops and counts the four measurements, and still resets") {
  harness h;
  REQUIRE(h.init());
  st::frame_tracker f;
  play_synthetic_level(f);
  f.attach();
  CHECK(st::get_stats().measurements_dropped == 4);
  CHECK(f.total() == 0);
  CHECK(f.delay_ns() == 0);
  // An empty span handle takes no attributes and does not crash either.
  play_synthetic_level(f);
  st::span empty;
  f.attach(&empty);
  CHECK(st::get_stats().measurements_dropped == 8);
  CHECK(f.total() == 0);
  CHECK(h.transactions_sent() == 0);
}

TEST_CASE("attach before init is a no-op that resets") {
  st::frame_tracker f;
  play_synthetic_level(f);
  CHECK(f.total() == 106);  // counting needs no tracer
  f.attach();
  CHECK(f.total() == 0);
}

TEST_CASE("begin_frame and end_frame measure frames with the tracer's clock hook") {
  harness h;
  REQUIRE(h.init());
  st::frame_tracker f;
  f.begin_frame();
  h.clock.now += 10 * ms;
  f.end_frame();
  CHECK(f.total() == 1);
  CHECK(f.slow() == 0);

  f.begin_frame();
  h.clock.now += 20 * ms;
  f.end_frame();
  CHECK(f.slow() == 1);
  CHECK(f.delay_ns() == 20 * ms - 16'666'667);

  f.begin_frame();
  h.clock.now += 800 * ms;
  f.end_frame();
  CHECK(f.total() == 3);
  CHECK(f.frozen() == 1);
  CHECK(f.delay_ns() == (20 * ms - 16'666'667) + (800 * ms - 16'666'667));

  // end_frame without begin_frame: ignored.
  h.clock.now += 900 * ms;
  f.end_frame();
  CHECK(f.total() == 3);

  // A second begin_frame restarts the frame.
  f.begin_frame();
  h.clock.now += 500 * ms;
  f.begin_frame();
  h.clock.now += 5 * ms;
  f.end_frame();
  CHECK(f.total() == 4);
  CHECK(f.slow() == 1);

  // A clock that goes backwards records nothing.
  f.begin_frame();
  h.clock.now -= 1;
  f.end_frame();
  CHECK(f.total() == 4);
}

TEST_CASE("a frame in progress when attach resets counts toward the next window") {
  harness h;
  REQUIRE(h.init());
  st::frame_tracker f;
  f.record_frame(10 * ms);
  f.begin_frame();
  h.clock.now += 30 * ms;
  f.attach();  // no transaction: dropped, but the counters reset
  CHECK(f.total() == 0);
  f.end_frame();
  CHECK(f.total() == 1);
  CHECK(f.slow() == 1);
}

TEST_CASE("begin_frame and end_frame count nothing while the tracer is not initialised") {
  st::frame_tracker f;
  f.begin_frame();
  f.end_frame();
  CHECK(f.total() == 0);
  f.record_frame(10 * ms);
  CHECK(f.total() == 1);
}

TEST_CASE("reset zeroes the counters and the delay and keeps the thresholds") {
  harness h;
  REQUIRE(h.init());
  st::frame_tracker_options o;
  o.target_frame_ns = 33'333'333;
  st::frame_tracker f(o);
  play_synthetic_level(f);
  REQUIRE(f.total() == 106);
  f.reset();
  CHECK(f.total() == 0);
  CHECK(f.slow() == 0);
  CHECK(f.frozen() == 0);
  CHECK(f.delay_ns() == 0);
  CHECK(f.delay_seconds() == 0.0);
  CHECK(f.thresholds().target_frame_ns == 33'333'333);
  f.record_frame(40 * ms);
  CHECK(f.slow() == 1);
  CHECK(f.delay_ns() == 40 * ms - 33'333'333);
}

} // TEST_SUITE("frames")
