// Differential tests for the SQL scrubber (include/sentry_trace/integrations/sql.hpp): scrub_sql(),
// whose scan reads the common characters straight from the statement (sql_detail::scrub_into),
// against the reference, the cursor alone (sql_detail::cursor_step until the end, then
// sql_detail::finish, as scrub_sql() ends), on seeded random statements: SQL-ish tokens
// (keywords, identifiers with digits, quoted identifiers, string literals with '' and
// backslashes and prefixes, dollar quotes, numbers of every form, signs, placeholders, comments,
// IN lists, TRUE/FALSE, whitespace of every kind) and random bytes (UTF-8, invalid UTF-8, NUL),
// glued together or spaced, in both dialects, into buffers of random sizes (tiny ones too, so
// that every cut is tried). Output bytes and the truncation flag must be the same.
//
// sql_operation() is held to its cursor path (sql_detail::operation_by_cursor) the same way, on
// the statements and on what scrub_sql() made of them.
//
// Reproducible: statement i of a run is statement_generator(seed * 1000003 + i). A mismatch
// prints the seed, the statement (escaped), the dialect, the capacity and both results. About a
// second in a Debug build; SENTRY_TRACE_SQL_RANDOM_STATEMENTS (default 30000) and
// SENTRY_TRACE_SQL_RANDOM_SEED (default 1) change the run, e.g. for a long one before a release.
// tests/interop/check_sql_scrub.mjs holds the same kind of corpus against Sentry's own sanitizer.

// By path, not <sentry_trace/integrations/...>: with SENTRY_TRACE_SINGLE_HEADER=ON every
// <sentry_trace/...> include maps to the amalgamation, which has no integrations.
#include "../include/sentry_trace/integrations/sql.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace si = sentry_trace::integration;
namespace sd = sentry_trace::integration::sql_detail;

/// A seeded generator of SQL-ish statements: tokens Sentry's sanitizer and ours treat
/// specially, glued together or spaced, with random bytes among them.
class statement_generator {
 public:
  explicit statement_generator(std::uint64_t seed) noexcept : state_(seed) { state_ = next() ^ next(); }

  /// splitmix64; the seed is mixed first, so that neighbouring seeds give unrelated streams.
  std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) noexcept { return static_cast<std::size_t>(next() % n); }
  bool one_in(std::size_t n) noexcept { return below(n) == 0; }
  template <std::size_t N> const char* pick(const char* const (&items)[N]) noexcept { return items[below(N)]; }

  std::string statement() {
    std::string s;
    const std::size_t tokens = below(24);
    for (std::size_t i = 0; i < tokens; ++i) {
      if (!one_in(4)) s += separator();
      token(s);
    }
    if (one_in(3)) s += separator();
    if (one_in(8)) s += ';';
    return s;
  }

 private:
  std::uint64_t state_;

  std::string separator() {
    static const char* const spaces[] = {" ", " ", " ", " ", "  ", "\t", "\n", "\r\n", "\v", "\f", " \n\t "};
    return pick(spaces);
  }

  void quoted(std::string& s, char delimiter, bool terminate) {
    s += delimiter;
    const std::size_t n = below(6);
    static const char* const bits[] = {"a", "b c", "1", "''", "\"\"", "``", "\\", "\\'", "-- x", "/* y */", "$$", "true", "?",
                                       "9.5", " ", "\n", "x'00'", "\xC3\xA9", "#"};
    for (std::size_t i = 0; i < n; ++i) s += pick(bits);
    if (terminate) s += delimiter;
  }

  void number(std::string& s) {
    static const char* const forms[] = {"0", "1", "21", "99999999999999999999", "0x1F", "0XFF", "0xZZ", "0x1Fz9", "1e10",
                                        "1.5e-3", "2.5E+10", "1E3", "1.e3", "1.", ".5", "19.99", "1.2.3", "12abc",
                                        "1.5abc", "1e5x", "0.5", "007", "1e", "1e+", "3.14e-"};
    if (one_in(4)) s += '-';
    s += pick(forms);
  }

  void token(std::string& s) {
    static const char* const keywords[] = {"SELECT", "FROM", "WHERE", "AND", "OR", "IN", "in", "NOT", "INSERT", "INTO",
                                           "VALUES", "UPDATE", "SET", "TRUE", "FALSE", "true", "False", "NULL",
                                           "LIMIT", "E", "X", "B", "N", "e", "x", "b", "n", "IS", "LIKE", "JOIN",
                                           "WITH", "AS", "ORDER", "BY"};
    static const char* const identifiers[] = {"t1", "col2", "users2", "_9", "a1b2", "a", "TRUE_FLAG", "xIN", "t1.c3",
                                              "s2.t3", "created_at", "MAX", "TRUE1", "XTRUE", "id", "data"};
    static const char* const placeholders[] = {"$1", "$12", "?", "?1", ":1", "@12", "$id", "$name", ":name",
                                               "@name", "@p", "$"};
    static const char* const punctuation[] = {"(", ")", ",", ";", ".", "=", "<", ">", ">=", "*", "::", "[", "]", "->",
                                              "->>", "+", "-", "/", "%", "@>", "{}", "|", "!"};
    // UTF-8 (U+00A0 and U+2003 are spaces to JavaScript, bytes here), cut or invalid UTF-8, NUL.
    static const std::string_view odd[] = {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xC2\xA0", "\xE2\x80\x83",
                                           "\xFF", "\x80", "\xC3", "\xF0\x9F", std::string_view("\0", 1)};
    switch (below(20)) {
      case 0: case 1: case 2: case 3: s += pick(keywords); break;
      case 4: case 5: s += pick(identifiers); break;
      case 6: {  // string literals: '..', with prefixes, unterminated now and then
        static const char* const prefixes[] = {"", "", "", "E", "e", "X", "x", "B", "b", "N"};
        s += pick(prefixes);
        quoted(s, '\'', !one_in(10));
        break;
      }
      case 7: quoted(s, one_in(2) ? '"' : '`', !one_in(10)); break;
      case 8: {  // dollar quotes
        const char* tag = one_in(2) ? "" : one_in(2) ? "tag" : "t_1";
        s += '$'; s += tag; s += '$';
        s += one_in(2) ? "secret 'x' -- y" : "";
        if (!one_in(6)) { s += '$'; s += tag; s += '$'; }
        break;
      }
      case 9: case 10: number(s); break;
      case 11: s += pick(placeholders); break;
      case 12: {  // comments
        switch (below(4)) {
          case 0: s += "-- c"; s += one_in(4) ? "" : "\n"; break;
          case 1: s += "/* c "; s += one_in(5) ? "" : "*/"; break;
          case 2: s += "#c\n"; break;
          default: s += "/**/"; break;
        }
        break;
      }
      case 13: {  // an IN list
        s += one_in(2) ? "IN" : "in";
        s += one_in(3) ? "" : " ";
        s += '(';
        const std::size_t n = 1 + below(4);
        static const char* const elements[] = {"?", "$1", "$23", "1", "-2", "'x'", "b", " ? ", "TRUE", "0x1F", "1.5"};
        for (std::size_t i = 0; i < n; ++i) {
          if (i) s += one_in(3) ? " , " : ", ";
          s += pick(elements);
        }
        s += ')';
        break;
      }
      case 14: case 15: case 16: s += pick(punctuation); break;
      case 17: s += separator(); break;
      case 18: s += odd[below(sizeof odd / sizeof odd[0])]; break;
      default: s += static_cast<char>(below(256)); break;
    }
  }
};

struct scrubbed {
  std::string text;
  bool truncated = false;
};

/// scrub_sql(), as integrations call it.
scrubbed fast(std::string_view statement, std::size_t capacity, si::sql_dialect dialect) {
  std::vector<char> buffer(capacity + 1);
  char* const out = capacity ? buffer.data() : nullptr;  // no buffer at all, now and then
  scrubbed r;
  r.text = std::string(si::scrub_sql(statement, out, capacity, dialect, &r.truncated));
  return r;
}

/// What scrub_sql() would give if every step went through the cursor.
scrubbed reference(std::string_view statement, std::size_t capacity, si::sql_dialect dialect) {
  std::vector<char> buffer(capacity + 1);
  char* const out = capacity ? buffer.data() : nullptr;
  sd::writer w{out, out ? capacity : 0};
  if (statement.empty()) {
    w.put("Unknown SQL Query");
    w.trim_to_utf8();
  } else {
    sd::cursor in{statement.data(), statement.size(), 0, dialect};
    while (!w.full && sd::cursor_step(w, in)) {
    }
    sd::finish(w);
  }
  return {std::string(out ? out : "", w.size), w.full};
}

std::string escaped(std::string_view s) {
  std::string r;
  char hex[8];
  for (const char c : s) {
    const unsigned char b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b < 0x7f && b != '\\' && b != '"') {
      r += c;
    } else {
      std::snprintf(hex, sizeof hex, "\\x%02X", b);
      r += hex;
    }
  }
  return "\"" + r + "\"";
}

std::uint64_t setting(const char* name, std::uint64_t fallback) {
  const char* value = std::getenv(name);
  if (!value || !*value) return fallback;
  return std::strtoull(value, nullptr, 10);
}

}  // namespace

TEST_SUITE("sql_scrub") {

TEST_CASE("scrub_sql gives what the cursor alone gives, on random statements, dialects and buffer sizes") {
  const std::uint64_t seed = setting("SENTRY_TRACE_SQL_RANDOM_SEED", 1);
  const std::uint64_t statements = setting("SENTRY_TRACE_SQL_RANDOM_STATEMENTS", 30000);
  std::size_t compared = 0, cut = 0, mismatches = 0;
  for (std::uint64_t i = 0; i < statements && mismatches < 5; ++i) {
    statement_generator g(seed * 1000003u + i);
    const std::string statement = g.statement();
    for (const si::sql_dialect dialect : {si::sql_dialect::standard, si::sql_dialect::mysql}) {
      const std::size_t capacities[] = {si::scrubbed_sql_bytes, g.below(20), g.below(statement.size() + 3),
                                        statement.size(), statement.size() + 1};
      for (const std::size_t capacity : capacities) {
        const scrubbed got = fast(statement, capacity, dialect);
        const scrubbed want = reference(statement, capacity, dialect);
        ++compared;
        cut += want.truncated;
        if (got.text == want.text && got.truncated == want.truncated) continue;
        ++mismatches;
        const std::string report =
            "seed " + std::to_string(seed) + ", statement " + std::to_string(i) + " (statement_generator(" +
            std::to_string(seed * 1000003u + i) + ")), " +
            (dialect == si::sql_dialect::mysql ? "mysql" : "standard") + ", capacity " + std::to_string(capacity) +
            "\n  statement: " + escaped(statement) + "\n  scrub_sql: " + escaped(got.text) +
            (got.truncated ? " (truncated)" : "") + "\n  cursor:    " + escaped(want.text) +
            (want.truncated ? " (truncated)" : "");
        FAIL_CHECK(report);
      }
    }
  }
  MESSAGE(compared << " scrubs compared (" << cut << " of them cut), seed " << seed);
  // The corpus must reach the cut often enough for the truncation paths to be compared at all.
  CHECK(cut * 10 > compared);
}

TEST_CASE("sql_operation gives what the cursor alone gives, on random statements and their scrubbed text") {
  const std::uint64_t seed = setting("SENTRY_TRACE_SQL_RANDOM_SEED", 1);
  const std::uint64_t statements = setting("SENTRY_TRACE_SQL_RANDOM_STATEMENTS", 30000);
  std::size_t found = 0, mismatches = 0;
  char buffer[si::scrubbed_sql_bytes];
  for (std::uint64_t i = 0; i < statements && mismatches < 5; ++i) {
    statement_generator g(seed * 1000003u + i);
    std::string statement = g.statement();
    if (g.one_in(2)) statement.insert(0, g.one_in(2) ? "SELECT" : "( insert");  // a keyword to find, often
    const std::string scrubbed_text(si::scrub_sql(statement, buffer, sizeof buffer));
    for (const std::string& text : {statement, scrubbed_text}) {
      const std::string_view got = si::sql_operation(text), want = sd::operation_by_cursor(text);
      found += !got.empty();
      if (got == want) continue;
      ++mismatches;
      const std::string report = "seed " + std::to_string(seed) + ", statement " + std::to_string(i) + ": " +
                                 escaped(text) + "\n  sql_operation: " + escaped(got) +
                                 "\n  cursor:        " + escaped(want);
      FAIL_CHECK(report);
    }
  }
  // Keywords must be found often enough for the comparison to mean something.
  CHECK(found * 4 > statements);
}

}  // TEST_SUITE("sql_scrub")
