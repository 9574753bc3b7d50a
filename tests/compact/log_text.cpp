// log_text.cpp -- diagnostics with SENTRY_TRACE_LOG_TEXT=0 (core/state.hpp): the log hook gets
// "#<line>" plus the value the diagnostic names, where <line> is the line of the log call in the
// header that makes it, and DSN errors by their enumerator's name.
//
// Built with -DSENTRY_TRACE_LOG_TEXT=0 as its own program (ctest log_text_codes), hosted, so that
// the line it reports can be looked up in runtime/lifecycle.hpp (its path is passed in as
// SENTRY_TRACE_TEST_LIFECYCLE_HPP).
#define SENTRY_TRACE_IMPLEMENTATION
#define SENTRY_TRACE_INTERNALS
#include <sentry_trace.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

static int failures = 0;
static void check(bool ok, const char* what, const std::string& got = {}) {
  if (!ok) {
    ++failures;
    std::printf("FAIL: %s [%s]\n", what, got.c_str());
  }
}

static std::string g_last;
static void capture(sentry_trace::log_level, const char* message, void*) noexcept { g_last = message; }

// The text of line `n` (1-based) of `path`, or "" when there is none.
static std::string line_of(const char* path, long n) {
  std::FILE* f = std::fopen(path, "r");
  if (!f) return {};
  std::string line;
  long at = 1;
  for (int c; (c = std::fgetc(f)) != EOF;) {
    if (c == '\n') {
      if (at == n) break;
      ++at;
      line.clear();
    } else {
      line += static_cast<char>(c);
    }
  }
  std::fclose(f);
  return at == n ? line : std::string();
}

int main() {
  static_assert(!SENTRY_TRACE_LOG_TEXT, "built with SENTRY_TRACE_LOG_TEXT=0");
  check(std::strcmp(sentry_trace::to_string(sentry_trace::dsn_error::bad_scheme), "bad_scheme") == 0,
        "to_string(dsn_error) gives the enumerator's name");
  check(std::strcmp(sentry_trace::to_string(sentry_trace::dsn_error::bad_host), "bad_host") == 0,
        "to_string(dsn_error::bad_host)");

  sentry_trace::options o;
  o.dsn = "ftp://key@example.com/1";
  o.log.write = capture;
  check(!sentry_trace::init(o), "init() refuses a malformed DSN");
  // "#<line> bad_scheme"
  check(g_last.size() > 1 && g_last[0] == '#', "the message starts with #<line>", g_last);
  char* end = nullptr;
  const long n = std::strtol(g_last.c_str() + 1, &end, 10);
  check(n > 0 && std::string(end) == " bad_scheme", "then one space and the DSN error's name", g_last);
  check(g_last.find("malformed") == std::string::npos, "no sentence", g_last);
  const std::string source = line_of(SENTRY_TRACE_TEST_LIFECYCLE_HPP, n);
  check(source.find("malformed DSN") != std::string::npos, "the line is the call that logs it", source);

  if (failures == 0) std::printf("log_text_codes: all checks passed\n");
  return failures == 0 ? 0 : 1;
}
