// tests/codegen/span_user.cpp -- a realistic user of the span API, compiled by check_codegen.sh
//
// Built three ways with g++ -O2 -c:
//   -DSENTRY_TRACE_SAMPLING=2 (NEVER)  every tracing call must fold away,
//   -DSPAN_USER_BASELINE               the same program with no tracing at all (the SU_* macros
//                                      call the callbacks directly, or do nothing),
//   default (RUNTIME)                  for contrast: the whole span path is compiled in.
// check_codegen.sh compares the .text sizes and the defined symbols of the objects.

#include <cstddef>
#include <cstdint>

#ifndef SPAN_USER_BASELINE
#  include <sentry_trace.hpp>
namespace st = sentry_trace;
#  define SU_START_SPAN(name, op, fn) st::start_span(st::span_options{name, op}, fn)
#  define SU_SCOPED(var, name, op) st::scoped_span var(st::span_options{name, op})
#  define SU_ATTR(var, key, value) (var).set_attribute(key, value)
#  define SU_SCOPED_ATTR(var, key, value) var->set_attribute(key, value)
#  define SU_MANUAL(var, name, op) st::span var = st::start_span_manual(st::span_options{name, op})
#  define SU_STATUS_OK(var) (var).set_status(st::span_status::ok)
#  define SU_END(var) (var).end()
#  define SU_MEASURE(name, value, unit) st::set_measurement(name, value, unit)
#else
// The same program without tracing: a callback gets a dummy, everything else disappears.
struct su_no_span {};
#  define SU_START_SPAN(name, op, fn) [&](auto&& f) { su_no_span s; return f(s); }(fn)
#  define SU_SCOPED(var, name, op) su_no_span var
#  define SU_ATTR(var, key, value) static_cast<void>(var)
#  define SU_SCOPED_ATTR(var, key, value) static_cast<void>(var)
#  define SU_MANUAL(var, name, op) su_no_span var
#  define SU_STATUS_OK(var) static_cast<void>(var)
#  define SU_END(var) static_cast<void>(var)
#  define SU_MEASURE(name, value, unit) static_cast<void>(0)
#endif

// Defined elsewhere (never linked: the check only compiles): keeps the work observable.
extern void su_write(const std::int64_t* values, std::size_t count);

namespace {

std::size_t parse(const char* text, std::size_t size, std::int64_t* out, std::size_t cap) {
  std::size_t n = 0;
  std::int64_t value = 0;
  bool in_number = false;
  for (std::size_t i = 0; i < size; ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') {
      value = value * 10 + (c - '0');
      in_number = true;
    } else if (in_number) {
      if (n < cap) out[n++] = value;
      value = 0;
      in_number = false;
    }
  }
  if (in_number && n < cap) out[n++] = value;
  return n;
}

std::int64_t checksum(const std::int64_t* values, std::size_t n) {
  std::int64_t sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum = sum * 31 + values[i];
  return sum;
}

} // namespace

/// A request handler: a transaction with two scoped children, a manual span and a measurement.
std::int64_t handle_request(const char* text, std::size_t size) {
  return SU_START_SPAN("handle_request", "http.server", [&](auto& root) {
    SU_ATTR(root, "request.bytes", static_cast<std::int64_t>(size));
    std::int64_t values[64];
    std::size_t n = 0;
    {
      SU_SCOPED(child, "parse", "function");
      n = parse(text, size, values, 64);
      SU_SCOPED_ATTR(child, "values", static_cast<std::int64_t>(n));
      SU_SCOPED_ATTR(child, "format", "csv");
    }
    std::int64_t sum = 0;
    {
      SU_SCOPED(child, "checksum", "function");
      sum = checksum(values, n);
      SU_SCOPED_ATTR(child, "checksum.odd", (sum & 1) != 0);
      SU_SCOPED_ATTR(child, "checksum.ratio", static_cast<double>(sum) / 7.0);
    }
    SU_MANUAL(io, "write", "file.write");
    su_write(values, n);
    SU_STATUS_OK(io);
    SU_END(io);
    SU_MEASURE("values", static_cast<double>(n), "none");
    SU_STATUS_OK(root);
    return sum;
  });
}
