// sentry_trace/transport_http.hpp -- the built-in HTTP transport: a bounded queue and a sender
//
// WHAT IT DOES  http_transport POSTs every envelope to Sentry's envelope endpoint (or to the
//               Spotlight sidecar: a second instance with the sidecar's URL and no auth header).
//               send() copies the envelope into a fixed ring of whole envelopes
//               (SENTRY_TRACE_QUEUE_BYTES) and returns; delivery happens elsewhere:
//                 worker mode  one std::thread, started by start(), sends in the background;
//                 poll mode    nothing is sent until the program calls poll(budget_us)
//                              (sentry_trace::poll() for the transport init() built), or
//                              flush(), which then drives poll() itself.
//               Every response feeds the rate limiter (ratelimit.hpp); an envelope whose category
//               is limited is dropped before sending, except that a limited `profile` takes only
//               the profile item (always the last) off a transaction envelope, which then goes
//               out without it; a `profile_chunk` envelope is its own category. Outcomes (client
//               reports):
//                 2xx                  delivered
//                 429                  dropped, not counted (the server counted it)
//                 other 4xx / 5xx      dropped, send_error
//                 no response          retried after 1 s, 2 s, 4 s ... (at most 60 s), then
//                                      after max_attempts dropped as network_error
//                 rate-limited         dropped before sending, ratelimit_backoff
//                 queue full           dropped in send(), queue_overflow
//               A transaction counts once as `transaction` and (spans + 1) times as `span`, and
//               once as `profile` when it carries one; a lost client report is never counted.
// THREADS       send() takes the queue mutex for one copy of the envelope into the ring; the
//               sender takes it only to read or update the ring's indexes and the head entry's
//               meta, never across I/O. So the span path (send() is called from
//               finish_transaction) waits at most for one index update, never for the network.
//               poll() is serialized by a second mutex (try_lock: a concurrent poll() returns
//               at once). The rate limiter is touched only by whoever holds that second mutex.
// WAKE-UP       The worker sleeps on a condition variable while the queue is empty or the head
//               entry waits for its retry time (send() and stop() notify it), and in ::poll(2)
//               on the client's socket plus a self-pipe while a request is in flight (stop()
//               writes to the pipe). New envelopes need no wake-up then: they queue behind the
//               one in flight.
// NAMES         An IP literal is used as it is. A name is resolved before the first attempt and
//               again after a network failure (the address may have moved), each time on a
//               thread of its own (detail::async_resolver), never on the worker or a poll()/
//               flush() caller: getaddrinfo may block for seconds when the DNS server stops
//               answering, and flush(ms)/shutdown(ms) must keep their deadlines. The sender
//               looks at the resolution every few ms; one that takes over connect_timeout_ms is
//               abandoned (its thread ends on its own, touching only its static slot) and counts
//               as a failed attempt. A failed re-resolution keeps the previous addresses. The
//               CA bundle is loaded once, by configure(), not at each resolution.
// DEADLINES     flush(ms) returns by its deadline whatever the network or resolver does; stop(ms)
//               flushes for ms, then joins the worker (it only ever blocks in a wait that stop()
//               ends) and counts what is still queued as lost (network_error).
// GZIP          With SENTRY_TRACE_WITH_ZLIB=1 (the program includes <zlib.h>'s directory and links
//               -lz) and http_transport_options::gzip, every envelope over 1 KiB
//               (detail::gzip_min_bytes) is sent gzip-compressed with "Content-Encoding: gzip",
//               which Relay accepts (the JavaScript SDK compresses bodies over 32 KiB, the
//               Python SDK all of them, the native SDK optionally). deflate: level 6, windowBits 15 + 16 (the gzip
//               wrapper), memLevel 8, into a fixed buffer of the transport
//               (detail::gzip_out_bytes = SENTRY_TRACE_QUEUE_BYTES / 4), again at each attempt
//               (deflateReset, then one deflate(Z_FINISH)). An envelope whose compressed form
//               does not fit in that buffer, would not be smaller, or fails in deflate goes out
//               uncompressed, as without gzip: the envelope is never lost over compression.
//               Compressing runs where sending does (the worker, or the caller of poll()/flush():
//               a 1 MiB envelope takes milliseconds there).
//               Without SENTRY_TRACE_WITH_ZLIB the gzip option is accepted and ignored.
// MEMORY        The ring is a member (SENTRY_TRACE_QUEUE_BYTES, default 2 MiB, options.queue_bytes
//               may use less of it). The worker's std::thread, created by start() at init (which
//               returns once it runs: worker_thread.hpp), and the short-lived resolver threads
//               (never for an IP literal) are the only allocations; send() and poll() never allocate. With
//               SENTRY_TRACE_WITH_ZLIB=1 every http_transport also holds the gzip buffer and
//               zlib's arena (detail::gzip_arena_bytes, about 264 KiB: zconf.h's formula for
//               these parameters plus 8 KiB of small objects), gzip on or not; zlib gets
//               zalloc/zfree callbacks that carve from that arena, so it never touches the heap.
//               configure() runs deflateInit2 (the only allocations, all from the arena); an
//               arena too small for a given zlib build makes init fail, and gzip stays off.
// DOES NOT      exist on freestanding builds or without POSIX sockets and threads
//               (SENTRY_TRACE_DETAIL_HTTP_TRANSPORT is 0 there), compress without
//               SENTRY_TRACE_WITH_ZLIB, or speak HTTPS unless http_client.hpp does
//               (SENTRY_TRACE_WITH_MBEDTLS).
// SPEC          PROTOCOL.md §1 (endpoint, headers), §10 (rate limits), §11 (outcomes), §13.

#ifndef SENTRY_TRACE_TRANSPORT_HTTP_HPP
#define SENTRY_TRACE_TRANSPORT_HTTP_HPP

#include "../config.hpp"
#include "../protocol/dsn.hpp"
#include "../protocol/envelope.hpp"
#include "../protocol/text.hpp"
#include "../core/outcomes.hpp"
#include "transport.hpp"

#if SENTRY_TRACE_HOSTED && SENTRY_TRACE_THREADS && (defined(__unix__) || defined(__APPLE__))
#  define SENTRY_TRACE_DETAIL_HTTP_TRANSPORT 1
#else
#  define SENTRY_TRACE_DETAIL_HTTP_TRANSPORT 0
#endif

#if SENTRY_TRACE_WITH_ZLIB != 0 && SENTRY_TRACE_WITH_ZLIB != 1
#  error "SENTRY_TRACE_WITH_ZLIB must be 0 or 1"
#endif

#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
#  include "http_client.hpp"
#  include "../protocol/ratelimit.hpp"
#  include "worker_thread.hpp"

#  include <atomic>
#  include <chrono>
#  include <condition_variable>
#  include <cstddef>
#  include <cstdint>
#  include <cstdio>
#  include <cstring>
#  include <mutex>
#  include <new>
#  include <string_view>
#  include <thread>

#  include <fcntl.h>
#  include <poll.h>
#  include <pthread.h>
#  include <unistd.h>

#  if SENTRY_TRACE_WITH_ZLIB
#    include <zlib.h>
#  endif

SENTRY_TRACE_DETAIL_BEGIN

/// How the built-in transports deliver; see http_transport.
struct http_transport_options {
  std::string_view url;          ///< the full envelope endpoint, e.g. http://host:9000/api/42/envelope/
  std::string_view auth_header;  ///< "X-Sentry-Auth: Sentry sentry_key=…\r\n", or "" (Spotlight)
  detail::http_client_config http{};
  bool use_worker = true;        ///< false: poll mode
  bool gzip = false;             ///< gzip envelopes over 1 KiB (needs SENTRY_TRACE_WITH_ZLIB=1, else ignored)
  std::uint32_t max_attempts = 4;     ///< network failures before an envelope is dropped (>= 1)
  std::uint32_t retry_base_ms = 1000; ///< first retry delay; doubles per attempt, capped at 60 s
  std::size_t queue_bytes = 0;        ///< 0: all of SENTRY_TRACE_QUEUE_BYTES; less caps the queue
  bool count_losses = true;           ///< false: losses are not counted (the Spotlight copy)
  /// Worker mode: called on the worker between deliveries, at least once a second, with no
  /// lock of the transport held (init() sends due client reports from it). It may call send().
  void (*on_worker_tick)(void* user) = nullptr;
  void* tick_user = nullptr;
};

// ------------------------------------------------------------------------------------------------
namespace detail {

/// Writes the envelope endpoint of `d` ({scheme}://{host}:{port}{path}/api/{project}/envelope/)
/// and its X-Sentry-Auth header line into the buffers and points `o` at them (PROTOCOL.md §1).
/// False when they do not fit.
template <std::size_t U, std::size_t A>
bool dsn_endpoint(const dsn& d, char (&url)[U], char (&auth)[A], http_transport_options& o) noexcept {
  const bool v6 = d.host.find(':') != std::string_view::npos;
  const int n = std::snprintf(url, U, "%.*s://%s%.*s%s:%u%.*s/api/%.*s/envelope/", static_cast<int>(d.scheme.size()),
                              d.scheme.data(), v6 ? "[" : "", static_cast<int>(d.host.size()), d.host.data(), v6 ? "]" : "",
                              static_cast<unsigned>(d.port), static_cast<int>(d.path.size()), d.path.data(),
                              static_cast<int>(d.project_id.size()), d.project_id.data());
  const int m = std::snprintf(auth, A, "X-Sentry-Auth: Sentry sentry_key=%.*s, sentry_version=7, sentry_client=%s/%s%s%.*s\r\n",
                              static_cast<int>(d.public_key.size()), d.public_key.data(), sdk_name, version_string,
                              d.secret.empty() ? "" : ", sentry_secret=", static_cast<int>(d.secret.size()), d.secret.data());
  if (n <= 0 || static_cast<std::size_t>(n) >= U || m <= 0 || static_cast<std::size_t>(m) >= A) return false;
  o.url = std::string_view(url, static_cast<std::size_t>(n));
  o.auth_header = std::string_view(auth, static_cast<std::size_t>(m));
  return true;
}

inline std::uint64_t steady_now_ms() noexcept {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}
inline std::uint64_t steady_now_us() noexcept {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

/// Bookkeeping stored in front of each envelope in the ring.
struct queue_entry_meta {
  std::uint32_t size = 0;          ///< envelope bytes (wrap_marker: the rest of the ring is unused)
  std::uint32_t spans = 0;         ///< a transaction's span_count() (root included)
  std::uint64_t not_before_ms = 0; ///< steady ms before which it is not (re)tried
  std::uint16_t attempts = 0;      ///< failed attempts so far
  data_category category = data_category::error;
  bool profile_dropped = false;    ///< the profile item is cut off (a `profile` rate limit)
  std::uint32_t profile_offset = 0; ///< a transaction's profile item starts here (0: none)
  static constexpr std::uint32_t wrap_marker = 0xffffffffu;
};

/// A bounded ring of whole envelopes, each contiguous, in a buffer the owner provides. Not
/// thread-safe by itself: http_transport guards it with its queue mutex. Only the head entry
/// is ever read or removed, and push() never writes over it, so the head's bytes stay valid
/// (and can be sent without a copy) while other envelopes are pushed.
class envelope_queue {
 public:
  static constexpr std::size_t align = 8;
  static constexpr std::size_t header = (sizeof(queue_entry_meta) + align - 1) / align * align;

  void reset(unsigned char* buffer, std::size_t capacity) noexcept {
    buf_ = buffer;
    cap_ = capacity / align * align;
    head_ = tail_ = count_ = 0;
  }
  std::size_t capacity() const noexcept { return cap_; }
  std::size_t size() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }

  /// Copies `bytes` in with `meta`; false (nothing changed) when it does not fit.
  bool push(std::string_view bytes, queue_entry_meta meta) noexcept {
    if (bytes.size() >= queue_entry_meta::wrap_marker) return false;
    const std::size_t need = header + (bytes.size() + align - 1) / align * align;
    if (need > cap_) return false;
    std::size_t at = 0;
    if (count_ == 0) {
      head_ = tail_ = 0;
    } else if (tail_ > head_) {  // [head_, tail_) used; free: [tail_, cap_) and [0, head_)
      if (cap_ - tail_ >= need) {
        at = tail_;
      } else if (head_ >= need) {
        if (cap_ - tail_ >= header) {
          queue_entry_meta wrap;
          wrap.size = queue_entry_meta::wrap_marker;
          std::memcpy(buf_ + tail_, &wrap, sizeof(wrap));
        }
        at = 0;
      } else {
        return false;
      }
    } else {  // wrapped (tail_ <= head_): free is [tail_, head_)
      if (head_ - tail_ < need) return false;
      at = tail_;
    }
    meta.size = static_cast<std::uint32_t>(bytes.size());
    std::memcpy(buf_ + at, &meta, sizeof(meta));
    if (!bytes.empty()) std::memcpy(buf_ + at + header, bytes.data(), bytes.size());
    tail_ = at + need;
    ++count_;
    return true;
  }

  /// The head entry's meta (a copy), or false when empty.
  bool front(queue_entry_meta& meta, std::string_view& bytes) const noexcept {
    if (count_ == 0) return false;
    std::memcpy(&meta, buf_ + head_, sizeof(meta));
    bytes = std::string_view(reinterpret_cast<const char*>(buf_ + head_ + header), meta.size);
    return true;
  }
  /// Rewrites the head entry's meta (attempts, not_before_ms).
  void update_front(const queue_entry_meta& meta) noexcept {
    if (count_ != 0) std::memcpy(buf_ + head_, &meta, sizeof(meta));
  }
  /// Removes the head entry.
  void pop() noexcept {
    if (count_ == 0) return;
    queue_entry_meta meta;
    std::memcpy(&meta, buf_ + head_, sizeof(meta));
    head_ += header + (meta.size + align - 1) / align * align;
    if (--count_ == 0) {
      head_ = tail_ = 0;
      return;
    }
    skip_wrap();
  }

 private:
  void skip_wrap() noexcept {
    if (cap_ - head_ < header) {
      head_ = 0;
      return;
    }
    queue_entry_meta meta;
    std::memcpy(&meta, buf_ + head_, sizeof(meta));
    if (meta.size == queue_entry_meta::wrap_marker) head_ = 0;
  }

  unsigned char* buf_ = nullptr;
  std::size_t cap_ = 0;
  std::size_t head_ = 0;
  std::size_t tail_ = 0;
  std::size_t count_ = 0;
};

/// One name resolution run on a thread of its own, so that a resolver that stops answering
/// blocks only that thread: never the worker, poll(), flush() or stop(), which must keep
/// their deadlines. The job lives in static storage (g_resolve_jobs), not in the transport:
/// its thread may outlive the transport that asked (stop() abandons a job it cannot wait
/// for), and touches nothing but its own slot, which static storage keeps valid for as long
/// as the process runs. States and who moves them:
///   free -> running      the owner claims the slot (compare-exchange), fills it, starts the thread
///   running -> done      the thread, after writing the result
///   running -> abandoned the owner, giving up (stop(), a resolution past its time limit)
///   done -> free         the owner, after copying the result (or when abandoning too late)
///   abandoned -> free    the thread, as its last access to the slot
/// The thread reads its inputs only before it publishes `done`, and the owner writes them only
/// before pthread_create (which orders them for the thread), so no field is ever shared.
struct resolve_job {
  enum : std::uint8_t { free, running, done, abandoned };
  std::atomic<std::uint8_t> state{free};
  resolve_fn fn = nullptr;
  char host[sizeof(http_url::host)] = {};
  std::uint16_t port = 0;
  address_list result{};
  bool ok = false;
  char err[160] = {};
};
/// Enough for the main transport and Spotlight with a couple of abandoned jobs each: a slot is
/// busy until its resolver answers. With every slot taken, an attempt fails (counted by the
/// retry policy like any network failure) instead of starting yet another stuck thread.
inline constexpr std::size_t resolve_job_slots = 6;
inline resolve_job g_resolve_jobs[resolve_job_slots];

/// A transport's handle on at most one resolve_job.
class async_resolver {
 public:
  async_resolver() noexcept = default;
  async_resolver(const async_resolver&) = delete;
  async_resolver& operator=(const async_resolver&) = delete;
  ~async_resolver() { abandon(); }

  /// Starts resolving `host`:`port` with `fn` on a new detached thread. False (err says why)
  /// when every slot is taken or no thread can be started.
  bool begin(resolve_fn fn, const char* host, std::uint16_t port, char* err, std::size_t err_size) noexcept {
    abandon();
    for (resolve_job& j : g_resolve_jobs) {
      std::uint8_t expected = resolve_job::free;
      if (!j.state.compare_exchange_strong(expected, resolve_job::running, std::memory_order_acquire)) continue;
      j.fn = fn;
      std::snprintf(j.host, sizeof j.host, "%s", host);
      j.port = port;
      j.ok = false;
      j.err[0] = '\0';
      pthread_attr_t attr;
      bool started = ::pthread_attr_init(&attr) == 0;
      if (started) {
        ::pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_t tid;
        started = ::pthread_create(&tid, &attr, &async_resolver::run, &j) == 0;
        ::pthread_attr_destroy(&attr);
      }
      if (!started) {
        j.state.store(resolve_job::free, std::memory_order_release);
        std::snprintf(err, err_size, "resolve failed: no thread for the resolver");
        return false;
      }
      job_ = &j;
      return true;
    }
    std::snprintf(err, err_size, "resolve failed: every resolver is still waiting for an answer");
    return false;
  }

  /// True while a job is out.
  bool pending() const noexcept { return job_ != nullptr; }

  /// 0: not answered yet; 1: resolved into `out`; -1: failed (err says why). Never waits.
  int poll(address_list& out, char* err, std::size_t err_size) noexcept {
    if (!job_ || job_->state.load(std::memory_order_acquire) != resolve_job::done) return 0;
    const bool ok = job_->ok;
    if (ok) out = job_->result;
    else std::snprintf(err, err_size, "%s", job_->err);
    job_->state.store(resolve_job::free, std::memory_order_release);
    job_ = nullptr;
    return ok ? 1 : -1;
  }

  /// Drops the handle without touching the slot: for a child after fork(), where the job's
  /// thread does not exist (forget_resolve_jobs_after_fork() frees the slots there).
  void forget() noexcept { job_ = nullptr; }

  /// Gives the job up; its thread frees the slot whenever its resolver returns.
  void abandon() noexcept {
    if (!job_) return;
    std::uint8_t expected = resolve_job::running;
    if (!job_->state.compare_exchange_strong(expected, resolve_job::abandoned, std::memory_order_acq_rel))
      job_->state.store(resolve_job::free, std::memory_order_release);  // it was done: nobody else holds it
    job_ = nullptr;
  }

 private:
  static void* run(void* arg) noexcept {
    resolve_job& j = *static_cast<resolve_job*>(arg);
    j.ok = resolve_addresses(j.fn, j.host, j.port, false, j.result, j.err, sizeof j.err);
    std::uint8_t expected = resolve_job::running;
    if (!j.state.compare_exchange_strong(expected, resolve_job::done, std::memory_order_acq_rel))
      j.state.store(resolve_job::free, std::memory_order_release);  // abandoned: the slot is ours to free
    return nullptr;  // the slot is not touched after this point
  }

  resolve_job* job_ = nullptr;
};

/// In a child after fork(): no resolver thread was copied into it, so nobody would ever free
/// the slots the parent's jobs held; they are all free here.
inline void forget_resolve_jobs_after_fork() noexcept {
  for (resolve_job& j : g_resolve_jobs) j.state.store(resolve_job::free, std::memory_order_relaxed);
}

#  if SENTRY_TRACE_WITH_ZLIB
// deflate's parameters (zlib.h, deflateInit2): level 6, a 32 KiB window with the gzip wrapper
// (windowBits 15 + 16), memLevel 8.
inline constexpr int gzip_level = 6;
inline constexpr int gzip_window_bits = 15;
inline constexpr int gzip_mem_level = 8;
/// Envelopes of at most this many bytes are sent uncompressed.
inline constexpr std::size_t gzip_min_bytes = 1024;
/// The compressed body's buffer (one per transport).
inline constexpr std::size_t gzip_out_bytes = SENTRY_TRACE_QUEUE_BYTES / 4;
/// zconf.h: "The memory requirements for deflate are (in bytes):
///   (1 << (windowBits+2)) +  (1 << (memLevel+9))
/// that is: 128K for windowBits=15 + 128K for memLevel = 8 (default values) plus a few kilobytes
/// for small objects." The small objects are deflate's state (5952 bytes in zlib 1.2.13 on
/// x86-64); 8 KiB leaves room for other builds and for the arena's 16-byte alignment.
inline constexpr std::size_t gzip_deflate_bytes =
    (std::size_t{1} << (gzip_window_bits + 2)) + (std::size_t{1} << (gzip_mem_level + 9));
inline constexpr std::size_t gzip_small_object_bytes = 8 * 1024;
inline constexpr std::size_t gzip_arena_align = 16;
inline constexpr std::size_t gzip_arena_bytes = gzip_deflate_bytes + gzip_small_object_bytes;
static_assert(gzip_deflate_bytes == (std::size_t{1} << 17) + (std::size_t{1} << 17),
              "zconf.h's deflate memory formula for windowBits 15, memLevel 8");
static_assert(gzip_arena_bytes >= gzip_deflate_bytes + 6 * 1024 + 5 * gzip_arena_align,
              "zlib's arena must hold deflate's buffers, its state and the alignment of five blocks");
static_assert(gzip_level >= 1 && gzip_level <= 9 && gzip_window_bits >= 9 && gzip_window_bits <= 15 &&
                  gzip_mem_level >= 1 && gzip_mem_level <= 9,
              "deflateInit2's parameter ranges");

/// One zlib deflate stream producing gzip members, with its memory in a member arena: zlib's
/// zalloc carves from it (a bump allocator; zfree does nothing, end() rewinds it), so zlib
/// never touches the heap. deflateInit2 is the only call that allocates; deflateReset and
/// deflate do not. Not thread-safe (http_transport uses it under its poll mutex).
class gzip_deflater {
 public:
  gzip_deflater() noexcept = default;
  gzip_deflater(const gzip_deflater&) = delete;
  gzip_deflater& operator=(const gzip_deflater&) = delete;
  ~gzip_deflater() { end(); }

  /// deflateInit2 with this object's arena (ending a stream it had). False when zlib refuses,
  /// the arena included (an allocation that does not fit is refused, counted in refused()).
  bool init() noexcept {
    end();
    zs_ = z_stream{};
    zs_.zalloc = &gzip_deflater::zalloc;
    zs_.zfree = &gzip_deflater::zfree;
    zs_.opaque = this;
    ready_ = deflateInit2(&zs_, gzip_level, Z_DEFLATED, gzip_window_bits + 16, gzip_mem_level, Z_DEFAULT_STRATEGY) == Z_OK;
    if (!ready_) {
      deflateEnd(&zs_);  // Z_STREAM_ERROR when init left nothing: harmless
      used_ = 0;
    }
    return ready_;
  }
  /// deflateEnd, and rewinds the arena.
  void end() noexcept {
    if (ready_) deflateEnd(&zs_);
    ready_ = false;
    used_ = 0;
  }
  bool ready() const noexcept { return ready_; }

  /// Compresses `in` into one whole gzip member in out[0, cap): its size, or 0 when it does not
  /// fit, deflate fails or the stream is not ready.
  std::size_t compress(std::string_view in, unsigned char* out, std::size_t cap) noexcept {
    if (!ready_ || in.size() > 0xffffffffu || cap == 0) return 0;
    if (cap > 0xffffffffu) cap = 0xffffffffu;
    if (deflateReset(&zs_) != Z_OK) return 0;
    zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs_.avail_in = static_cast<uInt>(in.size());
    zs_.next_out = out;
    zs_.avail_out = static_cast<uInt>(cap);
    const int r = deflate(&zs_, Z_FINISH);
    const std::size_t n = cap - zs_.avail_out;
    zs_.next_in = Z_NULL;
    zs_.next_out = Z_NULL;
    if (r != Z_STREAM_END) {
      ++failed_;
      return 0;
    }
    ++compressed_;
    return n;
  }

  /// Arena bytes in use (the stream's, after init()).
  std::size_t arena_used() const noexcept { return used_; }
  /// zalloc calls served from the arena, ever.
  std::uint32_t allocations() const noexcept { return allocations_; }
  /// zalloc calls refused (the arena was full): zlib then failed; nothing ever goes to malloc.
  std::uint32_t refused() const noexcept { return refused_; }
  /// Envelopes compressed; compress() calls that did not finish (no room, deflate error).
  std::uint32_t compressed() const noexcept { return compressed_; }
  std::uint32_t failed() const noexcept { return failed_; }

 private:
  static voidpf zalloc(voidpf opaque, uInt items, uInt size) noexcept {
    gzip_deflater& self = *static_cast<gzip_deflater*>(opaque);
    const std::size_t n = static_cast<std::size_t>(items) * static_cast<std::size_t>(size);
    const std::size_t at = (self.used_ + gzip_arena_align - 1) / gzip_arena_align * gzip_arena_align;
    if (n == 0 || at > sizeof(self.arena_) || n > sizeof(self.arena_) - at) {
      ++self.refused_;
      return Z_NULL;
    }
    self.used_ = at + n;
    ++self.allocations_;
    return self.arena_ + at;
  }
  static void zfree(voidpf, voidpf) noexcept {}  // end() rewinds the whole arena

  z_stream zs_{};
  bool ready_ = false;
  std::size_t used_ = 0;
  std::uint32_t allocations_ = 0;
  std::uint32_t refused_ = 0;
  std::uint32_t compressed_ = 0;
  std::uint32_t failed_ = 0;
  alignas(gzip_arena_align) unsigned char arena_[gzip_arena_bytes];
};
#  endif // SENTRY_TRACE_WITH_ZLIB

} // namespace detail

/// POSTs envelopes to one URL from a bounded queue; see the top of this file.
/// Usage (the tracer does this by itself for a DSN without options.transport):
///   static sentry_trace::http_transport t;  // large (the ring): static or heap, not the stack
///   sentry_trace::http_transport_options o;
///   o.url = "http://127.0.0.1:9000/api/42/envelope/";
///   o.auth_header = "X-Sentry-Auth: Sentry sentry_key=…, sentry_version=7\r\n";
///   if (t.configure(o) && t.start()) options.transport = &t;
///   ... t.stop(2000) after sentry_trace::shutdown().
class http_transport final : public transport {
 public:
  http_transport() noexcept = default;
  http_transport(const http_transport&) = delete;
  http_transport& operator=(const http_transport&) = delete;
  ~http_transport() {
    stop(0);
#  if SENTRY_TRACE_WITH_ZLIB
    gz_.end();
#  endif
  }

  /// Configures this transport for the envelope endpoint of `dsn_text`, with its X-Sentry-Auth
  /// header; the other fields come from `o`. False on a malformed DSN (see configure()).
  bool configure_for_dsn(std::string_view dsn_text, http_transport_options o = {}) noexcept {
    dsn d;
    char url[1280];
    char auth[1024];
    return dsn::parse(dsn_text, d) == dsn_error::none && detail::dsn_endpoint(d, url, auth, o) && configure(o);
  }

  /// Copies the options (URL up to 1279 bytes, headers, proxy and CA path up to 1023 bytes
  /// each) and prepares the client. False when the URL cannot be parsed, a string is too long,
  /// or the client refuses the configuration (https without TLS support, for one).
  bool configure(const http_transport_options& o) noexcept {
    stop(0);
    opts_ = o;
    if (!detail::copy_bounded(url_, o.url)) return false;
    opts_.url = std::string_view(url_, o.url.size());
    if (!detail::copy_bounded(proxy_, o.http.proxy)) return false;
    opts_.http.proxy = std::string_view(proxy_, o.http.proxy.size());
    if (!detail::copy_bounded(ca_file_, o.http.ca_file)) return false;
    opts_.http.ca_file = std::string_view(ca_file_, o.http.ca_file.size());
    // Request headers: auth (when any) and content type. Host, User-Agent, Content-Length and
    // Connection are the client's.
    headers_len_ = 0;
    auto add = [&](std::string_view s) {
      if (headers_len_ + s.size() >= sizeof(headers_)) return false;
      if (!s.empty()) std::memcpy(headers_ + headers_len_, s.data(), s.size());
      headers_len_ += s.size();
      return true;
    };
    if (!add(o.auth_header) || !add("Content-Type: application/x-sentry-envelope\r\n")) return false;
    opts_.auth_header = std::string_view(headers_, o.auth_header.size());
#  if SENTRY_TRACE_WITH_ZLIB
    // The gzip request's headers are the plain ones plus Content-Encoding: [0, headers_gz_len_).
    gz_.end();
    gzip_on_ = false;
    headers_gz_len_ = headers_len_;
    if (o.gzip) {
      const std::size_t plain = headers_len_;
      if (add("Content-Encoding: gzip\r\n")) {
        headers_gz_len_ = headers_len_;
        headers_len_ = plain;
        gzip_on_ = gz_.init();  // failing: sent uncompressed
      }
    }
#  endif
    if (opts_.max_attempts == 0) opts_.max_attempts = 1;
    if (!detail::parse_http_url(opts_.url, target_)) return false;
    // Everything but the name is checked here (https without TLS, a bad proxy, the CA bundle:
    // loaded once). An IP literal is used at once; a name is resolved off this thread before
    // the first attempt (see NAMES), so configure() never waits for a resolver either.
    if (!client_.prepare(target_, opts_.http)) return false;
    detail::address_list literal;
    char ignored[160];
    client_ready_ = detail::resolve_addresses(nullptr, client_.lookup_host(), client_.lookup_port(), true, literal,
                                              ignored, sizeof ignored);
    if (client_ready_) client_.use_addresses(literal);
    literal_host_ = client_ready_;
    resolve_again_ = !client_ready_;
    std::size_t cap = opts_.queue_bytes == 0 || opts_.queue_bytes > sizeof(ring_) ? sizeof(ring_) : opts_.queue_bytes;
    {
      std::lock_guard<std::mutex> lk(mu_);
      queue_.reset(ring_, cap);
      count_.store(0, std::memory_order_relaxed);
    }
    limiter_.clear();
    in_flight_ = false;
    configured_ = true;
    return true;
  }

  /// Starts the worker thread in worker mode (nothing to do in poll mode). False when the
  /// thread could not be created: the transport then stays in poll mode.
  bool start() noexcept {
    if (!configured_) return false;
    if (!opts_.use_worker || running_) return true;
    stop_.store(false, std::memory_order_relaxed);
#  if defined(__linux__)
    if (::pipe2(wake_, O_NONBLOCK | O_CLOEXEC) != 0) return fall_back_to_poll();
#  else
    if (::pipe(wake_) != 0) return fall_back_to_poll();
    for (int fd : wake_) {
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
      ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
#  endif
    if (!detail::start_worker_thread(worker_, [this] { run(); })) {
      close_pipe();
      return fall_back_to_poll();
    }
    running_ = true;
    return true;
  }

  /// Queues a copy of the envelope (see THREADS above); never blocks on the network.
  void send(envelope_view e) override {
    if (!configured_ || stopping_.load(std::memory_order_relaxed)) {
      lose(meta_of(e), discard_reason::queue_overflow);
      return;
    }
    detail::queue_entry_meta meta = meta_of(e);
    bool pushed;
    {
      std::lock_guard<std::mutex> lk(mu_);
      pushed = queue_.push(e.bytes(), meta);
      if (pushed) count_.store(queue_.size(), std::memory_order_relaxed);
    }
    if (!pushed) {
      lose(meta, discard_reason::queue_overflow);
      return;
    }
    if (running_) cv_.notify_one();
  }

  /// Poll mode: does non-blocking delivery work for up to about `budget_us` (at least one
  /// step). Returns true when the queue is empty. A concurrent call, or any call in worker
  /// mode, only returns that.
  bool poll(std::uint64_t budget_us) noexcept {
    if (running_) return idle();  // the worker delivers
    std::unique_lock<std::mutex> busy(poll_mu_, std::try_to_lock);
    if (!busy.owns_lock()) return idle();
    poll_locked(budget_us);
    return idle();
  }

  /// Waits (worker mode) or drives poll() (poll mode) until the queue is empty or `timeout_ms`
  /// has passed. True when everything was delivered or deliberately dropped.
  bool flush(std::uint32_t timeout_ms) override {
    if (!configured_) return true;
    const std::uint64_t deadline = detail::steady_now_ms() + timeout_ms;
    for (;;) {
      if (running_) {
        std::unique_lock<std::mutex> lk(mu_);
        while (!queue_.empty()) {
          std::uint64_t now = detail::steady_now_ms();
          if (now >= deadline) return false;
          drained_.wait_for(lk, std::chrono::milliseconds(deadline - now));
        }
        return true;
      }
      {
        std::unique_lock<std::mutex> busy(poll_mu_);
        poll_locked(10000);
        if (idle()) return true;
        std::uint64_t now = detail::steady_now_ms();
        if (now >= deadline) return false;
        wait_for_progress(deadline - now > 50 ? 50 : deadline - now);
      }
    }
  }

  /// flush(timeout_ms), then stops the worker (joined) and drops what is still queued
  /// (counted as network_error). Returns flush's result. The transport may be configured again.
  bool stop(std::uint32_t timeout_ms) noexcept {
    if (!configured_) return true;
    bool delivered = flush(timeout_ms);
    stopping_.store(true, std::memory_order_relaxed);
    if (running_) {
      {
        std::lock_guard<std::mutex> lk(mu_);
        stop_.store(true, std::memory_order_relaxed);
      }
      cv_.notify_all();
      char b = 1;
      ssize_t w = ::write(wake_[1], &b, 1);
      static_cast<void>(w);
      // Bounded: the worker never blocks but in wait_for_progress, which the notify and the
      // pipe end, and each of its steps is non-blocking (names resolve on their own threads).
      if (worker_.joinable()) worker_.join();
      close_pipe();
      running_ = false;
    }
    {
      std::lock_guard<std::mutex> busy(poll_mu_);
      resolver_.abandon();  // a resolver still out finishes on its own thread, touching only its slot
      if (in_flight_) client_.abort();
      in_flight_ = false;
      std::lock_guard<std::mutex> lk(mu_);
      detail::queue_entry_meta meta;
      std::string_view bytes;
      while (queue_.front(meta, bytes)) {
        lose(meta, discard_reason::network_error);
        queue_.pop();
      }
      count_.store(0, std::memory_order_relaxed);
    }
    configured_ = false;
    stopping_.store(false, std::memory_order_relaxed);
    return delivered;
  }

  /// In a fork()'s child: the worker thread and the queued envelopes are the parent's, which
  /// sends them. Forgets both without touching what the parent shares: no join, no lock (another
  /// thread may have held one at the fork), nothing written to the socket or the wake-up pipe.
  /// Returns true when a worker was running: start() then starts the child's own. Runs in the
  /// child's only thread, before anything else uses the transport.
  bool forget_after_fork() noexcept {
    // Fresh synchronization objects over the copies (whose state is the parent's), and an empty
    // thread handle over the worker's (not joinable here; its destructor must never run).
    new (&mu_) std::mutex();
    new (&poll_mu_) std::mutex();
    new (&cv_) std::condition_variable();
    new (&drained_) std::condition_variable();
    new (&worker_) std::thread();
    for (int& fd : wake_) {
      if (fd >= 0) ::close(fd);
      fd = -1;
    }
    client_.forget_connection();
    if (resolver_.pending()) {
      resolver_.forget();  // its thread is the parent's: the slot is freed with all of them
      resolve_again_ = true;
    }
    in_flight_ = false;
    queue_.reset(ring_, queue_.capacity());
    count_.store(0, std::memory_order_relaxed);
    stop_.store(false, std::memory_order_relaxed);
    stopping_.store(false, std::memory_order_relaxed);
    const bool had_worker = running_;
    running_ = false;
    return had_worker;
  }

  /// True when nothing is queued (the one in flight included).
  bool idle() const noexcept { return count_.load(std::memory_order_relaxed) == 0; }
  /// Envelopes queued (the one in flight included).
  std::size_t queued() const noexcept { return count_.load(std::memory_order_relaxed); }
  /// Why the last attempt failed (the client's reason), "" when none; read it only while
  /// nothing polls.
  const char* last_error() const noexcept { return client_.error(); }
  /// True in worker mode with the worker running.
  bool has_worker() const noexcept { return running_; }
  /// The rate limits learnt so far (read it only while nothing polls).
  const detail::rate_limiter& limits() const noexcept { return limiter_; }
#  if SENTRY_TRACE_WITH_ZLIB
  /// True when gzip was asked for and zlib's stream is ready (configure() ran deflateInit2).
  bool gzip_active() const noexcept { return gzip_on_; }
  /// The deflate stream: counters and arena use (read it only while nothing polls).
  const detail::gzip_deflater& deflater() const noexcept { return gz_; }
#  endif

 private:
  static detail::queue_entry_meta meta_of(const envelope_view& e) noexcept {
    detail::queue_entry_meta m;
    if (const transaction_view* t = e.transaction()) {
      m.category = data_category::transaction;
      m.spans = static_cast<std::uint32_t>(t->span_count());
      if (e.profile_offset() < e.bytes().size()) m.profile_offset = static_cast<std::uint32_t>(e.profile_offset());
    } else if (e.is_profile_chunk()) {
      m.category = data_category::profile_chunk;
    } else if (e.span_items()) {
      m.category = data_category::span;
      m.spans = e.span_items();
    } else if (e.is_client_report()) {
      m.category = data_category::internal;
    } else {
      m.category = data_category::error;
    }
    return m;
  }

  void lose(const detail::queue_entry_meta& m, discard_reason r) const noexcept {
    if (!opts_.count_losses) return;
    switch (m.category) {
      case data_category::transaction:
        detail::g_outcomes.record_transaction(r, m.spans);
        if (m.profile_offset != 0 && !m.profile_dropped) detail::g_outcomes.record(r, data_category::profile);
        break;
      case data_category::profile_chunk: detail::g_outcomes.record(r, data_category::profile_chunk); break;
      case data_category::span: detail::g_outcomes.record(r, data_category::span, m.spans ? m.spans : 1); break;
      case data_category::error: detail::g_outcomes.record(r, data_category::error); break;
      default: break;  // client reports: never counted
    }
  }

  bool fall_back_to_poll() noexcept {
    opts_.use_worker = false;
    return false;
  }
  void close_pipe() noexcept {
    for (int& fd : wake_) {
      if (fd >= 0) ::close(fd);
      fd = -1;
    }
  }

  void pop_head(bool publish_drained = true) noexcept {
    {
      std::lock_guard<std::mutex> lk(mu_);
      queue_.pop();
      count_.store(queue_.size(), std::memory_order_relaxed);
    }
    if (publish_drained) drained_.notify_all();
  }

  /// The head entry failed without a response: retry later, or drop it.
  void retry_or_drop(detail::queue_entry_meta meta, std::uint64_t now) noexcept {
    ++meta.attempts;
    if (meta.attempts >= opts_.max_attempts) {
      lose(meta, discard_reason::network_error);
      pop_head();
      return;
    }
    std::uint64_t delay = opts_.retry_base_ms;
    for (std::uint32_t i = 1; i < meta.attempts && delay < 60000; ++i) delay *= 2;
    if (delay > 60000) delay = 60000;
    meta.not_before_ms = now + delay;
    std::lock_guard<std::mutex> lk(mu_);
    queue_.update_front(meta);
  }

  /// The body of poll(); the caller holds poll_mu_.
  void poll_locked(std::uint64_t budget_us) noexcept {
    if (!configured_) return;
    const std::uint64_t start_us = detail::steady_now_us();
    for (;;) {
      if (stop_.load(std::memory_order_relaxed)) return;
      std::uint64_t now = detail::steady_now_ms();
      if (!in_flight_) {
        detail::queue_entry_meta meta;
        std::string_view bytes;
        {
          std::lock_guard<std::mutex> lk(mu_);
          if (!queue_.front(meta, bytes)) return;
        }
        if (limiter_.is_limited(meta.category, now)) {
          lose(meta, discard_reason::ratelimit_backoff);
          pop_head();
          continue;
        }
        if (meta.not_before_ms > now) return;  // waiting to retry
        // A limited `profile` takes only the profile item off a transaction envelope: it is
        // the last item, so the bytes before its offset are the envelope without it.
        if (meta.profile_offset != 0 && !meta.profile_dropped && limiter_.is_limited(data_category::profile, now)) {
          meta.profile_dropped = true;
          if (opts_.count_losses) detail::g_outcomes.record(discard_reason::ratelimit_backoff, data_category::profile);
          std::lock_guard<std::mutex> lk(mu_);
          queue_.update_front(meta);
        }
        if (meta.profile_dropped) bytes = bytes.substr(0, meta.profile_offset);
        head_ = meta;
        if (resolve_again_ || resolver_.pending()) {
          const int r = step_resolution(now);
          if (r == 0) return;  // waiting for the resolver (wait_for_progress naps meanwhile)
          if (r < 0 && !client_ready_) {
            retry_or_drop(meta, now);
            continue;
          }
          // Resolved, or failed with an address from before: that one is tried again.
        }
        std::string_view head_lines(headers_, headers_len_);
        std::string_view body = bytes;
#  if SENTRY_TRACE_WITH_ZLIB
        // Compressed again at each attempt: gz_out_ holds only the request in flight.
        if (gzip_on_ && bytes.size() > detail::gzip_min_bytes) {
          const std::size_t room = bytes.size() - 1 < sizeof(gz_out_) ? bytes.size() - 1 : sizeof(gz_out_);
          const std::size_t n = gz_.compress(bytes, gz_out_, room);
          if (n != 0) {
            body = std::string_view(reinterpret_cast<const char*>(gz_out_), n);
            head_lines = std::string_view(headers_, headers_gz_len_);
          }
        }
#  endif
        if (!client_.start(head_lines, body, now)) {
          retry_or_drop(meta, now);
          continue;
        }
        in_flight_ = true;
      }
      detail::http_result r = client_.step(now);
      if (r == detail::http_result::done) {
        in_flight_ = false;
        const int status = client_.status();
        limiter_.update(status, client_.header("X-Sentry-Rate-Limits"), client_.header("Retry-After"), now);
        if (status != 429 && (status < 200 || status > 299)) lose(head_, discard_reason::send_error);
        pop_head();
      } else if (r == detail::http_result::failed) {
        in_flight_ = false;
        // A name's address may have moved: it is looked up again before the retry. A literal's
        // cannot, and looking it up would start a resolver thread per retry for nothing.
        resolve_again_ = !literal_host_;
        retry_or_drop(head_, now);
      } else if (!socket_ready()) {
        return;  // waiting for the network
      }
      if (detail::steady_now_us() - start_us >= budget_us) return;
    }
  }

  /// Drives the name's resolution on its resolve_job: 0 while it is out, 1 when the client got
  /// fresh addresses, -1 when it failed (last_error() says why). A resolver that does not answer
  /// within connect_timeout_ms is abandoned (its thread finishes on its own) and counts as a
  /// failure, so the retry policy bounds how long an envelope waits for a name.
  int step_resolution(std::uint64_t now) noexcept {
    char why[160];
    if (!resolver_.pending()) {
      resolve_again_ = false;
      if (!resolver_.begin(opts_.http.resolver, client_.lookup_host(), client_.lookup_port(), why, sizeof why)) {
        client_.note_error(why);
        resolve_again_ = true;
        return -1;
      }
      resolve_started_ms_ = now;
    }
    detail::address_list fresh;
    const int r = resolver_.poll(fresh, why, sizeof why);
    if (r == 0) {
      if (now - resolve_started_ms_ < opts_.http.connect_timeout_ms) return 0;
      resolver_.abandon();
      client_.note_error("resolve failed: the resolver did not answer in time");
      resolve_again_ = true;
      return -1;
    }
    if (r < 0) {
      client_.note_error(why);
      resolve_again_ = true;
      return -1;
    }
    client_.use_addresses(fresh);
    client_ready_ = client_.ready();
    return 1;
  }

  /// True when the client's socket is ready for what it waits for (checked without waiting).
  bool socket_ready() noexcept {
    int fd = client_.fd();
    if (fd < 0) return false;
    pollfd p{fd, client_.wanted_events(), 0};
    return ::poll(&p, 1, 0) > 0;
  }

  /// Sleeps until the socket is ready, the retry time of the head entry comes, a new envelope
  /// arrives (when idle), stop() is called, or `max_ms` passes.
  void wait_for_progress(std::uint64_t max_ms) noexcept {
    if (in_flight_) {
      pollfd p[2];
      nfds_t n = 0;
      if (client_.fd() >= 0) p[n++] = pollfd{client_.fd(), client_.wanted_events(), 0};
      if (wake_[0] >= 0) p[n++] = pollfd{wake_[0], POLLIN, 0};
      int timeout = client_.fd() >= 0 ? static_cast<int>(max_ms) : (max_ms < 5 ? static_cast<int>(max_ms) : 5);
      ::poll(p, n, timeout);
      if (wake_[0] >= 0) {
        char sink[16];
        while (::read(wake_[0], sink, sizeof(sink)) > 0) {
        }
      }
      return;
    }
    std::unique_lock<std::mutex> lk(mu_);
    if (stop_.load(std::memory_order_relaxed)) return;
    if (resolver_.pending()) {
      // The resolver's thread must not touch this transport, so it cannot wake us: nap.
      cv_.wait_for(lk, std::chrono::milliseconds(max_ms < resolve_nap_ms ? max_ms : resolve_nap_ms),
                   [this] { return stop_.load(std::memory_order_relaxed); });
      return;
    }
    detail::queue_entry_meta meta;
    std::string_view bytes;
    if (!queue_.front(meta, bytes)) {
      cv_.wait_for(lk, std::chrono::milliseconds(max_ms),
                   [this] { return !queue_.empty() || stop_.load(std::memory_order_relaxed); });
      return;
    }
    std::uint64_t now = detail::steady_now_ms();
    if (meta.not_before_ms <= now) return;
    std::uint64_t wait = meta.not_before_ms - now;
    cv_.wait_for(lk, std::chrono::milliseconds(wait < max_ms ? wait : max_ms),
                 [this] { return stop_.load(std::memory_order_relaxed); });
  }

  void run() noexcept {
    while (!stop_.load(std::memory_order_relaxed)) {
      {
        std::lock_guard<std::mutex> busy(poll_mu_);
        poll_locked(20000);
      }
      if (idle()) drained_.notify_all();
      if (opts_.on_worker_tick) opts_.on_worker_tick(opts_.tick_user);
      wait_for_progress(1000);
    }
  }

  http_transport_options opts_{};
  char url_[1280] = {};
  char proxy_[1024] = {};
  char ca_file_[1024] = {};
  char headers_[1024] = {};
  std::size_t headers_len_ = 0;
  detail::http_url target_{};
  detail::http_client client_{};
  detail::rate_limiter limiter_{};
  detail::queue_entry_meta head_{};  ///< meta of the entry in flight
  bool in_flight_ = false;
  bool configured_ = false;
  bool client_ready_ = false;   ///< the client has an address
  bool resolve_again_ = false;  ///< resolve before the next attempt
  bool literal_host_ = false;   ///< the host is an IP literal: never resolved
  detail::async_resolver resolver_{};  ///< the resolution out, if any (guarded by poll_mu_)
  std::uint64_t resolve_started_ms_ = 0;
  static constexpr std::uint64_t resolve_nap_ms = 5;  ///< how often a pending resolution is looked at
  bool running_ = false;
  std::atomic<bool> stop_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> count_{0};
  int wake_[2] = {-1, -1};
  std::mutex mu_;       ///< the queue (see THREADS)
  std::mutex poll_mu_;  ///< one poller at a time; also guards the client and the limiter
  std::condition_variable cv_;       ///< worker: new envelope, stop
  std::condition_variable drained_;  ///< flush(): the queue may have become empty
  std::thread worker_;
  detail::envelope_queue queue_{};
#  if SENTRY_TRACE_WITH_ZLIB
  std::size_t headers_gz_len_ = 0;  ///< headers_ with "Content-Encoding: gzip" at the end
  bool gzip_on_ = false;
  detail::gzip_deflater gz_;
  alignas(8) unsigned char gz_out_[detail::gzip_out_bytes];  ///< the compressed body in flight
#  endif
  alignas(8) unsigned char ring_[SENTRY_TRACE_QUEUE_BYTES];
};

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
#endif // SENTRY_TRACE_TRANSPORT_HTTP_HPP
