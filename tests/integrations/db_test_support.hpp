// tests/integrations/db_test_support.hpp -- what the database integrations' tests share
//
// `traced_transaction` runs a function inside one sampled transaction (a root span, active on this
// thread), ends it and hands back the transaction's payload, the raw envelope bytes (to check
// that a value never appears anywhere) and the root span's id; `only_span` finds the one span of
// an op; `environment` reads the server address servers.py gave.
#ifndef SENTRY_TRACE_TESTS_INTEGRATIONS_DB_TEST_SUPPORT_HPP
#define SENTRY_TRACE_TESTS_INTEGRATIONS_DB_TEST_SUPPORT_HPP

#include "fixture.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace db_test {

namespace st = sentry_trace;
using test_support::json;

/// An environment variable servers.py sets; the test fails clearly when it is missing.
inline std::string environment(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) FAIL("missing ", name, ": run this test through tests/integrations/servers.py");
  return value ? value : "";
}

/// A span's duration in seconds, from its RFC 3339 `start_timestamp` and `timestamp`
/// ("2026-01-01T10:00:00.001000Z"; both on one day in these tests).
inline double duration_s(const json& span) {
  auto seconds_of_day = [](const std::string& t) {
    REQUIRE(t.size() >= 20);
    return std::stod(t.substr(11, 2)) * 3600 + std::stod(t.substr(14, 2)) * 60 + std::stod(t.substr(17, t.size() - 18));
  };
  return seconds_of_day(span["timestamp"].str) - seconds_of_day(span["start_timestamp"].str);
}

/// What one transaction recorded.
struct recorded {
  json body;               ///< the transaction payload
  std::string bytes;       ///< every envelope sent, concatenated
  std::string root_id;     ///< the root span's id (hex)
  std::size_t transactions = 0;

  /// The spans of `op`, in the order they appear.
  std::vector<const json*> spans(const std::string& op = "db") const {
    std::vector<const json*> out;
    for (const json& s : body["spans"].items)
      if (s["op"].str == op) out.push_back(&s);
    return out;
  }
  /// The one span of `op`: fails the test when there is not exactly one.
  const json& only_span(const std::string& op = "db") const {
    static const json none;
    const std::vector<const json*> found = spans(op);
    REQUIRE(found.size() == 1);
    return found.empty() ? none : *found[0];
  }
};

/// Runs `fn` inside a sampled transaction `db test` (op `task`) and returns what was sent.
template <class Fn> recorded traced_transaction(Fn&& fn, double sample_rate = 1.0) {
  test_support::capture_transport transport;
  transport.save_for_interop_checks = false;
  recorded r;
  {
    test_support::clean_sentry_env env;
    st::options o = test_support::default_options(&transport);
    o.traces_sample_rate = sample_rate;
    test_support::session session(o);
    REQUIRE(session.ok());
    st::span root = st::start_span_manual({"db test", "task"});
    r.root_id = test_support::hex(root.id());
    fn();
    root.end();
    st::flush(1000);
  }
  for (const std::string& e : transport.sent) r.bytes += e;
  const std::vector<json> payloads = transport.transaction_payloads();
  r.transactions = payloads.size();
  if (!payloads.empty()) r.body = payloads[0];
  return r;
}

/// Runs `fn` with tracing initialised but no span active, and returns every envelope sent.
template <class Fn> std::string without_transaction(Fn&& fn) {
  test_support::capture_transport transport;
  transport.save_for_interop_checks = false;
  {
    test_support::clean_sentry_env env;
    test_support::session session(test_support::default_options(&transport));
    REQUIRE(session.ok());
    fn();
    st::flush(1000);
  }
  std::string bytes;
  for (std::size_t i = 0; i < transport.sent.size(); ++i)
    if (!transport.client_report[i]) bytes += transport.sent[i];
  return bytes;
}

/// A loopback port where nothing listens: bound once to learn a free one, then closed.
inline int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  socklen_t size = sizeof address;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0);
  ::close(fd);
  return ntohs(address.sin_port);
}

}  // namespace db_test

#endif  // SENTRY_TRACE_TESTS_INTEGRATIONS_DB_TEST_SUPPORT_HPP
