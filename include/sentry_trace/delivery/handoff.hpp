// sentry_trace/delivery/handoff.hpp -- finished transactions waiting to be written, and the thread that writes them
//
// WHAT IT DOES  A bounded queue of transaction blocks whose root has ended, and the worker thread
//               that takes them one at a time and hands each to the writer it was started with
//               (dispatch.hpp's: write the envelope, send it, give the block back). Where there is
//               no thread (SENTRY_TRACE_THREADS=0, or the built-in transport in poll mode),
//               poll(), flush() and shutdown() take the queued blocks themselves (take_and_write).
// OWNERSHIP     A queued block is held by its root's open count, which the entry carries: no
//               other span's close can free the block while it waits. Whoever pops an entry owns
//               it until the writer has returned; the writer gives the root's count back, and the
//               last count out frees the block. An entry is in the ring or with one popper, never
//               both: pop and the `writing` count change under one lock hold.
// LOCKS         One mutex, held only to push or pop an entry and to read the counts: never while
//               an envelope is written or sent, so a root's end() waits for a push at most.
// WAKING        Waking a sleeping thread is a system call that costs the caller microseconds,
//               more than the push. So the worker, once it has emptied the queue, naps: it looks
//               again every nap_ms for naps_before_sleep naps, and a push meanwhile wakes nobody.
//               Only then does it sleep until woken, and only a push that finds it so (or the
//               queue half full) pays for the wake. A program that ends a root every frame never
//               pays it; an idle one costs no wake-ups after naps_before_sleep naps.
// DOES NOT      decide whether a block is handed off (dispatch.hpp does), or count anything lost.
// FORK          forget_after_fork() gives a fork()'s child a fresh, empty queue without touching
//               the parent's locks or thread; the caller frees the blocks.

#ifndef SENTRY_TRACE_DELIVERY_HANDOFF_HPP
#define SENTRY_TRACE_DELIVERY_HANDOFF_HPP

#include "../config.hpp"
#include "../core/platform.hpp"
#include "../core/pool.hpp"
#include "worker_thread.hpp"

#include <cstddef>
#include <cstdint>
#include <new>
#if SENTRY_TRACE_HOSTED && SENTRY_TRACE_THREADS
#  include <chrono>
#  include <condition_variable>
#  include <mutex>
#  include <thread>
#endif

#if SENTRY_TRACE_HOSTED && SENTRY_TRACE_THREADS
#  define SENTRY_TRACE_DETAIL_HANDOFF_WORKER 1
#else
#  define SENTRY_TRACE_DETAIL_HANDOFF_WORKER 0
#endif

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {

/// A root that has ended: its block, and the slots handed out when it closed (what the writer
/// may read).
struct handoff_entry {
  transaction_block* block = nullptr;
  std::uint32_t handed_out = 0;
};

/// Writes one entry's envelope, sends it and gives the root's open count back.
using handoff_writer = void (*)(const handoff_entry&) noexcept;

/// Who empties the queue.
enum class handoff_mode : std::uint8_t {
  off,     ///< nothing is queued: every root is written by the thread that ends it
  worker,  ///< the worker thread
  poll     ///< poll(), flush() and shutdown()
};

/// The queue and its worker. One in static storage (g_handoff); every member starts as zero.
class handoff_queue {
 public:
  /// One entry per block at most: a block is queued once per root.
  static constexpr std::size_t capacity = SENTRY_TRACE_MAX_TRANSACTIONS;
  /// How long the worker naps between looks at an empty queue, and how many naps it takes
  /// before it sleeps until woken (see WAKING above): at most nap_ms of delay before a root is
  /// written, about a quarter of a second of naps after the last one.
  static constexpr std::uint32_t nap_ms = 4;
  static constexpr std::uint32_t naps_before_sleep = 64;

  /// Starts taking entries in `mode`; worker mode starts the thread (false when it cannot be
  /// created: nothing is accepted then). Called by init() while no other thread uses the API.
  bool start(handoff_mode mode, handoff_writer writer) noexcept {
    stop();  // left running by an init() that failed after starting it
    writer_ = writer;
    head_ = count_ = writing_ = 0;
    wakes_ = 0;
    worker_asleep_ = false;
    stopping_ = false;
    restart_after_fork_ = false;
    mode_ = handoff_mode::off;
    if (mode == handoff_mode::off) return true;
#if SENTRY_TRACE_DETAIL_HANDOFF_WORKER
    if (!sync_made_) {
      new (&sync()) sync_objects();
      sync_made_ = true;
    }
    if (mode == handoff_mode::worker && !start_thread()) return false;
#else
    if (mode == handoff_mode::worker) return false;
#endif
    mode_ = mode;
    return true;
  }

  handoff_mode mode() const noexcept { return mode_; }

  /// Queues `e`; false when the queue is full or not taking entries (the caller then writes it).
  bool push(const handoff_entry& e) noexcept {
#if SENTRY_TRACE_DETAIL_HANDOFF_WORKER
    if (mode_ == handoff_mode::off) return false;
    bool wake;
    {
      std::lock_guard<std::mutex> lk(sync().mu);
      if (restart_after_fork_) restart_locked();
      if (!push_locked(e)) return false;
      wake = mode_ == handoff_mode::worker && (worker_asleep_ || count_ * 2 >= capacity);
      if (wake) ++wakes_;
    }
    if (wake) sync().work.notify_one();
    return true;
#else
    return mode_ != handoff_mode::off && push_locked(e);
#endif
  }

  /// Takes one queued entry and writes it on this thread; false when none was queued.
  bool take_and_write() noexcept {
    handoff_entry e;
    {
#if SENTRY_TRACE_DETAIL_HANDOFF_WORKER
      if (mode_ == handoff_mode::off) return false;
      std::lock_guard<std::mutex> lk(sync().mu);
#endif
      if (!pop_locked(e)) return false;
    }
    write(e);
    return true;
  }

  /// Entries queued or being written.
  std::size_t pending() const noexcept {
#if SENTRY_TRACE_DETAIL_HANDOFF_WORKER
    if (mode_ == handoff_mode::off) return 0;
    std::lock_guard<std::mutex> lk(sync().mu);
#endif
    return count_ + writing_;
  }

  /// How many pushes have woken the worker (tests: a push to a napping worker wakes nobody).
  std::uint64_t wakes() const noexcept {
#if SENTRY_TRACE_DETAIL_HANDOFF_WORKER
    if (mode_ == handoff_mode::off) return 0;
    std::lock_guard<std::mutex> lk(sync().mu);
#endif
    return wakes_;
  }

  /// Until nothing is queued or being written, or `timeout_ms` has passed: writes queued
  /// entries on this thread, then waits for the one the worker is writing. True when
  /// everything was written.
  bool drain(std::uint32_t timeout_ms) noexcept {
#if SENTRY_TRACE_DETAIL_HANDOFF_WORKER
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      while (take_and_write()) {
      }
      if (mode_ == handoff_mode::off) return true;
      std::unique_lock<std::mutex> lk(sync().mu);
      if (count_ + writing_ == 0) return true;
      if (count_ != 0) continue;  // queued since: take it too
      if (sync().idle.wait_until(lk, deadline) == std::cv_status::timeout) return count_ + writing_ == 0;
    }
#else
    static_cast<void>(timeout_ms);
    while (take_and_write()) {
    }
    return true;
#endif
  }

  /// Stops taking entries, lets the worker write what is queued and joins it, then writes what
  /// is left on this thread. Called by shutdown() and init() while no other thread uses the API.
  void stop() noexcept {
#if SENTRY_TRACE_DETAIL_HANDOFF_WORKER
    if (mode_ == handoff_mode::off) return;
    {
      std::lock_guard<std::mutex> lk(sync().mu);
      stopping_ = true;
    }
    sync().work.notify_all();
    if (sync().thread.joinable()) sync().thread.join();
#endif
    while (take_and_write()) {
    }
    mode_ = handoff_mode::off;
  }

  /// In a fork()'s child (its only thread): the parent's worker does not exist here and its
  /// entries are the parent's to write. Empties the queue and makes fresh lock and condition
  /// objects over the copies (another thread may have held the lock at the fork); no join, no
  /// unlock. A worker-mode queue starts a thread of its own at the child's next push.
  void forget_after_fork() noexcept {
    head_ = count_ = writing_ = 0;
    worker_asleep_ = false;  // the child's worker, when started, begins by napping
#if SENTRY_TRACE_DETAIL_HANDOFF_WORKER
    if (sync_made_) new (&sync()) sync_objects();  // an empty thread handle: nothing to join
    restart_after_fork_ = mode_ == handoff_mode::worker;
#endif
  }

 private:
  bool push_locked(const handoff_entry& e) noexcept {
    if (stopping_ || count_ == capacity) return false;
    ring_[(head_ + count_) % capacity] = e;
    ++count_;
    return true;
  }

  /// Pops the oldest entry; from here until write() returns, it counts as being written.
  bool pop_locked(handoff_entry& e) noexcept {
    if (count_ == 0) return false;
    e = ring_[head_];
    head_ = (head_ + 1) % capacity;
    --count_;
    ++writing_;
    return true;
  }

  void write(const handoff_entry& e) noexcept {
    writer_(e);
#if SENTRY_TRACE_DETAIL_HANDOFF_WORKER
    {
      std::lock_guard<std::mutex> lk(sync().mu);
      --writing_;
    }
    sync().idle.notify_all();
#else
    --writing_;
#endif
  }

#if SENTRY_TRACE_DETAIL_HANDOFF_WORKER
  struct sync_objects {
    std::mutex mu;
    std::condition_variable work;  ///< the worker: an entry was queued, or stop
    std::condition_variable idle;  ///< drain(): an entry was written
    std::thread thread;
  };
  // Built in place on first use and never destroyed: a program may end without shutdown(), and
  // a joinable std::thread destroyed at exit would terminate it.
  sync_objects& sync() const noexcept { return *std::launder(reinterpret_cast<sync_objects*>(sync_space_)); }

  bool start_thread() noexcept {
    return start_worker_thread(sync().thread, [this] { run(); });
  }

  /// The child of a fork pushes its first entry: the worker it lost is started again, or the
  /// queue stops taking entries (they are then written by the threads that end them).
  void restart_locked() noexcept {
    restart_after_fork_ = false;
    if (!start_thread()) stopping_ = true;
  }

  void run() noexcept {
    std::unique_lock<std::mutex> lk(sync().mu);
    std::uint32_t naps = 0;
    for (;;) {
      handoff_entry e;
      if (pop_locked(e)) {
        lk.unlock();
        write(e);
        lk.lock();
        naps = 0;
        continue;
      }
      if (stopping_) return;
      if (naps < naps_before_sleep) {
        ++naps;
        sync().work.wait_for(lk, std::chrono::milliseconds(nap_ms));
        continue;
      }
      worker_asleep_ = true;  // from here a push must wake it
      sync().work.wait(lk);
      worker_asleep_ = false;
      naps = 0;
    }
  }

  // Every member has an initializer, so that g_handoff is constant-initialized: no start-up
  // code and no guard variable.
  alignas(sync_objects) mutable unsigned char sync_space_[sizeof(sync_objects)] = {};
  bool sync_made_ = false;
#endif
  handoff_entry ring_[capacity] = {};
  std::size_t head_ = 0;
  std::size_t count_ = 0;    ///< entries in ring_
  std::size_t writing_ = 0;  ///< entries popped and not yet written
  std::uint64_t wakes_ = 0;  ///< pushes that woke the worker
  bool worker_asleep_ = false;   ///< the worker waits untimed: only a push's wake brings it back
  handoff_writer writer_ = nullptr;
  handoff_mode mode_ = handoff_mode::off;
  bool stopping_ = false;
  bool restart_after_fork_ = false;
};

inline handoff_queue g_handoff{};

}  // namespace detail
SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_DELIVERY_HANDOFF_HPP
