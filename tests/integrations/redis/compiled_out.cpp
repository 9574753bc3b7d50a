// The integration compiled out: SENTRY_TRACE_ENABLED=0, -fno-exceptions -fno-rtti (this file's
// compile options, tests/integrations/redis/CMakeLists.txt). Linked into integration_redis next
// to the traced build: the two live in different inline namespaces, and test_hiredis.cpp checks
// that these calls reach Redis and record nothing.
#include <sentry_trace/integrations/hiredis.hpp>

static_assert(!SENTRY_TRACE_ENABLED, "compiled_out.cpp is built with SENTRY_TRACE_ENABLED=0");

void* compiled_out_command(redisContext* c, const char* key) { return sentry_trace::redis::command(c, "GET %s", key); }

void* compiled_out_command_argv(redisContext* c, const char* key) {
  const char* argv[] = {"GET", key};
  return sentry_trace::redis::command_argv(c, 2, argv, nullptr);
}

bool compiled_out_set_cache_prefixes() { return sentry_trace::redis::set_cache_prefixes({"cache:"}); }
