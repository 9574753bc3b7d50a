// tests/faults/fault_driver.cpp -- the built-in HTTP transport against a misbehaving server
//
//   fault_driver <capture_server.py> <work dir>        (ctest: delivery_faults)
//
// For each fault mode of tests/interop/capture_server.py (accept, 429, 500, reset, slow,
// garbage) and for "nothing listening" (a port with no server), on 127.0.0.1:
//   1. start the server in that mode (python3 capture_server.py --port 0 --mode M; reads
//      `PORT <n>`), init() with DSN http://public@127.0.0.1:<n>/1 and no options.transport, so
//      the built-in transport in worker mode delivers;
//   2. fault: send N transactions of 1 + C spans and E error events, timing every start, end
//      and capture call with steady_clock (the span path must never wait for the network), then
//      a bounded flush, or a bounded wait for the mode's drop (network_error comes only after
//      max_attempts tries with back-off: about 7 s with the library's defaults);
//   3. end the fault (POST /__mode/accept, or start a server on the empty port), send M more
//      transactions and an error, flush: they must arrive, and nothing more may be dropped;
//   4. shutdown(), then read GET /__stats?flat=1: items delivered (answered 200), items answered
//      429, and the outcomes of every client_report the server stored, by reason and category.
// Checks per mode: no call blocks for 50 ms (a call over 50 ms that the scheduler preempted
// without it blocking, seen by the thread's voluntary context switches, is reported, not
// failed, up to 1 s: the machine may be loaded); every transaction and error sent is delivered,
// counted as dropped (by the mode's reason only), or answered 429 (which the SDKs do not count);
// spans dropped = 11 x transactions dropped; the outcomes reported == get_stats().discarded_total
// (no client report lost, nothing counted twice); delivery resumes; peak RSS does not grow by
// more than the queue ring plus 2 MiB after the first mode. Prints one row per mode, then
// `N passed, N failed`; exits 1 on any failure. Bounded: about 45 s; servers exit by themselves
// after 90 s should this program die.
//
// The library's transport timeouts and retry delays are not options of init() (runtime/lifecycle.hpp
// builds http_transport_options with their defaults: connect 3 s, io 5 s, retry after 1 s,
// 2 s, 4 s, 4 attempts), so the modes are timed around those defaults.

#include <sentry_trace.hpp>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

// The calling thread's own context switches (Linux); elsewhere the process's, which include
// the worker's, so every call over the bound counts as blocked (stricter).
#ifndef RUSAGE_THREAD
#  define RUSAGE_THREAD RUSAGE_SELF
#endif

namespace {

using clock_type = std::chrono::steady_clock;

constexpr int kTransactions = 50;  // N, per fault phase
constexpr int kChildren = 10;      // C, child spans per transaction
constexpr int kErrors = 3;         // E, error events per fault phase
constexpr int kResume = 10;        // M, transactions after the fault ended
constexpr std::uint64_t kMaxWaitUs = 50000;  // the span path's bound (50 ms)

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

std::string g_python = "python3";
std::string g_script;
std::string g_work;
FILE* g_log = nullptr;
std::mutex g_log_mu;

void library_log(sentry_trace::log_level level, const char* message, void*) {
  std::lock_guard<std::mutex> lk(g_log_mu);
  if (g_log) {
    std::fprintf(g_log, "[%s] %s\n", sentry_trace::to_string(level), message);
    std::fflush(g_log);
  }
}

void note(const char* fmt, const std::string& a = "", long b = 0) {
  std::lock_guard<std::mutex> lk(g_log_mu);
  if (g_log) {
    std::fprintf(g_log, "driver: ");
    std::fprintf(g_log, fmt, a.c_str(), b);
    std::fprintf(g_log, "\n");
    std::fflush(g_log);
  }
}

// ---- the capture server -------------------------------------------------------------------

struct server {
  pid_t pid = -1;
  int port = 0;

  bool start(const std::string& mode, int want_port, const std::string& dir) {
    ::mkdir(dir.c_str(), 0755);
    int out[2];
    if (::pipe(out) != 0) return false;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    posix_spawn_file_actions_addclose(&fa, out[1]);
    std::string log = dir + "/server.log";
    posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    std::string port_text = std::to_string(want_port);
    std::string out_dir = dir + "/envelopes";
    std::vector<std::string> args = {g_python, g_script, "--port", port_text, "--out", out_dir,
                                      "--timeout", "90", "--mode", mode};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(&a[0]);
    argv.push_back(nullptr);
    int rc = posix_spawnp(&pid, g_python.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(out[1]);
    if (rc != 0) {
      ::close(out[0]);
      pid = -1;
      return false;
    }
    // `PORT <n>` within 20 s (python's start-up on a loaded machine).
    std::string line;
    auto deadline = clock_type::now() + std::chrono::seconds(20);
    while (line.find('\n') == std::string::npos && clock_type::now() < deadline) {
      pollfd p{out[0], POLLIN, 0};
      if (::poll(&p, 1, 200) <= 0) continue;
      char buf[128];
      ssize_t n = ::read(out[0], buf, sizeof buf);
      if (n <= 0) break;
      line.append(buf, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    if (std::sscanf(line.c_str(), "PORT %d", &port) != 1 || port <= 0) {
      stop();
      return false;
    }
    return true;
  }

  bool alive() const {
    if (pid <= 0) return false;
    int status = 0;
    return ::waitpid(pid, &status, WNOHANG) == 0;
  }

  void stop() {
    if (pid <= 0) return;
    ::kill(pid, SIGTERM);
    for (int i = 0; i < 50; ++i) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    pid = -1;
  }
  ~server() { stop(); }
};

/// One blocking HTTP/1.1 request to 127.0.0.1:port (5 s timeouts); status, or -1.
int http_request(int port, const char* method, const std::string& path, std::string* body_out = nullptr) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  std::string req = std::string(method) + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n" +
                    "Connection: close\r\n\r\n";
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return -1;
  }
  std::string resp;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    resp.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  int status = -1;
  if (std::sscanf(resp.c_str(), "HTTP/1.%*d %d", &status) != 1) return -1;
  if (body_out) {
    std::size_t at = resp.find("\r\n\r\n");
    *body_out = at == std::string::npos ? std::string() : resp.substr(at + 4);
  }
  return status;
}

/// A number from the flat /__stats object ("received.reset": 4); 0 when absent.
long stat_of(const std::string& json, const std::string& key) {
  std::string needle = "\"" + key + "\": ";
  std::size_t at = json.find(needle);
  if (at == std::string::npos) return 0;
  return std::strtol(json.c_str() + at + needle.size(), nullptr, 10);
}

std::string fetch_stats(int port) {
  std::string body;
  if (http_request(port, "GET", "/__stats?flat=1", &body) != 200) return {};
  return body;
}

/// A loopback port with nothing listening (bound, then closed).
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

long peak_rss_kib() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// ---- the workload -------------------------------------------------------------------------

/// Times every call on the span path. A call over the bound is told apart by the thread's
/// context switches during it: a voluntary one means it blocked (a lock, I/O: a failure); only
/// involuntary ones mean the scheduler preempted it (a loaded machine: reported, not failed,
/// unless it lasted a whole second).
struct meter {
  std::uint64_t max_ns = 0;
  std::uint64_t calls = 0;
  std::uint64_t blocked_over_bound = 0;    ///< >= bound and blocked, or >= 1 s
  std::uint64_t preempted_over_bound = 0;  ///< >= bound, preempted only
  template <class F> auto operator()(F&& f) {
    rusage u0{}, u1{};
    ::getrusage(RUSAGE_THREAD, &u0);
    auto t0 = clock_type::now();
    auto r = f();
    auto ns = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - t0).count());
    ::getrusage(RUSAGE_THREAD, &u1);
    if (ns > max_ns) max_ns = ns;
    if (ns >= kMaxWaitUs * 1000) {
      if (u1.ru_nvcsw != u0.ru_nvcsw || ns >= 1000000000ull) ++blocked_over_bound;
      else ++preempted_over_bound;
    }
    ++calls;
    return r;
  }
};

struct sent_counts {
  long transactions = 0;
  long errors = 0;
};

void send_transaction(meter& m, sent_counts& sent, const char* name) {
  sentry_trace::span_options root_opts;
  root_opts.name = name;
  root_opts.op = "task";
  root_opts.force_transaction = true;
  sentry_trace::span root = m([&] { return sentry_trace::start_span_manual(root_opts); });
  for (int c = 0; c < kChildren; ++c) {
    sentry_trace::span_options child_opts;
    child_opts.name = "fault.child";
    child_opts.op = "db.query";
    sentry_trace::span child = m([&] { return sentry_trace::start_span_manual(child_opts); });
    m([&] {
      child.end();
      return 0;
    });
  }
  m([&] {
    root.end();  // writes the envelope and hands it to the transport
    return 0;
  });
  ++sent.transactions;
}

void send_error(meter& m, sent_counts& sent) {
  if (m([] { return sentry_trace::capture_exception("fault_driver::error", "an error during a delivery fault"); }))
    ++sent.errors;
}

bool init_tracer(int port) {
  static char dsn[128];
  std::snprintf(dsn, sizeof dsn, "http://public@127.0.0.1:%d/1", port);
  sentry_trace::options o;
  o.dsn = dsn;
  o.traces_sample_rate = 1.0;
  o.delivery = sentry_trace::delivery_mode::worker;
  o.environment = "faults";
  o.release = "fault-driver@1";
  o.spotlight = "off";
  o.log.write = library_log;
  return sentry_trace::init(o);
}

// ---- one mode -------------------------------------------------------------------------------

struct result {
  std::string mode;
  long delivered_txn = 0, delivered_err = 0;
  long sent_txn = 0, sent_err = 0;
  std::string dropped;
  std::uint64_t longest_us = 0;
  double seconds = 0;
  std::vector<std::string> failures;
  std::vector<std::string> notes;
};

const char* const kReasons[] = {"sample_rate",   "buffer_overflow", "queue_overflow", "ratelimit_backoff", "network_error",
                                "send_error",    "invalid",         "no_parent_span", "internal_sdk_error"};
const char* const kCategories[] = {"transaction", "span", "error"};

enum class kind { accept, limit429, error500, network, slow, nothing };

result run_mode(const std::string& name, kind k) {
  result r;
  r.mode = name;
  auto started = clock_type::now();
  auto fail = [&](const std::string& why) { r.failures.push_back(why); };
  std::string dir = g_work + "/" + name;
  note("---- mode %s", name);

  server srv;
  int port = 0;
  if (k == kind::nothing) {
    port = free_port();
    if (port <= 0) {
      fail("no free port");
      return r;
    }
  } else {
    const char* server_mode = k == kind::accept     ? "accept"
                              : k == kind::limit429 ? "429"
                              : k == kind::error500 ? "500"
                              : k == kind::slow     ? "slow"
                                                    : (name == "reset" ? "reset" : "garbage");
    if (!srv.start(server_mode, 0, dir)) {
      fail("capture server did not start (" + g_python + " " + g_script + ")");
      return r;
    }
    port = srv.port;
  }
  if (!init_tracer(port)) {
    fail("init() failed");
    return r;
  }

  meter m;
  sent_counts sent;
  // ---- the fault ----
  for (int i = 0; i < kTransactions; ++i) send_transaction(m, sent, "fault.txn");
  for (int i = 0; i < kErrors; ++i) send_error(m, sent);

  auto fault_started = clock_type::now();
  switch (k) {
    case kind::accept:
    case kind::limit429:
    case kind::error500: {
      auto t0 = clock_type::now();
      if (!sentry_trace::flush(10000)) fail("flush(10000) during the fault did not finish");
      r.notes.push_back("fault flush " + std::to_string(static_cast<int>(seconds_since(t0) * 1000)) + " ms");
      break;
    }
    case kind::network:
    case kind::nothing: {
      // network_error comes after max_attempts (4) tries, 1 + 2 + 4 s apart: wait for it.
      while (sentry_trace::get_stats().discarded_total == 0 && seconds_since(fault_started) < 20) sentry_trace::flush(250);
      double t = seconds_since(fault_started);
      if (sentry_trace::get_stats().discarded_total == 0) fail("no network_error drop within 20 s");
      else if (t < 6.0) fail("dropped after " + std::to_string(t) + " s: sooner than the 1+2+4 s back-off allows");
      char b[64];
      std::snprintf(b, sizeof b, "first drop after %.1f s", t);
      r.notes.push_back(b);
      break;
    }
    case kind::slow: {
      // The first envelope is now held by the slow server: fill the queue behind it.
      while (stat_of(fetch_stats(port), "received.slow") < 1 && seconds_since(fault_started) < 10)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      int burst = 0;
      while (sentry_trace::get_stats().discarded_total == 0 && burst < 5000) {
        send_transaction(m, sent, "fault.burst");
        ++burst;
      }
      r.notes.push_back("queue full after " + std::to_string(burst) + " more transactions");
      auto t0 = clock_type::now();
      bool flushed = sentry_trace::flush(1500);
      double waited = seconds_since(t0);
      if (flushed) fail("flush(1500) returned true while the server was stalling");
      if (waited > 5.0) fail("flush(1500) took " + std::to_string(waited) + " s");
      break;
    }
  }
  const sentry_trace::stats at_fault_end = sentry_trace::get_stats();

  // ---- the fault ends ----
  if (k == kind::nothing) {
    if (!srv.start("accept", port, dir)) {
      fail("could not start a server on the empty port " + std::to_string(port));
      sentry_trace::shutdown(0);
      return r;
    }
  } else if (k != kind::accept) {
    if (http_request(port, "POST", "/__mode/accept") != 200) fail("POST /__mode/accept failed");
  }
  std::uint64_t drops_before_resume = at_fault_end.discarded_total;
  long probe_drops = 0;
  if (k == kind::slow) {
    // The client sees the end of this fault only when the request in flight times out (io
    // timeout, 5 s) and is retried; until then the queue stays full and would drop what is
    // sent. Wait for the backlog to drain first.
    auto t0 = clock_type::now();
    if (!sentry_trace::flush(20000)) fail("the backlog queued during the stall was not delivered within 20 s");
    char b[64];
    std::snprintf(b, sizeof b, "backlog drained %.1f s after the stall ended", seconds_since(t0));
    r.notes.push_back(b);
    drops_before_resume = sentry_trace::get_stats().discarded_total;
  }
  if (k == kind::limit429) {
    // The limit (2 s, from the last 429, which flush() waited for) still holds: a transaction
    // sent now is dropped; one sent after it is delivered.
    auto limit_from = clock_type::now();
    send_transaction(m, sent, "fault.probe");
    sentry_trace::flush(2000);
    const std::uint64_t probe_discards = sentry_trace::get_stats().discarded_total - at_fault_end.discarded_total;
    probe_drops = probe_discards == 0 ? 0 : 1;
    double probe_seconds = seconds_since(limit_from);
    if (probe_discards == 0 && probe_seconds < 1.5) fail("a transaction sent within the 2 s limit was not dropped");
    if (probe_discards != 0 && probe_discards != kChildren + 2)
      fail("the probe counted " + std::to_string(probe_discards) + " discards, not 1 transaction + 11 spans");
    r.notes.push_back(std::string("probe inside the limit ") + (probe_drops ? "dropped" : "delivered"));
    drops_before_resume = sentry_trace::get_stats().discarded_total;
    double wait = 2.3 - seconds_since(limit_from);
    if (wait > 0) std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int>(wait * 1000)));
  }
  auto resume_started = clock_type::now();
  for (int i = 0; i < kResume; ++i) send_transaction(m, sent, "resume.txn");
  send_error(m, sent);
  if (!sentry_trace::flush(20000)) fail("delivery did not resume: flush(20000) after the fault did not finish");
  double resume_seconds = seconds_since(resume_started);
  {
    char b[64];
    std::snprintf(b, sizeof b, "resumed in %.1f s", resume_seconds);
    r.notes.push_back(b);
  }
  const std::uint64_t drops_after_resume = sentry_trace::get_stats().discarded_total;
  if (drops_after_resume != drops_before_resume)
    fail("dropped " + std::to_string(drops_after_resume - drops_before_resume) + " after the fault ended");
  if (!sentry_trace::shutdown(5000)) fail("shutdown(5000) did not deliver everything");
  const sentry_trace::stats st = sentry_trace::get_stats();

  // ---- what the server saw ----
  std::string stats = fetch_stats(port);
  if (stats.empty()) fail("GET /__stats failed");
  if (!srv.alive()) fail("capture server died");
  r.sent_txn = sent.transactions;
  r.sent_err = sent.errors;
  r.delivered_txn = stat_of(stats, "delivered.transaction");
  r.delivered_err = stat_of(stats, "delivered.event");
  r.longest_us = m.max_ns / 1000;

  long dropped[9][3] = {};
  long reported = 0, reported_in_200 = 0;
  std::string text;
  for (int i = 0; i < 9; ++i) {
    for (int c = 0; c < 3; ++c) {
      dropped[i][c] = stat_of(stats, std::string("outcomes.") + kReasons[i] + "/" + kCategories[c]);
      reported += dropped[i][c];
      reported_in_200 += stat_of(stats, std::string("outcomes_delivered.") + kReasons[i] + "/" + kCategories[c]);
    }
    if (dropped[i][0] || dropped[i][1] || dropped[i][2]) {
      if (!text.empty()) text += "; ";
      text += std::string(kReasons[i]) + ": " + std::to_string(dropped[i][0]) + " txn/" + std::to_string(dropped[i][1]) +
              " span/" + std::to_string(dropped[i][2]) + " err";
    }
  }
  long answered429_txn = stat_of(stats, "items_by_status.429.transaction");
  long answered429_err = stat_of(stats, "items_by_status.429.event");
  if (answered429_txn || answered429_err)
    text += (text.empty() ? "" : "; ") + std::string("429 (not counted): ") + std::to_string(answered429_txn) + " txn/" +
            std::to_string(answered429_err) + " err";
  r.dropped = text.empty() ? "-" : text;

  long dropped_txn = 0, dropped_span = 0, dropped_err = 0;
  for (int i = 0; i < 9; ++i) {
    dropped_txn += dropped[i][0];
    dropped_span += dropped[i][1];
    dropped_err += dropped[i][2];
  }

  // Every call on the span path returned at once.
  if (m.blocked_over_bound)
    fail(std::to_string(m.blocked_over_bound) + " span/capture call(s) blocked for >= 50 ms (longest " +
         std::to_string(r.longest_us) + " us)");
  if (m.preempted_over_bound)
    r.notes.push_back(std::to_string(m.preempted_over_bound) + " call(s) over 50 ms, preempted by the scheduler (not blocked)");
  r.notes.push_back(std::to_string(m.calls) + " calls timed");
  // Nothing lost silently, nothing counted twice.
  if (r.sent_txn != r.delivered_txn + dropped_txn + answered429_txn)
    fail("transactions: sent " + std::to_string(r.sent_txn) + " != delivered " + std::to_string(r.delivered_txn) +
         " + dropped " + std::to_string(dropped_txn) + " + answered 429 " + std::to_string(answered429_txn));
  if (r.sent_err != r.delivered_err + dropped_err + answered429_err)
    fail("errors: sent " + std::to_string(r.sent_err) + " != delivered " + std::to_string(r.delivered_err) + " + dropped " +
         std::to_string(dropped_err) + " + answered 429 " + std::to_string(answered429_err));
  if (dropped_span != dropped_txn * (kChildren + 1))
    fail("spans dropped " + std::to_string(dropped_span) + " != 11 x transactions dropped " + std::to_string(dropped_txn));
  if (static_cast<std::uint64_t>(reported) != st.discarded_total)
    fail("client reports the server stored say " + std::to_string(reported) + " dropped, get_stats() says " +
         std::to_string(st.discarded_total));
  if (st.envelopes_sent == 0) fail("get_stats().envelopes_sent is 0");
  if (reported_in_200 != reported)
    r.notes.push_back(std::to_string(reported - reported_in_200) + " of " + std::to_string(reported) +
                      " outcomes came in client reports answered 429/500 (lost on a real server)");
  // The mode's reason, and no other.
  const char* expected = k == kind::limit429   ? "ratelimit_backoff"
                         : k == kind::error500 ? "send_error"
                         : k == kind::slow     ? "queue_overflow"
                         : k == kind::accept   ? nullptr
                                               : "network_error";
  for (int i = 0; i < 9; ++i) {
    long any = dropped[i][0] + dropped[i][1] + dropped[i][2];
    if (any && (!expected || std::strcmp(kReasons[i], expected) != 0))
      fail(std::string("unexpected drops with reason ") + kReasons[i]);
  }
  auto count_of = [&](const char* reason, int category) {
    for (int i = 0; i < 9; ++i)
      if (std::strcmp(kReasons[i], reason) == 0) return dropped[i][category];
    return 0L;
  };
  switch (k) {
    case kind::accept:
      if (r.delivered_txn != r.sent_txn || r.delivered_err != r.sent_err) fail("not everything was delivered");
      break;
    case kind::limit429:
      if (answered429_txn != 1) fail("expected exactly 1 transaction answered 429, got " + std::to_string(answered429_txn));
      // The first transaction got the 429; every later one of the fault (and the probe, when
      // it was dropped) met the limit.
      if (count_of("ratelimit_backoff", 0) != kTransactions - 1 + probe_drops)
        fail("expected " + std::to_string(kTransactions - 1 + probe_drops) + " ratelimit_backoff transactions");
      if (r.delivered_txn < kResume) fail("the transactions sent after the limit ended were not delivered");
      break;
    case kind::error500:
      if (count_of("send_error", 0) != kTransactions || count_of("send_error", 2) != kErrors)
        fail("expected send_error for every transaction and error sent during the fault");
      break;
    case kind::network:
    case kind::nothing:
      if (count_of("network_error", 0) < 1) fail("no transaction dropped as network_error");
      if (k == kind::network && stat_of(stats, "received." + name) < 4)
        fail("the server saw fewer than 4 attempts in mode " + name);
      break;
    case kind::slow:
      if (count_of("queue_overflow", 0) < 1) fail("no queue_overflow while the server stalled");
      if (stat_of(stats, "resent") < 1) fail("the envelope that timed out was not sent again");
      break;
  }
  if (r.delivered_txn < kResume) fail("fewer than M transactions delivered after the fault ended");
  r.seconds = seconds_since(started);
  return r;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s <capture_server.py> <work dir>\n", argv[0]);
    return 2;
  }
  ::signal(SIGPIPE, SIG_IGN);
  g_script = argv[1];
  g_work = argv[2];
  if (const char* py = std::getenv("SENTRY_TRACE_PYTHON"); py && *py) g_python = py;
  ::mkdir(g_work.c_str(), 0755);
  {
    std::string cmd = "rm -rf '" + g_work + "'/accept '" + g_work + "'/429 '" + g_work + "'/500 '" + g_work + "'/reset '" +
                      g_work + "'/slow '" + g_work + "'/garbage '" + g_work + "'/nothing";
    if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "note: could not clean %s\n", g_work.c_str());
  }
  std::string log_path = g_work + "/driver.log";
  g_log = std::fopen(log_path.c_str(), "w");
  auto started = clock_type::now();

  struct mode_entry {
    const char* name;
    kind k;
  };
  const mode_entry modes[] = {{"accept", kind::accept}, {"429", kind::limit429}, {"500", kind::error500},
                              {"reset", kind::network}, {"garbage", kind::network}, {"slow", kind::slow},
                              {"nothing", kind::nothing}};

  std::vector<result> results;
  long rss_base = 0;
  std::vector<long> rss;
  for (const mode_entry& e : modes) {
    results.push_back(run_mode(e.name, e.k));
    rss.push_back(peak_rss_kib());
    if (rss_base == 0) rss_base = rss.back();
  }
  // Memory stays bounded: after the first mode has touched the pools, the only pages left to
  // touch are the rest of the queue ring (SENTRY_TRACE_QUEUE_BYTES), filled by the slow mode.
  const long rss_limit = static_cast<long>(SENTRY_TRACE_QUEUE_BYTES / 1024) + 2048;
  const long rss_growth = rss.back() - rss_base;

  std::printf("%-8s | %-15s | %-66s | %-12s | %s\n", "mode", "delivered", "dropped by reason (from client reports)",
              "longest wait", "result");
  std::printf("%-8s | %-15s | %-66s | %-12s | %s\n", "", "txn/err", "", "(us)", "");
  int passed = 0, failed = 0;
  for (const result& r : results) {
    char delivered[48];
    std::snprintf(delivered, sizeof delivered, "%ld/%ld of %ld/%ld", r.delivered_txn, r.delivered_err, r.sent_txn, r.sent_err);
    std::printf("%-8s | %-15s | %-66s | %12llu | %s\n", r.mode.c_str(), delivered, r.dropped.c_str(),
                static_cast<unsigned long long>(r.longest_us), r.failures.empty() ? "PASS" : "FAIL");
    std::string notes;
    for (const std::string& n : r.notes) notes += (notes.empty() ? "" : ", ") + n;
    std::printf("         |   %.1f s; %s\n", r.seconds, notes.c_str());
    for (const std::string& f : r.failures) std::printf("         |   FAIL: %s\n", f.c_str());
    (r.failures.empty() ? passed : failed)++;
  }
  std::printf("peak RSS (KiB) after each mode:");
  for (long v : rss) std::printf(" %ld", v);
  std::printf("; growth after the first mode %ld KiB (limit %ld)\n", rss_growth, rss_limit);
  if (rss_growth > rss_limit) {
    std::printf("FAIL: memory grew by %ld KiB across modes\n", rss_growth);
    ++failed;
  } else {
    ++passed;
  }
  std::printf("total %.1f s; logs in %s\n", seconds_since(started), g_work.c_str());
  std::printf("%d passed, %d failed\n", passed, failed);
  if (g_log) std::fclose(g_log);
  return failed == 0 ? 0 : 1;
}
