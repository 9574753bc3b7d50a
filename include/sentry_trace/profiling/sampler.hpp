// sentry_trace/profiling/sampler.hpp -- the sampling profiler's clock: a thread that signals the
// registered threads, and the signal handler that records their stacks
//
// WHAT IT DOES  Keeps a fixed table of max_profiled_threads registered threads (OS id, name,
//               stack bounds, a small ring of raw_sample). start_sampler() starts one sampler
//               thread that wakes on absolute CLOCK_MONOTONIC deadlines (clock_nanosleep
//               TIMER_ABSTIME, next += period; when it is behind by more than a period it skips
//               the ticks that are past and counts them) and, each tick, for each registered
//               thread:
//                 1. takes the slot (ACTIVE -> SAMPLING), so its owner cannot free it meanwhile;
//                 2. marks one signal outstanding and sends SIGPROF to that thread (tgkill),
//                    unless the one before is still unanswered (LATE, below);
//                 3. waits for the handler's answer, at most answer_wait_ns (2 ms);
//                 4. hands the ring's samples to the sink, on the sampler thread;
//                 5. gives the slot back (SAMPLING -> ACTIVE).
//               The handler runs on the signalled thread: it finds the slot whose OS id is its
//               own and which has a signal outstanding, reads PC / frame pointer / stack pointer
//               from the ucontext and walks the frame-pointer chain within the bounds taken at
//               registration (stack_walk.hpp), then writes the sample into that slot's ring.
// DOES NOT      allocate, lock, look up symbols or touch thread-local storage in the handler (a
//               dlopen'd library's TLS is not async-signal-safe); it calls only gettid,
//               clock_gettime and futex (to wake the waiting sampler), and keeps errno as it
//               found it. A SIGPROF that is not ours (no signal outstanding for this thread)
//               goes to the action that was installed before start_sampler() when that was a
//               function, and is ignored otherwise.
//               A sample is what the frame-pointer chain gives: code built without frame
//               pointers yields its leaf PC and little more, and a leaf that keeps no frame
//               record (a sanitizer's runtime, a libc routine) hides its caller, as the chain
//               starts at the caller's caller.
//               Heap: none. The sampler thread is a pthread (its stack is mapped by the C
//               library); registering a thread may let glibc allocate the small record that
//               runs its thread_local guard's destructor at thread exit (once per thread).
// THREADS       start_sampler() / stop_sampler(): from one controlling thread at a time (the
//               library's init and shutdown). register_profiled_thread() /
//               unregister_profiled_thread() act on the calling thread, from any thread. Every slot change is a CAS on the slot's state, so that a thread paused
//               between any two steps leaves the others correct:
//                 FREE -> CLAIMED (registering) -> ACTIVE <-> SAMPLING (the sampler's, steps 1-5)
//                 ACTIVE -> LEAVING -> FREE            (the owner unregisters)
//                 SAMPLING -> DETACHING -> FREE        (the owner unregisters while the sampler
//                                                       holds the slot: the sampler frees it)
//                 SAMPLING or DETACHING -> FREE        (tgkill says the thread is gone)
//               The leaver waits, at most leave_wait_ns, for a signal outstanding to it to be
//               answered (it is delivered to the leaver itself, at its next return from the
//               kernel), so that a late SIGPROF finds no stale slot. A thread that exits while
//               registered is unregistered by its thread_local guard's destructor.
//               Each ring has one producer (the handler, on the owning thread; SIGPROF is blocked
//               while its handler runs, so handlers of one thread never overlap) and one consumer
//               (the sampler thread, while it holds the slot).
//               The outstanding signal of a slot: IDLE -> SENT (sampler) -> TAKEN (handler
//               writing) -> IDLE (handler done); after the wait the sampler turns SENT into LATE
//               (no answer): the handler still takes a LATE signal as ours and its sample is
//               drained at the next tick, and no new signal is sent while one is LATE (a second
//               SIGPROF pending on a thread would merge into the first). A thread that keeps
//               SIGPROF blocked therefore stays LATE and is not sampled again.
// FORK          the child of a fork() has one thread and no sampler: a fork handler calls
//               sampler_reset_in_forked_child() there.
// RAM           sizeof(g_sampler), a static table: max_profiled_threads * sizeof(sampler_slot)
//               + the counters and settings, where a slot is sampler_ring_capacity *
//               sizeof(raw_sample) + 104 bytes; on 64-bit Linux 31 * (4 * 1040 + 104) + 264 =
//               132448 bytes (bench_profiler prints it; tests/test_profiling_sampler.cpp bounds it).
// COUNTERS      read_sampler_counters(), since the process started (never reset):
//                 samples       samples handed to the sink;
//                 ring_full     samples the handler dropped because its thread's ring was full;
//                 unreadable    signals answered without a sample: no PC in the ucontext;
//                 thread_gone   registered threads found gone (tgkill: ESRCH); their slots freed;
//                 missed_ticks  ticks skipped because the sampler woke more than a period late;
//                 no_answer     signals not answered within answer_wait_ns;
//                 table_full    register_profiled_thread() calls refused: every slot taken.
// SPEC          ../shared/PROTOCOL.md §12; the sample records: frames.hpp.
// PLATFORMS     Linux on x86-64 and AArch64 with threads (SENTRY_TRACE_DETAIL_PROFILING);
//               elsewhere every function exists, registers nothing and starts nothing.

#ifndef SENTRY_TRACE_PROFILING_SAMPLER_HPP
#define SENTRY_TRACE_PROFILING_SAMPLER_HPP

#include "../core/platform.hpp"
#include "frames.hpp"
#include "stack_walk.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#if SENTRY_TRACE_DETAIL_PROFILING
#  include <cerrno>
#  include <csignal>
#  include <ctime>
#  include <linux/futex.h>
#  include <sched.h>
#  include <sys/syscall.h>
#  include <unistd.h>
#endif

SENTRY_TRACE_DETAIL_BEGIN

namespace detail {

/// Receives each sample, on the sampler thread (never inside the signal handler); `user` is
/// what start_sampler() was given. The sample is valid only during the call.
using sample_sink = void (*)(const raw_sample& sample, void* user);

/// See COUNTERS above.
struct sampler_counters {
  std::uint64_t samples = 0;
  std::uint64_t ring_full = 0;
  std::uint64_t unreadable = 0;
  std::uint64_t thread_gone = 0;
  std::uint64_t missed_ticks = 0;
  std::uint64_t no_answer = 0;
  std::uint64_t table_full = 0;
};

/// Samples one thread's ring holds between two ticks. The sampler drains a ring right after
/// its signal is answered, so it holds one sample, or two after a late answer.
inline constexpr std::uint32_t sampler_ring_capacity = 4;
/// How long the sampler waits for a handler to answer before it counts no_answer.
inline constexpr std::uint64_t answer_wait_ns = 2'000'000;
/// How long a leaving thread waits for a signal outstanding to it.
inline constexpr std::uint64_t leave_wait_ns = 20'000'000;

#if SENTRY_TRACE_DETAIL_PROFILING

/// A slot's life; see THREADS above.
enum class slot_state : std::uint32_t { free_, claimed, active, sampling, detaching, leaving };
/// A slot's outstanding signal; see THREADS above.
enum class signal_state : std::uint32_t { idle, sent, taken, late };

/// One registered thread.
struct sampler_slot {
  atomic<slot_state> state{slot_state::free_};
  atomic<signal_state> signal{signal_state::idle};
  atomic<std::int32_t> tid{0};
  /// The name, as 8 words so that profiled_thread_at() may copy it while its owner renames
  /// the thread: name_seq is odd while a writer is in the middle (a sequence lock).
  atomic<std::uint32_t> name_seq{0};
  atomic<std::uint64_t> name_words[8] = {};
  stack_bounds bounds{};  // written while CLAIMED, read by the handler after it saw the slot taken
  atomic<std::uint32_t> ring_head{0};  // samples written (the handler's)
  atomic<std::uint32_t> ring_tail{0};  // samples read (the sampler's)
  raw_sample ring[sampler_ring_capacity];
};

/// The whole sampler: the thread table, the sampler thread's settings and the counters.
struct sampler_table {
  sampler_slot slots[max_profiled_threads];
  atomic<std::uint64_t> samples{0}, ring_full{0}, unreadable{0}, thread_gone{0}, missed_ticks{0},
      no_answer{0}, table_full{0};
  atomic<bool> running{false};   // the sampler thread goes on while true
  atomic<bool> started{false};   // start_sampler() succeeded and stop_sampler() has not run yet
  /// The SIGPROF action before start_sampler(), for signals that are not ours.
  atomic<std::uintptr_t> previous_function{0};
  atomic<bool> previous_siginfo{false};
  struct sigaction previous_action {};
  pthread_t thread{};
  std::uint64_t period_ns = 0;
  sample_sink sink = nullptr;
  void* sink_user = nullptr;
};

inline sampler_table g_sampler;

#endif  // SENTRY_TRACE_DETAIL_PROFILING

/// The clock raw_sample::mono_ns is on: CLOCK_MONOTONIC in nanoseconds (0 where unsupported).
inline std::uint64_t monotonic_now_ns() noexcept {
#if SENTRY_TRACE_DETAIL_PROFILING
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
#else
  return 0;
#endif
}

#if SENTRY_TRACE_DETAIL_PROFILING

/// The calling thread's OS id, by system call: async-signal-safe, unlike anything cached in TLS.
inline std::int32_t os_thread_id() noexcept { return static_cast<std::int32_t>(syscall(SYS_gettid)); }

/// Writes `name` (cut at 63 bytes) into the slot under its sequence lock; only the slot's owner
/// writes it.
inline void write_slot_name(sampler_slot& s, std::string_view name) noexcept {
  char buf[sizeof(s.name_words)] = {};
  std::memcpy(buf, name.data(), name.size() < sizeof(buf) - 1 ? name.size() : sizeof(buf) - 1);
  // Odd first (the RMW keeps the word stores after it); a reader that sees a new word sees the
  // odd count too (release / acquire per word), so it retries. No fences: TSan does not model them.
  const std::uint32_t seq = s.name_seq.fetch_add(1, order_acq_rel);
  for (std::size_t i = 0; i < 8; ++i) {
    std::uint64_t w = 0;
    std::memcpy(&w, buf + i * 8, 8);
    s.name_words[i].store(w, order_release);
  }
  s.name_seq.store(seq + 2, order_release);
}

/// Copies the slot's name; false when a rename kept it busy for every try.
inline bool read_slot_name(const sampler_slot& s, char (&out)[64]) noexcept {
  for (int attempt = 0; attempt < 64; ++attempt) {
    const std::uint32_t before = s.name_seq.load(order_acquire);
    if (before % 2 != 0) {
      sched_yield();
      continue;
    }
    for (std::size_t i = 0; i < 8; ++i) {
      const std::uint64_t w = s.name_words[i].load(order_acquire);
      std::memcpy(out + i * 8, &w, 8);
    }
    if (s.name_seq.load(order_relaxed) == before) {
      out[63] = '\0';
      return true;
    }
  }
  return false;
}

/// The handler's capture step for slot `s` (the bench calls it directly): machine state from
/// the ucontext, the walk within the slot's bounds, the ring write. Counts unreadable and
/// ring_full; true when a sample was written.
inline bool capture_sample_into_slot(sampler_slot& s, std::uint32_t slot1, const void* ucontext) noexcept {
  machine_state m;
  if (!machine_state_from_ucontext(ucontext, m) || m.pc == 0) {
    g_sampler.unreadable.fetch_add(1, order_relaxed);
    return false;
  }
  const std::uint32_t head = s.ring_head.load(order_relaxed);
  if (head - s.ring_tail.load(order_acquire) >= sampler_ring_capacity) {
    g_sampler.ring_full.fetch_add(1, order_relaxed);
    return false;
  }
  raw_sample& out = s.ring[head % sampler_ring_capacity];
  out.mono_ns = monotonic_now_ns();
  out.thread_slot = slot1;
  out.depth = static_cast<std::uint32_t>(walk_frame_pointers(m, s.bounds, out.frames, max_stack_frames));
  if (out.depth == 0) {
    g_sampler.unreadable.fetch_add(1, order_relaxed);
    return false;
  }
  s.ring_head.store(head + 1, order_release);
  return true;
}

/// Hands the samples waiting in slot `s`'s ring to `sink`. The ring's one consumer: the sampler
/// thread while it holds the slot (or a test or the bench while no sampler runs).
inline std::size_t drain_slot(sampler_slot& s, sample_sink sink, void* user) noexcept {
  std::uint32_t tail = s.ring_tail.load(order_relaxed);
  const std::uint32_t head = s.ring_head.load(order_acquire);
  std::size_t n = 0;
  for (; tail != head; ++tail, ++n) {
    if (sink != nullptr) sink(s.ring[tail % sampler_ring_capacity], user);
    s.ring_tail.store(tail + 1, order_release);
  }
  g_sampler.samples.fetch_add(n, order_relaxed);
  return n;
}

/// True for the states in which a slot belongs to a live registered thread (a late signal may
/// still be answered there).
constexpr bool slot_has_owner(slot_state st) noexcept {
  return st == slot_state::active || st == slot_state::sampling || st == slot_state::detaching ||
         st == slot_state::leaving;
}

/// Wakes whoever waits in wait_signal_settled() on `signal` (a raw futex call: async-signal-safe).
inline void wake_signal_waiter(atomic<signal_state>& signal) noexcept {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&signal), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

/// Waits, at most `bound_ns`, until slot `s` has no signal SENT or TAKEN (LATE too when
/// `include_late`). True when it got there. It sleeps on the signal word (a futex the handler
/// wakes) rather than spinning: the sampler would otherwise burn a core while the kernel
/// delivers the signal.
inline bool wait_signal_settled(sampler_slot& s, std::uint64_t bound_ns, bool include_late) noexcept {
  static_assert(sizeof(atomic<signal_state>) == sizeof(std::uint32_t), "the futex word is the atomic itself");
  const std::uint64_t deadline = monotonic_now_ns() + bound_ns;
  for (;;) {
    const signal_state st = s.signal.load(order_acquire);
    if (st == signal_state::idle || (!include_late && st == signal_state::late)) return true;
    const std::uint64_t now = monotonic_now_ns();
    if (now >= deadline) return false;
    const std::uint64_t left = deadline - now;
    timespec ts{};
    ts.tv_sec = static_cast<time_t>(left / 1'000'000'000u);
    ts.tv_nsec = static_cast<long>(left % 1'000'000'000u);
    // Returns at once when the word no longer holds `st`, on a wake, on a signal, or at `ts`.
    syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&s.signal), FUTEX_WAIT_PRIVATE,
            static_cast<std::uint32_t>(st), &ts, nullptr, 0);
  }
}

/// SIGPROF's action while the sampler runs.
inline void profiling_signal_handler(int sig, siginfo_t* info, void* ucontext) noexcept {
  const int saved_errno = errno;
  const std::int32_t self = os_thread_id();
  bool ours = false;
  for (std::uint32_t i = 0; i < max_profiled_threads && !ours; ++i) {
    sampler_slot& s = g_sampler.slots[i];
    if (!slot_has_owner(s.state.load(order_acquire)) || s.tid.load(order_relaxed) != self) continue;
    signal_state expected = signal_state::sent;
    if (!s.signal.compare_exchange_strong(expected, signal_state::taken, order_acq_rel, order_acquire)) {
      expected = signal_state::late;
      if (!s.signal.compare_exchange_strong(expected, signal_state::taken, order_acq_rel, order_acquire)) continue;
    }
    ours = true;
    capture_sample_into_slot(s, i + 1, ucontext);
    s.signal.store(signal_state::idle, order_release);
    wake_signal_waiter(s.signal);
  }
  if (!ours) {
    const std::uintptr_t fn = g_sampler.previous_function.load(order_acquire);
    if (fn != 0) {
      if (g_sampler.previous_siginfo.load(order_relaxed)) {
        reinterpret_cast<void (*)(int, siginfo_t*, void*)>(fn)(sig, info, ucontext);
      } else {
        reinterpret_cast<void (*)(int)>(fn)(sig);
      }
    }
  }
  errno = saved_errno;
}

/// Frees slot `s` (its fields stay until the next claim resets them).
inline void release_slot(sampler_slot& s) noexcept {
  s.tid.store(0, order_relaxed);
  s.state.store(slot_state::free_, order_release);
}

/// One tick's work on slot `s` (steps 1-5 of WHAT IT DOES).
inline void sample_slot(sampler_slot& s, pid_t pid) noexcept {
  slot_state expected = slot_state::active;
  if (!s.state.compare_exchange_strong(expected, slot_state::sampling, order_acq_rel, order_relaxed)) return;
  const std::int32_t tid = s.tid.load(order_relaxed);
  if (s.signal.load(order_acquire) == signal_state::idle) {
    s.signal.store(signal_state::sent, order_release);
    if (syscall(SYS_tgkill, pid, tid, SIGPROF) != 0) {
      const bool gone = errno == ESRCH;
      s.signal.store(signal_state::idle, order_relaxed);
      if (gone) {
        g_sampler.thread_gone.fetch_add(1, order_relaxed);
        release_slot(s);  // from SAMPLING or DETACHING: the thread cannot unregister any more
        return;
      }
    } else if (!wait_signal_settled(s, answer_wait_ns, false)) {
      signal_state sent = signal_state::sent;
      if (s.signal.compare_exchange_strong(sent, signal_state::late, order_acq_rel, order_acquire)) {
        g_sampler.no_answer.fetch_add(1, order_relaxed);
      } else {
        wait_signal_settled(s, answer_wait_ns, false);  // the handler is writing right now
      }
    }
  }
  drain_slot(s, g_sampler.sink, g_sampler.sink_user);
  expected = slot_state::sampling;
  if (!s.state.compare_exchange_strong(expected, slot_state::active, order_acq_rel, order_relaxed)) {
    release_slot(s);  // DETACHING: the owner left while the slot was ours
  }
}

/// The sampler thread's body.
inline void* sampler_thread_main(void*) noexcept {
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGPROF);
  pthread_sigmask(SIG_BLOCK, &block, nullptr);
  const pid_t pid = getpid();
  const std::uint64_t period = g_sampler.period_ns;
  std::uint64_t next = monotonic_now_ns() + period;
  while (g_sampler.running.load(order_acquire)) {
    timespec ts{};
    ts.tv_sec = static_cast<time_t>(next / 1'000'000'000u);
    ts.tv_nsec = static_cast<long>(next % 1'000'000'000u);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
    }
    if (!g_sampler.running.load(order_acquire)) break;
    for (sampler_slot& s : g_sampler.slots) sample_slot(s, pid);
    next += period;
    const std::uint64_t now = monotonic_now_ns();
    if (now > next + period) {
      // Behind by more than a period: skip the ticks that are past rather than firing them
      // back to back, which would bunch the samples.
      const std::uint64_t behind = (now - next) / period;
      g_sampler.missed_ticks.fetch_add(behind, order_relaxed);
      next += behind * period;
    }
  }
  return nullptr;
}

/// The calling thread's slot (1-based), 0 when unregistered; the guard frees it at thread exit.
struct profiled_thread_guard {
  std::uint32_t slot1 = 0;
  profiled_thread_guard() = default;
  profiled_thread_guard(const profiled_thread_guard&) = delete;
  profiled_thread_guard& operator=(const profiled_thread_guard&) = delete;
  ~profiled_thread_guard();
};

inline thread_local profiled_thread_guard tl_profiled_thread;

/// Unregisters the calling thread's slot `slot1` (see THREADS above).
inline void leave_slot(std::uint32_t slot1) noexcept {
  sampler_slot& s = g_sampler.slots[slot1 - 1];
  for (;;) {
    slot_state st = s.state.load(order_acquire);
    if (st == slot_state::active) {
      if (!s.state.compare_exchange_weak(st, slot_state::leaving, order_acq_rel, order_acquire)) continue;
      // No new signal now; one already sent reaches this very thread, at its next return from
      // the kernel (the futex wait in wait_signal_settled).
      wait_signal_settled(s, leave_wait_ns, true);
      release_slot(s);
      return;
    }
    if (st == slot_state::sampling) {
      if (!s.state.compare_exchange_weak(st, slot_state::detaching, order_acq_rel, order_acquire)) continue;
      wait_signal_settled(s, leave_wait_ns, true);
      return;  // the sampler frees the slot when it is done with it
    }
    return;  // freed already (the sampler found the thread gone: not while it runs)
  }
}

inline profiled_thread_guard::~profiled_thread_guard() {
  if (slot1 != 0) leave_slot(slot1);
  slot1 = 0;
}

#endif  // SENTRY_TRACE_DETAIL_PROFILING

/// Registers the calling thread under `name` (cut at 63 bytes), taking its stack bounds now.
/// Again from the same thread: renames it, same slot. False when every slot is taken (counted
/// as table_full), when the stack bounds cannot be read, or where profiling is unsupported.
inline bool register_profiled_thread(std::string_view name) noexcept {
#if SENTRY_TRACE_DETAIL_PROFILING
  profiled_thread_guard& guard = tl_profiled_thread;
  if (guard.slot1 != 0) {
    write_slot_name(g_sampler.slots[guard.slot1 - 1], name);
    return true;
  }
  stack_bounds bounds;
  if (!current_thread_stack_bounds(bounds)) return false;
  for (std::uint32_t i = 0; i < max_profiled_threads; ++i) {
    sampler_slot& s = g_sampler.slots[i];
    slot_state expected = slot_state::free_;
    if (!s.state.compare_exchange_strong(expected, slot_state::claimed, order_acq_rel, order_relaxed)) continue;
    s.signal.store(signal_state::idle, order_relaxed);
    s.ring_head.store(0, order_relaxed);
    s.ring_tail.store(0, order_relaxed);
    s.bounds = bounds;
    write_slot_name(s, name);
    s.tid.store(os_thread_id(), order_relaxed);
    s.state.store(slot_state::active, order_release);
    guard.slot1 = i + 1;
    tl_profiled_thread_slot = static_cast<std::uint8_t>(i + 1);  // what new spans copy (frames.hpp)
    return true;
  }
  g_sampler.table_full.fetch_add(1, order_relaxed);
  return false;
#else
  (void)name;
  return false;
#endif
}

/// Unregisters the calling thread; nothing when it is not registered. After it returns no
/// sample of this thread is taken any more (one taken just before may still reach the sink).
inline void unregister_profiled_thread() noexcept {
#if SENTRY_TRACE_DETAIL_PROFILING
  profiled_thread_guard& guard = tl_profiled_thread;
  if (guard.slot1 == 0) return;
  leave_slot(guard.slot1);
  guard.slot1 = 0;
  tl_profiled_thread_slot = 0;
#endif
}

/// The calling thread's slot number (1..max_profiled_threads), 0 when it is not registered.
inline std::uint32_t current_profiled_thread_slot() noexcept { return tl_profiled_thread_slot; }

/// Copies slot `slot1`'s thread (OS id and name) into `out`; false when the slot is free,
/// being claimed or being left by its owner, or out of range. From inside the sink it names
/// the thread of the sample being handed over.
inline bool profiled_thread_at(std::uint32_t slot1, profiled_thread& out) noexcept {
#if SENTRY_TRACE_DETAIL_PROFILING
  if (slot1 == 0 || slot1 > max_profiled_threads) return false;
  const sampler_slot& s = g_sampler.slots[slot1 - 1];
  // DETACHING too: its owner left while the sampler held it, and the sampler frees it only
  // after handing the slot's last samples to the sink, which may still name the thread.
  const slot_state st = s.state.load(order_acquire);
  if (st != slot_state::active && st != slot_state::sampling && st != slot_state::detaching) return false;
  out.tid = static_cast<std::uint64_t>(s.tid.load(order_relaxed));
  return read_slot_name(s, out.name);
#else
  (void)slot1;
  (void)out;
  return false;
#endif
}

/// Installs the SIGPROF handler and starts the sampler thread at `hz` (1..1000) samples per
/// second per thread, handing every sample to `sink` on that thread. False when it already
/// runs, `hz` or `sink` is out of range, the handler or the thread cannot be set up, or where
/// profiling is unsupported.
inline bool start_sampler(std::uint32_t hz, sample_sink sink, void* user) noexcept {
#if SENTRY_TRACE_DETAIL_PROFILING
  if (hz == 0 || hz > 1000 || sink == nullptr) return false;
  bool expected = false;
  if (!g_sampler.started.compare_exchange_strong(expected, true, order_acq_rel, order_relaxed)) return false;
  g_sampler.period_ns = 1'000'000'000u / hz;
  g_sampler.sink = sink;
  g_sampler.sink_user = user;
  struct sigaction action {};
  action.sa_sigaction = &profiling_signal_handler;
  action.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&action.sa_mask);
  struct sigaction previous {};
  if (sigaction(SIGPROF, nullptr, &previous) != 0) {
    g_sampler.started.store(false, order_release);
    return false;
  }
  g_sampler.previous_action = previous;
  std::uintptr_t fn = 0;
  if ((previous.sa_flags & SA_SIGINFO) != 0) {
    fn = reinterpret_cast<std::uintptr_t>(previous.sa_sigaction);
  } else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
    fn = reinterpret_cast<std::uintptr_t>(previous.sa_handler);
  }
  g_sampler.previous_siginfo.store((previous.sa_flags & SA_SIGINFO) != 0, order_relaxed);
  g_sampler.previous_function.store(fn, order_release);
  if (sigaction(SIGPROF, &action, nullptr) != 0) {
    g_sampler.started.store(false, order_release);
    return false;
  }
  g_sampler.running.store(true, order_release);
  if (pthread_create(&g_sampler.thread, nullptr, &sampler_thread_main, nullptr) != 0) {
    g_sampler.running.store(false, order_release);
    sigaction(SIGPROF, &previous, nullptr);
    g_sampler.started.store(false, order_release);
    return false;
  }
  return true;
#else
  (void)hz;
  (void)sink;
  (void)user;
  return false;
#endif
}

/// Stops and joins the sampler thread (the sink is not called after this returns), then puts
/// back the SIGPROF action from before start_sampler(). On the way it sets SIGPROF to ignored
/// for an instant, which discards every SIGPROF still pending (ours that were never answered,
/// which the default action would turn into the end of the process, and any other origin's
/// pending at that instant). A handler running on another thread at that moment only finishes
/// writing a ring. Nothing when the sampler does not run.
inline void stop_sampler() noexcept {
#if SENTRY_TRACE_DETAIL_PROFILING
  if (!g_sampler.started.load(order_acquire)) return;
  g_sampler.running.store(false, order_release);
  pthread_join(g_sampler.thread, nullptr);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  sigaction(SIGPROF, &ignore, nullptr);
  sigaction(SIGPROF, &g_sampler.previous_action, nullptr);
  g_sampler.previous_function.store(0, order_release);
  // Signals the sampler sent and that were never answered are gone now.
  for (sampler_slot& s : g_sampler.slots) {
    signal_state late = signal_state::late;
    s.signal.compare_exchange_strong(late, signal_state::idle, order_acq_rel, order_relaxed);
  }
  g_sampler.started.store(false, order_release);
#endif
}

/// For a fork handler, in the child: the child has only the thread that forked and no sampler
/// thread. Frees every other thread's slot (their guards never run there), gives the forking
/// thread's slot (when registered) its new OS id, and, when the parent's sampler ran, puts the
/// SIGPROF action from before it back and lets start_sampler() start one again.
inline void sampler_reset_in_forked_child() noexcept {
#if SENTRY_TRACE_DETAIL_PROFILING
  const std::uint32_t mine = tl_profiled_thread.slot1;
  for (std::uint32_t i = 0; i < max_profiled_threads; ++i) {
    sampler_slot& s = g_sampler.slots[i];
    s.signal.store(signal_state::idle, order_relaxed);
    s.ring_tail.store(s.ring_head.load(order_relaxed), order_relaxed);
    if (i + 1 == mine) {
      s.tid.store(os_thread_id(), order_relaxed);
      s.state.store(slot_state::active, order_release);
    } else if (s.state.load(order_relaxed) != slot_state::free_) {
      release_slot(s);
    }
  }
  if (g_sampler.started.load(order_acquire)) {
    g_sampler.running.store(false, order_relaxed);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGPROF, &ignore, nullptr);
    sigaction(SIGPROF, &g_sampler.previous_action, nullptr);
    g_sampler.previous_function.store(0, order_release);
    g_sampler.started.store(false, order_release);
  }
#endif
}

/// A snapshot of the counters (each read atomically; together they are not one instant).
inline sampler_counters read_sampler_counters() noexcept {
  sampler_counters c;
#if SENTRY_TRACE_DETAIL_PROFILING
  c.samples = g_sampler.samples.load(order_relaxed);
  c.ring_full = g_sampler.ring_full.load(order_relaxed);
  c.unreadable = g_sampler.unreadable.load(order_relaxed);
  c.thread_gone = g_sampler.thread_gone.load(order_relaxed);
  c.missed_ticks = g_sampler.missed_ticks.load(order_relaxed);
  c.no_answer = g_sampler.no_answer.load(order_relaxed);
  c.table_full = g_sampler.table_full.load(order_relaxed);
#endif
  return c;
}

}  // namespace detail

SENTRY_TRACE_DETAIL_END

#endif  // SENTRY_TRACE_PROFILING_SAMPLER_HPP
