// emit.cpp -- one transaction for the Spotlight sidecar (tests/interop/spotlight/run.mjs).
//
//   SENTRY_SPOTLIGHT=http://127.0.0.1:<port>/stream ./spotlight_emit
//
// init()s sentry_trace with options.spotlight taken from SENTRY_SPOTLIGHT and a DSN whose
// host has nothing listening (127.0.0.1:9): the main transport fails, which must not hold up
// the Spotlight copy. Traces "GET /spotlight-demo" with three named child spans, shuts down
// (which flushes both transports) and prints
//   trace_id <32 hex>
//   span <name>            (one line per child span)
//   shutdown <ok|not delivered>
// Exits 2 without SENTRY_SPOTLIGHT, 1 when init() fails, else 0 (the main transport's
// failure is expected, so shutdown()'s result does not decide the exit code).
// Needs the built-in HTTP transport (hosted POSIX builds with threads): built with
// SENTRY_TRACE_THREADS=0 it sends nothing, and tests/CMakeLists.txt does not register it.

#include <sentry_trace.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace st = sentry_trace;

namespace {

// Stand-in for real work, so each span has a visible duration in Spotlight's waterfall.
void work(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

constexpr const char* kTransaction = "GET /spotlight-demo";
constexpr const char* kSpanDb = "SELECT name FROM demo_users WHERE id = ?";
constexpr const char* kSpanCache = "demo-cache get user:42";
constexpr const char* kSpanRender = "render spotlight-demo page";

}  // namespace

int main() {
  const char* spotlight = std::getenv("SENTRY_SPOTLIGHT");
  if (!spotlight || !*spotlight) {
    std::fprintf(stderr, "emit: set SENTRY_SPOTLIGHT to the sidecar's URL (http://127.0.0.1:<port>/stream)\n");
    return 2;
  }

  st::options o;
  o.dsn = "http://public@127.0.0.1:9/1";  // nothing listens on port 9: the main transport fails
  o.release = "spotlight-demo@1.0.0";
  o.environment = "development";
  o.traces_sample_rate = 1.0;
  o.spotlight = spotlight;  // set in code (it would also be read from SENTRY_SPOTLIGHT)
  if (!st::init(o)) return 1;  // the log hook (stderr) said why

  char trace_hex[33] = {};
  st::start_span({kTransaction, "http.server"}, [&](st::span& root) {
    root.trace().to_hex(trace_hex);
    root.set_attribute("http.request.method", "GET");

    st::start_span({kSpanDb, "db.query"}, [](st::span& q) {
      q.set_attribute("db.system", "sqlite");
      work(40);
    });
    st::start_span({kSpanCache, "cache.get"}, [](st::span& c) {
      c.set_attribute("cache.hit", true);
      work(15);
    });
    st::start_span({kSpanRender, "template.render"}, [](st::span&) { work(30); });

    work(5);
    root.set_http_status(200);
  });  // the root ends: the envelope goes to both transports

  // Bounded: the main transport's connection to 127.0.0.1:9 is refused at once.
  const bool delivered = st::shutdown(3000);

  std::printf("trace_id %s\n", trace_hex);
  std::printf("span %s\nspan %s\nspan %s\n", kSpanDb, kSpanCache, kSpanRender);
  std::printf("shutdown %s\n", delivered ? "ok" : "not delivered");
  return 0;
}
