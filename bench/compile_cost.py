#!/usr/bin/env python3
"""What including sentry_trace costs a translation unit, in user CPU seconds.

    python3 bench/compile_cost.py [--runs 5] [--compilers g++,clang++]

For each compiler and -O0 / -O2 it compiles, `--runs` times each (median reported):
  baseline   a TU that includes only <string_view>
  face       a TU that includes <sentry_trace.hpp> and opens three spans
  impl       src/sentry_trace.cpp, the one TU that compiles the library (at -O2)
and prints the face's extra cost over the baseline. User CPU of the compiler process
(getrusage of children), so a loaded machine changes the figures less than wall time would.
Numbers, not pass/fail: the deterministic check is tests/face/check_face.py.
"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "face"))
from check_face import BASELINE, THREE_SPANS  # noqa: E402  (one definition of the two TUs)


def user_seconds(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - before


def median_of(runs, cmd):
    return statistics.median(user_seconds(cmd) for _ in range(runs))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--compilers", default="g++,clang++")
    args = ap.parse_args()
    include = os.path.join(ROOT, "include")
    with tempfile.TemporaryDirectory() as work:
        base_src = os.path.join(work, "baseline.cpp")
        face_src = os.path.join(work, "face.cpp")
        open(base_src, "w").write(BASELINE)
        open(face_src, "w").write(THREE_SPANS)
        out = os.path.join(work, "o.o")
        print("%-9s %-4s %10s %10s %10s %12s" % ("compiler", "opt", "baseline", "face", "face-base", "impl TU"))
        for cxx in args.compilers.split(","):
            if not shutil.which(cxx):
                print("%-9s (not installed)" % cxx)
                continue
            version = subprocess.run([cxx, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
            for opt in ("-O0", "-O2"):
                common = [cxx, "-std=c++17", opt, "-I" + include, "-c", "-o", out]
                base = median_of(args.runs, common + [base_src])
                face = median_of(args.runs, common + [face_src])
                impl = ""
                if opt == "-O2":
                    impl = "%.2f s" % median_of(max(1, args.runs // 2), common + [os.path.join(ROOT, "src", "sentry_trace.cpp")])
                print("%-9s %-4s %8.3f s %8.3f s %8.3f s %12s" % (cxx, opt, base, face, face - base, impl))
            print("          (%s)" % version)
    return 0


if __name__ == "__main__":
    sys.exit(main())
