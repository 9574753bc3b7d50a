#!/usr/bin/env python3
"""Extracts the envelopes that examples/freestanding/app.cpp wrote to its UART.

    extract_envelopes.py <captured-output> <out-dir>

The app frames each envelope as

    @@ENVELOPE <size>\\n<size bytes>\\n@@END\\n

and ends with "@@DONE <envelopes> <discarded>\\n". Every frame is checked (exact size, the
@@END trailer) and written byte for byte to <out-dir>/<NN>-<type>.envelope, where <type> is the
first item's type. Other lines (log lines, @@STACK) are ignored. Prints one line per envelope and
a summary; exit status 0 when at least one envelope was found, the frames were all intact and
the @@DONE line agrees with their number, else 1.
"""
import json
import os
import re
import sys


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    data = open(sys.argv[1], "rb").read()
    out_dir = sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    for name in os.listdir(out_dir):
        if name.endswith(".envelope"):
            os.remove(os.path.join(out_dir, name))

    errors = []
    found = 0
    pos = 0
    header = re.compile(rb"@@ENVELOPE (\d+)\n")
    while True:
        m = header.search(data, pos)
        if not m:
            break
        size = int(m.group(1))
        start = m.end()
        body = data[start:start + size]
        trailer = data[start + size:start + size + 7]
        if len(body) != size or trailer != b"\n@@END\n":
            errors.append(f"envelope at byte {m.start()}: announced {size} bytes, frame is cut or has no @@END")
            pos = start
            continue
        found += 1
        first_lines = body.split(b"\n")
        kind = "unknown"
        if len(first_lines) > 1:
            try:
                kind = json.loads(first_lines[1]).get("type", "unknown")
            except ValueError:
                errors.append(f"envelope {found}: item header is not JSON")
        path = os.path.join(out_dir, f"{found:02d}-{kind}.envelope")
        with open(path, "wb") as f:
            f.write(body)
        print(f"extracted {path} ({size} bytes, {kind})")
        pos = start + size + 7

    done = re.search(rb"@@DONE (\d+) (\d+)\n", data)
    if not done:
        errors.append("no @@DONE line: the program did not finish")
    elif int(done.group(1)) != found:
        errors.append(f"@@DONE says {int(done.group(1))} envelope(s), {found} extracted")
    if found == 0:
        errors.append("no envelope in the captured output")
    for e in errors:
        print(f"FAIL: {e}")
    print(f"{found} envelope(s) extracted, {len(errors)} problem(s)")
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
