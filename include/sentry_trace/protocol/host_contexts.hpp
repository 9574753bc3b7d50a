// sentry_trace/protocol/host_contexts.hpp -- contexts.os, contexts.runtime, contexts.device and sdk.packages
//
// WHAT IT DOES  Describes the host once, at init() (fill_host_contexts, into fixed buffers of
//               g_host), and writes it into every event and transaction payload as sentry-native
//               does: contexts.os {name, version, build, kernel_version}, contexts.runtime
//               {name, version, raw_description} and contexts.device {arch}; and the payload's
//               `sdk` with `packages: [{name, version}]`.
// FORMAT        os, where uname() exists (hosted POSIX builds): name = sysname ("Linux"),
//               version = the leading digits-and-dots of release (at most three numbers,
//               "6.1.0"), build = what follows it ("28-amd64"), kernel_version = the whole
//               release, as sentry-native's sentry__get_os_context. Elsewhere no os context,
//               except "Windows" by name on Windows.
//               runtime: the compiler (name "gcc", "clang" or "msvc", its version), and in
//               raw_description the standard library ("libstdc++ 12 (20220819)", "libc++ 15000"),
//               read from the macros they define; the device's arch from the target macros
//               (x86_64, x86, arm64, arm, riscv64, riscv32, xtensa; none otherwise).
//               sdk.packages names this library "cmake:sentry_trace" (its CMake package, in
//               Relay's "<registry>:<name>" form, as sentry-native writes
//               "github:getsentry/sentry-native").
// DOES NOT      allocate or run anything per event: the values are read once by init() and
//               copied into g_host; an event only writes them. Every value is checked for the
//               schema's type (a string) by the writer; empty values are left out.
// SPEC          https://develop.sentry.dev/sdk/data-model/event-payloads/contexts/
//               https://develop.sentry.dev/sdk/data-model/event-payloads/sdk/

#ifndef SENTRY_TRACE_HOST_CONTEXTS_HPP
#define SENTRY_TRACE_HOST_CONTEXTS_HPP

#include "../config.hpp"
#include "json.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#if SENTRY_TRACE_HOSTED && (defined(__unix__) || defined(__APPLE__))
#  include <sys/utsname.h>
#  define SENTRY_TRACE_DETAIL_UNAME 1
#else
#  define SENTRY_TRACE_DETAIL_UNAME 0
#endif

SENTRY_TRACE_DETAIL_BEGIN

// ------------------------------------------------------------------------------------------------
namespace detail {

/// What the payloads say about the host. The views point into the buffers (or at literals);
/// tests may point them elsewhere to pin the output.
struct host_contexts {
  std::string_view os_name, os_version, os_build, kernel_version;
  std::string_view runtime_name, runtime_version, runtime_description;
  std::string_view arch;
  char os_name_buf[32] = {};
  char release_buf[96] = {};
  char compiler_buf[24] = {};
  char stdlib_buf[48] = {};
};
inline host_contexts g_host{};

/// The SDK's package in `sdk.packages`.
inline constexpr std::string_view sdk_package_name = "cmake:sentry_trace";

/// Appends `s` to buf[0..cap) at `at`; returns the new length (cut at cap).
inline std::size_t append_text(char* buf, std::size_t cap, std::size_t at, std::string_view s) noexcept {
  const std::size_t n = s.size() < cap - at ? s.size() : cap - at;
  if (n) std::memcpy(buf + at, s.data(), n);
  return at + n;
}
inline std::size_t append_number(char* buf, std::size_t cap, std::size_t at, std::uint64_t v) noexcept {
  char digits[24];
  return append_text(buf, cap, at, std::string_view(digits, format_uint(digits, v)));
}

/// The length of release's leading version, "6.1.0" of "6.1.0-28-amd64": digits and at most two dots.
inline std::size_t version_prefix(std::string_view release) noexcept {
  std::size_t i = 0, dots = 0;
  for (; i < release.size(); ++i) {
    const char c = release[i];
    if (c == '.' && dots < 2 && i > 0 && release[i - 1] != '.') ++dots;
    else if (c < '0' || c > '9') break;
  }
  while (i > 0 && release[i - 1] == '.') --i;  // "6." names no third number
  return i;
}

/// The target's architecture as Sentry names it, "" when not one of those known.
constexpr std::string_view target_arch() noexcept {
#if defined(__x86_64__) || defined(_M_X64)
  return "x86_64";
#elif defined(__i386__) || defined(_M_IX86)
  return "x86";
#elif defined(__aarch64__) || defined(_M_ARM64)
  return "arm64";
#elif defined(__arm__) || defined(_M_ARM)
  return "arm";
#elif defined(__riscv) && __riscv_xlen == 64
  return "riscv64";
#elif defined(__riscv)
  return "riscv32";
#elif defined(__XTENSA__)
  return "xtensa";
#else
  return "";
#endif
}

/// Reads the host into `h` (init(); uname() allocates nothing).
inline void fill_host_contexts(host_contexts& h) noexcept {
  h = host_contexts{};
#if SENTRY_TRACE_DETAIL_UNAME
  struct utsname u;
  if (uname(&u) == 0) {
    const std::size_t name_len = append_text(h.os_name_buf, sizeof(h.os_name_buf), 0, u.sysname);
    const std::size_t rel_len = append_text(h.release_buf, sizeof(h.release_buf), 0, u.release);
    h.os_name = std::string_view(h.os_name_buf, name_len);
    h.kernel_version = std::string_view(h.release_buf, rel_len);
    const std::size_t v = version_prefix(h.kernel_version);
    h.os_version = h.kernel_version.substr(0, v);
    std::size_t b = v;
    if (b < rel_len && (h.release_buf[b] == '-' || h.release_buf[b] == '.')) ++b;
    h.os_build = h.kernel_version.substr(b);
  }
#elif defined(_WIN32)
  h.os_name = "Windows";
#endif
  std::size_t n = 0;
#if defined(__clang__)
  h.runtime_name = "clang";
  n = append_number(h.compiler_buf, sizeof(h.compiler_buf), n, __clang_major__);
  n = append_text(h.compiler_buf, sizeof(h.compiler_buf), n, ".");
  n = append_number(h.compiler_buf, sizeof(h.compiler_buf), n, __clang_minor__);
  n = append_text(h.compiler_buf, sizeof(h.compiler_buf), n, ".");
  n = append_number(h.compiler_buf, sizeof(h.compiler_buf), n, __clang_patchlevel__);
#elif defined(__GNUC__)
  h.runtime_name = "gcc";
  n = append_number(h.compiler_buf, sizeof(h.compiler_buf), n, __GNUC__);
  n = append_text(h.compiler_buf, sizeof(h.compiler_buf), n, ".");
  n = append_number(h.compiler_buf, sizeof(h.compiler_buf), n, __GNUC_MINOR__);
  n = append_text(h.compiler_buf, sizeof(h.compiler_buf), n, ".");
  n = append_number(h.compiler_buf, sizeof(h.compiler_buf), n, __GNUC_PATCHLEVEL__);
#elif defined(_MSC_VER)
  h.runtime_name = "msvc";
  n = append_number(h.compiler_buf, sizeof(h.compiler_buf), n, _MSC_VER);
#endif
  h.runtime_version = std::string_view(h.compiler_buf, n);
  std::size_t s = 0;
#if defined(_LIBCPP_VERSION)
  s = append_text(h.stdlib_buf, sizeof(h.stdlib_buf), s, "libc++ ");
  s = append_number(h.stdlib_buf, sizeof(h.stdlib_buf), s, _LIBCPP_VERSION);
#elif defined(__GLIBCXX__)
  s = append_text(h.stdlib_buf, sizeof(h.stdlib_buf), s, "libstdc++ ");
#  if defined(_GLIBCXX_RELEASE)
  s = append_number(h.stdlib_buf, sizeof(h.stdlib_buf), s, _GLIBCXX_RELEASE);
  s = append_text(h.stdlib_buf, sizeof(h.stdlib_buf), s, " (");
  s = append_number(h.stdlib_buf, sizeof(h.stdlib_buf), s, __GLIBCXX__);
  s = append_text(h.stdlib_buf, sizeof(h.stdlib_buf), s, ")");
#  else
  s = append_number(h.stdlib_buf, sizeof(h.stdlib_buf), s, __GLIBCXX__);
#  endif
#elif defined(_MSVC_STL_VERSION)
  s = append_text(h.stdlib_buf, sizeof(h.stdlib_buf), s, "msvc-stl ");
  s = append_number(h.stdlib_buf, sizeof(h.stdlib_buf), s, _MSVC_STL_VERSION);
#endif
  h.runtime_description = std::string_view(h.stdlib_buf, s);
  h.arch = target_arch();
}

/// Writes `key` with `value` when the value is not empty.
inline void write_if_set(json_writer& w, std::string_view key, std::string_view value) noexcept {
  if (!value.empty()) w.key(key).string(value);
}

/// The os, runtime and device contexts, into an open `contexts` object; each only when it has
/// a value.
inline void write_host_contexts(json_writer& w, const host_contexts& h) noexcept {
  if (!h.os_name.empty() || !h.kernel_version.empty()) {
    w.literal_key("os").begin_object();
    write_if_set(w, "name", h.os_name);
    write_if_set(w, "version", h.os_version);
    write_if_set(w, "build", h.os_build);
    write_if_set(w, "kernel_version", h.kernel_version);
    w.end_object();
  }
  if (!h.runtime_name.empty()) {
    w.literal_key("runtime").begin_object();
    write_if_set(w, "name", h.runtime_name);
    write_if_set(w, "version", h.runtime_version);
    write_if_set(w, "raw_description", h.runtime_description);
    w.end_object();
  }
  if (!h.arch.empty()) w.literal_key("device").begin_object().literal_key("arch").string(h.arch).end_object();
}

/// A payload's `sdk`: name, version and packages (the envelope header's `sdk` has no packages).
inline void write_payload_sdk(json_writer& w) noexcept {
  w.literal_key("sdk").begin_object();
  w.literal_key("name").string(sdk_name);
  w.literal_key("version").string(version_string);
  w.literal_key("packages").begin_array().begin_object();
  w.literal_key("name").string(sdk_package_name);
  w.literal_key("version").string(version_string);
  w.end_object().end_array();
  w.end_object();
}

} // namespace detail
SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_HOST_CONTEXTS_HPP
