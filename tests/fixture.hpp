// tests/fixture.hpp -- per-test-case setup for suites that run the global tracer
//
// sentry_trace has one global tracer, and every test case runs in the same process, so each test
// case starts from init() and ends with shutdown(). `harness` does both around a capturing
// transport, a log capture, a manual clock and a fixed wall clock (`traced` is the same with the
// library's own clocks, for tests that time nothing); `env_guard` sets or unsets an
// environment variable for one scope; `clean_sentry_env` hides every SENTRY_* variable the
// library reads, so a developer's own SENTRY_DSN cannot change a test's outcome.
#ifndef SENTRY_TRACE_TESTS_FIXTURE_HPP
#define SENTRY_TRACE_TESTS_FIXTURE_HPP

#include "support.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

namespace test_support {

/// Sets (value != nullptr) or unsets (nullptr) an environment variable, restoring it on exit.
class env_guard {
 public:
  env_guard(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) {
      had_ = true;
      old_ = old;
    }
    if (value) ::setenv(name, value, 1);
    else ::unsetenv(name);
  }
  ~env_guard() {
    if (had_) ::setenv(name_.c_str(), old_.c_str(), 1);
    else ::unsetenv(name_.c_str());
  }
  env_guard(const env_guard&) = delete;
  env_guard& operator=(const env_guard&) = delete;

 private:
  std::string name_;
  std::string old_;
  bool had_ = false;
};

/// Every environment variable init() reads, unset for the scope.
struct clean_sentry_env {
  env_guard dsn{"SENTRY_DSN", nullptr};
  env_guard release{"SENTRY_RELEASE", nullptr};
  env_guard environment{"SENTRY_ENVIRONMENT", nullptr};
  env_guard rate{"SENTRY_TRACES_SAMPLE_RATE", nullptr};
  env_guard debug{"SENTRY_DEBUG", nullptr};
};

/// A wall clock (microseconds since the epoch) the test sets by hand.
struct fixed_wall_clock {
  std::int64_t now_us = 1767261600000000;  // 2026-01-01T10:00:00.000000Z
  static std::int64_t read(void* self) { return static_cast<fixed_wall_clock*>(self)->now_us; }
  st::wall_clock_hook hook() { return st::wall_clock_hook{&fixed_wall_clock::read, this}; }
};

/// Runs init() on construction (ok() tells whether it succeeded) and shutdown() on destruction.
/// Only for tests that bring their own transport and hooks.
class session {
 public:
  explicit session(const st::options& o) : ok_(st::init(o)) {}
  ~session() { st::shutdown(0); }
  session(const session&) = delete;
  session& operator=(const session&) = delete;
  bool ok() const { return ok_; }

 private:
  bool ok_;
};

/// The usual test setup: a clean environment, default_options() on a capture_transport, the log
/// captured, a manual monotonic clock and a fixed wall clock. Call init() (after adjusting
/// `opts`); the destructor shuts down, so the final client report (if any) still reaches
/// `transport`. A transport of the test's own given through `opts.transport` must be declared
/// before the harness, so that it is still alive when that shutdown flushes it.
struct harness {
  clean_sentry_env env;
  capture_transport transport;
  log_capture log;
  manual_clock clock;
  fixed_wall_clock wall;
  st::options opts = default_options(&transport);

  harness() {
    opts.log = log.hook();
    opts.clock = clock.hook();
    opts.wall_clock = wall.hook();
  }
  ~harness() {
    st::shutdown(0);
    // The tracer keeps the hooks after shutdown; do not leave it pointing at this object.
    st::detail::g_tracer.log = st::log_hook{};
    st::detail::g_tracer.sink = nullptr;
  }
  harness(const harness&) = delete;
  harness& operator=(const harness&) = delete;

  bool init() { return st::init(opts); }
  /// Moves the manual clock on by `us` microseconds.
  void advance_us(std::uint64_t us) { clock.now += us * 1000; }
  /// Number of transaction envelopes sent so far.
  std::size_t transactions_sent() const {
    std::size_t n = 0;
    for (std::size_t i = 0; i < transport.sent.size(); ++i)
      if (!transport.client_report[i]) ++n;
    return n;
  }
};

/// Inits tracing with default_options (tweaked by the caller) and shuts it down on scope exit.
struct traced {
  capture_transport cap;
  log_capture logs;
  st::options opts;

  traced() : traced([](st::options&) {}) {}
  template <class Tweak> explicit traced(Tweak tweak) : opts(default_options(&cap)) {
    opts.log = logs.hook();
    tweak(opts);
    REQUIRE(st::init(opts));
  }
  ~traced() { st::shutdown(0); }
  traced(const traced&) = delete;
  traced& operator=(const traced&) = delete;

  /// The transaction payloads received so far, in order.
  std::vector<json> transactions() const { return cap.transaction_payloads(); }
  /// Sends pending outcomes (flush), then sums the client reports for (reason, category).
  std::uint64_t discarded(const std::string& reason, const std::string& category) {
    st::flush(0);
    return cap.discarded(reason, category);
  }
  /// Every span outcome, all reasons together.
  std::uint64_t discarded_spans() {
    st::flush(0);
    return cap.discarded_spans();
  }
};

} // namespace test_support

#endif // SENTRY_TRACE_TESTS_FIXTURE_HPP
