// sentry_trace/json.hpp -- streaming JSON writer into a sink; escaping; locale-free numbers and times
//
// WHAT IT DOES  Writes compact, single-line JSON (RFC 8259) into a `sink`: a caller-owned buffer
//               plus an optional refill hook. Three sinks come ready made: `fixed_sink` (fixed
//               memory, never grows), `callback_sink` (hands each full chunk to a C function
//               pointer) and, on hosted builds only, `string_sink` (grows a std::string).
//               `json_writer` places commas and checks nesting; strings are escaped and any
//               invalid UTF-8 is repaired; integers, doubles and timestamps are formatted by
//               integer arithmetic that never reads the C locale.
//
// STEP BY STEP  char buf[512];
//               sentry_trace::fixed_sink out{buf};
//               sentry_trace::json_writer w{out};
//               w.begin_object().key("op").string("db.query").key("n").number(3).end_object();
//               if (w.ok()) send(out.view());          // else out.total() is the size needed
//
// DOES NOT      allocate (except `string_sink`, a convenience for tools and tests), throw, lock,
//               call printf or strtod, or read the locale. It does not parse JSON, pretty-print,
//               or check what `raw()` is given. The one thing it reads is decimal number text
//               (detail::parse_decimal, exact, see "decimal text in"), the library's only reader
//               of rates, sample_rand and rate-limit seconds.
//
// THREADS       None of these objects is thread-safe; use one writer and one sink per thread.
//               The free functions in `detail` are reentrant.
//
// RAM           sink: 7 pointer-sized words. json_writer: a reference plus 11 bytes (24 bytes on
//               64-bit). No static buffers; tests/test_json.cpp pins both sizes. format_double's
//               portable path (freestanding builds) uses under 1 KiB of stack for its big
//               integers; the hosted path uses std::to_chars.
//
// ERRORS        Keep-the-first-error, as in nanopb and snprintf:
//               - a sink that cannot make room for a write drops that write and every later one,
//                 sets overflowed(), and keeps counting total(), so the caller learns the size it
//                 would have needed. rewind() to a checkpoint clears the error.
//               - a json_writer that nests deeper than 32 levels, closes what it did not open, or
//                 writes a key where a value belongs (or the reverse) stops writing; ok() turns
//                 false. It keeps tracking structure while only the sink overflows, so a
//                 mark()/rewind() pair can drop one element and carry on.
//               - strings: invalid UTF-8 is replaced, never dropped, one U+FFFD per maximal
//                 invalid subpart (Unicode 15 §3.9 "U+FFFD substitution of maximal subparts",
//                 what browsers and Python's errors="replace" do). NaN and infinities are written
//                 as null. Timestamps before 1970 or after 9999 are written as the epoch.
//
// FORMATS       numbers: integers exact; doubles as JavaScript's Number.prototype.toString
//               writes them (shortest digits that round-trip; "3" not "3.0"; "0.1"; "1e+21";
//               "5e-324"; -0 as "0"), so output is identical on hosted and freestanding builds.
//               timestamps: RFC 3339 UTC with microseconds, "2026-11-24T12:30:51.147353Z".
//               strings: `"` `\` and U+0000-U+001F escaped (short forms \b \f \n \r \t, else
//               \u00XX); U+007F, U+2028 and U+2029 escaped too so the payload is also valid
//               JavaScript; everything else copied as UTF-8.
//
// SPEC          https://www.rfc-editor.org/rfc/rfc8259 (JSON), https://www.rfc-editor.org/rfc/rfc3339
//               https://develop.sentry.dev/sdk/foundations/transport/envelopes/ (single-line payloads)
//               https://tc39.es/ecma262/#sec-numeric-types-number-tostring (double format)

#ifndef SENTRY_TRACE_JSON_HPP
#define SENTRY_TRACE_JSON_HPP

#include "../config.hpp"

#include <cfloat>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>
#include <type_traits>

#if SENTRY_TRACE_HOSTED
#  include <string>
#  if defined(__has_include)
#    if __has_include(<charconv>)
#      include <charconv>
#    endif
#  endif
#endif

// std::to_chars for double is the fast, proven shortest-digits path; libstdc++ 11+ and MSVC have
// it, older libc++ does not, and freestanding builds never do. The portable path gives the
// same text, only slower.
#if !defined(SENTRY_TRACE_DETAIL_HAS_TO_CHARS)
#  if SENTRY_TRACE_HOSTED && defined(__cpp_lib_to_chars) && __cpp_lib_to_chars >= 201611L
#    define SENTRY_TRACE_DETAIL_HAS_TO_CHARS 1
#  else
#    define SENTRY_TRACE_DETAIL_HAS_TO_CHARS 0
#  endif
#endif

SENTRY_TRACE_DETAIL_BEGIN

/// Where bytes go: a caller-owned buffer plus an optional refill hook (function pointer + user
/// pointer). Writing copies into the buffer; when a write does not fit, the sink fills what is
/// left of the buffer, then calls the hook, and repeats until the write is done or the hook fails.
/// Without a hook the whole write that did not fit is dropped (when a hook gives up, what was
/// written before it was called stays); either way overflowed() becomes true and stays true until
/// rewind(), every later write is dropped too, and total() keeps counting, like snprintf's return
/// value. Never allocates, never throws.
/// Not thread-safe. Not copyable: derived sinks point into their own state.
class sink {
 public:
  /// Called when `need` more bytes do not fit in the buffer, which is then full (size() ==
  /// capacity()). The hook may deliver the buffer somewhere and empty it with s.rewind(0) (inside
  /// the hook, rewind does not reset total(): those bytes were delivered, not dropped), or grow it
  /// with s.reset_buffer(new_ptr, new_cap), copying the contents across. It returns false when it
  /// cannot make room: the sink then keeps the error. A hook that returns true without making room
  /// counts as having failed, so a broken hook cannot loop forever. Called on the writing thread.
  using refill_fn = bool (*)(sink& s, std::size_t need, void* user) noexcept;

  /// `buffer` must stay valid for `capacity` bytes while the sink uses it; it may be null when
  /// `capacity` is 0 (measure a size: write, then read total()).
  sink(char* buffer, std::size_t capacity, refill_fn refill = nullptr, void* user = nullptr) noexcept
      : buf_(buffer), cap_(buffer ? capacity : 0), refill_(refill), user_(user) {}
  sink(const sink&) = delete;
  sink& operator=(const sink&) = delete;

  /// Appends `n` bytes (copied). Dropped, but counted in total(), after an error.
  void write(const char* bytes, std::size_t n) noexcept {
    // `n - 1 < room` is `1 <= n <= room` in one compare: the empty write goes to the slow path,
    // so memcpy never sees the null pointer of an empty string_view.
    if (!overflow_ && n - 1 < cap_ - size_) {
      std::memcpy(buf_ + size_, bytes, n);
      size_ += n;
      total_ += n;
      return;
    }
    write_slow(bytes, n);
  }
  /// Appends the bytes of `s` (copied).
  void write(std::string_view s) noexcept { write(s.data(), s.size()); }
  /// Appends one byte.
  void put(char c) noexcept {
    if (!overflow_ && size_ < cap_) {
      buf_[size_++] = c;
      ++total_;
      return;
    }
    write_slow(&c, 1);
  }

  /// The buffer (as given to the constructor or reset_buffer); size() bytes of it are written.
  char* data() noexcept { return buf_; }
  const char* data() const noexcept { return buf_; }
  /// Bytes now in the buffer.
  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return cap_; }
  /// Every byte written since construction or the last rewind(), including bytes a refill hook
  /// delivered and bytes dropped after an error: the size a buffer would have needed.
  std::size_t total() const noexcept { return total_; }
  /// True once a write was dropped; stays true until rewind().
  bool overflowed() const noexcept { return overflow_; }
  /// The bytes now in the buffer; valid until the next write, rewind or reset_buffer.
  std::string_view view() const noexcept { return std::string_view(buf_, size_); }

  /// Goes back to an earlier size() (a checkpoint), forgetting the bytes after it; clears the
  /// error and sets total() to `size`. A `size` beyond size() is clamped to size(). Inside a
  /// refill hook it only empties the buffer (see refill_fn).
  void rewind(std::size_t size) noexcept {
    if (size > size_) size = size_;
    size_ = size;
    if (in_refill_) return;
    total_ = size;
    overflow_ = false;
  }
  /// Swaps in another buffer, keeping size() (the caller has copied the first size() bytes
  /// across). For refill hooks that grow. A capacity below size() truncates size().
  void reset_buffer(char* buffer, std::size_t capacity) noexcept {
    buf_ = buffer;
    cap_ = buffer ? capacity : 0;
    if (size_ > cap_) size_ = cap_;
  }

 protected:
  friend class json_writer;
  void write_slow(const char* bytes, std::size_t n) noexcept;
  // Where `n` bytes can be formatted in place, or null: lets the writer skip a copy through a
  // stack buffer, which measured as half the cost of writing a short number.
  char* room_for(std::size_t n) noexcept { return !overflow_ && cap_ - size_ >= n ? buf_ + size_ : nullptr; }
  void commit(std::size_t n) noexcept {
    size_ += n;
    total_ += n;
  }

  char* buf_ = nullptr;
  std::size_t cap_ = 0;
  std::size_t size_ = 0;
  std::size_t total_ = 0;
  refill_fn refill_ = nullptr;
  void* user_ = nullptr;
  bool overflow_ = false;
  bool in_refill_ = false;
};

/// A sink over caller-owned fixed memory; never grows, never allocates. When a write does not fit
/// it is dropped whole (size() stays at the end of the last write that fitted) and the error kept.
class fixed_sink : public sink {
 public:
  fixed_sink(char* buffer, std::size_t capacity) noexcept : sink(buffer, capacity) {}
  template <std::size_t N>
  explicit fixed_sink(char (&buffer)[N]) noexcept : sink(buffer, N) {}
};

#if SENTRY_TRACE_HOSTED
/// Hosted only: a sink that grows a std::string. It allocates (for tools and tests, not the span
/// path). Bytes are appended to `out` (whose earlier contents are kept), which must outlive the
/// sink and must not be touched until finish() or the destructor: until then `out` holds spare
/// capacity past the written bytes. After finish() the sink may be written again. When the string
/// cannot grow (allocation fails) the sink keeps the error like any other sink.
class string_sink : public sink {
 public:
  explicit string_sink(std::string& out) : sink(nullptr, 0, &grow, this), out_(out), base_(out.size()) {}
  ~string_sink() { finish(); }
  /// Trims `out` to exactly what was written. Idempotent.
  void finish();

 private:
  static bool grow(sink& s, std::size_t need, void* user) noexcept;
  std::string& out_;
  std::size_t base_;
};
#endif

/// A sink that hands each full chunk (and what is left on finish() or destruction) to a plain C
/// function pointer: for UARTs, sockets, MQTT publishes. Never allocates; `chunk` is caller-owned
/// and must outlive the sink. `fn` gets bytes valid only during the call (copy them to keep them)
/// and is called on the writing thread; `user` is passed through. Every chunk but the last is
/// exactly `chunk_capacity` bytes. With a zero capacity or a null `fn`, writes overflow.
class callback_sink : public sink {
 public:
  using write_fn = void (*)(const char* bytes, std::size_t n, void* user);
  callback_sink(char* chunk, std::size_t chunk_capacity, write_fn fn, void* user) noexcept
      : sink(chunk, chunk_capacity, fn ? &flush_chunk : nullptr, this), fn_(fn), fn_user_(user) {}
  ~callback_sink() { finish(); }
  /// Hands over the bytes still in the chunk, if any. total() keeps counting across calls.
  void finish() noexcept;

 private:
  static bool flush_chunk(sink& s, std::size_t need, void* user) noexcept;
  write_fn fn_;
  void* fn_user_;
};

/// Streaming JSON writer over a sink: commas, colons and nesting are handled for you. Compact
/// output, no whitespace. Several top-level values are written back to back with nothing between
/// them (an envelope puts its own '\n' between lines). Never allocates or throws; see ERRORS at
/// the top of this file for what ok() reports. Not thread-safe.
class json_writer {
 public:
  /// Objects and arrays open at once, at most. Deeper nesting is an error kept by ok().
  static constexpr int max_depth = 32;

  /// `out` must outlive the writer.
  explicit json_writer(sink& out) noexcept : out_(out) {}

  json_writer& begin_object() noexcept;
  json_writer& end_object() noexcept;
  json_writer& begin_array() noexcept;
  json_writer& end_array() noexcept;
  /// An object member's name, escaped like string(). Must be followed by exactly one value.
  json_writer& key(std::string_view k) noexcept;
  /// The same for a name given as a string literal of plain ASCII (no control bytes, '"', '\\',
  /// DEL or bytes from 0x80 up), copied as it is with one fixed-size copy: the protocol's own
  /// keys are such literals, and checking them again for every span is most of a span's cost.
  template <std::size_t N>
  json_writer& literal_key(const char (&k)[N]) noexcept;
  /// A string value: RFC 8259 escaping, invalid UTF-8 replaced by U+FFFD (see FORMATS). Any length.
  json_writer& string(std::string_view s) noexcept;
  /// A string value the caller knows to be plain ASCII (ids in hex, the protocol's own words),
  /// copied without checking it.
  json_writer& ascii_string(std::string_view s) noexcept;
  json_writer& number(std::int64_t v) noexcept;
  json_writer& number(std::uint64_t v) noexcept;
  /// Shortest text that reads back as the same double, as JavaScript prints it; NaN/inf -> null.
  json_writer& number(double v) noexcept;
  /// Any other integer type (int, long, unsigned char...) goes through the 64-bit overloads.
  template <class Int, typename std::enable_if<std::is_integral<Int>::value && !std::is_same<Int, bool>::value,
                                               int>::type = 0>
  json_writer& number(Int v) noexcept {
    if constexpr (std::is_signed<Int>::value) {
      return number(static_cast<std::int64_t>(v));
    } else {
      return number(static_cast<std::uint64_t>(v));
    }
  }
  json_writer& boolean(bool v) noexcept;
  json_writer& null() noexcept;
  /// One JSON value written verbatim. The caller guarantees it is valid, single-line JSON.
  json_writer& raw(std::string_view json) noexcept;
  /// `n` bytes as a string of 2n lowercase hex digits ("0a1b..."), e.g. ids.
  json_writer& hex(const std::uint8_t* bytes, std::size_t n) noexcept;
  /// Microseconds since the Unix epoch as an RFC 3339 string, "2026-11-24T12:30:51.147353Z".
  /// Outside 1970..9999 the epoch itself is written.
  json_writer& timestamp(std::int64_t epoch_us) noexcept;
  /// The whole seconds of the last timestamp written with it, as text ("2026-11-24T12:30:51"):
  /// the timestamps of one transaction mostly share them, and then only the fraction is
  /// formatted. Kept by the caller, so that the writer stays a reference and a few bytes.
  struct timestamp_cache {
    std::int64_t secs = -1;
    char text[19] = {};
  };
  /// timestamp(epoch_us), reusing `cache` when the whole seconds are those it holds.
  json_writer& timestamp(std::int64_t epoch_us, timestamp_cache& cache) noexcept;
  /// Microseconds since the Unix epoch as a number of seconds with six decimals,
  /// 1795523449.161298, by integer arithmetic (no rounding through double). Same clamping as
  /// timestamp().
  json_writer& seconds(std::int64_t epoch_us) noexcept;

  /// No structural error, and the sink has not overflowed.
  bool ok() const noexcept { return !error_ && !out_.overflowed(); }
  sink& out() noexcept { return out_; }

  /// Everything needed to undo writes: the sink's size and the writer's nesting state. Used to
  /// drop an element that did not fit: take a mark, write the element, rewind on !ok(). (Rewinding
  /// only the sink would leave the writer's comma and nesting state out of step with the bytes.)
  /// Only for sinks that still hold the marked bytes (fixed_sink, string_sink before finish()).
  struct checkpoint {
    std::size_t size;
    std::size_t total;  ///< the sink's total() at the mark
    std::uint32_t is_object;
    std::uint32_t has_member;
    std::uint8_t depth;
    bool after_key;
    bool error;
    bool overflowed;  ///< the sink had already dropped a write at the mark
  };
  checkpoint mark() const noexcept {
    return checkpoint{out_.size(), out_.total(), is_object_, has_member_, depth_, after_key_, error_, out_.overflowed()};
  }
  /// Rewinds the sink to the mark and restores the writer's state, the sink's overflow
  /// included: rewinding to a mark taken after a dropped write must not make ok() true again,
  /// since the bytes dropped before the mark are still missing.
  void rewind(const checkpoint& c) noexcept {
    out_.rewind(c.size);
    if (c.overflowed) {
      out_.overflow_ = true;
      out_.total_ = c.total;
    }
    is_object_ = c.is_object;
    has_member_ = c.has_member;
    depth_ = c.depth;
    after_key_ = c.after_key;
    error_ = c.error;
  }

 private:
  // A value's separator: ',' before a later array element, 0 where none is needed, or -1 when
  // no value may go here (the error is then kept).
  int begin_value() noexcept;
  // A member name's separator (',' or 0), or -1 when no name may go here (the error is kept).
  int begin_key() noexcept;
  // literal_key() for the n bytes at k.
  json_writer& plain_key(const char* k, std::size_t n) noexcept;
  json_writer& open(char c, bool object) noexcept;
  json_writer& close(char c, bool object) noexcept;
  json_writer& scalar(const char* text, std::size_t n) noexcept;
  void quoted(int sep, std::string_view s, bool is_key) noexcept;
  // quoted() for text that is not all plain ASCII: out of line, so that the plain path,
  // which nearly every string takes, stays small.
  void quoted_escaped(int sep, std::string_view s, bool is_key) noexcept;
  template <std::size_t MaxLen, class Format>
  json_writer& formatted(Format format) noexcept;

  sink& out_;
  std::uint32_t is_object_ = 0;   // bit d-1: level d is an object
  std::uint32_t has_member_ = 0;  // bit d-1: level d already holds an element (next one needs ',')
  std::uint8_t depth_ = 0;
  bool after_key_ = false;
  bool error_ = false;
};

namespace detail {
/// Writes `s` escaped as a JSON string body (no quotes): see FORMATS. Copies runs of plain bytes
/// with one memcpy each.
void write_escaped(sink& out, std::string_view s) noexcept;
/// "YYYY-MM-DDTHH:MM:SS.ffffffZ" into out[0..27); returns 27. No terminating NUL.
std::size_t format_rfc3339(char* out, std::int64_t epoch_us) noexcept;
/// Decimal text into `out` (room for 21 / 20 bytes); returns the length. No NUL.
std::size_t format_int(char* out, std::int64_t v) noexcept;
std::size_t format_uint(char* out, std::uint64_t v) noexcept;
/// JSON number text for a finite double (room for 32 bytes), see FORMATS; returns the length.
/// A non-finite value gives "null". Uses std::to_chars where available, else
/// format_double_portable (same output).
std::size_t format_double(char* out, double v) noexcept;
/// format_double without the standard library: a decimal of up to 15 places (a sample rate) by
/// one double division a place, any other by exact big-integer arithmetic (no libc). About
/// 1 KiB of stack and up to ~100 us for extreme exponents.
std::size_t format_double_portable(char* out, double v) noexcept;
/// format_double_portable's general path, which every double takes where the few-digit one
/// (format_double_few_digits, exact for a decimal of up to 15 places) does not apply.
std::size_t format_double_exact(char* out, double v) noexcept;
/// The largest n <= max_bytes such that s[0..n) does not end inside a UTF-8 sequence: backs up
/// to the lead byte (at most 3 bytes) only when that lead announces bytes that lie past the cut;
/// a stray continuation byte after a whole character cuts nothing off it (invalid bytes are
/// the escaper's to replace).
std::size_t utf8_truncate(std::string_view s, std::size_t max_bytes) noexcept;
/// 2n lowercase hex digits into out[0..2n).
void hex_lower(char* out, const std::uint8_t* bytes, std::size_t n) noexcept;
}  // namespace detail

// ============================================================================================
// implementation
// ============================================================================================

namespace detail {

// Byte classes for the escaper. Anything but `plain` leaves the fast run-copy loop.
enum : std::uint8_t {
  cls_plain = 0,   // copied as is
  cls_escape = 1,  // control, '"', '\\', DEL
  cls_invalid = 2, // never valid first byte: 80-BF, C0, C1, F5-FF
  cls_lead2 = 3,   // C2-DF
  cls_lead3 = 4,   // E0-EF
  cls_lead4 = 5,   // F0-F4
};

struct byte_table {
  std::uint8_t v[256];
};

constexpr byte_table make_escape_classes() noexcept {
  byte_table t{};
  for (int c = 0; c < 256; ++c) {
    std::uint8_t k = cls_plain;
    if (c < 0x20 || c == '"' || c == '\\' || c == 0x7F) {
      k = cls_escape;
    } else if (c < 0x80) {
      k = cls_plain;
    } else if (c < 0xC2 || c > 0xF4) {
      k = cls_invalid;
    } else if (c < 0xE0) {
      k = cls_lead2;
    } else if (c < 0xF0) {
      k = cls_lead3;
    } else {
      k = cls_lead4;
    }
    t.v[c] = k;
  }
  return t;
}

inline constexpr byte_table escape_classes = make_escape_classes();
inline constexpr char hex_digits[] = "0123456789abcdef";
inline constexpr char replacement_char[] = "\xEF\xBF\xBD";  // U+FFFD

// Length of the UTF-8 sequence starting at p (whose class is lead2..lead4), or of its maximal
// invalid subpart. `valid` tells which. Second-byte ranges per Unicode Table 3-7 exclude
// overlongs (E0, F0), surrogates (ED) and code points past U+10FFFF (F4).
inline std::size_t utf8_sequence(const unsigned char* p, const unsigned char* end, std::uint8_t cls,
                                 bool& valid) noexcept {
  const std::size_t want = static_cast<std::size_t>(cls - cls_lead2) + 2;
  const std::size_t avail = static_cast<std::size_t>(end - p);
  unsigned lo = 0x80, hi = 0xBF;
  switch (p[0]) {
    case 0xE0: lo = 0xA0; break;
    case 0xED: hi = 0x9F; break;
    case 0xF0: lo = 0x90; break;
    case 0xF4: hi = 0x8F; break;
    default: break;
  }
  valid = false;
  if (avail < 2 || p[1] < lo || p[1] > hi) return 1;
  std::size_t i = 2;
  for (; i < want; ++i) {
    if (i >= avail || (p[i] & 0xC0) != 0x80) return i;
  }
  valid = true;
  return want;
}

inline void sink_write_escape(sink& out, unsigned char c) noexcept {
  char e[6] = {'\\', 0, 0, 0, 0, 0};
  switch (c) {
    case '"': e[1] = '"'; break;
    case '\\': e[1] = '\\'; break;
    case '\b': e[1] = 'b'; break;
    case '\f': e[1] = 'f'; break;
    case '\n': e[1] = 'n'; break;
    case '\r': e[1] = 'r'; break;
    case '\t': e[1] = 't'; break;
    default:
      e[1] = 'u';
      e[2] = '0';
      e[3] = '0';
      e[4] = hex_digits[c >> 4];
      e[5] = hex_digits[c & 0xF];
      out.write(e, 6);
      return;
  }
  out.write(e, 2);
}

// Nonzero when one of the 8 bytes in `x` is not plain ASCII (below 0x20, '"', '\\', 0x7F and up).
// Bit-twiddling hacks' haszero/hasless/hasmore with one shared mask: a byte from 0x80 up is
// flagged by its own high bit, so the `& ~x` each test needs only for such bytes can go. Exact
// as a yes/no, and on a little-endian load the lowest flagged byte is the first byte that needs
// attention (borrows start only at a byte below 0x20 or equal to '"' or '\\', carries only at
// 0xFF, and both move upwards).
inline std::uint64_t swar_special(std::uint64_t x) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
  return (x                                   // 0x80 and up
          | (x + ones)                        // 0x7F
          | (x - ones * 0x20)                 // below 0x20
          | ((x ^ (ones * '"')) - ones)       // '"'
          | ((x ^ (ones * '\\')) - ones))     // '\\'
         & highs;
}

// Eight bytes per step unless the build optimizes for size (-Os, -Oz: firmware), where the byte
// loop alone is kept: about 500 bytes less code on a Cortex-M4, which has no 64-bit registers.
#if defined(__OPTIMIZE_SIZE__)
#  define SENTRY_TRACE_DETAIL_SWAR 0
#else
#  define SENTRY_TRACE_DETAIL_SWAR 1
#endif
#if SENTRY_TRACE_DETAIL_SWAR && defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#  define SENTRY_TRACE_DETAIL_SWAR_CTZ 1
#else
#  define SENTRY_TRACE_DETAIL_SWAR_CTZ 0
#endif

// GCC's and Clang's vector extension (no intrinsics header) where 16-byte vectors are part of
// the base instruction set: SSE2 on x86-64, NEON on AArch64. Elsewhere words of 8 bytes.
#if SENTRY_TRACE_DETAIL_SWAR_CTZ && (defined(__SSE2__) || defined(__aarch64__))
#  define SENTRY_TRACE_DETAIL_BYTE_VECTORS 1
#else
#  define SENTRY_TRACE_DETAIL_BYTE_VECTORS 0
#endif

#if SENTRY_TRACE_DETAIL_BYTE_VECTORS
typedef unsigned char byte_vector __attribute__((vector_size(16)));

// All ones in each lane that is not plain ASCII: swar_special's test, lane by lane.
inline byte_vector vector_special(byte_vector v) noexcept {
  return reinterpret_cast<byte_vector>((v < 0x20) | (v > 0x7E) | (v == '"') | (v == '\\'));
}
#endif

#if SENTRY_TRACE_DETAIL_SWAR_CTZ
// The 1..7 bytes at p as one little-endian word, padded with spaces (plain, and never flagged:
// swar_special's borrows and carries start only at a special byte). Two overlapping loads, or
// three single bytes, instead of a byte loop: most names and short values end here.
inline std::uint64_t load_padded(const unsigned char* p, std::size_t n) noexcept {
  std::uint64_t w;
  if (n >= 4) {
    std::uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    w = lo | (std::uint64_t{hi} << (8 * (n - 4)));
  } else {
    w = p[0] | (std::uint64_t{p[n / 2]} << (8 * (n / 2))) | (std::uint64_t{p[n - 1]} << (8 * (n - 1)));
  }
  return w | (std::uint64_t{0x2020202020202020u} << (8 * n));
}

// Copies the n bytes at p to dst one word at a time, checking each word as it goes, and says
// whether all of them were plain ASCII (then dst holds them as they are). dst needs room for n
// rounded up to a multiple of 8: the last word is stored whole, its padding is overwritten or
// left past what the caller commits. One pass instead of a scan and then a memcpy call: most
// names, keys and values are short, where the call and the scan's setup cost more than the copy.
inline bool copy_plain_ascii(char* dst, const unsigned char* p, std::size_t n) noexcept {
  std::uint64_t flags = 0;
  std::size_t i = 0;
#if SENTRY_TRACE_DETAIL_BYTE_VECTORS
  // Sixteen bytes a step where the target has 16-byte vectors: a statement or a URL is
  // hundreds of bytes, and the four compares cover all sixteen lanes at once.
  if (n >= 16) {
    byte_vector flagged{};
    for (; n - i >= 16; i += 16) {
      byte_vector v;
      std::memcpy(&v, p + i, 16);
      flagged |= vector_special(v);
      std::memcpy(dst + i, &v, 16);
    }
    std::uint64_t halves[2];
    std::memcpy(halves, &flagged, 16);
    flags = halves[0] | halves[1];
  }
#endif
  for (; n - i >= 8; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, p + i, 8);
    flags |= swar_special(word);
    std::memcpy(dst + i, &word, 8);
  }
  if (i < n) {
    const std::uint64_t word = load_padded(p + i, n - i);
    flags |= swar_special(word);
    std::memcpy(dst + i, &word, 8);
  }
  return flags == 0;
}
#endif

// The first byte at or after p that is not copied as is (end when there is none): plain ASCII
// and valid UTF-8 other than U+2028/U+2029 are copied.
inline const unsigned char* skip_plain(const unsigned char* p, const unsigned char* end) noexcept {
  while (p < end) {
    // Eight plain bytes per step: the byte loop alone runs at about 1 GB/s with g++ -O2.
    while (SENTRY_TRACE_DETAIL_SWAR && end - p >= 8) {
      std::uint64_t word;
      std::memcpy(&word, p, 8);
      const std::uint64_t flags = swar_special(word);
      if (flags != 0) {
#if SENTRY_TRACE_DETAIL_SWAR_CTZ
        p += __builtin_ctzll(flags) / 8;
#endif
        break;
      }
      p += 8;
    }
    if (p >= end) break;
#if SENTRY_TRACE_DETAIL_SWAR_CTZ
    if (end - p < 8) {
      const std::uint64_t flags = swar_special(load_padded(p, static_cast<std::size_t>(end - p)));
      if (flags == 0) return end;
      p += __builtin_ctzll(flags) / 8;
    }
#endif
    const std::uint8_t cls = escape_classes.v[*p];
    if (cls == cls_plain) {
      ++p;
      continue;
    }
    if (cls < cls_lead2) return p;
    bool valid = false;
    const std::size_t len = utf8_sequence(p, end, cls, valid);
    // U+2028/U+2029 (E2 80 A8/A9) are valid JSON but end a line in JavaScript source.
    if (!valid || (len == 3 && p[0] == 0xE2 && p[1] == 0x80 && (p[2] & 0xFE) == 0xA8)) return p;
    p += len;
  }
  return end;
}

/// The next piece of `s` from `pos` with every invalid UTF-8 subpart replaced by U+FFFD exactly
/// as write_escaped replaces it (the same maximal subparts): a run of valid bytes of `s`, or the
/// three bytes of U+FFFD. Advances `pos`; call while pos < s.size(). The pieces make the text a
/// JSON reader gets back, and escaping is one-to-one on valid UTF-8, so two strings are written
/// alike exactly when their pieces spell the same bytes. One function, not a template, so that
/// its callers share one copy of the loop.
inline std::string_view utf8_repaired_piece(std::string_view s, std::size_t& pos) noexcept {
  const auto* const begin = reinterpret_cast<const unsigned char*>(s.data());
  const unsigned char* const end = begin + s.size();
  const unsigned char* p = begin + pos;
  const unsigned char* const run = p;
  while (p < end) {
    const std::uint8_t cls = escape_classes.v[*p];
    if (cls <= cls_escape) {
      ++p;
      continue;
    }
    bool valid = false;
    const std::size_t len = cls >= cls_lead2 ? utf8_sequence(p, end, cls, valid) : 1;
    if (!valid) {
      if (p > run) break;  // the run first; the replacement is the next piece
      pos = static_cast<std::size_t>(p + len - begin);
      return std::string_view(replacement_char, 3);
    }
    p += len;
  }
  pos = static_cast<std::size_t>(p - begin);
  return std::string_view(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run));
}

// Writes [begin, end) escaped, where [begin, p) is already known to need no escaping.
inline void write_escaped_rest(sink& out, const unsigned char* begin, const unsigned char* p,
                               const unsigned char* end) noexcept {
  const unsigned char* run = begin;
  while (p < end) {
    out.write(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run));
    const std::uint8_t cls = escape_classes.v[*p];
    std::size_t len = 1;
    if (cls == cls_escape) {
      sink_write_escape(out, *p);
    } else if (cls >= cls_lead2) {
      bool valid = false;
      len = utf8_sequence(p, end, cls, valid);
      if (valid) {
        out.write(p[2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
      } else {
        out.write(replacement_char, 3);
      }
    } else {
      out.write(replacement_char, 3);
    }
    p += len;
    run = p;
    p = skip_plain(p, end);
  }
  out.write(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run));
}

inline void write_escaped(sink& out, std::string_view s) noexcept {
  const unsigned char* const begin = reinterpret_cast<const unsigned char*>(s.data());
  const unsigned char* const end = begin + s.size();
  write_escaped_rest(out, begin, skip_plain(begin, end), end);
}

/// n / d and n % d for a divisor below 2^24. On 32-bit targets this avoids libgcc's 64-bit
/// division (__aeabi_uldivmod, ~0.8 KiB on a Cortex-M): one 32-bit division for the high word,
/// then four 8-bit long-division steps. Exact, so results match the plain operators.
struct divmod_result {
  std::uint64_t quot;
  std::uint32_t rem;
};
constexpr divmod_result divmod_u64(std::uint64_t n, std::uint32_t d) noexcept {
#if UINTPTR_MAX > 0xFFFFFFFFu
  return {n / d, static_cast<std::uint32_t>(n % d)};
#else
  const auto hi = static_cast<std::uint32_t>(n >> 32);
  const auto lo = static_cast<std::uint32_t>(n);
  std::uint32_t r = hi % d;
  std::uint32_t q = 0;
  for (int shift = 24; shift >= 0; shift -= 8) {
    const std::uint32_t cur = (r << 8) | ((lo >> shift) & 0xFFu);  // r < d < 2^24: no overflow
    q = (q << 8) | (cur / d);
    r = cur % d;
  }
  return {(static_cast<std::uint64_t>(hi / d) << 32) | q, r};
#endif
}

inline constexpr char digit_pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

inline std::size_t format_uint(char* out, std::uint64_t v) noexcept {
  // Count first, then write backwards in place: going through a temporary and copying costs a
  // store-forwarding stall per number.
  std::size_t n = 1;
  for (std::uint64_t limit = 10; n < 20 && v >= limit; limit *= 10) ++n;
  std::size_t i = n;
  while (v > 0xFFFFFFFFu) {
    const divmod_result qr = divmod_u64(v, 100);
    const std::size_t two = static_cast<std::size_t>(qr.rem) * 2;
    v = qr.quot;
    out[--i] = digit_pairs[two + 1];
    out[--i] = digit_pairs[two];
  }
  auto w = static_cast<std::uint32_t>(v);  // the rest in 32-bit arithmetic
  while (w >= 100) {
    const std::size_t two = static_cast<std::size_t>(w % 100) * 2;
    w /= 100;
    out[--i] = digit_pairs[two + 1];
    out[--i] = digit_pairs[two];
  }
  v = w;
  if (v >= 10) {
    const std::size_t two = static_cast<std::size_t>(v) * 2;
    out[--i] = digit_pairs[two + 1];
    out[--i] = digit_pairs[two];
  } else {
    out[--i] = static_cast<char>('0' + v);
  }
  return n;
}

inline std::size_t format_int(char* out, std::int64_t v) noexcept {
  if (v >= 0) return format_uint(out, static_cast<std::uint64_t>(v));
  *out = '-';
  // Negate in unsigned arithmetic: -INT64_MIN overflows int64.
  return 1 + format_uint(out + 1, 0 - static_cast<std::uint64_t>(v));
}

inline void put2(char* out, unsigned v) noexcept {
  out[0] = digit_pairs[v * 2];
  out[1] = digit_pairs[v * 2 + 1];
}

// 9999-12-31T23:59:59.999999Z: RFC 3339 has four-digit years.
inline constexpr std::int64_t max_epoch_us = 253402300799999999;

inline std::size_t format_rfc3339(char* out, std::int64_t epoch_us) noexcept {
  if (epoch_us < 0 || epoch_us > max_epoch_us) epoch_us = 0;
  const divmod_result s_us = divmod_u64(static_cast<std::uint64_t>(epoch_us), 1000000);
  const std::uint64_t secs = s_us.quot;
  const unsigned frac = s_us.rem;
  // secs < 2^38 and days < 2^22 up to year 9999: 32-bit arithmetic from here on.
  const divmod_result d_s = divmod_u64(secs, 86400);
  const auto days = static_cast<std::uint32_t>(d_s.quot);
  const unsigned sod = d_s.rem;
  // Howard Hinnant's civil_from_days (http://howardhinnant.github.io/date_algorithms.html),
  // for days >= 0 only, so every quantity stays unsigned.
  const std::uint32_t z = days + 719468;
  const std::uint32_t era = z / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  const unsigned year = static_cast<unsigned>(era * 400) + yoe + (month <= 2 ? 1u : 0u);

  put2(out, year / 100);
  put2(out + 2, year % 100);
  out[4] = '-';
  put2(out + 5, month);
  out[7] = '-';
  put2(out + 8, day);
  out[10] = 'T';
  put2(out + 11, sod / 3600);
  out[13] = ':';
  put2(out + 14, sod / 60 % 60);
  out[16] = ':';
  put2(out + 17, sod % 60);
  out[19] = '.';
  put2(out + 20, frac / 10000);
  put2(out + 22, frac / 100 % 100);
  put2(out + 24, frac % 100);
  out[26] = 'Z';
  return 27;
}

struct hex_pair_table {
  char v[512];
};

constexpr hex_pair_table make_hex_pairs() noexcept {
  hex_pair_table t{};
  for (int b = 0; b < 256; ++b) {
    t.v[2 * b] = hex_digits[b >> 4];
    t.v[2 * b + 1] = hex_digits[b & 0xF];
  }
  return t;
}

// One two-byte copy per input byte: ids are a third of a span's bytes.
inline constexpr hex_pair_table hex_pairs = make_hex_pairs();

inline void hex_lower(char* out, const std::uint8_t* bytes, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) std::memcpy(out + 2 * i, hex_pairs.v + 2 * bytes[i], 2);
}

inline std::size_t utf8_truncate(std::string_view s, std::size_t max_bytes) noexcept {
  if (s.size() <= max_bytes) return s.size();
  // s[max_bytes] is the first byte cut off. The cut splits a sequence only when a lead byte
  // before it announces more bytes than lie before the cut; a stray continuation byte after a
  // complete character ("é" then 0x80) splits nothing, so the character stays.
  if ((static_cast<unsigned char>(s[max_bytes]) & 0xC0) != 0x80) return max_bytes;
  std::size_t start = max_bytes;
  for (int back = 0; back < 3 && start > 0 && (static_cast<unsigned char>(s[start - 1]) & 0xC0) == 0x80; ++back) --start;
  if (start == 0) return max_bytes;
  const auto lead = static_cast<unsigned char>(s[start - 1]);
  const std::size_t need = lead >= 0xF8 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  const std::size_t have = max_bytes - (start - 1);  // the lead and its continuations kept
  return need > have && need > 1 ? start - 1 : max_bytes;
}

// --- doubles ---------------------------------------------------------------------------------

// Writes digits[0..ndigits) (no leading or trailing zeros) times 10^(point - ndigits) the way
// ECMAScript's Number::toString does: plain notation for 1e-7 < |v| < 1e21, else d.ddde+x.
inline std::size_t format_decimal_js(char* out, bool negative, const char* digits, int ndigits,
                                     int point) noexcept {
  char* o = out;
  if (negative) *o++ = '-';
  const std::size_t nd = static_cast<std::size_t>(ndigits);
  if (ndigits <= point && point <= 21) {
    std::memcpy(o, digits, nd);
    o += nd;
    for (int i = ndigits; i < point; ++i) *o++ = '0';
  } else if (0 < point && point <= 21) {
    const std::size_t np = static_cast<std::size_t>(point);
    std::memcpy(o, digits, np);
    o += np;
    *o++ = '.';
    std::memcpy(o, digits + np, nd - np);
    o += nd - np;
  } else if (-6 < point && point <= 0) {
    *o++ = '0';
    *o++ = '.';
    for (int i = point; i < 0; ++i) *o++ = '0';
    std::memcpy(o, digits, nd);
    o += nd;
  } else {
    *o++ = digits[0];
    if (ndigits > 1) {
      *o++ = '.';
      std::memcpy(o, digits + 1, nd - 1);
      o += nd - 1;
    }
    *o++ = 'e';
    int e = point - 1;
    *o++ = e < 0 ? '-' : '+';
    if (e < 0) e = -e;
    o += format_uint(o, static_cast<std::uint64_t>(e));
  }
  return static_cast<std::size_t>(o - out);
}

// Exact decimal expansion of M * 2^E, kept as its leading digits plus a sticky flag: enough to
// round to 17 digits and to compare against such a number exactly.
struct big_decimal {
  char d[40];     // d[0] != '0'; no trailing zeros
  int len;
  int point;      // value = 0.d[0]d[1]... * 10^point
  bool sticky;    // nonzero digits follow d[len-1] further down
};

struct big_uint {
  // 5^1075 * 2^55 < 2^2552: the largest product format_double_exact forms.
  static constexpr int max_limbs = 81;
  std::uint32_t limb[max_limbs];
  int n;
};

inline void big_mul_small(big_uint& b, std::uint32_t m) noexcept {
  std::uint64_t carry = 0;
  for (int i = 0; i < b.n; ++i) {
    const std::uint64_t t = static_cast<std::uint64_t>(b.limb[i]) * m + carry;
    b.limb[i] = static_cast<std::uint32_t>(t);
    carry = t >> 32;
  }
  if (carry != 0 && b.n < big_uint::max_limbs) b.limb[b.n++] = static_cast<std::uint32_t>(carry);
}

inline std::uint32_t big_divmod_small(big_uint& b, std::uint32_t d) noexcept {
  std::uint64_t r = 0;
  for (int i = b.n - 1; i >= 0; --i) {
    const std::uint64_t cur = (r << 32) | b.limb[i];
    b.limb[i] = static_cast<std::uint32_t>(cur / d);
    r = cur % d;
  }
  while (b.n > 0 && b.limb[b.n - 1] == 0) --b.n;
  return static_cast<std::uint32_t>(r);
}

inline big_decimal expand_binary(std::uint64_t m, int e) noexcept {
  big_uint b;
  b.limb[0] = static_cast<std::uint32_t>(m);
  b.limb[1] = static_cast<std::uint32_t>(m >> 32);
  b.n = b.limb[1] ? 2 : 1;
  int shift10 = 0;
  if (e >= 0) {
    const int words = e / 32, bits = e % 32;
    for (int i = b.n - 1; i >= 0; --i) b.limb[i + words] = b.limb[i];
    for (int i = 0; i < words; ++i) b.limb[i] = 0;
    b.n += words;
    b.limb[b.n] = 0;
    if (bits != 0) {
      for (int i = b.n; i > words; --i)
        b.limb[i] = (b.limb[i] << bits) | (b.limb[i - 1] >> (32 - bits));
      b.limb[words] <<= bits;
    }
    ++b.n;
    while (b.n > 0 && b.limb[b.n - 1] == 0) --b.n;
  } else {
    // m * 2^e == m * 5^-e / 10^-e: the digits of the integer m * 5^-e, point moved left.
    shift10 = -e;
    int k = -e;
    for (; k >= 13; k -= 13) big_mul_small(b, 1220703125u);  // 5^13, the largest power below 2^32
    std::uint32_t p5 = 1;
    for (; k > 0; --k) p5 *= 5;
    big_mul_small(b, p5);
  }

  // Nine digits at a time from the bottom; only the top four chunks are kept.
  std::uint32_t ring[4] = {0, 0, 0, 0};
  int chunks = 0;
  bool sticky = false;
  while (b.n > 0) {
    const std::uint32_t r = big_divmod_small(b, 1000000000u);
    if (chunks >= 4 && ring[chunks % 4] != 0) sticky = true;
    ring[chunks % 4] = r;
    ++chunks;
  }
  big_decimal out{};
  int top_digits = 0;
  for (int c = chunks - 1; c >= 0 && c >= chunks - 4; --c) {
    std::uint32_t v = ring[c % 4];
    char nine[9];
    for (int i = 8; i >= 0; --i) {
      nine[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    int start = 0;
    if (c == chunks - 1) {
      while (start < 8 && nine[start] == '0') ++start;
      top_digits = 9 - start;
    }
    for (int i = start; i < 9; ++i) out.d[out.len++] = nine[i];
  }
  out.point = (chunks - 1) * 9 + top_digits - shift10;
  out.sticky = sticky;
  while (out.len > 0 && out.d[out.len - 1] == '0') --out.len;
  return out;
}

// Compares two positive decimals given by digits (missing digits are zeros) and sticky flags.
inline int compare_decimal(const char* ad, int alen, int apoint, bool asticky, const big_decimal& b) noexcept {
  if (apoint != b.point) return apoint < b.point ? -1 : 1;
  const int n = alen > b.len ? alen : b.len;
  for (int i = 0; i < n; ++i) {
    const char x = i < alen ? ad[i] : '0';
    const char y = i < b.len ? b.d[i] : '0';
    if (x != y) return x < y ? -1 : 1;
  }
  if (asticky != b.sticky) return asticky ? 1 : -1;
  return 0;
}

/// The shortest text of a v with few digits (every sample rate: 1, 0.25, 0.001), or 0 when v is
/// not one. Clinger's argument run backwards: while v * 10^p stays under 4e14, decimals 10^-p
/// apart lie more than ten of v's rounding intervals apart, so at most one of them rounds to v,
/// and the product (one rounding) is within 0.1 of it. The first p whose nearest integer k gives
/// v back through k / 10^p (exact operands, one correctly rounded division) names v's shortest
/// digits: a decimal with fewer would have fewer places. Only where doubles are evaluated as
/// doubles (no x87 excess precision, which would round twice).
inline std::size_t format_double_few_digits(char* out, double v) noexcept {
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
  const bool negative = v < 0;
  const double magnitude = negative ? -v : v;
  constexpr double pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  for (int p = 0; p < 16; ++p) {
    const double scaled = magnitude * pow10[p];
    if (!(scaled <= 4e14)) return 0;  // NaN too
    const std::uint64_t k = static_cast<std::uint64_t>(scaled + 0.5);
    if (k == 0 || static_cast<double>(k) / pow10[p] != magnitude) continue;
    char digits[20];
    const int n = static_cast<int>(format_uint(digits, k));
    int kept = n;
    while (digits[kept - 1] == '0') --kept;  // k's trailing zeros (an integer v: p is 0)
    return format_decimal_js(out, negative, digits, kept, n - p);
  }
#else
  (void)out;
  (void)v;
#endif
  return 0;
}

inline std::size_t format_double_portable(char* out, double v) noexcept {
  if (const std::size_t n = format_double_few_digits(out, v)) return n;
  return format_double_exact(out, v);
}

inline std::size_t format_double_exact(char* out, double v) noexcept {
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  const bool negative = (bits >> 63) != 0;
  const int biased = static_cast<int>((bits >> 52) & 0x7FF);
  std::uint64_t frac = bits & ((std::uint64_t{1} << 52) - 1);
  if (biased == 0x7FF) {
    std::memcpy(out, "null", 4);
    return 4;
  }
  if (biased == 0 && frac == 0) {
    out[0] = '0';  // -0 too: JavaScript prints it as "0"
    return 1;
  }
  std::uint64_t m = biased == 0 ? frac : frac | (std::uint64_t{1} << 52);
  const int e = biased == 0 ? -1074 : biased - 1075;

  // The shortest digits are the fewest that land strictly inside the interval of reals that
  // round to v (its ends too when m is even: round-half-even then picks v). The interval ends
  // halfway to the neighbours; below a power of two the lower neighbour is half as far away.
  const big_decimal val = expand_binary(m, e);
  const bool tight_below = frac == 0 && biased > 1;
  const big_decimal lower = tight_below ? expand_binary(4 * m - 1, e - 2) : expand_binary(2 * m - 1, e - 1);
  const big_decimal upper = expand_binary(2 * m + 1, e - 1);
  const bool inclusive = (m & 1) == 0;
  auto inside = [&](const char* d, int len, int point) {
    const int lo = compare_decimal(d, len, point, false, lower);
    const int hi = compare_decimal(d, len, point, false, upper);
    return (lo > 0 || (lo == 0 && inclusive)) && (hi < 0 || (hi == 0 && inclusive));
  };

  for (int p = 1; p <= 17; ++p) {
    // down: the first p digits; up: down plus one unit in the last place.
    char down[18], up[18];
    for (int i = 0; i < p; ++i) down[i] = i < val.len ? val.d[i] : '0';
    const bool exact = p >= val.len && !val.sticky;
    int up_point = val.point;
    std::memcpy(up, down, static_cast<std::size_t>(p));
    int i = p - 1;
    while (i >= 0 && up[i] == '9') up[i--] = '0';
    if (i >= 0) {
      ++up[i];
    } else {
      up[0] = '1';  // 99..9 + 1 = 100..0: one more integer digit, p digits still
      for (int j = 1; j < p; ++j) up[j] = '0';
      ++up_point;
    }
    bool round_up = false;
    if (!exact) {
      const char next = p < val.len ? val.d[p] : '0';
      bool rest = val.sticky;
      for (int j = p + 1; j < val.len && !rest; ++j) rest = val.d[j] != '0';
      round_up = next > '5' || (next == '5' && (rest || ((down[p - 1] - '0') & 1) != 0));
    }
    const char* first = round_up ? up : down;
    const int first_point = round_up ? up_point : val.point;
    const char* second = round_up ? down : up;
    const int second_point = round_up ? val.point : up_point;
    const char* pick = nullptr;
    int pick_point = 0;
    if (exact || inside(first, p, first_point)) {
      pick = first;
      pick_point = first_point;
    } else if (inside(second, p, second_point)) {
      pick = second;
      pick_point = second_point;
    }
    if (pick != nullptr) {
      int len = p;
      while (len > 1 && pick[len - 1] == '0') --len;
      return format_decimal_js(out, negative, pick, len, pick_point);
    }
  }
  // Unreachable: 17 significant digits always identify a double.
  return format_decimal_js(out, negative, val.d, val.len < 17 ? val.len : 17, val.point);
}

/// The compact format of SENTRY_TRACE_DOUBLES=0 (config.hpp): |v| rounded to six decimals
/// (half away from zero), trailing zeros trimmed ("21.5", "3", "0.000001"; "0" for anything
/// that rounds to zero, -0 included); |v| >= 2^64 as its leading digits and "e+N" (about 16
/// significant digits). NaN and infinities are written as null. Integer arithmetic on the bits
/// only: no soft-float routine and no 64-bit division is pulled in. At most 28 bytes.
inline std::size_t format_double_compact(char* out, double v) noexcept {
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  const int biased = static_cast<int>((bits >> 52) & 0x7FF);
  const std::uint64_t frac_bits = bits & ((std::uint64_t{1} << 52) - 1);
  if (biased == 0x7FF) {
    std::memcpy(out, "null", 4);
    return 4;
  }
  std::uint64_t m = biased == 0 ? frac_bits : frac_bits | (std::uint64_t{1} << 52);
  int e = biased == 0 ? -1074 : biased - 1075;  // |v| = m * 2^e
  char* o = out;
  if (bits >> 63) *o++ = '-';
  std::uint64_t whole = 0;
  std::uint32_t micros = 0;
  if (e > 11) {
    // |v| >= 2^64: m * 2^e = m' * 10^d, doubling m while it has room, else trading a factor 2
    // for a factor 10 (m / 5, rounded).
    std::uint32_t d = 0;
    for (; e > 0; --e) {
      if ((m >> 63) == 0) {
        m <<= 1;
      } else {
        const divmod_result qr = divmod_u64(m, 5);
        m = qr.quot + (qr.rem >= 3 ? 1 : 0);
        ++d;
      }
    }
    for (divmod_result qr = divmod_u64(m, 10); qr.rem == 0; qr = divmod_u64(m, 10)) {
      m = qr.quot;
      ++d;
    }
    o += format_uint(o, m);
    *o++ = 'e';
    *o++ = '+';
    o += format_uint(o, d);
    return static_cast<std::size_t>(o - out);
  }
  if (e >= 0) {
    whole = m << e;
  } else if (e > -75) {
    const int s = -e;  // 1..74: whole = m >> s; the fraction, as 64 bits below the point, is fr
    whole = s < 64 ? m >> s : 0;
    const std::uint64_t fr = s < 64 ? m << (64 - s) : m >> (s - 64);  // (the bits past 2^-64 do not matter)
    // micros = round(fr * 10^6 / 2^64), from fr's two halves: exact, as the inner floor drops
    // only bits below the 2^32 that the rounding adds.
    const std::uint64_t mid = (fr >> 32) * 1000000u + (((fr & 0xFFFFFFFFu) * 1000000u) >> 32);
    micros = static_cast<std::uint32_t>((mid + 0x80000000u) >> 32);
    if (micros == 1000000u) {
      micros = 0;
      ++whole;
    }
  }  // else |v| < 2^-22: rounds to 0
  if (whole == 0 && micros == 0) {
    out[0] = '0';  // no sign: -0 and tiny negatives print as "0", as JavaScript prints -0
    return 1;
  }
  o += format_uint(o, whole);
  if (micros != 0) {
    char six[6];
    for (int i = 5; i >= 0; --i) {
      six[i] = static_cast<char>('0' + micros % 10);
      micros /= 10;
    }
    int len = 6;
    while (six[len - 1] == '0') --len;
    *o++ = '.';
    std::memcpy(o, six, static_cast<std::size_t>(len));
    o += len;
  }
  return static_cast<std::size_t>(o - out);
}

inline std::size_t format_double(char* out, double v) noexcept {
#if !SENTRY_TRACE_DOUBLES
  return format_double_compact(out, v);
#elif SENTRY_TRACE_DETAIL_HAS_TO_CHARS
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  if (((bits >> 52) & 0x7FF) == 0x7FF) {
    std::memcpy(out, "null", 4);
    return 4;
  }
  if ((bits << 1) == 0) {
    out[0] = '0';
    return 1;
  }
  const bool negative = (bits >> 63) != 0;
  if (negative) v = -v;
  // Scientific form gives the shortest digits and the exponent apart: "1.2345e-07".
  char sci[32];
  const std::to_chars_result r = std::to_chars(sci, sci + sizeof sci, v, std::chars_format::scientific);
  if (r.ec != std::errc()) return format_double_portable(out, negative ? -v : v);
  char digits[20];
  int nd = 0;
  const char* p = sci;
  for (; p < r.ptr && *p != 'e'; ++p) {
    if (*p != '.' && nd < 20) digits[nd++] = *p;
  }
  int exp10 = 0;
  bool exp_negative = false;
  if (p < r.ptr) ++p;  // 'e'
  if (p < r.ptr && (*p == '-' || *p == '+')) exp_negative = *p++ == '-';
  for (; p < r.ptr; ++p) exp10 = exp10 * 10 + (*p - '0');
  if (exp_negative) exp10 = -exp10;
  while (nd > 1 && digits[nd - 1] == '0') --nd;
  return format_decimal_js(out, negative, digits, nd, exp10 + 1);
#else
  return format_double_portable(out, v);
#endif
}

// --- decimal text in -------------------------------------------------------------------------
// The library's one reader of decimal numbers: traces_sample_rate from the environment,
// sample_rate and sample_rand from baggage, Retry-After and X-Sentry-Rate-Limits seconds. It
// keeps the text and converts it exactly (integer arithmetic), so "0.421337" is 421337
// millionths, never 421336 through a double, and a rate becomes the double nearest to it, the
// one JavaScript's parseFloat and Python's float() give.

/// A validated plain decimal ("1", "0.25", ".5", "5."): views of its digits before and after
/// the point. Signs, exponents, spaces and any other byte are refused by parse_decimal.
struct decimal_text {
  std::string_view whole;     ///< digits before the point, maybe empty
  std::string_view fraction;  ///< digits after the point, maybe empty
  bool point = false;         ///< a '.' was present
};

/// Splits `text` into a decimal_text. False (and `out` unchanged) for empty text, no digit at
/// all, a second point, a sign, an exponent or any other character.
constexpr bool parse_decimal(std::string_view text, decimal_text& out) noexcept {
  decimal_text d;
  std::size_t dot = std::string_view::npos;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.' && dot == std::string_view::npos) dot = i;
    else if (c < '0' || c > '9') return false;
  }
  d.point = dot != std::string_view::npos;
  d.whole = text.substr(0, d.point ? dot : text.size());
  d.fraction = d.point ? text.substr(dot + 1) : std::string_view();
  if (d.whole.empty() && d.fraction.empty()) return false;
  out = d;
  return true;
}

/// The value times 10^places, rounded down (or up when `round_up`), exactly; saturates at
/// UINT64_MAX.
constexpr std::uint64_t decimal_scaled(const decimal_text& d, std::size_t places, bool round_up = false) noexcept {
  std::uint64_t v = 0;
  bool saturated = false;
  auto push = [&](char c) {
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10u) saturated = true;
    else v = v * 10u + digit;
  };
  for (char c : d.whole) push(c);
  for (std::size_t i = 0; i < places; ++i) push(i < d.fraction.size() ? d.fraction[i] : '0');
  if (saturated) return UINT64_MAX;
  if (round_up) {
    for (std::size_t i = places; i < d.fraction.size(); ++i)
      if (d.fraction[i] != '0') return v == UINT64_MAX ? v : v + 1;
  }
  return v;
}

#if SENTRY_TRACE_DOUBLES
// (With SENTRY_TRACE_DOUBLES=0, sampling.hpp reads rates to six decimals instead, without
// floating-point arithmetic.)
/// The double nearest to the decimal (ties to even), as a correctly rounding strtod gives it.
/// A first guess from the leading 19 digits is moved one ulp at a time until the value lies
/// between the guess's two rounding midpoints, each compared exactly (expand_binary). Exact for
/// up to 40 significant digits; beyond that only an input within 10^-40 of a midpoint could
/// round the wrong way.
inline double decimal_to_double(const decimal_text& d) noexcept {
  char sig[40];
  int n = 0, point = 0;
  bool sticky = false, seen = false;
  const std::size_t total = d.whole.size() + d.fraction.size();
  for (std::size_t i = 0; i < total; ++i) {
    const char c = i < d.whole.size() ? d.whole[i] : d.fraction[i - d.whole.size()];
    if (!seen) {
      if (c == '0') continue;
      seen = true;
      point = static_cast<int>(d.whole.size()) - static_cast<int>(i);  // value = 0.sig * 10^point
    }
    if (n < 40) sig[n++] = c;
    else if (c != '0') sticky = true;
  }
  while (n > 0 && sig[n - 1] == '0') --n;
  if (n == 0) return 0.0;
  if (point > 310) return std::numeric_limits<double>::infinity();
  if (point < -324) return 0.0;  // below half the smallest subnormal

  // First guess: the leading digits as an integer, scaled by powers of ten (a few ulps off).
  std::uint64_t lead = 0;
  const int k = n < 19 ? n : 19;
  for (int i = 0; i < k; ++i) lead = lead * 10u + static_cast<std::uint64_t>(sig[i] - '0');
  double guess = static_cast<double>(lead);
  constexpr double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                              1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
  // Clinger's fast path (every rate and sample_rand a header carries): up to 15 digits are an
  // exact double, and so is 10^e up to 22, so one correctly rounded multiply or divide is the
  // nearest double already. Only where doubles are evaluated as doubles (no x87 excess
  // precision, which would round twice).
  if (n <= 15 && point - n >= -22 && point - n <= 22) {
    const int e = point - n;
    return e >= 0 ? guess * pow10[e] : guess / pow10[-e];
  }
#endif
  for (int e = point - k; e != 0;) {
    const int step = e > 22 ? 22 : e < -22 ? -22 : e;
    if (step > 0) guess *= pow10[step];
    else guess /= pow10[-step];
    e -= step;
  }

  constexpr std::uint64_t inf_bits = 0x7FF0000000000000u;
  std::uint64_t bits;
  std::memcpy(&bits, &guess, sizeof bits);
  if (bits >= inf_bits) bits = inf_bits - 1;  // an overflowed guess: start from the largest double
  // value <=> the midpoint between the double `b` and the next one up.
  auto above_mid = [&](std::uint64_t b) {
    const std::uint64_t exp = b >> 52, frac = b & 0xFFFFFFFFFFFFFu;
    const std::uint64_t m = exp == 0 ? frac : frac | (std::uint64_t{1} << 52);
    const int e = exp == 0 ? -1074 : static_cast<int>(exp) - 1075;
    return compare_decimal(sig, n, point, sticky, expand_binary(2 * m + 1, e - 1));
  };
  for (int step = 0; step < 128 && bits < inf_bits; ++step) {
    const int up = above_mid(bits);
    if (up > 0 || (up == 0 && (bits & 1u) != 0)) {
      ++bits;  // the next double up (or infinity past the largest)
      continue;
    }
    if (bits == 0) break;
    const int down = above_mid(bits - 1);
    if (down < 0 || (down == 0 && (bits & 1u) != 0)) {
      --bits;
      continue;
    }
    break;
  }
  double out;
  std::memcpy(&out, &bits, sizeof out);
  return out;
}

/// parse_decimal and decimal_to_double in one: for rates.
inline bool parse_decimal(std::string_view text, double& out) noexcept {
  decimal_text d;
  if (!parse_decimal(text, d)) return false;
  out = decimal_to_double(d);
  return true;
}
#endif

}  // namespace detail

// --- sinks -----------------------------------------------------------------------------------

inline void sink::write_slow(const char* bytes, std::size_t n) noexcept {
  if (n == 0) return;
  total_ += n;
  if (overflow_) return;
  if (refill_ == nullptr) {
    overflow_ = true;
    return;
  }
  for (;;) {
    const std::size_t room = cap_ - size_;
    if (n <= room) {
      std::memcpy(buf_ + size_, bytes, n);
      size_ += n;
      return;
    }
    // Fill first, so that a flushing hook always hands on full chunks.
    if (room != 0) std::memcpy(buf_ + size_, bytes, room);
    size_ = cap_;
    bytes += room;
    n -= room;
    in_refill_ = true;
    const bool made_room = refill_(*this, n, user_);
    in_refill_ = false;
    if (!made_room || size_ >= cap_) {
      overflow_ = true;
      return;
    }
  }
}

#if SENTRY_TRACE_HOSTED
inline bool string_sink::grow(sink& s, std::size_t need, void* user) noexcept {
  string_sink& self = *static_cast<string_sink*>(user);
  std::size_t want = self.cap_ * 2;
  if (want < self.size_ + need) want = self.size_ + need;
  if (want < 256) want = 256;
#  if SENTRY_TRACE_EXCEPTIONS
  try {
#  endif
    if (want > self.out_.max_size() - self.base_) return false;
    self.out_.resize(self.base_ + want);
#  if SENTRY_TRACE_EXCEPTIONS
  } catch (...) {
    return false;
  }
#  endif
  s.reset_buffer(&self.out_[0] + self.base_, want);
  return true;
}

inline void string_sink::finish() {
  if (buf_ == nullptr) return;
  out_.resize(base_ + size_);  // shrinking: no allocation, no throw
  base_ = out_.size();
  buf_ = nullptr;
  cap_ = 0;
  size_ = 0;
}
#endif

inline bool callback_sink::flush_chunk(sink& s, std::size_t, void* user) noexcept {
  callback_sink& self = *static_cast<callback_sink*>(user);
  if (self.size_ != 0) self.fn_(self.buf_, self.size_, self.fn_user_);
  s.rewind(0);
  return true;
}

inline void callback_sink::finish() noexcept {
  if (size_ == 0 || fn_ == nullptr) return;
  fn_(buf_, size_, fn_user_);
  size_ = 0;  // delivered, not rewound: total() keeps counting
}

// --- json_writer -----------------------------------------------------------------------------

inline int json_writer::begin_value() noexcept {
  if (error_) return -1;
  if (depth_ == 0) return 0;  // top-level values are not separated
  const std::uint32_t bit = std::uint32_t{1} << (depth_ - 1);
  if (is_object_ & bit) {
    if (!after_key_) {
      error_ = true;
      return -1;
    }
    after_key_ = false;
    return 0;
  }
  const int sep = (has_member_ & bit) ? ',' : 0;
  has_member_ |= bit;
  return sep;
}

inline json_writer& json_writer::scalar(const char* text, std::size_t n) noexcept {
  const int sep = begin_value();
  if (sep < 0) return *this;
  if (sep != 0) out_.put(static_cast<char>(sep));
  out_.write(text, n);
  return *this;
}

// Formats a value of at most MaxLen bytes, with its separator, straight into the sink when it
// has room, else through a stack buffer (where the sink may refill or drop it).
template <std::size_t MaxLen, class Format>
inline json_writer& json_writer::formatted(Format format) noexcept {
  const int sep = begin_value();
  if (sep < 0) return *this;
  const std::size_t lead = sep != 0 ? 1 : 0;
  if (char* dst = out_.room_for(MaxLen + 1)) {
    dst[0] = static_cast<char>(sep);
    out_.commit(lead + format(dst + lead));
    return *this;
  }
  char buf[MaxLen + 1];
  buf[0] = static_cast<char>(sep);
  out_.write(buf, lead + format(buf + lead));
  return *this;
}

inline json_writer& json_writer::open(char c, bool object) noexcept {
  const int sep = begin_value();
  if (sep < 0) return *this;
  if (depth_ >= max_depth) {
    error_ = true;
    return *this;
  }
  if (sep != 0) out_.put(static_cast<char>(sep));
  out_.put(c);
  ++depth_;
  const std::uint32_t bit = std::uint32_t{1} << (depth_ - 1);
  has_member_ &= ~bit;
  if (object) {
    is_object_ |= bit;
  } else {
    is_object_ &= ~bit;
  }
  return *this;
}

inline json_writer& json_writer::close(char c, bool object) noexcept {
  if (error_) return *this;
  const std::uint32_t bit = depth_ == 0 ? 0 : std::uint32_t{1} << (depth_ - 1);
  if (depth_ == 0 || ((is_object_ & bit) != 0) != object || after_key_) {
    error_ = true;
    return *this;
  }
  out_.put(c);
  --depth_;
  return *this;
}

inline json_writer& json_writer::begin_object() noexcept { return open('{', true); }
inline json_writer& json_writer::end_object() noexcept { return close('}', true); }
inline json_writer& json_writer::begin_array() noexcept { return open('[', false); }
inline json_writer& json_writer::end_array() noexcept { return close(']', false); }

inline int json_writer::begin_key() noexcept {
  if (error_) return -1;
  const std::uint32_t bit = depth_ == 0 ? 0 : std::uint32_t{1} << (depth_ - 1);
  if ((is_object_ & bit) == 0 || after_key_) {
    error_ = true;
    return -1;
  }
  const int sep = (has_member_ & bit) ? ',' : 0;
  has_member_ |= bit;
  return sep;
}

inline json_writer& json_writer::key(std::string_view k) noexcept {
  const int sep = begin_key();
  if (sep < 0) return *this;
  quoted(sep, k, true);
  after_key_ = true;
  return *this;
}

template <std::size_t N>
inline json_writer& json_writer::literal_key(const char (&k)[N]) noexcept {
  return plain_key(k, N - 1);  // without the literal's NUL
}

// Not a template: where it is inlined (-O2) the length is a constant and the copy a few moves;
// at -Os it stays one function, rather than a copy per key.
inline json_writer& json_writer::plain_key(const char* k, std::size_t n) noexcept {
  const int sep = begin_key();
  if (sep < 0) return *this;
  const std::size_t lead = sep != 0 ? 1 : 0;
  if (char* dst = out_.room_for(n + 4)) {
    dst[0] = ',';  // overwritten by the quote when there is no separator
    dst[lead] = '"';
    std::memcpy(dst + lead + 1, k, n);
    dst[lead + 1 + n] = '"';
    dst[lead + 2 + n] = ':';
    out_.commit(lead + n + 3);
  } else {
    quoted(sep, std::string_view(k, n), true);  // the sink refills or keeps the overflow
  }
  after_key_ = true;
  return *this;
}

// Separator, quotes and escaped text. Plain text that fits is copied straight into the buffer:
// most names and values are short, and three small sink writes cost more than the copy.
inline void json_writer::quoted(int sep, std::string_view s, bool is_key) noexcept {
#if SENTRY_TRACE_DETAIL_SWAR_CTZ
  const unsigned char* const begin = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t lead = sep != 0 ? 1 : 0;
  const std::size_t tail = is_key ? 2 : 1;
  // Plain ASCII is copied as it is checked; anything else (UTF-8 included) takes the path below.
  const std::size_t padded = (s.size() + 7) & ~std::size_t{7};
  if (char* dst = out_.room_for(lead + 1 + (padded > s.size() + tail ? padded : s.size() + tail))) {
    if (detail::copy_plain_ascii(dst + lead + 1, begin, s.size())) {
      dst[0] = static_cast<char>(sep);
      dst[lead] = '"';
      char* after = dst + lead + 1 + s.size();
      after[0] = '"';
      if (is_key) after[1] = ':';
      out_.commit(lead + 1 + s.size() + tail);
      return;
    }
  }
#endif
  quoted_escaped(sep, s, is_key);
}

[[gnu::noinline]] inline void json_writer::quoted_escaped(int sep, std::string_view s, bool is_key) noexcept {
  const unsigned char* const begin = reinterpret_cast<const unsigned char*>(s.data());
  const unsigned char* const end = begin + s.size();
  const std::size_t lead = sep != 0 ? 1 : 0;
  const std::size_t tail = is_key ? 2 : 1;
  const unsigned char* const special = detail::skip_plain(begin, end);
  if (special == end) {
    if (char* dst = out_.room_for(lead + 1 + s.size() + tail)) {
      dst[0] = static_cast<char>(sep);
      dst[lead] = '"';
      if (!s.empty()) std::memcpy(dst + lead + 1, s.data(), s.size());
      char* after = dst + lead + 1 + s.size();
      after[0] = '"';
      if (is_key) after[1] = ':';
      out_.commit(lead + 1 + s.size() + tail);
      return;
    }
  }
  if (sep != 0) out_.put(static_cast<char>(sep));
  out_.put('"');
  detail::write_escaped_rest(out_, begin, special, end);
  out_.write("\":", tail);
}

inline json_writer& json_writer::string(std::string_view s) noexcept {
  const int sep = begin_value();
  if (sep >= 0) quoted(sep, s, false);
  return *this;
}

inline json_writer& json_writer::ascii_string(std::string_view s) noexcept {
  const int sep = begin_value();
  if (sep < 0) return *this;
  const std::size_t lead = sep != 0 ? 1 : 0;
  if (char* dst = out_.room_for(lead + 2 + s.size())) {
    dst[0] = static_cast<char>(sep);
    dst[lead] = '"';
    if (!s.empty()) std::memcpy(dst + lead + 1, s.data(), s.size());
    dst[lead + 1 + s.size()] = '"';
    out_.commit(lead + 2 + s.size());
    return *this;
  }
  quoted(sep, s, false);
  return *this;
}

inline json_writer& json_writer::number(std::int64_t v) noexcept {
  return formatted<20>([v](char* p) noexcept { return detail::format_int(p, v); });
}

inline json_writer& json_writer::number(std::uint64_t v) noexcept {
  return formatted<20>([v](char* p) noexcept { return detail::format_uint(p, v); });
}

inline json_writer& json_writer::number(double v) noexcept {
  return formatted<32>([v](char* p) noexcept { return detail::format_double(p, v); });
}

inline json_writer& json_writer::boolean(bool v) noexcept {
  return v ? scalar("true", 4) : scalar("false", 5);
}

inline json_writer& json_writer::null() noexcept { return scalar("null", 4); }

inline json_writer& json_writer::raw(std::string_view json) noexcept {
  return scalar(json.data(), json.size());
}

inline json_writer& json_writer::hex(const std::uint8_t* bytes, std::size_t n) noexcept {
  const int sep = begin_value();
  if (sep < 0) return *this;
  const std::size_t lead = sep != 0 ? 1 : 0;
  if (n <= 32) {  // ids: straight into the buffer when it has room
    if (char* dst = out_.room_for(lead + 2 * n + 2)) {
      dst[0] = static_cast<char>(sep);
      dst[lead] = '"';
      detail::hex_lower(dst + lead + 1, bytes, n);
      dst[lead + 1 + 2 * n] = '"';
      out_.commit(lead + 2 * n + 2);
      return *this;
    }
  }
  if (sep != 0) out_.put(static_cast<char>(sep));
  out_.put('"');
  char buf[64];
  while (n > 0) {
    const std::size_t k = n < sizeof buf / 2 ? n : sizeof buf / 2;
    detail::hex_lower(buf, bytes, k);
    out_.write(buf, 2 * k);
    bytes += k;
    n -= k;
  }
  out_.put('"');
  return *this;
}

inline json_writer& json_writer::timestamp(std::int64_t epoch_us) noexcept {
  timestamp_cache fresh;
  return timestamp(epoch_us, fresh);
}

inline json_writer& json_writer::timestamp(std::int64_t epoch_us, timestamp_cache& cache) noexcept {
  if (epoch_us < 0 || epoch_us > detail::max_epoch_us) epoch_us = 0;  // as format_rfc3339 does
  const detail::divmod_result s_us = detail::divmod_u64(static_cast<std::uint64_t>(epoch_us), 1000000);
  if (static_cast<std::int64_t>(s_us.quot) != cache.secs) {
    char text[27];
    detail::format_rfc3339(text, epoch_us);
    std::memcpy(cache.text, text, sizeof cache.text);
    cache.secs = static_cast<std::int64_t>(s_us.quot);
  }
  const unsigned frac = s_us.rem;
  return formatted<29>([&cache, frac](char* p) noexcept {
    p[0] = '"';
    std::memcpy(p + 1, cache.text, sizeof cache.text);
    p[20] = '.';
    detail::put2(p + 21, frac / 10000);
    detail::put2(p + 23, frac / 100 % 100);
    detail::put2(p + 25, frac % 100);
    p[27] = 'Z';
    p[28] = '"';
    return std::size_t{29};
  });
}

inline json_writer& json_writer::seconds(std::int64_t epoch_us) noexcept {
  if (epoch_us < 0 || epoch_us > detail::max_epoch_us) epoch_us = 0;
  return formatted<19>([epoch_us](char* p) noexcept {  // 12 digits until 9999, '.', 6 digits
    const detail::divmod_result qr = detail::divmod_u64(static_cast<std::uint64_t>(epoch_us), 1000000);  // >= 0 here
    std::size_t n = detail::format_uint(p, qr.quot);
    p[n++] = '.';
    const unsigned frac = qr.rem;
    detail::put2(p + n, frac / 10000);
    detail::put2(p + n + 2, frac / 100 % 100);
    detail::put2(p + n + 4, frac % 100);
    return n + 6;
  });
}

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_JSON_HPP
