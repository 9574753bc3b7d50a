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
//               built at compile time from the macros they define; the device's arch from the target macros
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

/// A short text built at compile time (the compiler's and the standard library's versions, so
/// that init() runs no code for them and they cost a few bytes of constant data).
struct fixed_text {
  char text[64] = {};
  std::size_t len = 0;
  constexpr fixed_text& add(std::string_view s) noexcept {
    for (std::size_t i = 0; i < s.size() && len < sizeof(text); ++i) text[len++] = s[i];
    return *this;
  }
  constexpr fixed_text& add(unsigned long long v) noexcept {
    char digits[20] = {};
    std::size_t n = 0;
    do {
      digits[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0 && n < sizeof(digits));
    while (n > 0 && len < sizeof(text)) text[len++] = digits[--n];
    return *this;
  }
  constexpr std::string_view view() const noexcept { return std::string_view(text, len); }
};

/// The compiler's name ("gcc", "clang", "msvc"; "" for another).
constexpr std::string_view compiler_name() noexcept {
#if defined(__clang__)
  return "clang";
#elif defined(__GNUC__)
  return "gcc";
#elif defined(_MSC_VER)
  return "msvc";
#else
  return "";
#endif
}
constexpr fixed_text compiler_version() noexcept {
  fixed_text t;
#if defined(__clang__)
  t.add(__clang_major__).add(".").add(__clang_minor__).add(".").add(__clang_patchlevel__);
#elif defined(__GNUC__)
  t.add(__GNUC__).add(".").add(__GNUC_MINOR__).add(".").add(__GNUC_PATCHLEVEL__);
#elif defined(_MSC_VER)
  t.add(_MSC_VER);
#endif
  return t;
}
/// The standard library and its version ("libstdc++ 12 (20220819)", "libc++ 15000").
constexpr fixed_text stdlib_description() noexcept {
  fixed_text t;
#if defined(_LIBCPP_VERSION)
  t.add("libc++ ").add(_LIBCPP_VERSION);
#elif defined(__GLIBCXX__) && defined(_GLIBCXX_RELEASE)
  t.add("libstdc++ ").add(_GLIBCXX_RELEASE).add(" (").add(__GLIBCXX__).add(")");
#elif defined(__GLIBCXX__)
  t.add("libstdc++ ").add(__GLIBCXX__);
#elif defined(_MSVC_STL_VERSION)
  t.add("msvc-stl ").add(_MSVC_STL_VERSION);
#endif
  return t;
}
inline constexpr fixed_text k_compiler_version = compiler_version();
inline constexpr fixed_text k_stdlib_description = stdlib_description();

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
  h.runtime_name = compiler_name();
  h.runtime_version = k_compiler_version.view();
  h.runtime_description = k_stdlib_description.view();
  h.arch = target_arch();
}

/// One member of a host context: its key and where host_contexts keeps its value.
struct host_field {
  std::string_view key;
  std::string_view host_contexts::*value;
};
inline constexpr host_field os_fields[] = {{"name", &host_contexts::os_name},
                                           {"version", &host_contexts::os_version},
                                           {"build", &host_contexts::os_build},
                                           {"kernel_version", &host_contexts::kernel_version}};
inline constexpr host_field runtime_fields[] = {{"name", &host_contexts::runtime_name},
                                                {"version", &host_contexts::runtime_version},
                                                {"raw_description", &host_contexts::runtime_description}};
inline constexpr host_field device_fields[] = {{"arch", &host_contexts::arch}};

/// Context `name` with the members of `fields` that have a value; nothing when none has.
/// One loop over a table rather than a call per member: this runs inside every transaction's
/// writer, whose code a microcontroller's flash pays for.
template <std::size_t N>
void write_host_context(json_writer& w, std::string_view name, const host_contexts& h,
                        const host_field (&fields)[N]) noexcept {
  bool open = false;
  for (const host_field& f : fields) {
    const std::string_view v = h.*(f.value);
    if (v.empty()) continue;
    if (!open) w.key(name).begin_object();
    open = true;
    w.key(f.key).string(v);
  }
  if (open) w.end_object();
}

/// The os, runtime and device contexts, into an open `contexts` object; each only when it has
/// a value. Without uname() (or Windows) the os is never known, so its code is left out.
inline void write_host_contexts(json_writer& w, const host_contexts& h) noexcept {
#if SENTRY_TRACE_DETAIL_UNAME || defined(_WIN32)
  write_host_context(w, "os", h, os_fields);
#endif
  write_host_context(w, "runtime", h, runtime_fields);
  write_host_context(w, "device", h, device_fields);
}

/// `[{"name":"cmake:sentry_trace","version":"<version>"}]`, made at compile time.
constexpr fixed_text sdk_packages_json() noexcept {
  fixed_text t;
  t.add("[{\"name\":\"").add(sdk_package_name).add("\",\"version\":\"").add(std::string_view(version_string)).add("\"}]");
  return t;
}
inline constexpr fixed_text k_sdk_packages = sdk_packages_json();
static_assert(k_sdk_packages.len < sizeof(k_sdk_packages.text), "sdk.packages does not fit fixed_text");

/// A payload's `sdk`: name, version and packages (the envelope header's `sdk` has no packages).
inline void write_payload_sdk(json_writer& w) noexcept {
  w.literal_key("sdk").begin_object();
  w.literal_key("name").string(sdk_name);
  w.literal_key("version").string(version_string);
  w.literal_key("packages").raw(k_sdk_packages.view());
  w.end_object();
}

} // namespace detail
SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_HOST_CONTEXTS_HPP
