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
    } else {
      ++events_;
    }
  }
  void reset() noexcept {
    size_ = 0;
    transactions_ = reports_ = events_ = 0;
    last_span_count_ = 0;
  }
  std::string_view last() const noexcept { return {buf_, size_}; }
  int transactions() const noexcept { return transactions_; }
  int reports() const noexcept { return reports_; }
  int events() const noexcept { return events_; }
  std::size_t last_span_count() const noexcept { return last_span_count_; }

 private:
  char buf_[SENTRY_TRACE_ENVELOPE_BYTES];
  std::size_t size_ = 0;
  int transactions_ = 0;
  int reports_ = 0;
  int events_ = 0;  ///< error and message events (capture_exception, capture_message)
  std::size_t last_span_count_ = 0;
};

/// A carrier for inject() whose set() copies each header into a fixed buffer: no heap.
struct fixed_carrier {
  char sentry_trace[64];
  char traceparent[64];
  char baggage[SENTRY_TRACE_MAX_BAGGAGE];
  std::size_t sentry_trace_len = 0, traceparent_len = 0, baggage_len = 0;
  int sets = 0;
  int unknown_keys = 0;

  static std::size_t copy(char* dst, std::size_t cap, std::string_view v) noexcept {
    const std::size_t n = v.size() < cap ? v.size() : cap;
    std::memcpy(dst, v.data(), n);
    return n;
  }
  void set(std::string_view key, std::string_view value) noexcept {
    ++sets;
    if (key == "sentry-trace") sentry_trace_len = copy(sentry_trace, sizeof(sentry_trace), value);
    else if (key == "traceparent") traceparent_len = copy(traceparent, sizeof(traceparent), value);
    else if (key == "baggage") baggage_len = copy(baggage, sizeof(baggage), value);
    else ++unknown_keys;
  }
  void clear() noexcept { sentry_trace_len = traceparent_len = baggage_len = 0, sets = unknown_keys = 0; }
  std::string_view get_sentry_trace() const noexcept { return {sentry_trace, sentry_trace_len}; }
  std::string_view get_traceparent() const noexcept { return {traceparent, traceparent_len}; }
  std::string_view get_baggage() const noexcept { return {baggage, baggage_len}; }
};

static_transport g_transport;
fixed_carrier g_carrier;
char g_big_name[1 << 20];  // a 1 MiB name, filled before any region
int g_passed = 0, g_failed = 0;

void quiet_log(st::log_level, const char*, void*) noexcept {}

/// Only the outgoing URLs containing this get headers from inject(carrier, url).
const std::string_view g_targets[] = {"api.example.com"};

/// What init_tracing() sets beyond the rate (all off by default).
struct extras {
  st::traces_sampler_fn sampler{};
  bool traceparent = false;  ///< options.propagate_traceparent
  bool targets = false;      ///< options.trace_propagation_targets = g_targets
};

/// Transactions whose name contains this are not sent (options.ignore_transactions).
const std::string_view g_ignored[] = {"/ignored"};
/// The send hooks every run installs: each adds a tag and keeps what it is given.
bool tag_event(st::error_event& e, void*) {
  e.extra.set_tag("hooked", "yes");
  return true;
}
bool tag_transaction(st::transaction_event& t, void*) { return t.set_tag("hooked", "yes"); }

bool init_tracing(double rate, std::uint32_t max_spans = SENTRY_TRACE_MAX_SPANS, const extras& x = extras{}) {
  st::options o;
  o.before_send = st::before_send_hook{&tag_event, nullptr};
  o.before_send_transaction = st::before_send_transaction_hook{&tag_transaction, nullptr};
  o.ignore_transactions = g_ignored;
  o.ignore_transaction_count = 1;
  o.dsn = "https://public@o1.ingest.sentry.io/42";
  o.release = "zero_alloc@1.0.0";
  o.environment = "test";
  o.traces_sample_rate = rate;
  o.traces_sampler = x.sampler;
  o.max_spans = max_spans;
  o.transport = &g_transport;
  o.log = st::log_hook{&quiet_log, nullptr};
  o.propagate_traceparent = x.traceparent;
  if (x.targets) {
    o.trace_propagation_targets = g_targets;
    o.trace_propagation_target_count = sizeof(g_targets) / sizeof(g_targets[0]);
  }
  const bool ok = st::init(o);
  g_transport.reset();
  return ok;
}

// An incoming trace: a sampled sentry-trace, and baggage with Sentry's and third-party members.
constexpr std::string_view k_in_trace_id = "771a43a4192642f0b136d5159a501700";
constexpr std::string_view k_in_sentry_trace = "771a43a4192642f0b136d5159a501700-b7ad6b7169203331-1";
constexpr std::string_view k_in_baggage =
    "other-vendor-value-1=foo;bar;baz,sentry-trace_id=771a43a4192642f0b136d5159a501700,"
    "sentry-public_key=49d0f7386ad645858ae85020e393bef3,sentry-sample_rate=0.5,"
    "sentry-sample_rand=0.25,sentry-release=shop%402.3.4,sentry-environment=prod,"
    "sentry-transaction=GET%20%2Forders%2F%3Aid,sentry-sampled=true,vendor=abc,other=x%20y;prop=1";

bool starts_with(std::string_view s, std::string_view prefix) noexcept { return s.substr(0, prefix.size()) == prefix; }
bool ends_with(std::string_view s, std::string_view suffix) noexcept {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
bool contains(std::string_view s, std::string_view part) noexcept { return s.find(part) != std::string_view::npos; }

#if SENTRY_TRACE_EXCEPTIONS
/// An exception whose what() needs no heap (std::runtime_error's would allocate its message).
struct static_error final : std::exception {
  const char* what() const noexcept override { return "static error text"; }
};
#endif

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

  extras sampled_extras;
  sampled_extras.traceparent = true;
  sampled_extras.targets = true;
  if (!init_tracing(1.0, SENTRY_TRACE_MAX_SPANS, sampled_extras)) {
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

  // span_options attributes: recorded on the root and on children, serialized and sent.
  measure("span_options attributes: root + 100 children, end, send", [] {
    const int before = g_transport.transactions();
    const auto dropped_before = st::get_stats().attributes_dropped;
    const st::attribute root_attrs[] = {{"http.route", "/orders/:id"},
                                        {"http.request.method", "GET"},
                                        {"http.response.status_code", 200},
                                        {"server.port", static_cast<std::uint64_t>(8080)},
                                        {"ratio", 0.5},
                                        {"cached", true}};
    st::span_options o{"GET /orders/:id", "http.server"};
    o.attributes = root_attrs;
    o.attribute_count = sizeof(root_attrs) / sizeof(root_attrs[0]);
    st::span root = st::start_span_manual(o);
    for (int i = 0; i < 100; ++i) {
      const st::attribute child_attrs[] = {{"db.system", "postgresql"}, {"rows", i}, {"ms", 0.5 * i}, {"hit", (i & 1) != 0}};
      st::span_options co{"SELECT 1", "db.query"};
      co.attributes = child_attrs;
      co.attribute_count = 4;
      st::span c = st::start_span_manual(co);
      c.end();
    }
    const bool recording = root.is_recording();
    root.end();
    return recording && g_transport.transactions() == before + 1 && g_transport.last_span_count() == 101 &&
           st::get_stats().attributes_dropped == dropped_before && contains(g_transport.last(), "\"http.route\":\"/orders/:id\"") &&
           contains(g_transport.last(), "\"server.port\":8080");
  });

  // Distributed tracing.
  measure("continue_trace + mixed baggage: sampled root, headers, send", [] {
    const int before = g_transport.transactions();
    bool same_trace = false, headers_ok = false;
    st::continue_trace(k_in_sentry_trace, k_in_baggage, [&] {
      st::span root = st::start_span_manual({"GET /orders/:id", "http.server"});
      char hex[32];
      root.trace().to_hex(hex);
      same_trace = root.is_recording() && std::string_view(hex, 32) == k_in_trace_id;
      {
        st::scoped_span child({"SELECT 1", "db.query"});
        st::trace_headers h = st::get_trace_headers();
        headers_ok = starts_with(h.sentry_trace, k_in_trace_id) && ends_with(h.sentry_trace, "-1") &&
                     contains(h.baggage, "sentry-sample_rand=0.25") && contains(h.baggage, "vendor=abc");
      }
      root.end();
    });
    return same_trace && headers_ok && g_transport.transactions() == before + 1 &&
           contains(g_transport.last(), "\"parent_span_id\":\"b7ad6b7169203331\"") && contains(g_transport.last(), k_in_trace_id);
  });
  measure("get_trace_headers inside a sampled span", [] {
    bool ok = false;
    st::start_span({"GET /headers", "http.server"}, [&](st::span& s) {
      st::scoped_span child({"GET upstream", "http.client"});
      st::trace_headers h = st::get_trace_headers();
      char hex[32];
      s.trace().to_hex(hex);
      ok = s.is_recording() && h.sentry_trace.size() == 51 && starts_with(h.sentry_trace, std::string_view(hex, 32)) &&
           ends_with(h.sentry_trace, "-1") && contains(h.baggage, "sentry-sampled=true") && h.traceparent.size() == 55;
    });
    return ok;
  });
  measure("given span times (start_time, end(at)), clamped ones included", [] {
    const auto clamped_before = st::get_stats().timestamps_clamped;
    st::span root = st::start_span_manual({"timed", "task"});
    const st::span_time t = st::now();
    st::span_options o{"retro", "db"};
    o.start_time = t.minus_ns(1'000'000);
    st::span c = st::start_span_manual(o);
    c.end(t);
    st::span_options future{"future", "db"};
    future.start_time = t.plus_ns(1'000'000'000);  // clamped to now
    st::span f = st::start_span_manual(future);
    f.end(t.minus_ns(5'000'000'000));  // before its start: clamped
    root.end();
    return st::get_stats().timestamps_clamped == clamped_before + 2 && g_transport.last_span_count() == 3;
  });
  measure("get_trace_headers of a span reference, and suppress_tracing", [] {
    bool ok = false;
    st::start_span({"parent", "task"}, [&](st::span& s) {
      const st::span_ref ref = s.ref();
      st::suppress_tracing([&] {
        st::scoped_span hidden({"hidden", "task"});
        const st::trace_headers none = st::get_trace_headers();
        const st::trace_headers of = st::get_trace_headers(ref);
        ok = !hidden.get().is_recording() && none.sentry_trace.empty() && of.sentry_trace.size() == 51 &&
             contains(of.baggage, "sentry-sampled=true");
      });
    });
    return ok && g_transport.last_span_count() == 1;
  });
  measure("get_trace_headers with no span", [] {
    st::trace_headers h = st::get_trace_headers();
    return h.sentry_trace.size() == 49 && !st::active_span().is_valid();
  });
  measure("inject into a carrier that copies into fixed buffers", [] {
    g_carrier.clear();
    bool set_any = false, matched = false, refused = false;
    st::start_span({"GET /inject", "http.server"}, [&](st::span&) {
      set_any = st::inject(g_carrier);
      const int sets = g_carrier.sets;
      matched = st::inject(g_carrier, "https://api.example.com/v1/orders");
      refused = !st::inject(g_carrier, "https://elsewhere.example.org/") && g_carrier.sets == 2 * sets;
    });
    return set_any && matched && refused && g_carrier.unknown_keys == 0 && g_carrier.get_sentry_trace().size() == 51 &&
           ends_with(g_carrier.get_sentry_trace(), "-1") && g_carrier.get_traceparent().size() == 55 &&
           contains(g_carrier.get_baggage(), "sentry-trace_id=");
  });
  measure("capture_exception and capture_message inside a span", [] {
    const int before = g_transport.events();
    bool sent = false;
    st::start_span({"checkout", "http.server"}, [&](st::span&) {
      st::scoped_span child({"charge", "payment"});
      sent = st::capture_exception("PaymentDeclined", "card expired");
      sent = st::capture_message("retrying the charge", st::level::warning) && sent;
#if SENTRY_TRACE_EXCEPTIONS
      sent = st::capture_exception(static_error{}) && sent;
#endif
    });
    return sent && g_transport.events() == before + (SENTRY_TRACE_EXCEPTIONS ? 3 : 2);
  });
  measure("capture_exception with event_options, its dynamic type name and before_send", [] {
    const int before = g_transport.events();
    st::event_options x;
    x.set_tag("db", "orders").set_context("order", "id", "A-1234").add_fingerprint("{{ default }}");
    bool sent = st::capture_exception("PaymentDeclined", "card expired", x);
    sent = st::capture_message("retrying", st::level::warning, x) && sent;
#if SENTRY_TRACE_EXCEPTIONS
    sent = st::capture_exception(static_error{}, x) && sent;
#endif
    return sent && g_transport.events() == before + (SENTRY_TRACE_EXCEPTIONS ? 3 : 2) &&
           contains(g_transport.last(), "\"hooked\":\"yes\"") && contains(g_transport.last(), "\"fingerprint\"");
  });
  measure("a transaction matching ignore_transactions, then one tagged by before_send_transaction", [] {
    { st::scoped_span root({"GET /ignored/health", "http.server"}); }
    const bool none = g_transport.last().find("/ignored/health") == std::string_view::npos;
    { st::scoped_span root({"GET /kept", "http.server"}); }
    return none && contains(g_transport.last(), "\"hooked\":\"yes\"");
  });
  measure("capture_exception and capture_message outside any span", [] {
    const int before = g_transport.events();
    bool sent = st::capture_exception("ConfigError", "missing key");
    sent = st::capture_message("started") && sent;
    sent = st::capture_exception("", "") && sent;  // written as type "Error"
    return sent && g_transport.events() == before + 3 && contains(g_transport.last(), "\"type\":\"Error\"");
  });
  measure("get_active_span setters, with_active_span on a held span and on none, start_new_trace", [] {
    const int before = g_transport.transactions();
    st::span root = st::start_span_manual({"GET /active", "http.server"});
    st::span side = st::start_inactive_span({"side", "task"});
    st::get_active_span().set_attribute("user.tier", "gold");
    st::get_active_span().set_attribute("items", 3);
    st::get_active_span().set_status(st::span_status::not_found);
    st::get_active_span().set_name("GET /active/:id", st::transaction_source::route);
    st::with_active_span(side, [] {
      st::scoped_span under({"under side", "task"});
      st::get_active_span().set_op("task.inner");
    });
    st::with_active_span(nullptr, [] { st::scoped_span own({"own transaction", "task"}); });
    st::start_new_trace([] {
      st::scoped_span a({"new trace a", "task"});
      st::trace_headers h = st::get_trace_headers();
      static_cast<void>(h);
    });
    side.end();
    root.end();
    return g_transport.transactions() == before + 3 && g_transport.last_span_count() == 3 &&
           contains(g_transport.last(), "\"user.tier\":\"gold\"") && contains(g_transport.last(), "task.inner");
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
  measure("get_trace_headers inside an unsampled root", [] {
    st::span root = st::start_span_manual({"GET /health", "http.server"});
    st::trace_headers h = st::get_trace_headers();
    const bool ok = root.is_active() && !root.is_sampled() && h.sentry_trace.size() == 51 &&
                    ends_with(h.sentry_trace, "-0") && contains(h.baggage, "sentry-sampled=false");
    root.end();
    return ok && g_transport.transactions() == 0;
  });

  // A traces_sampler that decides on span_options attributes.
  extras with_sampler;
  with_sampler.sampler = [](const st::sampling_context& c) {
    const st::attribute_value* route = c.find("http.route");
    return route && route->as_string() == "/health" ? 0.0 : 1.0;
  };
  if (!init_tracing(st::options::unset, SENTRY_TRACE_MAX_SPANS, with_sampler)) {
    std::printf("FAIL  init (sampler)\nzero_alloc: %d passed, %d failed\n", g_passed, g_failed + 1);
    return 1;
  }
  measure("traces_sampler on attributes: drop /health, send /orders", [] {
    auto request = [](std::string_view route) {
      const st::attribute attrs[] = {{"http.route", route}, {"http.request.method", "GET"}};
      st::span_options o{"GET", "http.server"};
      o.attributes = attrs;
      o.attribute_count = 2;
      st::span root = st::start_span_manual(o);
      const bool sampled = root.is_sampled();
      children_with_attributes(10);
      root.end();
      return sampled;
    };
    const bool health = request("/health");
    const bool orders = request("/orders");
    return !health && orders && g_transport.transactions() == 1 && g_transport.last_span_count() == 11;
  });
  measure("flush sending the sampler's client report", [] {
    st::flush(0);
    return g_transport.reports() == 1 && contains(g_transport.last(), "sample_rate");
  });
  st::shutdown(0);

  std::printf("zero_alloc: %d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}
