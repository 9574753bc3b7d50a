// Tests for sentry_trace/envelope.hpp: the transaction envelope (PROTOCOL.md §2, §3), its dynamic
// sampling context (§8), client reports (§11), and what happens when the buffer is too small.

#include "fixture.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace st = sentry_trace;
using test_support::env_guard;
using test_support::harness;
using test_support::json;

bool lower_hex(std::string_view s, std::size_t n) {
  if (s.size() != n) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

/// "YYYY-MM-DDTHH:MM:SS.ffffffZ"
bool rfc3339_micros(std::string_view s) {
  if (s.size() != 27) return false;
  const char* pattern = "dddd-dd-ddTdd:dd:dd.ddddddZ";
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (pattern[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != pattern[i]) return false;
  }
  return true;
}

/// A span in the payload's spans[] by description.
const json* span_named(const json& body, const std::string& description) {
  for (const json& s : body["spans"].items)
    if (s["description"].str == description) return &s;
  return nullptr;
}

/// Ends the transaction started in `fn` and returns the one envelope it produced.
template <class Fn> test_support::envelope send_one(harness& h, Fn fn) {
  const std::size_t before = h.transport.sent.size();
  fn();
  REQUIRE(h.transport.sent.size() == before + 1);
  return test_support::parse_envelope(h.transport.sent.back());
}

} // namespace

TEST_SUITE("envelope") {

TEST_CASE("the transaction envelope is a header line, an item header line, and exactly `length` payload bytes") {
  harness h;
  REQUIRE(h.init());
  { st::scoped_span root({"GET /framing", "http.server"}); st::scoped_span child({"child", "db"}); }
  REQUIRE(h.transport.sent.size() == 1);
  const std::string& bytes = h.transport.sent[0];
  const std::size_t nl1 = bytes.find('\n');
  REQUIRE(nl1 != std::string::npos);
  const std::size_t nl2 = bytes.find('\n', nl1 + 1);
  REQUIRE(nl2 != std::string::npos);
  const std::string header = bytes.substr(0, nl1);
  const std::string item_header = bytes.substr(nl1 + 1, nl2 - nl1 - 1);
  CHECK(header.front() == '{');
  CHECK(header.back() == '}');
  CHECK(header.find("\": ") == std::string::npos);  // compact JSON: no whitespace between tokens
  CHECK(header.find(", \"") == std::string::npos);
  CHECK(header.find("\r") == std::string::npos);
  CHECK(item_header.find(' ') == std::string::npos);
  json item = test_support::parse_json(item_header);
  CHECK(item["type"].str == "transaction");
  CHECK(item["content_type"].str == "application/json");
  REQUIRE(item["length"].kind == json::number_k);
  const std::size_t length = static_cast<std::size_t>(item["length"].num);
  const std::string payload = bytes.substr(nl2 + 1);
  CHECK(payload.size() == length);  // exactly `length` bytes, no trailing newline
  CHECK(payload.find('\n') == std::string::npos);
  CHECK(payload.front() == '{');
  CHECK(payload.back() == '}');
  json body = test_support::parse_json(payload);
  CHECK(body["type"].str == "transaction");
  // The support parser agrees.
  test_support::envelope e = test_support::parse_envelope(bytes);
  REQUIRE(e.items.size() == 1);
  CHECK(e.items[0].payload.size() == length);
}

TEST_CASE("the envelope header carries the payload's event_id, sent_at with microseconds, and the sdk") {
  harness h;
  REQUIRE(h.init());
  h.wall.now_us = 1767261600123456;  // sent_at is read when the envelope is written
  auto e = send_one(h, [] { st::scoped_span root({"GET /header", "http.server"}); });
  const json& header = e.header;
  const json& body = e.items[0].body;
  CHECK(lower_hex(header["event_id"].str, 32));
  CHECK(header["event_id"].str == body["event_id"].str);
  CHECK(header["sent_at"].str == "2026-01-01T10:00:00.123456Z");
  CHECK(header["sdk"]["name"].str == st::sdk_name);
  CHECK(header["sdk"]["version"].str == st::version_string);
  CHECK(body["sdk"]["name"].str == st::sdk_name);
  CHECK(body["sdk"]["version"].str == st::version_string);
  // Two transactions never share an event id.
  auto e2 = send_one(h, [] { st::scoped_span root({"GET /header", "http.server"}); });
  CHECK(e2.header["event_id"].str != header["event_id"].str);
}

TEST_CASE("the payload has type, platform native, transaction, source and exact RFC 3339 timestamps") {
  harness h;
  h.opts.server_name = "host-1";
  REQUIRE(h.init());  // monotonic 1 s <-> 2026-01-01T10:00:00.000000Z
  auto e = send_one(h, [&h] {
    h.advance_us(1500);
    st::scoped_span root({"GET /timestamps", "http.server"});
    h.advance_us(250);
    {
      st::scoped_span child({"child", "db"});
      h.clock.now += 1'234'567;  // 1234.567 µs: truncated to whole microseconds
    }
    h.clock.now += 2'000'000'000;  // two seconds later
  });
  const json& body = e.items[0].body;
  CHECK(body["type"].str == "transaction");
  CHECK(body["platform"].str == "native");
  CHECK(body["transaction"].str == "GET /timestamps");
  CHECK(body["transaction_info"]["source"].str == "custom");
  CHECK(body["start_timestamp"].str == "2026-01-01T10:00:00.001500Z");
  CHECK(body["timestamp"].str == "2026-01-01T10:00:02.002984Z");
  CHECK(rfc3339_micros(body["start_timestamp"].str));
  CHECK(body["start_timestamp"].str <= body["timestamp"].str);
  CHECK(body["release"].str == "test@1.0.0");
  CHECK(body["environment"].str == "test");
  CHECK(body["server_name"].str == "host-1");
  REQUIRE(body["spans"].size() == 1);
  const json& child = body["spans"][0];
  CHECK(child["start_timestamp"].str == "2026-01-01T10:00:00.001750Z");
  CHECK(child["timestamp"].str == "2026-01-01T10:00:00.002984Z");
}

TEST_CASE("a span that starts and ends at the same instant has equal timestamps") {
  harness h;
  REQUIRE(h.init());
  auto e = send_one(h, [] { st::scoped_span root({"instant", "task"}); });
  const json& body = e.items[0].body;
  CHECK(body["start_timestamp"].str == "2026-01-01T10:00:00.000000Z");
  CHECK(body["timestamp"].str == body["start_timestamp"].str);
}

TEST_CASE("release and server_name are left out when unset, and environment defaults to production") {
  harness h;
  h.opts.release = "";
  h.opts.environment = "";
  REQUIRE(h.init());
  auto e = send_one(h, [] { st::scoped_span root({"GET /defaults", "http.server"}); });
  const json& body = e.items[0].body;
  CHECK_FALSE(body.has("release"));
  CHECK_FALSE(body.has("server_name"));
  CHECK(body["environment"].str == "production");
  CHECK(e.header["trace"]["environment"].str == "production");
  CHECK_FALSE(e.header["trace"].has("release"));
}

TEST_CASE("SENTRY_ENVIRONMENT sets the environment when the option is unset") {
  harness h;
  h.opts.environment = "";
  env_guard environment("SENTRY_ENVIRONMENT", "staging");
  REQUIRE(h.init());
  auto e = send_one(h, [] { st::scoped_span root({"GET /env", "http.server"}); });
  CHECK(e.items[0].body["environment"].str == "staging");
  CHECK(e.header["trace"]["environment"].str == "staging");
}

TEST_CASE("contexts.trace has the root's ids, op, status, origin and data, and no parent on a head root") {
  harness h;
  REQUIRE(h.init());
  std::string trace_hex(32, '?'), root_hex(16, '?');
  auto e = send_one(h, [&] {
    st::scoped_span root({"GET /ctx", "http.server"});
    root->trace().to_hex(&trace_hex[0]);
    root->id().to_hex(&root_hex[0]);
    root->set_attribute("http.route", "/ctx");
    root->set_attribute("retries", 2);
    root->set_status(st::span_status::permission_denied);
  });
  const json& trace = e.items[0].body["contexts"]["trace"];
  CHECK(trace["trace_id"].str == trace_hex);
  CHECK(trace["span_id"].str == root_hex);
  CHECK(lower_hex(trace["trace_id"].str, 32));
  CHECK(lower_hex(trace["span_id"].str, 16));
  CHECK_FALSE(trace.has("parent_span_id"));
  CHECK(trace["op"].str == "http.server");
  CHECK(trace["status"].str == "permission_denied");
  CHECK(trace["origin"].str == "manual");
  const json& data = trace["data"];
  CHECK(data["sentry.op"].str == "http.server");
  CHECK(data["sentry.origin"].str == "manual");
  CHECK(data["sentry.segment.name.source"].str == "custom");
  CHECK(data["sentry.sample_rate"].kind == json::number_k);
  CHECK(data["sentry.sample_rate"].raw_number == "1");
  CHECK(data["http.route"].str == "/ctx");
  CHECK(data["retries"].raw_number == "2");
}

TEST_CASE("spans[] link to their parents within the trace, with op, description, status, origin and timestamps") {
  harness h;
  REQUIRE(h.init());
  std::string root_id(16, '?'), a_id(16, '?'), b_id(16, '?'), c_id(16, '?'), trace_hex(32, '?');
  auto e = send_one(h, [&] {
    st::scoped_span root({"POST /checkout", "http.server"});
    root->trace().to_hex(&trace_hex[0]);
    root->id().to_hex(&root_id[0]);
    h.advance_us(100);
    {
      st::scoped_span a({"validate cart", "function"});
      a->id().to_hex(&a_id[0]);
      h.advance_us(100);
      {
        st::scoped_span b({"SELECT cart", "db.query"});
        b->id().to_hex(&b_id[0]);
        b->set_status(st::span_status::not_found);
        b->set_attribute("db.system", "postgresql");
        h.advance_us(300);
      }
      h.advance_us(100);
    }
    st::span c = st::start_inactive_span({"charge card", "http.client"});
    c.id().to_hex(&c_id[0]);
    c.set_origin("auto.http.curl");
    h.advance_us(1000);
    c.end();
  });
  const json& body = e.items[0].body;
  REQUIRE(body["spans"].size() == 3);
  for (const json& s : body["spans"].items) {
    CHECK(s["trace_id"].str == trace_hex);
    CHECK(lower_hex(s["span_id"].str, 16));
    CHECK(rfc3339_micros(s["start_timestamp"].str));
    CHECK(rfc3339_micros(s["timestamp"].str));
    CHECK(s["start_timestamp"].str <= s["timestamp"].str);
    CHECK(s["data"]["sentry.op"].str == s["op"].str);
    CHECK_FALSE(s["data"].has("sentry.segment.name.source"));  // root only
  }
  const json* a = span_named(body, "validate cart");
  const json* b = span_named(body, "SELECT cart");
  const json* c = span_named(body, "charge card");
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(c);
  CHECK((*a)["span_id"].str == a_id);
  CHECK((*a)["parent_span_id"].str == root_id);
  CHECK((*a)["op"].str == "function");
  CHECK((*a)["status"].str == "ok");
  CHECK((*a)["origin"].str == "manual");
  CHECK((*a)["start_timestamp"].str == "2026-01-01T10:00:00.000100Z");
  CHECK((*a)["timestamp"].str == "2026-01-01T10:00:00.000600Z");
  CHECK((*b)["span_id"].str == b_id);
  CHECK((*b)["parent_span_id"].str == a_id);
  CHECK((*b)["op"].str == "db.query");
  CHECK((*b)["status"].str == "not_found");
  CHECK((*b)["data"]["db.system"].str == "postgresql");
  CHECK((*b)["start_timestamp"].str == "2026-01-01T10:00:00.000200Z");
  CHECK((*b)["timestamp"].str == "2026-01-01T10:00:00.000500Z");
  CHECK((*c)["span_id"].str == c_id);
  CHECK((*c)["parent_span_id"].str == root_id);
  CHECK((*c)["origin"].str == "auto.http.curl");
  CHECK((*c)["timestamp"].str == "2026-01-01T10:00:00.001600Z");
  CHECK(body["timestamp"].str == "2026-01-01T10:00:00.001600Z");
}

TEST_CASE("measurements carry value and unit; an over-long unit becomes none; NaN is dropped and counted") {
  harness h;
  REQUIRE(h.init());
  auto e = send_one(h, [] {
    st::scoped_span root({"GET /measure", "http.server"});
    st::set_measurement("ttfb", 12.5, "millisecond");
    st::set_measurement("items", 3);
    st::set_measurement("custom", 1.0, "fifteen_bytes_u");              // 15 bytes: a custom unit
    st::set_measurement("long_unit", 2.0, "sixteen_bytes_un");          // 16 bytes: none
    st::set_measurement("non_ascii", 4.0, "\xc2\xb5s");                 // "µs": none
    st::set_measurement("no_unit", 5.0, "");
    st::set_measurement("nan", std::numeric_limits<double>::quiet_NaN(), "second");
    st::set_measurement("inf", std::numeric_limits<double>::infinity(), "second");
    st::set_measurement("replaced", 1.0, "byte");
    st::set_measurement("replaced", 2.0, "kilobyte");
    st::scoped_span child({"child", "task"});
    st::set_measurement("from_child", 7.0, "percent");  // lands on the transaction
  });
  const json& m = e.items[0].body["measurements"];
  CHECK(m["ttfb"]["value"].raw_number == "12.5");
  CHECK(m["ttfb"]["unit"].str == "millisecond");
  CHECK(m["items"]["value"].raw_number == "3");
  CHECK(m["items"]["unit"].str == "none");
  CHECK(m["custom"]["unit"].str == "fifteen_bytes_u");
  CHECK(m["long_unit"]["value"].raw_number == "2");
  CHECK(m["long_unit"]["unit"].str == "none");
  CHECK(m["non_ascii"]["unit"].str == "none");
  CHECK(m["no_unit"]["value"].raw_number == "5");
  CHECK_FALSE(m["no_unit"].has("unit"));
  CHECK_FALSE(m.has("nan"));
  CHECK_FALSE(m.has("inf"));
  CHECK(m["replaced"]["value"].raw_number == "2");
  CHECK(m["replaced"]["unit"].str == "kilobyte");
  CHECK(m["from_child"]["unit"].str == "percent");
  std::size_t replaced = 0;
  for (auto& member : m.members) replaced += member.first == "replaced" ? 1 : 0;
  CHECK(replaced == 1);
  CHECK(m.size() == 8);
  CHECK(st::get_stats().measurements_dropped == 2);
}

TEST_CASE("a measurement without an active sampled transaction is dropped and counted") {
  harness h;
  REQUIRE(h.init());
  st::set_measurement("orphan", 1.0, "second");
  CHECK(st::get_stats().measurements_dropped == 1);
  auto e = send_one(h, [] { st::scoped_span root({"GET /no-measure", "http.server"}); });
  CHECK_FALSE(e.items[0].body.has("measurements"));
}

TEST_CASE("an empty op is written as default and an empty name as <unlabeled transaction>") {
  harness h;
  REQUIRE(h.init());
  auto e = send_one(h, [] {
    st::scoped_span root({"", ""});
    st::scoped_span child({"", ""});
  });
  const json& body = e.items[0].body;
  CHECK(body["transaction"].str == "<unlabeled transaction>");
  CHECK(e.header["trace"]["transaction"].str == "<unlabeled transaction>");
  CHECK(body["contexts"]["trace"]["op"].str == "default");
  CHECK(body["contexts"]["trace"]["data"]["sentry.op"].str == "default");
  REQUIRE(body["spans"].size() == 1);
  CHECK(body["spans"][0]["op"].str == "default");
  CHECK(body["spans"][0]["description"].str.empty());
}

TEST_CASE("the trace header is the head-of-trace DSC with string values") {
  harness h;
  REQUIRE(h.init());
  std::string trace_hex(32, '?');
  auto e = send_one(h, [&] {
    st::scoped_span root({"GET /dsc", "http.server"});
    root->trace().to_hex(&trace_hex[0]);
  });
  const json& dsc = e.header["trace"];
  for (auto& member : dsc.members) {
    CAPTURE(member.first);
    CHECK(member.second.kind == json::string_k);
  }
  CHECK(dsc["trace_id"].str == trace_hex);
  CHECK(dsc["public_key"].str == "public");
  CHECK(dsc["org_id"].str == "1");
  CHECK(dsc["release"].str == "test@1.0.0");
  CHECK(dsc["environment"].str == "test");
  CHECK(dsc["transaction"].str == "GET /dsc");
  CHECK(dsc["sample_rate"].str == "1");
  CHECK(dsc["sampled"].str == "true");
  const std::string& rand = dsc["sample_rand"].str;
  REQUIRE(rand.size() == 8);
  CHECK(rand.substr(0, 2) == "0.");
  for (std::size_t i = 2; i < 8; ++i) CHECK((rand[i] >= '0' && rand[i] <= '9'));
  CHECK(dsc.size() == 9);
}

TEST_CASE("the DSC's sample_rate is the rate that decided, e.g. 0.25, and sample_rand lies below it") {
  harness h;
  h.opts.traces_sample_rate = 0.25;
  REQUIRE(h.init());
  bool sampled = false;
  for (int i = 0; i < 400 && !sampled; ++i) {
    st::scoped_span root({"GET /quarter", "http.server"});
    sampled = root->is_sampled();
  }
  REQUIRE(sampled);
  auto txns = h.transport.transactions();
  REQUIRE(txns.size() == 1);
  const json& dsc = txns[0].header["trace"];
  CHECK(dsc["sample_rate"].str == "0.25");
  CHECK(dsc["sampled"].str == "true");
  CHECK(std::stod(dsc["sample_rand"].str) < 0.25);
  CHECK(txns[0].items[0].body["contexts"]["trace"]["data"]["sentry.sample_rate"].raw_number == "0.25");
}

TEST_CASE("with no DSN the trace header is left out") {
  harness h;
  h.opts.dsn = "";
  h.transport.save_for_interop_checks = false;
  REQUIRE(h.init());
  auto e = send_one(h, [] { st::scoped_span root({"GET /no-dsn", "http.server"}); });
  CHECK_FALSE(e.header.has("trace"));
  CHECK(e.header.has("event_id"));
  CHECK(e.header.has("sent_at"));
  CHECK(e.items[0].body["contexts"]["trace"].has("trace_id"));
}

TEST_CASE("a client report is its own envelope: header, client_report item with length, timestamp and discarded_events") {
  harness h;
  h.opts.traces_sample_rate = 0.0;
  REQUIRE(h.init());
  { st::scoped_span root({"dropped", "task"}); st::scoped_span child({"child", "task"}); }
  CHECK(h.transport.sent.empty());
  h.wall.now_us = 1767261600500000;
  REQUIRE(st::flush(0));
  REQUIRE(h.transport.sent.size() == 1);
  CHECK(h.transport.client_report[0]);
  const std::string& bytes = h.transport.sent[0];
  test_support::envelope e = test_support::parse_envelope(bytes);
  CHECK_FALSE(e.header.has("event_id"));
  CHECK_FALSE(e.header.has("trace"));
  CHECK(e.header["sent_at"].str == "2026-01-01T10:00:00.500000Z");
  CHECK(e.header["sdk"]["name"].str == st::sdk_name);
  REQUIRE(e.items.size() == 1);
  const test_support::envelope_item& item = e.items[0];
  CHECK(item.header["type"].str == "client_report");
  REQUIRE(item.header.has("length"));
  CHECK(static_cast<std::size_t>(item.header["length"].num) == item.payload.size());
  CHECK(bytes.size() == bytes.find('\n', bytes.find('\n') + 1) + 1 + item.payload.size());
  REQUIRE(item.body["timestamp"].kind == json::number_k);
  CHECK(item.body["timestamp"].num == doctest::Approx(1767261600.5));
  const json& events = item.body["discarded_events"];
  REQUIRE(events.kind == json::array_k);
  REQUIRE(events.size() == 2);
  bool saw_transaction = false, saw_span = false;
  for (const json& d : events.items) {
    CHECK(d["reason"].str == "sample_rate");
    CHECK(d["quantity"].kind == json::number_k);
    if (d["category"].str == "transaction") {
      saw_transaction = true;
      CHECK(d["quantity"].raw_number == "1");
    }
    if (d["category"].str == "span") {
      saw_span = true;
      CHECK(d["quantity"].raw_number == "2");
    }
  }
  CHECK(saw_transaction);
  CHECK(saw_span);
  CHECK(st::get_stats().client_reports_sent == 1);
}

TEST_CASE("client reports are sent only on flush with something pending, summed per (reason, category), then reset") {
  harness h;
  h.opts.traces_sample_rate = 0.0;
  REQUIRE(h.init());
  REQUIRE(st::flush(0));
  CHECK(h.transport.sent.empty());  // nothing pending: no report
  CHECK(h.transport.flushes == 1);  // but the transport was flushed
  for (int i = 0; i < 3; ++i) {
    st::scoped_span root({"dropped", "task"});
  }
  CHECK(h.transport.sent.empty());  // not sent until flush
  REQUIRE(st::flush(0));
  REQUIRE(h.transport.sent.size() == 1);
  test_support::envelope e = test_support::parse_envelope(h.transport.sent[0]);
  const json& events = e.items[0].body["discarded_events"];
  std::size_t transaction_entries = 0;
  for (const json& d : events.items)
    if (d["reason"].str == "sample_rate" && d["category"].str == "transaction") {
      ++transaction_entries;
      CHECK(d["quantity"].raw_number == "3");
    }
  CHECK(transaction_entries == 1);
  REQUIRE(st::flush(0));
  CHECK(h.transport.sent.size() == 1);  // reset after being sent: nothing new
  { st::scoped_span root({"dropped again", "task"}); }
  REQUIRE(st::flush(0));
  REQUIRE(h.transport.sent.size() == 2);
  test_support::envelope e2 = test_support::parse_envelope(h.transport.sent[1]);
  for (const json& d : e2.items[0].body["discarded_events"].items) CHECK(d["quantity"].raw_number == "1");
  CHECK(h.transport.discarded("sample_rate", "transaction") == 4);
  CHECK(h.transport.discarded("sample_rate", "span") == 4);
}

TEST_CASE("send_client_reports = false sends no client report") {
  harness h;
  h.opts.traces_sample_rate = 0.0;
  h.opts.send_client_reports = false;
  REQUIRE(h.init());
  { st::scoped_span root({"dropped", "task"}); }
  REQUIRE(st::flush(0));
  CHECK(h.transport.sent.empty());
}

TEST_CASE("a child still open when its root ends is left out and counted as invalid") {
  harness h;
  REQUIRE(h.init());
  st::span open_child;
  auto e = send_one(h, [&] {
    st::span root = st::start_span_manual({"GET /early-end", "http.server"});
    open_child = st::start_inactive_span({"never ended in time", "task"});
    { st::scoped_span done({"done", "task"}); }
    root.end();
  });
  const json& body = e.items[0].body;
  REQUIRE(body["spans"].size() == 1);
  CHECK(body["spans"][0]["description"].str == "done");
  open_child.end();  // too late: sends nothing
  REQUIRE(st::flush(0));
  CHECK(h.transport.transactions().size() == 1);
  CHECK(h.transport.discarded("invalid", "span") == 1);
}

TEST_CASE("a transaction larger than the envelope buffer keeps the spans that fit and counts the rest as buffer_overflow") {
  harness h;
  REQUIRE(h.init());
  namespace d = st::detail;
  auto block = std::make_unique<d::transaction_block>();
  d::transaction_block& b = *block;
  REQUIRE(b.try_claim());
  b.reset_contents();
  b.trace = st::trace_id{0x4bf92f3577b34da6ull, 0xa3ce929d0e0e4736ull};
  b.sample_rate = 1.0;
  b.sample_rate_known = true;
  b.sample_rand_micros = 421337;
  b.source = st::transaction_source::custom;
  b.max_children.store(SENTRY_TRACE_MAX_SPANS);
  const std::uint64_t t0 = 1'000'000'000;
  const st::span_id root_id{0x00f067aa0ba902b7ull};
  d::span_record& root = b.init_slot(0, root_id, st::span_id{}, t0);
  root.name = b.copy("big transaction");
  root.op = b.copy("task");
  constexpr std::uint32_t children = 200;
  for (std::uint32_t i = 0; i < children; ++i) {
    std::int32_t slot = b.claim_child(b.generation());
    REQUIRE(slot == static_cast<std::int32_t>(i + 1));
    d::span_record& r = b.init_slot(static_cast<std::uint32_t>(slot), st::span_id{0x1000ull + i}, root_id, t0 + i * 1000);
    r.name = b.copy("a child span with a description long enough to fill the buffer quickly");
    r.op = b.copy("db.query");
    r.end_ticks = r.start_ticks + 500;
    r.state.store(d::slot_ended);
    b.close_one();
  }
  // One more child that never ended.
  std::int32_t open_slot = b.claim_child(b.generation());
  REQUIRE(open_slot == static_cast<std::int32_t>(children + 1));
  d::span_record& open = b.init_slot(static_cast<std::uint32_t>(open_slot), st::span_id{0x9999}, root_id, t0);
  open.state.store(d::slot_started);
  root.end_ticks = t0 + 1'000'000;
  root.state.store(d::slot_ended);
  const std::uint32_t handed_out = b.begin_closing();
  REQUIRE(handed_out == children + 2);

  d::envelope_context ctx;
  ctx.public_key = "public";
  ctx.environment = "test";
  ctx.anchor.epoch_us = 1767261600000000;
  ctx.anchor.mono_ns = t0;
  ctx.sent_at_epoch_us = 1767261601000000;
  std::vector<char> buf(16 * 1024 + 6 * 1024);
  std::vector<std::uint16_t> slots(handed_out);
  d::transaction_write w = d::write_transaction_envelope(buf.data(), buf.size(), b, handed_out, ctx, slots.data());
  REQUIRE_FALSE(w.bytes.empty());
  CHECK(w.bytes.data() >= buf.data());
  CHECK(w.bytes.data() + w.bytes.size() <= buf.data() + buf.size());
  test_support::envelope e = test_support::parse_envelope(w.bytes);  // throws if malformed
  REQUIRE(e.items.size() == 1);
  const json& body = e.items[0].body;
  CHECK(body["transaction"].str == "big transaction");
  CHECK(w.spans_written > 0);
  CHECK(w.spans_written < children);
  CHECK(body["spans"].size() == w.spans_written);
  CHECK(static_cast<std::size_t>(e.items[0].header["length"].num) == e.items[0].payload.size());
  CHECK(w.slots == slots.data());
  CHECK(slots[0] == 0);
  for (std::size_t i = 1; i <= w.spans_written; ++i) CHECK(slots[i] == i);  // the earliest spans are kept
  for (std::size_t i = 0; i < w.spans_written; ++i) {
    char hex[16];
    st::span_id{0x1000ull + i}.to_hex(hex);
    CHECK(body["spans"][i]["span_id"].str == std::string(hex, 16));
  }
  CHECK(e.header["trace"]["sample_rand"].str == "0.421337");
  const auto overflowed = children - static_cast<std::uint32_t>(w.spans_written);
  CHECK(d::g_outcomes.pending[static_cast<std::size_t>(st::discard_reason::buffer_overflow)]
                             [static_cast<std::size_t>(st::data_category::span)]
                                 .load() == overflowed);
  CHECK(d::g_outcomes.pending[static_cast<std::size_t>(st::discard_reason::invalid)]
                             [static_cast<std::size_t>(st::data_category::span)]
                                 .load() == 1);
  // The transaction itself went out: no transaction is counted as lost.
  CHECK(d::g_outcomes.pending[static_cast<std::size_t>(st::discard_reason::buffer_overflow)]
                             [static_cast<std::size_t>(st::data_category::transaction)]
                                 .load() == 0);
  REQUIRE(st::flush(0));
  CHECK(h.transport.discarded("buffer_overflow", "span") == overflowed);
  CHECK(h.transport.discarded("invalid", "span") == 1);
}

TEST_CASE("a buffer too small for the transaction itself produces nothing and counts the whole transaction") {
  harness h;
  REQUIRE(h.init());
  namespace d = st::detail;
  auto block = std::make_unique<d::transaction_block>();
  d::transaction_block& b = *block;
  REQUIRE(b.try_claim());
  b.reset_contents();
  b.trace = st::trace_id{1, 2};
  b.max_children.store(SENTRY_TRACE_MAX_SPANS);
  d::span_record& root = b.init_slot(0, st::span_id{7}, st::span_id{}, 0);
  root.name = b.copy(std::string(1000, 'n'));
  root.state.store(d::slot_ended);
  const std::uint32_t handed_out = b.begin_closing();
  d::envelope_context ctx;
  ctx.environment = "test";
  std::vector<char> buf(12 * 1024 + 1024);  // far less than the ~41 KB payload below needs
  std::vector<std::uint16_t> slots(handed_out);
  for (int i = 0; i < 40; ++i) {
    const std::string key = "attribute_key_" + std::to_string(i);
    if (d::attribute_record* a = b.attribute_for(0, key)) {
      a->text = b.copy(std::string(1000, 'v'));
      a->type = d::attribute_type::string;
    }
  }
  d::transaction_write w = d::write_transaction_envelope(buf.data(), buf.size(), b, handed_out, ctx, slots.data());
  CHECK(w.bytes.empty());
  CHECK(d::g_outcomes.pending[static_cast<std::size_t>(st::discard_reason::buffer_overflow)]
                             [static_cast<std::size_t>(st::data_category::transaction)]
                                 .load() == 1);
  CHECK(d::g_outcomes.pending[static_cast<std::size_t>(st::discard_reason::buffer_overflow)]
                             [static_cast<std::size_t>(st::data_category::span)]
                                 .load() == 1);
}

} // TEST_SUITE
