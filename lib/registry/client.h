// A client of one registry's HTTP API (the OCI distribution spec, Docker
// Registry HTTP API v2): picks https or, where allowed, plain http; trusts
// the CAs and presents the client certificates of the host's certs.d
// folder; answers challenges for HTTP Basic and the bearer-token flow
// (tokens cached per scope, fetched again on a 401); retries with backoff
// on 5xx, 429 (after Retry-After) and network errors.
//
//   ASSIGN_OR_RETURN(std::shared_ptr<Client> c, Client::Connect("quay.io", {}));
//   http::Request r;
//   r.method = "HEAD";
//   r.url = c->Url("/v2/team/app/manifests/v1");
//   ASSIGN_OR_RETURN(http::Response res, c->Send(r, PullScope("team/app")));
//
// Thread-safe: the copy engine's threads share one client.

#ifndef STOWAGE_LIB_REGISTRY_CLIENT_H_
#define STOWAGE_LIB_REGISTRY_CLIENT_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/http/client.h"
#include "lib/registry/credentials.h"

namespace stowage::registry {

struct ClientOptions {
  // --tls-verify: nullopt verifies TLS and allows plain HTTP for loopback
  // hosts only; false allows unverified TLS and plain HTTP for this host;
  // true requires verified TLS even on loopback.
  std::optional<bool> tls_verify;
  // --cert-dir: the folder of CA and client certificates, in place of
  // /etc/containers/certs.d/HOST and /etc/docker/certs.d/HOST.
  std::string cert_dir;
  // --creds; otherwise the credential files are looked up.
  std::optional<Credential> creds;
  CredentialFiles files;
  // Tries per request on 5xx, 429 and network errors.
  int attempts = 5;
  // The longest wait between tries (a longer Retry-After fails at once).
  absl::Duration max_wait = absl::Seconds(60);
  // Says what the user should know (plain HTTP, TLS unverified); stderr
  // when unset.
  std::function<void(const std::string&)> warn;
};

// The host the API of `host` answers on: registry-1.docker.io for Docker
// Hub's names (docker.io, index.docker.io), `host` otherwise.
std::string ApiHost(const std::string& host);

// True for localhost, 127.0.0.0/8 and [::1], with or without a port.
bool IsLoopback(const std::string& host);

// Token scopes, as registries spell them.
std::string PullScope(const std::string& repository);
std::string PushScope(const std::string& repository);

class Client {
 public:
  // Pings HOST's /v2/ to choose the scheme and read its challenge.
  // Unavailable when it answers on neither scheme it may use;
  // FailedPrecondition for an answer that is not a registry's.
  static absl::StatusOr<std::shared_ptr<Client>> Connect(const std::string& host,
                                                         const ClientOptions& options);

  // The host as named ("docker.io", "127.0.0.1:5000").
  const std::string& host() const { return host_; }
  // "https://HOST" + path (or http://, as the ping chose).
  std::string Url(const std::string& path) const;

  // Sends `request` with authorization for `scope` ("" for none), trying
  // again as ClientOptions says; a request with a streamed upload is sent
  // once. Any HTTP status is an answer, except a 401 that survives fresh
  // credentials (PermissionDenied naming the host and the user).
  absl::StatusOr<http::Response> Send(http::Request request, const std::string& scope);
  // As Send, for a body to read as a stream.
  absl::StatusOr<std::shared_ptr<http::Stream>> Open(http::Request request,
                                                     const std::string& scope);

  // Checks the client's credentials as `docker login` does: GET /v2/ with
  // them (Basic), or a token for no scope from the token service (Bearer).
  // PermissionDenied when they are refused; OK for a registry that asks
  // for none.
  absl::Status Login();

  // The error for an answer a caller did not expect: "HOST: WHAT: HTTP
  // STATUS" with the registry's error codes and messages, and Docker Hub's
  // RateLimit-* headers on a 429. NotFound for 404, PermissionDenied for
  // 401 and 403, Unavailable for 429 and 5xx, FailedPrecondition otherwise.
  absl::Status ErrorFor(const std::string& what, const http::Response& response) const;

  // The tries left and wait for an answer or error, for callers that retry
  // themselves (a resumed blob read): nullopt when not to try again.
  std::optional<absl::Duration> RetryWait(int attempt, const absl::Status& error,
                                          const http::Response* response) const;
  int attempts() const { return options_.attempts; }
  // HTTP requests sent so far: pings, token requests and retries included.
  int64_t requests() const { return requests_.load(std::memory_order_relaxed); }

  struct Challenge {
    std::string scheme;  // "basic" or "bearer", "" for none
    std::map<std::string, std::string> params;
  };

 private:
  Client(std::string host, ClientOptions options) : host_(std::move(host)), options_(std::move(options)) {}
  absl::Status Ping();
  absl::StatusOr<http::Response> Do(const http::Request& request);
  absl::Status SetUpTls();
  absl::StatusOr<std::string> Authorization(const std::string& scope, bool fresh);
  absl::StatusOr<std::string> FetchToken(const Challenge& challenge, const std::string& scope);
  absl::StatusOr<std::optional<Credential>> Creds();
  void Warn(const std::string& message) const;
  template <typename T>
  absl::StatusOr<T> WithRetries(http::Request& request, const std::string& scope,
                                const std::function<absl::StatusOr<T>(const http::Request&)>& send,
                                const std::function<const http::Response&(const T&)>& response);

  const std::string host_;
  const ClientOptions options_;
  std::string base_;  // scheme://api-host
  http::TlsOptions tls_;

  std::atomic<int64_t> requests_{0};
  std::mutex mu_;
  Challenge challenge_;  // guarded by mu_
  struct Token {
    std::string value;
    absl::Time expires;
  };
  std::map<std::string, Token> tokens_;  // by scope; guarded by mu_
  bool creds_looked_up_ = false;          // guarded by mu_
  std::optional<Credential> creds_;       // guarded by mu_
};

// Parses a WWW-Authenticate header's first challenge: `Bearer
// realm="...",service="...",scope="..."` or `Basic realm="..."`.
Client::Challenge ParseChallenge(const std::string& header);

}  // namespace stowage::registry

#endif  // STOWAGE_LIB_REGISTRY_CLIENT_H_
