// sentry_trace/protocol/envelope.hpp -- transaction and client-report payloads, envelope framing
//
// WHAT IT DOES  Writes a finished transaction block as one Sentry envelope
//               (`{header}\n{"type":"transaction","length":N}\n{payload}`) and pending outcomes
//               as a client-report envelope, into the fixed envelope buffer, in one linear pass.
//               The envelope header carries event_id, sent_at, sdk and the dynamic sampling
//               context (`trace`); the payload every field PROTOCOL.md §3 lists.
// DOES NOT      allocate. When the buffer cannot hold every span, the spans that fit are kept,
//               the rest are counted as buffer_overflow, and the transaction still goes out.
// FORMAT        Timestamps are RFC 3339 UTC strings with microseconds, the one form that Relay,
//               @sentry/core and sentry-cli all accept; `platform` is "native" (Relay has no
//               "cpp"); every span has an `op` ("default" when empty) and a `status`. The
//               payload's contexts hold the trace context, then the host's os, runtime and
//               device (host_contexts.hpp, when the context says so); its sdk lists `packages`.
//               before_send_transaction's edits (dispatch.hpp): a new name, with source
//               "custom" as @sentry/core sets it, and `tags`. The header's DSC keeps the name
//               the trace was sampled with.
// SPEC          https://develop.sentry.dev/sdk/foundations/transport/envelopes/
//               https://develop.sentry.dev/sdk/foundations/data-model/event-payloads/transaction/

#ifndef SENTRY_TRACE_ENVELOPE_HPP
#define SENTRY_TRACE_ENVELOPE_HPP

#include "../config.hpp"
#include "host_contexts.hpp"
#include "ids.hpp"
#include "json.hpp"
#include "../core/clock.hpp"
#include "../core/outcomes.hpp"
#include "../core/pool.hpp"
#include "../profiling/sampler.hpp"
#include "propagation.hpp"
#include "sampling.hpp"
#include "../face/event_options.hpp"
#include "../face/span.hpp"
#include "../face/transport.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

SENTRY_TRACE_DETAIL_BEGIN

// ------------------------------------------------------------------------------------------------
namespace detail {

/// What the envelope needs from the options, already resolved.
struct envelope_context {
  std::string_view public_key;
  std::string_view org_id;
  std::string_view release;
  std::string_view environment;
  std::string_view server_name;
  time_anchor anchor;  ///< the serialization's (tracer::serialization_anchor())
  std::int64_t sent_at_epoch_us = 0;
  const host_contexts* host = nullptr;  ///< contexts.os/runtime/device of payloads; nullptr: none
};

/// Writes `value` with at most 6 decimals for the DSC's sample_rand ("0.421337").
inline std::size_t format_micros_fraction(char* out, std::uint32_t micros) noexcept {
  out[0] = '0';
  out[1] = '.';
  for (int i = 7; i >= 2; --i) {
    out[i] = static_cast<char>('0' + micros % 10);
    micros /= 10;
  }
  return 8;
}

inline void write_sdk(json_writer& w) noexcept {
  w.literal_key("sdk").begin_object();
  w.literal_key("name").string(sdk_name);
  w.literal_key("version").string(version_string);
  w.end_object();
}

/// Calls emit(key, value) for each member of a head-of-trace dynamic sampling context, as
/// @sentry/core builds it (PROTOCOL.md §8): trace_id, public_key, org_id, release, environment,
/// transaction (left out for a raw URL name), sample_rate (when a local rate decided),
/// sample_rand (6 decimals, the value decisions use), sampled (left out while deferred).
/// One function for every caller's `emit` (an object and a trampoline to it), so that the member
/// list is compiled once, not once per kind of caller: for_each_head_dsc below is its typed front.
struct dsc_emit {
  void* target;
  void (*call)(void* target, std::string_view key, std::string_view value) noexcept;
  void operator()(std::string_view key, std::string_view value) const noexcept { call(target, key, value); }
};
inline void head_dsc_members(const trace_id& trace, std::string_view name, transaction_source source, bool rate_known,
                             double rate, std::uint32_t rand_micros, parent_decision sampled,
                             const envelope_context& ctx, dsc_emit emit) noexcept {
  char hex[32];
  trace.to_hex(hex);
  emit(std::string_view("trace_id"), std::string_view(hex, 32));
  emit(std::string_view("public_key"), ctx.public_key);
  if (!ctx.org_id.empty()) emit(std::string_view("org_id"), ctx.org_id);
  if (!ctx.release.empty()) emit(std::string_view("release"), ctx.release);
  emit(std::string_view("environment"), ctx.environment);
  if (source != transaction_source::url && !name.empty()) emit(std::string_view("transaction"), name);
  if (rate_known) {
    // The portable formatter (the same text): libstdc++ 12's std::to_chars(double) takes about
    // 3 KiB of stack, and this runs inside get_trace_headers(), whose budget is 2 KiB.
    char num[32];
#if SENTRY_TRACE_DOUBLES
    emit(std::string_view("sample_rate"), std::string_view(num, format_double_portable(num, rate)));
#else
    emit(std::string_view("sample_rate"), std::string_view(num, format_double_compact(num, rate)));
#endif
  }
  char frac[8];
  emit(std::string_view("sample_rand"), std::string_view(frac, format_micros_fraction(frac, rand_micros)));
  if (sampled != parent_decision::none)
    emit(std::string_view("sampled"), std::string_view(sampled == parent_decision::sampled ? "true" : "false"));
}
template <class Emit>
void for_each_head_dsc(const trace_id& trace, std::string_view name, transaction_source source, bool rate_known,
                       double rate, std::uint32_t rand_micros, parent_decision sampled, const envelope_context& ctx,
                       Emit&& emit) noexcept {
  using target = std::remove_reference_t<Emit>;
  head_dsc_members(trace, name, source, rate_known, rate, rand_micros, sampled, ctx,
                   dsc_emit{const_cast<void*>(static_cast<const void*>(&emit)),
                            [](void* e, std::string_view key, std::string_view value) noexcept {
                              (*static_cast<target*>(e))(key, value);
                            }});
}

/// The transaction's name as sent: the root's name, "<unlabeled transaction>" when empty (as JS
/// and native write it).
inline std::string_view transaction_name(const transaction_block& b) noexcept {
  std::string_view name = b.str(b.spans[0].name);
  return name.empty() ? std::string_view("<unlabeled transaction>") : name;
}

/// Whether the envelope header of `b` gets a `trace`: Relay needs trace_id and public_key, so
/// not without a DSN, nor for a continued trace whose caller sent no Sentry baggage.
inline bool has_dsc(const transaction_block& b, const envelope_context& ctx) noexcept {
  if (b.continued || b.dsc_state.load(order_acquire) == dsc_frozen)
    return !b.dsc.sentry("trace_id").empty() && !b.dsc.sentry("public_key").empty();
  return !ctx.public_key.empty();
}

/// The DSC object of `b` (call only when has_dsc()): the frozen one when there is one, else the
/// head-of-trace DSC made now.
inline void write_dsc_object(json_writer& w, const transaction_block& b, const envelope_context& ctx) noexcept {
  if (b.continued || b.dsc_state.load(order_acquire) == dsc_frozen) {
    b.dsc.write_json(w);
    return;
  }
  w.begin_object();
  for_each_head_dsc(b.trace, transaction_name(b), b.source, b.sample_rate_known, b.sample_rate,
                    b.sample_rand_micros, parent_decision::sampled, ctx,
                    [&](std::string_view k, std::string_view v) { w.key(k).string(v); });
  w.end_object();
}

inline void write_dsc(json_writer& w, const transaction_block& b, const envelope_context& ctx) noexcept {
  if (!has_dsc(b, ctx)) return;
  w.literal_key("trace");
  write_dsc_object(w, b, ctx);
}

inline void write_attributes(json_writer& w, const transaction_block& b, const span_record& r) noexcept {
  for (std::uint16_t i = r.attr_head; i != no_index; i = b.attributes[i].next) {
    const attribute_record& a = b.attributes[i];
    w.key(b.str(a.key));
    switch (a.type) {
      case attribute_type::string: w.string(b.str(a.text)); break;
      case attribute_type::int64: w.number(a.int_value); break;
      case attribute_type::float64: w.number(a.float_value); break;
      case attribute_type::boolean: w.boolean(a.bool_value); break;
    }
  }
}

inline std::string_view op_or_default(const transaction_block& b, const span_record& r) noexcept {
  std::string_view op = b.str(r.op);
  return op.empty() ? std::string_view("default") : op;
}
inline std::string_view origin_or_manual(const transaction_block& b, const span_record& r) noexcept {
  std::string_view origin = b.str(r.origin);
  return origin.empty() ? std::string_view("manual") : origin;
}

/// A trace id in hex, made once per envelope: every span of it repeats the trace id.
struct trace_hex {
  char text[32];
  explicit trace_hex(trace_id id) noexcept { id.to_hex(text); }
  std::string_view view() const noexcept { return std::string_view(text, 32); }
};

/// trace_id, span_id of span `r` and (unless it starts the trace) the parent it is written with.
inline void write_span_ids(json_writer& w, const trace_hex& trace, const span_record& r, span_id parent) noexcept {
  char hex[16];
  w.literal_key("trace_id").ascii_string(trace.view());
  r.id.to_hex(hex);
  w.literal_key("span_id").ascii_string(std::string_view(hex, 16));
  if (!parent.is_zero()) {
    parent.to_hex(hex);
    w.literal_key("parent_span_id").ascii_string(std::string_view(hex, 16));
  }
}

/// The parent span `slot` is written with. A span that had not ended when its transaction was
/// written is not in it (counted invalid); a child of it that had ended is attached to its
/// nearest ancestor that is, so that no parent_span_id names a span the transaction lacks.
/// Parents start before their children, so a parent's slot is lower and has been decided:
/// `written` (ascending, `listed` entries) holds the slots written so far.
inline span_id written_parent(const transaction_block& b, std::uint32_t slot, const std::uint16_t* written,
                              std::size_t listed) noexcept {
  span_id parent = b.spans[slot].parent;
  for (std::uint32_t below = slot; below > 1;) {  // each hop moves to a lower slot: bounded
    std::uint32_t u = below - 1;
    // A slot another thread has claimed but not yet published (state 0) is being written: its
    // id is not read. A parent is never such a slot: it was published before its child started.
    while (u > 0 && (b.spans[u].state.load(order_acquire) == 0 || b.spans[u].id != parent)) --u;
    if (u == 0) return parent;  // the root, or a span outside this block
    const std::uint16_t* end = written + listed;
    const std::uint16_t* at = written;
    while (at != end && *at < u) ++at;
    if (at != end && *at == u) return parent;  // written: a parent in the transaction
    parent = b.spans[u].parent;
    below = u;
  }
  return parent;
}

/// thread.id (a string, as sentry_sdk writes it) and thread.name of the profiled thread in
/// `slot` (frames.hpp), into an open `data` object: they link a span to the samples of that
/// thread in a profile chunk. Nothing when the slot is 0 or was freed since.
inline void write_thread_data(json_writer& w, std::uint32_t slot) noexcept {
  if constexpr (!profiling_supported) return;  // no thread is ever profiled there
  profiled_thread thread;
  if (slot == 0 || !profiled_thread_at(slot, thread)) return;
  char id[20];
  w.literal_key("thread.id").string(std::string_view(id, format_uint(id, thread.tid)));
  w.literal_key("thread.name").string(std::string_view(thread.name));
}

/// The fields a span and the trace context share: ids, op, status, origin and data.
inline void write_span_common(json_writer& w, const transaction_block& b, const trace_hex& trace,
                              const span_record& r, bool root, span_id parent) noexcept {
  write_span_ids(w, trace, r, parent);
  std::string_view op = op_or_default(b, r);
  std::string_view origin = origin_or_manual(b, r);
  w.literal_key("op").string(op);
  w.literal_key("status").ascii_string(to_string(r.status));
  w.literal_key("origin").string(origin);
  w.literal_key("data").begin_object();
  w.literal_key("sentry.op").string(op);
  w.literal_key("sentry.origin").string(origin);
  if (root) {
    w.literal_key("sentry.segment.name.source").string(to_string(b.source));
    if (b.sample_rate_known) w.literal_key("sentry.sample_rate").number(b.sample_rate);
  }
  write_thread_data(w, r.thread_slot);
  write_attributes(w, b, r);
  w.end_object();
}

/// Room kept at the start of the envelope buffer for the headers, written after the payload
/// (whose length the item header needs): 12 KiB holds the largest headers (a DSC full of escaped
/// characters); a small buffer (down to the 4 KiB SENTRY_TRACE_ENVELOPE_BYTES allows, e.g. on a
/// microcontroller) gives them a quarter of itself, which the usual few hundred bytes fit.
constexpr std::size_t header_room_for(std::size_t cap) noexcept { return cap >= 13 * 1024 ? 12 * 1024 : cap / 4; }

/// Closes a payload written at buf + header_room by hand (after a rewind the writer's state is
/// stale; the 2 bytes were kept free) and returns its length.
inline std::size_t close_items_payload(char* buf, std::size_t header_room, const fixed_sink& payload) noexcept {
  std::memcpy(buf + header_room + payload.size(), "]}", 2);
  return payload.size() + 2;
}

/// Moves the headers written at the start of `buf` to sit right before the payload, and
/// returns the whole envelope.
inline std::string_view join_headers_and_payload(char* buf, std::size_t header_room, std::size_t head_len,
                                                 std::size_t payload_len) noexcept {
  std::memmove(buf + header_room - head_len, buf, head_len);
  return std::string_view(buf + header_room - head_len, head_len + payload_len);
}

/// Result of writing a transaction envelope.
struct transaction_write {
  std::string_view bytes;       ///< empty when not even the transaction itself fitted
  std::size_t spans_written = 0;  ///< child spans in the envelope
  std::uint16_t* slots = nullptr; ///< the slots written, root first (for transaction_view)
  event_id event{};               ///< the transaction's event_id (a profile item names it)
};

/// A span's start and end as epoch microseconds: a span-clock reading through the anchor, a
/// time the user gave (given_times) through its wall-clock pair only. A given time next to a
/// reading may round to just before it; the end is then the start, never a negative duration.
struct epoch_times {
  std::int64_t start_us;
  std::int64_t end_us;
};
SENTRY_TRACE_DETAIL_COLD inline epoch_times given_epoch_times(const time_anchor& a, const span_record& r) noexcept {
  const std::int64_t start = (r.given_times & start_given) ? a.mono_to_epoch_us(r.start_ticks) : a.to_epoch_us(r.start_ticks);
  const std::int64_t end = (r.given_times & end_given) ? a.mono_to_epoch_us(r.end_ticks) : a.to_epoch_us(r.end_ticks);
  return epoch_times{start, end < start ? start : end};
}
inline epoch_times epoch_times_of(const time_anchor& a, const span_record& r) noexcept {
  // Readings only (the common case): one conversion, monotone, so the end is never before the start.
  if (r.given_times == 0) return epoch_times{a.to_epoch_us(r.start_ticks), a.to_epoch_us(r.end_ticks)};
  return given_epoch_times(a, r);
}

/// `tags` as one object, when there is any.
inline void write_tags(json_writer& w, const event_tag* tags, std::size_t count) noexcept {
  if (count == 0) return;
  w.literal_key("tags").begin_object();
  for (std::size_t i = 0; i < count; ++i) w.key(tags[i].key).string(tags[i].value);
  w.end_object();
}

/// contexts.profile, when the transaction has a profile (its profile_id: the `profile` item in
/// the same envelope) or was recorded while a profiler session ran (its profiler_id: the
/// session's profile chunks), as sentry_sdk links them.
inline void write_profile_context(json_writer& w, const transaction_block& b) noexcept {
  if (!profiling_supported || b.profile_link == profile_link_none) return;
  char hex[32];
  b.profile_ref.to_hex(hex);
  w.literal_key("profile").begin_object();
  if (b.profile_link == profile_link_profile) w.literal_key("profile_id");
  else w.literal_key("profiler_id");
  w.string(std::string_view(hex, 32)).end_object();
}

/// The transaction's own fields, up to and with its contexts. `edit` (before_send_transaction's
/// result, or nullptr) renames it (source "custom" when the name changed, as @sentry/core does;
/// an empty name keeps the original) and adds tags.
inline void write_transaction_fields(json_writer& w, const transaction_block& b, const envelope_context& ctx,
                                     std::string_view event_hex, const trace_hex& trace,
                                     const transaction_event* edit) noexcept {
  const span_record& root = b.spans[0];
  const std::string_view name = transaction_name(b);
  const bool renamed = edit != nullptr && !edit->name.empty() && edit->name != name;
  w.literal_key("type").string("transaction");
  w.literal_key("event_id").string(event_hex);
  w.literal_key("platform").string("native");
  w.literal_key("transaction").string(renamed ? edit->name : name);
  w.literal_key("transaction_info").begin_object().literal_key("source")
      .string(to_string(renamed ? transaction_source::custom : b.source)).end_object();
  const epoch_times at = epoch_times_of(ctx.anchor, root);
  w.literal_key("start_timestamp").timestamp(at.start_us);
  w.literal_key("timestamp").timestamp(at.end_us);
  if (!ctx.release.empty()) w.literal_key("release").string(ctx.release);
  w.literal_key("environment").string(ctx.environment);
  if (!ctx.server_name.empty()) w.literal_key("server_name").string(ctx.server_name);
  write_payload_sdk(w);
  if (edit != nullptr) write_tags(w, edit->tags, edit->tag_count);
  w.literal_key("contexts").begin_object().literal_key("trace").begin_object();
  write_span_common(w, b, trace, root, true, root.parent);
  w.end_object();
  write_profile_context(w, b);
  if (ctx.host != nullptr) write_host_contexts(w, *ctx.host);
  w.end_object();
}

/// The `measurements` object, when the transaction has a measurement that is ready.
inline void write_measurements(json_writer& w, const transaction_block& b) noexcept {
  std::uint32_t measurement_count = b.measurements_used.load(order_acquire);
  if (measurement_count > SENTRY_TRACE_MAX_MEASUREMENTS) measurement_count = SENTRY_TRACE_MAX_MEASUREMENTS;
  bool any_measurement = false;
  for (std::uint32_t i = 0; i < measurement_count; ++i) {
    const measurement_record& m = b.measurements[i];
    if (m.ready.load(order_acquire) != 1) continue;
    if (!any_measurement) w.literal_key("measurements").begin_object();
    any_measurement = true;
    w.key(b.str(m.name)).begin_object().literal_key("value").number(m.value());
    const arena_str unit = m.unit_str();
    if (unit.length) w.literal_key("unit").string(b.str(unit));
    w.end_object();
  }
  if (any_measurement) w.end_object();
}

/// The child spans that ended, into the open `spans` array; returns how many slots `slot_list`
/// lists (the root first). Spans that never ended are counted `invalid`; spans that do not fit,
/// `buffer_overflow` (the payload goes back to the last whole span).
inline std::size_t write_spans(json_writer& w, fixed_sink& payload, const transaction_block& b, std::uint32_t handed_out,
                               const envelope_context& ctx, const trace_hex& trace, std::uint16_t* slot_list) noexcept {
  slot_list[0] = 0;
  std::size_t listed = 1;
  std::uint32_t unfinished = 0, overflowed = 0;
  json_writer::timestamp_cache stamps;  // the spans' timestamps mostly share their whole seconds
  for (std::uint32_t slot = 1; slot < handed_out; ++slot) {
    const span_record& r = b.spans[slot];
    if (r.state.load(order_acquire) != slot_ended) {
      ++unfinished;
      continue;
    }
    if (overflowed) {
      ++overflowed;
      continue;
    }
    std::size_t checkpoint = payload.size();
    w.begin_object();
    write_span_common(w, b, trace, r, false, unfinished ? written_parent(b, slot, slot_list, listed) : r.parent);
    w.literal_key("description").string(b.str(r.name));
    const epoch_times at = epoch_times_of(ctx.anchor, r);
    w.literal_key("start_timestamp").timestamp(at.start_us, stamps);
    w.literal_key("timestamp").timestamp(at.end_us, stamps);
    w.end_object();
    if (!w.ok()) {
      // Back to the last whole span; nothing more is written through `w` after this.
      payload.rewind(checkpoint);
      overflowed = 1;
      continue;
    }
    slot_list[listed++] = static_cast<std::uint16_t>(slot);
  }
  g_outcomes.record(discard_reason::invalid, data_category::span, unfinished);
  g_outcomes.record(discard_reason::buffer_overflow, data_category::span, overflowed);
  return listed;
}

/// The envelope header and the item header of a `payload_len`-byte transaction, each followed
/// by a newline; false when they do not fit.
inline bool write_transaction_headers(fixed_sink& head, const transaction_block& b, const envelope_context& ctx,
                                      std::string_view event_hex, std::size_t payload_len) noexcept {
  json_writer h(head);
  h.begin_object();
  h.literal_key("event_id").string(event_hex);
  h.literal_key("sent_at").timestamp(ctx.sent_at_epoch_us);
  write_sdk(h);
  write_dsc(h, b, ctx);
  h.end_object();
  head.put('\n');
  json_writer item(head);
  item.begin_object().literal_key("type").string("transaction").literal_key("length").number(static_cast<std::uint64_t>(payload_len));
  item.literal_key("content_type").string("application/json").end_object();
  head.put('\n');
  return h.ok() && item.ok() && !head.overflowed();
}

/// Serializes the transaction in `b` (its root ended; `handed_out` slots were claimed) into
/// `buf`: the payload first, after room kept for the headers (header_room_for), which are
/// written once the payload's length is known and then moved flush against it. What does not
/// fit is dropped and counted. `slot_list` must hold `handed_out` entries.
inline transaction_write write_transaction_envelope(char* buf, std::size_t cap, const transaction_block& b,
                                                    std::uint32_t handed_out, const envelope_context& ctx,
                                                    std::uint16_t* slot_list,
                                                    const transaction_event* edit = nullptr) noexcept {
  transaction_write result;
  const std::size_t header_room = header_room_for(cap);
  if (cap < header_room + 1024) return result;
  char event_hex[32];
  result.event = new_event_id();
  result.event.to_hex(event_hex);
  const std::string_view event_id_text(event_hex, 32);
  const trace_hex trace(b.trace);

  const std::size_t payload_cap = cap - header_room - 2;  // 2: the closing "]}" always fits
  fixed_sink payload(buf + header_room, payload_cap);
  json_writer w(payload);
  w.begin_object();
  write_transaction_fields(w, b, ctx, event_id_text, trace, edit);
  write_measurements(w, b);
  w.literal_key("spans").begin_array();
  if (!w.ok()) {
    // Not even the transaction without spans fits: nothing can go out.
    g_outcomes.record_transaction(discard_reason::buffer_overflow, handed_out);
    return result;
  }
  const std::size_t listed = write_spans(w, payload, b, handed_out, ctx, trace, slot_list);
  const std::size_t payload_len = close_items_payload(buf, header_room, payload);

  fixed_sink head(buf, header_room);
  if (!write_transaction_headers(head, b, ctx, event_id_text, payload_len)) {
    g_outcomes.record_transaction(discard_reason::buffer_overflow, handed_out);
    return result;
  }
  result.bytes = join_headers_and_payload(buf, header_room, head.size(), payload_len);
  result.spans_written = listed - 1;
  result.slots = slot_list;
  return result;
}

/// One typed attribute of a span v2 item: {"type":…,"value":…}.
inline void write_typed_string(json_writer& w, std::string_view key, std::string_view value) noexcept {
  w.key(key).begin_object().literal_key("type").string("string").literal_key("value").string(value).end_object();
}

/// One span of `b` as a span v2 item (PROTOCOL.md §6): ids, name, float-second timestamps,
/// is_segment, status "ok"/"error" (the detailed status in sentry.status.message), and typed
/// attributes, with the sentry.* ones @sentry/core 11 adds.
/// `trace` and `segment_id` are the block's trace id and segment id in hex, made once per batch.
inline void write_span_v2(json_writer& w, const transaction_block& b, const span_record& r, bool segment,
                          std::string_view segment_name, const trace_hex& trace, std::string_view segment_id,
                          const envelope_context& ctx) noexcept {
  w.begin_object();
  write_span_ids(w, trace, r, r.parent);
  std::string_view name = b.str(r.name);
  w.literal_key("name").string(segment ? segment_name : name);
  w.literal_key("status").string(r.status == span_status::ok ? "ok" : "error");
  w.literal_key("is_segment").boolean(segment);
  const epoch_times at = epoch_times_of(ctx.anchor, r);
  w.literal_key("start_timestamp").seconds(at.start_us);
  w.literal_key("end_timestamp").seconds(at.end_us);
  w.literal_key("attributes").begin_object();
  write_typed_string(w, "sentry.op", op_or_default(b, r));
  write_typed_string(w, "sentry.origin", origin_or_manual(b, r));
  write_typed_string(w, "sentry.trace_lifecycle", "stream");
  write_typed_string(w, "sentry.segment.name", segment_name);
  write_typed_string(w, "sentry.segment.id", segment_id);
  write_typed_string(w, "sentry.sdk.name", sdk_name);
  write_typed_string(w, "sentry.sdk.version", version_string);
  if (!ctx.release.empty()) write_typed_string(w, "sentry.release", ctx.release);
  write_typed_string(w, "sentry.environment", ctx.environment);
  // A status with a message (span::set_status(status, message)) has it among the attributes
  // below, in place of the status name, as @sentry/core's addStatusMessageAttribute writes it.
  // The flag means nothing under ok, hence the order.
  if (r.status != span_status::ok && !r.has_status_message)
    write_typed_string(w, "sentry.status.message", to_string(r.status));
  if (segment) {
    write_typed_string(w, "sentry.segment.name.source", to_string(b.source));
    if (b.sample_rate_known)
      w.literal_key("sentry.sample_rate").begin_object().literal_key("type").string("double").literal_key("value").number(b.sample_rate).end_object();
  }
  for (std::uint16_t i = r.attr_head; i != no_index; i = b.attributes[i].next) {
    const attribute_record& a = b.attributes[i];
    w.key(b.str(a.key)).begin_object();
    switch (a.type) {
      case attribute_type::string: w.literal_key("type").string("string").literal_key("value").string(b.str(a.text)); break;
      case attribute_type::int64: w.literal_key("type").string("integer").literal_key("value").number(a.int_value); break;
      case attribute_type::float64: w.literal_key("type").string("double").literal_key("value").number(a.float_value); break;
      case attribute_type::boolean: w.literal_key("type").string("boolean").literal_key("value").boolean(a.bool_value); break;
    }
    w.end_object();
  }
  w.end_object();
  w.end_object();
}

/// Writes the ended spans of a streaming block as span v2 envelopes of at most 1000 items,
/// handing each to `emit(std::string_view bytes, std::uint32_t items)`. Spans that never ended
/// are counted `invalid`; a span too large for the buffer on its own, `buffer_overflow`.
template <class Emit>
void write_span_batches(char* buf, std::size_t cap, const transaction_block& b, std::uint32_t handed_out,
                        const envelope_context& ctx, Emit&& emit) noexcept {
  constexpr std::uint32_t max_items = 1000;  // Relay's limit per span container item
  const std::size_t header_room = header_room_for(cap);
  if (cap < header_room + 1024) return;
  const std::string_view segment_name = b.is_continuation ? b.str(b.segment_name) : transaction_name(b);
  std::uint32_t slot = b.is_continuation ? 1 : 0;  // a continuation's slot 0 is its holder, not a span
  std::uint32_t unfinished = 0, too_large = 0;
  const trace_hex trace(b.trace);
  char segment_hex[16];
  b.segment_id.to_hex(segment_hex);
  const std::string_view segment_id(segment_hex, sizeof segment_hex);
  while (slot < handed_out) {
    fixed_sink payload(buf + header_room, cap - header_room - 2);  // 2: the closing "]}" always fits
    json_writer w(payload);
    w.begin_object().literal_key("version").number(2).literal_key("items").begin_array();
    std::uint32_t items = 0;
    for (; slot < handed_out && items < max_items; ++slot) {
      const span_record& r = b.spans[slot];
      if (r.state.load(order_acquire) != slot_ended) {
        ++unfinished;
        continue;
      }
      const json_writer::checkpoint before = w.mark();
      write_span_v2(w, b, r, slot == 0 && !b.is_continuation, segment_name, trace, segment_id, ctx);
      if (!w.ok()) {
        w.rewind(before);
        if (items == 0) {  // alone it does not fit: drop it rather than loop
          ++too_large;
          continue;
        }
        break;  // the rest go in the next envelope
      }
      ++items;
    }
    if (items == 0) continue;
    const std::size_t payload_len = close_items_payload(buf, header_room, payload);
    fixed_sink head(buf, header_room);
    json_writer h(head);
    h.begin_object();
    h.literal_key("sent_at").timestamp(ctx.sent_at_epoch_us);
    write_sdk(h);
    write_dsc(h, b, ctx);
    h.end_object();
    head.put('\n');
    json_writer item(head);
    item.begin_object().literal_key("type").string("span").literal_key("item_count").number(static_cast<std::uint64_t>(items));
    item.literal_key("content_type").string("application/vnd.sentry.items.span.v2+json");
    item.literal_key("length").number(static_cast<std::uint64_t>(payload_len)).end_object();
    head.put('\n');
    if (!h.ok() || !item.ok() || head.overflowed()) {
      g_outcomes.record(discard_reason::buffer_overflow, data_category::span, items);
      continue;
    }
    emit(join_headers_and_payload(buf, header_room, head.size(), payload_len), items);
  }
  g_outcomes.record(discard_reason::invalid, data_category::span, unfinished);
  g_outcomes.record(discard_reason::buffer_overflow, data_category::span, too_large);
}

/// Writes the pending outcomes as a client-report envelope and clears them. Empty when none.
inline std::string_view write_client_report_envelope(char* buf, std::size_t cap, const envelope_context& ctx) noexcept {
  // The payload (at most reasons x categories entries) goes first, after room for the two
  // header lines, whose length depends on it; the headers then move up to meet it. Built in
  // `buf` rather than in a local buffer: this runs from flush() and shutdown() on the caller's
  // stack, which on a small target has 2 KiB in all.
  constexpr std::size_t header_room = 256;  // sent_at, sdk, and the item header: under 200 bytes
  if (cap < header_room + 256) return {};
  fixed_sink payload(buf + header_room, cap - header_room);
  json_writer p(payload);
  p.begin_object();
  p.literal_key("timestamp").seconds(ctx.sent_at_epoch_us);
  p.literal_key("discarded_events").begin_array();
  std::uint64_t taken[reason_count][category_count] = {};
  bool any = false;
  for (std::size_t r = 0; r < reason_count; ++r) {
    for (std::size_t c = 0; c < category_count; ++c) {
      std::uint64_t q = g_outcomes.pending[r][c].exchange(0, order_relaxed);
      if (!q) continue;
      taken[r][c] = q;
      any = true;
      p.begin_object();
      p.literal_key("reason").string(to_string(static_cast<discard_reason>(r)));
      p.literal_key("category").string(to_string(static_cast<data_category>(c)));
      p.literal_key("quantity").number(q);
      p.end_object();
    }
  }
  p.end_array().end_object();
  if (!any) return {};
  fixed_sink out(buf, header_room);
  json_writer h(out);
  h.begin_object().literal_key("sent_at").timestamp(ctx.sent_at_epoch_us);
  write_sdk(h);
  h.end_object();
  out.put('\n');
  json_writer item(out);
  item.begin_object().literal_key("type").string("client_report").literal_key("length").number(static_cast<std::uint64_t>(payload.size()));
  item.end_object();
  out.put('\n');
  if (!p.ok() || payload.overflowed() || out.overflowed()) {
    // Put the counts back so that they are reported later rather than lost.
    for (std::size_t r = 0; r < reason_count; ++r)
      for (std::size_t c = 0; c < category_count; ++c)
        if (taken[r][c]) g_outcomes.pending[r][c].fetch_add(taken[r][c], order_relaxed);
    return {};
  }
  return join_headers_and_payload(buf, header_room, out.size(), payload.size());
}

} // namespace detail

#ifdef SENTRY_TRACE_IMPLEMENTATION
// transaction_view's members that read the block (declared in face/transport.hpp).
std::string_view transaction_view::name() const noexcept { return block_->str(block_->spans[0].name); }
trace_id transaction_view::trace() const noexcept { return block_->trace; }
span_view transaction_view::span_at(std::size_t i) const noexcept {
  const detail::span_record& r = block_->spans[slots_[i]];
  const detail::epoch_times at = detail::epoch_times_of(*anchor_, r);
  return span_view{r.id,
                   r.parent,
                   detail::op_or_default(*block_, r),
                   block_->str(r.name),
                   at.start_us,
                   at.end_us,
                   r.status,
                   slots_[i] == 0};
}
#endif // SENTRY_TRACE_IMPLEMENTATION

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_ENVELOPE_HPP
