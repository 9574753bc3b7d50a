// Tests for sentry_trace/macros.hpp: SENTRY_TRACE_SCOPE and SENTRY_TRACE_FUNCTION open scoped
// spans under the active span, carry code.function / code.filepath / code.lineno, and end at the
// end of their block. (Their compiled-out twins are checked by tests/compile_out/.)

#include "fixture.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>
#include <string_view>

namespace {

namespace st = sentry_trace;
using test_support::harness;
using test_support::json;

std::string hex(st::span_id id) {
  char buf[16];
  id.to_hex(buf);
  return std::string(buf, 16);
}

/// The single transaction payload the harness captured.
json only_transaction(const harness& h) {
  auto txns = h.transport.transactions();
  REQUIRE(txns.size() == 1);
  return txns[0].items[0].body;
}

/// The child span whose description is `name`, or nullptr.
const json* span_named(const json& body, const std::string& name) {
  for (const json& s : body["spans"].items)
    if (s["description"].str == name) return &s;
  return nullptr;
}

int scope_line = 0;  // the line of the SENTRY_TRACE_SCOPE below, recorded next to it

void traced_helper(harness& h) {
  scope_line = __LINE__ + 1;
  SENTRY_TRACE_SCOPE("db.query", "SELECT 1");
  h.advance_us(1000);
}

int function_line = 0;

int traced_function(int x) {
  function_line = __LINE__ + 1;
  SENTRY_TRACE_FUNCTION();
  return x + 1;
}

int evaluations = 0;
std::string_view counted_name() {
  ++evaluations;
  return "counted";
}

} // namespace

TEST_SUITE("macros") {

TEST_CASE("SENTRY_TRACE_SCOPE starts a child of the active span with op, name and the code attributes") {
  harness h;
  REQUIRE(h.init());
  std::string root_id;
  {
    st::scoped_span root({"frame", "game.frame"});
    root_id = hex(root->id());
    traced_helper(h);
  }
  json body = only_transaction(h);
  const json* s = span_named(body, "SELECT 1");
  REQUIRE(s != nullptr);
  CHECK((*s)["op"].str == "db.query");
  CHECK((*s)["parent_span_id"].str == root_id);
  const json& data = (*s)["data"];
  REQUIRE(data.has("code.function"));
  CHECK(data["code.function"].kind == json::string_k);
  CHECK(data["code.function"].str == "traced_helper");
  REQUIRE(data.has("code.filepath"));
  CHECK(data["code.filepath"].kind == json::string_k);
  CHECK(data["code.filepath"].str == __FILE__);
  REQUIRE(data.has("code.lineno"));
  CHECK(data["code.lineno"].kind == json::number_k);
  CHECK(data["code.lineno"].raw_number == std::to_string(scope_line));
}

TEST_CASE("SENTRY_TRACE_FUNCTION names the span after the enclosing function's signature, op function") {
  harness h;
  REQUIRE(h.init());
  {
    st::scoped_span root({"frame", "game.frame"});
    CHECK(traced_function(41) == 42);
  }
  json body = only_transaction(h);
  REQUIRE(body["spans"].size() == 1);
  const json& s = body["spans"][0];
  CHECK(s["op"].str == "function");
  // The full signature (WHY THE FULL SIGNATURE in macros.hpp); the bare name is code.function.
  CHECK(s["description"].str.find("traced_function(int)") != std::string::npos);
  CHECK(s["data"]["code.function"].str == "traced_function");
  CHECK(s["data"]["code.lineno"].raw_number == std::to_string(function_line));
  CHECK(s["data"]["code.lineno"].kind == json::number_k);
}

TEST_CASE("the macro's span is active inside its block and ends at the block's end") {
  harness h;
  REQUIRE(h.init());
  std::string root_id, scope_id, after_id;
  {
    st::scoped_span root({"frame", "game.frame"});
    root_id = hex(root->id());
    {
      SENTRY_TRACE_SCOPE("physics", "step");
      scope_id = hex(st::active_span().id);
      CHECK(scope_id != root_id);
      h.advance_us(2000);
    }
    CHECK(hex(st::active_span().id) == root_id);  // popped at the block's end
    h.advance_us(5000);
    st::scoped_span after({"after", "task"});
    after_id = hex(after->id());
  }
  json body = only_transaction(h);
  const json* step = span_named(body, "step");
  const json* after = span_named(body, "after");
  REQUIRE(step != nullptr);
  REQUIRE(after != nullptr);
  CHECK((*step)["span_id"].str == scope_id);
  CHECK((*after)["parent_span_id"].str == root_id);  // a sibling, not a child of the ended scope
  // Ended when the block closed (2 ms in), not when the root did (7 ms in). The harness's wall
  // clock reads 2026-01-01T10:00:00Z at init and the manual clock starts there.
  CHECK((*step)["start_timestamp"].str == "2026-01-01T10:00:00.000000Z");
  CHECK((*step)["timestamp"].str == "2026-01-01T10:00:00.002000Z");
  CHECK(body["timestamp"].str == "2026-01-01T10:00:00.007000Z");
}

TEST_CASE("two macros on different lines of one scope nest, and each argument is evaluated once") {
  harness h;
  REQUIRE(h.init());
  evaluations = 0;
  {
    st::scoped_span root({"frame", "game.frame"});
    SENTRY_TRACE_SCOPE("outer", counted_name());
    SENTRY_TRACE_SCOPE("inner", "second");
    CHECK(evaluations == 1);
  }
  json body = only_transaction(h);
  const json* outer = span_named(body, "counted");
  const json* inner = span_named(body, "second");
  REQUIRE(outer != nullptr);
  REQUIRE(inner != nullptr);
  CHECK((*inner)["parent_span_id"].str == (*outer)["span_id"].str);
  CHECK(std::atoi((*inner)["data"]["code.lineno"].raw_number.c_str()) ==
        std::atoi((*outer)["data"]["code.lineno"].raw_number.c_str()) + 1);
}

TEST_CASE("with no active span the macro's span is a transaction carrying the code attributes") {
  harness h;
  REQUIRE(h.init());
  { SENTRY_TRACE_SCOPE("task", "standalone"); }
  json body = only_transaction(h);
  CHECK(body["transaction"].str == "standalone");
  const json& data = body["contexts"]["trace"]["data"];
  CHECK(data["code.lineno"].kind == json::number_k);
  CHECK(data["code.filepath"].str == __FILE__);
}

} // TEST_SUITE("macros")
