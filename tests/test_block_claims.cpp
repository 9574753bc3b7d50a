// Tests for the claims on transaction blocks (pool.hpp, "block_pin"): a reference checked
// against a block's generation may only write to the block while it holds a claim, so a block
// that another thread frees and reuses in between is never written with the old trace's data.
// Each race is replayed deterministically: a hook that the library calls between its check
// and its write (the wall clock, the log) ends the transaction and starts a new one that takes
// the freed block.

#include "support.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace {

namespace st = sentry_trace;
namespace ts = test_support;
using ts::json;

std::string hex(st::trace_id id) {
  char b[32];
  id.to_hex(b);
  return std::string(b, 32);
}

/// A wall clock that runs `action` once, at the next reading after arm(): the library reads the
/// wall clock while it builds an envelope context, between a block check and the write after it.
struct hook_clock {
  std::function<void()> action;
  bool running = false;
  static std::int64_t read(void* self) {
    auto& h = *static_cast<hook_clock*>(self);
    if (h.action && !h.running) {
      h.running = true;
      auto a = std::move(h.action);
      h.action = nullptr;
      a();
      h.running = false;
    }
    return 1767261600000000;
  }
  st::wall_clock_hook hook() { return st::wall_clock_hook{&hook_clock::read, this}; }
};

/// The envelope lock as a recursive mutex, so a hook may end a transaction while the library
/// holds the lock around an event it is writing.
std::recursive_mutex g_lock;
void lock_it(void*) { g_lock.lock(); }
void unlock_it(void*) { g_lock.unlock(); }

struct fixture {
  ts::capture_transport cap;
  hook_clock clock;
  ts::log_capture logs;
  std::function<void(const std::string&)> on_log;
  st::options opts;
  std::vector<st::span> fillers;

  explicit fixture(bool stream = false, std::uint32_t max_spans = SENTRY_TRACE_MAX_SPANS) : opts(ts::default_options(&cap)) {
    opts.wall_clock = clock.hook();
    opts.lock = st::lock_hook{&lock_it, &unlock_it, nullptr};
    opts.debug = true;
    opts.log = st::log_hook{&fixture::log, this};
    opts.max_spans = max_spans;
    if (stream) opts.trace_lifecycle = st::trace_lifecycle::stream;
    REQUIRE(st::init(opts));
  }
  ~fixture() {
    for (auto& f : fillers) f.end();
    st::shutdown(0);
  }
  static void log(st::log_level, const char* message, void* self) {
    auto& f = *static_cast<fixture*>(self);
    if (f.on_log) {
      auto a = std::move(f.on_log);
      f.on_log = nullptr;
      a(message);
    }
  }
  /// Holds every block but one, so the next transaction takes the block that is freed next.
  void hold_all_blocks_but_one() {
    for (int i = 0; i < SENTRY_TRACE_MAX_TRANSACTIONS - 1; ++i) fillers.push_back(st::start_inactive_span({"filler", "task"}));
  }
  /// Every transaction envelope: its header's DSC must be about its own payload's trace.
  void check_no_envelope_mixes_traces() {
    for (auto& e : cap.transactions()) {
      const json& tx = e.item("transaction")->body;
      const std::string trace = tx["contexts"]["trace"]["trace_id"].str;
      CHECK(e.header["trace"]["trace_id"].str == trace);
      if (e.header["trace"].has("transaction")) CHECK(e.header["trace"]["transaction"].str == tx["transaction"].str);
    }
  }
};

} // namespace

TEST_SUITE("block claims") {

TEST_CASE("get_trace_headers never freezes one trace's DSC into the block of the next") {
  fixture f;
  f.hold_all_blocks_but_one();
  st::span first = st::start_span_manual({"first transaction", "task"});
  const std::string first_trace = hex(first.trace());
  st::span second;
  f.clock.action = [&] {
    first.end();  // frees (or would free) the block
    second = st::start_inactive_span({"the second transaction, with a longer name", "task"});
  };
  st::trace_headers h = st::get_trace_headers();
  CHECK(h.sentry_trace.substr(0, 32) == first_trace);
  second.end();
  f.check_no_envelope_mixes_traces();
  // The first is sent whole; the second took another block or, none being free, was counted.
  auto txs = f.cap.transactions();
  REQUIRE(!txs.empty());
  CHECK(txs[0].item("transaction")->body["transaction"].str == "first transaction");
}

TEST_CASE("an error event's DSC is never written into a reused block") {
  fixture f;
  f.hold_all_blocks_but_one();
  st::span first = st::start_span_manual({"first transaction", "task"});
  st::span second;
  f.clock.action = [&] {
    first.end();
    second = st::start_inactive_span({"the second transaction, with a longer name", "task"});
  };
  CHECK(st::capture_message("hello", st::level::warning));
  second.end();
  f.check_no_envelope_mixes_traces();
}

TEST_CASE("set_measurement never writes into a reused block") {
  fixture f;
  f.hold_all_blocks_but_one();
  st::span first = st::start_span_manual({"first", "task"});
  st::span second;
  f.on_log = [&](const std::string&) {  // the invalid unit's debug line, after the block check
    first.end();
    second = st::start_inactive_span({"second", "task"});
  };
  st::set_measurement("fps", 60.0, "frames per second, not a unit");
  second.end();
  for (auto& e : f.cap.transactions()) {
    const json& tx = e.item("transaction")->body;
    if (tx["transaction"].str == "second") CHECK_FALSE(tx.has("measurements"));
  }
}

#if SENTRY_TRACE_STREAMING
TEST_CASE("a continuation started while its segment's root ends is retired and its span is sent") {
  fixture f(true, 1);
  st::span root = st::start_span_manual({"level", "game.level"});
  st::span first = st::start_inactive_span({"fills the block", "task"});
  st::span late;
  f.clock.action = [&] { root.end(); };  // read while the continuation copies the segment's DSC
  late = st::start_inactive_span({"overflows into a continuation", "task"});
  first.end();
  late.end();
  st::flush(0);
  bool late_sent = false;
  for (auto& bytes : f.cap.sent) {
    ts::envelope e = ts::parse_envelope(bytes);
    if (const ts::envelope_item* it = e.item("span"))
      for (auto& item : it->body["items"].items) late_sent = late_sent || item["name"].str == "overflows into a continuation";
  }
  CHECK(late_sent);
  // Every block is free again: as many transactions as there are blocks all record.
  std::vector<st::span> roots;
  for (int i = 0; i < SENTRY_TRACE_MAX_TRANSACTIONS; ++i) {
    roots.push_back(st::start_inactive_span({"r", "task"}));
    CHECK(roots.back().is_recording());
  }
  for (auto& r : roots) r.end();
}
#endif

TEST_CASE("a claim keeps a block from being freed until it is given back") {
  fixture f;
  f.hold_all_blocks_but_one();
  st::span first = st::start_span_manual({"first", "task"});
  {
    sentry_trace::detail::block_pin pin(first.ref());
    REQUIRE(pin);
    first.end();
    st::span blocked = st::start_inactive_span({"no block free", "task"});
    CHECK_FALSE(blocked.is_recording());  // the claimed block is still in use
    blocked.end();
  }
  st::span next = st::start_inactive_span({"next", "task"});
  CHECK(next.is_recording());  // given back: free again
  next.end();
  sentry_trace::detail::block_pin stale(first.ref());
  CHECK_FALSE(stale);  // the transaction is gone: nothing to claim
}

}  // TEST_SUITE
