// An error event from code built with frame pointers, through a library built without them
// (implementation.cpp), or with the library's implementation in this TU
// (-DSENTRY_TRACE_IMPLEMENTATION, where the compiler could inline the entry points into their
// callers): the event's stack trace must start at the function that called capture_exception()
// (capture_message() with attach_stacktrace), its caller next. Returns 0 when both events show
// that, 1 otherwise (printing the frames found), 77 where this platform captures no stacks.

#include <sentry_trace.hpp>

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace st = sentry_trace;

namespace {

/// Keeps every envelope sent.
class keep_transport final : public st::transport {
 public:
  void send(st::envelope_view envelope) override { sent.emplace_back(envelope.bytes()); }
  std::vector<std::string> sent;
};

// Written after each call below, so that no call is a tail call (a frame the compiler would
// drop) and the calls stay where they are.
volatile int g_after_call = 0;

[[gnu::noinline]] bool report_failure(int depth) {
  const bool sent = st::capture_exception("LookupError", "no such order");
  g_after_call = g_after_call + depth;
  return sent;
}
[[gnu::noinline]] bool handle_request(int depth) {
  const bool sent = report_failure(depth + 1);
  g_after_call = g_after_call + depth;
  return sent;
}

[[gnu::noinline]] bool note_progress(int depth) {
  const bool sent = st::capture_message("half way", st::level::warning);
  g_after_call = g_after_call + depth;
  return sent;
}
[[gnu::noinline]] bool run_job(int depth) {
  const bool sent = note_progress(depth + 1);
  g_after_call = g_after_call + depth;
  return sent;
}

/// The "function" of each frame of the first "frames" array in `envelope`, innermost first
/// (Sentry lists frames outermost first).
std::vector<std::string> functions_innermost_first(const std::string& envelope) {
  std::vector<std::string> names;
  const std::size_t frames = envelope.find("\"frames\":[");
  if (frames == std::string::npos) return names;
  const std::size_t end = envelope.find("}]", frames);  // not ']': "[clone .constprop.0]" has one
  const std::string_view key = "\"function\":\"";
  for (std::size_t at = envelope.find(key, frames); at != std::string::npos && at < end; at = envelope.find(key, at)) {
    at += key.size();
    const std::size_t close = envelope.find('"', at);
    names.insert(names.begin(), envelope.substr(at, close - at));
  }
  return names;
}

bool starts_at(const std::string& envelope, const char* caller, const char* callers_caller) {
  const std::vector<std::string> names = functions_innermost_first(envelope);
  const bool ok = names.size() >= 2 && names[0].find(caller) != std::string::npos &&
                  names[1].find(callers_caller) != std::string::npos;
  std::printf("%s: %zu frames, innermost first:", ok ? "ok" : "FAIL", names.size());
  for (std::size_t i = 0; i < names.size() && i < 4; ++i) std::printf(" %s;", names[i].c_str());
  std::printf(" (want %s, then %s)\n", caller, callers_caller);
  return ok;
}

}  // namespace

int main() {
  // Where the library captures stacks (stack_walk.hpp's profiling_supported, an internal).
#if !(defined(__linux__) && (defined(__x86_64__) || defined(__aarch64__)) && SENTRY_TRACE_HOSTED && SENTRY_TRACE_THREADS)
  std::printf("skipped: this build captures no stacks\n");
  return 77;
#endif
  static keep_transport kept;
  st::options o;
  o.dsn = "https://public@o1.ingest.sentry.io/42";
  o.transport = &kept;
  o.attach_stacktrace = true;
  if (!st::init(o)) return 1;
  const bool captured = handle_request(0) && run_job(0);
  st::shutdown(2000);
  if (!captured || kept.sent.size() != 2) {
    std::printf("FAIL: %zu envelopes sent, 2 wanted\n", kept.sent.size());
    return 1;
  }
  const bool exception_ok = starts_at(kept.sent[0], "report_failure(int)", "handle_request(int)");
  const bool message_ok = starts_at(kept.sent[1], "note_progress(int)", "run_job(int)");
  return exception_ok && message_ok ? 0 : 1;
}
