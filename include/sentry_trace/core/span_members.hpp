// sentry_trace/core/span_members.hpp -- the span handle's member functions
//
// WHAT IT DOES  Defines span's setters, end() and abandon_() (declared in face/span.hpp), once:
//               only the implementation TU compiles them.

#ifndef SENTRY_TRACE_CORE_SPAN_MEMBERS_HPP
#define SENTRY_TRACE_CORE_SPAN_MEMBERS_HPP

#include "../config.hpp"
#include "recording.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <type_traits>

SENTRY_TRACE_DETAIL_BEGIN

#ifdef SENTRY_TRACE_IMPLEMENTATION
// ---- span handle members (declared in span.hpp) ---------------------------------------------

// The face's setters have checked is_recording(); the record's validity is checked here, then
// the block's store.
void span::set_attribute_value_(std::string_view key, const attribute_value& value) noexcept {
  detail::transaction_block* b;
  if (detail::record_of(ref_, b)) b->set_attribute(ref_.slot, key, value);
}
void span::set_string_attribute_(std::string_view key, std::string_view value) noexcept {
  detail::transaction_block* b;
  if (detail::record_of(ref_, b)) b->set_string_attribute(ref_.slot, key, value);
}
void span::set_attributes_(span_attributes attributes) noexcept {
  detail::transaction_block* b;
  if (detail::record_of(ref_, b))
    for (const attribute& a : attributes) b->set_attribute(ref_.slot, a.key, a.value);
}
void span::set_status_(span_status status) noexcept {
  detail::transaction_block* b;
  if (detail::span_record* r = detail::record_of(ref_, b)) {
    // The flag is read only under a status that is not ok (records.hpp).
    if (r->status != span_status::ok && r->has_status_message) b->drop_status_message(*r);
    r->status = status;
    r->has_status_message = false;
  }
}
void span::set_status_message_(span_status status, std::string_view message) noexcept {
  // @sentry/core writes no message for ok (getStatusMessage, getSimpleStatus): none is kept.
  if (status == span_status::ok || message.empty()) {
    set_status_(status);
    return;
  }
  detail::transaction_block* b;
  if (detail::span_record* r = detail::record_of(ref_, b)) {
    r->status = status;
    r->has_status_message = b->set_status_message(ref_.slot, message);
  }
}
void span::set_http_status_(int code) noexcept {
  set_status_(from_http_status(code));
  set_attribute_value_("http.response.status_code", attribute_value(static_cast<std::int64_t>(code)));
}
void span::rename_(std::string_view name, const transaction_source* source) noexcept {
  detail::transaction_block* b;
  if (detail::span_record* r = detail::record_of(ref_, b)) {
    r->name = b->copy(name);
    if (source && ref_.slot == 0) b->source = *source;
  }
}
void span::set_op_(std::string_view op) noexcept {
  detail::transaction_block* b;
  if (detail::span_record* r = detail::record_of(ref_, b)) r->op = b->copy(op);
}
void span::set_origin_(std::string_view origin) noexcept {
  detail::transaction_block* b;
  if (detail::span_record* r = detail::record_of(ref_, b)) r->origin = b->copy(origin);
}

template <class SetEnd> void span::end_recorded_with_(SetEnd&& set_end) noexcept {
  detail::tracer& t = detail::g_tracer;
  detail::pop_active(active_);  // safe from any thread, also for a stale handle
  if (!t.enabled || ref_.epoch != t.epoch) {
    release_();
    return;
  }
  detail::transaction_block* b = nullptr;  // GCC 12 -O2 -Wdangling-pointer false positive otherwise
  if (detail::span_record* r = detail::record_of(ref_, b)) {
    if (ref_.slot != 0 && !b->stream && detail::control::is_closing(b->control_word.load(detail::order_acquire))) {
      // Its root has ended: the transaction holds what had ended by then, also when the handoff
      // writes it later. Left "started", the span is counted invalid there, as it would have
      // been by a writer that had already run.
      detail::close_span_of(*b);
      release_();
      return;
    }
    set_end(*r);
    r->state.store(detail::slot_ended, detail::order_release);
    if (ref_.slot == 0 && !b->is_continuation) {
      detail::profile_root_ended(*b);
      if (SENTRY_TRACE_STREAMING && b->stream) {
        // Streaming: the segment is sent with whatever spans are done when its last span ends.
        b->begin_closing();
        detail::retire_continuation(*b);
        detail::close_span_of(*b);
      } else {
        detail::finish_transaction(*b);
      }
    } else {
      detail::close_span_of(*b);
    }
  }
  release_();
}

// end() in the face has handled a span that records nothing and is active nowhere.
void span::end_() noexcept {
  if ((ref_.flags & (span_ref::recording | detail::ref_root)) == 0) {  // empty, unrecorded or dropped child
    detail::pop_active(active_);
    ref_.flags = 0;
    active_ = detail::active_mark{};
    return;
  }
  end_recorded_();
}

void span::end_at_(std::uint64_t at_ns) noexcept {
  if ((ref_.flags & (span_ref::recording | detail::ref_root)) == 0) {  // records nothing: no time to keep
    end_();
    return;
  }
  end_recorded_with_([at_ns](detail::span_record& r) { detail::set_given_end(r, at_ns); });
}

void span::end_recorded_() noexcept {
  end_recorded_with_([](detail::span_record& r) { r.end_ticks = detail::g_tracer.span_now(); });
}

void span::abandon_() noexcept {
  detail::pop_active(active_);
  if ((ref_.flags & (span_ref::recording | detail::ref_root)) == 0) {  // empty, unrecorded or dropped child
    release_();
    return;
  }
  detail::tracer& t = detail::g_tracer;
  if (t.enabled && ref_.epoch == t.epoch) {
    detail::transaction_block* b;
    if (detail::record_of(ref_, b)) {
      // Never ended: not sent. A child is counted as `invalid` when its transaction is written;
      // an abandoned root takes its whole transaction with it.
      if (ref_.slot == 0 && !b->is_continuation) {
        std::uint32_t handed_out = b->begin_closing();
        if (SENTRY_TRACE_STREAMING && b->stream) {
          detail::retire_continuation(*b);  // ended spans still go; the root is counted invalid
        } else {
          detail::g_outcomes.record_transaction(discard_reason::invalid, handed_out);
        }
        detail::log_line(log_level::debug, "a transaction's root span was destroyed without end(); dropped");
      }
      detail::close_span_of(*b);
    }
  }
  release_();
}
#endif // SENTRY_TRACE_IMPLEMENTATION

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_CORE_SPAN_MEMBERS_HPP
