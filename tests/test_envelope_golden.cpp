// Byte-for-byte envelopes: a transaction with many spans, a streamed segment (span v2) and a
// client report, every string holding what the escaper treats specially (control characters,
// quotes, backslash, DEL, multi-byte UTF-8, U+2028/U+2029, invalid and truncated UTF-8, a cut
// at SENTRY_TRACE_MAX_STRING), compared with tests/golden/envelopes.golden. The golden output
// pins the serializer's bytes, so that rewriting it for speed cannot change what is sent.
//
// Ids are random, so the test fixes the id keystream: a constant entropy hook gives the key, and
// the thread's stream is restarted as the first one after init().
//
// Regenerate (only when the output is meant to change, and say why in the commit):
//   SENTRY_TRACE_UPDATE_GOLDEN=1 ctest --test-dir build -R envelope_golden

#include "fixture.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace st = sentry_trace;
using test_support::harness;

bool constant_entropy(void* bytes, std::size_t n, void*) {
  auto* p = static_cast<unsigned char*>(bytes);
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<unsigned char>(0x5A ^ (i * 37));
  return true;
}

/// Restarts this thread's id keystream as the first stream of the current key: from here on ids,
/// sample_rand and event ids are the same on every run, whatever ran before.
void restart_id_stream() {
  st::detail::g_rng_streams.store(0, st::detail::order_relaxed);
  st::detail::tl_rng = st::detail::rng_stream{};
}

/// Pins the host's contexts (init() reads them from uname() and the compiler), so that the
/// golden bytes are the same on every machine and with every compiler.
void pin_host() {
  st::detail::host_contexts& h = st::detail::g_host;
  h.os_name = "Linux";
  h.os_version = "6.1.0";
  h.os_build = "28-amd64";
  h.kernel_version = "6.1.0-28-amd64";
  h.runtime_name = "gcc";
  h.runtime_version = "12.2.0";
  h.runtime_description = "libstdc++ 12 (20220819)";
  h.arch = "x86_64";
}

/// Strings the escaper treats specially, one concern each.
std::vector<std::string> tricky_strings() {
  std::vector<std::string> v;
  std::string controls;
  for (int c = 0; c < 0x20; ++c) controls += static_cast<char>(c);
  v.push_back(controls);
  v.push_back("\"quoted\" and \\back\\slash\\ and /slash/ and 'single'");
  v.push_back("del\x7f" "del");
  v.push_back("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xEF\xBF\xBD \xF4\x8F\xBF\xBF end");
  v.push_back("line\xE2\x80\xA8sep para\xE2\x80\xA9sep near\xE2\x80\xAA miss");
  // Invalid: lone continuations, C0/C1 leads, overlongs, a surrogate, past U+10FFFF, F5-FF,
  // truncated sequences inside and at the end.
  v.push_back("\x80 \xBF \xC0\x80 \xC1\xBF \xE0\x80\x80 \xE0\x9F\xBF \xED\xA0\x80 \xF0\x8F\xBF\xBF \xF4\x90\x80\x80 "
              "\xF5\x80 \xFE \xFF \xE2\x82 x \xF0\x9F\x98 y \xC3");
  v.push_back("tail cut \xF0\x9F");
  v.push_back("SELECT * FROM stock WHERE sku = ? AND warehouse = ? ORDER BY id LIMIT 100 -- plain and long");
  v.push_back("");
  v.push_back("a");
  v.push_back("ab\n");
  // A special byte at every offset of an 8-byte word, and runs that straddle words.
  for (std::size_t k = 0; k < 17; ++k) v.push_back(std::string(k, 'a') + '"' + std::string(16 - k, 'b'));
  for (std::size_t k = 0; k < 9; ++k) v.push_back(std::string(k, 'x') + "\xC3\xA9" + std::string(9 - k, 'y') + "\x01");
  // Longer than SENTRY_TRACE_MAX_STRING, with a 3-byte character across the cut.
  std::string long_text;
  while (long_text.size() < SENTRY_TRACE_MAX_STRING + 40) long_text += "long text \xE2\x82\xAC \\ \" ";
  v.push_back(long_text);
  return v;
}

const double doubles[] = {0.1,     -0.0,  3.0,    123.456, 1e21,  1e-7,  5e-324, 1.7976931348623157e308,
                          -2.5e-10, 1e100, 0.3333333333333333, std::numeric_limits<double>::quiet_NaN(),
                          std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
const std::int64_t ints[] = {0, -1, 1, 9, 10, 99, 100, 12345678901234, INT64_MIN, INT64_MAX, -9876543210};

/// A transaction of many spans: nested and flat, every attribute type, every status, empty and
/// tricky ops, names, origins and keys, measurements, one span left open (dropped as invalid).
void record_transaction(harness& h, const std::vector<std::string>& t) {
  const std::size_t nt = t.size();
  st::span root = st::start_span_manual({t[1] + " /orders", "http.server", {}, "auto.http", st::transaction_source::route});
  root.set_attribute("http.request.method", "POST");
  root.set_attribute(t[0], t[3]);
  st::set_measurement("ttfb", 12.5, "millisecond");
  st::set_measurement(t[1], 0.1);
  st::set_measurement("fcp", 1e21, t[2]);
  std::vector<st::span> open;
  for (std::size_t i = 0; i < 120; ++i) {
    h.clock.now += 1234567 + i * 999;  // nanoseconds: microseconds are cut, not rounded
    const std::string& name = t[i % nt];
    const std::string op = i % 5 == 0 ? std::string() : i % 5 == 1 ? std::string("db.query") : t[(i * 7) % nt];
    const std::string origin = i % 3 == 0 ? std::string() : t[(i * 3 + 1) % nt];
    st::span s = i % 4 == 0 ? st::start_span_manual({name, op, {}, origin}) : st::start_inactive_span({name, op, {}, origin});
    s.set_attribute("db.system", "postgresql");
    s.set_attribute(t[(i + 2) % nt], t[(i + 5) % nt]);
    s.set_attribute("rows", ints[i % (sizeof ints / sizeof ints[0])]);
    s.set_attribute(t[(i + 9) % nt].substr(0, 20), doubles[i % (sizeof doubles / sizeof doubles[0])]);
    s.set_attribute("cached", i % 2 == 0);
    s.set_status(static_cast<st::span_status>(i % 17));
    h.clock.now += 4321 + i * 77;
    if (i % 4 == 0) {
      open.push_back(std::move(s));  // a parent of the next few spans
      if (open.size() > 3) {
        open.front().end();
        open.erase(open.begin());
      }
    } else {
      s.end();
    }
  }
  st::span never_ended = st::start_inactive_span({"left open", "test"});
  for (std::size_t i = open.size(); i-- > 0;) open[i].end();
  h.clock.now += 1000000;
  root.end();
  never_ended.end();  // after its root: not in the envelope
}

/// Every envelope sent so far, each framed by its length so the golden file shows boundaries.
std::string framed(const std::vector<std::string>& sent) {
  std::string out;
  for (const std::string& e : sent) {
    out += "=== envelope, " + std::to_string(e.size()) + " bytes\n";
    out += e;
    out += "\n";
  }
  return out;
}

std::string golden_path() { return std::string(SENTRY_TRACE_TEST_SOURCE_DIR) + "/tests/golden/envelopes.golden"; }

std::string read_file(const std::string& path) {
  std::string out;
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
    char buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    std::fclose(f);
  }
  return out;
}

void write_file(const std::string& path, const std::string& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}

/// The first line where `a` and `b` differ, for a readable failure.
std::string first_difference(const std::string& a, const std::string& b) {
  std::size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  const std::size_t from = i > 60 ? i - 60 : 0;
  return "byte " + std::to_string(i) + ": got [" + a.substr(from, 120) + "] want [" + b.substr(from, 120) + "]";
}

} // namespace

TEST_SUITE("envelope") {

TEST_CASE("transaction, span v2 and client-report envelopes are byte-identical to tests/golden/envelopes.golden") {
  const std::vector<std::string> t = tricky_strings();
  std::string all;
  {
    harness h;
    h.opts.server_name = t[1];
    h.opts.release = "golden@1.0.0 \"q\" \\ \x01";
    h.opts.entropy = st::entropy_hook{&constant_entropy, nullptr};
    h.transport.save_for_interop_checks = false;  // ids are fixed: the same envelope every run
    REQUIRE(h.init());
    pin_host();
    restart_id_stream();
    record_transaction(h, t);
    // A continued trace: the DSC frozen from baggage, with escaped values.
    st::continue_trace("0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1",
                       "sentry-trace_id=0af7651916cd43dd8448eb211c80319c,sentry-public_key=pk,"
                       "sentry-release=r%22%5C%0A%C3%A9,sentry-transaction=GET%20%2Fx%E2%80%A8,other=1",
                       [&] {
                         st::span root = st::start_span_manual({"continued \"x\"", "http.server"});
                         st::span c = st::start_inactive_span({t[5], t[0]});
                         h.clock.now += 2500;
                         c.end();
                         root.end();
                       });
    st::flush(0);  // the client report: one span left open (invalid)
    all += framed(h.transport.sent);
  }
  {
    harness h;
    h.opts.trace_lifecycle = st::trace_lifecycle::stream;
    h.opts.release = "stream@2 \"q\"";
    h.opts.entropy = st::entropy_hook{&constant_entropy, nullptr};
    h.opts.send_client_reports = false;
    h.transport.save_for_interop_checks = false;
    REQUIRE(h.init());
    pin_host();
    restart_id_stream();
    record_transaction(h, t);
    all += framed(h.transport.sent);
  }
  const std::string path = golden_path();
  if (const char* update = std::getenv("SENTRY_TRACE_UPDATE_GOLDEN"); update && *update == '1') {
    write_file(path, all);
    MESSAGE("wrote " << path);
  }
  const std::string want = read_file(path);
  REQUIRE_MESSAGE(!want.empty(), "missing " << path);
  CHECK(all.size() == want.size());
  if (all != want) FAIL(first_difference(all, want));
}

} // TEST_SUITE
