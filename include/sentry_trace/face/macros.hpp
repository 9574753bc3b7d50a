// sentry_trace/macros.hpp -- SENTRY_TRACE_SCOPE and SENTRY_TRACE_FUNCTION
//
// WHAT IT DOES  Scoped spans that say where they were opened, in one line:
//                 void load_level(int id) {
//                   SENTRY_TRACE_FUNCTION();                   // op "function", named after load_level
//                   { SENTRY_TRACE_SCOPE("file.read", "level.bin"); read(...); }
//                 }
//               Each declares a `sentry_trace::scoped_span` that is active until the end of the
//               enclosing block and carries Sentry's code attributes (as the Python SDK's query
//               source does): code.function (string, the bare function name: __func__),
//               code.filepath (string, __FILE__ as the compiler was given it; -ffile-prefix-map
//               shortens it) and code.lineno (integer).
//                 SENTRY_TRACE_SCOPE(op, name)  op and name: anything convertible to std::string_view
//                 SENTRY_TRACE_FUNCTION()       op "function"; name: the full signature
// WHY THE FULL SIGNATURE  SENTRY_TRACE_FUNCTION names its span with __PRETTY_FUNCTION__
//               (__FUNCSIG__ on MSVC), e.g. "void game::world::update(float)", not __func__
//               ("update"). Sentry groups spans by op and name in its performance views: with
//               bare names `physics::update` and `audio::update` would be one row, as would every
//               lambda ("operator()") and every overload. The signature is also how Sentry shows a
//               native stack frame, so a span reads like the frames of a crash in the same
//               function. The bare name is still there, in code.function. Compilers without
//               either extension get __func__.
// COST          The function, file and line are a `static constexpr` record at the call site;
//               the three attributes are built on the stack from it and copied into the
//               transaction's arena when the span starts (span_options::attributes), like any
//               start-time attribute. An unsampled span costs what scoped_span costs.
// LIMITS        The variable is named after __LINE__: one macro per line (two on one line fail
//               to compile with a redefinition error). Use them at block scope only.
// COMPILED OUT  With SENTRY_TRACE_ENABLED=0 both macros expand to `static_cast<void>(0)`: their
//               arguments are not evaluated (a function call passed as `name` does not run), and
//               the trailing `;` is still legal. A helper used only inside these macros is then
//               unused: mark it [[maybe_unused]] if -Wunused-function would complain.

#ifndef SENTRY_TRACE_MACROS_HPP
#define SENTRY_TRACE_MACROS_HPP

#include "../config.hpp"

#define SENTRY_TRACE_DETAIL_CONCAT2(a, b) a##b
#define SENTRY_TRACE_DETAIL_CONCAT(a, b) SENTRY_TRACE_DETAIL_CONCAT2(a, b)

#if SENTRY_TRACE_ENABLED

#include "api.hpp"
#include "span.hpp"

#include <string_view>

#if defined(_MSC_VER) && !defined(__clang__)
#  define SENTRY_TRACE_DETAIL_PRETTY_FUNCTION __FUNCSIG__
#elif defined(__GNUC__) || defined(__clang__)
#  define SENTRY_TRACE_DETAIL_PRETTY_FUNCTION __PRETTY_FUNCTION__
#else
#  define SENTRY_TRACE_DETAIL_PRETTY_FUNCTION __func__
#endif

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {

/// Where a SENTRY_TRACE_SCOPE / SENTRY_TRACE_FUNCTION was written: constant, one per call site.
struct source_location {
  const char* function;  ///< __func__
  const char* file;      ///< __FILE__
  int line;              ///< __LINE__
};

/// Starts the scoped span of a macro call site with its three code attributes. Returned by
/// value into the caller's variable (guaranteed copy elision: scoped_span cannot move).
inline scoped_span start_scope(const source_location& loc, std::string_view op, std::string_view name) noexcept {
  const attribute attrs[3] = {
      {"code.function", loc.function},
      {"code.filepath", loc.file},
      {"code.lineno", loc.line},
  };
  span_options o;
  o.name = name;
  o.op = op;
  o.attributes = attrs;
  o.attribute_count = 3;
  return scoped_span(o);
}

} // namespace detail
SENTRY_TRACE_DETAIL_END

#define SENTRY_TRACE_DETAIL_SCOPE(var, op, name)                                                        \
  static constexpr ::sentry_trace::detail::source_location SENTRY_TRACE_DETAIL_CONCAT(var, _where){      \
      __func__, __FILE__, __LINE__};                                                                    \
  ::sentry_trace::scoped_span var = ::sentry_trace::detail::start_scope(SENTRY_TRACE_DETAIL_CONCAT(var, _where), (op), (name))

/// A span active until the end of the enclosing block, with code.function, code.filepath and
/// code.lineno. `op` and `name` are copied when the span starts.
#define SENTRY_TRACE_SCOPE(op, name) \
  SENTRY_TRACE_DETAIL_SCOPE(SENTRY_TRACE_DETAIL_CONCAT(sentry_trace_scope_, __LINE__), op, name)

/// SENTRY_TRACE_SCOPE("function", <the enclosing function's signature>).
#define SENTRY_TRACE_FUNCTION() \
  SENTRY_TRACE_DETAIL_SCOPE(SENTRY_TRACE_DETAIL_CONCAT(sentry_trace_scope_, __LINE__), "function", SENTRY_TRACE_DETAIL_PRETTY_FUNCTION)

#else // ---- SENTRY_TRACE_ENABLED=0: the twins (disabled.hpp) ------------------------------------

#include "disabled.hpp"

/// Compiled out: nothing, and `op` and `name` are not evaluated.
#define SENTRY_TRACE_SCOPE(op, name) static_cast<void>(0)
/// Compiled out: nothing.
#define SENTRY_TRACE_FUNCTION() static_cast<void>(0)

#endif // SENTRY_TRACE_ENABLED

#endif // SENTRY_TRACE_MACROS_HPP
