#!/usr/bin/env python3
"""A stand-in for Sentry's ingestion endpoint, for tests. Python 3 stdlib only.

    capture_server.py --port 0 --out DIR [--timeout SECONDS]

Listens on 127.0.0.1 only. With --port 0 it picks a free port. Either way it
prints `PORT <n>` on stdout (flushed) once it accepts connections.

POST /api/<project_id>/envelope/ stores the request body, decompressed when
Content-Encoding is gzip or deflate, as DIR/NNNN.envelope (0001, 0002, ... in
arrival order, written atomically) and the request line and headers as
DIR/NNNN.request.json, then answers 200 {"id":"<event_id or random>"}. Anything
else gets 404; an encoding it cannot decode gets 415.

Stops on SIGTERM or SIGINT, or after --timeout seconds (default 300).
"""

import argparse
import gzip
import http.server
import json
import os
import re
import signal
import sys
import threading
import uuid
import zlib

ENVELOPE_PATH = re.compile(r"^/api/([0-9]+)/envelope/?(\?.*)?$")


class State:
    def __init__(self, out_dir):
        self.out_dir = out_dir
        self.lock = threading.Lock()
        self.count = 0

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

    def do_POST(self):
        m = ENVELOPE_PATH.match(self.path)
        body = self.read_body()
        if not m:
            self.reply(404, {"detail": "not an envelope endpoint: %s" % self.path})
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
        meta = {
            "method": self.command,
            "path": self.path,
            "project_id": m.group(1),
            "headers": [[k, v] for k, v in self.headers.items()],
        }
        n = self.server.state.store(body, meta)
        event_id = None
        try:
            first = body.split(b"\n", 1)[0]
            event_id = json.loads(first.decode("utf-8")).get("event_id")
        except (ValueError, AttributeError):
            pass
        if not isinstance(event_id, str):
            event_id = uuid.uuid4().hex
        sys.stderr.write("capture_server: stored %04d.envelope (%d bytes)\n" % (n, len(body)))
        self.reply(200, {"id": event_id})

    def do_GET(self):
        self.read_body()
        self.reply(404, {"detail": "only POST /api/<project>/envelope/ is served"})


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main(argv):
    ap = argparse.ArgumentParser(description="Capture Sentry envelopes posted to 127.0.0.1.")
    ap.add_argument("--port", type=int, default=0, help="port to listen on (0: pick a free one)")
    ap.add_argument("--out", required=True, help="directory that receives NNNN.envelope files")
    ap.add_argument("--timeout", type=float, default=300.0, help="stop after this many seconds")
    args = ap.parse_args(argv)

    os.makedirs(args.out, exist_ok=True)
    server = Server(("127.0.0.1", args.port), Handler)
    server.state = State(args.out)
    stop = threading.Event()

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
