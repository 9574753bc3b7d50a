// bench_redis.cpp -- what integrations/hiredis.hpp adds to a Redis command: numbers, not pass/fail.
//
//   python3 tests/integrations/servers.py redis -- ./bench_redis          the table (about 10 s)
//   python3 tests/integrations/servers.py redis -- ./bench_redis --loop-only N MODE
//                                     only N commands in one mode, for external counters:
//     valgrind --tool=callgrind ./bench_redis --loop-only 20000 sampled   (through servers.py)
//       client-side instructions per command = (Ir of N - Ir of "--loop-only 0 sampled") / N;
//       the same for `plain`, and the difference is what the integration adds. Callgrind counts
//       this process's user-space instructions only: the server and the kernel are not in it.
//
// MODES   plain          redisCommand(), no integration
//         no-span        redis::command() with no active span (not traced)
//         unsampled      redis::command() under an unsampled transaction
//         sampled        redis::command() under a sampled transaction: a db.redis span each
//         sampled-cache  the same with the keys under a cache prefix: cache.put / cache.get spans
// Each command is `SET bench:key <100-byte value>` or `GET bench:key`, alternately, on one
// connection to a redis-server on loopback. The modes run in turns, a batch of 250 commands
// each, for many rounds, so that the machine's and the server's noise falls on every mode alike;
// a figure is the best round (what the code costs) and the median round (what it usually
// costs), in wall time and in this thread's CPU time per command (steady_clock and
// CLOCK_THREAD_CPUTIME_ID around the batch; nothing subtracted). "added" is the mode's figure
// minus plain's. A batch runs inside its own transaction, started and ended outside the timed
// loop; the end of a sampled batch's transaction, which writes its 250 spans into an envelope
// (null_transport), is timed on its own and shown per command.
// A round trip on loopback (tens of µs, with the server on the same two cores) hides a few
// hundred ns in its noise, so a second table runs the same modes on a non-blocking context,
// where redisCommand only formats the command into the context's output buffer (a new context
// after each batch, nothing sent): what the integration adds to the client's CPU, without the network
// (no reply: the reply's part, cache.hit, is not in it).

#include <sentry_trace.hpp>
#include <sentry_trace/integrations/hiredis.hpp>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace st = sentry_trace;
using bench_clock = std::chrono::steady_clock;

namespace {

enum class mode { plain, no_span, unsampled, sampled, sampled_cache };
constexpr mode all_modes[] = {mode::plain, mode::no_span, mode::unsampled, mode::sampled, mode::sampled_cache};
constexpr const char* mode_names[] = {"plain", "no-span", "unsampled", "sampled", "sampled-cache"};
constexpr int batch = 250;
constexpr int rounds = 150;

const char* name_of(mode m) { return mode_names[static_cast<int>(m)]; }

bool parse_mode(std::string_view s, mode& out) {
  for (mode m : all_modes)
    if (s == name_of(m)) {
      out = m;
      return true;
    }
  return false;
}

std::uint64_t thread_cpu_ns() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<std::uint64_t>(t.tv_sec) * 1000000000u + static_cast<std::uint64_t>(t.tv_nsec);
}

redisContext* connect_to_server(bool blocking = true) {
  const char* host = std::getenv("SENTRY_TRACE_TEST_REDIS_HOST");
  const char* port = std::getenv("SENTRY_TRACE_TEST_REDIS_PORT");
  if (host == nullptr || port == nullptr) {
    std::fprintf(stderr, "bench_redis: run it through tests/integrations/servers.py redis -- ...\n");
    std::exit(2);
  }
  redisContext* c = blocking ? redisConnect(host, std::atoi(port)) : redisConnectNonBlock(host, std::atoi(port));
  if (c == nullptr || c->err != 0) {
    std::fprintf(stderr, "bench_redis: cannot connect to %s:%s\n", host, port);
    std::exit(1);
  }
  return c;
}

void start_tracing(st::transport* t) {
  st::options o;
  o.dsn = "https://public@o1.ingest.sentry.io/42";
  o.release = "bench@1.0.0";
  o.transport = t;
  o.send_client_reports = false;  // the unsampled runs would otherwise queue outcomes
  o.traces_sampler = [](const st::sampling_context& c) { return c.name == "unsampled batch" ? 0.0 : 1.0; };
  if (!st::init(o)) {
    std::fprintf(stderr, "bench_redis: init failed\n");
    std::exit(1);
  }
  st::redis::set_cache_prefixes({"cache:"});
}

/// `n` commands in mode `m`, alternately SET and GET of one key; a failed command stops the run
/// (on a non-blocking context, every command returns null and only a set error fails).
void run_commands(redisContext* c, mode m, int n) {
  const bool blocking = (c->flags & REDIS_BLOCK) != 0;
  static const std::string value(100, 'v');
  const char* key = m == mode::sampled_cache ? "cache:key" : "bench:key";
  for (int i = 0; i < n; ++i) {
    void* r = nullptr;
    const bool set = (i & 1) == 0;
    if (m == mode::plain) {
      r = set ? redisCommand(c, "SET %s %b", key, value.data(), value.size()) : redisCommand(c, "GET %s", key);
    } else {
      r = set ? st::redis::command(c, "SET %s %b", key, value.data(), value.size()) : st::redis::command(c, "GET %s", key);
    }
    if (blocking ? r == nullptr : c->err != 0) {
      std::fprintf(stderr, "bench_redis: command failed: %s\n", c->errstr);
      std::exit(1);
    }
    if (r != nullptr) freeReplyObject(r);
  }
}

/// One batch's root span: none (plain, no-span), an unsampled or a sampled transaction.
st::span start_root(mode m) {
  switch (m) {
    case mode::plain:
    case mode::no_span: return st::span{};
    case mode::unsampled: return st::start_span_manual({"unsampled batch", "bench"});
    case mode::sampled:
    case mode::sampled_cache: return st::start_span_manual({"sampled batch", "bench"});
  }
  return st::span{};
}

struct samples {
  std::vector<double> v;
  double best() const { return *std::min_element(v.begin(), v.end()); }
  double median() const {
    std::vector<double> s = v;
    std::sort(s.begin(), s.end());
    return s[s.size() / 2];
  }
};

/// A non-blocking context's output buffer only grows (nothing is sent, and hiredis 0.14's sds.h
/// gives C++ no C linkage to empty it with): a fresh context after each batch, untimed.
void renew(redisContext*& c) {
  redisFree(c);
  c = connect_to_server(false);
}

struct mode_figures {
  samples wall_ns, cpu_ns, end_ns;  // per command
};

void run_round(redisContext*& c, mode m, mode_figures& f) {
  st::span root = start_root(m);
  const std::uint64_t cpu0 = thread_cpu_ns();
  const auto t0 = bench_clock::now();
  run_commands(c, m, batch);
  const auto t1 = bench_clock::now();
  const std::uint64_t cpu1 = thread_cpu_ns();
  root.end();
  const auto t2 = bench_clock::now();
  f.wall_ns.v.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / batch);
  f.cpu_ns.v.push_back(static_cast<double>(cpu1 - cpu0) / batch);
  f.end_ns.v.push_back(std::chrono::duration<double, std::nano>(t2 - t1).count() / batch);
  if ((c->flags & REDIS_BLOCK) == 0) renew(c);
}

/// `rounds_to_run` rounds of every mode, in rotating order, into `figures`.
void measure(redisContext*& c, int rounds_to_run, mode_figures (&figures)[5]) {
  for (mode m : all_modes) {  // warm up: connection, caches, pool
    run_commands(c, m, 2 * batch);
    if ((c->flags & REDIS_BLOCK) == 0) renew(c);
  }
  for (int r = 0; r < rounds_to_run; ++r)
    for (int k = 0; k < 5; ++k) {
      const mode m = all_modes[(k + r) % 5];  // rotate the order, so no mode always follows another
      run_round(c, m, figures[static_cast<int>(m)]);
    }
}

void print_table(const mode_figures (&figures)[5]) {
  const mode_figures& plain = figures[0];
  std::printf("%-14s %10s %10s %10s %10s | %10s %10s %10s %10s | %10s\n", "mode", "wall best", "median",
              "added best", "added med", "cpu best", "median", "added best", "added med", "root end");
  for (mode m : all_modes) {
    const mode_figures& f = figures[static_cast<int>(m)];
    std::printf("%-14s %10.0f %10.0f %10.0f %10.0f | %10.0f %10.0f %10.0f %10.0f | %10.0f\n", name_of(m), f.wall_ns.best(),
                f.wall_ns.median(), f.wall_ns.best() - plain.wall_ns.best(), f.wall_ns.median() - plain.wall_ns.median(),
                f.cpu_ns.best(), f.cpu_ns.median(), f.cpu_ns.best() - plain.cpu_ns.best(),
                f.cpu_ns.median() - plain.cpu_ns.median(), f.end_ns.median());
  }
}

int table(redisContext* c) {
  st::null_transport none;
  start_tracing(&none);
  mode_figures round_trips[5];
  measure(c, rounds, round_trips);
  redisContext* formatting = connect_to_server(false);
  mode_figures formatted[5];
  measure(formatting, 4 * rounds, formatted);
  redisFree(formatting);
  st::shutdown(0);

  std::printf("Redis SET (100-byte value) / GET, per command, %d rounds of %d commands per mode\n", rounds, batch);
  print_table(round_trips);
  std::printf("\nThe same commands formatted only (non-blocking context, nothing sent), %d rounds\n", 4 * rounds);
  print_table(formatted);
  std::printf("(ns; cpu = this thread's CPU time, the client's side; root end = median ns per command of\n"
              " ending the batch's transaction, i.e. writing its envelope, outside the timed loop)\n");
  return 0;
}

/// --loop-only N MODE: N commands in batches of `batch`, each batch in its own root.
int loop_only(redisContext* c, int n, mode m) {
  st::null_transport none;
  start_tracing(&none);
  for (int done = 0; done < n; done += batch) {
    st::span root = start_root(m);
    run_commands(c, m, std::min(batch, n - done));
    root.end();
  }
  st::shutdown(0);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  redisContext* c = connect_to_server();
  int rc = 0;
  if (argc >= 2 && std::strcmp(argv[1], "--loop-only") == 0) {
    mode m = mode::sampled;
    if (argc < 3 || (argc >= 4 && !parse_mode(argv[3], m))) {
      std::fprintf(stderr, "usage: bench_redis --loop-only N [plain|no-span|unsampled|sampled|sampled-cache]\n");
      return 2;
    }
    rc = loop_only(c, std::atoi(argv[2]), m);
  } else {
    rc = table(c);
  }
  redisFree(c);
  return rc;
}
