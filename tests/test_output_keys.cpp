// Tests for the uniqueness of keys in what the library writes (pool.hpp's key rule, envelope.hpp):
// no object of a transaction or span v2 envelope carries a key twice, whatever attribute and
// measurement names the program uses, and values JSON cannot hold are dropped and counted.

#include "fixture.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace st = sentry_trace;
namespace ts = test_support;
using ts::harness;
using ts::json;

/// Every object in `v`, however deep, has distinct member names; the first duplicate found is
/// reported through `dup`.
bool keys_unique(const json& v, std::string& dup) {
  if (v.kind == json::object_k) {
    std::set<std::string> seen;
    for (const auto& m : v.members) {
      if (!seen.insert(m.first).second) {
        dup = m.first;
        return false;
      }
      if (!keys_unique(m.second, dup)) return false;
    }
  }
  for (const json& item : v.items)
    if (!keys_unique(item, dup)) return false;
  return true;
}

/// How many members of `obj` are named `key`.
int count_key(const json& obj, const std::string& key) {
  int n = 0;
  for (const auto& m : obj.members) n += m.first == key ? 1 : 0;
  return n;
}

std::uint64_t attributes_dropped() { return st::get_stats().attributes_dropped; }

const std::string long_a = std::string(256, 'k') + "-first";
const std::string long_b = std::string(256, 'k') + "-second";
const std::string fffd = "\xEF\xBF\xBD";

} // namespace

TEST_SUITE("output keys") {

TEST_CASE("attribute keys equal after the 256-byte cut or after U+FFFD replacement are one key: the later set wins") {
  harness h;
  REQUIRE(h.init());
  {
    st::scoped_span root({"GET /keys", "http.server"});
    root->set_attribute(long_a, "a");
    root->set_attribute(long_b, "b");                // same first 256 bytes: same key
    root->set_attribute("\xFF", std::int64_t{1});
    root->set_attribute("\xFE", std::int64_t{2});    // both are written as "\ufffd"
    root->set_attribute("x\xC3", true);
    root->set_attribute("x\xE2\x82", false);         // "x" + one replaced truncated sequence each
    root->set_attribute(std::string(255, 'k') + "\xC3\xA9", "cut before the split character");
  }
  auto txns = h.transport.transactions();
  REQUIRE(txns.size() == 1);
  const json& body = txns[0].items[0].body;
  std::string dup;
  CHECK_MESSAGE(keys_unique(body, dup), "duplicate key: ", dup);
  const json& data = body["contexts"]["trace"]["data"];
  CHECK(count_key(data, std::string(256, 'k')) == 1);
  CHECK(data[std::string(256, 'k')].str == "b");
  CHECK(count_key(data, fffd) == 1);
  CHECK(data[fffd].num == 2);
  CHECK(count_key(data, "x" + fffd) == 1);
  CHECK(data["x" + fffd].b == false);
  CHECK(data.has(std::string(255, 'k')));  // the cut never splits "é"
}

TEST_CASE("a key with one byte from 0x80 up anywhere in it is repaired before it is compared") {
  // The plain-key check reads a key eight bytes a step and its last eight again (under eight,
  // byte by byte): the byte may sit in any lane of a word, in the overlap or in a short key.
  // Missed, "\xFF" and "\xFE" would stay two keys.
  for (std::size_t len = 1; len <= 20; ++len) {
    for (std::size_t at = 0; at < len; ++at) {
      harness h;
      REQUIRE(h.init());
      std::string first(len, 'k'), second(len, 'k');
      first[at] = '\xFF';
      second[at] = '\xFE';
      {
        st::scoped_span root({"GET /keys", "http.server"});
        root->set_attribute(first, "first");
        root->set_attribute(second, "second");
      }
      auto txns = h.transport.transactions();
      REQUIRE(txns.size() == 1);
      const json& data = txns[0].items[0].body["contexts"]["trace"]["data"];
      const std::string written = std::string(at, 'k') + fffd + std::string(len - at - 1, 'k');
      CAPTURE(len);
      CAPTURE(at);
      CHECK(count_key(data, written) == 1);
      CHECK(data[written].str == "second");
    }
  }
}

TEST_CASE("a user attribute named like one of the SDK's own keys is dropped and counted") {
  harness h;
  REQUIRE(h.init());
  const std::uint64_t before = attributes_dropped();
  {
    st::scoped_span root({"GET /reserved", "http.server"});
    root->set_attribute("sentry.op", "user.op");
    root->set_attribute("sentry.origin", std::int64_t{3});
    root->set_attribute("sentry.sample_rate", 0.5);
    root->set_attribute("sentry.op.custom", "kept: not an SDK key");
    st::scoped_span child({"child", "db"});
    child->set_attribute("sentry.op", true);
  }
  CHECK(attributes_dropped() - before == 4);
  auto txns = h.transport.transactions();
  REQUIRE(txns.size() == 1);
  const json& body = txns[0].items[0].body;
  std::string dup;
  CHECK_MESSAGE(keys_unique(body, dup), "duplicate key: ", dup);
  const json& data = body["contexts"]["trace"]["data"];
  CHECK(data["sentry.op"].str == "http.server");
  CHECK(data["sentry.origin"].str == "manual");
  CHECK(data["sentry.op.custom"].str == "kept: not an SDK key");
  REQUIRE(body["spans"].size() == 1);
  CHECK(body["spans"][0]["data"]["sentry.op"].str == "db");
}

TEST_CASE("span_options attributes follow the same key rule") {
  harness h;
  REQUIRE(h.init());
  const st::attribute attrs[] = {{"sentry.op", "no"}, {long_a, std::int64_t{1}}, {long_b, std::int64_t{2}}};
  const std::uint64_t before = attributes_dropped();
  {
    st::span_options o{"GET /opts", "http.server"};
    o.attributes = attrs;
    o.attribute_count = 3;
    st::scoped_span root(o);
  }
  CHECK(attributes_dropped() - before == 1);
  auto txns = h.transport.transactions();
  REQUIRE(txns.size() == 1);
  const json& data = txns[0].items[0].body["contexts"]["trace"]["data"];
  std::string dup;
  CHECK_MESSAGE(keys_unique(txns[0].items[0].body, dup), "duplicate key: ", dup);
  CHECK(data["sentry.op"].str == "http.server");
  CHECK(data[std::string(256, 'k')].num == 2);
}

TEST_CASE("NaN and infinite attribute values are dropped and counted, never written as null") {
  harness h;
  REQUIRE(h.init());
  const std::uint64_t before = attributes_dropped();
  {
    st::scoped_span root({"GET /nan", "http.server"});
    root->set_attribute("ratio", 0.25);
    root->set_attribute("ratio", std::numeric_limits<double>::quiet_NaN());  // the 0.25 stays
    root->set_attribute("up", std::numeric_limits<double>::infinity());
    root->set_attribute("down", -std::numeric_limits<double>::infinity());
  }
  CHECK(attributes_dropped() - before == 3);
  auto txns = h.transport.transactions();
  REQUIRE(txns.size() == 1);
  const json& data = txns[0].items[0].body["contexts"]["trace"]["data"];
  CHECK(data["ratio"].num == 0.25);
  CHECK_FALSE(data.has("up"));
  CHECK_FALSE(data.has("down"));
  CHECK(txns[0].items[0].payload.find("null") == std::string::npos);
}

TEST_CASE("measurement names equal after the 200-byte cut or U+FFFD replacement are one measurement") {
  harness h;
  REQUIRE(h.init());
  {
    st::scoped_span root({"GET /measure", "http.server"});
    st::set_measurement(std::string(200, 'm') + "-first", 1.0);
    st::set_measurement(std::string(200, 'm') + "-second", 2.0);
    st::set_measurement("\xFF", 3.0);
    st::set_measurement("\xC0", 4.0);
  }
  auto txns = h.transport.transactions();
  REQUIRE(txns.size() == 1);
  const json& body = txns[0].items[0].body;
  std::string dup;
  CHECK_MESSAGE(keys_unique(body, dup), "duplicate key: ", dup);
  const json& m = body["measurements"];
  CHECK(m.size() == 2);
  CHECK(m[std::string(200, 'm')]["value"].num == 2.0);
  CHECK(m[fffd]["value"].num == 4.0);
}

TEST_CASE("span v2 items: reserved keys, NaN values and keys equal when written appear once or not at all") {
  ts::capture_transport transport;
  st::options o = ts::default_options(&transport);
  o.trace_lifecycle = st::trace_lifecycle::stream;
  REQUIRE(st::init(o));
  const std::uint64_t before = attributes_dropped();
  {
    st::scoped_span root({"GET /v2", "http.server"});
    root->set_attribute("sentry.environment", "user");
    root->set_attribute("sentry.segment.id", std::int64_t{7});
    root->set_attribute("nan", std::numeric_limits<double>::quiet_NaN());
    root->set_attribute("\xFF", "a");
    root->set_attribute("\xFE", "b");
  }
  st::shutdown(1000);
  CHECK(attributes_dropped() - before == 3);
  int items = 0;
  for (const std::string& bytes : transport.sent) {
    ts::envelope e = ts::parse_envelope(bytes);
    const ts::envelope_item* it = e.item("span");
    if (!it) continue;
    std::string dup;
    CHECK_MESSAGE(keys_unique(it->body, dup), "duplicate key: ", dup);
    CHECK(it->payload.find("null") == std::string::npos);
    for (const json& item : it->body["items"].items) {
      ++items;
      const json& attrs = item["attributes"];
      CHECK(attrs["sentry.environment"]["value"].str == "test");
      CHECK_FALSE(attrs.has("nan"));
      CHECK(attrs[fffd]["value"].str == "b");
    }
  }
  CHECK(items == 1);
}

} // TEST_SUITE
