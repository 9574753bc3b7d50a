// Tests for sentry_trace/protocol/text.hpp: the ASCII helpers the parsers share (hex digits,
// case folding, trimming, unsigned decimals, bounded copies), each against a table of cases that
// includes the edges the parsers depend on (bytes above 0x7f, overflow, the exact buffer size).

#include "fixture.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <string_view>

namespace {

namespace d = sentry_trace::detail;

// The helpers are constexpr so the header parsers built on them can be too.
static_assert(d::hex_value('f') == 15 && d::iequals("Chunked", "cHUNKED"));
static_assert(d::trim("\t a \t", d::is_ows) == "a");

TEST_CASE("hex_value reads both cases and nothing else") {
  struct hex_case {
    char c;
    int value;
  };
  const hex_case cases[] = {
      {'0', 0},  {'9', 9},  {'a', 10}, {'f', 15}, {'A', 10}, {'F', 15}, {'g', -1},  {'G', -1},
      {'/', -1}, {':', -1}, {'@', -1}, {'`', -1}, {' ', -1}, {'\0', -1}, {'\xff', -1}, {'\xc3', -1},
  };
  for (const hex_case& hc : cases) {
    CAPTURE(static_cast<int>(static_cast<unsigned char>(hc.c)));
    CHECK(d::hex_value(hc.c) == hc.value);
    CHECK(d::is_lower_hex(hc.c) == (hc.value >= 0 && !(hc.c >= 'A' && hc.c <= 'F')));
  }
  for (int v = 0; v < 16; ++v) CHECK(d::hex_value(d::hex_upper[v]) == v);
  CHECK(std::strlen(d::hex_upper) == 16);
}

TEST_CASE("ascii_lower folds A-Z only, whatever the locale") {
  struct lower_case {
    char in, out;
  };
  const lower_case cases[] = {{'A', 'a'}, {'Z', 'z'}, {'a', 'a'}, {'@', '@'}, {'[', '['},
                              {'0', '0'}, {'\xc4', '\xc4'}, {'\xe4', '\xe4'}, {'\0', '\0'}};
  for (const lower_case& lc : cases) {
    CAPTURE(static_cast<int>(static_cast<unsigned char>(lc.in)));
    CHECK(d::ascii_lower(lc.in) == lc.out);
  }
}

TEST_CASE("iequals and contains_ignore_case compare with ASCII letters folded") {
  struct eq_case {
    std::string_view a, b;
    bool equal;
  };
  const eq_case cases[] = {
      {"", "", true},
      {"https", "HTTPS", true},
      {"Content-Length", "content-length", true},
      {"http", "https", false},
      {"https", "http", false},
      {"[", "{", false},            // 0x5b and 0x7b differ by 0x20 but are not letters
      {"@", "`", false},
      {"\xc4", "\xe4", false},      // Latin-1 A-umlaut and a-umlaut: not ASCII, not folded
      {std::string_view("a\0b", 3), std::string_view("A\0B", 3), true},
  };
  for (const eq_case& ec : cases) {
    CAPTURE(ec.a);
    CAPTURE(ec.b);
    CHECK(d::iequals(ec.a, ec.b) == ec.equal);
    CHECK(d::iequals(ec.b, ec.a) == ec.equal);
  }

  struct contains_case {
    std::string_view hay, needle;
    bool found;
  };
  const contains_case finds[] = {
      {"https://API.example.com/v1", "api.example", true},
      {"https://api.example.com/v1", "API.EXAMPLE", true},
      {"https://api.example.com/v1", "", true},
      {"", "", true},
      {"", "a", false},
      {"abc", "abcd", false},
      {"xxABC", "abc", true},
      {"ab", "b", true},
      {"a[c", "a{c", false},
  };
  for (const contains_case& cc : finds) {
    CAPTURE(cc.hay);
    CAPTURE(cc.needle);
    CHECK(d::contains_ignore_case(cc.hay, cc.needle) == cc.found);
  }
}

TEST_CASE("trim drops exactly its set of white space at both ends") {
  struct trim_case {
    std::string_view in;
    std::string_view ows, header, ascii;
  };
  const trim_case cases[] = {
      {"", "", "", ""},
      {"a", "a", "a", "a"},
      {" \t a b \t ", "a b", "a b", "a b"},
      {"\r\n a \r\n", "\r\n a \r\n", "a", "a"},
      {" \r a \n ", "\r a \n", "a", "a"},
      {"\v\f a \f\v", "\v\f a \f\v", "\v\f a \f\v", "a"},
      {"   ", "", "", ""},
      {"\xa0" "a" "\xa0", "\xa0" "a" "\xa0", "\xa0" "a" "\xa0", "\xa0" "a" "\xa0"},  // no-break space
      {std::string_view(" \0 ", 3), std::string_view("\0", 1), std::string_view("\0", 1), std::string_view("\0", 1)},
  };
  for (const trim_case& tc : cases) {
    CAPTURE(tc.in);
    CHECK(d::trim(tc.in, d::is_ows) == tc.ows);
    CHECK(d::trim(tc.in, d::is_header_space) == tc.header);
    CHECK(d::trim(tc.in, d::is_ascii_space) == tc.ascii);
  }
}

TEST_CASE("parse_unsigned reads plain digits up to the limit and refuses the rest") {
  struct u64_case {
    std::string_view text;
    bool ok;
    std::uint64_t value;
  };
  const u64_case wide[] = {
      {"0", true, 0},
      {"42", true, 42},
      {"00080", true, 80},
      {"18446744073709551615", true, UINT64_MAX},
      {"18446744073709551616", false, 0},
      {"99999999999999999999", false, 0},
      {"", false, 0},
      {"+1", false, 0},
      {"-1", false, 0},
      {" 1", false, 0},
      {"1 ", false, 0},
      {"1.0", false, 0},
      {"0x10", false, 0},
      {"1\xd9\xa1", false, 0},  // a non-ASCII digit (Arabic-Indic one) after a 1
  };
  for (const u64_case& c : wide) {
    CAPTURE(c.text);
    std::uint64_t v = 7;
    CHECK(d::parse_unsigned<std::uint64_t>(c.text, UINT64_MAX, v) == c.ok);
    CHECK(v == (c.ok ? c.value : 7));  // untouched on failure
  }

  struct port_case {
    std::string_view text;
    bool ok;
    std::uint32_t value;
  };
  const port_case ports[] = {
      {"1", true, 1},       {"65535", true, 65535}, {"65536", false, 0},
      {"99999", false, 0},  {"4294967296", false, 0}, {"0", true, 0},
  };
  for (const port_case& c : ports) {
    CAPTURE(c.text);
    std::uint32_t v = 7;
    CHECK(d::parse_unsigned<std::uint32_t>(c.text, 65535, v) == c.ok);
    CHECK(v == (c.ok ? c.value : 7));
  }

  CHECK(d::all_digits("0123456789"));
  CHECK_FALSE(d::all_digits(""));
  CHECK_FALSE(d::all_digits("12a"));
}

TEST_CASE("copy_bounded copies with a NUL when it fits and leaves the buffer alone when not") {
  struct copy_case {
    std::string_view text;
    bool fits;
  };
  const copy_case cases[] = {
      {"", true}, {"a", true}, {"abcdefg", true}, {"abcdefgh", false}, {"abcdefghijk", false},
  };
  for (const copy_case& c : cases) {
    CAPTURE(c.text);
    char buf[8];
    std::memset(buf, 'x', sizeof buf);
    CHECK(d::copy_bounded(buf, c.text) == c.fits);
    if (c.fits) {
      CHECK(std::string_view(buf) == c.text);
    } else {
      CHECK(std::string_view(buf, sizeof buf) == "xxxxxxxx");
    }
  }
  char buf[4];
  CHECK(d::copy_bounded(buf, std::string_view()));  // an empty view with a null pointer
  CHECK(buf[0] == '\0');
}

}  // namespace
