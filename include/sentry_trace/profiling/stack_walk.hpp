// sentry_trace/profiling/stack_walk.hpp -- a thread's call stack from its frame-pointer chain
//
// WHAT IT DOES  The one unwinder of the library, shared by the sampling profiler (inside its
//               signal handler) and by error events (stack traces of the calling thread):
//                 machine_state_from_ucontext()  the interrupted PC, frame pointer, stack pointer
//                                                and link register, from a signal's ucontext;
//                 walk_frame_pointers()          the PC, then each caller's return address, by
//                                                following the chain of {saved fp, return
//                                                address} records that -fno-omit-frame-pointer
//                                                code keeps (x86-64: rbp; AArch64: x29);
//                 current_thread_stack_bounds()  the calling thread's stack, once, at
//                                                registration (it may allocate: never in a handler);
//                 capture_stack_above()          the calling thread's own stack, for error events.
//               From walk_frame_pointers(), out[0] is an exact PC and every later entry a
//               return address, which points after its call: a symbolizer looks up
//               (address - 1) for those (frame_lookup_address). From capture_stack_above(),
//               every entry is a return address (its out[0] is where its caller resumes).
// DOES NOT      read outside the bounds it is given: a record is followed only when it lies
//               wholly inside [max(sp, bounds.low), bounds.high), is aligned, and lies above the
//               one before it (a stack grows down, so callers' frames are at higher addresses),
//               which also ends every cycle. Code built without frame pointers yields its PC
//               (and on AArch64 its link register) and then stops, or yields a shorter chain:
//               never a crash. No allocation, no lock, no libc call in the walk: it is
//               async-signal-safe. Unsupported targets (not Linux on x86-64 or AArch64)
//               compile the same calls to "nothing captured" (profiling_supported is false).
// THREADS       walk_frame_pointers() reads only the stack it is given; call it on the thread
//               that owns that stack (the profiler's handler runs on the sampled thread).

#ifndef SENTRY_TRACE_PROFILING_STACK_WALK_HPP
#define SENTRY_TRACE_PROFILING_STACK_WALK_HPP

#include "../config.hpp"

#include <cstddef>
#include <cstdint>

#if SENTRY_TRACE_HOSTED && SENTRY_TRACE_THREADS && defined(__linux__) && (defined(__x86_64__) || defined(__aarch64__))
#  define SENTRY_TRACE_DETAIL_PROFILING 1
#  include <pthread.h>
#  include <ucontext.h>
#else
#  define SENTRY_TRACE_DETAIL_PROFILING 0
#endif

SENTRY_TRACE_DETAIL_BEGIN

namespace detail {

/// True where the profiler and native stack traces work: hosted Linux on x86-64 or AArch64
/// with threads. Elsewhere every call below captures nothing.
inline constexpr bool profiling_supported = SENTRY_TRACE_DETAIL_PROFILING != 0;

/// The deepest stack captured; deeper stacks keep their innermost max_stack_frames frames.
inline constexpr std::size_t max_stack_frames = 128;

/// A thread's stack: [low, high). high is the end the stack grows down from.
struct stack_bounds {
  std::uintptr_t low = 0;
  std::uintptr_t high = 0;
};

/// The registers the walk starts from.
struct machine_state {
  std::uintptr_t pc = 0;  ///< the interrupted instruction
  std::uintptr_t fp = 0;  ///< frame pointer (rbp / x29)
  std::uintptr_t sp = 0;  ///< stack pointer: nothing below it belongs to a live frame
  std::uintptr_t lr = 0;  ///< AArch64's link register (0 on x86-64)
};

/// The address a symbolizer looks up for entry `index` of a walk: a return address points
/// after its call instruction, possibly at the first byte of the next function, so it is
/// looked up one byte earlier; entry 0 is the exact PC.
constexpr std::uintptr_t frame_lookup_address(std::uintptr_t address, std::size_t index) noexcept {
  return index == 0 || address == 0 ? address : address - 1;
}

/// Reads PC, frame pointer, stack pointer (and AArch64's link register) from the ucontext_t a
/// SA_SIGINFO handler receives. False where profiling is not supported.
inline bool machine_state_from_ucontext(const void* ucontext, machine_state& out) noexcept {
#if SENTRY_TRACE_DETAIL_PROFILING
  if (ucontext == nullptr) return false;
  const mcontext_t& m = static_cast<const ucontext_t*>(ucontext)->uc_mcontext;
#  if defined(__x86_64__)
  out.pc = static_cast<std::uintptr_t>(m.gregs[REG_RIP]);
  out.fp = static_cast<std::uintptr_t>(m.gregs[REG_RBP]);
  out.sp = static_cast<std::uintptr_t>(m.gregs[REG_RSP]);
  out.lr = 0;
#  else
  out.pc = static_cast<std::uintptr_t>(m.pc);
  out.fp = static_cast<std::uintptr_t>(m.regs[29]);
  out.sp = static_cast<std::uintptr_t>(m.sp);
  out.lr = static_cast<std::uintptr_t>(m.regs[30]);
#  endif
  return true;
#else
  (void)ucontext;
  (void)out;
  return false;
#endif
}

/// A frame record: what a frame pointer points at.
struct frame_record {
  std::uintptr_t saved_fp;
  std::uintptr_t return_address;
};

/// True when a whole frame record at `fp` lies in [low, high) and is aligned.
constexpr bool record_readable(std::uintptr_t fp, std::uintptr_t low, std::uintptr_t high) noexcept {
  return fp >= low && fp % alignof(frame_record) == 0 && high >= sizeof(frame_record) &&
         fp <= high - sizeof(frame_record);
}

/// Writes the PC and then the callers' return addresses of the stack described by `s` into
/// `out` (at most `max`), reading only frame records inside [max(s.sp, b.low), b.high);
/// returns how many were written. On AArch64 the link register follows the PC when the frame
/// pointer does not lead into the stack (a leaf that keeps no frame record).
inline std::size_t walk_frame_pointers(const machine_state& s, stack_bounds b, std::uintptr_t* out,
                                       std::size_t max) noexcept {
  if (max == 0 || s.pc == 0) return 0;
  std::size_t n = 0;
  out[n++] = s.pc;
  const std::uintptr_t low = s.sp > b.low ? s.sp : b.low;
  std::uintptr_t fp = s.fp;
  if (!record_readable(fp, low, b.high)) {
    if (s.lr != 0 && n < max) out[n++] = s.lr;
    return n;
  }
  while (n < max && record_readable(fp, low, b.high)) {
    const frame_record* r = reinterpret_cast<const frame_record*>(fp);
    if (r->return_address == 0) break;
    out[n++] = r->return_address;
    // The caller's record lies above this one; anything else is not a chain (or a cycle).
    if (r->saved_fp <= fp) break;
    fp = r->saved_fp;
  }
  return n;
}

/// The calling thread's stack bounds. May allocate (glibc reads /proc/self/maps for the main
/// thread): call it when a thread registers, never in a signal handler.
inline bool current_thread_stack_bounds(stack_bounds& out) noexcept {
#if SENTRY_TRACE_DETAIL_PROFILING
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return false;
  void* addr = nullptr;
  std::size_t size = 0;
  const bool ok = pthread_attr_getstack(&attr, &addr, &size) == 0 && addr != nullptr && size != 0;
  pthread_attr_destroy(&attr);
  if (!ok) return false;
  out.low = reinterpret_cast<std::uintptr_t>(addr);
  out.high = out.low + size;
  return true;
#else
  (void)out;
  return false;
#endif
}

/// The calling thread's stack above the frame record at `record`, innermost first: out[0] is
/// that record's return address (where the function that owns it returns to, in its caller),
/// then the callers' return addresses (at most `max` in all). `record` is the caller's own
/// __builtin_frame_address(0), which makes the compiler keep that function's frame record
/// whatever its flags, so that the first frame found does not depend on how the library was
/// built. Reads only records inside [record, bounds.high) (`bounds`: the thread's stack).
inline std::size_t capture_stack_above(std::uintptr_t record, std::uintptr_t* out, std::size_t max,
                                       stack_bounds bounds) noexcept {
  if (!record_readable(record, bounds.low, bounds.high)) return 0;
  const frame_record* r = reinterpret_cast<const frame_record*>(record);
  machine_state caller;
  caller.pc = r->return_address;
  caller.fp = r->saved_fp > record ? r->saved_fp : 0;  // a chain runs up the stack, or stops
  caller.sp = record;
  return walk_frame_pointers(caller, bounds, out, max);
}

}  // namespace detail

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_PROFILING_STACK_WALK_HPP
