#!/usr/bin/env python3
"""tests/compile_out/check_twin.py <srcdir>

The compile-out twin (include/sentry_trace/face/disabled.hpp) must declare every public name of
the real surface, or a program that compiles with tracing on stops compiling with
SENTRY_TRACE_ENABLED=0. A hand-kept list drifts, so this reads the names from the headers:

  real surface  every public declaration of face/*.hpp (disabled.hpp and macros.hpp aside), and,
                of the implementation half, the names a user touches (INTERNAL_PUBLIC below:
                the hosted transports, storage, the DSN parser, sampling_decision)
  twin          disabled.hpp and the parts it includes (the shared vocabulary, the DSN parser)

A "name" is a namespace-scope type, function, alias or variable, or a public member of one of
those types (data member, member function, nested type, enumerator), qualified by its type:
`span::set_attribute`, `options::dsn`, `span_status::ok`. Constructors, destructors and
operators are left to surface.cpp, which calls them: overloads and signatures are checked by the
compiler there, names here. Anything in namespace detail, and private or protected members,
are not the surface.

It also checks that tests/compile_out/surface.cpp, the program compiled in both modes, mentions
every name's last part (enumerators aside), so a name added to both headers is also compiled.

It also fails when a function of the twin returns a string_view or C string other than a literal
(`return {};` is a null pointer, which g++ -O2 rejects in printf("%.*s"): see rules.cpp).

Prints one "FAIL: " line per problem and exits 1 on any. `--list` prints the real surface.
`--self-test` runs the checks on small headers with a name left out, which must be caught.
"""

import re
import sys
from pathlib import Path

# The face: what every TU compiles.
FACE_SKIP = {"disabled.hpp", "macros.hpp"}
# Parts of the implementation half whose names are part of what users write (README: the hosted
# transports, `options.storage`, `storage_bytes()`, the DSN parser). Only these names are taken
# from these files; the rest of each file is the library's inside.
INTERNAL_PUBLIC = {
    "delivery/transport.hpp": {"file_transport", "console_transport"},
    "delivery/transport_http.hpp": {"http_transport", "http_transport_options"},
    "core/pool.hpp": {"storage", "storage_bytes"},
    "protocol/sampling.hpp": {"sampling_decision"},
    "protocol/dsn.hpp": {"dsn", "dsn_error", "to_string"},
}
# Members of those types that are the library's inside although public in C++ (the hosted
# transports' test hooks and the pools' fields are not something a user calls).
INTERNAL_MEMBER_SKIP = {"storage"}

# Public in C++ but not something a program writes: span_ref's fields and flags (the
# implementation's bookkeeping; users call is_valid() and friends) and the buffers behind
# trace_headers' views. They must still exist in the twin, but surface.cpp need not name them.
SURFACE_EXEMPT = {
    "span_ref::" + m for m in ("block", "deferred", "epoch", "flags", "generation", "links", "overflow",
                               "recording", "root", "sample_rand_micros", "sample_rate_ppm", "sampled",
                               "segment_block", "segment_generation", "slot", "valid")
} | {"trace_headers::sentry_trace_buf", "trace_headers::traceparent_buf"}

KEYWORDS = {
    "alignas", "auto", "bool", "char", "class", "const", "constexpr", "decltype", "default", "delete",
    "double", "enum", "explicit", "extern", "final", "float", "friend", "inline", "int", "long",
    "mutable", "namespace", "noexcept", "nullptr", "operator", "override", "private", "protected",
    "public", "return", "short", "signed", "static", "static_assert", "struct", "template", "this",
    "typename", "union", "unsigned", "using", "virtual", "void", "volatile", "if", "else", "true",
    "false", "sizeof", "std", "nodiscard", "maybe_unused", "NOLINT",
}

TOKEN = re.compile(r"[A-Za-z_]\w*|\d[\w'.]*|::|->|&&|\|\||<<|>>|[<>=!]=|\S")


def strip(text):
    """Comments, string and char literals, and preprocessor lines removed (both branches of an
    #if are kept: the twin must declare what either configuration declares)."""
    # One pass, so that "https://" in a string is not a comment and "caller's" in a comment is
    # not a character literal; digit separators (16'666'667) are not literals either.
    def repl(m):
        t = m.group(0)
        return '""' if t.startswith('"') else "0" if t.startswith("'") else " " if t.startswith("/") else t
    text = re.sub(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\w\'\w|\'(?:\\.|[^\'\\\n])\'', repl, text, flags=re.S)
    lines = []
    cont = False
    for line in text.split("\n"):
        if cont or line.lstrip().startswith("#"):
            cont = line.rstrip().endswith("\\")
            continue
        lines.append(line)
    return "\n".join(lines).replace("SENTRY_TRACE_DETAIL_BEGIN", " ").replace("SENTRY_TRACE_DETAIL_END", " ")


def skip_group(toks, i, open_, close):
    """Index after the group opening at toks[i]."""
    depth = 0
    while i < len(toks):
        if toks[i] == open_:
            depth += 1
        elif toks[i] == close:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i


def skip_template_params(toks, i):
    """toks[i] is '<' after `template`; index after the matching '>'."""
    depth = 0
    while i < len(toks):
        t = toks[i]
        if t in "({[":
            i = skip_group(toks, i, t, {"(": ")", "{": "}", "[": "]"}[t])
            continue
        if t == "<":
            depth += 1
        elif t == ">":
            depth -= 1
        elif t == ">>":
            depth -= 2
        i += 1
        if depth <= 0:
            return i
    return i


def declared_name(stmt):
    """The name a member or namespace-scope statement (tokens up to ';' or a body) declares:
    the identifier before the first '(' (a function), else before '=' '{' '[' ':' or the end."""
    # [[nodiscard]] and other attributes come before the declaration: not its name.
    while len(stmt) >= 2 and stmt[0] == "[" and stmt[1] == "[":
        k = 2
        while k + 1 < len(stmt) and not (stmt[k] == "]" and stmt[k + 1] == "]"):
            k += 1
        stmt = stmt[k + 2:]
    cut = len(stmt)
    for k, t in enumerate(stmt):
        if t in ("(", "=", "{", "[") or (t == ":" and k > 0):
            cut = k
            break
    head = stmt[:cut]
    if "operator" in head or "~" in head:
        return None
    # A function pointer member: `void (*write)(log_level, const char*, void*) = nullptr;`
    if cut + 2 < len(stmt) and stmt[cut] == "(" and stmt[cut + 1] == "*":
        return stmt[cut + 2]
    # decltype(auto) / noexcept(...) before the name: the '(' found belongs to them.
    if cut < len(stmt) and stmt[cut] == "(" and head and head[-1] in ("decltype", "alignas"):
        rest = stmt[skip_group(stmt, cut, "(", ")"):]
        return declared_name(rest)
    for t in reversed(head):
        if re.fullmatch(r"[A-Za-z_]\w*", t) and t not in KEYWORDS:
            return t
    return None


def parse(text, keep=None):
    """Public names declared in `text`, as a set of qualified strings. `keep`: only these
    namespace-scope names (and their members)."""
    toks = TOKEN.findall(strip(text))
    names = set()

    def scope(i, prefix, kind, public):
        """Parses declarations until the '}' closing this scope; returns the index after it."""
        while i < len(toks):
            t = toks[i]
            if t == "}":
                return i + 1
            if t == ";":
                i += 1
                continue
            if kind == "enum":
                if re.fullmatch(r"[A-Za-z_]\w*", t):
                    names.add(prefix + t)
                while i < len(toks) and toks[i] not in (",", "}"):
                    i += 1
                if i < len(toks) and toks[i] == ",":
                    i += 1
                continue
            if t in ("public", "private", "protected") and i + 1 < len(toks) and toks[i + 1] == ":":
                public = t == "public"
                i += 2
                continue
            if t == "template" and i + 1 < len(toks) and toks[i + 1] == "<":
                i = skip_template_params(toks, i + 1)
                continue
            if t == "namespace":
                j = i + 1
                name = toks[j] if toks[j] != "{" else ""
                while toks[j] != "{":
                    j += 1
                if name == "detail":
                    i = skip_group(toks, j, "{", "}")
                else:
                    i = scope(j + 1, prefix, "namespace", True)
                continue
            if t == "inline" and toks[i + 1] == "namespace":
                i += 1
                continue
            if t in ("static_assert", "friend") or (t == "using" and toks[i + 1] == "namespace"):
                # To the ';', or to the end of a friend function's body.
                while toks[i] != ";":
                    if toks[i] == "{":
                        i = skip_group(toks, i, "{", "}") - 1
                        break
                    i = skip_group(toks, i, "(", ")") if toks[i] == "(" else i + 1
                i += 1
                continue
            # One statement: up to ';' at depth 0, or a body '{...}' (closing the statement too).
            stmt = []
            j = i
            is_type = toks[i] in ("class", "struct", "union", "enum")
            while j < len(toks) and toks[j] not in (";", "}"):
                if toks[j] == "(":
                    k = skip_group(toks, j, "(", ")")
                    stmt.extend(toks[j:k])
                    j = k
                    continue
                if toks[j] == "{":
                    break
                stmt.append(toks[j])
                j += 1
            if is_type and j < len(toks) and toks[j] == "{":
                words = [w for w in stmt[1:] if w not in ("class", "struct", "final") and not w.startswith("[")]
                # `struct name : base` / `enum class name : std::uint8_t`
                head = []
                for w in words:
                    if w == ":":
                        break
                    head.append(w)
                name = next((w for w in reversed(head) if re.fullmatch(r"[A-Za-z_]\w*", w) and w not in KEYWORDS), "")
                wanted = public and name and (keep is None or prefix or name in keep)
                inner = prefix + name + "::"
                if wanted:
                    names.add(prefix + name)
                sub_kind = "enum" if toks[i] == "enum" else "class"
                sub_public = toks[i] != "class"
                if not wanted or (not prefix and name in INTERNAL_MEMBER_SKIP and keep is not None):
                    j = skip_group(toks, j, "{", "}")
                else:
                    j = scope(j + 1, inner, sub_kind, sub_public)
                i = j
                continue
            name = None
            if stmt and stmt[0] == "using":
                name = stmt[1] if len(stmt) > 1 else None
            elif not is_type:
                name = declared_name(stmt)
                cls = prefix[:-2].split("::")[-1] if prefix else None
                if name == cls:  # a constructor
                    name = None
            # Public in C++ for the implementation's sake: a member of a detail type, or a
            # constructor from detail types (transaction_view's, span's), is not the surface.
            internal = stmt[:1] != ["using"] and any(a == "detail" and b == "::" for a, b in zip(stmt, stmt[1:]))
            if name and public and not internal and (keep is None or prefix or name in keep):
                names.add(prefix + name)
            if j < len(toks) and toks[j] == "{":
                j = skip_group(toks, j, "{", "}")
                # `span_ref parent{};` : an initializer, the statement goes on to ';'
                while j < len(toks) and toks[j] not in (";", "}") and toks[j - 1] != "}":
                    j += 1
            i = j
        return i

    scope(0, "", "namespace", True)
    return names


def real_surface(inc):
    names = set()
    for h in sorted((inc / "face").glob("*.hpp")):
        if h.name not in FACE_SKIP:
            names |= parse(h.read_text())
    for rel, keep in INTERNAL_PUBLIC.items():
        names |= parse((inc / rel).read_text(), keep)
    return names


def twin_surface(inc):
    disabled = (inc / "face" / "disabled.hpp").read_text()
    names = parse(disabled)
    # The parts the twin includes are the twin too (written once for both modes).
    for rel in re.findall(r'#\s*include\s+"([^"]+)"', disabled):
        path = (inc / "face" / rel).resolve()
        if path.name not in ("config.hpp",):
            names |= parse(path.read_text())
    return names


def identifiers(text):
    return set(re.findall(r"[A-Za-z_]\w*", re.sub(r"//[^\n]*", " ", text)))


def check(real, twin, surface_ids, enums, report=True):
    missing = sorted(real - twin)
    unused = sorted(n for n in real if n.rsplit("::", 1)[0] not in enums and n not in SURFACE_EXEMPT and
                    n.rsplit("::", 1)[-1] not in surface_ids)
    for n in missing if report else []:
        print(f"FAIL: {n} is public with tracing on, missing from face/disabled.hpp")
    for n in unused if report else []:
        print(f"FAIL: {n} is public but tests/compile_out/surface.cpp does not use it")
    return missing, unused


def enums_of(text_by_file):
    out = set()
    for text in text_by_file:
        out |= set(re.findall(r"enum\s+class\s+(\w+)", strip(text)))
    return out


RETURNS_TEXT = re.compile(r"(?:std::string_view|const char\s*\*)\s+(\w+)\s*\([^)]*\)[^{;]*\{\s*return\s+([^;]*);")


def null_views(disabled_text):
    """Functions of the twin that return a string_view or a C string other than a literal:
    `return {};` is a null pointer, which printf("%.*s") rejects (see rules.cpp)."""
    return [m.group(1) for m in RETURNS_TEXT.finditer(strip_comments(disabled_text))
            # envelope_view::bytes() returns what it was built with, "" by default
            if not m.group(2).strip().startswith('"') and m.group(2).strip() not in ("bytes_",)]


def strip_comments(text):
    return re.sub(r"/\*.*?\*/|//[^\n]*", " ", text, flags=re.S)


def run(src):
    inc = src / "include" / "sentry_trace"
    real = real_surface(inc)
    twin = twin_surface(inc)
    nulls = null_views((inc / "face" / "disabled.hpp").read_text())
    for name in nulls:
        print(f"FAIL: face/disabled.hpp: {name}() may return a null view; return \"\" instead")
    texts = [p.read_text() for p in (inc / "face").glob("*.hpp")] + [(inc / r).read_text() for r in INTERNAL_PUBLIC]
    surface = identifiers((src / "tests" / "compile_out" / "surface.cpp").read_text())
    missing, unused = check(real, twin, surface, enums_of(texts))
    print(f"{len(real)} public names with tracing on; {len(missing)} missing from the twin; "
          f"{len(unused)} not used by surface.cpp")
    return 1 if missing or unused or nulls else 0


def self_test():
    real = """
      namespace sentry_trace { inline namespace v1 {
      namespace detail { struct hidden { int x; }; }
      struct options { std::string_view dsn{}; double rate = -1.0; static constexpr double unset = -1.0; };
      enum class level : std::uint8_t { debug, info };
      class span {
        static constexpr bool never = false;
       public:
        span() noexcept = default;
        ~span() { end(); }
        template <class Int, std::enable_if_t<std::is_integral_v<Int> && !std::is_same_v<Int, bool>, int> = 0>
        void set_attribute(std::string_view key, Int value) noexcept { if (x) f(); }
        void end() noexcept;
        span_ref ref() const noexcept { return ref_; }
        friend bool operator==(const span&, const span&) noexcept { return true; }
       private:
        void end_() noexcept;
        span_ref ref_{};
      };
      template <class Fn> decltype(auto) start_span(const span_options& opts, Fn&& fn) { return fn(); }
      bool init(const options& o) noexcept;
      [[nodiscard]] inline span start_manual(const span_options& opts) noexcept { return span{}; }
      using sampler_fn = detail::inplace_function<double(int), 64>;
      }}"""
    expected = {"options", "options::dsn", "options::rate", "options::unset", "level", "level::debug",
                "level::info", "span", "span::set_attribute", "span::end", "span::ref", "start_span", "init",
                "sampler_fn", "start_manual"}
    got = parse(real)
    ok = got == expected
    if not ok:
        print(f"FAIL: self-test parsed {sorted(got)}, expected {sorted(expected)}")
    twin = parse(real.replace("void end() noexcept;", ""))
    caught, _ = check(got, twin, {"options", "dsn", "rate", "unset", "span", "set_attribute", "end", "ref",
                                  "start_span", "init", "sampler_fn", "start_manual"}, {"level"}, report=False)
    if caught != ["span::end"]:
        print(f"FAIL: self-test: a member left out of the twin was reported as {caught}")
        ok = False
    _, unused = check(got, got, {"options", "dsn", "rate", "unset", "span", "set_attribute", "end", "ref",
                                 "start_span", "sampler_fn", "start_manual"}, {"level"}, report=False)
    if unused != ["init"]:
        print(f"FAIL: self-test: a name surface.cpp does not use was reported as {unused}")
        ok = False
    bad = null_views('std::string_view name() const noexcept { return {}; }\n'
                     'std::string_view op() const noexcept { return ""; }\n'
                     'const char* why() const noexcept { return nullptr; }\n')
    if bad != ["name", "why"]:
        print(f"FAIL: self-test: functions returning a null view were reported as {bad}")
        ok = False
    print("self-test: ok" if ok else "self-test: FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--self-test":
        sys.exit(self_test())
    if args and args[0] == "--list":
        for n in sorted(real_surface(Path(args[1]) / "include" / "sentry_trace")):
            print(n)
        sys.exit(0)
    if len(args) != 1:
        sys.exit(__doc__)
    sys.exit(run(Path(args[0])))
