// Second translation unit of the two-TU link test; see odr_a.cpp.
#include <sentry_trace.hpp>

int sentry_trace_odr_b();

int sentry_trace_odr_b() { return static_cast<int>(SENTRY_TRACE_ENABLED) + 1; }
