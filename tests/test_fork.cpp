// Tests for fork() (tracer.hpp, "fork()"): the child of a traced process draws ids of its own,
// never sends what was in flight in the parent, and can trace, init() and shutdown() normally.
//
// Each case forks; the child does the work, never returns into doctest, and reports through its
// exit status: 0 when every check held, else the number of the first check that failed. Ids
// travel to the parent through a pipe, where they are compared. Waits for a child are bounded
// generously (a hung child is killed and the case fails), never timed.

#include "fixture.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <set>
#if SENTRY_TRACE_THREADS
#  include <atomic>
#  include <thread>
#endif
#include <string>
#include <vector>

#if SENTRY_TRACE_DETAIL_FORK_AWARE
#  include <arpa/inet.h>
#  include <netinet/in.h>
#  include <signal.h>
#  include <sys/socket.h>
#  include <sys/wait.h>
#  include <unistd.h>
#endif

namespace {

namespace st = sentry_trace;
using test_support::harness;

#if SENTRY_TRACE_DETAIL_FORK_AWARE

/// The child's verdict: the number of the first failed check, 0 when all held.
struct child_checks {
  int failed = 0;
  void check(bool ok, int id) {
    if (!ok && failed == 0) failed = id;
  }
};

/// Waits for `pid` for up to `seconds`; its exit status, or -1 when it hung (it is killed) or
/// died of a signal.
int wait_child(pid_t pid, int seconds = 60) {
  for (int i = 0; i < seconds * 100; ++i) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    ::usleep(10000);
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return -1;
}

bool write_all(int fd, const void* p, std::size_t n) {
  const auto* c = static_cast<const char*>(p);
  while (n) {
    ssize_t w = ::write(fd, c, n);
    if (w <= 0) return false;
    c += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}
bool read_all(int fd, void* p, std::size_t n) {
  auto* c = static_cast<char*>(p);
  while (n) {
    ssize_t r = ::read(fd, c, n);
    if (r <= 0) return false;
    c += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

/// What a process draws next: span ids, trace ids and sample_rand values.
constexpr int draws = 64;
struct drawn {
  std::uint64_t values[draws * 4];
};
drawn draw_ids() {
  drawn d{};
  for (int i = 0; i < draws; ++i) {
    d.values[4 * i] = st::detail::new_span_id().value;
    const st::trace_id t = st::detail::new_trace_id();
    d.values[4 * i + 1] = t.hi;
    d.values[4 * i + 2] = t.lo;
    d.values[4 * i + 3] = st::detail::new_sample_rand();
  }
  return d;
}

/// Forks a child that draws ids and sends them back.
bool ids_of_a_child(drawn& out) {
  int fds[2];
  if (::pipe(fds) != 0) return false;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    const drawn d = draw_ids();
    ::_exit(write_all(fds[1], &d, sizeof d) ? 0 : 1);
  }
  ::close(fds[1]);
  const bool got = pid > 0 && read_all(fds[0], &out, sizeof out);
  ::close(fds[0]);
  return got && pid > 0 && wait_child(pid) == 0;
}

#  if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT && !defined(__SANITIZE_THREAD__)
/// A local port with nothing listening: connections to it are refused at once.
std::uint16_t dead_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}
#  endif

#endif // SENTRY_TRACE_DETAIL_FORK_AWARE

} // namespace

TEST_SUITE("fork") {

#if SENTRY_TRACE_DETAIL_FORK_AWARE

TEST_CASE("a fork's child draws ids and sample_rand of its own, and so does each of its siblings") {
  harness h;
  REQUIRE(h.init());
  st::detail::new_span_id();  // the parent has a block of its keystream buffered, half used
  drawn first{}, second{};
  REQUIRE(ids_of_a_child(first));
  REQUIRE(ids_of_a_child(second));
  const drawn parent = draw_ids();  // what the parent drew after the forks: a child's copy would repeat it
  std::set<std::uint64_t> seen;
  std::size_t total = 0;
  for (const drawn* d : {static_cast<const drawn*>(&first), static_cast<const drawn*>(&second), &parent})
    for (int i = 0; i < draws * 4; ++i)
      if (i % 4 != 3) {  // ids: 64 bits each, so any repeat is a copied stream
        seen.insert(d->values[i]);
        ++total;
      }
  CHECK(seen.size() == total);
  int same_rand = 0;  // sample_rand has a million values: equal in a few places by chance, not in all
  for (int i = 0; i < draws; ++i) same_rand += first.values[4 * i + 3] == parent.values[4 * i + 3] ? 1 : 0;
  CHECK(same_rand < draws / 2);
}

TEST_CASE("a transaction in flight at fork is the parent's: the child neither sends nor counts it, and traces on") {
  harness h;
  REQUIRE(h.init());
  st::span root = st::start_span_manual({"parent-root", "task"});
  st::span child = st::start_span_manual({"parent-child", "task"});
  st::detail::g_outcomes.record(st::discard_reason::sample_rate, st::data_category::span);  // the parent's to report
  const st::trace_id parent_trace = root.trace();
#  if SENTRY_TRACE_THREADS
  // Another thread holds a stack of active spans across the fork.
  std::atomic<int> stage{0};
  std::thread other([&] {
    st::scoped_span busy({"other thread", "task"});
    stage.store(1);
    while (stage.load() != 2) std::this_thread::yield();
  });
  while (stage.load() != 1) std::this_thread::yield();
#  endif
  const pid_t pid = ::fork();
  if (pid == 0) {
    child_checks c;
    c.check(!st::detail::g_outcomes.any_pending(), 1);
    int taken = 0;  // only this thread's stack is held in the child: the other thread is not here
    for (const auto& scope : st::detail::g_scopes) taken += scope.taken.load() != 0 ? 1 : 0;
    c.check(taken <= 1, 10);
    child.end();
    root.end();
    c.check(h.transport.sent.empty(), 2);  // the parent sends it
    {
      st::scoped_span s({"child-root", "task"});  // no init(): tracing goes on in the child
      c.check(s->is_recording(), 3);
      c.check(s->trace() != parent_trace, 4);
      st::scoped_span inner({"child-inner", "task"});
    }
    const auto txns = h.transport.transactions();
    c.check(txns.size() == 1, 5);
    if (txns.size() == 1) {
      const test_support::json& body = txns[0].items[0].body;
      c.check(body["transaction"].str == "child-root", 6);
      c.check(body["spans"].size() == 1, 7);
    }
    c.check(st::shutdown(200), 8);
    c.check(h.transport.discarded("sample_rate", "span") == 0, 9);
    ::_exit(c.failed);
  }
#  if SENTRY_TRACE_THREADS
  stage.store(2);
  other.join();
#  endif
  REQUIRE(pid > 0);
  CHECK(wait_child(pid) == 0);
  child.end();
  root.end();
  const auto txns = h.transport.transactions();
  bool parent_root_sent = false;  // beside the other thread's transaction
  for (const auto& tx : txns)
    if (tx.items[0].body["transaction"].str == "parent-root") {
      parent_root_sent = true;
      CHECK(tx.items[0].body["spans"].size() == 1);
    }
  CHECK(parent_root_sent);
}

#  if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT && !defined(__SANITIZE_THREAD__)
// (ThreadSanitizer ends a child that starts a thread after a multi-threaded fork.)
TEST_CASE("shutdown() in a fork's child returns: the built-in transport forgets the parent's worker and queue") {
  test_support::clean_sentry_env env;
  test_support::log_capture log;
  const std::string dsn = "http://public@127.0.0.1:" + std::to_string(dead_port()) + "/42";
  st::options o;
  o.dsn = dsn;
  o.traces_sample_rate = 1.0;
  o.log = log.hook();
  REQUIRE(st::init(o));
  REQUIRE(st::detail::g_builtin.main != nullptr);
  REQUIRE(st::detail::g_builtin.main->has_worker());
  { st::scoped_span s({"parent-root", "task"}); }
  REQUIRE(st::detail::g_handoff.drain(10000));  // written by the handoff's worker into the queue
  // Refused, then retried after a second: queued in the parent while the child runs.
  REQUIRE(st::detail::g_builtin.main->queued() >= 1);
  const pid_t pid = ::fork();
  if (pid == 0) {
    child_checks c;
    st::http_transport& t = *st::detail::g_builtin.main;
    c.check(t.queued() == 0, 1);  // the parent's envelope is the parent's to send
    c.check(!t.has_worker(), 2);
    { st::scoped_span s({"child-root", "task"}); }
    c.check(st::detail::g_handoff.drain(10000), 6);  // the child's own handoff worker wrote it
    c.check(t.has_worker(), 3);  // the child's first envelope started its own worker
    st::shutdown(200);           // undeliverable (nothing listens): false, but it returns
    c.check(!st::is_enabled(), 4);
    c.check(st::init(o), 5);     // and the child can start over
    { st::scoped_span s({"child-again", "task"}); }
    st::shutdown(200);
    ::_exit(c.failed);
  }
  REQUIRE(pid > 0);
  CHECK(wait_child(pid) == 0);
  CHECK(st::detail::g_builtin.main->has_worker());  // the parent's worker is untouched
  st::shutdown(0);
  st::detail::g_tracer.log = st::log_hook{};
}

// init() returns once its threads run (delivery/worker_thread.hpp): a thread still starting
// allocates, and a fork then copies an allocator lock no thread of the child will release.
// Allocators without fork handlers (the AddressSanitizer runtimes of GCC 12 and Clang 14) hung
// the child here at its first thread, in some of the rounds.
TEST_CASE("fork() right after init(): the child starts threads of its own and shuts down") {
  test_support::clean_sentry_env env;
  const std::string dsn = "http://public@127.0.0.1:" + std::to_string(dead_port()) + "/42";
  st::options o;
  o.dsn = dsn;
  o.traces_sample_rate = 1.0;
  for (int round = 0; round < 12; ++round) {
    REQUIRE(st::init(o));  // the transport's worker and the handoff's
    const pid_t pid = ::fork();
    if (pid == 0) {
      child_checks c;
      { st::scoped_span s({"child-root", "task"}); }  // starts the child's handoff worker
      c.check(st::detail::g_handoff.drain(10000), 1);  // which starts the transport's
      st::shutdown(100);
      ::_exit(c.failed);
    }
    REQUIRE(pid > 0);
    const int status = wait_child(pid, 20);
    CHECK_MESSAGE(status == 0, "round " << round);
    st::shutdown(0);
    if (status != 0) break;
  }
}
#  endif

#else
TEST_CASE("this build has no fork() handlers (not hosted POSIX, or single-threaded)") {
  CHECK(SENTRY_TRACE_DETAIL_FORK_AWARE == 0);
}
#endif // SENTRY_TRACE_DETAIL_FORK_AWARE

} // TEST_SUITE
