// Compile check for SENTRY_TRACE_THREADS=0 (built by tests/CMakeLists.txt with that define, -O0, so
// every inline function it uses is emitted): single-threaded builds use no atomics, no mutex and no
// threads. check_symbols.cmake reads this object's symbols with nm and fails on any reference to
// std::atomic, std::mutex, std::thread, pthread_* or the __atomic_* runtime calls.
#include <sentry_trace.hpp>

#ifndef SENTRY_TRACE_THREADS
#  error "sentry_trace.hpp must define SENTRY_TRACE_THREADS"
#endif
// SENTRY_TRACE_TEST_THREADS_CONTROL: the same code built with threads, the check's control.
#if SENTRY_TRACE_THREADS && !defined(SENTRY_TRACE_TEST_THREADS_CONTROL)
#  error "this translation unit must be built with -DSENTRY_TRACE_THREADS=0"
#endif

namespace st = sentry_trace;

namespace {
struct null_transport : st::transport {
  void send(st::envelope_view) override {}
  bool flush(std::uint32_t) override { return true; }
};
} // namespace

// The public API end to end: init, the span styles, attributes, measurements, the trace headers,
// an incoming trace, a message, flush and shutdown (outcome counters, the block pool, the active
// stack and the random state all come with these).
int sentry_trace_single_threaded_use() {
  null_transport t;
  st::options o;
  o.dsn = "https://public@o1.ingest.sentry.io/42";
  o.traces_sample_rate = 1.0;
  o.transport = &t;
  if (!st::init(o)) return 1;
  int result = st::start_span({"GET /", "http.server"}, [](st::span& root) {
    root.set_attribute("k", "v");
    root.set_attribute("n", std::int64_t{1});
    st::scoped_span child({"child", "db.query"});
    st::span manual = st::start_span_manual({"manual", "task"});
    manual.set_status(st::span_status::ok);
    manual.end();
    st::set_measurement("m", 1.0, "millisecond");
    return static_cast<int>(st::get_trace_headers().sentry_trace.size() != 0) - 1;
  });
  st::continue_trace("771a43a4192642f0b136d5159a501700-b7ad6b7169203331-1", "sentry-sample_rand=0.25",
                     [] { st::start_span({"continued", "task"}, [](st::span&) {}); });
  st::capture_message("single-threaded", st::level::info);
  st::poll(0);
  if (!st::flush(0)) result = 1;
  if (!st::shutdown(0)) result = 1;
  return result;
}
