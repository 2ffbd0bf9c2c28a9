// HTTP(S) requests of any method, with headers both ways, bodies read as a
// stream and uploads from one, through libcurl (curl_lib.h).
//
//   http::Request r;
//   r.url = "https://registry.example/v2/team/app/blobs/sha256:...";
//   r.headers = {"Authorization: Bearer ..."};
//   ASSIGN_OR_RETURN(std::unique_ptr<http::Stream> s, http::Stream::Open(r));
//   if (s->response().status != 200) ...
//   while ((n = s->Read(buf, sizeof buf)) > 0) ...
//
// Unlike Get (http.h), any status is an answer, not an error: the callers
// (a registry client) decide what a 401 or a 404 means. Errors are the
// transport's alone: no connection, TLS failure, a dropped connection, a
// stall. Only http:// and https:// are ever fetched, redirects included;
// bodies are never decoded (no Accept-Encoding is sent), so what is read is
// byte for byte what the server sent. Connections, DNS answers and TLS
// sessions are shared by every request of the process, from any thread.

#ifndef STOWAGE_LIB_HTTP_CLIENT_H_
#define STOWAGE_LIB_HTTP_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace stowage::http {

struct TlsOptions {
  // Verify the peer's certificate and name. Off only when a user said so.
  bool verify = true;
  // PEM certificates to trust; "" means the system's CAs alone. When set it
  // is the whole trust store: callers add the system bundle themselves.
  std::string ca_pem;
  // A client certificate and its key (PEM files), "" for none.
  std::string client_cert_file;
  std::string client_key_file;
};

// A body to upload, read from the start. Returns the bytes written into the
// buffer, 0 at the end.
using BodyReader = std::function<absl::StatusOr<size_t>(char* buf, size_t size)>;

struct Request {
  std::string method = "GET";  // GET, HEAD, PUT, POST, PATCH, DELETE
  std::string url;
  // "Name: value" lines, sent as given.
  std::vector<std::string> headers;
  // The body of a PUT, POST or PATCH, unless `upload` is set.
  std::string body;
  // In place of `body` when not empty: bytes the caller keeps alive until
  // the request is answered, sent without a copy (a Request is copied on
  // its way to libcurl, and on each retry).
  absl::string_view body_view;
  // A streamed body of `upload_size` bytes, in place of `body`.
  BodyReader upload;
  int64_t upload_size = 0;
  TlsOptions tls;
  bool follow_redirects = true;
  absl::Duration connect_timeout = absl::Seconds(15);
  // The whole request; zero for no limit (a large blob).
  absl::Duration timeout = absl::ZeroDuration();
  // Fails a transfer that moves no byte for this long.
  absl::Duration stall_timeout = absl::Seconds(60);
  // Do() fails with ResourceExhausted past this many body bytes.
  int64_t max_body = 8 << 20;
  std::string user_agent = "stowage";
};

struct Response {
  long status = 0;
  // The final response's headers, names lowercased, in order.
  std::vector<std::pair<std::string, std::string>> headers;
  // Do()'s body; empty for a Stream.
  std::string body;
  // The URL that answered, after redirects.
  std::string url;

  // The first header called `name` (lowercase), "" when none.
  std::string Header(absl::string_view name) const;
  // Every header called `name`, in order.
  std::vector<std::string> Headers(absl::string_view name) const;
};

// A request whose body is read piece by piece.
class Stream {
 public:
  // Sends the request and waits for the response's headers. Errors, each
  // starting "METHOD URL: ": Unavailable (no connection, reset, TLS
  // handshake or verification), DeadlineExceeded (a timeout or a stall),
  // InvalidArgument (a bad URL or a scheme other than http(s)),
  // FailedPrecondition (libcurl missing, too many redirects), Unknown.
  static absl::StatusOr<std::unique_ptr<Stream>> Open(const Request& request);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  const Response& response() const;
  // Up to `size` bytes of the body; 0 at its end. Unavailable when the
  // connection drops before the end (a caller may resume with Range),
  // DeadlineExceeded on a stall.
  absl::StatusOr<size_t> Read(char* buf, size_t size);
  // The rest of the body, up to `max` bytes (ResourceExhausted past it).
  absl::StatusOr<std::string> ReadAll(int64_t max);

  struct Impl;

 private:
  explicit Stream(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// libcurl's CURLcode for a transport error from here, -1 when `status`
// carries none: a caller may tell a TLS handshake with a plain HTTP server
// (35) from a certificate that failed verification (60).
int CurlCode(const absl::Status& status);

// Sends the request and reads the whole body (up to request.max_body).
// Errors as Stream::Open's, and ResourceExhausted for a larger body.
absl::StatusOr<Response> Do(const Request& request);

}  // namespace stowage::http

#endif  // STOWAGE_LIB_HTTP_CLIENT_H_
