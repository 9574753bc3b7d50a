// tests/model/program.hpp -- random programs of API calls, generated from a seed
//
// WHAT IT DOES  A program is a list of sessions (init ... shutdown); a session is a list of
//               phases; a phase gives each thread slot a list of operations. Phases are
//               separated by barriers, so an operation of phase k happens before every operation
//               of phase k+1, while the slots of one phase run concurrently. The generator keeps
//               the model's view (each slot's active-span stack, who holds each handle) as it
//               goes, and records every operation's position, so the checker can tell which
//               orders are certain and which depend on the schedule.
// RULES         One handle is used by one slot per phase (handles move between slots only at
//               phase boundaries). An implicit-parent operation (a start with no explicit parent,
//               a measurement, a header read) never runs in a phase where another slot may end
//               the span on top of this slot's stack: its parent is then certain. A slot may be
//               respawned (its thread exits, a new one takes over) at a phase boundary; spans it
//               made active stay open and may be ended from anywhere later.
// DOES NOT      call the library: runner.hpp executes a program, checker.hpp judges it.

#ifndef SENTRY_TRACE_TESTS_MODEL_PROGRAM_HPP
#define SENTRY_TRACE_TESTS_MODEL_PROGRAM_HPP

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace model {

/// What a span's long start-time attribute holds after its name (runner.hpp sets it, checker.hpp
/// checks it): 40 bytes, past the length from which a value equal to the one before it is
/// stored once.
inline const std::string model_tag_padding(40, '.');

/// A small deterministic generator (splitmix64): programs must not depend on the library's ids.
struct rng {
  std::uint64_t state;
  explicit rng(std::uint64_t seed) : state(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, n).
  std::uint32_t below(std::uint32_t n) { return n ? static_cast<std::uint32_t>(next() % n) : 0; }
  /// True with probability percent / 100.
  bool chance(std::uint32_t percent) { return below(100) < percent; }
};

/// Where an operation runs: (session, phase, slot, sequence number within the slot's phase).
struct position {
  int session = -1;
  int phase = -1;  ///< `after_all` for "at the session's shutdown"
  int slot = -1;
  int seq = -1;
  static constexpr int after_all = 1 << 20;
  bool valid() const { return session >= 0; }
};

enum class op_kind : std::uint8_t {
  start,    ///< start span `var`
  end,      ///< end() on `var`'s handle
  abandon,  ///< destroy `var`'s handle without end()
  attr,     ///< set_attribute("model.var", name) on `var`
  measure,  ///< set_measurement("m<id>", id) on this slot's active span
  headers,  ///< inject() the trace headers of this slot's active span
  flush,    ///< flush(0) from this slot
  with_active  ///< with_active_span(`var`, body); `var` -1: with_active_span(nullptr, body)
};

/// How a span is started.
enum class start_kind : std::uint8_t {
  manual,     ///< start_span_manual: active on this slot until end()
  inactive,   ///< start_inactive_span
  scoped_fn,  ///< start_span(opts, fn): the body runs inside fn
  scoped_obj  ///< scoped_span s(opts): the body runs in its scope
};

struct op {
  op_kind kind = op_kind::flush;
  int var = -1;                 ///< the span operated on (start, end, abandon, attr)
  start_kind how = start_kind::manual;
  int parent = -1;              ///< start: explicit parent var, -1: implicit (this slot's active span)
  int active = -1;              ///< implicit operations: the var on top of this slot's model stack, -1: none
  int id = -1;                  ///< measure/headers: a program-wide number (measurement name)
  int repeat = 1;               ///< headers: reads in a row (a wider window for a concurrent end)
  /// measure/headers: run while another slot may end the active span, so which span is active is
  /// up to the schedule; `stack` is this slot's model stack then (the candidates).
  bool racy = false;
  std::vector<int> stack;
  position at{};
  std::vector<op> body;         ///< scoped starts and with_active: operations run while the span is active
  position body_end{};          ///< scoped starts: where the scope closes (the span's end)
};

/// What the generator knows about one span: written while generating, read by the checker.
struct var_info {
  int session = -1;
  std::string name;
  start_kind how = start_kind::manual;
  int parent = -1;              ///< the parent var (explicit or the implicit one), -1: a root
  bool explicit_parent = false;
  position start{};
  position close{};             ///< its end() or abandonment, invalid when never closed
  bool abandoned = false;
  /// Attributes set on it (positions), for "required in the envelope" checks.
  std::vector<position> attrs;
};

struct phase {
  std::vector<std::vector<op>> slots;  ///< operations per slot
  std::vector<bool> respawn;           ///< the slot's thread is replaced before this phase
  bool flush_after = false;            ///< the main thread calls flush(0) after the phase
};

struct session_plan {
  bool stream = false;          ///< options.trace_lifecycle = stream
  std::uint32_t max_spans = 1000;
  bool explicit_shutdown = true;  ///< shutdown() at the end; false: the next init() does it
  /// options.serialize_on_worker: ended roots are written by the handoff's thread. Alternates
  /// with the seed and the session (no random draw: every seed keeps the program it had).
  bool on_worker = false;
  std::vector<phase> phases;
};

struct program {
  std::uint64_t seed = 0;
  int slots = 1;
  std::vector<session_plan> sessions;
  std::vector<var_info> vars;
  int op_ids = 0;
};

/// Generation knobs.
struct shape {
  int slots = 3;
  int max_sessions = 3;
  int max_phases = 5;
  int max_ops_per_slot = 7;
  int max_stack = 10;           ///< model stack depth per slot (library: SENTRY_TRACE_MAX_DEPTH)
  int max_pushes_per_session = 18;
  bool allow_respawn = true;    ///< false where the library has no threads (SENTRY_TRACE_THREADS=0)
  int lifecycle = -1;           ///< -1: either per session; 0: static only; 1: stream only
  /// Percent of operations wrapped in with_active_span. Drawn from a stream of its own, so a
  /// shape with 0 (the corpus's) generates exactly the programs it did before it existed.
  int with_active_percent = 6;
};

/// Builds programs; one instance per program.
class generator {
 public:
  generator(std::uint64_t seed, const shape& s) : r_(seed), extra_(seed ^ 0xa5a5f00dd00d5a5aull), shape_(s) {
    p_.seed = seed;
    p_.slots = s.slots;
  }

  program make() {
    const int sessions = 1 + static_cast<int>(r_.below(static_cast<std::uint32_t>(shape_.max_sessions)));
    owner_.assign(0, 0);
    for (int s = 0; s < sessions; ++s) make_session(s);
    return p_;
  }

 private:
  struct slot_state {
    std::vector<int> stack;     ///< open vars made active here, innermost last
    int pushes = 0;
    bool implicit_ok = true;
  };

  void make_session(int s) {
    session_plan plan;
    plan.stream = r_.chance(40);
    if (shape_.lifecycle >= 0) plan.stream = shape_.lifecycle == 1;
    static const std::uint32_t caps[] = {1, 2, 3, 5, 1000};
    plan.max_spans = caps[r_.below(5)];
    plan.explicit_shutdown = r_.chance(75);
    plan.on_worker = ((p_.seed + static_cast<std::uint64_t>(s)) & 1) != 0;
    session_ = s;
    slots_.assign(static_cast<std::size_t>(shape_.slots), slot_state{});
    const int phases = 1 + static_cast<int>(r_.below(static_cast<std::uint32_t>(shape_.max_phases)));
    for (int ph = 0; ph < phases; ++ph) plan.phases.push_back(make_phase(ph));
    p_.sessions.push_back(std::move(plan));
  }

  phase make_phase(int ph) {
    phase out;
    phase_ = ph;
    out.slots.resize(static_cast<std::size_t>(shape_.slots));
    out.respawn.assign(static_cast<std::size_t>(shape_.slots), false);
    for (int k = 0; k < shape_.slots; ++k) {
      if (shape_.allow_respawn && (ph > 0 || session_ > 0) && r_.chance(20)) {
        out.respawn[static_cast<std::size_t>(k)] = true;
        slots_[static_cast<std::size_t>(k)].stack.clear();  // its thread, and that stack, are gone
      }
    }
    // Spans on a slot's stack whose handle another slot holds: may that slot end them now?
    remote_closable_.clear();
    for (int k = 0; k < shape_.slots; ++k) {
      slot_state& st = slots_[static_cast<std::size_t>(k)];
      st.implicit_ok = true;
      for (int v : st.stack)
        if (owner(v) != k && r_.chance(50)) remote_closable_.push_back(v);
    }
    closed_remotely_.clear();
    for (int k = 0; k < shape_.slots; ++k) {
      slot_ = k;
      seq_ = 0;
      const int n = static_cast<int>(r_.below(static_cast<std::uint32_t>(shape_.max_ops_per_slot + 1)));
      for (int i = 0; i < n; ++i) add_op(out.slots[static_cast<std::size_t>(k)], 0);
    }
    for (int v : closed_remotely_) remove_from_stacks(v);
    // Handles move to other slots between phases.
    for (std::size_t v = 0; v < owner_.size(); ++v)
      if (open_[v] && p_.vars[v].how != start_kind::scoped_fn && p_.vars[v].how != start_kind::scoped_obj &&
          r_.chance(30))
        owner_[v] = static_cast<int>(r_.below(static_cast<std::uint32_t>(shape_.slots)));
    out.flush_after = r_.chance(20);
    return out;
  }

  int owner(int v) const { return owner_[static_cast<std::size_t>(v)]; }
  bool is_remote_closable(int v) const {
    return std::find(remote_closable_.begin(), remote_closable_.end(), v) != remote_closable_.end();
  }
  position here() { return position{session_, phase_, slot_, seq_++}; }
  slot_state& me() { return slots_[static_cast<std::size_t>(slot_)]; }

  /// The var on top of this slot's model stack, -1 when empty.
  int top() { return me().stack.empty() ? -1 : me().stack.back(); }
  /// May this slot run an operation whose parent is its active span now?
  bool implicit_allowed() {
    int t = top();
    return t < 0 || !is_remote_closable(t);
  }

  void remove_from_stacks(int v) {
    for (slot_state& st : slots_) st.stack.erase(std::remove(st.stack.begin(), st.stack.end(), v), st.stack.end());
  }

  /// Vars this slot may operate on now: open, held by this slot, not in a scope.
  std::vector<int> held() {
    std::vector<int> out;
    for (std::size_t v = 0; v < owner_.size(); ++v)
      if (open_[v] && owner_[v] == slot_ && !in_scope_[v]) out.push_back(static_cast<int>(v));
    return out;
  }

  int new_var(start_kind how, int parent, bool explicit_parent) {
    var_info vi;
    vi.session = session_;
    vi.name = "v" + std::to_string(p_.vars.size());
    vi.how = how;
    vi.parent = parent;
    vi.explicit_parent = explicit_parent;
    p_.vars.push_back(vi);
    owner_.push_back(slot_);
    open_.push_back(true);
    in_scope_.push_back(false);
    return static_cast<int>(p_.vars.size()) - 1;
  }

  void close_var(op& o, int v, bool abandon) {
    o.kind = abandon ? op_kind::abandon : op_kind::end;
    o.var = v;
    o.at = here();
    var_info& vi = p_.vars[static_cast<std::size_t>(v)];
    vi.close = o.at;
    vi.abandoned = abandon;
    open_[static_cast<std::size_t>(v)] = false;
    // The model pops it from the stack of the slot it is active on; from another slot's stack
    // at the end of the phase (that slot runs no implicit operation on it meanwhile).
    bool mine = std::find(me().stack.begin(), me().stack.end(), v) != me().stack.end();
    if (mine) me().stack.erase(std::remove(me().stack.begin(), me().stack.end(), v), me().stack.end());
    else closed_remotely_.push_back(v);
  }

  /// Adds one random operation to `ops` (depth: scope nesting).
  void add_op(std::vector<op>& ops, int depth) {
    if (shape_.with_active_percent > 0 && extra_.chance(static_cast<std::uint32_t>(shape_.with_active_percent)) &&
        add_with_active(ops, depth))
      return;
    op o;
    std::vector<int> mine = held();
    const std::uint32_t roll = r_.below(100);
    // Pick a span this slot holds that it may end: its own active spans any time; a span active
    // on another slot only when that slot was told to leave it alone this phase.
    std::vector<int> closable;
    for (int v : mine) {
      bool active_elsewhere = false;
      for (int k = 0; k < shape_.slots; ++k) {
        const auto& s = slots_[static_cast<std::size_t>(k)].stack;
        if (k != slot_ && std::find(s.begin(), s.end(), v) != s.end()) active_elsewhere = true;
      }
      if (!active_elsewhere || is_remote_closable(v)) closable.push_back(v);
    }
    if (roll < 38) {
      add_start(ops, depth);
      return;
    }
    if (roll < 66 && !closable.empty()) {
      close_var(o, closable[r_.below(static_cast<std::uint32_t>(closable.size()))], r_.chance(12));
    } else if (roll < 76 && !mine.empty()) {
      o.kind = op_kind::attr;
      o.var = mine[r_.below(static_cast<std::uint32_t>(mine.size()))];
      o.at = here();
      p_.vars[static_cast<std::size_t>(o.var)].attrs.push_back(o.at);
    } else if (roll < 84 && (implicit_allowed() || r_.chance(50))) {
      o.kind = op_kind::measure;
      set_active(o);
    } else if (roll < 93 && (implicit_allowed() || r_.chance(70))) {
      o.kind = op_kind::headers;
      set_active(o);
      o.repeat = r_.chance(30) ? 1 + static_cast<int>(r_.below(40)) : 1;
    } else if (roll < 95) {
      o.kind = op_kind::flush;
      o.at = here();
    } else {
      add_churn(ops);
      return;
    }
    ops.push_back(std::move(o));
  }

  /// The active span of a measurement or header read. When another slot may end the span on
  /// top of this slot's stack meanwhile, the read races that end (and the reuse of its block):
  /// the checker then accepts any span of the stack, but still no other transaction's.
  void set_active(op& o) {
    o.active = top();
    o.racy = !implicit_allowed();
    if (o.racy) o.stack = me().stack;
    o.id = p_.op_ids++;
    o.at = here();
  }

  /// A burst of short spans started and ended at once (roots when nothing is active here): the
  /// pool's blocks are reused quickly, while other slots may still hold handles into them.
  void add_churn(std::vector<op>& ops) {
    const bool implicit = implicit_allowed();
    if (!implicit) return;
    const int n = 2 + static_cast<int>(r_.below(10));
    for (int i = 0; i < n; ++i) {
      op s;
      s.kind = op_kind::start;
      s.how = start_kind::inactive;
      s.active = top();
      s.at = here();
      s.var = new_var(s.how, s.active, false);
      p_.vars[static_cast<std::size_t>(s.var)].start = s.at;
      op e;
      close_var(e, s.var, false);
      ops.push_back(std::move(s));
      ops.push_back(std::move(e));
    }
  }

  /// with_active_span(var, body): `var` on top of this slot's stack for the body, never ended by
  /// it (held by nobody in the meantime: the body may not end it), taken off after; or
  /// with_active_span(nullptr, body): no active span (-1 on the model stack). `var` is any span of
  /// this session that an explicit parent could be. False when nothing was added.
  bool add_with_active(std::vector<op>& ops, int depth) {
    if (depth >= 3 || me().pushes >= shape_.max_pushes_per_session ||
        static_cast<int>(me().stack.size()) >= shape_.max_stack)
      return false;
    std::vector<int> targets;
    for (std::size_t v = 0; v < p_.vars.size(); ++v) {
      const position& s = p_.vars[v].start;
      if (s.session == session_ && (s.phase < phase_ || (s.phase == phase_ && s.slot == slot_)))
        targets.push_back(static_cast<int>(v));
    }
    op o;
    o.kind = op_kind::with_active;
    o.var = targets.empty() || extra_.chance(25) ? -1 : targets[extra_.below(static_cast<std::uint32_t>(targets.size()))];
    o.at = here();
    ++me().pushes;
    me().stack.push_back(o.var);
    const bool was_in_scope = o.var >= 0 && in_scope_[static_cast<std::size_t>(o.var)];
    if (o.var >= 0) in_scope_[static_cast<std::size_t>(o.var)] = true;
    const int n = static_cast<int>(r_.below(4));
    for (int i = 0; i < n; ++i) add_op(o.body, depth + 1);
    if (o.var >= 0) in_scope_[static_cast<std::size_t>(o.var)] = was_in_scope;
    // Its entry goes; spans the body left active stay above where it was.
    std::vector<int>& stack = me().stack;
    stack.erase(std::find(stack.rbegin(), stack.rend(), o.var).base() - 1);
    o.body_end = here();
    ops.push_back(std::move(o));
    return true;
  }

  /// A start: root or child, implicit or explicit parent, of each kind.
  void add_start(std::vector<op>& ops, int depth) {
    op o;
    o.kind = op_kind::start;
    const std::uint32_t k = r_.below(100);
    o.how = k < 45 ? start_kind::manual : k < 65 ? start_kind::inactive : k < 83 ? start_kind::scoped_fn : start_kind::scoped_obj;
    if (o.how != start_kind::inactive &&
        (me().pushes >= shape_.max_pushes_per_session || static_cast<int>(me().stack.size()) >= shape_.max_stack))
      o.how = start_kind::inactive;
    if ((o.how == start_kind::scoped_fn || o.how == start_kind::scoped_obj) && depth >= 3) o.how = start_kind::manual;
    // Explicit parent: any span started before this phase (this session or an earlier one), or
    // one this slot started earlier in this phase. Else the active span (when allowed).
    std::vector<int> parents;
    for (std::size_t v = 0; v < p_.vars.size(); ++v) {
      const position& s = p_.vars[v].start;
      if (s.session < session_ || (s.session == session_ && (s.phase < phase_ || (s.phase == phase_ && s.slot == slot_))))
        parents.push_back(static_cast<int>(v));
    }
    // No explicit parent to give and the active span may end meanwhile: start nothing.
    const bool explicit_parent = !parents.empty() && r_.chance(implicit_allowed() ? 30 : 100);
    if (!explicit_parent && !implicit_allowed()) return;
    int parent;
    if (explicit_parent) {
      // Prefer recent spans, so that live parents are common.
      std::uint32_t n = static_cast<std::uint32_t>(parents.size());
      std::uint32_t pick = r_.chance(60) ? n - 1 - r_.below(n < 4 ? n : 4) : r_.below(n);
      parent = parents[pick];
      o.parent = parent;
    } else {
      parent = top();
      o.active = parent;
    }
    o.at = here();
    o.var = new_var(o.how, parent, explicit_parent);
    var_info& vi = p_.vars[static_cast<std::size_t>(o.var)];
    vi.start = o.at;
    if (o.how != start_kind::inactive) {
      ++me().pushes;
      me().stack.push_back(o.var);
    }
    if (o.how == start_kind::scoped_fn || o.how == start_kind::scoped_obj) {
      in_scope_[static_cast<std::size_t>(o.var)] = true;
      const int n = static_cast<int>(r_.below(4));
      for (int i = 0; i < n; ++i) add_op(o.body, depth + 1);
      // Spans started in the body and still held stay open past the scope (manual ones).
      in_scope_[static_cast<std::size_t>(o.var)] = false;
      o.body_end = here();
      p_.vars[static_cast<std::size_t>(o.var)].close = o.body_end;
      open_[static_cast<std::size_t>(o.var)] = false;
      me().stack.erase(std::remove(me().stack.begin(), me().stack.end(), o.var), me().stack.end());
    }
    ops.push_back(std::move(o));
  }

  rng r_;
  rng extra_;  ///< with_active_span draws (shape::with_active_percent)
  shape shape_;
  program p_;
  int session_ = 0, phase_ = 0, slot_ = 0, seq_ = 0;
  std::vector<slot_state> slots_;
  std::vector<int> owner_;
  std::vector<bool> open_;
  std::vector<bool> in_scope_;
  std::vector<int> remote_closable_;
  std::vector<int> closed_remotely_;
};

inline program generate(std::uint64_t seed, const shape& s) { return generator(seed, s).make(); }

// ---- printing ------------------------------------------------------------------------------------

inline const char* to_string(start_kind k) {
  switch (k) {
    case start_kind::manual: return "start_span_manual";
    case start_kind::inactive: return "start_inactive_span";
    case start_kind::scoped_fn: return "start_span(fn)";
    default: return "scoped_span";
  }
}

inline void print_ops(std::FILE* out, const program& p, const std::vector<op>& ops, int indent) {
  for (const op& o : ops) {
    std::fprintf(out, "%*s", indent, "");
    const char* vn = o.var >= 0 ? p.vars[static_cast<std::size_t>(o.var)].name.c_str() : "-";
    switch (o.kind) {
      case op_kind::start:
        if (o.parent >= 0)
          std::fprintf(out, "%s = %s(parent=%s)\n", vn, to_string(o.how), p.vars[static_cast<std::size_t>(o.parent)].name.c_str());
        else
          std::fprintf(out, "%s = %s(active=%s)\n", vn, to_string(o.how),
                       o.active >= 0 ? p.vars[static_cast<std::size_t>(o.active)].name.c_str() : "none");
        if (!o.body.empty() || o.how == start_kind::scoped_fn || o.how == start_kind::scoped_obj) {
          print_ops(out, p, o.body, indent + 2);
          std::fprintf(out, "%*s(%s ends with its scope)\n", indent + 2, "", vn);
        }
        break;
      case op_kind::end: std::fprintf(out, "%s.end()\n", vn); break;
      case op_kind::abandon: std::fprintf(out, "destroy %s without end()\n", vn); break;
      case op_kind::attr: std::fprintf(out, "%s.set_attribute(\"model.var\", \"%s\")\n", vn, vn); break;
      case op_kind::measure: std::fprintf(out, "set_measurement(\"m%d\", %d)  [active: %s%s]\n", o.id, o.id,
                                          o.active >= 0 ? p.vars[static_cast<std::size_t>(o.active)].name.c_str() : "none",
                                          o.racy ? ", racing its end" : ""); break;
      case op_kind::headers: std::fprintf(out, "inject(headers) x%d  [active: %s%s]\n", o.repeat,
                                          o.active >= 0 ? p.vars[static_cast<std::size_t>(o.active)].name.c_str() : "none",
                                          o.racy ? ", racing its end" : ""); break;
      case op_kind::flush: std::fprintf(out, "flush(0)\n"); break;
      case op_kind::with_active:
        std::fprintf(out, "with_active_span(%s)\n", o.var >= 0 ? vn : "nullptr");
        print_ops(out, p, o.body, indent + 2);
        std::fprintf(out, "%*s(the previous active span is back)\n", indent + 2, "");
        break;
    }
  }
}

/// The program as text: what a failing seed prints, so it can be read and rerun.
inline void print_program(std::FILE* out, const program& p) {
  std::fprintf(out, "program (seed %llu, %d slots):\n", static_cast<unsigned long long>(p.seed), p.slots);
  for (std::size_t s = 0; s < p.sessions.size(); ++s) {
    const session_plan& sp = p.sessions[s];
    std::fprintf(out, "session %zu: init(lifecycle=%s, max_spans=%u%s)\n", s, sp.stream ? "stream" : "static", sp.max_spans,
                 sp.on_worker ? ", serialize_on_worker" : "");
    for (std::size_t ph = 0; ph < sp.phases.size(); ++ph) {
      std::fprintf(out, "  phase %zu\n", ph);
      for (std::size_t k = 0; k < sp.phases[ph].slots.size(); ++k) {
        if (sp.phases[ph].slots[k].empty() && !sp.phases[ph].respawn[k]) continue;
        std::fprintf(out, "    slot %zu%s\n", k, sp.phases[ph].respawn[k] ? " (new thread)" : "");
        print_ops(out, p, sp.phases[ph].slots[k], 6);
      }
      if (sp.phases[ph].flush_after) std::fprintf(out, "    main: flush(0)\n");
    }
    std::fprintf(out, "  main: %s\n", sp.explicit_shutdown ? "shutdown()" : "(next init() shuts down)");
  }
}

} // namespace model

#endif // SENTRY_TRACE_TESTS_MODEL_PROGRAM_HPP
