// sentry_trace/core/records.hpp -- what a transaction block stores per span, attribute, measurement
//
// WHAT IT DOES  Plain data the pool (pool.hpp) holds: span_record (one span), attribute_record (one
//               attribute, linked into its span's list), measurement_record, and arena_str (a
//               string copied into the block's arena). Slot states are published with release
//               stores, so a serializer on another thread reads a span only once it is complete.

#ifndef SENTRY_TRACE_CORE_RECORDS_HPP
#define SENTRY_TRACE_CORE_RECORDS_HPP

#include "../config.hpp"
#include "../face/ids.hpp"
#include "../face/status.hpp"
#include "platform.hpp"

#include <cstdint>
#include <cstring>

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {

/// False for NaN and the infinities (no JSON form), from the bits: no floating-point
/// arithmetic, so small targets link no soft-float routine for it.
inline bool finite_double(double v) noexcept {
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return ((bits >> 52) & 0x7FF) != 0x7FF;
}

/// A string copied into a transaction's arena.
struct arena_str {
  std::uint32_t offset;
  std::uint32_t length;
};

enum class attribute_type : std::uint8_t { string, int64, float64, boolean };

/// One attribute, linked into its span's list (indices into the block's attribute pool).
struct attribute_record {
  arena_str key;
  union {
    arena_str text;
    std::int64_t int_value;
    double float_value;
    bool bool_value;
  };
  attribute_type type;
  std::uint16_t next;  ///< index of the next attribute of the same span; no_index ends the list
};

inline constexpr std::uint16_t no_index = 0xffff;

/// Slot states, published with release stores so the serializer, which may run on another
/// thread, reads a span's fields only after they are complete.
enum : std::uint8_t { slot_started = 1, slot_ended = 2 };

/// Bits of span_record::given_times: which of start_ticks and end_ticks hold a time the user
/// gave (span_time: monotonic nanoseconds) rather than a span-clock reading.
enum : std::uint8_t { start_given = 1, end_given = 2 };

/// One span in a transaction block: plain data, written by the thread that owns its handle.
struct span_record {
  std::uint64_t start_ticks;    ///< span clock (core/clock.hpp), or monotonic ns (given_times): converted when serialized
  std::uint64_t end_ticks;
  span_id id;
  span_id parent;               ///< zero on a root that starts the trace
  arena_str name;
  arena_str op;
  arena_str origin;             ///< empty: "manual"
  std::uint16_t attr_head;
  std::uint16_t attr_tail;
  std::uint8_t attr_count;
  span_status status;
  // The three below share one byte, the record's only padding byte, so that it stays 64 bytes.
  std::uint8_t given_times : 2;  ///< start_given | end_given
  /// The span's attribute list holds the message of its current status
  /// (span::set_status(status, message)): a string attribute under the SDK's key
  /// sentry.status.message, which no user attribute may take, taken out of the list again by a
  /// later set_status without one, so the writers need not know about it. Read only while
  /// `status` is not ok, and every setter that makes it not ok writes this flag too, so a new
  /// span's slot need not clear it.
  std::uint8_t has_status_message : 1;
  /// The profiled thread that started the span (frames.hpp's slot, 0: none): written as the
  /// span's thread.id and thread.name, which link it to a profile chunk.
  std::uint8_t thread_slot : 5;
  atomic<std::uint8_t> state;
};

/// A measurement (name, value, unit) on a transaction.
struct measurement_record {
  arena_str name;                  ///< written once, before `ready` is published
  atomic<std::uint64_t> value_bits; ///< the double's bits: a later value of the same name may
  atomic<std::uint64_t> unit;       ///< race the serializer, so both are atomics (unit: offset<<32|length)
  atomic<std::uint8_t> ready;

  void set(double v, arena_str u) noexcept {
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    value_bits.store(bits, order_relaxed);
    // Release: the unit's bytes, just copied into the arena, are visible to whoever sees it.
    unit.store(static_cast<std::uint64_t>(u.offset) << 32 | u.length, order_release);
  }
  double value() const noexcept {
    std::uint64_t bits = value_bits.load(order_relaxed);
    double v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  arena_str unit_str() const noexcept {
    std::uint64_t u = unit.load(order_acquire);
    return arena_str{static_cast<std::uint32_t>(u >> 32), static_cast<std::uint32_t>(u & 0xffffffffu)};
  }
};

} // namespace detail
SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_CORE_RECORDS_HPP
