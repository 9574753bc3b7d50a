// Tests for profiling/profile_store.hpp and protocol/profile.hpp: the fixed profile store
// (frame and stack deduplication, full tables), the v1 `profile` item appended to a transaction
// envelope, the v2 `profile_chunk` envelope (PROTOCOL.md §12), and the profile outcomes.

#include "fixture.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace st = sentry_trace;
namespace d = sentry_trace::detail;
using test_support::json;

// ---- synthetic code addresses: a few real functions, resolved by a table --------------------------

[[gnu::noinline]] int leaf_fn(int x) { return x * 3 + 1; }
[[gnu::noinline]] int middle_fn(int x) { return leaf_fn(x) + 2; }
[[gnu::noinline]] int other_fn(int x) { return leaf_fn(x) - 5; }
[[gnu::noinline]] int root_fn(int x) { return middle_fn(x) + other_fn(x); }

struct known_fn {
  std::uintptr_t start;
  const char* name;
  bool in_app;
};
std::uintptr_t address_of(int (*fn)(int)) { return reinterpret_cast<std::uintptr_t>(fn); }
const known_fn* known_functions() {
  static const known_fn table[] = {{address_of(&leaf_fn), "leaf_fn(int)", true},
                                   {address_of(&middle_fn), "middle_fn(int)", true},
                                   {address_of(&other_fn), "other_fn(int)", false},
                                   {address_of(&root_fn), "root_fn(int)", true}};
  return table;
}
constexpr std::size_t known_count = 4;
// Offsets inside a function: a "PC" and a "return address", each under 16 bytes in.
constexpr std::uintptr_t pc_offset = 4;
constexpr std::uintptr_t ret_offset = 9;

bool test_resolver(std::uintptr_t addr, d::resolved_frame& out, char* scratch, std::size_t cap) noexcept {
  out.instruction_addr = addr;
  for (std::size_t i = 0; i < known_count; ++i) {
    const known_fn& f = known_functions()[i];
    if (addr >= f.start && addr < f.start + 16) {
      const std::size_t n = std::strlen(f.name) < cap ? std::strlen(f.name) : cap;
      std::memcpy(scratch, f.name, n);
      out.function = std::string_view(scratch, n);
      out.module = "test_app";
      out.module_path = "/opt/test_app";
      out.in_app = f.in_app;
      out.symbol_addr = f.start;
      out.image_index = 1;
      return true;
    }
  }
  return false;
}

bool test_threads(std::uint32_t slot1, d::profiled_thread& out) noexcept {
  if (slot1 < 1 || slot1 > 3) return false;
  out.tid = 1000 + slot1;
  const char* names[] = {"main", "worker", ""};
  std::memset(out.name, 0, sizeof(out.name));
  std::memcpy(out.name, names[slot1 - 1], std::strlen(names[slot1 - 1]));
  return true;
}

constexpr std::uint64_t ms = 1000ull * 1000;
constexpr std::uint64_t t0 = 5000 * ms;  // the profile's start on the sampler clock

/// root -> middle -> leaf (leaf first, as the walker gives it).
d::raw_sample stack_middle(std::uint64_t at, std::uint32_t slot) {
  d::raw_sample s{};
  s.mono_ns = at;
  s.thread_slot = slot;
  s.depth = 3;
  s.frames[0] = address_of(&leaf_fn) + pc_offset;
  s.frames[1] = address_of(&middle_fn) + ret_offset;
  s.frames[2] = address_of(&root_fn) + ret_offset;
  return s;
}
/// root -> other -> leaf: shares the root with stack_middle.
d::raw_sample stack_other(std::uint64_t at, std::uint32_t slot) {
  d::raw_sample s = stack_middle(at, slot);
  s.frames[1] = address_of(&other_fn) + ret_offset;
  return s;
}

std::unique_ptr<d::profile_store> new_store(std::uint64_t start = t0) {
  std::unique_ptr<d::profile_store> p(new d::profile_store);
  p->reset(start);
  return p;
}

std::string hex32(const st::event_id& id) {
  char h[32];
  id.to_hex(h);
  return std::string(h, 32);
}
std::string hex32(const st::trace_id& id) {
  char h[32];
  id.to_hex(h);
  return std::string(h, 32);
}

d::profile_v1_info v1_info() {
  d::profile_v1_info info;
  info.profile_id = st::event_id{0x1111222233334444ull, 0x5555666677778888ull};
  info.transaction_id = st::event_id{0xaaaabbbbccccddddull, 0xeeeeffff00001111ull};
  info.trace = st::trace_id{0x0123456789abcdefull, 0xfedcba9876543210ull};
  info.transaction_name = "GET /checkout";
  info.release = "shop@1.2.3";
  info.environment = "staging";
  static d::host_contexts host;
  host.os_name = "Linux";
  host.os_version = "6.1.0";
  host.arch = "x86_64";
  info.host = &host;
  info.start_mono_ns = t0;
  info.anchor.mono_ns = t0;
  info.anchor.epoch_us = 1767261600000000;  // 2026-01-01T10:00:00Z
  info.active_thread_slot = 1;
  info.resolve = &test_resolver;
  info.threads = &test_threads;
  return info;
}

/// A one-item transaction envelope, as write_transaction_envelope frames it.
std::string transaction_envelope() {
  const std::string payload = R"({"type":"transaction","transaction":"GET /checkout","spans":[]})";
  return R"({"event_id":"aaaabbbbccccddddeeeeffff00001111","sent_at":"2026-01-01T10:00:01.000000Z"})"
         "\n{\"type\":\"transaction\",\"length\":" + std::to_string(payload.size()) +
         ",\"content_type\":\"application/json\"}\n" + payload;
}

/// The envelope with the v1 profile of `store` appended, or "" when nothing was appended.
std::string append_to(const std::string& envelope, const d::profile_store& store, const d::profile_v1_info& info,
                      d::profile_result* out = nullptr, std::size_t cap = 256 * 1024) {
  std::vector<char> buf(cap);
  std::memcpy(buf.data(), envelope.data(), envelope.size());
  const d::profile_result r = d::append_profile_item(buf.data(), cap, envelope.size(), store, info);
  if (out) *out = r;
  CHECK(std::string(buf.data(), envelope.size()) == envelope);  // the first item, intact
  if (r.status != d::profile_status::written) return "";
  return std::string(buf.data(), r.length);
}

/// Checks what both formats share: every stack and frame index valid, string thread ids named
/// in thread_metadata. Returns the thread ids seen.
std::set<std::string> check_profile_tables(const json& profile) {
  const json& samples = profile["samples"];
  const json& stacks = profile["stacks"];
  const json& frames = profile["frames"];
  const json& threads = profile["thread_metadata"];
  REQUIRE(samples.kind == json::array_k);
  REQUIRE(stacks.kind == json::array_k);
  REQUIRE(frames.kind == json::array_k);
  REQUIRE(threads.kind == json::object_k);
  std::set<std::string> seen;
  for (const json& s : samples.items) {
    REQUIRE(s["thread_id"].kind == json::string_k);
    CHECK(threads.has(s["thread_id"].str));
    seen.insert(s["thread_id"].str);
    REQUIRE(s["stack_id"].kind == json::number_k);
    CHECK(s["stack_id"].num < static_cast<double>(stacks.size()));
  }
  for (const json& stack : stacks.items)
    for (const json& f : stack.items) CHECK(f.num < static_cast<double>(frames.size()));
  for (const json& f : frames.items) {
    REQUIRE(f["instruction_addr"].kind == json::string_k);
    CHECK(f["instruction_addr"].str.rfind("0x", 0) == 0);
  }
  return seen;
}

std::uint64_t pending(st::discard_reason r, st::data_category c) {
  return d::g_outcomes.pending[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)].load(d::order_relaxed);
}

}  // namespace

TEST_CASE("profile_store: 100 identical samples keep one stack and its three frames") {
  auto store = new_store();
  for (std::uint64_t i = 0; i < 100; ++i) REQUIRE(store->add(stack_middle(t0 + i * 10 * ms, 1)));
  CHECK(store->sample_count() == 100);
  CHECK(store->stack_count() == 1);
  CHECK(store->frame_count() == 3);
  CHECK(store->thread_sample_count(1) == 100);
  CHECK(store->thread_sample_count(2) == 0);
  CHECK(store->first_sample_ns() == t0);
  CHECK(store->last_sample_ns() == t0 + 990 * ms);
  std::uint32_t frames[d::max_stack_frames];
  REQUIRE(store->stack_frames(0, frames) == 3);
  // Leaf first; the leaf's PC as it is, return addresses minus one (frame_lookup_address).
  CHECK(store->frame_address(frames[0]) == address_of(&leaf_fn) + pc_offset);
  CHECK(store->frame_address(frames[1]) == address_of(&middle_fn) + ret_offset - 1);
  CHECK(store->frame_address(frames[2]) == address_of(&root_fn) + ret_offset - 1);
  CHECK(store->dropped_full() == 0);
}

TEST_CASE("profile_store: stacks sharing their root share frames; a prefix is a stack of its own") {
  auto store = new_store();
  REQUIRE(store->add(stack_middle(t0, 1)));
  REQUIRE(store->add(stack_other(t0 + ms, 2)));
  d::raw_sample root_only = stack_middle(t0 + 2 * ms, 1);
  root_only.frames[0] = address_of(&root_fn) + pc_offset;
  root_only.depth = 1;
  REQUIRE(store->add(root_only));
  REQUIRE(store->add(stack_other(t0 + 3 * ms, 2)));
  CHECK(store->stack_count() == 3);
  CHECK(store->frame_count() == 5);  // leaf, middle, root (return), other, root (PC)
  CHECK(store->sample(3).stack == store->sample(1).stack);
  CHECK(store->sample(0).stack != store->sample(1).stack);
  std::uint32_t a[d::max_stack_frames], b[d::max_stack_frames];
  REQUIRE(store->stack_frames(store->sample(0).stack, a) == 3);
  REQUIRE(store->stack_frames(store->sample(1).stack, b) == 3);
  CHECK(a[0] == b[0]);  // the same leaf
  CHECK(a[1] != b[1]);
  CHECK(a[2] == b[2]);  // the same root
  CHECK(store->thread_sample_count(1) == 2);
  CHECK(store->thread_sample_count(2) == 2);
}

TEST_CASE("profile_store: full tables and malformed samples are refused and counted") {
  auto store = new_store();
  d::raw_sample bad = stack_middle(t0, 0);
  CHECK_FALSE(store->add(bad));
  bad.thread_slot = d::max_profiled_threads + 1;
  CHECK_FALSE(store->add(bad));
  bad.thread_slot = 1;
  bad.depth = 0;
  CHECK_FALSE(store->add(bad));
  CHECK(store->dropped_invalid() == 3);
  CHECK(store->sample_count() == 0);

  // Every sample a new leaf address: the frame table fills first (8192 frames, two shared).
  std::uint32_t kept = 0;
  for (std::uint32_t i = 0; i < d::profile_store::max_frames + 10; ++i) {
    d::raw_sample s = stack_middle(t0 + i, 1);
    s.frames[0] = 0x100000 + 16u * i;
    s.depth = 3;
    if (store->add(s)) ++kept;
  }
  CHECK(kept == d::profile_store::max_frames - 2);
  CHECK(store->frame_count() == d::profile_store::max_frames);
  CHECK(store->dropped_full() == 12);
  CHECK(store->sample_count() == kept);

  // The sample table: 16384 and no more.
  store->reset(t0);
  CHECK(store->sample_count() == 0);
  CHECK(store->dropped_full() == 0);
  for (std::uint32_t i = 0; i < d::profile_store::max_samples; ++i) REQUIRE(store->add(stack_middle(t0 + i, 1)));
  CHECK_FALSE(store->add(stack_middle(t0, 1)));
  CHECK(store->dropped_full() == 1);
  CHECK(store->stack_count() == 1);
}

TEST_CASE("profile_store: its memory is fixed and inside the object") {
  // The RAM figure of the doc block: 768 KiB of tables and a few counters.
  CHECK(sizeof(d::profile_store) >= 768u * 1024);
  CHECK(sizeof(d::profile_store) < 768u * 1024 + 4096);
}

TEST_CASE("v1 profile: appended as the last item, framed exactly, with every id and index valid") {
  auto store = new_store();
  for (std::uint64_t i = 0; i < 100; ++i) {
    REQUIRE(store->add(stack_middle(t0 + i * 10 * ms, 1)));
    REQUIRE(store->add(stack_other(t0 + i * 10 * ms + ms, 2)));
  }
  const std::string first = transaction_envelope();
  d::profile_result r;
  const std::string out = append_to(first, *store, v1_info(), &r);
  REQUIRE(r.status == d::profile_status::written);
  CHECK(r.samples == 200);
  CHECK(r.item_offset == first.size());
  CHECK(out.substr(0, first.size()) == first);
  CHECK(out.compare(first.size(), 2, "\n{") == 0);

  test_support::envelope e = test_support::parse_envelope(out);
  REQUIRE(e.ok());
  REQUIRE(e.items.size() == 2);
  CHECK(e.items[0].header["type"].str == "transaction");
  const test_support::envelope_item& item = e.items[1];
  CHECK(item.header["type"].str == "profile");
  CHECK(item.header["content_type"].str == "application/json");
  CHECK(static_cast<std::size_t>(item.header["length"].num) == item.payload.size());
  CHECK(first.size() + 1 + (out.size() - first.size() - 1 - item.payload.size()) + item.payload.size() == out.size());
  CHECK(out.back() == '}');  // no trailing newline after the last payload, as the first item has none

  const json& p = item.body;
  const d::profile_v1_info info = v1_info();
  CHECK(p["version"].str == "1");
  CHECK(p["event_id"].str == hex32(info.profile_id));
  CHECK(p["platform"].str == "native");
  CHECK(p["timestamp"].str == "2026-01-01T10:00:00.000000Z");
  CHECK(p["release"].str == "shop@1.2.3");
  CHECK(p["environment"].str == "staging");
  CHECK(p["os"]["name"].str == "Linux");
  CHECK(p["os"]["version"].str == "6.1.0");
  CHECK(p["device"]["architecture"].str == "x86_64");
  CHECK_FALSE(p.has("debug_meta"));
  CHECK(p["transaction"]["id"].str == hex32(info.transaction_id));
  CHECK(p["transaction"]["trace_id"].str == hex32(info.trace));
  CHECK(p["transaction"]["name"].str == "GET /checkout");
  CHECK(p["transaction"]["active_thread_id"].kind == json::string_k);
  CHECK(p["transaction"]["active_thread_id"].str == "1001");

  const json& prof = p["profile"];
  const std::set<std::string> seen = check_profile_tables(prof);
  CHECK(seen == std::set<std::string>{"1001", "1002"});
  CHECK(prof["thread_metadata"]["1001"]["name"].str == "main");
  CHECK(prof["thread_metadata"]["1002"]["name"].str == "worker");
  REQUIRE(prof["samples"].size() == 200);
  CHECK(prof["samples"][0]["elapsed_since_start_ns"].kind == json::string_k);
  CHECK(prof["samples"][0]["elapsed_since_start_ns"].str == "0");
  CHECK(prof["samples"][3]["elapsed_since_start_ns"].str == "11000000");
  CHECK(prof["stacks"].size() == 2);
  // Frames resolved to function start addresses and names, leaf first in each stack.
  const json& frames = prof["frames"];
  const json& stack0 = prof["stacks"][static_cast<std::size_t>(prof["samples"][0]["stack_id"].num)];
  REQUIRE(stack0.size() == 3);
  const json& leaf = frames[static_cast<std::size_t>(stack0[0].num)];
  CHECK(leaf["function"].str == "leaf_fn(int)");
  CHECK(leaf["module"].str == "test_app");
  CHECK(leaf["in_app"].b);
  char expect_addr[32];
  std::snprintf(expect_addr, sizeof(expect_addr), "0x%llx", static_cast<unsigned long long>(address_of(&leaf_fn)));
  CHECK(leaf["instruction_addr"].str == expect_addr);
  CHECK(frames[static_cast<std::size_t>(stack0[2].num)]["function"].str == "root_fn(int)");
}

TEST_CASE("v1 profile: the 30 s cut, samples before the start, single-sample threads") {
  auto store = new_store(t0 - 100 * ms);
  REQUIRE(store->add(stack_middle(t0 - 50 * ms, 1)));           // before the transaction: out
  REQUIRE(store->add(stack_middle(t0, 1)));                     // in
  REQUIRE(store->add(stack_middle(t0 + 29999 * ms, 1)));        // in
  REQUIRE(store->add(stack_middle(t0 + 30001 * ms, 1)));        // after 30 s: out
  REQUIRE(store->add(stack_other(t0 + 5 * ms, 2)));             // thread 2's only sample: out
  REQUIRE(store->add(stack_other(t0 + 40000 * ms, 2)));         // out (after 30 s)
  d::profile_result r;
  const std::string out = append_to(transaction_envelope(), *store, v1_info(), &r);
  REQUIRE(r.status == d::profile_status::written);
  CHECK(r.samples == 2);
  test_support::envelope e = test_support::parse_envelope(out);
  REQUIRE(e.ok());
  REQUIRE(e.items.size() == 2);
  const json& prof = e.items[1].body["profile"];
  REQUIRE(prof["samples"].size() == 2);
  CHECK(prof["samples"][0]["elapsed_since_start_ns"].str == "0");
  CHECK(prof["samples"][1]["elapsed_since_start_ns"].str == "29999000000");
  CHECK(check_profile_tables(prof) == std::set<std::string>{"1001"});
  CHECK_FALSE(prof["thread_metadata"].has("1002"));
}

TEST_CASE("v1 profile: fewer than two samples writes nothing and says so") {
  auto store = new_store();
  const std::string first = transaction_envelope();
  d::profile_result r;
  CHECK(append_to(first, *store, v1_info(), &r).empty());
  CHECK(r.status == d::profile_status::insufficient_data);
  REQUIRE(store->add(stack_middle(t0, 1)));
  CHECK(append_to(first, *store, v1_info(), &r).empty());
  CHECK(r.status == d::profile_status::insufficient_data);
  // Two samples, but on two threads: each thread's single sample is removed.
  REQUIRE(store->add(stack_middle(t0 + ms, 2)));
  CHECK(append_to(first, *store, v1_info(), &r).empty());
  CHECK(r.status == d::profile_status::insufficient_data);
  // A thread the lookup does not know (slot 9) does not count either.
  REQUIRE(store->add(stack_middle(t0 + 2 * ms, 9)));
  REQUIRE(store->add(stack_middle(t0 + 3 * ms, 9)));
  CHECK(append_to(first, *store, v1_info(), &r).empty());
  CHECK(r.status == d::profile_status::insufficient_data);
  REQUIRE(store->add(stack_middle(t0 + 4 * ms, 1)));
  CHECK_FALSE(append_to(first, *store, v1_info(), &r).empty());
  CHECK(r.status == d::profile_status::written);
  CHECK(r.samples == 2);
}

TEST_CASE("v1 profile: a buffer too small leaves the envelope as it was") {
  auto store = new_store();
  for (std::uint64_t i = 0; i < 50; ++i) REQUIRE(store->add(stack_middle(t0 + i * 10 * ms, 1)));
  const std::string first = transaction_envelope();
  d::profile_result r;
  const std::string whole = append_to(first, *store, v1_info(), &r);
  REQUIRE(r.status == d::profile_status::written);
  // Every capacity from the envelope alone up to one byte short of the whole: no_room, and
  // append_to() checks the first item is untouched.
  for (std::size_t cap = first.size(); cap < whole.size(); cap += 97) {
    CAPTURE(cap);
    CHECK(append_to(first, *store, v1_info(), &r, cap).empty());
    CHECK(r.status == d::profile_status::no_room);
  }
  CHECK(append_to(first, *store, v1_info(), &r, whole.size() - 1).empty());
  CHECK(r.status == d::profile_status::no_room);
  // The payload needs its header room (96 bytes) on top; with it, it fits.
  CHECK(append_to(first, *store, v1_info(), &r, whole.size() + d::profile_item_header_room) == whole);
}

TEST_CASE("v1 profile: frames the resolver does not know carry only their address") {
  auto store = new_store();
  d::raw_sample s = stack_middle(t0, 1);
  s.frames[0] = 0x4242;
  s.depth = 1;
  REQUIRE(store->add(s));
  s.mono_ns += 10 * ms;
  REQUIRE(store->add(s));
  d::profile_v1_info info = v1_info();
  const std::string out = append_to(transaction_envelope(), *store, info);
  test_support::envelope e = test_support::parse_envelope(out);
  REQUIRE(e.items.size() == 2);
  const json& f = e.items[1].body["profile"]["frames"][0];
  CHECK(f["instruction_addr"].str == "0x4242");
  CHECK_FALSE(f.has("function"));
  CHECK_FALSE(f.has("in_app"));
  info.resolve = nullptr;
  CHECK_FALSE(append_to(transaction_envelope(), *store, info).empty());
}

namespace {

d::profile_chunk_info chunk_info() {
  d::profile_chunk_info info;
  info.profiler_id = st::event_id{0x0102030405060708ull, 0x090a0b0c0d0e0f10ull};
  info.chunk_id = st::event_id{0xc0c0c0c0c0c0c0c0ull, 0x1234567812345678ull};
  info.release = "shop@1.2.3";
  info.environment = "staging";
  info.anchor.mono_ns = t0;
  info.anchor.epoch_us = 1767261600000000;
  info.sent_at_epoch_us = 1767261700000000;
  info.resolve = &test_resolver;
  info.threads = &test_threads;
  return info;
}

std::string chunk_of(const d::profile_store& store, const d::profile_chunk_info& info, d::profile_result* out,
                     std::size_t cap = 256 * 1024) {
  std::vector<char> buf(cap);
  const d::profile_result r = d::write_profile_chunk_envelope(buf.data(), cap, store, info);
  if (out) *out = r;
  return r.status == d::profile_status::written ? std::string(buf.data(), r.length) : std::string();
}

}  // namespace

TEST_CASE("v2 profile_chunk: its envelope, ids, epoch timestamps and tables") {
  auto store = new_store();
  for (std::uint64_t i = 0; i < 60; ++i) {
    REQUIRE(store->add(stack_middle(t0 + i * 9900990 + 7, 1)));
    REQUIRE(store->add(stack_other(t0 + i * 9900990 + 3000, 3)));
  }
  d::profile_result r;
  const std::string out = chunk_of(*store, chunk_info(), &r);
  REQUIRE(r.status == d::profile_status::written);
  CHECK(r.samples == 120);
  test_support::envelope e = test_support::parse_envelope(out);
  REQUIRE(e.ok());
  const d::profile_chunk_info info = chunk_info();
  CHECK(e.header["event_id"].str == hex32(info.chunk_id));
  CHECK(e.header["sent_at"].str == "2026-01-01T10:01:40.000000Z");
  CHECK(e.header["sdk"]["name"].str == st::sdk_name);
  REQUIRE(e.items.size() == 1);
  const test_support::envelope_item& item = e.items[0];
  CHECK(item.header["type"].str == "profile_chunk");
  CHECK(item.header["platform"].str == "native");
  CHECK(static_cast<std::size_t>(item.header["length"].num) == item.payload.size());
  const json& p = item.body;
  CHECK(p["version"].str == "2");
  CHECK(p["profiler_id"].str == hex32(info.profiler_id));
  CHECK(p["chunk_id"].str == hex32(info.chunk_id));
  CHECK(p["platform"].str == "native");
  CHECK(p["release"].str == "shop@1.2.3");
  CHECK(p["environment"].str == "staging");
  CHECK(p["client_sdk"]["name"].str == st::sdk_name);
  CHECK(p["client_sdk"]["version"].str == st::version_string);
  const json& prof = p["profile"];
  CHECK(check_profile_tables(prof) == std::set<std::string>{"1001", "1003"});
  CHECK(prof["thread_metadata"]["1003"].size() == 0);  // an unnamed thread: no name member
  REQUIRE(prof["samples"].size() == 120);
  // Epoch seconds with microseconds, written exactly.
  CHECK(prof["samples"][0]["timestamp"].kind == json::number_k);
  CHECK(prof["samples"][0]["timestamp"].raw_number == "1767261600.000000");
  CHECK(prof["samples"][1]["timestamp"].raw_number == "1767261600.000003");
  CHECK(prof["samples"][2]["timestamp"].raw_number == "1767261600.009900");
  CHECK_FALSE(p.has("debug_meta"));
}

TEST_CASE("v2 profile_chunk: over 66 s, too few samples, too small a buffer") {
  auto store = new_store();
  REQUIRE(store->add(stack_middle(t0, 1)));
  d::profile_result r;
  CHECK(chunk_of(*store, chunk_info(), &r).empty());
  CHECK(r.status == d::profile_status::insufficient_data);
  REQUIRE(store->add(stack_middle(t0 + 66000 * ms, 1)));
  CHECK_FALSE(chunk_of(*store, chunk_info(), &r).empty());
  REQUIRE(store->add(stack_middle(t0 + 66001 * ms, 1)));
  CHECK(chunk_of(*store, chunk_info(), &r).empty());
  CHECK(r.status == d::profile_status::too_long);
  store->reset(t0);
  REQUIRE(store->add(stack_middle(t0, 1)));
  REQUIRE(store->add(stack_middle(t0 + ms, 1)));
  CHECK(chunk_of(*store, chunk_info(), &r, 600).empty());
  CHECK(r.status == d::profile_status::no_room);
  CHECK_FALSE(chunk_of(*store, chunk_info(), &r, 4096).empty());
}

TEST_CASE("profile outcomes: insufficient_data and buffer_overflow per profile category") {
  d::g_outcomes.reset();
  d::count_dropped_profile(d::profile_status::written, st::data_category::profile);
  CHECK_FALSE(d::g_outcomes.any_pending());
  d::count_dropped_profile(d::profile_status::insufficient_data, st::data_category::profile);
  d::count_dropped_profile(d::profile_status::too_long, st::data_category::profile_chunk);
  d::count_dropped_profile(d::profile_status::no_room, st::data_category::profile);
  CHECK(pending(st::discard_reason::insufficient_data, st::data_category::profile) == 1);
  CHECK(pending(st::discard_reason::insufficient_data, st::data_category::profile_chunk) == 1);
  CHECK(pending(st::discard_reason::buffer_overflow, st::data_category::profile) == 1);
  CHECK(std::string(st::to_string(st::data_category::profile)) == "profile");
  CHECK(std::string(st::to_string(st::data_category::profile_chunk)) == "profile_chunk");
  CHECK(std::string(st::to_string(st::discard_reason::insufficient_data)) == "insufficient_data");
  d::g_outcomes.reset();
}

TEST_CASE("rate limits: profile and profile_chunk are categories of their own") {
  d::rate_limiter rl;
  rl.update(429, "60:profile:organization", "", 1000);
  CHECK(rl.is_limited(st::data_category::profile, 1000));
  CHECK_FALSE(rl.is_limited(st::data_category::profile_chunk, 1000));
  CHECK_FALSE(rl.is_limited(st::data_category::transaction, 1000));
  CHECK(rl.wait_ms(st::data_category::profile, 1000) == 60000);
  rl.update(429, "30:profile_chunk", "", 2000);
  CHECK(rl.is_limited(st::data_category::profile_chunk, 2000));
  CHECK_FALSE(rl.is_limited(st::data_category::profile_chunk, 32000));
  rl.update(429, "10::organization", "", 40000);  // "all" covers the profile categories too
  CHECK(rl.is_limited(st::data_category::profile_chunk, 40000));
}

TEST_CASE("interop: a real transaction envelope with its profile, and a chunk, for Sentry's parsers") {
  // tests/interop/check_envelopes.mjs reads what save_for_interop() writes (the ctest runs set
  // SENTRY_TRACE_TEST_ENVELOPES) and runs @sentry/core's parser and Relay's profile checks on it.
  test_support::harness h;
  REQUIRE(h.init());
  {
    st::scoped_span root({"GET /checkout", "http.server"});
    st::scoped_span child({"SELECT", "db"});
  }
  REQUIRE(h.transport.sent.size() == 1);
  const std::string txn = h.transport.sent[0];
  test_support::envelope parsed = test_support::parse_envelope(txn);
  REQUIRE(parsed.ok());
  const std::string event_hex = parsed.header["event_id"].str;
  const std::string trace_hex = parsed.header["trace"]["trace_id"].str;
  REQUIRE(event_hex.size() == 32);
  d::profile_v1_info info = v1_info();
  REQUIRE(d::parse_u64_hex(event_hex.data(), info.transaction_id.hi));
  REQUIRE(d::parse_u64_hex(event_hex.data() + 16, info.transaction_id.lo));
  REQUIRE(st::trace_id::parse(trace_hex, info.trace));
  info.transaction_name = "GET /checkout";

  auto store = new_store();
  for (std::uint64_t i = 0; i < 20; ++i) {
    REQUIRE(store->add(stack_middle(t0 + i * 9900990, 1)));
    REQUIRE(store->add(stack_other(t0 + i * 9900990 + 5000, 2)));
  }
  d::profile_result r;
  const std::string with_profile = append_to(txn, *store, info, &r);
  REQUIRE(r.status == d::profile_status::written);
  test_support::envelope e = test_support::parse_envelope(with_profile);
  REQUIRE(e.items.size() == 2);
  CHECK(e.items[0].payload == parsed.items[0].payload);
  CHECK(e.items[1].body["transaction"]["id"].str == event_hex);
  CHECK(e.items[1].body["transaction"]["trace_id"].str == trace_hex);
  test_support::save_for_interop(with_profile);

  const std::string chunk = chunk_of(*store, chunk_info(), &r);
  REQUIRE(r.status == d::profile_status::written);
  test_support::save_for_interop(chunk);
}

// ---- the HTTP transport: a `profile` limit cuts the profile item off, `profile_chunk` drops chunks --

#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
#  include <arpa/inet.h>
#  include <netinet/in.h>
#  include <poll.h>
#  include <sys/socket.h>
#  include <unistd.h>

#  include <atomic>
#  include <mutex>
#  include <thread>

namespace {

/// Answers each POST with `status` and `headers`, one connection at a time, and keeps the bodies.
class profile_test_server {
 public:
  profile_test_server() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd_, 16) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~profile_test_server() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  profile_test_server(const profile_test_server&) = delete;
  profile_test_server& operator=(const profile_test_server&) = delete;

  std::uint16_t port = 0;
  void answer(int status, std::string headers) {
    std::lock_guard<std::mutex> lk(mu_);
    status_ = status;
    headers_ = std::move(headers);
  }
  std::vector<std::string> bodies() {
    std::lock_guard<std::mutex> lk(mu_);
    return bodies_;
  }

 private:
  void run() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      handle(c);
      ::close(c);
    }
  }
  void handle(int c) {
    std::string buf;
    char tmp[4096];
    std::size_t head_end = std::string::npos, length = 0;
    for (int waited = 0; waited < 3000 && !stop_; waited += 10) {
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 10) <= 0) continue;
      const ssize_t n = ::recv(c, tmp, sizeof tmp, 0);
      if (n <= 0) return;
      buf.append(tmp, static_cast<std::size_t>(n));
      if (head_end == std::string::npos && (head_end = buf.find("\r\n\r\n")) != std::string::npos) {
        const std::string head = test_support_lower(buf.substr(0, head_end));
        const std::size_t at = head.find("content-length:");
        if (at != std::string::npos) length = std::strtoul(head.c_str() + at + 15, nullptr, 10);
      }
      if (head_end != std::string::npos && buf.size() >= head_end + 4 + length) break;
    }
    if (head_end == std::string::npos) return;
    std::string resp;
    {
      std::lock_guard<std::mutex> lk(mu_);
      bodies_.push_back(buf.substr(head_end + 4, length));
      resp = "HTTP/1.1 " + std::to_string(status_) + " X\r\nContent-Length: 0\r\n" + headers_ + "Connection: close\r\n\r\n";
    }
    ::send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
  }
  static std::string test_support_lower(std::string s) {
    for (char& ch : s) ch = (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch + 32) : ch;
    return s;
  }

  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  int status_ = 200;
  std::string headers_;
  std::vector<std::string> bodies_;
  std::thread thread_;
};

}  // namespace

TEST_CASE("http_transport: a `profile` limit sends the transaction without its profile item, and counts it") {
  profile_test_server server;
  std::unique_ptr<st::http_transport> t(new st::http_transport);
  st::http_transport_options o;
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port) + "/api/42/envelope/";
  o.url = url;
  o.auth_header = "X-Sentry-Auth: Sentry sentry_key=k, sentry_version=7\r\n";
  o.use_worker = false;
  REQUIRE(t->configure(o));
  REQUIRE(t->start());
  d::g_outcomes.reset();

  // 1. An error event answered with a 429 that limits profiles only.
  server.answer(429, "X-Sentry-Rate-Limits: 60:profile:organization\r\n");
  const std::string event = "{}\n{\"type\":\"event\",\"length\":2}\n{}";
  t->send(st::envelope_view(event, nullptr, false));
  CHECK(t->flush(3000));
  REQUIRE(server.bodies().size() == 1);
  CHECK(t->limits().is_limited(st::data_category::profile, d::steady_now_ms()));

  // 2. A transaction with a profile item: sent, cut at the item's offset.
  server.answer(200, "");
  auto store = new_store();
  for (std::uint64_t i = 0; i < 10; ++i) REQUIRE(store->add(stack_middle(t0 + i * 10 * ms, 1)));
  const std::string first = transaction_envelope();
  d::profile_result r;
  const std::string with_profile = append_to(first, *store, v1_info(), &r);
  REQUIRE(r.status == d::profile_status::written);
  const d::time_anchor anchor{};
  const st::transaction_view txn(nullptr, nullptr, 1, anchor);
  t->send(st::envelope_view(with_profile, &txn, false).with_profile_at(r.item_offset));
  CHECK(t->flush(3000));
  std::vector<std::string> bodies = server.bodies();
  REQUIRE(bodies.size() == 2);
  CHECK(bodies[1] == first);
  CHECK(pending(st::discard_reason::ratelimit_backoff, st::data_category::profile) == 1);
  CHECK(pending(st::discard_reason::ratelimit_backoff, st::data_category::transaction) == 0);

  // 3. A `profile_chunk` limit drops the chunk envelope whole, and counts it.
  server.answer(429, "X-Sentry-Rate-Limits: 60:profile_chunk:organization\r\n");
  t->send(st::envelope_view(event, nullptr, false));
  CHECK(t->flush(3000));
  REQUIRE(server.bodies().size() == 3);
  server.answer(200, "");
  const std::string chunk = chunk_of(*store, chunk_info(), &r);
  REQUIRE(r.status == d::profile_status::written);
  t->send(st::envelope_view::profile_chunk(chunk));
  CHECK(t->flush(3000));
  CHECK(server.bodies().size() == 3);
  CHECK(pending(st::discard_reason::ratelimit_backoff, st::data_category::profile_chunk) == 1);
  // Profiles are still limited (60 s): the next transaction is cut again and counted again.
  t->send(st::envelope_view(with_profile, &txn, false).with_profile_at(first.size()));
  CHECK(t->flush(3000));
  bodies = server.bodies();
  REQUIRE(bodies.size() == 4);
  CHECK(bodies[3] == first);
  CHECK(pending(st::discard_reason::ratelimit_backoff, st::data_category::profile) == 2);
  CHECK(t->stop(1000));
  d::g_outcomes.reset();
}

TEST_CASE("report_lost: a transaction's profile and a profile chunk are counted in their categories") {
  d::g_outcomes.reset();
  const d::time_anchor anchor{};
  const st::transaction_view txn(nullptr, nullptr, 2, anchor);
  const std::string bytes = "{}\n{\"type\":\"transaction\",\"length\":2}\n{}\n{\"type\":\"profile\",\"length\":2}\n{}";
  st::transport::report_lost(st::envelope_view(bytes, &txn, false).with_profile_at(36), st::discard_reason::network_error);
  CHECK(pending(st::discard_reason::network_error, st::data_category::transaction) == 1);
  CHECK(pending(st::discard_reason::network_error, st::data_category::span) == 2);
  CHECK(pending(st::discard_reason::network_error, st::data_category::profile) == 1);
  st::transport::report_lost(st::envelope_view(bytes, &txn, false), st::discard_reason::network_error);
  CHECK(pending(st::discard_reason::network_error, st::data_category::profile) == 1);
  st::transport::report_lost(st::envelope_view::profile_chunk(bytes), st::discard_reason::send_error);
  CHECK(pending(st::discard_reason::send_error, st::data_category::profile_chunk) == 1);
  CHECK(pending(st::discard_reason::send_error, st::data_category::error) == 0);
  d::g_outcomes.reset();
}
#endif  // SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
