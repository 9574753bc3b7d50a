// The library's implementation half, built -O2 -fomit-frame-pointer (see CMakeLists.txt): the
// flags of a user's Release build of it.
#define SENTRY_TRACE_IMPLEMENTATION
#include <sentry_trace.hpp>
