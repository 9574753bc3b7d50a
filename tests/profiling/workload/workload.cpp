// tests/profiling/workload/workload.cpp -- a CPU-bound program with known hot functions, profiled
//
// WHAT IT DOES  Runs, for the given seconds, frames of a random length (4-16 ms, so no frame
//               period can alias with the sampler's) that spend 70% of their wall time in
//               hot_seventy() and 30% in hot_thirty() on the main thread, and hot_thirty() alone
//               on a registered thread named "worker", with profiling on in the given mode:
//                 transaction  profiles_sample_rate = 1: one transaction with its `profile` item
//                 manual       profile_session_sample_rate = 1, start_profiler()/stop_profiler(),
//                              with a transaction inside, linked by contexts.profile.profiler_id
//                 trace        profile_lifecycle::trace: the profiler runs while the root runs
//               Each function is called in short bursts until its share of the frame has passed
//               on the clock, so the split holds whatever the machine's speed or load. Envelopes
//               go to <out-dir> (file_transport). What really happened goes to
//               <out-dir>/truth.json, which check_profiles.py compares with the profile:
//                 - the main thread's timeline: when each function's bursts began and ended, on
//                   CLOCK_MONOTONIC (the clock a sample is stamped with, in the signal handler on
//                   the sampled thread), with one monotonic / epoch pair to place the profile's
//                   epoch timestamps on it;
//                 - the wall time spent inside each function (measured around each call), and
//                   the main thread's CPU time over the frames: the sampler signals on wall-clock
//                   ticks but a thread takes the signal only when it runs, so the shares follow
//                   the wall time only while the thread has a core to itself.
// USAGE         profiling_workload <transaction|manual|trace> <out-dir> <seconds>
//               Exits 77 (ctest: skipped) where profiling_supported is false (a
//               SENTRY_TRACE_THREADS=0 build).

// SENTRY_TRACE_INTERNALS (the target sentry_trace_internals defines it): file_transport is a hosted part.
#include <sentry_trace.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <time.h>

namespace st = sentry_trace;

namespace {

using steady = std::chrono::steady_clock;

std::atomic<bool> g_stop{false};
volatile std::uint64_t g_sink = 0;

// Leaf loops: each call does `rounds` rounds of integer work and nothing else, so the sampled
// PC lies inside the function and the frame chain starts at its caller.
[[gnu::noinline]] std::uint64_t hot_seventy(std::uint64_t rounds) noexcept {
  std::uint64_t x = 0x9e3779b97f4a7c15ull;
  for (std::uint64_t i = 0; i < rounds; ++i) x = (x ^ (x >> 29)) * 0xbf58476d1ce4e5b9ull + i;
  return x;
}
[[gnu::noinline]] std::uint64_t hot_thirty(std::uint64_t rounds) noexcept {
  std::uint64_t x = 0x94d049bb133111ebull;
  for (std::uint64_t i = 0; i < rounds; ++i) x = (x ^ (x >> 31)) * 0x94d049bb133111ebull + i;
  return x;
}

/// Rounds of `hot` that take about `us` microseconds here: the fastest of a few probes, so a
/// preempted probe does not skew it.
std::uint64_t calibrate_rounds(std::uint64_t (*hot)(std::uint64_t) noexcept, double us) noexcept {
  const std::uint64_t probe = 1u << 16;
  double best = 1e30;
  for (int i = 0; i < 5; ++i) {
    const auto t0 = steady::now();
    g_sink = g_sink + hot(probe);
    const double took = std::chrono::duration<double, std::micro>(steady::now() - t0).count();
    if (took < best) best = took;
  }
  const double rounds = static_cast<double>(probe) * us / (best > 0.01 ? best : 0.01);
  // At least 16 Ki rounds (tens of microseconds anywhere): a burst is never so short that the
  // clock reads around it, rather than the function, hold the samples.
  return rounds < 16384 ? 16384 : static_cast<std::uint64_t>(rounds);
}

std::uint64_t monotonic_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

double thread_cpu_s() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

/// One function's run of bursts on the main thread, on CLOCK_MONOTONIC.
struct phase {
  std::uint64_t start_ns;
  std::uint64_t end_ns;
  bool seventy;  ///< hot_seventy's (else hot_thirty's)
};

/// Seconds spent in calls of `hot`, called in bursts of `rounds` until `budget_s` has passed.
double spend(std::uint64_t (*hot)(std::uint64_t) noexcept, std::uint64_t rounds, double budget_s) noexcept {
  double inside = 0;
  const auto start = steady::now();
  while (std::chrono::duration<double>(steady::now() - start).count() < budget_s) {
    const auto a = steady::now();
    g_sink = g_sink + hot(rounds);
    inside += std::chrono::duration<double>(steady::now() - a).count();
  }
  return inside;
}

struct truth {
  double seventy_s = 0;
  double thirty_s = 0;
  double total_s = 0;
  double frames_cpu_s = 0;
  std::vector<phase> phases;
  std::uint64_t anchor_mono_ns = 0;  ///< read together with anchor_epoch_us
  std::int64_t anchor_epoch_us = 0;
  std::atomic<double> worker_thirty_s{0};
  std::atomic<double> worker_total_s{0};
};

[[gnu::noinline]] void run_frames(double seconds, truth& t) noexcept {
  const std::uint64_t seventy_burst = calibrate_rounds(hot_seventy, 50.0);
  const std::uint64_t thirty_burst = calibrate_rounds(hot_thirty, 50.0);
  std::uint64_t rng = 0x2545f4914f6cdd1dull;
  // A frame is at least 4 ms, so 2 phases a frame fit; reserved so that no phase waits on malloc.
  t.phases.reserve(static_cast<std::size_t>(seconds / 0.004) * 2 + 16);
  const double cpu_start = thread_cpu_s();
  const auto start = steady::now();
  while (std::chrono::duration<double>(steady::now() - start).count() < seconds) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    const double frame_s = 0.004 + 0.012 * static_cast<double>(rng % 1000) / 1000.0;
    const std::uint64_t a = monotonic_ns();
    t.seventy_s += spend(hot_seventy, seventy_burst, 0.7 * frame_s);
    const std::uint64_t b = monotonic_ns();
    t.thirty_s += spend(hot_thirty, thirty_burst, 0.3 * frame_s);
    const std::uint64_t c = monotonic_ns();
    if (t.phases.size() + 2 <= t.phases.capacity()) {
      t.phases.push_back({a, b, true});
      t.phases.push_back({b, c, false});
    }
  }
  t.total_s = std::chrono::duration<double>(steady::now() - start).count();
  t.frames_cpu_s = thread_cpu_s() - cpu_start;
}

void worker_thread(truth& t) {
  st::register_profiled_thread("worker");
  const std::uint64_t burst = calibrate_rounds(hot_thirty, 50.0);
  const auto start = steady::now();
  double inside = 0;
  while (!g_stop.load()) {
    const auto a = steady::now();
    g_sink = g_sink + hot_thirty(burst);
    inside += std::chrono::duration<double>(steady::now() - a).count();
  }
  t.worker_thirty_s.store(inside);
  t.worker_total_s.store(std::chrono::duration<double>(steady::now() - start).count());
}

void write_truth(const std::string& dir, const char* mode, const truth& t) {
  const std::string path = dir + "/truth.json";
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return;
  std::fprintf(f,
               "{\"mode\":\"%s\",\"hot_seventy\":%.6f,\"hot_thirty\":%.6f,\"total\":%.6f,\"frames_cpu\":%.6f,"
               "\"worker_hot_thirty\":%.6f,\"worker_total\":%.6f,\"anchor_mono_ns\":%llu,\"anchor_epoch_us\":%lld,"
               "\"phases\":[",
               mode, t.seventy_s, t.thirty_s, t.total_s, t.frames_cpu_s, t.worker_thirty_s.load(),
               t.worker_total_s.load(), static_cast<unsigned long long>(t.anchor_mono_ns),
               static_cast<long long>(t.anchor_epoch_us));
  for (std::size_t i = 0; i < t.phases.size(); ++i) {
    std::fprintf(f, "%s[%llu,%llu,%d]", i ? "," : "", static_cast<unsigned long long>(t.phases[i].start_ns),
                 static_cast<unsigned long long>(t.phases[i].end_ns), t.phases[i].seventy ? 1 : 0);
  }
  std::fprintf(f, "]}\n");
  std::fclose(f);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s <transaction|manual|trace> <out-dir> <seconds>\n", argv[0]);
    return 2;
  }
  const std::string mode = argv[1];
  const std::string dir = argv[2];
  const double seconds = std::atof(argv[3]);
  if (mode != "transaction" && mode != "manual" && mode != "trace") {
    std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
    return 2;
  }
  if (!st::detail::profiling_supported) {
    std::printf("skipped: this build cannot profile (Linux on x86-64 or AArch64 with threads only)\n");
    return 77;
  }
  static st::file_transport files(dir);
  st::options o;
  o.dsn = "https://public@o1.ingest.sentry.io/42";
  o.release = "workload@1";
  o.traces_sample_rate = 1.0;
  o.transport = &files;
  o.debug = std::getenv("SENTRY_TRACE_WORKLOAD_DEBUG") != nullptr;
  if (mode == "transaction") {
    o.profiles_sample_rate = 1.0;
  } else {
    o.profile_session_sample_rate = 1.0;
    o.profile_lifecycle = mode == "manual" ? st::profile_lifecycle::manual : st::profile_lifecycle::trace;
  }
  if (!st::init(o)) return 1;
  truth t;
  t.anchor_mono_ns = monotonic_ns();
  t.anchor_epoch_us = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::thread worker(worker_thread, std::ref(t));

  if (mode == "manual") st::start_profiler();
  st::start_span({"workload", "task"}, [&](st::span&) { run_frames(seconds, t); });
  if (mode == "manual") st::stop_profiler();

  g_stop.store(true);
  worker.join();
  write_truth(dir, mode.c_str(), t);
  const bool flushed = st::shutdown(5000);
  std::printf("%s: %.2f s in frames, %.0f%% in hot_seventy; flushed=%d\n", mode.c_str(), t.total_s,
              100.0 * t.seventy_s / (t.seventy_s + t.thirty_s), flushed ? 1 : 0);
  return flushed ? 0 : 1;
}
