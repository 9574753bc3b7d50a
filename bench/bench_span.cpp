// bench_span.cpp -- what a span costs: numbers, not pass/fail.
//
//   ./bench_span                      the full table (a few seconds)
//   ./bench_span --loop-only N [sampled|profiled|unsampled|root|ids|off|end1000|end1000-worker|
//                               serialize|handle-set|borrowed-set]
//                                     (profiled: sampled, with transaction profiling on at 1 Hz)
//                                     only N spans (or N transactions), for external counters:
//     strace -f -c ./bench_span --loop-only 0        # start-up and init alone
//     strace -f -c ./bench_span --loop-only 100000   # syscalls per span = (this - the above) / N
//     valgrind --tool=callgrind ./bench_span --loop-only 800000 ids   # instructions per span id:
//                                    (Ir of this - Ir of "--loop-only 0 ids") / 800000
//     valgrind --tool=callgrind --toggle-collect='*end_timed_root*' ./bench_span --loop-only 50 end1000
//                                    # instructions of end() of a 1000-span root, written inline:
//                                    Ir / 50 (only the caller's end() is collected); with
//                                    end1000-worker the handoff's thread writes it, outside the
//                                    collected function, so Ir / 50 is what end() itself costs
//     valgrind --tool=callgrind ./bench_span --loop-only 20 serialize  # serialization per span:
//                                    one 1000-span transaction built once, its envelope written N
//                                    times into a buffer and not sent; (Ir of this - Ir of
//                                    "--loop-only 0 serialize") / (N * 1000)
//     bench/callgrind.sh ./bench_span    # the same per span, for sampled, unsampled, root, serialize
//     valgrind --tool=callgrind ./bench_span --loop-only 100000 borrowed-set   # instructions per
//                                    get_active_span().set_attribute(int), handle-set the same
//                                    through the handle: (Ir of N - Ir of 0) / N
//
// Every figure is wall time from std::chrono::steady_clock around a batch, divided by the batch
// size; nothing is subtracted (not the loop, not the timer). Each figure is taken over many runs
// and reported as the best run (what the code costs) and the median run (what it usually costs).
// A transaction holds at most SENTRY_TRACE_MAX_SPANS children, so sampled spans are timed in
// batches of at most that many, each batch inside its own transaction.
//
// Allocations are counted by replacing operator new and, on glibc, interposing malloc, calloc
// and realloc; the counts are taken around each measured loop only.

#include <sentry_trace.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <thread>

namespace st = sentry_trace;
using bench_clock = std::chrono::steady_clock;

// ---- allocation counters -----------------------------------------------------------------------

static std::atomic<std::uint64_t> g_new_calls{0};
static std::atomic<std::uint64_t> g_malloc_calls{0};  // includes the mallocs behind operator new

// Sanitizers interpose malloc themselves; there only operator new is counted.
#if defined(__has_feature)
#  if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || __has_feature(thread_sanitizer)
#    define BENCH_SANITIZED 1
#  endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#  define BENCH_SANITIZED 1
#endif

#if defined(__GLIBC__) && !defined(BENCH_SANITIZED)
#  define BENCH_COUNTS_MALLOC 1
extern "C" {
void* __libc_malloc(std::size_t n) noexcept;
void* __libc_calloc(std::size_t count, std::size_t n) noexcept;
void* __libc_realloc(void* p, std::size_t n) noexcept;
void* malloc(std::size_t n) noexcept {
  g_malloc_calls.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(n);
}
void* calloc(std::size_t count, std::size_t n) noexcept {
  g_malloc_calls.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(count, n);
}
void* realloc(void* p, std::size_t n) noexcept {
  g_malloc_calls.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(p, n);
}
}
#else
#  define BENCH_COUNTS_MALLOC 0
#endif

void* operator new(std::size_t n) {
  g_new_calls.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

struct alloc_count {
  std::uint64_t news = 0;
  std::uint64_t mallocs = 0;
  static alloc_count now() {
    return {g_new_calls.load(std::memory_order_relaxed), g_malloc_calls.load(std::memory_order_relaxed)};
  }
  alloc_count operator-(const alloc_count& o) const { return {news - o.news, mallocs - o.mallocs}; }
};

// ---- statistics over runs (fixed arrays: the bench itself must not allocate while measuring) --

constexpr int max_runs = 512;

struct samples {
  double v[max_runs];
  int n = 0;
  void add(double x) {
    if (n < max_runs) v[n++] = x;
  }
  double min() const { return *std::min_element(v, v + n); }
  double median() {
    std::sort(v, v + n);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
  }
};

static double elapsed_ns(bench_clock::time_point a, bench_clock::time_point b) {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count());
}

// ---- transports ----------------------------------------------------------------------------------

// Records the size of what it receives and nothing else, so timing root.end() measures the
// library's serialization and not a sink.
struct size_recorder final : st::transport {
  std::size_t last_bytes = 0;
  void send(st::envelope_view e) override { last_bytes = e.bytes().size(); }
};

// profiled: transaction profiling on (every root profiled, the calling thread registered), at
// 1 Hz so that what is measured is the span path with profiling on, not the sampler's signals
// (bench_profiler measures those).
static void start_tracing(double rate, st::transport* t, bool on_worker = false, bool profiled = false) {
  st::options o;
  if (profiled) {
    o.profiles_sample_rate = 1.0;
    o.profiler_frequency_hz = 1;
  }
  o.serialize_on_worker = on_worker;
  o.dsn = "https://public@o1.ingest.sentry.io/42";
  o.release = "bench@1.0.0";
  o.traces_sample_rate = rate;
  o.transport = t;
  o.send_client_reports = false;  // the unsampled runs would otherwise queue outcomes
  if (!st::init(o)) {
    std::fprintf(stderr, "bench_span: init failed\n");
    std::exit(1);
  }
}

// ---- the measurements --------------------------------------------------------------------------

constexpr std::uint32_t batch = SENTRY_TRACE_MAX_SPANS < 1000 ? SENTRY_TRACE_MAX_SPANS : 1000;

// The floor: two reads of a clock, as a span takes (start and end). steady_clock is
// clock_gettime(CLOCK_MONOTONIC) through the vDSO on Linux, what spans read where there is no
// invariant cycle counter; read_cycle_counter is the counter they read where there is one
// (core/clock.hpp: rdtsc, cntvct_el0).
static samples bench_clock_pair(int runs, int per_run) {
  samples s;
  volatile std::int64_t sink = 0;
  for (int r = 0; r < runs; ++r) {
    auto t0 = bench_clock::now();
    std::int64_t acc = 0;
    for (int i = 0; i < per_run; ++i) {
      auto a = bench_clock::now();
      auto b = bench_clock::now();
      acc += (b - a).count();
    }
    auto t1 = bench_clock::now();
    sink = sink + acc;
    s.add(elapsed_ns(t0, t1) / per_run);
  }
  return s;
}

#if SENTRY_TRACE_DETAIL_CYCLE_COUNTER
static samples bench_counter_pair(int runs, int per_run) {
  samples s;
  volatile std::uint64_t sink = 0;
  for (int r = 0; r < runs; ++r) {
    auto t0 = bench_clock::now();
    std::uint64_t acc = 0;
    for (int i = 0; i < per_run; ++i) {
      const std::uint64_t a = st::detail::read_cycle_counter();
      const std::uint64_t b = st::detail::read_cycle_counter();
      acc += b - a;
    }
    auto t1 = bench_clock::now();
    sink = sink + acc;
    s.add(elapsed_ns(t0, t1) / per_run);
  }
  return s;
}
#endif

// One child span: start, one string attribute, end. `scoped` picks scoped_span over
// start_inactive_span (scoped also pushes and pops the thread's active-span stack).
// Never inlined: bench/callgrind.sh collects this function alone (--toggle-collect) for the
// span path's own instructions, without the root's start, end and serialization.
__attribute__((noinline)) static void child_batch(std::uint32_t n, bool scoped) {
  if (scoped) {
    for (std::uint32_t i = 0; i < n; ++i) {
      st::scoped_span c({"child", "db.query"});
      c->set_attribute("k", "v");
    }
  } else {
    for (std::uint32_t i = 0; i < n; ++i) {
      st::span c = st::start_inactive_span({"child", "db.query"});
      c.set_attribute("k", "v");
      c.end();
    }
  }
}

static samples bench_children(int runs, std::uint32_t per_run, bool scoped, alloc_count& allocs) {
  samples s;
  alloc_count total{};
  for (int r = 0; r < runs; ++r) {
    st::span root = st::start_span_manual({"bench", "task"});
    alloc_count a0 = alloc_count::now();
    auto t0 = bench_clock::now();
    child_batch(per_run, scoped);
    auto t1 = bench_clock::now();
    alloc_count d = alloc_count::now() - a0;
    total.news += d.news;
    total.mallocs += d.mallocs;
    root.end();
    s.add(elapsed_ns(t0, t1) / per_run);
  }
  allocs = total;
  return s;
}

// `n` int attributes set on the active span: through its handle, or through get_active_span()
// (the claim on its block around each write). One key, so nothing grows: each call replaces it.
static void setter_batch(std::uint32_t n, bool borrowed) {
  st::scoped_span s({"setters", "task"});
  if (borrowed) {
    for (std::uint32_t i = 0; i < n; ++i) st::get_active_span().set_attribute("k", i);
  } else {
    for (std::uint32_t i = 0; i < n; ++i) s->set_attribute("k", i);
  }
}

static samples bench_setters(int runs, std::uint32_t per_run, bool borrowed, alloc_count& allocs) {
  samples s;
  alloc_count total{};
  for (int r = 0; r < runs; ++r) {
    st::span root = st::start_span_manual({"bench", "task"});
    alloc_count a0 = alloc_count::now();
    auto t0 = bench_clock::now();
    setter_batch(per_run, borrowed);
    auto t1 = bench_clock::now();
    alloc_count d = alloc_count::now() - a0;
    total.news += d.news;
    total.mallocs += d.mallocs;
    root.end();
    s.add(elapsed_ns(t0, t1) / per_run);
  }
  allocs = total;
  return s;
}

static samples bench_roots(int runs, int per_run, alloc_count& allocs) {
  samples s;
  alloc_count total{};
  for (int r = 0; r < runs; ++r) {
    alloc_count a0 = alloc_count::now();
    auto t0 = bench_clock::now();
    for (int i = 0; i < per_run; ++i) {
      st::span root = st::start_span_manual({"GET /health", "http.server"});
      root.end();
    }
    auto t1 = bench_clock::now();
    alloc_count d = alloc_count::now() - a0;
    total.news += d.news;
    total.mallocs += d.mallocs;
    s.add(elapsed_ns(t0, t1) / per_run);
  }
  allocs = total;
  return s;
}

// Two threads adding children to one transaction at once, each timing its own half (ns per span
// of that thread, the slower thread's figure per run); with `together` false the same half is
// added by one thread alone, for the ratio the goal is stated in.
static samples bench_two_threads(int runs, bool together) {
  samples s;
  const std::uint32_t half = batch / 2;
  for (int r = 0; r < runs; ++r) {
    st::span root = st::start_span_manual({"bench", "task"});
    const st::span_ref parent = root.ref();
    std::atomic<int> ready{0};
    double took[2] = {0, 0};
    auto add_half = [&](int who) {
      ready.fetch_add(1);
      while (together && ready.load() < 2) {
      }
      auto t0 = bench_clock::now();
      for (std::uint32_t i = 0; i < half; ++i) {
        st::span_options o{"child", "db.query"};
        o.parent = parent;
        st::span c = st::start_inactive_span(o);
        c.set_attribute("k", "v");
        c.end();
      }
      took[who] = elapsed_ns(t0, bench_clock::now()) / half;
    };
    if (together) {
      std::thread other(add_half, 1);
      add_half(0);
      other.join();
    } else {
      add_half(0);
    }
    root.end();
    s.add(took[0] > took[1] ? took[0] : took[1]);
  }
  return s;
}

// The root of a transaction with `batch` children and two attributes each, open.
static st::span open_big_root() {
  st::span root = st::start_span_manual({"POST /orders", "http.server"});
  root.set_attribute("http.request.method", "POST");
  for (std::uint32_t i = 0; i < batch; ++i) {
    st::span c = st::start_inactive_span({"SELECT * FROM stock WHERE sku = ?", "db.query"});
    c.set_attribute("db.system", "postgresql");
    c.set_attribute("db.rows", static_cast<std::int64_t>(i));
    c.end();
  }
  return root;
}

// Not inlined, so that callgrind's --toggle-collect can take exactly the caller's end().
[[gnu::noinline]] static void end_timed_root(st::span& root) { root.end(); }

// Serialization: a transaction of `batch` children with two attributes each; only root.end()
// is timed (ns per call), which writes the envelope and hands it to the transport.
static samples bench_serialize(int runs, size_recorder& sink, std::size_t& bytes, alloc_count& allocs) {
  samples s;
  alloc_count total{};
  for (int r = 0; r < runs; ++r) {
    st::span root = open_big_root();
    alloc_count a0 = alloc_count::now();
    auto t0 = bench_clock::now();
    end_timed_root(root);
    auto t1 = bench_clock::now();
    alloc_count d = alloc_count::now() - a0;
    total.news += d.news;
    total.mallocs += d.mallocs;
    bytes = sink.last_bytes;
    s.add(elapsed_ns(t0, t1));
  }
  allocs = total;
  return s;
}

// end() of a 1000-span root on a tracer with serialize_on_worker: only end() is timed (it
// queues the block); the handoff's thread writes the envelope, and flush() waits for that
// outside the timed region, so every run starts with the pool free.
static samples bench_end_on_worker(int runs, size_recorder& sink, std::size_t& bytes) {
  samples s;
  for (int r = 0; r < runs; ++r) {
    st::span root = open_big_root();
    auto t0 = bench_clock::now();
    end_timed_root(root);
    auto t1 = bench_clock::now();
    st::flush(10000);
    bytes = sink.last_bytes;
    s.add(elapsed_ns(t0, t1));
  }
  return s;
}

// One span id (detail::new_span_id: the thread's ChaCha8 keystream, platform.hpp), and for
// comparison the splitmix64 step ids used before (fast, but one output gives its state away).
static samples bench_ids(int runs, int per_run, bool old_generator) {
  samples s;
  volatile std::uint64_t sink = 0;
  std::uint64_t state = 0x0123456789abcdefull;
  for (int r = 0; r < runs; ++r) {
    std::uint64_t acc = 0;
    auto t0 = bench_clock::now();
    if (old_generator) {
      for (int i = 0; i < per_run; ++i) {
        std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        acc += z ^ (z >> 31);
      }
    } else {
      for (int i = 0; i < per_run; ++i) acc += st::detail::new_span_id().value;
    }
    auto t1 = bench_clock::now();
    sink = sink + acc;
    s.add(elapsed_ns(t0, t1) / per_run);
  }
  return s;
}

// ---- --loop-only: just the loop, for strace/perf ------------------------------------------------

// Writes the envelope of one transaction like open_big_root()'s (`batch` ended children with the
// same two attributes) `n` times into a buffer, sending nothing: write_transaction_envelope()
// alone, as dispatch.hpp calls it. The block is filled by hand once, so the loop holds only the
// writer. Returns the envelope's size, so the writes are kept.
static std::size_t serialize_loop(std::uint64_t n) {
  namespace d = st::detail;
  static d::transaction_block b;  // large: static, as the tracer's own blocks
  static char buf[SENTRY_TRACE_ENVELOPE_BYTES];
  static std::uint16_t slots[d::slots_per_block];
  if (!b.try_claim()) return 0;
  b.reset_contents();
  b.trace = st::trace_id{0x4bf92f3577b34da6ull, 0xa3ce929d0e0e4736ull};
  b.sample_rate = 1.0;
  b.sample_rate_known = true;
  b.sample_rand_micros = 421337;
  b.max_children.store(SENTRY_TRACE_MAX_SPANS);
  const std::uint64_t t0 = st::detail::g_tracer.now_ns();
  const st::span_id root_id{0x00f067aa0ba902b7ull};
  d::span_record& root = b.init_slot(0, root_id, st::span_id{}, t0);
  root.name = b.copy("POST /orders");
  root.op = b.copy("http.server");
  if (d::attribute_record* a = b.attribute_for(0, "http.request.method")) {
    a->text = b.copy("POST");
    a->type = d::attribute_type::string;
  }
  for (std::uint32_t i = 0; i < batch; ++i) {
    const std::int32_t slot = b.claim_child(b.generation());
    if (slot < 0) break;
    const auto s = static_cast<std::uint32_t>(slot);
    d::span_record& r = b.init_slot(s, st::span_id{0x1000ull + i}, root_id, t0 + i * 1000);
    r.name = b.copy("SELECT * FROM stock WHERE sku = ?");
    r.op = b.copy("db.query");
    if (d::attribute_record* a = b.attribute_for(s, "db.system")) {
      a->text = b.copy("postgresql");
      a->type = d::attribute_type::string;
    }
    if (d::attribute_record* a = b.attribute_for(s, "db.rows")) {
      a->int_value = i;
      a->type = d::attribute_type::int64;
    }
    r.end_ticks = r.start_ticks + 800;
    r.state.store(d::slot_ended);
    b.close_one();
  }
  root.end_ticks = t0 + 1000 * batch + 1000;
  root.state.store(d::slot_ended);
  const std::uint32_t handed_out = b.begin_closing();
  const d::envelope_context ctx = d::make_envelope_context();
  std::size_t bytes = 0;
  for (std::uint64_t i = 0; i < n; ++i)
    bytes += d::write_transaction_envelope(buf, sizeof buf, b, handed_out, ctx, slots).bytes.size();
  return bytes;
}

static int loop_only(std::uint64_t n, const char* kind) {
  st::null_transport none;
  const bool roots = std::strcmp(kind, "root") == 0;
  const bool unsampled = std::strcmp(kind, "unsampled") == 0;
  const bool ids = std::strcmp(kind, "ids") == 0;
  const bool off = std::strcmp(kind, "off") == 0;  // never init(): tracing off at run time
  const bool end_on_worker = std::strcmp(kind, "end1000-worker") == 0;
  const bool end_big = end_on_worker || std::strcmp(kind, "end1000") == 0;
  const bool serialize = std::strcmp(kind, "serialize") == 0;
  const bool handle_set = std::strcmp(kind, "handle-set") == 0;
  const bool borrowed_set = std::strcmp(kind, "borrowed-set") == 0;
  const bool profiled = std::strcmp(kind, "profiled") == 0;  // "sampled", with profiling on
  if (!roots && !unsampled && !ids && !off && !end_big && !serialize && !handle_set && !borrowed_set && !profiled &&
      std::strcmp(kind, "sampled") != 0) {
    std::fprintf(stderr, "bench_span: --loop-only N [sampled|profiled|unsampled|root|ids|off|end1000|end1000-worker|serialize|handle-set|borrowed-set]\n");
    return 2;
  }
  if (!off) start_tracing(unsampled ? 0.0 : 1.0, &none, end_on_worker, profiled);
  if (end_big) {
    for (std::uint64_t i = 0; i < n; ++i) {
      st::span root = open_big_root();
      end_timed_root(root);
      st::flush(10000);  // the handoff's thread has written it before the next root
    }
    st::shutdown(0);
    return 0;
  }
  if (ids) {
    // Instructions per id: callgrind's Ir for N minus Ir for 0, over N (see the header comment).
    std::uint64_t acc = 0;
    for (std::uint64_t i = 0; i < n; ++i) acc += st::detail::new_span_id().value;
    st::shutdown(0);
    return acc == 1 ? 3 : 0;  // uses acc, so the loop is kept
  }
  if (serialize) {
    const std::size_t bytes = serialize_loop(n);
    st::shutdown(0);
    return n != 0 && bytes == 0 ? 1 : 0;  // nothing written: the transaction did not fit
  }
  if (handle_set || borrowed_set) {
    // Instructions per set_attribute: Ir for N minus Ir for 0, over N (one span either way).
    st::span root = st::start_span_manual({"bench", "task"});
    setter_batch(static_cast<std::uint32_t>(n), borrowed_set);
    root.end();
    st::shutdown(0);
    return 0;
  }
  for (std::uint64_t done = 0; done < n;) {
    if (roots) {
      st::span root = st::start_span_manual({"GET /health", "http.server"});
      root.end();
      ++done;
      continue;
    }
    std::uint32_t k = static_cast<std::uint32_t>(n - done < batch ? n - done : batch);
    st::span root = st::start_span_manual({"bench", "task"});
    child_batch(k, false);
    root.end();
    done += k;
  }
  st::shutdown(0);
  return 0;
}

// ---- main ----------------------------------------------------------------------------------------

int main(int argc, char** argv) {
  if (argc >= 3 && std::strcmp(argv[1], "--loop-only") == 0)
    return loop_only(std::strtoull(argv[2], nullptr, 10), argc >= 4 ? argv[3] : "sampled");
  if (argc > 1) {
    std::fprintf(stderr, "usage: bench_span [--loop-only N [sampled|profiled|unsampled|root|ids|off|end1000|end1000-worker|serialize|handle-set|borrowed-set]]\n");
    return 2;
  }

  const int runs = 200;
  st::null_transport none;
  size_recorder recorder;

  samples clock2 = bench_clock_pair(runs, 10000);
#if SENTRY_TRACE_DETAIL_CYCLE_COUNTER
  samples counter2 = bench_counter_pair(runs, 10000);
#endif
  start_tracing(1.0, &none);
  const bool span_clock_is_counter = st::detail::g_tracer.span_clock_is_counter;
  samples ids = bench_ids(runs, 8000, false);
  samples old_ids = bench_ids(runs, 8000, true);
  st::shutdown(0);

  // Sampled. Warm up first: every transaction block is touched once, so page faults of the
  // static storage are not timed.
  start_tracing(1.0, &none);
  alloc_count allocs_sampled{}, allocs_scoped{}, allocs_unsampled{}, allocs_root{}, allocs_ser{};
  bench_children(2 * SENTRY_TRACE_MAX_TRANSACTIONS, batch, false, allocs_sampled);
  samples sampled = bench_children(runs, batch, false, allocs_sampled);
  samples scoped = bench_children(runs, batch, true, allocs_scoped);
  bench_roots(4, 100, allocs_root);
  samples roots = bench_roots(runs, 200, allocs_root);
  alloc_count allocs_handle_set{}, allocs_borrowed_set{};
  samples handle_set = bench_setters(runs, batch, false, allocs_handle_set);
  samples borrowed_set = bench_setters(runs, batch, true, allocs_borrowed_set);
  bench_two_threads(4, true);
  samples one_thread = bench_two_threads(runs, false);
  samples two_threads = bench_two_threads(runs, true);
  st::shutdown(0);

  // Unsampled: no slot is taken, so batches can be larger than max_spans.
  start_tracing(0.0, &none);
  const std::uint32_t unsampled_batch = 100000;
  bench_children(4, unsampled_batch, false, allocs_unsampled);
  samples unsampled = bench_children(runs, unsampled_batch, false, allocs_unsampled);
  st::shutdown(0);

  // Serialization throughput.
  start_tracing(1.0, &recorder);
  std::size_t envelope_bytes = 0;
  bench_serialize(2 * SENTRY_TRACE_MAX_TRANSACTIONS, recorder, envelope_bytes, allocs_ser);
  samples ser = bench_serialize(100, recorder, envelope_bytes, allocs_ser);
  st::shutdown(0);

  // The same root ended with serialize_on_worker: end() hands the block to the handoff.
  start_tracing(1.0, &recorder, true);
  std::size_t worker_bytes = 0;
  bench_end_on_worker(2 * SENTRY_TRACE_MAX_TRANSACTIONS, recorder, worker_bytes);
  samples on_worker = bench_end_on_worker(100, recorder, worker_bytes);
  st::shutdown(0);

  const double sampled_spans = static_cast<double>(runs) * batch;
  const double unsampled_spans = static_cast<double>(runs) * unsampled_batch;
  const double root_count = static_cast<double>(runs) * 200;
  auto per = [](std::uint64_t count, double n) { return static_cast<double>(count) / n; };

  std::printf("sentry_trace %s bench_span  (SENTRY_TRACE_MAX_SPANS=%d, THREADS=%d)\n", st::version_string,
              SENTRY_TRACE_MAX_SPANS, SENTRY_TRACE_THREADS);
  std::printf("storage_bytes() = %zu (%.2f MiB)\n\n", st::storage_bytes(),
              static_cast<double>(st::storage_bytes()) / (1024.0 * 1024.0));
  std::printf("span clock: %s\n\n", span_clock_is_counter ? "the cycle counter (core/clock.hpp)" : "steady_clock / the clock hook");
  std::printf("%-52s %10s %10s %12s\n", "measurement", "best", "median", "allocs/op");
  std::printf("%-52s %10.2f %10.2f %12s\n", "two clock_gettime (steady_clock::now) reads (ns)", clock2.min(), clock2.median(), "-");
#if SENTRY_TRACE_DETAIL_CYCLE_COUNTER
  std::printf("%-52s %10.2f %10.2f %12s\n", "two cycle counter reads (rdtsc / cntvct) (ns)", counter2.min(), counter2.median(), "-");
#endif
  std::printf("%-52s %10.2f %10.2f %12s\n", "span id, ChaCha8 keystream (ns)", ids.min(), ids.median(), "-");
  std::printf("%-52s %10.2f %10.2f %12s\n", "  for comparison: a splitmix64 step (ns)", old_ids.min(), old_ids.median(), "-");
  std::printf("%-52s %10.2f %10.2f %12.4f\n", "sampled child span, start_inactive_span (ns)", sampled.min(),
              sampled.median(), per(allocs_sampled.mallocs + allocs_sampled.news, sampled_spans));
  std::printf("%-52s %10.2f %10.2f %12.4f\n", "sampled child span, scoped_span (ns)", scoped.min(), scoped.median(),
              per(allocs_scoped.mallocs + allocs_scoped.news, sampled_spans));
  std::printf("%-52s %10.2f %10.2f %12.4f\n", "unsampled child span, traces_sample_rate 0 (ns)", unsampled.min(),
              unsampled.median(), per(allocs_unsampled.mallocs + allocs_unsampled.news, unsampled_spans));
  std::printf("%-52s %10.2f %10.2f %12.4f\n", "int attribute through the span's handle (ns)", handle_set.min(),
              handle_set.median(), per(allocs_handle_set.mallocs + allocs_handle_set.news, sampled_spans));
  std::printf("%-52s %10.2f %10.2f %12.4f\n", "int attribute through get_active_span() (ns)", borrowed_set.min(),
              borrowed_set.median(), per(allocs_borrowed_set.mallocs + allocs_borrowed_set.news, sampled_spans));
  std::printf("%-52s %10.2f %10.2f %12s\n", "one thread adding 500 children to a transaction (ns)", one_thread.min(),
              one_thread.median(), "-");
  std::printf("%-52s %10.2f %10.2f %12s\n", "two threads adding 500 each to one transaction (ns)", two_threads.min(),
              two_threads.median(), "-");
  std::printf("%-52s %10.1f %10.1f %12.4f\n", "root transaction, 0 children, null_transport (ns)", roots.min(),
              roots.median(), per(allocs_root.mallocs + allocs_root.news, root_count));
  // Throughput from the fastest and the median time: bytes per ns * 1e3 = MB/s (10^6 bytes).
  const double ser_min = ser.min();
  const double ser_median = ser.median();
  const double bytes = static_cast<double>(envelope_bytes);
  std::printf("%-52s %10.0f %10.0f %12.4f\n", "serialize 1000-span transaction (MB/s)", bytes / ser_min * 1e3,
              bytes / ser_median * 1e3, per(allocs_ser.mallocs + allocs_ser.news, 100.0));
  std::printf("  envelope of %zu bytes: root end() to send() returning took %.1f us (best), %.1f us (median)\n",
              envelope_bytes, ser_min / 1e3, ser_median / 1e3);
  std::printf("%-52s %10.0f %10.0f %12s\n", "end() of a 1000-span root, serialized inline (ns)", ser_min, ser_median, "-");
  std::printf("%-52s %10.0f %10.0f %12s\n", "end() of a 1000-span root, serialize on worker (ns)", on_worker.min(),
              on_worker.median(), "-");
  std::printf("  the worker wrote envelopes of %zu bytes; goal for end() with the worker: <= 5 us (%s)\n", worker_bytes,
              on_worker.median() <= 5000.0 ? "met" : "not met");
  std::printf("  allocation counting: operator new%s\n\n",
              BENCH_COUNTS_MALLOC ? " and malloc/calloc/realloc (glibc)" : " only (not glibc)");

#if SENTRY_TRACE_DETAIL_CYCLE_COUNTER
  const double floor = span_clock_is_counter ? counter2.min() : clock2.min();
#else
  const double floor = clock2.min();
#endif
  const double budget = 1.2 * floor;
  std::printf("sampled span (best %.2f ns) vs 1.2 x the two reads of the span clock (%.2f ns): %.2fx the budget, %s\n",
              sampled.min(), budget, sampled.min() / budget, sampled.min() <= budget ? "within" : "over");
  std::printf("two threads on one transaction (median %.2f ns) vs one thread alone (median %.2f ns): %.2fx, goal <= 1.5x\n",
              two_threads.median(), one_thread.median(), two_threads.median() / one_thread.median());
  std::printf("unsampled span (best %.2f ns) vs the 2 ns goal: %s\n", unsampled.min(),
              unsampled.min() < 2.0 ? "met" : "not met");
  std::printf("syscalls per span: strace -f -c ./bench_span --loop-only N (see the header comment)\n");
  return 0;
}
