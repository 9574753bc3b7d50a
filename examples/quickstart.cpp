// quickstart.cpp -- trace a small order flow and look at the result, with no Sentry account.
//
//   ./quickstart [directory]      (default: ./quickstart-envelopes)
//
// Prints the transaction as a waterfall and writes each envelope to a file that
// `sentry-cli send-envelope` accepts. With SENTRY_DSN set, it also sends them to that Sentry
// (or Relay, or local capture server); without it, nothing goes over the network.

// The hosted transports (console_transport, file_transport, http_transport) and the parsers are
// the library's internals: a TU that uses them says so. The definitions still come from the one
// implementation TU (the sentry_trace target's src/sentry_trace.cpp).
#define SENTRY_TRACE_INTERNALS
#include <sentry_trace.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace st = sentry_trace;

// One transport per destination is all the library knows; to get several, forward to each.
// send() runs with the envelope lock held and the bytes are valid only during the call,
// so forwarding synchronously is the simple, correct thing to do (the HTTP transport only
// copies the bytes into its queue).
struct fan_out final : st::transport {
  st::transport* targets[3];
  int count = 0;
  void add(st::transport* t) { targets[count++] = t; }
  void send(st::envelope_view e) override {
    for (int i = 0; i < count; ++i) targets[i]->send(e);
  }
  bool flush(std::uint32_t timeout_ms) override {
    bool all = true;
    for (int i = 0; i < count; ++i) all = targets[i]->flush(timeout_ms) && all;
    return all;
  }
};

// Stand-ins for real work, so the spans have a visible duration.
static void work(std::uint64_t iterations) {
  volatile std::uint64_t sink = 0;
  for (std::uint64_t i = 0; i < iterations; ++i) sink = sink + i;
}

int main(int argc, char** argv) {
  const char* dir = argc > 1 ? argv[1] : "./quickstart-envelopes";

  st::console_transport console;    // waterfall on stdout
  st::file_transport files(dir);    // one .envelope file per envelope
  fan_out both;                     // must outlive shutdown(): the library does not own it
  both.add(&console);
  both.add(&files);

  // With SENTRY_DSN set, send there too, through the library's HTTP transport (worker thread).
  const char* env_dsn = std::getenv("SENTRY_DSN");
  st::http_transport network;
  if (env_dsn && *env_dsn) {
    if (network.configure_for_dsn(env_dsn) && network.start()) both.add(&network);
    else std::fprintf(stderr, "quickstart: cannot send to SENTRY_DSN (malformed, or https without mbedTLS)\n");
  }

  st::options o;                    // every member already holds its documented default
  o.dsn = env_dsn && *env_dsn ? env_dsn : "https://public@o1.ingest.sentry.io/42";  // the DSC's public key
  o.release = "quickstart@1.0.0";
  o.environment = "development";
  o.traces_sample_rate = 1.0;       // keep every transaction: this is a demo
  o.transport = &both;
  if (!st::init(o)) return 1;       // the log hook (stderr) has said why

  // No span is active, so this one becomes the transaction.
  st::start_span({"POST /orders", "http.server"}, [](st::span& order) {
    order.set_attribute("http.request.method", "POST");
    order.set_attribute("order.items", 3);

    // Children nest under the active span by themselves.
    st::start_span({"validate order", "function"}, [](st::span&) { work(200000); });

    st::start_span({"SELECT * FROM stock WHERE sku = ?", "db.query"}, [](st::span& q) {
      q.set_attribute("db.system", "postgresql");  // Sentry's query insights key on db.system
      work(600000);
    });

    // The payment call: 201 on success, 402 when the card is declined. set_http_status()
    // sets both the span status and http.response.status_code, as the JS SDK does.
    st::start_span({"POST https://pay.example.com/charges", "http.client"}, [](st::span& pay) {
      work(900000);
      const bool declined = false;
      pay.set_http_status(declined ? 402 : 201);
    });

    {
      st::scoped_span cache({"order:42", "cache.put"});  // RAII: ends at the closing brace
      cache->set_attribute("cache.hit", false);
      work(100000);
    }

    // A number Sentry charts per transaction (here: how long the payment provider took).
    st::set_measurement("payment.latency", 3.2, "millisecond");
    order.set_http_status(201);
  });  // the root ends here: the envelope is written and handed to `both`

  st::shutdown(2000);  // sends a client report if anything was dropped, then flushes

  std::printf("\nwrote %u envelope file(s) to %s/ (send one with: sentry-cli send-envelope <file>)\n",
              static_cast<unsigned>(files.written()), dir);
  if (both.count == 3) std::printf("sent to SENTRY_DSN as well\n");
  return 0;
}
