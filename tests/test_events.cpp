// Tests for sentry_trace/events.hpp: the error/message event envelope (PROTOCOL.md §2, §5): its
// framing, the ids and trace context that link it to a span, the DSC header, levels, hostile
// strings, and what happens when the buffer is too small. Every envelope meant for Sentry is also
// saved for tests/interop/check_envelopes.mjs (@sentry/core's parser plus the event checks).

#include <sentry_trace.hpp>
#include "sentry_trace/protocol/events.hpp"

#include "support.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace st = sentry_trace;
namespace d = sentry_trace::detail;
using test_support::json;

bool lower_hex(std::string_view s, std::size_t n) {
  if (s.size() != n) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

/// "YYYY-MM-DDTHH:MM:SS.ffffffZ"
bool rfc3339_micros(std::string_view s) {
  if (s.size() != 27) return false;
  const char* pattern = "dddd-dd-ddTdd:dd:dd.ddddddZ";
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (pattern[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != pattern[i]) return false;
  }
  return true;
}

/// Strict UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF).
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t n;
    std::uint32_t cp;
    if (c < 0x80) { ++i; continue; }
    if (c >= 0xC2 && c <= 0xDF) { n = 1; cp = c & 0x1Fu; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 2; cp = c & 0x0Fu; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 3; cp = c & 0x07u; }
    else return false;
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n + 1;
  }
  return true;
}

const st::trace_id k_trace{0x4bf92f3577b34da6ull, 0xa3ce929d0e0e4736ull};
const st::span_id k_span{0xa1b2c3d4e5f60718ull};
const st::span_id k_parent{0x8f0e1d2c3b4a5968ull};
constexpr std::int64_t k_sent_at_us = 1767261600250000;  // 2026-01-01T10:00:00.250000Z

d::envelope_context context() {
  d::envelope_context c;
  c.public_key = "public";
  c.org_id = "1";
  c.release = "test@1.0.0";
  c.environment = "test";
  c.server_name = "host-1";
  c.sent_at_epoch_us = k_sent_at_us;
  return c;
}

/// What the tracer would write: the head-of-trace DSC of tc.trace.
void test_dsc(st::json_writer& w, void* user) {
  const st::trace_id& t = *static_cast<const st::trace_id*>(user);
  char hex[32];
  t.to_hex(hex);
  w.begin_object();
  w.key("trace_id").string(std::string_view(hex, 32));
  w.key("public_key").string("public");
  w.key("release").string("test@1.0.0");
  w.key("environment").string("test");
  w.key("sample_rate").string("1");
  w.key("sample_rand").string("0.421337");
  w.key("sampled").string("true");
  w.end_object();
}

void silent_dsc(st::json_writer&, void*) {}

d::event_trace_context linked(std::string_view op = "db.query") {
  d::event_trace_context tc;
  tc.trace = k_trace;
  tc.span = k_span;
  tc.parent = k_parent;
  tc.op = op;
  return tc;
}

d::event_fields exception(std::string_view type, std::string_view value) {
  d::event_fields f;
  f.exception_type = type;
  f.exception_value = value;
  f.timestamp_epoch_us = 1767261600123456;  // 2026-01-01T10:00:00.123456Z
  return f;
}

std::uint64_t pending(st::discard_reason r, st::data_category c) {
  return d::g_outcomes.pending[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)].load(d::order_relaxed);
}
std::uint64_t truncations() { return d::g_outcomes.strings_truncated.load(d::order_relaxed); }

/// Writes one event into a roomy buffer; saves it for the interop checker when it is meant
/// for Sentry (it has a DSC and a trace context, as every event the tracer sends does).
std::string write(const d::event_fields& f, const d::event_trace_context& tc, bool with_dsc = true,
                  std::size_t cap = 64 * 1024) {
  std::vector<char> buf(cap);
  st::trace_id dsc_trace = tc.trace;
  std::string_view out = d::write_event_envelope(buf.data(), buf.size(), f, tc, context(),
                                                 with_dsc ? &test_dsc : nullptr, &dsc_trace);
  REQUIRE_FALSE(out.empty());
  REQUIRE(out.data() == buf.data());
  if (with_dsc && !tc.trace.is_zero()) test_support::save_for_interop(out);
  return std::string(out);
}

/// The one event item of an envelope.
const test_support::envelope_item& event_item(const test_support::envelope& e) {
  REQUIRE(e.items.size() == 1);
  const test_support::envelope_item* it = e.item("event");
  REQUIRE(it != nullptr);
  return *it;
}

} // namespace

TEST_SUITE("events") {

TEST_CASE("to_string(level) gives Sentry's level strings, and error for a value outside the enum") {
  static_assert(std::string_view(st::to_string(st::level::debug)) == "debug");
  static_assert(std::string_view(st::to_string(st::level::fatal)) == "fatal");
  CHECK(std::string(st::to_string(st::level::debug)) == "debug");
  CHECK(std::string(st::to_string(st::level::info)) == "info");
  CHECK(std::string(st::to_string(st::level::warning)) == "warning");
  CHECK(std::string(st::to_string(st::level::error)) == "error");
  CHECK(std::string(st::to_string(st::level::fatal)) == "fatal");
  CHECK(std::string(st::to_string(static_cast<st::level>(200))) == "error");
  CHECK(d::event_fields{}.lvl == st::level::error);
  CHECK(d::event_fields{}.handled);
}

TEST_CASE("the event envelope is a header line, an item header with type event and the exact length, and the payload") {
  const std::string bytes = write(exception("std::runtime_error", "upstream timeout"), linked());
  const std::size_t nl1 = bytes.find('\n');
  REQUIRE(nl1 != std::string::npos);
  const std::size_t nl2 = bytes.find('\n', nl1 + 1);
  REQUIRE(nl2 != std::string::npos);
  CHECK(bytes.find('\n', nl2 + 1) == std::string::npos);  // one-line payload, no newline after it
  const std::string item_header = bytes.substr(nl1 + 1, nl2 - nl1 - 1);
  const std::string payload = bytes.substr(nl2 + 1);
  CHECK(item_header ==
        "{\"type\":\"event\",\"length\":" + std::to_string(payload.size()) + ",\"content_type\":\"application/json\"}");
  CHECK(payload.front() == '{');
  CHECK(payload.back() == '}');

  const test_support::envelope e = test_support::parse_envelope(bytes);
  const auto& it = event_item(e);
  CHECK(it.payload == payload);
  CHECK(static_cast<std::size_t>(it.header["length"].num) == payload.size());
  CHECK(it.header["content_type"].str == "application/json");
}

TEST_CASE("length counts bytes, not characters, when the text is multi-byte UTF-8") {
  d::event_fields f = exception("Ошибка", "prix: 12 € — ✓ 🚀");
  const std::string bytes = write(f, linked());
  const test_support::envelope e = test_support::parse_envelope(bytes);
  const auto& it = event_item(e);
  CHECK(it.body["exception"]["values"][0]["type"].str == "Ошибка");
  CHECK(it.body["exception"]["values"][0]["value"].str == "prix: 12 € — ✓ 🚀");
  CHECK(bytes.size() == bytes.find('\n', bytes.find('\n') + 1) + 1 + static_cast<std::size_t>(it.header["length"].num));
}

TEST_CASE("the envelope header carries the payload's event_id (32 lowercase hex, uuid4), sent_at with microseconds and the sdk") {
  const test_support::envelope e = test_support::parse_envelope(write(exception("E", "v"), linked()));
  const json& h = e.header;
  const json& p = event_item(e).body;
  REQUIRE(lower_hex(h["event_id"].str, 32));
  CHECK(p["event_id"].str == h["event_id"].str);
  CHECK(h["event_id"].str[12] == '4');                                       // version 4
  CHECK(std::string("89ab").find(h["event_id"].str[16]) != std::string::npos);  // RFC 4122 variant
  CHECK(h["sent_at"].str == "2026-01-01T10:00:00.250000Z");
  CHECK(h["sdk"]["name"].str == st::sdk_name);
  CHECK(h["sdk"]["version"].str == st::version_string);
  CHECK_FALSE(h.has("dsn"));
}

TEST_CASE("each event gets its own event_id") {
  const test_support::envelope a = test_support::parse_envelope(write(exception("E", "v"), linked()));
  const test_support::envelope b = test_support::parse_envelope(write(exception("E", "v"), linked()));
  CHECK(a.header["event_id"].str != b.header["event_id"].str);
}

TEST_CASE("the trace header is the object the DSC callback writes, and is absent without a callback") {
  SUBCASE("with a callback") {
    const test_support::envelope e = test_support::parse_envelope(write(exception("E", "v"), linked()));
    REQUIRE(e.header.has("trace"));
    const json& t = e.header["trace"];
    CHECK(t.kind == json::object_k);
    CHECK(t["trace_id"].str == "4bf92f3577b34da6a3ce929d0e0e4736");
    CHECK(t["public_key"].str == "public");
    CHECK(t["sampled"].str == "true");
    CHECK(t["trace_id"].str == event_item(e).body["contexts"]["trace"]["trace_id"].str);
  }
  SUBCASE("without a callback") {
    const test_support::envelope e = test_support::parse_envelope(write(exception("E", "v"), linked(), false));
    CHECK_FALSE(e.header.has("trace"));
    CHECK(e.header.has("event_id"));
    CHECK(e.header.has("sent_at"));
    CHECK(e.header.has("sdk"));
  }
  SUBCASE("a callback that writes nothing leaves the key out") {
    std::vector<char> buf(8192);
    std::string_view out = d::write_event_envelope(buf.data(), buf.size(), exception("E", "v"), linked(), context(),
                                                   &silent_dsc, nullptr);
    REQUIRE_FALSE(out.empty());
    const test_support::envelope e = test_support::parse_envelope(out);
    CHECK_FALSE(e.header.has("trace"));
    CHECK(e.header.size() == 3);
  }
}

TEST_CASE("an exception event has type, value and mechanism generic with the handled flag") {
  SUBCASE("handled") {
    const json p = event_item(test_support::parse_envelope(write(exception("std::runtime_error", "upstream timeout"), linked()))).body;
    REQUIRE(p["exception"]["values"].size() == 1);
    const json& v = p["exception"]["values"][0];
    CHECK(v["type"].str == "std::runtime_error");
    CHECK(v["value"].str == "upstream timeout");
    CHECK(v["mechanism"]["type"].str == "generic");
    CHECK(v["mechanism"]["handled"].kind == json::bool_k);
    CHECK(v["mechanism"]["handled"].b);
    CHECK(p["level"].str == "error");
    CHECK_FALSE(p.has("message"));
  }
  SUBCASE("unhandled, fatal") {
    d::event_fields f = exception("std::bad_alloc", "std::bad_alloc");
    f.handled = false;
    f.lvl = st::level::fatal;
    const json p = event_item(test_support::parse_envelope(write(f, linked()))).body;
    const json& m = p["exception"]["values"][0]["mechanism"];
    CHECK(m["type"].str == "generic");
    CHECK(m["handled"].kind == json::bool_k);
    CHECK_FALSE(m["handled"].b);
    CHECK(p["level"].str == "fatal");
  }
  SUBCASE("only a type, or only a value") {
    const json a = event_item(test_support::parse_envelope(write(exception("Timeout", ""), linked()))).body;
    CHECK(a["exception"]["values"][0]["type"].str == "Timeout");
    CHECK_FALSE(a["exception"]["values"][0].has("value"));
    const json b = event_item(test_support::parse_envelope(write(exception("", "it broke"), linked()))).body;
    CHECK_FALSE(b["exception"]["values"][0].has("type"));
    CHECK(b["exception"]["values"][0]["value"].str == "it broke");
  }
}

TEST_CASE("the payload has timestamp (RFC 3339, microseconds), platform native, level, release, environment, server_name and sdk") {
  const json p = event_item(test_support::parse_envelope(write(exception("E", "v"), linked()))).body;
  CHECK(rfc3339_micros(p["timestamp"].str));
  CHECK(p["timestamp"].str == "2026-01-01T10:00:00.123456Z");
  CHECK(p["platform"].str == "native");
  CHECK(p["level"].str == "error");
  CHECK(p["release"].str == "test@1.0.0");
  CHECK(p["environment"].str == "test");
  CHECK(p["server_name"].str == "host-1");
  CHECK(p["sdk"]["name"].str == st::sdk_name);
  CHECK(p["sdk"]["version"].str == st::version_string);
  CHECK_FALSE(p.has("type"));  // an error event, as @sentry/core writes it: no type
}

TEST_CASE("a zero timestamp becomes sent_at; empty release, environment and server_name are left out") {
  d::event_fields f = exception("E", "v");
  f.timestamp_epoch_us = 0;
  d::envelope_context c = context();
  c.release = {};
  c.environment = {};
  c.server_name = {};
  std::vector<char> buf(8192);
  st::trace_id t = k_trace;
  std::string_view out = d::write_event_envelope(buf.data(), buf.size(), f, linked(), c, &test_dsc, &t);
  REQUIRE_FALSE(out.empty());
  test_support::save_for_interop(out);
  const json p = event_item(test_support::parse_envelope(out)).body;
  CHECK(p["timestamp"].str == "2026-01-01T10:00:00.250000Z");
  CHECK_FALSE(p.has("release"));
  CHECK_FALSE(p.has("environment"));
  CHECK_FALSE(p.has("server_name"));
}

TEST_CASE("a message event writes the text as a plain \"message\" string, at each level") {
  const st::level levels[] = {st::level::debug, st::level::info, st::level::warning, st::level::error, st::level::fatal};
  for (st::level l : levels) {
    CAPTURE(st::to_string(l));
    d::event_fields f;
    f.message = "cache warmed in 12 ms";
    f.lvl = l;
    f.timestamp_epoch_us = 1767261600123456;
    const test_support::envelope e = test_support::parse_envelope(write(f, linked()));
    const json& p = event_item(e).body;
    CHECK(p["level"].str == st::to_string(l));
    CHECK(p["message"].kind == json::string_k);
    CHECK(p["message"].str == "cache warmed in 12 ms");
    CHECK_FALSE(p.has("exception"));
    CHECK(p["contexts"]["trace"]["trace_id"].str == "4bf92f3577b34da6a3ce929d0e0e4736");
    CHECK(p["event_id"].str == e.header["event_id"].str);
  }
}

TEST_CASE("an exception with a message carries both") {
  d::event_fields f = exception("E", "v");
  f.message = "while pricing the cart";
  const json p = event_item(test_support::parse_envelope(write(f, linked()))).body;
  CHECK(p["exception"]["values"][0]["type"].str == "E");
  CHECK(p["message"].str == "while pricing the cart");
}

TEST_CASE("an event with neither exception nor message is still a well-formed envelope") {
  d::event_fields f;
  const json p = event_item(test_support::parse_envelope(write(f, linked(), false))).body;
  CHECK_FALSE(p.has("exception"));
  CHECK_FALSE(p.has("message"));
  CHECK(p["level"].str == "error");
}

TEST_CASE("contexts.trace links the event to its span: trace_id, span_id, parent_span_id and op") {
  SUBCASE("all set") {
    const json p = event_item(test_support::parse_envelope(write(exception("E", "v"), linked()))).body;
    const json& t = p["contexts"]["trace"];
    CHECK(t["trace_id"].str == "4bf92f3577b34da6a3ce929d0e0e4736");
    CHECK(t["span_id"].str == "a1b2c3d4e5f60718");
    CHECK(t["parent_span_id"].str == "8f0e1d2c3b4a5968");
    CHECK(t["op"].str == "db.query");
    CHECK(t.size() == 4);
  }
  SUBCASE("a root span: no parent_span_id; no op when empty") {
    d::event_trace_context tc = linked("");
    tc.parent = st::span_id{};
    const json p = event_item(test_support::parse_envelope(write(exception("E", "v"), tc))).body;
    const json& t = p["contexts"]["trace"];
    CHECK(t["span_id"].str == "a1b2c3d4e5f60718");
    CHECK_FALSE(t.has("parent_span_id"));
    CHECK_FALSE(t.has("op"));
    CHECK(t.size() == 2);
  }
  SUBCASE("no span id: a fresh non-zero one, as @sentry/core does for a propagation context") {
    d::event_trace_context tc = linked();
    tc.span = st::span_id{};
    const json p = event_item(test_support::parse_envelope(write(exception("E", "v"), tc))).body;
    const std::string& s = p["contexts"]["trace"]["span_id"].str;
    CHECK(lower_hex(s, 16));
    CHECK(s != "0000000000000000");
    CHECK(s != "8f0e1d2c3b4a5968");
  }
  SUBCASE("no trace id: no contexts at all") {
    d::event_trace_context tc;
    const json p = event_item(test_support::parse_envelope(write(exception("E", "v"), tc, false))).body;
    CHECK_FALSE(p.has("contexts"));
  }
}

TEST_CASE("CR, LF and other control characters are escaped: the envelope has exactly two newlines and no CR") {
  d::event_fields f = exception("Bad\r\nType", "line one\nline two\r\n{\"type\":\"event\"}\n\x01\x1f\x7f\t\"\\");
  f.message = "\n\n\r";
  const std::string bytes = write(f, linked("op\r\nx"));
  std::size_t newlines = 0;
  for (char c : bytes) newlines += c == '\n';
  CHECK(newlines == 2);
  CHECK(bytes.find('\r') == std::string::npos);
  const json p = event_item(test_support::parse_envelope(bytes)).body;
  CHECK(p["exception"]["values"][0]["type"].str == "Bad\r\nType");
  CHECK(p["exception"]["values"][0]["value"].str == "line one\nline two\r\n{\"type\":\"event\"}\n\x01\x1f\x7f\t\"\\");
  CHECK(p["message"].str == "\n\n\r");
  CHECK(p["contexts"]["trace"]["op"].str == "op\r\nx");
}

TEST_CASE("invalid UTF-8 is replaced by U+FFFD and the envelope stays valid UTF-8") {
  const std::string bad_type("Err\xC3", 4);                       // a cut 2-byte sequence
  const std::string bad_value("a\xFF" "b\xED\xA0\x80" "c\xC0\xAF", 9);   // stray byte, surrogate, overlong
  d::event_fields f = exception(bad_type, bad_value);
  f.message = std::string_view("\xF4\x90\x80\x80", 4);            // past U+10FFFF
  const std::string bytes = write(f, linked());
  CHECK(valid_utf8(bytes));
  const json p = event_item(test_support::parse_envelope(bytes)).body;
  CHECK(p["exception"]["values"][0]["type"].str == "Err\xEF\xBF\xBD");
  const std::string& v = p["exception"]["values"][0]["value"].str;
  CHECK(v.find("\xEF\xBF\xBD") != std::string::npos);
  CHECK(v.front() == 'a');
  CHECK(v.back() == '\xBD');
  CHECK(p["message"].str.find("\xEF\xBF\xBD") == 0);
}

TEST_CASE("a 1 MB value is cut to SENTRY_TRACE_MAX_STRING bytes at a UTF-8 boundary and counted") {
  constexpr std::size_t max = SENTRY_TRACE_MAX_STRING;
  SUBCASE("ASCII") {
    const std::string big(1024 * 1024, 'x');
    const std::uint64_t before = truncations();
    const json p = event_item(test_support::parse_envelope(write(exception("E", big), linked()))).body;
    CHECK(p["exception"]["values"][0]["value"].str == std::string(max, 'x'));
    CHECK(truncations() == before + 1);
  }
  SUBCASE("3-byte characters are never split") {
    std::string big;
    big.reserve(1024 * 1024 + 3);
    while (big.size() < 1024 * 1024) big += "\xE2\x82\xAC";  // €
    const std::uint64_t before = truncations();
    const json p = event_item(test_support::parse_envelope(write(exception("E", big), linked()))).body;
    const std::string& v = p["exception"]["values"][0]["value"].str;
    CHECK(v.size() <= max);
    CHECK(v.size() > max - 3);
    CHECK(v.size() % 3 == 0);
    CHECK(v.find("\xEF\xBF\xBD") == std::string::npos);
    CHECK(valid_utf8(v));
    CHECK(truncations() == before + 1);
  }
  SUBCASE("type, value, message and op are each cut and counted") {
    const std::string big(max + 1, 'y');
    d::event_fields f = exception(big, big);
    f.message = big;
    const std::uint64_t before = truncations();
    const json p = event_item(test_support::parse_envelope(write(f, linked(big)))).body;
    CHECK(p["exception"]["values"][0]["type"].str.size() == max);
    CHECK(p["exception"]["values"][0]["value"].str.size() == max);
    CHECK(p["message"].str.size() == max);
    CHECK(p["contexts"]["trace"]["op"].str.size() == max);
    CHECK(truncations() == before + 4);
  }
  SUBCASE("exactly SENTRY_TRACE_MAX_STRING bytes is kept whole and not counted") {
    const std::string edge(max, 'z');
    const std::uint64_t before = truncations();
    const json p = event_item(test_support::parse_envelope(write(exception("E", edge), linked()))).body;
    CHECK(p["exception"]["values"][0]["value"].str == edge);
    CHECK(truncations() == before);
  }
}

TEST_CASE("a buffer too small for the envelope gives nothing, writes nothing past cap, and counts buffer_overflow / error") {
  const d::event_fields f = exception("std::runtime_error", "upstream timeout");
  const std::string whole = write(f, linked());
  const std::size_t size = whole.size();
  st::trace_id t = k_trace;

  SUBCASE("every capacity below the envelope's size fails; its exact size fits") {
    const std::uint64_t before = pending(st::discard_reason::buffer_overflow, st::data_category::error);
    const std::uint64_t discarded_before = d::g_outcomes.discarded_total.load(d::order_relaxed);
    std::vector<char> buf(size + 64);
    for (std::size_t cap = 0; cap < size; ++cap) {
      std::memset(buf.data(), 0x5A, buf.size());
      std::string_view out = d::write_event_envelope(buf.data(), cap, f, linked(), context(), &test_dsc, &t);
      CHECK(out.empty());
      bool untouched = true;
      for (std::size_t i = cap; i < buf.size(); ++i) untouched = untouched && buf[i] == 0x5A;
      CHECK(untouched);
    }
    CHECK(pending(st::discard_reason::buffer_overflow, st::data_category::error) == before + size);
    CHECK(d::g_outcomes.discarded_total.load(d::order_relaxed) == discarded_before + size);
    std::string_view out = d::write_event_envelope(buf.data(), size, f, linked(), context(), &test_dsc, &t);
    REQUIRE(out.size() == size);
    // Only the event_id differs between two runs.
    const test_support::envelope a = test_support::parse_envelope(out);
    const test_support::envelope b = test_support::parse_envelope(whole);
    CHECK(event_item(a).payload.size() == event_item(b).payload.size());
  }
  SUBCASE("a null buffer with capacity 0") {
    const std::uint64_t before = pending(st::discard_reason::buffer_overflow, st::data_category::error);
    CHECK(d::write_event_envelope(nullptr, 0, f, linked(), context(), &test_dsc, &t).empty());
    CHECK(pending(st::discard_reason::buffer_overflow, st::data_category::error) == before + 1);
  }
  SUBCASE("a DSC too big for the buffer") {
    std::vector<char> buf(300);
    const std::uint64_t before = pending(st::discard_reason::buffer_overflow, st::data_category::error);
    CHECK(d::write_event_envelope(buf.data(), buf.size(), f, linked(), context(), &test_dsc, &t).empty());
    CHECK(pending(st::discard_reason::buffer_overflow, st::data_category::error) == before + 1);
  }
  SUBCASE("an envelope that does not go out does not count its truncations") {
    d::event_fields big = f;
    const std::string value(1024 * 1024, 'x');
    big.exception_value = value;
    std::vector<char> buf(1024);
    const std::uint64_t cut_before = truncations();
    CHECK(d::write_event_envelope(buf.data(), buf.size(), big, linked(), context(), &test_dsc, &t).empty());
    CHECK(truncations() == cut_before);
  }
}

} // TEST_SUITE("events")
