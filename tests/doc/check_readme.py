#!/usr/bin/env python3
"""tests/doc/check_readme.py <cxx> <srcdir> [README.md]

Compiles and runs every C++ code block of the README, so that what a newcomer copies works.

A block fenced ```cpp is a complete program: it is compiled as it stands (-std=c++17 -Wall -Wextra
-Wpedantic -Werror, include/ on the include path, as the CMake target puts it) and linked with the
implementation TU (src/sentry_trace.cpp, compiled once here with the same flags) unless it defines
SENTRY_TRACE_IMPLEMENTATION itself, as a one-file program does (such a program is also compiled
against single_include/ alone: the copy-one-header path). It must exit 0 within 60 s. It runs
in a fresh directory, so files it writes are thrown away.

A block fenced ```cpp fragment is a piece of a program (a few lines shown in context). It is
compiled and run as the body of main() after

    #define SENTRY_TRACE_INTERNALS
    #include <sentry_trace.hpp>
    namespace st = sentry_trace;
    st::options o;

Prefer complete blocks; use `fragment` only where a whole program would hide the point.
Blocks in other languages (sh, cmake, meson, text) are not run. Compiler messages point at the
README's own lines (#line).

Prints "ok: " or "FAIL: " per block and "N passed, M failed"; exits 1 on any failure, or when
the README has no C++ block at all. `--self-test` checks that a broken block is caught.
"""

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

FENCE = re.compile(r"^```(\S*)\s*(.*)$")
FRAGMENT_PROLOGUE = """#define SENTRY_TRACE_INTERNALS
#include <sentry_trace.hpp>
namespace st = sentry_trace;
int main() {
  st::options o;
  static_cast<void>(o);
"""
FRAGMENT_EPILOGUE = """
  return 0;
}
"""


def blocks(text):
    """(first line number, info words, code) of each ```cpp block."""
    out = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        lang, info = m.group(1), m.group(2).split()
        start = i + 2  # 1-based number of the first code line
        i += 1
        body = []
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        i += 1
        if lang in ("cpp", "c++"):
            out.append((start, info, "\n".join(body) + "\n"))
    return out


def run(cmd, cwd=None, timeout=300):
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def check(cxx, src, readme, work):
    flags = ["-std=c++17", "-Wall", "-Wextra", "-Wpedantic", "-Werror", f"-I{src / 'include'}"]
    found = blocks(readme.read_text(encoding="utf-8"))
    if not found:
        print(f"FAIL: {readme} has no ```cpp block")
        return 1
    impl = work / "impl.o"
    rc, out = run([cxx, *flags, "-c", str(src / "src" / "sentry_trace.cpp"), "-o", str(impl)])
    if rc != 0:
        print(out)
        print("FAIL: src/sentry_trace.cpp does not compile")
        return 1
    passed = failed = 0
    for n, (line, info, code) in enumerate(found):
        where = f"{readme.name}:{line}"
        fragment = "fragment" in info
        path = work / f"block{n}.cpp"
        if fragment:
            path.write_text(FRAGMENT_PROLOGUE + f'#line {line} "{readme.resolve()}"\n' + code + FRAGMENT_EPILOGUE)
        else:
            path.write_text(f'#line {line} "{readme.resolve()}"\n' + code)
        own_impl = re.search(r"^\s*#\s*define\s+SENTRY_TRACE_IMPLEMENTATION\b", code, re.M) is not None
        exe = work / f"block{n}"
        cmd = [cxx, *flags, str(path)] + ([] if own_impl else [str(impl)]) + ["-pthread", "-o", str(exe)]
        rc, out = run(cmd)
        if rc != 0:
            print(out)
            print(f"FAIL: {where}: the {'fragment' if fragment else 'program'} does not compile")
            failed += 1
            continue
        rundir = work / f"run{n}"
        rundir.mkdir()
        try:
            rc, out = run([str(exe)], cwd=rundir, timeout=60)
        except subprocess.TimeoutExpired:
            rc, out = -1, "timed out after 60 s"
        if rc != 0:
            print(out)
            print(f"FAIL: {where}: the {'fragment' if fragment else 'program'} exits {rc}")
            failed += 1
            continue
        if own_impl:
            # A one-file program is the copy-one-header path: it must also build from the
            # generated single header alone.
            single = [f if not f.startswith("-I") else f"-I{src / 'single_include'}" for f in flags]
            rc, out = run([cxx, *single, str(path), "-pthread", "-o", str(exe) + "_single"])
            if rc != 0:
                print(out)
                print(f"FAIL: {where}: the program does not compile against single_include/ alone")
                failed += 1
                continue
        print(f"ok: {where}: {'fragment' if fragment else 'program'} compiles and runs"
              + (" (also from single_include/)" if own_impl else ""))
        passed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def self_test(cxx, src):
    """A README with one good program, one good fragment and one broken block: exactly the
    broken one must fail."""
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        readme = d / "README.md"
        readme.write_text(
            "# t\n\n```cpp\n#include <sentry_trace.hpp>\nint main() { return sentry_trace::is_enabled() ? 1 : 0; }\n```\n\n"
            "```sh\nexit 1\n```\n\n```cpp fragment\no.traces_sample_rate = 1.0;\n```\n\n"
            "```cpp\n#include <sentry_trace.hpp>\nint main() { sentry_trace::no_such_call(); }\n```\n")
        work = d / "work"
        work.mkdir()
        p = subprocess.run([sys.executable, __file__, cxx, str(src), str(readme), "--work", str(work)],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out = p.stdout.decode("utf-8", "replace")
        ok = p.returncode == 1 and "2 passed, 1 failed" in out and "README.md:17" in out
        print(out if not ok else "", end="")
        print("self-test: ok" if ok else "self-test: FAIL: a broken block was not caught (or a good one failed)")
        return 0 if ok else 1


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) >= 3 and args[0] == "--self-test":
        sys.exit(self_test(args[1], Path(args[2])))
    work_dir = None
    if "--work" in args:
        k = args.index("--work")
        work_dir = Path(args[k + 1])
        del args[k:k + 2]
    if len(args) not in (2, 3):
        sys.exit(__doc__)
    cxx, src = args[0], Path(args[1]).resolve()
    readme = Path(args[2]) if len(args) == 3 else src / "README.md"
    if work_dir:
        sys.exit(check(cxx, src, readme, work_dir))
    with tempfile.TemporaryDirectory(prefix="sentry_trace_readme.") as d:
        sys.exit(check(cxx, src, readme, Path(d)))
