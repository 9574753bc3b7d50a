// Tests for face/active.hpp: get_active_span() changes this thread's active span from code that
// does not hold its handle, and never ends it; with_active_span() runs code under a given span
// (or none), also on another thread, and restores the active span however the code leaves;
// start_new_trace() runs code in a trace of its own. Checked in the envelopes sent.

#include "fixture.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>
#if SENTRY_TRACE_EXCEPTIONS
#  include <stdexcept>
#endif
#if SENTRY_TRACE_THREADS
#  include <thread>
#endif

namespace {

namespace st = sentry_trace;
namespace ts = test_support;
using ts::json;
using ts::traced;

using test_support::hex;

const json* find_span(const json& payload, const std::string& description) {
  for (auto& s : payload["spans"].items)
    if (s["description"].str == description) return &s;
  return nullptr;
}

/// The transaction payload named `name`, or nullptr.
const json* find_transaction(const std::vector<json>& txs, const std::string& name) {
  for (auto& t : txs)
    if (t["transaction"].str == name) return &t;
  return nullptr;
}

/// Deep code: changes whatever span is active, without a handle.
void annotate_current_work() {
  st::borrowed_span s = st::get_active_span();
  s.set_attribute("cache.hit", true);
  s.set_attribute("rows", 42);
  s.set_attribute("db.table", "orders");
  s.set_status(st::span_status::not_found);
  s.set_op("db.query");
  s.set_origin("auto.db.test");
  s.set_name("SELECT orders");
}

std::vector<ts::envelope> event_envelopes(const ts::capture_transport& cap) {
  std::vector<ts::envelope> out;
  for (auto& s : cap.sent) {
    ts::envelope e = ts::parse_envelope(s);
    if (e.item("event")) out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

TEST_SUITE("active span") {

TEST_CASE("get_active_span() sets attributes, status, name, op and origin on the active span, not on its parent") {
  traced t;
  st::start_span({"GET /orders", "http.server"}, [](st::span&) {
    st::scoped_span child({"query", "db"});
    annotate_current_work();
  });
  auto txs = t.transactions();
  REQUIRE(txs.size() == 1);
  const json& tx = txs[0];
  const json* child = find_span(tx, "SELECT orders");
  REQUIRE(child != nullptr);
  CHECK((*child)["op"].str == "db.query");
  CHECK((*child)["origin"].str == "auto.db.test");
  CHECK((*child)["status"].str == "not_found");
  CHECK((*child)["data"]["cache.hit"].kind == json::bool_k);
  CHECK((*child)["data"]["rows"].raw_number == "42");
  CHECK((*child)["data"]["db.table"].str == "orders");
  // The root is untouched.
  const json& root = tx["contexts"]["trace"];
  CHECK(tx["transaction"].str == "GET /orders");
  CHECK(root["op"].str == "http.server");
  CHECK(root["status"].str == "ok");
  CHECK(!root["data"].has("rows"));
}

TEST_CASE("get_active_span() sets a list of attributes and a status with its message") {
  traced t;
  st::start_span({"GET /orders", "http.server"}, [](st::span&) {
    st::scoped_span child({"query", "db"});
    st::get_active_span().set_attributes({{"db.system", "sqlite"}, {"db.rows", 3}});
    st::get_active_span().set_status(st::span_status::deadline_exceeded, "query took too long");
  });
  auto txs = t.transactions();
  REQUIRE(txs.size() == 1);
  const json* child = find_span(txs[0], "query");
  REQUIRE(child != nullptr);
  CHECK((*child)["data"]["db.system"].str == "sqlite");
  CHECK((*child)["data"]["db.rows"].raw_number == "3");
  CHECK((*child)["status"].str == "deadline_exceeded");
  CHECK((*child)["data"]["sentry.status.message"].str == "query took too long");
}

TEST_CASE("get_active_span() on a root renames the transaction and sets its source") {
  traced t;
  st::start_span({"/orders/17", "http.server"}, [](st::span&) {
    st::get_active_span().set_name("/orders/:id", st::transaction_source::route);
    st::get_active_span().set_http_status(503);
  });
  auto txs = t.transactions();
  REQUIRE(txs.size() == 1);
  CHECK(txs[0]["transaction"].str == "/orders/:id");
  CHECK(txs[0]["transaction_info"]["source"].str == "route");
  CHECK(txs[0]["contexts"]["trace"]["status"].str == "unavailable");
  CHECK(txs[0]["contexts"]["trace"]["data"]["http.response.status_code"].raw_number == "503");
}

TEST_CASE("a borrowed span never ends its span: the transaction is sent when its owner ends it") {
  traced t;
  st::span root = st::start_span_manual({"root", "task"});
  {
    st::borrowed_span a = st::get_active_span();
    st::borrowed_span b = a;  // copies, destroyed here: nothing ends
    annotate_current_work();
    b.set_attribute("copied", 1);
    CHECK(a.id() == root.id());
    CHECK(a.trace() == root.trace());
    CHECK(a.is_recording());
    CHECK(a.is_sampled());
  }
  CHECK(t.transactions().empty());
  CHECK(root.is_active());
  CHECK(st::active_span().id == root.id());
  root.end();
  auto txs = t.transactions();
  REQUIRE(txs.size() == 1);
  CHECK(txs[0]["transaction"].str == "SELECT orders");
  CHECK(txs[0]["contexts"]["trace"]["data"]["copied"].raw_number == "1");
}

TEST_CASE("get_active_span() is a no-op with no active span, on an unsampled span, an ended span, or once its transaction was sent") {
  SUBCASE("no active span") {
    traced t;
    st::borrowed_span none = st::get_active_span();
    CHECK(!none.is_valid());
    CHECK(!none.is_recording());
    annotate_current_work();
    st::borrowed_span{}.set_attribute("k", 1);
    CHECK(t.transactions().empty());
  }
  SUBCASE("unsampled") {
    traced t([](st::options& o) { o.traces_sample_rate = 0.0; });
    st::start_span({"root", "task"}, [](st::span&) {
      CHECK(st::get_active_span().is_valid());
      CHECK(!st::get_active_span().is_recording());
      annotate_current_work();
    });
    CHECK(t.transactions().empty());
  }
  SUBCASE("ended, its transaction still open") {
    traced t;
    st::span root = st::start_span_manual({"root", "task"});
    st::borrowed_span late;
    {
      st::scoped_span child({"child", "task"});
      late = st::get_active_span();
      CHECK(late.id() == child->id());
    }
    late.set_attribute("late", 1);
    late.set_status(st::span_status::internal_error);
    late.set_name("renamed late");
    root.end();
    auto txs = t.transactions();
    REQUIRE(txs.size() == 1);
    const json* child = find_span(txs[0], "child");
    REQUIRE(child != nullptr);
    CHECK((!child->has("data") || !(*child)["data"].has("late")));
    CHECK((*child)["status"].str == "ok");
  }
  SUBCASE("its transaction sent, the block reused by later transactions") {
    traced t;
    st::borrowed_span stale;
    st::start_span({"first", "task"}, [&](st::span&) { stale = st::get_active_span(); });
    for (int i = 0; i < SENTRY_TRACE_MAX_TRANSACTIONS + 1; ++i) {
      st::span later = st::start_span_manual({"later", "task"});
      stale.set_attribute("stale", i);
      stale.set_status(st::span_status::internal_error);
      stale.set_name("stale");
      later.end();
    }
    auto txs = t.transactions();
    REQUIRE(txs.size() == SENTRY_TRACE_MAX_TRANSACTIONS + 2);
    for (auto& tx : txs) {
      CHECK(tx["transaction"].str != "stale");
      CHECK(tx["contexts"]["trace"]["status"].str == "ok");
      CHECK(!tx["contexts"]["trace"]["data"].has("stale"));
    }
  }
}

TEST_CASE("with_active_span: spans started inside are children of the given span; the active span is restored after") {
  traced t;
  st::scoped_span root({"root", "task"});
  st::span side = st::start_inactive_span({"side", "task"});
  const int got = st::with_active_span(side, [&] {
    CHECK(st::active_span().id == side.id());
    CHECK(st::get_active_span().id() == side.id());
    st::get_active_span().set_attribute("under", "with_active_span");
    st::scoped_span inner({"inner", "task"});
    CHECK(st::active_span().id == inner->id());
    return 7;
  });
  CHECK(got == 7);
  CHECK(st::active_span().id == root->id());
  st::scoped_span after({"after", "task"});  // under the root again
  after.get().end();
  const std::string side_id = hex(side.id()), root_id = hex(root->id());
  side.end();
  root.get().end();
  auto txs = t.transactions();
  REQUIRE(txs.size() == 1);
  const json* s = find_span(txs[0], "side");
  const json* inner = find_span(txs[0], "inner");
  const json* a = find_span(txs[0], "after");
  REQUIRE(s != nullptr);
  REQUIRE(inner != nullptr);
  REQUIRE(a != nullptr);
  CHECK((*inner)["parent_span_id"].str == side_id);
  CHECK((*s)["data"]["under"].str == "with_active_span");
  CHECK((*a)["parent_span_id"].str == root_id);
  CHECK((*s)["parent_span_id"].str == root_id);
}

TEST_CASE("with_active_span(nullptr) and an empty ref: no active span inside, so spans started there are transactions") {
  traced t;
  st::span root = st::start_span_manual({"root", "task"});
  st::with_active_span(nullptr, [&] {
    CHECK(!st::active_span().is_valid());
    CHECK(!st::get_active_span().is_valid());
    st::scoped_span own({"own transaction", "task"});
    CHECK(own->trace() != root.trace());
  });
  st::with_active_span(st::span_ref{}, [&] {
    CHECK(!st::active_span().is_valid());
    st::scoped_span other({"other transaction", "task"});
  });
  CHECK(st::active_span().id == root.id());
  root.end();
  auto txs = t.transactions();
  REQUIRE(txs.size() == 3);
  CHECK(find_transaction(txs, "own transaction") != nullptr);
  CHECK(find_transaction(txs, "other transaction") != nullptr);
  const json* r = find_transaction(txs, "root");
  REQUIRE(r != nullptr);
  CHECK((*r)["spans"].size() == 0);
}

TEST_CASE("with_active_span under an unsampled span: spans inside stay in its trace and are counted") {
  traced t([](st::options& o) { o.traces_sample_rate = 0.0; });
  st::span root = st::start_inactive_span({"root", "task"});
  st::with_active_span(root, [&] {
    st::scoped_span child({"child", "task"});
    CHECK(child->trace() == root.trace());
    CHECK(!child->is_recording());
  });
  root.end();
  CHECK(t.transactions().empty());
  CHECK(t.discarded("sample_rate", "span") == 2);  // the root and the child
}

TEST_CASE("with_active_span with a span from before the last init(): spans inside are dropped and counted") {
  traced t;
  st::span_ref old;
  st::start_span({"old", "task"}, [&](st::span& s) { old = s; });
  st::shutdown(0);
  REQUIRE(st::init(t.opts));
  st::with_active_span(old, [&] {
    st::scoped_span inside({"inside", "task"});
    CHECK(!inside->is_recording());
    st::scoped_span nested({"nested", "task"});
    CHECK(!nested->is_recording());
  });
  CHECK(t.discarded("no_parent_span", "span") == 2);
  std::size_t inside = 0;
  for (auto& tx : t.transactions()) inside += tx["transaction"].str == "inside" || tx["transaction"].str == "nested";
  CHECK(inside == 0);
}

#if SENTRY_TRACE_EXCEPTIONS
TEST_CASE("with_active_span and start_new_trace restore the active span and trace scope when fn throws") {
  traced t;
  // The caller's DSC is complete, so that the envelopes also pass the interop checks.
  st::continue_trace("771a43a4192642f0b136d5159a501700-b7ad6b7169203331-1",
                     "sentry-trace_id=771a43a4192642f0b136d5159a501700,sentry-public_key=public", [&] {
    st::scoped_span root({"root", "task"});
    st::span side = st::start_inactive_span({"side", "task"});
    CHECK_THROWS_AS(st::with_active_span(side, [] { throw std::runtime_error("boom"); }), std::runtime_error);
    CHECK(st::active_span().id == root->id());
    CHECK_THROWS_AS(st::with_active_span(nullptr, [] { throw std::runtime_error("boom"); }), std::runtime_error);
    CHECK(st::active_span().id == root->id());
    CHECK_THROWS_AS(st::start_new_trace([] {
                      st::start_span({"thrown through", "task"}, [](st::span&) { throw std::runtime_error("boom"); });
                    }),
                    std::runtime_error);
    CHECK(st::active_span().id == root->id());
    side.end();
    root.get().end();
    // The continue_trace scope is the current one again: a new root continues its trace.
    st::scoped_span next({"next", "task"});
    CHECK(hex(next->trace()) == "771a43a4192642f0b136d5159a501700");
  });
  auto txs = t.transactions();
  const json* root = find_transaction(txs, "root");
  const json* thrown = find_transaction(txs, "thrown through");
  REQUIRE(root != nullptr);
  REQUIRE(thrown != nullptr);
  CHECK((*thrown)["contexts"]["trace"]["status"].str == "internal_error");
  CHECK((*thrown)["contexts"]["trace"]["trace_id"].str != "771a43a4192642f0b136d5159a501700");
  CHECK((*root)["contexts"]["trace"]["trace_id"].str == "771a43a4192642f0b136d5159a501700");
  CHECK((*root)["spans"].size() == 1);  // side
}
#endif

TEST_CASE("start_new_trace: transactions inside share one new trace and sample_rand, so do headers and events outside spans") {
  traced t;
  const std::string incoming = "771a43a4192642f0b136d5159a501700";
  std::string headers_trace, baggage;
  st::continue_trace(incoming + "-b7ad6b7169203331-1", "sentry-trace_id=" + incoming + ",sentry-public_key=public,sentry-sample_rand=0.25", [&] {
    st::scoped_span request({"request", "http.server"});
    st::start_new_trace([&] {
      CHECK(!st::active_span().is_valid());
      st::start_span({"job a", "task"}, [](st::span&) {});
      st::start_span({"job b", "task"}, [](st::span&) {});
      st::trace_headers h = st::get_trace_headers();
      headers_trace = std::string(h.sentry_trace.substr(0, 32));
      baggage = std::string(h.baggage);
      CHECK(st::capture_message("inside a new trace"));
    });
    CHECK(st::active_span().id == request->id());
    st::scoped_span after({"after", "task"});
    CHECK(hex(after->trace()) == incoming);
  });
  // A second call starts another trace.
  std::string second;
  st::start_new_trace([&] { st::start_span({"job c", "task"}, [&](st::span& s) { second = hex(s.trace()); }); });

  auto envs = t.cap.transactions();
  const ts::envelope* a = nullptr;
  const ts::envelope* b = nullptr;
  for (auto& e : envs) {
    const std::string name = e.item("transaction")->body["transaction"].str;
    if (name == "job a") a = &e;
    if (name == "job b") b = &e;
  }
  REQUIRE(a != nullptr);
  REQUIRE(b != nullptr);
  const json& ta = a->item("transaction")->body["contexts"]["trace"];
  const json& tb = b->item("transaction")->body["contexts"]["trace"];
  const std::string fresh = ta["trace_id"].str;
  CHECK(fresh.size() == 32);
  CHECK(fresh != incoming);
  CHECK(tb["trace_id"].str == fresh);
  CHECK(!ta.has("parent_span_id"));  // heads of the new trace
  CHECK(!tb.has("parent_span_id"));
  // Heads of the trace: their own DSC, one sample_rand.
  CHECK(a->header["trace"]["trace_id"].str == fresh);
  CHECK(a->header["trace"]["transaction"].str == "job a");
  CHECK(b->header["trace"]["transaction"].str == "job b");
  CHECK(a->header["trace"]["sample_rand"].str == b->header["trace"]["sample_rand"].str);
  CHECK(a->header["trace"]["sample_rand"].str != "0.25");
  // Outside any span inside the callback: the same trace.
  CHECK(headers_trace == fresh);
  CHECK(baggage.find("sentry-trace_id=" + fresh) != std::string::npos);
  CHECK(baggage.find("sentry-sample_rand=" + a->header["trace"]["sample_rand"].str) != std::string::npos);
  auto events = event_envelopes(t.cap);
  REQUIRE(events.size() == 1);
  CHECK(events[0].item("event")->body["contexts"]["trace"]["trace_id"].str == fresh);
  CHECK(events[0].header["trace"]["trace_id"].str == fresh);
  // The request's transaction stays in the incoming trace, with "after" under it.
  const auto txs = t.transactions();
  const json* request = find_transaction(txs, "request");
  REQUIRE(request != nullptr);
  CHECK((*request)["contexts"]["trace"]["trace_id"].str == incoming);
  CHECK(find_span(*request, "after") != nullptr);
  CHECK(second.size() == 32);
  CHECK(second != fresh);
  CHECK(second != incoming);
}

#if SENTRY_TRACE_THREADS
TEST_CASE("with_active_span on another thread: spans started there are children of this thread's span") {
  traced t;
  st::span root = st::start_span_manual({"root", "task"});
  st::span_ref parent = root;
  std::thread worker([parent] {
    st::with_active_span(parent, [] {
      st::get_active_span().set_attribute("worker.joined", true);  // the owner waits in join()
      st::start_span({"on worker", "task"}, [](st::span&) { st::scoped_span nested({"nested on worker", "task"}); });
    });
    CHECK(!st::active_span().is_valid());
    st::scoped_span own({"worker's own", "task"});  // the worker's stack is empty again
  });
  worker.join();
  CHECK(st::active_span().id == root.id());
  root.end();
  // After the transaction was sent: a span started under it on a thread is dropped and counted.
  std::thread late([parent] {
    st::with_active_span(parent, [] {
      st::scoped_span s({"too late", "task"});
      CHECK(!s->is_recording());
    });
  });
  late.join();
  CHECK(t.discarded("no_parent_span", "span") == 1);
  auto txs = t.transactions();
  REQUIRE(txs.size() == 2);
  const json* r = find_transaction(txs, "root");
  REQUIRE(r != nullptr);
  CHECK(find_transaction(txs, "worker's own") != nullptr);
  const json* on_worker = find_span(*r, "on worker");
  const json* nested = find_span(*r, "nested on worker");
  REQUIRE(on_worker != nullptr);
  REQUIRE(nested != nullptr);
  CHECK((*on_worker)["parent_span_id"].str == hex(parent.id));
  CHECK((*nested)["parent_span_id"].str == (*on_worker)["span_id"].str);
  CHECK((*r)["contexts"]["trace"]["data"]["worker.joined"].kind == json::bool_k);
}
#endif

}  // TEST_SUITE
