// Tests for the stack of active spans (tracer.hpp, "active spans"): entries live in static
// storage, so a handle may end its span from any thread at any time, also after the thread
// that made it active has exited; everything started under a dropped span is dropped with it
// and counted, never promoted to a new transaction; force_transaction keeps the trace.

#include "fixture.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <pthread.h>
#include <sys/mman.h>

namespace {

namespace st = sentry_trace;
namespace ts = test_support;
using ts::json;

#if SENTRY_TRACE_THREADS
std::string hex(st::span_id id) {
  char b[16];
  id.to_hex(b);
  return std::string(b, 16);
}
#endif
std::string hex(st::trace_id id) {
  char b[32];
  id.to_hex(b);
  return std::string(b, 32);
}

using ts::traced;

#if SENTRY_TRACE_THREADS
const json* find_span(const json& payload, const std::string& id) {
  for (auto& s : payload["spans"].items)
    if (s["span_id"].str == id) return &s;
  return nullptr;
}
#endif

} // namespace

TEST_SUITE("active stack") {

#if SENTRY_TRACE_THREADS
/// Runs `fn` on a thread whose stack (and so its thread_local storage, which glibc places at
/// the top of it) is unmapped as soon as the thread has been joined: whatever still points
/// into that thread's thread_locals afterwards faults at once instead of reading stale memory.
template <class Fn> void run_on_disposable_thread(Fn fn) {
  constexpr std::size_t size = 1 << 20;
  void* stack = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  REQUIRE(stack != MAP_FAILED);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstack(&attr, stack, size);
  struct call {
    static void* run(void* f) {
      (*static_cast<Fn*>(f))();
      return nullptr;
    }
  };
  pthread_t th;
  REQUIRE(pthread_create(&th, &attr, &call::run, &fn) == 0);
  pthread_join(th, nullptr);
  pthread_attr_destroy(&attr);
  ::munmap(stack, size);
}

TEST_CASE("a span made active on a thread that has exited can be ended from another thread") {
  traced t;
  st::span level = st::start_span_manual({"level 1", "game.level"});
  const st::span_ref level_ref = level;
  st::span loaded;
  run_on_disposable_thread([&] {
    // Active on the loader thread, parented explicitly to the level; handed over and left open.
    loaded = st::start_span_manual({"load textures", "asset.load", level_ref});
    CHECK(loaded.is_recording());
  });
  const std::string loaded_id = hex(loaded.id());
  loaded.end();  // faulted here when the handle pointed into the dead thread's thread_local stack
  // Later threads may take the dead thread's stack slot; each opens and closes spans of its own.
  for (int i = 0; i < 8; ++i) {
    std::thread other([] {
      st::scoped_span a({"other work", "task"});
      st::scoped_span b({"nested", "task"});
    });
    other.join();
  }
  level.end();
  auto txs = t.transactions();
  // The level, plus the eight unrelated transactions of the other threads.
  std::size_t levels = 0;
  for (auto& tx : txs) {
    if (tx["transaction"].str != "level 1") continue;
    ++levels;
    const json* s = find_span(tx, loaded_id);
    REQUIRE(s != nullptr);
    CHECK((*s)["description"].str == "load textures");
  }
  CHECK(levels == 1);
  CHECK(txs.size() == 9);
}

TEST_CASE("roots and children active on exited threads end cleanly; their stack slots are reused afterwards") {
  traced t;
  // More exited threads with open spans than there are stack scopes would leak scopes if an
  // entry of a dead thread were never freed; end them all, then run more threads than that.
  std::vector<st::span> handed_over;
  for (int i = 0; i < 4; ++i) {
    std::thread th([&] {
      st::span root = st::start_span_manual({"root on a short thread", "task"});
      st::span child = st::start_span_manual({"child", "task"});
      handed_over.push_back(std::move(child));
      handed_over.push_back(std::move(root));
    });
    th.join();
  }
  for (auto& s : handed_over) s.end();
  CHECK(t.transactions().size() == 4);
  for (auto& tx : t.transactions()) CHECK(tx["spans"].size() == 1);
  for (int i = 0; i < 2 * SENTRY_TRACE_MAX_THREADS; ++i) {
    std::thread th([] {
      st::scoped_span root({"later", "task"});
      st::scoped_span child({"later child", "task"});
      CHECK(root->is_recording());
      CHECK(child->is_recording());
      CHECK(st::active_span().id == child->id());
    });
    th.join();
  }
  CHECK(st::get_stats().depth_overflows == 0);
  CHECK(t.transactions().size() == 4 + 2 * SENTRY_TRACE_MAX_THREADS);
}

TEST_CASE("a stale handle never ends another span's entry, even one with the same span id") {
  // An unrecorded child shares its parent's ids; a span dropped under it copies them again. A
  // handle from the first run, destroyed on a thread that took over the dead thread's stack,
  // must not end the entry of the second run's span that carries its id.
  ts::capture_transport cap;
  st::options o = ts::default_options(&cap);
  o.max_spans = 1;
  REQUIRE(st::init(o));
  st::span first_root;
  st::span_ref over_max;
  std::thread a([&] {
    first_root = st::start_span_manual({"first run", "task"});
    st::start_inactive_span({"gets the slot", "task"}).end();
    st::span over = st::start_inactive_span({"over max_spans", "task"});
    over_max = over;
    CHECK(over_max.id == first_root.id());  // the same id
    over.end();
  });
  a.join();
  st::shutdown(0);
  o.trace_lifecycle = st::trace_lifecycle::stream;
  REQUIRE(st::init(o));
  std::thread b([&] {
    st::start_span({"dropped", "task", over_max}, [&](st::span& dropped) {
      CHECK_FALSE(dropped.is_recording());
      { st::span stale = std::move(first_root); }  // destroyed here, on this thread
      st::start_span({"under the dropped span", "task"}, [](st::span& s) { CHECK_FALSE(s.is_recording()); });
    });
  });
  b.join();
  st::shutdown(0);
  CHECK(cap.transactions().empty());
}

TEST_CASE("a span ended on another thread is no longer the parent of its thread's next spans") {
  traced t;
  st::span root = st::start_span_manual({"root", "task"});
  st::span child = st::start_span_manual({"moved", "task"});
  std::thread other([&] { child.end(); });
  other.join();
  { st::scoped_span next({"next", "task"}); }
  root.end();
  auto txs = t.transactions();
  REQUIRE(txs.size() == 1);
  const std::string root_id = txs[0]["contexts"]["trace"]["span_id"].str;
  REQUIRE(txs[0]["spans"].size() == 2);
  for (auto& s : txs[0]["spans"].items) CHECK(s["parent_span_id"].str == root_id);
}
#endif

TEST_CASE("spans under a child whose explicit parent has ended are dropped with it, never new transactions") {
  traced t;
  st::span level = st::start_span_manual({"level", "game.level"});
  const st::span_ref level_ref = level;
  level.end();
  REQUIRE(t.transactions().size() == 1);
  {
    st::scoped_span job({"job", "task", level_ref});
    CHECK_FALSE(job->is_recording());
    CHECK(job->is_active());  // a dropped span is still a span: it stands in the stack
    CHECK(job->trace() == level_ref.trace);
    {
      st::scoped_span inner({"inner", "task"});
      CHECK_FALSE(inner->is_recording());
      CHECK(inner->trace() == level_ref.trace);
      st::start_span({"deeper", "task"}, [](st::span& s) { CHECK_FALSE(s.is_recording()); });
      st::span manual = st::start_span_manual({"manual", "task"});
      manual.end();
      st::span inactive = st::start_inactive_span({"inactive", "task"});
      inactive.end();
    }
  }
  CHECK(t.transactions().size() == 1);  // no transaction was started by the orphans
  CHECK(t.discarded("no_parent_span", "span") == 5);
  // After the dropped scope, spans on this thread start transactions again.
  { st::scoped_span fresh({"fresh", "task"}); CHECK(fresh->is_recording()); }
  CHECK(t.transactions().size() == 2);
}

TEST_CASE("a dropped span passed on as an explicit parent drops its children too") {
  traced t;
  st::span level = st::start_span_manual({"level", "game.level"});
  const st::span_ref level_ref = level;
  level.end();
  st::span job = st::start_inactive_span({"job", "task", level_ref});
  st::span sub = st::start_inactive_span({"sub", "task", job});
  CHECK_FALSE(sub.is_recording());
  sub.end();
  job.end();
  CHECK(t.transactions().size() == 1);
  CHECK(t.discarded("no_parent_span", "span") == 2);
}

#if SENTRY_TRACE_THREADS
TEST_CASE("a level ending while workers run jobs under it starts no new transactions") {
  traced t;
  for (int round = 0; round < 20; ++round) {
    st::span level = st::start_span_manual({"level", "game.level"});
    const st::span_ref level_ref = level;
    std::atomic<bool> go{false};
    std::vector<std::thread> workers;
    for (int w = 0; w < 6; ++w)
      workers.emplace_back([&] {
        while (!go.load()) std::this_thread::yield();
        for (int j = 0; j < 40; ++j) {
          st::scoped_span job({"job", "task", level_ref});
          st::scoped_span step({"step", "task"});
          CHECK(step->trace() == level_ref.trace);
        }
      });
    go.store(true);
    std::this_thread::yield();
    level.end();
    for (auto& w : workers) w.join();
  }
  CHECK(t.transactions().size() == 20);
  for (auto& tx : t.transactions()) CHECK(tx["transaction"].str == "level");
}
#endif

TEST_CASE("a child that ended under a span still open when its root ended is attached to its nearest sent ancestor") {
  traced t;
  st::span level = st::start_span_manual({"level", "game.level"});
  st::span job = st::start_inactive_span({"job", "task"});
  st::span step = st::start_inactive_span({"step", "task", job});
  st::span sub = st::start_inactive_span({"sub", "task", step});
  st::span done = st::start_inactive_span({"done", "task", job});
  done.end();
  sub.end();
  level.end();  // job and step are still open: not in the transaction
  step.end();
  job.end();
  auto txs = t.transactions();
  REQUIRE(txs.size() == 1);
  const std::string root_id = txs[0]["contexts"]["trace"]["span_id"].str;
  REQUIRE(txs[0]["spans"].size() == 2);
  for (auto& s : txs[0]["spans"].items) CHECK(s["parent_span_id"].str == root_id);
  CHECK(t.discarded("invalid", "span") == 2);
}

TEST_CASE("a recorded job whose transaction ended meanwhile drops the spans opened inside it") {
  traced t;
  st::span level = st::start_span_manual({"level", "game.level"});
  const st::span_ref level_ref = level;
  st::span job = st::start_span_manual({"job", "task", level_ref});
  CHECK(job.is_recording());
  level.end();  // the job is still active on this thread
  {
    st::scoped_span inner({"inner", "task"});
    CHECK_FALSE(inner->is_recording());
    CHECK(inner->trace() == level_ref.trace);
    st::scoped_span deeper({"deeper", "task"});
    CHECK(deeper->trace() == level_ref.trace);
  }
  job.end();
  CHECK(t.transactions().size() == 1);
  CHECK(t.discarded("no_parent_span", "span") == 2);
}

TEST_CASE("unsampled children under an explicit unsampled parent nest under it on their thread") {
  traced t([](st::options& o) { o.traces_sample_rate = 0.0; });
  st::span root = st::start_inactive_span({"unsampled root", "task"});
  CHECK_FALSE(root.is_recording());
  {
    st::scoped_span job({"job", "task", root});
    st::scoped_span inner({"inner", "task"});
    CHECK(inner->trace() == root.trace());
  }
  root.end();
  CHECK(t.transactions().empty());
  CHECK(t.discarded("sample_rate", "transaction") == 1);
  CHECK(t.discarded("sample_rate", "span") == 3);
}

TEST_CASE("a root that records nothing is counted when it starts, also when it is never ended") {
  traced t([](st::options& o) { o.traces_sample_rate = 0.0; });
  st::span never_ended = st::start_inactive_span({"left open", "task"});
  CHECK_FALSE(never_ended.is_recording());
  CHECK(t.discarded("sample_rate", "transaction") == 1);  // as _startRootSpan records it
  CHECK(t.discarded("sample_rate", "span") == 1);
  st::shutdown(0);
  CHECK(t.cap.discarded("sample_rate", "transaction") == 1);  // counted once, not again
}

TEST_CASE("the stacks of active spans are zero-initialized static storage") {
  // A member with a non-zero default would move every thread's stack (megabytes with the
  // defaults) from .bss into .data, into the executable file and onto RAM at load.
  const st::span_ref empty{};
  const unsigned char* bytes = reinterpret_cast<const unsigned char*>(&empty);
  std::size_t nonzero = 0;
  for (std::size_t i = 0; i < sizeof empty; ++i) nonzero += bytes[i] != 0;
  CHECK(nonzero == 0);
}

TEST_CASE("force_transaction keeps the current trace and parent, as forceTransaction does") {
  traced t;
  st::span outer = st::start_span_manual({"outer", "http.server"});
  const std::string outer_trace = hex(outer.trace());
  st::span_options o{"background", "task"};
  o.force_transaction = true;
  st::span forced = st::start_span_manual(o);
  CHECK(forced.is_recording());
  CHECK(forced.trace() == outer.trace());
  { st::scoped_span inside({"inside forced", "task"}); }
  forced.end();
  outer.end();
  auto txs = t.transactions();
  REQUIRE(txs.size() == 2);
  const json& f = txs[0];
  CHECK(f["transaction"].str == "background");
  CHECK(f["contexts"]["trace"]["trace_id"].str == outer_trace);
  CHECK(f["contexts"]["trace"]["parent_span_id"].str == txs[1]["contexts"]["trace"]["span_id"].str);
  REQUIRE(f["spans"].size() == 1);
  CHECK(f["spans"][0]["description"].str == "inside forced");
  CHECK(txs[1]["spans"].size() == 0);
}

TEST_CASE("force_transaction under an unsampled span inherits the decision") {
  traced t([](st::options& o) { o.traces_sample_rate = 0.0; });
  st::span outer = st::start_span_manual({"outer", "task"});
  st::span_options o{"forced", "task"};
  o.force_transaction = true;
  st::span forced = st::start_span_manual(o);
  CHECK_FALSE(forced.is_recording());
  CHECK(forced.trace() == outer.trace());
  forced.end();
  outer.end();
  CHECK(t.transactions().empty());
  CHECK(t.discarded("sample_rate", "transaction") == 2);
}

}  // TEST_SUITE
