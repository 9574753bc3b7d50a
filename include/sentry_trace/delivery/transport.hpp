// sentry_trace/delivery/transport.hpp -- the built-in transports beyond the face's two
//
// WHAT IT DOES  The transports that need the host (the interface, null_transport and
//               callback_transport are in face/transport.hpp):
//                 file_transport      one `.envelope` file per envelope in a directory, each one
//                                     `sentry-cli send-envelope` accepts (hosted only);
//                 console_transport   prints each transaction as a waterfall, for working
//                                     without a Sentry account (hosted only); an envelope
//                                     with a `profile` or `profile_chunk` item also gets a
//                                     line with its top functions by self samples.
// HOOKS         transport::send is called with the envelope lock held, so never concurrently and
//               in order, from the thread that ended the transaction or called flush()/shutdown(),
//               or with options.serialize_on_worker from the library's handoff thread (or poll()).
//               The bytes are valid only during the call: copy them to keep them. send must not
//               call back into sentry_trace. A transport that fails to deliver calls
//               report_lost() so the loss is counted and appears in the next client report.
// DOES NOT      own the transport: options.transport points to the user's object, which must
//               outlive shutdown(). console_transport's profile line does not allocate: it
//               reads the profile payload in place, with no JSON parser (the library has
//               none), through a bounded scanner that skips what it does not need.
// RAM           The profile line's tables live on the stack of send(): 12 bytes per frame for
//               the first 512 frames and 2 per stack for the first 2048 stacks (10 KiB); samples
//               whose leaf frame or stack is beyond them are counted and said to be left out.
// SPEC          https://develop.sentry.dev/sdk/telemetry/profiles/sample-format-v1/ and .../v2/
//               (profile.samples[].stack_id, profile.stacks: frame indexes leaf first,
//               profile.frames[].function); envelope framing: PROTOCOL.md and envelope.hpp.

#ifndef SENTRY_TRACE_TRANSPORT_HPP
#define SENTRY_TRACE_TRANSPORT_HPP

#include "../config.hpp"
#include "../face/transport.hpp"
#include "../protocol/envelope.hpp"
#include "../core/outcomes.hpp"
#include "../protocol/text.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#if SENTRY_TRACE_HOSTED
#  include <cerrno>
#  include <cinttypes>
#  include <cstdio>
#  if defined(__unix__) || defined(__APPLE__)
#    include <sys/stat.h>
#  endif
#endif

SENTRY_TRACE_DETAIL_BEGIN

#ifdef SENTRY_TRACE_IMPLEMENTATION
void transport::report_lost(const envelope_view& envelope, discard_reason reason) noexcept {
  if (const transaction_view* t = envelope.transaction()) {
    detail::g_outcomes.record_transaction(reason, static_cast<std::uint32_t>(t->span_count()));
    if (envelope.profile_offset() != 0) detail::g_outcomes.record(reason, data_category::profile);
  } else if (envelope.is_profile_chunk())
    detail::g_outcomes.record(reason, data_category::profile_chunk);
  else if (envelope.span_items())
    detail::g_outcomes.record(reason, data_category::span, envelope.span_items());
  else if (!envelope.is_client_report())
    detail::g_outcomes.record(reason, data_category::error);
}
#endif // SENTRY_TRACE_IMPLEMENTATION

/// Stands in for a delivery this build cannot make (init() uses it for an https DSN without
/// SENTRY_TRACE_WITH_MBEDTLS): every envelope is counted as lost (`internal_sdk_error`), and
/// flush() is false, so the loss shows in get_stats() and in what flush()/shutdown() return.
class undeliverable_transport final : public transport {
 public:
  void send(envelope_view e) override { report_lost(e, discard_reason::internal_sdk_error); }
  bool flush(std::uint32_t) override { return false; }
};

#if SENTRY_TRACE_HOSTED
/// Writes each envelope to `<directory>/<sent time in µs>-<sequence>-<kind>.envelope`,
/// creating the directory (one level) if needed. Write failures are counted as `send_error`
/// and logged to stderr once. Client reports go in envelopes of their own, so every
/// transaction file is one `sentry-cli send-envelope` accepts.
class file_transport final : public transport {
 public:
  /// `directory` is copied (at most 400 bytes).
  explicit file_transport(std::string_view directory) noexcept {
    std::size_t n = directory.size() < sizeof(dir_) - 1 ? directory.size() : sizeof(dir_) - 1;
    for (std::size_t i = 0; i < n; ++i) dir_[i] = directory[i];
    dir_[n] = '\0';
  }
  void send(envelope_view e) override {
#  if defined(__unix__) || defined(__APPLE__)
    ::mkdir(dir_, 0755);  // EEXIST is the usual case
#  endif
    char path[512];
    const char* kind = e.is_client_report() ? "client_report" : (e.transaction() ? "transaction" : "event");
    std::FILE* f = nullptr;
    // The sent time keeps names apart across runs, and the exclusive create ("x") across
    // transports sharing the directory in one microsecond: a file is never overwritten.
    for (int attempt = 0; attempt < 16 && !f; ++attempt) {
      ++sequence_;
      std::snprintf(path, sizeof(path), "%s/%" PRId64 "-%06" PRIu32 "-%s.envelope", dir_,
                    static_cast<std::int64_t>(detail::hosted_epoch_us(nullptr)), sequence_, kind);
      f = std::fopen(path, "wbx");
      if (!f && errno != EEXIST) break;
    }
    bool ok = f != nullptr;
    if (f) {
      ok = std::fwrite(e.bytes().data(), 1, e.bytes().size(), f) == e.bytes().size();
      ok = (std::fclose(f) == 0) && ok;
    }
    if (!ok) {
      report_lost(e, discard_reason::send_error);
      if (!warned_) std::fprintf(stderr, "[sentry_trace] error: file_transport cannot write %s\n", path);
      warned_ = true;
    } else {
      ++written_;
    }
  }
  /// Envelopes written so far.
  std::uint32_t written() const noexcept { return written_; }

 private:
  char dir_[401] = {};
  std::uint32_t sequence_ = 0;
  std::uint32_t written_ = 0;
  bool warned_ = false;
};

/// Prints each transaction as a waterfall: an indented tree of op, name, start offset,
/// duration and status, with a bar per span on a common time axis. Other envelopes (client
/// reports, profile chunks) print one summary line. After either, each `profile` or
/// `profile_chunk` item of the envelope prints the share of its samples whose leaf is each of
/// the 5 hottest functions (self samples, all threads):
///   `  profile: 412 samples  hot_seventy() 70.1%  hot_thirty() 29.6% ...`
/// `out` defaults to stdout.
class console_transport final : public transport {
 public:
  explicit console_transport(std::FILE* out = stdout) noexcept : out_(out) {}
  void send(envelope_view e) override {
    const transaction_view* t = e.transaction();
    if (!t) {
      const char* kind = e.is_client_report() ? "client report" : has_item(e.bytes(), "profile_chunk") ? "profile chunk" : "event";
      std::fprintf(out_, "[sentry_trace] %s envelope, %zu bytes\n", kind, e.bytes().size());
    } else {
      print(*t);
    }
    if (!e.is_client_report()) print_profiles(e.bytes());
  }

  /// Writes the waterfall of `t` to the stream.
  void print(const transaction_view& t) {
    const std::size_t n = t.span_count();
    if (n == 0) return;
    const span_view root = t.span_at(0);
    const std::int64_t t0 = root.start_epoch_us;
    std::int64_t total = root.end_epoch_us - t0;
    for (std::size_t i = 0; i < n; ++i) {
      std::int64_t end = t.span_at(i).end_epoch_us - t0;
      if (end > total) total = end;
    }
    if (total <= 0) total = 1;
    char tid[33];
    t.trace().to_hex(tid);
    tid[32] = '\0';
    std::fprintf(out_, "transaction %.*s  trace %s  %zu spans  %.3f ms\n", static_cast<int>(root.name.size()),
                 root.name.data(), tid, n, static_cast<double>(total) / 1000.0);
    std::fprintf(out_, "  %-*s %10s %10s  %-*s %s\n", label_columns, "op  name", "start ms", "dur ms", status_columns,
                 "status", "timeline");
    // Depth-first from the root; children in start order. n is at most SENTRY_TRACE_MAX_SPANS+1,
    // so the quadratic search is cheap next to printing, and needs no memory of its own.
    print_subtree(t, 0, 0, t0, total);
    std::fflush(out_);
  }

 private:
  void print_subtree(const transaction_view& t, std::size_t index, int depth, std::int64_t t0, std::int64_t total) {
    print_line(t.span_at(index), depth, t0, total);
    const span_id self = t.span_at(index).id;
    std::int64_t last_start = INT64_MIN;
    std::size_t last_index = 0;
    // Visit children ordered by (start, index) without sorting storage.
    for (;;) {
      std::size_t best = t.span_count();
      std::int64_t best_start = INT64_MAX;
      for (std::size_t i = 1; i < t.span_count(); ++i) {
        const span_view c = t.span_at(i);
        if (c.parent != self) continue;
        bool after = c.start_epoch_us > last_start || (c.start_epoch_us == last_start && i > last_index);
        if (after && (c.start_epoch_us < best_start || (c.start_epoch_us == best_start && i < best))) {
          best = i;
          best_start = c.start_epoch_us;
        }
      }
      if (best == t.span_count()) break;
      last_start = best_start;
      last_index = best;
      if (depth < 32) print_subtree(t, best, depth + 1, t0, total);
    }
  }

  // Columns of the waterfall. The status column holds the longest of to_string(span_status),
  // "failed_precondition"; the label column is counted in characters, not bytes (below).
  static constexpr int label_columns = 40;
  static constexpr int status_columns = 19;

  /// Bytes of `text` that hold its first `columns` characters (UTF-8 code points), never cutting
  /// one in two; `*shown` gets the characters kept. printf pads "%-40s" by bytes, so a name with
  /// "…" or "é" would push the columns after it to the left by one per extra byte.
  static int fit_columns(const char* text, int bytes, int columns, int* shown) noexcept {
    int chars = 0;
    int i = 0;
    while (i < bytes) {
      int next = i + 1;
      while (next < bytes && (static_cast<unsigned char>(text[next]) & 0xC0) == 0x80) ++next;  // continuation bytes
      if (chars == columns) break;
      ++chars;
      i = next;
    }
    *shown = chars;
    return i;
  }

  /// At most `max` bytes of `text`, ending on a character boundary.
  static int prefix_bytes(std::string_view text, std::size_t max) noexcept {
    std::size_t n = text.size() < max ? text.size() : max;
    while (n > 0 && n < text.size() && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
    return static_cast<int>(n);
  }

  void print_line(const span_view& s, int depth, std::int64_t t0, std::int64_t total) {
    constexpr int width = 40;
    char label[160];
    int indent = depth * 2 < 40 ? depth * 2 : 40;
    int label_bytes = std::snprintf(label, sizeof(label), "%*s%.*s  %.*s", indent, "", prefix_bytes(s.op, 40),
                                    s.op.data(), prefix_bytes(s.name, 60), s.name.data());
    if (label_bytes < 0) label_bytes = 0;
    if (label_bytes > static_cast<int>(sizeof(label)) - 1) label_bytes = static_cast<int>(sizeof(label)) - 1;
    int shown = 0;
    const int kept = fit_columns(label, label_bytes, label_columns, &shown);
    std::int64_t start = s.start_epoch_us - t0;
    std::int64_t dur = s.end_epoch_us - s.start_epoch_us;
    int from = static_cast<int>(start * width / total);
    int len = static_cast<int>(dur * width / total);
    if (len < 1) len = 1;
    if (from > width - 1) from = width - 1;
    if (from + len > width) len = width - from;
    char bar[width + 1];
    for (int i = 0; i < width; ++i) bar[i] = (i >= from && i < from + len) ? '#' : '.';
    bar[width] = '\0';
    std::fprintf(out_, "  %.*s%*s %10.3f %10.3f  %-*s |%s|\n", kept, label, label_columns - shown, "",
                 static_cast<double>(start) / 1000.0, static_cast<double>(dur) / 1000.0, status_columns,
                 to_string(s.status), bar);
  }

  // ---- the profile line ------------------------------------------------------------------------

  static constexpr std::size_t profile_frames = 512;   ///< frames whose names the line can show
  static constexpr std::size_t profile_stacks = 2048;  ///< stacks whose leaf it keeps
  static constexpr std::uint16_t no_leaf = 0xFFFF;     ///< a stack that is empty or names no kept frame
  static constexpr int profile_top = 5;
  static constexpr std::size_t name_bytes = 80;        ///< longer names are cut (C++ templates run long)

  /// A cursor over JSON text for reads that need a few members and skip the rest. It never reads
  /// outside `text`; on malformed text it sets `bad`, and every later read fails. It checks
  /// what it reads (strings closed; `:` and `,` in the objects and arrays it walks; brackets
  /// balanced in count in what it skips), not all of RFC 8259: the payloads come from the
  /// library's own writer, and a wrong one must only never be read outside its bytes.
  struct json_scan {
    std::string_view text;
    std::size_t at = 0;
    bool bad = false;

    static constexpr bool space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
    char peek() noexcept {
      while (at < text.size() && space(text[at])) ++at;
      return !bad && at < text.size() ? text[at] : '\0';
    }
    bool eat(char c) noexcept {
      if (peek() != c) return false;
      ++at;
      return true;
    }
    bool expect(char c) noexcept {
      if (!eat(c)) bad = true;
      return !bad;
    }
    /// The text between the quotes, escapes as written.
    std::string_view string() noexcept {
      if (!expect('"')) return {};
      const std::size_t from = at;
      while (at < text.size() && text[at] != '"') at += text[at] == '\\' ? 2 : 1;
      if (at >= text.size()) {
        bad = true;
        at = text.size();
        return {};
      }
      return text.substr(from, at++ - from);
    }
    /// Skips one value of any kind; returns its text.
    std::string_view skip() noexcept {
      const char c = peek();
      const std::size_t from = at;
      if (c == '"') {
        string();
      } else if (c == '{' || c == '[') {
        std::size_t depth = 0;
        do {
          const char d = peek();
          if (d == '"') {
            string();
            continue;
          }
          if (d == '\0') {
            bad = true;
          } else if (d == '{' || d == '[') {
            ++depth;
          } else if (d == '}' || d == ']') {
            --depth;
          }
          ++at;
        } while (!bad && depth > 0);
      } else {  // a number, true, false or null
        while (at < text.size() && !space(text[at]) && text[at] != ',' && text[at] != '}' && text[at] != ']') ++at;
        if (at == from) bad = true;
      }
      return bad ? std::string_view{} : text.substr(from, at - from);
    }
    /// Reads an unsigned integer (sets `bad` for anything else).
    bool unsigned_number(std::uint64_t& out) noexcept {
      if (peek() == '"' || !detail::parse_unsigned(skip(), UINT64_MAX, out)) bad = true;
      return !bad;
    }
    /// Calls on_member(key) at each member of the object here; it must read or skip the value.
    template <class F> void members(F&& on_member) noexcept {
      if (!expect('{') || eat('}')) return;
      do {
        const std::string_view key = string();
        if (!expect(':')) return;
        on_member(key);
      } while (!bad && eat(','));
      expect('}');
    }
    /// Calls on_element() at each element of the array here; it must read or skip the element.
    template <class F> void elements(F&& on_element) noexcept {
      if (!expect('[') || eat(']')) return;
      do on_element();
      while (!bad && eat(','));
      expect(']');
    }
  };

  /// Calls on_item(type, payload) for each item of the envelope, in order, and stops at the
  /// first one that is not framed as envelope.hpp writes it (header line, then `length` bytes
  /// and a newline, or without `length` a payload up to the next newline).
  template <class F> static void for_each_item(std::string_view bytes, F&& on_item) noexcept {
    std::size_t at = bytes.find('\n');  // the end of the envelope header
    while (at != std::string_view::npos && at + 1 < bytes.size()) {
      const std::size_t head = at + 1;
      const std::size_t head_end = bytes.find('\n', head);
      if (head_end == std::string_view::npos) return;
      json_scan h{bytes.substr(head, head_end - head)};
      std::string_view type;
      std::uint64_t length = 0;
      bool has_length = false;
      h.members([&](std::string_view key) {
        if (key == "type" && h.peek() == '"') {
          type = h.string();
        } else if (key == "length") {
          has_length = h.unsigned_number(length);
        } else {
          h.skip();
        }
      });
      if (h.bad) return;
      const std::size_t payload = head_end + 1;
      std::size_t end = 0;
      if (has_length) {
        if (length > bytes.size() - payload) return;
        end = payload + static_cast<std::size_t>(length);
        if (end < bytes.size() && bytes[end] != '\n') return;
      } else {
        end = bytes.find('\n', payload);
        if (end == std::string_view::npos) end = bytes.size();
      }
      on_item(type, bytes.substr(payload, end - payload));
      at = end;
    }
  }

  static bool has_item(std::string_view bytes, std::string_view type) noexcept {
    bool found = false;
    for_each_item(bytes, [&](std::string_view t, std::string_view) { found = found || t == type; });
    return found;
  }

  void print_profiles(std::string_view bytes) {
    bool printed = false;
    for_each_item(bytes, [&](std::string_view type, std::string_view payload) {
      if (type != "profile" && type != "profile_chunk") return;
      print_profile(payload);
      printed = true;
    });
    if (printed) std::fflush(out_);
  }

  /// The profile line of one item's payload (sample format v1 or v2, the same `profile` object).
  void print_profile(std::string_view payload) {
    // profile.samples, .stacks and .frames may come in any order: find all three first.
    json_scan p{payload};
    std::string_view samples, stacks, frames;
    p.members([&](std::string_view key) {
      if (key != "profile" || p.peek() != '{') {
        p.skip();
        return;
      }
      p.members([&](std::string_view member) {
        const std::string_view value = p.skip();
        if (member == "samples") samples = value;
        if (member == "stacks") stacks = value;
        if (member == "frames") frames = value;
      });
    });
    if (p.bad || samples.empty() || stacks.empty() || frames.empty()) {
      std::fprintf(out_, "  profile: not readable (%s)\n",
                   p.bad ? "malformed JSON" : "no profile.samples, stacks and frames");
      return;
    }
    // Each kept frame's name as an offset and length in `payload`, and its self samples.
    std::uint32_t name_at[profile_frames];
    std::uint32_t name_len[profile_frames];
    std::uint32_t self[profile_frames];
    std::uint16_t leaf[profile_stacks];
    std::size_t frame_count = 0;
    json_scan f{frames};
    f.elements([&] {
      std::string_view name, addr;
      f.members([&](std::string_view key) {
        if (key == "function" && f.peek() == '"') {
          name = f.string();
        } else if (key == "instruction_addr" && f.peek() == '"') {
          addr = f.string();
        } else {
          f.skip();
        }
      });
      if (name.empty()) name = addr.empty() ? std::string_view("?") : addr;
      if (frame_count < profile_frames) {
        const bool inside = name.data() >= payload.data() && name.data() < payload.data() + payload.size();
        name_at[frame_count] = inside ? static_cast<std::uint32_t>(name.data() - payload.data()) : 0;
        name_len[frame_count] = inside ? static_cast<std::uint32_t>(name.size()) : 0;  // "?": no name
        self[frame_count] = 0;
      }
      ++frame_count;
    });
    const std::size_t kept_frames = frame_count < profile_frames ? frame_count : profile_frames;
    std::size_t stack_count = 0;
    json_scan s{stacks};
    s.elements([&] {
      std::uint16_t first = no_leaf;
      bool at_leaf = true;  // stacks list frames leaf first
      s.elements([&] {
        std::uint64_t index = 0;
        if (s.unsigned_number(index) && at_leaf && index < kept_frames) first = static_cast<std::uint16_t>(index);
        at_leaf = false;
      });
      if (stack_count < profile_stacks) leaf[stack_count] = first;
      ++stack_count;
    });
    const std::size_t kept_stacks = stack_count < profile_stacks ? stack_count : profile_stacks;
    std::uint64_t total = 0;
    std::uint64_t left_out = 0;
    json_scan m{samples};
    m.elements([&] {
      std::uint64_t stack_id = UINT64_MAX;
      m.members([&](std::string_view key) {
        if (key == "stack_id") {
          m.unsigned_number(stack_id);
        } else {
          m.skip();
        }
      });
      ++total;
      if (stack_id < kept_stacks && leaf[static_cast<std::size_t>(stack_id)] != no_leaf) {
        ++self[leaf[static_cast<std::size_t>(stack_id)]];
      } else {
        ++left_out;
      }
    });
    if (f.bad || s.bad || m.bad) {
      std::fprintf(out_, "  profile: not readable (malformed profile.%s)\n", f.bad ? "frames" : s.bad ? "stacks" : "samples");
      return;
    }
    // One entry per function: frames of one function at other addresses (or modules) add up.
    for (std::size_t i = 1; i < kept_frames; ++i) {
      if (self[i] == 0) continue;
      const std::string_view name_i = payload.substr(name_at[i], name_len[i]);
      for (std::size_t j = 0; j < i; ++j) {
        if (self[j] != 0 && payload.substr(name_at[j], name_len[j]) == name_i) {
          self[j] += self[i];
          self[i] = 0;
          break;
        }
      }
    }
    std::fprintf(out_, "  profile: %" PRIu64 " samples", total);
    for (int rank = 0; rank < profile_top; ++rank) {
      std::size_t best = kept_frames;
      for (std::size_t i = 0; i < kept_frames; ++i)
        if (self[i] != 0 && (best == kept_frames || self[i] > self[best])) best = i;
      if (best == kept_frames) break;
      char name[name_bytes + 4] = {'?'};  // a frame without function or instruction_addr
      const std::size_t n =
          name_len[best] == 0 ? 1 : unescape(payload.substr(name_at[best], name_len[best]), name, sizeof(name));
      std::fprintf(out_, "  %.*s %.1f%%", static_cast<int>(n), name,
                   100.0 * static_cast<double>(self[best]) / static_cast<double>(total));
      self[best] = 0;
    }
    if (left_out != 0)
      std::fprintf(out_, "  (%" PRIu64 " samples left out: their stack or leaf frame is past the first %zu stacks / %zu frames)",
                   left_out, profile_stacks, profile_frames);
    std::fprintf(out_, "\n");
  }

  /// Writes the JSON string text `raw` (escapes as written) decoded into `out` (UTF-8), at most
  /// name_bytes bytes of it, cut on a character boundary and ended by "..." when cut; returns the
  /// bytes written. `\uXXXX` surrogate pairs become one character, a lone surrogate U+FFFD, and
  /// control characters a space, since the line is for a terminal. `cap` >= name_bytes + 3.
  static std::size_t unescape(std::string_view raw, char* out, std::size_t cap) noexcept {
    std::size_t n = 0;
    bool cut = false;
    for (std::size_t i = 0; i < raw.size() && !cut;) {
      char utf8[4];
      std::size_t len = 1;
      if (raw[i] != '\\') {
        // Copy one UTF-8 character whole: its lead byte and continuation bytes.
        std::size_t end = i + 1;
        while (end < raw.size() && (static_cast<unsigned char>(raw[end]) & 0xC0) == 0x80 && end - i < 4) ++end;
        len = end - i;
        for (std::size_t k = 0; k < len; ++k) utf8[k] = raw[i + k];
        i = end;
      } else if (i + 1 < raw.size() && raw[i + 1] != 'u') {
        const char e = raw[i + 1];
        utf8[0] = e == '"' || e == '\\' || e == '/' ? e : ' ';
        i += 2;
      } else {
        std::uint32_t cp = 0xFFFD;
        std::size_t used = hex4(raw, i + 2, cp) ? 6 : raw.size() - i;
        if (cp >= 0xD800 && cp < 0xDC00) {
          std::uint32_t low = 0;
          if (raw.size() > i + 7 && raw[i + 6] == '\\' && raw[i + 7] == 'u' && hex4(raw, i + 8, low) && low >= 0xDC00 &&
              low < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            used = 12;
          } else {
            cp = 0xFFFD;
          }
        } else if (cp >= 0xDC00 && cp < 0xE000) {
          cp = 0xFFFD;
        }
        if (cp < 0x20) cp = ' ';
        len = utf8_encode(cp, utf8);
        i += used;
      }
      if (n + len > name_bytes) {
        cut = true;
        break;
      }
      for (std::size_t k = 0; k < len; ++k) out[n++] = utf8[k];
    }
    if (cut && n + 3 <= cap) {
      out[n++] = '.';
      out[n++] = '.';
      out[n++] = '.';
    }
    return n;
  }

  /// The four hex digits at raw[at..at+4) as a code point.
  static bool hex4(std::string_view raw, std::size_t at, std::uint32_t& cp) noexcept {
    if (raw.size() < at + 4) return false;
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const int d = detail::hex_value(raw[at + k]);
      if (d < 0) return false;
      v = v * 16 + static_cast<std::uint32_t>(d);
    }
    cp = v;
    return true;
  }

  static std::size_t utf8_encode(std::uint32_t cp, char* out) noexcept {
    if (cp < 0x80) {
      out[0] = static_cast<char>(cp);
      return 1;
    }
    if (cp < 0x800) {
      out[0] = static_cast<char>(0xC0 | (cp >> 6));
      out[1] = static_cast<char>(0x80 | (cp & 0x3F));
      return 2;
    }
    if (cp < 0x10000) {
      out[0] = static_cast<char>(0xE0 | (cp >> 12));
      out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out[2] = static_cast<char>(0x80 | (cp & 0x3F));
      return 3;
    }
    out[0] = static_cast<char>(0xF0 | (cp >> 18));
    out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[3] = static_cast<char>(0x80 | (cp & 0x3F));
    return 4;
  }

  std::FILE* out_;
};
#endif // SENTRY_TRACE_HOSTED

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_TRANSPORT_HPP
