#!/usr/bin/env python3
"""check_flamegraph.py -- runs tools/flamegraph.py on the hand-made fixtures and checks its output.

    python3 check_flamegraph.py <case> [work dir]

Cases (each a ctest test, tests/tools/CMakeLists.txt):
  fold_v1         the v1 profile folds to exactly the expected lines and counts (one thread: no
                  thread frame at the root)
  fold_v2         the two-thread chunk folds with each thread's name as the root frame; --thread
                  keeps one thread, without that frame
  fold_dir        a directory of both envelopes (and one without a profile) folds to their union
  svg             the SVG parses as XML, has a rect per node, and hot_seventy(), 70% of the v1
                  samples, has a rect 70% (+-1%) of the root's width, from the envelope and from
                  the folded file; tooltips give count and percent; in_app frames warm, others cool
  top             the top table's self and total shares, of an envelope and of one thread of a
                  folded file
  malformed       a cut envelope, a wrong item length and a bad stack index fail (exit 1) with the
                  file and the byte or field; no profile at all fails (exit 1) with its message
Prints one line per check and `N passed, N failed`; exits 1 when a check failed.
"""

import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
TOOL = os.path.join(os.path.dirname(os.path.dirname(HERE)), "tools", "flamegraph.py")
V1 = os.path.join(FIXTURES, "v1_profile.envelope")
V2 = os.path.join(FIXTURES, "v2_chunk.envelope")
NONE = os.path.join(FIXTURES, "no_profile.envelope")
SVG_NS = "{http://www.w3.org/2000/svg}"

FOLDED_V1 = [
    "main;run_workload();hot_seventy() 14",
    "main;run_workload();hot_thirty() 4",
    "main;run_workload();hot_thirty();memcpy [libc.so.6] 2",
]
FOLDED_V2 = [
    "game;main;hot_seventy() 7",
    "game;main;hot_thirty() 3",
    "render;start_thread [libc.so.6];render_thread(void*);draw_frame(Scene const&) 4",
    "render;start_thread [libc.so.6];render_thread(void*);draw_frame(Scene const&);ioctl [libc.so.6] 2",
]

passed = 0
failed = 0


def check(ok, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok    {what}")
    else:
        failed += 1
        print(f"FAIL  {what}" + (f"\n      {detail}" if detail else ""))


def run(*args):
    p = subprocess.run([sys.executable, TOOL, *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def lines(text):
    return [l for l in text.splitlines() if l]


def case_fold_v1(work):
    rc, out, err = run("fold", V1)
    check(rc == 0, "fold v1 exits 0", err)
    check(lines(out) == FOLDED_V1, "fold v1: the three stacks with counts 14, 4, 2", out)
    path = os.path.join(work, "v1.folded")
    rc, _, err = run("fold", V1, "-o", path)
    check(rc == 0 and os.path.exists(path), "fold -o writes the file", err)
    if os.path.exists(path):
        with open(path) as f:
            check(lines(f.read()) == FOLDED_V1, "the file holds the same lines")


def case_fold_v2(work):
    rc, out, err = run("fold", V2)
    check(rc == 0, "fold v2 exits 0", err)
    check(lines(out) == FOLDED_V2, "fold v2: thread names game and render at the root, counts 7 3 4 2", out)
    rc, out, err = run("fold", V2, "--thread", "render")
    expect = [l.split(";", 1)[1] for l in FOLDED_V2 if l.startswith("render;")]
    check(rc == 0 and lines(out) == expect, "--thread render: its two stacks, without the thread frame", out + err)
    rc, out, err = run("fold", V2, "--thread", "100")
    expect = [l.split(";", 1)[1] for l in FOLDED_V2 if l.startswith("game;")]
    check(rc == 0 and lines(out) == expect, "--thread 100 (an id) chooses game", out + err)
    rc, out, err = run("fold", V2, "--thread", "nobody")
    check(rc == 1 and "no samples on thread nobody" in err, "--thread of no thread: exit 1 and says so", err)


def case_fold_dir(work):
    d = os.path.join(work, "envelopes")
    os.makedirs(d, exist_ok=True)
    for src in (V1, V2, NONE):
        with open(src, "rb") as f, open(os.path.join(d, os.path.basename(src)), "wb") as g:
            g.write(f.read())
    with open(os.path.join(d, "notes.txt"), "w") as g:
        g.write("not an envelope, and not named *.envelope\n")
    rc, out, err = run("fold", d)
    expect = sorted(FOLDED_V2 + ["main;" + l for l in FOLDED_V1])
    check(rc == 0 and lines(out) == expect, "a directory: both profiles, three threads at the root", out + err)


def svg_checks(svg_path, label):
    try:
        tree = ET.parse(svg_path)
    except (ET.ParseError, OSError) as e:
        check(False, f"{label}: the SVG parses as XML", str(e))
        return
    check(True, f"{label}: the SVG parses as XML")
    root = tree.getroot()
    check(root.tag == SVG_NS + "svg", f"{label}: its root is an svg element", root.tag)
    nodes = {}
    for g in root.iter(SVG_NS + "g"):
        rect = g.find(SVG_NS + "rect")
        title = g.find(SVG_NS + "title")
        if g.get("class") == "f" and rect is not None and title is not None:
            nodes.setdefault(g.get("data-name"), []).append((float(rect.get("width")), title.text, g))
    check(len(nodes) == 6, f"{label}: a rect per node (all, main, run_workload, 2 hot, memcpy)", sorted(nodes))
    if "all" not in nodes or "hot_seventy()" not in nodes:
        check(False, f"{label}: the root and hot_seventy() are drawn", sorted(nodes))
        return
    root_w = nodes["all"][0][0]
    hot_w = nodes["hot_seventy()"][0][0]
    share = hot_w / root_w if root_w else 0
    check(abs(share - 0.70) <= 0.01, f"{label}: hot_seventy() is 70% of the root's width", f"{share:.4f}")
    thirty_w = nodes["hot_thirty()"][0][0]
    check(abs(thirty_w / root_w - 0.30) <= 0.01, f"{label}: hot_thirty() is 30%", f"{thirty_w / root_w:.4f}")
    title = nodes["hot_seventy()"][0][1]
    check(title == "hot_seventy() (14 samples, 70.00%)", f"{label}: its tooltip gives count and percent", title)
    text = nodes["hot_seventy()"][0][2].find(SVG_NS + "text").text or ""
    check(text == "hot_seventy()", f"{label}: its label is shown whole", text)
    memcpy = nodes.get("memcpy [libc.so.6]")
    fill = lambda n: tuple(int(v) for v in re.findall(r"\d+", nodes[n][0][2].find(SVG_NS + "rect").get("fill")))
    if memcpy:
        r, g, b = fill("memcpy [libc.so.6]")
        check(b > r, f"{label}: memcpy (not in_app) is cool", f"rgb{(r, g, b)}")
    r, g, b = fill("hot_seventy()")
    check(r > b, f"{label}: hot_seventy() (in_app) is warm", f"rgb{(r, g, b)}")
    script = root.find(SVG_NS + "script")
    check(script is not None and "zoom" in (script.text or ""), f"{label}: carries the click-to-zoom script")


def case_svg(work):
    path = os.path.join(work, "v1.svg")
    rc, _, err = run("svg", V1, "-o", path, "--title", "v1 <fixture> & co")
    check(rc == 0, "svg from the envelope exits 0", err)
    svg_checks(path, "from the envelope")
    if os.path.exists(path):
        with open(path) as f:
            check("v1 &lt;fixture&gt; &amp; co" in f.read(), "the title is escaped")
    folded = os.path.join(work, "v1.folded")
    with open(folded, "w") as f:
        f.write("\n".join(FOLDED_V1) + "\n")
    path = os.path.join(work, "v1_folded.svg")
    rc, _, err = run("svg", folded, "-o", path)
    check(rc == 0, "svg from the folded file exits 0", err)
    svg_checks(path, "from the folded file")
    path = os.path.join(work, "v2.svg")
    rc, _, err = run("svg", V2, "-o", path)
    ok = rc == 0
    try:
        names = {g.get("data-name") for g in ET.parse(path).getroot().iter(SVG_NS + "g")}
    except (ET.ParseError, OSError):
        names = set()
    check(ok and {"game", "render"} <= names, "the two-thread chunk's SVG has a frame per thread", err)


def case_top(work):
    rc, out, err = run("top", V1, "-n", "3")
    check(rc == 0, "top exits 0", err)
    rows = lines(out)
    check(rows[:1] == ["20 samples"], "top: the sample count first", out)
    body = [re.split(r"\s+", r.strip(), maxsplit=4) for r in rows[2:]]
    expect = [["70.0%", "14", "70.0%", "14", "hot_seventy()"],
              ["20.0%", "4", "30.0%", "6", "hot_thirty()"],
              ["10.0%", "2", "10.0%", "2", "memcpy [libc.so.6]"]]
    check(body == expect, "top -n 3: self and total shares of the three leaves", out)
    folded = os.path.join(work, "v2.folded")
    with open(folded, "w") as f:
        f.write("\n".join(FOLDED_V2) + "\n")
    rc, out, err = run("top", folded, "--thread", "render", "-n", "2")
    rows = lines(out)
    body = [re.split(r"\s+", r.strip(), maxsplit=4) for r in rows[2:]]
    expect = [["66.7%", "4", "100.0%", "6", "draw_frame(Scene const&)"],
              ["33.3%", "2", "33.3%", "2", "ioctl [libc.so.6]"]]
    check(rc == 0 and rows[:1] == ["6 samples"] and body == expect,
          "top --thread of a folded file: the thread is its root frame", out + err)


def case_malformed(work):
    with open(V1, "rb") as f:
        data = f.read()
    cut = os.path.join(work, "cut.envelope")
    with open(cut, "wb") as f:
        f.write(data[:len(data) - 40])
    rc, _, err = run("fold", cut)
    m = re.search(r"cut\.envelope: byte (\d+): profile item says length (\d+) but only (\d+) bytes follow", err)
    check(rc == 1 and m is not None, "a cut envelope: exit 1, its file, byte and the lengths", err)
    # The byte named is where the profile's payload starts.
    if m:
        start = int(m.group(1))
        check(data[start:start + 14] == b'{"version":"1"', "the byte named is the payload's first", str(start))
        check(int(m.group(2)) - int(m.group(3)) == 40 - 1, "the lengths name the 39 missing bytes", err)
    header_at = data.index(b'{"type":"profile"')
    bad_len = os.path.join(work, "bad_length.envelope")
    with open(bad_len, "wb") as f:
        f.write(re.sub(rb'("type":"transaction","length":)(\d+)', lambda m: m.group(1) + str(int(m.group(2)) - 5).encode(), data))
    rc, _, err = run("fold", bad_len)
    check(rc == 1 and re.search(r"bad_length\.envelope: byte \d+: no newline after the transaction item's", err),
          "a wrong item length: exit 1, no newline after the item", err)
    bad_header = os.path.join(work, "bad_header.envelope")
    with open(bad_header, "wb") as f:
        line_end = data.index(b"\n", header_at)
        f.write(data[:header_at] + b'{"type":"profile","length":}' + data[line_end:])
    rc, _, err = run("fold", bad_header)
    check(rc == 1 and f"bad_header.envelope: byte {header_at}: an item header is not valid JSON" in err,
          "a broken item header: exit 1 and its byte", err)
    bad_stack = os.path.join(work, "bad_stack.envelope")
    text = data.replace(b'"stacks":[[0,2,3]', b'"stacks":[[9,2,3]')
    with open(bad_stack, "wb") as f:
        f.write(text)
    rc, _, err = run("fold", bad_stack)
    check(rc == 1 and "bad_stack.envelope: byte" in err and "profile.stacks[0] names frame 9, but there are 5 frames" in err,
          "a stack naming a missing frame: exit 1, the item and the field", err)
    rc, _, err = run("fold", NONE)
    check(rc == 1 and "no profile or profile_chunk item with samples in" in err and "no_profile.envelope" in err,
          "an envelope without a profile: exit 1 and says so", err)
    rc, _, err = run("svg", os.path.join(work, "missing"), "-o", os.path.join(work, "x.svg"))
    check(rc == 1 and "no such file or directory" in err, "a missing input: exit 1 and says so", err)
    text_file = os.path.join(work, "junk.folded")
    with open(text_file, "w") as f:
        f.write("main;hot 3\nthis line has no count\n")
    rc, _, err = run("top", text_file)
    check(rc == 1 and "junk.folded: line 2:" in err, "a bad folded line: exit 1, file and line", err)
    rc, _, err = run("fold")
    check(rc == 2, "no input on the command line: usage error, exit 2", err)


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in CASES:
        print(f"usage: check_flamegraph.py <{'|'.join(CASES)}> [work dir]", file=sys.stderr)
        return 2
    if len(sys.argv) > 2:
        work = os.path.join(sys.argv[2], sys.argv[1])
        os.makedirs(work, exist_ok=True)
        CASES[sys.argv[1]](work)
    else:
        with tempfile.TemporaryDirectory() as work:
            CASES[sys.argv[1]](work)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
