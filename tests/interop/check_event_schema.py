#!/usr/bin/env python3
"""Checks the event and transaction payloads of sentry_trace's envelopes against Relay's event schema.

  check_event_schema.py <schema.json> <dir-or-file>...
  check_event_schema.py --self-test <schema.json>

Every *.envelope file found (directories are searched recursively) is split into items; each
`event` payload, and each `transaction` payload with the transaction-only fields set aside
(start_timestamp, spans, measurements, breakdowns: the schema describes an error event, see
schema/SOURCE.md) and a plain-string `message` read as logentry.formatted (the deprecated alias
the schema leaves out; Relay still reads it), is validated with jsonschema (draft-07) against tests/interop/schema/
event.schema.json, Relay's schema for what it accepts. The schema is applied as it is, strictly:
`additionalProperties: false` included, so a key Relay's types do not name fails; and since the
schema accepts any object as a context, the os, runtime, device and trace contexts are also
validated against their own definitions. One line per
failing payload, then `N passed, M failed`. Exit status 0 when every payload passed, 1 when one
failed or none was found, 77 when the jsonschema module is missing.

--self-test validates a good event, then broken copies (a tag that is a number, a fingerprint
part that is not a string, an os context name that is a number, an unknown sdk key, an unknown
os context key, a message that is not a string), each of
which must be rejected, so that the check is known to be able to fail.
"""

import copy
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("skipped: the python3 jsonschema module is missing (Debian: python3-jsonschema)")
    sys.exit(77)

TRANSACTION_ONLY = ("start_timestamp", "spans", "measurements", "breakdowns")


def items(data):
    """Yields (item header, payload bytes) of one envelope."""
    lines = data.split(b"\n", 1)
    rest = lines[1] if len(lines) > 1 else b""
    while rest:
        if rest.startswith(b"\n"):
            rest = rest[1:]
            continue
        head, _, rest = rest.partition(b"\n")
        header = json.loads(head)
        length = header.get("length")
        if length is None:
            payload, _, rest = rest.partition(b"\n")
        else:
            payload, rest = rest[:length], rest[length:]
        yield header, payload


def payloads(path):
    """Yields (where, payload object) for every event and transaction of the envelope at path."""
    with open(path, "rb") as f:
        data = f.read()
    for n, (header, payload) in enumerate(items(data)):
        kind = header.get("type")
        if kind not in ("event", "transaction"):
            continue
        body = json.loads(payload)
        if kind == "transaction":
            for key in TRANSACTION_ONLY:
                body.pop(key, None)
        canonical_message(body)
        yield f"{path} item {n} ({kind})", body


def canonical_message(body):
    """A plain-string `message` is the deprecated alias the schema leaves out: Relay reads it as
    logentry.formatted (PROTOCOL.md section 5), so it is checked in that form."""
    if isinstance(body.get("message"), str) and "logentry" not in body:
        body["logentry"] = {"formatted": body.pop("message")}


def envelope_files(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, _, names in os.walk(p):
                for name in sorted(names):
                    if name.endswith(".envelope"):
                        yield os.path.join(root, name)
        else:
            yield p


# The schema's Context is an anyOf that ends in "any object", so it never rejects a context by
# itself: the contexts sentry_trace writes are also checked against their own definitions.
KNOWN_CONTEXTS = {"os": "OsContext", "runtime": "RuntimeContext", "device": "DeviceContext",
                  "trace": "TraceContext"}


def context_validators(schema):
    return {key: jsonschema.Draft7Validator({"$ref": f"#/definitions/{name}", "definitions": schema["definitions"]})
            for key, name in KNOWN_CONTEXTS.items()}


def describe(e, prefix=()):
    where = "/".join(str(x) for x in (*prefix, *e.absolute_path)) or "(top)"
    return f"{where}: {e.message[:300]}"


def first_error(validators, body):
    validator, contexts = validators
    e = jsonschema.exceptions.best_match(validator.iter_errors(body))
    if e is not None:
        return describe(e)
    ctx = body.get("contexts")
    if isinstance(ctx, dict):
        for key, v in contexts.items():
            if key in ctx:
                value = ctx[key]
                if key == "trace" and isinstance(value, dict):
                    # data holds span attributes: SpanData names some, Relay keeps the others.
                    value = {k: x for k, x in value.items() if k != "data"}
                e = jsonschema.exceptions.best_match(v.iter_errors(value))
                if e is not None:
                    return describe(e, ("contexts", key))
    return None


def self_test(validator):
    good = {
        "event_id": "5b1e0c8f2a4d4e6f9a0b1c2d3e4f5a6b", "timestamp": "2026-01-01T10:00:00.123456Z",
        "platform": "native", "level": "error",
        "sdk": {"name": "sentry_trace.native", "version": "0.1.0",
                "packages": [{"name": "cmake:sentry_trace", "version": "0.1.0"}]},
        "exception": {"values": [{"type": "app::db_error", "value": "timeout",
                                  "mechanism": {"type": "generic", "handled": True}}]},
        "message": "cache warmed", "tags": {"db": "orders"}, "fingerprint": ["{{ default }}", "orders-db"],
        "contexts": {"trace": {"trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "a1b2c3d4e5f60718"},
                     "os": {"name": "Linux", "version": "6.1.0", "kernel_version": "6.1.0-28-amd64"},
                     "runtime": {"name": "gcc", "version": "12.2.0", "raw_description": "libstdc++ 12"},
                     "device": {"arch": "x86_64"}, "order": {"id": "A-1"}},
    }
    broken = {
        "a tag that is a number": lambda e: e["tags"].update(db=1),
        "a fingerprint part that is not a string": lambda e: e["fingerprint"].append(3),
        "an os name that is a number": lambda e: e["contexts"]["os"].update(name=6),
        "an unknown sdk key": lambda e: e["sdk"].update(package="x"),
        "an unknown os context key": lambda e: e["contexts"]["os"].update(kernel="x"),
        "a message that is a number": lambda e: e.update(message=5),
    }
    passed = failed = 0
    good_copy = copy.deepcopy(good)
    canonical_message(good_copy)
    err = first_error(validator, good_copy)
    if err:
        print(f"FAIL self-test: the good event is rejected: {err}")
        failed += 1
    else:
        passed += 1
    for what, mutate in broken.items():
        e = copy.deepcopy(good)
        mutate(e)
        canonical_message(e)
        if first_error(validator, e) is None:
            print(f"FAIL self-test: {what} is accepted")
            failed += 1
        else:
            passed += 1
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


def main(argv):
    if len(argv) >= 3 and argv[1] == "--self-test":
        schema_path, rest, self_testing = argv[2], [], True
    elif len(argv) >= 3:
        schema_path, rest, self_testing = argv[1], argv[2:], False
    else:
        print(__doc__)
        return 2
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    validator = (jsonschema.Draft7Validator(schema), context_validators(schema))
    if self_testing:
        return self_test(validator)
    passed = failed = 0
    for path in envelope_files(rest):
        for where, body in payloads(path):
            err = first_error(validator, body)
            if err:
                print(f"FAIL {where}: {err}")
                failed += 1
            else:
                passed += 1
    print(f"{passed} passed, {failed} failed")
    if passed + failed == 0:
        print("FAIL: no event or transaction found (the test suites must have written some)")
        return 1
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
