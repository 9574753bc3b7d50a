// Tests for the options of sentry_trace/tracer.hpp: defaults, environment variables (PROTOCOL.md
// §14), validation, re-initialization, and the API while tracing is off.

#include "fixture.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace {

namespace st = sentry_trace;
using test_support::capture_transport;
using test_support::env_guard;
using test_support::harness;
using test_support::json;

/// Ends one transaction and returns its envelope.
test_support::envelope one_transaction(harness& h, const char* name = "GET /options") {
  { st::scoped_span root({name, "http.server"}); }
  auto txns = h.transport.transactions();
  REQUIRE_FALSE(txns.empty());
  return txns.back();
}

/// Every public call, made while tracing is off: each must be a no-op that sends nothing.
void exercise_api_while_off() {
  int ran = 0;
  int result = st::start_span({"callback", "task"}, [&ran](st::span& s) {
    ++ran;
    CHECK_FALSE(s.is_active());
    CHECK_FALSE(s.is_recording());
    s.set_attribute("k", 1);
    s.set_status(st::span_status::aborted);
    return 42;
  });
  CHECK(ran == 1);
  CHECK(result == 42);
  st::start_span({"void callback", "task"}, [&ran](st::span&) { ++ran; });
  CHECK(ran == 2);
  {
    st::scoped_span scoped({"scoped", "task"});
    CHECK_FALSE(scoped->is_active());
    scoped->set_name("renamed");
    scoped->set_http_status(500);
    st::set_measurement("m", 1.0, "second");
    CHECK_FALSE(st::active_span().is_valid());
  }
  st::span manual = st::start_span_manual({"manual", "task"});
  CHECK_FALSE(manual.is_active());
  manual.end();
  st::span inactive = st::start_inactive_span({"inactive", "task"});
  CHECK_FALSE(inactive.is_active());
  inactive.end();
  st::set_measurement("m", 2.0);
  CHECK(st::flush(0));
  CHECK(st::shutdown(0));
  CHECK_FALSE(st::is_enabled());
}

} // namespace

TEST_SUITE("options") {

TEST_CASE("calls before any init are no-ops: start_span runs the callback, flush and shutdown return true") {
  // This is the first test case of the file, so in a run of this suite alone (as ctest runs it)
  // the tracer has never been initialized; in a full run it is at least shut down.
  capture_transport transport;
  CHECK_FALSE(st::is_enabled());
  exercise_api_while_off();
  CHECK(transport.sent.empty());
  // The fixture's init/shutdown pair: the API works afterwards.
  harness h;
  REQUIRE(h.init());
  CHECK(st::is_enabled());
}

TEST_CASE("calls after shutdown are no-ops that send nothing") {
  harness h;
  REQUIRE(h.init());
  st::span open = st::start_span_manual({"open at shutdown", "task"});
  CHECK(open.is_recording());
  REQUIRE(st::shutdown(0));
  CHECK_FALSE(st::is_enabled());
  const std::size_t after_shutdown = h.transport.sent.size();
  open.end();  // a span of the finished run: nothing happens
  exercise_api_while_off();
  CHECK(h.transport.sent.size() == after_shutdown);
  CHECK(h.transport.transactions().empty());
  // The span that was open at shutdown was counted as invalid in the final report.
  CHECK(h.transport.discarded("invalid", "transaction") == 1);
}

TEST_CASE("options default to their documented values and init uses production as the environment") {
  st::options o;
  CHECK(o.dsn.empty());
  CHECK(o.release.empty());
  CHECK(o.environment.empty());
  CHECK(o.traces_sample_rate == st::options::unset);
  CHECK_FALSE(static_cast<bool>(o.traces_sampler));
  CHECK(o.max_spans == SENTRY_TRACE_MAX_SPANS);
  CHECK_FALSE(o.debug);
  CHECK(o.transport == nullptr);
  CHECK(o.storage == nullptr);
  CHECK(o.send_client_reports);
  harness h;
  h.opts.environment = "";
  h.opts.release = "";
  REQUIRE(h.init());
  test_support::envelope e = one_transaction(h);
  CHECK(e.items[0].body["environment"].str == "production");
  CHECK(e.header["trace"]["environment"].str == "production");
  CHECK_FALSE(e.items[0].body.has("release"));
}

TEST_CASE("SENTRY_DSN is used when the option is empty and ignored when it is set") {
  harness h;
  env_guard dsn("SENTRY_DSN", "https://envkey@o7.ingest.sentry.io/9");
  h.opts.dsn = "";
  REQUIRE(h.init());
  test_support::envelope e = one_transaction(h);
  CHECK(e.header["trace"]["public_key"].str == "envkey");
  CHECK(e.header["trace"]["org_id"].str == "7");
  h.opts.dsn = "https://codekey@o8.ingest.sentry.io/10";
  REQUIRE(h.init());
  e = one_transaction(h);
  CHECK(e.header["trace"]["public_key"].str == "codekey");
  CHECK(e.header["trace"]["org_id"].str == "8");
}

TEST_CASE("a malformed SENTRY_DSN is ignored with a warning naming it and its value; init goes on") {
  harness h;
  env_guard dsn("SENTRY_DSN", "not a dsn");
  h.opts.dsn = "";
  h.transport.save_for_interop_checks = false;  // no DSN: no DSC, which the interop check requires
  REQUIRE(h.init());
  CHECK(st::is_enabled());
  CHECK(h.log.contains("init: ignoring SENTRY_DSN=\"not a dsn\""));
  test_support::envelope e = one_transaction(h);
  CHECK_FALSE(e.header.has("trace"));  // no DSN: no DSC
}

TEST_CASE("a malformed DSN option still makes init fail") {
  harness h;
  h.opts.dsn = "not a dsn";
  CHECK_FALSE(h.init());
  CHECK(h.log.contains("malformed DSN"));
  CHECK_FALSE(st::is_enabled());
}

TEST_CASE("environment values are trimmed: a SENTRY_DSN with a trailing newline works") {
  harness h;
  env_guard dsn("SENTRY_DSN", "  https://envkey@o7.ingest.sentry.io/9\n");
  env_guard release("SENTRY_RELEASE", "\tenv-release@2.0 \r\n");
  env_guard environment("SENTRY_ENVIRONMENT", " staging\n");
  env_guard rate("SENTRY_TRACES_SAMPLE_RATE", " 1\n");
  h.opts.dsn = "";
  h.opts.release = "";
  h.opts.environment = "";
  h.opts.traces_sample_rate = st::options::unset;
  REQUIRE(h.init());
  CHECK_FALSE(h.log.contains("ignoring"));
  test_support::envelope e = one_transaction(h);
  CHECK(e.header["trace"]["public_key"].str == "envkey");
  CHECK(e.items[0].body["release"].str == "env-release@2.0");
  CHECK(e.items[0].body["environment"].str == "staging");
}

TEST_CASE("one invalid environment variable is ignored; the others still apply") {
  harness h;
  const std::string release_300(300, 'r');
  env_guard dsn("SENTRY_DSN", "https://envkey@o7.ingest.sentry.io/9");
  env_guard release("SENTRY_RELEASE", release_300.c_str());
  env_guard rate("SENTRY_TRACES_SAMPLE_RATE", "1");
  env_guard lifecycle("SENTRY_TRACE_LIFECYCLE", "streaming");
  h.opts.dsn = "";
  h.opts.release = "";
  h.opts.traces_sample_rate = st::options::unset;
  REQUIRE(h.init());
  CHECK(h.log.contains("init: ignoring SENTRY_RELEASE=\"" + std::string(96, 'r') + "...\": longer than 200 bytes"));
  CHECK(h.log.contains("init: ignoring SENTRY_TRACE_LIFECYCLE=\"streaming\""));
  test_support::envelope e = one_transaction(h);  // the rate and the DSN from the environment
  CHECK(e.header["trace"]["public_key"].str == "envkey");
  CHECK_FALSE(e.items[0].body.has("release"));
}

TEST_CASE("SENTRY_RELEASE is used when the option is empty and ignored when it is set") {
  harness h;
  env_guard release("SENTRY_RELEASE", "env-release@2.0");
  h.opts.release = "";
  REQUIRE(h.init());
  test_support::envelope e = one_transaction(h);
  CHECK(e.items[0].body["release"].str == "env-release@2.0");
  CHECK(e.header["trace"]["release"].str == "env-release@2.0");
  h.opts.release = "code-release@3.0";
  REQUIRE(h.init());
  e = one_transaction(h);
  CHECK(e.items[0].body["release"].str == "code-release@3.0");
}

TEST_CASE("SENTRY_ENVIRONMENT is used when the option is empty and ignored when it is set") {
  harness h;
  env_guard environment("SENTRY_ENVIRONMENT", "staging");
  h.opts.environment = "";
  REQUIRE(h.init());
  test_support::envelope e = one_transaction(h);
  CHECK(e.items[0].body["environment"].str == "staging");
  h.opts.environment = "canary";
  REQUIRE(h.init());
  e = one_transaction(h);
  CHECK(e.items[0].body["environment"].str == "canary");
  CHECK(e.header["trace"]["environment"].str == "canary");
}

TEST_CASE("SENTRY_DEBUG turns debug lines on when the option is false, and cannot turn a true option off") {
  {
    harness h;
    REQUIRE(h.init());
    CHECK_FALSE(h.log.contains("init: tracing on"));  // a debug line: off by default
  }
  const char* on_values[] = {"1", "true", "yes", "on"};
  for (const char* value : on_values) {
    CAPTURE(value);
    harness h;
    env_guard debug("SENTRY_DEBUG", value);
    REQUIRE(h.init());
    CHECK(h.log.contains("init: tracing on"));
  }
  {
    harness h;
    env_guard debug("SENTRY_DEBUG", "0");
    REQUIRE(h.init());
    CHECK_FALSE(h.log.contains("init: tracing on"));
  }
  {
    harness h;
    env_guard debug("SENTRY_DEBUG", "0");
    h.opts.debug = true;
    REQUIRE(h.init());
    CHECK(h.log.contains("init: tracing on"));
  }
}

TEST_CASE("a release longer than 200 bytes makes init fail with a log line; 200 bytes is fine") {
  harness h;
  const std::string release_200(200, 'r');
  h.opts.release = release_200;
  REQUIRE(h.init());
  CHECK(one_transaction(h).items[0].body["release"].str == release_200);
  const std::string release_201(201, 'r');
  h.opts.release = release_201;
  CHECK_FALSE(h.init());
  CHECK_FALSE(st::is_enabled());
  CHECK(h.log.contains("release is longer than 200 bytes"));
}

TEST_CASE("an over-long SENTRY_RELEASE or SENTRY_ENVIRONMENT is ignored with a warning; tracing stays on") {
  harness h;
  const std::string release_300(300, 'r');
  const std::string env_70(70, 'e');
  env_guard release("SENTRY_RELEASE", release_300.c_str());
  env_guard environment("SENTRY_ENVIRONMENT", env_70.c_str());
  h.opts.release = "";
  h.opts.environment = "";
  REQUIRE(h.init());
  CHECK(st::is_enabled());
  CHECK(h.log.contains("init: ignoring SENTRY_RELEASE="));
  CHECK(h.log.contains("init: ignoring SENTRY_ENVIRONMENT=\"" + env_70 + "\": longer than 64 bytes"));
  test_support::envelope e = one_transaction(h);
  CHECK_FALSE(e.items[0].body.has("release"));
  CHECK(e.items[0].body["environment"].str == "production");
}

TEST_CASE("an environment longer than 64 bytes makes init fail with a log line; 64 bytes is fine") {
  harness h;
  const std::string env_64(64, 'e');
  h.opts.environment = env_64;
  REQUIRE(h.init());
  CHECK(one_transaction(h).items[0].body["environment"].str == env_64);
  const std::string env_65(65, 'e');
  h.opts.environment = env_65;
  CHECK_FALSE(h.init());
  CHECK_FALSE(st::is_enabled());
  CHECK(h.log.contains("environment is longer than 64 bytes"));
}

TEST_CASE("a server_name longer than 255 bytes makes init fail") {
  harness h;
  const std::string name(256, 's');
  h.opts.server_name = name;
  CHECK_FALSE(h.init());
  CHECK(h.log.contains("server_name"));
}

TEST_CASE("traces_sample_rate outside [0, 1] or NaN makes init fail; 0 and 1 are fine") {
  const double bad[] = {1.5, -0.5, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                        -std::numeric_limits<double>::infinity(), 1.0000001, -0.0000001};
  for (double rate : bad) {
    CAPTURE(rate);
    harness h;
    h.opts.traces_sample_rate = rate;
    CHECK_FALSE(h.init());
    CHECK_FALSE(st::is_enabled());
    CHECK(h.log.contains("traces_sample_rate must be a number from 0 to 1"));
  }
  const double good[] = {0.0, 1.0, 0.5};
  for (double rate : good) {
    harness h;
    h.opts.traces_sample_rate = rate;
    CHECK(h.init());
  }
}

TEST_CASE("max_spans above SENTRY_TRACE_MAX_SPANS is capped with a warning") {
  harness h;
  h.opts.max_spans = SENTRY_TRACE_MAX_SPANS + 5;
  REQUIRE(h.init());
  CHECK(h.log.contains("max_spans is capped"));
  {
    st::scoped_span root({"many spans", "task"});
    for (int i = 0; i < SENTRY_TRACE_MAX_SPANS + 3; ++i) {
      st::span child = st::start_inactive_span({"child", "task"});
      child.end();
    }
  }
  auto txns = h.transport.transactions();
  REQUIRE(txns.size() == 1);
  CHECK(txns[0].items[0].body["spans"].size() == static_cast<std::size_t>(SENTRY_TRACE_MAX_SPANS));
  REQUIRE(st::flush(0));
  CHECK(h.transport.discarded("buffer_overflow", "span") == 3);
}

TEST_CASE("max_spans below the cap limits the child spans of each transaction") {
  harness h;
  h.opts.max_spans = 2;
  REQUIRE(h.init());
  CHECK_FALSE(h.log.contains("max_spans is capped"));
  {
    st::scoped_span root({"few spans", "task"});
    for (int i = 0; i < 5; ++i) st::scoped_span child({"child", "task"});
  }
  auto txns = h.transport.transactions();
  REQUIRE(txns.size() == 1);
  CHECK(txns[0].items[0].body["spans"].size() == 2);
  REQUIRE(st::flush(0));
  CHECK(h.transport.discarded("buffer_overflow", "span") == 3);
}

TEST_CASE("init twice re-initializes cleanly: a span of the first run ended after the second init sends nothing") {
  capture_transport second_transport;  // declared first: outlives `first`, whose destructor shuts down
  harness first;
  REQUIRE(first.init());
  st::span old_root = st::start_span_manual({"first run", "task"});
  st::span old_child = st::start_inactive_span({"first run child", "task"});
  REQUIRE(old_root.is_recording());
  REQUIRE(old_child.is_recording());
  const st::span_ref stale_parent = old_root.ref();

  st::options o = test_support::default_options(&second_transport);
  o.log = first.log.hook();
  o.release = "second@2.0";
  REQUIRE(st::init(o));
  CHECK(st::is_enabled());
  // The first run was shut down: its open transaction was counted and reported to its transport.
  CHECK(first.transport.transactions().empty());
  CHECK(first.transport.discarded("invalid", "transaction") == 1);
  CHECK(first.transport.discarded("invalid", "span") == 2);

  old_child.end();
  old_root.end();
  CHECK_FALSE(old_root.is_active());
  {
    st::scoped_span stray({"child of nothing", "task", stale_parent});  // explicit parent from the first run
    CHECK_FALSE(stray->is_recording());  // dropped (counted), and spans under it with it
  }
  CHECK(first.transport.transactions().empty());
  CHECK(second_transport.sent.empty());  // nothing from the first run reaches the second

  // The second run works, with the new options.
  {
    st::scoped_span root({"second run", "task"});
    CHECK(root->is_recording());
    st::scoped_span child({"second run child", "task"});
  }
  auto txns = second_transport.transactions();
  REQUIRE(txns.size() == 1);
  CHECK(txns[0].items[0].body["transaction"].str == "second run");
  CHECK(txns[0].items[0].body["release"].str == "second@2.0");
  CHECK(txns[0].items[0].body["spans"].size() == 1);
  CHECK(txns[0].items[0].body["spans"][0]["description"].str == "second run child");
  REQUIRE(st::shutdown(0));
  // The stale explicit parent was counted in the second run.
  CHECK(second_transport.discarded("no_parent_span", "span") == 1);
}

TEST_CASE("is_enabled reflects init, a failed init, and shutdown") {
  harness h;
  CHECK_FALSE(st::is_enabled());
  REQUIRE(h.init());
  CHECK(st::is_enabled());
  REQUIRE(st::shutdown(0));
  CHECK_FALSE(st::is_enabled());
  REQUIRE(h.init());
  CHECK(st::is_enabled());
  h.opts.traces_sample_rate = 2.0;
  CHECK_FALSE(h.init());
  CHECK_FALSE(st::is_enabled());
  h.opts.traces_sample_rate = 1.0;
  REQUIRE(h.init());
  CHECK(st::is_enabled());
}

TEST_CASE("without a transport, init warns and finished transactions are discarded") {
  harness h;
  h.opts.transport = nullptr;
  h.opts.dsn = "";  // an https DSN would get the built-in transport's "cannot send" sink instead
  REQUIRE(h.init());
  CHECK(h.log.contains("no transport"));
  { st::scoped_span root({"nowhere", "task"}); }
  CHECK(h.transport.sent.empty());
  CHECK(st::flush(0));
}

TEST_CASE("a lock hook with only one of lock and unlock makes init fail") {
  harness h;
  h.opts.lock.lock = [](void*) {};
  CHECK_FALSE(h.init());
  CHECK(h.log.contains("lock"));
}

TEST_CASE("a failing entropy hook makes init fail") {
  harness h;
  h.opts.entropy.fill = [](void*, std::size_t, void*) { return false; };
  CHECK_FALSE(h.init());
  CHECK(h.log.contains("entropy"));
  CHECK_FALSE(st::is_enabled());
}

TEST_CASE("user lock, entropy and clock hooks are used") {
  struct counters {
    int locks = 0, unlocks = 0, fills = 0;
  } c;
  harness h;
  h.opts.lock = st::lock_hook{[](void* u) { ++static_cast<counters*>(u)->locks; },
                              [](void* u) { ++static_cast<counters*>(u)->unlocks; }, &c};
  h.opts.entropy = st::entropy_hook{[](void* bytes, std::size_t n, void* u) {
                                      ++static_cast<counters*>(u)->fills;
                                      for (std::size_t i = 0; i < n; ++i) static_cast<unsigned char*>(bytes)[i] = 0x5a;
                                      return true;
                                    },
                                    &c};
  REQUIRE(h.init());
  CHECK(c.fills == 1);
  { st::scoped_span root({"hooks", "task"}); }
  CHECK(c.locks >= 1);
  CHECK(c.locks == c.unlocks);
  CHECK(h.transport.transactions().size() == 1);
}

} // TEST_SUITE

TEST_CASE("send_default_pii is off by default, follows the running init(), and is off after shutdown()") {
  CHECK_FALSE(st::options{}.send_default_pii);
  {
    harness h;
    REQUIRE(h.init());
    CHECK_FALSE(st::should_send_default_pii());
  }
  {
    harness h;
    h.opts.send_default_pii = true;
    REQUIRE(h.init());
    CHECK(st::should_send_default_pii());
  }
  CHECK_FALSE(st::should_send_default_pii());
}
