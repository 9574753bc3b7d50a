// bench_http.cpp -- what the HTTP integrations add to a request: numbers, not pass/fail.
//
//   ./bench_http                      the full table (about half a minute)
//   ./bench_http --loop-only N MODE   only N requests (or wrapper calls) of one mode, for callgrind:
//     valgrind --tool=callgrind ./bench_http --loop-only 2000 client     # and the same with 0:
//                                    (Ir of N - Ir of 0) / N is the instructions per request;
//                                    minus the same for `plain` it is what curl::perform adds
//   MODE  plain              curl_easy_perform, GET of an untraced route (the baseline)
//         client             sentry_trace::curl::perform of the same request, in a sampled trace
//         client-unsampled   the same with traces_sample_rate 0 (the span records nothing)
//         server             curl_easy_perform of a route registered with http_server::get,
//                            a sampled transaction per request (no trace headers are sent:
//                            each request starts a trace)
//         server-unsampled   the same with traces_sample_rate 0
//         own-client[-unsampled]  the client wrapper's own work without the network: begin and
//                            finish of one transfer on a handle that has done a request (the
//                            getinfo calls read its real results), as perform() runs them
//         baggage-parse      st::baggage::parse of own-server's 5-member baggage (no tracing)
//         baggage-write      st::baggage::write_header of it
//         own-server[-unsampled]  the server wrapper's own work: one request object with
//                            sentry-trace and baggage headers through traced_request() and a
//                            handler that does nothing, a transaction each; unsampled, the
//                            headers carry the upstream's decision not to sample (-0), since
//                            a sampled upstream's decision (-1) is followed whatever the rate.
//                            Sampled, the requests come in groups of three with the worker
//                            drained between them (untimed), so that it writes every
//                            transaction, as in a service whose requests are apart
//         <mode>-inline      a sampled mode with its transactions written on the thread that
//                            ends them (elsewhere the handoff's worker writes them, as the
//                            built-in transport has them written)
//
// The server is cpp-httplib on 127.0.0.1 (a port chosen at run time) in this process; the
// client keeps one connection alive. Sampled client spans are timed inside root transactions of
// at most 200 requests each (a transaction holds SENTRY_TRACE_MAX_SPANS children); both ends
// hand their envelopes to st::null_transport, written on the handoff's worker thread unless the
// mode or the row says otherwise. The end-to-end figures are wall time per request
// over batches of the traced and the untraced request interleaved (so that both see the same
// machine), reported as the median batch; their difference is noisy (a loopback request costs
// tens of microseconds and varies by more than the wrapper costs), which is why the wrappers'
// own work is also timed alone (best and median batch) and counted by callgrind.

#include <sentry_trace.hpp>

#include "../../include/sentry_trace/integrations/curl.hpp"
#include "../../include/sentry_trace/integrations/httplib.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace st = sentry_trace;
namespace hs = sentry_trace::http_server;
using bench_clock = std::chrono::steady_clock;

namespace {

st::null_transport g_none;

/// Tracing at `rate`. Finished transactions are written on the handoff's worker thread, as the
/// built-in HTTP transport has them written (serialize_on_worker for a user transport), so the
/// request's thread pays what it pays in a service; `inline_writes` writes them on the thread
/// that ends them (a user transport without serialize_on_worker), for the `-inline` modes.
void start_tracing(double rate, bool inline_writes = false) {
  st::options o;
  o.dsn = "https://public@o1.ingest.sentry.io/42";
  o.release = "bench@1.0.0";
  o.traces_sample_rate = rate;
  o.transport = &g_none;
  o.send_client_reports = false;
  o.serialize_on_worker = !inline_writes;
  if (!st::init(o)) {
    std::fprintf(stderr, "bench_http: init failed\n");
    std::exit(1);
  }
}

/// cpp-httplib on 127.0.0.1 with an untraced and a traced route answering "ok".
class bench_server {
 public:
  bench_server() {
    // Without TCP_NODELAY the response's headers and body go as two segments and the second
    // waits for the client's delayed ACK: tens of milliseconds a request, none of it ours.
    server_.set_tcp_nodelay(true);
    server_.Get("/plain", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
    hs::get(server_, "/traced/:id",
            [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) {
      std::fprintf(stderr, "bench_http: no port\n");
      std::exit(1);
    }
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~bench_server() {
    server_.stop();
    thread_.join();
  }
  std::string url(const char* path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

size_t discard(char*, size_t size, size_t n, void*) { return size * n; }

struct client {
  CURL* h = curl_easy_init();
  client() {
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &discard);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  }
  ~client() { curl_easy_cleanup(h); }
  void url(const std::string& u) { curl_easy_setopt(h, CURLOPT_URL, u.c_str()); }
};

enum class request_kind { plain, client_wrapped, server_traced };

/// `n` requests of one kind, sampled client spans under roots of at most 200 each.
void requests(client& c, const bench_server& s, request_kind kind, std::uint32_t n) {
  c.url(s.url(kind == request_kind::server_traced ? "/traced/7" : "/plain"));
  for (std::uint32_t done = 0; done < n;) {
    std::uint32_t batch = std::min<std::uint32_t>(200, n - done);
    st::scoped_span root({"bench", "bench"});
    for (std::uint32_t i = 0; i < batch; ++i) {
      CURLcode rc = kind == request_kind::client_wrapped ? st::curl::perform(c.h) : curl_easy_perform(c.h);
      if (rc != CURLE_OK) {
        std::fprintf(stderr, "bench_http: request failed: %s\n", curl_easy_strerror(rc));
        std::exit(1);
      }
    }
    done += batch;
  }
}

/// The client wrapper's own work, `n` times, on a handle that has done one request.
[[gnu::noinline]] void own_client(client& c, const bench_server& s, std::uint32_t n) {
  c.url(s.url("/plain"));
  curl_easy_perform(c.h);
  for (std::uint32_t done = 0; done < n;) {
    std::uint32_t batch = std::min<std::uint32_t>(500, n - done);
    st::scoped_span root({"bench", "bench"});
    for (std::uint32_t i = 0; i < batch; ++i) {
      st::curl::internal::transfer t;
      t.begin(c.h, nullptr);
      t.finish(c.h, CURLE_OK);
    }
    done += batch;
  }
}

/// The baggage of a sampled and of an unsampled upstream: five Sentry members, one escape.
constexpr const char* sampled_baggage = "sentry-trace_id=0123456789abcdef0123456789abcdef,sentry-public_key=public,"
                                        "sentry-sample_rate=1,sentry-sampled=true,sentry-release=up%401.0";
constexpr const char* unsampled_baggage = "sentry-trace_id=0123456789abcdef0123456789abcdef,sentry-public_key=public,"
                                          "sentry-sample_rate=0,sentry-sampled=false,sentry-release=up%401.0";

/// A request as cpp-httplib hands it to a route's handler, with trace headers from upstream:
/// sampled there, or (`upstream_sampled` false) not, which this service follows whatever its
/// own traces_sample_rate, as the SDKs do.
struct server_request {
  hs::route r = hs::make_route("GET", "/orders/:id");
  std::regex re{r.regex};
  httplib::Request req;
  explicit server_request(bool upstream_sampled) {
    req.method = "GET";
    req.path = "/orders/7";
    req.target = "/orders/7";
    req.version = "HTTP/1.1";
    req.local_port = 8080;
    req.headers.emplace("Host", "127.0.0.1:8080");
    req.headers.emplace("User-Agent", "bench/1");
    req.headers.emplace("sentry-trace", upstream_sampled ? "0123456789abcdef0123456789abcdef-0123456789abcdef-1"
                                                         : "0123456789abcdef0123456789abcdef-0123456789abcdef-0");
    req.headers.emplace("baggage", upstream_sampled ? sampled_baggage : unsampled_baggage);
    std::regex_match(req.path, req.matches, re);
  }
};

/// The server wrapper's own work, `n` times: continue the trace, a transaction, a status.
[[gnu::noinline]] void own_server(server_request& sr, std::uint32_t n) {
  auto handler = [](const httplib::Request&, httplib::Response& res) { res.status = 200; };
  httplib::Response res;
  for (std::uint32_t i = 0; i < n; ++i) hs::internal::traced_request(handler, sr.req, res, sr.r);
}

/// Requests handled before the worker has written the transactions of the ones before: fewer
/// than half the handoff's queue (SENTRY_TRACE_MAX_TRANSACTIONS, 8), so that none is written on
/// the request's thread and no push finds the queue half full, which wakes the napping worker
/// (a system call of several microseconds), as in a service whose requests are apart by more
/// than the writing takes. A back-to-back loop of requests outruns the worker, which then
/// leaves the writing to the thread that ends the transaction (the -inline figures).
constexpr std::uint32_t requests_between_writes = 3;

/// own_server's `n` requests in groups of requests_between_writes, the worker drained between
/// them (st::flush); returns the time spent in the groups alone, in ns per request. Its name
/// does not match callgrind_http.sh's `*own_server*`: only own_server() itself is counted.
[[gnu::noinline]] double server_requests_paced(server_request& sr, std::uint32_t n) {
  std::int64_t ns = 0;
  for (std::uint32_t done = 0; done < n; done += requests_between_writes) {
    const std::uint32_t group = n - done < requests_between_writes ? n - done : requests_between_writes;
    const auto t0 = bench_clock::now();
    own_server(sr, group);
    const auto t1 = bench_clock::now();
    ns += std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
    st::flush(2000);
  }
  return n ? static_cast<double>(ns) / n : 0.0;
}

/// The baggage alone: `n` parses of the sampled upstream's value into a cleared object, or `n`
/// writes of it as an outgoing value.
[[gnu::noinline]] void baggage_alone(bool write, std::uint32_t n) {
  static st::baggage bag;  // about 9.5 KiB: not on the stack
  static char out[SENTRY_TRACE_MAX_BAGGAGE];
  bag.parse(sampled_baggage);
  std::size_t bytes = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    if (write) {
      bytes += bag.write_header(out, sizeof out);
    } else {
      bag.clear();
      bag.parse(sampled_baggage);
      bytes += bag.sentry_member_count();
    }
  }
  if (bytes == 1) std::puts("");  // keeps the loop's results used
}

// ---- timing ------------------------------------------------------------------------------------

struct figures {
  std::vector<double> per_op_ns;
  double min() const { return *std::min_element(per_op_ns.begin(), per_op_ns.end()); }
  double median() const {
    std::vector<double> v = per_op_ns;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  }
};

template <class Fn> double time_per_op(std::uint32_t n, Fn&& fn) {
  auto t0 = bench_clock::now();
  fn(n);
  auto t1 = bench_clock::now();
  return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()) / n;
}

struct end_to_end {
  figures plain, wrapped;
};

/// Rounds of `batch` untraced and `batch` traced requests, interleaved.
end_to_end interleaved(client& c, const bench_server& s, request_kind traced, int rounds, std::uint32_t batch) {
  end_to_end e;
  requests(c, s, request_kind::plain, 200);  // warm the connection and both paths
  requests(c, s, traced, 200);
  for (int r = 0; r < rounds; ++r) {
    e.plain.per_op_ns.push_back(time_per_op(batch, [&](std::uint32_t n) { requests(c, s, request_kind::plain, n); }));
    e.wrapped.per_op_ns.push_back(time_per_op(batch, [&](std::uint32_t n) { requests(c, s, traced, n); }));
  }
  return e;
}

/// `rounds` results of `ns_per_op()`, after one call that warms the path.
template <class Measure> figures repeated(int rounds, Measure&& ns_per_op) {
  figures f;
  ns_per_op();
  for (int r = 0; r < rounds; ++r) f.per_op_ns.push_back(ns_per_op());
  return f;
}

template <class Fn> figures batches(int rounds, std::uint32_t batch, Fn&& fn) {
  return repeated(rounds, [&] { return time_per_op(batch, fn); });
}

void print_end_to_end(const char* what, const end_to_end& e) {
  std::printf("%-48s %10.0f %10.0f %10.0f\n", what, e.plain.median(), e.wrapped.median(),
              e.wrapped.median() - e.plain.median());
}
void print_own(const char* what, const figures& f) {
  std::printf("%-48s %10.0f %10.0f\n", what, f.min(), f.median());
}

int loop_only(std::uint32_t n, const char* mode) {
  if (std::strcmp(mode, "baggage-parse") == 0 || std::strcmp(mode, "baggage-write") == 0) {
    baggage_alone(mode[8] == 'w', n);
    return 0;
  }
  const bool unsampled = std::strstr(mode, "-unsampled") != nullptr;
  start_tracing(unsampled ? 0.0 : 1.0, std::strstr(mode, "-inline") != nullptr);
  {
    bench_server s;
    client c;
    if (std::strncmp(mode, "plain", 5) == 0) requests(c, s, request_kind::plain, n);
    else if (std::strncmp(mode, "client", 6) == 0) requests(c, s, request_kind::client_wrapped, n);
    else if (std::strncmp(mode, "server", 6) == 0) requests(c, s, request_kind::server_traced, n);
    else if (std::strncmp(mode, "own-client", 10) == 0) own_client(c, s, n);
    else if (std::strncmp(mode, "own-server", 10) == 0) {
      server_request sr(!unsampled);
      if (std::strstr(mode, "-inline") != nullptr || unsampled) own_server(sr, n);
      else server_requests_paced(sr, n);
    } else {
      std::fprintf(stderr, "bench_http: unknown mode %s\n", mode);
      return 2;
    }
  }
  st::shutdown(2000);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  if (argc >= 4 && std::strcmp(argv[1], "--loop-only") == 0) {
    int rc = loop_only(static_cast<std::uint32_t>(std::strtoul(argv[2], nullptr, 10)), argv[3]);
    curl_global_cleanup();
    return rc;
  }
  constexpr int rounds = 21;
  constexpr std::uint32_t batch = 300;
  std::printf("sentry_trace %s bench_http  (libcurl %s, cpp-httplib %s, loopback, one keep-alive connection)\n",
              st::version_string, curl_version_info(CURLVERSION_NOW)->version, CPPHTTPLIB_VERSION);
  std::printf("%-48s %10s %10s %10s\n", "end to end, ns per request (median batch)", "untraced", "traced", "added");
  for (double rate : {1.0, 0.0}) {
    start_tracing(rate);
    {
      bench_server s;
      client c;
      print_end_to_end(rate > 0 ? "curl::perform, sampled" : "curl::perform, unsampled",
                       interleaved(c, s, request_kind::client_wrapped, rounds, batch));
      print_end_to_end(rate > 0 ? "http_server route, sampled" : "http_server route, unsampled",
                       interleaved(c, s, request_kind::server_traced, rounds, batch));
    }
    st::shutdown(2000);
  }
  std::printf("%-48s %10s %10s\n", "the wrappers' own work, ns per request", "best", "median");
  for (double rate : {1.0, 0.0}) {
    start_tracing(rate);
    {
      bench_server s;
      client c;
      print_own(rate > 0 ? "curl::perform's own work, sampled" : "curl::perform's own work, unsampled",
                batches(rounds, 2000, [&](std::uint32_t n) { own_client(c, s, n); }));
      server_request sr(rate > 0);
      if (rate > 0) print_own("route wrapper's own work, sampled", repeated(rounds, [&] { return server_requests_paced(sr, 2000); }));
      else print_own("route wrapper's own work, unsampled", batches(rounds, 2000, [&](std::uint32_t n) { own_server(sr, n); }));
    }
    st::shutdown(2000);
  }
  start_tracing(1.0, true);
  {
    server_request sr(true);
    print_own("route wrapper's own work + writing its transaction",
              batches(rounds, 2000, [&](std::uint32_t n) { own_server(sr, n); }));
  }
  st::shutdown(2000);
  curl_global_cleanup();
  return 0;
}
