// Tests for the fixed tables the SQL wrappers keep (integrations/statement_store.hpp,
// integrations/pending_spans.hpp): keys, replacement of the oldest, what is not kept, overflow.

#include "fixture.hpp"

#include <sentry_trace/integrations/pending_spans.hpp>
#include <sentry_trace/integrations/statement_store.hpp>

#include <doctest/doctest.h>

#include <string>
#include <string_view>

namespace {
namespace st = sentry_trace;
namespace in = sentry_trace::integration;

std::string recalled(in::statement_store<2>& store, const void* owner, std::string_view name) {
  char text[in::statement_store_text_bytes];
  return std::string(text, store.recall(owner, name, text));
}
}  // namespace

TEST_SUITE("integration sql tables") {

TEST_CASE("statement_store: texts by (owner, name), the oldest replaced when full, long names not kept") {
  static in::statement_store<2> store;  // static: 2 KiB of text per entry
  int a = 0, b = 0;
  CHECK(store.remember(&a, "get", "SELECT ? FROM t"));
  CHECK(store.remember(&b, "get", "SELECT ? FROM u"));
  CHECK(recalled(store, &a, "get") == "SELECT ? FROM t");
  CHECK(recalled(store, &b, "get") == "SELECT ? FROM u");
  CHECK(recalled(store, &a, "other").empty());
  CHECK(store.remember(&a, "get", "SELECT ? FROM v"));  // same key: replaced in place
  CHECK(store.replaced() == 0);
  CHECK(recalled(store, &a, "get") == "SELECT ? FROM v");
  CHECK(store.remember(&a, "third", "DELETE FROM w"));  // full: the oldest (b's) goes
  CHECK(store.replaced() == 1);
  CHECK(recalled(store, &b, "get").empty());
  CHECK(recalled(store, &a, "third") == "DELETE FROM w");
  CHECK_FALSE(store.remember(&a, std::string(64, 'n'), "SELECT 1"));
  CHECK(store.not_kept() == 1);
  const std::string long_text(5000, 'x');
  CHECK(store.remember(&b, "", long_text));
  CHECK(recalled(store, &b, "").size() == in::statement_store_text_bytes);
  store.forget_owner(&a);
  CHECK(recalled(store, &a, "third").empty());
  CHECK(recalled(store, &b, "").size() == in::statement_store_text_bytes);
  store.forget(&b, "");
  CHECK(recalled(store, &b, "").empty());
}

TEST_CASE("pending_spans: one span per owner, handed back on release; a full table refuses and counts") {
  test_support::capture_transport transport;
  transport.save_for_interop_checks = false;
  test_support::clean_sentry_env env;
  test_support::session session(test_support::default_options(&transport));
  REQUIRE(session.ok());
  static in::pending_spans<2> table;
  int a = 0, b = 0, c = 0;
  st::span root = st::start_span_manual({"root", "task"});
  CHECK(table.find(&a) == nullptr);
  REQUIRE(table.claim(&a));
  REQUIRE(table.claim(&a));  // already has its slot
  CHECK_FALSE(table.keep(&a, st::start_inactive_span({"first", "db"})).is_active());
  st::span earlier = table.keep(&a, st::start_inactive_span({"second", "db"}));
  CHECK(earlier.is_active());  // the replaced span comes back to be ended
  earlier.end();
  REQUIRE(table.claim(&b));
  CHECK_FALSE(table.claim(&c));
  CHECK(table.overflowed() == 1);
  REQUIRE(table.find(&a) != nullptr);
  CHECK(table.find(&a)->is_recording());
  st::span done = table.release(&a);
  CHECK(done.is_active());
  done.end();
  CHECK(table.find(&a) == nullptr);
  CHECK_FALSE(table.release(&a).is_active());
  CHECK(table.claim(&c));  // a's slot is free again
  table.release(&b).end();
  table.release(&c).end();
  root.end();
  st::flush(1000);
  const auto payloads = transport.transaction_payloads();
  REQUIRE(payloads.size() == 1);
  REQUIRE(payloads[0]["spans"].size() == 2);
  CHECK(payloads[0]["spans"][0]["description"].str == "first");
  CHECK(payloads[0]["spans"][1]["description"].str == "second");
}

}  // TEST_SUITE
