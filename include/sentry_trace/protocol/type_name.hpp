// sentry_trace/protocol/type_name.hpp -- an exception's type name as C++ spells it, without the heap
//
// WHAT IT DOES  readable_type_name() turns the name typeid() gives into the one a reader knows:
//               with the Itanium C++ ABI (g++, clang on every platform but MSVC) it demangles the
//               names exception classes have, "St13runtime_error" -> "std::runtime_error",
//               "N3app8db_errorE" -> "app::db_error", "NSt8ios_base7failureB5cxx11E" ->
//               "std::ios_base::failure[abi:cxx11]", "N12_GLOBAL__N_15oopsE" ->
//               "(anonymous namespace)::oops", as abi::__cxa_demangle prints them; MSVC's
//               "class app::db_error" loses its "class " / "struct ".
// DOES NOT      allocate: abi::__cxa_demangle may realloc() the caller's buffer (and needs
//               malloc'd memory), so this part decodes the subset itself into a fixed buffer. A
//               name outside that subset (a template, a local class, a substitution) or longer
//               than the buffer is returned as given, mangled: still unique, and what
//               `c++filt -t` reads.
// SPEC          https://itanium-cxx-abi.github.io/cxx-abi/abi.html#mangling

#ifndef SENTRY_TRACE_TYPE_NAME_HPP
#define SENTRY_TRACE_TYPE_NAME_HPP

#include "../config.hpp"

#include <cstddef>
#include <cstring>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

// ------------------------------------------------------------------------------------------------
namespace detail {

/// Writes into out[0..cap) and remembers whether everything fitted.
struct name_out {
  char* buf;
  std::size_t cap;
  std::size_t len = 0;
  bool ok = true;
  void put(std::string_view s) noexcept {
    if (!ok || s.size() > cap - len) {
      ok = false;
      return;
    }
    std::memcpy(buf + len, s.data(), s.size());
    len += s.size();
  }
};

/// Reads a <source-name> (decimal length, then that many characters) at `at`; empty on error.
inline std::string_view read_source_name(std::string_view m, std::size_t& at) noexcept {
  std::size_t n = 0, digits = 0;
  while (at < m.size() && m[at] >= '0' && m[at] <= '9' && digits < 6) {
    n = n * 10 + static_cast<std::size_t>(m[at++] - '0');
    ++digits;
  }
  if (digits == 0 || n == 0 || n > m.size() - at) return {};
  std::string_view id = m.substr(at, n);
  at += n;
  return id;
}

/// Writes one unqualified name and the ABI tags after it ("B5cxx11" -> "[abi:cxx11]").
inline bool put_unqualified(std::string_view m, std::size_t& at, name_out& out) noexcept {
  const std::string_view id = read_source_name(m, at);
  if (id.empty()) return false;
  out.put(id.substr(0, 10) == "_GLOBAL__N" ? std::string_view("(anonymous namespace)") : id);
  while (at < m.size() && m[at] == 'B') {
    ++at;
    const std::string_view tag = read_source_name(m, at);
    if (tag.empty()) return false;
    out.put("[abi:");
    out.put(tag);
    out.put("]");
  }
  return true;
}

/// Demangles an Itanium class name of the subset above into out; false when it is not one.
inline bool demangle_class_name(std::string_view m, name_out& out) noexcept {
  std::size_t at = 0;
  const bool nested = !m.empty() && m[0] == 'N';
  if (nested) ++at;
  std::size_t parts = 0;
  if (m.substr(at, 2) == "St") {  // std::
    out.put("std");
    at += 2;
    ++parts;
  }
  do {
    if (parts++ != 0) out.put("::");
    if (!put_unqualified(m, at, out)) return false;
  } while (nested && at < m.size() && m[at] != 'E');
  if (nested) {  // N ... E names two parts at least
    if (at >= m.size() || m[at] != 'E' || parts < 2) return false;
    ++at;
  }
  return at == m.size() && out.ok;
}

/// The readable name of a type whose typeid().name() is `raw` (see above), written into
/// out[0..cap) when it must be rebuilt; otherwise a view of `raw` itself, which must outlive it.
inline std::string_view readable_type_name(const char* raw, char* out, std::size_t cap) noexcept {
  const std::string_view m = raw != nullptr ? std::string_view(raw) : std::string_view();
  if (m.empty()) return m;
#if defined(_MSC_VER) && !defined(__clang__)
  static_cast<void>(out);
  static_cast<void>(cap);
  if (m.substr(0, 6) == "class ") return m.substr(6);
  if (m.substr(0, 7) == "struct ") return m.substr(7);
  return m;
#else
  name_out o{out, cap};
  if (demangle_class_name(m, o)) return std::string_view(out, o.len);
  return m;
#endif
}

} // namespace detail
SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_TYPE_NAME_HPP
