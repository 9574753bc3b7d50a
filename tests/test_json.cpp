// Tests for sentry_trace/protocol/json.hpp: sinks, the JSON writer, escaping, numbers and timestamps.

#include "sentry_trace/protocol/json.hpp"

#include <doctest/doctest.h>

#include <clocale>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

// ctest json_size_optimized builds this file at -Os: the string writer must then take its byte
// loop alone (protocol/json.hpp), or that build tests nothing new.
#ifdef SENTRY_TRACE_TEST_EXPECT_BYTE_LOOP
static_assert(!SENTRY_TRACE_DETAIL_SWAR, "-Os builds the byte loop alone");
#endif

namespace {

using namespace std::string_view_literals;
namespace st = sentry_trace;

const std::string fffd = "\xEF\xBF\xBD";

std::string escaped(std::string_view s) {
  std::string out;
  {
    st::string_sink sink(out);
    st::detail::write_escaped(sink, s);
  }
  return out;
}

std::string json_double(double v) {
  std::string out;
  st::string_sink sink(out);
  st::json_writer w(sink);
  w.number(v);
  sink.finish();
  return out;
}

std::string fmt_double_portable(double v) {
  char buf[32];
  return std::string(buf, st::detail::format_double_portable(buf, v));
}

std::string rfc3339(std::int64_t us) {
  char buf[27];
  REQUIRE(st::detail::format_rfc3339(buf, us) == 27);
  return std::string(buf, 27);
}

// An escaper written from the definitions, not from the table the library uses: a byte string
// is a valid prefix when the code points it could still encode meet the range its length needs.
bool valid_prefix(const unsigned char* b, std::size_t k, int len) {
  static const std::uint32_t range_lo[5] = {0, 0, 0x80, 0x800, 0x10000};
  static const std::uint32_t range_hi[5] = {0, 0x7F, 0x7FF, 0xFFFF, 0x10FFFF};
  const int payload_bits[5] = {0, 7, 5, 4, 3};
  std::uint32_t cp = b[0] & ((1u << payload_bits[len]) - 1);
  for (std::size_t i = 1; i < k; ++i) {
    if ((b[i] & 0xC0) != 0x80) return false;
    cp = (cp << 6) | (b[i] & 0x3Fu);
  }
  const int missing = len - static_cast<int>(k);
  const std::uint32_t lo = cp << (6 * missing);
  const std::uint32_t hi = lo | ((1u << (6 * missing)) - 1);
  if (hi < range_lo[len] || lo > range_hi[len]) return false;
  if (len == 3 && lo >= 0xD800 && hi <= 0xDFFF) return false;  // surrogates only
  return true;
}

std::string reference_escape(std::string_view s) {
  std::string out;
  const auto* b = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned c = b[i];
    if (c < 0x80) {
      static const char* const hex = "0123456789abcdef";
      if (c == '"') out += "\\\"";
      else if (c == '\\') out += "\\\\";
      else if (c == '\b') out += "\\b";
      else if (c == '\f') out += "\\f";
      else if (c == '\n') out += "\\n";
      else if (c == '\r') out += "\\r";
      else if (c == '\t') out += "\\t";
      else if (c < 0x20 || c == 0x7F) out += std::string("\\u00") + hex[c >> 4] + hex[c & 15];
      else out += static_cast<char>(c);
      ++i;
      continue;
    }
    const int len = c >= 0xF8 ? 0 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    std::size_t k = 0;
    while (len != 0 && k < static_cast<std::size_t>(len) && i + k < s.size() && valid_prefix(b + i, k + 1, len)) ++k;
    if (len != 0 && k == static_cast<std::size_t>(len)) {
      const std::string_view seq = s.substr(i, k);
      if (seq == "\xE2\x80\xA8"sv) out += "\\u2028";
      else if (seq == "\xE2\x80\xA9"sv) out += "\\u2029";
      else out.append(seq.data(), seq.size());
      i += k;
    } else {
      out += fffd;
      i += k == 0 ? 1 : k;
    }
  }
  return out;
}

std::uint64_t bits_of(double v) {
  std::uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

double double_of(std::uint64_t b) {
  double v;
  std::memcpy(&v, &b, sizeof v);
  return v;
}

struct chunk_log {
  std::string bytes;
  std::vector<std::size_t> sizes;
};

void collect_chunk(const char* bytes, std::size_t n, void* user) {
  auto* log = static_cast<chunk_log*>(user);
  log->bytes.append(bytes, n);
  log->sizes.push_back(n);
}

// A document with every kind of value, written through whichever sink is given.
void write_sample_document(st::json_writer& w, int items) {
  w.begin_object().key("name").string("sample \"doc\"\n\xE2\x82\xAC").key("items").begin_array();
  for (int i = 0; i < items; ++i) {
    w.begin_object()
        .key("i")
        .number(i)
        .key("half")
        .number(i / 2.0)
        .key("ok")
        .boolean(i % 3 == 0)
        .key("none")
        .null()
        .key("at")
        .timestamp(1795523451147353 + i)
        .end_object();
  }
  w.end_array().end_object();
}

}  // namespace

// The RAM figures stated in json.hpp's doc block.
static_assert(sizeof(sentry_trace::sink) <= 7 * sizeof(void*), "sink is 7 words");
static_assert(sizeof(sentry_trace::json_writer) <= sizeof(void*) + 16, "json_writer is a reference plus 11 bytes");

TEST_SUITE("json") {
  // --- escaping ------------------------------------------------------------------------------

  TEST_CASE("a string is written as the escaper writes it at every length and at every place of an ASCII byte") {
    // string() and key() copy plain ASCII 16 bytes (where the target has vectors) or a word at
    // a time; the byte that needs care may sit in any lane of a vector or a word, in the padded
    // last word, or past the first vectors. Bytes from 0x80 up must leave the plain path too.
    for (std::size_t len = 1; len <= 40; ++len) {
      for (std::size_t at = 0; at < len; ++at) {
        for (int c = 0; c < 0x100; ++c) {
          std::string text(len, 'x');
          text[at] = static_cast<char>(c);
          std::string out;
          {
            st::string_sink sink(out);
            st::json_writer w(sink);
            w.begin_object().key(text).string(text).end_object();
          }
          const std::string e = escaped(text);
          CAPTURE(len);
          CAPTURE(at);
          CAPTURE(c);
          REQUIRE(out == "{\"" + e + "\":\"" + e + "\"}");
        }
      }
    }
  }

  TEST_CASE("plain strings, literal keys and ASCII strings fill a fixed buffer to its last byte") {
    // The word-at-a-time copy wants room for its padding; where the buffer ends before that, the
    // text still goes in whole.
    const std::string expected = R"({"span_id":"0123456789abcdef","op":"db.query","n":"ab"})";
    for (std::size_t cap = expected.size(); cap <= expected.size() + 9; ++cap) {
      std::vector<char> buf(cap, '#');
      st::fixed_sink sink(buf.data(), cap);
      st::json_writer w(sink);
      w.begin_object();
      w.literal_key("span_id").ascii_string("0123456789abcdef");
      w.literal_key("op").string("db.query");
      w.key("n").string("ab");
      w.end_object();
      CAPTURE(cap);
      CHECK(w.ok());
      CHECK(std::string(buf.data(), sink.size()) == expected);
    }
    // One byte short: the writer reports it instead of writing a part.
    std::vector<char> buf(expected.size() - 1);
    st::fixed_sink sink(buf.data(), buf.size());
    st::json_writer w(sink);
    w.begin_object().literal_key("span_id").ascii_string("0123456789abcdef").literal_key("op").string("db.query");
    w.key("n").string("ab").end_object();
    CHECK_FALSE(w.ok());
  }

  TEST_CASE("a literal key is written like key(): separator, quotes and colon, and errors where no key may go") {
    std::string a, b;
    {
      st::string_sink sa(a), sb(b);
      st::json_writer wa(sa), wb(sb);
      wa.begin_object().key("x").number(std::int64_t{1}).key("trace_id").boolean(true).end_object();
      wb.begin_object().literal_key("x").number(std::int64_t{1}).literal_key("trace_id").boolean(true).end_object();
      CHECK(wa.ok());
      CHECK(wb.ok());
    }
    CHECK(a == b);
    std::string c;
    st::string_sink sc(c);
    st::json_writer wc(sc);
    wc.begin_array().literal_key("x");
    CHECK_FALSE(wc.ok());
  }

  TEST_CASE("quote and backslash are escaped with a backslash") {
    CHECK(escaped("a\"b\\c") == "a\\\"b\\\\c");
    CHECK(escaped("/") == "/");  // solidus may stay raw (RFC 8259 §7)
  }

  TEST_CASE("backspace, form feed, newline, carriage return and tab use their short escapes") {
    CHECK(escaped("\b\f\n\r\t") == "\\b\\f\\n\\r\\t");
  }

  TEST_CASE("every other control character 0x00-0x1F becomes \\u00XX in lowercase hex") {
    static const char* const hex = "0123456789abcdef";
    for (int c = 0; c < 0x20; ++c) {
      const char byte = static_cast<char>(c);
      std::string expected;
      switch (c) {
        case '\b': expected = "\\b"; break;
        case '\f': expected = "\\f"; break;
        case '\n': expected = "\\n"; break;
        case '\r': expected = "\\r"; break;
        case '\t': expected = "\\t"; break;
        default: expected = std::string("\\u00") + hex[c >> 4] + hex[c & 15];
      }
      CAPTURE(c);
      CHECK(escaped(std::string_view(&byte, 1)) == expected);
    }
    CHECK(escaped("\0"sv) == "\\u0000");
    CHECK(escaped("\x1f"sv) == "\\u001f");
  }

  TEST_CASE("DEL, U+2028 and U+2029 are escaped so the output is also valid JavaScript") {
    CHECK(escaped("\x7f") == "\\u007f");
    CHECK(escaped("a\xE2\x80\xA8" "b\xE2\x80\xA9" "c") == "a\\u2028b\\u2029c");
    // Their neighbours are ordinary characters.
    CHECK(escaped("\xE2\x80\xA7\xE2\x80\xAA") == "\xE2\x80\xA7\xE2\x80\xAA");
  }

  TEST_CASE("CR and LF never reach the output raw, so a payload stays on one line") {
    const std::string out = escaped("line1\r\nline2\nline3\r");
    CHECK(out == "line1\\r\\nline2\\nline3\\r");
    CHECK(out.find('\n') == std::string::npos);
    CHECK(out.find('\r') == std::string::npos);
  }

  TEST_CASE("invalid UTF-8: each maximal invalid subpart becomes one U+FFFD, never dropped") {
    SUBCASE("lone continuation byte") { CHECK(escaped("a\x80" "b") == "a" + fffd + "b"); }
    SUBCASE("two continuation bytes are two subparts") { CHECK(escaped("\x80\xBF") == fffd + fffd); }
    SUBCASE("truncated 2-byte sequence at the end") { CHECK(escaped("a\xC3") == "a" + fffd); }
    SUBCASE("truncated 2-byte sequence before ASCII") { CHECK(escaped("\xC3" "A") == fffd + "A"); }
    SUBCASE("truncated 3-byte sequence") {
      CHECK(escaped("\xE2\x82") == fffd);
      CHECK(escaped("\xE2\x82" "A") == fffd + "A");
      CHECK(escaped("\xE2") == fffd);
    }
    SUBCASE("truncated 4-byte sequence") {
      CHECK(escaped("\xF0\x9F\x98") == fffd);
      CHECK(escaped("\xF0\x9F\x98" "A") == fffd + "A");
      CHECK(escaped("\xF0\x9F") == fffd);
    }
    SUBCASE("overlong C0 80 (NUL in two bytes)") { CHECK(escaped("\xC0\x80") == fffd + fffd); }
    SUBCASE("overlong C1 BF") { CHECK(escaped("\xC1\xBF") == fffd + fffd); }
    SUBCASE("overlong E0 80 80") { CHECK(escaped("\xE0\x80\x80") == fffd + fffd + fffd); }
    SUBCASE("overlong F0 80 80 80") { CHECK(escaped("\xF0\x80\x80\x80") == fffd + fffd + fffd + fffd); }
    SUBCASE("surrogate ED A0 80 (U+D800)") { CHECK(escaped("\xED\xA0\x80") == fffd + fffd + fffd); }
    SUBCASE("surrogate ED BF BF (U+DFFF)") { CHECK(escaped("\xED\xBF\xBF") == fffd + fffd + fffd); }
    SUBCASE("above U+10FFFF: F4 90 80 80") { CHECK(escaped("\xF4\x90\x80\x80") == fffd + fffd + fffd + fffd); }
    SUBCASE("F5 and above can never start a sequence") {
      CHECK(escaped("\xF5\x80\x80\x80") == fffd + fffd + fffd + fffd);
      CHECK(escaped("\xF8") == fffd);
      CHECK(escaped("\xFE") == fffd);
    }
    SUBCASE("0xFF") { CHECK(escaped("a\xFF" "b") == "a" + fffd + "b"); }
    SUBCASE("lead byte followed by another lead byte") {
      CHECK(escaped("\xE2\xE2\x82\xAC") == fffd + "\xE2\x82\xAC");
    }
  }

  TEST_CASE("valid multibyte UTF-8 is copied unchanged, including every boundary code point") {
    const char* const valid[] = {
        "\xC2\x80",          // U+0080, smallest 2-byte
        "\xC3\xA9",          // é
        "\xDF\xBF",          // U+07FF
        "\xE0\xA0\x80",      // U+0800, smallest 3-byte
        "\xE2\x82\xAC",      // €
        "\xED\x9F\xBF",      // U+D7FF, just below the surrogates
        "\xEE\x80\x80",      // U+E000, just above them
        "\xEF\xBF\xBD",      // U+FFFD itself
        "\xEF\xBF\xBF",      // U+FFFF
        "\xF0\x90\x80\x80",  // U+10000, smallest 4-byte
        "\xF0\x9F\x98\x80",  // 😀
        "\xF4\x8F\xBF\xBF",  // U+10FFFF, the last code point
    };
    for (const char* s : valid) {
      CAPTURE(s);
      CHECK(escaped(s) == s);
      CHECK(escaped(std::string("x") + s + "y") == std::string("x") + s + "y");
    }
    CHECK(escaped("Grüße, 世界! 😀") == "Grüße, 世界! 😀");
  }

  TEST_CASE("random byte strings escape exactly as an escaper written from the definitions") {
    std::mt19937_64 rng(20261124);
    // Bytes from the interesting classes, so that near-valid sequences are common.
    const unsigned char pool[] = {'a', 'Z', ' ', '"', '\\', '\n', 0x00, 0x1F, 0x7F, 0x80, 0x8F, 0x90,
                                  0x9F, 0xA0, 0xA8, 0xA9, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE2,
                                  0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF};
    for (int iter = 0; iter < 20000; ++iter) {
      std::string s(rng() % 12, '\0');
      for (char& c : s) c = static_cast<char>(pool[rng() % sizeof pool]);
      const std::string got = escaped(s);
      const std::string want = reference_escape(s);
      if (got != want) {
        CAPTURE(s);
        CHECK(got == want);
        break;
      }
    }
  }

  TEST_CASE("a 1 MB string is escaped completely and identically to the reference") {
    std::mt19937 rng(7);
    std::string s;
    s.reserve(1 << 20);
    while (s.size() < (1u << 20)) {
      const auto r = rng() % 100;
      if (r < 90) s += static_cast<char>('a' + rng() % 26);
      else if (r < 93) s += "\xC3\xA9";
      else if (r < 95) s += "\xF0\x9F\x98\x80";
      else if (r < 97) s += '"';
      else if (r < 98) s += '\n';
      else if (r < 99) s += '\x01';
      else s += '\xFF';
    }
    const std::string got = escaped(s);
    CHECK(got.size() > s.size());
    CHECK(got == reference_escape(s));

    // And through the writer into fixed memory sized exactly.
    std::vector<char> mem(got.size() + 2);
    st::fixed_sink out(mem.data(), mem.size());
    st::json_writer w(out);
    w.string(s);
    CHECK(w.ok());
    CHECK(out.view() == "\"" + got + "\"");
  }

  TEST_CASE("a special byte is found at every position of short and long strings") {
    const char specials[] = {'"', '\\', '\n', '\x01', '\x7f'};
    for (std::size_t len = 1; len <= 24; ++len) {
      for (std::size_t at = 0; at < len; ++at) {
        for (char c : specials) {
          std::string s(len, 'a');
          s[at] = c;
          CAPTURE(len);
          CAPTURE(at);
          CHECK(escaped(s) == reference_escape(s));
        }
        std::string bad(len, 'b');
        bad[at] = '\xFF';
        CHECK(escaped(bad) == reference_escape(bad));
      }
      const std::string plain(len, 'c');
      CHECK(escaped(plain) == plain);
    }
  }

  // --- structure -----------------------------------------------------------------------------

  TEST_CASE("the writer places commas and colons, and nests objects and arrays") {
    char buf[256];
    st::fixed_sink out(buf);
    st::json_writer w(out);
    w.begin_object()
        .key("a")
        .number(1)
        .key("b")
        .begin_array()
        .number(1)
        .string("x")
        .begin_object()
        .end_object()
        .begin_array()
        .end_array()
        .null()
        .end_array()
        .key("c")
        .begin_object()
        .key("d")
        .boolean(true)
        .key("e")
        .boolean(false)
        .end_object()
        .key("k\"ey")
        .raw("{\"pre\":[1,2]}")
        .end_object();
    CHECK(w.ok());
    CHECK(out.view() == R"({"a":1,"b":[1,"x",{},[],null],"c":{"d":true,"e":false},"k\"ey":{"pre":[1,2]}})");
  }

  TEST_CASE("top-level values are written back to back, for the caller to separate") {
    char buf[64];
    st::fixed_sink out(buf);
    st::json_writer w(out);
    w.begin_object().end_object();
    out.put('\n');
    w.begin_array().number(1).end_array();
    CHECK(w.ok());
    CHECK(out.view() == "{}\n[1]");
  }

  TEST_CASE("nesting up to 32 levels is fine and deeper is an error kept by ok()") {
    char buf[256];
    st::fixed_sink out(buf);
    st::json_writer w(out);
    for (int i = 0; i < st::json_writer::max_depth; ++i) w.begin_array();
    CHECK(w.ok());
    for (int i = 0; i < st::json_writer::max_depth; ++i) w.end_array();
    CHECK(w.ok());
    CHECK(out.view() == std::string(32, '[') + std::string(32, ']'));

    out.rewind(0);
    st::json_writer deep(out);
    for (int i = 0; i < 33; ++i) deep.begin_object().key("k");
    CHECK_FALSE(deep.ok());
    CHECK_FALSE(out.overflowed());  // the sink is fine: the writer holds the error
    const std::size_t at_error = out.size();
    deep.number(1).end_object();  // later calls write nothing
    CHECK(out.size() == at_error);
    CHECK_FALSE(deep.ok());
  }

  TEST_CASE("misused structure is an error kept by ok()") {
    char buf[64];
    st::fixed_sink out(buf);
    SUBCASE("closing with nothing open") {
      st::json_writer w(out);
      w.end_object();
      CHECK_FALSE(w.ok());
    }
    SUBCASE("closing an object as an array") {
      st::json_writer w(out);
      w.begin_object().end_array();
      CHECK_FALSE(w.ok());
    }
    SUBCASE("a key inside an array") {
      st::json_writer w(out);
      w.begin_array().key("k");
      CHECK_FALSE(w.ok());
    }
    SUBCASE("a key at top level") {
      st::json_writer w(out);
      w.key("k");
      CHECK_FALSE(w.ok());
    }
    SUBCASE("a value in an object without a key") {
      st::json_writer w(out);
      w.begin_object().number(1);
      CHECK_FALSE(w.ok());
    }
    SUBCASE("two keys in a row") {
      st::json_writer w(out);
      w.begin_object().key("a").key("b");
      CHECK_FALSE(w.ok());
    }
    SUBCASE("closing an object right after a key") {
      st::json_writer w(out);
      w.begin_object().key("a").end_object();
      CHECK_FALSE(w.ok());
    }
  }

  // --- sinks ---------------------------------------------------------------------------------

  TEST_CASE("fixed_sink overflow drops the write, keeps the first error and total() counts the bytes needed") {
    char buf[8];
    st::fixed_sink out(buf);
    out.write("hello");
    CHECK_FALSE(out.overflowed());
    out.write("world");
    CHECK(out.overflowed());
    CHECK(out.view() == "hello");
    CHECK(out.size() == 5);
    CHECK(out.total() == 10);
    out.put('!');  // would fit, but bytes after an error would leave a hole
    CHECK(out.view() == "hello");
    CHECK(out.total() == 11);
    CHECK(out.overflowed());
    CHECK(out.capacity() == 8);
  }

  TEST_CASE("a writer on a full fixed_sink reports the size a buffer would need") {
    std::string full;
    {
      st::string_sink big(full);
      st::json_writer w(big);
      write_sample_document(w, 20);
    }
    char buf[100];
    st::fixed_sink out(buf);
    st::json_writer w(out);
    write_sample_document(w, 20);
    CHECK_FALSE(w.ok());
    CHECK(out.total() == full.size());
    CHECK(full.compare(0, out.size(), out.view()) == 0);

    st::fixed_sink measure(nullptr, 0);  // a null buffer only measures
    st::json_writer m(measure);
    write_sample_document(m, 20);
    CHECK(measure.total() == full.size());
    CHECK(measure.size() == 0);
  }

  TEST_CASE("every buffer size gives the full document or a clean prefix of it") {
    std::string full;
    {
      st::string_sink big(full);
      st::json_writer w(big);
      write_sample_document(w, 3);
      w.begin_array().hex(reinterpret_cast<const std::uint8_t*>("0123456789abcdef0123456789abcdef!"), 33);
      w.seconds(1795523449161298).number(std::int64_t{-1}).string("\xE2\x80\xA8").end_array();
    }
    std::vector<char> mem(full.size() + 1);
    for (std::size_t cap = 0; cap <= full.size() + 1; ++cap) {
      st::fixed_sink out(cap == 0 ? nullptr : mem.data(), cap);
      st::json_writer w(out);
      write_sample_document(w, 3);
      w.begin_array().hex(reinterpret_cast<const std::uint8_t*>("0123456789abcdef0123456789abcdef!"), 33);
      w.seconds(1795523449161298).number(std::int64_t{-1}).string("\xE2\x80\xA8").end_array();
      CAPTURE(cap);
      CHECK(out.total() == full.size());
      CHECK(w.ok() == (cap >= full.size()));
      CHECK(full.compare(0, out.size(), out.view()) == 0);
      if (w.ok()) CHECK(out.view() == full);
    }
  }

  TEST_CASE("rewind to a checkpoint clears the overflow and resets total()") {
    char buf[8];
    st::fixed_sink out(buf);
    out.write("hello");
    const std::size_t mark = out.size();
    out.write("world");
    REQUIRE(out.overflowed());
    out.rewind(mark);
    CHECK_FALSE(out.overflowed());
    CHECK(out.total() == 5);
    out.write("!?");
    CHECK(out.view() == "hello!?");
    out.rewind(100);  // past the end: clamped
    CHECK(out.size() == 7);
    out.rewind(0);
    CHECK(out.view().empty());
    CHECK(out.total() == 0);
  }

  TEST_CASE("json_writer mark and rewind drop an element that did not fit, commas stay right") {
    char buf[40];
    st::fixed_sink out(buf);
    st::json_writer w(out);
    w.begin_object().key("spans").begin_array();
    const auto first = w.mark();
    w.string(std::string(60, 'x'));  // too big even alone
    CHECK_FALSE(w.ok());
    w.rewind(first);
    CHECK(w.ok());
    int kept = 0;
    for (int i = 0; i < 10; ++i) {
      const auto m = w.mark();
      w.begin_object().key("id").number(i).end_object();
      if (!w.ok()) {
        w.rewind(m);
        break;
      }
      ++kept;
    }
    w.end_array().end_object();
    CHECK(w.ok());
    CHECK(kept == 3);
    CHECK(out.view() == R"({"spans":[{"id":0},{"id":1},{"id":2}]})");
  }

  TEST_CASE("rewinding to a mark taken after a dropped write keeps the writer not ok") {
    char buf[16];
    st::fixed_sink out(buf);
    st::json_writer w(out);
    w.begin_array().string(std::string(40, 'x'));  // dropped: the sink has overflowed
    REQUIRE_FALSE(w.ok());
    const std::size_t needed = out.total();
    const auto late = w.mark();
    w.number(1);
    w.rewind(late);
    CHECK_FALSE(w.ok());            // the string before the mark is still missing
    CHECK(out.overflowed());
    CHECK(out.total() == needed);   // and the size it needed is still known
    w.number(2);
    CHECK_FALSE(w.ok());
  }

  TEST_CASE("callback_sink hands out full chunks, finish() the rest, and they reassemble exactly") {
    std::string full;
    {
      st::string_sink big(full);
      st::json_writer w(big);
      write_sample_document(w, 50);
    }
    for (std::size_t cap : {std::size_t{1}, std::size_t{3}, std::size_t{64}, std::size_t{4096}}) {
      CAPTURE(cap);
      std::vector<char> chunk(cap);
      chunk_log log;
      st::callback_sink out(chunk.data(), cap, &collect_chunk, &log);
      st::json_writer w(out);
      write_sample_document(w, 50);
      CHECK(w.ok());
      out.finish();
      out.finish();  // idempotent
      CHECK(log.bytes == full);
      CHECK(out.total() == full.size());
      REQUIRE_FALSE(log.sizes.empty());
      for (std::size_t i = 0; i + 1 < log.sizes.size(); ++i) CHECK(log.sizes[i] == cap);
      CHECK(log.sizes.back() <= cap);
    }
  }

  TEST_CASE("callback_sink delivers what is left when destroyed") {
    chunk_log log;
    {
      char chunk[16];
      st::callback_sink out(chunk, sizeof chunk, &collect_chunk, &log);
      out.write("abc");
    }
    CHECK(log.bytes == "abc");
  }

  TEST_CASE("callback_sink without room or without a function overflows instead of looping") {
    chunk_log log;
    st::callback_sink none(nullptr, 0, &collect_chunk, &log);
    none.write("abc");
    CHECK(none.overflowed());
    CHECK(none.total() == 3);
    none.finish();
    CHECK(log.bytes.empty());

    char chunk[4];
    st::callback_sink no_fn(chunk, sizeof chunk, nullptr, nullptr);
    no_fn.write("abcdef");
    CHECK(no_fn.overflowed());
  }

  TEST_CASE("string_sink grows, appends after existing contents, and finishes in its destructor") {
    std::string out = "prefix:";
    std::string expected = out;
    {
      st::string_sink sink(out);
      for (int i = 0; i < 100000; ++i) {
        const char c = static_cast<char>('a' + i % 26);
        sink.put(c);
        expected += c;
      }
      sink.write(std::string_view("tail"));
      expected += "tail";
      CHECK(sink.total() == expected.size() - 7);
      CHECK_FALSE(sink.overflowed());
    }
    CHECK(out == expected);

    st::string_sink again(out);
    again.write("!");
    again.finish();
    CHECK(out == expected + "!");
    again.write("?");  // usable after finish()
    again.finish();
    CHECK(out == expected + "!?");
    CHECK(again.total() == 2);
  }

  TEST_CASE("a refill hook may grow the buffer with reset_buffer, keeping its contents") {
    struct two_buffers {
      char small[4];
      char large[64];
      int calls;
    } mem{};
    auto grow = [](st::sink& s, std::size_t need, void* user) noexcept -> bool {
      auto* m = static_cast<two_buffers*>(user);
      ++m->calls;
      if (s.data() == m->large || s.size() + need > sizeof m->large) return false;
      std::memcpy(m->large, s.data(), s.size());
      s.reset_buffer(m->large, sizeof m->large);
      return true;
    };
    st::sink out(mem.small, sizeof mem.small, grow, &mem);
    st::json_writer w(out);
    w.begin_array().string("grown").end_array();
    CHECK(w.ok());
    CHECK(out.view() == "[\"grown\"]");
    CHECK(mem.calls == 1);
    out.write(std::string(100, 'x'));
    CHECK(out.overflowed());
    CHECK(out.total() == 9 + 100);
  }

  TEST_CASE("a refill hook that flushes with rewind(0) keeps total() counting") {
    struct flushed {
      std::string bytes;
    } dst;
    auto flush = [](st::sink& s, std::size_t, void* user) noexcept -> bool {
      static_cast<flushed*>(user)->bytes.append(s.data(), s.size());
      s.rewind(0);
      return true;
    };
    char chunk[5];
    st::sink out(chunk, sizeof chunk, flush, &dst);
    out.write("0123456789abc");
    CHECK(dst.bytes == "0123456789");
    CHECK(out.view() == "abc");
    CHECK(out.total() == 13);
    CHECK_FALSE(out.overflowed());
  }

  // --- numbers -------------------------------------------------------------------------------

  TEST_CASE("integers print exactly, limits included") {
    char buf[64];
    st::fixed_sink out(buf);
    st::json_writer w(out);
    w.begin_array()
        .number(std::numeric_limits<std::int64_t>::min())
        .number(std::numeric_limits<std::int64_t>::max())
        .number(std::numeric_limits<std::uint64_t>::max())
        .end_array();
    CHECK(w.ok());
    CHECK(out.view() == "[-9223372036854775808,9223372036854775807,18446744073709551615]");

    char n[21];
    CHECK(std::string(n, st::detail::format_int(n, 0)) == "0");
    CHECK(std::string(n, st::detail::format_int(n, -7)) == "-7");
    CHECK(std::string(n, st::detail::format_int(n, 10)) == "10");
    CHECK(std::string(n, st::detail::format_int(n, 99)) == "99");
    CHECK(std::string(n, st::detail::format_int(n, -100)) == "-100");
    CHECK(st::detail::format_int(n, std::numeric_limits<std::int64_t>::min()) == 20);
    CHECK(st::detail::format_uint(n, std::numeric_limits<std::uint64_t>::max()) == 20);
    std::mt19937_64 rng(3);
    for (int i = 0; i < 1000; ++i) {
      const std::uint64_t v = rng() >> (rng() % 64);
      CHECK(std::string(n, st::detail::format_uint(n, v)) == std::to_string(v));
      const auto sv = static_cast<std::int64_t>(rng());
      CHECK(std::string(n, st::detail::format_int(n, sv)) == std::to_string(sv));
    }
  }

  TEST_CASE("every integer type goes through the 64-bit overloads") {
    char buf[128];
    st::fixed_sink out(buf);
    st::json_writer w(out);
    w.begin_array()
        .number(static_cast<signed char>(-128))
        .number(static_cast<unsigned char>(255))
        .number(static_cast<short>(-32768))
        .number(static_cast<unsigned short>(65535))
        .number(-1)
        .number(4294967295u)
        .number(-1L)
        .number(1LL << 40)
        .number(std::size_t{42})
        .end_array();
    CHECK(out.view() == "[-128,255,-32768,65535,-1,4294967295,-1,1099511627776,42]");
  }

  TEST_CASE("doubles print in the shortest form that round-trips, as JavaScript prints them") {
    CHECK(json_double(0.1) == "0.1");
    CHECK(json_double(0.5) == "0.5");
    CHECK(json_double(3.0) == "3");
    CHECK(json_double(-2.5) == "-2.5");
    CHECK(json_double(100.0) == "100");
    CHECK(json_double(1e21) == "1e+21");
    CHECK(json_double(1e20) == "100000000000000000000");
    CHECK(json_double(1e23) == "1e+23");
    CHECK(json_double(5e-324) == "5e-324");
    CHECK(json_double(1.7976931348623157e308) == "1.7976931348623157e+308");
    CHECK(json_double(-1.7976931348623157e308) == "-1.7976931348623157e+308");
    CHECK(json_double(2.2250738585072014e-308) == "2.2250738585072014e-308");
    CHECK(json_double(0.1 + 0.2) == "0.30000000000000004");
    CHECK(json_double(1e-7) == "1e-7");
    CHECK(json_double(1.5e-7) == "1.5e-7");
    CHECK(json_double(0.000001) == "0.000001");
    CHECK(json_double(123456789012345680000.0) == "123456789012345680000");
    CHECK(json_double(9007199254740992.0) == "9007199254740992");
    CHECK(json_double(1795523449.161298) == "1795523449.161298");
  }

  TEST_CASE("negative zero prints as 0") {
    CHECK(json_double(-0.0) == "0");
    CHECK(json_double(0.0) == "0");
    CHECK(fmt_double_portable(-0.0) == "0");
  }

  TEST_CASE("NaN and infinities are written as null") {
    CHECK(json_double(std::numeric_limits<double>::quiet_NaN()) == "null");
    CHECK(json_double(-std::numeric_limits<double>::quiet_NaN()) == "null");
    CHECK(json_double(std::numeric_limits<double>::infinity()) == "null");
    CHECK(json_double(-std::numeric_limits<double>::infinity()) == "null");
    char buf[64];
    st::fixed_sink out(buf);
    st::json_writer w(out);
    w.begin_object().key("v").number(std::numeric_limits<double>::infinity()).end_object();
    CHECK(out.view() == "{\"v\":null}");
  }

  TEST_CASE("doubles are written with '.' whatever the C locale says") {
    const char* const names[] = {"de_DE.UTF-8", "de_DE.utf8", "de_DE", "fr_FR.UTF-8", "ru_RU.UTF-8"};
    const char* found = nullptr;
    for (const char* name : names) {
      if (std::setlocale(LC_ALL, name) != nullptr) {
        found = name;
        break;
      }
    }
    if (found == nullptr) {
      MESSAGE("no locale with a decimal comma is installed (tried de_DE, fr_FR, ru_RU): skipped");
      return;
    }
    const bool comma = std::localeconv()->decimal_point[0] == ',';
    const std::string a = json_double(0.5);
    const std::string b = json_double(1234.5678);
    const std::string c = json_double(1.5e-7);
    const std::string d = fmt_double_portable(1234.5678);
    std::setlocale(LC_ALL, "C");
    CAPTURE(found);
    CHECK(comma);
    CHECK(a == "0.5");
    CHECK(b == "1234.5678");
    CHECK(c == "1.5e-7");
    CHECK(d == "1234.5678");
  }

  TEST_CASE("10000 random doubles round-trip through strtod") {
    std::setlocale(LC_ALL, "C");
    std::mt19937_64 rng(42);
    int checked = 0;
    for (int i = 0; i < 10000; ++i) {
      // Half random bit patterns (every exponent), half short decimals (common values).
      double v = (i % 2 == 0) ? double_of(rng())
                              : static_cast<double>(static_cast<std::int64_t>(rng() % 2000001) - 1000000) /
                                    static_cast<double>(std::uint64_t{1} << (rng() % 20));
      if (bits_of(v) >> 52 == 0x7FF || bits_of(v) >> 52 == 0xFFF) continue;
      const std::string text = json_double(v);
      const double back = std::strtod(text.c_str(), nullptr);
      if (bits_of(back) != bits_of(v) && !(v == 0.0 && back == 0.0)) {
        CAPTURE(text);
        CHECK(bits_of(back) == bits_of(v));
      }
      ++checked;
    }
    CHECK(checked > 9900);
  }

  TEST_CASE("the portable double formatter gives the same text as the standard library path") {
    std::mt19937_64 rng(99);
    std::vector<double> values = {0.1,    0.5,    3.0,     1e21, 1e20,  1e23,   5e-324, 1.7976931348623157e308,
                                  1e-7,   1.5e-7, 0.000001, 1e22, 1e-6,  2.5,    1e15,   1e16,
                                  1e17,   123.456, 2.2250738585072014e-308, 2.225073858507201e-308,
                                  9007199254740993.0, 4.35, 0.3, 2.0 / 3.0};
    for (int i = 0; i < 2000; ++i) values.push_back(double_of(rng()));
    for (int i = 0; i < 200; ++i) values.push_back(double_of(std::uint64_t(rng() % 2047) << 52));  // powers of two
    for (int i = 0; i < 200; ++i) values.push_back(double_of(rng() % 4096));  // subnormals
    for (double v : values) {
      if (bits_of(v) >> 52 == 0x7FF || bits_of(v) >> 52 == 0xFFF) continue;
      char a[32];
      const std::string std_path(a, st::detail::format_double(a, v));
      const std::string portable = fmt_double_portable(v);
      if (std_path != portable) {
        CAPTURE(std_path);
        CHECK(portable == std_path);
      }
      const double back = std::strtod(portable.c_str(), nullptr);
      if (bits_of(back) != bits_of(v) && v != 0.0) {
        CAPTURE(portable);
        CHECK(bits_of(back) == bits_of(v));
      }
    }
  }

  TEST_CASE("the few-digit double path gives the exact path's text, and takes every rate") {
    auto exact = [](double v) {
      char buf[32];
      return std::string(buf, st::detail::format_double_exact(buf, v));
    };
    auto few = [](double v) {
      char buf[32];
      return std::string(buf, st::detail::format_double_few_digits(buf, v));
    };
    // Rates and other short decimals: k / 10^p for every p it can have; each must take the path.
    std::mt19937_64 rng(7);
    std::size_t taken = 0, offered = 0;
    for (int p = 0; p <= 15; ++p) {
      const double scale = std::pow(10.0, p);
      for (int i = 0; i < 400; ++i) {
        const std::uint64_t digits = rng() % 1000000 + 1;
        const double v = static_cast<double>(digits) / scale;
        if (v * scale > 4e14) continue;
        ++offered;
        const std::string fast = few(v);
        if (!fast.empty()) ++taken;
        CAPTURE(v);
        CHECK(fast == exact(v));
      }
    }
    CHECK(taken == offered);
    CHECK(few(1.0) == "1");
    CHECK(few(0.25) == "0.25");
    CHECK(few(1e-7) == "1e-7");
    CHECK(few(-0.001) == "-0.001");
    CHECK(few(120000.0) == "120000");
    // Any other double: the path declines or agrees. Random bits, and neighbours of decimals
    // (one ulp off a rate has 16 or 17 digits, which the path must decline).
    std::vector<double> others;
    for (int i = 0; i < 20000; ++i) others.push_back(double_of(rng()));
    for (int i = 0; i < 20000; ++i) {
      const double v = static_cast<double>(rng() % 100000 + 1) / std::pow(10.0, static_cast<int>(rng() % 12));
      others.push_back(std::nextafter(v, 0.0));
      others.push_back(std::nextafter(v, 1e300));
      others.push_back(static_cast<double>(rng() % (std::uint64_t{1} << 53)) / std::pow(2.0, static_cast<int>(rng() % 80)));
    }
    for (double v : {0.0, -0.0, 4e14, 4.000000000000001e14, 9007199254740993.0, 1e-300, 5e-324})
      others.push_back(v);
    for (double v : others) {
      if (bits_of(v) >> 52 == 0x7FF || bits_of(v) >> 52 == 0xFFF) continue;
      const std::string fast = few(v);
      if (fast.empty()) continue;
      const std::string slow = exact(v);
      if (fast != slow) {
        CAPTURE(v);
        CHECK(fast == slow);
      }
    }
  }

  // --- timestamps ----------------------------------------------------------------------------

  TEST_CASE("RFC 3339 timestamps are exact to the microsecond") {
    CHECK(rfc3339(0) == "1970-01-01T00:00:00.000000Z");
    CHECK(rfc3339(1795523451147353) == "2026-11-24T12:30:51.147353Z");
    CHECK(rfc3339(1709164800000000) == "2024-02-29T00:00:00.000000Z");
    CHECK(rfc3339(1709164800000000 + 86399999999) == "2024-02-29T23:59:59.999999Z");
    CHECK(rfc3339(1709164800000000 + 86400000000) == "2024-03-01T00:00:00.000000Z");
    CHECK(rfc3339(951868800000000 - 1) == "2000-02-29T23:59:59.999999Z");
    CHECK(rfc3339(951868800000000) == "2000-03-01T00:00:00.000000Z");
    CHECK(rfc3339(253402300799999999) == "9999-12-31T23:59:59.999999Z");
    CHECK(rfc3339(1) == "1970-01-01T00:00:00.000001Z");
  }

  TEST_CASE("timestamps before 1970 or after 9999 clamp to the epoch") {
    const std::string epoch = "1970-01-01T00:00:00.000000Z";
    CHECK(rfc3339(-1) == epoch);
    CHECK(rfc3339(std::numeric_limits<std::int64_t>::min()) == epoch);
    CHECK(rfc3339(253402300800000000) == epoch);
    CHECK(rfc3339(std::numeric_limits<std::int64_t>::max()) == epoch);
  }

  TEST_CASE("every day from 1970 to 9999 gets the calendar date") {
    int y = 1970, m = 1, d = 1;
    const int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    char want[11];
    for (std::int64_t day = 0; y <= 9999; ++day) {
      char buf[27];
      st::detail::format_rfc3339(buf, day * 86400000000 + 43200000000);
      want[0] = static_cast<char>('0' + y / 1000);
      want[1] = static_cast<char>('0' + y / 100 % 10);
      want[2] = static_cast<char>('0' + y / 10 % 10);
      want[3] = static_cast<char>('0' + y % 10);
      want[4] = '-';
      want[5] = static_cast<char>('0' + m / 10);
      want[6] = static_cast<char>('0' + m % 10);
      want[7] = '-';
      want[8] = static_cast<char>('0' + d / 10);
      want[9] = static_cast<char>('0' + d % 10);
      if (std::memcmp(buf, want, 10) != 0 || std::memcmp(buf + 10, "T12:00:00.000000Z", 17) != 0) {
        CAPTURE(day);
        CHECK(std::string(buf, 27) == std::string(want, 10) + "T12:00:00.000000Z");
        break;
      }
      const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
      if (++d > month_days[m - 1] + (m == 2 && leap ? 1 : 0)) {
        d = 1;
        if (++m > 12) {
          m = 1;
          ++y;
        }
      }
    }
    CHECK(y == 10000);
  }

  TEST_CASE("timestamp() writes a quoted RFC 3339 string") {
    char buf[64];
    st::fixed_sink out(buf);
    st::json_writer w(out);
    w.begin_object().key("timestamp").timestamp(1795523451147353).end_object();
    CHECK(out.view() == R"({"timestamp":"2026-11-24T12:30:51.147353Z"})");
  }

  TEST_CASE("timestamps in a row on one writer each read as format_rfc3339 writes them, within a second and across seconds") {
    // The cache keeps the text of the last whole second; a change of second, day or year, a
    // step back, and out-of-range values must each be written afresh.
    const std::int64_t stamps[] = {1795523451147353, 1795523451999999, 1795523452000000, 1795523451000001,
                                   1795523451147353, 1798761599999999, 1798761600000000, 0,
                                   -5,               1795523451147353, 253402300799999999, 253402300800000000};
    std::string out;
    std::string expected = "[";
    {
      st::string_sink sink(out);
      st::json_writer w(sink);
      st::json_writer::timestamp_cache cache;
      w.begin_array();
      for (std::int64_t us : stamps) {
        w.timestamp(us, cache);
        char text[27];
        st::detail::format_rfc3339(text, us);
        expected += (expected.size() > 1 ? ",\"" : "\"") + std::string(text, 27) + "\"";
      }
      w.end_array();
      CHECK(w.ok());
    }
    expected += "]";
    CHECK(out == expected);
    CHECK(out.find("\"2026-12-31T23:59:59.999999Z\",\"2027-01-01T00:00:00.000000Z\"") != std::string::npos);
  }

  TEST_CASE("seconds() writes epoch microseconds as seconds with six decimals") {
    auto secs = [](std::int64_t us) {
      char buf[64];
      st::fixed_sink out(buf);
      st::json_writer w(out);
      w.seconds(us);
      return std::string(out.view());
    };
    CHECK(secs(1795523449161298) == "1795523449.161298");
    CHECK(secs(1500000) == "1.500000");
    CHECK(secs(0) == "0.000000");
    CHECK(secs(7) == "0.000007");
    CHECK(secs(-5) == "0.000000");
    CHECK(secs(253402300799999999) == "253402300799.999999");
  }

  // --- helpers -------------------------------------------------------------------------------

  TEST_CASE("utf8_truncate never splits a sequence and keeps as much as fits") {
    const std::string s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80" "b\xF4\x8F\xBF\xBF" "c";
    auto boundary = [&](std::size_t n) {
      return n == s.size() || (static_cast<unsigned char>(s[n]) & 0xC0) != 0x80;
    };
    for (std::size_t max = 0; max <= s.size() + 2; ++max) {
      const std::size_t n = st::detail::utf8_truncate(s, max);
      CAPTURE(max);
      CHECK(n <= max);
      CHECK(boundary(n));
      for (std::size_t k = n + 1; k <= max && k <= s.size(); ++k) CHECK_FALSE(boundary(k));
      CHECK(escaped(s.substr(0, n)).find(fffd) == std::string::npos);
    }
    CHECK(st::detail::utf8_truncate("", 0) == 0);
    CHECK(st::detail::utf8_truncate("abc", 10) == 3);
    // Stray continuation bytes are not a sequence to protect: the cut stays where asked.
    CHECK(st::detail::utf8_truncate("\x80\x80\x80\x80\x80\x80", 5) == 5);
    // A stray continuation byte after a whole character cuts nothing off that character.
    CHECK(st::detail::utf8_truncate("a\xC3\xA9\x80", 3) == 3);          // "aé", then 0x80
    CHECK(st::detail::utf8_truncate("\xE2\x82\xAC\x80\x80", 3) == 3);  // "€", then two strays
    CHECK(st::detail::utf8_truncate("\xF0\x9F\x98\x80\xBF", 4) == 4);  // an emoji, then a stray
    CHECK(st::detail::utf8_truncate("a\xC3\xA9", 2) == 1);              // a real split still backs up
    CHECK(st::detail::utf8_truncate("\xE2\x82\xAC", 2) == 0);
  }

  TEST_CASE("hex() writes lowercase hex pairs, any length") {
    const std::uint8_t id[] = {0x0a, 0x1b, 0xff, 0x00, 0x9c};
    char buf[512];
    st::fixed_sink out(buf);
    st::json_writer w(out);
    w.begin_array().hex(id, sizeof id).hex(nullptr, 0);
    std::uint8_t many[100];
    for (int i = 0; i < 100; ++i) many[i] = static_cast<std::uint8_t>(i * 37);
    w.hex(many, sizeof many).end_array();
    CHECK(w.ok());
    std::string want = "[\"0a1bff009c\",\"\",\"";
    char h[200];
    st::detail::hex_lower(h, many, sizeof many);
    want.append(h, 200);
    want += "\"]";
    CHECK(out.view() == want);
    CHECK(std::string(h, 4) == "0025");
  }

  TEST_CASE("raw() inserts the caller's JSON verbatim as one value") {
    char buf[64];
    st::fixed_sink out(buf);
    st::json_writer w(out);
    w.begin_array().raw("{\"a\":[1,2]}").raw("7").end_array();
    CHECK(out.view() == "[{\"a\":[1,2]},7]");
  }

  TEST_CASE("keys are escaped like strings") {
    char buf[64];
    st::fixed_sink out(buf);
    st::json_writer w(out);
    w.begin_object().key("a\"\n\xFF").number(1).end_object();
    CHECK(out.view() == "{\"a\\\"\\n" + fffd + "\":1}");
  }
}
