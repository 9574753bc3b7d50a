// tests/codegen/policy_check.cpp -- the compile-time sampling policies at run time
//
// One program per SENTRY_TRACE_SAMPLING value (the policy is fixed per program: ODR), built and
// run by check_codegen.sh. traces_sample_rate is set to 0 throughout: a compile-time policy must
// ignore it. Prints one line per check and exits non-zero when one fails.

// One file: this program is also its implementation TU.
#define SENTRY_TRACE_IMPLEMENTATION
#include <sentry_trace.hpp>

#include <cstdio>
#include <string_view>

namespace st = sentry_trace;

namespace {

int failures = 0;
void check(bool ok, const char* what) {
  std::printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
  if (!ok) ++failures;
}

struct capture final : st::transport {
  int transactions = 0;
  int with_half_rate = 0;
  void send(st::envelope_view e) override {
    if (!e.transaction()) return;
    ++transactions;
    if (e.bytes().find("\"sample_rate\":\"0.5\"") != std::string_view::npos) ++with_half_rate;
  }
};

int run(int n) {
  int results = 0;
  for (int i = 0; i < n; ++i) {
    results += st::start_span({"txn", "task"}, [&](st::span& root) {
      root.set_attribute("i", i);
      st::scoped_span child({"child", "function"});
      child->set_attribute("k", "v");
      st::set_measurement("m", 1.0, "none");
      return 1;
    });
  }
  return results;
}

} // namespace

int main() {
  capture sink;
  st::options o;
  o.dsn = "https://key@o1.ingest.sentry.io/42";
  o.traces_sample_rate = 0.0;  // ignored by every compile-time policy
  o.transport = &sink;
  o.send_client_reports = false;
  check(st::init(o), "init");

#if SENTRY_TRACE_SAMPLING == SENTRY_TRACE_SAMPLING_ALWAYS
  check(run(100) == 100, "ALWAYS: start_span ran every callback and returned its result");
  st::flush(2000);
  std::printf("      ALWAYS: %d of 100 transactions sent\n", sink.transactions);
  check(sink.transactions == 100, "ALWAYS: 100 of 100 transactions sent despite traces_sample_rate 0");
  // An explicit parent decision is inherited only under RUNTIME.
  int before = sink.transactions;
  st::continue_trace("771a43a4192642f0b136d5159a501700-b0a2c3d4e5f60718-0", "", [] { run(1); });
  st::flush(2000);
  check(sink.transactions == before + 1, "ALWAYS: an incoming unsampled parent does not win");
#elif SENTRY_TRACE_SAMPLING == SENTRY_TRACE_SAMPLING_NEVER
  check(run(100) == 100, "NEVER: start_span ran every callback and returned its result");
  st::span m = st::start_span_manual({"manual", "task"});
  check(!m.is_active() && !m.is_recording(), "NEVER: a span is an empty handle");
  m.end();
  st::flush(2000);
  std::printf("      NEVER: %d of 100 transactions sent\n", sink.transactions);
  check(sink.transactions == 0, "NEVER: 0 transactions sent");
  // Traces still propagate through continue_trace / get_trace_headers.
  std::string_view in = "771a43a4192642f0b136d5159a501700-b0a2c3d4e5f60718-1";
  bool same_trace = false, same_decision = false;
  st::continue_trace(in, "sentry-trace_id=771a43a4192642f0b136d5159a501700,sentry-sample_rate=0.25", [&] {
    st::trace_headers h = st::get_trace_headers();
    same_trace = h.sentry_trace.substr(0, 32) == in.substr(0, 32);
    same_decision = h.sentry_trace.size() == in.size() && h.sentry_trace.back() == '1';
  });
  check(same_trace, "NEVER: get_trace_headers() inside continue_trace() carries the incoming trace id");
  check(same_decision, "NEVER: ... and the incoming sampling decision");
#elif SENTRY_TRACE_SAMPLING == SENTRY_TRACE_SAMPLING_RATIO && SENTRY_TRACE_SAMPLING_RATIO_PERMILLE == 500
  check(run(1000) == 1000, "RATIO 500: start_span ran every callback and returned its result");
  st::flush(2000);
  std::printf("      RATIO 500: %d of 1000 transactions sent, %d with DSC sample_rate \"0.5\"\n", sink.transactions,
              sink.with_half_rate);
  check(sink.transactions >= 350 && sink.transactions <= 650, "RATIO 500: between 350 and 650 of 1000 sent");
  check(sink.transactions > 0 && sink.with_half_rate == sink.transactions, "RATIO 500: DSC sample_rate \"0.5\"");
#else
#  error "policy_check.cpp: build with SENTRY_TRACE_SAMPLING=1, 2, or 3 with SENTRY_TRACE_SAMPLING_RATIO_PERMILLE=500"
#endif
  st::shutdown(2000);
  return failures == 0 ? 0 : 1;
}
