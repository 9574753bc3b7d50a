// sentry_trace/protocol/stacktrace.hpp -- a call stack as an error event writes it
//
// WHAT IT DOES  Holds one thread's call stack, already resolved to names (profiling/
//               event_stack.hpp fills it), and writes it in an event's JSON:
//                 write_stacktrace()  "stacktrace":{"frames":[...]}, oldest frame first and the
//                                     innermost last, as Sentry's stack trace interface orders
//                                     them; each frame has instruction_addr (the return
//                                     address, or the PC for the innermost, as "0x..." hex, the
//                                     address Sentry's symbolicator adjusts itself), and when
//                                     known function (demangled), symbol_addr, package (the
//                                     image's path), image_addr and in_app;
//                 write_debug_meta()  "debug_meta":{"images":[...]}, one {type "elf", code_file,
//                                     image_addr, image_size, code_id, debug_id} per image a
//                                     frame lies in, so that Sentry can symbolicate on the
//                                     server too when the debug files are uploaded.
// DOES NOT      unwind or resolve (profiling/): it only holds and writes. Frames beyond
//               max_event_frames are the outermost and are not kept; a function name is cut at
//               max_event_name_bytes, and the frames whose names no longer fit in the shared
//               name bytes are written without a function (their addresses still are).
//               Where profiling_supported is false (stack_walk.hpp) no stack is ever captured,
//               and the event writer leaves this code out.
// RAM           sizeof(event_stacktrace): 16 664 bytes on x86-64, one static instance behind
//               the envelope lock (runtime/distributed.hpp).
// SPEC          https://develop.sentry.dev/sdk/data-model/event-payloads/stacktrace/
//               https://develop.sentry.dev/sdk/data-model/event-payloads/debugmeta/

#ifndef SENTRY_TRACE_PROTOCOL_STACKTRACE_HPP
#define SENTRY_TRACE_PROTOCOL_STACKTRACE_HPP

#include "../config.hpp"
#include "json.hpp"
#include "../profiling/stack_walk.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

namespace detail {

/// The frames an event keeps of one stack (the innermost ones), and the images they lie in.
inline constexpr std::size_t max_event_frames = 64;
inline constexpr std::size_t max_event_images = 32;
/// Bytes of function names shared by an event's frames.
inline constexpr std::size_t event_name_bytes = 8192;
/// The longest function name one frame keeps.
inline constexpr std::size_t max_event_name_bytes = 512;

/// One frame of an event's stack trace. The strings point into the event_stacktrace's name
/// bytes or into the symbolizer's image table.
struct event_frame {
  std::uintptr_t instruction_addr = 0;
  std::uintptr_t symbol_addr = 0;  ///< 0: unknown, not written
  std::uintptr_t image_addr = 0;   ///< 0: in no known image, not written
  std::string_view function;       ///< empty: unknown, not written
  std::string_view package;        ///< the image's path; empty: not written
  bool in_app = false;
};

/// One loaded image as debug_meta names it.
struct event_image {
  std::string_view code_file;
  std::uintptr_t image_addr = 0;
  std::uint64_t image_size = 0;
  char code_id[65] = {};  ///< the build id as hex; empty when the image has none
  char debug_id[37] = {}; ///< the uuid derived from it; empty when the image has none
};

/// A resolved call stack, innermost frame first (frames[0]).
struct event_stacktrace {
  event_frame frames[max_event_frames];
  std::size_t frame_count = 0;
  event_image images[max_event_images];
  std::size_t image_count = 0;
  char names[event_name_bytes];
  std::size_t names_used = 0;
};

/// Writes `"0x<hex>"` as the value of the key just written.
inline void write_hex_address(json_writer& w, std::uintptr_t address) noexcept {
  char hex[2 + 2 * sizeof(std::uintptr_t)];
  std::size_t n = 0;
  hex[n++] = '0';
  hex[n++] = 'x';
  bool started = false;
  for (int shift = static_cast<int>(8 * sizeof(std::uintptr_t)) - 4; shift >= 0; shift -= 4) {
    const unsigned digit = static_cast<unsigned>(address >> shift) & 0xfu;
    if (digit == 0 && !started && shift != 0) continue;
    started = true;
    hex[n++] = "0123456789abcdef"[digit];
  }
  w.ascii_string(std::string_view(hex, n));
}

/// "stacktrace":{"frames":[...]} for `s`, oldest frame first; nothing when it has no frames.
inline void write_stacktrace(json_writer& w, const event_stacktrace& s) noexcept {
  if (s.frame_count == 0) return;
  w.key("stacktrace").begin_object().key("frames").begin_array();
  for (std::size_t i = s.frame_count; i-- > 0;) {
    const event_frame& f = s.frames[i];
    w.begin_object();
    if (!f.function.empty()) w.key("function").string(f.function);
    if (!f.package.empty()) w.key("package").string(f.package);
    w.key("instruction_addr");
    write_hex_address(w, f.instruction_addr);
    if (f.symbol_addr != 0) {
      w.key("symbol_addr");
      write_hex_address(w, f.symbol_addr);
    }
    if (f.image_addr != 0) {
      w.key("image_addr");
      write_hex_address(w, f.image_addr);
    }
    w.key("in_app").boolean(f.in_app);
    w.end_object();
  }
  w.end_array().end_object();
}

/// "debug_meta":{"images":[...]} for the images of `s`; nothing when it names none.
inline void write_debug_meta(json_writer& w, const event_stacktrace& s) noexcept {
  if (s.image_count == 0) return;
  w.key("debug_meta").begin_object().key("images").begin_array();
  for (std::size_t i = 0; i < s.image_count; ++i) {
    const event_image& img = s.images[i];
    w.begin_object();
    w.key("type").string("elf");
    if (!img.code_file.empty()) w.key("code_file").string(img.code_file);
    w.key("image_addr");
    write_hex_address(w, img.image_addr);
    w.key("image_size").number(img.image_size);
    if (img.code_id[0] != '\0') w.key("code_id").ascii_string(img.code_id);
    if (img.debug_id[0] != '\0') w.key("debug_id").ascii_string(img.debug_id);
    w.end_object();
  }
  w.end_array().end_object();
}

}  // namespace detail

SENTRY_TRACE_DETAIL_END

#endif  // SENTRY_TRACE_PROTOCOL_STACKTRACE_HPP
