// protocol/demangle.hpp: every supported case printed exactly as abi::__cxa_demangle prints it,
// unsupported input refused, and a small buffer never overrun.

#ifndef SENTRY_TRACE_INTERNALS
#  define SENTRY_TRACE_INTERNALS
#endif
#include <sentry_trace.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <cxxabi.h>
#include <string>
#include <string_view>

namespace {
namespace d = sentry_trace::detail;

std::string ours(const char* mangled, std::size_t cap = 512) {
  std::string buf(cap, '\0');
  const std::size_t n = d::demangle(mangled, &buf[0], cap);
  return buf.substr(0, n);
}

std::string libstdcxx(const char* mangled) {
  int status = 0;
  char* s = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string r = status == 0 && s ? s : "";
  std::free(s);
  return r;
}

struct demangle_case {
  const char* mangled;
  const char* expected;
};

constexpr demangle_case cases[] = {
    {"_ZN3app5orderEv", "app::order()"},
    {"_ZNK1A1fERKSt6vectorIiSaIiEE", "A::f(std::vector<int, std::allocator<int> > const&) const"},
    {"_Z1fIiEvT_", "void f<int>(int)"},
    {"_ZZ4mainENKUlvE_clEv", "main::{lambda()#1}::operator()() const"},
    {"_ZZ4mainENKUlvE0_clEv", "main::{lambda()#2}::operator()() const"},
    {"_Z3foov.cold", "foo() [clone .cold]"},
    {"_Z3fooi.constprop.0", "foo(int) [clone .constprop.0]"},
    {"_Z3fooi.isra.0", "foo(int) [clone .isra.0]"},
    {"_ZN3FooC2Ev", "Foo::Foo()"},
    {"_ZN3FooD1Ev", "Foo::~Foo()"},
    {"_ZN3FooC1ERKS_", "Foo::Foo(Foo const&)"},
    {"_Z1fPKcRiOl", "f(char const*, int&, long&&)"},
    {"_ZN1AplERKS_", "A::operator+(A const&)"},
    {"_ZN1AixEm", "A::operator[](unsigned long)"},
    {"_Znwm", "operator new(unsigned long)"},
    {"_ZN1N1SIiLi3EE3getEv", "N::S<int, 3>::get()"},
    {"_Z1fILb1EEvv", "void f<true>()"},
    {"_ZN12_GLOBAL__N_14workEv", "(anonymous namespace)::work()"},
    {"_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE6appendEPKc",
     "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >::append(char const*)"},
    {"_ZN1AUt_3getEv", "A::{unnamed type#1}::get()"},
    {"_Z1fSsSo", "f(std::string, std::ostream)"},
    {"_ZNK3app5Order5totalEv", "app::Order::total() const"},
    {"_Z1fPPvS_", "f(void**, void*)"},
    {"_Z4dataB5cxx11v", "data[abi:cxx11]()"},
    {"_ZL5localv", "local()"},                               // a static function
    {"_ZN5suiteL4funcEv", "suite::func()"},                  // a static function in a namespace
    {"_Z1fPFviE", "f(void (*)(int))"},                       // pointer to function
    {"_Z1fPFvvES0_", "f(void (*)(), void (*)())"},           // ... repeated by substitution
    {"_Z1fRFivE", "f(int (&)())"},                           // reference to function
    {"_ZNSt6thread11_State_implINS_8_InvokerISt5tupleIJPFvRN12_GLOBAL__N_15truthEESt17reference_wrapperIS4_EEEEEE6_M_runEv",
     "std::thread::_State_impl<std::thread::_Invoker<std::tuple<void (*)((anonymous namespace)::truth&), "
     "std::reference_wrapper<(anonymous namespace)::truth> > > >::_M_run()"},  // a std::thread's body
};

}  // namespace

TEST_SUITE("demangle") {

TEST_CASE("every supported case prints what abi::__cxa_demangle prints") {
  for (const demangle_case& c : cases) {
    CAPTURE(c.mangled);
    CHECK(ours(c.mangled) == c.expected);
    CHECK(ours(c.mangled) == libstdcxx(c.mangled));
  }
}

TEST_CASE("unmangled, unsupported and malformed input returns 0") {
  CHECK(ours("main") == "");
  CHECK(ours("") == "");
  CHECK(ours("_Z") == "");
  CHECK(ours("_ZTV3Foo") == "");          // a vtable: a special name
  CHECK(ours("_Z1fRFivEPFS_vE") == "");   // a reference back to a bare function type
  CHECK(ours("_Z1fPFPFvvEiE") == "");     // a function returning a function pointer
  CHECK(ours("_Z1fPFvvRE") == "");        // a ref-qualified function type
  CHECK(ours("_Z1fA3_i") == "");          // an array type
  CHECK(ours("_ZN3app5orderE") == "app::order");  // a variable: a name without parameters
  CHECK(ours("_ZN3app5order") == "");              // cut before its E
  CHECK(ours("_Z3fooS_") == "");          // a substitution that does not exist
  CHECK(ours("_Z99foo") == "");           // a length past the end
}

TEST_CASE("a small cap is never overrun and gives 0") {
  for (const demangle_case& c : cases) {
    const std::size_t full = std::string_view(c.expected).size();
    for (std::size_t cap = 1; cap < full; ++cap) {
      std::string buf(cap + 8, '#');
      CHECK(d::demangle(c.mangled, &buf[0], cap) == 0);
      CHECK(buf.substr(cap) == std::string(8, '#'));
    }
  }
}

TEST_CASE("nesting deeper than max_demangle_depth is refused, not recursed") {
  std::string deep = "_Z1f";
  for (int i = 0; i < 200; ++i) deep += 'P';
  deep += 'i';
  CHECK(ours(deep.c_str(), 4096) == "");
}

}  // TEST_SUITE
