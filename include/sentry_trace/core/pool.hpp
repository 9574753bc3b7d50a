// sentry_trace/pool.hpp -- fixed-capacity storage for transactions and their spans
//
// WHAT IT DOES  A transaction owns one block: its span records, attributes, measurements and a
//               string arena. Starting a child span claims the next record of the block; copying
//               a string bumps the arena (bytes once written never change, so a long attribute
//               value equal to its span's name or to the value set just before shares their
//               bytes). When the root ends, the block is serialized in one linear pass and
//               returned once its last open span has ended.
// DOES NOT      allocate after init, lock on the span path, or format text. Over a capacity,
//               spans are dropped and strings truncated, and both are counted (outcomes.hpp).
// RAM           sizeof(storage) = SENTRY_TRACE_MAX_TRANSACTIONS * sizeof(transaction_block)
//                                 + SENTRY_TRACE_ENVELOPE_BYTES + 2 * (SENTRY_TRACE_MAX_SPANS + 1),
//               rounded up to a multiple of 8, where sizeof(transaction_block) is, on x86_64 and
//               rounded up to a multiple of 8,
//                 64 * (SENTRY_TRACE_MAX_SPANS + 1) + 24 * SENTRY_TRACE_ATTRIBUTE_POOL
//                 + 32 * SENTRY_TRACE_MAX_MEASUREMENTS + SENTRY_TRACE_STRING_ARENA
//                 + (SENTRY_TRACE_MAX_DSC + SENTRY_TRACE_MAX_BAGGAGE + 528) + 120
//               (64, 24, 32: sizeof span_record, attribute_record, measurement_record; then the
//               propagated DSC and baggage; 120: the block's header).
//               Defaults: 8 * 238,792 + 1,048,576 + 2,008 = 2,960,920 bytes.
//               storage_bytes() gives the exact figure; tests/test_pool.cpp pins the formula.
// THREADS       Each block has one control word: generation, closing flag, open-span count and
//               next free slot, changed together by compare-and-swap. A child start is one CAS,
//               an end one atomic subtraction; a handle whose generation no longer matches is a
//               no-op, so a block reused for a new transaction is never written by an old handle.
//               Code that checks a reference and then reads or writes the block holds a claim
//               (try_pin, one CAS; core/claims.hpp's block_pin) for the whole of it: a check and a
//               later write are never two steps another thread can come between.

#ifndef SENTRY_TRACE_POOL_HPP
#define SENTRY_TRACE_POOL_HPP

#include "../config.hpp"
#include "../protocol/ids.hpp"
#include "../protocol/json.hpp"
#include "outcomes.hpp"
#include "platform.hpp"
#include "../protocol/propagation.hpp"
#include "../face/span.hpp"
#include "../profiling/frames.hpp"
#include "records.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

namespace detail {
struct transaction_block;
}

/// All memory the tracer uses after init, in one object. Hand init() your own (static, or on a
/// stack that outlives shutdown()) through options.storage; otherwise hosted builds use a
/// static one. It is large (see storage_bytes()): do not put it on a small thread stack.
struct storage;

/// Bytes of one `storage` for the switches in force.
constexpr std::size_t storage_bytes() noexcept;

// ------------------------------------------------------------------------------------------------
namespace detail {

constexpr std::uint32_t max_child_spans = SENTRY_TRACE_MAX_SPANS;
constexpr std::uint32_t slots_per_block = SENTRY_TRACE_MAX_SPANS + 1;  // slot 0 is the root

/// Control word layout: [63..35] generation, [34] closing, [33..17] open spans, [16..0] next slot.
struct control {
  static constexpr std::uint64_t slot_mask = (1ull << 17) - 1;
  static constexpr unsigned open_shift = 17;
  static constexpr std::uint64_t open_one = 1ull << open_shift;
  static constexpr std::uint64_t open_mask = ((1ull << 17) - 1) << open_shift;
  static constexpr std::uint64_t closing = 1ull << 34;
  static constexpr unsigned gen_shift = 35;

  static constexpr std::uint32_t next_slot(std::uint64_t v) noexcept { return static_cast<std::uint32_t>(v & slot_mask); }
  static constexpr std::uint32_t open(std::uint64_t v) noexcept { return static_cast<std::uint32_t>((v & open_mask) >> open_shift); }
  static constexpr bool is_closing(std::uint64_t v) noexcept { return (v & closing) != 0; }
  static constexpr std::uint32_t generation(std::uint64_t v) noexcept { return static_cast<std::uint32_t>(v >> gen_shift); }
  static constexpr std::uint64_t fresh(std::uint32_t gen) noexcept { return static_cast<std::uint64_t>(gen & 0x1fffffffu) << gen_shift; }
};

/// Copies n bytes. Span names, ops and attribute keys and values are mostly a few bytes long:
/// up to 16 they are copied with two fixed-size copies that may overlap (which compile to plain
/// loads and stores), never reading outside [from, from + n); longer ones go to memcpy.
inline void copy_bytes(char* to, const char* from, std::size_t n) noexcept {
  if (n > 16) {
    std::memcpy(to, from, n);
  } else if (n >= 8) {
    std::memcpy(to, from, 8);
    std::memcpy(to + n - 8, from + n - 8, 8);
  } else if (n >= 4) {
    std::memcpy(to, from, 4);
    std::memcpy(to + n - 4, from + n - 4, 4);
  } else if (n > 0) {
    to[0] = from[0];
    if (n > 1) std::memcpy(to + n - 2, from + n - 2, 2);
  }
}

/// dsc_state: the head-of-trace DSC is written from the block until the first outgoing headers
/// freeze it into `dsc` (a DSC must not change once it has left the SDK).
enum : std::uint8_t { dsc_open = 0, dsc_freezing = 1, dsc_frozen = 2 };

/// transaction_block::profile_link: none; profiled itself (sample format v1, contexts.profile.profile_id);
/// recorded while a profiler session ran (v2, contexts.profile.profiler_id); the same for a root
/// that keeps a lifecycle-trace session running.
enum : std::uint8_t { profile_link_none, profile_link_profile, profile_link_session, profile_link_session_root };

/// One type for three kinds of block, told apart by `stream` and `is_continuation`, each slot
/// with one meaning per kind:
///
///   slot               transaction (!stream)   segment (stream, a root)      continuation (is_continuation)
///   spans[0]           the root span           the segment's root span       no span: its holder's (the
///                                                                            segment's) open count until retired
///   spans[1..]         children                children                      children that did not fit before
///   trace .. source    the transaction's       the segment's                 copied from the segment
///   continued, dsc     the trace's DSC (below) the trace's DSC (below)       the segment's, frozen (continued)
///   segment_id         spans[0].id             spans[0].id                   the segment's root span id
///   segment_name       unset                   unset                         the segment's name, copied
///   segment_block/gen  unset                   unset                         the segment block and generation
///   continuation       0                       its current continuation, 0   0
///
/// Splitting it would give the serializer and the claim code two types for one block pool, so
/// the kinds stay one type and the writers read `is_continuation` where the meanings differ
/// (protocol/envelope.hpp skips a continuation's slot 0 and names its segment by segment_name).
struct transaction_block {
  atomic<std::uint64_t> control_word;
  // Set when the block is claimed, before any handle to it exists; read-only afterwards.
  trace_id trace;
  span_id parent_of_root;           ///< the incoming parent span id of a continued trace
  double sample_rate;               ///< the rate that decided, for the DSC and sentry.sample_rate
  std::uint32_t sample_rand_micros; ///< sample_rand * 1e6: decisions use exactly the propagated value
  bool sample_rate_known;
  transaction_source source;
  /// options.max_spans, at most SENTRY_TRACE_MAX_SPANS. Atomic (relaxed) because a thread holding a
  /// reference to the previous transaction may still read it in claim_child() while a new root
  /// sets it: that read is then discarded by the generation check, but must not be a data race.
  atomic<std::uint16_t> max_children;
  bool continued;                   ///< the trace came from another service (continue_trace)
  /// The dynamic sampling context and third-party baggage this transaction propagates. For a
  /// continued trace: the incoming one, frozen (plus sample_rand / sample_rate added here). For a
  /// trace started here: third-party members only, until the first outgoing headers freeze the
  /// Sentry members in (dsc_state).
  baggage dsc;
  atomic<std::uint8_t> dsc_state;   ///< dsc_open, dsc_freezing, dsc_frozen

  // Span streaming (options.trace_lifecycle = stream): the block is sent as span v2 items once
  // its last open span ends. When a segment's block fills up, later children go to a
  // continuation block, which holds slot 0 itself until it is retired (a newer continuation
  // takes over, or the segment's root ends); so a long level is sent whole, in batches, with
  // at most a few blocks in use.
  bool stream;
  bool is_continuation;
  /// Profiling (runtime/profiler.hpp), set when the root opens: the profile this transaction
  /// links to through contexts.profile.
  std::uint8_t profile_link;  ///< profile_link_*
  event_id profile_ref;       ///< that profile's id (v1), or the profiler session's id (v2)
  span_id segment_id;               ///< the segment (root) span of this block's spans
  arena_str segment_name;           ///< its name (a copy in this block's arena)
  std::uint16_t segment_block;      ///< a continuation's segment block, and its generation
  std::uint32_t segment_generation;
  atomic<std::uint64_t> continuation;  ///< in a segment block: (generation << 16) | (index + 1), 0: none

  atomic<std::uint32_t> arena_used;
  atomic<std::uint32_t> attributes_used;
  atomic<std::uint32_t> measurements_used;
  measurement_record measurements[SENTRY_TRACE_MAX_MEASUREMENTS];
  attribute_record attributes[SENTRY_TRACE_ATTRIBUTE_POOL];
  span_record spans[slots_per_block];
  char arena[SENTRY_TRACE_STRING_ARENA];

  std::uint32_t generation() const noexcept { return control::generation(control_word.load(order_relaxed)); }

  std::string_view str(arena_str s) const noexcept { return {arena + s.offset, s.length}; }

  /// Reserves up to `want` arena bytes with one atomic addition; `granted` may be less (or 0)
  /// at the arena's end. The counter may run past the end; that only means "full".
  std::uint32_t reserve(std::size_t want, std::size_t& granted) noexcept {
    constexpr std::uint32_t cap = sizeof(arena);
    granted = 0;
    if (want == 0 || arena_used.load(order_relaxed) >= cap) return cap;
    std::uint32_t at = arena_used.fetch_add(static_cast<std::uint32_t>(want), order_relaxed);
    if (at >= cap) return cap;
    granted = want <= cap - at ? want : cap - at;
    return at;
  }

  /// Copies `text` into reserved space at `at` (of which `room` bytes remain), cut at
  /// `max_bytes` and at the room left, never inside a UTF-8 sequence. Cuts are counted.
  arena_str place(std::string_view text, std::size_t max_bytes, std::uint32_t& at, std::size_t& room) noexcept {
    if (text.size() > max_bytes || text.size() > room) return place_cut(text, max_bytes, at, room);
    return place_whole(text, at, room);
  }

  /// place() for a text that fits whole.
  arena_str place_whole(std::string_view text, std::uint32_t& at, std::size_t& room) noexcept {
    const auto n = static_cast<std::uint32_t>(text.size());
    copy_bytes(arena + at, text.data(), n);
    const arena_str s{at, n};
    at += n;
    room -= n;
    return s;
  }

  /// place() for a text that does not fit: cut where a UTF-8 sequence begins, and counted.
  arena_str place_cut(std::string_view text, std::size_t max_bytes, std::uint32_t& at, std::size_t& room) noexcept {
    g_outcomes.strings_truncated.fetch_add(1, order_relaxed);
    return place_whole(text.substr(0, utf8_truncate(text, max_bytes < room ? max_bytes : room)), at, room);
  }

  static constexpr std::size_t capped(std::size_t n, std::size_t max_bytes) noexcept { return n < max_bytes ? n : max_bytes; }

  /// Copies one string into the arena (see place()).
  arena_str copy(std::string_view text, std::size_t max_bytes = SENTRY_TRACE_MAX_STRING) noexcept {
    std::size_t room;
    std::uint32_t at = reserve(capped(text.size(), max_bytes), room);
    return place(text, max_bytes, at, room);
  }

  /// Copies a new span's name, op and origin with one reservation.
  void copy_names(span_record& r, const span_options& o) noexcept {
    std::size_t room;
    std::uint32_t at = reserve(capped(o.name.size(), SENTRY_TRACE_MAX_STRING) + capped(o.op.size(), SENTRY_TRACE_MAX_STRING) +
                                   capped(o.origin.size(), SENTRY_TRACE_MAX_STRING),
                               room);
    // All granted and none capped (the reservation is the capped sizes, so it equals the full
    // sizes only then): nothing to cut, and the three are copied end to end.
    if (room == o.name.size() + o.op.size() + o.origin.size()) {
      const auto name_n = static_cast<std::uint32_t>(o.name.size()), op_n = static_cast<std::uint32_t>(o.op.size());
      copy_bytes(arena + at, o.name.data(), name_n);
      copy_bytes(arena + at + name_n, o.op.data(), op_n);
      copy_bytes(arena + at + name_n + op_n, o.origin.data(), o.origin.size());
      r.name = arena_str{at, name_n};
      r.op = arena_str{at + name_n, op_n};
      r.origin = arena_str{at + name_n + op_n, static_cast<std::uint32_t>(o.origin.size())};
      return;
    }
    r.name = place(o.name, SENTRY_TRACE_MAX_STRING, at, room);
    r.op = place(o.op, SENTRY_TRACE_MAX_STRING, at, room);
    r.origin = place(o.origin, SENTRY_TRACE_MAX_STRING, at, room);
  }


  /// Claims this free block for a new transaction; false when it is in use.
  bool try_claim() noexcept {
    std::uint64_t v = control_word.load(order_relaxed);
    if (control::open(v) != 0 || control::is_closing(v) || control::next_slot(v) != 0) return false;
    // One open span (the root) and slot 0 taken.
    return control_word.compare_exchange_strong(v, v + control::open_one + 1, order_acquire, order_relaxed);
  }

  /// Claims the block of the transaction with generation `gen` without taking a slot, also after
  /// its root has ended: the claim counts as an open span, so the block is not freed (and not
  /// reused) until it is given back with close_one() (detail::block_pin does both). False when
  /// that transaction is gone.
  bool try_pin(std::uint32_t gen) noexcept {
    std::uint64_t v = control_word.load(order_relaxed);
    for (;;) {
      if (control::generation(v) != (gen & 0x1fffffffu) || control::open(v) == 0) return false;
      if (control_word.compare_exchange_weak(v, v + control::open_one, order_acq_rel, order_relaxed)) return true;
    }
  }

  /// Claims a child slot while the transaction with generation `gen` is open. Returns the slot,
  /// 0 when the block is full (count buffer_overflow), or -1 when the transaction is gone.
  std::int32_t claim_child(std::uint32_t gen) noexcept {
    std::uint64_t v = control_word.load(order_relaxed);
    for (;;) {
      if (control::generation(v) != (gen & 0x1fffffffu) || control::is_closing(v) || control::open(v) == 0) return -1;
      std::uint32_t slot = control::next_slot(v);
      if (slot > max_children.load(order_relaxed)) return 0;
      if (control_word.compare_exchange_weak(v, v + control::open_one + 1, order_acq_rel, order_relaxed))
        return static_cast<std::int32_t>(slot);
    }
  }

  /// Marks one open span closed. Returns true when this was the last one of a transaction whose
  /// root has ended: the caller then frees the block with release().
  bool close_one() noexcept {
    std::uint64_t before = control_word.fetch_sub(control::open_one, order_acq_rel);
    return control::open(before) == 1 && control::is_closing(before);
  }

  /// Sets the closing flag: from now on no child can join. Returns the slots handed out.
  std::uint32_t begin_closing() noexcept {
    std::uint64_t before = control_word.fetch_or(control::closing, order_acq_rel);
    return control::next_slot(before);
  }

  /// Returns the block to the pool with the next generation, so old handles become no-ops.
  /// The states of the slots (and measurements) this transaction used are cleared first: a
  /// later transaction's child may claim a slot and be caught by its root's end before it
  /// publishes slot_started, and the serializer must then see "not started", never a stale
  /// slot_ended left by this transaction (tests/test_tracer.cpp, "a slot claimed but not yet
  /// published ...").
  void release() noexcept {
    const std::uint64_t v = control_word.load(order_acquire);
    std::uint32_t used = control::next_slot(v);
    if (used > slots_per_block) used = slots_per_block;
    for (std::uint32_t i = 0; i < used; ++i) spans[i].state.store(0, order_relaxed);
    std::uint32_t measured = measurements_used.load(order_relaxed);
    if (measured > SENTRY_TRACE_MAX_MEASUREMENTS) measured = SENTRY_TRACE_MAX_MEASUREMENTS;
    for (std::uint32_t i = 0; i < measured; ++i) measurements[i].ready.store(0, order_relaxed);
    control_word.store(control::fresh(control::generation(v) + 1), order_release);
  }

  /// Resets the per-transaction bump counters; called right after try_claim().
  void reset_contents() noexcept {
    arena_used.store(0, order_relaxed);
    attributes_used.store(0, order_relaxed);
    measurements_used.store(0, order_relaxed);
  }

  /// Prepares a claimed slot; the caller publishes it with state.store(slot_started, release).
  span_record& init_slot(std::uint32_t slot, span_id id, span_id parent, std::uint64_t start_ticks) noexcept {
    span_record& r = spans[slot];
    r.start_ticks = start_ticks;
    r.end_ticks = start_ticks;
    r.id = id;
    r.parent = parent;
    r.name = {};
    r.op = {};
    r.origin = {};
    r.attr_head = no_index;
    r.attr_tail = no_index;
    r.attr_count = 0;
    r.status = span_status::ok;  // and has_status_message is left as it is (records.hpp)
    r.given_times = 0;
    r.thread_slot = profiling_supported ? static_cast<std::uint8_t>(tl_profiled_thread_slot & 31u) : 0;
    return r;
  }

  static constexpr std::size_t max_key_bytes = 256;

  // --- keys --------------------------------------------------------------------------------
  // An object must not carry a key twice (Relay keeps only the last). Keys are therefore kept
  // and compared in the form they are written in: cut at their limit (never inside a UTF-8
  // sequence), then every invalid UTF-8 subpart replaced by U+FFFD as the escaper replaces it.
  // Two attribute keys that share their first 256 bytes, or two invalid keys that both
  // become "\ufffd", are then one key: the later set wins. A key the arena cannot hold whole
  // is not stored at all (a shorter cut could collide), and the SDK's own keys
  // (sdk_attribute_keys) are refused; both are counted as attributes_dropped.

  static std::string_view key_cut(std::string_view key, std::size_t max_bytes) noexcept {
    return key.substr(0, utf8_truncate(key, max_bytes));
  }

  /// True when `key` is its own written form: it fits `max_bytes` and is all ASCII, so there is
  /// nothing to cut and nothing to repair (every byte below 0x80 is valid UTF-8). The common
  /// case, checked first so that it skips the piece-by-piece walk below.
  static bool key_is_plain(std::string_view key, std::size_t max_bytes) noexcept {
    if (key.size() > max_bytes) return false;
    std::uint64_t high_bits = 0;
#if SENTRY_TRACE_DETAIL_SWAR
    // Eight bytes a step (keys are mostly 8 to 30 bytes), the last eight read again over the
    // step before them rather than byte by byte; a key under eight bytes one by one.
    if (key.size() >= 8) {
      constexpr std::uint64_t highs = 0x8080808080808080u;
      std::uint64_t word;
      for (std::size_t i = 0; key.size() - i > 8; i += 8) {
        std::memcpy(&word, key.data() + i, 8);
        high_bits |= word;
      }
      std::memcpy(&word, key.data() + key.size() - 8, 8);
      return ((high_bits | word) & highs) == 0;
    }
#endif
    // Byte by byte: a short key, or a build for size (firmware), where this is the smaller code.
    for (char c : key) high_bits |= static_cast<unsigned char>(c);
    return (high_bits & 0x80u) == 0;
  }

  /// True when `stored` (a key kept in written form) is what `key` would be written as.
  bool key_equals(arena_str stored, std::string_view key, std::size_t max_bytes) const noexcept {
    return key_equals(stored, key, max_bytes, key_is_plain(key, max_bytes));
  }
  /// The same, where `plain`
  /// is key_is_plain(key, max_bytes), which a caller comparing against many keys checks once.
  bool key_equals(arena_str stored, std::string_view key, std::size_t max_bytes, bool plain) const noexcept {
    const std::string_view have = str(stored);
    if (plain) return have == key;
    const std::string_view cut = key_cut(key, max_bytes);
    std::size_t matched = 0;
    for (std::size_t pos = 0; pos < cut.size();) {
      const std::string_view piece = utf8_repaired_piece(cut, pos);
      if (have.size() - matched < piece.size() || have.substr(matched, piece.size()) != piece) return false;
      matched += piece.size();
    }
    return matched == have.size();
  }

  /// Bytes `key` takes in written form.
  static std::size_t key_bytes(std::string_view key, std::size_t max_bytes) noexcept {
    if (key_is_plain(key, max_bytes)) return key.size();
    const std::string_view cut = key_cut(key, max_bytes);
    std::size_t n = 0;
    for (std::size_t pos = 0; pos < cut.size();) n += utf8_repaired_piece(cut, pos).size();
    return n;
  }

  /// Writes `key` in written form into reserved space at `at` (which has room for key_bytes()).
  arena_str place_key(std::string_view key, std::size_t max_bytes, std::uint32_t& at, std::size_t& room) noexcept {
    if (key_is_plain(key, max_bytes)) return place_whole(key, at, room);
    const std::uint32_t start = at;
    const std::string_view cut = key_cut(key, max_bytes);
    if (cut.size() != key.size()) g_outcomes.strings_truncated.fetch_add(1, order_relaxed);
    for (std::size_t pos = 0; pos < cut.size();) {
      const std::string_view piece = utf8_repaired_piece(cut, pos);
      copy_bytes(arena + at, piece.data(), piece.size());
      at += static_cast<std::uint32_t>(piece.size());
      room -= piece.size();
    }
    return arena_str{start, at - start};
  }

  /// Copies `key` in written form; false (nothing stored) when the arena cannot hold it whole.
  bool copy_key(std::string_view key, std::size_t max_bytes, arena_str& out) noexcept {
    const std::size_t need = key_bytes(key, max_bytes);
    std::size_t room;
    std::uint32_t at = reserve(need, room);
    if (room < need) return false;
    out = place_key(key, max_bytes, at, room);
    return true;
  }

  /// The attribute `key` of `r` if it has one, compared in written form.
  attribute_record* find_attribute(span_record& r, std::string_view key) noexcept {
    return find_attribute(r, key, key_is_plain(key, max_key_bytes));
  }
  /// The same, where `plain` is key_is_plain(key, max_key_bytes): checked once per lookup, not
  /// once per stored key, and by a caller that needs it too, once for both.
  attribute_record* find_attribute(span_record& r, std::string_view key, bool plain) noexcept {
    for (std::uint16_t i = r.attr_head; i != no_index; i = attributes[i].next)
      if (key_equals(attributes[i].key, key, max_key_bytes, plain)) return &attributes[i];
    return nullptr;
  }

  /// Values shorter than this are copied without looking for a stored copy: the copy costs
  /// less than the comparison.
  static constexpr std::size_t shared_value_min_bytes = 32;

  /// The stored string of `r` that holds exactly `value`'s bytes, if it is the span's name or
  /// the string value set on it last: a query span's statement is its name, its db.statement
  /// and its db.query.text, and the arena then holds it once instead of three times. Sharing is
  /// sound because arena bytes never change once written (every store reserves fresh bytes),
  /// and `r`'s name and attributes change only through its one handle, as here.
  bool find_stored_copy(const span_record& r, std::string_view value, arena_str& out) const noexcept {
    if (value.size() < shared_value_min_bytes) return false;
    auto holds_value = [&](arena_str s) {
      return s.length == value.size() && std::memcmp(arena + s.offset, value.data(), value.size()) == 0;
    };
    if (holds_value(r.name)) {
      out = r.name;
      return true;
    }
    if (r.attr_tail == no_index) return false;
    const attribute_record& last = attributes[r.attr_tail];
    if (last.type != attribute_type::string || !holds_value(last.text)) return false;
    out = last.text;
    return true;
  }

  /// Sets a string attribute, copying a new key and the value with one reservation (the value
  /// not at all when find_stored_copy() finds it).
  void set_string_attribute(std::uint32_t slot, std::string_view key, std::string_view value) noexcept {
    span_record& r = spans[slot];
    if (is_sdk_attribute_key(key)) {
      g_outcomes.attributes_dropped.fetch_add(1, order_relaxed);
      return;
    }
    arena_str stored_value;
    const bool shared = find_stored_copy(r, value, stored_value);
    const bool plain = key_is_plain(key, max_key_bytes);  // decides the lookup, the size and the copy
    if (attribute_record* found = find_attribute(r, key, plain)) {
      found->text = shared ? stored_value : copy(value);
      found->type = attribute_type::string;
      return;
    }
    const std::size_t key_need = plain ? key.size() : key_bytes(key, max_key_bytes);
    std::size_t room;
    std::uint32_t at = reserve(key_need + (shared ? 0 : capped(value.size(), SENTRY_TRACE_MAX_STRING)), room);
    if (room < key_need) {
      g_outcomes.attributes_dropped.fetch_add(1, order_relaxed);
      return;
    }
    attribute_record* a = add_attribute(r);
    if (!a) return;
    a->type = attribute_type::string;
    if (shared) {
      a->key = plain ? place_whole(key, at, room) : place_key(key, max_key_bytes, at, room);
      a->text = stored_value;
      return;
    }
    if (plain && room == key_need + value.size()) {
      // A plain key and a value granted whole and not capped (as in copy_names): two copies.
      const auto key_n = static_cast<std::uint32_t>(key_need);
      copy_bytes(arena + at, key.data(), key_n);
      copy_bytes(arena + at + key_n, value.data(), value.size());
      a->key = arena_str{at, key_n};
      a->text = arena_str{at + key_n, static_cast<std::uint32_t>(value.size())};
      return;
    }
    a->key = plain ? place_whole(key, at, room) : place_key(key, max_key_bytes, at, room);
    a->text = place(value, SENTRY_TRACE_MAX_STRING, at, room);
  }

  /// Sets an attribute of any of the four types on span `slot`: the one place values are stored,
  /// for span::set_attribute and span_options::attributes alike. A NaN or infinite double has
  /// no JSON form (it would be written as null): it is dropped and counted, as a non-finite
  /// measurement is, and an earlier value of the key stays.
  void set_attribute(std::uint32_t slot, std::string_view key, const attribute_value& value) noexcept {
    if (value.type() == attribute_value::kind::string) {
      set_string_attribute(slot, key, value.as_string());
      return;
    }
    if (value.type() == attribute_value::kind::float64 && !finite_double(value.as_double())) {
      g_outcomes.attributes_dropped.fetch_add(1, order_relaxed);
      return;
    }
    attribute_record* r = attribute_for(slot, key);
    if (!r) return;
    switch (value.type()) {
      case attribute_value::kind::int64: r->int_value = value.as_int64(); r->type = attribute_type::int64; break;
      case attribute_value::kind::float64: r->float_value = value.as_double(); r->type = attribute_type::float64; break;
      default: r->bool_value = value.as_bool(); r->type = attribute_type::boolean; break;
    }
  }

  /// Lists up to this long are set by set_new_attributes() in one go.
  static constexpr std::size_t batch_max = 16;
  /// Builds that optimize for size (-Os, -Oz: firmware) set them one by one: the one-go path is
  /// about 1 KiB of code that a microcontroller's flash pays for, to save atomic additions that
  /// a single core makes cheaply.
#if defined(__OPTIMIZE_SIZE__)
  static constexpr bool attributes_in_one_go = false;
#else
  static constexpr bool attributes_in_one_go = true;
#endif

  /// span_options::attributes on span `slot`, just claimed and without attributes: what
  /// set_attribute() one by one would store, in the same order, but with one arena
  /// reservation and one claim of attribute records for the whole list instead of one of each
  /// per attribute. Those atomic additions on the block, which every thread of the transaction
  /// shares, are the dearest instructions of a query span's start. A list this does not take
  /// in one go (longer than batch_max, a key that is not plain or is the SDK's, a key twice, a
  /// non-finite double, a span that has attributes) is set one by one, as it always was.
  /// `name_source` is the name the span was started with (whose copy r.name holds): a value
  /// that is the very same view (a query span's statement) is known equal without comparing.
  void set_new_attributes(std::uint32_t slot, span_attributes list, std::string_view name_source) noexcept {
    span_record& r = spans[slot];
    const attribute* const items = list.begin();
    const std::size_t n = list.size();
    if (n == 0) return;
    std::size_t need = 0;
    bool batchable = attributes_in_one_go && n <= batch_max && n <= SENTRY_TRACE_MAX_ATTRIBUTES && r.attr_head == no_index;
    bool share_name[batch_max] = {}, share_previous[batch_max] = {};
    // The same view is the same text; only other views are compared byte by byte.
    auto same_text = [](std::string_view x, std::string_view y) { return (x.data() == y.data() && x.size() == y.size()) || x == y; };
    for (std::size_t i = 0; batchable && i < n; ++i) {
      const attribute& a = items[i];
      const attribute_value::kind type = a.value.type();
      batchable = key_is_plain(a.key, max_key_bytes) && !is_sdk_attribute_key(a.key) &&
                  (type != attribute_value::kind::float64 || finite_double(a.value.as_double()));
      for (std::size_t j = 0; batchable && j < i; ++j) batchable = items[j].key != a.key;
      need += a.key.size();
      if (type != attribute_value::kind::string) continue;
      const std::string_view value = a.value.as_string();
      if (value.size() < shared_value_min_bytes) {
        need += capped(value.size(), SENTRY_TRACE_MAX_STRING);
        continue;
      }
      // As find_stored_copy() will find them: the name if it was stored whole, else the value
      // before, unless that one was cut.
      arena_str name_copy;
      share_name[i] = r.name.length == value.size() &&
                      ((value.data() == name_source.data() && value.size() == name_source.size()) ||
                       find_stored_copy(r, value, name_copy));
      share_previous[i] = !share_name[i] && i > 0 && value.size() <= SENTRY_TRACE_MAX_STRING &&
                          items[i - 1].value.type() == attribute_value::kind::string &&
                          same_text(items[i - 1].value.as_string(), value);
      if (!share_name[i] && !share_previous[i]) need += capped(value.size(), SENTRY_TRACE_MAX_STRING);
    }
    if (!batchable) {
      for (std::size_t i = 0; i < n; ++i) set_attribute(slot, items[i].key, items[i].value);
      return;
    }
    // The records: one addition claims n of them; those past the pool's end are dropped.
    std::size_t records = 0;
    std::uint32_t first = 0;
    if (attributes_used.load(order_relaxed) < SENTRY_TRACE_ATTRIBUTE_POOL) {
      first = attributes_used.fetch_add(static_cast<std::uint32_t>(n), order_relaxed);
      if (first < SENTRY_TRACE_ATTRIBUTE_POOL) records = SENTRY_TRACE_ATTRIBUTE_POOL - first < n ? SENTRY_TRACE_ATTRIBUTE_POOL - first : n;
    }
    std::size_t room;
    std::uint32_t at = reserve(need, room);
    for (std::size_t i = 0; i < n; ++i) {
      const attribute& a = items[i];
      // As one by one: a key the arena cannot hold whole, or no record left, drops the attribute.
      if (i >= records || room < a.key.size()) {
        g_outcomes.attributes_dropped.fetch_add(1, order_relaxed);
        continue;
      }
      const auto index = static_cast<std::uint16_t>(first + i);
      attribute_record& rec = attributes[index];
      rec.key = place_whole(a.key, at, room);
      rec.next = no_index;
      switch (a.value.type()) {
        case attribute_value::kind::string: {
          const std::string_view value = a.value.as_string();
          arena_str stored = r.name;
          // The value before got its record and was stored whole: its text is this value's.
          if (share_previous[i] && r.attr_tail == static_cast<std::uint16_t>(first + i - 1) &&
              attributes[r.attr_tail].text.length == value.size())
            stored = attributes[r.attr_tail].text;
          else if (!share_name[i] && !find_stored_copy(r, value, stored)) stored = place(value, SENTRY_TRACE_MAX_STRING, at, room);
          rec.text = stored;
          rec.type = attribute_type::string;
          break;
        }
        case attribute_value::kind::int64: rec.int_value = a.value.as_int64(); rec.type = attribute_type::int64; break;
        case attribute_value::kind::float64: rec.float_value = a.value.as_double(); rec.type = attribute_type::float64; break;
        default: rec.bool_value = a.value.as_bool(); rec.type = attribute_type::boolean; break;
      }
      if (r.attr_tail == no_index) r.attr_head = index;
      else attributes[r.attr_tail].next = index;
      r.attr_tail = index;
      ++r.attr_count;
    }
  }

  /// Finds or adds the attribute `key` of span `slot`; nullptr (counted) when over a cap, when
  /// the key cannot be stored whole, or for one of the SDK's own keys.
  attribute_record* attribute_for(std::uint32_t slot, std::string_view key) noexcept {
    if (is_sdk_attribute_key(key)) {
      g_outcomes.attributes_dropped.fetch_add(1, order_relaxed);
      return nullptr;
    }
    return record_for(spans[slot], key);
  }

  /// The message of span `slot`'s status (span::set_status(status, message)), kept as a string
  /// attribute under the SDK's key; false (and no such attribute) when none of it could be
  /// stored, so that the status name is written instead.
  bool set_status_message(std::uint32_t slot, std::string_view message) noexcept {
    span_record& r = spans[slot];
    attribute_record* a = record_for(r, status_message_key);
    if (!a) return false;
    a->text = copy(message);
    a->type = attribute_type::string;
    if (a->text.length != 0) return true;
    drop_status_message(r);
    return false;
  }

  /// Takes the status message attribute out of `r`'s list, so that the list holds it only while
  /// it is written and the writers need not know about it. Its record stays used (the pool only
  /// grows while the block is open): a message replaced by a status without one is rare.
  void drop_status_message(span_record& r) noexcept {
    std::uint16_t prev = no_index;
    for (std::uint16_t i = r.attr_head; i != no_index; prev = i, i = attributes[i].next) {
      if (str(attributes[i].key) != status_message_key) continue;
      const std::uint16_t next = attributes[i].next;
      if (prev == no_index) r.attr_head = next;
      else attributes[prev].next = next;
      if (r.attr_tail == i) r.attr_tail = prev;
      --r.attr_count;
      return;
    }
  }
  static constexpr std::string_view status_message_key = "sentry.status.message";

  /// Finds or adds the attribute `key` of `r` (a key already checked); nullptr (counted) when
  /// over a cap or when the key cannot be stored whole.
  attribute_record* record_for(span_record& r, std::string_view key) noexcept {
    if (attribute_record* found = find_attribute(r, key)) return found;
    arena_str stored;
    if (!copy_key(key, max_key_bytes, stored)) {
      g_outcomes.attributes_dropped.fetch_add(1, order_relaxed);
      return nullptr;
    }
    attribute_record* a = add_attribute(r);
    if (a) a->key = stored;
    return a;
  }

  /// Links a new attribute record to the end of `r`'s list; nullptr (counted) over a cap.
  attribute_record* add_attribute(span_record& r) noexcept {
    if (r.attr_count >= SENTRY_TRACE_MAX_ATTRIBUTES || attributes_used.load(order_relaxed) >= SENTRY_TRACE_ATTRIBUTE_POOL) {
      g_outcomes.attributes_dropped.fetch_add(1, order_relaxed);
      return nullptr;
    }
    std::uint32_t index = attributes_used.fetch_add(1, order_relaxed);
    if (index >= SENTRY_TRACE_ATTRIBUTE_POOL) {
      g_outcomes.attributes_dropped.fetch_add(1, order_relaxed);
      return nullptr;
    }
    attribute_record& a = attributes[index];
    a.key = arena_str{0, 0};
    a.next = no_index;
    a.type = attribute_type::boolean;
    a.bool_value = false;
    if (r.attr_tail == no_index) r.attr_head = static_cast<std::uint16_t>(index);
    else attributes[r.attr_tail].next = static_cast<std::uint16_t>(index);
    r.attr_tail = static_cast<std::uint16_t>(index);
    ++r.attr_count;
    return &a;
  }
};

} // namespace detail

struct storage {
  detail::transaction_block blocks[SENTRY_TRACE_MAX_TRANSACTIONS];
  char envelope[SENTRY_TRACE_ENVELOPE_BYTES];
  std::uint16_t envelope_slots[detail::slots_per_block];  ///< the spans written, for transaction_view
};

constexpr std::size_t storage_bytes() noexcept { return sizeof(storage); }

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_POOL_HPP
