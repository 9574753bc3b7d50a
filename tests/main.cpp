// The one doctest main for every tests/test_*.cpp: each suite is a separate file linked in.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
