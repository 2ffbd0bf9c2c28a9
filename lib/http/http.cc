#include "lib/http/http.h"

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/http/curl_lib.h"

namespace stowage::http {
namespace {

using internal::Curl;
using internal::LoadCurl;

struct CurlDeleter {
  void operator()(CURL* handle) const { LoadCurl().easy_cleanup(handle); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;

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
  if (code == CURLE_FILESIZE_EXCEEDED || (code == CURLE_WRITE_ERROR && sink.too_large)) {
    return absl::ResourceExhaustedError(
        absl::StrCat(what, ": larger than ", sink.max_bytes, " bytes"));
  }
  return internal::CurlStatus(code, detail, what);
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
  const Curl& lib = LoadCurl();
  if (!lib.error.empty()) return absl::FailedPreconditionError(absl::StrCat(what, ": ", lib.error));
  CurlHandle curl(lib.easy_init());
  if (curl == nullptr) return absl::InternalError(absl::StrCat(what, ": curl_easy_init failed"));

  std::string body;
  Sink sink{&body, options.max_bytes};
  char detail[CURL_ERROR_SIZE] = {0};
  CURL* h = curl.get();
  lib.easy_setopt(h, CURLOPT_ERRORBUFFER, detail);
  lib.easy_setopt(h, CURLOPT_URL, url.c_str());
  lib.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  lib.easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  lib.easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  lib.easy_setopt(h, CURLOPT_MAXREDIRS, static_cast<long>(options.max_redirects));
  // Timeouts without signals: SIGALRM would be unsafe with several threads.
  lib.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  lib.easy_setopt(h, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(options.timeout)));
  lib.easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(options.connect_timeout)));
  lib.easy_setopt(h, CURLOPT_USERAGENT, options.user_agent.c_str());
  lib.easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // every encoding libcurl decodes
  lib.easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_bytes));
  lib.easy_setopt(h, CURLOPT_WRITEFUNCTION, Write);
  lib.easy_setopt(h, CURLOPT_WRITEDATA, &sink);

  CURLcode code = lib.easy_perform(h);
  if (code != CURLE_OK) return CurlError(code, detail, what, sink);
  long status = 0;
  lib.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status > 299) {
    char* effective = nullptr;
    lib.easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &effective);
    return HttpError(status, what, effective, url);
  }
  return body;
}

}  // namespace stowage::http
