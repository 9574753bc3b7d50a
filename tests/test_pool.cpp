// Tests for sentry_trace/pool.hpp: the RAM formula of its doc block, storage_bytes(), a
// user-provided storage, and the transitions of a block's control word.

#include "support.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace {

namespace st = sentry_trace;
namespace ts = test_support;
namespace d = st::detail;

constexpr std::size_t round_up(std::size_t n, std::size_t a) { return (n + a - 1) / a * a; }

// The formula of pool.hpp's RAM paragraph, from the record sizes and the switches.
constexpr std::size_t block_header = 120;
constexpr std::size_t baggage_bytes = SENTRY_TRACE_MAX_DSC + SENTRY_TRACE_MAX_BAGGAGE + 528;
static_assert(sizeof(st::baggage) == baggage_bytes, "pool.hpp documents the DSC's size");
constexpr std::size_t block_formula =
    round_up(block_header + baggage_bytes + sizeof(d::span_record) * (SENTRY_TRACE_MAX_SPANS + 1) +
                 sizeof(d::attribute_record) * SENTRY_TRACE_ATTRIBUTE_POOL +
                 sizeof(d::measurement_record) * SENTRY_TRACE_MAX_MEASUREMENTS + SENTRY_TRACE_STRING_ARENA,
             8);
constexpr std::size_t storage_formula =
    round_up(SENTRY_TRACE_MAX_TRANSACTIONS * block_formula + SENTRY_TRACE_ENVELOPE_BYTES +
                 2 * (SENTRY_TRACE_MAX_SPANS + 1),
             8);

static_assert(sizeof(d::transaction_block) == block_formula, "pool.hpp's RAM formula (block) is out of date");
static_assert(sizeof(st::storage) == storage_formula, "pool.hpp's RAM formula (storage) is out of date");
static_assert(st::storage_bytes() == sizeof(st::storage), "storage_bytes() is sizeof(storage)");
#if defined(__x86_64__) && SENTRY_TRACE_THREADS
// The per-record figures written in the doc block.
static_assert(sizeof(d::span_record) == 64, "pool.hpp documents 64 bytes per span record");
static_assert(sizeof(d::attribute_record) == 24, "pool.hpp documents 24 bytes per attribute");
static_assert(sizeof(d::measurement_record) == 32, "pool.hpp documents 32 bytes per measurement");
#endif

/// A transport that checks, during send, where the bytes it is given live.
struct where_transport : st::transport {
  const st::storage* expected = nullptr;
  int sends = 0, inside = 0;
  std::vector<std::string> copies;
  void send(st::envelope_view e) override {
    ++sends;
    const char* lo = expected->envelope;
    const char* hi = lo + sizeof(expected->envelope);
    if (e.bytes().data() >= lo && e.bytes().data() + e.bytes().size() <= hi) ++inside;
    copies.emplace_back(e.bytes());
  }
};

st::storage user_storage;  // static: 2.75 MiB with the defaults, too big for a stack

} // namespace

TEST_SUITE("pool") {

TEST_CASE("sizeof(storage) is the RAM formula of pool.hpp") {
  CHECK(sizeof(d::transaction_block) == block_formula);
  CHECK(sizeof(st::storage) == storage_formula);
  CHECK(st::storage_bytes() == storage_formula);
#if SENTRY_TRACE_MAX_SPANS == 1000 && SENTRY_TRACE_MAX_TRANSACTIONS == 8 && SENTRY_TRACE_ATTRIBUTE_POOL == 4096 && \
    SENTRY_TRACE_STRING_ARENA == 65536 && SENTRY_TRACE_ENVELOPE_BYTES == 1024 * 1024 &&                       \
    SENTRY_TRACE_MAX_MEASUREMENTS == 32 && defined(__x86_64__)
  // The figure written in pool.hpp and README.md for the defaults.
  CHECK(sizeof(d::transaction_block) == 238792);
  CHECK(st::storage_bytes() == 2960920);
#endif
}

TEST_CASE("a user-provided storage is the one used") {
  where_transport t;
  t.expected = &user_storage;
  st::options o = ts::default_options(&t);
  o.storage = &user_storage;
  REQUIRE(st::init(o));
  st::span root = st::start_span_manual({"root", "op"});
  REQUIRE(root.is_recording());
  const st::span_ref ref = root;
  // The transaction's block is one of the user's.
  const d::transaction_block& b = user_storage.blocks[ref.block];
  CHECK(d::control::open(b.control_word.load()) == 1);
  CHECK(b.trace == root.trace());
  CHECK(b.spans[0].id == root.id());
  st::start_span({"child", "op"}, [](st::span&) {});
  CHECK(d::control::next_slot(b.control_word.load()) == 2);
  root.end();
  // After the send the block is free again, with the next generation.
  CHECK(d::control::open(b.control_word.load()) == 0);
  CHECK(d::control::generation(b.control_word.load()) == (ref.generation + 1));
  { st::span lost = st::start_span_manual({"lost", "op"}); }  // counted, for a client report
  st::flush(0);
  CHECK(t.sends == 2);
  CHECK(t.inside == 2);  // the transaction and the client report were written in user_storage
  REQUIRE(t.copies.size() == 2);
  ts::envelope e = ts::parse_envelope(t.copies[0]);
  REQUIRE(e.item("transaction"));
  CHECK(e.item("transaction")->body["spans"].size() == 1);
  st::shutdown(0);

  // Without options.storage another (the static default) storage is used.
  where_transport other;
  other.expected = &user_storage;
  REQUIRE(st::init(ts::default_options(&other)));
  st::start_span({"root", "op"}, [](st::span&) {});
  CHECK(other.sends == 1);
  CHECK(other.inside == 0);
  st::shutdown(0);
}

TEST_CASE("block control word transitions") {
  static d::transaction_block b;  // zero-initialized: generation 0, free
  b.release();                    // generation 1, free
  const std::uint32_t g = b.generation();
  CHECK(g == 1);
  auto word = [&] { return b.control_word.load(); };

  // try_claim: a free block once; the root holds slot 0 and one open span.
  REQUIRE(b.try_claim());
  CHECK_FALSE(b.try_claim());
  CHECK(d::control::open(word()) == 1);
  CHECK(d::control::next_slot(word()) == 1);
  CHECK_FALSE(d::control::is_closing(word()));
  CHECK(b.generation() == g);

  // claim_child: slots 1..max_children, then 0 when full; -1 for another generation.
  b.max_children.store(3);
  CHECK(b.claim_child(g) == 1);
  CHECK(b.claim_child(g) == 2);
  CHECK(b.claim_child(g) == 3);
  CHECK(b.claim_child(g) == 0);
  CHECK(b.claim_child(g) == 0);  // a full block stays full, nothing is handed out
  CHECK(d::control::next_slot(word()) == 4);
  CHECK(d::control::open(word()) == 4);
  CHECK(b.claim_child(g + 1) == -1);
  CHECK(b.claim_child(g - 1) == -1);

  // close_one before closing never frees the block.
  CHECK_FALSE(b.close_one());  // 3 open
  CHECK(d::control::open(word()) == 3);

  // begin_closing: returns the slots handed out; no child can join afterwards.
  CHECK(b.begin_closing() == 4);
  CHECK(d::control::is_closing(word()));
  CHECK(b.claim_child(g) == -1);
  CHECK_FALSE(b.try_claim());

  // The last close_one of a closing block says "free it".
  CHECK_FALSE(b.close_one());
  CHECK_FALSE(b.close_one());
  CHECK(b.close_one());
  CHECK(d::control::open(word()) == 0);
  b.release();

  // release: next generation, free, nothing handed out; old handles are refused.
  CHECK(b.generation() == g + 1);
  CHECK(d::control::open(word()) == 0);
  CHECK(d::control::next_slot(word()) == 0);
  CHECK_FALSE(d::control::is_closing(word()));
  CHECK(b.claim_child(g) == -1);
  CHECK(b.claim_child(g + 1) == -1);  // free: no transaction to join
  REQUIRE(b.try_claim());
  CHECK(b.generation() == g + 1);
  CHECK(b.claim_child(g) == -1);  // the old generation stays refused
  CHECK(b.claim_child(g + 1) == 1);

  // release clears the state of the slots that were used, so a reused slot never reads as
  // ended before its new span publishes it.
  b.spans[1].state.store(d::slot_ended);
  b.begin_closing();
  b.close_one();
  CHECK(b.close_one());
  b.release();
  CHECK(b.spans[1].state.load() == 0);
  CHECK(b.generation() == g + 2);

  // The generation wraps within its 29 bits.
  b.control_word.store(d::control::fresh(0x1fffffffu));
  CHECK(b.generation() == 0x1fffffffu);
  b.release();
  CHECK(b.generation() == 0);
  CHECK(b.try_claim());
  b.begin_closing();
  CHECK(b.close_one());
  b.release();
  CHECK(b.generation() == 1);
}

TEST_CASE("the string arena truncates at its end and at SENTRY_TRACE_MAX_STRING") {
  static d::transaction_block b;
  b.reset_contents();
  const auto before = st::get_stats().strings_truncated;
  const std::string big(SENTRY_TRACE_MAX_STRING + 100, 'y');
  d::arena_str s = b.copy(big);
  CHECK(s.length == SENTRY_TRACE_MAX_STRING);
  CHECK(b.str(s) == std::string(SENTRY_TRACE_MAX_STRING, 'y'));
  // A cut never splits a UTF-8 sequence.
  std::string euro;
  while (euro.size() < SENTRY_TRACE_MAX_STRING + 3) euro += "\xe2\x82\xac";
  d::arena_str e = b.copy(euro);
  CHECK(e.length % 3 == 0);
  CHECK(e.length <= SENTRY_TRACE_MAX_STRING);
  // Fill to the end: the last copies are cut, then empty. (A copy reserves its capped size at
  // once, so the bytes a UTF-8 cut leaves over, at most 3 per cut, stay unused.)
  std::size_t total = s.length + e.length;
  for (int i = 0; i < 200; ++i) {
    d::arena_str c = b.copy(big);
    CHECK(c.offset + c.length <= static_cast<std::size_t>(SENTRY_TRACE_STRING_ARENA));
    total += c.length;
  }
  CHECK(total <= static_cast<std::size_t>(SENTRY_TRACE_STRING_ARENA));
  CHECK(total + 3 >= static_cast<std::size_t>(SENTRY_TRACE_STRING_ARENA));
  CHECK(b.copy("x").length == 0);
  CHECK(st::get_stats().strings_truncated > before);

  // At the arena's end too, a cut never splits a UTF-8 sequence: 2 bytes left, a 3-byte "€".
  b.reset_contents();
  std::size_t used = 0;
  while (used + SENTRY_TRACE_MAX_STRING <= static_cast<std::size_t>(SENTRY_TRACE_STRING_ARENA) - 2)
    used += b.copy(std::string(SENTRY_TRACE_MAX_STRING, 'y')).length;
  used += b.copy(std::string(SENTRY_TRACE_STRING_ARENA - 2 - used, 'y')).length;
  REQUIRE(used == static_cast<std::size_t>(SENTRY_TRACE_STRING_ARENA) - 2);
  d::arena_str last = b.copy("\xe2\x82\xac\xe2\x82\xac");
  CHECK(last.length == 0);
}

} // TEST_SUITE

namespace {

// The bytes of `b`'s arena that `s` names.
std::string stored(const d::transaction_block& b, d::arena_str s) { return std::string(b.str(s)); }

} // namespace

TEST_CASE("copy_bytes copies exactly n bytes at every size its fixed-size copies cover") {
  char from[40];
  for (int i = 0; i < 40; ++i) from[i] = static_cast<char>('a' + i % 26);
  for (std::size_t n = 0; n <= 33; ++n) {
    char to[48];
    std::memset(to, '#', sizeof to);
    d::copy_bytes(to + 4, from, n);
    CHECK(std::memcmp(to + 4, from, n) == 0);
    for (std::size_t i = 0; i < 4; ++i) CHECK(to[i] == '#');  // nothing written before
    for (std::size_t i = 4 + n; i < sizeof to; ++i) CHECK(to[i] == '#');  // nor after
  }
}

TEST_CASE("an ASCII key is stored as itself; others are cut and repaired as they are written") {
  static d::transaction_block b;
  b.reset_contents();
  constexpr std::size_t max = d::transaction_block::max_key_bytes;
  const auto truncated = st::get_stats().strings_truncated;
  // ASCII at the limit: itself, nothing counted; control characters and quotes included (the
  // escaper escapes them, one-to-one, so they are their own written form).
  const std::string at_limit(max, 'k');
  CHECK(d::transaction_block::key_bytes(at_limit, max) == max);
  d::arena_str k;
  REQUIRE(b.copy_key(at_limit, max, k));
  CHECK(stored(b, k) == at_limit);
  const std::string quoted("a\"b\\c\n\x01");
  REQUIRE(b.copy_key(quoted, max, k));
  CHECK(stored(b, k) == quoted);
  CHECK(b.key_equals(k, quoted, max));
  CHECK(!b.key_equals(k, "a\"b\\c\n", max));
  CHECK(st::get_stats().strings_truncated == truncated);
  // One byte over: cut at the limit and counted; the longer key equals the cut one.
  const std::string over(max + 1, 'k');
  CHECK(d::transaction_block::key_bytes(over, max) == max);
  REQUIRE(b.copy_key(over, max, k));
  CHECK(stored(b, k) == at_limit);
  CHECK(b.key_equals(k, at_limit, max));
  CHECK(st::get_stats().strings_truncated == truncated + 1);
  // A byte of 0x80 or more takes the repairing path: invalid UTF-8 becomes U+FFFD.
  const std::string invalid("k\xff");
  CHECK(d::transaction_block::key_bytes(invalid, max) == 4);
  REQUIRE(b.copy_key(invalid, max, k));
  CHECK(stored(b, k) == "k\xef\xbf\xbd");
  CHECK(b.key_equals(k, invalid, max));
  CHECK(b.key_equals(k, "k\xef\xbf\xbd", max));
  const std::string euro("\xe2\x82\xac");
  REQUIRE(b.copy_key(euro, max, k));
  CHECK(stored(b, k) == euro);
}

TEST_CASE("a span's name, op and origin are copied whole when they fit, and cut when not") {
  static d::transaction_block b;
  b.reset_contents();
  const auto truncated = st::get_stats().strings_truncated;
  d::span_record& r = b.init_slot(1, st::span_id{}, st::span_id{}, 0);
  st::span_options o;
  o.name = "0123456789abcdefg";  // 17 bytes: past the fixed-size copies
  o.op = "";
  o.origin = "abc";
  b.copy_names(r, o);
  CHECK(stored(b, r.name) == "0123456789abcdefg");
  CHECK(stored(b, r.op).empty());
  CHECK(stored(b, r.origin) == "abc");
  CHECK(r.origin.offset == r.name.offset + 17);
  CHECK(st::get_stats().strings_truncated == truncated);
  const std::string long_op(SENTRY_TRACE_MAX_STRING + 1, 'o');
  o.op = long_op;
  b.copy_names(r, o);
  CHECK(stored(b, r.name) == "0123456789abcdefg");
  CHECK(stored(b, r.op) == std::string(SENTRY_TRACE_MAX_STRING, 'o'));
  CHECK(stored(b, r.origin) == "abc");
  CHECK(st::get_stats().strings_truncated == truncated + 1);
}

TEST_CASE("a string attribute's key and value are copied whole when they fit, and cut when not") {
  static d::transaction_block b;
  b.reset_contents();
  const auto truncated = st::get_stats().strings_truncated;
  d::span_record& r = b.init_slot(1, st::span_id{}, st::span_id{}, 0);
  const std::string at_limit(SENTRY_TRACE_MAX_STRING, 'v');
  b.set_string_attribute(1, "k", at_limit);
  REQUIRE(r.attr_count == 1);
  const d::attribute_record& a = b.attributes[r.attr_head];
  CHECK(a.type == d::attribute_type::string);
  CHECK(stored(b, a.key) == "k");
  CHECK(stored(b, a.text) == at_limit);
  CHECK(st::get_stats().strings_truncated == truncated);
  // Over the limit: cut and counted, under an invalid key stored repaired.
  b.set_string_attribute(1, "k\xff", at_limit + "w");
  REQUIRE(r.attr_count == 2);
  const d::attribute_record& c = b.attributes[r.attr_tail];
  CHECK(stored(b, c.key) == "k\xef\xbf\xbd");
  CHECK(stored(b, c.text) == at_limit);
  CHECK(st::get_stats().strings_truncated == truncated + 1);
  // The same key again replaces the value; an SDK key is refused.
  b.set_string_attribute(1, "k", "x");
  CHECK(r.attr_count == 2);
  CHECK(stored(b, b.attributes[r.attr_head].text) == "x");
  const auto dropped = st::get_stats().attributes_dropped;
  b.set_string_attribute(1, "sentry.op", "x");
  b.set_string_attribute(1, "sentry.sdk.name", "x");
  CHECK(r.attr_count == 2);
  CHECK(st::get_stats().attributes_dropped == dropped + 2);
  b.set_string_attribute(1, "sentry.o", "x");  // shorter than every SDK key: a user key
  CHECK(r.attr_count == 3);
}
