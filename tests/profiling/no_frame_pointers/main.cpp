// A program without frame pointers (built -fomit-frame-pointer -O2), profiled for about 300 ms
// at 101 Hz while its main thread runs hot_loop(): it must get samples of depth >= 1 whose leaf
// is inside hot_loop(), and must not crash while the walker meets frames it cannot follow.
// Prints what it saw; returns 0 when it saw enough, 1 otherwise.

#include <sentry_trace.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <thread>

namespace dt = sentry_trace::detail;

#if SENTRY_TRACE_DETAIL_PROFILING

// hot_loop() alone in its own section: __start_/__stop_ give its exact address range.
extern "C" {
extern const char __start_st_nofp_hot[];
extern const char __stop_st_nofp_hot[];
}

namespace {

std::atomic<bool> g_stop{false};

[[gnu::noinline, gnu::section("st_nofp_hot")]] std::uint64_t hot_loop(std::uint64_t seed) {
  std::uint64_t x = seed;
  while (!g_stop.load(std::memory_order_relaxed)) {
    for (int i = 0; i < 4096; ++i) x = (x ^ (x >> 7)) * 0x9E3779B97F4A7C15u + static_cast<std::uint64_t>(i);
  }
  return x;
}

struct tally {
  std::atomic<std::uint64_t> samples{0};
  std::atomic<std::uint64_t> leaf_in_hot{0};
  std::atomic<std::uint64_t> bad_depth{0};
};

void count(const dt::raw_sample& s, void* user) {
  auto* t = static_cast<tally*>(user);
  t->samples.fetch_add(1);
  if (s.depth < 1 || s.depth > dt::max_stack_frames) t->bad_depth.fetch_add(1);
  const auto pc = s.frames[0];
  if (s.depth >= 1 && pc >= reinterpret_cast<std::uintptr_t>(__start_st_nofp_hot) &&
      pc < reinterpret_cast<std::uintptr_t>(__stop_st_nofp_hot)) {
    t->leaf_in_hot.fetch_add(1);
  }
}

}  // namespace

int main() {
  if (!dt::register_profiled_thread("main")) {
    std::puts("register_profiled_thread failed");
    return 1;
  }
  tally t;
  if (!dt::start_sampler(101, &count, &t)) {
    std::puts("start_sampler failed");
    return 1;
  }
  std::thread timer([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    g_stop = true;
  });
  const std::uint64_t r = hot_loop(42);
  timer.join();
  dt::stop_sampler();
  dt::unregister_profiled_thread();
  const auto c = dt::read_sampler_counters();
  std::printf("samples %llu, leaf in hot_loop %llu, bad depth %llu, no_answer %llu, unreadable %llu (%llu)\n",
              static_cast<unsigned long long>(t.samples.load()), static_cast<unsigned long long>(t.leaf_in_hot.load()),
              static_cast<unsigned long long>(t.bad_depth.load()), static_cast<unsigned long long>(c.no_answer),
              static_cast<unsigned long long>(c.unreadable), static_cast<unsigned long long>(r & 1));
  const bool ok = t.samples.load() >= 10 && t.leaf_in_hot.load() >= t.samples.load() / 2 && t.bad_depth.load() == 0;
  std::puts(ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}

#else

int main() {
  std::puts("profiling is not supported on this target: nothing to check");
  return 0;
}

#endif
