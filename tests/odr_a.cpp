// Two-translation-unit link test (with odr_b.cpp): both include the whole
// library. A non-inline definition in a header fails this link with a
// duplicate symbol; inline functions and variables must fold to one.
#include <sentry_trace.hpp>

#include <cstdio>

int sentry_trace_odr_a();
int sentry_trace_odr_b();

int sentry_trace_odr_a() { return static_cast<int>(SENTRY_TRACE_ENABLED) + 1; }

int main() {
  const int a = sentry_trace_odr_a();
  const int b = sentry_trace_odr_b();
  if (a != b) {
    std::printf("odr: the two translation units disagree (%d vs %d)\n", a, b);
    return 1;
  }
  std::printf("odr: two translation units linked and agree\n");
  return 0;
}
