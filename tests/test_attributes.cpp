// Tests for attributes and statuses as a user sets them: span::set_attributes and braced lists
// of start-time attributes (span_attributes), set_status(status, message) in transactions and
// in span v2, the value types every C++ integer, float and string type becomes, and
// sampling_context::inherit_or_sample_with (@sentry/core's inheritOrSampleWith).

#include "fixture.hpp"
#include "support.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace {

namespace st = sentry_trace;
namespace ts = test_support;
using test_support::harness;
using test_support::json;
using kind = st::attribute_value::kind;

std::size_t count_members(const json& object, const std::string& key) {
  std::size_t n = 0;
  for (auto& m : object.members) n += m.first == key ? 1 : 0;
  return n;
}

json only_transaction(const harness& h) {
  auto txns = h.transport.transactions();
  REQUIRE(txns.size() == 1);
  return txns[0].items[0].body;
}

/// The only transaction envelope's bytes, as sent.
std::string only_transaction_bytes(const harness& h) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < h.transport.sent.size(); ++i)
    if (!h.transport.client_report[i]) out.push_back(h.transport.sent[i]);
  REQUIRE(out.size() == 1);
  return out[0];
}

/// The child span named `name` of transaction `body`.
const json* child(const json& body, const std::string& name) {
  for (const json& s : body["spans"].items)
    if (s["description"].str == name) return &s;
  return nullptr;
}

// ---- compile-time checks: every value type has one meaning, and a dangling list is refused --

template <class T> constexpr kind kind_of(T v) { return st::attribute_value(v).type(); }

static_assert(kind_of('A') == kind::string, "char is a one-byte string");
static_assert(st::attribute_value('A').as_string() == "A", "its text");
static_assert(st::attribute_value('\0').as_string().size() == 1, "also NUL: one byte");
static_assert(kind_of(static_cast<signed char>(-5)) == kind::int64, "signed char (int8_t) is an integer");
static_assert(kind_of(static_cast<unsigned char>(200)) == kind::int64, "unsigned char (uint8_t) is an integer");
static_assert(st::attribute_value(static_cast<unsigned char>(200)).as_int64() == 200, "its value");
static_assert(kind_of(static_cast<short>(-3)) == kind::int64, "short");
static_assert(kind_of(static_cast<unsigned short>(3)) == kind::int64, "unsigned short");
static_assert(kind_of(-3) == kind::int64, "int");
static_assert(kind_of(3u) == kind::int64, "unsigned");
static_assert(kind_of(-3L) == kind::int64, "long");
static_assert(kind_of(3UL) == kind::int64, "unsigned long");
static_assert(kind_of(-3LL) == kind::int64, "long long");
static_assert(kind_of(3ULL) == kind::int64, "unsigned long long at or below INT64_MAX");
static_assert(kind_of(18446744073709551615ULL) == kind::float64, "unsigned long long above INT64_MAX: a double");
static_assert(st::attribute_value(9223372036854775808ULL).as_double() == 9223372036854775808.0, "exact here");
static_assert(st::attribute_value(9223372036854775807ULL).as_int64() == INT64_MAX, "INT64_MAX stays an integer");
static_assert(kind_of(u'x') == kind::int64 && kind_of(U'x') == kind::int64 && kind_of(L'x') == kind::int64,
              "char16_t, char32_t and wchar_t are code units: integers");
static_assert(kind_of(1.5f) == kind::float64, "float");
static_assert(kind_of(1.5) == kind::float64, "double");
static_assert(kind_of(1.5L) == kind::float64 && st::attribute_value(1.5L).as_double() == 1.5, "long double");
static_assert(kind_of(true) == kind::boolean, "bool");
static_assert(kind_of("true") == kind::string, "a literal is a string, never a bool");
static_assert(kind_of(std::string_view("v")) == kind::string, "std::string_view");
static_assert(kind_of(static_cast<const char*>(nullptr)) == kind::string, "a null const char* is \"\"");
static_assert(st::attribute_value(static_cast<const char*>(nullptr)).as_string().empty(), "empty");
static_assert(std::is_convertible_v<const std::string&, st::attribute_value>, "std::string converts implicitly");
static_assert(std::is_convertible_v<char*, st::attribute_value>, "char* is text");
static_assert(!std::is_constructible_v<st::attribute_value, int*>, "an int* is not a bool");
static_assert(!std::is_constructible_v<st::attribute_value, const std::string*>, "nor a std::string*");
static_assert(!std::is_constructible_v<st::attribute_value, void*>, "nor a void*");

template <class T, class = void> struct settable : std::false_type {};
template <class T>
struct settable<T, std::void_t<decltype(std::declval<st::span&>().set_attribute("k", std::declval<T>()))>>
    : std::true_type {};
static_assert(settable<char>::value && settable<signed char>::value && settable<unsigned char>::value, "chars");
static_assert(settable<short>::value && settable<unsigned short>::value && settable<int>::value &&
                  settable<unsigned>::value && settable<long>::value && settable<unsigned long>::value &&
                  settable<long long>::value && settable<unsigned long long>::value,
              "every integer type");
static_assert(settable<float>::value && settable<double>::value && settable<long double>::value, "floats");
static_assert(settable<bool>::value && settable<const char*>::value && settable<char*>::value &&
                  settable<std::string>::value && settable<const std::string&>::value &&
                  settable<std::string_view>::value && settable<const char (&)[3]>::value &&
                  settable<std::nullptr_t>::value && settable<st::attribute_value>::value,
              "strings, bool, values");
static_assert(!settable<int*>::value && !settable<const std::string*>::value, "pointers are refused");

static_assert(!std::is_assignable_v<st::span_attributes&, std::initializer_list<st::attribute>>,
              "a braced list assigned to a view would dangle at the end of the statement");
static_assert(std::is_assignable_v<st::span_attributes&, const st::attribute*>, "as the pointer it replaced");
static_assert(std::is_assignable_v<st::span_attributes&, std::nullptr_t>, "as the pointer it replaced");

constexpr st::attribute some[] = {{"a", 1}, {"b", "x"}, {"c", 2.5}};
static_assert(st::span_attributes(some).size() == 3, "an array gives its size");
static_assert(st::span_attributes(some, 2).size() == 2, "a pointer and a count");
static_assert(st::span_attributes(nullptr, 5).empty(), "no array: nothing to read");
static_assert(st::span_attributes(static_cast<const st::attribute*>(some)).empty(), "a bare pointer: its count is elsewhere");
constexpr st::span_options legacy_options() {
  st::span_options o{"n", "op"};
  o.attributes = static_cast<const st::attribute*>(some);
  o.attribute_count = 2;
  return o;
}
static_assert(legacy_options().start_attributes().size() == 2, "attribute_count counts a bare pointer");
constexpr st::span_options legacy_array_options() {
  st::span_options o{"n", "op"};
  o.attributes = some;      // as code written before the view does
  o.attribute_count = 1;    // only the first
  return o;
}
static_assert(legacy_array_options().start_attributes().size() == 1, "a nonzero attribute_count wins");
static_assert(legacy_array_options().start_attributes().data() == some, "same array");

} // namespace

TEST_SUITE("attributes") {

TEST_CASE("set_attributes sets a braced list in one call, in order, as set_attribute would one by one") {
  harness h;
  REQUIRE(h.init());
  const std::string owned = "owned";
  const st::attribute more[] = {{"from_array", 7}, {"b", "replaced by the array"}};
  {
    st::scoped_span root({"job", "task"});
    root->set_attributes({{"db.system", "sqlite"},
                          {"db.rows", 3},
                          {"b", owned},
                          {"ratio", 0.5},
                          {"cached", false},
                          {"grade", 'A'},
                          {"sentry.op", "refused: an SDK key"}});
    root->set_attributes(more);
    root->set_attributes({more, 1});  // a pointer and a count
    root->set_attributes({});         // nothing
  }
  const json body = only_transaction(h);
  const json& data = body["contexts"]["trace"]["data"];
  CHECK(data["db.system"].str == "sqlite");
  CHECK(data["db.rows"].raw_number == "3");
  CHECK(data["b"].str == "replaced by the array");  // a later value of a key wins
  CHECK(count_members(data, "b") == 1);
  CHECK(data["ratio"].raw_number == "0.5");
  CHECK(data["cached"].kind == json::bool_k);
  CHECK_FALSE(data["cached"].b);
  CHECK(data["grade"].str == "A");
  CHECK(data["from_array"].raw_number == "7");
  CHECK(data["sentry.op"].str == "task");  // the SDK's own
  CHECK(count_members(data, "sentry.op") == 1);
  CHECK(st::get_stats().attributes_dropped == 1);
}

TEST_CASE("a long value equal to the span's name or to the value before it is stored once") {
  // A query span carries its statement three times: as its name, db.statement and
  // db.query.text. Stored three times, 1000-byte statements filled the 64 KiB arena after 21
  // spans and the rest were truncated; stored once, 50 fit whole.
  static_assert(SENTRY_TRACE_STRING_ARENA == 65536 && SENTRY_TRACE_MAX_STRING >= 1000, "the sizes this counts with");
  harness h;
  REQUIRE(h.init());
  constexpr int spans = 50;
  {
    st::scoped_span root({"job", "task"});
    for (int i = 0; i < spans; ++i) {
      std::string statement = "SELECT " + std::to_string(i) + " ";
      statement.resize(1000, 'x');
      const std::string other = statement.substr(0, 999) + "y";  // as long, one byte off: its own copy
      st::span s = st::start_span_manual({statement, "db"});
      s.set_attributes({{"db.statement", statement}, {"db.query.text", statement}});
      if (i == 0) {
        s.set_attribute("db.other", other);
        s.set_attribute("db.other.again", other);  // shares the value set just before
      }
      s.end();
    }
  }
  CHECK(st::get_stats().strings_truncated == 0);
  const json body = only_transaction(h);
  REQUIRE(body["spans"].items.size() == spans);
  for (const json& s : body["spans"].items) {
    const std::string& name = s["description"].str;
    CHECK(name.size() == 1000);
    CHECK(s["data"]["db.statement"].str == name);
    CHECK(s["data"]["db.query.text"].str == name);
  }
  const json& first = body["spans"].items[0];
  CHECK(first["data"]["db.other"].str == first["description"].str.substr(0, 999) + "y");
  CHECK(first["data"]["db.other.again"].str == first["data"]["db.other"].str);
}

namespace {

/// A span's data members in order, one "key=value" each, for comparing two ways of setting them.
std::string flattened(const json& data) {
  std::string out;
  for (const auto& m : data.members) {
    const json& v = m.second;
    out += m.first + "=";
    switch (v.kind) {
      case json::string_k: {
        // Long values as their length and a hash, so that a failure prints a readable line.
        std::uint64_t h = 1469598103934665603u;
        for (char c : v.str) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211u;
        out += v.str.size() <= 40 ? "s:" + v.str : "s:" + std::to_string(v.str.size()) + " bytes #" + std::to_string(h);
        break;
      }
      case json::number_k: out += "n:" + v.raw_number; break;
      case json::bool_k: out += v.b ? "true" : "false"; break;
      default: out += "?"; break;
    }
    out += ";";
  }
  return out;
}

struct set_outcome {
  std::string data;
  std::uint64_t dropped = 0, truncated = 0;
};

/// One transaction: `fillers` spans with 1000-byte names (to bring the arena near its end),
/// then the span named `name` with `list`, given at its start or set right after it.
set_outcome record_with(const std::string& name, const std::vector<st::attribute>& list, int fillers, bool at_start) {
  harness h;
  REQUIRE(h.init());
  const st::stats before = st::get_stats();
  {
    st::scoped_span root({"job", "task"});
    for (int i = 0; i < fillers; ++i) st::start_span_manual({std::string(1000, 'f'), "filler"}).end();
    st::span_options o;
    o.name = name;
    o.op = "db";
    if (at_start) o.attributes = st::span_attributes(list.data(), list.size());
    st::span s = st::start_span_manual(o);
    if (!at_start) s.set_attributes(st::span_attributes(list.data(), list.size()));
    s.end();
  }
  const st::stats after = st::get_stats();
  set_outcome out;
  const json body = only_transaction(h);
  for (const json& s : body["spans"].items)
    if (s["op"].str == "db") out.data = flattened(s["data"]);
  out.dropped = after.attributes_dropped - before.attributes_dropped;
  out.truncated = after.strings_truncated - before.strings_truncated;
  return out;
}

}  // namespace

TEST_CASE("start-time attributes are stored exactly as setting them one by one after the start stores them") {
  // The start sets a list in one go (one arena reservation, one claim of records); these
  // random lists hold what must make it fall back or share: SDK keys, keys twice, keys that
  // are not plain, NaN, values equal to the name or to the value before, values past
  // SENTRY_TRACE_MAX_STRING, and an arena near its end.
  const std::string name(48, 'n');
  const std::string long_value(SENTRY_TRACE_MAX_STRING + 300, 'v');
  const std::string keys[] = {"db.system", "db.statement", "db.query.text", "k1", "k2", "k3", "sentry.op",
                              "k\xC3\xA9", "k\xFF", std::string(300, 'k'), "server.port", "flag"};
  std::vector<std::string> texts;  // owned values the attributes view
  std::uint64_t x = 0x9E3779B97F4A7C15u;
  auto next = [&x] {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    return x;
  };
  int one_go_rounds = 0, near_full_rounds = 0;
  for (int round = 0; round < 200; ++round) {
    texts.clear();
    texts.reserve(64);
    std::vector<st::attribute> list;
    const std::size_t n = 1 + next() % 20;
    // Mostly distinct plain keys, so that most lists take the one-go path.
    const bool plain_only = next() % 3 != 0;
    for (std::size_t i = 0; i < n; ++i) {
      std::string key = plain_only ? "key." + std::to_string(i) : keys[next() % (sizeof keys / sizeof keys[0])];
      texts.push_back(key);
      const std::string_view k = texts.back();
      switch (next() % 8) {
        case 0: texts.push_back("short " + std::to_string(i)); list.push_back({k, std::string_view(texts.back())}); break;
        case 1: list.push_back({k, std::string_view(name)}); break;
        case 2:
          if (!list.empty() && list.back().value.type() == st::attribute_value::kind::string) list.push_back({k, list.back().value});
          else list.push_back({k, std::string_view(long_value).substr(0, 40 + next() % 100)});
          break;
        case 3: list.push_back({k, std::string_view(long_value)}); break;
        case 4: list.push_back({k, static_cast<std::int64_t>(next() % 1000)}); break;
        case 5: list.push_back({k, next() % 5 == 0 ? std::numeric_limits<double>::quiet_NaN() : 0.25}); break;
        case 6: list.push_back({k, next() % 2 == 0}); break;
        default: list.push_back({k, std::string_view(long_value).substr(0, 32)}); break;
      }
    }
    const int fillers = next() % 4 == 0 ? 60 + static_cast<int>(next() % 5) : 0;
    bool one_go = plain_only && n <= 16;  // what the start takes in one go, as pool.hpp decides it
    for (const st::attribute& a : list)
      one_go = one_go && !(a.value.type() == st::attribute_value::kind::float64 && a.value.as_double() != a.value.as_double());
    one_go_rounds += one_go ? 1 : 0;
    near_full_rounds += one_go && fillers ? 1 : 0;
    CAPTURE(round);
    const set_outcome at_start = record_with(name, list, fillers, true);
    const set_outcome after = record_with(name, list, fillers, false);
    CHECK(at_start.data == after.data);
    CHECK(at_start.dropped == after.dropped);
    CHECK(at_start.truncated == after.truncated);
  }
  // The lists cover both paths, and the one-go path near the arena's end.
  CHECK(one_go_rounds > 60);
  CHECK(near_full_rounds > 10);
}

TEST_CASE("set_attributes on a span that records nothing does nothing") {
  harness h;
  h.opts.traces_sample_rate = 0.0;
  REQUIRE(h.init());
  st::span s = st::start_span_manual({"unsampled", "task"});
  CHECK_FALSE(s.is_recording());
  s.set_attributes({{"k", 1}, {"j", "v"}});
  s.end();
  CHECK(h.transactions_sent() == 0);
  CHECK(st::get_stats().attributes_dropped == 0);
}

TEST_CASE("start-time attributes from a braced list inside the start call reach the span and the sampler") {
  struct seen_t {
    std::int64_t rows = -1;
    std::string system;
    std::size_t count = 0;
  } seen;
  harness h;
  h.opts.traces_sample_rate = st::options::unset;
  h.opts.traces_sampler = [p = &seen](const st::sampling_context& c) {
    p->count = c.attribute_count;
    if (const st::attribute_value* v = c.find("db.rows")) p->rows = v->as_int64();
    if (const st::attribute_value* v = c.find("db.system")) p->system = std::string(v->as_string());
    return 1.0;
  };
  REQUIRE(h.init());
  const std::string system = "postgresql";
  st::start_span({"SELECT orders", "db.query", {}, {}, st::transaction_source::custom, false,
                  {{"db.system", system}, {"db.rows", 12u}}},
                 [](st::span& s) {
                   st::scoped_span c({"fetch", "db.fetch", {}, {}, st::transaction_source::custom, false,
                                      {{"fetch.size", 100}, {"fetch.mode", 'b'}}});
                   static_cast<void>(s);
                 });
  CHECK(seen.count == 2);
  CHECK(seen.rows == 12);
  CHECK(seen.system == "postgresql");
  const json body = only_transaction(h);
  CHECK(body["contexts"]["trace"]["data"]["db.system"].str == "postgresql");
  CHECK(body["contexts"]["trace"]["data"]["db.rows"].raw_number == "12");
  const json* fetch = child(body, "fetch");
  REQUIRE(fetch);
  CHECK((*fetch)["data"]["fetch.size"].raw_number == "100");
  CHECK((*fetch)["data"]["fetch.mode"].str == "b");
}

TEST_CASE("start-time attributes written as before the view still count with attribute_count") {
  harness h;
  REQUIRE(h.init());
  const st::attribute attrs[] = {{"first", 1}, {"second", 2}, {"third", 3}};
  {
    st::span_options o{"legacy", "task"};
    o.attributes = attrs;
    o.attribute_count = 2;  // only the first two
    st::scoped_span root(o);
    st::span_options co{"view", "task"};
    co.attributes = {attrs, 3};  // a pointer and a count, in the view
    st::scoped_span c(co);
  }
  const json body = only_transaction(h);
  const json& data = body["contexts"]["trace"]["data"];
  CHECK(data.has("first"));
  CHECK(data.has("second"));
  CHECK_FALSE(data.has("third"));
  const json* view = child(body, "view");
  REQUIRE(view);
  CHECK((*view)["data"]["third"].raw_number == "3");
}

TEST_CASE("every C++ value type lands in the envelope as its Sentry type") {
  harness h;
  REQUIRE(h.init());
  {
    st::scoped_span root({"types", "task"});
    const std::string text = "std::string";
    char buffer[] = "char*";
    const char* null_text = nullptr;
    root->set_attribute("char", 'x');
    root->set_attribute("signed_char", static_cast<signed char>(-5));
    root->set_attribute("unsigned_char", static_cast<unsigned char>(250));
    root->set_attribute("int8", static_cast<std::int8_t>(-8));
    root->set_attribute("uint8", static_cast<std::uint8_t>(8));
    root->set_attribute("short", static_cast<short>(-16));
    root->set_attribute("unsigned_short", static_cast<unsigned short>(16));
    root->set_attribute("int", -32);
    root->set_attribute("unsigned", 32u);
    root->set_attribute("long", -64L);
    root->set_attribute("unsigned_long", 64UL);
    root->set_attribute("long_long", -9000000000LL);
    root->set_attribute("unsigned_long_long", 9000000000ULL);
    root->set_attribute("u64_int64_max", 9223372036854775807ULL);
    root->set_attribute("u64_above", 9223372036854775808ULL);
    root->set_attribute("u64_max", 18446744073709551615ULL);
    root->set_attribute("float", 0.25f);
    root->set_attribute("double", 0.125);
    root->set_attribute("long_double", 0.5L);
    root->set_attribute("bool", true);
    root->set_attribute("literal", "false");
    root->set_attribute("const_char_ptr", static_cast<const char*>("ccp"));
    root->set_attribute("char_ptr", buffer);
    root->set_attribute("std_string", text);
    root->set_attribute("std_string_temporary", std::string("temporary"));
    root->set_attribute("string_view", std::string_view("view"));
    root->set_attribute("null_const_char_ptr", null_text);
    root->set_attribute("nullptr", nullptr);
    root->set_attribute("value", st::attribute_value(3));
  }
  const json body = only_transaction(h);
  const json& data = body["contexts"]["trace"]["data"];
  auto string_of = [&](const char* key) {
    CAPTURE(key);
    CHECK(data[key].kind == json::string_k);
    return data[key].str;
  };
  auto number_of = [&](const char* key) {
    CAPTURE(key);
    CHECK(data[key].kind == json::number_k);
    return data[key].raw_number;
  };
  CHECK(string_of("char") == "x");
  CHECK(number_of("signed_char") == "-5");
  CHECK(number_of("unsigned_char") == "250");
  CHECK(number_of("int8") == "-8");
  CHECK(number_of("uint8") == "8");
  CHECK(number_of("short") == "-16");
  CHECK(number_of("unsigned_short") == "16");
  CHECK(number_of("int") == "-32");
  CHECK(number_of("unsigned") == "32");
  CHECK(number_of("long") == "-64");
  CHECK(number_of("unsigned_long") == "64");
  CHECK(number_of("long_long") == "-9000000000");
  CHECK(number_of("unsigned_long_long") == "9000000000");
  CHECK(number_of("u64_int64_max") == "9223372036854775807");
  number_of("u64_above");
  CHECK(data["u64_above"].num == 9223372036854775808.0);
  number_of("u64_max");
  CHECK(data["u64_max"].num == 18446744073709551616.0);
  CHECK(number_of("float") == "0.25");
  CHECK(number_of("double") == "0.125");
  CHECK(number_of("long_double") == "0.5");
  CHECK(data["bool"].kind == json::bool_k);
  CHECK(string_of("literal") == "false");
  CHECK(string_of("const_char_ptr") == "ccp");
  CHECK(string_of("char_ptr") == "char*");
  CHECK(string_of("std_string") == "std::string");
  CHECK(string_of("std_string_temporary") == "temporary");
  CHECK(string_of("string_view") == "view");
  CHECK(string_of("null_const_char_ptr").empty());
  CHECK(string_of("nullptr").empty());
  CHECK(number_of("value") == "3");
}

TEST_CASE("an unsigned value above INT64_MAX is a double in span v2 too") {
  ts::capture_transport transport;
  st::options o = ts::default_options(&transport);
  o.trace_lifecycle = st::trace_lifecycle::stream;
  REQUIRE(st::init(o));
  {
    st::scoped_span root({"segment", "task"});
    root->set_attribute("u64_max", 18446744073709551615ULL);
    root->set_attribute("u64_small", 5ULL);
    root->set_attribute("char", 'q');
  }
  st::shutdown(0);
  REQUIRE(transport.sent.size() >= 1);
  const ts::envelope e = ts::parse_envelope(transport.sent[0]);
  const ts::envelope_item* it = e.item("span");
  REQUIRE(it);
  const json& attrs = it->body["items"].items[0]["attributes"];
  CHECK(attrs["u64_max"]["type"].str == "double");
  CHECK(attrs["u64_max"]["value"].num == 18446744073709551616.0);
  CHECK(attrs["u64_small"]["type"].str == "integer");
  CHECK(attrs["char"]["type"].str == "string");
  CHECK(attrs["char"]["value"].str == "q");
}

} // TEST_SUITE("attributes")

TEST_SUITE("status") {

TEST_CASE("set_status(status, message): the transaction keeps the status and carries the message in data") {
  harness h;
  REQUIRE(h.init());
  {
    st::scoped_span root({"GET /orders", "http.server"});
    root->set_status(st::span_status::internal_error, "database unreachable");
    st::span call = st::start_span_manual({"call upstream", "http.client"});
    call.set_status(st::span_status::deadline_exceeded, "first message");
    call.set_status(st::span_status::deadline_exceeded, "upstream took 5 s");  // replaces it
    call.end();
    st::span cleared = st::start_span_manual({"cleared", "task"});
    cleared.set_attribute("before", 1);
    cleared.set_status(st::span_status::aborted, "gone");
    cleared.set_attribute("after", 2);
    cleared.set_status(st::span_status::not_found);  // a status without a message clears it
    cleared.end();
    st::span again = st::start_span_manual({"set again", "task"});
    again.set_status(st::span_status::aborted, "first");
    again.set_status(st::span_status::ok);  // ok clears it too
    again.set_attribute("between", true);
    again.set_status(st::span_status::data_loss, "second");
    again.end();
    st::span ok = st::start_span_manual({"ok", "task"});
    ok.set_status(st::span_status::ok, "fine");  // ok has no message, as in @sentry/core
    ok.end();
    st::span empty = st::start_span_manual({"empty message", "task"});
    empty.set_status(st::span_status::unavailable, "");
    empty.end();
    st::span attr = st::start_span_manual({"own key", "task"});
    attr.set_attribute("sentry.status.message", "refused: the SDK writes this key");
    attr.set_status(st::span_status::aborted);
    attr.end();
  }
  const std::string bytes = only_transaction_bytes(h);
  // The bytes as sent: the detailed status, and the message beside the span's attributes.
  CHECK(bytes.find(R"("status":"internal_error","origin":"manual","data":{"sentry.op":"http.server","sentry.origin":"manual","sentry.segment.name.source":"custom","sentry.sample_rate":1,"sentry.status.message":"database unreachable"})") != std::string::npos);
  CHECK(bytes.find(R"("status":"deadline_exceeded","origin":"manual","data":{"sentry.op":"http.client","sentry.origin":"manual","sentry.status.message":"upstream took 5 s"})") != std::string::npos);
  const json body = only_transaction(h);
  CHECK(body["contexts"]["trace"]["status"].str == "internal_error");
  CHECK(body["contexts"]["trace"]["data"]["sentry.status.message"].str == "database unreachable");
  const json* call = child(body, "call upstream");
  REQUIRE(call);
  CHECK((*call)["status"].str == "deadline_exceeded");
  CHECK((*call)["data"]["sentry.status.message"].str == "upstream took 5 s");
  CHECK(count_members((*call)["data"], "sentry.status.message") == 1);
  const json* cleared = child(body, "cleared");
  REQUIRE(cleared);
  CHECK((*cleared)["status"].str == "not_found");
  CHECK_FALSE((*cleared)["data"].has("sentry.status.message"));
  CHECK((*cleared)["data"]["before"].raw_number == "1");  // the list around it is intact
  CHECK((*cleared)["data"]["after"].raw_number == "2");
  const json* again = child(body, "set again");
  REQUIRE(again);
  CHECK((*again)["status"].str == "data_loss");
  CHECK((*again)["data"]["sentry.status.message"].str == "second");
  CHECK(count_members((*again)["data"], "sentry.status.message") == 1);
  CHECK((*again)["data"]["between"].b);
  const json* ok = child(body, "ok");
  REQUIRE(ok);
  CHECK((*ok)["status"].str == "ok");
  CHECK_FALSE((*ok)["data"].has("sentry.status.message"));
  const json* empty = child(body, "empty message");
  REQUIRE(empty);
  CHECK((*empty)["status"].str == "unavailable");
  CHECK_FALSE((*empty)["data"].has("sentry.status.message"));
  const json* own = child(body, "own key");
  REQUIRE(own);
  CHECK((*own)["status"].str == "aborted");
  CHECK_FALSE((*own)["data"].has("sentry.status.message"));
  CHECK(st::get_stats().attributes_dropped == 1);  // the user's sentry.status.message
}

TEST_CASE("set_status(status, message) in span v2: status error and the message in sentry.status.message") {
  ts::capture_transport transport;
  st::options o = ts::default_options(&transport);
  o.trace_lifecycle = st::trace_lifecycle::stream;
  REQUIRE(st::init(o));
  {
    st::scoped_span root({"segment", "task"});
    st::span a = st::start_span_manual({"with message", "task"});
    a.set_status(st::span_status::deadline_exceeded, "Connection Refused");
    a.end();
    st::span b = st::start_span_manual({"without message", "task"});
    b.set_status(st::span_status::deadline_exceeded);
    b.end();
    st::span c = st::start_span_manual({"ok with message", "task"});
    c.set_status(st::span_status::ok, "fine");
    c.end();
    st::span d = st::start_span_manual({"cleared", "task"});
    d.set_status(st::span_status::aborted, "gone");
    d.set_status(st::span_status::unavailable);
    d.end();
  }
  st::shutdown(0);
  std::vector<json> items;
  std::string bytes;
  for (const std::string& sent : transport.sent) {
    const ts::envelope e = ts::parse_envelope(sent);
    if (const ts::envelope_item* it = e.item("span")) {
      bytes += sent;
      for (const json& item : it->body["items"].items) items.push_back(item);
    }
  }
  auto find = [&](const std::string& name) -> const json* {
    for (const json& i : items)
      if (i["name"].str == name) return &i;
    return nullptr;
  };
  CHECK(bytes.find(R"("sentry.status.message":{"type":"string","value":"Connection Refused"})") != std::string::npos);
  const json* a = find("with message");
  REQUIRE(a);
  CHECK((*a)["status"].str == "error");
  CHECK((*a)["attributes"]["sentry.status.message"]["value"].str == "Connection Refused");
  CHECK(count_members((*a)["attributes"], "sentry.status.message") == 1);
  const json* b = find("without message");
  REQUIRE(b);
  CHECK((*b)["status"].str == "error");
  CHECK((*b)["attributes"]["sentry.status.message"]["value"].str == "deadline_exceeded");
  const json* c = find("ok with message");
  REQUIRE(c);
  CHECK((*c)["status"].str == "ok");
  CHECK_FALSE((*c)["attributes"].has("sentry.status.message"));
  const json* d = find("cleared");
  REQUIRE(d);
  CHECK((*d)["attributes"]["sentry.status.message"]["value"].str == "unavailable");
  CHECK(count_members((*d)["attributes"], "sentry.status.message") == 1);
}

} // TEST_SUITE("status")

TEST_SUITE("inherit_or_sample_with") {

TEST_CASE("inherit_or_sample_with: the parent's rate, else its decision as 1 or 0, else the fallback") {
  st::sampling_context c;
  CHECK(c.inherit_or_sample_with(0.25) == 0.25);  // no parent
  c.parent_sampled = st::parent_decision::sampled;
  CHECK(c.inherit_or_sample_with(0.25) == 1.0);  // an older SDK: a decision without a rate
  c.parent_sampled = st::parent_decision::not_sampled;
  CHECK(c.inherit_or_sample_with(0.25) == 0.0);
  c.parent_sample_rate = 0.5;
  CHECK(c.inherit_or_sample_with(0.25) == 0.5);  // a rate wins over the decision
  c.parent_sampled = st::parent_decision::none;
  CHECK(c.inherit_or_sample_with(0.25) == 0.5);  // also when the decision was left to us
  c.parent_sample_rate = 0.0;
  CHECK(c.inherit_or_sample_with(0.25) == 0.0);  // a rate of 0 is a rate
  static_assert(st::sampling_context{}.inherit_or_sample_with(0.75) == 0.75, "constexpr");
}

TEST_CASE("a sampler returning inherit_or_sample_with follows the incoming trace") {
  harness h;
  h.opts.traces_sample_rate = st::options::unset;
  h.opts.traces_sampler = [](const st::sampling_context& c) { return c.inherit_or_sample_with(0.0); };
  REQUIRE(h.init());
  const std::string trace = "0af7651916cd43dd8448eb211c80319c";
  auto started_sampled = [&](const std::string& sentry_trace, const std::string& baggage) {
    bool sampled = false;
    st::continue_trace(sentry_trace, baggage, [&] {
      st::start_span({"GET /continued", "http.server"}, [&](st::span& s) { sampled = s.is_sampled(); });
    });
    return sampled;
  };
  const std::string parent = trace + "-b7ad6b7169203331";
  const std::string dsc = ",sentry-trace_id=" + trace + ",sentry-public_key=k";
  // A sampled parent with rate 0.5 and a sample_rand below it: inherited, with its rate.
  CHECK(started_sampled(parent + "-1", "sentry-sample_rate=0.5,sentry-sample_rand=0.3" + dsc));
  {
    const json body = only_transaction(h);
    CHECK(body["contexts"]["trace"]["data"]["sentry.sample_rate"].num == 0.5);
  }
  // Not sampled upstream: the sample_rand above the rate keeps it unsampled.
  CHECK_FALSE(started_sampled(parent + "-0", "sentry-sample_rate=0.5,sentry-sample_rand=0.7" + dsc));
  // Deferred upstream (no flag) but a rate in the baggage: the rate decides with the sample_rand.
  CHECK(started_sampled(parent, "sentry-sample_rate=0.25,sentry-sample_rand=0.1" + dsc));
  CHECK_FALSE(started_sampled(parent, "sentry-sample_rate=0.25,sentry-sample_rand=0.3" + dsc));
  // A parent that decided without sending a rate: its decision, as 1 or 0.
  CHECK(started_sampled(parent + "-1", dsc.substr(1)));
  CHECK_FALSE(started_sampled(parent + "-0", dsc.substr(1)));
  // No parent at all: the fallback, 0 here.
  bool fresh = true;
  st::start_span({"GET /fresh", "http.server"}, [&](st::span& s) { fresh = s.is_sampled(); });
  CHECK_FALSE(fresh);
}

} // TEST_SUITE("inherit_or_sample_with")
