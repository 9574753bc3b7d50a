// Tests for when client reports leave: on flush()/shutdown(), and periodically (at most once
// every 60 s of the tracer's clock) after the next envelope or from poll(); and for their
// 64-bit counters. Time is a manual clock: nothing here sleeps.

#include "fixture.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

namespace {

namespace st = sentry_trace;
using test_support::harness;

constexpr std::uint64_t second_ns = 1000ull * 1000 * 1000;

/// Client-report envelopes the transport received so far.
std::size_t reports(const harness& h) {
  std::size_t n = 0;
  for (bool r : h.transport.client_report) n += r ? 1 : 0;
  return n;
}

/// Samples everything but transactions named "drop".
double drop_named_drop(const st::sampling_context& c) { return c.name == "drop" ? 0.0 : 1.0; }

} // namespace

TEST_SUITE("client_reports") {

TEST_CASE("pending counts are 64-bit: more than 2^32 losses of one kind are reported exactly") {
  harness h;
  REQUIRE(h.init());
  st::detail::g_outcomes.record(st::discard_reason::queue_overflow, st::data_category::span, 0xffffffffu);
  st::detail::g_outcomes.record(st::discard_reason::queue_overflow, st::data_category::span, 6);
  REQUIRE(st::flush(0));
  CHECK(h.transport.discarded("queue_overflow", "span") == 0x100000005ull);
}

TEST_CASE("a user transport gets the pending client report after the next envelope once 60 s have passed") {
  harness h;
  h.opts.traces_sampler = &drop_named_drop;
  REQUIRE(h.init());
  { st::scoped_span dropped({"drop", "task"}); }
  h.clock.now += 59 * second_ns;
  { st::scoped_span kept({"kept", "task"}); }
  CHECK(h.transport.sent.size() == 1);  // not due yet: the transaction alone
  CHECK(reports(h) == 0);
  h.clock.now += 1 * second_ns;
  { st::scoped_span kept({"kept-2", "task"}); }
  REQUIRE(h.transport.sent.size() == 3);  // the transaction, then the report right after it
  CHECK_FALSE(h.transport.client_report[1]);
  CHECK(h.transport.client_report[2]);
  CHECK(h.transport.discarded("sample_rate", "transaction") == 1);
  // The next one is due 60 s after that report, not before.
  { st::scoped_span dropped({"drop", "task"}); }
  h.clock.now += 30 * second_ns;
  { st::scoped_span kept({"kept-3", "task"}); }
  CHECK(reports(h) == 1);
  h.clock.now += 30 * second_ns;
  { st::scoped_span kept({"kept-4", "task"}); }
  CHECK(reports(h) == 2);
  CHECK(h.transport.discarded("sample_rate", "transaction") == 2);
}

TEST_CASE("poll() sends the pending client report once it is due, with no envelope or flush needed") {
  harness h;
  h.opts.traces_sample_rate = 0.0;  // nothing is ever sent but client reports
  REQUIRE(h.init());
  { st::scoped_span dropped({"unsampled", "task"}); }
  st::poll(0);
  CHECK(h.transport.sent.empty());
  h.clock.now += 60 * second_ns;
  st::poll(0);
  REQUIRE(h.transport.sent.size() == 1);
  CHECK(h.transport.client_report[0]);
  CHECK(h.transport.discarded("sample_rate", "transaction") == 1);
  st::poll(0);  // nothing pending, and not due again
  CHECK(h.transport.sent.size() == 1);
}

TEST_CASE("no periodic report while tracing is off, or with send_client_reports = false") {
  {
    harness h;
    h.opts.traces_sample_rate = 0.0;
    h.opts.send_client_reports = false;
    REQUIRE(h.init());
    { st::scoped_span dropped({"unsampled", "task"}); }
    h.clock.now += 120 * second_ns;
    st::poll(0);
    CHECK(h.transport.sent.empty());
  }
  {
    harness h;
    h.opts.traces_sample_rate = 0.0;
    REQUIRE(h.init());
    { st::scoped_span dropped({"unsampled", "task"}); }
    REQUIRE(st::shutdown(0));
    const std::size_t after_shutdown = h.transport.sent.size();  // the final report
    st::detail::g_outcomes.record(st::discard_reason::invalid, st::data_category::span);
    h.clock.now += 120 * second_ns;
    st::poll(0);
    CHECK(h.transport.sent.size() == after_shutdown);
    st::detail::g_outcomes.reset();
  }
}

}  // TEST_SUITE
