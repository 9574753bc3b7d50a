// Tests for get_trace_headers(span_ref) (face/distributed.hpp: the headers of a named span, from
// any thread) and suppress_tracing(fn) (face/api.hpp: spans inside record nothing, are counted
// nowhere, and no headers go out). Every case inits and shuts down through
// test_support::harness and checks header values and the envelopes the transport received.

#include "fixture.hpp"

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

namespace st = sentry_trace;
namespace ts = test_support;
using ts::json;

using test_support::hex;

/// The sentry- members of a baggage value (key without the prefix; values as written).
std::map<std::string, std::string> sentry_members(std::string_view bag) {
  std::map<std::string, std::string> out;
  while (!bag.empty()) {
    const std::size_t comma = bag.find(',');
    const std::string_view m = bag.substr(0, comma);
    bag = comma == std::string_view::npos ? std::string_view() : bag.substr(comma + 1);
    const std::size_t eq = m.find('=');
    if (eq != std::string_view::npos && m.substr(0, 7) == "sentry-") out[std::string(m.substr(7, eq - 7))] = std::string(m.substr(eq + 1));
  }
  return out;
}

/// Copies of one trace_headers' values (the baggage view lives only until the next call).
struct header_values {
  std::string sentry_trace, baggage, traceparent;
  explicit header_values(const st::trace_headers& h)
      : sentry_trace(h.sentry_trace), baggage(h.baggage), traceparent(h.traceparent) {}
  header_values() = default;
  bool empty() const { return sentry_trace.empty() && baggage.empty() && traceparent.empty(); }
};

/// A carrier for inject(): counts what it is given.
struct carrier {
  int sets = 0;
  void set(std::string_view, std::string_view) { ++sets; }
};

}  // namespace

TEST_SUITE("span_headers") {

TEST_CASE("get_trace_headers(span_ref) gives the named span's sentry-trace, traceparent and its trace's DSC") {
  ts::harness h;
  h.opts.propagate_traceparent = true;
  REQUIRE(h.init());
  st::span root = st::start_span_manual({"GET /jobs", "http.server"});
  st::span child = st::start_span_manual({"child", "task"});
  const header_values active(st::get_trace_headers());  // the child is active
  const header_values of_root(st::get_trace_headers(root.ref()));
  const header_values of_child(st::get_trace_headers(child.ref()));
  CHECK(of_child.sentry_trace == active.sentry_trace);
  CHECK(of_child.baggage == active.baggage);
  CHECK(of_child.traceparent == active.traceparent);
  CHECK(of_root.sentry_trace == hex(root.trace()) + "-" + hex(root.id()) + "-1");
  CHECK(of_root.traceparent == "00-" + hex(root.trace()) + "-" + hex(root.id()) + "-01");
  auto m = sentry_members(of_root.baggage);
  CHECK(m["trace_id"] == hex(root.trace()));
  CHECK(m["public_key"] == "public");
  CHECK(m["sampled"] == "true");
  CHECK(m["transaction"].find("jobs") != std::string::npos);
  const std::string trace = hex(root.trace());
  child.end();
  root.end();
  auto txs = h.transport.transactions();
  REQUIRE(txs.size() == 1);
  CHECK(txs[0].header["trace"]["trace_id"].str == trace);
  CHECK(sentry_members(of_root.baggage)["sample_rand"] == txs[0].header["trace"]["sample_rand"].str);
}

#if SENTRY_TRACE_THREADS  // starts a std::thread: not with SENTRY_TRACE_THREADS=0 (single-threaded)
TEST_CASE("a worker holding a parent reference propagates it from its own thread") {
  ts::harness h;
  REQUIRE(h.init());
  st::span root = st::start_span_manual({"batch", "task"});
  const st::span_ref parent = root.ref();
  const header_values here(st::get_trace_headers());
  header_values there;
  header_values there_active;
  std::thread worker([&] {
    there = header_values(st::get_trace_headers(parent));
    there_active = header_values(st::get_trace_headers());  // nothing active on this thread: its own trace
  });
  worker.join();
  CHECK(there.sentry_trace == here.sentry_trace);
  CHECK(there.baggage == here.baggage);
  CHECK(there.sentry_trace.find(hex(parent.trace)) == 0);
  CHECK(there_active.sentry_trace.find(hex(parent.trace)) == std::string::npos);
  root.end();
}
#endif  // SENTRY_TRACE_THREADS

TEST_CASE("get_trace_headers(span_ref) of an unsampled span says so; of an empty or sent one gives what is known") {
  ts::harness h;
  h.opts.traces_sample_rate = 0.0;
  REQUIRE(h.init());
  st::span root = st::start_span_manual({"unsampled", "task"});
  const header_values u(st::get_trace_headers(root.ref()));
  CHECK(u.sentry_trace == hex(root.trace()) + "-" + hex(root.id()) + "-0");
  CHECK(sentry_members(u.baggage)["sampled"] == "false");
  root.end();
  CHECK(header_values(st::get_trace_headers(st::span_ref{})).empty());
  st::shutdown(0);

  ts::harness h2;
  REQUIRE(h2.init());
  st::span sent = st::start_span_manual({"sent", "task"});
  const st::span_ref ref = sent.ref();
  sent.end();
  REQUIRE(h2.transactions_sent() == 1);
  const header_values after(st::get_trace_headers(ref));
  CHECK(after.sentry_trace == hex(ref.trace) + "-" + hex(ref.id) + "-1");
  CHECK(after.baggage.empty());  // the DSC went with the transaction: none is made up
  st::shutdown(0);
  CHECK(header_values(st::get_trace_headers(ref)).empty());  // after shutdown: nothing
  REQUIRE(h2.init());
  CHECK(header_values(st::get_trace_headers(ref)).empty());  // from before the last init()
}

TEST_CASE("get_trace_headers(span_ref) of an unrecorded span of a continued trace: its DSC in its scope, none elsewhere") {
  ts::harness h;
  REQUIRE(h.init());
  const std::string in_trace = "771a43a4192642f0b136d5159a501700";
  const std::string in_bag = "sentry-trace_id=" + in_trace + ",sentry-public_key=theirs,sentry-sampled=false,sentry-sample_rand=0.5";
  st::continue_trace(in_trace + "-b7ad6b7169203331-0", in_bag, [&] {
    st::span root = st::start_span_manual({"unsampled here", "task"});
    REQUIRE_FALSE(root.is_recording());
    const st::span_ref ref = root.ref();
    const header_values here(st::get_trace_headers(ref));
    CHECK(here.sentry_trace == in_trace + "-" + hex(ref.id) + "-0");
    CHECK(sentry_members(here.baggage)["public_key"] == "theirs");
#if SENTRY_TRACE_THREADS
    header_values there;
    std::thread worker([&] { there = header_values(st::get_trace_headers(ref)); });
    worker.join();
    CHECK(there.sentry_trace == here.sentry_trace);
    CHECK(there.baggage.empty());  // the caller's DSC is this scope's: none is made up
#endif
    root.end();
  });
}

TEST_CASE("suppress_tracing: spans inside record nothing, count nowhere, and no headers go out") {
  ts::harness h;
  REQUIRE(h.init());
  st::span root = st::start_span_manual({"root", "task"});
  const st::span_ref root_ref = root.ref();
  st::start_span({"before", "task"}, [](st::span&) {});
  const int result = st::suppress_tracing([&] {
    st::start_span({"hidden", "task"}, [&](st::span& s) {
      CHECK_FALSE(s.is_recording());
      CHECK(s.trace() == root_ref.trace);  // still in the enclosing trace: errors link to it
      st::start_span({"hidden grandchild", "task"}, [](st::span& g) { CHECK_FALSE(g.is_recording()); });
    });
    st::span explicit_parent = st::start_inactive_span(st::span_options{"hidden explicit", "task", root_ref});
    CHECK_FALSE(explicit_parent.is_recording());
    explicit_parent.end();
    st::span_options forced{"hidden forced", "task"};
    forced.force_transaction = true;
    st::start_span(forced, [](st::span& s) { CHECK_FALSE(s.is_recording()); });
    CHECK(header_values(st::get_trace_headers()).empty());
    carrier c;
    CHECK_FALSE(st::inject(c));
    CHECK(c.sets == 0);
    // A named span's headers are still given.
    CHECK(header_values(st::get_trace_headers(root_ref)).sentry_trace.find(hex(root_ref.trace)) == 0);
    CHECK(st::active_span().id == root_ref.id);  // the active span is unchanged
    // Nested calls stack.
    st::suppress_tracing([] { st::start_span({"hidden nested", "task"}, [](st::span&) {}); });
    st::start_span({"hidden after nested", "task"}, [](st::span& s) { CHECK_FALSE(s.is_recording()); });
    return 7;
  });
  CHECK(result == 7);
  st::start_span({"after", "task"}, [](st::span& s) { CHECK(s.is_recording()); });
  CHECK_FALSE(header_values(st::get_trace_headers()).empty());
  root.end();
  const std::vector<json> txs = h.transport.transaction_payloads();
  REQUIRE(txs.size() == 1);
  std::vector<std::string> names;
  for (const json& s : txs[0]["spans"].items) names.push_back(s["description"].str);
  CHECK(names == std::vector<std::string>{"before", "after"});
  st::flush(0);
  CHECK(h.transport.discarded_spans() == 0);
  CHECK(h.transport.discarded("sample_rate", "transaction") == 0);
}

TEST_CASE("suppress_tracing with no active span: a transaction started inside is not sent") {
  ts::harness h;
  REQUIRE(h.init());
  st::suppress_tracing([] {
    st::start_span({"hidden root", "task"}, [](st::span& s) {
      CHECK_FALSE(s.is_recording());
      CHECK(s.is_active());
      st::start_span({"hidden child", "task"}, [](st::span& c) { CHECK_FALSE(c.is_recording()); });
    });
  });
  st::start_span({"traced", "task"}, [](st::span& s) { CHECK(s.is_recording()); });
  CHECK(h.transactions_sent() == 1);
  st::flush(0);
  CHECK(h.transport.discarded_spans() == 0);
}

#if SENTRY_TRACE_THREADS  // starts a std::thread: not with SENTRY_TRACE_THREADS=0 (single-threaded)
TEST_CASE("suppress_tracing is this thread's: another thread keeps tracing meanwhile") {
  ts::harness h;
  REQUIRE(h.init());
  st::span root = st::start_span_manual({"root", "task"});
  const st::span_ref parent = root.ref();
  bool other_recorded = false;
  st::suppress_tracing([&] {
    std::thread other([&] {
      st::span s = st::start_inactive_span(st::span_options{"other thread", "task", parent});
      other_recorded = s.is_recording();
      s.end();
    });
    other.join();
  });
  CHECK(other_recorded);
  root.end();
  const std::vector<json> txs = h.transport.transaction_payloads();
  REQUIRE(txs.size() == 1);
  REQUIRE(txs[0]["spans"].size() == 1);
  CHECK(txs[0]["spans"][0]["description"].str == "other thread");
}
#endif  // SENTRY_TRACE_THREADS

}  // TEST_SUITE
