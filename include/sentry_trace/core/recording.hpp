// sentry_trace/core/recording.hpp -- starting spans: roots, recorded children, unrecorded and dropped ones
//
// WHAT IT DOES  start_span_impl and the paths it picks between: a child of an unsampled parent (a
//               counter), a recorded child (a slot in its transaction's block), a root (sampling,
//               a free block), and a dropped child; and set_measurement_impl.

#ifndef SENTRY_TRACE_CORE_RECORDING_HPP
#define SENTRY_TRACE_CORE_RECORDING_HPP

#include "../config.hpp"
#include "scopes.hpp"
#include "incoming.hpp"
#include "claims.hpp"
#include "streaming.hpp"
#include "../protocol/sampling.hpp"
#include "../profiling/profiler_state.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <type_traits>

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {


/// A handle for a span that records nothing, `ref` (made active when asked, so that what starts
/// under it on this thread stays in its trace and is counted with it).
inline span start_unrecorded(const span_ref& ref, bool make_active) noexcept {
  const active_mark at = make_active ? push_active([&](span_ref& active) { active = ref; }) : active_mark{};
  return span(ref, at);
}

/// An unrecorded child of `parent` with `flags`: the parent's ids, active when asked.
inline span start_unrecorded_child(const span_ref& parent, std::uint8_t flags, bool make_active) noexcept {
  if (!make_active) return span(parent, flags);
  span_ref ref = parent;
  ref.flags = flags;
  return start_unrecorded(ref, true);
}

/// The reference of a dropped span in `parent`'s trace, of this run: what starts under it is
/// dropped too (why_dropped), never promoted to a new transaction.
inline span_ref dropped_ref(const span_ref& parent) noexcept {
  span_ref ref = parent;
  ref.epoch = g_tracer.epoch;
  ref.links = 0;
  ref.flags = static_cast<std::uint8_t>(span_ref::valid | ref_dropped | (parent.flags & (span_ref::sampled | span_ref::deferred)));
  return ref;
}

/// A child of `parent` that is dropped because its transaction is gone (or `parent` was itself
/// dropped), counted as no_parent_span. It keeps the parent's trace and stands in the stack, so
/// that spans started under it are dropped with it, never promoted to new transactions.
SENTRY_TRACE_DETAIL_COLD inline span start_dropped_child(const span_ref& parent, bool make_active, log_text why) noexcept {
  g_outcomes.record(discard_reason::no_parent_span, data_category::span);
  log_line(log_level::debug, why);
  const span_ref ref = dropped_ref(parent);
  return make_active ? start_unrecorded(ref, true) : span(ref, ref.flags);
}

/// Records span_options::attributes on a span that has just been claimed.
inline void apply_attributes(transaction_block& b, std::uint32_t slot, const span_options& o) noexcept {
  b.set_new_attributes(slot, o.start_attributes(), o.name);
}

/// A span's given start_time (span_options): clamped to now when after it, and counted. The
/// record holds it as monotonic nanoseconds (start_given), converted apart from tick readings
/// when the transaction is written.
SENTRY_TRACE_DETAIL_COLD inline void set_given_start(span_record& r, span_time at) noexcept {
  const std::uint64_t now = g_tracer.now_ns();
  if (at.ns > now) {
    g_outcomes.timestamps_clamped.fetch_add(1, order_relaxed);
    log_line(log_level::debug, "span start_time is after now: started now instead");
    at.ns = now;
  }
  r.start_ticks = at.ns;
  r.end_ticks = at.ns;
  r.given_times = start_given;
}

/// A span's given end (span::end(at)): clamped to its start when before it, and counted. A
/// start read from the span clock is converted to nanoseconds first (through a pair read now,
/// so only the span's own duration carries the rate's error), and both are kept as given.
SENTRY_TRACE_DETAIL_COLD inline void set_given_end(span_record& r, std::uint64_t at_ns) noexcept {
  const std::uint64_t start_ns = (r.given_times & start_given) ? r.start_ticks : g_tracer.tick_to_mono_ns(r.start_ticks);
  if (at_ns < start_ns) {
    g_outcomes.timestamps_clamped.fetch_add(1, order_relaxed);
    log_line(log_level::debug, "span end time is before its start: ended at its start instead");
    at_ns = start_ns;
  }
  r.start_ticks = start_ns;
  r.end_ticks = at_ns;
  r.given_times = start_given | end_given;
}

/// Starts a recording child of `parent` in its block. Split from start_span_slow so that the
/// parent is read in place and the handle is written once, field by field.
inline span start_recording_child(const span_options& o, const span_ref& parent, bool make_active) noexcept {
  tracer& t = g_tracer;
  transaction_block* bp = &t.mem->blocks[parent.block];
  std::uint16_t block_index = parent.block;
  std::uint32_t generation = parent.generation;
  // A child in its parent's block has the parent's segment link (both in one continuation).
  std::uint8_t links = parent.links & ref_segment_link;
  std::uint16_t segment_block = parent.segment_block;
  std::uint32_t segment_generation = parent.segment_generation;
  std::int32_t slot = bp->claim_child(generation);
  if (SENTRY_TRACE_STREAMING && slot <= 0) {
    // Full, retired or gone. Whether the block streams is read under a claim: without one it
    // may be freed and reused by now. Streaming: a full block, or a retired (or already sent)
    // continuation whose segment is still open, sends this span on to the segment's current
    // continuation.
    const block_pin held(*bp, generation);
    bool to_segment = false;
    if (held && held->stream && (slot == 0 || held->is_continuation)) {
      to_segment = true;
      segment_block = held->is_continuation ? held->segment_block : parent.block;
      segment_generation = held->is_continuation ? held->segment_generation : parent.generation;
    } else if (!held && (parent.links & ref_segment_link)) {
      to_segment = true;
      segment_block = parent.segment_block;
      segment_generation = parent.segment_generation;
    } else if (!held) {
      slot = -1;
    }
    if (to_segment) {
      const continuation_claim c = claim_in_continuation(segment_block, segment_generation);
      slot = c.slot;
      if (c.slot > 0) {
        bp = &t.mem->blocks[c.index];
        block_index = c.index;
        generation = c.generation;
        links = ref_segment_link;
      }
    }
  }
  if (slot < 0) return start_dropped_child(parent, make_active, "span dropped: its parent's transaction has already ended");
  const auto flags = static_cast<std::uint8_t>(parent.flags & ~ref_root);
  if (slot == 0) {
    g_outcomes.record(discard_reason::buffer_overflow, data_category::span);
    log_line(log_level::debug, "span dropped: max_spans reached for this transaction");
    span_ref over = parent;
    over.flags = static_cast<std::uint8_t>((flags & ~span_ref::recording) | ref_overflow);
    over.links = ref_in_block;  // not recorded, but part of this transaction (measurements, headers)
    return start_unrecorded_child(over, over.flags, make_active);
  }
  transaction_block& b = *bp;
  const std::uint64_t now = t.span_now();
  const span_id id = new_span_id();
  span_record& r = b.init_slot(static_cast<std::uint32_t>(slot), id, parent.id, now);
  if (o.start_time.ns) set_given_start(r, o.start_time);
  b.copy_names(r, o);
  if (o.attributes.data()) apply_attributes(b, static_cast<std::uint32_t>(slot), o);
  r.state.store(slot_started, order_release);
  const active_mark at = make_active ? push_active([&](span_ref& active) {
    active.trace = parent.trace;
    active.id = id;
    active.generation = generation;
    active.block = block_index;
    active.slot = static_cast<std::uint16_t>(slot);
    active.epoch = parent.epoch;
    active.flags = flags;
    active.links = links;
    active.segment_block = segment_block;
    active.segment_generation = segment_generation;
  }) : active_mark{};
  return span(parent.trace, id, generation, block_index, static_cast<std::uint16_t>(slot), parent.epoch, flags,
              links, segment_block, segment_generation, at);
}

/// Counts a non-recording transaction when its root starts, as @sentry/core's _startRootSpan
/// records its sample_rate drop: the transaction and its root span, whether it is ever ended or
/// not (its children are counted as they start, or as they leave their threads' stacks).
inline void count_unrecorded_root(const span_ref& ref) noexcept {
  count_unrecorded(ref.flags, data_category::transaction, 1);
  count_unrecorded_spans(ref.flags, 1);
}

inline transaction_block* block_of(const span_ref& ref) noexcept {
  tracer& t = g_tracer;
  if (!t.enabled || ref.epoch != t.epoch || !ref.is_recording()) return nullptr;
  transaction_block& b = t.mem->blocks[ref.block];
  if (b.generation() != (ref.generation & 0x1fffffffu)) return nullptr;
  return &b;
}

/// The record of a live recording span, or nullptr (stale, ended, or not recording). Only for
/// the span's own handle: the span's open count keeps the block from being freed meanwhile.
inline span_record* record_of(const span_ref& ref, transaction_block*& block) noexcept {
  block = block_of(ref);
  if (!block) return nullptr;
  span_record& r = block->spans[ref.slot];
  if (r.state.load(order_relaxed) != slot_started || r.id != ref.id) return nullptr;
  return &r;
}

/// Where a new transaction's trace comes from: a forced transaction's parent (it keeps the
/// parent's trace, decision and DSC, as @sentry/core's forceTransaction), continue_trace's
/// scope, or nothing (a new trace).
struct root_origin {
  const span_ref* forced_parent = nullptr;
  incoming_context* incoming = nullptr;
  /// `incoming`'s trace is continued (never under a forced parent). Set once by start_root, a
  /// value rather than a call: where no continue_trace() is linked in, `incoming` is known
  /// null, and with it every continuation path folds away.
  bool continued = false;
};

/// Decides whether the new root `root` is sampled; sets its sampling fields.
inline sampling_decision decide_root(const span_options& o, const root_origin& from, span_ref& root) noexcept {
  tracer& t = g_tracer;
  incoming_context* in = from.incoming;
  const span_ref* fp = from.forced_parent;
  // A compile-time policy (SENTRY_TRACE_SAMPLING) traces whatever the options say.
  const bool tracing = sampling_policy != sampling_policy_kind::runtime || t.sampler || non_negative(t.traces_sample_rate);
  sampling_decision d;
  const parent_decision inherited = !fp ? parent_decision::none
                                    : (fp->flags & span_ref::deferred) ? parent_decision::none
                                    : (fp->flags & span_ref::sampled)  ? parent_decision::sampled
                                                                       : parent_decision::not_sampled;
  if (tracing) {
    sampling_context ctx = root_sampling_context(o);
    if (fp) {
      ctx.parent_sampled = inherited;
      if (fp->links & ref_rate_known) ctx.parent_sample_rate = micros_to_double(fp->sample_rate_ppm);
    } else if (from.continued) {
      ctx.parent_sampled = in->parent.sampled;
      ctx.parent_sample_rate = in->parent_sample_rate;
    }
    d = sample(t.sampler, t.traces_sample_rate, ctx, root.sample_rand_micros);
    if (d.rate_invalid) log_line(log_level::debug, "transaction not sampled: the sample rate is outside [0, 1] or NaN");
    if (d.sampler_threw) log_line(log_level::debug, "traces_sampler threw: the parent's decision or traces_sample_rate decides");
    if (d.sample_rate_known) {
      root.sample_rate_ppm = rate_to_micros(d.sample_rate);
      root.links |= ref_rate_known;
    }
    // This service decided a deferred trace: say with which rate, as @sentry/core does.
    if (from.continued && in->parent.sampled == parent_decision::none && d.sample_rate_known &&
        !in->had_sample_rate && in->added_rate_len == 0)
      in->added_rate_len = static_cast<std::uint8_t>(format_double(in->added_rate, d.sample_rate));
  } else if (from.continued || fp) {
    // Tracing off: record nothing, but hand the caller's decision on unchanged.
    const parent_decision p = fp ? inherited : in->parent.sampled;
    if (p == parent_decision::sampled) root.flags |= span_ref::sampled;
    else if (p == parent_decision::none) root.flags |= span_ref::deferred;
    root.flags |= ref_unrecorded_by_choice;
    if (fp) {
      root.sample_rate_ppm = fp->sample_rate_ppm;
      root.links |= fp->links & ref_rate_known;
    }
  } else {
    root.flags |= span_ref::deferred;
  }
  if (d.sampled) root.flags |= span_ref::sampled;
  return d;
}

/// Claims a free block for a new transaction, starting at the hint; nullptr when all are in use.
inline transaction_block* claim_free_block(std::uint16_t& index) noexcept {
  tracer& t = g_tracer;
  const std::uint32_t n = SENTRY_TRACE_MAX_TRANSACTIONS;
  const std::uint32_t hint = t.block_hint.load(order_relaxed);
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::uint32_t at = (hint + i) % n;
    if (t.mem->blocks[at].try_claim()) {
      index = static_cast<std::uint16_t>(at);
      t.block_hint.store(at + 1, order_relaxed);
      return &t.mem->blocks[at];
    }
  }
  return nullptr;
}

/// Sets up the claimed block `b` for the new root `root` and records the root in slot 0.
inline void open_transaction(transaction_block& b, const span_options& o, const root_origin& from, const span_ref& root,
                             const sampling_decision& d) noexcept {
  tracer& t = g_tracer;
  incoming_context* in = from.incoming;
  b.reset_contents();
  b.trace = root.trace;
  b.parent_of_root = from.forced_parent ? from.forced_parent->id : from.continued ? in->parent.parent : span_id{};
  b.sample_rate = d.sample_rate;
  b.sample_rate_known = d.sample_rate_known;
  b.sample_rand_micros = root.sample_rand_micros;
  b.source = o.source;
  b.max_children.store(t.max_spans, order_relaxed);
  b.dsc_state.store(dsc_open, order_relaxed);
  b.stream = t.stream;
  b.is_continuation = false;
  b.segment_id = root.id;
  b.continuation.store(0, order_relaxed);
  b.continued = from.continued;
  if (from.continued) {
    load_incoming_baggage(*in, b.dsc);
  } else if (from.forced_parent) {
    b.dsc.clear();
    // The parent's DSC, frozen: a forced transaction stays in its parent's trace.
    if (block_pin parent{*from.forced_parent}) {
      freeze_head_dsc(*parent.get());
      b.dsc = parent->dsc;
      b.continued = true;
    }
  } else {
    load_third_party_baggage(in, b.dsc);
  }
  span_record& r = b.init_slot(0, root.id, b.parent_of_root, t.span_now());
  if (o.start_time.ns) set_given_start(r, o.start_time);
  b.copy_names(r, o);
  if (o.attributes.data()) apply_attributes(b, 0, o);
  profile_root_opened(b, o);
  r.state.store(slot_started, order_release);
}

/// Starts a transaction: the continuation of an incoming trace inside continue_trace(), a
/// forced transaction under `forced_parent`, or the head of a new trace.
inline span start_root(const span_options& o, const span_ref* forced_parent, bool make_active) noexcept {
  tracer& t = g_tracer;
  root_origin from;
  from.forced_parent = forced_parent;
  from.incoming = tl_incoming;
  from.continued = !forced_parent && from.incoming && from.incoming->continued;
  // continue_trace's trace, or start_new_trace's (its roots share one trace, as @sentry/core's
  // share the scope's propagation context); else each root starts a trace of its own.
  const incoming_context* scope_trace = !forced_parent && from.incoming && from.incoming->has_trace() ? from.incoming : nullptr;
  span_ref root;
  root.trace = forced_parent ? forced_parent->trace : scope_trace ? scope_trace->parent.trace : new_trace_id();
  root.id = new_span_id();
  root.epoch = t.epoch;
  root.flags = span_ref::valid | ref_root;
  root.sample_rand_micros = forced_parent ? forced_parent->sample_rand_micros
                            : scope_trace ? scope_trace->sample_rand_micros
                                          : new_sample_rand();
  const sampling_decision d = decide_root(o, from, root);
  if (from.continued || (forced_parent && (forced_parent->links & ref_continued))) root.links |= ref_continued;
  transaction_block* b = nullptr;
  if (d.sampled) {
    b = claim_free_block(root.block);
    if (!b) {
      root.flags |= ref_overflow;
      log_line(log_level::debug, "transaction not recorded: SENTRY_TRACE_MAX_TRANSACTIONS are in flight");
    }
  }
  if (b) {
    root.flags |= span_ref::recording;
    root.generation = b->generation();
    open_transaction(*b, o, from, root, d);
  } else {
    count_unrecorded_root(root);
  }
  // A non-recording root is made active too (even as an inactive span it must not count as
  // recorded), so that its children know they belong to an unsampled trace.
  const active_mark at = make_active ? push_active([&](span_ref& active) { active = root; }) : active_mark{};
  return span(root, at);
}

/// True while the transaction `ref` belongs to takes children: its root has not ended.
inline bool transaction_open(const span_ref& ref) noexcept {
  const block_pin b(ref);
  return b && !control::is_closing(b->control_word.load(order_acquire));
}

/// The parent of a new span: its explicit parent, else this thread's active span (`entry` then
/// names its stack entry), else nullptr (the span is a transaction).
inline const span_ref* parent_of(const span_options& o, stack_entry*& entry) noexcept {
  entry = nullptr;
  if (o.parent.is_valid()) return &o.parent;
  entry = current_entry();
  return entry ? &entry->ref : nullptr;
}

/// Why a child of `parent` must be dropped, or nullptr: an explicit parent from before the last
/// init(), or a parent that was itself dropped. (An active entry is always of this run.)
inline const char* why_dropped(const span_ref& parent) noexcept {
  if (parent.epoch != g_tracer.epoch) return "span dropped: its explicit parent is from before the last init()";
  if (parent.flags & ref_dropped) return "span dropped: its parent was dropped";
  return nullptr;
}

/// A child of a parent that records nothing: counted (on the parent's entry when it is this
/// thread's active span, so the count follows the entry), with the parent's ids. A parent over
/// max_spans whose root has ended since has no transaction left to belong to: dropped.
inline span start_unrecorded_under(const span_ref& parent, stack_entry* entry, bool make_active) noexcept {
  if ((parent.links & ref_in_block) && !transaction_open(parent))
    return start_dropped_child(parent, make_active, "span dropped: its parent's transaction has already ended");
  if (entry) ++entry->unrecorded_children;
  else count_unrecorded_spans(parent.flags, 1);
  return start_unrecorded_child(parent, static_cast<std::uint8_t>(parent.flags & ~ref_root), make_active);
}

/// A span started inside suppress_tracing(): it records nothing and is counted nowhere (as with
/// tracing off by choice: nothing was meant to be sent), keeps its parent's ids (a fresh trace
/// with none), and stands in the stack so that what starts under it is suppressed too.
SENTRY_TRACE_DETAIL_COLD inline span start_suppressed(const span_ref* parent, bool make_active) noexcept {
  span_ref ref;
  if (parent) {
    ref.trace = parent->trace;
    ref.id = parent->id;
  } else {
    ref.trace = new_trace_id();
    ref.id = new_span_id();
  }
  ref.epoch = g_tracer.epoch;
  ref.flags = span_ref::valid | ref_unrecorded_by_choice;
  return make_active ? start_unrecorded(ref, true) : span(ref, ref.flags);
}

/// Starts a span under its explicit parent, this thread's active span, or as a transaction, in
/// named steps: find the parent; drop the span if that parent is stale or dropped; start a
/// forced transaction, a recorded child, or an unrecorded one.
inline span start_span_slow(const span_options& o, bool make_active) noexcept {
  stack_entry* entry;
  const span_ref* parent = parent_of(o, entry);
  if (tracing_suppressed()) return start_suppressed(parent, make_active);
  if (!parent) return start_root(o, nullptr, make_active);
  if (const char* why = why_dropped(*parent)) return start_dropped_child(*parent, make_active, why);
  if (o.force_transaction) return start_root(o, parent, make_active);
  if (parent->is_recording()) return start_recording_child(o, *parent, make_active);
  return start_unrecorded_under(*parent, entry, make_active);
}

/// The span path's front: when this thread's active span belongs to an unsampled trace, a
/// child is a counter increment and a copy of the parent's ids (no clock, no slot).
/// Under SENTRY_TRACE_SAMPLING_NEVER it returns an empty handle at once, so the span path folds away.
#ifdef SENTRY_TRACE_IMPLEMENTATION
span start_span_impl(const span_options& o, bool make_active) noexcept {
  if constexpr (sampling_policy == sampling_policy_kind::never) return span{};
  const tracer& t = g_tracer;
  if (!t.enabled) return span{};
  if (!o.parent.is_valid() && !o.force_transaction) {
    thread_scope* s = tl_scope;
    if (s && s->depth > 0 && s->suppressed == 0) {
      stack_entry& e = s->entries[s->depth - 1];
      // (An entry that names no span has ref_in_block set: no_span_entry_ref.)
      if ((e.ref.flags & (span_ref::recording | ref_dropped)) == 0 && (e.ref.links & ref_in_block) == 0 && e.ref.epoch == t.epoch &&
          e.token.load(order_relaxed) != 0) {
        ++e.unrecorded_children;
        return start_unrecorded_child(e.ref, static_cast<std::uint8_t>(e.ref.flags & ~ref_root), make_active);
      }
      // A live recording top entry of this run that was not dropped is the parent that
      // start_span_slow would find (current_entry() stops at it; why_dropped() passes it).
      if ((e.ref.flags & (span_ref::recording | ref_dropped)) == span_ref::recording && e.ref.epoch == t.epoch &&
          e.token.load(order_acquire) != 0)
        return start_recording_child(o, e.ref, make_active);
    }
  }
  return start_span_slow(o, make_active);
}
#endif // SENTRY_TRACE_IMPLEMENTATION

/// Measurement names are cut at this many bytes.
constexpr std::size_t max_measurement_name = 200;

/// Sets a measurement on the transaction of this thread's active span. The block is claimed
/// while it is written, so a transaction ended (and its block reused) meanwhile on another
/// thread is never written.
inline void set_measurement_impl(std::string_view name, double value, std::string_view unit) noexcept {
  stack_entry* e = current_entry();
  block_pin b = e ? block_pin(e->ref) : block_pin();
  if (!b || control::is_closing(b->control_word.load(order_acquire)) || !(value == value) || value - value != 0.0) {
    // No transaction, one whose root has ended, NaN, or infinite.
    g_outcomes.measurements_dropped.fetch_add(1, order_relaxed);
    log_line(log_level::debug, "measurement dropped: no active sampled transaction, or a non-finite value: ", name);
    return;
  }
  // Relay: a custom unit is ASCII of at most 15 bytes; anything else falls back to "none".
  bool unit_ok = unit.size() <= 15;
  for (char c : unit) unit_ok = unit_ok && static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
  if (!unit_ok) {
    log_line(log_level::debug, "measurement unit is not ASCII of at most 15 bytes; written as \"none\": ", name);
    unit = "none";
  }
  std::uint32_t used = b->measurements_used.load(order_acquire);
  const bool name_plain = transaction_block::key_is_plain(name, max_measurement_name);
  for (std::uint32_t i = 0; i < used && i < SENTRY_TRACE_MAX_MEASUREMENTS; ++i) {
    measurement_record& m = b->measurements[i];
    if (m.ready.load(order_acquire) == 1 && b->key_equals(m.name, name, max_measurement_name, name_plain)) {
      m.set(value, b->copy(unit, 15));
      return;
    }
  }
  // The name is kept as it is written (cut, invalid UTF-8 replaced) so that two names written
  // alike are one measurement; one the arena cannot hold whole is dropped.
  arena_str stored;
  if (!b->copy_key(name, max_measurement_name, stored)) {
    g_outcomes.measurements_dropped.fetch_add(1, order_relaxed);
    log_line(log_level::debug, "measurement dropped: the string arena is full: ", name);
    return;
  }
  std::uint32_t index = b->measurements_used.fetch_add(1, order_acq_rel);
  if (index >= SENTRY_TRACE_MAX_MEASUREMENTS) {
    g_outcomes.measurements_dropped.fetch_add(1, order_relaxed);
    log_line(log_level::debug, "measurement dropped: SENTRY_TRACE_MAX_MEASUREMENTS reached: ", name);
    return;
  }
  measurement_record& m = b->measurements[index];
  m.name = stored;
  m.set(value, b->copy(unit, 15));
  m.ready.store(1, order_release);
}

}  // namespace detail

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_CORE_RECORDING_HPP
