// tests/model/checker.hpp -- the model: what a program must have produced, checked
//
// WHAT IT DOES  Judges one run of a program. For every span it decides, from the program and the
//               order the phases make certain (happens-before), what the library must do: record
//               it, drop it and by which reason, send it, and where. Where the order depends on
//               the schedule (two slots in one phase), the model allows each outcome that some
//               order gives, and then holds the library to what it observably chose (the handle's
//               is_recording()). Then it reads every envelope and checks:
//                 - every envelope parses; each span in it is one the model recorded, in its own
//                   transaction, with its own trace id, name and parent (no envelope carries
//                   another trace's ids, names, attributes, measurements or DSC);
//                 - every transaction that must be sent is sent exactly once; no span appears
//                   twice; nothing dropped appears;
//                 - every span (and, in the static lifecycle, every transaction) not sent is
//                   counted exactly once in the client reports, under a reason the model allows;
//                   get_stats().discarded_total equals what the reports carry;
//                 - header reads name the active span.
//
// ASSUMPTIONS (the documented rules, and where they were unclear, the library's code and tests)
//   A1  traces_sample_rate is 1: every root is sampled; a root gets a block unless all
//       SENTRY_TRACE_MAX_TRANSACTIONS blocks are held. A block is held from its root's start until
//       the root has ended (or was abandoned) and every child that got a slot has ended or been
//       abandoned. In the static lifecycle, a root started while fewer blocks can be held must
//       record; a root that cannot is counted `buffer_overflow` (transaction and its spans). In
//       the stream lifecycle continuation blocks also take blocks, so either outcome is allowed.
//   A2  A child (explicit parent, or this thread's active span) joins its parent's transaction
//       while the transaction's root has not ended; once it has, the child is dropped and counted
//       `no_parent_span` (span), never a new transaction. Static lifecycle: at most max_spans
//       children get a slot, later ones are counted `buffer_overflow`; so when any child of a
//       transaction overflowed, exactly max_spans children recorded.
//   A3  Everything started under a dropped span (explicitly, with the dropped span's reference,
//       or implicitly, while it is this thread's active span) is dropped too and counted
//       (`no_parent_span` or `buffer_overflow`): never promoted to a root, never a new trace id.
//       A header read under a dropped span carries the trace id of its nearest recorded ancestor.
//   A4  Static lifecycle: a transaction whose root ended is sent once, with exactly the children
//       that ended before the root; a child that ended after the root, was abandoned or never
//       ended is counted `invalid` (span). A root abandoned (handle destroyed without end()) or
//       still open at shutdown() drops its transaction: counted `invalid`, the transaction and
//       each span that had a slot, root included.
//   A5  Stream lifecycle: a span that ended is sent once (span v2), also when it ended after its
//       root; a span abandoned or still open at shutdown is counted `invalid`. When a segment's
//       root and every span of it were closed before shutdown, each span of it that ended must
//       have been sent. Transaction-category counts are not checked in stream mode.
//   A6  A span ended from any thread, also after the thread that made it active exited, ends
//       normally. Handles (and span_refs) from before a re-init are no-ops: ending them sends and
//       counts nothing; a child started with such a parent is counted `no_parent_span`.
//   A7  A non-recording root (no free block) still counts its drop when it is never ended: it is an
//       open transaction at shutdown (counted `buffer_overflow` or `invalid`).
//   A8  set_measurement lands on the transaction of this thread's active span while that
//       transaction is open (static lifecycle; also when the active span is a child refused for
//       max_spans), and nowhere else; never on another transaction. Under a span dropped because
//       its transaction had ended it lands nowhere.
//   A9  shutdown() and init() run only while no other thread calls the library (the program runs
//       them between phases, on the main thread).

#ifndef SENTRY_TRACE_TESTS_MODEL_CHECKER_HPP
#define SENTRY_TRACE_TESTS_MODEL_CHECKER_HPP

#include "program.hpp"
#include "runner.hpp"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace model {

/// Happens-before between two operations of a program run. In replay mode the slots of a
/// phase run one after another, so that order is certain too.
inline bool hb(const position& a, const position& b, bool replay) {
  if (!a.valid() || !b.valid()) return false;
  if (a.session != b.session) return a.session < b.session;
  if (a.phase != b.phase) return a.phase < b.phase;
  if (a.slot == b.slot) return a.seq < b.seq;
  return replay && a.slot < b.slot;
}

/// The reasons the checker knows (indices into the counters below).
enum reason : int { r_invalid, r_overflow, r_no_parent, r_sample_rate, r_count };
inline const char* reason_name(int r) {
  static const char* names[] = {"invalid", "buffer_overflow", "no_parent_span", "sample_rate"};
  return names[r];
}
inline int reason_index(const std::string& s) {
  for (int r = 0; r < r_count; ++r)
    if (s == reason_name(r)) return r;
  return -1;
}

class checker {
 public:
  checker(const program& p, const run_result& r, bool replay) : p_(p), r_(r), replay_(replay) {}

  /// Every violated invariant, one line each; empty when the run matches the model.
  std::vector<std::string> check() {
    if (r_.init_failed) fail("init() failed");
    judge_.resize(p_.vars.size());
    for (std::size_t v = 0; v < p_.vars.size(); ++v) judge_start(static_cast<int>(v));
    // Capacity is judged once every root is known: a root numbered later may have started
    // first, or at the same time on another slot, and held a block.
    for (int v : blockless_roots_) check_blockless_root(v);
    collect_ops();
    for (std::size_t s = 0; s < p_.sessions.size(); ++s) check_session(static_cast<int>(s));
    check_headers();
    return out_;
  }

 private:
  enum kind_t { k_unstarted, k_rec_root, k_overflow_root, k_rec_child, k_dropped };
  std::vector<int> blockless_roots_;  ///< static-lifecycle roots that got no block
  struct judged {
    kind_t kind = k_unstarted;
    int root = -1;                 ///< the transaction's root var (recorded spans)
    std::set<int> drop_reasons;    ///< dropped: the reasons that may count it
  };

  void fail(const std::string& what) { out_.push_back(what); }
  const var_info& info(int v) const { return p_.vars[static_cast<std::size_t>(v)]; }
  const var_rt& obs(int v) const { return r_.vars[static_cast<std::size_t>(v)]; }
  judged& j(int v) { return judge_[static_cast<std::size_t>(v)]; }
  const std::string& name(int v) const { return info(v).name; }

  bool closed_in_session(int v) const {
    const var_info& vi = info(v);
    return vi.close.valid() && vi.close.session == vi.session;
  }
  bool ended_in_session(int v) const { return closed_in_session(v) && !info(v).abandoned; }
  bool recorded(int v) { return j(v).kind == k_rec_root || j(v).kind == k_rec_child; }
  bool stream(int v) const { return p_.sessions[static_cast<std::size_t>(info(v).session)].stream; }

  /// May the block of recorded root `root` still be held at `t`? With serialize_on_worker an
  /// ended root's block waits for the handoff's thread, which may not have run yet: until the
  /// session's end.
  bool maybe_held(int root, const position& t) {
    if (!closed_in_session(root) || !hb(info(root).close, t, replay_)) return true;
    if (p_.sessions[static_cast<std::size_t>(info(root).session)].on_worker) return true;
    for (int c : children_[root])
      if (!closed_in_session(c) || !hb(info(c).close, t, replay_)) return true;
    return false;
  }

  /// A root `v` (static lifecycle) got no block: all SENTRY_TRACE_MAX_TRANSACTIONS must have been
  /// in use, each held by a recorded root that may have started before it and not let go yet.
  void check_blockless_root(int v) {
    const var_info& vi = info(v);
    int held = 0;
    for (int other : roots_)
      if (info(other).session == vi.session && !hb(vi.start, info(other).start, replay_) && maybe_held(other, vi.start))
        ++held;
    if (held < SENTRY_TRACE_MAX_TRANSACTIONS)
      fail(name(v) + ": a root was not recorded although at most " + std::to_string(held) + " of " +
           std::to_string(SENTRY_TRACE_MAX_TRANSACTIONS) + " blocks can have been in use");
  }

  /// Decides what the start of `v` must have done, from its parent's fate and the order.
  void judge_start(int v) {
    const var_info& vi = info(v);
    const var_rt& o = obs(v);
    judged& me = j(v);
    if (!o.started) {
      fail(name(v) + ": its start never ran");
      return;
    }
    const int p = vi.parent;
    if (p < 0) {  // a root (A1)
      if (!o.valid) fail(name(v) + ": a root start returned an empty handle");
      if (o.recording) {
        me.kind = k_rec_root;
        me.root = v;
        roots_.push_back(v);
        return;
      }
      me.kind = k_overflow_root;
      me.drop_reasons = {r_overflow, r_invalid};
      if (!stream(v)) blockless_roots_.push_back(v);
      return;
    }
    me.kind = k_dropped;
    if (info(p).session != vi.session) {  // a parent from before the last init() (A6)
      me.drop_reasons = {r_no_parent};
      if (o.recording) fail(name(v) + ": recorded under a parent from before the last init() (" + name(p) + ")");
      return;
    }
    const judged& pj = j(p);
    if (pj.kind == k_dropped || pj.kind == k_overflow_root) {  // under a dropped span (A3)
      me.drop_reasons = {r_no_parent, r_overflow};
      if (o.recording) fail(name(v) + ": recorded although its parent " + name(p) + " was dropped");
      check_dropped_trace(v);
      return;
    }
    if (pj.kind != k_rec_root && pj.kind != k_rec_child) return;
    const int root = pj.root;
    const bool root_closed = closed_in_session(root);
    const bool after_root = root_closed && hb(info(root).close, vi.start, replay_);
    const bool before_root = !root_closed || hb(vi.start, info(root).close, replay_);
    if (o.recording) {
      if (after_root)
        fail(name(v) + ": recorded although the root " + name(root) + " of its parent " + name(p) + " had ended");
      if (o.trace != obs(root).trace) fail(name(v) + ": recorded with trace " + o.trace + ", its root " + name(root) + " has " + obs(root).trace);
      me.kind = k_rec_child;
      me.root = root;
      children_[root].push_back(v);
      return;
    }
    // Not recorded: dropped (A2).
    if (after_root) me.drop_reasons = {r_no_parent};
    else if (before_root) me.drop_reasons = {r_overflow};
    else me.drop_reasons = {r_no_parent, r_overflow};
    if (me.drop_reasons.count(r_overflow)) {
      overflowed_[root].push_back(v);
      me.root = root;  // the transaction it was refused by, which may still be open
    }
    check_dropped_trace(v);
  }

  /// The nearest ancestor with a trace id (recorded, or a root), -1 when none.
  int traced_ancestor(int v) {
    for (int a = info(v).parent; a >= 0; a = info(a).parent) {
      if (info(a).session != info(v).session) return -1;
      if (recorded(a) || j(a).kind == k_overflow_root) return a;
    }
    return -1;
  }
  /// A dropped span never carries a new trace id (A3).
  void check_dropped_trace(int v) {
    const int a = traced_ancestor(v);
    if (a >= 0 && !obs(v).trace.empty() && obs(v).trace != obs(a).trace)
      fail(name(v) + ": dropped, but its handle carries trace " + obs(v).trace + " where its ancestor " + name(a) + " has " + obs(a).trace);
  }

  void collect_ops() {
    for (const session_plan& s : p_.sessions)
      for (const phase& ph : s.phases)
        for (const auto& ops : ph.slots) collect(ops);
  }
  void collect(const std::vector<op>& ops) {
    for (const op& o : ops) {
      if (o.kind == op_kind::measure || o.kind == op_kind::headers) by_id_[o.id] = &o;
      collect(o.body);
    }
  }

  static constexpr int anywhere = -2;
  /// The root of the transaction a measurement must land on, -1 when it must land nowhere,
  /// `anywhere` when the model cannot say; `required` when the order makes it certain (A8).
  /// Under a child dropped for max_spans the transaction is still open: the measurement is the
  /// transaction's, as in @sentry/core (setMeasurement goes to the active span's root).
  int measurement_target(const op& o, bool& required) { return measurement_target(o, o.active, required); }
  int measurement_target(const op& o, int active, bool& required) {
    required = false;
    if (active < 0) return -1;
    const judged& a = j(active);
    int root;
    if (recorded(active)) root = a.root;
    else if (a.kind == k_dropped && a.root >= 0 && a.drop_reasons == std::set<int>{r_overflow}) root = a.root;
    else if (a.kind == k_dropped && a.drop_reasons.count(r_overflow)) return anywhere;
    else return -1;
    if (stream(root)) return -1;
    if (closed_in_session(root) && hb(info(root).close, o.at, replay_)) return -1;
    required = ended_in_session(root) && hb(o.at, info(root).close, replay_);
    return root;
  }

  /// May the measurement of `o` land on the transaction of `root`? A racing one may land on the
  /// transaction of any span of its slot's stack (A8).
  bool measurement_may_land(const op& o, int root) {
    bool required;
    if (!o.racy) {
      const int target = measurement_target(o, required);
      return target == root || target == anywhere;
    }
    for (int a : o.stack) {
      const int target = measurement_target(o, a, required);
      if (target == root || target == anywhere) return true;
    }
    return false;
  }

  // ---- one session's envelopes -------------------------------------------------------------------

  struct session_view {
    std::map<std::string, int> by_span_id;  ///< recorded vars of the session
    std::map<int, int> sent_count;          ///< var -> times seen in envelopes
    std::map<int, int> txn_envelopes;       ///< root -> transaction envelopes
    std::map<int, std::set<std::string>> attrs_seen;  ///< var -> model.var values seen
    std::map<int, std::set<int>> measurements;        ///< root -> measurement ids seen
    std::uint64_t counted[r_count][2] = {};  ///< [reason][0 span, 1 transaction]
    std::uint64_t counted_other = 0;        ///< reasons the model does not know
    std::uint64_t reported_total = 0;
  };

  void check_session(int s) {
    session_view sv;
    for (std::size_t v = 0; v < p_.vars.size(); ++v)
      if (info(static_cast<int>(v)).session == s && recorded(static_cast<int>(v))) {
        const std::string& id = obs(static_cast<int>(v)).id;
        if (sv.by_span_id.count(id)) fail(name(static_cast<int>(v)) + ": span id " + id + " given twice");
        sv.by_span_id[id] = static_cast<int>(v);
      }
    for (const auto& e : r_.envelopes)
      if (e.session == s) read_envelope(s, e.bytes, sv);
    judge_outcomes(s, sv);
  }

  int span_var(session_view& sv, const std::string& id, const std::string& where) {
    auto it = sv.by_span_id.find(id);
    if (it == sv.by_span_id.end()) {
      fail(where + ": span id " + id + " is no span this session recorded");
      return -1;
    }
    ++sv.sent_count[it->second];
    return it->second;
  }

  void read_envelope(int s, const std::string& bytes, session_view& sv) {
    test_support::envelope e;
#if SENTRY_TRACE_EXCEPTIONS
    try {
      e = test_support::parse_envelope(bytes);
    } catch (const std::exception& x) {
      fail(std::string("an envelope does not parse: ") + x.what());
      return;
    }
#else
    e = test_support::parse_envelope(bytes);
#endif
    if (!e.ok()) {
      fail("an envelope does not parse: " + e.error());
      return;
    }
    for (const auto& it : e.items) {
      const std::string type = it.header["type"].str;
      if (type == "client_report") read_report(it.body, sv);
      else if (type == "transaction") read_transaction(s, e, it.body, sv);
      else if (type == "span") read_span_batch(e, it.body, sv);
      else fail("an envelope item of unexpected type \"" + type + "\"");
    }
  }

  void read_report(const test_support::json& body, session_view& sv) {
    for (const auto& d : body["discarded_events"].items) {
      const int r = reason_index(d["reason"].str);
      const std::string cat = d["category"].str;
      const auto q = static_cast<std::uint64_t>(d["quantity"].num);
      sv.reported_total += q;
      if (r < 0 || (cat != "span" && cat != "transaction")) {
        sv.counted_other += q;
        fail("client report counts " + std::to_string(q) + " " + cat + " as " + d["reason"].str + ", which the model never expects");
        continue;
      }
      sv.counted[r][cat == "span" ? 0 : 1] += q;
    }
  }

  /// The DSC in an envelope header names this trace (and, when it has one, this transaction).
  void check_dsc(const test_support::envelope& e, const std::string& trace, const std::string& txn, const std::string& where) {
    const test_support::json& dsc = e.header["trace"];
    if (dsc.is_null()) return;
    if (dsc["trace_id"].str != trace) fail(where + ": the envelope's DSC has trace_id " + dsc["trace_id"].str + ", the spans " + trace);
    if (dsc.has("transaction") && dsc["transaction"].str != txn)
      fail(where + ": the envelope's DSC names transaction \"" + dsc["transaction"].str + "\", not \"" + txn + "\"");
  }

  /// The start-time attributes (runner.hpp), when the span has them, are its own.
  void check_start_attrs(int v, const test_support::json& start, const test_support::json& tag,
                         const test_support::json& again, const std::string& where) {
    const std::string padded = name(v) + model_tag_padding;
    if (!start.is_null() && start.str != name(v)) fail(where + ": " + name(v) + " carries the start attribute of " + start.str);
    if (!tag.is_null() && tag.str != padded) fail(where + ": " + name(v) + " carries the tag \"" + tag.str + "\"");
    if (!again.is_null() && again.str != padded) fail(where + ": " + name(v) + " carries the tag \"" + again.str + "\" again");
  }

  void note_attr(session_view& sv, int v, const test_support::json& value, const std::string& where) {
    if (value.is_null()) return;
    sv.attrs_seen[v].insert(value.str);
    if (value.str != name(v)) fail(where + ": " + name(v) + " carries the attribute of " + value.str);
  }

  void read_transaction(int s, const test_support::envelope& e, const test_support::json& t, session_view& sv) {
    const test_support::json& tc = t["contexts"]["trace"];
    const std::string where = "transaction \"" + t["transaction"].str + "\"";
    const int root = span_var(sv, tc["span_id"].str, where);
    if (root < 0) return;
    if (p_.sessions[static_cast<std::size_t>(s)].stream) fail(where + ": a transaction in the stream lifecycle");
    if (j(root).kind != k_rec_root) {
      fail(where + ": its root " + name(root) + " is not a recorded root");
      return;
    }
    ++sv.txn_envelopes[root];
    const std::string& trace = obs(root).trace;
    if (t["transaction"].str != name(root)) fail(where + ": root " + name(root) + " sent under another name");
    if (tc["trace_id"].str != trace) fail(where + ": trace_id " + tc["trace_id"].str + ", its root has " + trace);
    if (tc.has("parent_span_id")) fail(where + ": the root has a parent_span_id");
    check_dsc(e, trace, name(root), where);
    note_attr(sv, root, tc["data"]["model.var"], where);
    check_start_attrs(root, tc["data"]["model.start"], tc["data"]["model.tag"], tc["data"]["model.tag.again"], where);
    // A span whose parent is not in the transaction (it had not ended when its root was written)
    // is written under its nearest ancestor that is (envelope.hpp's written_parent).
    std::set<std::string> present{tc["span_id"].str};
    for (const auto& sp : t["spans"].items) present.insert(sp["span_id"].str);
    auto written_parent = [&](int c) {
      int p = info(c).parent;
      while (p != root && present.count(obs(p).id) == 0 && j(p).kind == k_rec_child && j(p).root == root) p = info(p).parent;
      return p;
    };
    for (const auto& sp : t["spans"].items) {
      const int c = span_var(sv, sp["span_id"].str, where);
      if (c < 0) continue;
      if (j(c).kind != k_rec_child || j(c).root != root) {
        fail(where + ": carries " + name(c) + ", which belongs to another transaction");
        continue;
      }
      if (sp["trace_id"].str != trace) fail(where + ": " + name(c) + " has trace_id " + sp["trace_id"].str);
      if (sp["description"].str != name(c)) fail(where + ": " + name(c) + " is named \"" + sp["description"].str + "\"");
      const int parent = written_parent(c);
      if (sp["parent_span_id"].str != obs(parent).id)
        fail(where + ": " + name(c) + " has parent " + sp["parent_span_id"].str + ", the model " + name(parent) + " (" +
             obs(parent).id + ")");
      note_attr(sv, c, sp["data"]["model.var"], where);
      check_start_attrs(c, sp["data"]["model.start"], sp["data"]["model.tag"], sp["data"]["model.tag.again"], where);
    }
    for (const auto& m : t["measurements"].members) {
      const int id = m.first.size() > 1 ? std::atoi(m.first.c_str() + 1) : -1;
      auto it = by_id_.find(id);
      const bool known = it != by_id_.end() && it->second->kind == op_kind::measure;
      if (!known || !measurement_may_land(*it->second, root)) {
        fail(where + ": carries measurement " + m.first + ", which the model puts elsewhere");
        continue;
      }
      if (m.second["value"].num != id) fail(where + ": measurement " + m.first + " has another value");
      sv.measurements[root].insert(id);
    }
  }

  void read_span_batch(const test_support::envelope& e, const test_support::json& body, session_view& sv) {
    for (const auto& sp : body["items"].items) {
      const std::string where = "span v2 item \"" + sp["name"].str + "\"";
      const int v = span_var(sv, sp["span_id"].str, where);
      if (v < 0) continue;
      if (!stream(v)) fail(where + ": a span v2 item in the static lifecycle");
      const int root = j(v).root;
      const std::string& trace = obs(root).trace;
      if (sp["trace_id"].str != trace) fail(where + ": " + name(v) + " has trace_id " + sp["trace_id"].str + ", its root " + trace);
      check_dsc(e, trace, name(root), where);
      const bool segment = sp["is_segment"].b;
      if (segment != (v == root)) fail(where + ": " + name(v) + " has is_segment " + (segment ? "true" : "false"));
      if (sp["name"].str != name(v)) fail(where + ": " + name(v) + " is named \"" + sp["name"].str + "\"");
      const test_support::json& attrs = sp["attributes"];
      if (attrs["sentry.segment.id"]["value"].str != obs(root).id)
        fail(where + ": " + name(v) + " names segment " + attrs["sentry.segment.id"]["value"].str + ", its root is " + obs(root).id);
      if (attrs["sentry.segment.name"]["value"].str != name(root))
        fail(where + ": " + name(v) + " names segment \"" + attrs["sentry.segment.name"]["value"].str + "\"");
      if (v == root) {
        if (sp.has("parent_span_id")) fail(where + ": the segment has a parent_span_id");
      } else if (sp["parent_span_id"].str != obs(info(v).parent).id) {
        fail(where + ": " + name(v) + " has parent " + sp["parent_span_id"].str + ", the model " + name(info(v).parent));
      }
      note_attr(sv, v, attrs["model.var"]["value"], where);
      check_start_attrs(v, attrs["model.start"]["value"], attrs["model.tag"]["value"], attrs["model.tag.again"]["value"], where);
    }
  }

  // ---- the outcome of each span -------------------------------------------------------------------

  struct expectation {
    bool may_send = false;
    bool must_send = false;
    std::set<int> reasons;  ///< when not sent: it is counted under one of these
  };

  expectation expect_static(int v) {
    expectation x;
    const judged& me = j(v);
    if (me.kind == k_dropped || me.kind == k_overflow_root) {
      x.reasons = me.drop_reasons;
      return x;
    }
    const int root = me.root;
    const bool root_sent = ended_in_session(root);
    x.reasons = {r_invalid};
    if (!root_sent) return x;  // A4: abandoned or open at shutdown
    if (v == root) {
      x.may_send = x.must_send = true;
      return x;
    }
    if (!ended_in_session(v)) return x;
    if (hb(info(v).close, info(root).close, replay_)) x.may_send = x.must_send = true;
    else if (!hb(info(root).close, info(v).close, replay_)) x.may_send = true;
    return x;
  }

  expectation expect_stream(int v) {
    expectation x;
    const judged& me = j(v);
    if (me.kind == k_dropped || me.kind == k_overflow_root) {
      x.reasons = me.drop_reasons;
      return x;
    }
    const int root = me.root;
    x.reasons = {r_invalid};
    if (!ended_in_session(v)) return x;
    x.may_send = true;
    bool complete = closed_in_session(root);
    for (int c : children_[root]) complete = complete && closed_in_session(c);
    x.must_send = complete;  // A5
    return x;
  }

  void judge_outcomes(int s, session_view& sv) {
    const bool is_stream = p_.sessions[static_cast<std::size_t>(s)].stream;
    std::uint64_t not_sent = 0, lo[r_count] = {}, hi[r_count] = {};
    std::uint64_t txn_not_sent = 0, txn_lo[r_count] = {}, txn_hi[r_count] = {};
    for (std::size_t vv = 0; vv < p_.vars.size(); ++vv) {
      const int v = static_cast<int>(vv);
      if (info(v).session != s || j(v).kind == k_unstarted) continue;
      const expectation x = is_stream ? expect_stream(v) : expect_static(v);
      const int sent = sv.sent_count.count(v) ? sv.sent_count[v] : 0;
      if (sent > 1) fail(name(v) + ": sent " + std::to_string(sent) + " times");
      if (sent && !x.may_send) fail(name(v) + ": sent, but the model drops it (" + describe(v) + ")");
      if (!sent && x.must_send) fail(name(v) + ": never sent (" + describe(v) + ")");
      if (!sent) {
        ++not_sent;
        for (int r : x.reasons) hi[r] += 1;
        if (x.reasons.size() == 1) lo[*x.reasons.begin()] += 1;
      }
      if (sent) check_attrs(v, sv);
      const bool is_root = j(v).kind == k_rec_root || j(v).kind == k_overflow_root;
      if (!is_stream && is_root) {
        const int n = sv.txn_envelopes.count(v) ? sv.txn_envelopes[v] : 0;
        if (n == 0) {
          ++txn_not_sent;
          for (int r : x.reasons) txn_hi[r] += 1;
          if (x.reasons.size() == 1) txn_lo[*x.reasons.begin()] += 1;
        }
      }
      if (!is_stream && j(v).kind == k_rec_root) check_capacity(v, s);
    }
    check_counts("span", 0, not_sent, lo, hi, sv, s);
    if (!is_stream) check_counts("transaction", 1, txn_not_sent, txn_lo, txn_hi, sv, s);
    if (!is_stream) check_measurements(s, sv);
    const session_obs& so = r_.sessions[static_cast<std::size_t>(s)];
    if (so.have_stats && so.stats.discarded_total != sv.reported_total)
      fail("session " + std::to_string(s) + ": get_stats().discarded_total is " + std::to_string(so.stats.discarded_total) +
           ", the client reports carry " + std::to_string(sv.reported_total));
  }

  void check_counts(const char* category, int cat, std::uint64_t not_sent, const std::uint64_t* lo, const std::uint64_t* hi,
                    const session_view& sv, int s) {
    std::uint64_t total = 0;
    for (int r = 0; r < r_count; ++r) total += sv.counted[r][cat];
    const std::string where = "session " + std::to_string(s) + ": ";
    if (total != not_sent)
      fail(where + std::to_string(not_sent) + " " + category + "s were not sent, the client reports count " + std::to_string(total) +
           counts_text(sv, cat));
    for (int r = 0; r < r_count; ++r)
      if (sv.counted[r][cat] < lo[r] || sv.counted[r][cat] > hi[r])
        fail(where + category + "s counted as " + reason_name(r) + ": " + std::to_string(sv.counted[r][cat]) + ", the model allows " +
             std::to_string(lo[r]) + ".." + std::to_string(hi[r]));
  }

  std::string counts_text(const session_view& sv, int cat) {
    std::string t = " (";
    for (int r = 0; r < r_count; ++r) t += std::string(r ? ", " : "") + reason_name(r) + " " + std::to_string(sv.counted[r][cat]);
    return t + ")";
  }

  /// A2: slots are never given back, so an overflow means max_spans children recorded.
  void check_capacity(int root, int s) {
    const std::uint32_t cap = p_.sessions[static_cast<std::size_t>(s)].max_spans;
    const std::size_t rec = children_[root].size();
    if (rec > cap) fail(name(root) + ": " + std::to_string(rec) + " children recorded, max_spans is " + std::to_string(cap));
    bool certain_overflow = false;
    for (int c : overflowed_[root]) certain_overflow = certain_overflow || j(c).drop_reasons == std::set<int>{r_overflow};
    if (certain_overflow && rec < cap && cap < SENTRY_TRACE_MAX_SPANS)
      fail(name(root) + ": a child was dropped as buffer_overflow with only " + std::to_string(rec) + " of max_spans " +
           std::to_string(cap) + " slots used");
  }

  void check_attrs(int v, session_view& sv) {
    for (const position& a : info(v).attrs)
      if (a.session == info(v).session && !sv.attrs_seen[v].count(name(v))) {
        fail(name(v) + ": sent without the attribute set on it before it ended");
        return;
      }
  }

  void check_measurements(int s, session_view& sv) {
    std::map<int, int> per_root;
    for (const auto& kv : by_id_) {
      const op& o = *kv.second;
      if (o.kind != op_kind::measure || o.at.session != s) continue;
      bool required;
      for (int a : o.racy ? o.stack : std::vector<int>{o.active}) {
        const int root = measurement_target(o, a, required);
        if (root >= 0) ++per_root[root];
      }
    }
    for (const auto& kv : by_id_) {
      const op& o = *kv.second;
      if (o.kind != op_kind::measure || o.at.session != s || o.racy) continue;
      bool required;
      const int root = measurement_target(o, required);
      if (!required || per_root[root] > SENTRY_TRACE_MAX_MEASUREMENTS) continue;
      if (!sv.txn_envelopes.count(root)) continue;  // reported as a missing transaction already
      if (!sv.measurements[root].count(o.id))
        fail(name(root) + ": measurement m" + std::to_string(o.id) + " (set while " + name(o.active) + " was active) is missing");
    }
  }

  void check_headers() {
    for (const auto& kv : by_id_) {
      const op& o = *kv.second;
      if (o.kind != op_kind::headers || o.active < 0 || o.racy) continue;  // racy: the envelopes' DSCs are checked
      const header_obs& h = r_.headers[static_cast<std::size_t>(o.id)];
      if (!h.done) continue;
      const std::string where = "headers read while " + name(o.active) + " was active";
      std::string trace, span;
      if (recorded(o.active)) {
        const int root = j(o.active).root;
        if (closed_in_session(root) && !hb(o.at, info(root).close, replay_)) continue;  // maybe after its root ended
        trace = obs(o.active).trace;
        span = obs(o.active).id;
      } else if (j(o.active).kind == k_dropped) {
        const int a = traced_ancestor(o.active);
        if (a < 0) continue;
        trace = obs(a).trace;  // A3: the trace goes on; which span id is the library's choice
      } else {
        continue;
      }
      if (h.sentry_trace.compare(0, trace.size(), trace) != 0)
        fail(where + ": sentry-trace is \"" + h.sentry_trace + "\", the trace is " + trace);
      else if (!span.empty() && h.sentry_trace.compare(33, span.size(), span) != 0)
        fail(where + ": sentry-trace is \"" + h.sentry_trace + "\", the span is " + span);
      const std::string key = "sentry-trace_id=";
      const std::size_t at = h.baggage.find(key);
      if (at != std::string::npos && h.baggage.compare(at + key.size(), trace.size(), trace) != 0)
        fail(where + ": baggage \"" + h.baggage + "\" names another trace than " + trace);
    }
  }

  std::string describe(int v) {
    const judged& me = j(v);
    std::string t;
    switch (me.kind) {
      case k_rec_root: t = "recorded root"; break;
      case k_rec_child: t = "recorded child of " + name(me.root) + "'s transaction"; break;
      case k_overflow_root: t = "root without a block"; break;
      case k_dropped: t = "dropped at start"; break;
      default: t = "not started"; break;
    }
    if (!closed_in_session(v)) t += ", never closed in its session";
    else t += info(v).abandoned ? ", abandoned" : ", ended";
    if (me.root >= 0 && me.root != v) t += closed_in_session(me.root) ? (info(me.root).abandoned ? "; root abandoned" : "; root ended") : "; root never closed";
    return t;
  }

  const program& p_;
  const run_result& r_;
  bool replay_;
  std::vector<std::string> out_;
  std::vector<judged> judge_;
  std::vector<int> roots_;
  std::map<int, std::vector<int>> children_;
  std::map<int, std::vector<int>> overflowed_;
  std::map<int, const op*> by_id_;
};

inline std::vector<std::string> check(const program& p, const run_result& r, bool replay) { return checker(p, r, replay).check(); }

} // namespace model

#endif // SENTRY_TRACE_TESTS_MODEL_CHECKER_HPP
