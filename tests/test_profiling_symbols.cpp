// profiling/symbols.hpp: addresses of this test binary and of libc resolved to names and
// images; the ELF reader refuses truncated files; the build id formats.

#ifndef SENTRY_TRACE_INTERNALS
#  define SENTRY_TRACE_INTERNALS
#endif
#include <sentry_trace.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>
#if SENTRY_TRACE_DETAIL_PROFILING
#  include <dlfcn.h>
#endif

namespace d = sentry_trace::detail;

namespace symbols_test {
[[gnu::noinline]] int probe(int x) { return x * 3 + 1; }
}  // namespace symbols_test

TEST_SUITE("profiling_symbols") {

#if SENTRY_TRACE_DETAIL_PROFILING
TEST_CASE("a function of the test binary resolves to its demangled name, the binary, in_app") {
  char scratch[256];
  d::resolved_frame f;
  const auto addr = reinterpret_cast<std::uintptr_t>(&symbols_test::probe);
  REQUIRE(d::resolve_frame(addr, f, scratch, sizeof scratch));
  CHECK(f.function == "symbols_test::probe(int)");
  CHECK(f.module == "sentry_trace_tests");
  CHECK(f.in_app);
  CHECK(f.symbol_addr == addr);
  CHECK(f.image_index != 0);
  CHECK(symbols_test::probe(1) == 4);
}

TEST_CASE("libc's strlen resolves to libc.so.6, not in_app unless in_app_include names it") {
  char scratch[256];
  d::resolved_frame f;
  // libc's own strlen, from libc's handle: RTLD_DEFAULT finds a sanitizer's interceptor first
  // (libasan / libtsan define strlen too).
  void* libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
  REQUIRE(libc != nullptr);
  const auto addr = reinterpret_cast<std::uintptr_t>(dlsym(libc, "strlen"));
  dlclose(libc);
  REQUIRE(addr != 0);
  REQUIRE(d::resolve_frame(addr, f, scratch, sizeof scratch));
  CHECK(f.module == "libc.so.6");
  CHECK_FALSE(f.in_app);
  const std::string_view pattern[] = {"libc.so"};
  d::set_in_app_patterns(pattern, 1);
  REQUIRE(d::resolve_frame(addr, f, scratch, sizeof scratch));
  CHECK(f.in_app);
  d::set_in_app_patterns(nullptr, 0);
}

TEST_CASE("an address in no image gives false") {
  char scratch[64];
  d::resolved_frame f;
  CHECK_FALSE(d::resolve_frame(16, f, scratch, sizeof scratch));
  CHECK(f.instruction_addr == 16);
  CHECK(f.function.empty());
}

TEST_CASE("a truncated ELF file gives no symbol table, never a read out of bounds") {
  d::image_record img;
  char scratch[256];
  d::resolved_frame f;
  REQUIRE(d::resolve_frame(reinterpret_cast<std::uintptr_t>(&symbols_test::probe), f, scratch, sizeof scratch));
  REQUIRE(d::image_at(f.image_index, img));
  const d::symbol_image& si = d::g_symbols.images[f.image_index - 1];
  REQUIRE(si.map != nullptr);
  d::elf_symbol_table t;
  CHECK(d::elf_find_symbol_table(si.map, si.map_size, t));
  for (std::size_t cut : {std::size_t{0}, std::size_t{16}, std::size_t{64}, si.map_size / 2, si.map_size - 1}) {
    std::vector<unsigned char> copy(si.map, si.map + cut);
    d::elf_symbol_table tt;
    CHECK_FALSE(d::elf_find_symbol_table(copy.data(), copy.size(), tt));
  }
}
#endif

TEST_CASE("debug_id is the build id's first 16 bytes as a little-endian GUID; code_id its hex") {
  const unsigned char id[20] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
                                0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14};
  char guid[37];
  CHECK(d::format_debug_id(id, sizeof id, guid) == 36);
  CHECK(std::string(guid) == "04030201-0605-0807-090a-0b0c0d0e0f10");
  char hex[64];
  CHECK(std::string(hex, d::format_code_id(id, sizeof id, hex, sizeof hex)) == "0102030405060708090a0b0c0d0e0f1011121314");
  CHECK(d::format_code_id(id, sizeof id, hex, 39) == 0);
}

}  // TEST_SUITE
