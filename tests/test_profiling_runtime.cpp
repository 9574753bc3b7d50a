// Profiling wired to the tracer (runtime/profiler.hpp), through the public API on a capturing
// transport: a profiled transaction carries its `profile` item with matching ids; a profile of
// fewer than 2 samples is dropped and counted, and not named in the transaction; a dropped
// transaction's profile is counted with its reason; profiles_sampler decides per root; continuous
// profiling (manual and trace lifecycles) sends profile_chunk envelopes with one profiler_id,
// and the transactions and spans recorded meanwhile carry contexts.profile.profiler_id and
// thread.id / thread.name; both models set: transactions win and a warning says so.

#include "fixture.hpp"

#include <doctest/doctest.h>

namespace st = sentry_trace;
using namespace test_support;

#if SENTRY_TRACE_DETAIL_PROFILING

#include <chrono>
#include <mutex>
#include <thread>

namespace {

/// A capture_transport that the sampler thread may also send to (chunks): sends and reads are
/// locked.
struct locked_capture : st::transport {
  mutable std::mutex mu;
  std::vector<std::string> sent;
  void send(st::envelope_view e) override {
    std::lock_guard<std::mutex> g(mu);
    sent.emplace_back(e.bytes());
    save_for_interop(e.bytes());
  }
  std::vector<envelope> with_item(const std::string& type) const {
    std::lock_guard<std::mutex> g(mu);
    std::vector<envelope> out;
    for (auto& s : sent) {
      envelope e = parse_envelope(s);
      if (e.item(type)) out.push_back(std::move(e));
    }
    return out;
  }
  std::uint64_t discarded(const std::string& reason, const std::string& category) const {
    std::uint64_t n = 0;
    for (auto& e : with_item("client_report"))
      for (auto& d : e.item("client_report")->body["discarded_events"].items)
        if (d["reason"].str == reason && d["category"].str == category) n += static_cast<std::uint64_t>(d["quantity"].num);
    return n;
  }
};

[[gnu::noinline]] std::uint64_t spin_for(std::chrono::milliseconds d) {
  volatile std::uint64_t x = 0;
  const auto end = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < end)
    for (int i = 0; i < 1000; ++i) x = x + static_cast<std::uint64_t>(i);
  return x;
}

struct profiled {
  clean_sentry_env env;
  locked_capture cap;
  log_capture logs;
  st::options opts = default_options(&cap);
  bool started = false;
  template <class Tweak> explicit profiled(Tweak tweak) {
    opts.log = logs.hook();
    opts.debug = true;
    tweak(opts);
    started = st::init(opts);
  }
  ~profiled() {
    st::shutdown(0);
    st::detail::g_tracer.log = st::log_hook{};
    st::detail::g_tracer.sink = nullptr;
  }
  profiled(const profiled&) = delete;
  profiled& operator=(const profiled&) = delete;
};

}  // namespace

TEST_CASE("profiling runtime: a profiled transaction carries its profile item, ids matching") {
  std::string profile_id;
  {
    profiled p([](st::options& o) { o.profiles_sample_rate = 1.0; });
    REQUIRE(p.started);
    st::start_span({"frame", "task"}, [](st::span&) {
      st::span child = st::start_span_manual({"physics", "task"});
      spin_for(std::chrono::milliseconds(250));
      child.end();
    });
    st::shutdown(2000);
    auto txns = p.cap.with_item("transaction");
    REQUIRE(txns.size() == 1);
    const envelope& e = txns[0];
    const envelope_item* profile = e.item("profile");
    REQUIRE(profile != nullptr);
    CHECK(e.items.back().header["type"].str == "profile");  // the last item: a limit drops it alone
    const json& txn = e.item("transaction")->body;
    const json& prof = profile->body;
    profile_id = txn["contexts"]["profile"]["profile_id"].str;
    CHECK(profile_id.size() == 32);
    CHECK(prof["event_id"].str == profile_id);
    CHECK(prof["version"].str == "1");
    CHECK(prof["platform"].str == "native");
    CHECK(prof["transaction"]["id"].str == txn["event_id"].str);
    CHECK(prof["transaction"]["trace_id"].str == txn["contexts"]["trace"]["trace_id"].str);
    CHECK(prof["transaction"]["name"].str == "frame");
    const std::string active = prof["transaction"]["active_thread_id"].str;
    CHECK_FALSE(active.empty());
    CHECK(prof["profile"]["thread_metadata"].has(active));
    CHECK(prof["profile"]["thread_metadata"][active]["name"].str == "main");
    // 250 ms at 101 Hz: about 25 samples of this thread.
    CHECK(prof["profile"]["samples"].items.size() >= 8);
    // The spans name the thread that ran them.
    CHECK(txn["contexts"]["trace"]["data"]["thread.id"].str == active);
    CHECK(txn["contexts"]["trace"]["data"]["thread.name"].str == "main");
    REQUIRE(txn["spans"].items.size() == 1);
    CHECK(txn["spans"][0]["data"]["thread.id"].str == active);
  }
}

TEST_CASE("profiling runtime: a profile of fewer than 2 samples is dropped, counted, and not named") {
  profiled p([](st::options& o) { o.profiles_sample_rate = 1.0; });
  REQUIRE(p.started);
  st::start_span({"blink", "task"}, [](st::span&) {});  // ends long before the sampler's next tick
  st::shutdown(2000);
  auto txns = p.cap.with_item("transaction");
  REQUIRE(txns.size() == 1);
  CHECK(txns[0].item("profile") == nullptr);
  CHECK_FALSE(txns[0].item("transaction")->body["contexts"].has("profile"));
  CHECK(p.cap.discarded("insufficient_data", "profile") == 1);
}

TEST_CASE("profiling runtime: a transaction dropped by before_send_transaction counts its profile too") {
  profiled p([](st::options& o) {
    o.profiles_sample_rate = 1.0;
    o.before_send_transaction = st::before_send_transaction_hook{[](st::transaction_event&, void*) { return false; }, nullptr};
  });
  REQUIRE(p.started);
  st::start_span({"dropped", "task"}, [](st::span&) { spin_for(std::chrono::milliseconds(120)); });
  st::shutdown(2000);
  CHECK(p.cap.with_item("transaction").empty());
  CHECK(p.cap.discarded("before_send", "profile") == 1);
}

TEST_CASE("profiling runtime: profiles_sampler decides per root, with the root's name") {
  profiled p([](st::options& o) {
    o.profiles_sampler = [](const st::sampling_context& c) { return c.name == "keep" ? 1.0 : 0.0; };
  });
  REQUIRE(p.started);
  st::start_span({"keep", "task"}, [](st::span&) { spin_for(std::chrono::milliseconds(120)); });
  st::start_span({"skip", "task"}, [](st::span&) { spin_for(std::chrono::milliseconds(120)); });
  st::shutdown(2000);
  auto txns = p.cap.with_item("transaction");
  REQUIRE(txns.size() == 2);
  for (auto& e : txns) {
    const bool keep = e.item("transaction")->body["transaction"].str == "keep";
    CHECK((e.item("profile") != nullptr) == keep);
  }
}

TEST_CASE("profiling runtime: continuous, manual: chunks with one profiler_id, transactions linked") {
  profiled p([](st::options& o) {
    o.profile_session_sample_rate = 1.0;
    o.profile_lifecycle = st::profile_lifecycle::manual;
  });
  REQUIRE(p.started);
  st::start_span({"before", "task"}, [](st::span&) {});
  st::start_profiler();
  st::start_span({"during", "task"}, [](st::span&) { spin_for(std::chrono::milliseconds(200)); });
  st::stop_profiler();
  auto chunks = p.cap.with_item("profile_chunk");
  REQUIRE(chunks.size() == 1);
  const envelope_item* chunk = chunks[0].item("profile_chunk");
  CHECK(chunk->header["platform"].str == "native");
  const json& body = chunk->body;
  CHECK(body["version"].str == "2");
  const std::string profiler_id = body["profiler_id"].str;
  CHECK(profiler_id.size() == 32);
  CHECK(body["chunk_id"].str.size() == 32);
  REQUIRE(body["profile"]["samples"].items.size() >= 5);
  for (auto& s : body["profile"]["samples"].items) {
    REQUIRE(s["thread_id"].kind == json::string_k);
    CHECK(body["profile"]["thread_metadata"].has(s["thread_id"].str));
  }
  st::shutdown(2000);
  auto txns = p.cap.with_item("transaction");
  REQUIRE(txns.size() == 2);
  for (auto& e : txns) {
    const json& t = e.item("transaction")->body;
    if (t["transaction"].str == "during") {
      CHECK(t["contexts"]["profile"]["profiler_id"].str == profiler_id);
      CHECK(t["contexts"]["trace"]["data"]["thread.name"].str == "main");
    } else {
      CHECK_FALSE(t["contexts"].has("profile"));
    }
  }
}

TEST_CASE("profiling runtime: continuous, trace lifecycle: the profiler runs while a root runs") {
  profiled p([](st::options& o) {
    o.profile_session_sample_rate = 1.0;
    o.profile_lifecycle = st::profile_lifecycle::trace;
  });
  REQUIRE(p.started);
  st::start_profiler();  // a no-op in this lifecycle
  st::start_span({"request", "http.server"}, [](st::span&) { spin_for(std::chrono::milliseconds(200)); });
  // The chunk is written by the sampler thread at its next sample after the root ended.
  for (int i = 0; i < 200 && p.cap.with_item("profile_chunk").empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto chunks = p.cap.with_item("profile_chunk");
  REQUIRE(chunks.size() == 1);
  const std::string profiler_id = chunks[0].item("profile_chunk")->body["profiler_id"].str;
  st::shutdown(2000);
  auto txns = p.cap.with_item("transaction");
  REQUIRE(txns.size() == 1);
  CHECK(txns[0].item("transaction")->body["contexts"]["profile"]["profiler_id"].str == profiler_id);
  CHECK(p.cap.with_item("profile_chunk").size() == 1);  // nothing more once no root ran
}

TEST_CASE("profiling runtime: both models set: transactions win, with a warning") {
  profiled p([](st::options& o) {
    o.profiles_sample_rate = 1.0;
    o.profile_session_sample_rate = 1.0;
  });
  REQUIRE(p.started);
  CHECK(p.logs.contains("profile_session_sample_rate has no effect"));
  st::start_span({"frame", "task"}, [](st::span&) { spin_for(std::chrono::milliseconds(150)); });
  st::shutdown(2000);
  CHECK(p.cap.with_item("profile_chunk").empty());
  auto txns = p.cap.with_item("transaction");
  REQUIRE(txns.size() == 1);
  CHECK(txns[0].item("profile") != nullptr);
}

TEST_CASE("profiling runtime: a bad rate leaves profiling off and says why") {
  profiled p([](st::options& o) { o.profiles_sample_rate = 1.5; });
  REQUIRE(p.started);
  CHECK(p.logs.contains("profiles_sample_rate must be a number from 0 to 1"));
  st::start_span({"frame", "task"}, [](st::span&) { spin_for(std::chrono::milliseconds(50)); });
  st::shutdown(2000);
  auto txns = p.cap.with_item("transaction");
  REQUIRE(txns.size() == 1);
  CHECK(txns[0].item("profile") == nullptr);
  CHECK_FALSE(txns[0].item("transaction")->body["contexts"]["trace"]["data"].has("thread.id"));
}

TEST_CASE("profiling runtime: a worker thread registered by name is in the profile") {
  profiled p([](st::options& o) { o.profiles_sample_rate = 1.0; });
  REQUIRE(p.started);
  std::atomic<bool> stop{false};
  std::thread worker([&] {
    CHECK(st::register_profiled_thread("render"));
    while (!stop.load()) spin_for(std::chrono::milliseconds(5));
  });
  st::start_span({"frame", "task"}, [](st::span&) { spin_for(std::chrono::milliseconds(250)); });
  stop.store(true);
  worker.join();  // it exits registered: the sampler frees its place
  st::shutdown(2000);
  auto txns = p.cap.with_item("transaction");
  REQUIRE(txns.size() == 1);
  REQUIRE(txns[0].item("profile") != nullptr);
  const json& meta = txns[0].item("profile")->body["profile"]["thread_metadata"];
  bool render = false;
  for (auto& kv : meta.members) render = render || kv.second["name"].str == "render";
  CHECK(render);
}

#else

TEST_CASE("profiling runtime: unsupported here: the calls do nothing and say so in debug mode") {
  harness h;
  h.opts.debug = true;
  h.opts.profiles_sample_rate = 1.0;
  REQUIRE(h.init());
  CHECK(h.log.contains("profiling is not supported"));
  CHECK_FALSE(st::register_profiled_thread("worker"));
  st::start_profiler();
  st::stop_profiler();
}

#endif
