// tests/stack/stack_use.cpp -- how much stack get_trace_headers(), inject() and continue_trace()
// take, measured on a painted stack; fails when one of them takes more than the limit.
//
// Each call is measured where a program makes it (inside its spans or continue_trace scope), on
// a thread whose stack this program provides (256 KiB, mmap'ed): right before the call the free
// stack below the caller is painted with a byte pattern; after it, the deepest byte that no
// longer holds the pattern gives the bytes the call took (its frames and everything it called).
// Built with -O2 (tests/CMakeLists.txt), as a user's release build would be; a sanitized build
// skips the measurement (its frames live elsewhere, or are inflated) and says so.
//
// usage: stack_use [limit_bytes]      (default 2048)   prints one line per call: bytes used

#include <sentry_trace.hpp>

#include <pthread.h>
#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace st = sentry_trace;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#  define STACK_USE_SANITIZED 1
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#    define STACK_USE_SANITIZED 1
#  endif
#endif
#ifndef STACK_USE_SANITIZED
#  define STACK_USE_SANITIZED 0
#endif

namespace {

constexpr std::size_t stack_bytes = 256 * 1024;
constexpr unsigned char paint = 0xa5;

unsigned char* g_stack_lo = nullptr;  ///< the lowest byte of the measuring thread's stack
std::size_t g_used = 0;                ///< what the last measure() found

/// Runs `call` and sets g_used to the stack bytes it took below this frame.
[[gnu::noinline]] void measure(void (*call)()) {
  volatile char marker = 0;
  const auto here = reinterpret_cast<std::uintptr_t>(&marker);
  const auto lo = reinterpret_cast<std::uintptr_t>(g_stack_lo);
  const std::size_t free_below = here - 256 - lo;  // leave this frame, memset's and the red zone alone
  std::memset(g_stack_lo, paint, free_below);
  call();
  std::size_t untouched = 0;
  while (untouched < free_below && g_stack_lo[untouched] == paint) ++untouched;
  g_used = here - (lo + untouched);
}

void* run_job(void* fn) {
  reinterpret_cast<void (*)()>(fn)();
  return nullptr;
}

/// Runs `scenario` (which calls measure()) on a thread with a known stack; returns g_used.
std::size_t run_on_measured_stack(void (*scenario)()) {
  void* mem = ::mmap(nullptr, stack_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return 0;
  g_stack_lo = static_cast<unsigned char*>(mem);
  g_used = 0;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstack(&attr, mem, stack_bytes);
  pthread_t t;
  if (pthread_create(&t, &attr, run_job, reinterpret_cast<void*>(scenario)) == 0) pthread_join(t, nullptr);
  pthread_attr_destroy(&attr);
  ::munmap(mem, stack_bytes);
  return g_used;
}

/// A carrier that copies into fixed buffers: the figure is the library's, not a string's malloc.
struct fixed_carrier {
  char sentry_trace[64], baggage[SENTRY_TRACE_MAX_BAGGAGE], traceparent[64];
  std::size_t lens[3] = {};
  void set(std::string_view k, std::string_view v) {
    char* to = k == "sentry-trace" ? sentry_trace : k == "baggage" ? baggage : traceparent;
    std::size_t& len = lens[k == "sentry-trace" ? 0 : k == "baggage" ? 1 : 2];
    len = v.size() < 64 || to == baggage ? v.size() : 64;
    std::memcpy(to, v.data(), len);
  }
};
fixed_carrier g_carrier;

volatile std::size_t g_sink = 0;

// An incoming request with a DSC and third-party members, as a service receives them.
const char* const incoming_sentry_trace = "771a43a4192642f0b136d5159a501700-b7ad6b7169203331-1";
const char* const incoming_baggage =
    "sentry-trace_id=771a43a4192642f0b136d5159a501700,sentry-public_key=49d0f7386ad645858ae85020e393bef3,"
    "sentry-sample_rate=0.5,sentry-sample_rand=0.25,sentry-release=api%401.2.3,sentry-environment=prod,"
    "vendor1=a,vendor2=b;prop=1";

void empty_call() {}

void read_headers() {
  const st::trace_headers h = st::get_trace_headers();
  g_sink = g_sink + h.sentry_trace.size() + h.baggage.size() + h.traceparent.size();
}

void inject_headers() {
  st::inject(g_carrier);
  g_sink = g_sink + g_carrier.lens[1];
}

void continue_incoming() {
  st::continue_trace(incoming_sentry_trace, incoming_baggage, [] { g_sink = g_sink + 1; });
}

void continue_span_headers() {
  st::continue_trace(incoming_sentry_trace, incoming_baggage, [] {
    st::start_span({"GET /orders", "http.server"}, [](st::span&) { read_headers(); });
  });
}

void baseline() { measure(empty_call); }
void headers_no_span() { measure(read_headers); }
void headers_in_child_span() {
  st::start_span({"GET /orders", "http.server"}, [](st::span&) {
    st::start_span({"GET upstream", "http.client"}, [](st::span&) { measure(read_headers); });
  });
}
void inject_in_span() {
  st::start_span({"GET /orders", "http.server"}, [](st::span&) { measure(inject_headers); });
}
void headers_in_continued_scope() {
  st::continue_trace(incoming_sentry_trace, incoming_baggage, [] { measure(read_headers); });
}
void continue_trace_alone() { measure(continue_incoming); }
void continue_trace_span_headers() { measure(continue_span_headers); }

} // namespace

int main(int argc, char** argv) {
  const std::size_t limit = argc > 1 ? static_cast<std::size_t>(std::strtoul(argv[1], nullptr, 10)) : 2048;
  if (STACK_USE_SANITIZED) {
    // ASan keeps locals on fake stacks of its own (detect_stack_use_after_return) and TSan
    // instruments frames: a painted stack measures nothing there. The -O2 builds measure.
    std::printf("stack_use: skipped in a sanitized build (its frames do not live on the painted stack)\n");
    return 0;
  }
  st::null_transport none;
  st::options o;
  o.dsn = "https://49d0f7386ad645858ae85020e393bef3@o1.ingest.sentry.io/42";
  o.release = "api@1.2.3";
  o.traces_sample_rate = 1.0;
  o.transport = &none;
  o.propagate_traceparent = true;
  o.send_client_reports = false;
  if (!st::init(o)) return 2;

  const std::size_t base = run_on_measured_stack(baseline);
  struct row {
    const char* name;
    void (*scenario)();
    bool limited;  ///< the limit applies (the last row includes a transaction's start and end)
  } rows[] = {
      {"get_trace_headers(), no span", headers_no_span, true},
      {"get_trace_headers() in a child span", headers_in_child_span, true},
      {"get_trace_headers() in continue_trace(), no span", headers_in_continued_scope, true},
      {"inject(carrier) in a span", inject_in_span, true},
      {"continue_trace(), empty callback", continue_trace_alone, true},
      {"continue_trace() + span + get_trace_headers()", continue_trace_span_headers, false},
  };
  // Each scenario runs once before it is measured: the dynamic loader binds a libc symbol at its
  // first call, saving the vector registers on the caller's stack (kilobytes, once per symbol
  // and process), which is not the library's.
  for (const row& r : rows) run_on_measured_stack(r.scenario);
  std::printf("stack use in bytes, -O2 (an empty call: %zu, subtracted); limit %zu\n", base, limit);
  int failed = 0;
  for (const row& r : rows) {
    const std::size_t used = run_on_measured_stack(r.scenario);
    const std::size_t own = used > base ? used - base : 0;
    const bool over = r.limited && own > limit;
    std::printf("%-52s %6zu%s\n", r.name, own, over ? "  FAIL: over the limit" : "");
    if (over) ++failed;
  }
  st::shutdown(0);
  return failed ? 1 : 0;
}
