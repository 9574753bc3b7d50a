// integrations/mysql.hpp compiles with -fno-exceptions -fno-rtti (built, not run: the traced
// behaviour is test_mysql.cpp's).
#include <sentry_trace/integrations/mysql.hpp>

int no_exceptions_query(MYSQL* db) { return sentry_trace::mysql::real_query(db, "SELECT 1", 8); }
int no_exceptions_execute(MYSQL_STMT* stmt) { return sentry_trace::mysql::stmt_execute(stmt); }
