// sentry_trace/delivery/worker_thread.hpp -- starting a library thread, and returning once it runs
//
// WHAT IT DOES  start_worker_thread(t, body) starts `body` on a new std::thread held in `t` and
//               returns only when the thread has begun to run `body`. A new thread's start-up
//               allocates (std::thread's state, and in the C library or a sanitizer's runtime
//               its own bookkeeping) on the new thread, after pthread_create has returned. A
//               fork() that lands in that window copies an allocator lock held by a thread the
//               child will not have; an allocator without fork handlers (the AddressSanitizer
//               runtime of GCC 12 and Clang 14, among others) then deadlocks the child at its next
//               allocation. Waiting here keeps the window inside init(): once init() has
//               returned, the library's threads never touch the heap, so a program that forks
//               after init() forks with none of them in an allocator.
// DOES NOT      cover the resolver threads (transport_http.hpp), which look a name up while the
//               program runs and are detached; a host given as an IP literal never starts one.
// ERRORS        false when the thread cannot be created (std::system_error with exceptions on;
//               without exceptions a failed std::thread constructor ends the program, as the
//               standard library does).

#ifndef SENTRY_TRACE_DELIVERY_WORKER_THREAD_HPP
#define SENTRY_TRACE_DELIVERY_WORKER_THREAD_HPP

#include "../config.hpp"

#if SENTRY_TRACE_HOSTED && SENTRY_TRACE_THREADS
#  include <atomic>
#  include <thread>

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {

template <class Body> bool start_worker_thread(std::thread& t, Body body) noexcept {
  // The new thread's first act, and its last touch of `running`: this frame may be gone after.
  std::atomic<bool> running{false};
  auto run = [&running, body]() mutable {
    running.store(true, std::memory_order_release);
    body();
  };
#  if SENTRY_TRACE_EXCEPTIONS
  try {
    t = std::thread(run);
  } catch (...) {
    return false;
  }
#  else
  t = std::thread(run);
#  endif
  while (!running.load(std::memory_order_acquire)) std::this_thread::yield();
  return true;
}

}  // namespace detail
SENTRY_TRACE_DETAIL_END

#endif  // SENTRY_TRACE_HOSTED && SENTRY_TRACE_THREADS
#endif  // SENTRY_TRACE_DELIVERY_WORKER_THREAD_HPP
