// HTTP(S) GET of a small document into memory, through libcurl.
//
//   absl::StatusOr<std::string> body =
//       http::Get("http://127.0.0.1:8080/_catalog/search/n/p.json", {});
//
// Only http:// and https:// URLs are fetched, redirects included (a redirect
// to file:// or any other scheme fails). TLS peers are verified with the
// system's CA certificates. Get may be called from several threads at once:
// each call has its own handle, and libcurl's global state is initialized
// once, on first use. libcurl itself (libcurl.so.4) is loaded on that first
// use too, not at program start (see http.cc).

#ifndef STOWAGE_LIB_HTTP_HTTP_H_
#define STOWAGE_LIB_HTTP_HTTP_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace stowage::http {

struct GetOptions {
  // The whole request, redirects and body included.
  absl::Duration timeout = absl::Seconds(30);
  // Connecting (DNS, TCP, TLS), within `timeout`.
  absl::Duration connect_timeout = absl::Seconds(10);
  // The body, after any Content-Encoding is decoded; larger is an error.
  int64_t max_bytes = 64 << 20;
  int max_redirects = 10;
  std::string user_agent = "stowage";
};

// The body of a 2xx answer to GET `url` (after following redirects).
// Every error message starts with "GET <url>: ". Codes:
//   NotFound           404 or 410
//   PermissionDenied   401 or 403
//   Unavailable        no connection (refused, host unknown, reset, TLS
//                      handshake), or a 429 or 5xx answer
//   DeadlineExceeded   options.timeout or connect_timeout passed
//   ResourceExhausted  the body is larger than options.max_bytes
//   InvalidArgument    a malformed URL, or a scheme other than http(s)
//   FailedPrecondition too many redirects, or another status (1xx, 3xx
//                      without Location, other 4xx), which the message
//                      names; or libcurl.so.4 cannot be loaded
//   Unknown            anything else libcurl reports (its message follows)
absl::StatusOr<std::string> Get(const std::string& url, const GetOptions& options);

}  // namespace stowage::http

#endif  // STOWAGE_LIB_HTTP_HTTP_H_
