#!/usr/bin/env python3
"""A stand-in for Sentry's ingestion endpoint, for tests. Python 3 stdlib only.

    capture_server.py --port 0 --out DIR [--timeout SECONDS] [--mode MODE]
                      [--slow-seconds S] [--rate-limits VALUE] [--retry-after VALUE]

Listens on 127.0.0.1 only. With --port 0 it picks a free port. Either way it
prints `PORT <n>` on stdout (flushed) once it accepts connections.

POST /api/<project_id>/envelope/ stores the request body, decompressed when
Content-Encoding is gzip or deflate, as DIR/NNNN.envelope (0001, 0002, ... in
arrival order, written atomically) and the request line and headers as
DIR/NNNN.request.json, then answers 200 {"id":"<event_id or random>"}. Anything
else gets 404; an encoding it cannot decode gets 415.

Stops on SIGTERM or SIGINT, or after --timeout seconds (default 300).

FAULT MODES (tests/faults/): --mode picks how envelope POSTs are answered; the default,
accept, is the behaviour above. Every mode reads the whole request body first.
  accept   store it, answer 200 (as above).
  429      store it, answer 429 with `X-Sentry-Rate-Limits: <--rate-limits>` (default
           "2:transaction;span:project": short, so a test can watch it end) and
           `Retry-After: <--retry-after>` (default 2).
  500      store it, answer 500.
  reset    set SO_LINGER {on, 0} and close without answering: the client gets a RST.
  slow     sleep --slow-seconds (default 6: longer than the client's default 5 s io timeout),
           then answer 200. Not stored: the client has given up by then and will retry.
  garbage  answer bytes that are not HTTP (alternately a broken status line and random
           bytes), then close. Not stored.
"Stored" envelopes (accept, 429, 500) are written to DIR as above; their .request.json also
records the mode and the status answered.

Control endpoints (not envelopes; never stored):
  POST /__mode/<mode>  switch the mode at run time (to end a fault); answers
                       {"mode": new, "previous": old}, 400 for an unknown mode.
  GET  /__mode         {"mode": current}
  GET  /__stats        JSON counts: envelopes received / stored / by status answered, per mode
                       (the mode when the request arrived); items in envelopes answered 200
                       ("delivered"), and per status; resent envelopes (a body seen before);
                       and the outcomes of every client_report item in stored envelopes,
                       summed by reason and category ("outcomes"; "outcomes_delivered": only
                       those in envelopes answered 200, which is what Sentry would keep).
                       GET /__stats?flat=1 gives the same as one flat JSON object with dotted
                       keys ("received.reset": 4), for clients without a JSON parser.
"""

import argparse
import gzip
import hashlib
import http.server
import json
import os
import random
import re
import signal
import socket
import struct
import sys
import threading
import uuid
import zlib

ENVELOPE_PATH = re.compile(r"^/api/([0-9]+)/envelope/?(\?.*)?$")
MODE_PATH = re.compile(r"^/__mode/([A-Za-z0-9_]+)/?$")
MODES = ("accept", "429", "500", "reset", "slow", "garbage")


def envelope_items(body):
    """[(type, payload bytes)] of an envelope; stops quietly at the first malformed item."""
    items = []
    lines = body.split(b"\n", 1)
    rest = lines[1] if len(lines) > 1 else b""
    while rest.strip():
        header_line, _, rest = rest.partition(b"\n")
        if not header_line.strip():
            continue
        try:
            header = json.loads(header_line.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            break
        if not isinstance(header, dict):
            break
        length = header.get("length")
        if isinstance(length, int) and length >= 0:
            payload, rest = rest[:length], rest[length:]
            if rest.startswith(b"\n"):
                rest = rest[1:]
        else:
            payload, _, rest = rest.partition(b"\n")
        items.append((str(header.get("type", "")), payload))
    return items


class State:
    def __init__(self, out_dir, mode="accept"):
        self.out_dir = out_dir
        self.lock = threading.Lock()
        self.count = 0
        self.mode = mode
        self.received = {}   # mode -> envelope POSTs that arrived in that mode
        self.stored = {}     # mode -> of which stored
        self.answered = {}   # mode -> {status, or "reset"/"slow"/"garbage": n}
        self.delivered = {}  # item type -> n, in envelopes answered 200
        self.items_by_status = {}  # status -> {item type: n}, stored envelopes
        self.outcomes = {}   # "reason/category" -> quantity, client reports of stored envelopes
        self.outcomes_delivered = {}  # the same, client reports answered 200 only
        self.seen = set()    # sha1 of every envelope body received
        self.resent = 0      # bodies received again (the client retried)
        self.late_answers = 0  # slow answers written after the sleep

    def store(self, body, meta):
        with self.lock:
            self.count += 1
            n = self.count
        base = os.path.join(self.out_dir, "%04d" % n)
        for suffix, data in ((".request.json", json.dumps(meta, indent=1).encode("utf-8")),
                             (".envelope", body)):
            tmp = base + suffix + ".part"
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, base + suffix)
        return n

    def get_mode(self):
        with self.lock:
            return self.mode

    def set_mode(self, mode):
        with self.lock:
            previous, self.mode = self.mode, mode
        return previous

    def note_received(self, mode, body):
        digest = hashlib.sha1(body).hexdigest()
        with self.lock:
            self.received[mode] = self.received.get(mode, 0) + 1
            if digest in self.seen:
                self.resent += 1
            self.seen.add(digest)

    def note_answer(self, mode, status, body=None):
        """Counts the answer; with `body`, the envelope was stored and its items count."""
        with self.lock:
            row = self.answered.setdefault(mode, {})
            row[str(status)] = row.get(str(status), 0) + 1
            if body is None:
                return
            self.stored[mode] = self.stored.get(mode, 0) + 1
            per = self.items_by_status.setdefault(str(status), {})
            for kind, payload in envelope_items(body):
                per[kind] = per.get(kind, 0) + 1
                if status == 200:
                    self.delivered[kind] = self.delivered.get(kind, 0) + 1
                if kind != "client_report":
                    continue
                try:
                    report = json.loads(payload.decode("utf-8"))
                except (ValueError, UnicodeDecodeError):
                    continue
                for d in report.get("discarded_events", []) if isinstance(report, dict) else []:
                    try:
                        key = "%s/%s" % (d["reason"], d["category"])
                        self.outcomes[key] = self.outcomes.get(key, 0) + int(d["quantity"])
                        if status == 200:
                            self.outcomes_delivered[key] = self.outcomes_delivered.get(key, 0) + int(d["quantity"])
                    except (KeyError, TypeError, ValueError):
                        pass

    def stats(self):
        with self.lock:
            return {
                "mode": self.mode,
                "received": dict(self.received),
                "stored": dict(self.stored),
                "answered": {m: dict(r) for m, r in self.answered.items()},
                "delivered": dict(self.delivered),
                "items_by_status": {s: dict(r) for s, r in self.items_by_status.items()},
                "outcomes": dict(self.outcomes),
                "outcomes_delivered": dict(self.outcomes_delivered),
                "resent": self.resent,
                "late_answers": self.late_answers,
            }


def flatten(obj, prefix=""):
    out = {}
    for k, v in obj.items():
        key = prefix + str(k)
        if isinstance(v, dict):
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "sentry-trace-capture/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("capture_server: %s\n" % (fmt % args))

    def reply(self, status, obj):
        data = json.dumps(obj).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline()
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(length)

    def reset_connection(self):
        """Closes at once with a RST (SO_LINGER on, 0 s), without an answer."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        try:
            self.connection.close()
        except OSError:
            pass

    def send_garbage(self, n):
        self.close_connection = True
        if n % 2 == 0:
            data = b"HTTP/1.1 2x0 \x01\x02 broken\r\nX-Sentry-Rate-Limits 60::\r\n\r\n"
        else:
            data = bytes(random.getrandbits(8) for _ in range(512))
            if data.startswith(b"H"):
                data = b"\x00" + data[1:]
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            pass

    def do_POST(self):
        state = self.server.state
        c = MODE_PATH.match(self.path)
        if c:
            self.read_body()
            mode = c.group(1)
            if mode not in MODES:
                self.reply(400, {"detail": "unknown mode %s" % mode, "modes": list(MODES)})
                return
            previous = state.set_mode(mode)
            sys.stderr.write("capture_server: mode %s -> %s\n" % (previous, mode))
            self.reply(200, {"mode": mode, "previous": previous})
            return
        m = ENVELOPE_PATH.match(self.path)
        body = self.read_body()
        if not m:
            self.reply(404, {"detail": "not an envelope endpoint: %s" % self.path})
            return
        mode = state.get_mode()
        state.note_received(mode, body)
        if mode == "reset":
            state.note_answer(mode, "reset")
            self.reset_connection()
            return
        if mode == "garbage":
            with state.lock:
                n = sum(state.received.values())
            state.note_answer(mode, "garbage")
            self.send_garbage(n)
            return
        if mode == "slow":
            state.note_answer(mode, "slow")
            if self.server.stop_event.wait(self.server.slow_seconds):
                self.close_connection = True
                return
            try:
                self.reply(200, {"id": uuid.uuid4().hex})
                with state.lock:
                    state.late_answers += 1
            except OSError:
                self.close_connection = True
            return
        encoding = self.headers.get("Content-Encoding", "").strip().lower()
        try:
            if encoding in ("", "identity"):
                pass
            elif encoding in ("gzip", "x-gzip"):
                body = gzip.decompress(body)
            elif encoding == "deflate":
                try:
                    body = zlib.decompress(body)
                except zlib.error:
                    body = zlib.decompress(body, -zlib.MAX_WBITS)
            else:
                self.reply(415, {"detail": "unsupported Content-Encoding %s" % encoding})
                return
        except (OSError, zlib.error, EOFError) as e:
            self.reply(400, {"detail": "cannot decode %s body: %s" % (encoding, e)})
            return
        status = {"accept": 200, "429": 429, "500": 500}[mode]
        meta = {
            "method": self.command,
            "path": self.path,
            "project_id": m.group(1),
            "headers": [[k, v] for k, v in self.headers.items()],
        }
        if mode != "accept":
            meta["mode"] = mode
            meta["status"] = status
        n = state.store(body, meta)
        state.note_answer(mode, status, body)
        event_id = None
        try:
            first = body.split(b"\n", 1)[0]
            event_id = json.loads(first.decode("utf-8")).get("event_id")
        except (ValueError, AttributeError):
            pass
        if not isinstance(event_id, str):
            event_id = uuid.uuid4().hex
        sys.stderr.write("capture_server: stored %04d.envelope (%d bytes)\n" % (n, len(body)))
        if status == 429:
            data = json.dumps({"detail": "rate limited"}).encode("utf-8")
            self.send_response(429)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Sentry-Rate-Limits", self.server.rate_limits)
            self.send_header("Retry-After", self.server.retry_after)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if status == 500:
            self.reply(500, {"detail": "internal server error (capture_server --mode 500)"})
            return
        self.reply(200, {"id": event_id})

    def do_GET(self):
        self.read_body()
        path, _, query = self.path.partition("?")
        if path.rstrip("/") == "/__stats":
            stats = self.server.state.stats()
            self.reply(200, flatten(stats) if "flat=1" in query.split("&") else stats)
            return
        if path.rstrip("/") == "/__mode":
            self.reply(200, {"mode": self.server.state.get_mode()})
            return
        self.reply(404, {"detail": "only POST /api/<project>/envelope/ is served"})


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main(argv):
    ap = argparse.ArgumentParser(description="Capture Sentry envelopes posted to 127.0.0.1.")
    ap.add_argument("--port", type=int, default=0, help="port to listen on (0: pick a free one)")
    ap.add_argument("--out", required=True, help="directory that receives NNNN.envelope files")
    ap.add_argument("--timeout", type=float, default=300.0, help="stop after this many seconds")
    ap.add_argument("--mode", choices=MODES, default="accept",
                    help="how envelopes are answered (default accept); POST /__mode/<mode> switches")
    ap.add_argument("--slow-seconds", type=float, default=6.0,
                    help="mode slow: seconds before answering (default 6, over the client's 5 s io timeout)")
    ap.add_argument("--rate-limits", default="2:transaction;span:project",
                    help="mode 429: the X-Sentry-Rate-Limits value")
    ap.add_argument("--retry-after", default="2", help="mode 429: the Retry-After value")
    args = ap.parse_args(argv)

    os.makedirs(args.out, exist_ok=True)
    server = Server(("127.0.0.1", args.port), Handler)
    server.state = State(args.out, args.mode)
    stop = threading.Event()
    server.stop_event = stop
    server.slow_seconds = args.slow_seconds
    server.rate_limits = args.rate_limits
    server.retry_after = args.retry_after

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    worker = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    worker.daemon = True
    worker.start()
    sys.stdout.write("PORT %d\n" % server.server_address[1])
    sys.stdout.flush()

    stopped = stop.wait(args.timeout)
    server.shutdown()
    server.server_close()
    if not stopped:
        sys.stderr.write("capture_server: stopping after --timeout %g s\n" % args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
