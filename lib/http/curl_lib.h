// libcurl, loaded on first use rather than linked (see curl_lib.cc), for
// http.cc and client.cc. Internal to lib/http.

#ifndef STOWAGE_LIB_HTTP_CURL_LIB_H_
#define STOWAGE_LIB_HTTP_CURL_LIB_H_

#include <curl/curl.h>

#include <string>

#include "absl/status/status.h"

namespace stowage::http::internal {

// libcurl's functions this library calls, by their C names without "curl_".
struct Curl {
  CURLcode (*global_init)(long flags);
  CURL* (*easy_init)();
  void (*easy_cleanup)(CURL* handle);
  CURLcode (*easy_setopt)(CURL* handle, CURLoption option, ...);
  CURLcode (*easy_perform)(CURL* handle);
  CURLcode (*easy_getinfo)(CURL* handle, CURLINFO info, ...);
  CURLcode (*easy_pause)(CURL* handle, int bitmask);
  const char* (*easy_strerror)(CURLcode code);
  curl_slist* (*slist_append)(curl_slist* list, const char* text);
  void (*slist_free_all)(curl_slist* list);
  CURLM* (*multi_init)();
  CURLMcode (*multi_add_handle)(CURLM* multi, CURL* handle);
  CURLMcode (*multi_remove_handle)(CURLM* multi, CURL* handle);
  CURLMcode (*multi_perform)(CURLM* multi, int* running);
  CURLMcode (*multi_poll)(CURLM* multi, curl_waitfd* extra, unsigned int n, int timeout_ms,
                          int* numfds);
  CURLMsg* (*multi_info_read)(CURLM* multi, int* queued);
  CURLMcode (*multi_cleanup)(CURLM* multi);
  CURLSH* (*share_init)();
  CURLSHcode (*share_setopt)(CURLSH* share, CURLSHoption option, ...);
  // Why loading failed; "" when every function above is set.
  std::string error;
};

// libcurl, loaded and initialized (curl_global_init) exactly once, whichever
// thread asks first. Never unloaded: other threads may still use it at exit.
const Curl& LoadCurl();

// A share handle for connections, DNS and TLS sessions, safe across
// threads, so that requests to one registry reuse connections; nullptr when
// libcurl could not be loaded.
CURLSH* SharedConnections();

// The status for a failed transfer, "WHAT: DETAIL" (libcurl's error buffer,
// or its text for `code`): Unavailable for no connection, a reset, a TLS
// failure or a transfer cut short; DeadlineExceeded for a timeout;
// InvalidArgument for a bad URL or a scheme other than http(s);
// FailedPrecondition for too many redirects; Unknown otherwise.
inline constexpr char kCurlCodePayload[] = "stowage.dev/curl-code";

// The status carries libcurl's code as payload kCurlCodePayload (decimal).
absl::Status CurlStatus(CURLcode code, const char* detail, const std::string& what);
absl::Status CurlStatusOnly(CURLcode code, const char* detail, const std::string& what);

}  // namespace stowage::http::internal

#endif  // STOWAGE_LIB_HTTP_CURL_LIB_H_
