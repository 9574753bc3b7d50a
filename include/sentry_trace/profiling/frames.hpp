// sentry_trace/profiling/frames.hpp -- the records the profiler's parts hand each other
//
// WHAT IT DOES  Names the three shapes that cross from one profiling part to the next:
//                 raw_sample       what the signal handler captured on one thread (sampler.hpp
//                                  fills it, profile_store.hpp keeps it);
//                 profiled_thread  a registered thread's OS id and name (thread_metadata);
//                 resolved_frame   one address as a person reads it: function, module, in_app
//                                  (symbols.hpp fills it at flush time, the payload writers and
//                                  error events print it).
//               Also the one piece of profiler state the span path reads: the calling thread's
//               profiled-thread slot (tl_profiled_thread_slot), and the declaration of
//               profiled_thread_at(), which the envelope writers call and the sampler defines.
// DOES NOT      hold code: it is the vocabulary, so that the sampler, the symbolizer, the
//               payload writers and the span records depend on it and not on one another.

#ifndef SENTRY_TRACE_PROFILING_FRAMES_HPP
#define SENTRY_TRACE_PROFILING_FRAMES_HPP

#include "../core/platform.hpp"
#include "stack_walk.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

namespace detail {

/// Threads the profiler samples at once (the one that calls init() and 30 more); their slots
/// are numbered 1..max_profiled_threads, 0 meaning "not a profiled thread". 31 fits the 5 bits a
/// span record keeps for it.
inline constexpr std::uint32_t max_profiled_threads = 31;

/// One sample of one thread: frames[0] is the interrupted PC, each later entry a return address
/// (frame_lookup_address() gives the address to look up), innermost first.
struct raw_sample {
  std::uint64_t mono_ns;      ///< when it was taken, on the sampler's monotonic clock
  std::uint32_t thread_slot;  ///< 1..max_profiled_threads
  std::uint32_t depth;        ///< entries of frames[] in use, 1..max_stack_frames
  std::uintptr_t frames[max_stack_frames];
};

/// A registered thread as the payloads name it.
struct profiled_thread {
  std::uint64_t tid;  ///< the OS thread id (gettid()), written as a string
  char name[64];      ///< NUL-terminated; cut at 63 bytes
};

/// One code address resolved to names. The strings point into the caller's scratch buffer or
/// into the symbolizer's image table, valid until the next resolve on that buffer.
struct resolved_frame {
  std::string_view function;     ///< demangled; empty when no symbol covers the address
  std::string_view module;       ///< the image's file name without its directory
  std::string_view module_path;  ///< the image's path as the loader has it
  bool in_app = false;           ///< the main executable, or an image options.in_app_include names
  std::uintptr_t symbol_addr = 0;       ///< where the function starts (0: unknown)
  std::uintptr_t instruction_addr = 0;  ///< the address that was resolved
  std::uint32_t image_index = 0;        ///< 1-based index in the symbolizer's image table, 0: none
};

/// The calling thread's profiled-thread slot (1..max_profiled_threads), 0 when it is not
/// registered; the sampler's registration writes it, a new span copies it (core/pool.hpp).
/// Trivially constructed, so reading it costs one thread-local load.
inline SENTRY_TRACE_DETAIL_THREAD_LOCAL std::uint8_t tl_profiled_thread_slot = 0;

/// A copy of the registered thread in `slot` (1-based); false when the slot is free. Defined by
/// the sampler (profiling/sampler.hpp), read by the envelope writers for thread.id / thread.name.
inline bool profiled_thread_at(std::uint32_t slot, profiled_thread& out) noexcept;

/// Resolves `address` into `out`, using `scratch[0..cap)` for the strings; false when no loaded
/// image contains it (out then holds only instruction_addr).
using frame_resolver = bool (*)(std::uintptr_t address, resolved_frame& out, char* scratch, std::size_t cap) noexcept;

}  // namespace detail

SENTRY_TRACE_DETAIL_END

#endif  // SENTRY_TRACE_PROFILING_FRAMES_HPP
