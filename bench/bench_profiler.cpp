// bench_profiler.cpp -- what the sampling profiler costs: numbers, not pass/fail.
//
//   ./bench_profiler                  the full table (about 15 s):
//     1. one sample, timed three ways on a stack 32 calls deep (built with frame pointers):
//          capture   the handler's capture step alone (machine state from a ucontext, the
//                    frame-pointer walk, the ring write), called directly;
//          handler   the whole handler called directly (gettid, finding the slot, the capture);
//          signal    a real SIGPROF the thread sends itself (tgkill), so the kernel's delivery
//                    and sigreturn are in;
//        each as ns/sample, best and median of 15 runs of 20000;
//     2. the slowdown of a CPU-bound loop (fixed work, about 2 s) profiled at 101 Hz against the
//        same loop unprofiled, as wall time and as user+sys CPU time of the whole process (the
//        sampler thread included), median of --rounds runs each (default 3), alternating;
//     3. the sampler's fixed memory: sizeof its static table.
//   ./bench_profiler --loop-only N [capture|handler|signal]
//                                     only N samples of that kind, for external counters:
//     valgrind --tool=callgrind ./bench_profiler --loop-only 100000 capture
//                                    # instructions per sample: (Ir of this - Ir of
//                                    "--loop-only 0 capture") / 100000
//     bench/callgrind_profiler.sh ./bench_profiler   # the same for capture and handler
//   ./bench_profiler --slowdown-only [rounds]   only table 2.
//
// Wall times come from std::chrono::steady_clock, CPU times from getrusage(RUSAGE_SELF).
// Nothing is subtracted. The machine's other load shows in table 2: on a shared machine, read
// the percentages with the spread of the rounds, which the table prints.

#include <sentry_trace.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#if SENTRY_TRACE_DETAIL_PROFILING
#  include <csignal>
#  include <sys/resource.h>
#  include <sys/syscall.h>
#  include <ucontext.h>
#  include <unistd.h>
#endif

namespace dt = sentry_trace::detail;
using bench_clock = std::chrono::steady_clock;

#if SENTRY_TRACE_DETAIL_PROFILING

namespace {

enum class sample_mode { capture, handler, signal };

constexpr int stack_depth = 32;
constexpr std::size_t batch = 20000;
constexpr int runs = 15;

/// What the innermost frame of the deep stack does once it is there.
struct deep_job {
  sample_mode mode;
  std::size_t count;
  std::vector<double>* ns_per_sample;  // null: just run `count` samples (--loop-only)
};

/// Takes `count` samples of the calling thread in `mode` (its slot is slot1).
void take_samples(sample_mode mode, std::size_t count, const ucontext_t& uc) {
  const std::uint32_t slot1 = dt::current_profiled_thread_slot();
  dt::sampler_slot& slot = dt::g_sampler.slots[slot1 - 1];
  const pid_t pid = getpid();
  const auto tid = static_cast<pid_t>(syscall(SYS_gettid));
  for (std::size_t i = 0; i < count; ++i) {
    switch (mode) {
      case sample_mode::capture:
        dt::capture_sample_into_slot(slot, slot1, &uc);
        break;
      case sample_mode::handler:
        slot.signal.store(dt::signal_state::sent, std::memory_order_release);
        dt::profiling_signal_handler(SIGPROF, nullptr, const_cast<ucontext_t*>(&uc));
        break;
      case sample_mode::signal:
        slot.signal.store(dt::signal_state::sent, std::memory_order_release);
        syscall(SYS_tgkill, pid, tid, SIGPROF);  // delivered on the way back from the kernel
        break;
    }
    // The sampler's share, here so that the ring never fills: a few loads and stores.
    dt::drain_slot(slot, nullptr, nullptr);
  }
}

[[gnu::noinline]] int descend(int depth, const deep_job& job) {
  if (depth > 0) return descend(depth - 1, job) + 1;  // not a tail call: the frame stays
  ucontext_t uc;
  getcontext(&uc);  // this frame's registers: the walk sees all the frames above
  if (job.ns_per_sample == nullptr) {
    take_samples(job.mode, job.count, uc);
    return 0;
  }
  for (int r = 0; r < runs; ++r) {
    const auto t0 = bench_clock::now();
    take_samples(job.mode, job.count, uc);
    const auto t1 = bench_clock::now();
    job.ns_per_sample->push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() /
                                 static_cast<double>(job.count));
  }
  return 0;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

/// Installs the sampler's handler without its thread (modes handler and signal call it here).
bool install_handler() {
  struct sigaction a {};
  a.sa_sigaction = &dt::profiling_signal_handler;
  a.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&a.sa_mask);
  return sigaction(SIGPROF, &a, nullptr) == 0;
}

void restore_default_handler() {
  struct sigaction a {};
  a.sa_handler = SIG_IGN;  // drops a pending one first
  sigemptyset(&a.sa_mask);
  sigaction(SIGPROF, &a, nullptr);
  a.sa_handler = SIG_DFL;
  sigaction(SIGPROF, &a, nullptr);
}

const char* mode_name(sample_mode m) {
  return m == sample_mode::capture ? "capture" : m == sample_mode::handler ? "handler" : "signal";
}

void sample_cost_table() {
  std::printf("1. one sample, %d frames deep (ns/sample over %zu samples; best and median of %d runs)\n",
              stack_depth, batch, runs);
  std::printf("   %-8s %10s %10s %8s\n", "mode", "best", "median", "depth");
  for (sample_mode m : {sample_mode::capture, sample_mode::handler, sample_mode::signal}) {
    std::vector<double> ns;
    const deep_job job{m, batch, &ns};
    descend(stack_depth, job);
    const dt::sampler_slot& slot = dt::g_sampler.slots[dt::current_profiled_thread_slot() - 1];
    const auto depth = slot.ring[(slot.ring_head.load() - 1) % dt::sampler_ring_capacity].depth;
    std::printf("   %-8s %10.1f %10.1f %8u\n", mode_name(m), *std::min_element(ns.begin(), ns.end()), median(ns),
                depth);
  }
}

// ---- 2. slowdown ---------------------------------------------------------------------------------

constexpr std::uint64_t work_units = 60;  // about 2 s on the machine this was written on

/// A few calls deep, so that samples walk a real chain.
[[gnu::noinline]] std::uint64_t leaf_work(std::uint64_t x) {
  for (int i = 0; i < 1 << 20; ++i) x = (x ^ (x >> 13)) * 0x9E3779B97F4A7C15u + static_cast<std::uint64_t>(i);
  return x;
}
[[gnu::noinline]] std::uint64_t mid_work(std::uint64_t x) {
  for (int i = 0; i < 16; ++i) x = leaf_work(x) ^ static_cast<std::uint64_t>(i);
  return x;
}
[[gnu::noinline]] std::uint64_t workload(std::uint64_t units) {
  std::uint64_t x = 1;
  for (std::uint64_t u = 0; u < units; ++u) x += mid_work(x + u);
  return x;
}

struct run_cost {
  double wall_s = 0;
  double cpu_s = 0;        // the whole process
  double others_cpu_s = 0;  // every thread but the one running the workload: the sampler's
};

double cpu_seconds(int who = RUSAGE_SELF) {
  rusage ru{};
  getrusage(who, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

std::atomic<std::uint64_t> g_sink_samples{0};
void count_sample(const dt::raw_sample&, void*) { g_sink_samples.fetch_add(1, std::memory_order_relaxed); }

volatile std::uint64_t g_result = 0;

run_cost timed_workload(bool profiled) {
  if (profiled && !dt::start_sampler(101, &count_sample, nullptr)) {
    std::puts("start_sampler failed");
    std::exit(1);
  }
  const double c0 = cpu_seconds();
  const double m0 = cpu_seconds(RUSAGE_THREAD);
  const auto t0 = bench_clock::now();
  g_result = workload(work_units);
  const auto t1 = bench_clock::now();
  const double m1 = cpu_seconds(RUSAGE_THREAD);
  const double c1 = cpu_seconds();
  if (profiled) dt::stop_sampler();
  return {std::chrono::duration<double>(t1 - t0).count(), c1 - c0, (c1 - c0) - (m1 - m0)};
}

void slowdown_table(int rounds) {
  std::vector<double> base_wall, base_cpu, prof_wall, prof_cpu, prof_others;
  const auto before = dt::read_sampler_counters();
  const std::uint64_t sink_before = g_sink_samples.load();
  for (int r = 0; r < rounds; ++r) {
    const run_cost b = timed_workload(false);
    const run_cost p = timed_workload(true);
    base_wall.push_back(b.wall_s);
    base_cpu.push_back(b.cpu_s);
    prof_wall.push_back(p.wall_s);
    prof_cpu.push_back(p.cpu_s);
    prof_others.push_back(p.others_cpu_s / p.wall_s);
    std::printf("   round %d: unprofiled %.3f s wall %.3f s cpu; profiled %.3f s wall %.3f s cpu, %.2f ms of it the sampler's\n",
                r + 1, b.wall_s, b.cpu_s, p.wall_s, p.cpu_s, p.others_cpu_s * 1e3);
  }
  const auto after = dt::read_sampler_counters();
  const double bw = median(base_wall), bc = median(base_cpu), pw = median(prof_wall), pc = median(prof_cpu);
  std::printf("2. slowdown at 101 Hz (median of %d rounds)\n", rounds);
  std::printf("   %-12s %10s %10s\n", "", "wall s", "cpu s");
  std::printf("   %-12s %10.3f %10.3f\n", "unprofiled", bw, bc);
  std::printf("   %-12s %10.3f %10.3f\n", "profiled", pw, pc);
  std::printf("   %-12s %9.2f%% %9.2f%%\n", "slowdown", (pw - bw) / bw * 100.0, (pc - bc) / bc * 100.0);
  std::printf("   the sampler thread's own CPU: %.3f%% of one core (median; getrusage's resolution is the\n"
              "   scheduler tick, so read it over several rounds)\n", median(prof_others) * 100.0);
  std::printf("   samples %llu (%.1f/s profiled), no_answer %llu, ring_full %llu, missed_ticks %llu\n",
              static_cast<unsigned long long>(g_sink_samples.load() - sink_before),
              static_cast<double>(g_sink_samples.load() - sink_before) / (pw * rounds),
              static_cast<unsigned long long>(after.no_answer - before.no_answer),
              static_cast<unsigned long long>(after.ring_full - before.ring_full),
              static_cast<unsigned long long>(after.missed_ticks - before.missed_ticks));
}

void memory_table() {
  std::printf("3. fixed memory: sizeof(g_sampler) = %zu bytes (%zu slots of %zu; raw_sample %zu; ring %u samples)\n",
              sizeof(dt::g_sampler), static_cast<std::size_t>(dt::max_profiled_threads), sizeof(dt::sampler_slot),
              sizeof(dt::raw_sample), dt::sampler_ring_capacity);
}

}  // namespace

int main(int argc, char** argv) {
  if (!dt::register_profiled_thread("main")) {
    std::puts("register_profiled_thread failed");
    return 1;
  }
  if (argc >= 3 && std::strcmp(argv[1], "--loop-only") == 0) {
    const auto n = static_cast<std::size_t>(std::strtoull(argv[2], nullptr, 10));
    sample_mode m = sample_mode::capture;
    if (argc >= 4 && std::strcmp(argv[3], "handler") == 0) m = sample_mode::handler;
    if (argc >= 4 && std::strcmp(argv[3], "signal") == 0) m = sample_mode::signal;
    if (m != sample_mode::capture && !install_handler()) return 1;
    descend(stack_depth, deep_job{m, n, nullptr});
    if (m != sample_mode::capture) restore_default_handler();
    dt::unregister_profiled_thread();
    return 0;
  }
  if (argc >= 2 && std::strcmp(argv[1], "--slowdown-only") == 0) {
    slowdown_table(argc >= 3 ? std::atoi(argv[2]) : 3);
    dt::unregister_profiled_thread();
    return 0;
  }
  if (!install_handler()) return 1;
  sample_cost_table();
  restore_default_handler();
  slowdown_table(argc >= 3 && std::strcmp(argv[1], "--rounds") == 0 ? std::atoi(argv[2]) : 3);
  memory_table();
  dt::unregister_profiled_thread();
  return 0;
}

#else

int main() {
  std::puts("the profiler is not supported on this target: nothing to measure");
  return 0;
}

#endif
