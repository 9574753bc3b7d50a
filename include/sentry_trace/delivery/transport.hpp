// sentry_trace/delivery/transport.hpp -- the built-in transports beyond the face's two
//
// WHAT IT DOES  The transports that need the host (the interface, null_transport and
//               callback_transport are in face/transport.hpp):
//                 file_transport      one `.envelope` file per envelope in a directory, each one
//                                     `sentry-cli send-envelope` accepts (hosted only);
//                 console_transport   prints each transaction as a waterfall, for working
//                                     without a Sentry account (hosted only).
// HOOKS         transport::send is called with the envelope lock held, so never concurrently and
//               in order, from the thread that ended the transaction or called flush()/shutdown(),
//               or with options.serialize_on_worker from the library's handoff thread (or poll()).
//               The bytes are valid only during the call: copy them to keep them. send must not
//               call back into sentry_trace. A transport that fails to deliver calls
//               report_lost() so the loss is counted and appears in the next client report.
// DOES NOT      own the transport: options.transport points to the user's object, which must
//               outlive shutdown().

#ifndef SENTRY_TRACE_TRANSPORT_HPP
#define SENTRY_TRACE_TRANSPORT_HPP

#include "../config.hpp"
#include "../face/transport.hpp"
#include "../protocol/envelope.hpp"
#include "../core/outcomes.hpp"

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
/// reports) print one summary line. `out` defaults to stdout.
class console_transport final : public transport {
 public:
  explicit console_transport(std::FILE* out = stdout) noexcept : out_(out) {}
  void send(envelope_view e) override {
    const transaction_view* t = e.transaction();
    if (!t) {
      std::fprintf(out_, "[sentry_trace] %s envelope, %zu bytes\n", e.is_client_report() ? "client report" : "event",
                   e.bytes().size());
      return;
    }
    print(*t);
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

  std::FILE* out_;
};
#endif // SENTRY_TRACE_HOSTED

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_TRANSPORT_HPP
