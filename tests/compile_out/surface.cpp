// tests/compile_out/surface.cpp -- every public name, written once, compiled in both modes
//
// check_compile_out.sh builds this file with SENTRY_TRACE_ENABLED=1 and =0 (doctest's disabled
// all_features target): a name missing from disabled.hpp, or declared there with another
// signature, fails the disabled build. With tracing compiled out it also runs, and checks the
// neutral values disabled.hpp documents. Exit code 0: every check passed.

// One file in both modes. With tracing on it is also the implementation TU (the hosted
// transports and sampling_decision are names of the implementation half); compiled out it is
// not, and the program still links: tracing compiled out needs no implementation TU.
#if !defined(SENTRY_TRACE_ENABLED) || SENTRY_TRACE_ENABLED
#  define SENTRY_TRACE_IMPLEMENTATION
#endif
#include <sentry_trace.hpp>

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace st = sentry_trace;

namespace {

int failures = 0;
void check(bool ok, const char* what) {
  if (!ok) {
    std::printf("FAIL: %s\n", what);
    ++failures;
  }
}

/// A user's own transport must compile in both modes.
class my_transport final : public st::transport {
 public:
  void send(st::envelope_view e) override {
    bytes_ += e.bytes().size();
    if (const st::transaction_view* t = e.transaction()) {
      for (std::size_t i = 0; i < t->span_count(); ++i) {
        const st::span_view s = t->span_at(i);
        bytes_ += s.name.size() + s.op.size() + (s.is_root ? 1u : 0u) + std::string_view(st::to_string(s.status)).size();
        bytes_ += static_cast<std::size_t>(s.end_epoch_us - s.start_epoch_us) + (s.parent.is_zero() ? 0u : 1u);
      }
      char hex[32];
      t->trace().to_hex(hex);
#if SENTRY_TRACE_HOSTED
      if (printer_) printer_->print(*t);
#endif
    }
    bytes_ += e.span_items();
    if (e.is_client_report()) report_lost(e, st::discard_reason::send_error);
  }
  bool flush(std::uint32_t timeout_ms) override { return timeout_ms < 1000000; }
  std::size_t bytes_ = 0;
#if SENTRY_TRACE_HOSTED
  st::console_transport* printer_ = nullptr;  ///< set to print what arrives
#endif
};

struct carrier {
  std::string_view values[3];
  int sets = 0;
  int gets = 0;
  void set(std::string_view, std::string_view) { ++sets; }
  std::string_view get(std::string_view key) const {
    ++const_cast<carrier*>(this)->gets;
    return key == "sentry-trace" ? values[0] : key == "baggage" ? values[1] : values[2];
  }
};

std::uint64_t ticks(void*) { return 0; }
std::int64_t wall(void*) { return 0; }
bool entropy(void* p, std::size_t n, void*) {
  for (std::size_t i = 0; i < n; ++i) static_cast<unsigned char*>(p)[i] = static_cast<unsigned char>(i + 1);
  return true;
}
void lock(void*) {}
void unlock(void*) {}
void log(st::log_level, const char*, void*) {}
void uart(const char*, std::size_t, void*) {}

int evaluations = 0;
// Used only inside SENTRY_TRACE_SCOPE, so unused once the macro compiles out (macros.hpp).
[[maybe_unused]] std::string_view counted() {
  ++evaluations;
  return "counted";
}

int& the_int() {
  static int value = 7;
  return value;
}

} // namespace

int main() {
  my_transport transport;
  st::null_transport null_t;
  st::callback_transport callback_t(&uart, nullptr);
#if SENTRY_TRACE_HOSTED
  st::file_transport file_t("/nonexistent/sentry_trace_compile_out");
  st::console_transport console_t;
  static_cast<void>(file_t.written());
  static_cast<void>(console_t);
#endif
  static_cast<void>(null_t);
  static_cast<void>(callback_t);
  const st::callback_transport::send_fn send_fn = &uart;
  static_cast<void>(send_fn);
#if SENTRY_TRACE_HOSTED
  // The built-in transport, configured by hand (never started: no network in this test).
  st::http_transport_options hto;
  hto.url = "http://127.0.0.1:9/api/1/envelope/";
  hto.auth_header = "X-Sentry-Auth: Sentry sentry_key=k\r\n";
  hto.use_worker = false;
  hto.gzip = false;
  hto.max_attempts = 1;
  hto.retry_base_ms = 1;
  hto.queue_bytes = 0;
  hto.count_losses = false;
  hto.on_worker_tick = nullptr;
  hto.tick_user = nullptr;
  {
    st::http_transport http_t;
    static_cast<void>(http_t.configure(hto) && http_t.configure_for_dsn("http://k@127.0.0.1:9/1"));
    static_cast<void>(http_t.idle() && http_t.queued() == 0 && !http_t.has_worker());
#  if SENTRY_TRACE_WITH_ZLIB
    static_cast<void>(http_t.gzip_active());
#  endif
    check(http_t.last_error() != nullptr, "http_transport::last_error() is never null");
    static_cast<void>(http_t.forget_after_fork());
    if (false) static_cast<void>(http_t.start() && http_t.stop(0));
  }
#endif

  // The DSN parser is the same in both modes.
  st::dsn d;
  check(st::dsn::parse("https://key:sec@o7.ingest.example.com:8443/p/42", d) == st::dsn_error::none &&
            d.scheme == "https" && d.public_key == "key" && d.secret == "sec" && d.host == "o7.ingest.example.com" &&
            d.port == 8443 && d.port_explicit && d.path == "/p" && d.project_id == "42" && d.org_id == "7",
        "dsn::parse");
  check(std::string_view(st::to_string(st::dsn::parse("ftp://k@h/1", d))).size() > 0, "to_string(dsn_error)");

  // The hooks' members by name.
  const st::clock_hook ch{&ticks, nullptr};
  const st::wall_clock_hook wh{&wall, nullptr};
  const st::entropy_hook eh{&entropy, nullptr};
  const st::lock_hook lh{&lock, &unlock, nullptr};
  const st::log_hook lgh{&log, nullptr};
  check(ch.now_ns(ch.user) == 0 && wh.now_epoch_us(wh.user) == 0 && eh.fill != nullptr && eh.user == nullptr &&
            lh.user == nullptr && lgh.user == nullptr,
        "hooks");

  static const std::string_view targets[] = {"example.com"};
  st::options o;
  o.dsn = "https://public@o1.ingest.sentry.io/42";
  o.release = "surface@1";
  o.environment = "test";
  o.server_name = "host";
  o.org_id = "1";
  o.traces_sample_rate = 1.0;
  o.traces_sampler = [](const st::sampling_context& c) {
    if (c.source == st::transaction_source::url || c.parent_sample_rate > 1.0) return 0.0;
    return c.find("skip") ? 0.0 : (c.parent_sampled == st::parent_decision::not_sampled ? 0.0 : 1.0);
  };
  o.max_spans = 10;
  o.debug = false;
  o.log = st::log_hook{&log, nullptr};
  o.transport = &transport;
  o.storage = nullptr;
  o.clock = st::clock_hook{&ticks, nullptr};
  o.wall_clock = st::wall_clock_hook{&wall, nullptr};
  o.entropy = st::entropy_hook{&entropy, nullptr};
  o.lock = st::lock_hook{&lock, &unlock, nullptr};
  o.send_client_reports = false;
  o.trace_propagation_targets = targets;
  o.trace_propagation_target_count = 1;
  o.propagate_traceparent = true;
  o.send_default_pii = true;
  o.delivery = st::delivery_mode::poll;
  o.http_proxy = {};
  o.ca_file = {};
  o.spotlight = "false";
  o.serialize_on_worker = false;
  o.http_compression = false;
  o.trace_lifecycle = st::trace_lifecycle::static_;
  const st::traces_sampler_fn sampler_copy = o.traces_sampler;
  static_cast<void>(sampler_copy);
  static const std::string_view ignored[] = {"/health"};
  o.ignore_transactions = ignored;
  o.ignore_transaction_count = 1;
  o.before_send = st::before_send_hook{[](st::error_event& e, void*) { return !e.message.empty(); }, nullptr};
  o.before_send_transaction =
      st::before_send_transaction_hook{[](st::transaction_event& t, void*) { return t.set_tag("k", "v"); }, nullptr};
  o.profiles_sample_rate = 0.5;
  o.profiles_sampler = [](const st::sampling_context& c) { return c.find("skip") ? 0.0 : 1.0; };
  o.profile_session_sample_rate = st::options::unset;
  o.profile_lifecycle = st::profile_lifecycle::trace;
  o.profiler_frequency_hz = 101;
  o.attach_stacktrace = true;
  o.in_app_include = nullptr;
  o.in_app_include_count = 0;
  static_assert(st::options::unset < 0.0, "unset");

  const bool started = st::init(o);
  check(started, "init() returns true");

  // start_span with callbacks of every return kind.
  const int doubled = st::start_span({"a", "task"}, [](st::span& s) {
    s.set_attribute("s", "text");
    s.set_attribute("sv", std::string_view("view"));
    s.set_attribute("i", 1);
    s.set_attribute("u", 2u);
    s.set_attribute("i64", std::int64_t{3});
    s.set_attribute("d", 0.5);
    s.set_attribute("b", true);
    s.set_attribute("c", 'c');
    s.set_attribute("sc", static_cast<signed char>(-1));
    s.set_attribute("ull", 18446744073709551615ULL);
    s.set_attribute("f", 0.25f);
    s.set_attribute("ld", 0.5L);
    s.set_attribute("str", std::string("owned"));
    s.set_attribute("null", static_cast<const char*>(nullptr));
    s.set_attribute("value", st::attribute_value(4));
    s.set_attributes({{"k1", 1}, {"k2", "two"}, {"k3", std::string("three")}});
    s.set_status(st::span_status::ok);
    s.set_status(st::span_status::aborted, "message");
    s.set_http_status(404);
    s.set_name("renamed");
    s.set_name("/route", st::transaction_source::route);
    s.set_op("op");
    s.set_origin("manual");
    return 21 * 2;
  });
  check(doubled == 42, "start_span returns the callback's result");
  int& ref = st::start_span({"ref", "task"}, [](st::span&) -> int& { return the_int(); });
  check(&ref == &the_int(), "start_span returns a reference unchanged");
  bool ran = false;
  st::start_span({"void", "task"}, [&](st::span&) { ran = true; });
  check(ran, "start_span runs a void callback");

  {
    st::scoped_span scoped({"scoped", "task"});
    scoped->set_attribute("k", 1);
    scoped.get().set_status(st::span_status::cancelled);
    const st::attribute attrs[] = {{"skip", true}, {"n", 3}};
    st::span_options child_opts{"child", "task", scoped.get()};
    child_opts.attributes = attrs;
    child_opts.attribute_count = 2;
    check(child_opts.start_attributes().size() == 2, "span_options::start_attributes");
    child_opts.attributes = {attrs, 1};
    child_opts.attribute_count = 0;
    check(child_opts.start_attributes().size() == 1 && st::span_attributes(attrs).size() == 2 &&
              st::span_attributes{{"a", 1}}.begin() != nullptr && !st::span_attributes().data(),
          "span_attributes");
    child_opts.origin = "auto.test";
    child_opts.force_transaction = false;
    child_opts.source = st::transaction_source::task;
    child_opts.parent = scoped.get().ref();
    st::span manual = st::start_span_manual(child_opts);
    st::span inactive = st::start_inactive_span({"inactive", "task", st::active_span()});
    st::span listed = st::start_inactive_span({"listed", "task", {}, {}, st::transaction_source::task, false,
                                               {{"db.system", "sqlite"}, {"n", 1}}});
    listed.end();
    st::span moved = std::move(manual);
    const st::span_ref r = moved.ref();
    static_cast<void>(r.is_valid() || r.is_recording() || r.is_sampled());
    static_cast<void>(moved.is_active() || moved.is_recording() || moved.is_sampled());
    static_cast<void>(moved.trace().is_zero() && moved.id().is_zero());
    moved.end();
    inactive.end();
    // Explicit timestamps: a span placed after the fact.
    const st::span_time done = st::now();
    st::span_options timed_opts{"timed", "db"};
    timed_opts.start_time = done.minus_ns(2'000'000);
    st::span timed = st::start_inactive_span(timed_opts);
    timed.end(done.plus_ns(0));
    static_cast<void>(timed_opts.start_time.is_set());
    const int suppressed = st::suppress_tracing([] {
      st::start_span({"hidden", "task"}, [](st::span&) {});
      return 8;
    });
    check(suppressed == 8, "suppress_tracing returns the callback's result");
    st::trace_headers of_ref = st::get_trace_headers(scoped.get().ref());
    static_cast<void>(of_ref.sentry_trace.empty());
    // The active span, writable; code run under a given span, none, or a new trace.
    st::borrowed_span active = st::get_active_span();
    active.set_attribute("s", "text");
    active.set_attribute("sv", std::string_view("view"));
    active.set_attribute("i", 1);
    active.set_attribute("u", 2u);
    active.set_attribute("d", 0.5);
    active.set_attribute("b", false);
    active.set_status(st::span_status::aborted);
    active.set_status(st::span_status::aborted, "stopped");
    active.set_attributes({{"k", 1}, {"l", "v"}});
    active.set_http_status(500);
    active.set_name("active");
    active.set_name("/active", st::transaction_source::route);
    active.set_op("op");
    active.set_origin("auto.test");
    static_cast<void>(active.is_valid() || active.is_recording() || active.is_sampled());
    static_cast<void>(active.trace().is_zero() && active.id().is_zero() && active.ref().is_valid());
    const st::span_ref active_ref = active;
    const st::borrowed_span from_ref(active_ref);
    st::span_options under_active{"under active", "task", st::get_active_span()};
    static_cast<void>(under_active);
    const int under = st::with_active_span(from_ref, [] { return 1; });
    const int under_none = st::with_active_span(nullptr, [] { return 2; });
    const int under_empty = st::with_active_span(st::span_ref{}, [] { return 3; });
    const int fresh = st::start_new_trace([] { return 4; });
    check(under == 1 && under_none == 2 && under_empty == 3 && fresh == 4,
          "with_active_span/start_new_trace return the callback's result");
    st::set_measurement("fps", 60.0, "none");
    st::set_measurement("ttfb", 1.5);
    SENTRY_TRACE_SCOPE("macro", counted());
    SENTRY_TRACE_FUNCTION();
  }

  // Distributed tracing.
  carrier in{{"771a43a4192642f0b136d5159a501700-b7ad6b7169203331-1", "sentry-sample_rand=0.5", ""}};
  const int continued = st::continue_trace(in.values[0], in.values[1], [] { return 5; });
  const int continued3 = st::continue_trace(in.values[0], in.values[1], in.values[2], [] { return 6; });
  const int extracted = st::extract(in, [] { return 7; });
  check(continued == 5 && continued3 == 6 && extracted == 7, "continue_trace/extract return the callback's result");
  st::trace_headers h = st::get_trace_headers();
  carrier out{};
  const bool injected = st::inject(out, "https://example.com/");
  const bool injected_any = st::inject(out);
  const bool sent_exception = st::capture_exception("Error", "boom");
  const bool sent_message = st::capture_message("hello", st::level::warning);
  const bool sent_message_default = st::capture_message("hello");
  st::event_options extra;
  extra.set_tag("db", "orders").set_context("order", "id", "A-1").add_fingerprint("{{ default }}");
  const bool sent_with_extra = st::capture_exception("Error", "boom", extra) ||
                               st::capture_message("hello", st::level::info, extra);
#if SENTRY_TRACE_EXCEPTIONS
  const std::runtime_error error("boom");
  const bool sent_std = st::capture_exception(error) || st::capture_exception(error, extra) ||
                        st::capture_exception(error, extra, "app::error") || sent_with_extra;
#else
  const bool sent_std = sent_with_extra;
#endif
  check(extra.tag_count == 1 && extra.context_count == 1 && extra.fingerprint_count == 1 && extra.dropped == 0,
        "event_options keeps what was set");
  static_assert(st::event_options::max_tags == 8 && st::event_options::max_context_values == 8 &&
                    st::event_options::max_fingerprint == 4 && st::transaction_event::max_tags == 8,
                "event capacities");
  const st::event_tag first_tag = extra.tags[0];
  const st::event_context_value first_context = extra.contexts[0];
  check(first_tag.key == "db" && first_context.context == "order" && extra.fingerprint[0] == "{{ default }}",
        "event_options' arrays hold what was set");
  st::error_event seen_event;
  seen_event.extra = extra;
  check(seen_event.exception_type.empty() && seen_event.exception_value.empty(), "an error_event starts empty");
  st::transaction_event seen_transaction;
  check(seen_transaction.tags[0].key.empty(), "a transaction_event starts without tags");
  check(o.before_send.fn != nullptr && o.before_send_transaction.fn != nullptr, "the hooks were set");
  check(seen_transaction.set_tag("k", "v") && seen_transaction.tag_count == 1, "transaction_event::set_tag");
  check(seen_event.lvl == st::level::error, "error_event defaults to level error");
  check(std::string_view(st::to_string(st::discard_reason::before_send)) == "before_send" &&
            std::string_view(st::to_string(st::discard_reason::event_processor)) == "event_processor",
        "to_string(before_send, event_processor)");

  // Value helpers keep their meaning.
  check(st::from_http_status(404) == st::span_status::not_found, "from_http_status");
  check(std::string_view(st::to_string(st::span_status::deadline_exceeded)) == "deadline_exceeded", "to_string(span_status)");
  st::span_status parsed{};
  check(st::parse_span_status("unknown", parsed) && parsed == st::span_status::unknown_error, "parse_span_status");
  check(std::string_view(st::to_string(st::level::fatal)) == "fatal", "to_string(level)");
  check(std::string_view(st::to_string(st::log_level::warning)) == "warning", "to_string(log_level)");
  check(std::string_view(st::to_string(st::transaction_source::route)) == "route", "to_string(transaction_source)");
  check(std::string_view(st::to_string(st::discard_reason::sample_rate)) == "sample_rate", "to_string(discard_reason)");
  check(std::string_view(st::to_string(st::data_category::span)) == "span", "to_string(data_category)");
  check(st::attribute_value(9000000000LL).as_int64() == 9000000000LL, "attribute_value");
  check(st::attribute_value("x").type() == st::attribute_value::kind::string, "attribute_value of a literal");
  check(st::attribute_value("x").as_string() == "x", "attribute_value::as_string");
  check(st::attribute_value(true).as_bool() && st::attribute_value(true).type() == st::attribute_value::kind::boolean,
        "attribute_value of a bool");
  check(st::attribute_value(0.5).as_double() == 0.5 && st::attribute_value(0.5).type() == st::attribute_value::kind::float64,
        "attribute_value of a double");
  check(st::attribute_value(std::int64_t{1}).type() == st::attribute_value::kind::int64, "attribute_value of an int64");
  st::sampling_context sc;
  const st::attribute sc_attrs[] = {{"k", 1}};
  sc.attributes = sc_attrs;
  sc.attribute_count = 1;
  check(sc.find("k") != nullptr && sc.find("other") == nullptr, "sampling_context::find");
  check(sc.inherit_or_sample_with(0.5) == 0.5, "inherit_or_sample_with: no parent, the fallback");
  sc.parent_sample_rate = 0.25;
  check(sc.inherit_or_sample_with(0.5) == 0.25, "inherit_or_sample_with: the parent's rate");
  st::sampling_decision decision;
  check(!decision.sampled && !decision.sample_rate_known && !decision.rate_invalid && !decision.sampler_threw &&
            decision.sample_rate == 0.0,
        "sampling_decision");
  const st::envelope_view ev("bytes", nullptr, true);
  check(ev.bytes() == "bytes" && ev.transaction() == nullptr && ev.is_client_report(), "envelope_view");
  check(ev.with_profile_at(3).profile_offset() == 3 && st::envelope_view::profile_chunk("c").is_profile_chunk(),
        "envelope_view's profile item and chunk");
  // Profiling: every call is a no-op and says nothing was done.
  check(!st::register_profiled_thread("render"), "register_profiled_thread() is false");
  st::unregister_profiled_thread();
  st::start_profiler();
  st::stop_profiler();
  transport.send(ev);
  st::trace_id tid;
  st::span_id sid;
  st::event_id eid;
  char hex[32];
  tid.to_hex(hex);
  sid.to_hex(hex);
  eid.to_hex(hex);
  static_cast<void>(tid.hi + tid.lo + eid.hi + eid.lo);
  static_cast<void>(st::trace_id::parse("771a43a4192642f0b136d5159a501700", tid));
  static_cast<void>(st::span_id::parse("b7ad6b7169203331", sid));
  check(std::string_view(st::version_string).size() > 0 && std::string_view(st::sdk_name).size() > 0, "version");
  static_cast<void>(st::storage_bytes());

  st::frame_tracker_options fo;
  fo.target_frame_ns = 33'333'333;
  st::frame_tracker frames(fo);
  {
    st::scoped_span level({"level", "game.level"});
    frames.begin_frame();
    frames.end_frame();
    frames.record_frame(50'000'000);
    static_cast<void>(frames.total() + frames.slow() + frames.frozen() + frames.delay_ns());
    static_cast<void>(frames.delay_seconds() > 0.0 && frames.thresholds().frozen_frame_ns > 0);
    frames.attach(&level.get());
    frames.attach();
    frames.reset();
  }

  const st::stats s = st::get_stats();
  static_cast<void>(s.attributes_dropped + s.client_reports_sent + s.depth_overflows + s.measurements_dropped + s.timestamps_clamped);
  const bool polled = st::poll(100);
  const bool enabled = st::is_enabled();
  const bool pii = st::should_send_default_pii();
  static_cast<void>(pii);
  const bool flushed = st::flush(100);
  const bool stopped = st::shutdown(100);

#if !SENTRY_TRACE_ENABLED
  // The neutral values of disabled.hpp.
  check(!enabled, "is_enabled() is false");
  check(!pii, "should_send_default_pii() is false");
  check(flushed && stopped && polled, "flush(), shutdown() and poll() return true");
  check(h.sentry_trace.empty() && h.baggage.empty() && h.traceparent.empty(), "trace_headers are empty");
  check(!injected && !injected_any && out.sets == 0, "inject() is false and sets nothing");
  check(in.gets == 0, "extract() does not call get()");
  check(!sent_exception && !sent_message && !sent_message_default && !sent_std, "capture_* return false");
  check(s.discarded_total == 0 && s.envelopes_sent == 0 && s.strings_truncated == 0, "get_stats() is zero");
  check(evaluations == 0, "SENTRY_TRACE_SCOPE does not evaluate its arguments");
  check(st::storage_bytes() == 0, "storage_bytes() is 0");
  check(!st::active_span().is_valid(), "active_span() is empty");
  check(!st::now().is_set(), "now() is not given");
  check(st::span_time{5}.minus_ns(2).ns == 3 && st::span_time{5}.minus_ns(9).ns == 1, "span_time::minus_ns");
  static_assert(noexcept(st::get_trace_headers(st::span_ref{})) && noexcept(st::now()), "noexcept");
  check(!st::get_active_span().is_valid() && !st::get_active_span().ref().is_valid(), "get_active_span() is empty");
  static_assert(std::is_empty_v<st::borrowed_span>, "borrowed_span is an empty type");
  check(std::string_view(hex, 16) == "0000000000000000", "ids write zeros");
  static_assert(std::is_empty_v<st::scoped_span>, "scoped_span is an empty type");
  static_assert(std::is_empty_v<st::span>, "span is an empty type");
  static_assert(std::is_empty_v<st::storage>, "storage is an empty type");
  static_assert(std::is_empty_v<st::frame_tracker>, "frame_tracker is an empty type");
  check(frames.total() == 0, "frame_tracker counts nothing");
  static_assert(noexcept(st::init(o)) && noexcept(st::flush(0)) && noexcept(st::shutdown(0)), "noexcept");
  static_assert(noexcept(st::get_trace_headers()) && noexcept(st::capture_message("")), "noexcept");
  static_assert(!std::is_copy_constructible_v<st::span> && std::is_nothrow_move_constructible_v<st::span>, "move-only");
  static_assert(!std::is_copy_constructible_v<st::trace_headers>, "trace_headers is not copyable");
  std::printf("%s: %d failure(s)\n", failures ? "FAIL" : "ok", failures);
#else
  // Enabled: only compiled (and linked by nobody); the values depend on the tracer.
  static_cast<void>(enabled && flushed && stopped && polled && injected && injected_any && sent_exception &&
                    sent_message && sent_message_default && sent_std && s.discarded_total == 0 && h.baggage.empty());
#endif
  return failures == 0 ? 0 : 1;
}
