// Tests for sentry_trace/distributed.hpp: continue_trace() (sentry-trace, baggage, traceparent,
// org check, malformed input), get_trace_headers() at the head of a trace and inside a continued
// one, inject()/extract() through a carrier, and capture_exception()/capture_message() linked to
// the active span. Every case inits and shuts down through test_support::harness and asserts on
// the outgoing header values and on the envelopes the transport received.

#include "fixture.hpp"

#include <doctest/doctest.h>

#include <cstdlib>

#include <cstddef>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

namespace st = sentry_trace;
namespace ts = test_support;
using ts::json;

using test_support::hex;

int unhex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && unhex(s[i + 1]) >= 0 && unhex(s[i + 2]) >= 0) {
      out += static_cast<char>(unhex(s[i + 1]) * 16 + unhex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}
std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

/// A baggage value split into members, in order: (raw key, raw value incl. properties).
std::vector<std::pair<std::string, std::string>> members(std::string_view bag) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!bag.empty()) {
    std::size_t comma = bag.find(',');
    std::string_view m = bag.substr(0, comma);
    bag = comma == std::string_view::npos ? std::string_view() : bag.substr(comma + 1);
    std::size_t eq = m.find('=');
    if (eq == std::string_view::npos) continue;
    out.emplace_back(trim(m.substr(0, eq)), trim(m.substr(eq + 1)));
  }
  return out;
}
/// The sentry- members of a baggage value, decoded (key without the prefix).
std::map<std::string, std::string> sentry_members(std::string_view bag) {
  std::map<std::string, std::string> out;
  for (auto& kv : members(bag))
    if (kv.first.rfind("sentry-", 0) == 0) out[kv.first.substr(7)] = percent_decode(kv.second);
  return out;
}
/// A JSON object of strings as a map (the envelope header's `trace`).
std::map<std::string, std::string> string_map(const json& obj) {
  std::map<std::string, std::string> out;
  for (auto& m : obj.members) {
    CHECK_MESSAGE(m.second.kind == json::string_k, "DSC value of ", m.first, " is not a string");
    out[m.first] = m.second.str;
  }
  return out;
}
/// Whether every sentry- member comes before the first third-party one.
bool sentry_members_first(std::string_view bag) {
  bool seen_other = false;
  for (auto& kv : members(bag)) {
    const bool is_sentry = kv.first.rfind("sentry-", 0) == 0;
    if (!is_sentry) seen_other = true;
    else if (seen_other) return false;
  }
  return true;
}

std::vector<ts::envelope> events(const ts::capture_transport& cap) {
  std::vector<ts::envelope> out;
  for (auto& s : cap.sent) {
    ts::envelope e = ts::parse_envelope(s);
    if (e.item("event")) out.push_back(std::move(e));
  }
  return out;
}

bool is_lower_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

struct map_carrier {
  std::map<std::string, std::string> m;
  void set(std::string_view k, std::string_view v) { m[std::string(k)] = std::string(v); }
  std::string_view get(std::string_view k) const {
    auto it = m.find(std::string(k));
    return it == m.end() ? std::string_view() : std::string_view(it->second);
  }
};

const std::string in_trace = "771a43a4192642f0b136d5159a501700";
const std::string in_span = "b7ad6b7169203331";
const std::string in_sentry_bag =
    "sentry-trace_id=771a43a4192642f0b136d5159a501700,sentry-public_key=49d0f7386ad645858ae85020e393bef3,"
    "sentry-sample_rate=1,sentry-sample_rand=0.9282821712553584,sentry-release=shop%402.3.4,"
    "sentry-environment=prod,sentry-transaction=GET%20%2Forders%2F%3Aid,sentry-sampled=true,sentry-org_id=1";
const std::string in_bag = in_sentry_bag + ",vendor=abc,other=x%20y;prop=1";

const std::map<std::string, std::string> in_dsc = {
    {"trace_id", "771a43a4192642f0b136d5159a501700"},
    {"public_key", "49d0f7386ad645858ae85020e393bef3"},
    {"sample_rate", "1"},
    {"sample_rand", "0.9282821712553584"},
    {"release", "shop@2.3.4"},
    {"environment", "prod"},
    {"transaction", "GET /orders/:id"},
    {"sampled", "true"},
    {"org_id", "1"},
};

} // namespace

TEST_SUITE("distributed") {

TEST_CASE("continue_trace with a sampled sentry-trace and Sentry baggage continues it and freezes the DSC") {
  ts::harness h;
  REQUIRE(h.init());
  std::string out_trace, out_bag, span_id_hex;
  st::continue_trace(in_trace + "-" + in_span + "-1", in_bag, [&] {
    st::start_span({"GET /orders/:id", "http.server"}, [&](st::span& s) {
      CHECK(hex(s.trace()) == in_trace);
      CHECK(s.is_sampled());
      span_id_hex = hex(s.id());
      st::trace_headers th = st::get_trace_headers();
      out_trace = std::string(th.sentry_trace);
      out_bag = std::string(th.baggage);
      CHECK(th.traceparent.empty());
    });
  });
  CHECK(out_trace == in_trace + "-" + span_id_hex + "-1");
  CHECK(sentry_members(out_bag) == in_dsc);
  CHECK(out_bag.find("sentry-sample_rand=0.9282821712553584") != std::string::npos);
  CHECK(out_bag.find("vendor=abc") != std::string::npos);
  CHECK(out_bag.find("other=x%20y;prop=1") != std::string::npos);
  CHECK(sentry_members_first(out_bag));

  auto txs = h.transport.transactions();
  REQUIRE(txs.size() == 1);
  const json& body = txs[0].item("transaction")->body;
  CHECK(body["contexts"]["trace"]["trace_id"].str == in_trace);
  CHECK(body["contexts"]["trace"]["parent_span_id"].str == in_span);
  CHECK(body["contexts"]["trace"]["span_id"].str == span_id_hex);
  CHECK(string_map(txs[0].header["trace"]) == in_dsc);
}

TEST_CASE("an incoming -0 is not sampled even at rate 1, and says so downstream") {
  ts::harness h;
  REQUIRE(h.init());
  std::string bag = "sentry-trace_id=" + in_trace + ",sentry-public_key=k,sentry-sampled=false,sentry-sample_rand=0.5";
  std::string out_trace, out_bag, sid;
  st::continue_trace(in_trace + "-" + in_span + "-0", bag, [&] {
    st::start_span({"work", "task"}, [&](st::span& s) {
      CHECK_FALSE(s.is_sampled());
      CHECK_FALSE(s.is_recording());
      sid = hex(s.id());
      st::trace_headers th = st::get_trace_headers();
      out_trace = std::string(th.sentry_trace);
      out_bag = std::string(th.baggage);
    });
  });
  CHECK(out_trace == in_trace + "-" + sid + "-0");
  auto m = sentry_members(out_bag);
  CHECK(m["sampled"] == "false");
  CHECK(m["trace_id"] == in_trace);
  CHECK(m["sample_rand"] == "0.5");
  CHECK(h.transactions_sent() == 0);
  st::flush(0);
  CHECK(h.transport.discarded("sample_rate", "transaction") == 1);
}

TEST_CASE("an incoming -1 is sampled even at rate 0") {
  ts::harness h;
  h.opts.traces_sample_rate = 0.0;
  REQUIRE(h.init());
  std::string out_trace, sid;
  st::continue_trace(in_trace + "-" + in_span + "-1", "sentry-trace_id=" + in_trace + ",sentry-public_key=k", [&] {
    st::start_span({"work", "task"}, [&](st::span& s) {
      CHECK(s.is_sampled());
      sid = hex(s.id());
      out_trace = std::string(st::get_trace_headers().sentry_trace);
    });
  });
  CHECK(out_trace == in_trace + "-" + sid + "-1");
  auto txs = h.transport.transactions();
  REQUIRE(txs.size() == 1);
  CHECK(txs[0].item("transaction")->body["contexts"]["trace"]["parent_span_id"].str == in_span);
}

TEST_CASE("an incoming sample_rand that is not a plain decimal in [0, 1) is replaced by one of ours") {
  // @sentry/core reads sample_rand with parseFloat and adopts "1" (as 1), "5e-1" and "0.5abc"
  // (as 0.5); we accept only what the SDKs write, a plain decimal below 1, and otherwise draw
  // one consistent with the incoming decision and rate (a deliberate difference, README).
  for (const char* theirs : {"1", "1.0", "5e-1", "0.5abc", "-0.5", "0x1p-1", ".", "0.5%20x"}) {
    CAPTURE(theirs);
    ts::harness h;
    REQUIRE(h.init());
    std::string bag = "sentry-trace_id=" + in_trace + ",sentry-public_key=k,sentry-sample_rate=0.25,sentry-sample_rand=" +
                      theirs;
    std::string out_bag;
    st::continue_trace(in_trace + "-" + in_span + "-1", bag, [&] {
      st::start_span({"work", "task"}, [&](st::span&) { out_bag = std::string(st::get_trace_headers().baggage); });
    });
    auto m = sentry_members(out_bag);
    REQUIRE(m.count("sample_rand") == 1);
    const std::string ours = m["sample_rand"];
    CHECK(ours.size() == 8);
    CHECK(ours.rfind("0.", 0) == 0);
    CHECK(std::strtod(ours.c_str(), nullptr) < 0.25);  // consistent with the sampled parent at 0.25
    auto txs = h.transport.transactions();
    REQUIRE(txs.size() == 1);
    CHECK(txs[0].header["trace"]["sample_rand"].str == ours);
  }
}

TEST_CASE("a deferred incoming trace is decided here; the baggage gains sample_rate and sample_rand") {
  for (double rate : {1.0, 0.0}) {
    CAPTURE(rate);
    ts::harness h;
    h.opts.traces_sample_rate = rate;
    REQUIRE(h.init());
    std::string bag = "sentry-trace_id=" + in_trace + ",sentry-public_key=k,vendor=v";
    std::string out_trace, out_bag, sid;
    st::continue_trace(in_trace + "-" + in_span, bag, [&] {
      st::start_span({"work", "task"}, [&](st::span& s) {
        CHECK(s.is_sampled() == (rate == 1.0));
        sid = hex(s.id());
        st::trace_headers th = st::get_trace_headers();
        out_trace = std::string(th.sentry_trace);
        out_bag = std::string(th.baggage);
      });
    });
    CHECK(out_trace == in_trace + "-" + sid + (rate == 1.0 ? "-1" : "-0"));
    auto m = sentry_members(out_bag);
    CHECK(m["trace_id"] == in_trace);
    CHECK(m["public_key"] == "k");
    CHECK(m["sample_rate"] == (rate == 1.0 ? "1" : "0"));
    REQUIRE(m.count("sample_rand") == 1);
    CHECK(m["sample_rand"].size() == 8);
    CHECK(m["sample_rand"].rfind("0.", 0) == 0);
    CHECK(out_bag.find("vendor=v") != std::string::npos);
    CHECK(h.transactions_sent() == (rate == 1.0 ? 1u : 0u));
  }
}

TEST_CASE("sentry-trace without baggage: the outgoing baggage is only sentry-sample_rand") {
  ts::harness h;
  h.transport.save_for_interop_checks = false;  // no DSC on purpose: the interop checker wants one
  REQUIRE(h.init());
  std::string out_bag;
  st::continue_trace(in_trace + "-" + in_span + "-1", "", [&] {
    st::start_span({"work", "task"}, [&](st::span&) { out_bag = std::string(st::get_trace_headers().baggage); });
  });
  auto ms = members(out_bag);
  REQUIRE(ms.size() == 1);
  CHECK(ms[0].first == "sentry-sample_rand");
  CHECK(ms[0].second.size() == 8);
  // A sampled decision from a caller without a rate: any value in [0,1) will do.
  CHECK(ms[0].second.rfind("0.", 0) == 0);
  // No trace_id/public_key in the frozen DSC: the envelope carries no `trace` header.
  auto txs = h.transport.transactions();
  REQUIRE(txs.size() == 1);
  CHECK_FALSE(txs[0].header.has("trace"));
  CHECK(txs[0].item("transaction")->body["contexts"]["trace"]["trace_id"].str == in_trace);
}

TEST_CASE("a malformed sentry-trace starts a new trace, keeps third-party baggage and logs why") {
  const std::string bad[] = {
      "771A43A4192642F0B136D5159A501700-B7AD6B7169203331-1",  // uppercase
      "771a43a4192642f0b136d5159a5017-b7ad6b7169203331-1",    // short trace id
      "00000000000000000000000000000000-0000000000000000-1",  // all zeros
  };
  for (const std::string& header : bad) {
    CAPTURE(header);
    ts::harness h;
    h.opts.debug = true;
    REQUIRE(h.init());
    std::string out_bag, out_trace, tid;
    st::continue_trace(header, "vendor=abc,sentry-trace_id=" + in_trace + ",sentry-public_key=k", [&] {
      st::start_span({"work", "task"}, [&](st::span& s) {
        tid = hex(s.trace());
        st::trace_headers th = st::get_trace_headers();
        out_trace = std::string(th.sentry_trace);
        out_bag = std::string(th.baggage);
      });
    });
    CHECK(tid != in_trace);
    CHECK(tid != std::string(32, '0'));
    CHECK(out_trace.rfind(tid, 0) == 0);
    auto m = sentry_members(out_bag);
    CHECK(m["trace_id"] == tid);
    CHECK(m["public_key"] == "public");
    CHECK(out_bag.find("vendor=abc") != std::string::npos);
    CHECK(h.log.contains("malformed sentry-trace"));
    auto txs = h.transport.transactions();
    REQUIRE(txs.size() == 1);
    CHECK_FALSE(txs[0].item("transaction")->body["contexts"]["trace"].has("parent_span_id"));
    CHECK(txs[0].header["trace"]["trace_id"].str == tid);
  }
}

TEST_CASE("a traceparent continues the trace when sentry-trace is absent; propagate_traceparent emits one") {
  ts::harness h;
  h.opts.propagate_traceparent = true;
  h.opts.traces_sample_rate = 0.0;  // the -01 flag decides
  REQUIRE(h.init());
  std::string out_tp, out_trace, sid;
  st::continue_trace("", "sentry-trace_id=" + in_trace + ",sentry-public_key=k", "00-" + in_trace + "-" + in_span + "-01", [&] {
    st::start_span({"work", "task"}, [&](st::span& s) {
      CHECK(hex(s.trace()) == in_trace);
      CHECK(s.is_sampled());
      sid = hex(s.id());
      st::trace_headers th = st::get_trace_headers();
      out_tp = std::string(th.traceparent);
      out_trace = std::string(th.sentry_trace);
    });
  });
  CHECK(out_tp.size() == 55);
  CHECK(out_tp == "00-" + in_trace + "-" + sid + "-01");
  CHECK(out_trace == in_trace + "-" + sid + "-1");
  auto txs = h.transport.transactions();
  REQUIRE(txs.size() == 1);
  CHECK(txs[0].item("transaction")->body["contexts"]["trace"]["parent_span_id"].str == in_span);
}

TEST_CASE("an incoming org_id other than ours starts a new trace") {
  ts::harness h;
  h.opts.debug = true;
  REQUIRE(h.init());
  std::string tid, out_bag;
  std::string bag = "sentry-trace_id=" + in_trace + ",sentry-public_key=k,sentry-org_id=2,sentry-sampled=true";
  st::continue_trace(in_trace + "-" + in_span + "-1", bag, [&] {
    st::start_span({"work", "task"}, [&](st::span& s) {
      tid = hex(s.trace());
      out_bag = std::string(st::get_trace_headers().baggage);
    });
  });
  CHECK(tid != in_trace);
  auto m = sentry_members(out_bag);
  CHECK(m["org_id"] == "1");
  CHECK(m["trace_id"] == tid);
  CHECK(h.log.contains("org_id"));
  auto txs = h.transport.transactions();
  REQUIRE(txs.size() == 1);
  CHECK_FALSE(txs[0].item("transaction")->body["contexts"]["trace"].has("parent_span_id"));
}

TEST_CASE("the head of a trace propagates its full DSC and freezes it at the first headers") {
  ts::harness h;
  REQUIRE(h.init());
  std::string out_trace, out_bag, tid, sid;
  st::start_span({"GET /cart", "http.server"}, [&](st::span& s) {
    tid = hex(s.trace());
    sid = hex(s.id());
    st::trace_headers th = st::get_trace_headers();
    out_trace = std::string(th.sentry_trace);
    out_bag = std::string(th.baggage);
    s.set_name("renamed later");
    // Still the frozen DSC.
    CHECK(std::string(st::get_trace_headers().baggage) == out_bag);
  });
  CHECK(out_trace == tid + "-" + sid + "-1");
  auto m = sentry_members(out_bag);
  CHECK(m["trace_id"] == tid);
  CHECK(m["public_key"] == "public");
  CHECK(m["org_id"] == "1");
  CHECK(m["release"] == "test@1.0.0");
  CHECK(m["environment"] == "test");
  CHECK(m["transaction"] == "GET /cart");
  CHECK(m["sample_rate"] == "1");
  CHECK(m["sampled"] == "true");
  CHECK(m["sample_rand"].size() == 8);
  CHECK(m.size() == 9);
  CHECK(out_bag.find("sentry-transaction=GET%20%2Fcart") != std::string::npos);

  auto txs = h.transport.transactions();
  REQUIRE(txs.size() == 1);
  CHECK(txs[0].item("transaction")->body["transaction"].str == "renamed later");
  CHECK(string_map(txs[0].header["trace"]) == m);
}

TEST_CASE("an unsampled root at the head propagates -0 with sampled=false, stably") {
  ts::harness h;
  h.opts.traces_sample_rate = 0.0;
  REQUIRE(h.init());
  std::string a_trace, a_bag, b_trace, b_bag, tid, sid;
  st::start_span({"job", "task"}, [&](st::span& s) {
    tid = hex(s.trace());
    sid = hex(s.id());
    {
      st::trace_headers th = st::get_trace_headers();
      a_trace = std::string(th.sentry_trace);
      a_bag = std::string(th.baggage);
    }
    st::trace_headers th = st::get_trace_headers();
    b_trace = std::string(th.sentry_trace);
    b_bag = std::string(th.baggage);
  });
  CHECK(a_trace == tid + "-" + sid + "-0");
  CHECK(a_trace == b_trace);
  CHECK(a_bag == b_bag);
  auto m = sentry_members(a_bag);
  CHECK(m["trace_id"] == tid);
  CHECK(m["sampled"] == "false");
  CHECK(m["sample_rate"] == "0");
  CHECK(m["sample_rand"].size() == 8);
  CHECK(h.transactions_sent() == 0);
}

TEST_CASE("with no span at all the headers carry this thread's stable trace id and no flag") {
  ts::harness h;
  REQUIRE(h.init());
  std::string a, b, bag;
  {
    st::trace_headers th = st::get_trace_headers();
    a = std::string(th.sentry_trace);
    bag = std::string(th.baggage);
  }
  b = std::string(st::get_trace_headers().sentry_trace);
  REQUIRE(a.size() == 49);  // 32 + 1 + 16: no flag, the decision is deferred
  CHECK(a[32] == '-');
  CHECK(is_lower_hex(a.substr(0, 32)));
  CHECK(is_lower_hex(a.substr(33)));
  CHECK(a.substr(0, 32) == b.substr(0, 32));
  auto m = sentry_members(bag);
  CHECK(m["trace_id"] == a.substr(0, 32));
  CHECK(m.count("sampled") == 0);
  // A capture_message outside any span shares that trace id.
  CHECK(st::capture_message("outside"));
  auto evs = events(h.transport);
  REQUIRE(evs.size() == 1);
  CHECK(evs[0].item("event")->body["contexts"]["trace"]["trace_id"].str == a.substr(0, 32));
}

TEST_CASE("no trace headers before init() or after shutdown(), as @sentry/core's getTraceData without a client") {
  auto check_none = [](const char* when) {
    CAPTURE(when);
    st::trace_headers th = st::get_trace_headers();
    CHECK(th.sentry_trace.empty());
    CHECK(th.baggage.empty());
    CHECK(th.traceparent.empty());
    std::map<std::string, std::string> carrier;
    struct setter {
      std::map<std::string, std::string>& m;
      void set(std::string_view k, std::string_view v) { m[std::string(k)] = std::string(v); }
    } out{carrier};
    CHECK_FALSE(st::inject(out));
    CHECK(carrier.empty());
  };
  check_none("before init");
  {
    ts::harness h;
    h.opts.propagate_traceparent = true;
    REQUIRE(h.init());
    CHECK_FALSE(st::get_trace_headers().sentry_trace.empty());  // the contrast: on while initialised
  }
  check_none("after shutdown");
  {
    ts::harness h;
    REQUIRE(h.init());
    st::span held = st::start_span_manual({"held", "task"});
    st::shutdown(0);
    check_none("after shutdown, inside a span of the previous run");
    held.end();
  }
}

TEST_CASE("nested continue_trace: each scope propagates its own caller's baggage, also after an inner one") {
  ts::harness h;
  REQUIRE(h.init());
  const std::string other_trace = "0af7651916cd43dd8448eb211c80319c";
  const std::string other_bag = "sentry-trace_id=" + other_trace +
                                ",sentry-public_key=49d0f7386ad645858ae85020e393bef3,sentry-sample_rand=0.5,inner=1";
  std::string before, inner, after;
  st::continue_trace(in_trace + "-" + in_span + "-1", in_bag, [&] {
    before = std::string(st::get_trace_headers().baggage);
    st::continue_trace(other_trace + "-" + in_span + "-1", other_bag,
                       [&] { inner = std::string(st::get_trace_headers().baggage); });
    after = std::string(st::get_trace_headers().baggage);
  });
  CHECK(sentry_members(before) == in_dsc);
  CHECK(before.find("vendor=abc") != std::string::npos);
  CHECK(sentry_members(inner)["trace_id"] == other_trace);
  CHECK(inner.find("inner=1") != std::string::npos);
  CHECK(inner.find("vendor=abc") == std::string::npos);
  CHECK(after == before);
}

TEST_CASE("the baggage view lasts until this thread's next get_trace_headers(), across span starts and ends") {
  ts::harness h;
  REQUIRE(h.init());
  std::string kept, fresh;
  st::continue_trace(in_trace + "-" + in_span + "-1", in_bag, [&] {
    st::trace_headers first = st::get_trace_headers();
    kept = std::string(first.baggage);
    { st::scoped_span s({"GET /orders", "http.server"}); }  // parses the caller's baggage into its block
    CHECK(std::string(first.baggage) == kept);
    st::scoped_span again({"GET /items", "http.server"});
    st::trace_headers second = st::get_trace_headers();
    fresh = std::string(second.baggage);
  });
  CHECK(sentry_members(kept) == in_dsc);
  CHECK(sentry_members(fresh) == in_dsc);
  CHECK(h.transport.transactions().size() == 2);
}

TEST_CASE("inject and extract through a std::map carrier, with trace_propagation_targets") {
  const std::string_view targets[] = {"api.example.com"};
  ts::harness h;
  h.opts.trace_propagation_targets = targets;
  h.opts.trace_propagation_target_count = 1;
  REQUIRE(h.init());
  map_carrier out, denied, plain;
  std::string tid, sid;
  st::start_span({"client", "http.client"}, [&](st::span& s) {
    tid = hex(s.trace());
    sid = hex(s.id());
    CHECK(st::inject(plain));
    CHECK(st::inject(out, "https://api.example.com/x"));
    CHECK_FALSE(st::inject(denied, "https://other.example.com"));
  });
  CHECK(plain.m.size() == 2);
  CHECK(out.m.size() == 2);
  CHECK(denied.m.empty());
  CHECK(out.m["sentry-trace"] == tid + "-" + sid + "-1");
  CHECK(sentry_members(out.m["baggage"])["trace_id"] == tid);

  // The receiving side: extract continues the carrier's trace.
  std::string child_trace;
  st::extract(out, [&] {
    st::start_span({"server", "http.server"}, [&](st::span& s) { child_trace = hex(s.trace()); });
  });
  CHECK(child_trace == tid);
  auto txs = h.transport.transactions();
  REQUIRE(txs.size() == 2);
  CHECK(txs[1].item("transaction")->body["contexts"]["trace"]["parent_span_id"].str == sid);
  CHECK(string_map(txs[1].header["trace"]) == sentry_members(out.m["baggage"]));
}

TEST_CASE("inject sets traceparent too with propagate_traceparent") {
  ts::harness h;
  h.opts.propagate_traceparent = true;
  REQUIRE(h.init());
  map_carrier c;
  st::start_span({"client", "http.client"}, [&](st::span&) { CHECK(st::inject(c)); });
  CHECK(c.m.size() == 3);
  CHECK(c.m["traceparent"].size() == 55);
  CHECK(c.m["traceparent"].substr(3, 32) == c.m["sentry-trace"].substr(0, 32));
}

TEST_CASE("capture_exception inside a span links the event to it") {
  ts::harness h;
  REQUIRE(h.init());
  std::string tid, root_id, child_id;
  st::start_span({"checkout", "http.server"}, [&](st::span& root) {
    tid = hex(root.trace());
    root_id = hex(root.id());
    st::start_span({"charge", "payment"}, [&](st::span& child) {
      child_id = hex(child.id());
      CHECK(st::capture_exception("PaymentDeclined", "card expired"));
    });
  });
  auto evs = events(h.transport);
  REQUIRE(evs.size() == 1);
  const json& ev = evs[0].item("event")->body;
  CHECK(ev["level"].str == "error");
  CHECK(ev["exception"]["values"][0]["type"].str == "PaymentDeclined");
  CHECK(ev["exception"]["values"][0]["value"].str == "card expired");
  CHECK(ev["contexts"]["trace"]["trace_id"].str == tid);
  CHECK(ev["contexts"]["trace"]["span_id"].str == child_id);
  CHECK(ev["contexts"]["trace"]["parent_span_id"].str == root_id);
  CHECK(ev["contexts"]["trace"]["op"].str == "payment");
  CHECK(evs[0].header["event_id"].str == ev["event_id"].str);
  auto txs = h.transport.transactions();
  REQUIRE(txs.size() == 1);
  REQUIRE(evs[0].header.has("trace"));
  CHECK(string_map(evs[0].header["trace"]) == string_map(txs[0].header["trace"]));
  CHECK(evs[0].header["trace"]["trace_id"].str == tid);
}

TEST_CASE("capture_message writes each level") {
  ts::harness h;
  REQUIRE(h.init());
  const std::pair<st::level, const char*> levels[] = {
      {st::level::debug, "debug"}, {st::level::info, "info"},   {st::level::warning, "warning"},
      {st::level::error, "error"}, {st::level::fatal, "fatal"},
  };
  st::start_span({"job", "task"}, [&](st::span&) {
    for (auto& l : levels) CHECK(st::capture_message(std::string("msg ") + l.second, l.first));
    CHECK(st::capture_message("default level"));
  });
  auto evs = events(h.transport);
  REQUIRE(evs.size() == 6);
  for (std::size_t i = 0; i < 5; ++i) {
    CHECK(evs[i].item("event")->body["level"].str == levels[i].second);
    CHECK(evs[i].item("event")->body["message"].str == std::string("msg ") + levels[i].second);
  }
  CHECK(evs[5].item("event")->body["level"].str == "info");
}

TEST_CASE("capture_exception outside any span inside continue_trace uses the incoming trace") {
  ts::harness h;
  REQUIRE(h.init());
  st::continue_trace(in_trace + "-" + in_span + "-1", in_bag, [&] { CHECK(st::capture_exception("E", "v")); });
  auto evs = events(h.transport);
  REQUIRE(evs.size() == 1);
  const json& tc = evs[0].item("event")->body["contexts"]["trace"];
  CHECK(tc["trace_id"].str == in_trace);
  CHECK(tc["parent_span_id"].str == in_span);
  CHECK(tc["span_id"].str.size() == 16);
  CHECK(tc["span_id"].str != in_span);
  CHECK(string_map(evs[0].header["trace"]) == in_dsc);
}

#if SENTRY_TRACE_EXCEPTIONS
TEST_CASE("capture_exception(std::exception) uses what() and the dynamic type (RTTI) or a given type") {
  ts::harness h;
  REQUIRE(h.init());
  CHECK(st::capture_exception(std::runtime_error("x")));
  CHECK(st::capture_exception(std::runtime_error("y"), "app::timeout"));
  auto evs = events(h.transport);
  REQUIRE(evs.size() == 2);
  CHECK(evs[0].item("event")->body["exception"]["values"][0]["value"].str == "x");
#if defined(__cpp_rtti) || defined(__GXX_RTTI)
  CHECK(evs[0].item("event")->body["exception"]["values"][0]["type"].str == "std::runtime_error");
#else
  CHECK(evs[0].item("event")->body["exception"]["values"][0]["type"].str == "std::exception");
#endif
  CHECK(evs[1].item("event")->body["exception"]["values"][0]["type"].str == "app::timeout");
}
#endif

TEST_CASE("capture_* return false when tracing is off") {
  ts::clean_sentry_env env;
  st::shutdown(0);
  CHECK_FALSE(st::capture_exception("E", "v"));
  CHECK_FALSE(st::capture_message("m"));
}

TEST_CASE("hostile baggage never yields an outgoing baggage with CR/LF or over 8192 bytes") {
  std::string crlf = "vendor=a\r\nX-Injected: 1,sentry-trace_id=" + in_trace + ",sentry-public_key=k\r\n,ok=1,evil=a%0D%0Ab";
  std::string huge = "sentry-trace_id=" + in_trace + ",sentry-public_key=k";
  for (int i = 0; huge.size() < 10 * 1024; ++i) huge += ",member" + std::to_string(i) + "=" + std::string(40, 'v');
  std::string one_huge = "sentry-trace_id=" + in_trace + ",big=" + std::string(10 * 1024, 'z');
  for (const std::string* bag : {&crlf, &huge, &one_huge}) {
    ts::harness h;
    h.transport.save_for_interop_checks = false;  // some have no usable DSC, on purpose
    REQUIRE(h.init());
    std::vector<std::string> outs;
    for (const char* trace_header : {"", "771a43a4192642f0b136d5159a501700-b7ad6b7169203331-1",
                                     "771a43a4192642f0b136d5159a501700-b7ad6b7169203331"}) {
      st::continue_trace(trace_header, *bag, [&] {
        outs.emplace_back(st::get_trace_headers().baggage);
        st::start_span({"work", "task"}, [&](st::span&) {
          outs.emplace_back(st::get_trace_headers().baggage);
          st::start_span({"child", "task"}, [&](st::span&) { outs.emplace_back(st::get_trace_headers().baggage); });
        });
      });
    }
    for (auto& o : outs) {
      CAPTURE(o.size());
      CHECK(o.size() <= 8192);
      CHECK(o.find('\r') == std::string::npos);
      CHECK(o.find('\n') == std::string::npos);
    }
    // The envelopes stay parseable, too.
#if SENTRY_TRACE_EXCEPTIONS
    for (auto& s : h.transport.sent) CHECK_NOTHROW(ts::parse_envelope(s));
#else
    for (auto& s : h.transport.sent) CHECK(ts::parse_envelope(s).ok());
#endif
  }
}


TEST_CASE("an error event freezes the head DSC: a later rename does not change the transaction's DSC") {
  ts::harness h;
  REQUIRE(h.init());
  st::start_span({"first name", "task"}, [&](st::span& s) {
    CHECK(st::capture_message("before rename"));
    s.set_name("second name");
  });
  auto evs = events(h.transport);
  auto txs = h.transport.transactions();
  REQUIRE(evs.size() == 1);
  REQUIRE(txs.size() == 1);
  CHECK(evs[0].header["trace"]["transaction"].str == "first name");
  CHECK(string_map(evs[0].header["trace"]) == string_map(txs[0].header["trace"]));
}
TEST_CASE("a transaction in continue_trace gets the caller's DSC however the thread's scratch was used first") {
  // A transaction copies continue_trace's own parse of the baggage while the thread's scratch
  // still holds it. Here the scratch is rewritten before each start: by the headers of a span of
  // another trace (its head DSC with this caller's third-party members), and by an inner
  // continue_trace with another caller's baggage.
  ts::harness h;
  h.opts.traces_sampler = [](const st::sampling_context& c) { return c.name == "elsewhere" ? 0.0 : 1.0; };
  REQUIRE(h.init());
  st::span elsewhere = st::start_inactive_span({"elsewhere", "task"});
  REQUIRE_FALSE(elsewhere.is_recording());
  const std::string elsewhere_trace = hex(elsewhere.trace());
  const std::string other_trace = "0af7651916cd43dd8448eb211c80319c";
  std::string elsewhere_bag;
  st::continue_trace(in_trace + "-" + in_span + "-1", in_bag, [&] {
    elsewhere_bag = std::string(st::get_trace_headers(st::span_ref(elsewhere)).baggage);
    st::start_span({"first", "http.server"}, [&](st::span&) {});
    st::continue_trace(other_trace + "-" + in_span + "-1", "sentry-trace_id=" + other_trace + ",sentry-public_key=k,inner=1",
                       [&] { st::start_span({"inner", "task"}, [&](st::span&) {}); });
    st::start_span({"second", "http.server"}, [&](st::span&) {});
  });
  elsewhere.end();
  auto m = sentry_members(elsewhere_bag);
  CHECK(m["trace_id"] == elsewhere_trace);
  CHECK(m["sampled"] == "false");
  CHECK(elsewhere_bag.find("vendor=abc") != std::string::npos);
  auto txs = h.transport.transactions();
  REQUIRE(txs.size() == 3);
  CHECK(txs[0].item("transaction")->body["transaction"].str == "first");
  CHECK(string_map(txs[0].header["trace"]) == in_dsc);
  CHECK(txs[1].header["trace"]["trace_id"].str == other_trace);
  CHECK(txs[2].item("transaction")->body["transaction"].str == "second");
  CHECK(string_map(txs[2].header["trace"]) == in_dsc);
}

TEST_CASE("headers without a transaction write the head DSC as set_sentry and write_header would: refused members left out") {
  // The head DSC of a trace without a block is written straight into the header value; the
  // members set_sentry() refuses (a control byte, not UTF-8) must stay out the same way.
  for (const std::string& release : {std::string("a\nb"), std::string("v\xFF"), std::string("caf\xC3\xA9 1/2")}) {
    CAPTURE(release);
    ts::harness h;
    h.transport.save_for_interop_checks = false;
    h.opts.release = release;
    h.opts.environment = "caf\xC3\xA9";
    REQUIRE(h.init());
    const std::string bag(st::get_trace_headers().baggage);
    const bool valid = release.find('\n') == std::string::npos && release.find('\xFF') == std::string::npos;
    auto m = sentry_members(bag);
    CHECK(m.count("release") == (valid ? 1u : 0u));
    if (valid) CHECK(m["release"] == release);
    CHECK(m["environment"] == "caf\xC3\xA9");
    CHECK(bag.find("sentry-environment=caf%C3%A9") != std::string::npos);
    CHECK(bag.find('\n') == std::string::npos);
    // The same members, release included, through set_sentry in their order give the same value.
    st::baggage expected;
    for (const auto& kv : members(bag)) {
      const std::string key = kv.first.substr(7), value = percent_decode(kv.second);
      if (key == "environment" && !valid) CHECK_FALSE(expected.set_sentry("release", release));  // its place
      CHECK(expected.set_sentry(key, value));
    }
    std::string written(SENTRY_TRACE_MAX_BAGGAGE, '\0');
    written.resize(expected.write_header(&written[0], written.size()));
    CHECK(written == bag);
  }
}
TEST_CASE("a thread writes a DSC once per transaction and per head of trace, and anew whenever its inputs change") {
  // The scratch keeps the last value with what it was made of: a block's frozen DSC (block,
  // generation, run), or a head DSC (trace, decision, rate, sample_rand, run). Every change of
  // one of those must give a new value.
  auto baggage_trace = [](std::string_view bag) { return sentry_members(bag)["trace_id"]; };
  {
    ts::harness h;
    REQUIRE(h.init());
    // Every block but one held by a transaction left open: the ones below all take that block,
    // one after another, each in a new generation, and each one's headers carry its own trace.
    std::vector<st::span> held;
    for (int i = 0; i + 1 < SENTRY_TRACE_MAX_TRANSACTIONS; ++i) {
      held.push_back(st::start_inactive_span({"held", "task"}));
      REQUIRE(held.back().is_recording());
    }
    for (int i = 0; i < 3 * SENTRY_TRACE_MAX_TRANSACTIONS; ++i) {
      st::start_span({"t" + std::to_string(i), "task"}, [&](st::span& s) {
        const std::string first(st::get_trace_headers().baggage);
        CHECK(baggage_trace(first) == hex(s.trace()));
        CHECK(sentry_members(first)["transaction"] == "t" + std::to_string(i));
        CHECK(std::string(st::get_trace_headers().baggage) == first);
      });
    }
    for (st::span& s : held) s.end();
  }
  {
    ts::harness h;
    h.opts.traces_sample_rate = 0.0;
    h.opts.release = "first@1";
    REQUIRE(h.init());
    const std::string no_span(st::get_trace_headers().baggage);
    CHECK(sentry_members(no_span).count("sampled") == 0);
    std::string a, b;
    st::start_span({"a", "task"}, [&](st::span& s) {
      a = std::string(st::get_trace_headers().baggage);
      CHECK(baggage_trace(a) == hex(s.trace()));
      CHECK(sentry_members(a)["sampled"] == "false");
    });
    st::start_span({"b", "task"}, [&](st::span& s) {
      b = std::string(st::get_trace_headers().baggage);
      CHECK(baggage_trace(b) == hex(s.trace()));
    });
    CHECK(a != b);
    CHECK(std::string(st::get_trace_headers().baggage) == no_span);  // the thread's trace again
    CHECK(sentry_members(no_span)["release"] == "first@1");
    // A new run with other options: the same thread trace and sample_rand, another value.
    st::shutdown(0);
    h.opts.release = "second@2";
    REQUIRE(h.init());
    const std::string next_run(st::get_trace_headers().baggage);
    CHECK(baggage_trace(next_run) == baggage_trace(no_span));
    CHECK(sentry_members(next_run)["release"] == "second@2");
  }
  {
    // A sampled transaction in the same block after a new init: the run tells them apart.
    std::string first_bag, first_trace;
    {
      ts::harness h;
      REQUIRE(h.init());
      st::start_span({"one", "task"}, [&](st::span& s) {
        first_trace = hex(s.trace());
        first_bag = std::string(st::get_trace_headers().baggage);
      });
    }
    ts::harness h;
    REQUIRE(h.init());
    st::start_span({"one", "task"}, [&](st::span& s) {
      const std::string bag(st::get_trace_headers().baggage);
      CHECK(baggage_trace(bag) == hex(s.trace()));
      CHECK(baggage_trace(bag) != first_trace);
    });
  }
}
} // TEST_SUITE
