// sentry_trace/runtime/distributed.hpp -- continuing traces, handing them on, errors linked to them
//
// WHAT IT DOES  continue_trace() makes the transactions started in its callback continue the
//               caller's trace (trace id, parent span id, sampling decision, sample_rand and the
//               frozen dynamic sampling context); get_trace_headers() gives the `sentry-trace`,
//               `baggage` and `traceparent` values for the active span (get_trace_headers(span_ref)
//               for any span, e.g. a parent handed to a worker thread); inject()/extract() do
//               both through any key-value carrier; capture_exception()/capture_message() send
//               an error event whose `contexts.trace` is the active span's, so Sentry shows the
//               error inside the trace.
// STEP BY STEP  st::continue_trace(req.header("sentry-trace"), req.header("baggage"), [&] {
//                 st::start_span({"GET /orders/:id", "http.server"}, [&](st::span&) {
//                   st::trace_headers h = st::get_trace_headers();
//                   out.set("sentry-trace", h.sentry_trace);
//                   out.set("baggage", h.baggage);
//                 });
//               });
// DOES NOT      allocate, or put more than 2 KiB on the stack (tests/stack/stack_use.cpp checks
//               get_trace_headers(), inject() and continue_trace()). trace_headers holds
//               sentry-trace and traceparent (about 130 bytes); the baggage value (up to
//               SENTRY_TRACE_MAX_BAGGAGE bytes) is written into a buffer of the calling thread.
//               continue_trace keeps the caller's baggage text and parses it where it is used.
// RAM           per thread that propagates: SENTRY_TRACE_MAX_BAGGAGE + sizeof(baggage) + 64 bytes
//               of thread-local storage (about 17.5 KiB with the defaults).
// ERRORS        A missing or malformed sentry-trace (and traceparent) starts a new trace; debug
//               mode logs why. Baggage members that are malformed, hostile (control characters)
//               or over the W3C limits are dropped; the rest is kept.
// SPEC          https://develop.sentry.dev/sdk/foundations/trace-propagation/

#ifndef SENTRY_TRACE_RUNTIME_DISTRIBUTED_HPP
#define SENTRY_TRACE_RUNTIME_DISTRIBUTED_HPP

#include "../config.hpp"
#include "../face/distributed.hpp"
#include "../protocol/envelope.hpp"
#include "../protocol/events.hpp"
#include "../protocol/propagation.hpp"
#include "../protocol/type_name.hpp"
#include "../profiling/event_stack.hpp"
#include "../profiling/sampler.hpp"
#include "lifecycle.hpp"
#include "../core/span_members.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <new>
#include <utility>
#if SENTRY_TRACE_EXCEPTIONS
#  include <exception>
#endif
#if defined(__cpp_rtti) || defined(__GXX_RTTI) || defined(_CPPRTTI)
#  include <typeinfo>
#  define SENTRY_TRACE_DETAIL_RTTI 1
#else
#  define SENTRY_TRACE_DETAIL_RTTI 0
#endif

SENTRY_TRACE_DETAIL_BEGIN

// ------------------------------------------------------------------------------------------------
namespace detail {


/// Parses the incoming headers into `in` (PROTOCOL.md §7-§9): a new trace unless sentry-trace
/// (or traceparent) is valid and the org ids agree; sample_rand taken from the baggage, else
/// drawn consistently with the incoming rate and decision, else uniformly, and added to the
/// frozen DSC when it was missing.
inline void parse_incoming(std::string_view sentry_trace, std::string_view baggage_value, std::string_view traceparent,
                           incoming_context& in) noexcept {
  const tracer& t = g_tracer;
  in.baggage_text = baggage_value;
  propagation_scratch* scratch = this_thread_scratch();
  baggage* bag = scratch ? &scratch->bag() : nullptr;
  if (bag) {
    bag->clear();
    bag->parse(baggage_value);
    scratch->bag_parse_of = &in;  // until the bag is next written (load_incoming_baggage copies it)
  } else if (!baggage_value.empty()) {
    log_line(log_level::warning, "continue_trace: no stack scope is free (SENTRY_TRACE_MAX_THREADS): the baggage is not read");
  }
  auto member = [bag](std::string_view key) { return bag ? bag->sentry(key) : std::string_view(); };
  bool ok = parse_sentry_trace(sentry_trace, in.parent);
  if (!ok && !sentry_trace.empty()) log_line(log_level::debug, "continue_trace: malformed sentry-trace, starting a new trace: ", sentry_trace);
  if (!ok && !traceparent.empty()) {
    ok = parse_traceparent(traceparent, in.parent);
    if (!ok) log_line(log_level::debug, "continue_trace: malformed traceparent, starting a new trace: ", traceparent);
  }
  const std::string_view their_org = member("org_id");
  const std::string_view our_org = t.org_id;
  if (ok && !their_org.empty() && !our_org.empty() && their_org != our_org) {
    log_line(log_level::debug, "continue_trace: the caller's org_id differs from ours, starting a new trace");
    ok = false;
  }
  in.continued = ok;
  if (!ok) return;
  in.had_sample_rate = !member("sample_rate").empty();
  double rate = -1.0;
  if (detail::parse_decimal(member("sample_rate"), rate) && valid_rate(rate)) in.parent_sample_rate = rate;
  if (parse_sample_rand(member("sample_rand"), in.sample_rand_micros)) return;
  if (in.parent_sample_rate >= 0.0 && in.parent.sampled != parent_decision::none)
    in.sample_rand_micros = sample_rand_within(in.parent_sample_rate, in.parent.sampled == parent_decision::sampled);
  else
    in.sample_rand_micros = new_sample_rand();
  in.added_rand_len = static_cast<std::uint8_t>(format_micros_fraction(in.added_rand, in.sample_rand_micros));
}


/// Each thread's own trace id for work outside any span or continue_trace (as the SDKs'
/// propagation context): stable, so errors and outgoing calls of one thread share it.
inline SENTRY_TRACE_DETAIL_THREAD_LOCAL trace_id tl_thread_trace{};
inline SENTRY_TRACE_DETAIL_THREAD_LOCAL std::uint32_t tl_thread_rand = 0;
inline const trace_id& thread_trace() noexcept {
  if (tl_thread_trace.is_zero()) {
    tl_thread_trace = new_trace_id();
    tl_thread_rand = new_sample_rand();
  }
  return tl_thread_trace;
}

/// Where the trace of "now" comes from: the active span, continue_trace's scope, or the thread.
struct current_trace {
  trace_id trace;
  span_id span;                     ///< the active span, or a fresh id (no span)
  span_id parent;                   ///< the active span's parent when known
  parent_decision sampled = parent_decision::none;
  /// The recording transaction, if any, claimed while this value lives: another thread may end
  /// it meanwhile, but its block is not reused until the claim is given back.
  block_pin block;
  span_ref ref{};                   ///< the active span, if any
  std::string_view op;
  /// The DSC of an explicit span's trace is not at hand (get_trace_headers(span_ref)): its
  /// transaction has been sent since, or its trace came in through a continue_trace() scope
  /// that is not this thread's. No baggage is made up for it.
  bool dsc_unknown = false;
  std::uint32_t sample_rand_micros = 0;  ///< for a head DSC made without a block
};

/// The trace of the span `ref` (this thread's or any other's): its ids and decision, and its
/// transaction, claimed while the value lives, when that is still in its block.
inline current_trace resolve_span(const span_ref& ref) noexcept {
  current_trace c;
  c.ref = ref;
  c.trace = ref.trace;
  c.span = ref.id;
  c.sample_rand_micros = ref.sample_rand_micros;
  c.sampled = (ref.flags & span_ref::deferred) ? parent_decision::none
              : (ref.flags & span_ref::sampled) ? parent_decision::sampled
                                                : parent_decision::not_sampled;
  if (block_pin b{ref}) {
    const span_record& r = b->spans[ref.slot];
    c.parent = r.parent;
    c.op = b->str(r.op);  // in the block's arena: valid while the claim is held
    c.block = static_cast<block_pin&&>(b);
  }
  return c;
}

inline current_trace resolve_current() noexcept {
  stack_entry* e = g_tracer.enabled ? current_entry() : nullptr;
  if (e) return resolve_span(e->ref);
  current_trace c;
  incoming_context* in = tl_incoming;
  if (in && in->has_trace()) {  // continue_trace's, or start_new_trace's (no parent, no decision)
    c.trace = in->parent.trace;
    c.span = new_span_id();
    c.parent = in->parent.parent;
    c.sampled = in->parent.sampled;
    c.sample_rand_micros = in->sample_rand_micros;
  } else {
    c.trace = thread_trace();
    c.span = new_span_id();
    c.sample_rand_micros = tl_thread_rand;
  }
  return c;
}

/// The rate that decided a span reference's trace, when it records one (ref_rate_known).
inline bool span_ref_rate(const span_ref& ref, double& rate) noexcept {
  if (!ref.is_valid() || !(ref.links & ref_rate_known)) return false;
  rate = micros_to_double(ref.sample_rate_ppm);
  return true;
}

/// Calls emit(key, value) for each Sentry member of the head DSC of `c` when its trace was
/// started here but has no transaction block (an unrecorded root, or no span at all): no name,
/// and the rate and sample_rand of the thread's span reference, or, with none, of
/// start_new_trace's scope or of the thread. Nothing without a DSN (Relay needs the public key).
/// A trace with a block freezes the block's DSC instead (freeze_head_dsc).
template <class Emit>
void for_each_blockless_head_dsc(const current_trace& c, const envelope_context& ctx, Emit&& emit) noexcept {
  if (ctx.public_key.empty()) return;
  double rate = 0.0;
  const bool rate_known = span_ref_rate(c.ref, rate);
  for_each_head_dsc(c.trace, {}, transaction_source::custom, rate_known, rate, c.sample_rand_micros, c.sampled, ctx, emit);
}

/// Writes the head DSC of a blockless `c` (for_each_blockless_head_dsc) through `w`, keeping
/// what baggage::set_sentry() would keep of it in an empty baggage: valid members, within
/// SENTRY_TRACE_MAX_DSC bytes of keys and values (the keys are distinct, so none replaces
/// another). The same value as set_sentry() for each and write_header(), without the copy.
inline void write_head_dsc_members(baggage_writer& w, const current_trace& c) noexcept {
  std::size_t dsc_bytes = 0;
  for_each_blockless_head_dsc(c, make_dsc_context(), [&](std::string_view k, std::string_view v) {
    // A member past the budget is not kept, valid or not; one kept counts, written or not.
    if (k.size() + v.size() > SENTRY_TRACE_MAX_DSC - dsc_bytes) return;
    if (w.checked_sentry_member(k, v) != baggage_writer::refused) dsc_bytes += k.size() + v.size();
  });
}

/// The frozen DSC of `b` (claimed by the caller, so it holds its transaction meanwhile) as a
/// baggage value in `out`: written once per thread and transaction, not once per request.
inline std::string_view write_block_baggage(propagation_scratch& out, const transaction_block& b) noexcept {
  const std::uint32_t generation = b.generation();
  const std::uint16_t epoch = g_tracer.epoch;
  if (out.header_kind != propagation_scratch::header_block_dsc || out.header_of_block != &b ||
      out.header_generation != generation || out.header_epoch != epoch) {
    out.header_length = static_cast<std::uint32_t>(b.dsc.write_header(out.header, sizeof(out.header)));
    out.header_kind = propagation_scratch::header_block_dsc;
    out.header_of_block = &b;
    out.header_generation = generation;
    out.header_epoch = epoch;
  }
  return std::string_view(out.header, out.header_length);
}

/// The head DSC of `c`, a trace without a block and without a caller's members to pass on, as a
/// baggage value in `out`: written again only when its inputs (the trace's ids, decision, rate
/// and sample_rand, the run's options) differ from the last one's.
inline std::string_view write_head_baggage(propagation_scratch& out, const current_trace& c) noexcept {
  double rate = 0.0;
  const bool rate_known = span_ref_rate(c.ref, rate);
  const std::uint32_t rate_ppm = rate_known ? c.ref.sample_rate_ppm : 0;
  const std::uint16_t epoch = g_tracer.epoch;
  const auto decision = static_cast<std::uint8_t>(c.sampled);
  if (out.header_kind != propagation_scratch::header_head_dsc || out.header_trace != c.trace ||
      out.header_rand != c.sample_rand_micros || out.header_decision != decision ||
      out.header_rate_known != rate_known || out.header_rate_ppm != rate_ppm || out.header_epoch != epoch) {
    baggage_writer w(out.header, sizeof(out.header));
    write_head_dsc_members(w, c);
    out.header_length = static_cast<std::uint32_t>(w.size());
    out.header_kind = propagation_scratch::header_head_dsc;
    out.header_trace = c.trace;
    out.header_rand = c.sample_rand_micros;
    out.header_decision = decision;
    out.header_rate_known = rate_known;
    out.header_rate_ppm = rate_ppm;
    out.header_epoch = epoch;
  }
  return std::string_view(out.header, out.header_length);
}

/// The DSC to propagate for `c`, written as a baggage value into the thread's scratch.
inline std::string_view write_baggage(const current_trace& c) noexcept {
  incoming_context* in = tl_incoming;
  propagation_scratch* scratch = this_thread_scratch();
  if (!scratch) {
    log_line(log_level::warning, "get_trace_headers: no stack scope is free (SENTRY_TRACE_MAX_THREADS): no baggage");
    return {};
  }
  propagation_scratch& out = *scratch;
  if (c.dsc_unknown) return {};
  if (c.block) {
    freeze_head_dsc(*c.block.get());
    return write_block_baggage(out, *c.block.get());
  }
  const bool continued_here = in && in->continued && in->parent.trace == c.trace;
  const bool callers_members = in && !in->baggage_text.empty();
  // An unrecorded root of a trace started here, or no span at all: a head DSC made now.
  if (!continued_here && !callers_members) return write_head_baggage(out, c);
  out.header_kind = propagation_scratch::header_other;  // what is written below is not kept
  std::size_t n = 0;
  if (continued_here) {
    baggage& b = out.bag();
    load_incoming_baggage(*in, b);
    n = b.write_header(out.header, sizeof(out.header));
  } else {
    // The head DSC, written straight out, then the caller's third-party members.
    baggage_writer w(out.header, sizeof(out.header));
    write_head_dsc_members(w, c);
    baggage& b = out.bag();
    load_third_party_baggage(in, b);
    b.write_third_party(w);
    n = w.size();
  }
  return std::string_view(out.header, n);
}

/// The DSC object for an event's envelope header (the event writer has written the key; writing
/// nothing leaves it out).
inline void write_event_dsc(json_writer& w, void* user) noexcept {
  const current_trace& c = *static_cast<const current_trace*>(user);
  incoming_context* in = tl_incoming;
  const envelope_context ctx = make_envelope_context();
  if (c.block) {
    // The event's envelope is the DSC's first way out just as outgoing headers are.
    freeze_head_dsc(*c.block.get());
    if (has_dsc(*c.block.get(), ctx)) write_dsc_object(w, *c.block.get(), ctx);
    return;
  }
  if (in && in->continued && in->parent.trace == c.trace) {
    propagation_scratch* scratch = this_thread_scratch();
    if (!scratch) return;  // no stack scope free (SENTRY_TRACE_MAX_THREADS): the event goes without a DSC
    baggage& bag = scratch->bag();
    load_incoming_baggage(*in, bag);
    if (!bag.sentry("trace_id").empty() && !bag.sentry("public_key").empty()) bag.write_json(w);
    return;
  }
  if (ctx.public_key.empty()) return;  // no DSN: the event goes without a DSC
  w.begin_object();
  for_each_blockless_head_dsc(c, ctx, [&](std::string_view k, std::string_view v) { w.key(k).string(v); });
  w.end_object();
}

/// before_send's view of the event being written (about 770 bytes): static rather than on the
/// capturing thread's stack, guarded by the envelope lock, under which events are written one
/// at a time.
inline error_event g_event_edit{};

/// Runs options.before_send on the event `f` describes (under the envelope lock, so never
/// concurrently); false when it dropped it (counted as before_send / error). Its edits are
/// copied back into `f` (the event's strings then point where the hook put them) and `edited`.
inline bool pass_before_send(const tracer& t, event_fields& f, error_event& edited) noexcept {
  if (t.before_send.fn == nullptr) return true;
  edited = error_event{};
  edited.exception_type = f.exception_type;
  edited.exception_value = f.exception_value;
  edited.message = f.message;
  edited.lvl = f.lvl;
  if (f.extra != nullptr) edited.extra = *f.extra;
  if (!t.before_send.fn(edited, t.before_send.user)) {
    g_outcomes.record(discard_reason::before_send, data_category::error, 1);
    log_line(log_level::debug, "before_send dropped an event");
    return false;
  }
  f.exception_type = edited.exception_type;
  f.exception_value = edited.exception_value;
  f.message = edited.message;
  f.lvl = edited.lvl;
  f.extra = &edited.extra;
  return true;
}

#if SENTRY_TRACE_DETAIL_PROFILING
/// The resolved stack of the event being written; the envelope lock guards it.
inline event_stacktrace g_event_stack{};
#endif

/// Writes and sends one event; `raw` is the calling thread's stack (nullptr or empty: none).
inline bool capture_event(const event_fields& f, const raw_event_stack* raw) noexcept {
  tracer& t = g_tracer;
  if (!t.enabled) return false;
  current_trace c = resolve_current();
  event_trace_context tc;
  tc.trace = c.trace;
  tc.span = c.span;
  tc.parent = c.parent;
  tc.op = c.op;
  envelope_lock guard(t.lock);
  event_fields fields = f;
  if (!pass_before_send(t, fields, g_event_edit)) return false;
#if SENTRY_TRACE_DETAIL_PROFILING
  if (raw != nullptr && raw->count != 0) {
    resolve_event_stack(*raw, g_event_stack);
    fields.stack = &g_event_stack;
    fields.thread_id = static_cast<std::uint64_t>(os_thread_id());
  }
#else
  static_cast<void>(raw);
#endif
  envelope_context ctx = make_envelope_context();
  if (!fields.timestamp_epoch_us) fields.timestamp_epoch_us = ctx.sent_at_epoch_us;
  std::string_view bytes =
      write_event_envelope(t.mem->envelope, sizeof(t.mem->envelope), fields, tc, ctx, &write_event_dsc, &c);
  if (bytes.empty()) return false;
  dispatch(envelope_view(bytes, nullptr, false));
  return true;
}

/// Opens a trace scope (continue_trace's or start_new_trace's) in `at` on this thread, empty;
/// leave_trace closes it.
inline incoming_context& open_trace_scope(incoming_space& at) noexcept {
  incoming_context* ctx = ::new (static_cast<void*>(at.bytes)) incoming_context();
  ctx->previous = tl_incoming;
  tl_incoming = ctx;
  return *ctx;
}

} // namespace detail

#ifdef SENTRY_TRACE_IMPLEMENTATION
// The face declares these (face/distributed.hpp); they are defined once, here.

static_assert(sizeof(detail::incoming_context) <= sizeof(detail::incoming_space::bytes) &&
                  alignof(detail::incoming_context) <= alignof(detail::incoming_space),
              "detail::incoming_space (face/distributed.hpp) must hold an incoming_context");

void detail::enter_trace(incoming_space& at, std::string_view sentry_trace, std::string_view baggage_value,
                         std::string_view traceparent) noexcept {
  parse_incoming(sentry_trace, baggage_value, traceparent, open_trace_scope(at));
}

void detail::leave_trace(incoming_space& at) noexcept {
  tl_incoming = std::launder(reinterpret_cast<incoming_context*>(at.bytes))->previous;
}

bool detail::propagates_to(std::string_view url) noexcept {
  const tracer& t = g_tracer;
  // Before init() or after shutdown(), or inside suppress_tracing(): nothing to propagate.
  if (!t.enabled || tracing_suppressed()) return false;
  return url.empty() || should_propagate(url, t.targets, t.target_count, t.targets_set);
}

namespace detail {
/// Writes the headers of `c` into `h`: the one writer behind both get_trace_headers().
inline void write_trace_headers(trace_headers& h, const current_trace& c) noexcept {
  h.sentry_trace = std::string_view(h.sentry_trace_buf, format_sentry_trace(h.sentry_trace_buf, c.trace, c.span, c.sampled));
  if (g_tracer.propagate_traceparent)
    h.traceparent = std::string_view(h.traceparent_buf, format_traceparent(h.traceparent_buf, c.trace, c.span,
                                                                           c.sampled == parent_decision::sampled));
  h.baggage = write_baggage(c);
}
}  // namespace detail

trace_headers get_trace_headers() noexcept {
  return trace_headers([](trace_headers& h) {
    // Before init() or after shutdown(), or inside suppress_tracing(): no headers.
    if (!detail::g_tracer.enabled || detail::tracing_suppressed()) return;
    detail::write_trace_headers(h, detail::resolve_current());
  });
}

trace_headers get_trace_headers(const span_ref& of) noexcept {
  return trace_headers([&of](trace_headers& h) {
    if (!detail::g_tracer.enabled || !of.is_valid()) return;  // also a reference from before the last init()
    if (of.epoch != detail::g_tracer.epoch) return;
    detail::current_trace c = detail::resolve_span(of);
    const detail::incoming_context* in = detail::tl_incoming;
    const bool scope_here = in && in->continued && in->parent.trace == of.trace;
    c.dsc_unknown = !c.block && ((of.is_recording() || (of.links & detail::ref_in_block)) ||
                                 ((of.links & detail::ref_continued) && !scope_here));
    detail::write_trace_headers(h, c);
  });
}

namespace detail {
inline bool capture_exception_event(std::string_view type, std::string_view value, const event_options* extra,
                                    const raw_event_stack& stack) noexcept {
  event_fields f;
  f.exception_type = type.empty() && value.empty() ? std::string_view("Error") : type;
  f.exception_value = value;
  f.lvl = level::error;
  f.extra = extra;
  return capture_event(f, &stack);
}
inline bool capture_message_event(std::string_view message, level lvl, const event_options* extra,
                                  const raw_event_stack* stack) noexcept {
  event_fields f;
  f.message = message;
  f.lvl = lvl;
  f.extra = extra;
  return capture_event(f, stack);
}
#if SENTRY_TRACE_EXCEPTIONS
/// The type an exception event names: `given` when set, else e's dynamic type (RTTI), else
/// "std::exception". `buf` holds a demangled name.
inline std::string_view exception_type_name(const std::exception& e, std::string_view given, char* buf,
                                            std::size_t cap) noexcept {
  if (!given.empty()) return given;
#  if SENTRY_TRACE_DETAIL_RTTI
  return readable_type_name(typeid(e).name(), buf, cap);
#  else
  static_cast<void>(e);
  static_cast<void>(buf);
  static_cast<void>(cap);
  return "std::exception";
#  endif
}
#endif
}  // namespace detail

// Each entry point captures its caller's stack itself (capture_event_stack is inlined into it
// and walks from its frame record), so that the first frame of the event's stack trace is the
// function that called it. Never inlined itself: in the TU that holds the implementation, an
// entry point inlined into its caller would start the walk at that caller's caller. Where
// profiling_supported is false the capture is compiled out.

[[gnu::noinline]] bool capture_exception(std::string_view type, std::string_view value) noexcept {
  detail::raw_event_stack stack;
  if (detail::profiling_supported && detail::g_tracer.enabled) detail::capture_event_stack(stack);
  return detail::capture_exception_event(type, value, nullptr, stack);
}
[[gnu::noinline]] bool capture_exception(std::string_view type, std::string_view value, const event_options& extra) noexcept {
  detail::raw_event_stack stack;
  if (detail::profiling_supported && detail::g_tracer.enabled) detail::capture_event_stack(stack);
  return detail::capture_exception_event(type, value, &extra, stack);
}

#if SENTRY_TRACE_EXCEPTIONS
[[gnu::noinline]] bool capture_exception(const std::exception& e, std::string_view type) noexcept {
  detail::raw_event_stack stack;
  if (detail::profiling_supported && detail::g_tracer.enabled) detail::capture_event_stack(stack);
  char buf[256];  // longer names stay mangled (type_name.hpp)
  return detail::capture_exception_event(detail::exception_type_name(e, type, buf, sizeof(buf)), e.what(), nullptr,
                                         stack);
}
[[gnu::noinline]] bool capture_exception(const std::exception& e, const event_options& extra, std::string_view type) noexcept {
  detail::raw_event_stack stack;
  if (detail::profiling_supported && detail::g_tracer.enabled) detail::capture_event_stack(stack);
  char buf[256];  // longer names stay mangled (type_name.hpp)
  return detail::capture_exception_event(detail::exception_type_name(e, type, buf, sizeof(buf)), e.what(), &extra,
                                         stack);
}
#endif

[[gnu::noinline]] bool capture_message(std::string_view message, level lvl) noexcept {
  detail::raw_event_stack stack;
  if (detail::profiling_supported && detail::g_tracer.enabled && detail::g_tracer.attach_stacktrace)
    detail::capture_event_stack(stack);
  return detail::capture_message_event(message, lvl, nullptr, &stack);
}
[[gnu::noinline]] bool capture_message(std::string_view message, level lvl, const event_options& extra) noexcept {
  detail::raw_event_stack stack;
  if (detail::profiling_supported && detail::g_tracer.enabled && detail::g_tracer.attach_stacktrace)
    detail::capture_event_stack(stack);
  return detail::capture_message_event(message, lvl, &extra, &stack);
}

#endif // SENTRY_TRACE_IMPLEMENTATION

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_RUNTIME_DISTRIBUTED_HPP
