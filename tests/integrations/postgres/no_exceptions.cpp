// integrations/libpq.hpp compiles with -fno-exceptions -fno-rtti (built, not run: the traced
// behaviour is test_libpq.cpp's).
#include <sentry_trace/integrations/libpq.hpp>

PGresult* no_exceptions_exec(PGconn* conn) { return sentry_trace::pq::exec(conn, "SELECT 1"); }
PGresult* no_exceptions_get_result(PGconn* conn) { return sentry_trace::pq::get_result(conn); }
