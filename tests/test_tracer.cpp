// Tests for sentry_trace/tracer.hpp and api.hpp: the span path, the stack of active spans,
// explicit parents across threads, handles, sampling, capacities, hostile strings, exceptions,
// init/shutdown, and accounting under threads. Every case inits and shuts down through
// `traced`, and asserts on the envelopes the transport received and/or the client reports.

#include "fixture.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace {

namespace st = sentry_trace;
namespace ts = test_support;
using ts::json;

const std::string fffd = "\xEF\xBF\xBD";

using test_support::hex;

using ts::traced;

const json* find_span(const json& payload, const std::string& id) {
  for (auto& s : payload["spans"].items)
    if (s["span_id"].str == id) return &s;
  return nullptr;
}
const json& trace_ctx(const json& payload) { return payload["contexts"]["trace"]; }

bool valid_utf8(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    i += n;
  }
  return true;
}

} // namespace

TEST_SUITE("tracer") {

// ---- creation styles and nesting ---------------------------------------------------------------

TEST_CASE("the four creation styles each produce one transaction") {
  traced t;
  st::start_span({"callback", "op.a"}, [](st::span& s) { CHECK(s.is_recording()); });
  { st::scoped_span s({"scoped", "op.b"}); }
  {
    st::span s = st::start_span_manual({"manual", "op.c"});
    s.end();
  }
  {
    st::span s = st::start_inactive_span({"inactive", "op.d"});
    s.end();
  }
  auto txns = t.transactions();
  REQUIRE(txns.size() == 4);
  const char* names[] = {"callback", "scoped", "manual", "inactive"};
  const char* ops[] = {"op.a", "op.b", "op.c", "op.d"};
  std::set<std::string> traces;
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(txns[i]["transaction"].str == names[i]);
    CHECK(trace_ctx(txns[i])["op"].str == ops[i]);
    CHECK(txns[i]["spans"].size() == 0);
    CHECK_FALSE(trace_ctx(txns[i]).has("parent_span_id"));
    traces.insert(trace_ctx(txns[i])["trace_id"].str);
  }
  CHECK(traces.size() == 4);  // each one starts its own trace
  CHECK(t.discarded_spans() == 0);
}

TEST_CASE("start_span returns the callback's result") {
  traced t;
  int r = st::start_span({"root", "op"}, [](st::span&) { return 42; });
  CHECK(r == 42);
  int calls = 0;
  st::start_span({"void", "op"}, [&](st::span&) { ++calls; });  // a void callback compiles
  auto void_fn = [](st::span&) {};
  auto int_fn = [](st::span&) { return 1; };
  static_assert(std::is_void_v<decltype(st::start_span({"v", "op"}, void_fn))>);
  static_assert(std::is_same_v<decltype(st::start_span({"i", "op"}, int_fn)), int>);
  CHECK(calls == 1);
  std::string s = st::start_span({"outer", "op"}, [](st::span&) {
    return st::start_span({"inner", "op"}, [](st::span&) { return std::string("nested"); });
  });
  CHECK(s == "nested");
  auto txns = t.transactions();
  REQUIRE(txns.size() == 3);
  CHECK(txns[2]["spans"].size() == 1);
}

TEST_CASE("nested spans take the enclosing span as parent") {
  traced t;
  std::string root_id, a_id, b_id, c_id, d_id;
  st::start_span({"root", "op"}, [&](st::span& root) {
    root_id = hex(root.id());
    st::scoped_span a({"a", "scoped"});
    a_id = hex(a->id());
    st::span b = st::start_span_manual({"b", "manual"});
    b_id = hex(b.id());
    st::start_span({"c", "callback"}, [&](st::span& c) {
      c_id = hex(c.id());
      st::span d = st::start_inactive_span({"d", "inactive"});
      d_id = hex(d.id());
      d.end();
    });
    b.end();
  });
  auto txns = t.transactions();
  REQUIRE(txns.size() == 1);
  const json& p = txns[0];
  CHECK(trace_ctx(p)["span_id"].str == root_id);
  REQUIRE(p["spans"].size() == 4);
  const json* a = find_span(p, a_id);
  const json* b = find_span(p, b_id);
  const json* c = find_span(p, c_id);
  const json* d = find_span(p, d_id);
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(c);
  REQUIRE(d);
  CHECK((*a)["parent_span_id"].str == root_id);
  CHECK((*b)["parent_span_id"].str == a_id);
  CHECK((*c)["parent_span_id"].str == b_id);
  CHECK((*d)["parent_span_id"].str == c_id);
  CHECK((*c)["description"].str == "c");
  CHECK((*c)["op"].str == "callback");
  for (auto& s : p["spans"].items) CHECK(s["trace_id"].str == trace_ctx(p)["trace_id"].str);
}

TEST_CASE("an inactive span never becomes a parent") {
  traced t;
  SUBCASE("under an active span, later spans nest under that span") {
    std::string root_id, inactive_id, later_id;
    st::start_span({"root", "op"}, [&](st::span& root) {
      root_id = hex(root.id());
      st::span in = st::start_inactive_span({"inactive", "op"});
      inactive_id = hex(in.id());
      st::start_span({"later", "op"}, [&](st::span& s) { later_id = hex(s.id()); });
      CHECK(hex(st::active_span().id) == root_id);
      in.end();
    });
    auto txns = t.transactions();
    REQUIRE(txns.size() == 1);
    REQUIRE(txns[0]["spans"].size() == 2);
    CHECK((*find_span(txns[0], inactive_id))["parent_span_id"].str == root_id);
    CHECK((*find_span(txns[0], later_id))["parent_span_id"].str == root_id);
  }
  SUBCASE("with no active span, both are transactions of their own") {
    st::span in = st::start_inactive_span({"inactive", "op"});
    CHECK_FALSE(st::active_span().is_valid());
    st::span later = st::start_span_manual({"later", "op"});
    CHECK(later.trace() != in.trace());
    later.end();
    in.end();
    auto txns = t.transactions();
    REQUIRE(txns.size() == 2);
    CHECK(txns[0]["transaction"].str == "later");
    CHECK(txns[1]["transaction"].str == "inactive");
    CHECK(txns[0]["spans"].size() == 0);
    CHECK(txns[1]["spans"].size() == 0);
  }
}

TEST_CASE("a span with no active span and no explicit parent is a transaction") {
  traced t;
  CHECK_FALSE(st::active_span().is_valid());
  st::span s = st::start_span_manual({"GET /orders", "http.server"});
  CHECK(s.is_recording());
  CHECK(s.is_sampled());
  CHECK(st::active_span().id == s.id());
  const st::span_ref ref = s;
  s.end();
  CHECK_FALSE(s.is_active());
  CHECK_FALSE(st::active_span().is_valid());
  auto txns = t.transactions();
  REQUIRE(txns.size() == 1);
  CHECK(txns[0]["type"].str == "transaction");
  CHECK(txns[0]["transaction"].str == "GET /orders");
  CHECK(trace_ctx(txns[0])["span_id"].str == hex(ref.id));
  CHECK(trace_ctx(txns[0])["trace_id"].str == hex(ref.trace));
  CHECK_FALSE(trace_ctx(txns[0]).has("parent_span_id"));
}

TEST_CASE("force_transaction starts a new transaction in the current trace, under the active span") {
  traced t;
  std::string outer_id, forced_id, inner_id, after_id;
  st::start_span({"outer", "op"}, [&](st::span& outer) {
    outer_id = hex(outer.id());
    st::span_options o{"forced", "op"};
    o.force_transaction = true;
    st::start_span(o, [&](st::span& forced) {
      forced_id = hex(forced.id());
      CHECK(forced.trace() == outer.trace());  // as @sentry/core's forceTransaction
      st::start_span({"inner", "op"}, [&](st::span& s) { inner_id = hex(s.id()); });
    });
    st::start_span({"after", "op"}, [&](st::span& s) { after_id = hex(s.id()); });
  });
  auto txns = t.transactions();
  REQUIRE(txns.size() == 2);
  CHECK(txns[0]["transaction"].str == "forced");
  CHECK(trace_ctx(txns[0])["parent_span_id"].str == outer_id);
  CHECK(trace_ctx(txns[0])["trace_id"].str == trace_ctx(txns[1])["trace_id"].str);
  REQUIRE(txns[0]["spans"].size() == 1);
  CHECK(txns[0]["spans"][0]["parent_span_id"].str == forced_id);
  CHECK(txns[1]["transaction"].str == "outer");
  REQUIRE(txns[1]["spans"].size() == 1);
  CHECK(txns[1]["spans"][0]["span_id"].str == after_id);
  CHECK(txns[1]["spans"][0]["parent_span_id"].str == outer_id);
}

// ---- threads -------------------------------------------------------------------------------------

#if SENTRY_TRACE_THREADS  // starts std::threads: not with SENTRY_TRACE_THREADS=0 (single-threaded)
TEST_CASE("an explicit parent joins spans of other threads to its transaction") {
  traced t;
  constexpr int workers = 4, grandchildren = 3;
  st::span root = st::start_span_manual({"root", "http.server"});
  const st::span_ref root_ref = root;
  std::string child_ids[workers];
  std::string grand_ids[workers][grandchildren];
  std::string grand_trace[workers][grandchildren];
  std::vector<std::thread> threads;
  for (int i = 0; i < workers; ++i) {
    threads.emplace_back([&, i] {
      CHECK_FALSE(st::active_span().is_valid());  // a new thread has no active span
      st::start_span(st::span_options{"work", "task", root_ref}, [&](st::span& child) {
        child_ids[i] = hex(child.id());
        for (int j = 0; j < grandchildren; ++j)
          st::start_span({"sub", "task.sub"}, [&](st::span& g) {
            grand_ids[i][j] = hex(g.id());
            grand_trace[i][j] = hex(g.trace());
          });
      });
    });
  }
  for (auto& th : threads) th.join();
  root.end();
  auto txns = t.transactions();
  REQUIRE(txns.size() == 1);
  const json& p = txns[0];
  const std::string root_id = trace_ctx(p)["span_id"].str;
  CHECK(root_id == hex(root_ref.id));
  CHECK(p["spans"].size() == static_cast<std::size_t>(workers * (1 + grandchildren)));
  for (int i = 0; i < workers; ++i) {
    const json* c = find_span(p, child_ids[i]);
    REQUIRE(c);
    CHECK((*c)["parent_span_id"].str == root_id);
    CHECK((*c)["description"].str == "work");
    for (int j = 0; j < grandchildren; ++j) {
      const json* g = find_span(p, grand_ids[i][j]);
      REQUIRE(g);
      CHECK((*g)["parent_span_id"].str == child_ids[i]);
      CHECK(grand_trace[i][j] == hex(root_ref.trace));
    }
  }
  CHECK(t.discarded_spans() == 0);
}
#endif // SENTRY_TRACE_THREADS

// ---- handles -------------------------------------------------------------------------------------

TEST_CASE("span handles are movable and the moved-from handle is inert") {
  traced t;
  st::span a = st::start_span_manual({"root", "op"});
  const st::span_id id = a.id();
  st::span b(std::move(a));
  CHECK_FALSE(a.is_active());  // NOLINT(bugprone-use-after-move): checking it is inert
  CHECK_FALSE(a.is_recording());
  a.set_attribute("ignored", true);
  a.end();  // no-op
  CHECK(t.cap.sent.empty());
  CHECK(b.is_active());
  CHECK(b.id() == id);
  st::span c;
  c = std::move(b);
  CHECK_FALSE(b.is_active());  // NOLINT(bugprone-use-after-move)
  b.end();
  CHECK(t.cap.sent.empty());
  // Children still nest under the moved root: it stayed the active span.
  st::start_span({"child", "op"}, [](st::span&) {});
  c.set_attribute("kept", std::int64_t{7});
  c.end();
  auto txns = t.transactions();
  REQUIRE(txns.size() == 1);
  CHECK(trace_ctx(txns[0])["span_id"].str == hex(id));
  CHECK(trace_ctx(txns[0])["data"]["kept"].num == 7);
  REQUIRE(txns[0]["spans"].size() == 1);
  CHECK(txns[0]["spans"][0]["parent_span_id"].str == hex(id));
  CHECK(t.discarded_spans() == 0);
}

TEST_CASE("end is idempotent") {
  traced t;
  st::span root = st::start_span_manual({"root", "op"});
  st::span child = st::start_span_manual({"child", "op"});
  child.end();
  child.end();
  CHECK_FALSE(child.is_active());
  root.end();
  root.end();
  CHECK_FALSE(root.is_active());
  CHECK(t.cap.sent.size() == 1);
  auto txns = t.transactions();
  REQUIRE(txns.size() == 1);
  CHECK(txns[0]["spans"].size() == 1);
  CHECK(t.discarded_spans() == 0);
}

TEST_CASE("a destroyed un-ended child is dropped and counted invalid") {
  traced t;
  std::string kept_id;
  {
    st::span root = st::start_span_manual({"root", "op"});
    { st::span lost = st::start_span_manual({"lost", "op"}); }  // destroyed without end()
    st::start_span({"kept", "op"}, [&](st::span& s) { kept_id = hex(s.id()); });
    root.end();
  }
  auto txns = t.transactions();
  REQUIRE(txns.size() == 1);
  REQUIRE(txns[0]["spans"].size() == 1);
  CHECK(txns[0]["spans"][0]["span_id"].str == kept_id);
  // The abandoned child was popped from the stack: "kept" nests under the root.
  CHECK(txns[0]["spans"][0]["parent_span_id"].str == trace_ctx(txns[0])["span_id"].str);
  CHECK(t.discarded("invalid", "span") == 1);
  CHECK(t.discarded("invalid", "transaction") == 0);
}

TEST_CASE("a destroyed un-ended root drops its transaction") {
  traced t;
  {
    st::span root = st::start_span_manual({"root", "op"});
    st::start_span({"a", "op"}, [](st::span&) {});
    st::start_span({"b", "op"}, [](st::span&) {});
  }
  CHECK(t.transactions().empty());
  CHECK(t.discarded("invalid", "transaction") == 1);
  CHECK(t.discarded("invalid", "span") == 3);
  CHECK_FALSE(st::active_span().is_valid());
  // The block is free again: the next transaction goes out.
  st::start_span({"next", "op"}, [](st::span&) {});
  CHECK(t.transactions().size() == 1);
}

TEST_CASE("a root ended before its children sends the finished children only") {
  traced t;
  st::span root = st::start_span_manual({"root", "op"});
  const st::span_ref root_ref = root;
  st::span done = st::start_inactive_span({"done", "op"});
  done.end();
  st::span open1 = st::start_inactive_span({"open1", "op"});
  st::span open2 = st::start_span_manual({"open2", "op"});
  root.end();
  auto txns = t.transactions();
  REQUIRE(txns.size() == 1);
  REQUIRE(txns[0]["spans"].size() == 1);
  CHECK(txns[0]["spans"][0]["description"].str == "done");
  CHECK(t.discarded("invalid", "span") == 2);
  // Ending them afterwards sends nothing more and counts nothing more.
  open1.set_attribute("late", true);
  open2.end();
  open1.end();
  // A child started from the sent root is refused.
  st::span late = st::start_span_manual(st::span_options{"late", "op", root_ref});
  CHECK_FALSE(late.is_recording());
  late.end();
  CHECK(t.transactions().size() == 1);
  CHECK(t.discarded("invalid", "span") == 2);
  CHECK(t.discarded("no_parent_span", "span") == 1);
  // Everything was released: a new transaction works.
  st::start_span({"again", "op"}, [](st::span&) { st::start_span({"c", "op"}, [](st::span&) {}); });
  txns = t.transactions();
  REQUIRE(txns.size() == 2);
  CHECK(txns[1]["spans"].size() == 1);
}

#if SENTRY_TRACE_THREADS  // starts std::threads: not with SENTRY_TRACE_THREADS=0 (single-threaded)
TEST_CASE("children may end on another thread than they started") {
  traced t;
  st::span root = st::start_span_manual({"root", "op"});
  st::span a = st::start_span_manual({"a", "op"});
  st::span b = st::start_span_manual({"b", "op"});  // nests under a
  const std::string a_id = hex(a.id()), b_id = hex(b.id()), root_id = hex(root.id());
  std::thread other([&] {
    b.set_attribute("ended.on", "other thread");
    b.end();
    a.end();
  });
  other.join();
  // Both were popped from this thread's stack by the other thread: new spans nest under root.
  CHECK(hex(st::active_span().id) == root_id);
  std::string c_id;
  st::start_span({"c", "op"}, [&](st::span& c) { c_id = hex(c.id()); });
  root.end();
  auto txns = t.transactions();
  REQUIRE(txns.size() == 1);
  const json& p = txns[0];
  REQUIRE(p["spans"].size() == 3);
  CHECK((*find_span(p, a_id))["parent_span_id"].str == root_id);
  CHECK((*find_span(p, b_id))["parent_span_id"].str == a_id);
  CHECK((*find_span(p, b_id))["data"]["ended.on"].str == "other thread");
  CHECK((*find_span(p, c_id))["parent_span_id"].str == root_id);
  CHECK(t.discarded_spans() == 0);
}
#endif // SENTRY_TRACE_THREADS

// ---- sampling ------------------------------------------------------------------------------------

TEST_CASE("unsampled transactions send nothing and are counted as sample_rate") {
  traced t([](st::options& o) { o.traces_sample_rate = 0.0; });
  constexpr std::uint64_t n = 5;
  st::start_span({"root", "op"}, [&](st::span& root) {
    CHECK_FALSE(root.is_sampled());
    CHECK_FALSE(root.is_recording());
    CHECK(root.is_active());
    for (std::uint64_t i = 0; i < n - 2; ++i) st::start_span({"child", "op"}, [](st::span&) {});
    st::scoped_span s({"scoped", "op"});
    st::span m = st::start_span_manual({"manual", "op"});
    m.end();
  });
  CHECK(t.transactions().empty());
  CHECK(t.discarded("sample_rate", "transaction") == 1);
  CHECK(t.discarded("sample_rate", "span") == n + 1);
}

TEST_CASE("unsampled handles are valid no-ops") {
  traced t([](st::options& o) { o.traces_sample_rate = 0.0; });
  st::span root = st::start_span_manual({"root", "op"});
  CHECK(root.is_active());
  CHECK_FALSE(root.is_sampled());
  CHECK_FALSE(root.is_recording());
  CHECK_FALSE(root.trace().is_zero());
  CHECK_FALSE(root.id().is_zero());
  root.set_attribute("s", "text");
  root.set_attribute("i", 1);
  root.set_attribute("d", 1.5);
  root.set_attribute("b", true);
  root.set_status(st::span_status::internal_error);
  root.set_http_status(500);
  root.set_name("renamed");
  root.set_name("renamed", st::transaction_source::route);
  root.set_op("op2");
  root.set_origin("auto.test");
  st::set_measurement("m", 1.0, "millisecond");
  st::span child = st::start_span_manual({"child", "op"});
  CHECK(child.is_active());
  CHECK_FALSE(child.is_sampled());
  CHECK(child.trace() == root.trace());
  child.set_attribute("k", "v");
  child.end();
  child.end();
  root.end();
  root.end();
  CHECK(t.transactions().empty());
  CHECK(t.discarded("sample_rate", "transaction") == 1);
  CHECK(t.discarded("sample_rate", "span") == 2);
}

#if SENTRY_TRACE_THREADS  // starts std::threads: not with SENTRY_TRACE_THREADS=0 (single-threaded)
TEST_CASE("a child of an unsampled root on another thread is counted") {
  traced t([](st::options& o) { o.traces_sample_rate = 0.0; });
  st::span root = st::start_span_manual({"root", "op"});
  const st::span_ref ref = root;
  st::start_span({"here", "op"}, [](st::span&) {});
  std::thread other([&] {
    st::start_span(st::span_options{"there", "op", ref}, [&](st::span& s) {
      CHECK_FALSE(s.is_sampled());
      CHECK(s.trace() == ref.trace);
    });
  });
  other.join();
  root.end();
  CHECK(t.transactions().empty());
  CHECK(t.discarded("sample_rate", "transaction") == 1);
  CHECK(t.discarded("sample_rate", "span") == 3);  // root, "here", "there"
}
#endif // SENTRY_TRACE_THREADS

// ---- capacities ----------------------------------------------------------------------------------

TEST_CASE("max_spans caps the child spans of a transaction") {
  traced t([](st::options& o) { o.max_spans = 5; });
  std::vector<std::string> recorded;
  st::start_span({"root", "op"}, [&](st::span&) {
    for (int i = 0; i < 8; ++i)
      st::start_span({"child", "op"}, [&](st::span& c) {
        if (c.is_recording()) recorded.push_back(hex(c.id()));
        else CHECK(c.is_sampled());  // over the cap: sampled, not recorded
      });
  });
  CHECK(recorded.size() == 5);
  auto txns = t.transactions();
  REQUIRE(txns.size() == 1);
  REQUIRE(txns[0]["spans"].size() == 5);
  for (auto& id : recorded) CHECK(find_span(txns[0], id));
  CHECK(t.discarded("buffer_overflow", "span") == 3);
  CHECK(t.discarded("buffer_overflow", "transaction") == 0);
}

TEST_CASE("transactions over SENTRY_TRACE_MAX_TRANSACTIONS are dropped and counted") {
  traced t;
  constexpr int n = SENTRY_TRACE_MAX_TRANSACTIONS;
  st::span roots[n + 1];
  st::span_options o{"root", "op"};
  o.force_transaction = true;
  for (auto& r : roots) r = st::start_span_manual(o);
  for (int i = 0; i < n; ++i) CHECK(roots[i].is_recording());
  CHECK_FALSE(roots[n].is_recording());
  CHECK(roots[n].is_sampled());
  CHECK(roots[n].is_active());
  // Two children each: explicit parents for the recorded ones, nesting for the extra one (the
  // active span), plus one explicit child of the extra one.
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < 2; ++k) st::start_span(st::span_options{"child", "op", roots[i]}, [](st::span&) {});
  st::start_span({"nested", "op"}, [](st::span& c) { CHECK_FALSE(c.is_recording()); });
  st::start_span(st::span_options{"explicit", "op", roots[n]}, [](st::span&) {});
  for (auto& r : roots) r.end();
  auto txns = t.transactions();
  REQUIRE(txns.size() == static_cast<std::size_t>(n));
  for (auto& p : txns) CHECK(p["spans"].size() == 2);
  CHECK(t.discarded("buffer_overflow", "transaction") == 1);
  CHECK(t.discarded("buffer_overflow", "span") == 3);
  // All blocks were returned.
  for (auto& r : roots) r = st::start_span_manual(o);
  for (int i = 0; i < n; ++i) CHECK(roots[i].is_recording());
  for (auto& r : roots) r.end();
}

TEST_CASE("strings over the arena are truncated, never dangling") {
  traced t;
  const std::string big(1u << 20, 'x');
  constexpr std::size_t max_string = SENTRY_TRACE_MAX_STRING < SENTRY_TRACE_STRING_ARENA ? SENTRY_TRACE_MAX_STRING
                                                                                         : SENTRY_TRACE_STRING_ARENA;
  st::start_span({"root", "op"}, [&](st::span&) {
    for (int i = 0; i < 100; ++i) {
      std::string name = big;  // a temporary: copied into the arena, then freed
      st::start_span({name, "op"}, [](st::span&) {});
    }
  });
  CHECK(st::get_stats().strings_truncated > 0);
  auto txns = t.transactions();
  REQUIRE(txns.size() == 1);
  const json& p = txns[0];
  REQUIRE(p["spans"].size() == 100);
  std::size_t total = 0;
  bool arena_reached = false;
  for (auto& s : p["spans"].items) {
    const std::string& d = s["description"].str;
    CHECK(d.size() <= max_string);
    CHECK(d.find_first_not_of('x') == std::string::npos);
    if (d.size() < max_string) arena_reached = true;
    total += d.size();
  }
  CHECK(p["spans"][0]["description"].str.size() == max_string);
  CHECK(arena_reached);
  CHECK(total <= static_cast<std::size_t>(SENTRY_TRACE_STRING_ARENA));
  CHECK(total > static_cast<std::size_t>(SENTRY_TRACE_STRING_ARENA) / 2);
  CHECK(t.discarded_spans() == 0);
}

TEST_CASE("attributes over SENTRY_TRACE_MAX_ATTRIBUTES are dropped and counted") {
  traced t;
  constexpr int extra = 5;
  st::start_span({"root", "op"}, [&](st::span& s) {
    for (int i = 0; i < SENTRY_TRACE_MAX_ATTRIBUTES + extra; ++i) s.set_attribute("k" + std::to_string(i), i);
    s.set_attribute("k0", "replaced");  // an existing key is replaced, not counted
  });
  CHECK(st::get_stats().attributes_dropped == static_cast<std::uint64_t>(extra));
  auto txns = t.transactions();
  REQUIRE(txns.size() == 1);
  const json& data = trace_ctx(txns[0])["data"];
  CHECK(data["k0"].str == "replaced");
  CHECK(data.has("k" + std::to_string(SENTRY_TRACE_MAX_ATTRIBUTES - 1)));
  CHECK_FALSE(data.has("k" + std::to_string(SENTRY_TRACE_MAX_ATTRIBUTES)));
}

namespace {
void nest(int remaining, std::vector<std::string>& ids) {
  if (remaining == 0) return;
  st::scoped_span s({"level", "op"});
  ids.push_back(hex(s->id()));
  nest(remaining - 1, ids);
}
} // namespace

TEST_CASE("spans nested deeper than SENTRY_TRACE_MAX_DEPTH are still recorded") {
  traced t;
  constexpr int extra = 6;
  constexpr int total = SENTRY_TRACE_MAX_DEPTH + extra;
  std::vector<std::string> ids;
  nest(total, ids);
  CHECK(st::get_stats().depth_overflows == static_cast<std::uint64_t>(extra));
  auto txns = t.transactions();
  REQUIRE(txns.size() == 1);
  const json& p = txns[0];
  CHECK(p["spans"].size() == static_cast<std::size_t>(total - 1));
  REQUIRE(ids.size() == static_cast<std::size_t>(total));
  for (std::size_t i = 1; i < ids.size(); ++i) {
    const json* s = find_span(p, ids[i]);
    REQUIRE(s);
    // Spans past the depth are not made active: deeper ones nest under the last active one.
    const std::size_t parent = i < static_cast<std::size_t>(SENTRY_TRACE_MAX_DEPTH) ? i - 1 : SENTRY_TRACE_MAX_DEPTH - 1;
    CHECK((*s)["parent_span_id"].str == ids[parent]);
  }
  CHECK_FALSE(st::active_span().is_valid());
}

// ---- hostile strings -----------------------------------------------------------------------------

TEST_CASE("hostile strings still give a valid envelope") {
  traced t;
  using namespace std::string_view_literals;
  const std::string_view hostile =
      "a\r\nb\"c\\d\x01\x1f\x7f|\xff|\xe2\x82|nul\0after|\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\xe2\x80\xa8|\xc3"sv;
  std::string ops = "op\n\x02";
  st::start_span({hostile, ops}, [&](st::span& root) {
    root.set_attribute(hostile, hostile);
    root.set_attribute("key\r\n", 1);
    st::span_options o{hostile, hostile};
    o.origin = hostile;
    st::start_span(o, [&](st::span& c) {
      c.set_attribute(hostile, hostile);
      c.set_name(hostile);
    });
    st::set_measurement(hostile, 3.0, hostile);
  });
  REQUIRE(t.cap.sent.size() == 1);
  const std::string& raw = t.cap.sent[0];
  // Three lines: envelope header, item header, payload; no raw control characters anywhere.
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= raw.size(); ++i)
    if (i == raw.size() || raw[i] == '\n') {
      lines.push_back(raw.substr(start, i - start));
      start = i + 1;
    }
  REQUIRE(lines.size() == 3);
  for (auto& l : lines) {
    for (char c : l) CHECK(static_cast<unsigned char>(c) >= 0x20);
    CHECK(valid_utf8(l));
#if SENTRY_TRACE_EXCEPTIONS
    CHECK_NOTHROW(ts::parse_json(l));
#else
    CHECK(ts::parse_json(l).ok());
#endif
  }
  CHECK(raw.find('\xff') == std::string::npos);
  ts::envelope e = ts::parse_envelope(raw);
  const json& p = e.item("transaction")->body;
  const std::string& name = p["transaction"].str;
  CHECK(valid_utf8(name));
  CHECK(name.find(fffd) != std::string::npos);
  CHECK(name.rfind("a\r\nb\"c\\d\x01\x1f\x7f|", 0) == 0);
  CHECK(name.find("|nul"sv.data(), 0, 4) != std::string::npos);
  CHECK(name.find(std::string("nul\0after", 9)) != std::string::npos);  // NUL kept as \u0000
  CHECK(name.find("\xe2\x80\xa8") != std::string::npos);                // U+2028 kept (escaped)
  CHECK(e.header["trace"]["transaction"].str == name);
  CHECK(trace_ctx(p)["op"].str == "op\n\x02");
  REQUIRE(p["spans"].size() == 1);
  const json& c = p["spans"][0];
  CHECK(c["description"].str == name);
  CHECK(c["op"].str == name);
  CHECK(c["origin"].str == name);
  CHECK(c["data"][name].str == name);
  CHECK(trace_ctx(p)["data"][name].str == name);
  CHECK(trace_ctx(p)["data"]["key\r\n"].num == 1);
  CHECK(p["measurements"][name]["value"].num == 3.0);
  CHECK(p["measurements"][name]["unit"].str == "none");  // not ASCII of at most 15 bytes
}

// ---- exceptions ----------------------------------------------------------------------------------

#if SENTRY_TRACE_EXCEPTIONS
TEST_CASE("an exception leaving a start_span callback ends the span with internal_error") {
  traced t;
  SUBCASE("on a child") {
    std::string child_id;
    st::start_span({"root", "op"}, [&](st::span&) {
      CHECK_THROWS_AS(st::start_span({"child", "op"},
                                     [&](st::span& c) {
                                       child_id = hex(c.id());
                                       throw std::runtime_error("boom");
                                     }),
                      std::runtime_error);
      // The child was ended and popped: the root is active again.
      st::start_span({"after", "op"}, [](st::span&) {});
    });
    auto txns = t.transactions();
    REQUIRE(txns.size() == 1);
    CHECK(trace_ctx(txns[0])["status"].str == "ok");
    REQUIRE(txns[0]["spans"].size() == 2);
    const json* c = find_span(txns[0], child_id);
    REQUIRE(c);
    CHECK((*c)["status"].str == "internal_error");
    for (auto& s : txns[0]["spans"].items) CHECK(s["parent_span_id"].str == trace_ctx(txns[0])["span_id"].str);
  }
  SUBCASE("on a root: the transaction is sent") {
    CHECK_THROWS_AS(st::start_span({"root", "op"},
                                   [](st::span&) -> int {
                                     st::start_span({"child", "op"}, [](st::span&) {});
                                     throw std::logic_error("boom");
                                   }),
                    std::logic_error);
    auto txns = t.transactions();
    REQUIRE(txns.size() == 1);
    CHECK(trace_ctx(txns[0])["status"].str == "internal_error");
    CHECK(txns[0]["spans"].size() == 1);
    CHECK(txns[0]["spans"][0]["status"].str == "ok");
    CHECK_FALSE(st::active_span().is_valid());
  }
  CHECK(t.discarded_spans() == 0);
}
#endif

// ---- init and shutdown ---------------------------------------------------------------------------

TEST_CASE("calls before init and after shutdown are no-ops") {
  st::shutdown(0);
  auto exercise = [] {
    CHECK_FALSE(st::is_enabled());
    int r = st::start_span({"root", "op"}, [](st::span& s) {
      CHECK_FALSE(s.is_active());
      s.set_attribute("k", "v");
      s.set_status(st::span_status::aborted);
      return 3;
    });
    CHECK(r == 3);
    { st::scoped_span s({"scoped", "op"}); }
    st::span m = st::start_span_manual({"manual", "op"});
    CHECK_FALSE(m.is_active());
    st::span i = st::start_inactive_span({"inactive", "op"});
    CHECK_FALSE(i.is_active());
    st::set_measurement("m", 1.0);
    CHECK_FALSE(st::active_span().is_valid());
    m.end();
    i.end();
    CHECK(st::flush(0));
    CHECK(st::shutdown(0));
  };
  exercise();
  {
    traced t;
    st::flush(0);
    CHECK(t.cap.sent.empty());  // nothing from before init was recorded or counted
    st::span held = st::start_span_manual({"held", "op"});
    st::shutdown(0);
    const std::size_t after_shutdown = t.cap.sent.size();
    exercise();
    held.set_attribute("k", 1);
    held.end();  // a handle from before shutdown: no-op
    CHECK(t.cap.sent.size() == after_shutdown);
    CHECK(t.cap.transactions().empty());
  }
}

TEST_CASE("a handle from before a re-init is a no-op") {
  traced t;
  st::span old_root = st::start_span_manual({"old", "op"});
  const st::span_ref old_ref = old_root;
  REQUIRE(st::init(t.opts));  // re-init: the old transaction is abandoned
  CHECK(t.discarded("invalid", "transaction") == 1);
  CHECK_FALSE(st::active_span().is_valid());
  st::span fresh = st::start_span_manual({"fresh", "op"});
  CHECK(fresh.is_recording());
  st::span stray = st::start_span_manual(st::span_options{"stray", "op", old_ref});
  CHECK_FALSE(stray.is_recording());
  old_root.set_attribute("k", 1);
  old_root.end();
  fresh.end();
  auto txns = t.transactions();
  REQUIRE(txns.size() == 1);
  CHECK(txns[0]["transaction"].str == "fresh");
  CHECK(txns[0]["spans"].size() == 0);
  CHECK(t.discarded("no_parent_span", "span") == 1);
}

TEST_CASE("shutdown counts an in-flight transaction as invalid") {
  traced t;
  st::span root = st::start_span_manual({"root", "op"});
  st::span a = st::start_span_manual({"a", "op"});
  st::start_span({"b", "op"}, [](st::span&) {});
  CHECK(st::shutdown(0));
  CHECK_FALSE(st::is_enabled());
  CHECK(t.cap.discarded("invalid", "transaction") == 1);
  CHECK(t.cap.discarded("invalid", "span") == 3);
  CHECK(t.cap.transactions().empty());
  a.end();
  root.end();
  CHECK(t.cap.transactions().empty());
  CHECK(t.cap.discarded("invalid", "transaction") == 1);
}

#if SENTRY_TRACE_THREADS  // starts std::threads: not with SENTRY_TRACE_THREADS=0 (single-threaded)
// ---- accounting under threads --------------------------------------------------------------------

namespace {
/// Counts spans per transaction envelope through transaction_view, and keeps client reports.
struct counting_transport : st::transport {
  std::atomic<std::uint64_t> transactions{0};
  std::atomic<std::uint64_t> spans{0};
  std::vector<std::string> reports;
  std::vector<std::string> samples;  ///< the first few transaction envelopes, to parse
  std::set<std::uint64_t> ids;       ///< every span id sent
  std::uint64_t duplicate_ids = 0;   ///< span ids sent twice (a stale slot sent again)
  std::uint64_t foreign_parents = 0; ///< spans whose parent is not a span of their transaction
  std::mutex m;
  void send(st::envelope_view e) override {
    if (const st::transaction_view* v = e.transaction()) {
      transactions.fetch_add(1);
      spans.fetch_add(v->span_count());
      std::lock_guard<std::mutex> g(m);
      std::set<std::uint64_t> local;
      for (std::size_t i = 0; i < v->span_count(); ++i) local.insert(v->span_at(i).id.value);
      for (std::size_t i = 0; i < v->span_count(); ++i) {
        const st::span_view sv = v->span_at(i);
        if (!ids.insert(sv.id.value).second) ++duplicate_ids;
        if (!sv.is_root && local.count(sv.parent.value) == 0) ++foreign_parents;
      }
      if (samples.size() < 2) samples.emplace_back(e.bytes());
    } else {
      std::lock_guard<std::mutex> g(m);
      reports.emplace_back(e.bytes());
    }
  }
  std::uint64_t discarded(const std::string& category, const std::string& only_reason = {}) {
    std::uint64_t n = 0;
    for (auto& r : reports) {
      ts::envelope e = ts::parse_envelope(r);
      for (auto& it : e.items)
        for (auto& d : it.body["discarded_events"].items)
          if (d["category"].str == category && (only_reason.empty() || d["reason"].str == only_reason))
            n += static_cast<std::uint64_t>(d["quantity"].num);
    }
    return n;
  }
};
} // namespace

TEST_CASE("8 threads x 10000 spans are all accounted for") {
  counting_transport ct;
  ts::log_capture logs;
  st::options o = ts::default_options(&ct);
  o.log = logs.hook();
  REQUIRE(st::init(o));
  constexpr int threads = 8, roots = 8, children = 1249;  // 8 * (1 + 1249) = 10000 per thread
  std::atomic<std::uint64_t> recorded{0};
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&] {
      std::uint64_t rec = 0;
      for (int r = 0; r < roots; ++r) {
        st::span root = st::start_span_manual({"root", "thread"});
        rec += root.is_recording();
        for (int c = 0; c < children; ++c) {
          if (c % 2) {
            st::span s = st::start_span_manual({"child", "work"});
            s.set_attribute("i", c);
            rec += s.is_recording();
            s.end();
          } else {
            st::scoped_span s({"scoped", "work"});
            rec += s->is_recording();
          }
        }
        root.end();
      }
      recorded.fetch_add(rec);
    });
  }
  for (auto& th : pool) th.join();
  st::flush(0);
  const std::uint64_t started = static_cast<std::uint64_t>(threads) * roots * (1 + children);
  const std::uint64_t dropped = ct.discarded("span");
  CHECK(ct.spans.load() + dropped == started);
  CHECK(ct.transactions.load() + ct.discarded("transaction") == static_cast<std::uint64_t>(threads * roots));
  CHECK(ct.spans.load() == recorded.load());  // everything recorded was sent
  CHECK(ct.discarded("span", "invalid") == 0);
  REQUIRE_FALSE(ct.samples.empty());
  for (auto& s : ct.samples) {
    ts::envelope e = ts::parse_envelope(s);
    CHECK(e.item("transaction")->body["spans"].size() <= SENTRY_TRACE_MAX_SPANS);
  }
  st::shutdown(0);
}

namespace {
/// A clock that parks the thread which armed it on its next read, until released: it holds a
/// child span between claiming its slot and publishing it.
struct parking_clock {
  static inline thread_local bool armed = false;
  std::mutex m;
  std::condition_variable cv;
  bool parked = false, go = false;
  static std::uint64_t read(void* self) {
    auto* c = static_cast<parking_clock*>(self);
    if (armed) {
      armed = false;
      std::unique_lock<std::mutex> lock(c->m);
      c->parked = true;
      c->cv.notify_all();
      c->cv.wait(lock, [&] { return c->go; });
    }
    return st::detail::hosted_now_ns(nullptr);
  }
};
} // namespace

TEST_CASE("a slot claimed but not yet published when its root ends is not sent with stale data") {
  // Blocks are reused: what an earlier transaction left in a slot must never be sent as a span
  // of a later one, even when the root ends between a child's slot claim and its publication.
  parking_clock clock;
  traced t([&](st::options& o) { o.clock = st::clock_hook{&parking_clock::read, &clock}; });
  // Leave an ended span in slot 1 of every block.
  std::set<std::string> earlier_ids;
  for (int i = 0; i < SENTRY_TRACE_MAX_TRANSACTIONS; ++i)
    st::start_span({"earlier", "op"}, [&](st::span&) {
      st::start_span({"old child", "op"}, [&](st::span& c) { earlier_ids.insert(hex(c.id())); });
    });
  REQUIRE(t.transactions().size() == static_cast<std::size_t>(SENTRY_TRACE_MAX_TRANSACTIONS));
  st::span root = st::start_span_manual({"later", "op"});
  const st::span_ref ref = root;
  std::string late_id;
  std::thread worker([&] {
    parking_clock::armed = true;
    st::span c = st::start_inactive_span(st::span_options{"late child", "op", ref});
    late_id = hex(c.id());
    c.end();
  });
  {
    std::unique_lock<std::mutex> lock(clock.m);
    clock.cv.wait(lock, [&] { return clock.parked; });
  }
  root.end();  // the worker holds slot 1, not yet published
  {
    std::lock_guard<std::mutex> lock(clock.m);
    clock.go = true;
  }
  clock.cv.notify_all();
  worker.join();
  auto txns = t.transactions();
  REQUIRE(txns.size() == static_cast<std::size_t>(SENTRY_TRACE_MAX_TRANSACTIONS) + 1);
  const json& p = txns.back();
  CHECK(p["transaction"].str == "later");
  for (auto& s : p["spans"].items) {
    CHECK(earlier_ids.count(s["span_id"].str) == 0);
    CHECK(s["parent_span_id"].str == trace_ctx(p)["span_id"].str);
    CHECK(s["description"].str == "late child");
  }
  CHECK(p["spans"].size() == 0);  // unfinished when the root ended
  CHECK(t.discarded("invalid", "span") == 1);
  // The late child ended after its transaction was sent: nothing more goes out.
  CHECK(t.transactions().size() == txns.size());
}

TEST_CASE("a root ended while other threads start children never sends a stale span") {
  counting_transport ct;
  ts::log_capture logs;
  st::options o = ts::default_options(&ct);
  o.log = logs.hook();
  REQUIRE(st::init(o));
  constexpr int rounds = 300, workers = 2;
  std::vector<st::span_ref> refs(rounds);
  std::atomic<int> published{-1};
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> attempts{0};
  std::vector<std::thread> pool;
  for (int w = 0; w < workers; ++w) {
    pool.emplace_back([&] {
      while (!stop.load()) {
        const int r = published.load(std::memory_order_acquire);
        if (r < 0) {
          std::this_thread::yield();
          continue;
        }
        attempts.fetch_add(1);
        st::span c = st::start_inactive_span(st::span_options{"child", "op", refs[static_cast<std::size_t>(r)]});
        c.end();
      }
    });
  }
  for (int r = 0; r < rounds; ++r) {
    st::span root = st::start_span_manual({"root", "op"});
    refs[static_cast<std::size_t>(r)] = root;
    published.store(r, std::memory_order_release);
    // Busy-wait (no yield: on a small machine a yield hands the core to a worker for a whole
    // time slice) while the workers add children.
    const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(30);
    while (std::chrono::steady_clock::now() < until) {
    }
    root.end();
  }
  stop.store(true);
  for (auto& th : pool) th.join();
  st::flush(0);
  CHECK(ct.transactions.load() == static_cast<std::uint64_t>(rounds));
  CHECK(ct.duplicate_ids == 0);
  CHECK(ct.foreign_parents == 0);
  CHECK(ct.spans.load() - rounds + ct.discarded("span") == attempts.load());
  st::shutdown(0);
}

TEST_CASE("a measurement updated on a worker while its root ends is read whole (no torn value or unit)") {
  // Under ThreadSanitizer this is the check that the serializer and set_measurement do not race.
  ts::capture_transport cap;
  REQUIRE(st::init(ts::default_options(&cap)));
  for (int round = 0; round < 20; ++round) {
    st::span root = st::start_span_manual({"root", "op"});
    st::span_ref ref = root;
    std::atomic<bool> started{false};
    std::thread w([&] {
      st::start_span(st::span_options{"child", "op", ref}, [&](st::span&) {
        st::set_measurement("m", 0, "second");  // one value is there before the root may end
        started = true;
        for (int i = 1; i < 2000; ++i) st::set_measurement("m", i, i % 2 ? "millisecond" : "second");
      });
    });
    while (!started) {
    }
    root.end();
    w.join();
  }
  st::shutdown(0);
  auto txns = cap.transactions();
  REQUIRE(txns.size() == 20);
  for (auto& t : txns) {
    const json& m = t.items[0].body["measurements"]["m"];
    REQUIRE(m.kind == json::object_k);
    const double v = m["value"].num;
    CHECK(v == static_cast<double>(static_cast<int>(v)));
    CHECK((m["unit"].str == "millisecond" || m["unit"].str == "second"));
  }
}
#endif // SENTRY_TRACE_THREADS

} // TEST_SUITE
