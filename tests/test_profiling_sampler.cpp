// Tests for sentry_trace/profiling/sampler.hpp: registration, the sampler thread, the SIGPROF
// handler (samples inside the function a thread runs, its slot and name), threads that exit
// while registered, start/stop, the full table, and SIGPROF of another origin.

#include <sentry_trace.hpp>

#include <doctest/doctest.h>

#if SENTRY_TRACE_DETAIL_PROFILING

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace dt = sentry_trace::detail;

// The hot function lives alone in its own section, so the linker's __start_/__stop_ symbols
// give its exact address range (the layout of ordinary functions is the compiler's choice).
extern "C" {
extern const char __start_st_sampler_spin[];
extern const char __stop_st_sampler_spin[];
}

namespace {

// ThreadSanitizer ends a child that starts a thread after a multi-threaded fork.
#if defined(__SANITIZE_THREAD__)
constexpr bool child_may_start_threads = false;
#elif defined(__has_feature)
#  if __has_feature(thread_sanitizer)
constexpr bool child_may_start_threads = false;
#  else
constexpr bool child_may_start_threads = true;
#  endif
#else
constexpr bool child_may_start_threads = true;
#endif

std::atomic<bool> g_spin_stop{false};

[[gnu::noinline, gnu::section("st_sampler_spin")]] std::uint64_t spin_until_stopped(std::uint64_t seed) {
  // The work stays in a register (the empty asm keeps it from being folded away), so that a
  // sanitizer's runtime, which is called on every memory access and keeps no frame record,
  // is not where the signals land.
  std::uint64_t x = seed;
  while (!g_spin_stop.load(std::memory_order_relaxed)) {
    for (int i = 0; i < 1000; ++i) {
      x = x * 6364136223846793005u + 1442695040888963407u;
      __asm__ __volatile__("" : "+r"(x));
    }
  }
  return x;
}

bool in_spin(std::uintptr_t pc) {
  return pc >= reinterpret_cast<std::uintptr_t>(__start_st_sampler_spin) &&
         pc < reinterpret_cast<std::uintptr_t>(__stop_st_sampler_spin);
}

/// Every sample the sink received (the sink runs on the sampler thread).
struct collected {
  std::mutex lock;
  std::vector<dt::raw_sample> samples;
  std::atomic<std::uint64_t> calls{0};

  void clear() {
    std::lock_guard<std::mutex> g(lock);
    samples.clear();
    calls = 0;
  }
  std::vector<dt::raw_sample> copy() {
    std::lock_guard<std::mutex> g(lock);
    return samples;
  }
};

collected g_collected;

void collect(const dt::raw_sample& s, void* user) {
  auto* c = static_cast<collected*>(user);
  std::lock_guard<std::mutex> g(c->lock);
  c->samples.push_back(s);
  c->calls.fetch_add(1);
}

std::uint64_t os_tid() { return static_cast<std::uint64_t>(syscall(SYS_gettid)); }

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

/// Samples of slot `slot1`, and how many of them have a frame inside spin_until_stopped().
struct slot_tally {
  std::size_t samples = 0;
  std::size_t in_function = 0;
  std::size_t leaf_in_function = 0;
};

slot_tally tally(const std::vector<dt::raw_sample>& all, std::uint32_t slot1) {
  slot_tally t;
  for (const auto& s : all) {
    if (s.thread_slot != slot1) continue;
    ++t.samples;
    bool hit = false;
    for (std::uint32_t i = 0; i < s.depth && !hit; ++i) hit = in_spin(s.frames[i]);
    if (hit) ++t.in_function;
    if (s.depth >= 1 && in_spin(s.frames[0])) ++t.leaf_in_function;
  }
  return t;
}

/// Every slot free: what each test leaves behind.
bool table_empty() {
  dt::profiled_thread t{};
  for (std::uint32_t i = 1; i <= dt::max_profiled_threads; ++i) {
    if (dt::profiled_thread_at(i, t)) return false;
  }
  return true;
}

/// A thread that registers under `name`, spins in spin_until_stopped() until g_spin_stop,
/// and unregisters (or not).
struct spinner {
  std::atomic<std::uint32_t> slot1{0};
  std::atomic<std::uint64_t> tid{0};
  std::atomic<bool> registered{false};
  std::thread thread;

  spinner(const char* name, bool unregister_at_end) {
    thread = std::thread([this, name, unregister_at_end] {
      registered = dt::register_profiled_thread(name);
      slot1 = dt::current_profiled_thread_slot();
      const std::uint64_t self = os_tid();
      tid = self;  // last: the constructor waits for it
      spin_until_stopped(self);
      if (unregister_at_end) dt::unregister_profiled_thread();
    });
    while (tid.load() == 0) std::this_thread::yield();
  }
  void join() { thread.join(); }
};

}  // namespace

TEST_SUITE("profiling sampler") {

TEST_CASE("profiler: the static table's size is the documented formula") {
  static_assert(sizeof(dt::raw_sample) == 8 + 4 + 4 + dt::max_stack_frames * sizeof(std::uintptr_t));
  static_assert(sizeof(dt::sampler_slot) <= dt::sampler_ring_capacity * sizeof(dt::raw_sample) + 128);
  static_assert(sizeof(dt::sampler_table) <= dt::max_profiled_threads * sizeof(dt::sampler_slot) + 512);
  static_assert(sizeof(dt::sampler_slot) == dt::sampler_ring_capacity * sizeof(dt::raw_sample) + 104);
  static_assert(sizeof(dt::sampler_table) < 140 * 1024, "132448 bytes on 64-bit Linux");
  CHECK(sizeof(dt::g_sampler) == sizeof(dt::sampler_table));
}

TEST_CASE("profiler: a thread spinning in one function at 101 Hz is sampled inside that function") {
  REQUIRE(table_empty());
  g_collected.clear();
  g_spin_stop = false;
  const auto before = dt::read_sampler_counters();
  spinner t("spinner", true);
  REQUIRE(t.registered.load());
  REQUIRE(dt::start_sampler(101, &collect, &g_collected));
  sleep_ms(300);
  dt::stop_sampler();
  g_spin_stop = true;
  t.join();
  const slot_tally got = tally(g_collected.copy(), t.slot1.load());
  MESSAGE("samples " << got.samples << ", with a frame in the function " << got.in_function << ", leaf there "
                     << got.leaf_in_function);
  CHECK(got.samples >= 10);
  CHECK(got.samples <= 60);  // 300 ms at 101 Hz is about 30
  CHECK(got.in_function >= got.samples / 2);
  CHECK(got.in_function >= 5);
  const auto after = dt::read_sampler_counters();
  CHECK(after.samples - before.samples == g_collected.calls.load());
  CHECK(table_empty());
}

TEST_CASE("profiler: a second thread named worker: its samples carry its slot; profiled_thread_at gives its id and name") {
  REQUIRE(table_empty());
  g_collected.clear();
  g_spin_stop = false;
  spinner a("first", true);
  spinner b("worker", true);
  REQUIRE(a.registered.load());
  REQUIRE(b.registered.load());
  REQUIRE(a.slot1.load() != b.slot1.load());
  dt::profiled_thread info{};
  REQUIRE(dt::profiled_thread_at(b.slot1.load(), info));
  CHECK(info.tid == b.tid.load());
  CHECK(std::string(info.name) == "worker");
  REQUIRE(dt::profiled_thread_at(a.slot1.load(), info));
  CHECK(info.tid == a.tid.load());
  CHECK(std::string(info.name) == "first");
  CHECK_FALSE(dt::profiled_thread_at(0, info));
  CHECK_FALSE(dt::profiled_thread_at(dt::max_profiled_threads + 1, info));

  REQUIRE(dt::start_sampler(101, &collect, &g_collected));
  sleep_ms(300);
  dt::stop_sampler();
  g_spin_stop = true;
  a.join();
  b.join();
  const auto all = g_collected.copy();
  const slot_tally ta = tally(all, a.slot1.load());
  const slot_tally tb = tally(all, b.slot1.load());
  CHECK(ta.samples >= 10);
  CHECK(tb.samples >= 10);
  CHECK(tb.in_function >= 5);
  for (const auto& s : all) {
    CHECK((s.thread_slot == a.slot1.load() || s.thread_slot == b.slot1.load()));
    CHECK(s.depth >= 1);
    CHECK(s.depth <= dt::max_stack_frames);
  }
  CHECK(table_empty());
}

TEST_CASE("profiler: registering twice renames the thread in the same slot; unregistering twice is harmless") {
  REQUIRE(table_empty());
  REQUIRE(dt::register_profiled_thread("main"));
  const std::uint32_t slot1 = dt::current_profiled_thread_slot();
  REQUIRE(slot1 != 0);
  REQUIRE(dt::register_profiled_thread("a name longer than sixty-three bytes, which is cut where the buffer ends"));
  CHECK(dt::current_profiled_thread_slot() == slot1);
  dt::profiled_thread info{};
  REQUIRE(dt::profiled_thread_at(slot1, info));
  CHECK(info.tid == os_tid());
  CHECK(std::strlen(info.name) == 63);
  CHECK(std::string(info.name) == std::string("a name longer than sixty-three bytes, which is cut where the buffer ends").substr(0, 63));
  dt::unregister_profiled_thread();
  CHECK(dt::current_profiled_thread_slot() == 0);
  CHECK_FALSE(dt::profiled_thread_at(slot1, info));
  dt::unregister_profiled_thread();
  CHECK(table_empty());
}

TEST_CASE("profiler: a thread that exits while registered frees its slot; the sampler goes on; the slot is reused") {
  REQUIRE(table_empty());
  g_collected.clear();
  g_spin_stop = false;
  spinner keeps("keeps", true);
  REQUIRE(dt::start_sampler(101, &collect, &g_collected));

  std::atomic<std::uint32_t> exited_slot{0};
  std::thread([&] {
    CHECK(dt::register_profiled_thread("exits"));
    exited_slot = dt::current_profiled_thread_slot();
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
    volatile std::uint64_t x = 1;
    while (std::chrono::steady_clock::now() < end) x = x * 3 + 1;
    // no unregister: the thread_local guard does it as the thread ends
  }).join();
  REQUIRE(exited_slot.load() != 0);
  dt::profiled_thread info{};
  // Freed as the thread ends, or, when it ended while the sampler held its slot (DETACHING),
  // once the sampler has handed over the slot's last samples: a tick later, or more on a
  // loaded machine, so this waits up to a second rather than looking once.
  bool freed = !dt::profiled_thread_at(exited_slot.load(), info);
  for (int i = 0; i < 200 && !freed; ++i) {
    sleep_ms(5);
    freed = !dt::profiled_thread_at(exited_slot.load(), info);
  }
  CHECK(freed);

  const std::uint64_t calls_then = g_collected.calls.load();
  sleep_ms(150);
  CHECK(g_collected.calls.load() > calls_then);  // still sampling the other thread

  std::atomic<std::uint32_t> again_slot{0};
  std::thread([&] {
    CHECK(dt::register_profiled_thread("again"));
    again_slot = dt::current_profiled_thread_slot();
  }).join();
  CHECK(again_slot.load() == exited_slot.load());

  dt::stop_sampler();
  g_spin_stop = true;
  keeps.join();
  CHECK(table_empty());
}

TEST_CASE("profiler: a thread gone without unregistering (its guard bypassed) is found by the sampler and its slot freed") {
  REQUIRE(table_empty());
  g_collected.clear();
  const auto before = dt::read_sampler_counters();
  std::atomic<std::uint32_t> slot1{0};
  std::thread([&] {
    CHECK(dt::register_profiled_thread("vanishes"));
    slot1 = dt::current_profiled_thread_slot();
    dt::tl_profiled_thread.slot1 = 0;  // the guard forgets the slot, as if it never ran
  }).join();
  REQUIRE(slot1.load() != 0);
  dt::profiled_thread info{};
  CHECK(dt::profiled_thread_at(slot1.load(), info));  // still registered: nobody freed it
  REQUIRE(dt::start_sampler(101, &collect, &g_collected));
  for (int i = 0; i < 100 && dt::profiled_thread_at(slot1.load(), info); ++i) sleep_ms(5);
  dt::stop_sampler();
  CHECK_FALSE(dt::profiled_thread_at(slot1.load(), info));
  CHECK(dt::read_sampler_counters().thread_gone == before.thread_gone + 1);
  CHECK(table_empty());
}

TEST_CASE("profiler: after stop_sampler the sink is not called; the sampler starts again; it runs once at a time") {
  REQUIRE(table_empty());
  g_collected.clear();
  g_spin_stop = false;
  spinner t("spinner", true);
  CHECK_FALSE(dt::start_sampler(0, &collect, &g_collected));
  CHECK_FALSE(dt::start_sampler(101, nullptr, &g_collected));
  REQUIRE(dt::start_sampler(101, &collect, &g_collected));
  CHECK_FALSE(dt::start_sampler(101, &collect, &g_collected));
  sleep_ms(100);
  dt::stop_sampler();
  const std::uint64_t at_stop = g_collected.calls.load();
  CHECK(at_stop >= 1);
  sleep_ms(100);
  CHECK(g_collected.calls.load() == at_stop);
  dt::stop_sampler();  // again: nothing

  REQUIRE(dt::start_sampler(200, &collect, &g_collected));
  sleep_ms(100);
  dt::stop_sampler();
  const std::uint64_t second = g_collected.calls.load();
  CHECK(second > at_stop);
  sleep_ms(50);
  CHECK(g_collected.calls.load() == second);
  g_spin_stop = true;
  t.join();
  CHECK(table_empty());
}

TEST_CASE("profiler: the 32nd registration fails and is counted") {
  REQUIRE(table_empty());
  const auto before = dt::read_sampler_counters();
  constexpr int n = static_cast<int>(dt::max_profiled_threads) + 1;
  std::atomic<int> tried{0}, succeeded{0};
  std::atomic<bool> release{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      const std::string name = "t" + std::to_string(i);
      if (dt::register_profiled_thread(name)) succeeded.fetch_add(1);
      tried.fetch_add(1);
      while (!release.load()) std::this_thread::yield();
    });
  }
  while (tried.load() < n) std::this_thread::yield();
  CHECK(succeeded.load() == static_cast<int>(dt::max_profiled_threads));
  CHECK(dt::read_sampler_counters().table_full == before.table_full + 1);
  release = true;
  for (auto& t : threads) t.join();
  CHECK(table_empty());
}

namespace {
std::atomic<int> g_foreign_calls{0};
void foreign_handler(int) { g_foreign_calls.fetch_add(1); }
}  // namespace

TEST_CASE("profiler: a SIGPROF that is not the sampler's goes to the handler installed before; stop puts it back") {
  REQUIRE(table_empty());
  struct sigaction mine {};
  mine.sa_handler = &foreign_handler;
  sigemptyset(&mine.sa_mask);
  struct sigaction old {};
  REQUIRE(sigaction(SIGPROF, &mine, &old) == 0);
  g_foreign_calls = 0;
  REQUIRE(dt::register_profiled_thread("main"));
  REQUIRE(dt::start_sampler(101, &collect, &g_collected));
  struct sigaction during {};
  sigaction(SIGPROF, nullptr, &during);
  CHECK((during.sa_flags & SA_SIGINFO) != 0);
  // Sent by "someone else": no signal of the sampler is outstanding for this thread, except
  // when a tick falls right here, which then takes this one (so allow a miss or two).
  for (int i = 0; i < 5; ++i) {
    pthread_kill(pthread_self(), SIGPROF);
    sleep_ms(1);
  }
  dt::stop_sampler();
  dt::unregister_profiled_thread();
  CHECK(g_foreign_calls.load() >= 3);
  struct sigaction after {};
  sigaction(SIGPROF, nullptr, &after);
  CHECK((after.sa_handler == &foreign_handler));
  sigaction(SIGPROF, &old, nullptr);
  CHECK(table_empty());
}

TEST_CASE("profiler: threads registering and leaving in a loop while the sampler runs at 1000 Hz") {
  REQUIRE(table_empty());
  g_collected.clear();
  REQUIRE(dt::start_sampler(1000, &collect, &g_collected));
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([t] {
      for (int round = 0; round < 60; ++round) {
        if (!dt::register_profiled_thread(t == 0 ? "churn0" : "churn")) continue;
        const auto end = std::chrono::steady_clock::now() + std::chrono::microseconds(1500);
        volatile std::uint64_t x = 1;
        while (std::chrono::steady_clock::now() < end) x = x * 3 + 1;
        if (round % 2 == 0) dt::unregister_profiled_thread();
        else dt::register_profiled_thread("renamed");  // left registered: the next round renames
      }
      dt::unregister_profiled_thread();
    });
  }
  for (auto& th : threads) th.join();
  dt::stop_sampler();
  for (const auto& s : g_collected.copy()) {
    CHECK(s.thread_slot >= 1);
    CHECK(s.thread_slot <= dt::max_profiled_threads);
    CHECK(s.depth >= 1);
  }
  CHECK(table_empty());
}

TEST_CASE("profiler: in a forked child the reset keeps the forking thread (with its new id), frees the rest, and the sampler starts") {
  REQUIRE(table_empty());
  g_spin_stop = false;
  spinner other("other", true);
  REQUIRE(dt::register_profiled_thread("forker"));
  const std::uint32_t mine = dt::current_profiled_thread_slot();
  REQUIRE(dt::start_sampler(101, &collect, &g_collected));
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // A fork of a threaded process: glibc lets the child start threads of its own.
    dt::sampler_reset_in_forked_child();
    int failures = 0;
    dt::profiled_thread t{};
    if (!dt::profiled_thread_at(mine, t) || t.tid != os_tid()) ++failures;
    if (dt::profiled_thread_at(other.slot1.load(), t)) ++failures;
    std::atomic<std::uint64_t> n{0};
    if (!child_may_start_threads) {
      // the reset alone
    } else if (!dt::start_sampler(200, [](const dt::raw_sample&, void* u) { static_cast<std::atomic<std::uint64_t>*>(u)->fetch_add(1); }, &n)) {
      ++failures;
    } else {
      const std::uint64_t end = dt::monotonic_now_ns() + 150'000'000u;
      volatile std::uint64_t x = 1;
      while (dt::monotonic_now_ns() < end) x = x * 3 + 1;
      dt::stop_sampler();
      if (n.load() < 3) ++failures;
    }
    _exit(failures);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  dt::stop_sampler();
  dt::unregister_profiled_thread();
  g_spin_stop = true;
  other.join();
  CHECK(table_empty());
}

}  // TEST_SUITE

#else  // !SENTRY_TRACE_DETAIL_PROFILING

namespace dt = sentry_trace::detail;

TEST_SUITE("profiling sampler") {
TEST_CASE("profiler: without profiling support every sampler call does nothing") {
  CHECK_FALSE(dt::register_profiled_thread("main"));
  CHECK(dt::current_profiled_thread_slot() == 0);
  dt::unregister_profiled_thread();
  dt::profiled_thread t{};
  CHECK_FALSE(dt::profiled_thread_at(1, t));
  CHECK_FALSE(dt::start_sampler(101, [](const dt::raw_sample&, void*) {}, nullptr));
  dt::stop_sampler();
  dt::sampler_reset_in_forked_child();
  CHECK(dt::read_sampler_counters().samples == 0);
}
}  // TEST_SUITE

#endif  // SENTRY_TRACE_DETAIL_PROFILING
