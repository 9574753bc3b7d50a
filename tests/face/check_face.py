#!/usr/bin/env python3
"""The face stays light: what every TU that includes <sentry_trace.hpp> compiles.

    check_face.py <c++ compiler> <include dir> [extra flags...]

Checks, deterministically (no timing):
  * the standard headers the library's own files include directly, in a TU that includes
    <sentry_trace.hpp> and opens three spans, are only <cstdint>, <cstddef>, <cstring>,
    <string_view> and the lighter <type_traits>, <utility>, <new>, <exception> (which
    <string_view> mostly pulls in already) and <initializer_list> (a few dozen lines, which
    <utility> pulls in too; span_attributes is built from a braced list of attributes): no
    <atomic>, <thread>, <mutex>, <chrono>, sockets;
  * no part of core/, protocol/, delivery/ or runtime/ is read;
  * the preprocessed TU is at most 1.25 times the size of one that includes only <string_view>;
  * the same TU with SENTRY_TRACE_IMPLEMENTATION reads those parts (so the checks can fail).
Prints one "ok:" or "FAIL:" line per check and exits 1 on any failure.
"""
import os
import re
import subprocess
import sys
import tempfile

ALLOWED = {"cstdint", "cstddef", "cstring", "string_view", "type_traits", "utility", "new", "exception",
           "initializer_list"}
INTERNAL = ("/core/", "/protocol/", "/delivery/", "/runtime/")
THREE_SPANS = """#include <sentry_trace.hpp>
namespace st = sentry_trace;
int work(int n) {
  st::scoped_span a({"frame", "game.frame"});
  int r = st::start_span({"physics", "game.physics"}, [&](st::span& s) {
    s.set_attribute("bodies", n);
    return n * 2;
  });
  st::span c = st::start_span_manual({"render", "game.render"});
  c.end();
  return r;
}
"""
BASELINE = """#include <string_view>
int work(int n) { return static_cast<int>(std::string_view("frame").size()) + n; }
"""

failures = 0


def report(ok, text):
    global failures
    print(("ok:   " if ok else "FAIL: ") + text)
    if not ok:
        failures += 1


def include_tree(cxx, flags, source, workdir):
    path = os.path.join(workdir, "tu.cpp")
    with open(path, "w") as f:
        f.write(source)
    r = subprocess.run([cxx, "-std=c++17", "-H", "-fsyntax-only"] + flags + [path],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stderr)
        report(False, "the TU does not compile with %s %s" % (cxx, " ".join(flags)))
        sys.exit(1)
    # -H prints one line per header read: dots give the depth, then the path.
    stack, direct_std, ours = [path], set(), set()
    for line in r.stderr.splitlines():
        m = re.match(r"^(\.+) (.+)$", line)
        if not m:
            continue
        depth, header = len(m.group(1)), os.path.normpath(m.group(2))
        del stack[depth:]
        parent = stack[-1]
        if "sentry_trace" in header and not header.startswith("/usr"):
            ours.add(header)
        elif "sentry_trace" in parent and parent != path:
            direct_std.add(os.path.basename(header))
        stack.append(header)
    return direct_std, ours


def preprocessed_bytes(cxx, flags, source, workdir):
    path = os.path.join(workdir, "pp.cpp")
    with open(path, "w") as f:
        f.write(source)
    return len(subprocess.run([cxx, "-std=c++17", "-E", "-P"] + flags + [path],
                              capture_output=True, text=True, check=True).stdout)


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    cxx, include = argv[1], argv[2]
    flags = ["-I" + include] + argv[3:]
    with tempfile.TemporaryDirectory() as work:
        std, ours = include_tree(cxx, flags, THREE_SPANS, work)
        extra = sorted(std - ALLOWED)
        report(not extra, "the face includes only %s%s" % (", ".join(sorted(std)) or "nothing",
                                                           " (not allowed: %s)" % ", ".join(extra) if extra else ""))
        internal = sorted(h for h in ours if any(p in h for p in INTERNAL))
        report(not internal, "the face reads %d parts, none of core/protocol/delivery/runtime%s" %
               (len(ours), (": " + ", ".join(internal[:4])) if internal else ""))
        face = preprocessed_bytes(cxx, flags, THREE_SPANS, work)
        base = preprocessed_bytes(cxx, flags, BASELINE, work)
        report(face <= base * 1.25, "preprocessed: %d bytes with the face, %d with <string_view> alone (%.2fx, at most 1.25x)"
               % (face, base, face / base))
        _, ours_impl = include_tree(cxx, flags + ["-DSENTRY_TRACE_IMPLEMENTATION"], THREE_SPANS, work)
        internal_impl = [h for h in ours_impl if any(p in h for p in INTERNAL)]
        impl = preprocessed_bytes(cxx, flags + ["-DSENTRY_TRACE_IMPLEMENTATION"], THREE_SPANS, work)
        single_file = len(ours_impl) == 1  # the generated single header: one file holds every part
        report((single_file or len(internal_impl) > 10) and impl > base * 3,
               "the checks can fail: the implementation TU reads %d internal parts, %d bytes preprocessed"
               % (len(internal_impl), impl))
    print("%d failed" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
