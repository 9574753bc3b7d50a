// Tests for the handoff (delivery/handoff.hpp, dispatch.hpp's finish_transaction): with
// options.serialize_on_worker a root's end() queues its block and a library thread writes and
// sends the envelope; flush() and shutdown() write what is queued before they return; with fewer
// than two blocks free the thread that ends a root writes it itself, so no new root is dropped;
// what finds no block at all is dropped and counted.
//
// Which thread wrote an envelope is seen by the transport (the thread id of send()), never by
// timing. Waits are bounded generously and polled, never timed.

#include "fixture.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#if SENTRY_TRACE_DETAIL_HANDOFF_WORKER
#  include <atomic>
#  include <chrono>
#  include <condition_variable>
#  include <mutex>
#  include <thread>
#endif

namespace {

namespace st = sentry_trace;
namespace d = sentry_trace::detail;

void end_root_with_children(const char* name, int children) {
  st::span_options ro;
  ro.name = name;
  ro.op = "task";
  ro.force_transaction = true;
  st::span root = st::start_span_manual(ro);
  st::span_options co;
  co.name = "child";
  co.op = "db.query";
  for (int i = 0; i < children; ++i) {
    st::span c = st::start_span_manual(co);
    c.end();
  }
  root.end();
}

#if SENTRY_TRACE_DETAIL_HANDOFF_WORKER

std::uint64_t pending(st::discard_reason r, st::data_category c) {
  return d::g_outcomes.pending[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)].load();
}

/// Records, for every transaction envelope, the thread that sent it and its span count. send()
/// can be held at a gate (the worker then waits inside it, holding the envelope lock) or slowed.
class thread_recording_transport final : public st::transport {
 public:
  struct sent_item {
    std::thread::id thread;
    std::size_t spans;
  };

  void send(st::envelope_view e) override {
    std::unique_lock<std::mutex> lk(mu_);
    ++entered_;
    entered_cv_.notify_all();
    gate_cv_.wait(lk, [&] { return open_; });
    if (const st::transaction_view* t = e.transaction()) sent_.push_back({std::this_thread::get_id(), t->span_count()});
    lk.unlock();
    if (delay_ms_) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
  }
  bool flush(std::uint32_t) override { return true; }

  void close_gate() {
    std::lock_guard<std::mutex> lk(mu_);
    open_ = false;
  }
  void open_gate() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      open_ = true;
    }
    gate_cv_.notify_all();
  }
  void slow_down(int ms) { delay_ms_ = ms; }
  /// Waits (up to 20 s) until send() has been entered `n` times.
  bool wait_entered(int n) {
    std::unique_lock<std::mutex> lk(mu_);
    return entered_cv_.wait_for(lk, std::chrono::seconds(20), [&] { return entered_ >= n; });
  }
  /// Waits (up to 20 s) until `n` transactions were sent.
  bool wait_sent(std::size_t n) {
    for (int i = 0; i < 2000; ++i) {
      if (sent().size() >= n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  std::vector<sent_item> sent() {
    std::lock_guard<std::mutex> lk(mu_);
    return sent_;
  }

 private:
  std::mutex mu_;
  std::condition_variable gate_cv_;
  std::condition_variable entered_cv_;
  bool open_ = true;
  int entered_ = 0;
  int delay_ms_ = 0;
  std::vector<sent_item> sent_;
};

/// The envelope lock, counting the threads that have asked for it and not yet released it:
/// a thread that writes an envelope inline shows here while the worker holds the lock.
struct counting_lock {
  std::mutex mu;
  std::atomic<int> holders_and_waiters{0};
  static void lock(void* self) {
    auto* l = static_cast<counting_lock*>(self);
    l->holders_and_waiters.fetch_add(1);
    l->mu.lock();
  }
  static void unlock(void* self) {
    auto* l = static_cast<counting_lock*>(self);
    l->mu.unlock();
    l->holders_and_waiters.fetch_sub(1);
  }
  /// Waits (up to 20 s) until `n` threads hold or wait for the lock.
  bool wait_for(int n) {
    for (int i = 0; i < 2000 && holders_and_waiters.load() < n; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return holders_and_waiters.load() >= n;
  }
};

/// Tracing on over a thread_recording_transport with serialize_on_worker.
struct worker_session {
  test_support::clean_sentry_env env;
  thread_recording_transport transport;
  counting_lock lock;
  st::options opts = test_support::default_options(&transport);
  explicit worker_session(bool on_worker = true) {
    opts.serialize_on_worker = on_worker;
    opts.lock = st::lock_hook{&counting_lock::lock, &counting_lock::unlock, &lock};
    REQUIRE(st::init(opts));
  }
  ~worker_session() {
    transport.open_gate();
    st::shutdown(0);
    d::g_tracer.sink = nullptr;
    d::g_tracer.lock = st::lock_hook{};
  }
};

TEST_CASE("end() of a 1000-span root with serialize_on_worker: the envelope is written and sent on the worker") {
  worker_session s;
  REQUIRE(d::g_handoff.mode() == d::handoff_mode::worker);
  end_root_with_children("big", 1000);
  REQUIRE(s.transport.wait_sent(1));
  const auto sent = s.transport.sent();
  REQUIRE(sent.size() == 1);
  const bool on_worker = sent[0].thread != std::this_thread::get_id();
  CHECK(on_worker);
  CHECK(sent[0].spans == 1001);
}

TEST_CASE("a root that ends while the worker naps wakes nobody; one that finds it asleep wakes it") {
  worker_session s;
  // The worker starts by napping: the first root is picked up at its next look, unwoken.
  end_root_with_children("first", 3);
  REQUIRE(s.transport.wait_sent(1));
  CHECK(d::g_handoff.wakes() == 0);
  end_root_with_children("second", 3);
  REQUIRE(s.transport.wait_sent(2));
  CHECK(d::g_handoff.wakes() == 0);
  // Idle for longer than its naps: it sleeps until woken, and the next root wakes it.
  std::this_thread::sleep_for(std::chrono::milliseconds(
      4 * d::handoff_queue::nap_ms * d::handoff_queue::naps_before_sleep));
  end_root_with_children("third", 3);
  REQUIRE(s.transport.wait_sent(3));
  CHECK(d::g_handoff.wakes() == 1);
}

TEST_CASE("end() with the worker held in send(): end() returns at once, the block waits in the queue") {
  worker_session s;
  s.transport.close_gate();
  end_root_with_children("first", 3);
  REQUIRE(s.transport.wait_entered(1));  // the worker is inside send(), holding the envelope lock
  end_root_with_children("second", 3);   // would wait for the gate if it were written here
  CHECK(d::g_handoff.pending() == 2);
  s.transport.open_gate();
  REQUIRE(s.transport.wait_sent(2));
  for (const auto& item : s.transport.sent()) {
    const bool on_worker = item.thread != std::this_thread::get_id();
    CHECK(on_worker);
  }
}

TEST_CASE("a child that ends after its root is not in the transaction, also when the worker writes it later") {
  worker_session s;
  s.transport.close_gate();
  end_root_with_children("held", 0);
  REQUIRE(s.transport.wait_entered(1));
  st::span_options ro;
  ro.name = "late-child";
  ro.force_transaction = true;
  st::span root = st::start_span_manual(ro);
  st::span_options co;
  co.name = "child";
  st::span child = st::start_span_manual(co);
  root.end();   // queued behind "held": not written yet
  child.end();  // after its root: counted invalid, as when the root was written at once
  s.transport.open_gate();
  CHECK(st::flush(20000));
  const auto sent = s.transport.sent();
  REQUIRE(sent.size() == 2);
  CHECK(sent[1].spans == 1);
  CHECK(d::g_outcomes.discarded_total.load() == 1);  // the child, as invalid (flush reported it)
}

TEST_CASE("without serialize_on_worker a user transport is sent to by the thread that ends the root") {
  worker_session s(false);
  CHECK(d::g_handoff.mode() == d::handoff_mode::off);
  end_root_with_children("inline", 2);
  const auto sent = s.transport.sent();
  REQUIRE(sent.size() == 1);
  const bool on_caller = sent[0].thread == std::this_thread::get_id();
  CHECK(on_caller);
}

TEST_CASE("flush() writes and sends every queued root before it returns") {
  worker_session s;
  s.transport.slow_down(20);
  for (int i = 0; i < 4; ++i) end_root_with_children("queued", 5);
  CHECK(st::flush(10000));
  CHECK(s.transport.sent().size() == 4);
  CHECK(d::g_handoff.pending() == 0);
}

TEST_CASE("shutdown() writes and sends every queued root before it returns, and counts nothing as invalid") {
  test_support::clean_sentry_env env;
  thread_recording_transport transport;
  st::options o = test_support::default_options(&transport);
  o.serialize_on_worker = true;
  REQUIRE(st::init(o));
  transport.slow_down(20);
  for (int i = 0; i < 4; ++i) end_root_with_children("queued", 5);
  st::shutdown(10000);
  d::g_tracer.sink = nullptr;
  CHECK(transport.sent().size() == 4);
  CHECK(d::g_outcomes.discarded_total.load() == 0);  // nothing abandoned as invalid
  CHECK(d::g_handoff.mode() == d::handoff_mode::off);
}

TEST_CASE("a burst that outruns the worker: the nearly full pool makes end() write inline, and nothing is lost") {
  worker_session s;
  s.transport.slow_down(2);  // the worker falls behind at once
  constexpr int roots = 60;
  for (int i = 0; i < roots; ++i) end_root_with_children("burst", 10);
  CHECK(st::flush(20000));
  const auto sent = s.transport.sent();
  CHECK(sent.size() == roots);
  std::size_t inline_sends = 0, worker_sends = 0;
  for (const auto& item : sent) (item.thread == std::this_thread::get_id() ? inline_sends : worker_sends) += 1;
  CHECK(inline_sends > 0);  // the fallback ran
  CHECK(worker_sends > 0);  // and the worker wrote the others
  CHECK(d::g_outcomes.discarded_total.load() == 0);  // no root dropped as buffer_overflow
}

TEST_CASE("the nearly full pool: the root that leaves fewer than two blocks free is written by its own thread") {
  worker_session s;
  static_assert(SENTRY_TRACE_MAX_TRANSACTIONS >= 4, "the case fills the pool block by block");
  constexpr int blocks = SENTRY_TRACE_MAX_TRANSACTIONS;
  s.transport.close_gate();
  end_root_with_children("held", 1);
  REQUIRE(s.transport.wait_entered(1));  // the worker holds block 1 inside send()
  // Blocks 2 .. blocks-2 queue: each leaves at least two blocks free when it ends.
  for (int i = 2; i <= blocks - 2; ++i) end_root_with_children("queued", 1);
  CHECK(d::g_handoff.pending() == static_cast<std::size_t>(blocks - 2));
  // The next leaves one free: its thread writes it (and waits for the envelope lock to do so).
  std::thread::id writer_thread;
  std::thread ender([&] {
    writer_thread = std::this_thread::get_id();
    end_root_with_children("inline", 1);
  });
  REQUIRE(s.lock.wait_for(2));  // the worker holds the envelope lock; the ender waits for it
  // A root started now still finds a block.
  st::span_options ro;
  ro.name = "last";
  ro.force_transaction = true;
  {
    st::span last = st::start_span_manual(ro);
    CHECK(last.is_recording());
    s.transport.open_gate();
    ender.join();
    last.end();
  }
  CHECK(st::flush(20000));
  const auto sent = s.transport.sent();
  CHECK(sent.size() == static_cast<std::size_t>(blocks));
  bool ender_wrote = false;
  for (const auto& item : sent) ender_wrote = ender_wrote || item.thread == writer_thread;
  CHECK(ender_wrote);
  CHECK(d::g_outcomes.discarded_total.load() == 0);
}

TEST_CASE("a full pool behind a blocking transport: the root that finds no block is dropped and counted") {
  worker_session s;
  constexpr int blocks = SENTRY_TRACE_MAX_TRANSACTIONS;
  s.transport.close_gate();
  end_root_with_children("held", 1);
  REQUIRE(s.transport.wait_entered(1));
  for (int i = 2; i <= blocks - 2; ++i) end_root_with_children("queued", 1);
  st::span_options ro;
  ro.name = "open";
  ro.force_transaction = true;
  std::vector<st::span> open;
  open.push_back(st::start_span_manual(ro));
  open.push_back(st::start_span_manual(ro));
  for (const st::span& sp : open) CHECK(sp.is_recording());
  {
    st::span dropped = st::start_span_manual(ro);  // every block is in use or waiting
    CHECK_FALSE(dropped.is_recording());
    dropped.end();
  }
  CHECK(pending(st::discard_reason::buffer_overflow, st::data_category::transaction) == 1);
  CHECK(pending(st::discard_reason::buffer_overflow, st::data_category::span) == 1);
  s.transport.open_gate();
  for (st::span& sp : open) sp.end();
  CHECK(st::flush(20000));
  CHECK(s.transport.sent().size() == static_cast<std::size_t>(blocks));
}

#endif  // SENTRY_TRACE_DETAIL_HANDOFF_WORKER

/// Counts the transaction envelopes it is given.
class counting_transport final : public st::transport {
 public:
  void send(st::envelope_view e) override {
    if (e.transaction()) ++transactions;
  }
  bool flush(std::uint32_t) override { return true; }
  int transactions = 0;
};

TEST_CASE("with no worker to hand to (SENTRY_TRACE_THREADS=0 or poll), poll() writes the queued roots") {
  test_support::clean_sentry_env env;
  counting_transport transport;
  st::options o = test_support::default_options(&transport);
  o.serialize_on_worker = true;
  REQUIRE(st::init(o));
  if (d::g_handoff.mode() == d::handoff_mode::poll) {
    end_root_with_children("polled", 3);
    CHECK(transport.transactions == 0);
    CHECK_FALSE(d::g_handoff.pending() == 0);
    CHECK(st::poll(1000000));
    CHECK(transport.transactions == 1);
  } else {
    CHECK(d::g_handoff.mode() == d::handoff_mode::worker);
  }
  st::shutdown(0);
  d::g_tracer.sink = nullptr;
}

}  // namespace
