#!/usr/bin/env python3
"""Generate single_include/sentry_trace.hpp from include/.

Starts at include/sentry_trace.hpp (the umbrella), replaces every
`#include "sentry_trace/..."` with the text of that part, recursively, and keeps
system includes (`#include <...>`) where they are. Each part is inlined once;
later includes of an already inlined part are dropped. A part is inlined again
only when its first copy sits in a preprocessor branch that may be inactive at
the later include (e.g. `#if SENTRY_TRACE_ENABLED ... #else ... #endif`); the
part's include guard makes the second copy harmless. Branches are known by
their condition text, so a part included under `#if SENTRY_TRACE_ENABLED` in
the umbrella is not copied again where macros.hpp includes it under the same
condition (the switches are fixed by config.hpp before any part is read).

The output is byte-for-byte deterministic: LF line endings, no dates, no
absolute paths. Never edit the output by hand.

    python3 tools/amalgamate.py            write single_include/sentry_trace.hpp
    python3 tools/amalgamate.py --check    exit 1 when the checked-in file is stale
"""

import argparse
import difflib
import os
import re
import sys

SCRIPT = "tools/amalgamate.py"
UMBRELLA = "sentry_trace.hpp"
PART_PREFIX = "sentry_trace/"

BANNER = """\
// sentry_trace -- Sentry performance tracing for native programs (single header)
//
// GENERATED FILE: never edit it by hand.
// It is produced by tools/amalgamate.py from include/sentry_trace.hpp and the parts in
// include/sentry_trace/**/*.hpp. To change it, edit those parts and rerun
//
//     python3 tools/amalgamate.py
//
// CI runs `python3 tools/amalgamate.py --check` and fails when this file is out of date.
// The documentation of each part is the comment block that opens its section below.
"""

DIVIDER_RULE = "// " + "=" * 97

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
DIRECTIVE_RE = re.compile(r"^\s*#\s*([a-z_]+)\b\s*(.*)$")
GUARD_DEFINE_RE = re.compile(r"^\s*#\s*define\s+([A-Za-z_][A-Za-z0-9_]*)\s*$")


class AmalgamateError(Exception):
    pass


def read_text(path):
    with open(path, "rb") as f:
        data = f.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise AmalgamateError("%s is not valid UTF-8: %s" % (path, e))
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def strip_comments_state(line, in_block):
    """Return (code_without_comments, in_block_after) for one line.

    Good enough for deciding whether a line is a preprocessor directive: it
    removes /* */ and // comments and ignores quotes inside them.
    """
    out = []
    i = 0
    n = len(line)
    in_str = None
    while i < n:
        if in_block:
            end = line.find("*/", i)
            if end < 0:
                return "".join(out), True
            i = end + 2
            in_block = False
            out.append(" ")
            continue
        c = line[i]
        if in_str:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(line[i + 1])
                i += 2
                continue
            if c == in_str:
                in_str = None
            i += 1
            continue
        if c in "\"'":
            in_str = c
            out.append(c)
            i += 1
            continue
        if line.startswith("//", i):
            break
        if line.startswith("/*", i):
            in_block = True
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out), in_block


def guard_lines(lines):
    """Indices (open, define, close) of a classic include guard wrapping the
    whole file, or None. Comments and blank lines may surround it."""
    code = []
    in_block = False
    for idx, line in enumerate(lines):
        stripped, in_block = strip_comments_state(line, in_block)
        if stripped.strip():
            code.append((idx, stripped))
    if len(code) < 3:
        return None
    first_idx, first = code[0]
    m = DIRECTIVE_RE.match(first)
    if not m or m.group(1) != "ifndef":
        return None
    name = m.group(2).strip()
    second_idx, second = code[1]
    d = GUARD_DEFINE_RE.match(second)
    if not d or d.group(1) != name:
        return None
    last_idx, last = code[-1]
    m = DIRECTIVE_RE.match(last)
    if not m or m.group(1) != "endif":
        return None
    # The #endif must close the guard's #ifndef, not a later block.
    depth = 0
    for idx, stripped in code:
        m = DIRECTIVE_RE.match(stripped)
        if not m:
            continue
        kind = m.group(1)
        if kind in ("if", "ifdef", "ifndef"):
            depth += 1
        elif kind == "endif":
            depth -= 1
            if depth == 0 and idx != last_idx:
                return None
    return first_idx, second_idx, last_idx


class Amalgamator:
    def __init__(self, include_dir):
        self.include_dir = os.path.abspath(include_dir)
        # part name -> list of branch paths where a copy was inlined
        self.inlined = {}
        self.order = []
        self.active = []

    @staticmethod
    def branch_key(kind, condition, previous=None):
        """A branch's identity: its directive and condition text (comments and
        runs of blanks removed), and for #elif/#else the branches before it.
        Equal keys mean the same condition, hence the same outcome."""
        cond = " ".join(condition.split())
        if kind in ("if", "ifdef", "ifndef"):
            return "%s %s" % (kind, cond)
        return "%s %s | %s" % (kind, cond, previous)

    def rel(self, path):
        return os.path.relpath(path, self.include_dir).replace(os.sep, "/")

    def resolve(self, name, including_file):
        candidates = [
            os.path.join(os.path.dirname(including_file), name),
            os.path.join(self.include_dir, name),
        ]
        for c in candidates:
            c = os.path.normpath(c)
            if os.path.isfile(c):
                inside = os.path.commonpath([c, self.include_dir]) == self.include_dir
                return c if inside else None
        return None

    def already_visible(self, part, branch_path):
        for earlier in self.inlined.get(part, ()):
            if tuple(branch_path[: len(earlier)]) == earlier:
                return True
        return False

    def expand(self, path, branch_path, out):
        part = self.rel(path)
        if part in self.active:
            chain = " -> ".join(self.active + [part])
            raise AmalgamateError("include cycle: %s" % chain)
        self.active.append(part)
        lines = read_text(path).split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        guard = guard_lines(lines)
        transparent = set(guard) if guard else set()
        stack = []  # branch ids of the enclosing #if blocks in this file
        in_block = False
        for idx, line in enumerate(lines):
            code, in_block_after = strip_comments_state(line, in_block)
            starts_in_comment = in_block
            in_block = in_block_after
            if starts_in_comment:
                out.append(line)
                continue
            m = DIRECTIVE_RE.match(code)
            if m and idx not in transparent:
                kind = m.group(1)
                if kind in ("if", "ifdef", "ifndef"):
                    stack.append(self.branch_key(kind, m.group(2)))
                elif kind in ("elif", "else", "elifdef", "elifndef"):
                    if not stack:
                        raise AmalgamateError("%s:%d: #%s without #if" % (part, idx + 1, kind))
                    stack[-1] = self.branch_key(kind, m.group(2), stack[-1])
                elif kind == "endif":
                    if not stack:
                        raise AmalgamateError("%s:%d: #endif without #if" % (part, idx + 1))
                    stack.pop()
            inc = INCLUDE_RE.match(code)
            if inc:
                name = inc.group(1)
                target = self.resolve(name, path)
                if target is None:
                    raise AmalgamateError(
                        '%s:%d: cannot find "%s" under include/' % (part, idx + 1, name)
                    )
                target_part = self.rel(target)
                here = tuple(branch_path) + tuple(stack)
                if self.already_visible(target_part, here):
                    continue
                self.inlined.setdefault(target_part, []).append(here)
                if target_part not in self.order:
                    self.order.append(target_part)
                out.append("")
                out.append(DIVIDER_RULE)
                out.append("// part: include/%s" % target_part)
                out.append(DIVIDER_RULE)
                out.append("")
                self.expand(target, list(here), out)
                out.append("")
                out.append("// end of part: include/%s" % target_part)
                continue
            out.append(line)
        if stack:
            raise AmalgamateError("%s: unterminated #if at end of file" % part)
        self.active.pop()


def amalgamate(include_dir):
    umbrella = os.path.join(include_dir, UMBRELLA)
    if not os.path.isfile(umbrella):
        raise AmalgamateError("missing umbrella header %s" % umbrella)
    a = Amalgamator(include_dir)
    body = []
    a.expand(umbrella, [], body)
    text = BANNER + "\n" + "\n".join(body)
    # Collapse runs of blank lines that the dividers may create, strip trailing
    # spaces, end with exactly one newline.
    lines = [l.rstrip() for l in text.split("\n")]
    collapsed = []
    for l in lines:
        if l == "" and collapsed and collapsed[-1] == "":
            continue
        collapsed.append(l)
    while collapsed and collapsed[-1] == "":
        collapsed.pop()
    return "\n".join(collapsed) + "\n", a.order


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    default_root = os.path.dirname(here)
    ap = argparse.ArgumentParser(
        description="Generate single_include/sentry_trace.hpp from include/sentry_trace.hpp."
    )
    ap.add_argument("--root", default=default_root,
                    help="repository root holding include/ (default: the parent of tools/)")
    ap.add_argument("--out", default=None,
                    help="output file (default: <root>/single_include/sentry_trace.hpp)")
    ap.add_argument("--check", action="store_true",
                    help="do not write; exit 1 if the output file differs from a fresh generation")
    ap.add_argument("--quiet", action="store_true", help="print nothing on success")
    args = ap.parse_args(argv)

    include_dir = os.path.join(args.root, "include")
    out = args.out or os.path.join(args.root, "single_include", UMBRELLA)
    rel_out = os.path.relpath(os.path.abspath(out), os.path.abspath(args.root))
    shown_out = out if rel_out.startswith("..") else rel_out.replace(os.sep, "/")

    try:
        text, parts = amalgamate(include_dir)
    except AmalgamateError as e:
        print("%s: error: %s" % (SCRIPT, e), file=sys.stderr)
        return 2
    data = text.encode("utf-8")

    if args.check:
        try:
            with open(out, "rb") as f:
                current = f.read()
        except OSError:
            current = None
        if current == data:
            if not args.quiet:
                print("%s --check: %s is up to date (%d parts)" % (SCRIPT, shown_out, len(parts)))
            return 0
        if current is None:
            print("%s --check: %s is missing." % (SCRIPT, shown_out), file=sys.stderr)
        else:
            print("%s --check: %s is out of date with include/." % (SCRIPT, shown_out),
                  file=sys.stderr)
            old = current.decode("utf-8", errors="replace").split("\n")
            new = text.split("\n")
            diff = list(difflib.unified_diff(old, new, "checked-in", "regenerated", lineterm="", n=1))
            for line in diff[:60]:
                print("    " + line, file=sys.stderr)
            if len(diff) > 60:
                print("    ... (%d more diff lines)" % (len(diff) - 60), file=sys.stderr)
        print("Never edit single_include/ by hand: edit include/sentry_trace/**/*.hpp, then run\n"
              "    python3 %s\nand commit the result." % SCRIPT, file=sys.stderr)
        return 1

    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    try:
        with open(out, "rb") as f:
            unchanged = f.read() == data
    except OSError:
        unchanged = False
    if not unchanged:
        tmp = out + ".tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, out)
    if not args.quiet:
        print("%s: %s %s (%d parts: %s)" % (SCRIPT, "unchanged" if unchanged else "wrote",
                                             shown_out, len(parts), ", ".join(parts)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
