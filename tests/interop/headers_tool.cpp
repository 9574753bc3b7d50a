// tests/interop/headers_tool.cpp -- prints our trace headers, for tests/interop/python_sdk.py
//
//   headers_tool emit                          a fresh sampled root (the head of a trace)
//   headers_tool continue <sentry-trace> <baggage>
//                                              continues the given headers, starts a span
//
// Prints one `key: value` line each:
//   trace-id, span-id        of the span that was active when the headers were taken
//   sentry-trace, baggage    what get_trace_headers() gave inside that span
//   envelope-header          the first line of the transaction envelope that span sent (JSON,
//                            whose "trace" member is the DSC), or "none"
//   transaction              that envelope's transaction payload (JSON, one line), or "none"
// Exit status 0 on success, 2 on bad usage, 1 when tracing could not start.

#include <sentry_trace.hpp>

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace st = sentry_trace;

namespace {

struct capturing_transport : st::transport {
  std::vector<std::string> sent;
  void send(st::envelope_view e) override {
    if (!e.is_client_report()) sent.emplace_back(e.bytes());
  }
  bool flush(std::uint32_t) override { return true; }
};

std::string hex(st::span_id id) {
  char b[16];
  id.to_hex(b);
  return std::string(b, 16);
}
std::string hex(st::trace_id id) {
  char b[32];
  id.to_hex(b);
  return std::string(b, 32);
}

void print(const char* key, std::string_view value) {
  std::printf("%s: %.*s\n", key, static_cast<int>(value.size()), value.data());
}

void take_headers(st::span& s) {
  print("trace-id", hex(s.trace()));
  print("span-id", hex(s.id()));
  st::trace_headers h = st::get_trace_headers();
  print("sentry-trace", h.sentry_trace);
  print("baggage", h.baggage);
}

int usage() {
  std::fprintf(stderr, "usage: headers_tool emit\n       headers_tool continue <sentry-trace> <baggage>\n");
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string_view mode = argv[1];
  if (!(mode == "emit" && argc == 2) && !(mode == "continue" && argc == 4)) return usage();

  capturing_transport transport;
  st::options o;
  o.dsn = "https://public@o1.ingest.sentry.io/42";
  o.release = "headers-tool@1.0.0";
  o.environment = "interop";
  o.traces_sample_rate = 1.0;
  o.transport = &transport;
  if (!st::init(o)) {
    std::fprintf(stderr, "headers_tool: init failed\n");
    return 1;
  }
  if (mode == "emit") {
    st::start_span({"GET /emit", "http.server"}, [](st::span& s) { take_headers(s); });
  } else {
    st::continue_trace(argv[2], argv[3], [] {
      st::start_span({"GET /continue", "http.server"}, [](st::span& s) { take_headers(s); });
    });
  }
  st::shutdown(0);
  if (transport.sent.empty()) {
    print("envelope-header", "none");
    print("transaction", "none");
  } else {
    // header \n item header \n payload [\n]: every line is one JSON value.
    const std::string_view e = transport.sent.front();
    const std::size_t header_end = e.find('\n');
    const std::size_t item_end = e.find('\n', header_end + 1);
    std::string_view payload = e.substr(item_end + 1);
    payload = payload.substr(0, payload.find('\n'));
    print("envelope-header", e.substr(0, header_end));
    print("transaction", payload);
  }
  return 0;
}
