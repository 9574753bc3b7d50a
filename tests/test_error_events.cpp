// Richer error events (issue 11, item 5): the dynamic exception type, event_options (tags,
// contexts, fingerprint), before_send / before_send_transaction, ignore_transactions, and the
// host's contexts (os, runtime, device) and sdk.packages on events and transactions.

#include "fixture.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>
#if defined(__unix__) || defined(__APPLE__)
#  include <sys/utsname.h>
#endif

namespace app {
struct db_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};
}  // namespace app

namespace {

namespace st = sentry_trace;
namespace ts = test_support;
using ts::json;
using test_support::harness;

struct oops : std::logic_error {
  using std::logic_error::logic_error;
};

std::vector<json> event_payloads(const ts::capture_transport& cap) {
  std::vector<json> out;
  for (auto& s : cap.sent) {
    ts::envelope e = ts::parse_envelope(s);
    if (auto* item = e.item("event")) out.push_back(item->body);
  }
  return out;
}

std::string demangled(const char* mangled, std::size_t cap = 256) {
  std::vector<char> buf(cap);
  return std::string(st::detail::readable_type_name(mangled, buf.data(), buf.size()));
}

bool has_package(const json& sdk) {
  const json& p = sdk["packages"];
  return p.items.size() == 1 && p[0]["name"].str == "cmake:sentry_trace" && p[0]["version"].str == st::version_string;
}

}  // namespace

TEST_SUITE("error_events") {

TEST_CASE("type names are demangled without the heap; what is outside the subset stays mangled") {
  CHECK(demangled("St13runtime_error") == "std::runtime_error");
  CHECK(demangled("N3app8db_errorE") == "app::db_error");
  CHECK(demangled("8my_error") == "my_error");
  CHECK(demangled("NSt8ios_base7failureB5cxx11E") == "std::ios_base::failure[abi:cxx11]");
  CHECK(demangled("N12_GLOBAL__N_14oopsE") == "(anonymous namespace)::oops");
  CHECK(demangled("NSt10filesystem7__cxx1116filesystem_errorE") == "std::filesystem::__cxx11::filesystem_error");
  // Templates, substitutions, local classes, bad lengths: the mangled name as given.
  CHECK(demangled("N3app5errorIiEE") == "N3app5errorIiEE");
  CHECK(demangled("Z4mainE5local") == "Z4mainE5local");
  CHECK(demangled("N3appE") == "N3appE");
  CHECK(demangled("N9appE") == "N9appE");
  CHECK(demangled("N3app8db_error") == "N3app8db_error");
  CHECK(demangled("3app9") == "3app9");
  // Longer than the buffer: mangled.
  CHECK(demangled("N3app8db_errorE", 8) == "N3app8db_errorE");
  CHECK(demangled("") == "");
}

#if SENTRY_TRACE_EXCEPTIONS
TEST_CASE("capture_exception(e) names the dynamic type (RTTI), else std::exception; a given type wins") {
  harness h;
  REQUIRE(h.init());
  CHECK(st::capture_exception(app::db_error("connection reset")));
  CHECK(st::capture_exception(oops("bad state")));
  const std::exception& as_base = app::db_error("through a base reference");
  CHECK(st::capture_exception(as_base));
  CHECK(st::capture_exception(app::db_error("named"), "orders::failure"));
  const std::vector<json> evs = event_payloads(h.transport);
  REQUIRE(evs.size() == 4);
  auto type_of = [&](std::size_t i) { return evs[i]["exception"]["values"][0]["type"].str; };
#  if defined(__cpp_rtti) || defined(__GXX_RTTI)
  CHECK(type_of(0) == "app::db_error");
  CHECK(type_of(1) == "(anonymous namespace)::oops");
  CHECK(type_of(2) == "app::db_error");
#  else
  CHECK(type_of(0) == "std::exception");
  CHECK(type_of(1) == "std::exception");
  CHECK(type_of(2) == "std::exception");
#  endif
  CHECK(type_of(3) == "orders::failure");
  CHECK(evs[0]["exception"]["values"][0]["value"].str == "connection reset");
}
#endif

TEST_CASE("event_options: tags, named contexts and a fingerprint are sent; a repeated key replaces") {
  harness h;
  REQUIRE(h.init());
  st::event_options x;
  x.set_tag("db", "orders").set_tag("region", "eu").set_tag("db", "billing");
  x.set_context("order", "id", "A-1234").set_context("customer", "tier", "gold").set_context("order", "items", "3");
  x.set_context("order", "id", "A-5678");
  x.add_fingerprint("{{ default }}").add_fingerprint("orders-db");
  CHECK(st::capture_exception("app::db_error", "timeout", x));
  CHECK(st::capture_message("cache warmed", st::level::warning, x));
  const std::vector<json> evs = event_payloads(h.transport);
  REQUIRE(evs.size() == 2);
  for (const json& p : evs) {
    const json& tags = p["tags"];
    REQUIRE(tags.members.size() == 2);
    CHECK(tags["db"].str == "billing");
    CHECK(tags["region"].str == "eu");
    const json& order = p["contexts"]["order"];
    REQUIRE(order.members.size() == 2);
    CHECK(order.members[0].first == "id");
    CHECK(order["id"].str == "A-5678");
    CHECK(order["items"].str == "3");
    CHECK(p["contexts"]["customer"]["tier"].str == "gold");
    CHECK(p["contexts"].has("trace"));
    REQUIRE(p["fingerprint"].items.size() == 2);
    CHECK(p["fingerprint"][0].str == "{{ default }}");
    CHECK(p["fingerprint"][1].str == "orders-db");
  }
  CHECK(evs[1]["level"].str == "warning");
  CHECK(evs[1]["message"].str == "cache warmed");
  CHECK(st::get_stats().attributes_dropped == 0);
}

TEST_CASE("event_options beyond capacity and the SDK's own context names are left out and counted") {
  harness h;
  REQUIRE(h.init());
  st::event_options y;
  static const char* const keys[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"};
  for (const char* k : keys) y.set_tag(k, "v");
  CHECK(y.tag_count == st::event_options::max_tags);
  CHECK(y.dropped == 2);
  for (const char* k : keys) y.set_context("ctx", k, "v");
  CHECK(y.context_count == st::event_options::max_context_values);
  CHECK(y.dropped == 4);
  for (int i = 0; i < 5; ++i) y.add_fingerprint("part");
  CHECK(y.fingerprint_count == st::event_options::max_fingerprint);
  CHECK(y.dropped == 5);
  st::event_options z;
  z.set_context("os", "name", "fake").set_context("trace", "trace_id", "0").set_context("", "k", "v");
  z.set_context("app", "name", "shop");
  CHECK(st::capture_message("m", st::level::info, y));
  CHECK(st::capture_message("m", st::level::info, z));
  const std::vector<json> evs = event_payloads(h.transport);
  REQUIRE(evs.size() == 2);
  CHECK(evs[0]["tags"].members.size() == st::event_options::max_tags);
  CHECK(evs[0]["contexts"]["ctx"].members.size() == st::event_options::max_context_values);
  CHECK(evs[1]["contexts"]["os"]["name"].str != "fake");
  CHECK(evs[1]["contexts"]["app"]["name"].str == "shop");
  CHECK(!evs[1]["contexts"].has(""));
  CHECK(st::get_stats().attributes_dropped == 5 + 3);
}

TEST_CASE("events and transactions carry contexts.os, runtime, device and sdk.packages") {
  harness h;
  REQUIRE(h.init());
  { st::scoped_span root({"GET /host", "http.server"}); }
  CHECK(st::capture_message("hello"));
  const std::vector<json> txns = h.transport.transaction_payloads();
  const std::vector<json> evs = event_payloads(h.transport);
  REQUIRE(txns.size() == 1);
  REQUIRE(evs.size() == 1);
  for (const json* p : {&txns[0], &evs[0]}) {
    const json& c = (*p)["contexts"];
    CHECK(has_package((*p)["sdk"]));
#if defined(__unix__) || defined(__APPLE__)
    struct utsname u;
    REQUIRE(uname(&u) == 0);
    CHECK(c["os"]["name"].str == u.sysname);
    CHECK(c["os"]["kernel_version"].str == u.release);
    CHECK(std::string(u.release).rfind(c["os"]["version"].str, 0) == 0);
    CHECK(!c["os"]["version"].str.empty());
#endif
#if defined(__clang__)
    CHECK(c["runtime"]["name"].str == "clang");
    CHECK(c["runtime"]["version"].str.rfind(std::to_string(__clang_major__) + ".", 0) == 0);
#elif defined(__GNUC__)
    CHECK(c["runtime"]["name"].str == "gcc");
    CHECK(c["runtime"]["version"].str.rfind(std::to_string(__GNUC__) + ".", 0) == 0);
#endif
#if defined(_LIBCPP_VERSION)
    CHECK(c["runtime"]["raw_description"].str.rfind("libc++ ", 0) == 0);
#elif defined(__GLIBCXX__)
    CHECK(c["runtime"]["raw_description"].str.rfind("libstdc++ ", 0) == 0);
#endif
#if defined(__x86_64__)
    CHECK(c["device"]["arch"].str == "x86_64");
#elif defined(__aarch64__)
    CHECK(c["device"]["arch"].str == "arm64");
#endif
    CHECK(c.has("trace"));
  }
  // The envelope header's sdk stays {name, version}.
  const ts::envelope e = ts::parse_envelope(h.transport.sent[0]);
  CHECK(!e.header["sdk"].has("packages"));
}

TEST_CASE("os version: the leading numbers of the release, build the rest") {
  using st::detail::version_prefix;
  CHECK(version_prefix("6.1.0-28-amd64") == 5);
  CHECK(version_prefix("5.15.153.1-microsoft-standard-WSL2") == 8);
  CHECK(version_prefix("23.4.0") == 6);
  CHECK(version_prefix("6.") == 1);
  CHECK(version_prefix("13.2-RELEASE") == 4);
  CHECK(version_prefix("abc") == 0);
  CHECK(version_prefix("") == 0);
}

namespace {
struct send_log {
  int calls = 0;
  bool keep = true;
  std::string seen_type, seen_value, seen_message, seen_tag;
  st::level seen_level = st::level::debug;
};
bool record_and_decide(st::error_event& e, void* user) {
  auto& log = *static_cast<send_log*>(user);
  ++log.calls;
  log.seen_type = std::string(e.exception_type);
  log.seen_value = std::string(e.exception_value);
  log.seen_message = std::string(e.message);
  log.seen_level = e.lvl;
  log.seen_tag = e.extra.tag_count ? std::string(e.extra.tags[0].value) : "";
  return log.keep;
}
bool scrub(st::error_event& e, void*) {
  e.exception_value = "[scrubbed]";
  e.lvl = st::level::fatal;
  e.extra.set_tag("scrubbed", "yes");
  e.extra.add_fingerprint("scrubbed-group");
  return true;
}
}  // namespace

TEST_CASE("before_send sees each event; false drops it, counted as before_send / error") {
  send_log log;
  harness h;
  h.opts.before_send = st::before_send_hook{&record_and_decide, &log};
  REQUIRE(h.init());
  st::event_options x;
  x.set_tag("db", "orders");
  CHECK(st::capture_exception("app::db_error", "timeout", x));
  CHECK(log.calls == 1);
  CHECK(log.seen_type == "app::db_error");
  CHECK(log.seen_value == "timeout");
  CHECK(log.seen_level == st::level::error);
  CHECK(log.seen_tag == "orders");
  log.keep = false;
  CHECK_FALSE(st::capture_message("dropped", st::level::warning));
  CHECK(log.calls == 2);
  CHECK(log.seen_message == "dropped");
  CHECK(log.seen_level == st::level::warning);
  CHECK(event_payloads(h.transport).size() == 1);
  REQUIRE(st::flush(0));
  CHECK(h.transport.discarded("before_send", "error") == 1);
}

TEST_CASE("before_send edits what is sent: value, level, tags, fingerprint") {
  harness h;
  h.opts.before_send = st::before_send_hook{&scrub, nullptr};
  REQUIRE(h.init());
  CHECK(st::capture_exception("app::auth_error", "password=hunter2"));
  const std::vector<json> evs = event_payloads(h.transport);
  REQUIRE(evs.size() == 1);
  CHECK(evs[0]["exception"]["values"][0]["value"].str == "[scrubbed]");
  CHECK(evs[0]["exception"]["values"][0]["type"].str == "app::auth_error");
  CHECK(evs[0]["level"].str == "fatal");
  CHECK(evs[0]["tags"]["scrubbed"].str == "yes");
  CHECK(evs[0]["fingerprint"][0].str == "scrubbed-group");
}

namespace {
struct txn_log {
  int calls = 0;
  bool keep = true;
  std::string seen_name;
  std::size_t seen_spans = 0;
  const char* rename = nullptr;
};
bool on_transaction(st::transaction_event& t, void* user) {
  auto& log = *static_cast<txn_log*>(user);
  ++log.calls;
  log.seen_name = std::string(t.name);
  log.seen_spans = t.span_count;
  if (log.rename) t.name = log.rename;
  t.set_tag("build", "1234");
  return log.keep;
}
}  // namespace

TEST_CASE("before_send_transaction renames (source becomes custom), tags, or drops (counted as before_send)") {
  txn_log log;
  harness h;
  h.opts.before_send_transaction = st::before_send_transaction_hook{&on_transaction, &log};
  REQUIRE(h.init());
  {
    st::scoped_span root({"GET /orders/42", "http.server"});
    { st::scoped_span a({"a", "db"}); }
    { st::scoped_span b({"b", "db"}); }
  }
  CHECK(log.calls == 1);
  CHECK(log.seen_name == "GET /orders/42");
  CHECK(log.seen_spans == 2);
  log.rename = "GET /orders/:id";
  { st::scoped_span root({"GET /orders/43", "http.server"}); }
  log.keep = false;
  {
    st::scoped_span root({"GET /drop", "http.server"});
    { st::scoped_span a({"a", "db"}); }
  }
  CHECK(log.calls == 3);
  const std::vector<json> txns = h.transport.transaction_payloads();
  REQUIRE(txns.size() == 2);
  CHECK(txns[0]["transaction"].str == "GET /orders/42");
  CHECK(txns[0]["transaction_info"]["source"].str == "custom");  // span_options' default source
  CHECK(txns[0]["tags"]["build"].str == "1234");
  CHECK(txns[0]["spans"].items.size() == 2);
  CHECK(txns[1]["transaction"].str == "GET /orders/:id");
  CHECK(txns[1]["transaction_info"]["source"].str == "custom");
  REQUIRE(st::flush(0));
  CHECK(h.transport.discarded("before_send", "transaction") == 1);
  CHECK(h.transport.discarded("before_send", "span") == 2);
}

TEST_CASE("a renamed route transaction becomes source custom; an unrenamed one keeps route") {
  txn_log log;
  harness h;
  h.opts.before_send_transaction = st::before_send_transaction_hook{&on_transaction, &log};
  REQUIRE(h.init());
  st::span_options o{"GET /a/:id", "http.server"};
  o.source = st::transaction_source::route;
  { st::scoped_span root(o); }
  log.rename = "GET /renamed";
  { st::scoped_span root(o); }
  const std::vector<json> txns = h.transport.transaction_payloads();
  REQUIRE(txns.size() == 2);
  CHECK(txns[0]["transaction_info"]["source"].str == "route");
  CHECK(txns[1]["transaction_info"]["source"].str == "custom");
  // The DSC in the header keeps the name the trace was sampled with, as @sentry/core does.
  const std::vector<ts::envelope> envs = h.transport.transactions();
  REQUIRE(envs.size() == 2);
  CHECK(envs[1].header["trace"]["transaction"].str == "GET /a/:id");
}

TEST_CASE("an init() without hooks after one with them sends no tags or names the hooks set") {
  txn_log log;
  log.rename = "GET /renamed";
  {
    harness h;
    h.opts.before_send_transaction = st::before_send_transaction_hook{&on_transaction, &log};
    h.opts.before_send = st::before_send_hook{&scrub, nullptr};
    REQUIRE(h.init());
    { st::scoped_span root({"GET /first", "http.server"}); }
    CHECK(st::capture_exception("E", "v"));
    REQUIRE(h.transport.transaction_payloads().size() == 1);
    CHECK(h.transport.transaction_payloads()[0].has("tags"));
  }
  harness h;
  REQUIRE(h.init());
  { st::scoped_span root({"GET /second", "http.server"}); }
  CHECK(st::capture_exception("E", "v"));
  const std::vector<json> txns = h.transport.transaction_payloads();
  REQUIRE(txns.size() == 1);
  CHECK(txns[0]["transaction"].str == "GET /second");
  CHECK_FALSE(txns[0].has("tags"));
  const std::vector<json> evs = event_payloads(h.transport);
  REQUIRE(evs.size() == 1);
  CHECK(evs[0]["exception"]["values"][0]["value"].str == "v");
  CHECK_FALSE(evs[0].has("tags"));
  CHECK_FALSE(evs[0].has("fingerprint"));
}

TEST_CASE("ignore_transactions: a case-sensitive substring drops the transaction, counted as event_processor") {
  static const std::string_view patterns[] = {"/health", "ping"};
  harness h;
  h.opts.ignore_transactions = patterns;
  h.opts.ignore_transaction_count = 2;
  REQUIRE(h.init());
  {
    st::scoped_span root({"GET /healthz", "http.server"});
    { st::scoped_span a({"a", "db"}); }
  }
  { st::scoped_span root({"grpc.ping.v1", "rpc"}); }
  { st::scoped_span root({"GET /HEALTH", "http.server"}); }  // case differs: kept
  { st::scoped_span root({"GET /orders", "http.server"}); }
  const std::vector<json> txns = h.transport.transaction_payloads();
  REQUIRE(txns.size() == 2);
  CHECK(txns[0]["transaction"].str == "GET /HEALTH");
  CHECK(txns[1]["transaction"].str == "GET /orders");
  REQUIRE(st::flush(0));
  CHECK(h.transport.discarded("event_processor", "transaction") == 2);
  CHECK(h.transport.discarded("event_processor", "span") == 3);
}

TEST_CASE("ignore_transactions runs before before_send_transaction, which never sees an ignored one") {
  static const std::string_view patterns[] = {"/health"};
  txn_log log;
  harness h;
  h.opts.ignore_transactions = patterns;
  h.opts.ignore_transaction_count = 1;
  h.opts.before_send_transaction = st::before_send_transaction_hook{&on_transaction, &log};
  REQUIRE(h.init());
  { st::scoped_span root({"GET /health", "http.server"}); }
  CHECK(log.calls == 0);
  { st::scoped_span root({"GET /x", "http.server"}); }
  CHECK(log.calls == 1);
}

TEST_CASE("ignore_transactions is copied by init(): at most 8 patterns and 256 bytes") {
  std::vector<std::string_view> many(9, "x");
  {
    harness h;
    h.opts.ignore_transactions = many.data();
    h.opts.ignore_transaction_count = many.size();
    CHECK_FALSE(h.init());
    CHECK(h.log.contains("at most 8 ignore_transactions"));
  }
  const std::string big(257, 'a');
  const std::string_view one[] = {big};
  {
    harness h;
    h.opts.ignore_transactions = one;
    h.opts.ignore_transaction_count = 1;
    CHECK_FALSE(h.init());
    CHECK(h.log.contains("ignore_transactions exceed 256 bytes"));
  }
  std::string pattern = "/health";
  const std::string_view copied[] = {pattern};
  harness h;
  h.opts.ignore_transactions = copied;
  h.opts.ignore_transaction_count = 1;
  REQUIRE(h.init());
  pattern = "changed";  // init() kept its own copy
  { st::scoped_span root({"GET /health", "http.server"}); }
  CHECK(h.transport.transaction_payloads().empty());
}

} // TEST_SUITE
