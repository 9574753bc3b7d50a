// sentry_trace/integrations/httplib.hpp -- cpp-httplib routes as http.server transactions
//
// WHAT IT DOES  Registers routes on an httplib::Server (cpp-httplib 0.11.4) with Express-style
//               patterns, each request of which is traced as Sentry's SDKs trace a framework
//               route:
//                 namespace hs = sentry_trace::http_server;
//                 hs::get(server, "/orders/:id", [](const httplib::Request& req, httplib::Response& res,
//                                                   const hs::route_params& p) {
//                   res.set_content(std::string(p["id"]), "text/plain");
//                 });
//               (a handler taking only (req, res) is fine too). `:name` matches one path segment
//               ([^/]+) and `*` the rest of the path (.*); every other character is literal (regex
//               characters escaped), so "/orders/:id" becomes the regex "/orders/([^/]+)" that
//               0.11.4's Server::Get takes. route_params gives a parameter's value by name (a view
//               of req.matches) and wildcards by index (p.wildcard(0)).
//               Every request continues the incoming trace (`sentry-trace`, `baggage`,
//               `traceparent` through continue_trace) and runs in an `http.server` transaction
//               (origin `auto.http.httplib`, active while the handler runs, so its spans nest
//               under it) named `GET /orders/:id` with source `route` (never the raw path: one
//               name per route), and the attributes @sentry/node's http server and express
//               instrumentations give it: `http.request.method` and `http.method`, `http.route`
//               (the pattern), `url.path` (the path, no query), `url.scheme`, `server.address`
//               (the Host header's host), `server.port`, `network.protocol.version`,
//               `user_agent.original`; with should_send_default_pii() also `client.address` and
//               `url.query` / `http.query` (the query with its '?'). It ends with the response's
//               status (set_http_status: `http.response.status_code` and the status from it) and
//               `http.response_content_length` (the body set by the handler).
//               A handler that throws (with exceptions on): the transaction gets internal_error
//               and `http.response.status_code` 500, an error event is captured inside it
//               (capture_exception, linked to the transaction), and the exception is rethrown,
//               so cpp-httplib answers 500 as it does for any throwing handler.
// DOES NOT      allocate per request of its own: the route's name, regex and parameter names are
//               made once at registration (the start-up; std::string and std::function, as
//               cpp-httplib's own API takes them); the incoming headers it reads are found in one
//               walk over the request's headers. cpp-httplib itself allocates per
//               request, as it always does. It records no headers, no bodies; requests that match
//               no route (cpp-httplib's 404) get no transaction. `:name?` (optional segments)
//               and regular expressions inside a pattern are not supported: they are literal.
// TCP_NODELAY   Set server.set_tcp_nodelay(true) on the server (it is the server's setting, not
//               this file's to change): without it cpp-httplib sends a response's headers and
//               body as two segments, and the second waits for the client's delayed ACK, 25-40 ms
//               a request on Linux, far more than tracing costs.
// THREADS       cpp-httplib runs handlers on its thread pool; each request's transaction is its
//               handler thread's, as continue_trace's scope is.
// ERRORS        Registration returns the server, as Server::Get does. Compiled out
//               (SENTRY_TRACE_ENABLED=0) the routes still match and give their parameters; only
//               the tracing is gone.
//
// Build: cpp-httplib's Debian package is a shared library built with
// -DCPPHTTPLIB_OPENSSL_SUPPORT -DCPPHTTPLIB_ZLIB_SUPPORT -DCPPHTTPLIB_BROTLI_SUPPORT (its
// cpp-httplib.pc Cflags); compile with the same definitions and link -lcpp-httplib.

#ifndef SENTRY_TRACE_INTEGRATIONS_HTTPLIB_HPP
#define SENTRY_TRACE_INTEGRATIONS_HTTPLIB_HPP

#include "../../sentry_trace.hpp"
#include "redact.hpp"

#include <httplib.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>
#if SENTRY_TRACE_EXCEPTIONS
#  include <exception>
#endif

namespace sentry_trace {
namespace http_server {

/// A route as registered: its method, Express-style pattern, the regex cpp-httplib matches,
/// the names of its `:name` parameters in order (a wildcard's name is empty), and the
/// transaction name "METHOD pattern".
struct route {
  std::string method;
  std::string pattern;
  std::string regex;
  std::vector<std::string> param_names;
  std::string transaction_name;
};

namespace internal {
inline bool is_param_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
inline bool is_regex_special(char c) noexcept {
  return std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos;
}
}  // namespace internal

/// Translates an Express-style pattern into the route cpp-httplib 0.11.4 needs: `:name` ->
/// ([^/]+), `*` -> (.*), anything else literal. A ':' followed by no name is literal.
inline route make_route(std::string_view method, std::string_view pattern) {
  route r;
  r.method = std::string(method);
  r.pattern = std::string(pattern);
  r.transaction_name = r.method + " " + r.pattern;
  for (std::size_t i = 0; i < pattern.size();) {
    char c = pattern[i];
    if (c == ':' && i + 1 < pattern.size() && internal::is_param_char(pattern[i + 1])) {
      std::size_t end = i + 1;
      while (end < pattern.size() && internal::is_param_char(pattern[end])) ++end;
      r.param_names.emplace_back(pattern.substr(i + 1, end - i - 1));
      r.regex += "([^/]+)";
      i = end;
      continue;
    }
    if (c == '*') {
      r.param_names.emplace_back();
      r.regex += "(.*)";
    } else {
      if (internal::is_regex_special(c)) r.regex += '\\';
      r.regex += c;
    }
    ++i;
  }
  return r;
}

/// The values a request gave a route's parameters: views of req.matches, valid while the
/// request is.
class route_params {
 public:
  route_params(const route& r, const httplib::Match& matches) noexcept : route_(&r), matches_(&matches) {}
  /// The value of `:name`; empty when the route has no such parameter.
  std::string_view operator[](std::string_view name) const noexcept {
    for (std::size_t i = 0; i < route_->param_names.size(); ++i)
      if (!route_->param_names[i].empty() && route_->param_names[i] == name) return group(i);
    return {};
  }
  /// The text the `index`th `*` matched (0-based); empty when there is none.
  std::string_view wildcard(std::size_t index) const noexcept {
    for (std::size_t i = 0; i < route_->param_names.size(); ++i)
      if (route_->param_names[i].empty() && index-- == 0) return group(i);
    return {};
  }
  const route& matched_route() const noexcept { return *route_; }

 private:
  std::string_view group(std::size_t i) const noexcept {
    if (i + 1 >= matches_->size()) return {};
    const auto& m = (*matches_)[i + 1];
    if (!m.matched) return {};
    return std::string_view(&*m.first, static_cast<std::size_t>(m.length()));
  }
  const route* route_;
  const httplib::Match* matches_;
};

namespace internal {

/// The request headers a traced request reads, empty when absent.
struct traced_headers {
  std::string_view sentry_trace, baggage, traceparent, user_agent, host;
};

/// The headers a traced request reads, found in one walk over the request's headers, which
/// allocates nothing: five Headers::find() calls cost a tree search each, through cpp-httplib's
/// case-insensitive compare of a tolower() call a byte. A name given twice gives its first value,
/// as find() does.
inline traced_headers find_traced_headers(const httplib::Request& req) noexcept {
  traced_headers found;
  auto take = [](std::string_view& slot, const std::string& name, std::string_view wanted, const std::string& value) {
    if (slot.data() == nullptr && redact::equals_ignore_case(name, wanted)) slot = value;
  };
  for (const auto& [name, value] : req.headers) {
    switch (name.size()) {  // the names' lengths tell them apart, so one compare at most
      case 4: take(found.host, name, "Host", value); break;
      case 7: take(found.baggage, name, "baggage", value); break;
      case 10: take(found.user_agent, name, "User-Agent", value); break;
      case 11: take(found.traceparent, name, "traceparent", value); break;
      case 12: take(found.sentry_trace, name, "sentry-trace", value); break;
      default: break;
    }
  }
  return found;
}

/// The host of a Host header value ("example.com:8080" -> "example.com", "[::1]:80" -> "::1").
inline std::string_view host_of(std::string_view host_header) noexcept {
  redact::url_parts parts;
  parts.host = host_header;
  redact::detail::split_host_port(parts);
  return parts.hostname;
}

/// "HTTP/1.1" -> "1.1".
inline std::string_view protocol_version(std::string_view version) noexcept {
  return version.substr(0, 5) == "HTTP/" ? version.substr(5) : version;
}

/// The status cpp-httplib will answer with: a handler that set none gets 200 (206 for a range).
inline int response_status(const httplib::Request& req, const httplib::Response& res) noexcept {
  if (res.status != -1) return res.status;
  return req.ranges.empty() ? 200 : 206;
}

/// Calls the handler with (req, res, params) or (req, res), whichever it takes.
template <class Handler>
void invoke(Handler& handler, const httplib::Request& req, httplib::Response& res, const route& r) {
  if constexpr (std::is_invocable_v<Handler&, const httplib::Request&, httplib::Response&, const route_params&>) {
    handler(req, res, route_params(r, req.matches));
  } else {
    static_assert(std::is_invocable_v<Handler&, const httplib::Request&, httplib::Response&>,
                  "a route handler takes (const httplib::Request&, httplib::Response&[, const route_params&])");
    handler(req, res);
  }
}

/// Starts the request's transaction, inside the continued trace.
inline span start_transaction(const httplib::Request& req, const route& r, const traced_headers& headers) noexcept {
  const bool pii = should_send_default_pii();
  std::string_view target = req.target;
  std::size_t query_at = target.find('?');
  std::string_view query = query_at == std::string_view::npos ? std::string_view() : target.substr(query_at);
  std::string_view path = target.substr(0, query_at);
  const std::string_view user_agent = headers.user_agent;
  attribute attrs[] = {
      {"http.request.method", std::string_view(req.method)},
      {"http.method", std::string_view(req.method)},
      {"http.route", std::string_view(r.pattern)},
      {"url.path", path},
      {"url.scheme", "http"},
      {"server.address", host_of(headers.host)},
      {"server.port", static_cast<std::int64_t>(req.local_port)},
      {"network.protocol.version", protocol_version(req.version)},
      // Kept (moved down over the ones left out) only when given, or with send_default_pii:
      {"user_agent.original", user_agent},
      {"client.address", std::string_view(req.remote_addr)},
      {"url.query", query},
      {"http.query", query},
  };
  std::size_t n = 8;
  auto keep = [&](std::size_t i, bool wanted) {
    if (wanted) attrs[n++] = attrs[i];
  };
  keep(8, !user_agent.empty());
  keep(9, pii);
  keep(10, pii && !query.empty());
  keep(11, pii && !query.empty());
  span_options o;
  o.name = r.transaction_name;
  o.op = "http.server";
  o.origin = "auto.http.httplib";
  o.source = transaction_source::route;
  o.force_transaction = true;
  o.attributes = span_attributes(attrs, n);
  return start_span_manual(o);
}

/// Ends the transaction with the response cpp-httplib will send.
inline void end_transaction(span& s, const httplib::Request& req, const httplib::Response& res) noexcept {
  s.set_http_status(response_status(req, res));
  if (!res.body.empty()) s.set_attribute("http.response_content_length", static_cast<std::int64_t>(res.body.size()));
  s.end();
}

/// One request of a route: continue the trace, run the handler in the transaction.
template <class Handler>
void traced_request(Handler& handler, const httplib::Request& req, httplib::Response& res, const route& r) {
  const traced_headers headers = find_traced_headers(req);
  continue_trace(headers.sentry_trace, headers.baggage, headers.traceparent, [&] {
    span s = start_transaction(req, r, headers);
#if SENTRY_TRACE_EXCEPTIONS
    try {
      invoke(handler, req, res, r);
    } catch (const std::exception& e) {
      s.set_status(span_status::internal_error);
      s.set_attribute("http.response.status_code", static_cast<std::int64_t>(500));
      capture_exception(e);
      s.end();
      throw;
    } catch (...) {
      s.set_status(span_status::internal_error);
      s.set_attribute("http.response.status_code", static_cast<std::int64_t>(500));
      capture_exception("unknown", "a handler threw something that is not a std::exception");
      s.end();
      throw;
    }
#else
    invoke(handler, req, res, r);
#endif
    end_transaction(s, req, res);
  });
}

/// Registers `r` with `handler` on `server` under r.method.
template <class Handler> httplib::Server& register_route(httplib::Server& server, route r, Handler&& handler) {
  auto shared = std::make_shared<route>(std::move(r));
  httplib::Server::Handler wrapped = [shared, h = std::decay_t<Handler>(std::forward<Handler>(handler))](
                                         const httplib::Request& req, httplib::Response& res) mutable {
    traced_request(h, req, res, *shared);
  };
  const std::string& m = shared->method;
  const std::string& re = shared->regex;
  if (m == "POST") return server.Post(re, std::move(wrapped));
  if (m == "PUT") return server.Put(re, std::move(wrapped));
  if (m == "PATCH") return server.Patch(re, std::move(wrapped));
  if (m == "DELETE") return server.Delete(re, std::move(wrapped));
  if (m == "OPTIONS") return server.Options(re, std::move(wrapped));
  return server.Get(re, std::move(wrapped));
}

}  // namespace internal

/// Registers a traced route for `method` (GET, POST, PUT, PATCH, DELETE or OPTIONS; anything
/// else registers GET) with an Express-style `pattern`. Returns the server.
template <class Handler>
httplib::Server& route_to(httplib::Server& server, std::string_view method, std::string_view pattern, Handler&& handler) {
  return internal::register_route(server, make_route(method, pattern), std::forward<Handler>(handler));
}

template <class Handler> httplib::Server& get(httplib::Server& server, std::string_view pattern, Handler&& handler) {
  return route_to(server, "GET", pattern, std::forward<Handler>(handler));
}
template <class Handler> httplib::Server& post(httplib::Server& server, std::string_view pattern, Handler&& handler) {
  return route_to(server, "POST", pattern, std::forward<Handler>(handler));
}
template <class Handler> httplib::Server& put(httplib::Server& server, std::string_view pattern, Handler&& handler) {
  return route_to(server, "PUT", pattern, std::forward<Handler>(handler));
}
template <class Handler> httplib::Server& patch(httplib::Server& server, std::string_view pattern, Handler&& handler) {
  return route_to(server, "PATCH", pattern, std::forward<Handler>(handler));
}
/// DELETE (`delete` is a keyword).
template <class Handler> httplib::Server& del(httplib::Server& server, std::string_view pattern, Handler&& handler) {
  return route_to(server, "DELETE", pattern, std::forward<Handler>(handler));
}

}  // namespace http_server
}  // namespace sentry_trace

#endif  // SENTRY_TRACE_INTEGRATIONS_HTTPLIB_HPP
