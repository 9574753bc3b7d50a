// sentry_trace/protocol/demangle.hpp -- Itanium C++ symbol names, demangled without the heap
//
// WHAT IT DOES  demangle("_ZN3app5orderEv", out, cap) writes "app::order()", exactly what
//               c++filt (abi::__cxa_demangle) prints, for the names a profile or a stack trace
//               shows: nested names (N..E) with the std:: abbreviations (St Sa Sb Ss Si So Sd),
//               substitutions (S_ S0_ ..), template arguments (I..E) of types and integer
//               literals (L..E), template parameters (T_ T0_ ..), builtin types, pointers,
//               references, rvalue references, pointers and references to functions
//               ("void (*)(int)"), const/volatile, function parameters, internal linkage (L),
//               ctors and dtors (C1 C2 C3 D0 D1 D2), operator names, ABI tags (B5cxx11), lambdas
//               ({lambda()#1}), unnamed types ({unnamed type#1}), local names (Z..E) and clone
//               suffixes (".cold" -> " [clone .cold]").
// DOES NOT      allocate, throw or recurse deeper than max_demangle_depth. Anything outside
//               that subset (bare function types, functions returning function pointers, array
//               types, member pointers, expressions, decltype, vendor qualifiers, special names
//               such as vtables and thunks) returns 0, and the caller prints the mangled name:
//               a name is printed as c++filt would or not at all, never half-understood.
// RAM           about 1 KiB of stack per call (the substitution and template-argument tables);
//               no static state.
// SPEC          https://itanium-cxx-abi.github.io/cxx-abi/abi.html#mangling

#ifndef SENTRY_TRACE_PROTOCOL_DEMANGLE_HPP
#define SENTRY_TRACE_PROTOCOL_DEMANGLE_HPP

#include "../config.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

namespace detail {

/// Nesting (types within types, names within names) beyond which a name is "not understood".
inline constexpr int max_demangle_depth = 48;

/// The state of one demangle() call: the input, the output buffer, and the ABI's substitution
/// and template-parameter tables, each entry a [start, start + len) range of the output (a
/// substitution repeats text already written).
class itanium_demangler {
 public:
  itanium_demangler(std::string_view in, char* out, std::size_t cap) noexcept
      : p_(in.data()), end_(in.data() + in.size()), out_(out), cap_(cap) {}

  std::size_t run() noexcept {
    if (end_ - p_ < 3 || p_[0] != '_' || p_[1] != 'Z') return 0;
    p_ += 2;
    encoding();
    while (!failed_ && p_ != end_ && *p_ == '.') clone_suffix();
    if (failed_ || p_ != end_) return 0;
    return len_;
  }

 private:
  struct range {
    std::size_t start, len;
  };
  /// What a name told about the function it names.
  struct name_info {
    bool is_template = false;  ///< ends in template arguments: the first type is the return type
    bool no_return = false;    ///< a ctor, dtor or conversion operator: none even so
    char cv = 0;               ///< bit 1 const, 2 volatile, 4 restrict (a member function's)
    char ref = 0;              ///< 'R' or 'O': a member function's & / && qualifier
  };

  static constexpr std::size_t max_subs = 64;
  static constexpr std::size_t max_targs = 32;

  const char* p_;
  const char* end_;
  char* out_;
  std::size_t cap_;
  std::size_t len_ = 0;
  bool failed_ = false;
  int depth_ = 0;
  int type_depth_ = 0;
  range subs_[max_subs] = {};
  std::size_t nsubs_ = 0;
  range targs_[max_targs] = {};
  std::size_t ntargs_ = 0;

  // --- input and output -------------------------------------------------------------------
  char peek(std::ptrdiff_t ahead = 0) const noexcept { return end_ - p_ > ahead ? p_[ahead] : '\0'; }
  bool eat(char c) noexcept {
    if (peek() != c) return false;
    ++p_;
    return true;
  }
  bool fail() noexcept {
    failed_ = true;
    return false;
  }
  void put(std::string_view s) noexcept {
    if (failed_) return;
    if (s.size() > cap_ - len_) {
      fail();
      return;
    }
    std::memmove(out_ + len_, s.data(), s.size());
    len_ += s.size();
  }
  void put(char c) noexcept { put(std::string_view(&c, 1)); }
  /// Repeats out[r.start, r.start + r.len), already written.
  void repeat(range r) noexcept {
    if (failed_ || r.start + r.len > len_) {
      fail();
      return;
    }
    if (r.len > cap_ - len_) {
      fail();
      return;
    }
    std::memmove(out_ + len_, out_ + r.start, r.len);
    len_ += r.len;
  }
  char last() const noexcept { return len_ ? out_[len_ - 1] : '\0'; }
  void add_sub(std::size_t start) noexcept {
    if (nsubs_ == max_subs) {
      fail();
      return;
    }
    subs_[nsubs_++] = range{start, len_ - start};
  }
  /// Moves out[mid, len) in front of out[from, mid), shifting the table entries it moves.
  void rotate_to(std::size_t from, std::size_t mid) noexcept {
    auto reverse = [this](std::size_t a, std::size_t b) noexcept {
      while (a + 1 < b) {
        const char t = out_[a];
        out_[a++] = out_[--b];
        out_[b] = t;
      }
    };
    reverse(from, mid);
    reverse(mid, len_);
    reverse(from, len_);
    const std::size_t head = mid - from, tail = len_ - mid;
    auto shift = [&](range& r) noexcept {
      if (r.start >= mid) r.start -= head;
      else if (r.start >= from) r.start += tail;
    };
    for (std::size_t i = 0; i < nsubs_; ++i) shift(subs_[i]);
    for (std::size_t i = 0; i < ntargs_; ++i) shift(targs_[i]);
  }
  bool number(std::size_t& n) noexcept {
    if (peek() < '0' || peek() > '9') return false;
    n = 0;
    while (peek() >= '0' && peek() <= '9') {
      n = n * 10 + static_cast<std::size_t>(*p_++ - '0');
      if (n > 100000) return fail();
    }
    return true;
  }
  /// <seq-id> _ : "_" is 0, "<base 36>_" is that plus 1.
  bool seq_id(std::size_t& n) noexcept {
    if (eat('_')) {
      n = 0;
      return true;
    }
    std::size_t v = 0;
    bool any = false;
    for (char c = peek(); (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); c = peek()) {
      v = v * 36 + static_cast<std::size_t>(c <= '9' ? c - '0' : c - 'A' + 10);
      if (v > 100000) return fail();
      any = true;
      ++p_;
    }
    if (!any || !eat('_')) return fail();
    n = v + 1;
    return true;
  }
  /// A nonnegative <number> then '_' (lambda and unnamed-type numbers), printed plus 2.
  bool closure_number(std::size_t& n) noexcept {
    std::size_t v = 0;
    if (eat('_')) {
      n = 1;
      return true;
    }
    if (!number(v) || !eat('_')) return fail();
    n = v + 2;
    return true;
  }
  void put_number(std::size_t n) noexcept {
    char digits[24];
    std::size_t k = 0;
    do {
      digits[k++] = static_cast<char>('0' + n % 10);
      n /= 10;
    } while (n != 0);
    while (k) put(digits[--k]);
  }

  struct depth_guard {
    itanium_demangler& d;
    explicit depth_guard(itanium_demangler& x) noexcept : d(x) {
      if (++d.depth_ > max_demangle_depth) d.fail();
    }
    ~depth_guard() { --d.depth_; }
  };

  // --- the grammar ------------------------------------------------------------------------
  /// <encoding> ::= <name> [<bare-function-type>]
  void encoding() noexcept {
    depth_guard g(*this);
    if (failed_) return;
    const std::size_t start = len_;
    name_info info;
    name(info);
    if (failed_) return;
    const char c = peek();
    if (c == '\0' || c == 'E' || c == '.') return;  // data, or the end of a local name's function
    if (info.is_template && !info.no_return) {
      const std::size_t name_end = len_;
      type();
      put(' ');
      if (failed_) return;
      rotate_to(start, name_end);
    }
    parameters();
    if (info.cv & 1) put(" const");
    if (info.cv & 2) put(" volatile");
    if (info.cv & 4) put(" restrict");
    if (info.ref == 'R') put(" &");
    if (info.ref == 'O') put(" &&");
  }

  /// (<type>+): "v" alone is "()".
  void parameters() noexcept {
    put('(');
    if (peek() == 'v' && (peek(1) == '\0' || peek(1) == 'E' || peek(1) == '.')) {
      ++p_;
    } else {
      bool first = true;
      while (!failed_ && peek() != '\0' && peek() != 'E' && peek() != '.') {
        if (!first) put(", ");
        first = false;
        type();
      }
    }
    put(')');
  }

  void name(name_info& info) noexcept {
    depth_guard g(*this);
    if (failed_) return;
    // L: internal linkage (a static function), which c++filt does not print.
    if (peek() == 'L' && peek(1) >= '0' && peek(1) <= '9') ++p_;
    const char c = peek();
    if (c == 'N') return nested_name(info);
    if (c == 'Z') return local_name(info);
    const std::size_t start = len_;
    const bool from_substitution = c == 'S' && peek(1) != 't';
    if (c == 'S' && peek(1) == 't') {
      p_ += 2;
      put("std::");
      unqualified_name(info, start);
    } else if (c == 'S') {
      substitution(start);
      if (peek() != 'I') {
        fail();  // a substitution names a template only; it cannot be the whole name
        return;
      }
    } else {
      unqualified_name(info, start);
    }
    if (peek() == 'I') {
      if (!from_substitution) add_sub(start);  // the template's name; a substitution already is one
      template_args(true);
      info.is_template = true;
    }
  }

  /// Z <function encoding> E <entity name> [<discriminator>]
  void local_name(name_info& info) noexcept {
    ++p_;
    encoding();
    if (failed_ || !eat('E')) {
      fail();
      return;
    }
    if (peek() == 's' || peek() == 'd') {
      fail();  // string literals and default arguments: not in the subset
      return;
    }
    put("::");
    info = name_info{};
    name(info);
    // <discriminator> ::= _ <digit> | __ <number> _  (c++filt does not print it)
    if (peek() == '_') {
      ++p_;
      std::size_t n = 0;
      if (eat('_')) {
        if (!number(n) || !eat('_')) fail();
      } else if (!number(n)) {
        fail();
      }
    }
  }

  /// N [<CV-qualifiers>] [<ref-qualifier>] <prefix> <unqualified-name> E
  void nested_name(name_info& info) noexcept {
    ++p_;
    info.cv = 0;
    for (;;) {
      if (eat('r')) info.cv = static_cast<char>(info.cv | 4);
      else if (eat('V')) info.cv = static_cast<char>(info.cv | 2);
      else if (eat('K')) info.cv = static_cast<char>(info.cv | 1);
      else break;
    }
    if (peek() == 'R' || peek() == 'O') info.ref = *p_++;
    const std::size_t start = len_;
    bool first = true;
    while (!failed_ && !eat('E')) {
      const char c = peek();
      if (c == '\0') {
        fail();
        return;
      }
      if (c == 'I') {
        if (first) {
          fail();
          return;
        }
        template_args(type_depth_ == 0);
        info.is_template = true;
        if (peek() != 'E') add_sub(start);
        continue;
      }
      if (c == 'L' && peek(1) >= '0' && peek(1) <= '9') {
        ++p_;  // internal linkage, not printed
        continue;
      }
      if (!first) put("::");
      info.is_template = false;
      info.no_return = false;
      if (c == 'S' && peek(1) == 't') {
        p_ += 2;
        put("std");
        first = false;
        continue;  // "std" is no substitution candidate
      }
      if (c == 'S') {
        if (!first) {
          fail();
          return;
        }
        substitution(start);
        first = false;
        continue;  // already a candidate
      }
      if (c == 'T') {
        template_param();
      } else if (c == 'C' || (c == 'D' && peek(1) >= '0' && peek(1) <= '9')) {
        if (first) {
          fail();
          return;
        }
        ctor_dtor(start);
        info.no_return = true;
      } else {
        unqualified_name(info, start);
      }
      first = false;
      if (peek() != 'E') add_sub(start);
    }
  }

  /// C1 C2 C3 / D0 D1 D2: the class's own name (its last component without template args),
  /// after "::" already written.
  void ctor_dtor(std::size_t prefix_start) noexcept {
    const char kind = *p_++;
    const char which = peek();
    if (kind == 'C' ? (which < '1' || which > '5') : (which > '5' || which == '3')) {
      fail();
      return;
    }
    ++p_;
    // The prefix is out[prefix_start, len_ - 2) ("::" follows it): its last component.
    const std::size_t pend = len_ - 2;
    std::size_t begin = prefix_start, angle = 0;
    for (std::size_t i = prefix_start; i < pend; ++i) {
      const char ch = out_[i];
      if (ch == '<') ++angle;
      else if (ch == '>' && angle) --angle;
      else if (angle == 0 && ch == ':' && i + 1 < pend && out_[i + 1] == ':') begin = i + 2;
    }
    std::size_t stop = begin;
    while (stop < pend && out_[stop] != '<') ++stop;
    if (stop == begin) {
      fail();
      return;
    }
    if (kind == 'D') put('~');
    repeat(range{begin, stop - begin});
    abi_tags();
  }

  /// <unqualified-name>: a source name, an operator, a lambda or an unnamed type, then ABI tags.
  void unqualified_name(name_info& info, std::size_t) noexcept {
    const char c = peek();
    if (c >= '0' && c <= '9') {
      source_name();
    } else if (c == 'U' && peek(1) == 'l') {
      lambda();
    } else if (c == 'U' && peek(1) == 't') {
      p_ += 2;
      std::size_t n = 0;
      if (!closure_number(n)) return;
      put("{unnamed type#");
      put_number(n);
      put('}');
    } else if (c >= 'a' && c <= 'z') {
      operator_name(info);
    } else {
      fail();
      return;
    }
    abi_tags();
  }

  void abi_tags() noexcept {
    while (!failed_ && peek() == 'B') {
      ++p_;
      std::size_t n = 0;
      if (!number(n) || n == 0 || static_cast<std::size_t>(end_ - p_) < n) {
        fail();
        return;
      }
      put("[abi:");
      put(std::string_view(p_, n));
      put(']');
      p_ += n;
    }
  }

  void source_name() noexcept {
    std::size_t n = 0;
    if (!number(n) || n == 0 || static_cast<std::size_t>(end_ - p_) < n) {
      fail();
      return;
    }
    const std::string_view id(p_, n);
    p_ += n;
    if (id.size() >= 10 && id.substr(0, 10) == "_GLOBAL__N") put("(anonymous namespace)");
    else put(id);
  }

  /// Ul <lambda-sig> E [<number>] _  ->  {lambda(int)#1}
  void lambda() noexcept {
    p_ += 2;
    put("{lambda(");
    if (peek() == 'v' && peek(1) == 'E') {
      ++p_;
    } else {
      bool first = true;
      ++type_depth_;
      while (!failed_ && peek() != 'E' && peek() != '\0') {
        if (!first) put(", ");
        first = false;
        type();
      }
      --type_depth_;
    }
    if (!eat('E')) {
      fail();
      return;
    }
    std::size_t n = 0;
    if (!closure_number(n)) return;
    put(")#");
    put_number(n);
    put('}');
  }

  void operator_name(name_info& info) noexcept {
    struct op {
      char code[3];
      const char* text;
    };
    static constexpr op ops[] = {
        {"nw", "new"},  {"na", "new[]"}, {"dl", "delete"}, {"da", "delete[]"}, {"ps", "+"},  {"ng", "-"},
        {"ad", "&"},    {"de", "*"},     {"co", "~"},      {"pl", "+"},        {"mi", "-"},  {"ml", "*"},
        {"dv", "/"},    {"rm", "%"},     {"an", "&"},      {"or", "|"},        {"eo", "^"},  {"aS", "="},
        {"pL", "+="},   {"mI", "-="},    {"mL", "*="},     {"dV", "/="},       {"rM", "%="}, {"aN", "&="},
        {"oR", "|="},   {"eO", "^="},    {"ls", "<<"},     {"rs", ">>"},       {"lS", "<<="}, {"rS", ">>="},
        {"eq", "=="},   {"ne", "!="},    {"lt", "<"},      {"gt", ">"},        {"le", "<="}, {"ge", ">="},
        {"ss", "<=>"},  {"nt", "!"},     {"aa", "&&"},     {"oo", "||"},       {"pp", "++"}, {"mm", "--"},
        {"cm", ","},    {"pm", "->*"},   {"pt", "->"},     {"cl", "()"},       {"ix", "[]"}, {"qu", "?"},
    };
    const char a = peek(), b = peek(1);
    if (a == 'c' && b == 'v') {
      p_ += 2;
      put("operator ");
      ++type_depth_;
      type();
      --type_depth_;
      info.no_return = true;
      return;
    }
    for (const op& o : ops) {
      if (o.code[0] != a || o.code[1] != b) continue;
      p_ += 2;
      put("operator");
      if (o.text[0] >= 'a' && o.text[0] <= 'z') put(' ');
      put(o.text);
      return;
    }
    fail();
  }

  /// S_, S<seq-id>_ and the std:: abbreviations; `start` is where the name being built began.
  void substitution(std::size_t) noexcept {
    ++p_;  // 'S'
    const char c = peek();
    const char* text = nullptr;
    switch (c) {
      case 'a': text = "std::allocator"; break;
      case 'b': text = "std::basic_string"; break;
      case 's': text = "std::string"; break;
      case 'i': text = "std::istream"; break;
      case 'o': text = "std::ostream"; break;
      case 'd': text = "std::iostream"; break;
      default: break;
    }
    if (text != nullptr) {
      ++p_;
      // Before a ctor/dtor c++filt spells out the whole basic_* template: not in the subset.
      if (c != 'a' && c != 'b' && (peek() == 'C' || peek() == 'D')) {
        fail();
        return;
      }
      put(text);
      return;
    }
    std::size_t n = 0;
    if (!seq_id(n)) return;
    if (n >= nsubs_) {
      fail();
      return;
    }
    repeat(subs_[n]);
  }

  /// T_ / T<n>_ : the n-th template argument of the function being named.
  void template_param() noexcept {
    ++p_;
    std::size_t n = 0;
    if (!seq_id(n)) return;
    if (n >= ntargs_) {
      fail();
      return;
    }
    repeat(targs_[n]);
  }

  /// I <template-arg>+ E. `for_name`: these are the arguments T_ refers to from now on.
  void template_args(bool for_name) noexcept {
    depth_guard g(*this);
    ++p_;  // 'I'
    if (last() == '<') put(' ');
    put('<');
    range args[max_targs];
    std::size_t n = 0;
    ++type_depth_;
    while (!failed_ && !eat('E')) {
      if (peek() == '\0' || n == max_targs) {
        fail();
        break;
      }
      if (n) put(", ");
      const std::size_t start = len_;
      template_arg();
      args[n++] = range{start, len_ - start};
    }
    --type_depth_;
    if (n == 0) fail();
    if (last() == '>') put(' ');
    put('>');
    if (for_name && !failed_) {
      for (std::size_t i = 0; i < n; ++i) targs_[i] = args[i];
      ntargs_ = n;
    }
  }

  void template_arg() noexcept {
    const char c = peek();
    if (c == 'L') return literal();
    if (c == 'J') {
      ++p_;
      bool first = true;
      while (!failed_ && !eat('E')) {
        if (peek() == '\0') {
          fail();
          return;
        }
        if (!first) put(", ");
        first = false;
        template_arg();
      }
      if (first) fail();  // an empty pack leaves a dangling ", ": not in the subset
      return;
    }
    if (c == 'X') {
      fail();
      return;
    }
    type();
  }

  /// L <builtin type> [n] <number> E for the integer types and bool.
  void literal() noexcept {
    ++p_;
    const char t = peek();
    const char* suffix = nullptr;
    switch (t) {
      case 'i': suffix = ""; break;
      case 'j': suffix = "u"; break;
      case 'l': suffix = "l"; break;
      case 'm': suffix = "ul"; break;
      case 'x': suffix = "ll"; break;
      case 'y': suffix = "ull"; break;
      case 'b': break;
      default: fail(); return;
    }
    ++p_;
    const bool negative = eat('n');
    const char* digits = p_;
    while (peek() >= '0' && peek() <= '9') ++p_;
    const std::string_view value(digits, static_cast<std::size_t>(p_ - digits));
    if (value.empty() || !eat('E')) {
      fail();
      return;
    }
    if (t == 'b') {
      if (negative || (value != "0" && value != "1")) {
        fail();
        return;
      }
      put(value == "1" ? "true" : "false");
      return;
    }
    if (negative) put('-');
    put(value);
    put(suffix);
  }

  static const char* builtin(char c) noexcept {
    switch (c) {
      case 'v': return "void";
      case 'w': return "wchar_t";
      case 'b': return "bool";
      case 'c': return "char";
      case 'a': return "signed char";
      case 'h': return "unsigned char";
      case 's': return "short";
      case 't': return "unsigned short";
      case 'i': return "int";
      case 'j': return "unsigned int";
      case 'l': return "long";
      case 'm': return "unsigned long";
      case 'x': return "long long";
      case 'y': return "unsigned long long";
      case 'n': return "__int128";
      case 'o': return "unsigned __int128";
      case 'f': return "float";
      case 'd': return "double";
      case 'e': return "long double";
      case 'g': return "__float128";
      case 'z': return "...";
      default: return nullptr;
    }
  }

  /// F [Y] <return type> <parameter types> E after a P, R or O: "ret (*)(params)" with
  /// `declarator` for the *; a return type that is itself a function pointer is not in the
  /// subset (fails). The function type itself is a substitution candidate this output
  /// does not hold in one piece, so its entry is one no reference can repeat: a name that
  /// refers back to it fails (stays mangled) rather than print wrongly. Ref-qualified function
  /// types are not in the subset.
  void function_pointer(const char* declarator) noexcept {
    ++p_;  // 'F'
    eat('Y');
    if ((peek() == 'P' || peek() == 'R' || peek() == 'O') && peek(1) == 'F') {
      fail();  // a function returning a function pointer nests its declarator: not in the subset
      return;
    }
    type();
    put(" (");
    put(declarator);
    put(')');
    parameters();
    if (failed_ || !eat('E')) {
      fail();
      return;
    }
    if (nsubs_ == max_subs) {
      fail();
      return;
    }
    subs_[nsubs_++] = range{cap_ + 1, 0};  // repeat() refuses it: start + len > len_
  }

  void type() noexcept {
    depth_guard g(*this);
    if (failed_) return;
    const char c = peek();
    if (const char* b = builtin(c)) {
      ++p_;
      put(b);
      return;
    }
    const std::size_t start = len_;
    ++type_depth_;
    switch (c) {
      case 'D': {
        const char* text = nullptr;
        switch (peek(1)) {
          case 'n': text = "decltype(nullptr)"; break;
          case 'i': text = "char32_t"; break;
          case 's': text = "char16_t"; break;
          case 'u': text = "char8_t"; break;
          case 'a': text = "auto"; break;
          case 'c': text = "decltype(auto)"; break;
          default: break;
        }
        if (text == nullptr) {
          fail();
          break;
        }
        p_ += 2;
        put(text);
        --type_depth_;
        return;  // builtins are no candidates
      }
      case 'r':
      case 'V':
      case 'K': {
        int cv = 0;
        for (;;) {
          if (eat('r')) cv |= 4;
          else if (eat('V')) cv |= 2;
          else if (eat('K')) cv |= 1;
          else break;
        }
        if (peek() == 'F') {
          fail();
          break;
        }
        type();
        if (cv & 1) put(" const");
        if (cv & 2) put(" volatile");
        if (cv & 4) put(" restrict");
        add_sub(start);
        break;
      }
      case 'P':
      case 'R':
      case 'O': {
        ++p_;
        if (peek() == 'F') {
          function_pointer(c == 'P' ? "*" : c == 'R' ? "&" : "&&");
          add_sub(start);
          break;
        }
        type();
        put(c == 'P' ? "*" : c == 'R' ? "&" : "&&");
        add_sub(start);
        break;
      }
      case 'T': {
        template_param();
        if (peek() == 'I') {
          add_sub(start);
          template_args(false);
        }
        add_sub(start);
        break;
      }
      case 'S': {
        if (peek(1) == 't') {
          name_info info;
          name(info);
          add_sub(start);
          break;
        }
        substitution(start);
        if (peek() == 'I') {
          template_args(false);
          add_sub(start);
        }
        break;
      }
      case 'N':
      case 'Z':
      case '0': case '1': case '2': case '3': case '4':
      case '5': case '6': case '7': case '8': case '9': {
        name_info info;
        name(info);
        add_sub(start);
        break;
      }
      default:
        fail();  // function, array and member-pointer types, vendor types, pack expansions
        break;
    }
    --type_depth_;
  }

  /// .cold, .constprop.0, .isra.0 ...  ->  " [clone .cold]"
  void clone_suffix() noexcept {
    const char* s = p_;
    auto lower_digit_ = [](char ch) noexcept { return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'; };
    const char* q = p_;
    if (end_ - q >= 2 && lower_digit_(q[1])) {
      q += 2;
      while (q != end_ && lower_digit_(*q)) ++q;
    }
    while (end_ - q >= 2 && q[0] == '.' && q[1] >= '0' && q[1] <= '9') {
      q += 2;
      while (q != end_ && *q >= '0' && *q <= '9') ++q;
    }
    if (q == s) {
      fail();
      return;
    }
    put(" [clone ");
    put(std::string_view(s, static_cast<std::size_t>(q - s)));
    put(']');
    p_ = q;
  }
};

/// Writes the demangled form of the Itanium-mangled `mangled` ("_Z...") into out[0..cap) and
/// returns its length, exactly as c++filt prints it; 0 when the name is not mangled, is
/// outside the subset (see the top of this file), is malformed, or does not fit in `cap`
/// (out[0..cap) may then hold partial text). No NUL is written. Never allocates.
inline std::size_t demangle(std::string_view mangled, char* out, std::size_t cap) noexcept {
  if (out == nullptr || cap == 0) return 0;
  itanium_demangler d(mangled, out, cap);
  return d.run();
}

}  // namespace detail

SENTRY_TRACE_DETAIL_END

#endif  // SENTRY_TRACE_PROTOCOL_DEMANGLE_HPP
