#!/usr/bin/env python3
"""Trace headers exchanged with Sentry's Python SDK (Debian's python3-sentry-sdk 1.9.10).

    python_sdk.py <path to headers_tool>

1. Our headers -> Python: `headers_tool emit` gives the headers of a fresh sampled root; the
   SDK's Transaction.continue_from_headers() must continue that trace (trace id, parent span
   id, sampled) and hand our trace id on (to_traceparent(), iter_headers()), and its DSC must
   hold our values.
2. Python's headers -> us: a transaction (and a child span) of the SDK give iter_headers();
   `headers_tool continue` must continue that trace, sampled, with the Python span as parent,
   forward the SDK's DSC unchanged (adding only sample_rand) and put it in the envelope.

Prints one line per check and "N passed, M failed"; exits 1 on any failure, and 77 with a
"skipped:" line only when sentry_sdk cannot be imported (install python3-sentry-sdk:
scripts/install-deps.sh).
"""

import json
import os
import subprocess
import sys
from urllib.parse import unquote

SYSTEM_PYTHON = "/usr/bin/python3"

try:
    import sentry_sdk
    from sentry_sdk.tracing import Transaction
    from sentry_sdk.transport import Transport
except ImportError as exc:
    # Debian installs the SDK for its own python3; another python3 (pyenv, venv) first on PATH
    # does not see it. Try the system one once before giving up.
    if (os.path.exists(SYSTEM_PYTHON) and os.path.realpath(sys.executable) != os.path.realpath(SYSTEM_PYTHON)
            and not os.environ.get("SENTRY_TRACE_PY_REEXEC")):
        os.environ["SENTRY_TRACE_PY_REEXEC"] = "1"
        os.execv(SYSTEM_PYTHON, [SYSTEM_PYTHON] + sys.argv)
    print("skipped: interop_python_sdk needs the sentry_sdk module (%s); "
          "install python3-sentry-sdk (scripts/install-deps.sh)" % exc)
    sys.exit(77)

passed = 0
failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok   %s" % name)
    else:
        failed += 1
        print("FAIL %s%s" % (name, (": " + detail) if detail else ""))


def run_tool(tool, *args):
    out = subprocess.run([tool] + list(args), check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout
    result = {}
    for line in out.splitlines():
        key, _, value = line.partition(": ")
        result[key] = value
    return result


def sentry_members(baggage):
    """The sentry- members of a baggage value, decoded, keys without the prefix."""
    out = {}
    for member in (baggage or "").split(","):
        key, eq, value = member.partition("=")
        key = key.strip()
        if eq and key.startswith("sentry-"):
            out[key[len("sentry-"):]] = unquote(value.strip())
    return out


class DiscardTransport(Transport):
    def capture_event(self, event):
        pass

    def capture_envelope(self, envelope):
        pass

    def flush(self, timeout, callback=None):
        pass

    def kill(self):
        pass


def ours_to_python(tool):
    ours = run_tool(tool, "emit")
    trace_id, span_id = ours["trace-id"], ours["span-id"]
    check("emit: sentry-trace is <trace>-<span>-1", ours["sentry-trace"] == "%s-%s-1" % (trace_id, span_id),
          ours["sentry-trace"])
    headers = {"sentry-trace": ours["sentry-trace"], "baggage": ours["baggage"]}
    tx = Transaction.continue_from_headers(headers, name="python continues", op="http.server")
    check("python: trace_id is ours", tx.trace_id == trace_id, tx.trace_id)
    check("python: parent_span_id is our span", tx.parent_span_id == span_id, str(tx.parent_span_id))
    check("python: parent_sampled is True", tx.parent_sampled is True, str(tx.parent_sampled))
    with sentry_sdk.start_transaction(tx) as started:
        check("python: sampled (inherits our decision)", started.sampled is True, str(started.sampled))
        check("python: to_traceparent keeps our trace id",
              started.to_traceparent().startswith(trace_id + "-"), started.to_traceparent())
        child = started.start_child(op="http.client")
        out = dict(child.iter_headers())
        check("python: iter_headers sentry-trace keeps our trace id and the flag",
              out.get("sentry-trace", "").startswith(trace_id + "-") and out["sentry-trace"].endswith("-1"),
              str(out.get("sentry-trace")))
        dsc = started.get_baggage().dynamic_sampling_context()
        want = sentry_members(ours["baggage"])
        for key in ("trace_id", "public_key", "release", "environment", "transaction", "sample_rate"):
            check("python: its DSC keeps our %s" % key, dsc.get(key) == want.get(key),
                  "%r vs ours %r" % (dsc.get(key), want.get(key)))
        forwarded = sentry_members(out.get("baggage"))
        check("python: forwards our trace_id in baggage", forwarded.get("trace_id") == trace_id, str(forwarded))
        child.finish()
    envelope_header = json.loads(ours["envelope-header"])
    check("emit: envelope DSC equals the propagated one", envelope_header.get("trace") == want,
          "%r vs %r" % (envelope_header.get("trace"), want))


def python_to_ours(tool):
    with sentry_sdk.start_transaction(name="python root", op="http.server") as tx:
        check("python root is sampled at rate 1.0", tx.sampled is True, str(tx.sampled))
        child = tx.start_child(op="http.client", description="GET /downstream")
        headers = dict(child.iter_headers())
        check("python gives sentry-trace and baggage", "sentry-trace" in headers and "baggage" in headers,
              str(headers))
        check("python to_traceparent is <trace>-<child span>-1",
              child.to_traceparent() == "%s-%s-1" % (tx.trace_id, child.span_id), child.to_traceparent())
        ours = run_tool(tool, "continue", headers.get("sentry-trace", ""), headers.get("baggage", ""))
        child.finish()
    check("ours: continues the Python trace id", ours["trace-id"] == tx.trace_id,
          "%s vs %s" % (ours["trace-id"], tx.trace_id))
    check("ours: sentry-trace is <python trace>-<our span>-1",
          ours["sentry-trace"] == "%s-%s-1" % (tx.trace_id, ours["span-id"]), ours["sentry-trace"])
    transaction = json.loads(ours["transaction"]) if ours.get("transaction", "none") != "none" else {}
    trace_ctx = transaction.get("contexts", {}).get("trace", {})
    check("ours: the transaction was sent", bool(transaction))
    check("ours: parent_span_id is the Python span", trace_ctx.get("parent_span_id") == child.span_id,
          "%r vs %r" % (trace_ctx.get("parent_span_id"), child.span_id))
    check("ours: contexts.trace.trace_id is Python's", trace_ctx.get("trace_id") == tx.trace_id)

    theirs = sentry_members(headers.get("baggage"))
    forwarded = sentry_members(ours["baggage"])
    added = {k: v for k, v in forwarded.items() if k not in theirs}
    check("ours: forwards every Python DSC member unchanged",
          all(forwarded.get(k) == v for k, v in theirs.items()), "%r vs %r" % (forwarded, theirs))
    check("ours: adds only sample_rand", set(added) <= {"sample_rand"}, str(added))
    rand = forwarded.get("sample_rand", "")
    try:
        rand_ok = 0.0 <= float(rand) < 1.0
    except ValueError:
        rand_ok = False
    check("ours: sample_rand is in [0, 1)", rand_ok, rand)
    envelope_header = json.loads(ours["envelope-header"]) if ours["envelope-header"] != "none" else {}
    check("ours: envelope DSC is the forwarded one", envelope_header.get("trace") == forwarded,
          "%r vs %r" % (envelope_header.get("trace"), forwarded))

    # And back: Python continues what we send on.
    back = Transaction.continue_from_headers({"sentry-trace": ours["sentry-trace"], "baggage": ours["baggage"]})
    check("python continues our continuation", back.trace_id == tx.trace_id and back.parent_span_id == ours["span-id"]
          and back.parent_sampled is True)


def main():
    if len(sys.argv) != 2:
        print("usage: python_sdk.py <headers_tool>", file=sys.stderr)
        return 2
    tool = sys.argv[1]
    print("sentry_sdk %s" % sentry_sdk.VERSION)
    sentry_sdk.init(dsn="http://public@127.0.0.1:9/1", traces_sample_rate=1.0, transport=DiscardTransport,
                    release="python@1.0.0", environment="interop", default_integrations=False)
    try:
        ours_to_python(tool)
        python_to_ours(tool)
    except Exception as exc:  # a crash is a failure, not a skip
        check("no exception", False, "%s: %s" % (type(exc).__name__, exc))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
