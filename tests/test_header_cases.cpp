// The table of malformed and hostile trace headers, tests/interop/header_cases.json, through our
// parsers. tests/interop/check_header_cases.mjs runs the same table through @sentry/core 11.12.0,
// so both sides are held to one set of expectations (see the file's "about" for its format).

#include "sentry_trace/protocol/propagation.hpp"
#include "support.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#ifndef SENTRY_TRACE_TEST_SOURCE_DIR
#  error "SENTRY_TRACE_TEST_SOURCE_DIR must name the source tree (tests/CMakeLists.txt and meson.build define it)"
#endif

namespace {

namespace st = sentry_trace;
using test_support::json;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot open " << path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A string, or {repeat, count, separator, before, after} (see header_cases.json's "about").
std::string expand(const json& v) {
  if (v.kind == json::string_k) return v.str;
  REQUIRE_MESSAGE(v.kind == json::object_k, "expected a string or a repeat object");
  REQUIRE(v.has("repeat"));
  const std::string sep = v.has("separator") ? v["separator"].str : ",";
  std::string out = v["before"].str;
  const auto count = static_cast<int>(v["count"].num);
  for (int i = 0; i < count; ++i) {
    std::string item = v["repeat"].str;
    for (std::size_t at; (at = item.find("{i}")) != std::string::npos;) item.replace(at, 3, std::to_string(i));
    if (i) out += sep;
    out += item;
  }
  return out + v["after"].str;
}

std::vector<std::string> baggage_headers(const json& v) {
  std::vector<std::string> out;
  if (v.kind == json::array_k) {
    for (const auto& h : v.items) out.push_back(expand(h));
  } else if (!v.is_null()) {
    out.push_back(expand(v));
  }
  return out;
}

std::string hex(const st::trace_id& t) {
  char b[32];
  t.to_hex(b);
  return std::string(b, 32);
}
std::string hex(st::span_id s) {
  char b[16];
  s.to_hex(b);
  return std::string(b, 16);
}

bool no_control_bytes(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  return true;
}

void check_case(const json& c) {
  const json& expect = c["expect"];
  INFO("case ", c["name"].str);

  // Continuation: sentry-trace first; a traceparent only when sentry-trace does not parse.
  st::trace_parent parent;
  bool continued = !c["sentry_trace"].is_null() && st::parse_sentry_trace(expand(c["sentry_trace"]), parent);
  if (!continued && c.has("traceparent") && !c["traceparent"].is_null())
    continued = st::parse_traceparent(expand(c["traceparent"]), parent);
  REQUIRE(expect.has("continued"));
  CHECK(continued == expect["continued"].b);
  if (continued) {
    CHECK(hex(parent.trace) == expect["trace_id"].str);
    if (expect["parent_span_id"].is_null()) CHECK(parent.parent.is_zero());
    else CHECK(hex(parent.parent) == expect["parent_span_id"].str);
  } else {
    CHECK_FALSE(expect.has("trace_id"));
  }
  const json& sampled = expect["sampled"];
  const st::parent_decision want = sampled.is_null() ? st::parent_decision::none
                                   : sampled.b       ? st::parent_decision::sampled
                                                     : st::parent_decision::not_sampled;
  CHECK(parent.sampled == want);

  // Baggage: parsed whether or not the trace is continued (the tracer discards it when not).
  auto bag = std::make_unique<st::baggage>();
  for (const auto& h : baggage_headers(c["baggage"])) bag->parse(h);
  const json& dsc = expect["dsc"];
  if (dsc.is_null()) {
    CHECK_FALSE(bag->has_sentry_members());
  } else {
    REQUIRE(dsc.kind == json::object_k);
    CHECK(bag->sentry_member_count() == dsc.size());
    for (const auto& m : dsc.members) {
      INFO("sentry-", m.first);
      bool found = false;
      for (std::size_t i = 0; i < bag->sentry_member_count(); ++i)
        if (bag->sentry_key(i) == m.first) {
          found = true;
          CHECK(bag->sentry_value(i) == expand(m.second));
        }
      CHECK(found);
    }
  }
  CHECK(bag->third_party() == expand(expect["third_party"]));
  if (expect.has("dropped_members")) CHECK(bag->dropped_members() == static_cast<std::uint32_t>(expect["dropped_members"].num));
  else CHECK(bag->dropped_members() == 0);

  // What we would send on: no control byte, and the same members when read back.
  std::string out(SENTRY_TRACE_MAX_BAGGAGE, '\0');
  out.resize(bag->write_header(&out[0], out.size()));
  CHECK(no_control_bytes(out));
  auto back = std::make_unique<st::baggage>();
  back->parse(out);
  REQUIRE(back->sentry_member_count() == bag->sentry_member_count());
  for (std::size_t i = 0; i < bag->sentry_member_count(); ++i) {
    CHECK(back->sentry_key(i) == bag->sentry_key(i));
    CHECK(back->sentry_value(i) == bag->sentry_value(i));
  }
  if (out.size() + 1 + bag->third_party().size() <= SENTRY_TRACE_MAX_BAGGAGE) CHECK(back->third_party() == bag->third_party());
}

} // namespace

TEST_SUITE("header_cases") {

TEST_CASE("every case of tests/interop/header_cases.json gives the expected continuation, DSC and third-party members") {
  const json doc = test_support::parse_json(read_file(SENTRY_TRACE_TEST_SOURCE_DIR "/tests/interop/header_cases.json"));
  const json& cases = doc["cases"];
  REQUIRE(cases.kind == json::array_k);
  CHECK(cases.size() >= 40);
  std::size_t differs = 0, ours_only = 0;
  for (const auto& c : cases.items) {
    check_case(c);
    differs += c.has("differs_from_core");
    ours_only += c.has("ours_only");
    if (c.has("differs_from_core")) CHECK_MESSAGE(c.has("core"), c["name"].str << ": a difference needs what core gives");
  }
  MESSAGE(cases.size() << " header cases (" << differs << " where @sentry/core differs, " << ours_only << " ours only)");
}

TEST_CASE("case names in header_cases.json are unique") {
  const json doc = test_support::parse_json(read_file(SENTRY_TRACE_TEST_SOURCE_DIR "/tests/interop/header_cases.json"));
  std::vector<std::string> names;
  for (const auto& c : doc["cases"].items) {
    for (const auto& n : names) CHECK_MESSAGE(n != c["name"].str, "duplicate case " << n);
    names.push_back(c["name"].str);
  }
}

} // TEST_SUITE
