// Tests for sentry_trace/transport.hpp: callback_transport, file_transport, console_transport, and
// how delivery failures (a write error, a throwing transport) are counted for client reports.

#include "fixture.hpp"

#include <doctest/doctest.h>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace st = sentry_trace;
using test_support::capture_transport;
using test_support::harness;
using test_support::json;

/// A fresh directory under $TMPDIR (or /tmp), removed with its files at the end of the scope.
class temp_dir {
 public:
  temp_dir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/sentry_trace_test_XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data())) path_ = buf.data();
  }
  ~temp_dir() {
    if (path_.empty()) return;
    for (const std::string& f : files()) std::remove((path_ + "/" + f).c_str());
    ::rmdir(path_.c_str());
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const { return path_; }
  /// File names in the directory, sorted.
  std::vector<std::string> files() const { return list_files(path_); }

  static std::vector<std::string> list_files(const std::string& dir) {
    std::vector<std::string> out;
    if (DIR* d = ::opendir(dir.c_str())) {
      while (dirent* entry = ::readdir(d)) {
        std::string name = entry->d_name;
        if (name != "." && name != "..") out.push_back(name);
      }
      ::closedir(d);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  std::string path_;
};

std::string read_file(const std::string& path) {
  std::string out;
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
    std::fclose(f);
  }
  return out;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// Sends every envelope to two transports: a real one under test, then a capture.
struct tee_transport : st::transport {
  st::transport& first;
  capture_transport& second;
  tee_transport(st::transport& a, capture_transport& b) : first(a), second(b) {}
  void send(st::envelope_view e) override {
    first.send(e);
    second.send(e);
  }
};

/// Everything written to stderr while it lives (stderr is a tmpfile meanwhile).
class stderr_capture {
 public:
  stderr_capture() {
    std::fflush(stderr);
    saved_ = ::dup(2);
    file_ = std::tmpfile();
    if (file_) ::dup2(::fileno(file_), 2);
  }
  ~stderr_capture() { restore(); }
  stderr_capture(const stderr_capture&) = delete;
  stderr_capture& operator=(const stderr_capture&) = delete;
  /// Restores stderr and returns what was written.
  std::string restore() {
    if (saved_ < 0) return text_;
    std::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
    saved_ = -1;
    if (file_) {
      std::rewind(file_);
      char buf[1024];
      std::size_t n;
      while ((n = std::fread(buf, 1, sizeof(buf), file_)) > 0) text_.append(buf, n);
      std::fclose(file_);
      file_ = nullptr;
    }
    return text_;
  }

 private:
  int saved_ = -1;
  std::FILE* file_ = nullptr;
  std::string text_;
};

std::size_t count_of(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

std::size_t leading_spaces(const std::string& s) {
  std::size_t n = 0;
  while (n < s.size() && s[n] == ' ') ++n;
  return n;
}

struct collected {
  std::vector<std::string> envelopes;
  int calls = 0;
};
void collect(const char* bytes, std::size_t size, void* user) {
  auto* c = static_cast<collected*>(user);
  ++c->calls;
  c->envelopes.emplace_back(bytes, size);
}

/// A realistic transaction: an HTTP request with nested spans, attributes, a measurement and
/// several statuses.
void realistic_transaction(harness& h) {
  h.advance_us(120);
  st::scoped_span root({"GET /api/orders/:id", "http.server"});
  root->set_name("GET /api/orders/:id", st::transaction_source::route);
  root->set_attribute("http.request.method", "GET");
  root->set_attribute("url.path", "/api/orders/42");
  root->set_attribute("server.port", 8080);
  root->set_attribute("user.premium", true);
  h.advance_us(350);
  {
    st::scoped_span auth({"verify token", "function"});
    auth->set_attribute("auth.scheme", "bearer");
    h.advance_us(800);
  }
  {
    st::scoped_span db({"SELECT * FROM orders WHERE id = $1", "db.query"});
    db->set_attribute("db.system", "postgresql");
    db->set_attribute("db.rows", 1);
    db->set_origin("auto.db.custom");
    h.advance_us(2500);
    {
      st::scoped_span pool({"acquire connection", "db.connection"});
      h.advance_us(300);
    }
    h.advance_us(1200);
  }
  {
    st::scoped_span cache({"GET orders:42", "cache.get"});
    cache->set_status(st::span_status::not_found);
    cache->set_attribute("cache.hit", false);
    h.advance_us(150);
  }
  {
    st::scoped_span upstream({"GET http://inventory/items/7", "http.client"});
    upstream->set_http_status(503);
    upstream->set_attribute("retry.delay_s", 0.25);
    h.advance_us(4100);
  }
  st::set_measurement("time_to_first_byte", 9.25, "millisecond");
  st::set_measurement("response_size", 5120, "byte");
  h.advance_us(600);
  root->set_http_status(200);
}

} // namespace

TEST_SUITE("transport") {

TEST_CASE("callback_transport hands every envelope's bytes to a plain function pointer with its user data") {
  collected got;
  st::callback_transport transport(&collect, &got);
  harness h;  // after the transport: its destructor's shutdown may still flush it
  h.opts.transport = &transport;
  h.opts.traces_sampler = [](const st::sampling_context& c) { return c.name == "drop me" ? 0.0 : 1.0; };
  REQUIRE(h.init());
  { st::scoped_span root({"GET /callback", "http.server"}); st::scoped_span child({"child", "db"}); }
  REQUIRE(got.calls == 1);
  test_support::envelope e = test_support::parse_envelope(got.envelopes[0]);
  REQUIRE(e.item("transaction"));
  CHECK(e.item("transaction")->body["transaction"].str == "GET /callback");
  CHECK(e.item("transaction")->body["spans"].size() == 1);
  { st::scoped_span dropped({"drop me", "task"}); }
  REQUIRE(st::flush(0));
  REQUIRE(got.calls == 2);
  CHECK(test_support::parse_envelope(got.envelopes[1]).item("client_report"));
  CHECK(st::get_stats().envelopes_sent == 2);
}

TEST_CASE("callback_transport with a null function discards envelopes without crashing") {
  st::callback_transport transport(nullptr, nullptr);
  harness h;
  h.opts.transport = &transport;
  REQUIRE(h.init());
  { st::scoped_span root({"GET /null-callback", "http.server"}); }
  CHECK(st::get_stats().envelopes_sent == 1);
}

TEST_CASE("file_transport writes one .envelope file per envelope with the exact bytes; client reports get files of their own") {
  temp_dir dir;
  REQUIRE_FALSE(dir.path().empty());
  st::file_transport files(dir.path());
  capture_transport sent;
  tee_transport tee(files, sent);
  harness h;
  h.opts.transport = &tee;
  h.opts.traces_sampler = [](const st::sampling_context& c) { return c.name == "GET /health" ? 0.0 : 1.0; };
  REQUIRE(h.init());
  { st::scoped_span root({"GET /one", "http.server"}); st::scoped_span child({"child", "db"}); }
  { st::scoped_span root({"GET /health", "http.server"}); }
  { st::scoped_span root({"GET /two", "http.server"}); }
  REQUIRE(st::flush(0));
  REQUIRE(sent.sent.size() == 3);
  CHECK(files.written() == 3);
  const std::vector<std::string> names = dir.files();
  REQUIRE(names.size() == 3);
  std::size_t transactions = 0, reports = 0;
  for (std::size_t i = 0; i < names.size(); ++i) {
    CAPTURE(names[i]);
    CHECK(ends_with(names[i], ".envelope"));
    const std::string bytes = read_file(dir.path() + "/" + names[i]);
    // The file holds exactly one of the envelopes sent, byte for byte.
    const auto match = std::find(sent.sent.begin(), sent.sent.end(), bytes);
    REQUIRE(match != sent.sent.end());
    const bool is_report = sent.client_report[static_cast<std::size_t>(match - sent.sent.begin())];
    test_support::envelope e = test_support::parse_envelope(bytes);
    if (is_report) {
      ++reports;
      CHECK(ends_with(names[i], "client_report.envelope"));
      REQUIRE(e.items.size() == 1);
      CHECK(e.items[0].header["type"].str == "client_report");
    } else {
      ++transactions;
      CHECK_FALSE(ends_with(names[i], "client_report.envelope"));
      REQUIRE(e.items.size() == 1);  // never a client_report item next to a transaction
      CHECK(e.items[0].header["type"].str == "transaction");
    }
  }
  CHECK(transactions == 2);
  CHECK(reports == 1);
}

TEST_CASE("two file_transports writing to one directory do not overwrite each other's files") {
  temp_dir dir;
  REQUIRE_FALSE(dir.path().empty());
  st::file_transport first(dir.path());
  st::file_transport second(dir.path());  // e.g. the program started again
  harness h;
  h.opts.transport = &first;
  REQUIRE(h.init());
  { st::scoped_span root({"GET /first-run", "http.server"}); }
  h.opts.transport = &second;
  REQUIRE(h.init());
  { st::scoped_span root({"GET /second-run", "http.server"}); }
  CHECK(first.written() == 1);
  CHECK(second.written() == 1);
  const std::vector<std::string> names = dir.files();
  REQUIRE(names.size() == 2);
  std::string all = read_file(dir.path() + "/" + names[0]) + read_file(dir.path() + "/" + names[1]);
  CHECK(all.find("GET /first-run") != std::string::npos);
  CHECK(all.find("GET /second-run") != std::string::npos);
}

TEST_CASE("file_transport writes a realistic transaction for the sentry-cli interop check") {
  // CMake runs the tests with SENTRY_TRACE_TEST_ENVELOPES=<build>/envelopes, and the interop test
  // sends <build>/envelopes/files/*; SENTRY_TRACE_TEST_ENVELOPE_FILES names that directory directly.
  temp_dir fallback;
  std::string target;
  if (const char* files_dir = std::getenv("SENTRY_TRACE_TEST_ENVELOPE_FILES"); files_dir && *files_dir) {
    target = files_dir;
  } else if (const char* envelopes = std::getenv("SENTRY_TRACE_TEST_ENVELOPES"); envelopes && *envelopes) {
    ::mkdir(envelopes, 0755);
    target = std::string(envelopes) + "/files";
  } else {
    target = fallback.path();
  }
  REQUIRE_FALSE(target.empty());
  CAPTURE(target);
  const std::vector<std::string> before = temp_dir::list_files(target);

  st::file_transport files(target);
  capture_transport sent;
  tee_transport tee(files, sent);
  harness h;
  h.opts.transport = &tee;
  h.opts.server_name = "interop-host";
  h.wall.now_us = 1767261600000000;
  REQUIRE(h.init());
  realistic_transaction(h);
  REQUIRE(st::flush(0));
  REQUIRE(sent.sent.size() == 1);  // nothing was dropped: no client report joins it
  CHECK(files.written() == 1);

  std::vector<std::string> after = temp_dir::list_files(target);
  std::vector<std::string> added;
  for (const std::string& name : after)
    if (std::find(before.begin(), before.end(), name) == before.end() ||
        read_file(target + "/" + name) == sent.sent[0])
      added.push_back(name);
  REQUIRE(added.size() == 1);
  CHECK(ends_with(added[0], "transaction.envelope"));
  const std::string bytes = read_file(target + "/" + added[0]);
  CHECK(bytes == sent.sent[0]);
  test_support::envelope e = test_support::parse_envelope(bytes);
  REQUIRE(e.items.size() == 1);
  const json& body = e.items[0].body;
  CHECK(body["transaction"].str == "GET /api/orders/:id");
  CHECK(body["transaction_info"]["source"].str == "route");
  CHECK(body["spans"].size() == 5);
  CHECK(body["measurements"]["time_to_first_byte"]["unit"].str == "millisecond");
  CHECK(body["contexts"]["trace"]["data"]["http.response.status_code"].raw_number == "200");
  CHECK(e.header["trace"]["transaction"].str == "GET /api/orders/:id");
}

TEST_CASE("file_transport to an unwritable directory counts send_error for the transaction and its spans, and logs once") {
  st::file_transport files("/proc/sentry_trace_no_such_dir");
  capture_transport sent;
  tee_transport tee(files, sent);
  harness h;
  h.opts.transport = &tee;
  REQUIRE(h.init());
  stderr_capture err;
  {
    st::scoped_span root({"GET /lost", "http.server"});
    st::scoped_span a({"a", "task"});
    st::scoped_span b({"b", "task"});
  }
  { st::scoped_span root({"GET /lost-again", "http.server"}); }
  REQUIRE(st::flush(0));  // the report goes to the capture (and fails again on disk, uncounted)
  const std::string logged = err.restore();
  CHECK(files.written() == 0);
  CHECK(count_of(logged, "file_transport cannot write") == 1);
  CHECK(count_of(logged, "/proc/sentry_trace_no_such_dir") == 1);
  CHECK(h.transport.sent.empty());
  CHECK(sent.discarded("send_error", "transaction") == 2);
  CHECK(sent.discarded("send_error", "span") == 4);  // 3 + 1, roots included
  // The failed client report itself is not counted.
  REQUIRE(st::flush(0));
  CHECK(sent.sent.size() == 3);
}

TEST_CASE("console_transport prints a waterfall: header, one line per span, indented children, columns and a bar") {
  std::FILE* out = std::tmpfile();
  REQUIRE(out);
  st::console_transport console(out);
  harness h;
  h.opts.transport = &console;
  REQUIRE(h.init());
  std::string trace_hex(32, '?');
  {
    st::scoped_span root({"GET /orders", "http.server"});
    root->trace().to_hex(&trace_hex[0]);
    h.advance_us(1000);
    {
      st::scoped_span child({"load orders", "db.query"});
      h.advance_us(1000);
      {
        st::scoped_span grandchild({"parse rows", "function"});
        grandchild->set_status(st::span_status::internal_error);
        h.advance_us(1000);
      }
      h.advance_us(1000);
    }
    h.advance_us(6000);
  }
  REQUIRE(st::shutdown(0));  // nothing more may reach `out` once it is closed below
  std::fflush(out);
  std::rewind(out);
  std::string text;
  char buf[1024];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), out)) > 0) text.append(buf, n);
  std::fclose(out);
  CAPTURE(text);
  const std::vector<std::string> lines = lines_of(text);
  REQUIRE(lines.size() == 5);  // header, column titles, three spans
  CHECK(lines[0].find("GET /orders") != std::string::npos);
  CHECK(lines[0].find(trace_hex) != std::string::npos);
  CHECK(lines[0].find("3 spans") != std::string::npos);
  CHECK(lines[0].find("10.000 ms") != std::string::npos);
  CHECK(lines[1].find("start ms") != std::string::npos);
  CHECK(lines[1].find("dur ms") != std::string::npos);
  CHECK(lines[1].find("status") != std::string::npos);

  const std::string& root = lines[2];
  const std::string& child = lines[3];
  const std::string& grandchild = lines[4];
  CHECK(root.find("http.server  GET /orders") != std::string::npos);
  CHECK(child.find("db.query  load orders") != std::string::npos);
  CHECK(grandchild.find("function  parse rows") != std::string::npos);
  CHECK(leading_spaces(child) > leading_spaces(root));
  CHECK(leading_spaces(grandchild) > leading_spaces(child));
  // start and duration columns, in milliseconds
  CHECK(root.find("     0.000     10.000") != std::string::npos);
  CHECK(child.find("     1.000      3.000") != std::string::npos);
  CHECK(grandchild.find("     2.000      1.000") != std::string::npos);
  CHECK(root.find(" ok ") != std::string::npos);
  CHECK(grandchild.find("internal_error") != std::string::npos);
  // |...#...|: 40 columns on a common time axis; the root fills it.
  for (const std::string* line : {&root, &child, &grandchild}) {
    const std::size_t open = line->find('|');
    const std::size_t close = line->rfind('|');
    REQUIRE(open != std::string::npos);
    REQUIRE(close == open + 41);
    const std::string bar = line->substr(open + 1, 40);
    CHECK(bar.find_first_not_of(".#") == std::string::npos);
    CHECK(bar.find('#') != std::string::npos);
  }
  CHECK(root.substr(root.find('|') + 1, 40) == std::string(40, '#'));
  const std::string child_bar = child.substr(child.find('|') + 1, 40);
  CHECK(child_bar == std::string(4, '.') + std::string(12, '#') + std::string(24, '.'));
  const std::string grandchild_bar = grandchild.substr(grandchild.find('|') + 1, 40);
  CHECK(grandchild_bar == std::string(8, '.') + std::string(4, '#') + std::string(28, '.'));
}

namespace {
/// Characters (UTF-8 code points) before byte `pos` of `line`: the column a terminal shows it in.
std::size_t column_of(const std::string& line, std::size_t pos) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < pos && i < line.size(); ++i) chars += (static_cast<unsigned char>(line[i]) & 0xC0) != 0x80;
  return chars;
}
/// True when every multi-byte sequence of `s` is whole (no character cut in two).
bool whole_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += len;
  }
  return true;
}
} // namespace

TEST_CASE("console_transport keeps its columns aligned for every status and for names with non-ASCII characters") {
  std::FILE* out = std::tmpfile();
  REQUIRE(out);
  st::console_transport console(out);
  harness h;
  h.opts.transport = &console;
  REQUIRE(h.init());
  constexpr int statuses = static_cast<int>(st::span_status::unauthenticated) + 1;
  {
    st::scoped_span root({"GET /caf\xC3\xA9s", "http.server"});
    h.advance_us(100);
    // Every status, so the longest ("failed_precondition") is among them; names with "…" and "é"
    // (3 and 2 bytes each), and one long enough to be cut inside a character.
    for (int i = 0; i < statuses; ++i) {
      st::span s = st::start_inactive_span({"SELECT \xE2\x80\xA6 FROM caf\xC3\xA9", "db.query"});
      s.set_status(static_cast<st::span_status>(i));
      h.advance_us(10);
      s.end();
    }
    st::span long_name = st::start_inactive_span(
        {"\xE2\x80\xA6\xE2\x80\xA6\xE2\x80\xA6\xE2\x80\xA6\xE2\x80\xA6\xE2\x80\xA6\xE2\x80\xA6"
         "\xE2\x80\xA6\xE2\x80\xA6\xE2\x80\xA6\xE2\x80\xA6\xE2\x80\xA6\xE2\x80\xA6\xE2\x80\xA6"
         "\xE2\x80\xA6\xE2\x80\xA6\xE2\x80\xA6\xE2\x80\xA6\xE2\x80\xA6\xE2\x80\xA6\xE2\x80\xA6"
         "\xE2\x80\xA6\xE2\x80\xA6\xE2\x80\xA6\xE2\x80\xA6\xE2\x80\xA6\xE2\x80\xA6\xE2\x80\xA6",
         "function"});
    h.advance_us(10);
    long_name.end();
    h.advance_us(100);
  }
  REQUIRE(st::shutdown(0));  // nothing more may reach `out` once it is closed below
  std::fflush(out);
  std::rewind(out);
  std::string text;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), out)) > 0) text.append(buf, n);
  std::fclose(out);
  CAPTURE(text);
  const std::vector<std::string> lines = lines_of(text);
  REQUIRE(lines.size() == static_cast<std::size_t>(2 + 1 + statuses + 1));
  const std::string& titles = lines[1];
  const std::size_t start_col = column_of(titles, titles.find("start ms") + 8);  // right-aligned numbers end here
  const std::size_t dur_col = column_of(titles, titles.find("dur ms") + 6);
  const std::size_t status_col = column_of(titles, titles.find("status"));
  const std::size_t bar_col = column_of(titles, titles.find("timeline"));
  for (std::size_t i = 2; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    CAPTURE(line);
    CHECK(whole_utf8(line));
    const std::size_t bar = line.find('|');
    REQUIRE(bar != std::string::npos);
    CHECK(column_of(line, bar) == bar_col);
    // The numbers end where their titles end; the status starts where its title starts.
    const std::size_t first_digit_end = line.find(' ', line.find('.', line.find_first_of("0123456789", 2)));
    CHECK(column_of(line, first_digit_end) == start_col);
    const std::size_t second_end = line.find(' ', line.find('.', first_digit_end));
    CHECK(column_of(line, second_end) == dur_col);
    CHECK(column_of(line, line.find_first_not_of(' ', second_end)) == status_col);
  }
  CHECK(text.find("failed_precondition |") != std::string::npos);
}

TEST_CASE("console_transport prints children in start order, and a client report as one summary line") {
  std::FILE* out = std::tmpfile();
  REQUIRE(out);
  st::console_transport console(out);
  harness h;
  h.opts.transport = &console;
  h.opts.traces_sampler = [](const st::sampling_context& c) { return c.name == "dropped" ? 0.0 : 1.0; };
  REQUIRE(h.init());
  {
    st::scoped_span root({"root", "task"});
    st::span late = st::start_inactive_span({"second", "task"});
    h.advance_us(10);
    st::span early = st::start_inactive_span({"third", "task"});
    h.advance_us(10);
    early.end();
    late.end();
  }
  { st::scoped_span dropped({"dropped", "task"}); }
  REQUIRE(st::flush(0));
  REQUIRE(st::shutdown(0));  // nothing more may reach `out` once it is closed below
  std::fflush(out);
  std::rewind(out);
  std::string text;
  char buf[1024];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), out)) > 0) text.append(buf, n);
  std::fclose(out);
  CAPTURE(text);
  CHECK(text.find("second") < text.find("third"));
  CHECK(text.find("client report envelope") != std::string::npos);
}

#if SENTRY_TRACE_EXCEPTIONS
namespace {
/// Throws on transactions; passes client reports to a capture so the count can be read.
struct throwing_transport : st::transport {
  capture_transport reports;
  int throws = 0;
  void send(st::envelope_view e) override {
    if (e.transaction()) {
      ++throws;
      throw std::runtime_error("transport failed");
    }
    reports.send(e);
  }
};
} // namespace

TEST_CASE("a throwing transport does not crash and the loss is counted as internal_sdk_error") {
  throwing_transport transport;
  harness h;
  h.opts.transport = &transport;
  REQUIRE(h.init());
  {
    st::scoped_span root({"GET /throws", "http.server"});
    st::scoped_span child({"child", "task"});
  }
  CHECK(transport.throws == 1);
  CHECK(h.log.contains("transport threw"));
  CHECK(st::get_stats().envelopes_sent == 0);
  // Tracing goes on after the failure.
  { st::scoped_span root({"GET /throws-again", "http.server"}); }
  CHECK(transport.throws == 2);
  REQUIRE(st::flush(0));
  CHECK(transport.reports.discarded("internal_sdk_error", "transaction") == 2);
  CHECK(transport.reports.discarded("internal_sdk_error", "span") == 3);
  CHECK(st::get_stats().envelopes_sent == 1);
}

TEST_CASE("a transport whose flush throws makes flush return false without crashing") {
  struct flush_thrower : st::transport {
    void send(st::envelope_view) override {}
    bool flush(std::uint32_t) override { throw std::runtime_error("flush failed"); }
  };
  flush_thrower transport;
  harness h;
  h.opts.transport = &transport;
  REQUIRE(h.init());
  CHECK_FALSE(st::flush(0));
  CHECK(h.log.contains("transport threw in flush"));
  CHECK_FALSE(st::shutdown(0));
}
#endif

} // TEST_SUITE
