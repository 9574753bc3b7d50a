// sentry_trace/face/span.hpp -- span options, the span record and the span handle
//
// WHAT IT DOES  Declares what a user holds: `span`, a small move-only handle, and `span_ref`, a
//               copyable reference for handing a parent to another thread. The handle's member
//               functions are defined once, in core/span_members.hpp (implementation TU); what
//               the pool stores is core/records.hpp. span_time is a point on the tracer's
//               monotonic clock, for spans timed after the fact. span_status and transaction_source are in
//               status.hpp, attribute_value in attributes.hpp.
// DOES NOT      own memory: a handle is indices plus a generation (sokol ids), so a handle to a
//               span whose transaction has been sent, or that was never recorded, is a valid
//               no-op and is never dereferenced.
// SPEC          https://develop.sentry.dev/sdk/foundations/envelopes/event-payloads/span/

#ifndef SENTRY_TRACE_SPAN_HPP
#define SENTRY_TRACE_SPAN_HPP

#include "../config.hpp"
#include "attributes.hpp"
#include "ids.hpp"
#include "span_time.hpp"
#include "status.hpp"

#include <cstdint>
#include <string_view>
#include <type_traits>

SENTRY_TRACE_DETAIL_BEGIN

class span;
class borrowed_span;

namespace detail {
/// Where a span stands in a thread's stack of active spans (core/scopes.hpp): the scope, the entry's
/// 1-based depth, and the token that entry holds while this span is active there. Tokens are
/// unique per push, so a stale handle never ends another span's entry, even one with the same
/// span id (unrecorded children share their parent's ids).
struct active_mark {
  void* scope = nullptr;
  std::uint64_t token = 0;
  std::uint16_t depth = 0;  ///< 0: not active
};
}  // namespace detail

/// A copyable reference to a span: enough to make it the parent of a span started on another
/// thread, and to read its ids. Holding one keeps nothing alive; if the span's transaction has
/// already been sent, a child started from it becomes... nothing (it is dropped and counted as
/// `no_parent_span`), never a stray write.
struct span_ref {
  trace_id trace{};
  span_id id{};
  std::uint32_t generation = 0;  ///< generation of the transaction block it lives in
  std::uint16_t block = 0;
  std::uint16_t slot = 0;
  std::uint16_t epoch = 0;       ///< init() generation; refs from before a re-init are stale
  std::uint8_t flags = 0;
  /// Internal links (detail::ref_in_block, ref_segment_link, ref_rate_known): whether `block` and
  /// `generation` name this span's transaction although it records nothing itself (a child over
  /// max_spans), whether `segment_block` / `segment_generation` name its streaming segment, and
  /// whether `sample_rate_ppm` holds a rate.
  std::uint8_t links = 0;
  /// Streaming: the segment block of a span recorded in a continuation block, so that its
  /// children still join the segment after that continuation has been sent and freed.
  std::uint16_t segment_block = 0;
  /// A root that records nothing still propagates a DSC: its sample_rand and deciding rate (in
  /// millionths, when links has detail::ref_rate_known) travel with the reference. Every member
  /// defaults to zero, so arrays of references are zero-initialized static storage (.bss).
  std::uint32_t sample_rand_micros = 0;
  std::uint32_t sample_rate_ppm = 0;
  std::uint32_t segment_generation = 0;

  static constexpr std::uint8_t valid = 1;      ///< refers to a span (sampled or not)
  static constexpr std::uint8_t recording = 2;  ///< has a slot in a transaction block
  static constexpr std::uint8_t sampled = 4;    ///< part of a sampled trace
  static constexpr std::uint8_t deferred = 8;   ///< sampling decision left to the next service
  static constexpr std::uint8_t root = 16;      ///< the span is its transaction's root
  static constexpr std::uint8_t overflow = 32;  ///< sampled but not recorded: no block or slot was free

  constexpr span_ref() noexcept = default;
  /// The reference of a live handle (empty for an empty handle). Implicit, so that
  /// `span_options{"name", "op", parent_span}` reads naturally.
  span_ref(const span& s) noexcept;  // NOLINT(google-explicit-constructor)

  constexpr bool is_valid() const noexcept { return (flags & valid) != 0; }
  constexpr bool is_recording() const noexcept { return (flags & recording) != 0; }
  constexpr bool is_sampled() const noexcept { return (flags & sampled) != 0; }
};

/// How to start a span. An aggregate: `{"GET /orders", "http.server"}` or set fields by name.
/// Strings are copied into the transaction's arena when the span starts (truncated at
/// SENTRY_TRACE_MAX_STRING bytes, never dangling), so temporaries are fine.
struct span_options {
  std::string_view name;        ///< span description / transaction name; "<unlabeled transaction>" when empty
  std::string_view op;          ///< Sentry's op, e.g. "http.server", "db.query"; "default" when empty
  span_ref parent{};            ///< explicit parent (e.g. from another thread); default: this thread's active span
  std::string_view origin{};    ///< "manual" when empty; "auto.<category>..." for integrations
  transaction_source source = transaction_source::custom;  ///< used when the span is a transaction
  bool force_transaction = false;  ///< start a new transaction even when a span is active
  /// Attributes set when the span starts, and shown to traces_sampler when it is a transaction
  /// (as @sentry/core's startSpan({attributes})): a braced list, an array, or a pointer and a
  /// count (span_attributes). Read during the start call only, so a braced list written inside
  /// that call is fine; one stored in a span_options variable is gone by the time the variable is
  /// used (span_attributes explains why).
  span_attributes attributes{};
  /// For code written before `attributes` was a view: when nonzero, the number of attributes
  /// `attributes` points at (`o.attributes = array; o.attribute_count = n;`); when zero, the
  /// view's own size counts.
  std::size_t attribute_count = 0;

  /// When the span started, if before now (as @sentry/core's startSpan({startTime})): e.g.
  /// `now().minus_ns(elapsed)`. Not given (0): now. A time after now is clamped to now and
  /// counted (stats.timestamps_clamped). Ignored by spans that record nothing.
  span_time start_time{};
  /// The attributes the start call reads: the view, or attribute_count of them.
  constexpr span_attributes start_attributes() const noexcept {
    return attribute_count != 0 ? span_attributes(attributes.data(), attribute_count) : attributes;
  }
};

/// Handle to a started span. Cheap (a few words) and move-only, so exactly one owner can end
/// it. end() is idempotent. A handle that is destroyed without end() abandons its span: it is
/// not sent, and is counted as dropped (`invalid`), as the SDKs drop unfinished spans.
/// Thread safety: one handle must not be used by two threads at once; different spans of one
/// transaction may be started, changed and ended on different threads.
class span {
  /// With SENTRY_TRACE_SAMPLING_NEVER no span records anything: the compiler may drop every path.
  static constexpr bool never_recording = SENTRY_TRACE_SAMPLING == SENTRY_TRACE_SAMPLING_NEVER;

 public:
  constexpr span() noexcept = default;
  span(span&& other) noexcept : ref_(other.ref_), active_(other.active_) { other.release_(); }
  span& operator=(span&& other) noexcept {
    if (this != &other) {
      abandon_();
      ref_ = other.ref_;
      active_ = other.active_;
      other.release_();
    }
    return *this;
  }
  span(const span&) = delete;
  span& operator=(const span&) = delete;
  ~span() {
    if constexpr (never_recording) return;  // SENTRY_TRACE_SAMPLING_NEVER: nothing to undo, ever
    if ((ref_.flags & (span_ref::recording | span_ref::root)) || active_.depth) abandon_();  // else nothing to undo
  }

  /// Sets or replaces an attribute (JS: span.setAttribute). Keys and string values are copied
  /// into the transaction's arena. A no-op on unsampled, ended or empty handles.
  /// Every setter checks is_recording() here, inline, so on an unsampled, ended or empty
  /// handle it costs a test of one flag and no call.
  void set_attribute(std::string_view key, std::string_view value) noexcept {
    if (is_recording()) set_string_attribute_(key, value);
  }
  void set_attribute(std::string_view key, const char* value) noexcept {
    set_attribute(key, value ? std::string_view(value) : std::string_view());
  }
  /// std::string and anything else that converts to std::string_view.
  template <class S, std::enable_if_t<detail::is_attribute_string_v<S>, int> = 0>
  void set_attribute(std::string_view key, const S& value) noexcept {
    set_attribute(key, std::string_view(value));
  }
  /// A char is a one-byte string ('A' is "A"); signed and unsigned char are integers.
  void set_attribute(std::string_view key, char value) noexcept {
    set_attribute(key, attribute_value(value).as_string());
  }
  void set_attribute(std::string_view key, double value) noexcept {
    if (is_recording()) set_attribute_value_(key, attribute_value(value));
  }
  void set_attribute(std::string_view key, float value) noexcept { set_attribute(key, static_cast<double>(value)); }
  void set_attribute(std::string_view key, long double value) noexcept { set_attribute(key, static_cast<double>(value)); }
  void set_attribute(std::string_view key, bool value) noexcept {
    if (is_recording()) set_attribute_value_(key, attribute_value(value));
  }
  void set_attribute(std::string_view key, std::int64_t value) noexcept {
    if (is_recording()) set_attribute_value_(key, attribute_value(value));
  }
  /// Any other integer type is stored as int64; an unsigned value above INT64_MAX as the double
  /// nearest to it (attribute_value explains the rule).
  template <class Int, std::enable_if_t<detail::is_attribute_integer_v<Int> && !std::is_same_v<Int, std::int64_t>, int> = 0>
  void set_attribute(std::string_view key, Int value) noexcept {
    if (detail::above_int64(value)) {
      set_attribute(key, static_cast<double>(value));
    } else {
      set_attribute(key, static_cast<std::int64_t>(value));
    }
  }
  /// A value already made (e.g. read back from sampling_context::find()).
  void set_attribute(std::string_view key, const attribute_value& value) noexcept {
    if (is_recording()) set_attribute_value_(key, value);
  }
  /// A pointer is not a value: pass what it points to (it would otherwise become a bool).
  template <class T, std::enable_if_t<detail::is_non_text_pointee_v<T>, int> = 0>
  void set_attribute(std::string_view key, T* value) = delete;
  /// Sets several attributes in one call (JS: span.setAttributes), in order, as set_attribute
  /// would one by one: `s.set_attributes({{"db.system", "sqlite"}, {"db.rows", 3}})`. The list
  /// is read during the call only.
  void set_attributes(span_attributes attributes) noexcept {
    if (is_recording() && !attributes.empty()) set_attributes_(attributes);
  }
  /// Sets the status (written as `ok` when never set).
  void set_status(span_status status) noexcept {
    if (is_recording()) set_status_(status);
  }
  /// Sets the status with a message (JS: span.setStatus({code, message})), e.g.
  /// `set_status(span_status::deadline_exceeded, "upstream took 5 s")`. A streamed span has
  /// status "error" and the message in its `sentry.status.message` attribute, in place of the
  /// status name, as @sentry/core writes it (addStatusMessageAttribute). In a transaction the
  /// span keeps the detailed `status` and the message goes into its `data` under the same key:
  /// @sentry/core has no other place for it there (its `status` is the message when that is a
  /// status name, else internal_error), and `data` is where its span attributes go. An `ok`
  /// status has no message (@sentry/core writes none for ok), and set_status(status) clears a
  /// message set before. The message is copied (truncated at SENTRY_TRACE_MAX_STRING bytes) and
  /// takes one of the span's SENTRY_TRACE_MAX_ATTRIBUTES attributes.
  void set_status(span_status status, std::string_view message) noexcept {
    if (is_recording()) set_status_message_(status, message);
  }
  /// Sets the status from an HTTP status code (from_http_status) and the attribute
  /// `http.response.status_code`, as @sentry/core's setHttpStatus does.
  void set_http_status(int code) noexcept {
    if (is_recording()) set_http_status_(code);
  }
  /// Renames the span; on a transaction this is also the transaction's name.
  void set_name(std::string_view name) noexcept {
    if (is_recording()) rename_(name, nullptr);
  }
  /// Renames the span and sets the transaction's name source (route, url, ...).
  void set_name(std::string_view name, transaction_source source) noexcept {
    if (is_recording()) rename_(name, &source);
  }
  void set_op(std::string_view op) noexcept {
    if (is_recording()) set_op_(op);
  }
  void set_origin(std::string_view origin) noexcept {
    if (is_recording()) set_origin_(origin);
  }
  /// Ends the span now. Ending a transaction's root sends the transaction. Idempotent. A span
  /// that records nothing and is active nowhere ends here, inline.
  void end() noexcept {
    if constexpr (never_recording) return;
    if (ends_inline_()) return;
    end_();
  }
  /// Ends the span at `at` instead of now (as @sentry/core's span.end(timestamp)): for timings
  /// known only after the fact (GPU timer queries, a library's duration callback). An end
  /// before the span's start is clamped to the start and counted (stats.timestamps_clamped):
  /// a span never has a negative duration. `at` not given (0): the same as end().
  void end(span_time at) noexcept {
    if constexpr (never_recording) return;
    if (ends_inline_()) return;
    if (at.ns) end_at_(at.ns);
    else end_();
  }

  /// True while the handle refers to a span that has not ended (sampled or not).
  bool is_active() const noexcept { return (ref_.flags & span_ref::valid) != 0; }
  /// True when the span is sampled and has a slot, i.e. will appear in Sentry.
  bool is_recording() const noexcept { return !never_recording && (ref_.flags & span_ref::recording) != 0; }
  bool is_sampled() const noexcept { return (ref_.flags & span_ref::sampled) != 0; }
  trace_id trace() const noexcept { return ref_.trace; }
  span_id id() const noexcept { return ref_.id; }
  span_ref ref() const noexcept { return ref_; }

  /// Internal: built by the tracer.
  constexpr span(const span_ref& r, const detail::active_mark& active) noexcept : ref_(r), active_(active) {}
  /// Internal: a recording span built field by field, so that no half-written copy of a
  /// span_ref is read back whole (a store-forwarding stall on the span path).
  span(const trace_id& trace, span_id id, std::uint32_t generation, std::uint16_t block, std::uint16_t slot,
       std::uint16_t epoch, std::uint8_t flags, std::uint8_t links, std::uint16_t segment_block,
       std::uint32_t segment_generation, const detail::active_mark& active) noexcept
      : active_(active) {
    ref_.trace = trace;
    ref_.id = id;
    ref_.generation = generation;
    ref_.block = block;
    ref_.slot = slot;
    ref_.epoch = epoch;
    ref_.flags = flags;
    ref_.links = links;
    ref_.segment_block = segment_block;
    ref_.segment_generation = segment_generation;
  }
  /// Internal: an unrecorded child of `parent` (same ids, other flags), active nowhere.
  span(const span_ref& parent, std::uint8_t flags) noexcept : ref_(parent) { ref_.flags = flags; }

 private:
  /// borrowed_span (face/active.hpp) runs these setters on a span it does not own, and lets go
  /// of it with release_(), never end_() or abandon_().
  friend class borrowed_span;

  void release_() noexcept {
    ref_ = span_ref{};
    active_ = detail::active_mark{};
  }
  /// end()'s inline case: a span that records nothing and is active nowhere ends here.
  bool ends_inline_() noexcept {
    if ((ref_.flags & (span_ref::recording | span_ref::root)) != 0 || active_.depth != 0) return false;
    ref_.flags = 0;
    return true;
  }
  // Defined once, in core/span_members.hpp.
  void abandon_() noexcept;
  void end_() noexcept;
  void end_at_(std::uint64_t at_ns) noexcept;  ///< end(at) with a time given (span_time::ns)
  void end_recorded_() noexcept;
  /// end_recorded_'s steps, with `set_end(span_record&)` writing the end: a clock reading
  /// (end_recorded_) or a given time (end_at_), so end() pays nothing for end(at).
  template <class SetEnd> void end_recorded_with_(SetEnd&& set_end) noexcept;
  void set_attribute_value_(std::string_view key, const attribute_value& value) noexcept;
  void set_string_attribute_(std::string_view key, std::string_view value) noexcept;  // the common case, without the dispatch on type
  void set_status_(span_status status) noexcept;
  void set_status_message_(span_status status, std::string_view message) noexcept;
  void set_attributes_(span_attributes attributes) noexcept;
  void set_http_status_(int code) noexcept;
  void rename_(std::string_view name, const transaction_source* source) noexcept;
  void set_op_(std::string_view op) noexcept;
  void set_origin_(std::string_view origin) noexcept;

  span_ref ref_{};
  detail::active_mark active_{};  ///< where it is active, if anywhere
};

inline span_ref::span_ref(const span& s) noexcept : span_ref(s.ref()) {}

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_SPAN_HPP
