// The HTTP integrations built the two other ways a program may build them: compiled out
// (SENTRY_TRACE_ENABLED=0, every wrapper the bare library call) and with -fno-exceptions
// -fno-rtti (the tracing kept, the throwing-handler path left out). Registers a route, checks the
// pattern's translation, and makes one transfer of each interface to a closed port: it must
// fail as curl fails, with the handle usable after.

#include "sentry_trace/integrations/curl.hpp"
#include "sentry_trace/integrations/httplib.hpp"

#include <cstdio>
#include <string>

int main() {
  httplib::Server server;
  sentry_trace::http_server::get(server, "/orders/:id", [](const httplib::Request&, httplib::Response& res,
                                                           const sentry_trace::http_server::route_params& p) {
    res.set_content(std::string(p["id"]), "text/plain");
  });
  const sentry_trace::http_server::route r = sentry_trace::http_server::make_route("GET", "/a.b/:id/*");
  if (r.regex != "/a\\.b/([^/]+)/(.*)" || r.transaction_name != "GET /a.b/:id/*" || r.param_names.size() != 2) {
    std::fprintf(stderr, "route translated as %s\n", r.regex.c_str());
    return 1;
  }
  CURL* easy = curl_easy_init();
  curl_easy_setopt(easy, CURLOPT_URL, "http://127.0.0.1:1/");
  CURLcode rc = sentry_trace::curl::perform(easy);
  CURLM* multi = curl_multi_init();
  int tag = 7;
  curl_easy_setopt(easy, CURLOPT_PRIVATE, &tag);
  sentry_trace::curl::multi_add(multi, easy, nullptr);
  int queued = 0;
  sentry_trace::curl::multi_info_read(multi, &queued);
  const bool private_kept = sentry_trace::curl::private_data(easy) == &tag;
  sentry_trace::curl::multi_remove(multi, easy);
  curl_multi_cleanup(multi);
  curl_easy_cleanup(easy);
  return rc == CURLE_COULDNT_CONNECT && private_kept ? 0 : 1;
}
