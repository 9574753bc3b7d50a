// Tests for sentry_trace/ids.hpp: trace, span and event ids (PROTOCOL.md §7).

#include "fixture.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>
#if SENTRY_TRACE_THREADS
#  include <thread>
#endif

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

/// Makes this thread's next random_u64() return 0 (a keystream value the test writes into the
/// thread's buffer).
void force_next_random_zero() { test_support::force_next_random(0); }

} // namespace

TEST_SUITE("ids") {
  TEST_CASE("ids in hex are 16 or 32 lowercase digits, most significant first, for every digit in every place") {
    for (int place = 0; place < 16; ++place) {
      for (std::uint64_t digit = 0; digit < 16; ++digit) {
        const std::uint64_t v = (digit << (4 * place)) | (place % 2 ? 0x0123456789abcdefull & ~(0xfull << (4 * place)) : 0);
        char expected[17];
        std::snprintf(expected, sizeof expected, "%016llx", static_cast<unsigned long long>(v));
        char hex[16];
        st::span_id{v}.to_hex(hex);
        CAPTURE(v);
        CHECK(std::string(hex, 16) == expected);
        char wide[32];
        st::trace_id{v, ~v}.to_hex(wide);
        char expected_wide[33];
        std::snprintf(expected_wide, sizeof expected_wide, "%016llx%016llx", static_cast<unsigned long long>(v),
                      static_cast<unsigned long long>(~v));
        CHECK(std::string(wide, 32) == expected_wide);
      }
    }
  }


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

TEST_CASE("a span id parses as its definition reads it: every byte value in every place, and digit pairs") {
  // The definition: 16 characters, each 0-9 or a-f, the first the most significant.
  auto reference = [](const char* p, std::uint64_t& v) {
    v = 0;
    for (int i = 0; i < 16; ++i) {
      const char c = p[i];
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
      v = v * 16 + static_cast<std::uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    return true;
  };
  auto check = [&](const std::string& text) {
    std::uint64_t want = 0;
    const bool ok = reference(text.data(), want);
    st::span_id out;
    out.value = 42;
    const bool parsed = st::span_id::parse(text, out);
    CAPTURE(text);
    CHECK(parsed == (ok && want != 0));
    CHECK(out.value == (parsed ? want : 42u));
  };
  const std::string base = "0123456789abcdef";
  for (std::size_t place = 0; place < 16; ++place) {
    for (int b = 0; b < 256; ++b) {
      std::string text = base;
      text[place] = static_cast<char>(b);
      check(text);
    }
  }
  // Every pair of hex digits side by side, in both halves, over zeros and over f's.
  for (char fill : {'0', 'f'}) {
    for (std::size_t place : {0u, 7u, 8u, 14u}) {
      for (char x : base) {
        for (char y : base) {
          std::string text(16, fill);
          text[place] = x;
          text[place + 1] = y;
          check(text);
        }
      }
    }
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


// ---- unpredictability (issue 9, item 8) --------------------------------------------------------

namespace {

/// The generator ids used before: splitmix64 on a per-thread state, its raw output handed out.
struct splitmix_generator {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
};

/// The inverse of x ^= x >> shift.
std::uint64_t unxorshift(std::uint64_t x, int shift) {
  std::uint64_t r = x;
  for (int i = 0; i < 64 / shift + 1; ++i) r = x ^ (r >> shift);
  return r;
}
/// The inverse of an odd multiplier modulo 2^64 (Newton's iteration).
std::uint64_t inverse_of(std::uint64_t a) {
  std::uint64_t x = a;
  for (int i = 0; i < 6; ++i) x *= 2 - a * x;
  return x;
}

/// The attack on splitmix64: undo its finalizer on one output to get the state, then step it.
std::uint64_t predict_next_splitmix(std::uint64_t seen) {
  std::uint64_t z = unxorshift(seen, 31);
  z = unxorshift(z * inverse_of(0x94d049bb133111ebull), 27);
  z = unxorshift(z * inverse_of(0xbf58476d1ce4e5b9ull), 30);
  splitmix_generator g{z};
  return g.next();
}

} // namespace

TEST_CASE("one id seen outside does not tell the next: the splitmix64 inversion fails on the keystream") {
  // The property, shown on the old generator: one output is enough to predict every later one.
  splitmix_generator old{0x0123456789abcdefull};
  for (int i = 0; i < 100; ++i) {
    const std::uint64_t seen = old.next();
    CHECK(predict_next_splitmix(seen) == old.next());
  }
  // The ids' generator: neither the raw values nor the span ids built from them give it away.
  harness h;
  REQUIRE(h.init());
  int predicted = 0;
  std::uint64_t seen = st::detail::random_u64();
  for (int i = 0; i < 1000; ++i) {
    const std::uint64_t next = st::detail::random_u64();
    predicted += predict_next_splitmix(seen) == next ? 1 : 0;
    seen = next;
  }
  CHECK(predicted == 0);
  int span_predicted = 0;
  st::span_id last = st::detail::new_span_id();
  for (int i = 0; i < 1000; ++i) {
    const st::span_id s = st::detail::new_span_id();
    const st::trace_id t = st::detail::new_trace_id();  // the next trace, after a header showed `s`
    span_predicted += predict_next_splitmix(last.value) == s.value ? 1 : 0;
    span_predicted += predict_next_splitmix(s.value) == t.hi ? 1 : 0;
    last = t.lo ? st::span_id{t.lo} : s;
  }
  CHECK(span_predicted == 0);
}

TEST_CASE("the keystream is ChaCha: RFC 8439's block test vector with 20 rounds") {
  // RFC 8439 section 2.3.2: key 00 01 .. 1f, block counter 1, nonce 00:00:00:09:00:00:00:4a:00:00:00:00.
  // In the original layout used here, words 12-15 are the counter's two words then the nonce's.
  std::uint32_t key[8];
  for (std::uint32_t i = 0; i < 8; ++i)
    key[i] = (4 * i) | ((4 * i + 1) << 8) | ((4 * i + 2) << 16) | ((4 * i + 3) << 24);
  std::uint32_t out[16], scalar[16];
  st::detail::chacha_block<20>(key, 1ull | (0x09000000ull << 32), 0x4a000000ull, out);  // the form ids use
  st::detail::chacha_block_scalar<20>(key, 1ull | (0x09000000ull << 32), 0x4a000000ull, scalar);
  const std::uint32_t expected[16] = {0xe4e7f110, 0x15593bd1, 0x1fdd0f50, 0xc47120a3, 0xc7f4d1c7, 0x0368c033,
                                      0x9aaa2204, 0x4e6cd4c3, 0x466482d2, 0x09aa9f07, 0x05d7c214, 0xa2028bd9,
                                      0xd19c12b5, 0xb94e16de, 0xe883d0cb, 0x4e3c50a2};
  for (int i = 0; i < 16; ++i) {
    CAPTURE(i);
    CHECK(out[i] == expected[i]);
    CHECK(scalar[i] == expected[i]);
  }
}

#if SENTRY_TRACE_DETAIL_CHACHA_VECTOR
TEST_CASE("the vector ChaCha block equals the scalar one, for 8 and 20 rounds") {
  std::uint32_t key[8];
  std::uint64_t x = 0x243f6a8885a308d3ull;
  for (int trial = 0; trial < 200; ++trial) {
    for (std::uint32_t& k : key) k = static_cast<std::uint32_t>(x = x * 6364136223846793005ull + 1442695040888963407ull);
    const std::uint64_t counter = x * 31, nonce = ~x;
    std::uint32_t v8[16], s8[16], v20[16], s20[16];
    st::detail::chacha_block_vector<8>(key, counter, nonce, v8);
    st::detail::chacha_block_scalar<8>(key, counter, nonce, s8);
    st::detail::chacha_block_vector<20>(key, counter, nonce, v20);
    st::detail::chacha_block_scalar<20>(key, counter, nonce, s20);
    CHECK(std::memcmp(v8, s8, sizeof v8) == 0);
    CHECK(std::memcmp(v20, s20, sizeof v20) == 0);
  }
}
#endif

TEST_CASE("a new init() key starts every thread on a new stream, dropping what it had buffered") {
  harness h;
  REQUIRE(h.init());
  const std::uint64_t first = st::detail::random_u64();
  const std::uint64_t buffered = st::detail::tl_rng.values[st::detail::tl_rng.used];
  harness again;
  REQUIRE(again.init());
  const std::uint64_t after = st::detail::random_u64();
  CHECK(after != buffered);
  CHECK(after != first);
}

#if SENTRY_TRACE_THREADS
TEST_CASE("threads draw different streams: span ids of eight threads are all distinct") {
  harness h;
  REQUIRE(h.init());
  constexpr int threads = 8, per_thread = 20000;
  std::vector<std::vector<std::uint64_t>> ids(threads);
  std::vector<std::thread> workers;
  for (int i = 0; i < threads; ++i)
    workers.emplace_back([&ids, i] {
      for (int k = 0; k < per_thread; ++k) ids[static_cast<std::size_t>(i)].push_back(st::detail::new_span_id().value);
    });
  for (std::thread& w : workers) w.join();
  std::unordered_set<std::uint64_t> all;
  for (const auto& v : ids) all.insert(v.begin(), v.end());
  CHECK(all.size() == static_cast<std::size_t>(threads * per_thread));
}
#endif

} // TEST_SUITE
