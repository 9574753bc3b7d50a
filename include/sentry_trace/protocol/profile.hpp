// sentry_trace/protocol/profile.hpp -- profile payloads: v1 `profile` items, v2 `profile_chunk` envelopes
//
// WHAT IT DOES  Turns a profile_store into Sentry's two profile formats, in fixed memory:
//                 append_profile_item()           a v1 `profile` item (sample format v1), added
//                                                 as the LAST item of a transaction envelope that
//                                                 is already written, so a transport can drop it
//                                                 alone by cutting the envelope at its offset;
//                 write_profile_chunk_envelope()  a v2 `profile_chunk` envelope of its own
//                                                 (continuous profiling, sample format v2);
//                 count_dropped_profile()         the outcome of a profile that did not go out.
//               Every frame is resolved once, through the caller's frame_resolver, into a
//               stack buffer; thread ids and names come through the caller's thread_lookup.
//               Both formats leave out the threads that kept a single sample (Relay removes
//               them), and write nothing when fewer than two samples remain
//               (profile_status::insufficient_data). v1 keeps only the samples from the
//               transaction's start to 30 s after it (Relay rejects a later last sample); a v2
//               chunk longer than 66 s is refused (profile_status::too_long; Relay's limit, the
//               owner cuts chunks at 60 s).
// DOES NOT      allocate, lock, or send `debug_meta` (Relay's profile parser fails on `elf`
//               images, and Sentry does not symbolicate `native` profiles: PROTOCOL.md §12).
//               A frame's instruction_addr is its function's start when the symbol is known:
//               per-sample PCs would split one function into many frames on the server.
// FORMAT        v1: {version "1", event_id (the profile id), platform "native", timestamp
//               (RFC 3339, the transaction start), release, environment, os, device, runtime,
//               transaction {id, name, trace_id, active_thread_id}, profile {samples
//               [{elapsed_since_start_ns (string), thread_id (string), stack_id}], stacks,
//               frames, thread_metadata}}.
//               v2: envelope header {event_id (the chunk id, as @sentry/core's
//               createProfileChunkEnvelope), sent_at, sdk}, item header {type "profile_chunk",
//               platform "native", length}, payload {version "2", profiler_id, chunk_id,
//               platform, release, environment, client_sdk, profile {samples [{timestamp
//               (epoch seconds with 6 decimals), thread_id (string), stack_id}], stacks, frames,
//               thread_metadata}}.
// RAM           Stack only: about 3 KiB (the thread table) plus 1 KiB of symbol scratch.
// SPEC          https://develop.sentry.dev/sdk/telemetry/profiles/sample-format-v1/
//               https://develop.sentry.dev/sdk/telemetry/profiles/sample-format-v2/
//               relay-profiling src/sample/v1.rs and v2.rs (the checks above)

#ifndef SENTRY_TRACE_PROTOCOL_PROFILE_HPP
#define SENTRY_TRACE_PROTOCOL_PROFILE_HPP

#include "../config.hpp"
#include "envelope.hpp"
#include "host_contexts.hpp"
#include "ids.hpp"
#include "json.hpp"
#include "../core/clock.hpp"
#include "../core/outcomes.hpp"
#include "../profiling/frames.hpp"
#include "../profiling/profile_store.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

namespace detail {

/// Copies the thread in slot `slot1` (1-based) into `out`; false for a free slot. The sampler's
/// profiled_thread_at() has this shape.
using thread_lookup = bool (*)(std::uint32_t slot1, profiled_thread& out) noexcept;

/// The last sample a v1 profile may hold, after the transaction's start (Relay's limit).
inline constexpr std::uint64_t profile_v1_max_ns = 30ull * 1000 * 1000 * 1000;
/// The longest v2 chunk Relay accepts (the owner cuts chunks at 60 s).
inline constexpr std::uint64_t profile_chunk_max_ns = 66ull * 1000 * 1000 * 1000;

enum class profile_status : std::uint8_t {
  written,            ///< the result's bytes are the profile
  insufficient_data,  ///< fewer than two samples left after the cuts: nothing written
  too_long,           ///< a chunk over profile_chunk_max_ns: nothing written
  no_room             ///< the buffer could not hold it: nothing written (the envelope unchanged)
};

struct profile_result {
  profile_status status = profile_status::insufficient_data;
  std::size_t length = 0;       ///< bytes now in the buffer (the whole envelope) when written
  std::size_t item_offset = 0;  ///< append_profile_item: where the profile item starts (its '\n')
  std::uint32_t samples = 0;    ///< samples written
};

/// What a v1 profile says besides its samples.
struct profile_v1_info {
  event_id profile_id;      ///< the payload's event_id
  event_id transaction_id;  ///< the transaction event's event_id
  trace_id trace;
  std::string_view transaction_name;  ///< must not be empty (Relay)
  std::string_view release;
  std::string_view environment;
  const host_contexts* host = nullptr;  ///< os, runtime, device.architecture; nullptr: left out
  std::uint64_t start_mono_ns = 0;      ///< the transaction's start, on the sampler's clock
  time_anchor anchor;                   ///< mono_ns <-> epoch_us pair for the timestamp
  std::uint32_t active_thread_slot = 0; ///< the thread the transaction ran on (1-based; 0: unknown)
  frame_resolver resolve = nullptr;     ///< nullptr: frames carry only instruction_addr
  thread_lookup threads = nullptr;      ///< required: a sample whose thread is unknown is left out
};

/// What a v2 chunk says besides its samples.
struct profile_chunk_info {
  event_id profiler_id;  ///< the same for every chunk of one profiler session
  event_id chunk_id;     ///< new per chunk; also the envelope's event_id
  std::string_view release;
  std::string_view environment;
  time_anchor anchor;              ///< converts sample times to epoch microseconds
  std::int64_t sent_at_epoch_us = 0;
  frame_resolver resolve = nullptr;
  thread_lookup threads = nullptr;
};

/// Counts a profile that did not go out (nothing for `written`): insufficient_data and too_long
/// as insufficient_data, no_room as buffer_overflow, in `category` (profile or profile_chunk).
inline void count_dropped_profile(profile_status s, data_category category) noexcept {
  if (s == profile_status::insufficient_data || s == profile_status::too_long)
    g_outcomes.record(discard_reason::insufficient_data, category);
  else if (s == profile_status::no_room)
    g_outcomes.record(discard_reason::buffer_overflow, category);
}

/// Which samples go out: those in [from_ns, to_ns] whose thread is known and kept two or more
/// of them there. Threads are looked up once.
struct profile_selection {
  std::uint64_t from_ns = 0;
  std::uint64_t to_ns = ~0ull;
  profiled_thread thread[max_profiled_threads + 1] = {};
  std::uint32_t count[max_profiled_threads + 1] = {};
  std::uint32_t samples = 0;

  bool in_window(const stored_sample& s) const noexcept { return s.mono_ns >= from_ns && s.mono_ns <= to_ns; }
  bool keeps(const stored_sample& s) const noexcept { return in_window(s) && count[s.thread_slot] >= 2; }

  void select(const profile_store& store, thread_lookup threads) noexcept {
    bool known[max_profiled_threads + 1] = {};
    for (std::uint32_t slot = 1; slot <= max_profiled_threads; ++slot)
      known[slot] = store.thread_sample_count(slot) != 0 &&
                    (store.thread_at(slot, thread[slot]) || (threads != nullptr && threads(slot, thread[slot])));
    for (std::uint32_t i = 0; i < store.sample_count(); ++i) {
      const stored_sample& s = store.sample(i);
      if (known[s.thread_slot] && in_window(s)) ++count[s.thread_slot];
    }
    samples = 0;
    for (std::uint32_t slot = 1; slot <= max_profiled_threads; ++slot)
      if (count[slot] >= 2) samples += count[slot];
  }
};

/// Writes a thread id as the payloads want it: a decimal string.
inline void write_thread_id(json_writer& w, std::uint64_t tid) noexcept {
  char num[24];
  w.string(std::string_view(num, format_uint(num, tid)));
}

/// "0x" and lower-case hex, without leading zeros.
inline void write_address(json_writer& w, std::uintptr_t addr) noexcept {
  char hex[2 + 2 * sizeof(std::uintptr_t)];
  char digits[16];
  u64_to_hex(static_cast<std::uint64_t>(addr), digits);
  std::size_t skip = 0;
  while (skip < 15 && digits[skip] == '0') ++skip;
  hex[0] = '0';
  hex[1] = 'x';
  std::memcpy(hex + 2, digits + skip, 16 - skip);
  w.string(std::string_view(hex, 2 + 16 - skip));
}

/// The `stacks`, `frames` and `thread_metadata` members both formats share.
inline void write_profile_tables(json_writer& w, const profile_store& store, const profile_selection& sel,
                                 frame_resolver resolve) noexcept {
  w.literal_key("stacks").begin_array();
  std::uint32_t frames[max_stack_frames];
  for (std::uint32_t i = 0; i < store.stack_count(); ++i) {
    const std::uint32_t n = store.stack_frames(i, frames);
    w.begin_array();
    for (std::uint32_t k = 0; k < n; ++k) w.number(frames[k]);
    w.end_array();
  }
  w.end_array();
  w.literal_key("frames").begin_array();
  char scratch[1024];
  for (std::uint32_t i = 0; i < store.frame_count(); ++i) {
    const std::uintptr_t addr = store.frame_address(i);
    resolved_frame f;
    f.instruction_addr = addr;
    const bool resolved = resolve != nullptr && resolve(addr, f, scratch, sizeof(scratch));
    w.begin_object();
    if (resolved && !f.function.empty()) w.literal_key("function").string(f.function);
    if (resolved && !f.module.empty()) w.literal_key("module").string(f.module);
    if (resolved) w.literal_key("in_app").boolean(f.in_app);
    w.literal_key("instruction_addr");
    write_address(w, resolved && f.symbol_addr != 0 ? f.symbol_addr : addr);
    w.end_object();
  }
  w.end_array();
  w.literal_key("thread_metadata").begin_object();
  for (std::uint32_t slot = 1; slot <= max_profiled_threads; ++slot) {
    if (sel.count[slot] < 2) continue;
    char num[24];
    w.key(std::string_view(num, format_uint(num, sel.thread[slot].tid))).begin_object();
    std::size_t name_len = 0;
    while (name_len < sizeof(sel.thread[slot].name) && sel.thread[slot].name[name_len] != '\0') ++name_len;
    if (name_len != 0) w.literal_key("name").string(std::string_view(sel.thread[slot].name, name_len));
    w.end_object();
  }
  w.end_object();
}

/// The v1 payload into out[0..cap). Its length, or 0 when it did not fit; `sel` must have been
/// selected with the window [start, start + 30 s].
inline std::size_t write_profile_v1_payload(char* out, std::size_t cap, const profile_store& store,
                                            const profile_v1_info& info, const profile_selection& sel) noexcept {
  fixed_sink sink(out, cap);
  json_writer w(sink);
  char hex[32];
  w.begin_object();
  w.literal_key("version").string("1");
  info.profile_id.to_hex(hex);
  w.literal_key("event_id").string(std::string_view(hex, 32));
  w.literal_key("platform").string("native");
  w.literal_key("timestamp").timestamp(info.anchor.mono_to_epoch_us(info.start_mono_ns));
  if (!info.release.empty()) w.literal_key("release").string(info.release);
  if (!info.environment.empty()) w.literal_key("environment").string(info.environment);
  if (info.host != nullptr) {
    const host_contexts& h = *info.host;
    w.literal_key("os").begin_object();
    w.literal_key("name").string(h.os_name);
    w.literal_key("version").string(h.os_version);
    if (!h.os_build.empty()) w.literal_key("build_number").string(h.os_build);
    w.end_object();
    w.literal_key("device").begin_object().literal_key("architecture").string(h.arch).end_object();
    if (!h.runtime_name.empty()) {
      w.literal_key("runtime").begin_object();
      w.literal_key("name").string(h.runtime_name);
      w.literal_key("version").string(h.runtime_version);
      w.end_object();
    }
  }
  // The active thread: the transaction's own when it kept samples, else the first one kept.
  std::uint32_t active = info.active_thread_slot;
  if (active == 0 || active > max_profiled_threads || sel.count[active] < 2) {
    active = 0;
    for (std::uint32_t slot = 1; slot <= max_profiled_threads && active == 0; ++slot)
      if (sel.count[slot] >= 2) active = slot;
  }
  w.literal_key("transaction").begin_object();
  info.transaction_id.to_hex(hex);
  w.literal_key("id").string(std::string_view(hex, 32));
  w.literal_key("name").string(info.transaction_name);
  info.trace.to_hex(hex);
  w.literal_key("trace_id").string(std::string_view(hex, 32));
  w.literal_key("active_thread_id");
  write_thread_id(w, sel.thread[active].tid);
  w.end_object();

  w.literal_key("profile").begin_object();
  w.literal_key("samples").begin_array();
  for (std::uint32_t i = 0; i < store.sample_count(); ++i) {
    const stored_sample& s = store.sample(i);
    if (!sel.keeps(s)) continue;
    char num[24];
    w.begin_object();
    w.literal_key("elapsed_since_start_ns").string(std::string_view(num, format_uint(num, s.mono_ns - sel.from_ns)));
    w.literal_key("thread_id");
    write_thread_id(w, sel.thread[s.thread_slot].tid);
    w.literal_key("stack_id").number(s.stack);
    w.end_object();
  }
  w.end_array();
  write_profile_tables(w, store, sel, info.resolve);
  w.end_object();
  w.end_object();
  return w.ok() && !sink.overflowed() ? sink.size() : 0;
}

/// Room kept for a profile item's header: `\n{"type":"profile","length":<20 digits>,
/// "content_type":"application/json"}\n` is at most 83 bytes.
inline constexpr std::size_t profile_item_header_room = 96;

/// Appends the v1 profile of `store` as the last item of the envelope in buf[0..envelope_len)
/// (a complete envelope; `cap` counts from buf). The payload is written into the free space
/// after room for its item header, the header into that room once the length is known, and
/// the payload moved flush against it. On success, length is the new envelope length and
/// item_offset == envelope_len (truncating the envelope there drops the profile alone). Any
/// other status leaves buf[0..envelope_len) as it was (bytes after it may be overwritten).
inline profile_result append_profile_item(char* buf, std::size_t cap, std::size_t envelope_len,
                                          const profile_store& store, const profile_v1_info& info) noexcept {
  profile_result r;
  profile_selection sel;
  sel.from_ns = info.start_mono_ns;
  sel.to_ns = info.start_mono_ns + profile_v1_max_ns;
  sel.select(store, info.threads);
  if (sel.samples < 2) return r;
  r.status = profile_status::no_room;
  if (envelope_len > cap || cap - envelope_len <= profile_item_header_room) return r;
  char* payload = buf + envelope_len + profile_item_header_room;
  const std::size_t payload_len =
      write_profile_v1_payload(payload, cap - envelope_len - profile_item_header_room, store, info, sel);
  if (payload_len == 0) return r;

  char head_buf[profile_item_header_room];
  fixed_sink head(head_buf);
  head.put('\n');
  json_writer item(head);
  item.begin_object().literal_key("type").string("profile");
  item.literal_key("length").number(static_cast<std::uint64_t>(payload_len));
  item.literal_key("content_type").string("application/json").end_object();
  head.put('\n');
  if (!item.ok() || head.overflowed()) return r;
  std::memmove(buf + envelope_len + head.size(), payload, payload_len);
  std::memcpy(buf + envelope_len, head_buf, head.size());
  r.status = profile_status::written;
  r.item_offset = envelope_len;
  r.length = envelope_len + head.size() + payload_len;
  r.samples = sel.samples;
  return r;
}

/// Writes "<seconds>.<6 digits>" for epoch microseconds: exact, where a double would round.
inline void write_epoch_seconds(json_writer& w, std::int64_t epoch_us) noexcept {
  if (epoch_us < 0) epoch_us = 0;
  const std::uint64_t us = static_cast<std::uint64_t>(epoch_us);
  char num[32];
  std::size_t n = format_uint(num, us / 1000000);
  std::uint32_t frac = static_cast<std::uint32_t>(us % 1000000);
  num[n] = '.';
  for (std::size_t i = 6; i >= 1; --i) {
    num[n + i] = static_cast<char>('0' + frac % 10);
    frac /= 10;
  }
  w.raw(std::string_view(num, n + 7));
}

/// Room kept at the start of a chunk envelope for its two header lines (event_id, sent_at, the
/// sdk, the item header): under 300 bytes.
inline constexpr std::size_t profile_chunk_header_room = 384;

/// Writes the v2 chunk of `store` (every sample it kept: the owner resets the store per chunk)
/// as a whole envelope into buf[0..cap). On success length is the envelope's size.
inline profile_result write_profile_chunk_envelope(char* buf, std::size_t cap, const profile_store& store,
                                                   const profile_chunk_info& info) noexcept {
  profile_result r;
  profile_selection sel;
  sel.select(store, info.threads);
  if (sel.samples < 2) return r;
  std::uint64_t first = ~0ull, last = 0;
  for (std::uint32_t i = 0; i < store.sample_count(); ++i) {
    const stored_sample& s = store.sample(i);
    if (!sel.keeps(s)) continue;
    if (s.mono_ns < first) first = s.mono_ns;
    if (s.mono_ns > last) last = s.mono_ns;
  }
  if (last - first > profile_chunk_max_ns) {
    r.status = profile_status::too_long;
    return r;
  }
  r.status = profile_status::no_room;
  if (cap <= profile_chunk_header_room) return r;

  char* payload_at = buf + profile_chunk_header_room;
  fixed_sink payload(payload_at, cap - profile_chunk_header_room);
  json_writer w(payload);
  char chunk_hex[32], hex[32];
  info.chunk_id.to_hex(chunk_hex);
  w.begin_object();
  w.literal_key("version").string("2");
  info.profiler_id.to_hex(hex);
  w.literal_key("profiler_id").string(std::string_view(hex, 32));
  w.literal_key("chunk_id").string(std::string_view(chunk_hex, 32));
  w.literal_key("platform").string("native");
  if (!info.release.empty()) w.literal_key("release").string(info.release);
  w.literal_key("environment").string(info.environment.empty() ? std::string_view("production") : info.environment);
  w.literal_key("client_sdk").begin_object();
  w.literal_key("name").string(sdk_name);
  w.literal_key("version").string(version_string);
  w.end_object();
  w.literal_key("profile").begin_object();
  w.literal_key("samples").begin_array();
  for (std::uint32_t i = 0; i < store.sample_count(); ++i) {
    const stored_sample& s = store.sample(i);
    if (!sel.keeps(s)) continue;
    w.begin_object();
    w.literal_key("timestamp");
    write_epoch_seconds(w, info.anchor.mono_to_epoch_us(s.mono_ns));
    w.literal_key("thread_id");
    write_thread_id(w, sel.thread[s.thread_slot].tid);
    w.literal_key("stack_id").number(s.stack);
    w.end_object();
  }
  w.end_array();
  write_profile_tables(w, store, sel, info.resolve);
  w.end_object();
  w.end_object();
  if (!w.ok() || payload.overflowed()) return r;

  fixed_sink head(buf, profile_chunk_header_room);
  json_writer h(head);
  h.begin_object();
  h.literal_key("event_id").string(std::string_view(chunk_hex, 32));
  h.literal_key("sent_at").timestamp(info.sent_at_epoch_us);
  write_sdk(h);
  h.end_object();
  head.put('\n');
  json_writer item(head);
  item.begin_object().literal_key("type").string("profile_chunk").literal_key("platform").string("native");
  item.literal_key("length").number(static_cast<std::uint64_t>(payload.size())).end_object();
  head.put('\n');
  if (!h.ok() || !item.ok() || head.overflowed()) return r;
  std::memmove(buf + head.size(), payload_at, payload.size());
  r.status = profile_status::written;
  r.length = head.size() + payload.size();
  r.samples = sel.samples;
  return r;
}

}  // namespace detail

SENTRY_TRACE_DETAIL_END

#endif  // SENTRY_TRACE_PROTOCOL_PROFILE_HPP
