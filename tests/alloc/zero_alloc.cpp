// tests/alloc/zero_alloc.cpp -- proves that nothing on the span path allocates after init().
//
// A program of its own (not doctest): it replaces every operator new/delete and interposes
// malloc, calloc, realloc, free, aligned_alloc, posix_memalign and memalign (forwarding to
// glibc's __libc_* entry points), with counters switched on only inside measured regions. After
// init() (with a transport that copies each envelope into a fixed static buffer), it measures
// the span path, serialization and send, the unsampled path, the overflow paths and a client
// report flush: each must allocate (and free) nothing. A self-test checks that an allocation
// inside a region is seen, so the check can fail. Prints one line per check and a summary,
// `zero_alloc: N passed, M failed`; exits non-zero on any failure.
//
// Not for sanitizer builds: ASan/TSan intercept malloc themselves (tests/CMakeLists.txt skips
// this target when CMAKE_CXX_FLAGS has -fsanitize). glibc only (__libc_malloc and friends).

#include <sentry_trace.hpp>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>

#if !defined(__GLIBC__)
#  error "zero_alloc interposes glibc's allocator (__libc_malloc...); build it on glibc only"
#endif

// ---- the counting allocator ----------------------------------------------------------------------

extern "C" {
void* __libc_malloc(std::size_t n);
void* __libc_calloc(std::size_t count, std::size_t n);
void* __libc_realloc(void* p, std::size_t n);
void __libc_free(void* p);
void* __libc_memalign(std::size_t alignment, std::size_t n);
}

namespace {

// Constant-initialized: safe to touch from allocations made before main().
std::atomic<bool> g_counting{false};
std::atomic<unsigned long> g_allocs{0};
std::atomic<unsigned long> g_frees{0};

inline void note_alloc() noexcept {
  if (g_counting.load(std::memory_order_relaxed)) g_allocs.fetch_add(1, std::memory_order_relaxed);
}
inline void note_free(void* p) noexcept {
  if (p && g_counting.load(std::memory_order_relaxed)) g_frees.fetch_add(1, std::memory_order_relaxed);
}

void* new_impl(std::size_t n) {
  note_alloc();
  void* p = __libc_malloc(n ? n : 1);
#if defined(__cpp_exceptions)
  if (!p) throw std::bad_alloc();
#else
  if (!p) std::abort();
#endif
  return p;
}
void* new_aligned_impl(std::size_t n, std::align_val_t a) {
  note_alloc();
  void* p = __libc_memalign(static_cast<std::size_t>(a), n ? n : 1);
#if defined(__cpp_exceptions)
  if (!p) throw std::bad_alloc();
#else
  if (!p) std::abort();
#endif
  return p;
}
void* new_nothrow_impl(std::size_t n) noexcept {
  note_alloc();
  return __libc_malloc(n ? n : 1);
}
void* new_aligned_nothrow_impl(std::size_t n, std::align_val_t a) noexcept {
  note_alloc();
  return __libc_memalign(static_cast<std::size_t>(a), n ? n : 1);
}
void delete_impl(void* p) noexcept {
  note_free(p);
  __libc_free(p);
}

} // namespace

extern "C" {
void* malloc(std::size_t n) noexcept {
  note_alloc();
  return __libc_malloc(n);
}
void* calloc(std::size_t count, std::size_t n) noexcept {
  note_alloc();
  return __libc_calloc(count, n);
}
void* realloc(void* p, std::size_t n) noexcept {
  note_alloc();
  return __libc_realloc(p, n);
}
void free(void* p) noexcept {
  note_free(p);
  __libc_free(p);
}
void* aligned_alloc(std::size_t alignment, std::size_t n) noexcept {
  note_alloc();
  return __libc_memalign(alignment, n);
}
void* memalign(std::size_t alignment, std::size_t n) noexcept {
  note_alloc();
  return __libc_memalign(alignment, n);
}
int posix_memalign(void** out, std::size_t alignment, std::size_t n) noexcept {
  note_alloc();
  if (alignment < sizeof(void*) || (alignment & (alignment - 1)) != 0) return EINVAL;
  void* p = __libc_memalign(alignment, n);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}
} // extern "C"

void* operator new(std::size_t n) { return new_impl(n); }
void* operator new[](std::size_t n) { return new_impl(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return new_nothrow_impl(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return new_nothrow_impl(n); }
void* operator new(std::size_t n, std::align_val_t a) { return new_aligned_impl(n, a); }
void* operator new[](std::size_t n, std::align_val_t a) { return new_aligned_impl(n, a); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return new_aligned_nothrow_impl(n, a);
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return new_aligned_nothrow_impl(n, a);
}
void operator delete(void* p) noexcept { delete_impl(p); }
void operator delete[](void* p) noexcept { delete_impl(p); }
void operator delete(void* p, std::size_t) noexcept { delete_impl(p); }
void operator delete[](void* p, std::size_t) noexcept { delete_impl(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { delete_impl(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { delete_impl(p); }
void operator delete(void* p, std::align_val_t) noexcept { delete_impl(p); }
void operator delete[](void* p, std::align_val_t) noexcept { delete_impl(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { delete_impl(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { delete_impl(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { delete_impl(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { delete_impl(p); }

// ---- the program ---------------------------------------------------------------------------------

namespace {

namespace st = sentry_trace;

/// Copies each envelope into a fixed static buffer: no heap.
class static_transport final : public st::transport {
 public:
  void send(st::envelope_view e) override {
    const std::string_view b = e.bytes();
    size_ = b.size() < sizeof(buf_) ? b.size() : sizeof(buf_);
    std::memcpy(buf_, b.data(), size_);
    if (e.transaction()) {
      ++transactions_;
      last_span_count_ = e.transaction()->span_count();
    } else if (e.is_client_report()) {
      ++reports_;
    }
  }
  void reset() noexcept {
    size_ = 0;
    transactions_ = reports_ = 0;
    last_span_count_ = 0;
  }
  std::string_view last() const noexcept { return {buf_, size_}; }
  int transactions() const noexcept { return transactions_; }
  int reports() const noexcept { return reports_; }
  std::size_t last_span_count() const noexcept { return last_span_count_; }

 private:
  char buf_[SENTRY_TRACE_ENVELOPE_BYTES];
  std::size_t size_ = 0;
  int transactions_ = 0;
  int reports_ = 0;
  std::size_t last_span_count_ = 0;
};

static_transport g_transport;
char g_big_name[1 << 20];  // a 1 MiB name, filled before any region
int g_passed = 0, g_failed = 0;

void quiet_log(st::log_level, const char*, void*) noexcept {}

bool init_tracing(double rate, std::uint32_t max_spans = SENTRY_TRACE_MAX_SPANS) {
  st::options o;
  o.dsn = "https://public@o1.ingest.sentry.io/42";
  o.release = "zero_alloc@1.0.0";
  o.environment = "test";
  o.traces_sample_rate = rate;
  o.max_spans = max_spans;
  o.transport = &g_transport;
  o.log = st::log_hook{&quiet_log, nullptr};
  const bool ok = st::init(o);
  g_transport.reset();
  return ok;
}

/// Runs `fn` with the counters on. `extra` (checked after the region) must hold too.
template <class Fn> void measure(const char* name, Fn&& fn, bool expect_allocations = false) {
  g_allocs.store(0);
  g_frees.store(0);
  g_counting.store(true);
  const bool extra = fn();
  g_counting.store(false);
  const unsigned long allocs = g_allocs.load(), frees = g_frees.load();
  bool ok = expect_allocations ? (allocs > 0 && frees > 0) : (allocs == 0 && frees == 0);
  ok = ok && extra;
  (ok ? g_passed : g_failed)++;
  std::printf("%s  %-62s allocations %lu, frees %lu%s\n", ok ? "ok  " : "FAIL", name, allocs, frees,
              extra ? "" : "  (the region's own check failed)");
}

/// 1000 children with a string, int, double and bool attribute and a measurement each.
void children_with_attributes(int n) {
  for (int i = 0; i < n; ++i) {
    st::span c = st::start_span_manual({"db.query SELECT 1", "db.query"});
    c.set_attribute("db.system", "postgresql");
    c.set_attribute("rows", i);
    c.set_attribute("ratio", 0.25 * i);
    c.set_attribute("cached", (i & 1) != 0);
    st::set_measurement("ttfb", 1.5 * i, "millisecond");
    c.set_status(st::span_status::ok);
    c.end();
  }
}

} // namespace

int main() {
  std::memset(g_big_name, 'n', sizeof(g_big_name));

  // Self-test: an allocation inside a region is seen, so the checks below can fail.
  // (strdup: an allocation made inside libc itself, through its own call to malloc.)
  measure(
      "self-test: new, malloc and libc's own mallocs are counted",
      [] {
        int* volatile p = new int(7);
        delete p;
        void* volatile m = std::malloc(32);
        std::free(m);
        char* volatile d = ::strdup("libc");
        std::free(d);
        return g_allocs.load() == 3 && g_frees.load() == 3;
      },
      true);

  if (!init_tracing(1.0)) {
    std::printf("FAIL  init\nzero_alloc: %d passed, %d failed\n", g_passed, g_failed + 1);
    return 1;
  }
  measure("sampled: 1000 children with attributes, root end, send", [] {
    st::span root = st::start_span_manual({"GET /orders", "http.server"});
    root.set_attribute("http.method", "GET");
    children_with_attributes(1000);
    root.end();
    return g_transport.transactions() == 1 && g_transport.last_span_count() == 1001;
  });
  measure("scoped_span and start_span callbacks, nested", [] {
    st::start_span({"frame", "game.frame"}, [](st::span& s) {
      s.set_attribute("frame", 1);
      for (int i = 0; i < 100; ++i) {
        st::scoped_span a({"update", "game.update"});
        st::start_span({"physics", "game.physics"}, [&](st::span& p) { p.set_attribute("bodies", i); });
        st::span in = st::start_inactive_span({"upload", "gpu"});
        in.end();
      }
    });
    return g_transport.transactions() == 2 && g_transport.last_span_count() == 301;
  });

  // Overflow paths.
  measure("overflow: more children than max_spans", [] {
    st::span root = st::start_span_manual({"big", "task"});
    children_with_attributes(SENTRY_TRACE_MAX_SPANS + 500);
    root.end();
    return g_transport.transactions() == 3 && g_transport.last_span_count() == SENTRY_TRACE_MAX_SPANS + 1;
  });
  measure("overflow: SENTRY_TRACE_MAX_TRANSACTIONS + 1 transactions at once", [] {
    st::span roots[SENTRY_TRACE_MAX_TRANSACTIONS + 1];
    st::span_options o{"concurrent", "task"};
    o.force_transaction = true;
    for (auto& r : roots) r = st::start_span_manual(o);
    const bool extra_dropped = !roots[SENTRY_TRACE_MAX_TRANSACTIONS].is_recording();
    for (auto& r : roots) {
      st::span c = st::start_span_manual(st::span_options{"child", "task", r});
      c.set_attribute("k", "v");
      c.end();
    }
    children_with_attributes(10);  // nested under the extra (unrecorded) one
    for (auto& r : roots) r.end();
    return extra_dropped && g_transport.transactions() == 3 + SENTRY_TRACE_MAX_TRANSACTIONS;
  });
  measure("overflow: string arena truncated (100 names of 1 MiB)", [] {
    const auto before = st::get_stats().strings_truncated;
    st::span root = st::start_span_manual({"arena", "task"});
    for (int i = 0; i < 100; ++i) {
      st::span c = st::start_span_manual({std::string_view(g_big_name, sizeof(g_big_name)), "op"});
      c.set_attribute("big", std::string_view(g_big_name, sizeof(g_big_name)));
      c.end();
    }
    root.end();
    return st::get_stats().strings_truncated > before && g_transport.transactions() == 4 + SENTRY_TRACE_MAX_TRANSACTIONS;
  });
  measure("flush sending a client report", [] {
    const int before = g_transport.reports();
    st::flush(0);
    return g_transport.reports() == before + 1;
  });

  // Unsampled transactions: no slot, nothing sent, outcomes counted.
  if (!init_tracing(0.0)) {
    std::printf("FAIL  init (rate 0)\nzero_alloc: %d passed, %d failed\n", g_passed, g_failed + 1);
    return 1;
  }
  measure("unsampled: 1000 children with attributes, root end", [] {
    st::span root = st::start_span_manual({"GET /health", "http.server"});
    root.set_attribute("http.method", "GET");
    children_with_attributes(1000);
    root.end();
    return g_transport.transactions() == 0 && !root.is_active();
  });
  measure("flush sending the unsampled client report", [] {
    st::flush(0);
    return g_transport.reports() == 1 && g_transport.last().find("sample_rate") != std::string_view::npos;
  });
  st::shutdown(0);

  std::printf("zero_alloc: %d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}
