// Tests for explicit span timestamps: span_options::start_time and span::end(at) (face/span.hpp),
// now(), and how given times are clamped (core/recording.hpp), counted (stats.timestamps_clamped)
// and written beside span-clock readings (protocol/envelope.hpp, epoch_times_of). With the
// harness's manual clock, monotonic 1 s is 2026-01-01T10:00:00.000000Z, so every timestamp
// below is exact; the last cases use the library's own clocks (the cycle counter where there
// is one) and check that given times and readings share one time line.

#include "fixture.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace st = sentry_trace;
namespace ts = test_support;
using ts::json;

/// The one transaction sent so far.
json only_transaction(ts::harness& h) {
  const std::vector<json> txs = h.transport.transaction_payloads();
  REQUIRE(txs.size() == 1);
  return txs[0];
}

/// The span of `body` named `name` (an empty json when there is none).
json span_named(const json& body, const std::string& name) {
  for (const json& s : body["spans"].items)
    if (s["description"].str == name) return s;
  return json{};
}

/// Keeps the spans of every transaction as the transaction view gives them (epoch µs).
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

}  // namespace

TEST_SUITE("span_times") {

TEST_CASE("now() reads the tracer's clock, and is not given before init() and after shutdown()") {
  CHECK_FALSE(st::now().is_set());
  ts::harness h;
  REQUIRE(h.init());
  CHECK(st::now().ns == 1'000'000'000);
  h.advance_us(7);
  CHECK(st::now().ns == 1'000'007'000);
  CHECK(st::now().minus_ns(7'000).ns == 1'000'000'000);
  CHECK(st::now().plus_ns(1).ns == 1'000'007'001);
  CHECK(st::span_time{5}.minus_ns(9).ns == 1);  // saturates, never "not given"
  CHECK(st::span_time{~std::uint64_t{0} - 1}.plus_ns(9).ns == ~std::uint64_t{0});
  st::shutdown(0);
  CHECK_FALSE(st::now().is_set());
}

TEST_CASE("a given start and end are the span's start_timestamp and timestamp, beside clock readings") {
  ts::harness h;
  REQUIRE(h.init());
  h.advance_us(1000);
  st::span root = st::start_span_manual({"root", "task"});  // 10:00:00.001000
  h.advance_us(2000);                                       // now 10:00:00.003000
  {
    // Retroactive: it ran for the last 1.5 ms, and started before its transaction did.
    st::span_options o{"retro", "db"};
    o.start_time = st::now().minus_ns(2'500'000);  // 10:00:00.000500
    st::span retro = st::start_span_manual(o);
    retro.end(st::now().minus_ns(1'000'000));  // 10:00:00.002000
  }
  {
    // Started by the clock, ended at a given time.
    st::span mixed = st::start_span_manual({"mixed", "db"});  // 10:00:00.003000
    h.advance_us(500);
    mixed.end(st::span_time{1'003'250'000});  // 10:00:00.003250
  }
  {
    // Started at a given time, ended by the clock.
    st::span_options o{"given start", "db"};
    o.start_time = st::span_time{1'003'100'000};  // 10:00:00.003100
    st::span s = st::start_span_manual(o);
    h.advance_us(100);
    s.end();  // 10:00:00.003600
  }
  h.advance_us(400);
  root.end();  // 10:00:00.004000
  const json body = only_transaction(h);
  CHECK(body["start_timestamp"].str == "2026-01-01T10:00:00.001000Z");
  CHECK(body["timestamp"].str == "2026-01-01T10:00:00.004000Z");
  const json retro = span_named(body, "retro");
  CHECK(retro["start_timestamp"].str == "2026-01-01T10:00:00.000500Z");
  CHECK(retro["timestamp"].str == "2026-01-01T10:00:00.002000Z");
  const json mixed = span_named(body, "mixed");
  CHECK(mixed["start_timestamp"].str == "2026-01-01T10:00:00.003000Z");
  CHECK(mixed["timestamp"].str == "2026-01-01T10:00:00.003250Z");
  const json given = span_named(body, "given start");
  CHECK(given["start_timestamp"].str == "2026-01-01T10:00:00.003100Z");
  CHECK(given["timestamp"].str == "2026-01-01T10:00:00.003600Z");
  CHECK(st::get_stats().timestamps_clamped == 0);
}

TEST_CASE("a transaction placed entirely after the fact (a library reporting a duration) has its given times") {
  ts::harness h;
  REQUIRE(h.init());
  h.advance_us(10'000);
  const std::uint64_t took_ns = 4'321'000;  // as SQLite's profile callback reports it
  const st::span_time done = st::now();
  st::span_options o{"SELECT 1", "db"};
  o.start_time = done.minus_ns(took_ns);
  st::span q = st::start_inactive_span(o);
  q.end(done);
  const json body = only_transaction(h);
  CHECK(body["start_timestamp"].str == "2026-01-01T10:00:00.005679Z");
  CHECK(body["timestamp"].str == "2026-01-01T10:00:00.010000Z");
}

TEST_CASE("a start after now is clamped to now and counted") {
  ts::harness h;
  REQUIRE(h.init());
  h.advance_us(1000);
  st::span root = st::start_span_manual({"root", "task"});
  st::span_options o{"future", "db"};
  o.start_time = st::now().plus_ns(5'000'000);
  st::span f = st::start_span_manual(o);
  h.advance_us(200);
  f.end();
  st::span_options ro{"future root", "task"};
  ro.start_time = st::now().plus_ns(1);
  ro.force_transaction = true;
  st::start_inactive_span(ro).end();
  root.end();
  CHECK(st::get_stats().timestamps_clamped == 2);
  const std::vector<json> txs = h.transport.transaction_payloads();
  REQUIRE(txs.size() == 2);
  const json future_root = txs[0]["transaction"].str == "future root" ? txs[0] : txs[1];
  const json body = txs[0]["transaction"].str == "root" ? txs[0] : txs[1];
  const json future = span_named(body, "future");
  CHECK(future["start_timestamp"].str == "2026-01-01T10:00:00.001000Z");
  CHECK(future["timestamp"].str == "2026-01-01T10:00:00.001200Z");
  CHECK(future_root["start_timestamp"].str == "2026-01-01T10:00:00.001200Z");
  CHECK(future_root["timestamp"].str == future_root["start_timestamp"].str);
}

TEST_CASE("an end before the start is clamped to the start and counted: never a negative duration") {
  ts::harness h;
  REQUIRE(h.init());
  h.advance_us(1000);
  st::span root = st::start_span_manual({"root", "task"});
  h.advance_us(1000);
  {
    st::span s = st::start_span_manual({"read start", "db"});  // 10:00:00.002000, by the clock
    s.end(st::now().minus_ns(300'000));
  }
  {
    st::span_options o{"given start", "db"};
    o.start_time = st::span_time{1'001'500'000};
    st::span s = st::start_span_manual(o);
    s.end(st::span_time{1'001'499'999});
    s.end(st::span_time{1});  // ended already: nothing happens, nothing is counted
  }
  root.end();
  CHECK(st::get_stats().timestamps_clamped == 2);
  const json body = only_transaction(h);
  const json a = span_named(body, "read start");
  CHECK(a["start_timestamp"].str == "2026-01-01T10:00:00.002000Z");
  CHECK(a["timestamp"].str == a["start_timestamp"].str);
  const json b = span_named(body, "given start");
  CHECK(b["start_timestamp"].str == "2026-01-01T10:00:00.001500Z");
  CHECK(b["timestamp"].str == b["start_timestamp"].str);
}

TEST_CASE("end(at) with no time given is end(); spans that record nothing take given times as no-ops") {
  ts::harness h;
  h.opts.traces_sample_rate = 0.0;
  REQUIRE(h.init());
  st::span_options o{"unsampled", "task"};
  o.start_time = st::now().plus_ns(1'000'000);  // in the future, but nothing is recorded
  st::span root = st::start_span_manual(o);
  CHECK_FALSE(root.is_recording());
  st::span child = st::start_span_manual({"child", "task"});
  child.end(st::now().minus_ns(5));
  root.end(st::span_time{});
  CHECK_FALSE(root.is_active());
  CHECK(st::get_stats().timestamps_clamped == 0);
  CHECK(h.transactions_sent() == 0);
}

TEST_CASE("a root ended with end(span_time{}) reads the clock, as end() does") {
  ts::harness h;
  REQUIRE(h.init());
  st::span root = st::start_span_manual({"root", "task"});
  h.advance_us(42);
  root.end(st::span_time{});
  const json body = only_transaction(h);
  CHECK(body["timestamp"].str == "2026-01-01T10:00:00.000042Z");
}

TEST_CASE("with the library's own clocks, given times and clock readings share one time line") {
  span_recorder rec;
  st::options opts = ts::default_options(&rec);
  REQUIRE(st::init(opts));
  {
    st::span root = st::start_span_manual({"root", "task"});  // by the span clock (the counter, where there is one)
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    const st::span_time t = st::now();
    st::span_options o{"last ms", "db"};
    o.start_time = t.minus_ns(1'000'000);
    st::span s = st::start_span_manual(o);
    s.end(t);
    st::span after = st::start_span_manual({"after", "db"});  // read after `t`
    after.end();
    root.end();
  }
  CHECK(st::get_stats().timestamps_clamped == 0);
  st::shutdown(0);
  REQUIRE(rec.transactions.size() == 1);
  const std::vector<st::span_view>& spans = rec.transactions[0];
  const st::span_view* root = nullptr;
  const st::span_view* given = nullptr;
  const st::span_view* after = nullptr;
  for (const st::span_view& v : spans) {
    if (v.is_root) root = &v;
    else if (v.name == "last ms") given = &v;
    else if (v.name == "after") after = &v;
  }
  REQUIRE(root);
  REQUIRE(given);
  REQUIRE(after);
  CHECK(given->end_epoch_us - given->start_epoch_us == 1000);  // both given: exact
  // The given times lie inside the root (3 ms of sleep before them) and before what was read
  // after them; a few microseconds of slack for the conversion of the readings.
  CHECK(given->start_epoch_us >= root->start_epoch_us + 1500);
  CHECK(given->end_epoch_us <= after->start_epoch_us + 5);
  CHECK(after->end_epoch_us <= root->end_epoch_us);
}

}  // TEST_SUITE
