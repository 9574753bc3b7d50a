// tests/model/runner.hpp -- executes a program against the library, with real threads
//
// WHAT IT DOES  Runs each session: init() with the session's options on a locked capture
//               transport, then each phase on the slots' threads, then shutdown(). Each slot is
//               one long-lived thread, replaced by a new one where the program says so (so spans
//               outlive the thread that made them active). In `concurrent` mode the slots of a
//               phase start together behind a gate and run with scheduling noise (yields and
//               short spins between operations); in `replay` mode they run one after another,
//               slot 0 first: the same program then always meets the same schedule. What each
//               start returned (valid, recording, ids) and what each header read gave is kept
//               for the checker; every envelope is kept with the session it belongs to.
// THREADS       A var's runtime record is touched only by the slot the program gives it to in
//               that phase, and the phases are separated by joins (condition variables), so the
//               test itself has no data race for TSan to report.
// DOES NOT      judge anything (checker.hpp).

#ifndef SENTRY_TRACE_TESTS_MODEL_RUNNER_HPP
#define SENTRY_TRACE_TESTS_MODEL_RUNNER_HPP

#include "../fixture.hpp"
#include "program.hpp"

#include <sentry_trace.hpp>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace model {
namespace st = sentry_trace;

/// Keeps every envelope, tagged with the session it was sent in. Locked: flush() may run on any
/// slot while another slot's transaction is being sent.
struct locked_capture : st::transport {
  struct sent_envelope {
    int session;
    std::string bytes;
  };
  std::mutex m;
  std::vector<sent_envelope> sent;
  int session = 0;  ///< changed by the main thread only while no slot runs
  void send(st::envelope_view e) override {
    std::lock_guard<std::mutex> g(m);
    sent.push_back(sent_envelope{session, std::string(e.bytes())});
  }
  bool flush(std::uint32_t) override { return true; }
};

/// What a start returned, and the handle while the program holds it.
struct var_rt {
  st::span handle;
  st::span_ref ref{};
  bool started = false;
  bool valid = false;
  bool recording = false;
  bool sampled = false;
  std::string trace;  ///< hex, "" when zero
  std::string id;     ///< hex, "" when zero
};

/// What a header read gave.
struct header_obs {
  bool done = false;
  std::string sentry_trace;
  std::string baggage;
};

/// The library's counters after each session's shutdown (when the program shut down itself).
struct session_obs {
  bool have_stats = false;
  st::stats stats{};
};

struct run_result {
  std::vector<var_rt> vars;
  std::vector<header_obs> headers;  ///< by op id
  std::vector<session_obs> sessions;
  std::vector<locked_capture::sent_envelope> envelopes;
  bool init_failed = false;
};

inline std::string hex_of(const st::trace_id& t) {
  if (t.is_zero()) return {};
  char b[32];
  t.to_hex(b);
  return std::string(b, 32);
}
inline std::string hex_of(const st::span_id& s) {
  if (s.is_zero()) return {};
  char b[16];
  s.to_hex(b);
  return std::string(b, 16);
}

/// One slot's thread: runs the jobs the main thread hands it, one at a time.
class slot_thread {
 public:
  slot_thread() : th_([this] { loop(); }) {}
  ~slot_thread() {
    {
      std::lock_guard<std::mutex> g(m_);
      quit_ = true;
    }
    cv_.notify_all();
    th_.join();  // the thread exits: its thread_local active-span stack is gone
  }
  slot_thread(const slot_thread&) = delete;
  slot_thread& operator=(const slot_thread&) = delete;

  void post(std::function<void()> job) {
    {
      std::lock_guard<std::mutex> g(m_);
      job_ = std::move(job);
      busy_ = true;
    }
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> g(m_);
    cv_.wait(g, [this] { return !busy_; });
  }

 private:
  void loop() {
    std::unique_lock<std::mutex> g(m_);
    for (;;) {
      cv_.wait(g, [this] { return quit_ || busy_; });
      if (busy_) {
        std::function<void()> job = std::move(job_);
        g.unlock();
        job();
        g.lock();
        busy_ = false;
        cv_.notify_all();
        continue;
      }
      if (quit_) return;
    }
  }
  std::mutex m_;
  std::condition_variable cv_;
  std::function<void()> job_;
  bool busy_ = false;
  bool quit_ = false;
  std::thread th_;
};

/// Sets the trace headers into strings (the carrier inject() writes to).
struct header_carrier {
  header_obs* out;
  void set(std::string_view key, std::string_view value) {
    if (key == "sentry-trace") out->sentry_trace = std::string(value);
    else if (key == "baggage") out->baggage = std::string(value);
  }
};

class runner {
 public:
  runner(const program& p, bool replay, locked_capture& transport)
      : p_(p), replay_(replay), transport_(transport) {}

  run_result run() {
    run_result r;
    r.vars.resize(p_.vars.size());
    r.headers.resize(static_cast<std::size_t>(p_.op_ids));
    r.sessions.resize(p_.sessions.size());
    res_ = &r;
    {
      std::lock_guard<std::mutex> g(transport_.m);
      transport_.sent.clear();
    }
    test_support::clean_sentry_env env;
    // Also the variables that would change the lifecycle or add a second transport.
    test_support::env_guard lifecycle{"SENTRY_TRACE_LIFECYCLE", nullptr};
    test_support::env_guard spotlight{"SENTRY_SPOTLIGHT", nullptr};
    std::vector<std::unique_ptr<slot_thread>> threads;
    if (use_threads())
      for (int k = 0; k < p_.slots; ++k) threads.push_back(std::make_unique<slot_thread>());
    for (std::size_t s = 0; s < p_.sessions.size(); ++s) {
      const session_plan& plan = p_.sessions[s];
      st::options o = test_support::default_options(&transport_);
      o.log = st::log_hook{[](st::log_level, const char*, void*) {}, nullptr};
      o.max_spans = plan.max_spans;
      o.trace_lifecycle = plan.stream ? st::trace_lifecycle::stream : st::trace_lifecycle::static_;
      o.serialize_on_worker = plan.on_worker;
      if (!st::init(o)) {
        r.init_failed = true;
        break;
      }
      transport_.session = static_cast<int>(s);  // after init(): its shutdown of the last session is the last one's
      for (const phase& ph : plan.phases) {
        for (int k = 0; k < p_.slots && use_threads(); ++k)
          if (ph.respawn[static_cast<std::size_t>(k)]) {
            threads[static_cast<std::size_t>(k)].reset();
            churn_threads();
            threads[static_cast<std::size_t>(k)] = std::make_unique<slot_thread>();
          }
        run_phase(ph, threads);
        if (ph.flush_after) st::flush(0);
      }
      const bool last = s + 1 == p_.sessions.size();
      if (plan.explicit_shutdown || last) {
        st::shutdown(0);
        r.sessions[s].have_stats = true;
        r.sessions[s].stats = st::get_stats();
      }
    }
    st::shutdown(0);
    threads.clear();
    // Whatever handles are left are from a finished session: destroying them is a no-op.
    for (var_rt& v : r.vars) v.handle = st::span{};
    {
      std::lock_guard<std::mutex> g(transport_.m);
      r.envelopes = std::move(transport_.sent);
      transport_.sent.clear();
    }
    return r;
  }

 private:
  static constexpr bool use_threads() { return SENTRY_TRACE_THREADS != 0; }

  void run_phase(const phase& ph, std::vector<std::unique_ptr<slot_thread>>& threads) {
    if (!use_threads()) {
      for (std::size_t k = 0; k < ph.slots.size(); ++k) run_ops(ph.slots[k], 0);
      return;
    }
    if (replay_) {
      for (std::size_t k = 0; k < ph.slots.size(); ++k) {
        const std::vector<op>* ops = &ph.slots[k];
        threads[k]->post([this, ops] { run_ops(*ops, 0); });
        threads[k]->wait();
      }
      return;
    }
    std::atomic<bool> go{false};
    for (std::size_t k = 0; k < ph.slots.size(); ++k) {
      const std::vector<op>* ops = &ph.slots[k];
      const std::uint64_t noise_seed = p_.seed * 0x9e3779b97f4a7c15ull + k + 1;
      threads[k]->post([this, ops, &go, noise_seed] {
        while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
        run_ops(*ops, noise_seed);
      });
    }
    go.store(true, std::memory_order_release);
    for (std::size_t k = 0; k < ph.slots.size(); ++k) threads[k]->wait();
  }

  /// Runs a few short-lived threads at once, as a program that creates threads would: the C
  /// library's cache of thread stacks overflows and gives the memory of exited threads (their
  /// thread_local data included) back to the system, so a stray access to it faults.
  static void churn_threads() {
    std::vector<std::thread> burst;
    for (int i = 0; i < 8; ++i) burst.emplace_back([] {});
    for (std::thread& t : burst) t.join();
  }

  /// Scheduling noise between operations, so that races get a chance to show.
  static void noise(rng& r) {
    const std::uint32_t n = r.below(10);
    if (n < 4) return;
    if (n < 7) {
      std::this_thread::yield();
      return;
    }
    volatile std::uint32_t spin = 0;
    const std::uint32_t rounds = 50 + r.below(2000);
    for (std::uint32_t i = 0; i < rounds; ++i) spin = spin + i;
  }

  void run_ops(const std::vector<op>& ops, std::uint64_t noise_seed) {
    rng r(noise_seed);
    for (const op& o : ops) {
      if (noise_seed) noise(r);
      run_op(o, noise_seed ? r.next() : 0);
    }
  }

  void observe(var_rt& v, const st::span& s) {
    v.started = true;
    v.valid = s.is_active();
    v.recording = s.is_recording();
    v.sampled = s.is_sampled();
    v.ref = s.ref();
    v.trace = hex_of(s.trace());
    v.id = hex_of(s.id());
  }

  void run_op(const op& o, std::uint64_t noise_seed) {
    std::vector<var_rt>& vars = res_->vars;
    switch (o.kind) {
      case op_kind::start: {
        var_rt& v = vars[static_cast<std::size_t>(o.var)];
        const std::string& name = p_.vars[static_cast<std::size_t>(o.var)].name;
        st::span_options opts;
        opts.name = name;
        opts.op = "model";
        // Start-time attributes, set in one go while other threads fill the same block; the
        // long one is stored once for both of its keys.
        const std::string tag = name + model_tag_padding;
        const st::attribute start_attributes[] = {{"model.start", name}, {"model.tag", tag}, {"model.tag.again", tag}};
        opts.attributes = start_attributes;
        if (o.parent >= 0) opts.parent = vars[static_cast<std::size_t>(o.parent)].ref;
        switch (o.how) {
          case start_kind::manual:
            v.handle = st::start_span_manual(opts);
            observe(v, v.handle);
            break;
          case start_kind::inactive:
            v.handle = st::start_inactive_span(opts);
            observe(v, v.handle);
            break;
          case start_kind::scoped_fn:
            st::start_span(opts, [&](st::span& s) {
              observe(v, s);
              run_ops(o.body, noise_seed);
            });
            break;
          case start_kind::scoped_obj: {
            st::scoped_span s(opts);
            observe(v, s.get());
            run_ops(o.body, noise_seed);
            break;
          }
        }
        break;
      }
      case op_kind::end: vars[static_cast<std::size_t>(o.var)].handle.end(); break;
      case op_kind::abandon: vars[static_cast<std::size_t>(o.var)].handle = st::span{}; break;
      case op_kind::attr:
        vars[static_cast<std::size_t>(o.var)].handle.set_attribute("model.var", p_.vars[static_cast<std::size_t>(o.var)].name);
        break;
      case op_kind::measure: {
        const std::string name = "m" + std::to_string(o.id);
        st::set_measurement(name, static_cast<double>(o.id), "none");
        break;
      }
      case op_kind::headers: {
        // Every read must name the same span (the active one cannot change meanwhile): keep the
        // first, or the first that differs from it.
        header_obs& h = res_->headers[static_cast<std::size_t>(o.id)];
        for (int i = 0; i < o.repeat; ++i) {
          header_obs read;
          header_carrier c{&read};
          st::inject(c);
          if (i == 0 || read.sentry_trace != h.sentry_trace) {
            const bool differs = i > 0;
            h = std::move(read);
            if (differs) break;
          }
        }
        h.done = true;
        break;
      }
      case op_kind::flush: st::flush(0); break;
      case op_kind::with_active: {
        const st::span_ref ref = o.var >= 0 ? vars[static_cast<std::size_t>(o.var)].ref : st::span_ref{};
        st::with_active_span(ref, [&] { run_ops(o.body, noise_seed); });
        break;
      }
    }
  }

  const program& p_;
  bool replay_;
  locked_capture& transport_;
  run_result* res_ = nullptr;
};

} // namespace model

#endif // SENTRY_TRACE_TESTS_MODEL_RUNNER_HPP
