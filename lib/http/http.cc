#include "lib/http/http.h"

#include <curl/curl.h>
#include <dlfcn.h>

#include <memory>
#include <string>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace stowage::http {
namespace {

// libcurl, loaded on first use rather than linked: its two dozen
// dependencies (TLS, Kerberos, LDAP, IDN, ...) would cost every stowage
// command about 35 ms of dynamic loading, and only `stowage search --site
// URL` fetches anything. The headers still come from Debian's
// libcurl4-openssl-dev, so the types and constants are libcurl's own; the
// ABI of libcurl.so.4 is stable.
struct Curl {
  CURLcode (*global_init)(long flags);
  CURL* (*easy_init)();
  void (*easy_cleanup)(CURL* handle);
  CURLcode (*easy_setopt)(CURL* handle, CURLoption option, ...);
  CURLcode (*easy_perform)(CURL* handle);
  CURLcode (*easy_getinfo)(CURL* handle, CURLINFO info, ...);
  const char* (*easy_strerror)(CURLcode code);
  // Why loading failed; "" when every function above is set.
  std::string error;
};

// libcurl's functions, loaded and initialized (curl_global_init) exactly
// once, whichever thread asks first: curl_global_init is not thread-safe,
// a function-local static is. Never unloaded or cleaned up: other threads
// may still be inside Get at exit.
const Curl& LoadCurl() {
  static const Curl* const curl = [] {
    auto* c = new Curl();
    void* lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      const char* why = dlerror();
      c->error = absl::StrCat(
          "cannot load libcurl (", why != nullptr ? why : "libcurl.so.4 not found",
          "); fetching over HTTP needs it: install Debian's libcurl4");
      return c;
    }
    auto load = [&](auto& fn, const char* name) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(lib, name));
      if (fn == nullptr && c->error.empty()) {
        c->error = absl::StrCat("libcurl.so.4 has no ", name, ": too old a libcurl");
      }
    };
    load(c->global_init, "curl_global_init");
    load(c->easy_init, "curl_easy_init");
    load(c->easy_cleanup, "curl_easy_cleanup");
    load(c->easy_setopt, "curl_easy_setopt");
    load(c->easy_perform, "curl_easy_perform");
    load(c->easy_getinfo, "curl_easy_getinfo");
    load(c->easy_strerror, "curl_easy_strerror");
    if (c->error.empty()) {
      CURLcode code = c->global_init(CURL_GLOBAL_DEFAULT);
      if (code != CURLE_OK) {
        c->error = absl::StrCat("curl_global_init: ", c->easy_strerror(code));
      }
    }
    return c;
  }();
  return *curl;
}

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
  std::string message =
      absl::StrCat(what, ": ", detail[0] != '\0' ? detail : LoadCurl().easy_strerror(code));
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
