// src/sentry_trace.cpp -- the one translation unit that compiles sentry_trace
//
// The CMake target sentry_trace::sentry_trace and the Meson dependency build this file, so a
// program that links them defines nothing itself. Every other TU includes <sentry_trace.hpp>
// and sees only the face: declarations and the inline span handle.
#define SENTRY_TRACE_IMPLEMENTATION
#include <sentry_trace.hpp>
