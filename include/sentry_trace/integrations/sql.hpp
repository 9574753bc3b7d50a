// sentry_trace/integrations/sql.hpp -- the SQL statement scrubber every SQL integration shares
//
// WHAT IT DOES  scrub_sql() turns a statement into what a span may show, as @sentry/node 11 does:
//               sanitizeSqlQuery of @sentry/server-utils 11.12.0, which its SQL integrations call
//               (getSqlQueryAttributes), in one pass instead of its strip and ten replacements:
//                 - comments dropped (`-- ...` to the end of the line, `/* ... */`; `# ...` too
//                   in the MySQL dialect), whitespace runs made one space, the ends trimmed,
//                   leading semicolons and one trailing `;` dropped;
//                 - string literals to `?`: '...' with '' inside, X'..' / B'..' / N'..' / E'..'
//                   (E'..' and MySQL strings honour backslash escapes; MySQL's "..." is a string
//                   too), PostgreSQL dollar quotes ($$...$$, $tag$...$tag$), an unterminated
//                   literal swallowing the rest; an unterminated quoted identifier is `?` with the
//                   rest, a closed one is kept;
//                 - numbers to `?`: 0x1F, 1e10, -1.5e-3, 19.99, .5, -500 (a minus sign goes with
//                   its number, as there), TRUE and FALSE too; digits inside identifiers stay
//                   (t1.col2, users2, "table1"); where two of those replacements there would
//                   take the same digits, the earlier one wins, as there (`9.1.5e3` is `?.?`);
//                 - `IN (?, ?, ?)` to `IN (?)` and `IN ($1, $2)` to `IN ($?)`; `VALUES (...)`
//                   lists are not collapsed (@sentry/node does not either: VALUES (?, ?, ?));
//                 - placeholders kept: `$1`, `?`, `?1`, `:name`, `@name`, `$name`.
//               It gives @sentry/node's output on @sentry/core's own test table and on random
//               statements (tests/test_sql_scrub.cpp; tests/interop/check_sql_scrub.mjs runs the
//               real sanitizer) with two deliberate differences, each toward sending less:
//                 - `:1`, `@1` (SQLite's numbered parameters) stay placeholders, where the
//                   regular expression there makes them `:?`, `@?`;
//                 - whitespace is ASCII's (space, \t, \n, \v, \f, \r); JavaScript's \s also
//                   counts U+00A0 and the other Unicode spaces, which are copied here.
//               An empty statement gives "Unknown SQL Query", as there.
//               sql_operation() gives the statement's first keyword in upper case, for
//               `db.operation.name` ("SELECT", "INSERT", "PRAGMA", ...).
// DOES NOT      allocate, throw, or read past the statement's end: it writes at most `capacity`
//               bytes into the caller's buffer and returns a view of them. A longer result is cut
//               at a UTF-8 boundary (the scan stops there, so a 2 MB statement costs the bytes up
//               to the cut, plus one scan of any literal or comment it is in). Cutting never
//               shows more: what is cut off is dropped, and a literal is `?` before it is
//               written. Bytes that are not UTF-8 are copied (the JSON writer repairs them).
//               It parses no SQL: a statement that is not SQL is scrubbed as text.
// HOW           The reference is a cursor over the statement with comments and literals gone
//               (cursor, cursor_step: one token at a time, looking ahead by copying itself). The
//               scan scrub_sql() runs (scrub_into) reads the common tokens straight from the
//               statement, in a loop over bytes, and hands each other token to cursor_step();
//               tests/test_sql_scrub_random.cpp holds the two to the same output. The 219-byte
//               SELECT of bench/integrations/bench_sqlite.cpp costs about 3 700 instructions
//               (x86-64, g++ -O2; 7 700 before the scan), sql_operation() of its scrubbed text
//               about 140. The cursor's step and the full number match are kept out of line and
//               cold, so that the scan's code stays small (4.3 KB instead of 6.7 KB): a query's
//               scrub runs after the database's own code has had the instruction cache.
// THREADS       Pure functions of their arguments.
// ERRORS        None: every input gives a result, the worst case a truncated one.
//
// The size to use: scrubbed_sql_bytes (SENTRY_TRACE_MAX_STRING, the bytes the library keeps of
// one string, but at most 2 KiB; 1 KiB by default), e.g.
//   char buffer[sentry_trace::integration::scrubbed_sql_bytes];
//   std::string_view text = sentry_trace::integration::scrub_sql(sql, buffer, sizeof buffer);

#ifndef SENTRY_TRACE_INTEGRATIONS_SQL_HPP
#define SENTRY_TRACE_INTEGRATIONS_SQL_HPP

#include "../../sentry_trace.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string_view>

namespace sentry_trace {
namespace integration {

/// How string literals end: `standard` (PostgreSQL, SQLite: "..." is an identifier, '' the only
/// escape) or `mysql` ("..." is a string, \ escapes, # starts a comment), as @sentry/core's
/// SqlDialect.
enum class sql_dialect : std::uint8_t { standard, mysql };

/// Bytes of scrubbed statement worth keeping: the library keeps SENTRY_TRACE_MAX_STRING bytes of
/// a span name or attribute, and a stack buffer should stay small.
inline constexpr std::size_t scrubbed_sql_bytes = SENTRY_TRACE_MAX_STRING < 2048 ? SENTRY_TRACE_MAX_STRING : 2048;

namespace sql_detail {

enum char_class : std::uint8_t {
  other = 0,
  word = 1,    ///< [A-Za-z0-9_], JavaScript's \w
  digit = 2,   ///< also word
  space = 4,   ///< ASCII whitespace
  special = 8,         ///< may start a comment, literal, quoted identifier or dollar quote
  comment_start = 16   ///< may start a comment: - / #
};

struct class_table {
  std::uint8_t of[256];
  constexpr class_table() noexcept : of() {
    for (int c = 'a'; c <= 'z'; ++c) of[c] = word;
    for (int c = 'A'; c <= 'Z'; ++c) of[c] = word;
    for (int c = '0'; c <= '9'; ++c) of[c] = word | digit;
    of[static_cast<unsigned char>('_')] = word;
    for (char c : {' ', '\t', '\n', '\v', '\f', '\r'}) of[static_cast<unsigned char>(c)] = space;
    for (char c : {'-', '/', '#', '\'', '"', '`', '$'}) of[static_cast<unsigned char>(c)] = special;
    for (char c : {'-', '/', '#'}) of[static_cast<unsigned char>(c)] |= comment_start;
  }
};
inline constexpr class_table classes{};

constexpr std::uint8_t class_of(char c) noexcept { return classes.of[static_cast<unsigned char>(c)]; }
constexpr bool is_word(int c) noexcept { return c >= 0 && (class_of(static_cast<char>(c)) & word) != 0; }
constexpr bool is_digit(int c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool is_hex(int c) noexcept { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
constexpr char upper(char c) noexcept { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }
constexpr bool equals_upper(std::string_view text, std::string_view upper_word) noexcept {
  if (text.size() != upper_word.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i)
    if (upper(text[i]) != upper_word[i]) return false;
  return true;
}

constexpr int end_of_text = -1;

/// Reads the statement as @sentry/core's first step leaves it (stripLiteralsAndComments, then
/// whitespace collapsed): comments gone, each literal one '?', each whitespace run one ' '.
/// Small and copyable, so the scrubber looks ahead by copying it.
struct cursor {
  const char* text = nullptr;
  std::size_t size = 0;
  std::size_t pos = 0;
  sql_dialect dialect = sql_dialect::standard;
  char last = ' ';         ///< the last character read (' ' at the start): a literal prefix must stand alone
  char identifier = 0;     ///< inside a quoted identifier: its delimiter
  bool doubled = false;    ///< the delimiter just read was the first of a doubled pair

  constexpr int raw(std::size_t at) const noexcept { return at < size ? static_cast<unsigned char>(text[at]) : end_of_text; }

  /// Past a comment starting at pos, if one does.
  constexpr bool skip_comment() noexcept {
    const int c = raw(pos), next = raw(pos + 1);
    if ((c == '-' && next == '-') || (c == '#' && dialect == sql_dialect::mysql)) {
      while (pos < size && text[pos] != '\n') ++pos;  // the newline stays: it is whitespace
      return true;
    }
    if (c == '/' && next == '*') {
      pos += 2;
      while (pos < size && !(text[pos] == '*' && raw(pos + 1) == '/')) ++pos;
      pos = pos < size ? pos + 2 : size;
      return true;
    }
    return false;
  }

  /// Past the quoted run opened at pos by `delimiter` (a doubled delimiter is one character of
  /// it; with backslash escapes \x is one too); unterminated, to the end.
  constexpr void skip_quoted(char delimiter, bool backslash_escapes) noexcept {
    for (++pos; pos < size; ++pos) {
      const char c = text[pos];
      if (backslash_escapes && c == '\\') {
        ++pos;
      } else if (c == delimiter) {
        if (raw(pos + 1) != static_cast<unsigned char>(delimiter)) break;
        ++pos;
      }
    }
    pos = pos < size ? pos + 1 : size;
  }

  /// A PostgreSQL dollar quote ($$ or $tag$) at pos: its opening tag's length, else 0. Not
  /// after a word character or a '$' of the statement itself (what comes before a comment
  /// does not count, as there).
  constexpr std::size_t dollar_tag() const noexcept {
    const int before = pos ? raw(pos - 1) : end_of_text;
    if (dialect != sql_dialect::standard || is_word(before) || before == '$') return 0;
    std::size_t at = pos + 1;
    if (raw(at) != '$') {
      const int first = raw(at);
      if (!is_word(first) || is_digit(first)) return 0;
      while (is_word(raw(at))) ++at;
      if (raw(at) != '$') return 0;
    }
    return at + 1 - pos;
  }

  constexpr void skip_dollar_quoted(std::size_t tag_size) noexcept {
    const std::string_view tag(text + pos, tag_size);
    pos += tag_size;
    while (pos < size) {
      if (text[pos] == '$' && std::string_view(text + pos, size - pos).substr(0, tag_size) == tag) {
        pos += tag_size;
        return;
      }
      ++pos;
    }
  }

  /// A literal prefix (X'..', B'..', N'..', E'..' in the standard dialect) at pos: the
  /// character standing alone before a quote (comments between are gone by then, as there).
  constexpr bool literal_prefix(char c) const noexcept {
    const char u = upper(c);
    if (!(u == 'X' || u == 'B' || u == 'N' || (u == 'E' && dialect == sql_dialect::standard))) return false;
    if (is_word(static_cast<unsigned char>(last)) || last == '$') return false;
    cursor probe = *this;
    ++probe.pos;
    while (probe.skip_comment()) {
    }
    return probe.raw(probe.pos) == '\'';
  }

  constexpr int yield(char c) noexcept {
    last = c;
    return static_cast<unsigned char>(c);
  }

  /// The next character of the scrubbed-literal stream, or end_of_text.
  constexpr int next() noexcept {
    if (identifier) return next_in_identifier();
    bool spaced = false;
    while (pos < size) {
      const char c = text[pos];
      const std::uint8_t cls = class_of(c);
      if (cls & space) {
        spaced = true;
        ++pos;
        continue;
      }
      if ((cls & special) && skip_comment()) continue;  // a comment between spaces is no space
      if (spaced) return yield(' ');
      if (!(cls & special)) {
        if ((cls & word) && literal_prefix(c)) {
          ++pos;
          while (skip_comment()) {
          }
          skip_quoted('\'', dialect == sql_dialect::mysql || upper(c) == 'E');
          return yield('?');
        }
        ++pos;
        return yield(c);
      }
      if (c == '\'' || (c == '"' && dialect == sql_dialect::mysql)) {
        skip_quoted(c, dialect == sql_dialect::mysql);
        return yield('?');
      }
      if (c == '`' || c == '"') {
        if (!identifier_closes()) {  // unterminated: '?', and the rest with it, as there
          pos = size;
          return yield('?');
        }
        identifier = c;
        ++pos;
        return yield(c);
      }
      if (c == '$') {
        if (const std::size_t tag = dollar_tag()) {
          skip_dollar_quoted(tag);
          return yield('?');
        }
      }
      ++pos;
      return yield(c);
    }
    return spaced ? yield(' ') : end_of_text;
  }

  /// The quoted identifier opened at pos is closed (a doubled delimiter is part of it).
  constexpr bool identifier_closes() const noexcept {
    const char delimiter = text[pos];
    for (std::size_t at = pos + 1; at < size; ++at) {
      if (text[at] != delimiter) continue;
      if (raw(at + 1) != static_cast<unsigned char>(delimiter)) return true;
      ++at;
    }
    return false;
  }

  /// Inside "..." or `...`: copied (whitespace still collapsed, as there), up to the delimiter.
  constexpr int next_in_identifier() noexcept {
    if (pos >= size) return end_of_text;
    const char c = text[pos];
    if (class_of(c) & space) {
      while (pos < size && (class_of(text[pos]) & space)) ++pos;
      return yield(' ');
    }
    ++pos;
    if (c == identifier) {
      if (doubled) {
        doubled = false;
      } else if (raw(pos) == static_cast<unsigned char>(identifier)) {
        doubled = true;
      } else {
        identifier = 0;
      }
    }
    return yield(c);
  }

  constexpr int peek() const noexcept {
    cursor probe = *this;
    return probe.next();
  }
};

/// The scrubbed text being written: `capacity` bytes of the caller's buffer.
struct writer {
  char* out = nullptr;
  std::size_t capacity = 0;
  std::size_t size = 0;
  bool full = false;
  /// out[integer_end - 1] is the '?' of an integer: where `-` follows it, the lookbehind of
  /// `(?<![$?])-?\b\d+\b` there still sees the integer's last digit (that replacement is one
  /// pass), so the sign joins the next integer (`1-1` is `??`, `'a'-1` is `?-?`).
  std::size_t integer_end = 0;

  constexpr bool put(char c) noexcept {
    if (size >= capacity) {
      full = true;
      return false;
    }
    out[size++] = c;
    return true;
  }
  constexpr bool put(std::string_view s) noexcept {
    for (char c : s)
      if (!put(c)) return false;
    return true;
  }
  /// `n` bytes at once (as many as fit).
  constexpr void put_run(const char* p, std::size_t n) noexcept {
    std::size_t room = capacity - size;
    if (n > room) {
      full = true;
      n = room;
    }
    for (std::size_t i = 0; i < n; ++i) out[size + i] = p[i];
    size += n;
  }
  /// The last character written; ' ' before the first (the start is a word boundary).
  constexpr char back() const noexcept { return size ? out[size - 1] : ' '; }
  /// Cuts an unfinished UTF-8 sequence off the end.
  constexpr void trim_to_utf8() noexcept {
    std::size_t lead = size;
    std::size_t continuation = 0;
    while (lead > 0 && continuation < 4 && (static_cast<unsigned char>(out[lead - 1]) & 0xC0) == 0x80) {
      --lead;
      ++continuation;
    }
    if (lead == 0) return;
    const unsigned char b = static_cast<unsigned char>(out[lead - 1]);
    const std::size_t need = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : b >= 0xC0 ? 1 : 0;
    if (need > continuation) size = lead - 1;
  }
};

/// What a number at the cursor (its first digit, at a word boundary) is, as the regular
/// expressions there read it, in their order: hex, scientific, decimal, integer.
enum class number_kind : std::uint8_t { none, hex, scientific, decimal, integer };

struct number_match {
  number_kind kind = number_kind::none;
  cursor after{};  ///< the cursor past the number
};

/// A comment starts at `at` of the statement.
constexpr bool comment_at(const cursor& in, std::size_t at) noexcept {
  const int c = in.raw(at);
  if (c == '-') return in.raw(at + 1) == '-';
  if (c == '/') return in.raw(at + 1) == '*';
  return c == '#' && in.dialect == sql_dialect::mysql;
}

/// `c` was just read from `at`; reads the rest of a digit run.
constexpr int read_digits(cursor& at, int c) noexcept {
  while (is_digit(c)) {
    cursor before = at;
    c = at.next();
    if (!is_digit(c)) {
      at = before;
      return c;
    }
  }
  return c;
}

/// The rest of a digit run read through `p` (its first digit read), then `\b`: false when a
/// word character follows the digits, else `at` is set past them.
constexpr bool digits_to_boundary(cursor p, cursor& at) noexcept {
  for (;;) {
    cursor before = p;
    const int d = p.next();
    if (!is_digit(d)) {
      if (is_word(d)) return false;
      at = before;
      return true;
    }
  }
}

/// `\d+\.?\d*[eE][+-]?\d+\b` from a digit just read (`at` is after it): `at` past it, if it
/// matches.
constexpr bool match_scientific(cursor& at) noexcept {
  cursor p = at;
  for (;;) {  // the rest of \d+
    cursor before = p;
    if (!is_digit(p.next())) {
      p = before;
      break;
    }
  }
  cursor q = p;
  int c = q.next();
  if (c == '.') {
    p = q;
    for (;;) {
      cursor before = p;
      if (!is_digit(p.next())) {
        p = before;
        break;
      }
    }
    q = p;
    c = q.next();
  }
  if (c != 'e' && c != 'E') return false;
  cursor sign = q;
  const int s = sign.next();
  if (s == '+' || s == '-') q = sign;
  if (!is_digit(q.next())) return false;
  return digits_to_boundary(q, at);
}

/// Matches a number whose first digit `first` was just read, leaving `at` after it. A decimal
/// whose fractional digits start a scientific number is only its integer part: the scientific
/// replacement comes first there and takes those digits (`9.1.5e3` is `9`, `.`, `1.5e3`).
constexpr number_match match_number(cursor at, int first) noexcept {
  number_match m;
  // \b0x[0-9A-Fa-f]+
  if (first == '0') {
    cursor probe = at;
    const int x = probe.next();
    if (x == 'x' || x == 'X') {
      cursor digits = probe;
      if (is_hex(digits.next())) {
        for (;;) {
          cursor before = digits;
          if (!is_hex(digits.next())) {
            m.kind = number_kind::hex;
            m.after = before;
            return m;
          }
        }
      }
    }
  }
  // The integer part: \d+
  cursor whole = at;
  for (;;) {
    cursor before = whole;
    if (!is_digit(whole.next())) {
      whole = before;
      break;
    }
  }
  // Scientific: \d+\.?\d*[eE][+-]?\d+\b
  {
    cursor p = at;
    if (match_scientific(p)) {
      m.kind = number_kind::scientific;
      m.after = p;
      return m;
    }
  }
  // Decimal: \d+\.\d+\b
  {
    cursor p = whole;
    cursor fraction = whole;
    fraction.next();
    fraction.next();
    if (p.next() == '.' && is_digit(p.peek()) && !match_scientific(fraction)) {
      for (;;) {
        cursor before = p;
        const int d = p.next();
        if (!is_digit(d)) {
          if (!is_word(d)) {
            m.kind = number_kind::decimal;
            m.after = before;
            return m;
          }
          break;
        }
      }
    }
  }
  // Integer: \d+\b
  if (!is_word(whole.peek())) {
    m.kind = number_kind::integer;
    m.after = whole;
  }
  return m;
}

/// `-?\.\d+\b` with the dot just read: the cursor past it, if it matches. Not where a
/// scientific or decimal number starts after the dot (`.1.5`, `.5.e3`): those replacements come
/// first there, so the dot stays and the number is read next.
constexpr bool match_dot_decimal(cursor& at) noexcept {
  cursor p = at;
  const int first = p.next();
  if (!is_digit(first)) return false;
  const number_kind after_dot = match_number(p, first).kind;
  if (after_dot == number_kind::scientific || after_dot == number_kind::decimal) return false;
  return digits_to_boundary(p, at);
}

/// At a just-written ')': `\bIN\b\s*\(\s*\?(?:\s*,\s*\?)*\s*\)` to `IN (?)`, and the same with
/// `$n` to `IN ($?)`, as the last two replacements there.
constexpr void collapse_in_list(writer& w) noexcept {
  const char* const o = w.out;
  std::size_t at = w.size - 1;  // the ')'
  const auto skip_space = [o, &at]() noexcept {
    if (at > 0 && o[at - 1] == ' ') --at;
  };
  bool dollar = false;  // the elements are $n (else ?)
  bool first = true;
  for (;;) {  // the elements, from the last
    skip_space();
    if (at == 0) return;
    if (o[at - 1] == '?') {
      if (!first && dollar) return;
      --at;
    } else if (is_digit(static_cast<unsigned char>(o[at - 1]))) {
      if (!first && !dollar) return;
      while (at > 0 && is_digit(static_cast<unsigned char>(o[at - 1]))) --at;
      if (at == 0 || o[at - 1] != '$') return;
      --at;
      dollar = true;
    } else {
      return;
    }
    first = false;
    skip_space();
    if (at == 0 || o[at - 1] != ',') break;
    --at;
  }
  if (at == 0 || o[at - 1] != '(') return;
  --at;
  skip_space();
  if (at < 2 || upper(o[at - 1]) != 'N' || upper(o[at - 2]) != 'I') return;
  at -= 2;
  if (at > 0 && is_word(static_cast<unsigned char>(o[at - 1]))) return;
  const std::string_view collapsed = dollar ? std::string_view("IN ($?)") : std::string_view("IN (?)");
  if (at + collapsed.size() > w.capacity) return;  // no room to rewrite: left as it is
  for (const char c : collapsed) w.out[at++] = c;
  w.size = at;
}

/// A word run whose first character `first` was just written: the rest of it, and TRUE/FALSE
/// (standing alone) to '?'.
constexpr void write_word(writer& w, cursor& in, bool at_boundary) noexcept {
  const std::size_t start = w.size - 1;
  for (;;) {
    // The common case, fast: word characters straight from the statement (none is special).
    if (!in.identifier) {
      while (in.pos < in.size && (class_of(in.text[in.pos]) & word)) {
        if (!w.put(in.text[in.pos])) return;
        in.last = in.text[in.pos++];
      }
    }
    // What follows the run is not a word character, unless a comment glued one on.
    if (!in.identifier && !comment_at(in, in.pos)) break;
    cursor probe = in;
    const int c = probe.next();
    if (!is_word(c)) break;
    in = probe;
    if (!w.put(static_cast<char>(c))) return;
  }
  if (!at_boundary) return;
  const std::string_view run(w.out + start, w.size - start);
  if (equals_upper(run, "TRUE") || equals_upper(run, "FALSE")) {
    w.size = start;
    w.put('?');
  }
}

/// `$1` (as there), and `?1`, `:1`, `@1` (SQLite's numbered parameters): digits after these
/// are a placeholder's, not a number.
constexpr bool is_placeholder_sigil(char c) noexcept { return c == '$' || c == '?' || c == ':' || c == '@'; }

/// `c` (a digit at a word boundary) was just read; `minus` when a '-' before it may join it
/// (it was read, not written). Writes '?' for a number, else the run as it is. The sign stays
/// apart from an integer after `$` or `?` (`(?<![$?])-?\b\d+\b` there; but see
/// writer::integer_end) and from a hex number.
constexpr void write_number(writer& w, cursor& in, int c, bool minus, char before_minus) noexcept {
  const number_match m = match_number(in, c);
  const bool joins = minus && m.kind != number_kind::none && m.kind != number_kind::hex &&
                     !(m.kind == number_kind::integer &&
                       (before_minus == '$' || (before_minus == '?' && w.integer_end != w.size)));
  if (minus && !joins && !w.put('-')) return;
  if (m.kind == number_kind::none || (!minus && m.kind == number_kind::integer && is_placeholder_sigil(w.back()))) {
    if (w.put(static_cast<char>(c))) write_word(w, in, false);
    return;
  }
  in = m.after;
  if (w.put('?') && m.kind == number_kind::integer) w.integer_end = w.size;
}

/// match_number() read straight from the statement, for the fast path: the same answer, or
/// `complex` when a comment starts at a character it reads (the cursor then does it).
struct raw_number {
  number_kind kind = number_kind::none;
  std::size_t end = 0;
  bool complex = false;
};

[[gnu::cold, gnu::noinline]] constexpr raw_number match_raw_number(const cursor& in, std::size_t at) noexcept {
  raw_number r;
  auto read = [&](std::size_t i) -> int {
    const int c = in.raw(i);
    if ((c == '-' || c == '/' || c == '#') && comment_at(in, i)) r.complex = true;
    return c;
  };
  auto done = [&](number_kind kind, std::size_t end) -> raw_number {
    r.kind = kind;
    r.end = end;
    return r;
  };
  if (in.raw(at) == '0') {
    const int x = read(at + 1);
    if ((x == 'x' || x == 'X') && is_hex(read(at + 2))) {
      std::size_t j = at + 2;
      while (is_hex(read(j))) ++j;
      return done(number_kind::hex, j);
    }
  }
  // \d+\.?\d*[eE][+-]?\d+\b from the digit at `from`: its end, else 0.
  auto scientific_end = [&](std::size_t from) -> std::size_t {
    std::size_t p = from;
    while (is_digit(read(p))) ++p;
    int c = read(p);
    if (c == '.') {
      ++p;
      while (is_digit(read(p))) ++p;
      c = read(p);
    }
    if (c != 'e' && c != 'E') return 0;
    std::size_t q = p + 1;
    const int sign = read(q);
    if (sign == '+' || sign == '-') ++q;
    if (!is_digit(read(q))) return 0;
    while (is_digit(read(q))) ++q;
    return is_word(read(q)) ? 0 : q;
  };
  std::size_t whole = at;
  while (is_digit(read(whole))) ++whole;
  if (const std::size_t end = scientific_end(at)) return done(number_kind::scientific, end);
  // \d+\.\d+\b, unless the fractional digits start a scientific number (see match_number).
  if (read(whole) == '.' && is_digit(read(whole + 1)) && !scientific_end(whole + 1)) {
    std::size_t k = whole + 1;
    while (is_digit(read(k))) ++k;
    if (!is_word(read(k))) return done(number_kind::decimal, k);
  }
  if (!is_word(read(whole))) return done(number_kind::integer, whole);  // \d+\b
  return done(number_kind::none, whole);
}

/// One step through the cursor: the next character of the literal-free stream and what it
/// starts (a number, a signed number, a word, an IN list's end). False at the end.
[[gnu::cold, gnu::noinline]] inline bool cursor_step(writer& w, cursor& in) noexcept {
  const int c = in.next();
  if (c == end_of_text) return false;
  const char ch = static_cast<char>(c);
  const char prev = w.back();
  if (ch == ' ' || (ch == ';' && !w.size)) {
    // Leading whitespace and semicolons trimmed (`^[\s;]+` there); trailing, at the end.
    if (ch == ' ' && w.size) w.put(' ');
  } else if (is_digit(c) && !is_word(static_cast<unsigned char>(prev))) {
    write_number(w, in, c, false, 0);
  } else if (ch == '-') {
    cursor probe = in;
    const int next = probe.next();
    if (is_digit(next)) {
      in = probe;
      write_number(w, in, next, true, prev);
    } else if (next == '.' && match_dot_decimal(probe)) {
      in = probe;
      w.put('?');
    } else {
      w.put('-');
    }
  } else if (ch == '.') {
    if (match_dot_decimal(in)) w.put('?');
    else w.put('.');
  } else if (is_word(c)) {
    if (w.put(ch)) write_word(w, in, !is_word(static_cast<unsigned char>(prev)));
  } else {
    if (w.put(ch) && ch == ')') collapse_in_list(w);
  }
  return true;
}

/// What the fast scan does with a byte that starts a token (scan_kinds.of).
enum scan_kind : std::uint8_t {
  plain_byte,  ///< punctuation or any other byte: itself
  letter,      ///< [A-Za-z_]
  digit_byte,  ///< [0-9]
  blank,       ///< ASCII whitespace
  quote,       ///< '
  double_quote,
  backtick,
  minus,
  dot,
  dollar,
  slash,
  hash,
  close_paren
};

struct scan_kind_table {
  std::uint8_t of[256];
  constexpr scan_kind_table() noexcept : of() {
    for (int c = 0; c < 256; ++c) {
      const std::uint8_t cls = classes.of[c];
      of[c] = (cls & digit) ? digit_byte : (cls & word) ? letter : (cls & space) ? blank : plain_byte;
    }
    of[static_cast<unsigned char>('\'')] = quote;
    of[static_cast<unsigned char>('"')] = double_quote;
    of[static_cast<unsigned char>('`')] = backtick;
    of[static_cast<unsigned char>('-')] = minus;
    of[static_cast<unsigned char>('.')] = dot;
    of[static_cast<unsigned char>('$')] = dollar;
    of[static_cast<unsigned char>('/')] = slash;
    of[static_cast<unsigned char>('#')] = hash;
    of[static_cast<unsigned char>(')')] = close_paren;
  }
};
inline constexpr scan_kind_table scan_kinds{};

/// The scan, one byte at a time in locals. What it reads straight from the statement gives what
/// the cursor would give: whitespace runs, word runs, numbers (signed or not), '...' literals
/// (and MySQL's "..."), `$1`, quoted identifiers holding one word ("User") and punctuation.
/// What it does not read (a comment, a literal prefix, a dollar quote, `$name`, any other
/// quoted identifier, a comment touching a run, `-.5`, the last bytes of the room) goes through
/// cursor_step() (until any quoted identifier it opened is closed) and the scan goes on after
/// it. The positions live in locals: every byte written through a char pointer could otherwise
/// be the cursor's or the writer's own fields, reloaded each time.
///
/// The room is checked once per window, not per byte: every token read here writes no more
/// bytes than it reads, so while `pos` is below `window` (the position where the room seen at
/// the window's start would run out) there is room for one byte of output at least, and a word
/// run stops at the window. At the window's end it is measured again.
inline void scrub_into(writer& w, cursor& in) noexcept {
  const char* const text = in.text;
  const std::size_t size = in.size;
  const bool mysql = in.dialect == sql_dialect::mysql;
  char* const out = w.out;
  const std::size_t capacity = w.capacity;
  std::size_t pos = in.pos;
  std::size_t len = w.size;
  char last = in.last;
  std::size_t integer_end = w.integer_end;
  // The byte at `i`, or end_of_text past the end.
  const auto at = [text, size](std::size_t i) noexcept -> int {
    return i < size ? static_cast<unsigned char>(text[i]) : end_of_text;
  };
  const auto comment_starts = [&](std::size_t i) noexcept {
    const int c = at(i);
    if (c == '-') return at(i + 1) == '-';
    if (c == '/') return at(i + 1) == '*';
    return c == '#' && mysql;
  };
  // A number whose first digit is at `from`: match_raw_number(), with the common integer
  // (digits, then neither a word character, a '.' nor a comment) read here.
  const auto number_at = [&](std::size_t from) noexcept {
    std::size_t e = from + 1;
    while (e < size && is_digit(static_cast<unsigned char>(text[e]))) ++e;
    int after = at(e);
    raw_number n;
    n.kind = number_kind::integer;
    if (after == '.' && e + 1 < size && is_digit(static_cast<unsigned char>(text[e + 1]))) {  // \d+\.\d+
      e += 2;
      while (e < size && is_digit(static_cast<unsigned char>(text[e]))) ++e;
      after = at(e);
      n.kind = number_kind::decimal;  // if no exponent follows (an 'e' is a word character)
    }
    if (!is_word(after) && after != '.' && !comment_starts(e)) {
      n.end = e;
      return n;
    }
    return match_raw_number(in, from);
  };
  std::size_t window = 0;  // see above; 0: to be measured
  std::size_t stop = 0;    // min(window, size): the loop's bound
  // After a token: one space before a byte that neither is whitespace nor may start a comment
  // is written here, without a turn of the loop (as the whitespace case would write it).
  const auto single_space = [&]() noexcept {
    if (pos + 1 >= stop || text[pos] != ' ' || (class_of(text[pos + 1]) & (space | comment_start))) return false;
    out[len++] = ' ';
    ++pos;
    last = ' ';
    return true;
  };
  // A number read by number_at() or match_raw_number(): its '?', and the cursor past it.
  const auto put_number = [&](const raw_number& n) noexcept {
    out[len++] = '?';
    if (n.kind == number_kind::integer) integer_end = len;
    pos = n.end;
    last = text[n.end - 1];
    single_space();
  };
  std::size_t safe = 0;    // see below
  for (;;) {
    if (pos >= stop) {
      if (pos >= size || w.full) break;
      if (len == capacity) goto cursor_path;  // whatever comes may still write nothing
      window = pos + (capacity - len);
      stop = window < size ? window : size;
      // A word run starting before `safe` ends before it (the byte before it is no word
      // character), so the copy loop needs no bound there. Looked for near `stop` only.
      safe = stop;
      while (safe > pos && stop - safe < 32 && (class_of(text[safe - 1]) & word)) --safe;
      if (safe > pos && (class_of(text[safe - 1]) & word)) safe = pos;
    }
    {
      const char c = text[pos];
      const std::uint8_t kind = scan_kinds.of[static_cast<unsigned char>(c)];
      if (kind == letter) {
        // Word runs, and the single spaces between them, copied as they are read. A run is
        // written past `len` first and kept once it is known to be a plain word.
        for (;;) {
          const char* const from = text + pos;
          char* const to = out + len;
          std::size_t run = 0;
          char next = from[0];
          if (pos < safe) {  // the run ends before `safe`: no bound to check; two bytes a turn
            for (;;) {
              to[run] = next;
              next = from[run + 1];
              if (!(class_of(next) & word)) {
                run += 1;
                break;
              }
              to[run + 1] = next;
              next = from[run + 2];
              run += 2;
              if (!(class_of(next) & word)) break;
            }
          } else {
            const std::size_t limit = stop - pos;
            do {
              to[run] = next;
              if (++run == limit) break;
              next = from[run];
            } while (class_of(next) & word);
            if (run == limit) {
              if (pos + run < size && is_word(static_cast<unsigned char>(from[run]))) goto cursor_path;  // past the window
              next = pos + run < size ? from[run] : ' ';  // ' ': nothing special follows
            }
          }
          // A comment glues the next run on; one letter before a quote may be a literal's prefix.
          if ((class_of(next) & special) && ((next == '\'' && run == 1) || comment_starts(pos + run))) goto cursor_path;
          pos += run;
          last = from[run - 1];
          const char first = static_cast<char>(to[0] | 0x20);
          if (((first == 't' && run == 4) || (first == 'f' && run == 5)) &&
              (len == 0 || !(class_of(out[len - 1]) & word))) {
            const auto lower = [to](std::size_t i) noexcept { return static_cast<char>(to[i] | 0x20); };
            if (run == 4 ? lower(1) == 'r' && lower(2) == 'u' && lower(3) == 'e'
                         : lower(1) == 'a' && lower(2) == 'l' && lower(3) == 's' && lower(4) == 'e') {
              to[0] = '?';
              run = 1;
            }
          }
          len += run;
          // One space and a letter: the commonest way a word ends.
          if (next == ' ' && pos + 1 < stop && scan_kinds.of[static_cast<unsigned char>(text[pos + 1])] == letter) {
            out[len++] = ' ';
            ++pos;
            last = ' ';
            continue;
          }
          break;
        }
        continue;
      }
      if (kind == blank) {
        std::size_t e = pos + 1;
        while (e < size && (class_of(text[e]) & space)) ++e;
        if (comment_starts(e)) goto cursor_path;  // the cursor joins the whitespace on both sides of it
        if (len) out[len++] = ' ';  // leading whitespace trimmed; trailing, at the end
        pos = e;
        last = ' ';
        continue;
      }
      switch (kind) {
        case digit_byte: {
          const char before = len ? out[len - 1] : ' ';
          if (!(class_of(before) & word)) {
            const raw_number n = number_at(pos);
            if (n.complex) goto cursor_path;
            if (n.kind != number_kind::none && !(n.kind == number_kind::integer && is_placeholder_sigil(before))) {
              put_number(n);
              continue;
            }
          }
          // Not a number: a word run from here.
          const std::size_t limit = stop - pos;
          std::size_t run = 1;
          out[len] = c;
          while (run < limit && (class_of(text[pos + run]) & word)) {
            out[len + run] = text[pos + run];
            ++run;
          }
          if ((run == limit && pos + run < size && is_word(static_cast<unsigned char>(text[pos + run]))) ||
              comment_starts(pos + run))
            goto cursor_path;
          len += run;
          pos += run;
          last = text[pos - 1];
          continue;
        }
        case quote:
        case double_quote: {
          if (c == '"' && !mysql) goto identifier;
          // A literal: '?', its text skipped ('' and, in MySQL, \x are part of it).
          out[len++] = '?';
          std::size_t i = pos + 1;
          if (!mysql) {
            for (;;) {
              while (i < size && text[i] != '\'') ++i;
              if (i + 1 >= size || text[i + 1] != '\'') break;
              i += 2;  // '' inside
            }
          } else {
            for (; i < size; ++i) {
              const char q = text[i];
              if (q == c) {
                if (i + 1 == size || text[i + 1] != c) break;
                ++i;
              } else if (q == '\\') {
                ++i;
              }
            }
          }
          pos = i < size ? i + 1 : size;
          last = '?';
          single_space();
          continue;
        }
        case backtick:
        identifier: {
          // A quoted identifier holding one word that is neither a number nor TRUE/FALSE is
          // copied whole, as the cursor would copy it.
          std::size_t e = pos + 1;
          while (e < size && (class_of(text[e]) & word)) ++e;
          const std::string_view inside(text + pos + 1, e - pos - 1);
          if (inside.empty() || at(e) != static_cast<unsigned char>(c) || at(e + 1) == static_cast<unsigned char>(c) ||
              is_digit(static_cast<unsigned char>(inside[0])) || e + 1 - pos > capacity - len ||
              equals_upper(inside, "TRUE") || equals_upper(inside, "FALSE"))
            goto cursor_path;
          for (std::size_t i = pos; i <= e; ++i) out[len++] = text[i];
          pos = e + 1;
          last = c;
          continue;
        }
        case minus: {
          const int next = at(pos + 1);
          if (is_digit(next)) {
            const raw_number n = number_at(pos + 1);
            if (n.complex) goto cursor_path;
            // -?\d... : the sign goes with a number, but not with the integer of $-1 or ?-1 (a
            // '?' not of an integer: see writer::integer_end), nor with a hex number.
            const bool apart = n.kind == number_kind::integer && len &&
                               (out[len - 1] == '$' || (out[len - 1] == '?' && integer_end != len));
            if (n.kind != number_kind::none && n.kind != number_kind::hex && !apart) {
              put_number(n);
              continue;
            }
            // Otherwise the '-' alone; the digits are read next, as a run of their own.
          } else if (next == '-' || next == '.' || comment_starts(pos + 1)) {  // a comment, -.5, -/**/5
            goto cursor_path;
          }
          break;
        }
        case dot:
          // -?\.\d+\b
          if (is_digit(at(pos + 1))) {
            std::size_t e = pos + 2;
            while (e < size && is_digit(static_cast<unsigned char>(text[e]))) ++e;
            // A '.' after the digits may make them a decimal or scientific number, which there
            // comes first: the cursor sorts it out.
            if (comment_starts(e) || at(e) == '.') goto cursor_path;
            if (!is_word(at(e))) {
              out[len++] = '?';
              pos = e;
              last = text[e - 1];
              continue;
            }
          } else if (comment_starts(pos + 1)) {
            goto cursor_path;
          }
          break;
        case dollar:
          // `$1`: no dollar quote starts with a digit; the digits are a placeholder's (next).
          if (!is_digit(at(pos + 1))) goto cursor_path;
          break;
        case slash:
        case hash:
          if (comment_starts(pos)) goto cursor_path;
          break;
        case close_paren: {
          out[len++] = ')';
          ++pos;
          last = ')';
          // Only a list ending in ? or a digit ($n) can be an IN list.
          const char inner = len >= 3 && out[len - 2] == ' ' ? out[len - 3] : len >= 2 ? out[len - 2] : ' ';
          if (inner == '?' || is_digit(static_cast<unsigned char>(inner))) {
            w.size = len;
            collapse_in_list(w);
            if (w.size > len) stop = pos;  // it wrote more than it read: the room is measured again
            len = w.size;
          }
          continue;
        }
        default:
          break;
      }
      // Punctuation and any other byte: itself; leading semicolons are dropped (`^[\s;]+`).
      ++pos;
      last = c;
      if (len || c != ';') {
        out[len++] = c;
        single_space();
      }
      continue;
    }
  cursor_path:
    // The cursor takes the next step, and every step until a quoted identifier it opens is
    // closed; the room is measured again after it.
    in.pos = pos;
    in.last = last;
    w.size = len;
    w.integer_end = integer_end;
    bool more = cursor_step(w, in);
    while (more && in.identifier && !w.full) more = cursor_step(w, in);
    pos = in.pos;
    last = in.last;
    len = w.size;
    integer_end = w.integer_end;
    if (!more || w.full) break;
    stop = pos;
  }
  in.pos = pos;
  in.last = last;
  w.size = len;
  w.integer_end = integer_end;
}

/// The end of a scan: a cut result loses an unfinished UTF-8 sequence; a whole one loses
/// `;\s*$` and its trailing space (leading whitespace was never written).
constexpr void finish(writer& w) noexcept {
  if (w.full) {
    w.trim_to_utf8();
    return;
  }
  if (w.size && w.out[w.size - 1] == ' ') --w.size;
  if (w.size && w.out[w.size - 1] == ';') --w.size;
  if (w.size && w.out[w.size - 1] == ' ') --w.size;
}

}  // namespace sql_detail

/// Scrubs `statement` into out[0..capacity) as @sentry/node 11 does (see the top of this file)
/// and returns the view of what was written; `truncated`, when given, tells whether it was cut.
inline std::string_view scrub_sql(std::string_view statement, char* out, std::size_t capacity,
                                  sql_dialect dialect = sql_dialect::standard, bool* truncated = nullptr) noexcept {
  namespace d = sql_detail;
  d::writer w{out, out ? capacity : 0};
  if (truncated) *truncated = false;
  if (statement.empty()) {
    w.put("Unknown SQL Query");
    w.trim_to_utf8();
    if (truncated) *truncated = w.full;
    return {out, w.size};
  }
  d::cursor in{statement.data(), statement.size(), 0, dialect};
  d::scrub_into(w, in);
  d::finish(w);
  if (truncated) *truncated = w.full;
  return {out, w.size};
}

namespace sql_detail {

/// The words sql_operation() gives, SQL's command keywords.
inline constexpr std::string_view operation_keywords[] = {
    "SELECT", "INSERT", "UPDATE", "DELETE", "REPLACE", "UPSERT", "MERGE", "WITH", "VALUES",
    "CREATE", "DROP", "ALTER", "TRUNCATE", "RENAME", "COMMENT",
    "BEGIN", "START", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE",
    "PRAGMA", "EXPLAIN", "ANALYZE", "VACUUM", "REINDEX", "ATTACH", "DETACH",
    "SET", "SHOW", "USE", "DESCRIBE", "DESC", "GRANT", "REVOKE", "LOCK", "UNLOCK",
    "CALL", "DO", "EXEC", "EXECUTE", "PREPARE", "DEALLOCATE", "DECLARE", "FETCH", "CLOSE", "MOVE",
    "COPY", "LOAD", "LISTEN", "NOTIFY", "UNLISTEN", "DISCARD", "RESET", "CHECKPOINT", "CLUSTER",
    "REFRESH", "OPTIMIZE", "HANDLER", "KILL", "FLUSH"};
inline constexpr std::size_t operation_keyword_count = sizeof operation_keywords / sizeof operation_keywords[0];
inline constexpr std::size_t longest_operation_keyword = 10;  // CHECKPOINT, DEALLOCATE

/// operation_keywords ordered by length: those of length n are order[begin[n]..begin[n + 1]),
/// so that a word is compared with the few of its own length only.
struct operation_keyword_index {
  std::uint8_t order[operation_keyword_count];
  std::uint8_t begin[longest_operation_keyword + 2];
  constexpr operation_keyword_index() noexcept : order(), begin() {
    std::size_t at = 0;
    for (std::size_t n = 0; n <= longest_operation_keyword; ++n) {
      begin[n] = static_cast<std::uint8_t>(at);
      for (std::size_t k = 0; k < operation_keyword_count; ++k)
        if (operation_keywords[k].size() == n) order[at++] = static_cast<std::uint8_t>(k);
    }
    begin[longest_operation_keyword + 1] = static_cast<std::uint8_t>(at);
  }
};
inline constexpr operation_keyword_index operation_keywords_by_length{};

/// The keyword `word` is, in any case, else "".
constexpr std::string_view operation_keyword(const char* word, std::size_t n) noexcept {
  if (n == 0 || n > longest_operation_keyword) return {};
  const operation_keyword_index& index = operation_keywords_by_length;
  // c & ~0x20 is the upper-case letter c is, in either case; no other byte gives a letter.
  const auto folded = [word](std::size_t i) noexcept { return static_cast<char>(word[i] & ~0x20); };
  const char first = folded(0);
  for (std::size_t k = index.begin[n]; k < index.begin[n + 1]; ++k) {
    const std::string_view keyword = operation_keywords[index.order[k]];
    if (keyword[0] != first) continue;
    std::size_t i = 1;
    while (i < n && folded(i) == keyword[i]) ++i;
    if (i == n) return keyword;
  }
  return {};
}

/// sql_operation() through the cursor: for a statement whose first word has a comment before
/// it or glued to it.
inline std::string_view operation_by_cursor(std::string_view statement) noexcept {
  cursor in{statement.data(), statement.size(), 0, sql_dialect::standard};
  int c = in.next();
  while (c == ' ' || c == '(') c = in.next();
  char word[longest_operation_keyword];
  std::size_t n = 0;
  while (is_word(c)) {
    if (n == sizeof word) return {};
    word[n++] = static_cast<char>(c);
    c = in.next();
  }
  return operation_keyword(word, n);
}

}  // namespace sql_detail

/// The statement's first keyword in upper case ("SELECT", "INSERT", "WITH", "PRAGMA", ...), for
/// `db.operation.name`; leading whitespace, comments and '(' are skipped. "" for a word that
/// is not an SQL command keyword (the attribute is then left out). A statement that starts
/// with its keyword (as a scrubbed one does) is read straight, without the cursor.
inline std::string_view sql_operation(std::string_view statement) noexcept {
  namespace d = sql_detail;
  const char* const text = statement.data();
  const std::size_t size = statement.size();
  std::size_t start = 0;
  while (start < size && ((d::class_of(text[start]) & d::space) || text[start] == '(')) ++start;
  // The word, up to one byte longer than the longest keyword (then it is none).
  const std::size_t limit = size - start > d::longest_operation_keyword ? start + d::longest_operation_keyword + 1 : size;
  std::size_t end = start;
  while (end < limit && (d::class_of(text[end]) & d::word)) ++end;
  // A comment where the word starts or ends: it is skipped, or glues the next run on.
  const auto comment_at = [text, size](std::size_t i) noexcept {
    return i + 1 < size && ((text[i] == '-' && text[i + 1] == '-') || (text[i] == '/' && text[i + 1] == '*'));
  };
  if (comment_at(end)) return d::operation_by_cursor(statement);
  return d::operation_keyword(text + start, end - start);
}

}  // namespace integration
}  // namespace sentry_trace

#endif  // SENTRY_TRACE_INTEGRATIONS_SQL_HPP
