// Tests for sentry_trace/span.hpp: span statuses (PROTOCOL.md §4), the HTTP mapping, and what
// the span handle's setters put in the envelope.

#include "fixture.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace st = sentry_trace;
using test_support::harness;
using test_support::json;

/// The members named `key` in an object (to check that a key appears once).
std::size_t count_members(const json& object, const std::string& key) {
  std::size_t n = 0;
  for (auto& m : object.members) n += m.first == key ? 1 : 0;
  return n;
}

/// The single transaction payload the harness captured.
json only_transaction(const harness& h) {
  auto txns = h.transport.transactions();
  REQUIRE(txns.size() == 1);
  return txns[0].items[0].body;
}

} // namespace

TEST_SUITE("span") {

TEST_CASE("every span_status has Sentry's string, and unknown values fall back to unknown_error") {
  harness h;
  REQUIRE(h.init());
  const char* expected[] = {"ok",
                            "cancelled",
                            "unknown_error",
                            "invalid_argument",
                            "deadline_exceeded",
                            "not_found",
                            "already_exists",
                            "permission_denied",
                            "resource_exhausted",
                            "failed_precondition",
                            "aborted",
                            "out_of_range",
                            "unimplemented",
                            "internal_error",
                            "unavailable",
                            "data_loss",
                            "unauthenticated"};
  static_assert(static_cast<int>(st::span_status::unauthenticated) == 16, "17 statuses");
  for (int i = 0; i < 17; ++i) {
    CAPTURE(i);
    CHECK(std::string_view(st::to_string(static_cast<st::span_status>(i))) == expected[i]);
  }
  CHECK(std::string_view(st::to_string(static_cast<st::span_status>(17))) == "unknown_error");
  CHECK(std::string_view(st::to_string(static_cast<st::span_status>(255))) == "unknown_error");
  CHECK(std::string_view(st::to_string(st::span_status::deadline_exceeded)) == "deadline_exceeded");
}

TEST_CASE("from_http_status maps HTTP codes as @sentry/core 11 does") {
  harness h;
  REQUIRE(h.init());
  struct row {
    int code;
    st::span_status status;
  };
  const row table[] = {
      {-1, st::span_status::internal_error},   {0, st::span_status::internal_error},
      {99, st::span_status::internal_error},   {100, st::span_status::ok},
      {200, st::span_status::ok},              {204, st::span_status::ok},
      {301, st::span_status::ok},              {399, st::span_status::ok},
      {400, st::span_status::invalid_argument}, {401, st::span_status::unauthenticated},
      {402, st::span_status::invalid_argument}, {403, st::span_status::permission_denied},
      {404, st::span_status::not_found},       {405, st::span_status::invalid_argument},
      {409, st::span_status::already_exists},  {413, st::span_status::failed_precondition},
      {418, st::span_status::invalid_argument}, {429, st::span_status::resource_exhausted},
      {498, st::span_status::invalid_argument}, {499, st::span_status::cancelled},
      {500, st::span_status::internal_error},  {501, st::span_status::unimplemented},
      {502, st::span_status::internal_error},  {503, st::span_status::unavailable},
      {504, st::span_status::deadline_exceeded}, {505, st::span_status::internal_error},
      {599, st::span_status::internal_error},  {600, st::span_status::internal_error},
      {999, st::span_status::internal_error},
  };
  for (const row& r : table) {
    CAPTURE(r.code);
    CHECK(std::string_view(st::to_string(st::from_http_status(r.code))) == st::to_string(r.status));
  }
  static_assert(st::from_http_status(404) == st::span_status::not_found, "constexpr");
}

TEST_CASE("parse_span_status accepts the 17 names plus unknown, success and failure, and rejects others") {
  harness h;
  REQUIRE(h.init());
  for (int i = 0; i < 17; ++i) {
    auto s = static_cast<st::span_status>(i);
    st::span_status out = st::span_status::data_loss;
    REQUIRE(st::parse_span_status(st::to_string(s), out));
    CHECK(out == s);
  }
  st::span_status out = st::span_status::ok;
  REQUIRE(st::parse_span_status("unknown", out));
  CHECK(out == st::span_status::unknown_error);
  REQUIRE(st::parse_span_status("failure", out));
  CHECK(out == st::span_status::internal_error);
  REQUIRE(st::parse_span_status("success", out));
  CHECK(out == st::span_status::ok);
  const char* bad[] = {"", "OK", "Ok", "ok ", " ok", "okay", "error", "internal", "unknown_err", "deadline-exceeded",
                       "200", "cancelled\n"};
  for (const char* text : bad) {
    CAPTURE(text);
    out = st::span_status::aborted;
    CHECK_FALSE(st::parse_span_status(text, out));
    CHECK(out == st::span_status::aborted);
  }
}

TEST_CASE("set_http_status sets the status and the http.response.status_code attribute as a number") {
  harness h;
  REQUIRE(h.init());
  {
    st::scoped_span root({"GET /orders", "http.server"});
    root->set_http_status(404);
    st::scoped_span child({"GET upstream", "http.client"});
    child->set_http_status(503);
  }
  json body = only_transaction(h);
  const json& trace = body["contexts"]["trace"];
  CHECK(trace["status"].str == "not_found");
  REQUIRE(trace["data"].has("http.response.status_code"));
  CHECK(trace["data"]["http.response.status_code"].kind == json::number_k);
  CHECK(trace["data"]["http.response.status_code"].raw_number == "404");
  REQUIRE(body["spans"].size() == 1);
  CHECK(body["spans"][0]["status"].str == "unavailable");
  CHECK(body["spans"][0]["data"]["http.response.status_code"].raw_number == "503");
}

TEST_CASE("an unset status is written as ok, and set_status is written as set") {
  harness h;
  REQUIRE(h.init());
  {
    st::scoped_span root({"job", "task"});
    st::scoped_span a({"a", "task"});
    a->set_status(st::span_status::deadline_exceeded);
  }
  json body = only_transaction(h);
  CHECK(body["contexts"]["trace"]["status"].str == "ok");
  CHECK(body["spans"][0]["status"].str == "deadline_exceeded");
}

TEST_CASE("set_attribute: a string literal is a string, integers are integers, doubles and bools keep their type") {
  harness h;
  REQUIRE(h.init());
  {
    st::scoped_span root({"attrs", "task"});
    root->set_attribute("literal", "true");  // a string, not the bool true
    root->set_attribute("std_string", std::string("text"));
    root->set_attribute("view", std::string_view("view"));
    root->set_attribute("int", -42);
    root->set_attribute("unsigned", 42u);
    root->set_attribute("long_long", 9000000000LL);
    root->set_attribute("u64_max", static_cast<std::uint64_t>(UINT64_MAX));
    root->set_attribute("short", static_cast<short>(7));
    root->set_attribute("int64", static_cast<std::int64_t>(-1));
    root->set_attribute("double", 2.5);
    root->set_attribute("whole_double", 3.0);
    root->set_attribute("bool_true", true);
    root->set_attribute("bool_false", false);
    const char* null_text = nullptr;
    root->set_attribute("null_char_ptr", null_text);
  }
  json body = only_transaction(h);
  const json& data = body["contexts"]["trace"]["data"];
  CHECK(data["literal"].kind == json::string_k);
  CHECK(data["literal"].str == "true");
  CHECK(data["std_string"].str == "text");
  CHECK(data["view"].str == "view");
  CHECK(data["int"].kind == json::number_k);
  CHECK(data["int"].raw_number == "-42");
  CHECK(data["unsigned"].raw_number == "42");
  CHECK(data["long_long"].raw_number == "9000000000");
  CHECK(data["u64_max"].num == 18446744073709551616.0);  // above INT64_MAX: the nearest double
  CHECK(data["short"].raw_number == "7");
  CHECK(data["int64"].raw_number == "-1");
  CHECK(data["double"].kind == json::number_k);
  CHECK(data["double"].raw_number == "2.5");
  CHECK(data["whole_double"].kind == json::number_k);
  CHECK(data["whole_double"].num == 3.0);
  CHECK(data["bool_true"].kind == json::bool_k);
  CHECK(data["bool_true"].b);
  CHECK(data["bool_false"].kind == json::bool_k);
  CHECK_FALSE(data["bool_false"].b);
  CHECK(data["null_char_ptr"].kind == json::string_k);
  CHECK(data["null_char_ptr"].str.empty());
}

TEST_CASE("replacing an attribute keeps one key with the last value and type") {
  harness h;
  REQUIRE(h.init());
  {
    st::scoped_span root({"attrs", "task"});
    root->set_attribute("k", "first");
    root->set_attribute("other", 1);
    root->set_attribute("k", 2);
    root->set_attribute("k", "third");
    st::scoped_span child({"child", "task"});
    child->set_attribute("k", true);
    child->set_attribute("k", 1.5);
  }
  json body = only_transaction(h);
  const json& data = body["contexts"]["trace"]["data"];
  CHECK(count_members(data, "k") == 1);
  CHECK(data["k"].str == "third");
  CHECK(data["other"].raw_number == "1");
  const json& child_data = body["spans"][0]["data"];
  CHECK(count_members(child_data, "k") == 1);
  CHECK(child_data["k"].raw_number == "1.5");
}

TEST_CASE("span_options attributes are recorded on the root (contexts.trace.data) and on children (spans[i].data)") {
  harness h;
  REQUIRE(h.init());
  {
    const st::attribute root_attrs[] = {
        {"http.route", "/orders/:id"},
        {"http.response.status_code", 200},
        {"ratio", 0.25},
        {"cached", true},
        {"negative", -7},
        {"whole", 3.0},
        {"off", false},
    };
    st::span_options o{"GET /orders/:id", "http.server"};
    o.attributes = root_attrs;
    o.attribute_count = sizeof(root_attrs) / sizeof(root_attrs[0]);
    st::scoped_span root(o);
    {
      const st::attribute first_attrs[] = {{"db.system", "postgresql"}, {"rows", 12}};
      st::span_options co{"SELECT 1", "db.query"};
      co.attributes = first_attrs;
      co.attribute_count = 2;
      st::scoped_span child(co);
    }
    {
      // An attribute given at start and set again later keeps one key with the last value.
      const st::attribute second_attrs[] = {{"k", "start"}, {"ms", 1.5}, {"ok", true}};
      st::span_options co{"render", "template"};
      co.attributes = second_attrs;
      co.attribute_count = 3;
      st::span child = st::start_inactive_span(co);
      child.set_attribute("k", 2);
      child.end();
    }
  }
  json body = only_transaction(h);
  const json& data = body["contexts"]["trace"]["data"];
  CHECK(data["http.route"].kind == json::string_k);
  CHECK(data["http.route"].str == "/orders/:id");
  CHECK(data["http.response.status_code"].kind == json::number_k);
  CHECK(data["http.response.status_code"].raw_number == "200");
  CHECK(data["ratio"].kind == json::number_k);
  CHECK(data["ratio"].raw_number == "0.25");
  CHECK(data["cached"].kind == json::bool_k);
  CHECK(data["cached"].b);
  CHECK(data["negative"].raw_number == "-7");
  CHECK(data["whole"].kind == json::number_k);
  CHECK(data["whole"].num == 3.0);
  CHECK(data["off"].kind == json::bool_k);
  CHECK_FALSE(data["off"].b);
  CHECK(data["sentry.op"].str == "http.server");  // the SDK's own data is still there
  REQUIRE(body["spans"].size() == 2);
  const json* db = nullptr;
  const json* render = nullptr;
  for (std::size_t i = 0; i < body["spans"].size(); ++i) {
    if (body["spans"][i]["op"].str == "db.query") db = &body["spans"][i];
    if (body["spans"][i]["op"].str == "template") render = &body["spans"][i];
  }
  REQUIRE(db != nullptr);
  REQUIRE(render != nullptr);
  CHECK((*db)["data"]["db.system"].kind == json::string_k);
  CHECK((*db)["data"]["db.system"].str == "postgresql");
  CHECK((*db)["data"]["rows"].kind == json::number_k);
  CHECK((*db)["data"]["rows"].raw_number == "12");
  CHECK_FALSE((*db)["data"].has("http.route"));  // a child does not inherit its parent's attributes
  CHECK(count_members((*render)["data"], "k") == 1);
  CHECK((*render)["data"]["k"].kind == json::number_k);
  CHECK((*render)["data"]["k"].raw_number == "2");
  CHECK((*render)["data"]["ms"].raw_number == "1.5");
  CHECK((*render)["data"]["ok"].kind == json::bool_k);
  CHECK((*render)["data"]["ok"].b);
}

TEST_CASE("attribute_value: a string literal is a string, integers are int64, unsigned 64-bit values above INT64_MAX are doubles") {
  harness h;
  REQUIRE(h.init());
  static_assert(st::attribute_value("true").type() == st::attribute_value::kind::string, "a literal is a string");
  static_assert(st::attribute_value(std::string_view("x")).type() == st::attribute_value::kind::string, "view");
  static_assert(st::attribute_value(true).type() == st::attribute_value::kind::boolean, "bool");
  static_assert(st::attribute_value(1.5).type() == st::attribute_value::kind::float64, "double");
  static_assert(st::attribute_value(7).type() == st::attribute_value::kind::int64, "int");
  static_assert(st::attribute_value(7u).type() == st::attribute_value::kind::int64, "unsigned");
  static_assert(st::attribute_value(static_cast<std::uint64_t>(UINT64_MAX)).type() == st::attribute_value::kind::float64, "double");
  static_assert(st::attribute_value(static_cast<std::uint64_t>(UINT64_MAX)).as_double() == 18446744073709551616.0, "nearest");
  static_assert(st::attribute_value(static_cast<std::uint64_t>(INT64_MAX)).as_int64() == INT64_MAX, "kept");
  static_assert(st::attribute_value(static_cast<std::uint64_t>(INT64_MAX) + 1).as_double() == 9223372036854775808.0, "double");
  static_assert(st::attribute_value(static_cast<std::int64_t>(INT64_MIN)).as_int64() == INT64_MIN, "kept");
  const char* null_text = nullptr;
  CHECK(st::attribute_value(null_text).type() == st::attribute_value::kind::string);
  CHECK(st::attribute_value(null_text).as_string().empty());
  {
    const std::string owned = "owned text";
    const st::attribute attrs[] = {
        {"literal", "true"},
        {"owned", std::string_view(owned)},
        {"u64_max", static_cast<std::uint64_t>(UINT64_MAX)},
        {"u64_just_over", static_cast<std::uint64_t>(INT64_MAX) + 1},
        {"u64_int64_max", static_cast<std::uint64_t>(INT64_MAX)},
        {"u64_small", static_cast<std::uint64_t>(5)},
        {"int64_min", static_cast<std::int64_t>(INT64_MIN)},
        {"short", static_cast<short>(-3)},
        {"unsigned", 42u},
        {"null_char_ptr", null_text},
    };
    st::span_options o{"attrs", "task"};
    o.attributes = attrs;
    o.attribute_count = sizeof(attrs) / sizeof(attrs[0]);
    st::scoped_span root(o);
  }
  json body = only_transaction(h);
  const json& data = body["contexts"]["trace"]["data"];
  CHECK(data["literal"].kind == json::string_k);
  CHECK(data["literal"].str == "true");
  CHECK(data["owned"].str == "owned text");
  CHECK(data["u64_max"].kind == json::number_k);
  CHECK(data["u64_max"].num == 18446744073709551616.0);
  CHECK(data["u64_just_over"].num == 9223372036854775808.0);
  CHECK(data["u64_int64_max"].raw_number == "9223372036854775807");
  CHECK(data["u64_small"].raw_number == "5");
  CHECK(data["int64_min"].raw_number == "-9223372036854775808");
  CHECK(data["short"].raw_number == "-3");
  CHECK(data["unsigned"].raw_number == "42");
  CHECK(data["null_char_ptr"].kind == json::string_k);
  CHECK(data["null_char_ptr"].str.empty());
}

TEST_CASE("span_options attributes over SENTRY_TRACE_MAX_ATTRIBUTES are dropped and counted in attributes_dropped") {
  harness h;
  REQUIRE(h.init());
  constexpr std::size_t over = 3;
  constexpr std::size_t n = SENTRY_TRACE_MAX_ATTRIBUTES + over;
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < n; ++i) keys.push_back("attr." + std::to_string(i));
  std::vector<st::attribute> attrs;
  for (std::size_t i = 0; i < n; ++i) attrs.push_back(st::attribute{keys[i], static_cast<std::int64_t>(i)});
  const std::uint64_t before = st::get_stats().attributes_dropped;
  {
    st::span_options o{"many", "task"};
    o.attributes = attrs.data();
    o.attribute_count = attrs.size();
    st::scoped_span root(o);
    CHECK(st::get_stats().attributes_dropped - before == over);
    root->set_attribute("one.more", "x");  // the span is full: counted too
    CHECK(st::get_stats().attributes_dropped - before == over + 1);
    root->set_attribute("attr.0", 99);  // replacing an existing key still works
    CHECK(st::get_stats().attributes_dropped - before == over + 1);
    st::span_options co{"child", "task"};
    co.attributes = attrs.data();
    co.attribute_count = attrs.size();
    st::scoped_span child(co);  // the limit is per span
    CHECK(st::get_stats().attributes_dropped - before == 2 * over + 1);
  }
  json body = only_transaction(h);
  const json& data = body["contexts"]["trace"]["data"];
  std::size_t user_keys = 0;
  for (auto& m : data.members) user_keys += m.first.rfind("attr.", 0) == 0 ? 1 : 0;
  CHECK(user_keys == SENTRY_TRACE_MAX_ATTRIBUTES);
  CHECK(data["attr.0"].raw_number == "99");
  CHECK(data.has("attr." + std::to_string(SENTRY_TRACE_MAX_ATTRIBUTES - 1)));
  CHECK_FALSE(data.has("attr." + std::to_string(SENTRY_TRACE_MAX_ATTRIBUTES)));
  CHECK_FALSE(data.has("one.more"));
  REQUIRE(body["spans"].size() == 1);
  const json& child_data = body["spans"][0]["data"];
  user_keys = 0;
  for (auto& m : child_data.members) user_keys += m.first.rfind("attr.", 0) == 0 ? 1 : 0;
  CHECK(user_keys == SENTRY_TRACE_MAX_ATTRIBUTES);
}

TEST_CASE("span_options attributes on an unsampled span record nothing and count nothing") {
  harness h;
  h.opts.traces_sample_rate = 0.0;
  REQUIRE(h.init());
  const st::attribute attrs[] = {{"k", "v"}, {"n", 1}};
  const std::uint64_t before = st::get_stats().attributes_dropped;
  {
    st::span_options o{"dropped", "task"};
    o.attributes = attrs;
    o.attribute_count = 2;
    st::scoped_span root(o);
    CHECK_FALSE(root->is_recording());
    st::span_options co{"child", "task"};
    co.attributes = attrs;
    co.attribute_count = 2;
    st::scoped_span child(co);
    CHECK_FALSE(child->is_recording());
  }
  CHECK(st::get_stats().attributes_dropped == before);
  CHECK(h.transport.transactions().empty());
}

TEST_CASE("attributes are escaped into valid JSON") {
  harness h;
  REQUIRE(h.init());
  {
    st::scoped_span root({"attrs", "task"});
    root->set_attribute("quote\"key", "line1\nline2\t\"q\"\\");
  }
  json body = only_transaction(h);
  CHECK(body["contexts"]["trace"]["data"]["quote\"key"].str == "line1\nline2\t\"q\"\\");
}

TEST_CASE("set_name, set_op and set_origin are visible in the envelope") {
  harness h;
  REQUIRE(h.init());
  {
    st::scoped_span root({"old name", "old.op"});
    root->set_name("GET /renamed");
    root->set_op("http.server");
    root->set_origin("auto.http.custom");
    st::scoped_span child({"old child", "old.child"});
    child->set_name("SELECT 1");
    child->set_op("db.query");
    child->set_origin("auto.db.custom");
  }
  json body = only_transaction(h);
  CHECK(body["transaction"].str == "GET /renamed");
  const json& trace = body["contexts"]["trace"];
  CHECK(trace["op"].str == "http.server");
  CHECK(trace["origin"].str == "auto.http.custom");
  CHECK(trace["data"]["sentry.op"].str == "http.server");
  CHECK(trace["data"]["sentry.origin"].str == "auto.http.custom");
  const json& span = body["spans"][0];
  CHECK(span["description"].str == "SELECT 1");
  CHECK(span["op"].str == "db.query");
  CHECK(span["origin"].str == "auto.db.custom");
  CHECK(span["data"]["sentry.op"].str == "db.query");
  auto txns = h.transport.transactions();
  CHECK(txns[0].header["trace"]["transaction"].str == "GET /renamed");
}

TEST_CASE("origin defaults to manual, and span_options.origin is used when given") {
  harness h;
  REQUIRE(h.init());
  {
    st::span_options o{"root", "task"};
    o.origin = "auto.function.test";
    st::scoped_span root(o);
    st::scoped_span child({"child", "task"});
  }
  json body = only_transaction(h);
  CHECK(body["contexts"]["trace"]["origin"].str == "auto.function.test");
  CHECK(body["spans"][0]["origin"].str == "manual");
}

TEST_CASE("set_name with source url leaves the transaction out of the DSC and writes source url") {
  harness h;
  REQUIRE(h.init());
  {
    st::scoped_span root({"GET /users/123", "http.server"});
    root->set_name("GET /users/123", st::transaction_source::url);
  }
  auto txns = h.transport.transactions();
  REQUIRE(txns.size() == 1);
  const json& dsc = txns[0].header["trace"];
  CHECK_FALSE(dsc.has("transaction"));
  CHECK(dsc.has("trace_id"));
  const json& body = txns[0].items[0].body;
  CHECK(body["transaction"].str == "GET /users/123");
  CHECK(body["transaction_info"]["source"].str == "url");
  CHECK(body["contexts"]["trace"]["data"]["sentry.segment.name.source"].str == "url");
}

TEST_CASE("set_name with source route keeps the transaction in the DSC, and a child's source does not matter") {
  harness h;
  REQUIRE(h.init());
  {
    st::scoped_span root({"GET /users/123", "http.server"});
    root->set_name("GET /users/:id", st::transaction_source::route);
    st::scoped_span child({"child", "task"});
    child->set_name("child renamed", st::transaction_source::url);  // not the root: ignored
  }
  auto txns = h.transport.transactions();
  REQUIRE(txns.size() == 1);
  CHECK(txns[0].header["trace"]["transaction"].str == "GET /users/:id");
  CHECK(txns[0].items[0].body["transaction_info"]["source"].str == "route");
  CHECK(txns[0].items[0].body["spans"][0]["description"].str == "child renamed");
}

TEST_CASE("span_options.source sets the transaction's source") {
  harness h;
  REQUIRE(h.init());
  {
    st::span_options o{"/users/42", "http.server"};
    o.source = st::transaction_source::url;
    st::scoped_span root(o);
  }
  auto txns = h.transport.transactions();
  REQUIRE(txns.size() == 1);
  CHECK_FALSE(txns[0].header["trace"].has("transaction"));
  CHECK(txns[0].items[0].body["transaction_info"]["source"].str == "url");
}

TEST_CASE("setters on an ended or empty span are no-ops") {
  harness h;
  REQUIRE(h.init());
  st::span empty;
  empty.set_attribute("k", 1);
  empty.set_status(st::span_status::aborted);
  empty.set_name("x");
  empty.end();
  CHECK_FALSE(empty.is_active());
  st::span root = st::start_span_manual({"root", "task"});
  root.set_attribute("before", 1);
  root.end();
  CHECK_FALSE(root.is_active());
  root.set_attribute("after", 2);
  root.set_status(st::span_status::aborted);
  root.end();  // idempotent
  json body = only_transaction(h);
  CHECK(body["contexts"]["trace"]["data"].has("before"));
  CHECK_FALSE(body["contexts"]["trace"]["data"].has("after"));
  CHECK(body["contexts"]["trace"]["status"].str == "ok");
}

} // TEST_SUITE
