// sentry_trace/events.hpp -- error and message events, written as one Sentry envelope
//
// WHAT IT DOES  Writes one error event (an exception's type and value) or message event (text
//               and a level) as a Sentry envelope into a caller-owned buffer:
//                 {"event_id","sent_at","sdk","trace":<DSC>}\n
//                 {"type":"event","length":N,"content_type":"application/json"}\n
//                 <N bytes of payload>
//               The payload carries contexts.trace with the active span's ids (or the
//               propagation context's), so Sentry shows the error inside its trace and span;
//               the envelope header carries that trace's dynamic sampling context, which the
//               caller writes through a callback (the tracer knows the DSC, this part does not).
// DOES NOT      allocate, lock, throw or read the locale. It does not unwind (a stack trace
//               comes resolved: protocol/stacktrace.hpp, profiling/event_stack.hpp), capture
//               breadcrumbs, user data or attachments, chain exceptions (one value per event), or
//               sample: traces_sample_rate does not apply to errors.
// FORMAT        As @sentry/core 11 writes an event captured inside a span (fx/js/static-0001),
//               with sentry_trace's own choices:
//               - `timestamp` is RFC 3339 UTC with microseconds (envelope.hpp says why);
//                 `platform` is "native";
//               - an exception is {type, value, mechanism:{type:"generic", handled},
//                 stacktrace?}; a message event's stack is threads.values[{id, current,
//                 crashed:false, stacktrace}] as sentry_sdk's attach_stacktrace writes it; the
//                 images of the frames go to debug_meta.images (protocol/stacktrace.hpp);
//               - a message event's text is a plain string, `"message":"..."`, which is what
//                 @sentry/core's eventFromString and Python's capture_message send (sentry-native
//                 sends {"formatted":"..."}; Relay reads both as logentry.formatted);
//               - `tags` {key: value}, `fingerprint` [parts] and the named contexts of the
//                 capture call's event_options (face/event_options.hpp), each only when given;
//               - contexts.trace is {trace_id, span_id, parent_span_id?, op?}, the shape of
//                 @sentry/core's spanToTraceContext plus Python's op; then the host's os,
//                 runtime and device (host_contexts.hpp), then the user's; `contexts` is left
//                 out when it would be empty. A user context named trace, os, runtime or device
//                 (or with no name) is not written, and is counted in stats::attributes_dropped
//                 with the event_options entries that did not fit;
//               - the payload's sdk has `packages` (host_contexts.hpp), the header's does not.
//               Exception type and value, message, op, tags, context names, keys and values and
//               fingerprint parts longer than SENTRY_TRACE_MAX_STRING bytes are cut at a UTF-8
//               boundary and counted in stats::strings_truncated.
//               CR, LF and other control characters are escaped, invalid UTF-8 is replaced by
//               U+FFFD (json.hpp), so hostile text cannot break the envelope's framing.
// RAM           Nothing of its own: the envelope goes straight into the caller's buffer (the
//               payload after room for its item header, then moved down flush against it), plus
//               under 200 bytes of stack. Worst case: 6 x 4 x SENTRY_TRACE_MAX_STRING bytes for
//               each string written (type, value, message, op, and every tag, context entry
//               and fingerprint part: up to 40 more strings with event_options' capacities;
//               every byte escaped as \u00XX) plus ~1000 plus release, environment,
//               server_name and the host contexts; the header ~250 bytes plus the DSC. A full
//               event_options of long strings can exceed SENTRY_TRACE_ENVELOPE_BYTES: see ERRORS.
// ERRORS        When the envelope does not fit in the buffer the result is empty and the event
//               is counted as buffer_overflow / error for the client report.
// SPEC          https://develop.sentry.dev/sdk/telemetry/errors/
//               https://develop.sentry.dev/sdk/foundations/transport/envelopes/
//               https://develop.sentry.dev/sdk/foundations/trace-propagation/ (trace data on events)

#ifndef SENTRY_TRACE_EVENTS_HPP
#define SENTRY_TRACE_EVENTS_HPP

#include "../config.hpp"
#include "envelope.hpp"
#include "host_contexts.hpp"
#include "ids.hpp"
#include "json.hpp"
#include "stacktrace.hpp"
#include "../core/outcomes.hpp"
#include "../face/event_options.hpp"
#include "../face/span.hpp"
#include "../face/status.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

// ------------------------------------------------------------------------------------------------
namespace detail {

/// What links an event to a trace: the active span's ids, or the propagation context's when no
/// span is active.
struct event_trace_context {
  trace_id trace;       ///< zero: no contexts.trace is written (the event is in no trace)
  span_id span;         ///< zero: a fresh random id, as @sentry/core does for a propagation
                        ///< context without a span (a trace context needs a span_id)
  span_id parent;       ///< zero: no parent_span_id
  std::string_view op;  ///< empty: no op. Only read during the call.
};

/// The pieces of one error or message event. The strings are only read during the call.
struct event_fields {
  std::string_view exception_type;   ///< e.g. "std::runtime_error"; empty for a message event
  std::string_view exception_value;  ///< the exception's message (what())
  std::string_view message;          ///< capture_message's text; written as "message":"..."
  level lvl = level::error;
  std::int64_t timestamp_epoch_us = 0;  ///< when it happened, microseconds since the Unix epoch;
                                        ///< 0: the envelope's sent_at
  bool handled = true;                  ///< mechanism.handled: false for a crash or terminate
  const event_options* extra = nullptr; ///< tags, contexts and fingerprint; nullptr: none
  /// The calling thread's stack: the exception's stacktrace, or a message event's one thread;
  /// nullptr or no frames: none.
  const event_stacktrace* stack = nullptr;
  std::uint64_t thread_id = 0;  ///< a message event's thread (its OS id); 0: not written
};

/// Whether `name` is a context the SDK writes itself (the event's own are not accepted).
constexpr bool is_sdk_context(std::string_view name) noexcept {
  return name == "trace" || name == "os" || name == "runtime" || name == "device";
}

/// The user's named contexts from `x`, into an open `contexts` object: one object per name, in
/// the order names first appear, with its members in the order given. `cut` shortens strings.
/// Returns how many members were not written (an SDK context's name, or an empty one).
template <class Cut>
std::uint64_t write_user_contexts(json_writer& w, const event_options& x, Cut&& cut) noexcept {
  std::uint64_t refused = 0;
  for (std::size_t i = 0; i < x.context_count; ++i) {
    const std::string_view name = x.contexts[i].context;
    if (name.empty() || is_sdk_context(name)) {
      ++refused;
      continue;
    }
    bool seen = false;
    for (std::size_t j = 0; j < i && !seen; ++j) seen = x.contexts[j].context == name;
    if (seen) continue;
    w.key(cut(name)).begin_object();
    for (std::size_t j = i; j < x.context_count; ++j)
      if (x.contexts[j].context == name) w.key(cut(x.contexts[j].key)).string(cut(x.contexts[j].value));
    w.end_object();
  }
  return refused;
}

/// Writes one error-event envelope into buf[0..cap) and returns its bytes (a view into `buf`),
/// or an empty view when it does not fit (write_event_envelope counts that, not this).
///
/// Envelope header: event_id (a new uuid4 as 32 lowercase hex, the same as the payload's),
/// sent_at (ctx.sent_at_epoch_us), sdk, and `trace` when `write_dsc` is given: it is called
/// right after the key "trace" has been written and must write exactly one JSON object, the
/// trace's dynamic sampling context (PROTOCOL.md §8: every value a string, trace_id equal to
/// tc.trace). A callback that writes nothing leaves the `trace` key out (e.g. without a DSN);
/// one that writes broken structure (a key, two values) makes the whole write fail. It runs on
/// the calling thread, must not throw, and gets `dsc_user` back.
///
/// Payload: event_id, timestamp, platform "native", level, release, environment and
/// server_name (each when non-empty), sdk, exception.values[{type, value, mechanism}] when a
/// type or value is given (with the stack's stacktrace), threads (a message event's stack) and
/// debug_meta when f.stack has frames, message when given, contexts.trace when tc.trace is
/// non-zero. An
/// event with neither exception nor message is still written (Sentry shows it as
/// "<unlabeled event>").
///
/// The item header is {"type":"event","length":N,"content_type":"application/json"}; there is
/// no newline after the payload. Needs `cap` at least the size of the result (a buffer exactly
/// that big suffices, up to one byte per digit of `cap` beyond the payload length's).
/// Reentrant; never allocates or throws.
inline std::string_view try_write_event_envelope(char* buf, std::size_t cap, const event_fields& f,
                                                 const event_trace_context& tc, const envelope_context& ctx,
                                                 void (*write_dsc)(json_writer&, void*), void* dsc_user) noexcept {
  // Cut over-long strings now; the cuts are counted only if the event goes out.
  constexpr std::size_t max_string = SENTRY_TRACE_MAX_STRING;
  std::uint64_t truncated = 0;
  auto cut = [&truncated](std::string_view s) noexcept {
    if (s.size() <= max_string) return s;
    ++truncated;
    return s.substr(0, utf8_truncate(s, max_string));
  };
  const std::string_view type = cut(f.exception_type);
  const std::string_view value = cut(f.exception_value);
  const std::string_view message = cut(f.message);
  const std::string_view op = cut(tc.op);

  const event_id eid = new_event_id();
  char eid_hex[32];
  eid.to_hex(eid_hex);
  const std::string_view eid_text(eid_hex, 32);


  // 1. The envelope header, at the start of the buffer.
  fixed_sink head(buf, cap);
  json_writer h(head);
  h.begin_object();
  h.key("event_id").string(eid_text);
  h.key("sent_at").timestamp(ctx.sent_at_epoch_us);
  write_sdk(h);
  if (write_dsc != nullptr) {
    const json_writer::checkpoint before_key = h.mark();
    h.key("trace");
    const std::size_t after_key = head.size();
    write_dsc(h, dsc_user);
    if (head.size() == after_key && !head.overflowed()) h.rewind(before_key);  // nothing written
  }
  h.end_object();
  head.put('\n');
  if (!h.ok()) return {};
  const std::size_t head_len = head.size();

  // 2. The payload, after room for the item header. That header's only variable part is the
  //    length, which has at most as many digits as `cap`.
  static constexpr char item_prefix[] = "{\"type\":\"event\",\"length\":";
  static constexpr char item_suffix[] = ",\"content_type\":\"application/json\"}\n";
  constexpr std::size_t item_fixed = sizeof(item_prefix) - 1 + sizeof(item_suffix) - 1;
  char digits[24];
  const std::size_t item_room = item_fixed + format_uint(digits, static_cast<std::uint64_t>(cap));
  if (cap - head_len <= item_room) return {};
  char* const payload_at = buf + head_len + item_room;
  fixed_sink payload(payload_at, cap - head_len - item_room);
  json_writer w(payload);
  w.begin_object();
  w.key("event_id").string(eid_text);
  w.key("timestamp").timestamp(f.timestamp_epoch_us != 0 ? f.timestamp_epoch_us : ctx.sent_at_epoch_us);
  w.key("platform").string("native");
  w.key("level").string(to_string(f.lvl));
  if (!ctx.release.empty()) w.key("release").string(ctx.release);
  if (!ctx.environment.empty()) w.key("environment").string(ctx.environment);
  if (!ctx.server_name.empty()) w.key("server_name").string(ctx.server_name);
  write_payload_sdk(w);
  if (!type.empty() || !value.empty()) {
    // Relay needs a type or a value in each exception; mechanism.type is required in a mechanism.
    w.key("exception").begin_object().key("values").begin_array().begin_object();
    if (!type.empty()) w.key("type").string(type);
    if (!value.empty()) w.key("value").string(value);
    w.key("mechanism").begin_object().key("type").string("generic").key("handled").boolean(f.handled).end_object();
    if (profiling_supported && f.stack != nullptr) write_stacktrace(w, *f.stack);
    w.end_object().end_array().end_object();
  } else if (profiling_supported && f.stack != nullptr && f.stack->frame_count != 0) {
    // A message's stack is its thread's, as sentry_sdk's attach_stacktrace writes it.
    w.key("threads").begin_object().key("values").begin_array().begin_object();
    if (f.thread_id != 0) w.key("id").number(f.thread_id);
    w.key("current").boolean(true).key("crashed").boolean(false);
    write_stacktrace(w, *f.stack);
    w.end_object().end_array().end_object();
  }
  if (profiling_supported && f.stack != nullptr) write_debug_meta(w, *f.stack);
  if (!message.empty()) w.key("message").string(message);
  std::uint64_t dropped = 0;
  if (f.extra != nullptr) {
    const event_options& x = *f.extra;
    dropped += x.dropped;
    if (x.tag_count) {
      w.key("tags").begin_object();
      for (std::size_t i = 0; i < x.tag_count; ++i) w.key(cut(x.tags[i].key)).string(cut(x.tags[i].value));
      w.end_object();
    }
    if (x.fingerprint_count) {
      w.key("fingerprint").begin_array();
      for (std::size_t i = 0; i < x.fingerprint_count; ++i) w.string(cut(x.fingerprint[i]));
      w.end_array();
    }
  }
  // contexts: trace, the host's, the user's; left out when none has anything to say.
  const json_writer::checkpoint before_contexts = w.mark();
  w.key("contexts").begin_object();
  const std::size_t contexts_opened = payload.size();
  if (!tc.trace.is_zero()) {
    char hex[32];
    w.key("trace").begin_object();
    tc.trace.to_hex(hex);
    w.key("trace_id").string(std::string_view(hex, 32));
    (tc.span.is_zero() ? new_span_id() : tc.span).to_hex(hex);
    w.key("span_id").string(std::string_view(hex, 16));
    if (!tc.parent.is_zero()) {
      tc.parent.to_hex(hex);
      w.key("parent_span_id").string(std::string_view(hex, 16));
    }
    if (!op.empty()) w.key("op").string(op);
    w.end_object();
  }
  if (ctx.host != nullptr) write_host_contexts(w, *ctx.host);
  if (f.extra != nullptr) dropped += write_user_contexts(w, *f.extra, cut);
  if (payload.size() == contexts_opened && !payload.overflowed()) w.rewind(before_contexts);
  else w.end_object();
  w.end_object();
  if (!w.ok()) return {};
  const std::size_t payload_len = payload.size();

  // 3. The item header, and the payload moved down flush against it.
  char item[sizeof(item_prefix) + sizeof(item_suffix) + 24];
  std::size_t item_len = 0;
  std::memcpy(item, item_prefix, sizeof(item_prefix) - 1);
  item_len += sizeof(item_prefix) - 1;
  item_len += format_uint(item + item_len, static_cast<std::uint64_t>(payload_len));
  std::memcpy(item + item_len, item_suffix, sizeof(item_suffix) - 1);
  item_len += sizeof(item_suffix) - 1;
  std::memmove(buf + head_len + item_len, payload_at, payload_len);
  std::memcpy(buf + head_len, item, item_len);

  if (truncated) g_outcomes.strings_truncated.fetch_add(truncated, order_relaxed);
  if (dropped) g_outcomes.attributes_dropped.fetch_add(dropped, order_relaxed);
  return std::string_view(buf, head_len + item_len + payload_len);
}

/// Writes one error-event envelope into buf[0..cap) (try_write_event_envelope's rules) and
/// returns its bytes. An event whose stack trace does not fit is written without it (and the
/// stack counted in stats::attributes_dropped); one that does not fit even so is counted as
/// buffer_overflow / error and the result is empty.
inline std::string_view write_event_envelope(char* buf, std::size_t cap, const event_fields& f,
                                             const event_trace_context& tc, const envelope_context& ctx,
                                             void (*write_dsc)(json_writer&, void*), void* dsc_user) noexcept {
  std::string_view bytes = try_write_event_envelope(buf, cap, f, tc, ctx, write_dsc, dsc_user);
  if (profiling_supported && bytes.empty() && f.stack != nullptr && f.stack->frame_count != 0) {
    event_fields without = f;
    without.stack = nullptr;
    bytes = try_write_event_envelope(buf, cap, without, tc, ctx, write_dsc, dsc_user);
    if (!bytes.empty()) g_outcomes.attributes_dropped.fetch_add(1, order_relaxed);
  }
  if (bytes.empty()) g_outcomes.record(discard_reason::buffer_overflow, data_category::error, 1);
  return bytes;
}

} // namespace detail
SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_EVENTS_HPP
