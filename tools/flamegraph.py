#!/usr/bin/env python3
"""flamegraph.py -- sentry_trace profiles seen locally: folded stacks, an SVG flamegraph, top functions.

WHAT IT DOES  Reads the envelopes the library writes (file_transport: one *.envelope file per
              envelope in a directory) and takes every `profile` item (sample format v1, in a
              transaction's envelope) and every `profile_chunk` item (format v2), then
                fold  writes folded stacks, Brendan Gregg's format: `root;caller;leaf count`, one
                      line per distinct stack per thread, sorted; when the profiles hold more than
                      one thread, the thread's name is the root frame;
                svg   renders a self-contained SVG flamegraph (root at the bottom, one rect per
                      node, width proportional to its samples, labels cut to fit, a <title>
                      tooltip with count and percent, colors hashed per function: in_app frames
                      warm, others cool; click a frame to zoom, "Reset zoom" to go back);
                top   prints the functions with the most samples, by self and total share.
              svg and top also read folded files (this tool's or any other stack collapser's).
STEP BY STEP  python3 tools/flamegraph.py fold envelopes/ -o app.folded
              python3 tools/flamegraph.py svg envelopes/ -o app.svg --title "my app"
              python3 tools/flamegraph.py top app.folded
FORMAT        A stack in a profile lists frame indexes leaf first (PROTOCOL.md section 12); folded
              lines list frames root first. A frame's name is its `function`, else its
              `instruction_addr`, else "<unknown>". A frame that is not in_app is written
              `function [module]` (module "?" when the frame names none), which is how the svg of
              a folded file tells in_app frames from the others. ';' in a name becomes ':' and
              line breaks become spaces, as the folded format needs. A folded file names no
              threads: there --thread chooses the root frame (the thread's frame of an earlier
              fold of several threads), and without it top counts such a frame as a function.
ERRORS        Exit 1 with one line on stderr for input that is not what it claims to be: a
              malformed envelope names its file and the byte where framing broke; a bad profile
              names its file, item and the field; no profile in any input is an error too.
              Exit 2 for a wrong command line. Python 3 standard library only.
SPEC          https://develop.sentry.dev/sdk/foundations/transport/envelopes/
              https://develop.sentry.dev/sdk/telemetry/profiles/sample-format-v1/ and .../v2/
              https://github.com/brendangregg/FlameGraph (folded stacks, the SVG's layout)
"""

import argparse
import json
import os
import sys
import zlib
from xml.sax.saxutils import escape

PROFILE_TYPES = ("profile", "profile_chunk")


class InputError(Exception):
    """Input that is not what it claims to be; the message names the file and the place."""


# ---- envelopes -------------------------------------------------------------------------------


def _json_line(data, start, path, what):
    """Parses the JSON object on the line starting at byte `start`; returns (object, next start)."""
    end = data.find(b"\n", start)
    if end < 0:
        end = len(data)
    line = data[start:end]
    try:
        value = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise InputError(f"{path}: byte {start}: {what} is not valid JSON ({e})") from None
    if not isinstance(value, dict):
        raise InputError(f"{path}: byte {start}: {what} is not a JSON object")
    return value, end + 1


def parse_envelope(data, path):
    """Splits an envelope into [(item header, payload bytes, byte offset of the payload)].

    Strict framing: the envelope header line, then per item a header line and a payload of
    exactly `length` bytes (when the header has `length`) or up to the next newline; after a
    payload comes a newline or the end of the file."""
    if not data.strip():
        raise InputError(f"{path}: byte 0: empty file, not an envelope")
    _, pos = _json_line(data, 0, path, "the envelope header")
    items = []
    while pos < len(data):
        if not data[pos:].strip(b"\r\n"):
            break  # trailing newlines after the last item
        header, payload_start = _json_line(data, pos, path, "an item header")
        kind = header.get("type")
        if not isinstance(kind, str) or not kind:
            raise InputError(f"{path}: byte {pos}: item header without a \"type\"")
        if payload_start > len(data):
            raise InputError(f"{path}: byte {len(data)}: the {kind} item header ends the file, "
                             "no payload follows")
        if "length" in header:
            length = header["length"]
            if not isinstance(length, int) or isinstance(length, bool) or length < 0:
                raise InputError(f"{path}: byte {pos}: item \"length\" is not a non-negative integer")
            payload_end = payload_start + length
            if payload_end > len(data):
                raise InputError(
                    f"{path}: byte {payload_start}: {kind} item says length {length} but only "
                    f"{max(0, len(data) - payload_start)} bytes follow")
            if payload_end < len(data) and data[payload_end:payload_end + 1] != b"\n":
                raise InputError(f"{path}: byte {payload_end}: no newline after the {kind} item's "
                                 f"{length} bytes")
        else:
            payload_end = data.find(b"\n", payload_start)
            if payload_end < 0:
                payload_end = len(data)
        items.append((header, data[payload_start:payload_end], payload_start))
        pos = payload_end + 1
    return items


class Frame:
    __slots__ = ("name", "in_app")

    def __init__(self, name, in_app):
        self.name = name
        self.in_app = in_app

    def __eq__(self, other):
        return self.name == other.name and self.in_app == other.in_app

    def __hash__(self):
        return hash((self.name, self.in_app))


def _clean(name):
    return name.replace(";", ":").replace("\r", " ").replace("\n", " ")


def _frame_of(raw, where):
    if not isinstance(raw, dict):
        raise InputError(f"{where}: a frame is not an object")
    name = raw.get("function") or raw.get("instruction_addr") or "<unknown>"
    name = _clean(str(name))
    in_app = raw.get("in_app") is True
    if not in_app:
        module = raw.get("module") or raw.get("package") or "?"
        name = f"{name} [{_clean(os.path.basename(str(module)))}]"
    return Frame(name, in_app)


def profile_samples(payload, where):
    """Yields (thread id, thread name or None, (Frame, ...) root first) per sample of one item."""
    try:
        doc = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise InputError(f"{where}: payload is not valid JSON ({e})") from None
    profile = doc.get("profile") if isinstance(doc, dict) else None
    if not isinstance(profile, dict):
        raise InputError(f"{where}: payload has no \"profile\" object")
    fields = {}
    for key, kind in (("samples", list), ("stacks", list), ("frames", list)):
        value = profile.get(key)
        if not isinstance(value, kind):
            raise InputError(f"{where}: profile.{key} is missing or not an array")
        fields[key] = value
    meta = profile.get("thread_metadata") or {}
    if not isinstance(meta, dict):
        raise InputError(f"{where}: profile.thread_metadata is not an object")
    frames = [_frame_of(f, where) for f in fields["frames"]]
    stacks = []
    for i, stack in enumerate(fields["stacks"]):
        if not isinstance(stack, list):
            raise InputError(f"{where}: profile.stacks[{i}] is not an array")
        resolved = []
        for index in stack:
            if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(frames):
                raise InputError(f"{where}: profile.stacks[{i}] names frame {index!r}, "
                                 f"but there are {len(frames)} frames")
            resolved.append(frames[index])
        resolved.reverse()  # leaf first in the profile, root first in folded stacks
        stacks.append(tuple(resolved))
    for i, sample in enumerate(fields["samples"]):
        if not isinstance(sample, dict):
            raise InputError(f"{where}: profile.samples[{i}] is not an object")
        stack_id = sample.get("stack_id")
        if not isinstance(stack_id, int) or isinstance(stack_id, bool) or not 0 <= stack_id < len(stacks):
            raise InputError(f"{where}: profile.samples[{i}].stack_id {stack_id!r} is not one of "
                             f"the {len(stacks)} stacks")
        tid = str(sample.get("thread_id", ""))
        info = meta.get(tid)
        name = info.get("name") if isinstance(info, dict) else None
        yield tid, (_clean(str(name)) if name else None), stacks[stack_id]


# ---- inputs: envelopes or folded files -----------------------------------------------------------


class Profile:
    """Samples gathered from every input: counts per (thread label or None, frames root first)."""

    def __init__(self):
        self.counts = {}
        self.threads = {}  # thread id -> name (None when the profile names none)

    def add(self, thread, frames, count):
        key = (thread, frames)
        self.counts[key] = self.counts.get(key, 0) + count

    def total(self):
        return sum(self.counts.values())

    def selected(self, thread_filter=None):
        """Yields (thread label or None, frames root first, count) of the chosen thread(s).

        A thread is chosen by its name, label or id; in a folded file, which names no threads,
        by the root frame, which is then dropped (the thread's frame of an earlier fold)."""
        labels = self._thread_labels()
        for (tid, frames), count in self.counts.items():
            if thread_filter is None:
                yield (labels[tid] if tid is not None else None), frames, count
            elif tid is None:
                if frames and frames[0].name == thread_filter and len(frames) > 1:
                    yield None, frames[1:], count
            elif thread_filter in (tid, labels[tid], self.threads.get(tid)):
                yield labels[tid], frames, count

    def stacks(self, thread_filter=None):
        """[(frames root first, count)]; the thread is the root frame when there is more than one
        and no filter chose one."""
        several = len(self.threads) > 1 and thread_filter is None
        chosen = {}
        for label, frames, count in self.selected(thread_filter):
            if several and label is not None:
                frames = (Frame(label, None),) + frames  # in_app None: a thread, not a function
            chosen[frames] = chosen.get(frames, 0) + count
        return sorted(chosen.items(), key=lambda kv: ";".join(f.name for f in kv[0]))

    def _thread_labels(self):
        by_name = {}
        for tid, name in self.threads.items():
            by_name.setdefault(name or tid, []).append(tid)
        labels = {}
        for tid, name in self.threads.items():
            base = name or f"thread {tid}"
            labels[tid] = base if len(by_name[name or tid]) == 1 else f"{base} ({tid})"
        return labels


def _is_envelope(data):
    return data.lstrip()[:1] == b"{"


def _input_files(paths):
    files = []
    for p in paths:
        if os.path.isdir(p):
            names = sorted(n for n in os.listdir(p) if n.endswith(".envelope"))
            files.extend(os.path.join(p, n) for n in names)
        elif os.path.exists(p):
            files.append(p)
        else:
            raise InputError(f"{p}: no such file or directory")
    return files


def read_inputs(paths, allow_folded):
    profile = Profile()
    items = 0
    files = _input_files(paths)
    for path in files:
        with open(path, "rb") as f:
            data = f.read()
        if allow_folded and not _is_envelope(data):
            items += _read_folded(data, path, profile)
            continue
        for header, payload, offset in parse_envelope(data, path):
            if header.get("type") not in PROFILE_TYPES:
                continue
            items += 1
            where = f"{path}: byte {offset}: {header['type']} item"
            for tid, name, frames in profile_samples(payload, where):
                if name or tid not in profile.threads:
                    profile.threads[tid] = name
                profile.add(tid, frames, 1)
    if items == 0 or profile.total() == 0:
        what = "profile or profile_chunk item" + (" (or folded stack)" if allow_folded else "")
        raise InputError(f"no {what} with samples in: {', '.join(files) or ', '.join(paths)}")
    return profile


def _read_folded(data, path, profile):
    lines = 0
    for number, raw in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            raise InputError(f"{path}: line {number}: not `frame;frame;... count`")
        frames = tuple(Frame(n, not (n.endswith("]") and " [" in n)) for n in stack.split(";"))
        profile.add(None, frames, int(count))
        lines += 1
    return lines


# ---- fold ------------------------------------------------------------------------------------------


def folded_lines(profile, thread_filter=None):
    return [";".join(f.name for f in frames) + f" {count}" for frames, count in profile.stacks(thread_filter)]


# ---- top -------------------------------------------------------------------------------------------


def function_shares(profile, thread_filter=None):
    """{function: [self samples, total samples]}; a frame that recurs in one stack counts once."""
    shares = {}
    for _, frames, count in profile.selected(thread_filter):
        if not frames:
            continue
        for name in {f.name for f in frames}:
            shares.setdefault(name, [0, 0])[1] += count
        shares[frames[-1].name][0] += count
    return shares


def print_top(profile, limit, out, thread_filter=None):
    shares = function_shares(profile, thread_filter)
    total = sum(s for s, _ in shares.values())
    if total == 0:
        raise InputError("no samples" + (f" on thread {thread_filter}" if thread_filter else ""))
    out.write(f"{total} samples\n")
    out.write(f"{'self %':>7} {'self':>8} {'total %':>8} {'total':>8}  function\n")
    ranked = sorted(shares.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))
    for name, (self_count, total_count) in ranked[:limit]:
        out.write(f"{100.0 * self_count / total:6.1f}% {self_count:8d} {100.0 * total_count / total:7.1f}% "
                  f"{total_count:8d}  {name}\n")


# ---- svg -------------------------------------------------------------------------------------------

WIDTH = 1200        # px, the whole image
PAD = 10            # px, left and right margin
FRAME_H = 16        # px per stack level
FONT_SIZE = 12      # px
CHAR_W = FONT_SIZE * 0.59  # average glyph width of Verdana/DejaVu Sans, as flamegraph.pl assumes
MIN_W = 0.1         # px; narrower nodes are not drawn (their samples stay in their parents)
TOP = 3 * FRAME_H   # title and hint lines above the frames


class Node:
    __slots__ = ("name", "in_app", "total", "children")

    def __init__(self, name, in_app):
        self.name = name
        self.in_app = in_app
        self.total = 0
        self.children = {}


def build_tree(stacks):
    root = Node("all", True)
    for frames, count in stacks:
        root.total += count
        node = root
        for f in frames:
            child = node.children.get(f.name)
            if child is None:
                child = node.children[f.name] = Node(f.name, f.in_app)
            child.total += count
            node = child
    return root


def color(name, in_app):
    """Hashed per function; warm (red-orange-yellow) for in_app frames, cool (blue-aqua) otherwise,
    grey-blue for the thread frames at the root (in_app None)."""
    if in_app is None:
        return "rgb(205,205,225)"
    h = zlib.crc32(name.encode("utf-8"))
    a, b = (h & 0xFFFF) / 0xFFFF, ((h >> 16) & 0xFFFF) / 0xFFFF
    if in_app:
        return f"rgb({205 + int(50 * a)},{int(200 * b)},{int(55 * a)})"
    return f"rgb({50 + int(60 * a)},{150 + int(80 * b)},{200 + int(55 * b)})"


def fit_label(name, width_px):
    chars = int((width_px - 6) / CHAR_W)
    if chars >= len(name):
        return name
    if chars < 3:
        return ""
    return name[:chars - 2] + ".."


ZOOM_JS = """
var W = %(width)d, PAD = %(pad)d, CW = %(char_w).3f;
function frames() { return document.querySelectorAll("g.f"); }
function label(g, w) {
  var name = g.getAttribute("data-name"), n = Math.floor((w - 6) / CW);
  return n >= name.length ? name : (n < 3 ? "" : name.substring(0, n - 2) + "..");
}
function place(g, x, w) {
  var r = g.querySelector("rect"), t = g.querySelector("text");
  r.setAttribute("x", x); r.setAttribute("width", w);
  t.setAttribute("x", x + 3); t.textContent = label(g, w);
}
function zoom(z) {
  var zx = +z.getAttribute("data-x"), zw = +z.getAttribute("data-w"), zd = +z.getAttribute("data-d");
  var span = W - 2 * PAD, eps = 1e-9;
  frames().forEach(function (g) {
    var x = +g.getAttribute("data-x"), w = +g.getAttribute("data-w"), d = +g.getAttribute("data-d");
    var inside = x >= zx - eps && x + w <= zx + zw + eps;
    var below = d < zd && x <= zx + eps && x + w >= zx + zw - eps;
    g.style.display = inside || below ? "" : "none";
    if (below) place(g, PAD, span);
    else if (inside) place(g, PAD + (x - zx) / zw * span, w / zw * span);
  });
  document.getElementById("reset").style.display = "";
}
function reset() {
  var span = W - 2 * PAD;
  frames().forEach(function (g) {
    g.style.display = "";
    place(g, PAD + (+g.getAttribute("data-x")) * span, (+g.getAttribute("data-w")) * span);
  });
  document.getElementById("reset").style.display = "none";
}
frames().forEach(function (g) { g.addEventListener("click", function () { zoom(g); }); });
document.getElementById("reset").addEventListener("click", reset);
"""


def render_svg(profile, title, thread_filter=None):
    root = build_tree(profile.stacks(thread_filter))
    if root.total == 0:
        raise InputError("no samples" + (f" on thread {thread_filter}" if thread_filter else ""))
    span = WIDTH - 2 * PAD
    nodes = []  # (node, depth, x fraction, width fraction)

    def walk(node, depth, x):
        nodes.append((node, depth, x, node.total / root.total))
        child_x = x
        for child in sorted(node.children.values(), key=lambda c: c.name):
            if child.total / root.total * span >= MIN_W:
                walk(child, depth + 1, child_x)
            child_x += child.total / root.total

    walk(root, 0, 0.0)
    depth = max(d for _, d, _, _ in nodes) + 1
    height = TOP + depth * FRAME_H + 2 * FRAME_H
    out = [
        '<?xml version="1.0" standalone="no"?>',
        f'<svg version="1.1" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        'xmlns="http://www.w3.org/2000/svg">',
        "<style>text { font-family: Verdana, 'DejaVu Sans', sans-serif; font-size: %dpx; fill: #000; } "
        "g.f { cursor: pointer; } g.f:hover rect { stroke: #000; stroke-width: 0.5; } "
        "#reset { cursor: pointer; }</style>" % FONT_SIZE,
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#f8f8f8"/>',
        f'<text x="{WIDTH / 2:.0f}" y="{FRAME_H + 4}" text-anchor="middle" '
        f'style="font-size:{FONT_SIZE + 5}px">{escape(title)}</text>',
        f'<text x="{PAD}" y="{2 * FRAME_H + 4}" fill="#555">{root.total} samples; '
        'warm: in_app frames, cool: other frames; click a frame to zoom</text>',
        f'<text id="reset" x="{WIDTH - PAD}" y="{2 * FRAME_H + 4}" text-anchor="end" '
        'style="display:none">Reset zoom</text>',
    ]
    for node, d, x, w in nodes:
        px, pw = PAD + x * span, w * span
        y = TOP + (depth - 1 - d) * FRAME_H
        pct = 100.0 * node.total / root.total
        samples = "sample" if node.total == 1 else "samples"
        fill = "rgb(235,235,235)" if d == 0 else color(node.name, node.in_app)
        out.append(
            f'<g class="f" data-name="{escape(node.name, {chr(34): "&quot;"})}" data-x="{x:.9f}" '
            f'data-w="{w:.9f}" data-d="{d}"><title>{escape(node.name)} ({node.total} {samples}, '
            f'{pct:.2f}%)</title><rect x="{px:.2f}" y="{y}" width="{pw:.2f}" height="{FRAME_H - 1}" '
            f'rx="2" ry="2" fill="{fill}"/><text x="{px + 3:.2f}" y="{y + FRAME_H - 4}">'
            f"{escape(fit_label(node.name, pw))}</text></g>")
    js = ZOOM_JS % {"width": WIDTH, "pad": PAD, "char_w": CHAR_W}
    out.append('<script type="text/ecmascript"><![CDATA[' + js + "]]></script>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


# ---- command line ------------------------------------------------------------------------------


def _write(path, text):
    if path in (None, "-"):
        sys.stdout.write(text)
    else:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="flamegraph.py",
        description="Folded stacks, SVG flamegraphs and top functions from sentry_trace's profile "
                    "and profile_chunk envelope items (file_transport's *.envelope files).",
        epilog="Input errors (malformed envelope, bad profile, no profile found) exit 1.")
    sub = parser.add_subparsers(dest="command", required=True)
    fold = sub.add_parser("fold", help="write folded stacks (root;caller;leaf count)")
    fold.add_argument("inputs", nargs="+", metavar="ENVELOPE", help="*.envelope files or directories of them")
    fold.add_argument("-o", "--output", help="output file (default: stdout)")
    fold.add_argument("--thread", help="only this thread (its name or id)")
    svg = sub.add_parser("svg", help="render an SVG flamegraph")
    svg.add_argument("inputs", nargs="+", metavar="INPUT", help="folded files, envelopes or directories")
    svg.add_argument("-o", "--output", required=True, help="the .svg file to write")
    svg.add_argument("--title", default="Flame Graph", help="title above the graph")
    svg.add_argument("--thread", help="only this thread (its name or id)")
    top = sub.add_parser("top", help="print the top functions by self and total share")
    top.add_argument("inputs", nargs="+", metavar="INPUT", help="folded files, envelopes or directories")
    top.add_argument("-n", "--limit", type=int, default=20, help="how many functions (default 20)")
    top.add_argument("--thread", help="only this thread (its name or id)")
    args = parser.parse_args(argv)
    try:
        profile = read_inputs(args.inputs, allow_folded=args.command != "fold")
        if args.command == "fold":
            lines = folded_lines(profile, args.thread)
            if not lines:
                raise InputError(f"no samples on thread {args.thread}")
            _write(args.output, "\n".join(lines) + "\n")
        elif args.command == "svg":
            _write(args.output, render_svg(profile, args.title, args.thread))
        else:
            print_top(profile, args.limit, sys.stdout, args.thread)
    except InputError as e:
        print(f"flamegraph.py: error: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"flamegraph.py: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
