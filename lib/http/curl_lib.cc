#include "lib/http/curl_lib.h"

#include <dlfcn.h>

#include <mutex>
#include <string>
#include <type_traits>

#include "absl/strings/cord.h"

#include "absl/strings/str_cat.h"

namespace stowage::http::internal {

// libcurl is loaded on first use rather than linked: its two dozen
// dependencies (TLS, Kerberos, LDAP, IDN, ...) would cost every stowage
// command about 35 ms of dynamic loading, and only the commands that talk
// to a server need it. The headers still come from Debian's
// libcurl4-openssl-dev, so the types and constants are libcurl's own; the
// ABI of libcurl.so.4 is stable.
const Curl& LoadCurl() {
  static const Curl* const curl = [] {
    auto* c = new Curl();
    void* lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      const char* why = dlerror();
      c->error = absl::StrCat(
          "cannot load libcurl (", why != nullptr ? why : "libcurl.so.4 not found",
          "); talking HTTP needs it: install Debian's libcurl4");
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
    load(c->easy_pause, "curl_easy_pause");
    load(c->easy_strerror, "curl_easy_strerror");
    load(c->slist_append, "curl_slist_append");
    load(c->slist_free_all, "curl_slist_free_all");
    load(c->multi_init, "curl_multi_init");
    load(c->multi_add_handle, "curl_multi_add_handle");
    load(c->multi_remove_handle, "curl_multi_remove_handle");
    load(c->multi_perform, "curl_multi_perform");
    load(c->multi_poll, "curl_multi_poll");
    load(c->multi_info_read, "curl_multi_info_read");
    load(c->multi_cleanup, "curl_multi_cleanup");
    load(c->share_init, "curl_share_init");
    load(c->share_setopt, "curl_share_setopt");
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

namespace {

std::mutex share_locks[CURL_LOCK_DATA_LAST];

void Lock(CURL*, curl_lock_data data, curl_lock_access, void*) {
  share_locks[data].lock();
}
void Unlock(CURL*, curl_lock_data data, void*) { share_locks[data].unlock(); }

}  // namespace

CURLSH* SharedConnections() {
  static CURLSH* const share = []() -> CURLSH* {
    const Curl& lib = LoadCurl();
    if (!lib.error.empty()) return nullptr;
    CURLSH* s = lib.share_init();
    if (s == nullptr) return nullptr;
    lib.share_setopt(s, CURLSHOPT_LOCKFUNC, Lock);
    lib.share_setopt(s, CURLSHOPT_UNLOCKFUNC, Unlock);
    lib.share_setopt(s, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    lib.share_setopt(s, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    lib.share_setopt(s, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    return s;
  }();
  return share;
}

absl::Status CurlStatus(CURLcode code, const char* detail, const std::string& what) {
  absl::Status status = CurlStatusOnly(code, detail, what);
  status.SetPayload(kCurlCodePayload, absl::Cord(std::to_string(static_cast<int>(code))));
  return status;
}

absl::Status CurlStatusOnly(CURLcode code, const char* detail, const std::string& what) {
  std::string message = absl::StrCat(
      what, ": ", detail != nullptr && detail[0] != '\0' ? detail : LoadCurl().easy_strerror(code));
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
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return absl::UnavailableError(message);
    case CURLE_OPERATION_TIMEDOUT:
      return absl::DeadlineExceededError(message);
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

}  // namespace stowage::http::internal
