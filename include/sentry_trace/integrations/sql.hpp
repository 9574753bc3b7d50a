// sentry_trace/integrations/sql.hpp -- the SQL statement scrubber every SQL integration shares
//
// WHAT IT DOES  scrub_sql() turns a statement into what a span may show, as @sentry/node 11's
//               _sanitizeSqlQuery (@sentry/core, integrations/postgresjs.ts) does, in one pass:
//                 - comments dropped (`-- ...` to the end of the line, `/* ... */`; `# ...` too
//                   in the MySQL dialect), whitespace runs made one space, the ends trimmed,
//                   one trailing `;` dropped;
//                 - string literals to `?`: '...' with '' inside, X'..' / B'..' / E'..' (E'..'
//                   and MySQL strings honour backslash escapes; MySQL's "..." is a string too),
//                   an unterminated literal swallowing the rest;
//                 - numbers to `?`: 0x1F, 1e10, -1.5e-3, 19.99, .5, -500 (a minus sign goes with
//                   its number, as there), TRUE and FALSE too; digits inside identifiers stay
//                   (t1.col2, users2, "table1");
//                 - `IN (?, ?, ?)` to `IN (?)` and `IN ($1, $2)` to `IN ($?)`; `VALUES (...)`
//                   lists are not collapsed (@sentry/node does not either: VALUES (?, ?, ?));
//                 - placeholders kept: `$1`, `?`, `:name`, `@name`, `$name`.
//               It is exact to @sentry/node's output on its own test table (tests/test_sql_scrub.cpp)
//               with three deliberate differences, each toward sending less:
//                 - `?1`, `:1`, `@1` (SQLite's numbered parameters) stay placeholders, where the
//                   regular expressions there make `?1` `??`;
//                 - PostgreSQL dollar quoting ($$...$$, $tag$...$tag$) is a string literal (`?`):
//                   there its contents are kept, words and all;
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
  special = 8  ///< may start a comment, literal, quoted identifier or dollar quote
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

  /// A PostgreSQL dollar quote ($$ or $tag$) at pos: its opening tag's length, else 0.
  constexpr std::size_t dollar_tag() const noexcept {
    if (dialect != sql_dialect::standard || is_word(static_cast<unsigned char>(last)) || last == '$') return 0;
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

  /// A literal prefix (X'..', B'..', E'..' in the standard dialect) at pos: the character
  /// standing alone before a quote (comments between are gone by then, as there).
  constexpr bool literal_prefix(char c) const noexcept {
    const char u = upper(c);
    if (!(u == 'X' || u == 'B' || (u == 'E' && dialect == sql_dialect::standard))) return false;
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

/// Matches a number whose first digit `first` was just read, leaving `at` after it.
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
    cursor p = whole;
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
    if (c == 'e' || c == 'E') {
      cursor sign = q;
      const int s = sign.next();
      if (s == '+' || s == '-') q = sign;
      cursor exponent = q;
      if (is_digit(exponent.next())) {
        for (;;) {
          cursor before = exponent;
          const int d = exponent.next();
          if (!is_digit(d)) {
            if (!is_word(d)) {
              m.kind = number_kind::scientific;
              m.after = before;
              return m;
            }
            break;
          }
        }
      }
    }
  }
  // Decimal: \d+\.\d+\b
  {
    cursor p = whole;
    if (p.next() == '.' && is_digit(p.peek())) {
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

/// `-?\.\d+\b` with the dot just read: the cursor past it, if it matches.
constexpr bool match_dot_decimal(cursor& at) noexcept {
  cursor p = at;
  if (!is_digit(p.next())) return false;
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

/// At a just-written ')': `\bIN\b\s*\(\s*\?(?:\s*,\s*\?)*\s*\)` to `IN (?)`, and the same with
/// `$n` to `IN ($?)`, as the last two replacements there.
constexpr void collapse_in_list(writer& w) noexcept {
  const char* o = w.out;
  std::size_t at = w.size - 1;  // the ')'
  auto skip_space = [&](std::size_t& i) {
    if (i > 0 && o[i - 1] == ' ') --i;
  };
  bool dollar = false;
  std::size_t elements = 0;
  for (;;) {
    skip_space(at);
    if (at == 0) return;
    if (o[at - 1] == '?') {
      if (elements && dollar) return;
      --at;
    } else if (is_digit(static_cast<unsigned char>(o[at - 1]))) {
      if (elements && !dollar) return;
      while (at > 0 && is_digit(static_cast<unsigned char>(o[at - 1]))) --at;
      if (at == 0 || o[at - 1] != '$') return;
      --at;
      dollar = true;
    } else {
      return;
    }
    ++elements;
    skip_space(at);
    if (at > 0 && o[at - 1] == ',') {
      --at;
      continue;
    }
    break;
  }
  if (at == 0 || o[at - 1] != '(') return;
  --at;
  skip_space(at);
  if (at < 2 || upper(o[at - 1]) != 'N' || upper(o[at - 2]) != 'I') return;
  at -= 2;
  if (at > 0 && is_word(static_cast<unsigned char>(o[at - 1]))) return;
  const std::string_view collapsed = dollar ? std::string_view("IN ($?)") : std::string_view("IN (?)");
  if (at + collapsed.size() > w.capacity) return;  // no room to rewrite: left as it is
  w.size = at;
  w.put(collapsed);
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
/// (it was read, not written). Writes '?' for a number, else the run as it is.
constexpr void write_number(writer& w, cursor& in, int c, bool minus, char before_minus) noexcept {
  const number_match m = match_number(in, c);
  const bool joins = minus && m.kind != number_kind::none && m.kind != number_kind::hex &&
                     !(m.kind == number_kind::integer && before_minus == '$');
  if (minus && !joins && !w.put('-')) return;
  if (m.kind == number_kind::none || (!minus && m.kind == number_kind::integer && is_placeholder_sigil(w.back()))) {
    if (w.put(static_cast<char>(c))) write_word(w, in, false);
    return;
  }
  in = m.after;
  w.put('?');
}

/// match_number() read straight from the statement, for the fast path: the same answer, or
/// `complex` when a comment starts at a character it reads (the cursor then does it).
struct raw_number {
  number_kind kind = number_kind::none;
  std::size_t end = 0;
  bool complex = false;
};

constexpr raw_number match_raw_number(const cursor& in, std::size_t at) noexcept {
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
  std::size_t whole = at;
  while (is_digit(read(whole))) ++whole;
  {  // \d+\.?\d*[eE][+-]?\d+\b
    std::size_t p = whole;
    int c = read(p);
    if (c == '.') {
      ++p;
      while (is_digit(read(p))) ++p;
      c = read(p);
    }
    if (c == 'e' || c == 'E') {
      std::size_t q = p + 1;
      const int sign = read(q);
      if (sign == '+' || sign == '-') ++q;
      if (is_digit(read(q))) {
        std::size_t k = q;
        while (is_digit(read(k))) ++k;
        if (!is_word(read(k))) return done(number_kind::scientific, k);
      }
    }
  }
  if (read(whole) == '.' && is_digit(read(whole + 1))) {  // \d+\.\d+\b
    std::size_t k = whole + 1;
    while (is_digit(read(k))) ++k;
    if (!is_word(read(k))) return done(number_kind::decimal, k);
  }
  if (!is_word(read(whole))) return done(number_kind::integer, whole);  // \d+\b
  return done(number_kind::none, whole);
}

/// One step through the cursor: the next character of the literal-free stream and what it
/// starts (a number, a signed number, a word, an IN list's end). False at the end.
inline bool cursor_step(writer& w, cursor& in) noexcept {
  const int c = in.next();
  if (c == end_of_text) return false;
  const char ch = static_cast<char>(c);
  const char prev = w.back();
  if (ch == ' ') {
    if (w.size) w.put(' ');  // leading whitespace trimmed; trailing, at the end
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

/// The scan. The common characters are read straight from the statement (outside quoted
/// identifiers): whitespace runs, word runs, numbers and punctuation, giving what the cursor
/// would give; the rest (a comment, a literal, a quote, a sign, a comment touching a run) goes
/// through cursor_step(). The positions live in locals here: every byte written through a
/// char pointer could otherwise be the cursor's or the writer's own fields, reloaded each time.
inline void scrub_into(writer& w, cursor& in) noexcept {
  const char* const text = in.text;
  const std::size_t size = in.size;
  char* const out = w.out;
  const std::size_t capacity = w.capacity;
  std::size_t pos = in.pos;
  std::size_t len = w.size;
  char last = in.last;
  // Hands the scan to the cursor for one step and takes it back; false at the end.
  auto through_cursor = [&]() noexcept {
    in.pos = pos;
    in.last = last;
    w.size = len;
    const bool more = cursor_step(w, in);
    pos = in.pos;
    last = in.last;
    len = w.size;
    return more;
  };
  while (!w.full) {
    if (in.identifier || pos >= size) {
      if (!through_cursor()) break;
      continue;
    }
    const std::size_t at = pos;
    const char c = text[at];
    const std::uint8_t cls = class_of(c);
    if (cls & space) {
      std::size_t e = at + 1;
      while (e < size && (class_of(text[e]) & space)) ++e;
      if (comment_at(in, e)) {
        if (!through_cursor()) break;
        continue;
      }
      if (len) {
        if (len == capacity) {
          w.full = true;
          break;
        }
        out[len++] = ' ';
      }
      pos = e;
      last = ' ';
      continue;
    }
    if (cls & special) {
      if (!through_cursor()) break;
      continue;
    }
    if (!(cls & word)) {
      if (c == '.' && at + 1 < size && is_digit(static_cast<unsigned char>(text[at + 1]))) {
        if (!through_cursor()) break;
        continue;
      }
      if (len == capacity) {
        w.full = true;
        break;
      }
      out[len++] = c;
      pos = at + 1;
      last = c;
      if (c == ')') {
        w.size = len;
        collapse_in_list(w);
        len = w.size;
      }
      continue;
    }
    const char before = len ? out[len - 1] : ' ';
    const bool boundary = !is_word(static_cast<unsigned char>(before));
    if ((cls & digit) && boundary) {
      const raw_number n = match_raw_number(in, at);
      if (n.complex) {
        if (!through_cursor()) break;
        continue;
      }
      if (n.kind != number_kind::none && !(n.kind == number_kind::integer && is_placeholder_sigil(before))) {
        if (len == capacity) {
          w.full = true;
          break;
        }
        out[len++] = '?';
        pos = n.end;
        last = text[n.end - 1];
        continue;
      }
    }
    std::size_t e = at + 1;
    while (e < size && (class_of(text[e]) & word)) ++e;
    if (comment_at(in, e)) {
      if (!through_cursor()) break;
      continue;
    }
    if (e == at + 1) {
      in.pos = at;
      in.last = last;
      if (in.literal_prefix(c)) {
        if (!through_cursor()) break;
        continue;
      }
    }
    std::size_t run = e - at;
    if (run > capacity - len) {
      run = capacity - len;
      w.full = true;
    }
    if (run != 0) std::memcpy(out + len, text + at, run);  // `text` may be nullptr when empty
    const std::size_t start = len;
    len += run;
    pos = e;
    last = text[e - 1];
    if (boundary && !(cls & digit) && (run == 4 || run == 5) && !w.full) {
      const std::string_view word_run(out + start, run);
      if (equals_upper(word_run, "TRUE") || equals_upper(word_run, "FALSE")) {
        len = start;
        out[len++] = '?';
      }
    }
  }
  in.pos = pos;
  in.last = last;
  w.size = len;
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
  if (w.full) {
    w.trim_to_utf8();
  } else {
    // `;\s*$` dropped, then the end trimmed.
    if (w.size && w.out[w.size - 1] == ' ') --w.size;
    if (w.size && w.out[w.size - 1] == ';') --w.size;
    if (w.size && w.out[w.size - 1] == ' ') --w.size;
  }
  if (truncated) *truncated = w.full;
  return {out, w.size};
}

/// The statement's first keyword in upper case ("SELECT", "INSERT", "WITH", "PRAGMA", ...), for
/// `db.operation.name`; leading whitespace, comments and '(' are skipped. "" for a word that
/// is not an SQL command keyword (the attribute is then left out).
inline std::string_view sql_operation(std::string_view statement) noexcept {
  namespace d = sql_detail;
  d::cursor in{statement.data(), statement.size(), 0, sql_dialect::standard};
  int c = in.next();
  while (c == ' ' || c == '(') c = in.next();
  char word[16] = {};
  std::size_t n = 0;
  while (d::is_word(c)) {
    if (n == sizeof word) return {};
    word[n++] = d::upper(static_cast<char>(c));
    c = in.next();
  }
  constexpr std::string_view keywords[] = {
      "SELECT", "INSERT", "UPDATE", "DELETE", "REPLACE", "UPSERT", "MERGE", "WITH", "VALUES",
      "CREATE", "DROP", "ALTER", "TRUNCATE", "RENAME", "COMMENT",
      "BEGIN", "START", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE",
      "PRAGMA", "EXPLAIN", "ANALYZE", "VACUUM", "REINDEX", "ATTACH", "DETACH",
      "SET", "SHOW", "USE", "DESCRIBE", "DESC", "GRANT", "REVOKE", "LOCK", "UNLOCK",
      "CALL", "DO", "EXEC", "EXECUTE", "PREPARE", "DEALLOCATE", "DECLARE", "FETCH", "CLOSE", "MOVE",
      "COPY", "LOAD", "LISTEN", "NOTIFY", "UNLISTEN", "DISCARD", "RESET", "CHECKPOINT", "CLUSTER",
      "REFRESH", "OPTIMIZE", "HANDLER", "KILL", "FLUSH"};
  const std::string_view found(word, n);
  for (std::string_view k : keywords)
    if (k == found) return k;
  return {};
}

}  // namespace integration
}  // namespace sentry_trace

#endif  // SENTRY_TRACE_INTEGRATIONS_SQL_HPP
