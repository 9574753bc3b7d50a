// sentry_trace/integrations/curl.hpp -- libcurl requests as http.client spans, with trace headers
//
// WHAT IT DOES  sentry_trace::curl::perform(easy, headers) replaces curl_easy_perform(easy):
//                 - under this thread's active span, an `http.client` span (origin
//                   `auto.http.curl`) named `METHOD scheme://host/path` (integrations/redact.hpp:
//                   user-info `[Filtered]`, never the query or fragment), named when the transfer
//                   ends, because only then does curl tell the method (CURLINFO_EFFECTIVE_METHOD);
//                   with no active span there is no span, and the headers still go out, as
//                   @sentry/core's fetch instrumentation creates client spans only under a parent;
//                 - when the URL matches options.trace_propagation_targets: `sentry-trace`,
//                   `baggage` (and `traceparent` with options.propagate_traceparent) on a copy of
//                   the caller's header list, for this transfer only; a `baggage` header already
//                   in the list is merged into one (its sentry-* entries replaced by this trace's,
//                   its other entries kept); a list that already has `sentry-trace` is sent as it
//                   is (the caller propagates itself);
//                 - from curl_easy_getinfo when it ends: `http.request.method` and `http.method`,
//                   `url.full` (scheme://host/path; with should_send_default_pii() also ?query and
//                   #fragment, which then go into `http.query` / `http.fragment` too),
//                   `server.address`, `server.port` (the URL's, else the scheme's, else the
//                   connected port), `network.peer.address` / `network.peer.port`,
//                   `http.response.status_code` and the status from it (set_http_status),
//                   `http.response_content_length` (Content-Length, else the body bytes received),
//                   `http.request.body.size` when a body was sent. A failed transfer has the status
//                   of its CURLcode: CURLE_OPERATION_TIMEDOUT deadline_exceeded; couldn't connect,
//                   resolve the host or the proxy unavailable; anything else internal_error, with
//                   curl_easy_strerror()'s text as the status message (`sentry.status.message`).
//               The multi interface, for event loops: multi_add(multi, easy, headers) in place of
//               curl_multi_add_handle starts the span and sets the headers; multi_info_read(multi,
//               &queued) in place of curl_multi_info_read (or multi_done(msg) on each message read)
//               ends it on CURLMSG_DONE; multi_remove(multi, easy) in place of
//               curl_multi_remove_handle ends a transfer given up before it was done (status
//               cancelled).
// THE HANDLE    Left as it was: CURLOPT_HTTPHEADER is set to the copy for the transfer and back to
//               `headers` when it ends. curl has no getter for CURLOPT_HTTPHEADER (nor for
//               CURLOPT_URL), so `headers` must be the list the caller set with CURLOPT_HTTPHEADER
//               (nullptr: none); passing another list would leave that one on the handle.
//               The URL is read before the transfer with CURLINFO_EFFECTIVE_URL, which is the
//               CURLOPT_URL string until a transfer runs; after a redirect followed by an earlier
//               transfer on the same handle (and without setting CURLOPT_URL again) it is that
//               redirect's target. A URL given without a scheme is named from the URL curl used.
//               A URL set only through CURLOPT_CURLU is not known before the transfer: no headers
//               go out for it.
//               Multi: CURLOPT_PRIVATE holds the transfer's record while it is in flight; the
//               caller's own value is kept in the record and put back when the transfer ends (so
//               CURLINFO_PRIVATE gives the caller's value again on the message multi_info_read
//               returns, and after multi_done). While in flight, private_data(easy) gives it;
//               setting CURLOPT_PRIVATE on an in-flight handle is not supported.
// DOES NOT      allocate: the header list curl is given is built from curl_slist nodes and line
//               buffers of this file (on perform's stack, about 3.5 KiB; in the record for the
//               multi interface), linking to the caller's own nodes, never copying them with
//               curl_slist_append (which would allocate; curl's own allocations inside the
//               transfer are curl's). The nodes before the caller's `baggage` header are copied
//               (at most 32; a `baggage` header deeper in the list, or a merged value over
//               SENTRY_TRACE_CURL_BAGGAGE_BYTES, leaves the caller's baggage as it was and adds
//               none). The multi interface keeps at most SENTRY_TRACE_CURL_MAX_TRANSFERS (32)
//               traced transfers in flight at once, in a fixed pool (about 3.5 KiB each, static
//               storage); more are added untraced and counted (untraced_transfers()).
//               It records no request or response headers, and no bodies.
// THREADS       perform() is as thread-safe as curl_easy_perform (one handle per thread at a time).
//               The pool is shared by every thread (records are claimed with an atomic exchange);
//               a multi handle's calls are made by one thread at a time, as curl requires.
// ERRORS        The wrappers return what curl returns; tracing never changes a transfer's result.
//               Compiled out (SENTRY_TRACE_ENABLED=0) every wrapper is the bare curl call.

#ifndef SENTRY_TRACE_INTEGRATIONS_CURL_HPP
#define SENTRY_TRACE_INTEGRATIONS_CURL_HPP

#include "../../sentry_trace.hpp"
#include "redact.hpp"

#include <curl/curl.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#ifndef SENTRY_TRACE_CURL_MAX_TRANSFERS
#  define SENTRY_TRACE_CURL_MAX_TRANSFERS 32
#endif
#ifndef SENTRY_TRACE_CURL_BAGGAGE_BYTES
#  define SENTRY_TRACE_CURL_BAGGAGE_BYTES 2048
#endif

namespace sentry_trace {
namespace curl {

#if SENTRY_TRACE_ENABLED

namespace internal {

/// Nodes of the caller's list copied at most, to put a merged `baggage` header in its place.
inline constexpr std::size_t max_copied_nodes = 32;
/// The URL kept for naming the span when the transfer ends (names are cut at this size anyway).
inline constexpr std::size_t url_bytes = SENTRY_TRACE_MAX_STRING;

/// Writes a NUL-terminated line into a fixed buffer; overflowed() when it did not fit.
class line_writer {
 public:
  line_writer(char* out, std::size_t capacity) noexcept : out_(out), capacity_(capacity) {}
  void append(std::string_view s) noexcept {
    if (s.size() >= capacity_ - size_) {  // keeps a byte for the NUL, and no size + 1 to wrap
      overflowed_ = true;
      return;
    }
    if (!s.empty()) std::memcpy(out_ + size_, s.data(), s.size());
    size_ += s.size();
  }
  /// Terminates the line; returns it, or nullptr when something did not fit.
  char* finish() noexcept {
    out_[size_] = '\0';
    return overflowed_ ? nullptr : out_;
  }

 private:
  char* out_;
  std::size_t capacity_;
  std::size_t size_ = 0;
  bool overflowed_ = false;
};

/// The name of a header line "Name: value" (also "Name;" and "Name:", curl's empty and removed
/// headers), and its value with the surrounding blanks trimmed.
inline std::string_view header_name(std::string_view line) noexcept {
  std::size_t end = line.find_first_of(":;");
  return line.substr(0, end == std::string_view::npos ? line.size() : end);
}
inline std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
inline std::string_view header_value(std::string_view line) noexcept {
  std::size_t colon = line.find(':');
  return colon == std::string_view::npos ? std::string_view() : trim(line.substr(colon + 1));
}

/// Appends the caller's baggage entries except Sentry's (as @sentry/core's
/// stripBaggageHeaderOfSentryBaggageValues), comma-separated; returns whether any was written.
inline bool append_foreign_baggage(line_writer& out, std::string_view value) noexcept {
  bool wrote = false;
  while (!value.empty()) {
    std::size_t comma = value.find(',');
    std::string_view entry = trim(value.substr(0, comma));
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    if (entry.empty() || entry.substr(0, 7) == "sentry-") continue;
    if (wrote) out.append(",");
    out.append(entry);
    wrote = true;
  }
  return wrote;
}

/// What the caller's list already holds of the trace headers.
struct caller_list_scan {
  bool has_sentry_trace = false;
  bool has_traceparent = false;
  curl_slist* baggage = nullptr;       ///< the first `baggage` node
  std::size_t nodes_before_baggage = 0;
};

inline caller_list_scan scan_caller_list(curl_slist* list) noexcept {
  caller_list_scan scan;
  std::size_t index = 0;
  for (curl_slist* n = list; n; n = n->next, ++index) {
    if (!n->data) continue;
    std::string_view name = header_name(n->data);
    if (redact::equals_ignore_case(name, "sentry-trace")) scan.has_sentry_trace = true;
    else if (redact::equals_ignore_case(name, "traceparent")) scan.has_traceparent = true;
    else if (!scan.baggage && redact::equals_ignore_case(name, "baggage")) {
      scan.baggage = n;
      scan.nodes_before_baggage = index;
    }
  }
  return scan;
}

/// The header list curl is given for one transfer: this trace's header lines, then the caller's
/// list (its nodes before a merged `baggage` copied, the rest linked as they are). Its buffers
/// are left unwritten until build() writes what it uses.
class header_list {
 public:
  /// The list to send, or `caller` itself when nothing is added.
  curl_slist* build(curl_slist* caller, const trace_headers& h) noexcept {
    caller_list_scan scan = scan_caller_list(caller);
    if (scan.has_sentry_trace || h.sentry_trace.empty()) return caller;
    used_ = 0;
    add_line(sentry_trace_line_, sizeof sentry_trace_line_, "sentry-trace: ", h.sentry_trace);
    if (!h.traceparent.empty() && !scan.has_traceparent)
      add_line(traceparent_line_, sizeof traceparent_line_, "traceparent: ", h.traceparent);
    if (used_ == 0) return caller;
    if (!h.baggage.empty() && !scan.baggage) add_line(baggage_line_, sizeof baggage_line_, "baggage: ", h.baggage);
    if (!h.baggage.empty() && scan.baggage && scan.nodes_before_baggage <= max_copied_nodes) {
      if (char* merged = merged_baggage(scan.baggage->data, h.baggage)) {
        for (curl_slist* n = caller; n != scan.baggage; n = n->next) push(n->data);
        push(merged);
        nodes_[used_ - 1].next = scan.baggage->next;
        return &nodes_[0];
      }
    }
    nodes_[used_ - 1].next = caller;
    return &nodes_[0];
  }

 private:
  void add_line(char* buffer, std::size_t capacity, std::string_view name, std::string_view value) noexcept {
    line_writer w(buffer, capacity);
    w.append(name);
    w.append(value);
    if (char* line = w.finish()) push(line);  // sentry-trace and traceparent fit by size; a baggage may not
  }
  /// Appends a node, linked after the previous one.
  void push(char* line) noexcept {
    nodes_[used_].data = line;
    nodes_[used_].next = nullptr;
    if (used_ > 0) nodes_[used_ - 1].next = &nodes_[used_];
    ++used_;
  }
  /// "baggage: <caller's entries but Sentry's>,<ours>", or nullptr when it does not fit.
  char* merged_baggage(const char* caller_line, std::string_view ours) noexcept {
    line_writer w(baggage_line_, sizeof baggage_line_);
    w.append("baggage: ");
    if (append_foreign_baggage(w, header_value(caller_line))) w.append(",");
    w.append(ours);
    return w.finish();
  }

  static constexpr std::size_t own_lines = 3;
  curl_slist nodes_[own_lines + max_copied_nodes + 1];
  std::size_t used_ = 0;
  char sentry_trace_line_[sizeof("sentry-trace: ") + 51];
  char traceparent_line_[sizeof("traceparent: ") + 55];
  char baggage_line_[SENTRY_TRACE_CURL_BAGGAGE_BYTES];
};

/// The span status for a failed transfer.
inline span_status status_for(CURLcode rc) noexcept {
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT: return span_status::deadline_exceeded;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return span_status::unavailable;
    default: return span_status::internal_error;
  }
}

inline std::string_view info_text(CURL* easy, CURLINFO what) noexcept {
  char* text = nullptr;
  if (curl_easy_getinfo(easy, what, &text) != CURLE_OK || !text) return {};
  return text;
}
inline long info_long(CURL* easy, CURLINFO what) noexcept {
  long value = 0;
  return curl_easy_getinfo(easy, what, &value) == CURLE_OK ? value : 0;
}
inline curl_off_t info_size(CURL* easy, CURLINFO what) noexcept {
  curl_off_t value = -1;
  return curl_easy_getinfo(easy, what, &value) == CURLE_OK ? value : -1;
}

/// The port a URL names, else its scheme's, else `connected` (0 when unknown).
inline std::int64_t server_port(const redact::url_parts& url, long connected) noexcept {
  if (!url.port.empty()) {
    std::int64_t port = 0;
    for (char c : url.port) {
      if (c < '0' || c > '9' || port > 65535) return connected;
      port = port * 10 + (c - '0');
    }
    return port;
  }
  if (redact::equals_ignore_case(url.scheme, "http")) return 80;
  if (redact::equals_ignore_case(url.scheme, "https")) return 443;
  return connected;
}

/// Whether a URL as set names its scheme ("http://..."), so that it can name the span.
inline bool has_scheme(std::string_view url) noexcept {
  std::size_t sep = url.find("://");
  return sep != std::string_view::npos && sep > 0 && url.find_first_of("/?#") > sep;
}

/// Names the span and writes what curl_easy_getinfo tells of the ended transfer.
inline void record_transfer(span& s, CURL* easy, CURLcode rc, std::string_view url_as_set) noexcept {
  std::string_view url = has_scheme(url_as_set) ? url_as_set : info_text(easy, CURLINFO_EFFECTIVE_URL);
  redact::url_parts parts = redact::split_url(url);
#if LIBCURL_VERSION_NUM >= 0x074800  // CURLINFO_EFFECTIVE_METHOD: 7.72
  std::string_view method = info_text(easy, CURLINFO_EFFECTIVE_METHOD);
#else
  std::string_view method;
#endif
  if (method.empty()) method = "GET";

  redact::text_buffer<url_bytes> name;
  redact::append_span_name(name, method, parts);
  s.set_name(name.view());

  const bool pii = should_send_default_pii();
  redact::text_buffer<url_bytes> full;
  if (pii) redact::append_full_url(full, parts);
  else redact::append_sanitized_url(full, parts);

  const long code = info_long(easy, CURLINFO_RESPONSE_CODE);
  const long peer_port = info_long(easy, CURLINFO_PRIMARY_PORT);
  const curl_off_t content_length = info_size(easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T);
  const curl_off_t received = info_size(easy, CURLINFO_SIZE_DOWNLOAD_T);
  const curl_off_t sent = info_size(easy, CURLINFO_SIZE_UPLOAD_T);
  s.set_attributes({{"http.request.method", method},
                    {"http.method", method},
                    {"url.full", full.view()},
                    {"server.address", parts.hostname},
                    {"server.port", server_port(parts, peer_port)}});
  if (std::string_view peer = info_text(easy, CURLINFO_PRIMARY_IP); !peer.empty())
    s.set_attributes({{"network.peer.address", peer}, {"network.peer.port", static_cast<std::int64_t>(peer_port)}});
  if (content_length >= 0 || received > 0)
    s.set_attribute("http.response_content_length",
                    static_cast<std::int64_t>(content_length >= 0 ? content_length : received));
  if (sent > 0) s.set_attribute("http.request.body.size", static_cast<std::int64_t>(sent));
  if (pii && !parts.query.empty()) s.set_attribute("http.query", parts.query);
  if (pii && !parts.fragment.empty()) s.set_attribute("http.fragment", parts.fragment);

  if (rc != CURLE_OK) {
    if (code > 0) s.set_attribute("http.response.status_code", static_cast<std::int64_t>(code));
    s.set_status(status_for(rc), curl_easy_strerror(rc));
  } else if (code > 0) {
    s.set_http_status(static_cast<int>(code));
  }
}

/// One traced transfer, from its start to its end: the span, the header list curl is given and
/// the URL as set (kept only for a recording span).
struct transfer {
  span s;
  curl_slist* caller_headers = nullptr;
  bool headers_replaced = false;
  redact::text_buffer<url_bytes> url;
  header_list headers;

  /// Starts the span and sets the trace headers on `easy`; returns whether there is anything
  /// to finish (a span, or headers to put back).
  bool begin(CURL* easy, curl_slist* caller) noexcept {
    caller_headers = caller;
    headers_replaced = false;
    url.clear();
    std::string_view url_as_set = info_text(easy, CURLINFO_EFFECTIVE_URL);
    span_ref parent = active_span();
    if (parent.is_valid()) {
      span_options o;
      o.name = "http.client";
      o.op = "http.client";
      o.parent = parent;
      o.origin = "auto.http.curl";
      s = start_inactive_span(o);
      if (s.is_recording()) url.append(url_as_set);
    }
    if (!url_as_set.empty() && ::sentry_trace::detail::propagates_to(url_as_set)) {
      trace_headers h = s.is_active() ? get_trace_headers(span_ref(s)) : get_trace_headers();
      curl_slist* list = headers.build(caller, h);
      if (list != caller) {
        curl_easy_setopt(easy, CURLOPT_HTTPHEADER, list);
        headers_replaced = true;
      }
    }
    return s.is_active() || headers_replaced;
  }

  /// Puts the caller's header list back and ends the span with what the transfer gave.
  void finish(CURL* easy, CURLcode rc) noexcept {
    if (headers_replaced) curl_easy_setopt(easy, CURLOPT_HTTPHEADER, caller_headers);
    headers_replaced = false;
    if (s.is_recording()) record_transfer(s, easy, rc, url.view());
    s.end();
  }
};

/// A transfer in flight on a multi handle: a record of the fixed pool.
struct in_flight {
  std::atomic<bool> claimed{false};
  CURL* easy = nullptr;
  char* caller_private = nullptr;
  transfer t;
};

inline in_flight g_in_flight[SENTRY_TRACE_CURL_MAX_TRANSFERS];
inline std::atomic<std::uint64_t> g_untraced_transfers{0};

inline in_flight* claim() noexcept {
  for (in_flight& r : g_in_flight)
    if (!r.claimed.load(std::memory_order_relaxed) && !r.claimed.exchange(true, std::memory_order_acquire)) return &r;
  return nullptr;
}
inline void release(in_flight& r) noexcept {
  r.easy = nullptr;
  r.caller_private = nullptr;
  r.claimed.store(false, std::memory_order_release);
}

/// The pool record that `easy`'s CURLOPT_PRIVATE points at, if it is one of ours for `easy`.
inline in_flight* record_of(CURL* easy) noexcept {
  char* p = nullptr;
  if (!easy || curl_easy_getinfo(easy, CURLINFO_PRIVATE, &p) != CURLE_OK || !p) return nullptr;
  for (in_flight& r : g_in_flight)
    if (reinterpret_cast<char*>(&r) == p) return r.easy == easy ? &r : nullptr;
  return nullptr;
}

/// Ends a pool record's transfer and hands the handle back as the caller left it.
inline void finish_in_flight(in_flight& r, CURLcode rc) noexcept {
  curl_easy_setopt(r.easy, CURLOPT_PRIVATE, r.caller_private);
  r.t.finish(r.easy, rc);
  release(r);
}

/// Ends a transfer that curl never finished (not added, or removed before done) with `status`.
inline void abandon_in_flight(in_flight& r, span_status status, const char* message) noexcept {
  if (message) r.t.s.set_status(status, message);
  else r.t.s.set_status(status);
  curl_easy_setopt(r.easy, CURLOPT_PRIVATE, r.caller_private);
  if (r.t.headers_replaced) curl_easy_setopt(r.easy, CURLOPT_HTTPHEADER, r.t.caller_headers);
  r.t.headers_replaced = false;
  r.t.s.end();
  release(r);
}

}  // namespace internal

/// curl_easy_perform(easy) in an http.client span, with the trace headers (see the top of this
/// file). `headers`: the list set on `easy` with CURLOPT_HTTPHEADER (nullptr: none).
inline CURLcode perform(CURL* easy, curl_slist* headers = nullptr) noexcept {
  internal::transfer t;
  if (!t.begin(easy, headers)) return curl_easy_perform(easy);
  CURLcode rc = curl_easy_perform(easy);
  t.finish(easy, rc);
  return rc;
}

/// curl_multi_add_handle(multi, easy), starting the transfer's span and setting its trace
/// headers; `headers` as for perform(). The span is ended by multi_info_read / multi_done on
/// its CURLMSG_DONE message, or by multi_remove.
inline CURLMcode multi_add(CURLM* multi, CURL* easy, curl_slist* headers = nullptr) noexcept {
  internal::in_flight* r = internal::claim();
  if (!r) {
    internal::g_untraced_transfers.fetch_add(1, std::memory_order_relaxed);
    return curl_multi_add_handle(multi, easy);
  }
  if (!r->t.begin(easy, headers)) {
    internal::release(*r);
    return curl_multi_add_handle(multi, easy);
  }
  r->easy = easy;
  curl_easy_getinfo(easy, CURLINFO_PRIVATE, &r->caller_private);
  curl_easy_setopt(easy, CURLOPT_PRIVATE, reinterpret_cast<char*>(r));
  CURLMcode rc = curl_multi_add_handle(multi, easy);
  if (rc != CURLM_OK) internal::abandon_in_flight(*r, span_status::internal_error, curl_multi_strerror(rc));
  return rc;
}

/// Ends the span of the transfer a CURLMSG_DONE message reports, and puts the handle's
/// CURLOPT_HTTPHEADER and CURLOPT_PRIVATE back. Other messages, and transfers not added with
/// multi_add, are left alone; a second call for the same message does nothing.
inline void multi_done(const CURLMsg* msg) noexcept {
  if (!msg || msg->msg != CURLMSG_DONE) return;
  if (internal::in_flight* r = internal::record_of(msg->easy_handle)) internal::finish_in_flight(*r, msg->data.result);
}

/// curl_multi_info_read(multi, queued), with multi_done() applied to the message it returns.
inline CURLMsg* multi_info_read(CURLM* multi, int* queued) noexcept {
  CURLMsg* msg = curl_multi_info_read(multi, queued);
  multi_done(msg);
  return msg;
}

/// curl_multi_remove_handle(multi, easy); a transfer still in flight ends as cancelled.
inline CURLMcode multi_remove(CURLM* multi, CURL* easy) noexcept {
  if (internal::in_flight* r = internal::record_of(easy)) internal::abandon_in_flight(*r, span_status::cancelled, nullptr);
  return curl_multi_remove_handle(multi, easy);
}

/// The caller's CURLOPT_PRIVATE of `easy`, also while multi_add's record holds the option.
inline void* private_data(CURL* easy) noexcept {
  if (internal::in_flight* r = internal::record_of(easy)) return r->caller_private;
  char* p = nullptr;
  curl_easy_getinfo(easy, CURLINFO_PRIVATE, &p);
  return p;
}

/// Transfers multi_add added untraced because every pool record was in flight.
inline std::uint64_t untraced_transfers() noexcept {
  return internal::g_untraced_transfers.load(std::memory_order_relaxed);
}

#else  // SENTRY_TRACE_ENABLED == 0: the bare curl calls

inline CURLcode perform(CURL* easy, curl_slist* = nullptr) noexcept { return curl_easy_perform(easy); }
inline CURLMcode multi_add(CURLM* multi, CURL* easy, curl_slist* = nullptr) noexcept {
  return curl_multi_add_handle(multi, easy);
}
inline void multi_done(const CURLMsg*) noexcept {}
inline CURLMsg* multi_info_read(CURLM* multi, int* queued) noexcept { return curl_multi_info_read(multi, queued); }
inline CURLMcode multi_remove(CURLM* multi, CURL* easy) noexcept { return curl_multi_remove_handle(multi, easy); }
inline void* private_data(CURL* easy) noexcept {
  char* p = nullptr;
  curl_easy_getinfo(easy, CURLINFO_PRIVATE, &p);
  return p;
}
inline std::uint64_t untraced_transfers() noexcept { return 0; }

#endif  // SENTRY_TRACE_ENABLED

}  // namespace curl
}  // namespace sentry_trace

#endif  // SENTRY_TRACE_INTEGRATIONS_CURL_HPP
