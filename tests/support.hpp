// tests/support.hpp -- test doubles and a small JSON reader shared by the suites
//
// capture_transport  keeps every envelope (and writes it to $SENTRY_TRACE_TEST_ENVELOPES, so that
//                    tests/interop/ can feed each one to Sentry's own parsers)
// manual_clock       a clock hook the test moves by hand
// envelope           an envelope split into header and items, each parsed into a json value
// json               a minimal DOM reader (tests only: it allocates freely)
//
// Parse errors: with exceptions (SENTRY_TRACE_EXCEPTIONS), parse_json() and parse_envelope() throw
// std::runtime_error, so CHECK_NOTHROW / CHECK_THROWS see them. Without exceptions
// (-fno-exceptions) they record the error instead: the result's ok() is false, error() says why,
// the value is empty (null json, envelope without items), and the failure is also reported to
// doctest (FAIL_CHECK), since CHECK_NOTHROW does not evaluate its argument in that build.
#ifndef SENTRY_TRACE_TESTS_SUPPORT_HPP
#define SENTRY_TRACE_TESTS_SUPPORT_HPP

#include <sentry_trace.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>
#include <unistd.h>

namespace test_support {

/// Makes this thread's next random_u64() return `value`: syncs the thread's keystream with the
/// current key, makes sure a block is buffered, and overwrites the value handed out next.
inline void force_next_random(std::uint64_t value) {
  namespace d = sentry_trace::detail;
  d::random_u64();
  d::rng_stream& s = d::tl_rng;
  if (s.used >= 8) d::rng_refill(s, s.generation);
  s.values[s.used] = value;
}
namespace st = sentry_trace;

// ---- a minimal JSON reader ---------------------------------------------------------------------
struct json {
  enum kind_t { null_k, bool_k, number_k, string_k, array_k, object_k } kind = null_k;
  bool b = false;
  double num = 0;
  std::string raw_number;  ///< the number's text as written
  std::string str;
  std::vector<json> items;
  std::vector<std::pair<std::string, json>> members;
  /// Set on the value parse_json() returns when the text did not parse (then the value is null).
  std::string parse_error;
  bool ok() const { return parse_error.empty(); }
  const std::string& error() const { return parse_error; }

  bool has(const std::string& k) const {
    for (auto& m : members)
      if (m.first == k) return true;
    return false;
  }
  const json& operator[](const std::string& k) const {
    for (auto& m : members)
      if (m.first == k) return m.second;
    static const json none;
    return none;
  }
  const json& operator[](std::size_t i) const {
#if SENTRY_TRACE_EXCEPTIONS
    return items.at(i);
#else
    if (i < items.size()) return items[i];
    const std::string message =
        "json: index " + std::to_string(i) + " out of range (size " + std::to_string(items.size()) + ")";
    DOCTEST_FAIL_CHECK(message);
    static const json none;
    return none;
#endif
  }
  std::size_t size() const { return kind == array_k ? items.size() : members.size(); }
  bool is_null() const { return kind == null_k; }
};

/// Reports a parse error of the test helpers: throws with exceptions, else tells doctest (the
/// caller also returns an empty value whose ok() is false).
inline void report_parse_error(const std::string& message) {
#if SENTRY_TRACE_EXCEPTIONS
  throw std::runtime_error(message);
#else
  DOCTEST_FAIL_CHECK(message);
#endif
}

class json_reader {
 public:
  explicit json_reader(std::string_view text) : s_(text) {}
  /// The document, or (without exceptions) a null value whose error() is set.
  json parse_document() {
    json v = value();
    if (!failed()) {
      ws();
      if (i_ != s_.size()) fail("trailing characters");
    }
    if (failed()) {
      json bad;
      bad.parse_error = error_;
      return bad;
    }
    return v;
  }
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  /// Records the first error and stops the scan (i_ moves to the end, so every loop ends); with
  /// exceptions it throws instead.
  void fail(const char* what) {
    if (failed()) return;
    error_ = std::string("json: ") + what + " at " + std::to_string(i_);
    i_ = s_.size();
    report_parse_error(error_);
  }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool eat(char c) {
    ws();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!eat(c)) fail("unexpected character");
  }
  json value() {
    ws();
    if (i_ >= s_.size()) {
      fail("unexpected end");
      return json{};
    }
    char c = s_[i_];
    json v;
    if (c == '{') {
      ++i_;
      v.kind = json::object_k;
      if (eat('}')) return v;
      do {
        ws();
        std::string k = string_body();
        expect(':');
        if (failed()) return json{};
        v.members.emplace_back(k, value());
      } while (!failed() && eat(','));
      expect('}');
    } else if (c == '[') {
      ++i_;
      v.kind = json::array_k;
      if (eat(']')) return v;
      do v.items.push_back(value());
      while (!failed() && eat(','));
      expect(']');
    } else if (c == '"') {
      v.kind = json::string_k;
      v.str = string_body();
    } else if (s_.substr(i_, 4) == "true") {
      i_ += 4;
      v.kind = json::bool_k;
      v.b = true;
    } else if (s_.substr(i_, 5) == "false") {
      i_ += 5;
      v.kind = json::bool_k;
    } else if (s_.substr(i_, 4) == "null") {
      i_ += 4;
    } else {
      std::size_t start = i_;
      while (i_ < s_.size() && std::string_view("+-0123456789.eE").find(s_[i_]) != std::string_view::npos) ++i_;
      if (start == i_) {
        fail("bad value");
        return json{};
      }
      v.kind = json::number_k;
      v.raw_number = std::string(s_.substr(start, i_ - start));
      v.num = std::strtod(v.raw_number.c_str(), nullptr);
    }
    return v;
  }
  static void put_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) out += static_cast<char>(cp);
    else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }
  unsigned hex4() {
    if (i_ + 4 > s_.size()) {
      fail("short \\u escape");
      return 0;
    }
    unsigned v = 0;
    for (int k = 0; k < 4; ++k) {
      char h = s_[i_++];
      v <<= 4;
      if (h >= '0' && h <= '9') v |= static_cast<unsigned>(h - '0');
      else if (h >= 'a' && h <= 'f') v |= static_cast<unsigned>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') v |= static_cast<unsigned>(h - 'A' + 10);
      else {
        fail("bad hex in \\u escape");
        return 0;
      }
    }
    return v;
  }
  std::string string_body() {
    if (i_ >= s_.size() || s_[i_] != '"') {
      fail("expected string");
      return {};
    }
    ++i_;
    std::string out;
    while (true) {
      if (i_ >= s_.size()) {
        fail("unterminated string");
        return {};
      }
      char c = s_[i_++];
      if (c == '"') break;
      if (static_cast<unsigned char>(c) < 0x20) {
        fail("raw control character in string");
        return {};
      }
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) {
        fail("unterminated escape");
        return {};
      }
      char e = s_[i_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned cp = hex4();
          if (failed()) return {};
          if (cp >= 0xd800 && cp < 0xdc00 && s_.substr(i_, 2) == "\\u") {
            i_ += 2;
            unsigned lo = hex4();
            if (failed()) return {};
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          }
          put_utf8(out, cp);
          break;
        }
        default: fail("bad escape"); return {};
      }
    }
    return out;
  }
  std::string_view s_;
  std::size_t i_ = 0;
  std::string error_;
};

inline json parse_json(std::string_view text) { return json_reader(text).parse_document(); }

// ---- envelopes -----------------------------------------------------------------------------------
struct envelope_item {
  json header;
  std::string payload;
  json body;  ///< payload parsed as JSON
};
struct envelope {
  json header;
  std::vector<envelope_item> items;
  /// Set when the bytes did not parse (then header is null and items is empty).
  std::string parse_error;
  bool ok() const { return parse_error.empty(); }
  const std::string& error() const { return parse_error; }
  const envelope_item* item(const std::string& type) const {
    for (auto& i : items)
      if (i.header["type"].str == type) return &i;
    return nullptr;
  }
};

/// Splits and parses an envelope. When the framing is wrong (length mismatch, a missing newline, a
/// header that is not one line of JSON) it throws std::runtime_error, or without exceptions returns
/// an empty envelope whose ok() is false (see the top of this file).
inline envelope parse_envelope(std::string_view bytes) {
  envelope e;
  // A JSON error was reported by parse_json() already; report only the framing errors here.
  auto bad = [](std::string message, bool report = true) {
    if (report) report_parse_error(message);
    envelope failed;
    failed.parse_error = std::move(message);
    return failed;
  };
  std::size_t nl = bytes.find('\n');
  if (nl == std::string_view::npos) return bad("envelope: no header line");
  e.header = parse_json(bytes.substr(0, nl));
  if (!e.header.ok()) return bad("envelope header: " + e.header.error(), false);
  std::size_t pos = nl + 1;
  while (pos < bytes.size()) {
    std::size_t hnl = bytes.find('\n', pos);
    if (hnl == std::string_view::npos) return bad("envelope: item header without newline");
    envelope_item it;
    it.header = parse_json(bytes.substr(pos, hnl - pos));
    if (!it.header.ok()) return bad("envelope item header: " + it.header.error(), false);
    pos = hnl + 1;
    std::size_t len;
    if (it.header.has("length")) {
      len = static_cast<std::size_t>(it.header["length"].num);
      if (pos + len > bytes.size()) return bad("envelope: length runs past the end");
      if (pos + len < bytes.size() && bytes[pos + len] != '\n') return bad("envelope: no newline after payload");
    } else {
      std::size_t end = bytes.find('\n', pos);
      len = (end == std::string_view::npos ? bytes.size() : end) - pos;
    }
    it.payload = std::string(bytes.substr(pos, len));
    it.body = parse_json(it.payload);
    if (!it.body.ok()) return bad("envelope item payload: " + it.body.error(), false);
    pos += len + 1;
    e.items.push_back(std::move(it));
  }
  return e;
}

// ---- transports and hooks ----------------------------------------------------------------------

/// Writes `bytes` to $SENTRY_TRACE_TEST_ENVELOPES/<pid>-<n>.envelope when that variable is set.
inline void save_for_interop(std::string_view bytes) {
  static int counter = 0;
  const char* dir = std::getenv("SENTRY_TRACE_TEST_ENVELOPES");
  if (!dir || !*dir) return;
  char path[1024];
  std::snprintf(path, sizeof(path), "%s/unit-%ld-%04d.envelope", dir, static_cast<long>(::getpid()), ++counter);
  if (std::FILE* f = std::fopen(path, "wb")) {
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
  }
}

/// Keeps every envelope it is sent, and the transaction views' spans as text for checks.
struct capture_transport : st::transport {
  std::vector<std::string> sent;
  std::vector<bool> client_report;
  int flushes = 0;
  /// False for envelopes made without a DSN: they carry no DSC, which the interop checker
  /// rightly requires of every transaction envelope meant for Sentry.
  bool save_for_interop_checks = true;
  void send(st::envelope_view e) override {
    sent.emplace_back(e.bytes());
    client_report.push_back(e.is_client_report());
    if (save_for_interop_checks) save_for_interop(e.bytes());
  }
  bool flush(std::uint32_t) override {
    ++flushes;
    return true;
  }
  /// Parsed transaction envelopes, in order.
  std::vector<envelope> transactions() const {
    std::vector<envelope> out;
    for (auto& s : sent) {
      envelope e = parse_envelope(s);
      if (e.item("transaction")) out.push_back(std::move(e));
    }
    return out;
  }
  /// The transaction payloads received so far, in order.
  std::vector<json> transaction_payloads() const {
    std::vector<json> out;
    for (auto& e : transactions()) out.push_back(e.item("transaction")->body);
    return out;
  }
  /// Sum of client-report quantities of spans, every reason together.
  std::uint64_t discarded_spans() const {
    std::uint64_t n = 0;
    for (const char* r : {"sample_rate", "buffer_overflow", "queue_overflow", "ratelimit_backoff", "network_error",
                          "send_error", "invalid", "no_parent_span", "internal_sdk_error", "before_send",
                          "event_processor"})
      n += discarded(r, "span");
    return n;
  }
  /// Sum of client-report quantities for (reason, category) over every report sent.
  std::uint64_t discarded(const std::string& reason, const std::string& category) const {
    std::uint64_t n = 0;
    for (auto& s : sent) {
      envelope e = parse_envelope(s);
      for (auto& it : e.items)
        if (it.header["type"].str == "client_report")
          for (auto& d : it.body["discarded_events"].items)
            if (d["reason"].str == reason && d["category"].str == category) n += static_cast<std::uint64_t>(d["quantity"].num);
    }
    return n;
  }
};

/// A clock the test advances by hand (nanoseconds).
struct manual_clock {
  std::uint64_t now = 1'000'000'000;
  static std::uint64_t read(void* self) { return static_cast<manual_clock*>(self)->now; }
  st::clock_hook hook() { return st::clock_hook{&manual_clock::read, this}; }
};

/// Options that every suite starts from: a DSN, rate 1, the given transport.
inline st::options default_options(st::transport* t) {
  st::options o;
  o.dsn = "https://public@o1.ingest.sentry.io/42";
  o.release = "test@1.0.0";
  o.environment = "test";
  o.traces_sample_rate = 1.0;
  o.transport = t;
  return o;
}

/// Collects log lines, for tests that check a diagnostic was given.
/// An id as its lowercase hex text, to compare with what an envelope or header holds.
inline std::string hex(sentry_trace::span_id id) {
  char b[16];
  id.to_hex(b);
  return std::string(b, 16);
}
inline std::string hex(sentry_trace::trace_id id) {
  char b[32];
  id.to_hex(b);
  return std::string(b, 32);
}

struct log_capture {
  std::vector<std::string> lines;
  static void write(st::log_level, const char* message, void* self) {
    static_cast<log_capture*>(self)->lines.emplace_back(message);
  }
  st::log_hook hook() { return st::log_hook{&log_capture::write, this}; }
  bool contains(const std::string& needle) const {
    for (auto& l : lines)
      if (l.find(needle) != std::string::npos) return true;
    return false;
  }
};

} // namespace test_support

#endif // SENTRY_TRACE_TESTS_SUPPORT_HPP
