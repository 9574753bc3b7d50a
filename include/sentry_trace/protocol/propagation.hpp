// sentry_trace/propagation.hpp -- sentry-trace, traceparent and baggage: parse and format
//
// WHAT IT DOES  Reads the headers that carry a distributed trace into a service, and writes the
//               ones that carry it out (PROTOCOL.md §7, §8):
//               - `sentry-trace`  `<trace_id>-<span_id>[-1|-0]`, matched exactly as @sentry/core
//                                 11's TRACEPARENT_REGEXP matches it (parse_sentry_trace);
//               - `traceparent`   W3C Trace Context, version 00 and later versions
//                                 (parse_traceparent; our extension: @sentry/core ignores it);
//               - `baggage`       W3C baggage, split into the Sentry members (the dynamic sampling
//                                 context, DSC, decoded) and the other vendors' members (kept
//                                 verbatim and passed on), in fixed buffers (class baggage).
//               Members are split and decoded the way @sentry/core's parseBaggageHeader does:
//               split on ',', cut at the first '=', trim, percent-decode; a member without '='
//               is ignored; an empty key or value, or one decodeURIComponent would reject, drops
//               the member; a later duplicate wins. Outgoing values are percent-encoded as
//               sentry-native does (everything but RFC 3986 unreserved bytes).
//
// STEP BY STEP  sentry_trace::trace_parent parent;
//               sentry_trace::baggage bag;                          // ~9.5 KiB: keep it static
//               bool continued = sentry_trace::parse_sentry_trace(hdr_sentry_trace, parent) ||
//                                sentry_trace::parse_traceparent(hdr_traceparent, parent);
//               bag.parse(hdr_baggage);                             // once per baggage header
//               ...
//               char out[SENTRY_TRACE_MAX_BAGGAGE];
//               std::size_t n = bag.write_header(out, sizeof out);  // outgoing `baggage` value
//
// DOES NOT      allocate, throw, lock, read the locale, or keep pointers into the caller's memory:
//               every member is copied into the object's own buffers.
//
// CONFIG        (default)  meaning                                               every TU must agree?
//   SENTRY_TRACE_MAX_BAGGAGE  (8192)  bytes of a baggage value kept (third-party members) and     yes
//                                     written (the whole outgoing value): the W3C minimum
//   SENTRY_TRACE_MAX_DSC      (1024)  bytes of Sentry members kept: the sum of each decoded key    yes
//                                     (without "sentry-") and value
//               Member count: at most 64 (the W3C minimum) Sentry members and 64 third-party
//               members are kept; at most 64 members are written.
//
// COST          parse() reads each member once, eight bytes at a time, to find control bytes,
//               escapes and non-ASCII; only a key or value with a '%' is decoded unit by unit,
//               only one with bytes of 0x80 or more is checked as UTF-8. write_header() encodes
//               each member once, in place. tests/test_propagation.cpp pins the cases of each path.
//
// RAM           sizeof(baggage) = SENTRY_TRACE_MAX_BAGGAGE + SENTRY_TRACE_MAX_DSC (rounded up to a
//               multiple of 4) + 64 * 8 + 16 bytes: 9744 with the defaults; tests/test_propagation.cpp
//               pins it. Parsing uses a few dozen bytes of stack and no scratch buffer.
//
// THREADS       The free functions are reentrant. A baggage object is not thread-safe; its const
//               members may be called from several threads at once.
//
// ERRORS        Bad input never reaches the output and is never an error to the caller:
//               - a sentry-trace or traceparent value that does not match, or has an all-zero id,
//                 makes the parse function return false with `out` untouched (start a new trace);
//               - a baggage member with a control character (CR, LF, NUL, TAB inside, ...) in its
//                 raw text is dropped, so no header line can be split; so is a Sentry member whose
//                 decoded key or value holds one (%0D%0A) or whose key is empty after "sentry-";
//               - members past the limits are dropped whole and counted in dropped_members().
//
// SPEC          https://develop.sentry.dev/sdk/foundations/trace-propagation/
//               https://develop.sentry.dev/sdk/foundations/trace-propagation/dynamic-sampling-context/
//               https://www.w3.org/TR/trace-context/ (traceparent), https://www.w3.org/TR/baggage/

#ifndef SENTRY_TRACE_PROPAGATION_HPP
#define SENTRY_TRACE_PROPAGATION_HPP

#include "../config.hpp"
#include "ids.hpp"
#include "json.hpp"
#include "../core/platform.hpp"
#include "sampling.hpp"
#include "text.hpp"
#include "../face/span.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

// SENTRY_TRACE_MAX_BAGGAGE and SENTRY_TRACE_MAX_DSC get their defaults and checks in config.hpp,
// with the other switches that shape a transaction block (the layout guard compares them).

SENTRY_TRACE_DETAIL_BEGIN

/// A parsed sentry-trace or traceparent value.
struct trace_parent {
  trace_id trace;      ///< never zero after a successful parse
  span_id parent;      ///< zero when a sentry-trace value carried only a trace id
  parent_decision sampled = parent_decision::none;  ///< none: deferred (sentry-trace without a flag)
};

/// Parses a `sentry-trace` value. Matches `^[ \t]*([0-9a-f]{32})?-?([0-9a-f]{16})?-?([01])?[ \t]*$`
/// exactly as @sentry/core 11's TRACEPARENT_REGEXP does, backtracking included
/// ("<32 hex>1" is a trace id with the flag 1; "<32 hex>-<16 hex>-" has no flag). A match without
/// a trace id counts as no header (false). A bare trace id is accepted (parent zero). An all-zero
/// trace id or span id is rejected (false), where @sentry/core would continue it. On false, `out`
/// is untouched. Reentrant; no allocation.
bool parse_sentry_trace(std::string_view value, trace_parent& out) noexcept;

/// Parses a W3C `traceparent` value: `<version>-<32 hex trace-id>-<16 hex parent-id>-<2 hex flags>`,
/// lowercase, surrounded by optional spaces/tabs. Version 00 must be exactly 55 characters; version
/// ff is invalid; a later version is accepted when its first 55 characters have the version-00
/// shape and it ends there or continues with '-' (W3C "versioning of traceparent"). All-zero ids
/// are invalid. Flag bit 0 gives `sampled` or `not_sampled` (never `none`). On false, `out` is
/// untouched. @sentry/core 11 and sentry-native do not read an incoming traceparent; we do.
bool parse_traceparent(std::string_view value, trace_parent& out) noexcept;

namespace detail {
struct member_text;     // a key or value as received or given, measured (below)
class baggage_writer;   // an outgoing value, written member by member (below)
}  // namespace detail

/// The incoming `baggage`, split in two and copied into fixed buffers:
/// - Sentry members (`sentry-<key>=<value>`, key decoded before the prefix is checked): decoded,
///   a later duplicate replaces the value in the first one's position, at most 64 members and
///   SENTRY_TRACE_MAX_DSC bytes (decoded key without "sentry-" plus value, summed).
/// - Third-party members: kept verbatim as `key=value` (key and value trimmed of spaces/tabs,
///   `;properties` kept as part of the value), joined with ",", at most 64 members and
///   SENTRY_TRACE_MAX_BAGGAGE bytes. Duplicates are kept (the receiver takes the last).
/// Member rules, as @sentry/core's parseBaggageHeader: split on ','; cut at the first '='; trim
/// key and value; a member without '=' is ignored; an empty key or value drops it; a key or value
/// that decodeURIComponent would reject (a bad escape such as %zz or a trailing %, or escapes that
/// are not well-formed UTF-8 such as %FF) drops it. Further, where @sentry/core keeps them: a member
/// whose raw text holds a control byte (< 0x20 or 0x7f, tabs inside included) is dropped; a
/// Sentry member whose decoded key or value holds one, or whose key is empty after "sentry-", is
/// dropped. Only members dropped for the limits are counted in dropped_members(); malformed
/// members are not. Several headers may be parsed in turn: they are joined as one.
/// Not thread-safe; copyable (no pointers inside). Never allocates or throws.
class baggage {
 public:
  /// Maximum members kept of each kind, and written in all: the W3C minimum.
  static constexpr std::size_t max_members = 64;

  /// Empty. The buffers are left uninitialised: construction costs a few stores, not 9 KiB.
  baggage() noexcept = default;
  /// Copies only the bytes in use.
  baggage(const baggage& o) noexcept { *this = o; }
  baggage& operator=(const baggage& o) noexcept;
  /// Adds the members of one `baggage` header value. Call once per header: the members join.
  void parse(std::string_view header) noexcept;
  /// Forgets every member and the dropped count.
  void clear() noexcept;
  /// Forgets the Sentry members only, keeping the third-party ones (a trace that starts here
  /// passes the others' members on under its own DSC).
  void clear_sentry_members() noexcept {
    dsc_used_ = 0;
    sentry_count_ = 0;
  }

  /// The decoded value of `sentry-<key>` (`key` given without the prefix), or empty when absent.
  /// Valid until this object is next changed.
  std::string_view sentry(std::string_view key) const noexcept;
  bool has_sentry_members() const noexcept { return sentry_count_ != 0; }
  std::size_t sentry_member_count() const noexcept { return sentry_count_; }
  /// The i-th Sentry member, in order of first appearance: key without "sentry-", and decoded
  /// value. Empty when i >= sentry_member_count(). Valid until this object is next changed.
  std::string_view sentry_key(std::size_t i) const noexcept;
  std::string_view sentry_value(std::size_t i) const noexcept;
  /// Adds `sentry-<key>`, or replaces its value in place (used when this service adds
  /// sample_rand / sample_rate to a frozen DSC). Both are copied. False, and nothing changed, when
  /// there is no room (bytes or members), or when the key or value is empty, holds a control byte
  /// or is not well-formed UTF-8.
  bool set_sentry(std::string_view key, std::string_view decoded_value) noexcept;

  /// The third-party members, "k=v,k2=v2;prop" as received (trimmed), or empty.
  std::string_view third_party() const noexcept { return std::string_view(tp_, tp_len_); }
  /// Members dropped because a limit (bytes or count) was reached, since construction or clear().
  std::uint32_t dropped_members() const noexcept { return dropped_; }

  /// Writes the outgoing `baggage` value into out[0, cap): the Sentry members first, as
  /// `sentry-<key>=<value>` percent-encoded like sentry-native (every byte but A-Za-z0-9-._~),
  /// then the third-party members verbatim, comma-separated. Whole members only: a member that
  /// would take the value past min(cap, SENTRY_TRACE_MAX_BAGGAGE) bytes, or past 64 members, is
  /// skipped and later, smaller ones still go (as @sentry/core's objectToBaggageHeader skips).
  /// Sentry members come first so they survive. No NUL is written; out[result, cap) may hold
  /// the scraps of a member that did not fit. Returns the bytes written (0 when there is
  /// nothing to send: send no header then). `out` may be null when cap is 0.
  std::size_t write_header(char* out, std::size_t cap) const noexcept;
  /// Writes the third-party members through `w`, as write_header() does after the Sentry ones:
  /// for a value whose Sentry members come from elsewhere (a DSC made here).
  void write_third_party(detail::baggage_writer& w) const noexcept;
  /// Writes the Sentry members as one JSON object, {"trace_id":"…","public_key":"…",…}, every
  /// value a string, in the order of sentry_key(): the envelope header's `trace`.
  void write_json(json_writer& w) const noexcept;

 private:
  struct entry {
    std::uint16_t key_off, key_len, value_off, value_len;
  };
  bool put_sentry(const detail::member_text& key, const detail::member_text& value) noexcept;
  /// Adds one member, `member` cut at its first '=' (at `eq`).
  void add_member(std::string_view member, std::size_t eq) noexcept;

  char dsc_[SENTRY_TRACE_MAX_DSC];          // decoded keys and values, packed
  char tp_[SENTRY_TRACE_MAX_BAGGAGE];       // third-party members, comma-joined
  entry entries_[max_members];              // Sentry members in order of first appearance
  std::uint32_t dsc_used_ = 0;
  std::uint32_t tp_len_ = 0;
  std::uint16_t sentry_count_ = 0;
  std::uint16_t tp_count_ = 0;
  std::uint32_t dropped_ = 0;
};

namespace detail {

/// Percent-decodes `in` into out[0, cap), setting `out_len` to the decoded length. '+' is not a
/// space (decodeURIComponent). False on a bad escape (%zz, a % with fewer than two hex digits
/// after it), on a decoded byte below 0x20 or 0x7f, raw or escaped (control characters never
/// survive into a DSC value), or when the result does not fit in `cap`; `out` then holds a
/// partial result and `out_len` what was written. Does not check UTF-8 (baggage does).
bool percent_decode(std::string_view in, char* out, std::size_t cap, std::size_t& out_len) noexcept;

/// Percent-encodes `in` into `out`: every byte except the RFC 3986 unreserved set A-Za-z0-9-._~
/// becomes %XX with uppercase hex, as sentry-native does (so '/', '@', ' ' and ',' are all
/// escaped). Writes through the sink, so truncation follows the sink's rules: when the sink
/// cannot take the bytes it keeps the error and total() reports the bytes needed;
/// percent_encoded_length() gives the same figure beforehand.
void percent_encode(sink& out, std::string_view in) noexcept;

/// The length percent_encode() writes for `in`.
std::size_t percent_encoded_length(std::string_view in) noexcept;

/// Writes "<32 hex>-<16 hex>-1", "…-0", or, while the decision is deferred (none), no flag,
/// into out[0, 51). Returns the length (51 or 49). No NUL.
std::size_t format_sentry_trace(char* out, const trace_id& t, span_id s, parent_decision sampled) noexcept;

/// Writes "00-<32 hex>-<16 hex>-01" when sampled, else "…-00" (deferred included, as
/// @sentry/core's generateTraceparentHeader), into out[0, 55). Returns 55. No NUL.
std::size_t format_traceparent(char* out, const trace_id& t, span_id s, bool sampled) noexcept;

/// Whether to add trace headers to an outgoing request to `url`, as @sentry/core 11's
/// shouldPropagateTraceForUrl decides for string targets:
/// - targets not set (`targets_set` false, the default of @sentry/node 11, which sets none):
///   every URL gets them;
/// - targets set: only a URL that contains one of targets[0, count) as a substring, compared
///   case-insensitively (core's matchesTracePropagationTargets lowercases both; we fold ASCII
///   only). A set but empty list therefore matches nothing; an empty string target matches
///   every URL. Regular-expression targets are not supported.
bool should_propagate(std::string_view url, const std::string_view* targets, std::size_t count,
                      bool targets_set) noexcept;

} // namespace detail

// ================================================================================================
// implementation
// ================================================================================================

namespace detail {

constexpr bool is_control(unsigned char c) noexcept { return c < 0x20 || c == 0x7f; }

constexpr bool is_unreserved(unsigned char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}


constexpr bool all_lower_hex(std::string_view s, std::size_t pos, std::size_t n) noexcept {
  if (pos > s.size() || s.size() - pos < n) return false;
  for (std::size_t i = 0; i < n; ++i)
    if (!is_lower_hex(s[pos + i])) return false;
  return true;
}

/// Where TRACEPARENT_REGEXP's groups matched in a value stripped of its surrounding spaces/tabs
/// (the regex's `[ \t]*` at both ends can take only those, and nothing between them can).
struct sentry_trace_match {
  bool has_trace = false, has_span = false;
  char flag = 0;  // '0', '1' or 0 for none
  std::size_t span_pos = 0;
};

/// `([0-9a-f]{32})?-?([0-9a-f]{16})?-?([01])?` against the whole of `s`, trying the alternatives
/// in the order a backtracking regex engine does (each optional part present first), so the
/// first full match, and thus the captures, are those JavaScript reports.
constexpr bool match_sentry_trace(std::string_view s, sentry_trace_match& m) noexcept {
  const std::size_t n = s.size();
  for (int g1 = 1; g1 >= 0; --g1) {
    std::size_t p1 = 0;
    if (g1 && !all_lower_hex(s, 0, 32)) continue;
    if (g1) p1 = 32;
    for (int d1 = 1; d1 >= 0; --d1) {
      std::size_t p2 = p1;
      if (d1 && !(p2 < n && s[p2] == '-')) continue;
      if (d1) ++p2;
      for (int g2 = 1; g2 >= 0; --g2) {
        std::size_t p3 = p2;
        if (g2 && !all_lower_hex(s, p3, 16)) continue;
        if (g2) p3 += 16;
        for (int d2 = 1; d2 >= 0; --d2) {
          std::size_t p4 = p3;
          if (d2 && !(p4 < n && s[p4] == '-')) continue;
          if (d2) ++p4;
          for (int g3 = 1; g3 >= 0; --g3) {
            std::size_t p5 = p4;
            if (g3 && !(p5 < n && (s[p5] == '0' || s[p5] == '1'))) continue;
            if (g3) ++p5;
            if (p5 != n) continue;
            m.has_trace = g1 != 0;
            m.has_span = g2 != 0;
            m.span_pos = p2;
            m.flag = g3 ? s[p4] : '\0';
            return true;
          }
        }
      }
    }
  }
  return false;
}

/// Reads one unit of percent-encoded text at s[i]: an escape %XX (either case) or a raw byte.
/// False on a bad escape.
constexpr bool read_unit(std::string_view s, std::size_t& i, unsigned char& byte, bool& escaped) noexcept {
  if (s[i] != '%') {
    byte = static_cast<unsigned char>(s[i]);
    escaped = false;
    ++i;
    return true;
  }
  if (s.size() - i < 3) return false;
  const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
  if (hi < 0 || lo < 0) return false;
  byte = static_cast<unsigned char>(hi * 16 + lo);
  escaped = true;
  i += 3;
  return true;
}

/// Well-formed UTF-8 over units read by `read` (raw bytes, or escapes and raw bytes): the
/// Unicode 15 table 3-7 ranges, so no overlongs, surrogates or values past U+10FFFF. A sequence
/// must not mix escaped and raw bytes.
template <class Read> constexpr bool well_formed_utf8(std::string_view s, Read read) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    unsigned char b = 0;
    bool esc = false;
    if (!read(s, i, b, esc)) return false;
    if (b < 0x80) continue;
    int more = 0;
    unsigned lo = 0x80, hi = 0xBF;  // range of the first continuation byte
    if (b >= 0xC2 && b <= 0xDF) {
      more = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
      more = 2;
      if (b == 0xE0) lo = 0xA0;
      if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      more = 3;
      if (b == 0xF0) lo = 0x90;
      if (b == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    for (int k = 0; k < more; ++k) {
      unsigned char c = 0;
      bool cesc = false;
      if (i >= s.size() || !read(s, i, c, cesc) || cesc != esc || c < lo || c > hi) return false;
      lo = 0x80;
      hi = 0xBF;
    }
  }
  return true;
}

/// True when decodeURIComponent would accept `s` (ECMAScript Decode): every escape is %XX, and an
/// escaped byte of 0x80 or more starts a well-formed UTF-8 sequence whose continuation bytes are
/// escapes too. Raw bytes must be well-formed UTF-8 themselves: they stand for the characters of
/// the JavaScript string.
constexpr bool uri_decodable(std::string_view s) noexcept { return well_formed_utf8(s, read_unit); }

/// Well-formed UTF-8, every byte taken as itself.
constexpr bool valid_utf8(std::string_view s) noexcept {
  return well_formed_utf8(s, [](std::string_view t, std::size_t& i, unsigned char& b, bool& esc) {
    b = static_cast<unsigned char>(t[i++]);
    esc = false;
    return true;
  });
}

/// What a run of raw bytes holds, as classify_bytes() finds it. Text with none of these is
/// plain ASCII: decodeURIComponent gives it back as it is, so it needs no other look.
enum raw_byte_kinds : unsigned {
  raw_control = 1,  ///< a byte below 0x20, or 0x7f
  raw_percent = 2,  ///< a '%': escapes to read
  raw_high = 4,     ///< a byte of 0x80 or more: UTF-8 to check
};

/// `b` in each of a word's eight bytes.
constexpr std::uint64_t in_each_byte(unsigned char b) noexcept { return 0x0101010101010101ull * b; }

/// Calls take(word) for the bytes of `s`, eight at a time, in words of either byte order: the
/// last word overlaps the one before it (a word trick asking whether any byte is of a kind
/// does not mind a byte seen twice), and a text shorter than eight bytes is padded with 'a',
/// which is of no kind asked here.
template <class Take> inline void for_each_word(std::string_view s, Take&& take) noexcept {
  const char* p = s.data();
  std::size_t n = s.size();
  std::uint64_t w = in_each_byte('a');
  if (n < 8) {
    for (std::size_t i = 0; i < n; ++i) w = (w << 8) | static_cast<unsigned char>(p[i]);
    take(w);
    return;
  }
  for (; n > 8; n -= 8, p += 8) {
    std::memcpy(&w, p, 8);
    take(w);
  }
  std::memcpy(&w, p + n - 8, 8);
  take(w);
}

// The word tricks below: "a byte below n" is (w - n * ones) & ~w (n <= 0x80), "a byte above n"
// is (w + (0x7f - n) * ones) | w, and "a byte equal to c" is "a byte below 1" of w ^ c * ones.
// Their borrows and carries can mark a byte falsely only above one they mark truly, so the
// high bits of their marks, gathered over every word and read once at the end, are exact as to
// whether any byte is one.

/// Whether `s` holds anything but printable ASCII without a '%': a control byte, a byte of 0x80
/// or more, or an escape. Most members hold none, and then nothing else needs reading.
inline bool has_special_bytes(std::string_view s) noexcept {
  constexpr std::uint64_t ones = in_each_byte(1);
  std::uint64_t marks = 0;
  for_each_word(s, [&](std::uint64_t w) {
    const std::uint64_t pct = w ^ in_each_byte('%');
    marks |= ((w - in_each_byte(0x20)) & ~w) | (w + ones) | w | ((pct - ones) & ~pct);
  });
  return (marks & in_each_byte(0x80)) != 0;
}

/// The raw_byte_kinds in `s`, in one pass of eight bytes a step.
inline unsigned classify_bytes(std::string_view s) noexcept {
  constexpr std::uint64_t ones = in_each_byte(1), highs = in_each_byte(0x80);
  std::uint64_t control = 0, percent = 0, all = 0;
  for_each_word(s, [&](std::uint64_t w) {
    const std::uint64_t del = w ^ in_each_byte(0x7f), pct = w ^ in_each_byte('%');
    control |= ((w - in_each_byte(0x20)) & ~w) | ((del - ones) & ~del);
    percent |= (pct - ones) & ~pct;
    all |= w;
  });
  return ((control & highs) ? unsigned{raw_control} : 0u) | ((percent & highs) ? unsigned{raw_percent} : 0u) |
         ((all & highs) ? unsigned{raw_high} : 0u);
}

/// A member's key or value, either as received (`encoded`: it holds escapes, read unit by unit
/// with read_unit) or as its bytes stand (received without a '%', or given to set_sentry),
/// measured once: its decoded length, and whether a decoded byte is a control byte. `skip`
/// leading decoded bytes of an encoded text are left out (the "sentry-" prefix, which may itself
/// be encoded); a plain text is cut instead.
struct member_text {
  std::string_view text;
  bool encoded = false;
  std::size_t skip = 0;
  std::size_t length = 0;  ///< decoded bytes, the skipped ones excluded
  bool control = false;    ///< a decoded byte is a control byte (received: only an escape makes one)

  static member_text plain(std::string_view s) noexcept { return member_text{s, false, 0, s.size(), false}; }

  /// `raw` as received, with its raw_byte_kinds (no raw_control); false when decodeURIComponent
  /// would reject it (JS: URIError). Plain ASCII is taken as it is; text with escapes is read
  /// once, checked and measured in the same pass; raw UTF-8 without escapes is checked.
  static bool received(std::string_view raw, unsigned kinds, member_text& out) noexcept {
    out = plain(raw);
    if (kinds & raw_percent) {
      std::size_t units = 0;
      bool control = false;
      const bool ok = well_formed_utf8(raw, [&](std::string_view t, std::size_t& i, unsigned char& b, bool& esc) {
        if (!read_unit(t, i, b, esc)) return false;
        ++units;
        control = control || is_control(b);
        return true;
      });
      out.encoded = true;
      out.length = units;
      out.control = control;
      return ok;
    }
    return !(kinds & raw_high) || valid_utf8(raw);
  }

  /// The text without its first `n` decoded bytes (n <= length).
  member_text without_prefix(std::size_t n) const noexcept {
    member_text m = *this;
    if (encoded) m.skip += n;
    else m.text.remove_prefix(n);
    m.length -= n;
    return m;
  }
  /// Whether the decoded text starts with `prefix` (not empty).
  bool starts_with(std::string_view prefix) const noexcept {
    if (!encoded) return text.size() >= prefix.size() && std::memcmp(text.data(), prefix.data(), prefix.size()) == 0;
    std::size_t k = 0;
    each_decoded([&](unsigned char b) {
      if (static_cast<unsigned char>(prefix[k]) != b) {
        k = prefix.size() + 1;  // a mismatch
        return false;
      }
      return ++k < prefix.size();
    });
    return k == prefix.size();
  }
  bool equals(std::string_view other) const noexcept {
    if (other.size() != length) return false;
    if (!encoded) return length == 0 || std::memcmp(text.data(), other.data(), length) == 0;
    std::size_t k = 0;
    return each_decoded([&](unsigned char b) { return static_cast<unsigned char>(other[k++]) == b; });
  }
  /// Writes the `length` decoded bytes at `out`.
  void copy_to(char* out) const noexcept {
    if (!encoded) {
      if (length) std::memcpy(out, text.data(), length);
      return;
    }
    std::size_t k = 0;
    each_decoded([&](unsigned char b) { return out[k++] = static_cast<char>(b), true; });
  }

 private:
  /// Calls fn(byte) for each decoded byte of an encoded text past `skip`, until fn returns
  /// false (then false). The text was checked when received, so every escape reads.
  template <class Fn> bool each_decoded(Fn&& fn) const noexcept {
    std::size_t i = 0, n = 0;
    while (i < text.size()) {
      unsigned char b = 0;
      bool esc = false;
      if (!read_unit(text, i, b, esc)) return false;
      if (n++ >= skip && !fn(b)) return false;
    }
    return true;
  }
};

/// The RFC 3986 unreserved bytes, A-Za-z0-9-._~, as a table: a lookup a byte where encoding
/// asked seven comparisons.
struct byte_set {
  bool has[256] = {};
};
constexpr byte_set unreserved_bytes() noexcept {
  byte_set set;
  for (unsigned c = 0; c < 256; ++c) set.has[c] = is_unreserved(static_cast<unsigned char>(c));
  return set;
}
inline constexpr byte_set unreserved_set = unreserved_bytes();

/// Appends `bytes` at out[pos, limit), advancing `pos`; false, and `pos` unchanged, when they do
/// not fit.
inline bool append_bytes(char* out, std::size_t limit, std::size_t& pos, std::string_view bytes) noexcept {
  if (bytes.size() > limit - pos) return false;
  if (!bytes.empty()) std::memcpy(out + pos, bytes.data(), bytes.size());  // out may be null when empty
  pos += bytes.size();
  return true;
}

/// Whether all eight bytes of `w` are unreserved (A-Za-z0-9-._~), in either byte order. For a
/// byte x below 0x80, (x | 0x80) - lo has its high bit set exactly when x >= lo, and
/// (0x80 | hi) - x exactly when x <= hi, neither borrowing from the next byte; letters are
/// tested folded to lowercase (x | 0x20).
constexpr bool word_unreserved(std::uint64_t w) noexcept {
  constexpr std::uint64_t highs = in_each_byte(0x80);
  const std::uint64_t x = w & ~highs, x_high = w | highs, folded = x | in_each_byte(0x20);
  const std::uint64_t letter = ((folded | highs) - in_each_byte('a')) & (in_each_byte(0x80 | 'z') - folded);
  const std::uint64_t digit = (x_high - in_each_byte('0')) & (in_each_byte(0x80 | '9') - x);
  const std::uint64_t dash_dot = (x_high - in_each_byte('-')) & (in_each_byte(0x80 | '.') - x);
  const std::uint64_t underscore = (x_high - in_each_byte('_')) & (in_each_byte(0x80 | '_') - x);
  const std::uint64_t tilde = (x_high - in_each_byte('~')) & (in_each_byte(0x80 | '~') - x);
  // A byte of 0x80 or more is reserved: its own high bit clears the result's.
  return ((letter | digit | dash_dot | underscore | tilde) & ~w & highs) == highs;
}

/// The raw_control or raw_high kind of an escaped byte (0 for any other).
constexpr unsigned escaped_kind(unsigned char c) noexcept {
  return is_control(c) ? unsigned{raw_control} : c >= 0x80 ? unsigned{raw_high} : 0u;
}

/// Appends `in` percent-encoded as percent_encode() does at out[pos, limit), advancing `pos`, in
/// one pass, and adds to `seen` the raw_byte_kinds of what it escaped (so a caller checks a text
/// as it writes it); false, and `pos` unchanged, when it does not fit (out[pos, limit) may then
/// hold part of it).
inline bool append_percent_encoded(char* out, std::size_t limit, std::size_t& pos, std::string_view in,
                                   unsigned& seen) noexcept {
  std::size_t at = pos;
  // A reserved byte as %XX at `at` (room for three bytes checked by the caller).
  const auto escape = [&](unsigned char c) noexcept {
    seen |= escaped_kind(c);
    out[at] = '%';
    out[at + 1] = hex_upper[c >> 4];
    out[at + 2] = hex_upper[c & 0xF];
    at += 3;
  };
  if (in.size() <= (limit - at) / 3) {
    // Room for every byte escaped: no bound to check byte by byte. Leading words of eight
    // unreserved bytes (ids, numbers, names) are copied whole; the rest a byte at a time.
    std::size_t i = 0;
    for (; in.size() - i >= 8; i += 8, at += 8) {
      std::uint64_t w;
      std::memcpy(&w, in.data() + i, 8);
      if (!word_unreserved(w)) break;
      std::memcpy(out + at, &w, 8);
    }
    for (char ch : std::string_view(in.data() + i, in.size() - i)) {
      const auto c = static_cast<unsigned char>(ch);
      if (unreserved_set.has[c]) {
        out[at++] = ch;
        continue;
      }
      escape(c);
    }
  } else {
    for (char ch : in) {
      const auto c = static_cast<unsigned char>(ch);
      const bool as_is = unreserved_set.has[c];
      if ((as_is ? 1u : 3u) > limit - at) return false;
      if (as_is) {
        out[at++] = ch;
        continue;
      }
      escape(c);
    }
  }
  pos = at;
  return true;
}

/// Writes an outgoing `baggage` value member by member into out[0, min(cap,
/// SENTRY_TRACE_MAX_BAGGAGE)), as baggage::write_header() describes: each member in place in one
/// pass, whole members only (one that does not fit is taken back, its scraps left past size(),
/// and later, smaller ones still go), at most baggage::max_members of them.
class baggage_writer {
 public:
  enum result { written, no_room, refused };

  baggage_writer(char* out, std::size_t cap) noexcept
      : out_(out), limit_(cap < SENTRY_TRACE_MAX_BAGGAGE ? cap : SENTRY_TRACE_MAX_BAGGAGE) {}

  /// `sentry-<key>=<value>`, key and value percent-encoded, of a member a baggage holds.
  result sentry_member(std::string_view key, std::string_view decoded_value) noexcept {
    unsigned seen = 0;
    return put_sentry_member(key, decoded_value, seen);
  }
  /// The same for a member no baggage has checked: refused, and nothing written, where
  /// baggage::set_sentry() would refuse it (empty, a control byte, not well-formed UTF-8). The
  /// check rides on the encoding: only escaped bytes can be control bytes or UTF-8.
  result checked_sentry_member(std::string_view key, std::string_view decoded_value) noexcept {
    if (key.empty() || decoded_value.empty()) return refused;
    const std::size_t start = pos_, members = members_;
    unsigned seen = 0;
    const result r = put_sentry_member(key, decoded_value, seen);
    if ((seen & raw_control) || ((seen & raw_high) && (!valid_utf8(key) || !valid_utf8(decoded_value)))) {
      pos_ = start;
      members_ = members;
      return refused;
    }
    return r;
  }
  /// A member written as it is (a third-party "key=value;props").
  result raw_member(std::string_view member) noexcept {
    std::size_t at = pos_;
    if (members_ >= max_members || !append_bytes(out_, limit_, at, pos_ ? "," : "") ||
        !append_bytes(out_, limit_, at, member))
      return no_room;
    pos_ = at;
    ++members_;
    return written;
  }
  bool full() const noexcept { return members_ >= max_members; }
  std::size_t size() const noexcept { return pos_; }

 private:
  static constexpr std::size_t max_members = 64;  // baggage::max_members
  result put_sentry_member(std::string_view key, std::string_view value, unsigned& seen) noexcept {
    std::size_t at = pos_;
    if (members_ >= max_members || !append_bytes(out_, limit_, at, pos_ ? ",sentry-" : "sentry-") ||
        !append_percent_encoded(out_, limit_, at, key, seen) || !append_bytes(out_, limit_, at, "=") ||
        !append_percent_encoded(out_, limit_, at, value, seen))
      return no_room;
    pos_ = at;
    ++members_;
    return written;
  }

  char* out_;
  std::size_t limit_;
  std::size_t pos_ = 0;
  std::size_t members_ = 0;
};

inline bool percent_decode(std::string_view in, char* out, std::size_t cap, std::size_t& out_len) noexcept {
  std::size_t i = 0, n = 0;
  out_len = 0;
  while (i < in.size()) {
    unsigned char b = 0;
    bool esc = false;
    if (!read_unit(in, i, b, esc) || is_control(b) || n >= cap) return false;
    out[n++] = static_cast<char>(b);
    out_len = n;
  }
  return true;
}

inline std::size_t percent_encoded_length(std::string_view in) noexcept {
  std::size_t n = 0;
  for (char c : in) n += unreserved_set.has[static_cast<unsigned char>(c)] ? 1 : 3;
  return n;
}

inline void percent_encode(sink& out, std::string_view in) noexcept {
  std::size_t run = 0;  // start of the pending run of unreserved bytes
  for (std::size_t i = 0; i < in.size(); ++i) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (unreserved_set.has[c]) continue;
    if (i > run) out.write(in.data() + run, i - run);
    const char esc[3] = {'%', hex_upper[c >> 4], hex_upper[c & 0xF]};
    out.write(esc, 3);
    run = i + 1;
  }
  if (in.size() > run) out.write(in.data() + run, in.size() - run);
}

inline std::size_t format_sentry_trace(char* out, const trace_id& t, span_id s, parent_decision sampled) noexcept {
  t.to_hex(out);
  out[32] = '-';
  s.to_hex(out + 33);
  if (sampled == parent_decision::none) return 49;
  out[49] = '-';
  out[50] = sampled == parent_decision::sampled ? '1' : '0';
  return 51;
}

inline std::size_t format_traceparent(char* out, const trace_id& t, span_id s, bool sampled) noexcept {
  out[0] = '0';
  out[1] = '0';
  out[2] = '-';
  t.to_hex(out + 3);
  out[35] = '-';
  s.to_hex(out + 36);
  out[52] = '-';
  out[53] = '0';
  out[54] = sampled ? '1' : '0';
  return 55;
}

inline bool should_propagate(std::string_view url, const std::string_view* targets, std::size_t count,
                             bool targets_set) noexcept {
  if (!targets_set) return true;
  for (std::size_t i = 0; i < count; ++i)
    if (contains_ignore_case(url, targets[i])) return true;
  return false;
}

} // namespace detail

inline bool parse_sentry_trace(std::string_view value, trace_parent& out) noexcept {
  const std::string_view s = detail::trim(value, detail::is_ows);
  if (s.size() == 51 && s[32] == '-' && s[49] == '-' && (s[50] == '0' || s[50] == '1')) {
    // The form the SDKs send, "<32 hex>-<16 hex>-<flag>", can match only with all three groups,
    // so the ids' own parses (lowercase hex, not all zeros) decide it without the matcher.
    trace_parent r;
    if (!trace_id::parse(std::string_view(s.data(), 32), r.trace) ||
        !span_id::parse(std::string_view(s.data() + 33, 16), r.parent))
      return false;
    r.sampled = s[50] == '1' ? parent_decision::sampled : parent_decision::not_sampled;
    out = r;
    return true;
  }
  detail::sentry_trace_match m;
  if (!detail::match_sentry_trace(s, m) || !m.has_trace) return false;
  trace_parent r;
  if (!trace_id::parse(s.substr(0, 32), r.trace)) return false;  // all zeros
  if (m.has_span && !span_id::parse(s.substr(m.span_pos, 16), r.parent)) return false;
  r.sampled = m.flag == '1'   ? parent_decision::sampled
              : m.flag == '0' ? parent_decision::not_sampled
                              : parent_decision::none;
  out = r;
  return true;
}

inline bool parse_traceparent(std::string_view value, trace_parent& out) noexcept {
  const std::string_view s = detail::trim(value, detail::is_ows);
  if (s.size() < 55 || s[2] != '-' || s[35] != '-' || s[52] != '-') return false;
  if (!detail::all_lower_hex(s, 0, 2) || !detail::all_lower_hex(s, 53, 2)) return false;
  if (s[0] == 'f' && s[1] == 'f') return false;                     // version ff is invalid
  const bool v00 = s[0] == '0' && s[1] == '0';
  if (s.size() != 55 && (v00 || s[55] != '-')) return false;        // 00 has nothing after flags
  trace_parent r;
  if (!trace_id::parse(s.substr(3, 32), r.trace) || !span_id::parse(s.substr(36, 16), r.parent)) return false;
  const int flags = detail::hex_value(s[53]) * 16 + detail::hex_value(s[54]);
  r.sampled = (flags & 1) ? parent_decision::sampled : parent_decision::not_sampled;
  out = r;
  return true;
}

inline baggage& baggage::operator=(const baggage& o) noexcept {
  if (this == &o) return *this;
  std::memcpy(dsc_, o.dsc_, o.dsc_used_);
  std::memcpy(tp_, o.tp_, o.tp_len_);
  std::memcpy(entries_, o.entries_, sizeof(entry) * o.sentry_count_);
  dsc_used_ = o.dsc_used_;
  tp_len_ = o.tp_len_;
  sentry_count_ = o.sentry_count_;
  tp_count_ = o.tp_count_;
  dropped_ = o.dropped_;
  return *this;
}

inline void baggage::clear() noexcept {
  dsc_used_ = 0;
  tp_len_ = 0;
  sentry_count_ = 0;
  tp_count_ = 0;
  dropped_ = 0;
}

inline std::string_view baggage::sentry_key(std::size_t i) const noexcept {
  if (i >= sentry_count_) return {};
  return std::string_view(dsc_ + entries_[i].key_off, entries_[i].key_len);
}

inline std::string_view baggage::sentry_value(std::size_t i) const noexcept {
  if (i >= sentry_count_) return {};
  return std::string_view(dsc_ + entries_[i].value_off, entries_[i].value_len);
}

inline std::string_view baggage::sentry(std::string_view key) const noexcept {
  for (std::size_t i = 0; i < sentry_count_; ++i)
    if (sentry_key(i) == key) return sentry_value(i);
  return {};
}

// Adds or replaces one Sentry member. A replacement keeps the first one's slot (so the order is
// that of first appearance, as in a JavaScript object) and moves its bytes to the end. Keys are
// compared only where the lengths agree.
inline bool baggage::put_sentry(const detail::member_text& key, const detail::member_text& value) noexcept {
  const std::size_t klen = key.length, vlen = value.length;
  std::size_t dup = sentry_count_;
  for (std::size_t i = 0; i < sentry_count_; ++i)
    if (entries_[i].key_len == klen && key.equals(sentry_key(i))) {
      dup = i;
      break;
    }
  const std::size_t freed = dup < sentry_count_ ? std::size_t{entries_[dup].key_len} + entries_[dup].value_len : 0;
  if (dup == sentry_count_ && sentry_count_ >= max_members) return false;
  if (dsc_used_ - freed + klen + vlen > SENTRY_TRACE_MAX_DSC) return false;
  if (dup < sentry_count_) {
    // Close the gap the old key and value leave. A member's key and value are adjacent, key first.
    const std::size_t start = entries_[dup].key_off, end = start + freed;
    std::memmove(dsc_ + start, dsc_ + end, dsc_used_ - end);
    for (std::size_t i = 0; i < sentry_count_; ++i)
      if (entries_[i].key_off > start) {
        entries_[i].key_off = static_cast<std::uint16_t>(entries_[i].key_off - freed);
        entries_[i].value_off = static_cast<std::uint16_t>(entries_[i].value_off - freed);
      }
    dsc_used_ = static_cast<std::uint32_t>(dsc_used_ - freed);
  } else {
    ++sentry_count_;
  }
  entry& e = entries_[dup];
  e.key_off = static_cast<std::uint16_t>(dsc_used_);
  e.key_len = static_cast<std::uint16_t>(klen);
  key.copy_to(dsc_ + dsc_used_);
  e.value_off = static_cast<std::uint16_t>(dsc_used_ + klen);
  e.value_len = static_cast<std::uint16_t>(vlen);
  value.copy_to(dsc_ + dsc_used_ + klen);
  dsc_used_ = static_cast<std::uint32_t>(dsc_used_ + klen + vlen);
  return true;
}

inline bool baggage::set_sentry(std::string_view key, std::string_view decoded_value) noexcept {
  if (key.empty() || decoded_value.empty()) return false;
  const unsigned kinds = detail::classify_bytes(key) | detail::classify_bytes(decoded_value);
  if (kinds & detail::raw_control) return false;
  if ((kinds & detail::raw_high) && (!detail::valid_utf8(key) || !detail::valid_utf8(decoded_value))) return false;
  return put_sentry(detail::member_text::plain(key), detail::member_text::plain(decoded_value));
}

// One pass over the member finds what it holds; plain ASCII (the usual member) then needs
// nothing but a copy. Only a member with something to look at has its key and value looked at
// apart, and escapes and UTF-8 are read only in the one that has them.
inline void baggage::add_member(std::string_view member, std::size_t eq) noexcept {
  const std::string_view key = detail::trim(std::string_view(member.data(), eq), detail::is_ows);
  const std::string_view value =
      detail::trim(std::string_view(member.data() + eq + 1, member.size() - eq - 1), detail::is_ows);
  if (key.empty() || value.empty()) return;
  unsigned key_kinds = 0, value_kinds = 0;
  if (detail::has_special_bytes(member)) {
    key_kinds = detail::classify_bytes(key);
    value_kinds = detail::classify_bytes(value);
  }
  // A raw control byte could end the header line (CR, LF) or hide in a log: never pass it on.
  if ((key_kinds | value_kinds) & detail::raw_control) return;
  detail::member_text k, v;
  if (!detail::member_text::received(key, key_kinds, k) || !detail::member_text::received(value, value_kinds, v))
    return;  // JS: URIError, member dropped
  static constexpr std::string_view prefix = "sentry-";
  if (k.starts_with(prefix)) {
    const detail::member_text sk = k.without_prefix(prefix.size());
    if (sk.length == 0 || sk.control || v.control) return;
    if (!put_sentry(sk, v)) ++dropped_;
    return;
  }
  const std::size_t need = (tp_len_ ? 1 : 0) + key.size() + 1 + value.size();
  if (tp_count_ >= max_members || need > SENTRY_TRACE_MAX_BAGGAGE - tp_len_) {
    ++dropped_;
    return;
  }
  char* p = tp_ + tp_len_;
  if (tp_len_) *p++ = ',';
  std::memcpy(p, key.data(), key.size());
  p += key.size();
  *p++ = '=';
  std::memcpy(p, value.data(), value.size());
  tp_len_ = static_cast<std::uint32_t>(tp_len_ + need);
  ++tp_count_;
}

inline void baggage::parse(std::string_view header) noexcept {
  std::size_t pos = 0;
  while (true) {
    const std::size_t comma = header.find(',', pos);
    const std::size_t end = comma == std::string_view::npos ? header.size() : comma;
    const std::string_view member(header.data() + pos, end - pos);
    const std::size_t eq = member.find('=');
    if (eq != std::string_view::npos) add_member(member, eq);
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
}

inline void baggage::write_third_party(detail::baggage_writer& w) const noexcept {
  std::size_t start = 0;
  while (start < tp_len_ && !w.full()) {
    const char* comma = static_cast<const char*>(std::memchr(tp_ + start, ',', tp_len_ - start));
    const std::size_t end = comma ? static_cast<std::size_t>(comma - tp_) : tp_len_;
    w.raw_member(std::string_view(tp_ + start, end - start));
    start = end + 1;
  }
}

inline std::size_t baggage::write_header(char* out, std::size_t cap) const noexcept {
  detail::baggage_writer w(out, cap);
  for (std::size_t i = 0; i < sentry_count_ && !w.full(); ++i) w.sentry_member(sentry_key(i), sentry_value(i));
  write_third_party(w);
  return w.size();
}

inline void baggage::write_json(json_writer& w) const noexcept {
  w.begin_object();
  for (std::size_t i = 0; i < sentry_count_; ++i) w.key(sentry_key(i)).string(sentry_value(i));
  w.end_object();
}

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_PROPAGATION_HPP
