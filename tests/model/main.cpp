// tests/model/main.cpp -- the randomized model test: generate, run, check, report
//
// WHAT IT DOES  Runs programs with seeds S, S+1, ... (program.hpp) through the library
//               (runner.hpp) and checks each run against the model (checker.hpp), until
//               --programs have run or --seconds have passed, whichever comes first. A failing
//               program prints its seed, the invariants it broke and the program itself, with the
//               command that reruns it; it is then rerun in replay mode (one slot at a time) to
//               say whether it fails deterministically.
// USAGE         sentry_trace_model [--programs N] [--seed S] [--threads T] [--seconds L]
//                                  [--replay] [--max-ops K] [--max-phases P] [--max-sessions N]
//                                  [--keep-going] [--print] [--verbose] [--no-respawn]
//                                  [--lifecycle static|stream] [--no-corpus]
//               --print shows each program before it runs; --no-respawn never replaces a
//               slot's thread (to look past a crash that needs an exited thread); --lifecycle
//               keeps every session to one lifecycle. The corpus (below) runs first, unless
//               --no-corpus. Without --seed the base seed comes from the clock (and is printed).
// EXIT          0 when every program matched the model; doctest's failure status otherwise.

#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "checker.hpp"
#include "program.hpp"
#include "runner.hpp"

#include <csignal>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>
#include <unistd.h>

namespace {

struct config {
  std::uint64_t programs = 200;
  std::uint64_t seed = 0;
  bool seed_given = false;
  double seconds = 60;
  bool replay = false;
  bool keep_going = false;
  bool verbose = false;
  bool print = false;
  bool no_respawn = false;  ///< never replace a slot's thread (to look past a crash there)
  bool no_corpus = false;   ///< skip the corpus (tests/model/main.cpp) and run random programs only
  model::shape shape{};
};

config g_config;

// ---- a crash names its seed -----------------------------------------------------------------------
// A program that crashes the library cannot print itself afterwards, so the seed being run is
// kept here and a fatal signal writes it (with write(2), which a signal handler may call), then
// hands the signal on to doctest's handler.
volatile std::sig_atomic_t g_running_seed_valid = 0;
std::uint64_t g_running_seed = 0;
struct sigaction g_previous[32];
std::string g_running_flags;  ///< the running program's shape: set before it runs, the handler only reads it
volatile std::sig_atomic_t g_running_replay = 0;

void write_text(const char* s) {
  ssize_t ignored = ::write(2, s, std::strlen(s));
  (void)ignored;
}
void write_number(std::uint64_t v) {
  char buf[24];
  int n = 0;
  do buf[n++] = static_cast<char>('0' + v % 10);
  while ((v /= 10) != 0);
  char out[24];
  for (int i = 0; i < n; ++i) out[i] = buf[n - 1 - i];
  out[n] = '\0';
  write_text(out);
}
void on_fatal_signal(int sig) {
  if (g_running_seed_valid) {
    write_text("\nMODEL FAILURE: the library crashed (signal ");
    write_number(static_cast<std::uint64_t>(sig));
    write_text(") running seed ");
    write_number(g_running_seed);
    write_text(g_running_replay ? " (replay)" : " (concurrent)");
    write_text("\nrerun it with: sentry_trace_model --programs 1 --print --seed ");
    write_number(g_running_seed);
    write_text(g_running_flags.c_str());
    write_text(g_running_replay ? " --replay\n" : "\n");
  }
  ::sigaction(sig, &g_previous[sig], nullptr);
  std::raise(sig);
}
void install_crash_report() {
  for (int sig : {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL}) {
    struct sigaction sa {};
    sa.sa_handler = on_fatal_signal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(sig, &sa, &g_previous[sig]);
  }
}

/// The options that make the generator draw programs of `shape` (for rerun lines).
std::string shape_flags(const model::shape& shape) {
  return " --threads " + std::to_string(shape.slots) + " --max-ops " + std::to_string(shape.max_ops_per_slot) +
         " --max-phases " + std::to_string(shape.max_phases) + " --max-sessions " + std::to_string(shape.max_sessions) +
         (shape.allow_respawn ? "" : " --no-respawn") +
         (shape.lifecycle < 0 ? "" : shape.lifecycle == 1 ? " --lifecycle stream" : " --lifecycle static");
}

/// Runs the program with `seed` once and returns the violations.
std::vector<std::string> run_one(std::uint64_t seed, bool replay, model::locked_capture& transport, model::program& out,
                                 const model::shape& shape = g_config.shape) {
  out = model::generate(seed, shape);
  if (g_config.print) model::print_program(stderr, out);
  g_running_flags = shape_flags(shape);
  g_running_replay = replay ? 1 : 0;
  g_running_seed = seed;
  g_running_seed_valid = 1;
  model::runner r(out, replay, transport);
  model::run_result result = r.run();
  g_running_seed_valid = 0;
  return model::check(out, result, replay);
}

void print_failure(std::uint64_t seed, bool replay, const std::vector<std::string>& v, const model::program& p) {
  std::fprintf(stderr, "\nMODEL FAILURE: seed %llu (%s), %zu violation(s):\n", static_cast<unsigned long long>(seed),
               replay ? "replay" : "concurrent", v.size());
  for (const std::string& line : v) std::fprintf(stderr, "  - %s\n", line.c_str());
  model::print_program(stderr, p);
  std::fprintf(stderr, "rerun: sentry_trace_model --programs 1 --seed %llu%s%s\n", static_cast<unsigned long long>(seed),
               g_running_flags.c_str(), replay ? " --replay" : "");
}

// ---- the corpus -----------------------------------------------------------------------------------
// Small programs that broke an invariant when they were found (each one line: what it checks),
// run first, in replay mode, whatever the base seed: each stays a deterministic regression test.
// A seed names a program only for this generator: if program.hpp changes how it draws, find the
// programs again (a search over small shapes, e.g. --threads 1 --max-ops 3 --max-phases 2
// --max-sessions 1 --replay --keep-going) and update the table.
struct corpus_entry {
  std::uint64_t seed;
  int slots, max_ops, max_phases, max_sessions;
  bool respawn;
  const char* what;
};
constexpr corpus_entry corpus[] = {
    {7492, 1, 3, 2, 1, true, "a span ended on a new thread after the thread that made it active exited"},
    {7085, 1, 3, 2, 1, true, "a child of a dropped child (explicit parents) must not become a root"},
    {7202, 1, 3, 2, 1, true, "spans and measurements under a dropped span must not go to the span below it"},
    {6421, 1, 3, 2, 1, true, "headers under a dropped span continue its trace"},
    {5352, 1, 3, 2, 1, true, "stream: a root ended with a child still open at shutdown is counted"},
    {5919, 1, 3, 2, 1, true, "stream: a child of a span in a retired continuation block joins its segment"},
    {3002342, 3, 7, 5, 3, false, "a measurement under a span whose parent is from before re-init lands nowhere"},
};

/// The corpus, in replay mode; returns the number that failed.
int run_corpus(model::locked_capture& transport) {
  if (!SENTRY_TRACE_THREADS || g_config.no_corpus) return 0;  // one slot only there: other programs
  int failed = 0;
  for (const corpus_entry& c : corpus) {
    model::shape shape;
    shape.slots = c.slots;
    shape.max_ops_per_slot = c.max_ops;
    shape.max_phases = c.max_phases;
    shape.max_sessions = c.max_sessions;
    shape.allow_respawn = c.respawn;
    shape.with_active_percent = 0;  // the programs the corpus was found with
    model::program p;
    std::vector<std::string> v = run_one(c.seed, true, transport, p, shape);
    if (v.empty()) continue;
    ++failed;
    std::fprintf(stderr, "\ncorpus program (%s):", c.what);
    print_failure(c.seed, true, v, p);
    if (!g_config.keep_going) break;
  }
  return failed;
}

/// The corpus, then every program within the budget; returns the number that failed.
int run_all() {
  model::locked_capture transport;
  int failed = run_corpus(transport);
  if (failed && !g_config.keep_going) return failed;
  const auto started = std::chrono::steady_clock::now();
  std::uint64_t ran = 0;
  for (std::uint64_t i = 0; i < g_config.programs; ++i) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (elapsed > g_config.seconds) break;
    const std::uint64_t seed = g_config.seed + i;
    model::program p;
    std::vector<std::string> v = run_one(seed, g_config.replay, transport, p);
    ++ran;
    if (g_config.verbose) std::fprintf(stderr, "seed %llu: %s\n", static_cast<unsigned long long>(seed), v.empty() ? "ok" : "FAIL");
    if (v.empty()) continue;
    ++failed;
    print_failure(seed, g_config.replay, v, p);
    if (!g_config.replay) {
      model::program again;
      std::vector<std::string> w = run_one(seed, true, transport, again);
      std::fprintf(stderr, "replay of seed %llu: %s\n", static_cast<unsigned long long>(seed),
                   w.empty() ? "passes (the failure needs a concurrent schedule)" : "fails too (deterministic)");
      for (const std::string& line : w) std::fprintf(stderr, "  - %s\n", line.c_str());
    }
    if (!g_config.keep_going) break;
  }
  std::fprintf(stderr, "model: %llu program(s) from seed %llu, %d slot(s), %s: %d failed\n",
               static_cast<unsigned long long>(ran), static_cast<unsigned long long>(g_config.seed), g_config.shape.slots,
               g_config.replay ? "replay" : "concurrent", failed);
  return failed;
}

bool parse_args(int argc, char** argv, std::vector<char*>& rest) {
  rest.push_back(argv[0]);
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](std::uint64_t& out) {
      if (i + 1 >= argc) return false;
      out = std::strtoull(argv[++i], nullptr, 10);
      return true;
    };
    std::uint64_t n = 0;
    if (a == "--programs") {
      if (!value(g_config.programs)) return false;
    } else if (a == "--seed") {
      if (!value(g_config.seed)) return false;
      g_config.seed_given = true;
    } else if (a == "--threads") {
      if (!value(n) || n < 1 || n > 16) return false;
      g_config.shape.slots = static_cast<int>(n);
    } else if (a == "--seconds") {
      if (!value(n)) return false;
      g_config.seconds = static_cast<double>(n);
    } else if (a == "--max-ops") {
      if (!value(n)) return false;
      g_config.shape.max_ops_per_slot = static_cast<int>(n);
    } else if (a == "--max-phases") {
      if (!value(n) || n < 1) return false;
      g_config.shape.max_phases = static_cast<int>(n);
    } else if (a == "--max-sessions") {
      if (!value(n) || n < 1) return false;
      g_config.shape.max_sessions = static_cast<int>(n);
    } else if (a == "--replay") {
      g_config.replay = true;
    } else if (a == "--keep-going") {
      g_config.keep_going = true;
    } else if (a == "--lifecycle") {
      if (i + 1 >= argc) return false;
      const std::string v = argv[++i];
      if (v != "static" && v != "stream") return false;
      g_config.shape.lifecycle = v == "stream" ? 1 : 0;
    } else if (a == "--no-corpus") {
      g_config.no_corpus = true;
    } else if (a == "--no-respawn") {
      g_config.no_respawn = true;
    } else if (a == "--print") {
      g_config.print = true;
    } else if (a == "--verbose") {
      g_config.verbose = true;
    } else {
      rest.push_back(argv[i]);  // doctest's own options
    }
  }
  return true;
}

} // namespace

TEST_CASE("random programs match the model") {
  install_crash_report();  // after doctest's own handlers, which it then calls
  CHECK(run_all() == 0);
}

int main(int argc, char** argv) {
  std::vector<char*> rest;
  if (!parse_args(argc, argv, rest)) {
    std::fprintf(stderr, "usage: %s [--programs N] [--seed S] [--threads T] [--seconds L] [--replay] "
                         "[--max-ops K] [--max-phases P] [--max-sessions N] [--keep-going] [--print] [--verbose] [--no-respawn] [--lifecycle static|stream] [--no-corpus]\n", argv[0]);
    return 2;
  }
  if (!g_config.seed_given)
    g_config.seed = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()) % 1000000007ull;
#if !SENTRY_TRACE_THREADS
  g_config.shape.slots = 1;  // the library has no threads here: one slot, run in order
  g_config.replay = true;
#endif
  g_config.shape.allow_respawn = SENTRY_TRACE_THREADS != 0 && !g_config.no_respawn;
  doctest::Context ctx;
  ctx.applyCommandLine(static_cast<int>(rest.size()), rest.data());
  ctx.setOption("no-version", true);
  return ctx.run();
}
