// Tests for sentry_trace/ids.hpp: trace, span and event ids (PROTOCOL.md §7).

#include "fixture.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>

namespace {

namespace st = sentry_trace;
using test_support::harness;

std::string hex_of(const st::trace_id& t) {
  char buf[32];
  t.to_hex(buf);
  return std::string(buf, 32);
}
std::string hex_of(const st::span_id& s) {
  char buf[16];
  s.to_hex(buf);
  return std::string(buf, 16);
}
std::string hex_of(const st::event_id& e) {
  char buf[32];
  e.to_hex(buf);
  return std::string(buf, 32);
}

bool lower_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

/// Makes this thread's next random_u64() return 0: splitmix64 maps state + gamma == 0 to 0.
void force_next_random_zero() {
  st::detail::random_u64();  // reseed the thread's stream from init()'s seed first
  st::detail::tl_rng_state = 0ull - 0x9e3779b97f4a7c15ull;
}

} // namespace

TEST_SUITE("ids") {

TEST_CASE("a trace id written as hex parses back to the same id") {
  harness h;
  REQUIRE(h.init());
  st::trace_id t;
  t.hi = 0x4bf92f3577b34da6ull;
  t.lo = 0xa3ce929d0e0e4736ull;
  CHECK(hex_of(t) == "4bf92f3577b34da6a3ce929d0e0e4736");
  st::trace_id back;
  REQUIRE(st::trace_id::parse("4bf92f3577b34da6a3ce929d0e0e4736", back));
  CHECK(back == t);
  CHECK(back.hi == 0x4bf92f3577b34da6ull);
  CHECK(back.lo == 0xa3ce929d0e0e4736ull);

  st::trace_id small;
  small.lo = 1;
  CHECK(hex_of(small) == "00000000000000000000000000000001");
  REQUIRE(st::trace_id::parse(hex_of(small), back));
  CHECK(back == small);

  for (int i = 0; i < 1000; ++i) {
    st::trace_id r = st::detail::new_trace_id();
    std::string hex = hex_of(r);
    CHECK(hex.size() == 32);
    CHECK(lower_hex(hex));
    st::trace_id parsed;
    REQUIRE(st::trace_id::parse(hex, parsed));
    CHECK(parsed == r);
  }
}

TEST_CASE("a span id written as hex parses back to the same id") {
  harness h;
  REQUIRE(h.init());
  st::span_id s;
  s.value = 0x00f067aa0ba902b7ull;
  CHECK(hex_of(s) == "00f067aa0ba902b7");
  st::span_id back;
  REQUIRE(st::span_id::parse("00f067aa0ba902b7", back));
  CHECK(back == s);
  st::span_id all_f;
  REQUIRE(st::span_id::parse("ffffffffffffffff", all_f));
  CHECK(all_f.value == ~0ull);
  for (int i = 0; i < 1000; ++i) {
    st::span_id r = st::detail::new_span_id();
    std::string hex = hex_of(r);
    CHECK(lower_hex(hex));
    st::span_id parsed;
    REQUIRE(st::span_id::parse(hex, parsed));
    CHECK(parsed == r);
  }
}

TEST_CASE("trace id parse rejects uppercase, wrong length, non-hex and all zeros, leaving the output untouched") {
  harness h;
  REQUIRE(h.init());
  const std::string bad[] = {
      "4BF92F3577B34DA6A3CE929D0E0E4736",   // uppercase
      "4bf92f3577b34da6a3ce929d0e0e473A",   // one uppercase digit
      "4bf92f3577b34da6a3ce929d0e0e473",    // 31
      "4bf92f3577b34da6a3ce929d0e0e47360",  // 33
      "",                                   // empty
      "4bf92f3577b34da6",                   // a span id's length
      "4bf92f3577b34da6a3ce929d0e0e473g",   // non-hex
      "4bf92f35-7b34da6a3ce929d0e0e4736",   // dash
      "4bf92f3577b34da6 3ce929d0e0e4736",   // space
      "0x4bf92f3577b34da6a3ce929d0e0e47",   // 0x prefix
      "00000000000000000000000000000000",   // all zeros (W3C: invalid)
  };
  for (const std::string& text : bad) {
    CAPTURE(text);
    st::trace_id out;
    out.hi = 7;
    out.lo = 9;
    CHECK_FALSE(st::trace_id::parse(text, out));
    CHECK(out.hi == 7);
    CHECK(out.lo == 9);
  }
}

TEST_CASE("span id parse rejects uppercase, wrong length, non-hex and all zeros, leaving the output untouched") {
  harness h;
  REQUIRE(h.init());
  const std::string bad[] = {
      "00F067AA0BA902B7",   // uppercase
      "00f067aa0ba902b",    // 15
      "00f067aa0ba902b70",  // 17
      "",
      "00f067aa0ba902bz",   // non-hex
      "00f067aa0ba902b\n",  // control character
      "0000000000000000",   // all zeros
  };
  for (const std::string& text : bad) {
    CAPTURE(text);
    st::span_id out;
    out.value = 42;
    CHECK_FALSE(st::span_id::parse(text, out));
    CHECK(out.value == 42);
  }
}

TEST_CASE("generated span ids are never zero, even when the generator draws zero") {
  harness h;
  REQUIRE(h.init());
  force_next_random_zero();
  CHECK(st::detail::random_u64() == 0);  // the premise: the stream really yields 0 here
  force_next_random_zero();
  st::span_id s = st::detail::new_span_id();
  CHECK_FALSE(s.is_zero());
  int zeros = 0;
  for (int i = 0; i < 100000; ++i) zeros += st::detail::new_span_id().is_zero() ? 1 : 0;
  CHECK(zeros == 0);
}

TEST_CASE("generated trace ids are never zero, and a zero half is still a valid id") {
  harness h;
  REQUIRE(h.init());
  force_next_random_zero();
  st::trace_id t = st::detail::new_trace_id();
  CHECK_FALSE(t.is_zero());
  CHECK(t.hi == 0);  // the zero draw is kept: only an all-zero id is invalid
  st::trace_id parsed;
  CHECK(st::trace_id::parse(hex_of(t), parsed));
  int zeros = 0;
  for (int i = 0; i < 100000; ++i) zeros += st::detail::new_trace_id().is_zero() ? 1 : 0;
  CHECK(zeros == 0);
}

TEST_CASE("span ids, trace ids and event ids are unique over 100k draws") {
  harness h;
  REQUIRE(h.init());
  constexpr int draws = 100000;
  std::unordered_set<std::uint64_t> spans;
  std::unordered_set<std::string> traces;
  std::unordered_set<std::string> events;
  spans.reserve(draws);
  traces.reserve(draws);
  events.reserve(draws);
  for (int i = 0; i < draws; ++i) {
    spans.insert(st::detail::new_span_id().value);
    traces.insert(hex_of(st::detail::new_trace_id()));
    events.insert(hex_of(st::detail::new_event_id()));
  }
  CHECK(spans.size() == static_cast<std::size_t>(draws));
  CHECK(traces.size() == static_cast<std::size_t>(draws));
  CHECK(events.size() == static_cast<std::size_t>(draws));
}

TEST_CASE("ids differ between two init() runs") {
  harness h;
  REQUIRE(h.init());
  st::trace_id first = st::detail::new_trace_id();
  REQUIRE(h.init());
  st::trace_id second = st::detail::new_trace_id();
  CHECK(first != second);
}

TEST_CASE("an event id is a uuid4: 32 lowercase hex, version nibble 4, variant bits 10xx") {
  harness h;
  REQUIRE(h.init());
  bool saw_variant[4] = {};
  for (int i = 0; i < 10000; ++i) {
    std::string hex = hex_of(st::detail::new_event_id());
    CAPTURE(hex);
    REQUIRE(hex.size() == 32);
    CHECK(lower_hex(hex));
    CHECK(hex[12] == '4');
    const char v = hex[16];
    REQUIRE((v == '8' || v == '9' || v == 'a' || v == 'b'));
    saw_variant[v >= 'a' ? v - 'a' + 2 : v - '8'] = true;
  }
  // The two free bits of the variant nibble stay random.
  CHECK(saw_variant[0]);
  CHECK(saw_variant[1]);
  CHECK(saw_variant[2]);
  CHECK(saw_variant[3]);
}

TEST_CASE("the envelope's event_id is a uuid4 in 32-hex form") {
  harness h;
  REQUIRE(h.init());
  { st::scoped_span root({"GET /ids", "http.server"}); }
  auto txns = h.transport.transactions();
  REQUIRE(txns.size() == 1);
  const std::string id = txns[0].header["event_id"].str;
  REQUIRE(id.size() == 32);
  CHECK(lower_hex(id));
  CHECK(id[12] == '4');
  CHECK(std::string_view("89ab").find(id[16]) != std::string_view::npos);
}

TEST_CASE("span handles carry the ids written to the envelope") {
  harness h;
  REQUIRE(h.init());
  std::string trace_hex, root_hex, child_hex;
  {
    st::scoped_span root({"GET /ids", "http.server"});
    trace_hex = hex_of(root->trace());
    root_hex = hex_of(root->id());
    st::scoped_span child({"child", "db"});
    CHECK(child->trace() == root->trace());
    CHECK(child->id() != root->id());
    child_hex = hex_of(child->id());
  }
  auto txns = h.transport.transactions();
  REQUIRE(txns.size() == 1);
  const test_support::json& body = txns[0].items[0].body;
  CHECK(body["contexts"]["trace"]["trace_id"].str == trace_hex);
  CHECK(body["contexts"]["trace"]["span_id"].str == root_hex);
  REQUIRE(body["spans"].size() == 1);
  CHECK(body["spans"][0]["span_id"].str == child_hex);
  CHECK(body["spans"][0]["parent_span_id"].str == root_hex);
  CHECK(body["spans"][0]["trace_id"].str == trace_hex);
}

} // TEST_SUITE
