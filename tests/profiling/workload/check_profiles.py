#!/usr/bin/env python3
"""Profiles the known workload in one mode and checks what it sent.

    check_profiles.py <profiling_workload> <mode> [--node NODE --checker check_envelopes.mjs]

Runs the workload for 2 s in a temporary directory, then checks its envelopes:
  - each is accepted by tests/interop/check_envelopes.mjs (@sentry/core's parser and the
    project's rules, Relay's profile rules included), when node is given;
  - transaction mode: one transaction whose envelope carries a `profile` item (format v1) with
    the transaction's id, trace id and name, and active_thread_id in thread_metadata;
  - manual and trace modes: `profile_chunk` items (format v2) of one profiler_id, string thread
    ids present in thread_metadata, and a transaction linked by contexts.profile.profiler_id and
    its trace data's thread.id;
  - the main thread's samples resolve to hot_seventy / hot_thirty, and each such sample's stack
    holds the function the workload's timeline (truth.json) says the thread was in at the
    sample's timestamp, for at least 95% of them: stacks, threads and timestamps agree;
  - their shares are within 10 points of the wall time the workload measured around each call,
    judged when the main thread ran at least 90% of the frames' wall time (the sampler signals
    on wall-clock ticks, and a thread that waits for a core takes the signal only when it runs,
    at whatever it runs then; on a loaded machine the shares are printed, not judged);
  - the registered "worker" thread was sampled under its name, its share in hot_thirty within
    10 points of the time it measured there.
On a failure it prints the thread's most frequent leaf functions and the time measured.
With --shares-unjudged (the sanitizer builds) the shares are printed, not judged; every other
check still holds.
Exit status 0 when all hold; the reason of the first failure otherwise; 77 (skipped) when the
build cannot profile.
"""
import argparse
import bisect
import datetime
import json
import os
import subprocess
import sys
import tempfile

SECONDS = 2.0
TOLERANCE = 0.10
TIMELINE_AGREEMENT = 0.95
# Hot samples the main thread must have at least: 80% of what 101 Hz gives in half the run.
MIN_HOT_SAMPLES = 0.5 * SECONDS * 101 * 0.8
RAN_FOR_SHARES = 0.90
SHARES_JUDGED = [True]  # --shares-unjudged clears it


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def read_envelope(path):
    """[(item_header, payload_bytes)] and the envelope header of one file."""
    data = open(path, "rb").read()
    head_end = data.index(b"\n")
    header = json.loads(data[:head_end])
    items, pos = [], head_end + 1
    while pos < len(data):
        if data[pos:pos + 1] == b"\n":
            pos += 1
            continue
        line_end = data.index(b"\n", pos)
        item_header = json.loads(data[pos:line_end])
        pos = line_end + 1
        length = item_header.get("length")
        if length is None:
            end = data.find(b"\n", pos)
            end = len(data) if end < 0 else end
        else:
            end = pos + length
        items.append((item_header, data[pos:end]))
        pos = end + 1
    return header, items


def function_names(profile, stack_id):
    frames = profile["frames"]
    return [frames[i].get("function", "") for i in profile["stacks"][stack_id]]


def hot_function(profile, sample):
    """'seventy', 'thirty' or None: the hot function in a sample's stack."""
    names = function_names(profile, sample["stack_id"])
    if any("hot_seventy(" in n for n in names):
        return "seventy"
    if any("hot_thirty(" in n for n in names):
        return "thirty"
    return None


def epoch_us_of_iso(text):
    """Microseconds since the epoch of an RFC 3339 UTC timestamp ('...T02:45:52.577634Z')."""
    moment = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return (moment - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)) // datetime.timedelta(microseconds=1)


def check_timeline(profile, main_tid, truth, sample_epoch_ns, label):
    """Each hot sample of the main thread against the phase the timeline holds at its time."""
    phases = truth["phases"]
    starts = [ph[0] for ph in phases]
    epoch_minus_mono_ns = truth["anchor_epoch_us"] * 1000 - truth["anchor_mono_ns"]
    agree = disagree = outside = 0
    for s in profile["samples"]:
        if str(s["thread_id"]) != main_tid:
            continue
        fn = hot_function(profile, s)
        if fn is None:
            continue
        t = sample_epoch_ns(s) - epoch_minus_mono_ns
        i = bisect.bisect_right(starts, t) - 1
        if i < 0 or t > phases[i][1]:
            outside += 1  # the calibration's probes, before the frames
        elif (fn == "seventy") == bool(phases[i][2]):
            agree += 1
        else:
            disagree += 1
    judged = agree + disagree
    print(f"{label}: {agree} of {judged} hot samples of the main thread hold the function of the timeline "
          f"at their timestamp ({outside} outside the frames)")
    if judged < MIN_HOT_SAMPLES:
        fail(f"{label}: only {judged} hot samples of the main thread during the frames")
    if agree < TIMELINE_AGREEMENT * judged:
        fail(f"{label}: {disagree} of {judged} hot samples hold the other function than the timeline's")


def shares_of(profile, thread_id):
    """(samples of thread, samples in hot_seventy, samples in hot_thirty)."""
    total = seventy = thirty = 0
    for s in profile["samples"]:
        if str(s["thread_id"]) != thread_id:
            continue
        total += 1
        fn = hot_function(profile, s)
        seventy += fn == "seventy"
        thirty += fn == "thirty"
    return total, seventy, thirty


def top_leaves(profile, thread_id, n=5):
    """'name: count' of the n most frequent leaf functions of one thread's samples."""
    counts = {}
    for s in profile["samples"]:
        if str(s["thread_id"]) == thread_id:
            names = function_names(profile, s["stack_id"])
            leaf = names[0] if names else "<empty stack>"
            counts[leaf] = counts.get(leaf, 0) + 1
    best = sorted(counts.items(), key=lambda kv: -kv[1])[:n]
    return ", ".join(f"{name or '<no name>'}: {count}" for name, count in best)


def thread_named(profile, name):
    for tid, meta in profile.get("thread_metadata", {}).items():
        if meta.get("name") == name:
            return tid
    return None


def check_shares(profile, main_tid, truth, label):
    total, seventy, thirty = shares_of(profile, main_tid)
    if seventy + thirty < MIN_HOT_SAMPLES:
        fail(f"{label}: only {seventy + thirty} samples of the main thread in the hot functions ({total} in all)")
    measured = seventy / (seventy + thirty)
    true = truth["hot_seventy"] / (truth["hot_seventy"] + truth["hot_thirty"])
    ran = truth["frames_cpu"] / truth["total"] if truth["total"] > 0 else 0.0
    print(f"{label}: main thread {total} samples; hot_seventy {measured:.1%} (measured time {true:.1%}), "
          f"hot_thirty {1 - measured:.1%}; it ran {ran:.0%} of the frames' wall time")
    if abs(measured - true) > TOLERANCE and not SHARES_JUDGED[0]:
        print(f"{label}: {abs(measured - true):.1%} apart, not judged (--shares-unjudged)")
    elif abs(measured - true) > TOLERANCE and ran < RAN_FOR_SHARES:
        print(f"{label}: {abs(measured - true):.1%} apart, not judged: the thread waited for a core "
              f"{1 - ran:.0%} of the time")
    elif abs(measured - true) > TOLERANCE:
        print(f"{label}: main thread's top leaf functions: {top_leaves(profile, main_tid)}; truth {truth}")
        fail(f"{label}: hot_seventy's share {measured:.1%} is more than 10 points from {true:.1%}")


def check_worker(profile, truth, label):
    tid = thread_named(profile, "worker")
    if tid is None:
        fail(f"{label}: no thread named 'worker' in thread_metadata")
    total, _, thirty = shares_of(profile, tid)
    true = truth["worker_hot_thirty"] / truth["worker_total"] if truth["worker_total"] > 0 else 0.0
    measured = thirty / total if total else 0.0
    print(f"{label}: worker thread {total} samples; hot_thirty {measured:.1%} (measured time {true:.1%})")
    if total < 10 or (abs(measured - true) > TOLERANCE and SHARES_JUDGED[0]):
        print(f"{label}: worker's top leaf functions: {top_leaves(profile, tid)}; truth {truth}")
        fail(f"{label}: the worker thread has {total} samples, {thirty} in hot_thirty")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workload")
    ap.add_argument("mode", choices=["transaction", "manual", "trace"])
    ap.add_argument("--node")
    ap.add_argument("--checker")
    ap.add_argument("--shares-unjudged", action="store_true",
                    help="print the shares but do not judge them (sanitizer builds: their runtime "
                         "moves the time around)")
    args = ap.parse_args()
    SHARES_JUDGED[0] = not args.shares_unjudged

    with tempfile.TemporaryDirectory(prefix="sentry_trace_profiling_") as out:
        run = subprocess.run([args.workload, args.mode, out, str(SECONDS)], capture_output=True, text=True, timeout=60)
        sys.stdout.write(run.stdout)
        if run.returncode == 77:
            sys.exit(77)  # the build cannot profile (the workload said why)
        if run.returncode != 0:
            sys.stdout.write(run.stderr)
            fail(f"the workload exited with {run.returncode}")
        if args.node and args.checker:
            chk = subprocess.run([args.node, args.checker, out], capture_output=True, text=True, timeout=120)
            if chk.returncode == 77:
                print("check_envelopes.mjs skipped (@sentry/core not installed)")
            elif chk.returncode != 0:
                sys.stdout.write(chk.stdout + chk.stderr)
                fail("check_envelopes.mjs rejected the workload's envelopes")
        truth = json.load(open(os.path.join(out, "truth.json")))
        transactions, profiles, chunks = [], [], []
        for name in sorted(os.listdir(out)):
            if not name.endswith(".envelope"):
                continue
            header, items = read_envelope(os.path.join(out, name))
            envelope_tx = None
            for item_header, payload in items:
                kind = item_header.get("type")
                if kind == "transaction":
                    envelope_tx = json.loads(payload)
                    transactions.append(envelope_tx)
                elif kind == "profile":
                    profiles.append((json.loads(payload), envelope_tx))
                elif kind == "profile_chunk":
                    if item_header.get("platform") != "native":
                        fail("a profile_chunk item header lacks platform native")
                    chunks.append(json.loads(payload))
        if len(transactions) != 1 or transactions[0].get("transaction") != "workload":
            fail(f"expected the one transaction 'workload', got {[t.get('transaction') for t in transactions]}")
        tx = transactions[0]
        if args.mode == "transaction":
            if len(profiles) != 1:
                fail(f"expected one profile item, got {len(profiles)}")
            profile, in_envelope_of = profiles[0]
            if in_envelope_of is not tx:
                fail("the profile is not in its transaction's envelope")
            meta = profile["transaction"]
            if meta["id"] != tx["event_id"] or meta["trace_id"] != tx["contexts"]["trace"]["trace_id"] or meta["name"] != "workload":
                fail(f"the profile's transaction reference {meta} does not match the transaction")
            if profile.get("platform") != "native" or profile.get("version") != "1":
                fail("the profile is not a native v1 profile")
            main_tid = str(meta["active_thread_id"])
            if main_tid not in profile["profile"]["thread_metadata"]:
                fail("active_thread_id is not in thread_metadata")
            start_epoch_ns = epoch_us_of_iso(profile["timestamp"]) * 1000
            check_timeline(profile["profile"], main_tid, truth,
                           lambda s: start_epoch_ns + int(s["elapsed_since_start_ns"]), "v1 profile")
            check_shares(profile["profile"], main_tid, truth, "v1 profile")
            check_worker(profile["profile"], truth, "v1 profile")
        else:
            if profiles:
                fail("continuous profiling sent a v1 profile item")
            if not chunks:
                fail("no profile_chunk was sent")
            ids = {c["profiler_id"] for c in chunks}
            if len(ids) != 1:
                fail(f"the chunks carry {len(ids)} profiler ids")
            profiler_id = ids.pop()
            if tx.get("contexts", {}).get("profile", {}).get("profiler_id") != profiler_id:
                fail("the transaction's contexts.profile.profiler_id is not the chunks' profiler_id")
            trace_data = tx["contexts"]["trace"].get("data", {})
            merged = {"samples": [], "stacks": [], "frames": [], "thread_metadata": {}}
            for c in chunks:
                p = c["profile"]
                for s in p["samples"]:
                    if not isinstance(s["thread_id"], str) or s["thread_id"] not in p["thread_metadata"]:
                        fail(f"a chunk sample's thread_id {s['thread_id']!r} is not a string in thread_metadata")
                base_stack, base_frame = len(merged["stacks"]), len(merged["frames"])
                merged["frames"] += p["frames"]
                merged["stacks"] += [[i + base_frame for i in st] for st in p["stacks"]]
                merged["samples"] += [dict(s, stack_id=s["stack_id"] + base_stack) for s in p["samples"]]
                merged["thread_metadata"].update(p["thread_metadata"])
            main_tid = trace_data.get("thread.id")
            if not isinstance(main_tid, str) or main_tid not in merged["thread_metadata"]:
                fail(f"the transaction's thread.id {main_tid!r} is not a thread of the chunks")
            if trace_data.get("thread.name") != merged["thread_metadata"][main_tid].get("name"):
                fail("the transaction's thread.name is not its thread's name in the chunks")
            check_timeline(merged, main_tid, truth, lambda s: round(s["timestamp"] * 1e6) * 1000,
                           f"{len(chunks)} chunk(s)")
            check_shares(merged, main_tid, truth, f"{len(chunks)} chunk(s)")
            check_worker(merged, truth, "chunks")
    print("ok")


if __name__ == "__main__":
    main()
