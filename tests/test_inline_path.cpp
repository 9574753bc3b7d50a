// Tests for the inline span path (face/api.hpp's detail::start, core/scopes.hpp's pop_active):
// the run-time on/off word the face tests before any call follows init() and shutdown(), also a
// failed init(); a start while tracing is off is an empty handle; the stack entry of a span
// ended on its own thread (a plain store, no compare-and-swap) and one ended on another thread
// both leave the stack, and a stale handle still never ends a later span's entry.

#include "fixture.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <thread>
#include <utility>

namespace {
namespace st = sentry_trace;
namespace ts = test_support;
using ts::traced;
}  // namespace

TEST_SUITE("inline path") {

TEST_CASE("the run-time on/off word follows init(), shutdown() and a failed init()") {
  CHECK_FALSE(st::detail::live_run());
  {
    traced tr;
    CHECK(st::detail::live_run());
    st::span s = st::start_span_manual({"on", "task"});
    CHECK(s.is_recording());
    s.end();
  }
  CHECK_FALSE(st::detail::live_run());
  // A start while tracing is off: an empty handle, active nowhere, nothing to end.
  st::span off = st::start_span_manual({"off", "task"});
  CHECK_FALSE(off.is_active());
  CHECK_FALSE(st::active_span().is_valid());
  off.end();
  // A failed init() leaves it off.
  ts::capture_transport cap;
  st::options bad = ts::default_options(&cap);
  bad.dsn = "not a dsn";
  st::init(bad);
  CHECK(st::is_enabled() == st::detail::live_run());
  st::shutdown(0);
  CHECK_FALSE(st::detail::live_run());
}

TEST_CASE("a span ended on its own thread leaves the stack; its parent is active again") {
  traced tr;
  st::span root = st::start_span_manual({"root", "task"});
  {
    st::span child = st::start_span_manual({"child", "task"});
    CHECK(st::active_span().id == child.id());
    child.end();
  }
  CHECK(st::active_span().id == root.id());
  root.end();
  CHECK_FALSE(st::active_span().is_valid());
  REQUIRE(tr.transactions().size() == 1);
  CHECK(tr.transactions()[0]["spans"].items.size() == 1);
}

TEST_CASE("a stale handle ended on its own thread does not end the entry that reused its place") {
  traced tr;
  st::span root = st::start_span_manual({"root", "task"});
  st::span a = st::start_span_manual({"a", "task"});
  st::span a_copy = std::move(a);  // the only owner
  a_copy.end();
  st::span b = st::start_span_manual({"b", "task"});  // same stack position as a
  a_copy.end();                                        // idempotent: b stays active
  a.end();                                             // moved-from: a no-op
  CHECK(st::active_span().id == b.id());
  b.end();
  CHECK(st::active_span().id == root.id());
  root.end();
}

#if SENTRY_TRACE_THREADS
TEST_CASE("a span moved to another thread and ended there leaves its thread's stack") {
  traced tr;
  st::span root = st::start_span_manual({"root", "task"});
  st::span child = st::start_span_manual({"child", "task"});
  std::thread([c = std::move(child)]() mutable { c.end(); }).join();
  CHECK(st::active_span().id == root.id());
  root.end();
  REQUIRE(tr.transactions().size() == 1);
  CHECK(tr.transactions()[0]["spans"].items.size() == 1);
}
#endif

}  // TEST_SUITE
