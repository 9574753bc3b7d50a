// sentry_trace/core/scopes.hpp -- each thread's stack of active spans
//
// WHAT IT DOES  The stacks of active spans (g_scopes, one per tracing thread, in static storage),
//               how a thread takes one and gives it back at exit, and push/pop of entries.
// THREADS       init() and shutdown() must not run while another thread uses the API. Everything
//               else is thread-safe. A span handle may be ended on any thread at any time, also
//               after the thread that made it active has exited: each thread's stack of active
//               spans lives in static storage (g_scopes), and an exiting thread gives its stack
//               back; an entry still active then (a span handed over, not ended yet) keeps that
//               stack from being taken by another thread until the span ends. A span dropped
//               because its parent's transaction had ended stays in its thread's stack, so what
//               starts under it is dropped and counted with it, never made a new transaction.
// FORK          (hosted POSIX, threads on) The child of fork() keeps tracing without a new
//               init(), with ids of its own and an empty queue; what was in flight stays the
//               parent's. See "fork()" below. With SENTRY_TRACE_THREADS=0 the child must call
//               init() again (no pthread_atfork there), or it repeats the parent's ids.

#ifndef SENTRY_TRACE_CORE_SCOPES_HPP
#define SENTRY_TRACE_CORE_SCOPES_HPP

#include "../config.hpp"
#include "state.hpp"
#include "../protocol/propagation.hpp"
#include "../face/span.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <type_traits>

// Where threads can be seen exiting (hosted POSIX with threads), an exiting thread gives its
// stack of active spans back (return_at_thread_exit).
#if SENTRY_TRACE_HOSTED && SENTRY_TRACE_THREADS && (defined(__unix__) || defined(__APPLE__))
#  define SENTRY_TRACE_DETAIL_THREAD_EXIT 1
#  include <pthread.h>
#else
#  define SENTRY_TRACE_DETAIL_THREAD_EXIT 0
#endif

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {


/// One active span on a thread's stack.
struct stack_entry {
  /// The token of the push that made the span active; 0 once it has ended, by whichever
  /// thread ended it. The only field another thread writes.
  atomic<std::uint64_t> token{0};
  /// Unrecorded children started under it on its thread, counted when the entry leaves the
  /// stack (settle_entry). Read and written by the owning thread only.
  std::uint32_t unrecorded_children = 0;
  span_ref ref{};
};

/// Each thread's room for propagation text: a baggage object to parse an incoming DSC into, and
/// the outgoing `baggage` value get_trace_headers() returns a view of (valid until that thread's
/// next get_trace_headers() or inject()). Per thread, so no call puts 17 KiB on the stack and
/// none waits for another; in the thread's scope, so only threads that trace pay for it. The
/// baggage is constructed in place on first use (its constructor is not constant), so the
/// scopes stay zero-initialized static storage.
struct propagation_scratch {
  alignas(baggage) unsigned char bag_space[sizeof(baggage)];
  bool bag_ready;
  /// The trace scope (continue_trace's incoming_context) whose caller's baggage the bag holds
  /// exactly as parse_incoming parsed it, or nullptr. Any other use of the bag forgets it (bag()
  /// is for writing), and so does taking the scope; a transaction started in that trace scope
  /// copies the parse rather than parse the header a second time.
  const void* bag_parse_of;
  char header[SENTRY_TRACE_MAX_BAGGAGE];
  /// What `header` holds (header_length bytes), so that the same value is not written again for
  /// every outgoing request (write_baggage): the frozen DSC of a transaction block, which does
  /// not change while the block holds that transaction (block, generation and run given), or
  /// the head DSC of a trace without a block, which is made of the trace's ids, decision, rate
  /// and sample_rand and of the options of the run (no third-party members: those come from a
  /// scope's caller). Any other value written to `header` forgets it.
  enum : std::uint8_t { header_other = 0, header_block_dsc, header_head_dsc };
  std::uint8_t header_kind;
  std::uint8_t header_decision;     ///< head DSC: the parent_decision
  bool header_rate_known;           ///< head DSC
  std::uint16_t header_epoch;
  std::uint32_t header_generation;  ///< block DSC
  std::uint32_t header_rate_ppm;    ///< head DSC
  std::uint32_t header_rand;        ///< head DSC
  std::uint32_t header_length;
  const void* header_of_block;      ///< block DSC
  trace_id header_trace;            ///< head DSC
  /// The bag, to be written.
  baggage& bag() noexcept {
    if (!bag_ready) {
      new (bag_space) baggage();
      bag_ready = true;
    }
    bag_parse_of = nullptr;
    return *std::launder(reinterpret_cast<baggage*>(bag_space));
  }
  /// The bag when it holds the parse of `scope`'s baggage (see bag_parse_of), else nullptr.
  const baggage* parse_of(const void* scope) const noexcept {
    return bag_ready && scope != nullptr && bag_parse_of == scope ? std::launder(reinterpret_cast<const baggage*>(bag_space))
                                                                  : nullptr;
  }
};

/// A thread's stack of active spans. Scopes live in static storage (g_scopes), not in
/// thread_local memory, so a handle that ends its span from another thread, after the thread
/// that made it active has exited, still writes to memory that exists. A thread takes a free
/// scope when it first makes a span active and gives it back when it exits; a scope with an
/// entry still active (a span handed to another thread and not ended yet) is taken by no
/// other thread until that span ends.
struct thread_scope {
  atomic<std::uint8_t> taken{0};
  std::uint16_t suppressed = 0;  ///< owner thread only: suppress_tracing() calls open on this thread
  std::uint32_t depth = 0;   ///< owner thread only
  std::uint64_t pushes = 0;  ///< owner thread only; never reset, so every entry's token is new
  stack_entry entries[SENTRY_TRACE_MAX_DEPTH]{};
  propagation_scratch scratch{};  ///< owner thread only
};
/// Constant-initialized (zero: .bss), so untouched scopes cost no RAM on a hosted system.
inline thread_scope g_scopes[SENTRY_TRACE_MAX_THREADS];
/// This thread's scope, or nullptr before its first active span. A pointer, constant-
/// initialized, so reading it costs no TLS init function or guard on the span path.
inline SENTRY_TRACE_DETAIL_THREAD_LOCAL thread_scope* tl_scope = nullptr;


// ---- the active-span stacks -----------------------------------------------------------------

/// Counts `n` unrecorded items (spans, or a transaction) of a trace with the reference flags
/// `flags`: not at all when tracing was off by choice (nothing was meant to be sent), else by
/// why nothing was recorded. The one place that rule lives.
inline void count_unrecorded(std::uint8_t flags, data_category category, std::uint32_t n) noexcept {
  if (n == 0 || (flags & (span_ref::deferred | ref_unrecorded_by_choice)) != 0) return;
  g_outcomes.record((flags & ref_overflow) ? discard_reason::buffer_overflow : discard_reason::sample_rate, category, n);
}
inline void count_unrecorded_spans(std::uint8_t flags, std::uint32_t n) noexcept {
  count_unrecorded(flags, data_category::span, n);
}

/// An entry leaves its thread's stack: its unrecorded children are counted now (owner thread).
inline void settle_entry(stack_entry& e, std::uint16_t epoch) noexcept {
  if (e.ref.epoch == epoch) count_unrecorded_spans(e.ref.flags, e.unrecorded_children);
  e.unrecorded_children = 0;  // from before the last init(): that run's counts are gone
}

/// This thread's innermost entry that is still live, or nullptr. Entries ended elsewhere or
/// left from before a re-init are settled and popped on the way. Out of line: inlined into the
/// end of a span it costs that path more than the call (callee-saved registers; bench/callgrind.sh).
SENTRY_TRACE_DETAIL_OUT_OF_LINE inline stack_entry* settle_stack() noexcept {
  thread_scope* s = tl_scope;
  if (!s) return nullptr;
  const std::uint16_t epoch = g_tracer.epoch;
  while (s->depth > 0) {
    stack_entry& e = s->entries[s->depth - 1];
    if (e.token.load(order_acquire) != 0 && e.ref.epoch == epoch) return &e;
    settle_entry(e, epoch);
    --s->depth;
  }
  return nullptr;
}

/// This thread's innermost span that is still active, or nullptr (settle_stack()). A live entry
/// that names no span (with_active_span(nullptr, ...), start_new_trace) hides the spans below
/// it: nullptr.
inline stack_entry* current_entry() noexcept {
  stack_entry* e = settle_stack();
  return e && e->ref.is_valid() ? e : nullptr;
}

/// The reference of an entry that names no span, of this run. Its links say ref_in_block, though
/// it names no block (no flag is set), so that the span path's test for an unrecorded parent
/// (start_span_impl) passes it by at no cost; nothing else reads it, as current_entry() never
/// returns it.
inline span_ref no_span_entry_ref() noexcept {
  span_ref none;
  none.epoch = g_tracer.epoch;
  none.links = ref_in_block;
  return none;
}

/// True when no entry of `s` is still active in this run: a scope left by an exited thread
/// may be taken only then, so a handle ending late never meets another thread's entry.
inline bool scope_is_free(const thread_scope& s, std::uint16_t epoch) noexcept {
  for (const stack_entry& e : s.entries)
    if (e.token.load(order_acquire) != 0 && e.ref.epoch == epoch) return false;
  return true;
}

/// Gives scope `s` back when its thread exits: its entries' unrecorded children are counted,
/// and spans still active on it stay valid (their handles may end them from any thread; until
/// then the scope is not taken again).
inline void return_thread_scope(thread_scope* s) noexcept {
  const std::uint16_t epoch = g_tracer.epoch;
  for (std::uint32_t i = 0; i < s->depth; ++i) settle_entry(s->entries[i], epoch);
  s->depth = 0;
  s->taken.store(0, order_release);
}

#if SENTRY_TRACE_DETAIL_THREAD_EXIT
/// Thread exit is seen through a pthread key's destructor: registering one costs no allocation
/// (a thread_local destructor's registration mallocs), and it runs after the thread's
/// thread_local destructors, which may still end spans.
inline pthread_key_t g_scope_key;
inline pthread_once_t g_scope_key_once = PTHREAD_ONCE_INIT;
inline bool g_scope_key_made = false;
inline SENTRY_TRACE_DETAIL_THREAD_LOCAL bool tl_scope_returned = false;
inline void scope_key_destructor(void* scope) noexcept {
  tl_scope_returned = true;  // key destructors that run later make no span active here
  tl_scope = nullptr;
  return_thread_scope(static_cast<thread_scope*>(scope));
}
inline void make_scope_key() noexcept { g_scope_key_made = ::pthread_key_create(&g_scope_key, &scope_key_destructor) == 0; }
/// Arranges for `s` to be given back when this thread exits.
inline void return_at_thread_exit(thread_scope& s) noexcept {
  ::pthread_once(&g_scope_key_once, &make_scope_key);
  if (g_scope_key_made) ::pthread_setspecific(g_scope_key, &s);
}
#else
/// No thread-exit hook (single-threaded, or threads without POSIX keys): a scope stays with the
/// thread that took it.
inline void return_at_thread_exit(thread_scope&) noexcept {}
#endif

/// Takes a free scope for this thread (its first active span); nullptr when every one of the
/// SENTRY_TRACE_MAX_THREADS is held by a live thread or by spans still active on an exited one.
inline thread_scope* take_thread_scope() noexcept {
#if SENTRY_TRACE_DETAIL_THREAD_EXIT
  if (tl_scope_returned) return nullptr;
#endif
  const std::uint16_t epoch = g_tracer.epoch;
  for (thread_scope& s : g_scopes) {
    std::uint8_t expected = 0;
    if (s.taken.load(order_relaxed) != 0 || !s.taken.compare_exchange_strong(expected, 1, order_acquire, order_relaxed))
      continue;
    if (!scope_is_free(s, epoch)) {
      s.taken.store(0, order_release);
      continue;
    }
    s.depth = 0;
    s.suppressed = 0;
    s.scratch.bag_parse_of = nullptr;  // the last owner's trace scopes are gone
    s.scratch.header_kind = propagation_scratch::header_other;
    tl_scope = &s;
    return_at_thread_exit(s);
    return &s;
  }
  log_line(log_level::warning, "span not made active: more than SENTRY_TRACE_MAX_THREADS threads hold active spans");
  return nullptr;
}

/// This thread's propagation scratch (in its scope, taking one on first use); nullptr when no
/// scope is free.
inline propagation_scratch* this_thread_scratch() noexcept {
  thread_scope* s = tl_scope;
  if (!s) s = take_thread_scope();
  return s ? &s->scratch : nullptr;
}

/// True inside suppress_tracing() on this thread: spans record nothing, no headers go out.
inline bool tracing_suppressed() noexcept {
  const thread_scope* s = tl_scope;
  return s && s->suppressed != 0;
}

/// Pushes a new active span on this thread's stack: `fill(span_ref&)` writes its reference in
/// place (the child path writes it field by field, so no half-written copy is read back whole).
/// Returns where it stands; depth 0 when the span cannot be made active.
template <class Fill> active_mark push_active(Fill&& fill) noexcept {
  thread_scope* s = tl_scope;
  if (!s) s = take_thread_scope();
  if (!s || s->depth >= SENTRY_TRACE_MAX_DEPTH) {
    g_outcomes.depth_overflows.fetch_add(1, order_relaxed);
    if (s) log_line(log_level::debug, "span not made active: SENTRY_TRACE_MAX_DEPTH reached");
    return active_mark{};
  }
  stack_entry& e = s->entries[s->depth];
  fill(e.ref);
  e.unrecorded_children = 0;
  const std::uint64_t token = ++s->pushes;
  e.token.store(token, order_release);
  return active_mark{s, token, static_cast<std::uint16_t>(++s->depth)};
}

/// Ends the active-stack entry of a span, from any thread: the entry is in static storage, so
/// this is safe even after its thread exited, and its token names this push only. Its own
/// thread settles and pops it.
/// On its own thread the token is cleared with a plain release store, no locked instruction:
/// only this handle holds the token, and only the owning thread ever writes a new one into the
/// entry, so between the check and the store no other thread can have changed it (a stale
/// handle's compare-and-swap names an older token and fails). Another thread must
/// compare-and-swap: the owner may meanwhile have popped the entry (a re-init) and pushed anew.
inline void pop_active(const active_mark& at) noexcept {
  if (!at.scope || at.depth == 0) return;
  auto* s = static_cast<thread_scope*>(at.scope);
  atomic<std::uint64_t>& token = s->entries[at.depth - 1].token;
  if (s == tl_scope) {
    if (token.load(order_relaxed) == at.token) token.store(0, order_release);
    settle_stack();  // its own thread: settle it (and ended ones above) now
    return;
  }
  std::uint64_t expected = at.token;
  token.compare_exchange_strong(expected, 0, order_acq_rel, order_relaxed);
}

}  // namespace detail

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_CORE_SCOPES_HPP
