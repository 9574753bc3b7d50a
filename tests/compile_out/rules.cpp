// tests/compile_out/rules.cpp -- what code written against the enabled build may do with the twin
//
// check_compile_out.sh builds this file at -O2 with -Wall -Wextra -Werror, compiled out (linked
// and run) and with tracing on (compiled only). Two habits of ordinary code must keep compiling
// with tracing compiled out:
//   - printing a returned string_view with printf("%.*s", n, v.data()): g++ -O2 rejects a
//     constant null pointer there (-Werror=format-overflow), so every view the twin returns is
//     "" (empty, not null); run compiled out, it also checks each data() is not null;
//   - a span variable that is only ever assigned (`auto s = start_span_manual(a); s = ...;`):
//     compilers do not report -Wunused-but-set-variable for a type with a non-trivial destructor
//     (the enabled span has one), and newer ones do report it for a trivially destructible class,
//     so the twin's span keeps a user-provided destructor; the static_assert says so.
#if !defined(SENTRY_TRACE_ENABLED) || SENTRY_TRACE_ENABLED
#  define SENTRY_TRACE_INTERNALS  // the hosted transports and the DSN parser, as users see them
#endif
#include <sentry_trace.hpp>

#include <cstdio>
#include <string_view>
#include <type_traits>

namespace st = sentry_trace;

namespace {
int nulls = 0;

void print(const char* what, std::string_view v) {
  if (v.data() == nullptr) {
    std::printf("FAIL: %s is a null view\n", what);
    ++nulls;
  }
  std::printf("%s=[%.*s]\n", what, static_cast<int>(v.size()), v.data());
}

struct printing_transport final : st::transport {
  void send(st::envelope_view e) override {
    std::printf("%.*s", static_cast<int>(e.bytes().size()), e.bytes().data());
  }
};
} // namespace

int main() {
  // Assigned, never read: no warning in either mode.
  auto s = st::start_span_manual({"first", "task"});
  s = st::start_span_manual({"second", "task"});
  st::span t;
  t = st::start_inactive_span({"third", "task"});

  const st::trace_headers h = st::get_trace_headers();
  std::printf("sentry-trace: %.*s\n", static_cast<int>(h.sentry_trace.size()), h.sentry_trace.data());
  std::printf("baggage: %.*s\n", static_cast<int>(h.baggage.size()), h.baggage.data());
  std::printf("traceparent: %.*s\n", static_cast<int>(h.traceparent.size()), h.traceparent.data());
  print("sentry_trace", h.sentry_trace);
  print("baggage", h.baggage);
  print("traceparent", h.traceparent);

#if !SENTRY_TRACE_ENABLED
  const st::envelope_view ev;
  print("envelope_view::bytes", ev.bytes());
  printing_transport pt;
  pt.send(ev);
  // Only the twin can make these without a tracer: with tracing on they come from the library.
  static_assert(!std::is_trivially_destructible_v<st::span>,
                "an only-assigned span would trip -Wunused-but-set-variable");
  const st::transaction_view tv;
  print("transaction_view::name", tv.name());
  const st::span_view sv = tv.span_at(0);
  print("span_view::name", sv.name);
  print("span_view::op", sv.op);
  const st::options o;
  print("options::dsn", o.dsn);
  print("options::release", o.release);
  print("options::spotlight", o.spotlight);
#  if SENTRY_TRACE_HOSTED
  st::http_transport_options hto;
  print("http_transport_options::url", hto.url);
  std::printf("last_error: %s\n", st::http_transport().last_error());
#  endif
  std::printf("%s\n", nulls ? "FAIL" : "ok");
#endif
  return nulls == 0 ? 0 : 1;
}
