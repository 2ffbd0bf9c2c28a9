#include "lib/http/http.h"

#include <curl/curl.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace stowage::http {
namespace {

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;

// curl_global_init is not thread-safe; a function-local static runs it
// exactly once, whichever thread calls Get first. Never cleaned up: other
// threads may still be inside Get at exit.
CURLcode GlobalInit() {
  static const CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT);
  return code;
}

struct Sink {
  std::string* body;
  int64_t max_bytes;
  bool too_large = false;
};

size_t Write(char* data, size_t size, size_t count, void* user) {
  Sink* sink = static_cast<Sink*>(user);
  size_t n = size * count;
  if (static_cast<int64_t>(sink->body->size() + n) > sink->max_bytes) {
    sink->too_large = true;
    return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
  }
  sink->body->append(data, n);
  return n;
}

absl::Status CurlError(CURLcode code, const char* detail, const std::string& what,
                       const Sink& sink) {
  std::string message =
      absl::StrCat(what, ": ", detail[0] != '\0' ? detail : curl_easy_strerror(code));
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return absl::UnavailableError(message);
    case CURLE_OPERATION_TIMEDOUT:
      return absl::DeadlineExceededError(message);
    case CURLE_FILESIZE_EXCEEDED:
      return absl::ResourceExhaustedError(
          absl::StrCat(what, ": larger than ", sink.max_bytes, " bytes"));
    case CURLE_WRITE_ERROR:
      if (sink.too_large) {
        return absl::ResourceExhaustedError(
            absl::StrCat(what, ": larger than ", sink.max_bytes, " bytes"));
      }
      return absl::UnknownError(message);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return absl::InvalidArgumentError(
          absl::StrCat(message, " (only http:// and https:// URLs are fetched)"));
    case CURLE_TOO_MANY_REDIRECTS:
      return absl::FailedPreconditionError(message);
    default:
      return absl::UnknownError(message);
  }
}

absl::Status HttpError(long status, const std::string& what, const char* effective_url,
                       const std::string& url) {
  std::string message = absl::StrCat(what, ": HTTP ", status);
  if (effective_url != nullptr && url != effective_url) {
    absl::StrAppend(&message, " from ", effective_url);
  }
  if (status == 404 || status == 410) return absl::NotFoundError(message);
  if (status == 401 || status == 403) return absl::PermissionDeniedError(message);
  if (status == 429 || (status >= 500 && status <= 599)) {
    return absl::UnavailableError(message);
  }
  return absl::FailedPreconditionError(message);
}

}  // namespace

absl::StatusOr<std::string> Get(const std::string& url, const GetOptions& options) {
  const std::string what = absl::StrCat("GET ", url);
  if (CURLcode init = GlobalInit(); init != CURLE_OK) {
    return absl::InternalError(
        absl::StrCat(what, ": curl_global_init: ", curl_easy_strerror(init)));
  }
  CurlHandle curl(curl_easy_init());
  if (curl == nullptr) return absl::InternalError(absl::StrCat(what, ": curl_easy_init failed"));

  std::string body;
  Sink sink{&body, options.max_bytes};
  char detail[CURL_ERROR_SIZE] = {0};
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, detail);
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, static_cast<long>(options.max_redirects));
  // Timeouts without signals: SIGALRM would be unsafe with several threads.
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(options.timeout)));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(options.connect_timeout)));
  curl_easy_setopt(h, CURLOPT_USERAGENT, options.user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // every encoding libcurl decodes
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_bytes));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, Write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);

  CURLcode code = curl_easy_perform(h);
  if (code != CURLE_OK) return CurlError(code, detail, what, sink);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status > 299) {
    char* effective = nullptr;
    curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &effective);
    return HttpError(status, what, effective, url);
  }
  return body;
}

}  // namespace stowage::http
