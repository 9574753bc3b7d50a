// sentry_trace/profiling/event_stack.hpp -- the calling thread's stack, for an error event
//
// WHAT IT DOES  Two steps, so that the cheap one runs before any lock:
//                 capture_event_stack()  the calling thread's return addresses (stack_walk.hpp's
//                                        capture_stack_above), innermost first, from the
//                                        caller of the library's entry point it is inlined
//                                        into: that entry point's own frame record is the
//                                        walk's start, so the library's frames are never in
//                                        it, whether or not the library was built with frame
//                                        pointers;
//                 resolve_event_stack()  those addresses as an event_stacktrace (protocol/
//                                        stacktrace.hpp): function, symbol_addr, package and
//                                        in_app from the symbolizer (symbols.hpp), and one
//                                        debug_meta image per image met, with its code_id and
//                                        debug_id from the GNU build id.
//               The thread's stack bounds are looked up once per thread and kept: the
//               mapping of /proc/self/maps that holds the stack pointer, read with open() and
//               read() into a stack buffer, so that not even a thread's first error event
//               touches the heap (pthread_getattr_np() would: a cpu set, and for the main
//               thread a FILE).
// DOES NOT      work without frame pointers in the calling code: the walk then stops early
//               (never reads outside the stack), and the event has a shorter stack trace or
//               none. Where profiling_supported is false both steps capture nothing and the
//               event carries no stack trace.
// THREADS       capture_event_stack() on the thread whose stack it is; resolve_event_stack()
//               anywhere (the symbolizer locks), into storage the caller owns.

#ifndef SENTRY_TRACE_PROFILING_EVENT_STACK_HPP
#define SENTRY_TRACE_PROFILING_EVENT_STACK_HPP

#include "../config.hpp"
#include "stack_walk.hpp"
#include "symbols.hpp"
#include "../protocol/stacktrace.hpp"

#include <cstddef>
#include <cstdint>

#if SENTRY_TRACE_DETAIL_PROFILING
#  include <fcntl.h>
#  include <unistd.h>
#endif

SENTRY_TRACE_DETAIL_BEGIN

namespace detail {

/// Return addresses of one thread, innermost first (one slot where nothing is captured, so
/// that a freestanding build's error events cost no stack for it).
struct raw_event_stack {
  std::uintptr_t addresses[profiling_supported ? max_event_frames : 1];
  std::size_t count = 0;
};

/// The calling thread's stack bounds, looked up on its first error event (0, 0: not yet).
inline SENTRY_TRACE_DETAIL_THREAD_LOCAL stack_bounds tl_event_stack_bounds{};

/// The mapping [low, high) of /proc/self/maps that contains `address`; false when none does or
/// the file cannot be read. Parses each line's "start-end" as it streams by, in 1 KiB reads.
inline bool mapping_containing(std::uintptr_t address, stack_bounds& out) noexcept {
#if SENTRY_TRACE_DETAIL_PROFILING
  const int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  enum class field { start, end, rest } at = field::start;
  std::uintptr_t low = 0, high = 0;
  bool found = false;
  char chunk[1024];
  for (;;) {
    const ssize_t got = read(fd, chunk, sizeof(chunk));
    if (got <= 0) break;
    for (ssize_t i = 0; i < got && !found; ++i) {
      const char c = chunk[i];
      if (c == '\n') {
        at = field::start;
        low = high = 0;
        continue;
      }
      if (at == field::rest) continue;
      const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (digit >= 0) {
        std::uintptr_t& v = at == field::start ? low : high;
        v = (v << 4) | static_cast<std::uintptr_t>(digit);
      } else if (c == '-' && at == field::start) {
        at = field::end;
      } else {
        found = at == field::end && low <= address && address < high;
        at = field::rest;
      }
    }
    if (found) break;
  }
  close(fd);
  if (found) {
    out.low = low;
    out.high = high;
  }
  return found;
#else
  static_cast<void>(address);
  static_cast<void>(out);
  return false;
#endif
}

/// capture_event_stack()'s walk from the frame record at `record`. Never allocates after the
/// thread's first call.
[[gnu::noinline]] inline void capture_event_stack_above(raw_event_stack& out, std::uintptr_t record) noexcept {
  stack_bounds& bounds = tl_event_stack_bounds;
  if (bounds.high == 0 && !mapping_containing(record, bounds)) return;
  out.count = capture_stack_above(record, out.addresses, sizeof(out.addresses) / sizeof(out.addresses[0]), bounds);
}

/// Captures into `out` the stack of the caller of the function this is inlined into (always:
/// a library entry point such as capture_exception), innermost first: out.addresses[0] is where
/// that caller resumes. The entry point's __builtin_frame_address(0), read here, makes the
/// compiler give it a frame record even where the library is built -fomit-frame-pointer (a
/// Release build of it); without one the walk would start from whatever the register held.
[[gnu::always_inline]] inline void capture_event_stack(raw_event_stack& out) noexcept {
  out.count = 0;
  if constexpr (profiling_supported)
    capture_event_stack_above(out, reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0)));
}

/// The debug_meta entry of `image_index` (1-based, from resolve_frame) in `out`, added on first
/// sight; the image's load address, or 0 when the table is full or the index unknown.
inline std::uintptr_t note_event_image(event_stacktrace& out, std::uint32_t image_index,
                                       std::uint32_t (&indexes)[max_event_images]) noexcept {
  for (std::size_t i = 0; i < out.image_count; ++i)
    if (indexes[i] == image_index) return out.images[i].image_addr;
  image_record rec;
  if (out.image_count == max_event_images || !image_at(image_index, rec)) return 0;
  event_image& img = out.images[out.image_count];
  img = event_image{};
  img.code_file = rec.code_file;
  img.image_addr = rec.image_addr;
  img.image_size = rec.image_size;
  if (rec.build_id_len != 0) {
    const std::size_t n = format_code_id(rec.build_id, rec.build_id_len, img.code_id, sizeof(img.code_id) - 1);
    img.code_id[n] = '\0';
    format_debug_id(rec.build_id, rec.build_id_len, img.debug_id);
  }
  indexes[out.image_count++] = image_index;
  return img.image_addr;
}

/// Resolves `raw` into `out` (which it overwrites). Every entry of `raw` is a return address
/// except, when `first_is_pc`, the first: return addresses are looked up one byte before.
inline void resolve_event_stack(const raw_event_stack& raw, event_stacktrace& out, bool first_is_pc = false) noexcept {
  out.frame_count = 0;
  out.image_count = 0;
  out.names_used = 0;
  std::uint32_t indexes[max_event_images] = {};
  for (std::size_t i = 0; i < raw.count && i < max_event_frames; ++i) {
    const std::uintptr_t address = raw.addresses[i];
    event_frame& f = out.frames[out.frame_count++];
    f = event_frame{};
    f.instruction_addr = address;
    resolved_frame r;
    char* const scratch = out.names + out.names_used;
    const std::size_t left = event_name_bytes - out.names_used;
    const std::size_t room = left < max_event_name_bytes ? left : max_event_name_bytes;
    if (!resolve_frame(frame_lookup_address(address, first_is_pc ? i : i + 1), r, scratch, room)) continue;
    f.in_app = r.in_app;
    f.package = r.module_path;
    f.symbol_addr = r.symbol_addr;
    if (!r.function.empty() && r.function.data() == scratch) {
      out.names_used += r.function.size();
      f.function = r.function;
    }
    f.image_addr = note_event_image(out, r.image_index, indexes);
  }
}

}  // namespace detail

SENTRY_TRACE_DETAIL_END

#endif  // SENTRY_TRACE_PROFILING_EVENT_STACK_HPP
