// Stack traces on error events: capture_exception() always, capture_message() with
// options.attach_stacktrace, from the profiler's unwinder and symbolizer, with debug_meta
// images (code_id and debug_id from the GNU build id) for server-side symbolication; an event
// whose stack does not fit is sent without it and the drop counted.

#include "fixture.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>
#if defined(__linux__)
#  include <link.h>
#  include <unistd.h>
#endif

namespace {

namespace st = sentry_trace;
namespace ts = test_support;
using ts::json;
using test_support::harness;

json only_event(const ts::capture_transport& cap) {
  json found;
  std::size_t n = 0;
  for (auto& s : cap.sent) {
    ts::envelope e = ts::parse_envelope(s);
    if (auto* item = e.item("event")) {
      found = item->body;
      ++n;
    }
  }
  REQUIRE(n == 1);
  return found;
}

// Two calls deep, each kept out of line so that each has its own frame.
[[gnu::noinline]] bool inner_failing_call(int depth) {
  const bool sent = st::capture_exception("app::timeout", "the query took too long");
  asm volatile("" ::"r"(depth) : "memory");  // keeps the call from being a tail call
  return sent;
}
[[gnu::noinline]] bool outer_request_handler(int depth) {
  const bool sent = inner_failing_call(depth + 1);
  asm volatile("" ::"r"(depth) : "memory");
  return sent;
}
[[gnu::noinline]] bool message_from_here(const char* text) {
  const bool sent = st::capture_message(text, st::level::warning);
  asm volatile("" ::"r"(text) : "memory");
  return sent;
}

#if SENTRY_TRACE_DETAIL_PROFILING
/// The frames' function names, innermost first (the event lists them oldest first).
std::vector<std::string> functions_innermost_first(const json& stacktrace) {
  std::vector<std::string> out;
  const json& frames = stacktrace["frames"];
  for (std::size_t i = frames.size(); i-- > 0;) out.push_back(frames[i]["function"].str);
  return out;
}

bool is_hex_address(const json& v) {
  if (v.kind != json::string_k || v.str.size() < 3 || v.str.compare(0, 2, "0x") != 0) return false;
  for (std::size_t i = 2; i < v.str.size(); ++i)
    if (!std::strchr("0123456789abcdef", v.str[i])) return false;
  return true;
}

/// The main executable's GNU build id as hex, read by the test itself from its PT_NOTE.
std::string own_build_id_hex() {
  std::string hex;
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* data) -> int {
        if (info->dlpi_name != nullptr && info->dlpi_name[0] != '\0') return 0;  // the executable comes first, unnamed
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          if (ph.p_type != PT_NOTE) continue;
          const auto* p = reinterpret_cast<const unsigned char*>(info->dlpi_addr + ph.p_vaddr);
          const unsigned char* end = p + ph.p_memsz;
          while (p + sizeof(ElfW(Nhdr)) <= end) {
            const auto* nh = reinterpret_cast<const ElfW(Nhdr)*>(p);
            const unsigned char* name = p + sizeof(ElfW(Nhdr));
            const unsigned char* desc = name + ((nh->n_namesz + 3) & ~3u);
            if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0) {
              auto& out = *static_cast<std::string*>(data);
              char two[3];
              for (unsigned k = 0; k < nh->n_descsz; ++k) {
                std::snprintf(two, sizeof(two), "%02x", desc[k]);
                out += two;
              }
              return 1;
            }
            p = desc + ((nh->n_descsz + 3) & ~3u);
          }
        }
        return 1;
      },
      &hex);
  return hex;
}

/// sentry-native's debug_id of a build id given as hex: its first 16 bytes as a GUID with the
/// first three fields byte-swapped, written here from the hex digits directly.
std::string debug_id_of(const std::string& code_id) {
  std::string b = code_id.substr(0, 32);
  b.resize(32, '0');
  auto byte = [&](int i) { return b.substr(static_cast<std::size_t>(2 * i), 2); };
  return byte(3) + byte(2) + byte(1) + byte(0) + "-" + byte(5) + byte(4) + "-" + byte(7) + byte(6) + "-" +
         byte(8) + byte(9) + "-" + byte(10) + byte(11) + byte(12) + byte(13) + byte(14) + byte(15);
}
#endif

}  // namespace

TEST_SUITE("event_stacktrace") {

TEST_CASE("capture_exception: the stack trace's innermost frames are the calling functions, with debug_meta") {
  harness h;
  REQUIRE(h.init());
  REQUIRE(outer_request_handler(0));
  const json ev = only_event(h.transport);
  const json& exc = ev["exception"]["values"][0];
#if !SENTRY_TRACE_DETAIL_PROFILING
  CHECK_FALSE(exc.has("stacktrace"));
  CHECK_FALSE(ev.has("debug_meta"));
#else
  REQUIRE(exc.has("stacktrace"));
  const std::vector<std::string> names = functions_innermost_first(exc["stacktrace"]);
  REQUIRE(names.size() >= 3);
  CHECK(names[0].find("inner_failing_call(int)") != std::string::npos);
  CHECK(names[1].find("outer_request_handler(int)") != std::string::npos);
  CHECK(names[0].find("capture_exception") == std::string::npos);  // the library's own frame is not there

  const json& frames = exc["stacktrace"]["frames"];
  const json& innermost = frames[frames.size() - 1];
  CHECK(is_hex_address(innermost["instruction_addr"]));
  CHECK(is_hex_address(innermost["symbol_addr"]));
  CHECK(innermost["in_app"].b);
  char exe[4096] = {};
  REQUIRE(readlink("/proc/self/exe", exe, sizeof(exe) - 1) > 0);
  CHECK(innermost["package"].str == exe);
  // The symbol starts at or before the return address, within the function.
  const unsigned long long pc = std::stoull(innermost["instruction_addr"].str, nullptr, 16);
  const unsigned long long sym = std::stoull(innermost["symbol_addr"].str, nullptr, 16);
  CHECK(sym < pc);
  CHECK(pc - sym < 4096);

  // The executable's image: the one the innermost frame names, with its build id.
  const json& images = ev["debug_meta"]["images"];
  REQUIRE(images.size() >= 1);
  const json* own = nullptr;
  for (std::size_t i = 0; i < images.size(); ++i)
    if (images[i]["image_addr"].str == innermost["image_addr"].str) own = &images[i];
  REQUIRE(own != nullptr);
  CHECK((*own)["type"].str == "elf");
  CHECK((*own)["code_file"].str == exe);
  CHECK((*own)["image_size"].num > 0);
  const std::string build_id = own_build_id_hex();
  if (!build_id.empty()) {
    CHECK((*own)["code_id"].str == build_id);
    CHECK((*own)["debug_id"].str == debug_id_of(build_id));
  } else {
    CHECK_FALSE(own->has("code_id"));
  }
  // Every frame in a known image points at an image of debug_meta.
  for (std::size_t i = 0; i < frames.size(); ++i) {
    if (!frames[i].has("image_addr")) continue;
    bool listed = false;
    for (std::size_t k = 0; k < images.size(); ++k) listed = listed || images[k]["image_addr"].str == frames[i]["image_addr"].str;
    CHECK(listed);
  }
#endif
}

TEST_CASE("capture_message carries its thread's stack only with attach_stacktrace") {
  {
    harness h;
    REQUIRE(h.init());
    REQUIRE(message_from_here("without a stack"));
    const json ev = only_event(h.transport);
    CHECK_FALSE(ev.has("threads"));
    CHECK_FALSE(ev.has("debug_meta"));
  }
  harness h;
  h.opts.attach_stacktrace = true;
  REQUIRE(h.init());
  REQUIRE(message_from_here("with a stack"));
  const json ev = only_event(h.transport);
  CHECK(ev["message"].str == "with a stack");
#if !SENTRY_TRACE_DETAIL_PROFILING
  CHECK_FALSE(ev.has("threads"));
#else
  REQUIRE(ev.has("threads"));
  const json& thread = ev["threads"]["values"][0];
  CHECK(thread["current"].b);
  CHECK_FALSE(thread["crashed"].b);
  CHECK(static_cast<long>(thread["id"].num) == static_cast<long>(st::detail::os_thread_id()));
  const std::vector<std::string> names = functions_innermost_first(thread["stacktrace"]);
  REQUIRE(names.size() >= 2);
  CHECK(names[0].find("message_from_here(char const*)") != std::string::npos);
  CHECK(ev.has("debug_meta"));
#endif
}

TEST_CASE("an event whose stack trace does not fit is sent without it, and the drop is counted") {
  // A stack of 64 frames with 500-byte names: about 40 KiB of JSON.
  static st::detail::event_stacktrace big;
  big.frame_count = st::detail::max_event_frames;
  std::memset(big.names, 'f', sizeof(big.names));
  for (std::size_t i = 0; i < big.frame_count; ++i) {
    big.frames[i] = st::detail::event_frame{};
    big.frames[i].instruction_addr = 0x401000 + i;
    big.frames[i].function = std::string_view(big.names + (i % 16) * 500, 500);
  }
  big.image_count = 0;
  st::detail::event_fields f;
  f.exception_type = "app::error";
  f.exception_value = "no room for its stack";
  f.stack = &big;
  st::detail::event_trace_context tc;
  st::detail::envelope_context ctx;
  ctx.sent_at_epoch_us = 1700000000000000;

  std::vector<char> roomy(128 * 1024);
  const std::uint64_t dropped_before = st::detail::g_outcomes.attributes_dropped.load();
  const std::string_view whole = st::detail::write_event_envelope(roomy.data(), roomy.size(), f, tc, ctx, nullptr, nullptr);
  REQUIRE_FALSE(whole.empty());
#if !SENTRY_TRACE_DETAIL_PROFILING
  // Where no stack is ever captured the writer leaves the stack code out: nothing is written.
  CHECK(whole.find("\"stacktrace\"") == std::string_view::npos);
  CHECK(st::detail::g_outcomes.attributes_dropped.load() == dropped_before);
#else
  CHECK(whole.find("\"stacktrace\"") != std::string_view::npos);
  CHECK(st::detail::g_outcomes.attributes_dropped.load() == dropped_before);

  std::vector<char> small(4096);
  const std::string_view without = st::detail::write_event_envelope(small.data(), small.size(), f, tc, ctx, nullptr, nullptr);
  REQUIRE_FALSE(without.empty());
  CHECK(without.find("\"stacktrace\"") == std::string_view::npos);
  CHECK(without.find("no room for its stack") != std::string_view::npos);
  CHECK(st::detail::g_outcomes.attributes_dropped.load() == dropped_before + 1);
#endif
}

}  // TEST_SUITE
