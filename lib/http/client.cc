#include "lib/http/client.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "lib/http/curl_lib.h"

namespace stowage::http {

using internal::Curl;
using internal::LoadCurl;

std::string Response::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return "";
}

std::vector<std::string> Response::Headers(absl::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [key, value] : headers) {
    if (key == name) out.push_back(value);
  }
  return out;
}

struct Stream::Impl {
  const Curl& lib = LoadCurl();
  Request request;
  std::string what;  // "METHOD URL", for messages
  CURL* easy = nullptr;
  CURLM* multi = nullptr;
  curl_slist* header_list = nullptr;
  char detail[CURL_ERROR_SIZE] = {0};
  Response response;
  bool headers_done = false;
  // Body bytes received and not yet read; past kMaxPending of them the
  // transfer is paused until Read has taken them.
  std::string pending;
  size_t pending_at = 0;
  bool paused = false;
  bool done = false;
  CURLcode result = CURLE_OK;
  // Upload state: the string body's next byte, or the reader's error.
  size_t body_at = 0;
  absl::Status upload_error;

  ~Impl() {
    if (multi != nullptr && easy != nullptr) lib.multi_remove_handle(multi, easy);
    if (easy != nullptr) lib.easy_cleanup(easy);
    if (multi != nullptr) lib.multi_cleanup(multi);
    if (header_list != nullptr) lib.slist_free_all(header_list);
  }

  absl::Status Setup();
  void SetupBody();
  absl::string_view Body() const {
    return request.body_view.empty() ? absl::string_view(request.body) : request.body_view;
  }
  absl::Status Pump();
  absl::Status Failure() const;
};

namespace {

// One multi_perform may deliver many buffers of a fast connection: memory
// stays bounded by pausing past this many unread bytes.
constexpr size_t kMaxPending = 1 << 20;

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* impl = static_cast<Stream::Impl*>(user);
  impl->headers_done = true;
  if (impl->pending.size() - impl->pending_at >= kMaxPending) {
    impl->paused = true;
    return CURL_WRITEFUNC_PAUSE;  // delivered again once unpaused
  }
  if (impl->pending_at == impl->pending.size()) {
    impl->pending.clear();
    impl->pending_at = 0;
  }
  impl->pending.append(data, size * count);
  return size * count;
}

// Each header line of each response; a status line starts a new response
// (a redirect's, or a 100 Continue), whose headers replace the last's.
size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* impl = static_cast<Stream::Impl*>(user);
  absl::string_view line(data, size * count);
  if (absl::StartsWith(line, "HTTP/")) {
    impl->response.headers.clear();
    return size * count;
  }
  size_t colon = line.find(':');
  if (colon == absl::string_view::npos) {
    if (absl::StripAsciiWhitespace(line).empty()) impl->headers_done = true;
    return size * count;
  }
  impl->headers_done = false;
  std::string name = absl::AsciiStrToLower(line.substr(0, colon));
  std::string value(absl::StripAsciiWhitespace(line.substr(colon + 1)));
  impl->response.headers.emplace_back(std::move(name), std::move(value));
  return size * count;
}

size_t OnUpload(char* buf, size_t size, size_t count, void* user) {
  auto* impl = static_cast<Stream::Impl*>(user);
  size_t room = size * count;
  if (impl->request.upload) {
    absl::StatusOr<size_t> n = impl->request.upload(buf, room);
    if (!n.ok()) {
      impl->upload_error = n.status();
      return CURL_READFUNC_ABORT;
    }
    return *n;
  }
  const absl::string_view body = impl->Body();
  size_t n = std::min(room, body.size() - impl->body_at);
  std::memcpy(buf, body.data() + impl->body_at, n);
  impl->body_at += n;
  return n;
}

long Millis(absl::Duration d) { return static_cast<long>(absl::ToInt64Milliseconds(d)); }

}  // namespace

void Stream::Impl::SetupBody() {
  const std::string& m = request.method;
  if (m == "HEAD") {
    lib.easy_setopt(easy, CURLOPT_NOBODY, 1L);
    return;
  }
  if (m != "PUT" && m != "POST" && m != "PATCH") {
    if (m != "GET") lib.easy_setopt(easy, CURLOPT_CUSTOMREQUEST, m.c_str());
    return;
  }
  curl_off_t size = request.upload ? request.upload_size
                                   : static_cast<curl_off_t>(Body().size());
  lib.easy_setopt(easy, CURLOPT_UPLOAD, 1L);
  lib.easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, size);
  lib.easy_setopt(easy, CURLOPT_READFUNCTION, OnUpload);
  lib.easy_setopt(easy, CURLOPT_READDATA, this);
  if (m != "PUT") lib.easy_setopt(easy, CURLOPT_CUSTOMREQUEST, m.c_str());
}

absl::Status Stream::Impl::Setup() {
  if (!lib.error.empty()) return absl::FailedPreconditionError(absl::StrCat(what, ": ", lib.error));
  easy = lib.easy_init();
  multi = lib.multi_init();
  if (easy == nullptr || multi == nullptr) {
    return absl::InternalError(absl::StrCat(what, ": cannot start a libcurl transfer"));
  }
  for (const std::string& h : request.headers) {
    header_list = lib.slist_append(header_list, h.c_str());
  }
  // No "Expect: 100-continue" pause before an upload's body.
  header_list = lib.slist_append(header_list, "Expect:");
  CURL* h = easy;
  lib.easy_setopt(h, CURLOPT_ERRORBUFFER, detail);
  lib.easy_setopt(h, CURLOPT_URL, request.url.c_str());
  lib.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  lib.easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  lib.easy_setopt(h, CURLOPT_FOLLOWLOCATION, request.follow_redirects ? 1L : 0L);
  lib.easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
  lib.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  lib.easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, Millis(request.connect_timeout));
  if (request.timeout > absl::ZeroDuration()) {
    lib.easy_setopt(h, CURLOPT_TIMEOUT_MS, Millis(request.timeout));
  }
  lib.easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  lib.easy_setopt(h, CURLOPT_LOW_SPEED_TIME,
                  std::max(1L, static_cast<long>(absl::ToInt64Seconds(request.stall_timeout))));
  lib.easy_setopt(h, CURLOPT_USERAGENT, request.user_agent.c_str());
  lib.easy_setopt(h, CURLOPT_HTTPHEADER, header_list);
  lib.easy_setopt(h, CURLOPT_BUFFERSIZE, 256L << 10);
  lib.easy_setopt(h, CURLOPT_WRITEFUNCTION, OnBody);
  lib.easy_setopt(h, CURLOPT_WRITEDATA, this);
  lib.easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
  lib.easy_setopt(h, CURLOPT_HEADERDATA, this);
  if (CURLSH* share = internal::SharedConnections()) lib.easy_setopt(h, CURLOPT_SHARE, share);
  lib.easy_setopt(h, CURLOPT_SSL_VERIFYPEER, request.tls.verify ? 1L : 0L);
  lib.easy_setopt(h, CURLOPT_SSL_VERIFYHOST, request.tls.verify ? 2L : 0L);
  curl_blob ca{const_cast<char*>(request.tls.ca_pem.data()), request.tls.ca_pem.size(),
               CURL_BLOB_COPY};
  if (!request.tls.ca_pem.empty()) lib.easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca);
  if (!request.tls.client_cert_file.empty()) {
    lib.easy_setopt(h, CURLOPT_SSLCERT, request.tls.client_cert_file.c_str());
    lib.easy_setopt(h, CURLOPT_SSLKEY, request.tls.client_key_file.c_str());
  }
  SetupBody();
  if (lib.multi_add_handle(multi, easy) != CURLM_OK) {
    return absl::InternalError(absl::StrCat(what, ": cannot start a libcurl transfer"));
  }
  return absl::OkStatus();
}

// Moves the transfer on until body bytes are pending or it ends.
absl::Status Stream::Impl::Pump() {
  if (paused && pending_at == pending.size()) {
    paused = false;
    lib.easy_pause(easy, CURLPAUSE_CONT);  // may deliver what it held, here
  }
  while (!done && pending_at == pending.size()) {
    int running = 0;
    CURLMcode mc = lib.multi_perform(multi, &running);
    if (mc != CURLM_OK) return absl::InternalError(absl::StrCat(what, ": curl_multi_perform failed"));
    if (running == 0) {
      int queued = 0;
      while (CURLMsg* msg = lib.multi_info_read(multi, &queued)) {
        if (msg->msg == CURLMSG_DONE) result = msg->data.result;
      }
      done = true;
      break;
    }
    if (pending_at < pending.size()) break;
    int fds = 0;
    lib.multi_poll(multi, nullptr, 0, 1000, &fds);
  }
  return absl::OkStatus();
}

absl::Status Stream::Impl::Failure() const {
  if (!upload_error.ok()) return upload_error;
  return internal::CurlStatus(result, detail, what);
}

Stream::Stream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Stream::~Stream() = default;

absl::StatusOr<std::unique_ptr<Stream>> Stream::Open(const Request& request) {
  auto impl = std::make_unique<Impl>();
  impl->request = request;
  impl->what = absl::StrCat(request.method, " ", request.url);
  absl::Status setup = impl->Setup();
  if (!setup.ok()) return setup;
  // Headers are in once the first body byte is, or the transfer has ended.
  while (!impl->done && impl->pending.empty()) {
    absl::Status pumped = impl->Pump();
    if (!pumped.ok()) return pumped;
  }
  // A transfer that broke after some of the body came keeps that part for
  // Read, which reports the break after it: a caller resumes from there.
  if (impl->done && impl->result != CURLE_OK && impl->pending.empty()) return impl->Failure();
  Impl& i = *impl;
  i.lib.easy_getinfo(i.easy, CURLINFO_RESPONSE_CODE, &i.response.status);
  char* effective = nullptr;
  i.lib.easy_getinfo(i.easy, CURLINFO_EFFECTIVE_URL, &effective);
  i.response.url = effective != nullptr ? effective : request.url;
  return std::unique_ptr<Stream>(new Stream(std::move(impl)));
}

const Response& Stream::response() const { return impl_->response; }

absl::StatusOr<size_t> Stream::Read(char* buf, size_t size) {
  Impl& i = *impl_;
  if (i.pending_at == i.pending.size()) {
    absl::Status pumped = i.Pump();
    if (!pumped.ok()) return pumped;
  }
  if (i.pending_at == i.pending.size()) {
    if (i.result != CURLE_OK) return i.Failure();
    return 0;
  }
  size_t n = std::min(size, i.pending.size() - i.pending_at);
  std::memcpy(buf, i.pending.data() + i.pending_at, n);
  i.pending_at += n;
  return n;
}

absl::StatusOr<std::string> Stream::ReadAll(int64_t max) {
  std::string out;
  char buf[64 << 10];
  while (true) {
    absl::StatusOr<size_t> n = Read(buf, sizeof buf);
    if (!n.ok()) return n.status();
    if (*n == 0) return out;
    if (static_cast<int64_t>(out.size() + *n) > max) {
      return absl::ResourceExhaustedError(
          absl::StrCat(impl_->what, ": the answer is larger than ", max, " bytes"));
    }
    out.append(buf, *n);
  }
}

int CurlCode(const absl::Status& status) {
  absl::optional<absl::Cord> code = status.GetPayload(internal::kCurlCodePayload);
  int value = -1;
  if (!code.has_value() || !absl::SimpleAtoi(std::string(*code), &value)) return -1;
  return value;
}

absl::StatusOr<Response> Do(const Request& request) {
  absl::StatusOr<std::unique_ptr<Stream>> stream = Stream::Open(request);
  if (!stream.ok()) return stream.status();
  absl::StatusOr<std::string> body = (*stream)->ReadAll(request.max_body);
  if (!body.ok()) return body.status();
  Response response = (*stream)->response();
  response.body = std::move(*body);
  return response;
}

}  // namespace stowage::http
