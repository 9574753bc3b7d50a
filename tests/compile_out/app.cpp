// tests/compile_out/app.cpp -- a realistic translation unit, written twice
//
// A request handler (a service continuing its caller's trace and calling a neighbour) and a game
// frame (nested spans, measurements, the instrumentation macros), instrumented the way a user
// would instrument them. Built three ways by check_compile_out.sh:
//   -DSENTRY_TRACE_ENABLED=0   the instrumented program with tracing compiled out;
//   -DAPP_WITHOUT_TRACING      the same program written without the library (the #else
//                              branches: each callback's body runs directly);
//   (default)                  the instrumented program with tracing on, for contrast.
// The first two must produce the same machine code (.text size and symbols) and, linked with
// main.cpp (the server and game loops, as another translation unit), print the same output; the
// first must leave no sentry_trace symbol behind.
//
// Keep the two halves of each #if the same program. Where instrumented code branches on a
// tracing result (an empty header), the branch is part of the instrumentation, so the
// uninstrumented half leaves it out, as a programmer who never used the library would have.

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string_view>

#ifndef APP_WITHOUT_TRACING
#  include <sentry_trace.hpp>
namespace st = sentry_trace;
#endif

// ---- a tiny HTTP world ---------------------------------------------------------------------

struct header {
  std::string_view name;
  std::string_view value;
};

struct request {
  std::string_view method;
  std::string_view path;
  header headers[4];
  int header_count = 0;

  std::string_view get(std::string_view name) const {
    for (int i = 0; i < header_count; ++i)
      if (headers[i].name == name) return headers[i].value;
    return {};
  }
};

struct outgoing {
  header headers[4];
  int header_count = 0;
  void set(std::string_view name, std::string_view value) {
    if (header_count < 4) headers[header_count++] = header{name, value};
  }
};

/// A queue message carrying its producer's trace, read by the consumer as plain fields.
struct job {
  int id;
  std::string_view sentry_trace;
  std::string_view baggage;
};

// Out of line, as a real network call would be.
__attribute__((noinline)) int call_inventory(const outgoing& req, int order_id) {
  std::printf("inventory call with %d header(s) for order %d\n", req.header_count, order_id);
  return order_id % 7 == 0 ? 0 : 3;
}

__attribute__((noinline)) std::uint64_t load_order(int order_id) {
  if (order_id < 0) throw std::invalid_argument("negative order id");
  return static_cast<std::uint64_t>(order_id) * 2654435761u;
}

#ifndef APP_WITHOUT_TRACING

// ---- the instrumented program -------------------------------------------------------------

namespace {

/// A transport over the device's serial line, as an embedded user would write one.
class uart_transport final : public st::transport {
 public:
  void send(st::envelope_view e) override {
    std::fwrite(e.bytes().data(), 1, e.bytes().size(), stderr);
    ++sent_;
  }
  bool flush(std::uint32_t) override { return true; }

 private:
  unsigned sent_ = 0;
};

uart_transport g_uart;

} // namespace

int handle_request(const request& req) {
  // extract() rather than continue_trace(req.get("sentry-trace"), ...): compiled out, extract
  // never calls get(), while arguments written at the call site are still evaluated (and a
  // header search is a loop the compiler may keep; see disabled.hpp).
  return st::extract(req, [&] {
    const st::attribute attrs[] = {{"http.request.method", req.method}, {"url.path", req.path}};
    st::span_options opts{"GET /orders/:id", "http.server"};
    opts.source = st::transaction_source::route;
    opts.attributes = attrs;
    opts.attribute_count = 2;
    return st::start_span(opts, [&](st::span& server) -> int {
      int order_id = 0;
      for (char c : req.path)
        if (c >= '0' && c <= '9') order_id = order_id * 10 + (c - '0');
      server.set_attribute("order.id", order_id);

      std::uint64_t order = 0;
      try {
        order = st::start_span({"load order", "db.query"}, [&](st::span& db) {
          db.set_attributes({{"db.system", "sqlite"}, {"db.operation.name", "SELECT"}});
          return load_order(order_id);
        });
      } catch (const std::exception& e) {
        // The exception itself, not e.what(): compiled out, the overload never calls what(),
        // while an argument written here would still be evaluated (a virtual call stays).
        st::capture_exception(e, "std::invalid_argument");
        server.set_status(st::span_status::invalid_argument, "order id is not a number");
        std::printf("bad request: %s\n", e.what());
        return 400;
      }

      int stock = 0;
      {
        st::scoped_span client({"GET /inventory", "http.client"});
        outgoing out;
        st::trace_headers th = st::get_trace_headers();
        if (!th.sentry_trace.empty()) out.set("sentry-trace", th.sentry_trace);
        if (!th.baggage.empty()) out.set("baggage", th.baggage);
        stock = call_inventory(out, order_id);
        client->set_http_status(stock > 0 ? 200 : 404);
      }
      const int status = stock > 0 ? 200 : 404;
      server.set_http_status(status);
      std::printf("order %d -> %llu, stock %d, status %d\n", order_id, static_cast<unsigned long long>(order), stock,
                  status);
      return status;
    });
  });
}

int process_job(const job& j) {
  return st::continue_trace(j.sentry_trace, j.baggage, [&] {
    return st::start_span({"resize image", "queue.process"}, [&](st::span& s) {
      s.set_attribute("messaging.message.id", j.id);
      outgoing out;
      st::inject(out);
      const int result = call_inventory(out, j.id);
      if (result == 0) s.set_status(st::span_status::not_found);
      return result;
    });
  });
}

float simulate(float dt, int bodies) {
  SENTRY_TRACE_FUNCTION();
  // Deep code: annotates whatever span is active without holding its handle.
  st::get_active_span().set_attribute("physics.bodies", bodies);
  float energy = 0.0f;
  for (int i = 0; i < bodies; ++i) {
    SENTRY_TRACE_SCOPE("physics.body", "integrate");
    energy += dt * static_cast<float>(i);
  }
  return energy;
}

float game_frame(int frame_index, float dt) {
  st::scoped_span frame({"frame", "game.frame"});
  frame->set_attribute("frame.index", frame_index);
  const float energy = st::start_span({"simulate", "game.update"}, [&](st::span&) { return simulate(dt, 4); });
  {
    SENTRY_TRACE_SCOPE("render", "draw scene");
    std::printf("frame %d energy %.2f\n", frame_index, static_cast<double>(energy));
  }
  st::set_measurement("frame_time", static_cast<double>(dt) * 1000.0, "millisecond");
  return energy;
}

bool app_start() {
  st::options o;
  o.dsn = "https://public@o1.ingest.sentry.io/42";
  o.release = "app@1.0.0";
  o.traces_sample_rate = 0.25;
  o.traces_sampler = [](const st::sampling_context& c) { return c.op == "game.frame" ? 0.01 : c.inherit_or_sample_with(1.0); };
  o.transport = &g_uart;
  if (!st::init(o)) std::puts("tracing could not start");
  return true;
}

void app_stop() {
  if (!st::flush(100)) std::puts("flush timed out");
  if (!st::shutdown(2000)) std::puts("some envelopes were not delivered");
}

#else // APP_WITHOUT_TRACING

// ---- the same program, never instrumented -----------------------------------------------------

int handle_request(const request& req) {
  int order_id = 0;
  for (char c : req.path)
    if (c >= '0' && c <= '9') order_id = order_id * 10 + (c - '0');

  std::uint64_t order = 0;
  try {
    order = load_order(order_id);
  } catch (const std::exception& e) {
    std::printf("bad request: %s\n", e.what());
    return 400;
  }

  int stock = 0;
  {
    outgoing out;
    stock = call_inventory(out, order_id);
  }
  const int status = stock > 0 ? 200 : 404;
  std::printf("order %d -> %llu, stock %d, status %d\n", order_id, static_cast<unsigned long long>(order), stock,
              status);
  return status;
}

int process_job(const job& j) {
  outgoing out;
  const int result = call_inventory(out, j.id);
  return result;
}

float simulate(float dt, int bodies) {
  float energy = 0.0f;
  for (int i = 0; i < bodies; ++i) {
    energy += dt * static_cast<float>(i);
  }
  return energy;
}

float game_frame(int frame_index, float dt) {
  const float energy = simulate(dt, 4);
  {
    std::printf("frame %d energy %.2f\n", frame_index, static_cast<double>(energy));
  }
  return energy;
}

bool app_start() { return true; }

void app_stop() {}

#endif // APP_WITHOUT_TRACING
