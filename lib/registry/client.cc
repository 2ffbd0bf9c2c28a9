#include "lib/registry/client.h"

#include <algorithm>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/base/status_macros.h"
#include "lib/fs/file.h"
#include "lib/json/json_value.h"

namespace stowage::registry {
namespace {

constexpr char kSystemCaBundle[] = "/etc/ssl/certs/ca-certificates.crt";
// libcurl's codes for a TLS handshake that failed (a plain HTTP server
// answering) and for a refused connection.
constexpr int kCurlSslConnectError = 35;

absl::Duration Backoff(int attempt) {
  return std::min(absl::Milliseconds(200) * (1 << std::min(attempt, 10)), absl::Seconds(5));
}

// "host" of "host:port", "[::1]" of "[::1]:5000".
std::string HostOnly(const std::string& host) {
  if (absl::StartsWith(host, "[")) return host.substr(0, host.find(']') + 1);
  return host.substr(0, host.find(':'));
}

std::string UrlEscape(absl::string_view s) {
  std::string out;
  for (char c : s) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      absl::StrAppend(&out, "%", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
    }
  }
  return out;
}

// The registry's own words in an error body: "CODE: message; ...".
std::string RegistryErrors(const std::string& body) {
  absl::StatusOr<JsonValue> doc = JsonValue::Parse(body);
  if (!doc.ok() || !doc->is_object()) return "";
  const JsonValue* errors = doc->Find("errors");
  if (errors == nullptr) return "";
  std::vector<std::string> parts;
  for (const JsonValue& e : errors->items()) {
    const JsonValue* code = e.Find("code");
    const JsonValue* message = e.Find("message");
    std::string part = code != nullptr ? code->string_value() : "";
    if (message != nullptr && !message->string_value().empty()) {
      absl::StrAppend(&part, part.empty() ? "" : ": ", message->string_value());
    }
    if (!part.empty()) parts.push_back(part.substr(0, 200));
    if (parts.size() == 3) break;
  }
  return absl::StrJoin(parts, "; ");
}

// Who a registry or its token service refused, for messages (never a secret).
std::string Refused(const std::optional<Credential>& creds, const std::string& host) {
  if (creds.has_value() && creds->username.empty()) return "the stored identity token";
  if (creds.has_value()) return "the credentials of user " + creds->username;
  return absl::StrCat("anonymous access (log in with `stowage login ", host,
                      "`, or pass --creds USER)");
}

// An identity token (a refresh token, as `docker login` keeps for some
// registries) is traded with an OAuth2 POST to the realm, as Docker does.
void TokenByRefresh(const Credential& creds, const std::string& service,
                    const std::string& scope, http::Request& r) {
  r.method = "POST";
  r.url = r.url.substr(0, r.url.find('?'));
  r.headers.push_back("Content-Type: application/x-www-form-urlencoded");
  r.body = absl::StrCat("grant_type=refresh_token&client_id=stowage&service=", UrlEscape(service),
                        "&refresh_token=", UrlEscape(creds.identity_token));
  if (!scope.empty()) absl::StrAppend(&r.body, "&scope=", UrlEscape(scope));
}

}  // namespace

std::string ApiHost(const std::string& host) {
  if (host.empty() || host == "docker.io" || host == "index.docker.io") {
    return "registry-1.docker.io";
  }
  return host;
}

bool IsLoopback(const std::string& host) {
  std::string h = HostOnly(host);
  return h == "localhost" || h == "[::1]" || absl::StartsWith(h, "127.");
}

std::string PullScope(const std::string& repository) {
  return absl::StrCat("repository:", repository, ":pull");
}

std::string PushScope(const std::string& repository) {
  return absl::StrCat("repository:", repository, ":pull,push");
}

Client::Challenge ParseChallenge(const std::string& header) {
  Client::Challenge c;
  absl::string_view rest = absl::StripLeadingAsciiWhitespace(header);
  size_t space = rest.find(' ');
  c.scheme = absl::AsciiStrToLower(rest.substr(0, space));
  if (space == absl::string_view::npos) return c;
  rest.remove_prefix(space + 1);
  // key="value" pairs separated by commas; values may hold commas (scope).
  while (!rest.empty()) {
    rest = absl::StripLeadingAsciiWhitespace(rest);
    size_t eq = rest.find('=');
    if (eq == absl::string_view::npos) break;
    std::string key = absl::AsciiStrToLower(absl::StripAsciiWhitespace(rest.substr(0, eq)));
    rest.remove_prefix(eq + 1);
    std::string value;
    if (absl::StartsWith(rest, "\"")) {
      size_t i = 1;
      for (; i < rest.size() && rest[i] != '"'; ++i) {
        if (rest[i] == '\\' && i + 1 < rest.size()) ++i;
        value.push_back(rest[i]);
      }
      rest.remove_prefix(std::min(rest.size(), i + 1));
    } else {
      size_t comma = rest.find(',');
      value = std::string(absl::StripAsciiWhitespace(rest.substr(0, comma)));
      rest.remove_prefix(comma == absl::string_view::npos ? rest.size() : comma);
    }
    c.params[key] = value;
    rest = absl::StripLeadingAsciiWhitespace(rest);
    if (absl::StartsWith(rest, ",")) rest.remove_prefix(1);
  }
  return c;
}

absl::StatusOr<std::shared_ptr<Client>> Client::Connect(const std::string& host,
                                                        const ClientOptions& options) {
  std::shared_ptr<Client> client(new Client(host, options));
  RETURN_IF_ERROR(client->SetUpTls());
  RETURN_IF_ERROR(client->Ping());
  return client;
}

std::string Client::Url(const std::string& path) const { return base_ + path; }

void Client::Warn(const std::string& message) const {
  // Once per process: a sync opens many repositories of one host.
  static std::mutex mu;
  static std::set<std::string>* said = new std::set<std::string>();
  {
    std::lock_guard<std::mutex> lock(mu);
    if (!said->insert(message).second) return;
  }
  if (options_.warn) {
    options_.warn(message);
  } else {
    std::cerr << "warning: " << message << "\n";
  }
}

// The CAs and client certificates of the host's certs.d folder, as docker
// and podman read them: *.crt are CAs; X.cert with X.key a client pair.
absl::Status Client::SetUpTls() {
  tls_.verify = options_.tls_verify.value_or(true);
  std::vector<std::string> dirs;
  if (!options_.cert_dir.empty()) {
    if (!Exists(options_.cert_dir)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--cert-dir ", options_.cert_dir, ": no such folder"));
    }
    dirs.push_back(options_.cert_dir);
  } else {
    dirs = {"/etc/containers/certs.d/" + host_, "/etc/docker/certs.d/" + host_};
  }
  std::string cas;
  for (const std::string& dir : dirs) {
    if (!Exists(dir)) continue;
    ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(dir));
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
      std::string path = JoinPath(dir, name);
      if (absl::EndsWith(name, ".crt")) {
        ASSIGN_OR_RETURN(std::string pem, ReadFile(path, 1 << 20));
        absl::StrAppend(&cas, pem, "\n");
      } else if (absl::EndsWith(name, ".cert") && tls_.client_cert_file.empty()) {
        std::string key = path.substr(0, path.size() - 5) + ".key";
        if (!Exists(key)) {
          return absl::InvalidArgumentError(absl::StrCat(
              path, ": a client certificate needs its key beside it, as ", key));
        }
        tls_.client_cert_file = path;
        tls_.client_key_file = key;
      }
    }
    if (!options_.cert_dir.empty() || !cas.empty() || !tls_.client_cert_file.empty()) break;
  }
  if (!cas.empty()) {
    absl::StatusOr<std::string> system = ReadFile(kSystemCaBundle, 16 << 20);
    tls_.ca_pem = absl::StrCat(system.ok() ? *system : "", "\n", cas);
  }
  return absl::OkStatus();
}

// GET /v2/: which scheme answers, and how it wants to be authorized.
absl::Status Client::Ping() {
  const std::string api = ApiHost(host_);
  const bool may_plain = options_.tls_verify == std::optional<bool>(false) ||
                         (!options_.tls_verify.has_value() && IsLoopback(host_));
  http::Request r;
  r.url = absl::StrCat("https://", api, "/v2/");
  r.tls = tls_;
  r.timeout = absl::Seconds(30);
  r.max_body = 1 << 20;
  absl::StatusOr<http::Response> res;
  for (int attempt = 0;; ++attempt) {
    res = Do(r);
    if (!res.ok() && may_plain && absl::StartsWith(r.url, "https:") &&
        http::CurlCode(res.status()) == kCurlSslConnectError) {
      r.url = absl::StrCat("http://", api, "/v2/");
      Warn(absl::StrCat(host_, ": using plain HTTP: images and credentials cross the network "
                               "unencrypted and unauthenticated",
                        options_.tls_verify.has_value() ? " (--tls-verify=false)"
                                                        : " (a loopback address)"));
      --attempt;
      continue;
    }
    std::optional<absl::Duration> wait =
        RetryWait(attempt, res.status(), res.ok() ? &*res : nullptr);
    if (!wait.has_value()) break;
    absl::SleepFor(*wait);
  }
  if (!res.ok()) {
    return absl::Status(res.status().code(),
                        absl::StrCat(host_, ": cannot reach the registry: ", res.status().message()));
  }
  base_ = r.url.substr(0, r.url.size() - 4);
  if (absl::StartsWith(base_, "https:") && !tls_.verify) {
    Warn(absl::StrCat(host_, ": TLS certificates are not verified (--tls-verify=false): "
                             "anyone on the path could pose as this registry"));
  }
  if (res->status == 401) {
    challenge_ = ParseChallenge(res->Header("www-authenticate"));
  } else if (res->status >= 500) {
    return ErrorFor("GET /v2/", *res);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Credential>> Client::Creds() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!creds_looked_up_) {
    if (options_.creds.has_value()) {
      creds_ = options_.creds;
    } else {
      ASSIGN_OR_RETURN(creds_, LookupCredential(host_, options_.files));
    }
    creds_looked_up_ = true;
  }
  return creds_;
}

// The Authorization header's value for `scope`, "" for none; `fresh`
// refuses a cached token (the registry just refused it).
absl::StatusOr<std::string> Client::Authorization(const std::string& scope, bool fresh) {
  Challenge challenge;
  {
    std::lock_guard<std::mutex> lock(mu_);
    challenge = challenge_;
    if (challenge.scheme == "bearer" && !fresh) {
      auto it = tokens_.find(scope);
      if (it != tokens_.end() && it->second.expires > absl::Now()) {
        return "Bearer " + it->second.value;
      }
    }
  }
  if (challenge.scheme == "basic") {
    ASSIGN_OR_RETURN(std::optional<Credential> creds, Creds());
    if (!creds.has_value() || creds->username.empty()) return "";
    return "Basic " + absl::Base64Escape(creds->username + ":" + creds->password);
  }
  if (challenge.scheme != "bearer") return "";
  ASSIGN_OR_RETURN(std::string token, FetchToken(challenge, scope));
  return "Bearer " + token;
}

absl::StatusOr<std::string> Client::FetchToken(const Challenge& challenge,
                                               const std::string& scope) {
  auto realm = challenge.params.find("realm");
  if (realm == challenge.params.end() || realm->second.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(host_, ": the registry asks for a bearer token but names no realm"));
  }
  http::Request r;
  r.url = realm->second;
  std::vector<std::string> query;
  auto service = challenge.params.find("service");
  if (service != challenge.params.end()) query.push_back("service=" + UrlEscape(service->second));
  // One scope parameter per scope, as Docker's token specification has it
  // (a push that mounts asks for two repositories).
  for (absl::string_view one : absl::StrSplit(scope, ' ', absl::SkipEmpty())) {
    query.push_back("scope=" + UrlEscape(one));
  }
  if (!query.empty()) {
    absl::StrAppend(&r.url, r.url.find('?') == std::string::npos ? "?" : "&",
                    absl::StrJoin(query, "&"));
  }
  r.tls = tls_;
  r.timeout = absl::Seconds(60);
  r.max_body = 1 << 20;
  ASSIGN_OR_RETURN(std::optional<Credential> creds, Creds());
  if (creds.has_value() && !creds->identity_token.empty()) {
    TokenByRefresh(*creds, service == challenge.params.end() ? "" : service->second, scope, r);
  } else if (creds.has_value()) {
    r.headers.push_back("Authorization: Basic " +
                        absl::Base64Escape(creds->username + ":" + creds->password));
  }
  absl::StatusOr<http::Response> res;
  for (int attempt = 0;; ++attempt) {
    res = Do(r);
    std::optional<absl::Duration> wait =
        RetryWait(attempt, res.status(), res.ok() ? &*res : nullptr);
    if (!wait.has_value()) break;
    absl::SleepFor(*wait);
  }
  if (!res.ok()) {
    return absl::Status(res.status().code(), absl::StrCat(host_, ": token service: ",
                                                          res.status().message()));
  }
  if (res->status == 401 || res->status == 403) {
    return absl::PermissionDeniedError(absl::StrCat(
        host_, ": the token service ", realm->second, " refused ",
        Refused(creds, host_)));
  }
  if (res->status != 200) return ErrorFor("token service " + realm->second, *res);
  absl::StatusOr<JsonValue> doc = JsonValue::Parse(res->body);
  const JsonValue* token = doc.ok() ? doc->Find("token") : nullptr;
  if (token == nullptr || token->string_value().empty()) {
    token = doc.ok() ? doc->Find("access_token") : nullptr;
  }
  if (token == nullptr || token->string_value().empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(host_, ": the token service ", realm->second, " answered no token"));
  }
  int64_t expires_in = 60;
  if (const JsonValue* e = doc->Find("expires_in"); e != nullptr) {
    expires_in = std::max<int64_t>(e->AsInt64().value_or(60), 10);
  }
  std::lock_guard<std::mutex> lock(mu_);
  // Ten seconds early, so that a token never expires in flight.
  tokens_[scope] = Token{token->string_value(), absl::Now() + absl::Seconds(expires_in - 10)};
  return token->string_value();
}

std::optional<absl::Duration> Client::RetryWait(int attempt, const absl::Status& error,
                                                const http::Response* response) const {
  if (attempt + 1 >= options_.attempts) return std::nullopt;
  if (response == nullptr) {
    if (absl::IsUnavailable(error) || absl::IsDeadlineExceeded(error)) return Backoff(attempt);
    return std::nullopt;
  }
  if (response->status == 429) {
    int64_t seconds = 0;
    if (absl::SimpleAtoi(response->Header("retry-after"), &seconds) && seconds >= 0) {
      absl::Duration wait = absl::Seconds(seconds);
      if (wait > options_.max_wait) return std::nullopt;
      return std::max(wait, Backoff(attempt));
    }
    return Backoff(attempt + 2);
  }
  if (response->status == 500 || response->status == 502 || response->status == 503 ||
      response->status == 504) {
    return Backoff(attempt);
  }
  return std::nullopt;
}

absl::Status Client::ErrorFor(const std::string& what, const http::Response& response) const {
  std::string message = absl::StrCat(host_, ": ", what, ": HTTP ", response.status);
  std::string errors = RegistryErrors(response.body);
  if (!errors.empty()) absl::StrAppend(&message, " (", errors, ")");
  if (response.status == 429) {
    std::vector<std::string> limits;
    for (const char* name : {"ratelimit-limit", "ratelimit-remaining", "ratelimit-reset",
                             "retry-after"}) {
      std::string value = response.Header(name);
      if (!value.empty()) limits.push_back(absl::StrCat(name, ": ", value.substr(0, 80)));
    }
    absl::StrAppend(&message, ": too many requests",
                    limits.empty() ? "" : " (" + absl::StrJoin(limits, ", ") + ")");
  }
  const long s = response.status;
  if (s == 404) return absl::NotFoundError(message);
  if (s == 401 || s == 403) return absl::PermissionDeniedError(message);
  if (s == 429 || s >= 500) return absl::UnavailableError(message);
  return absl::FailedPreconditionError(message);
}

template <typename T>
absl::StatusOr<T> Client::WithRetries(
    http::Request& request, const std::string& scope,
    const std::function<absl::StatusOr<T>(const http::Request&)>& send,
    const std::function<const http::Response&(const T&)>& response) {
  request.tls = tls_;
  const size_t plain_headers = request.headers.size();
  bool refreshed = false;
  for (int attempt = 0;; ++attempt) {
    request.headers.resize(plain_headers);
    ASSIGN_OR_RETURN(std::string auth, Authorization(scope, refreshed));
    if (!auth.empty()) request.headers.push_back("Authorization: " + auth);
    absl::StatusOr<T> result = send(request);
    const bool once = static_cast<bool>(request.upload);
    if (!result.ok()) {
      std::optional<absl::Duration> wait = RetryWait(attempt, result.status(), nullptr);
      if (once || !wait.has_value()) {
        return absl::Status(result.status().code(),
                            absl::StrCat(host_, ": ", result.status().message()));
      }
      absl::SleepFor(*wait);
      continue;
    }
    const http::Response& res = response(*result);
    if (res.status == 401 && !refreshed && !once) {
      std::string header = res.Header("www-authenticate");
      if (!header.empty()) {
        std::lock_guard<std::mutex> lock(mu_);
        challenge_ = ParseChallenge(header);
      }
      refreshed = true;
      --attempt;
      continue;
    }
    if (res.status == 401) {
      ASSIGN_OR_RETURN(std::optional<Credential> creds, Creds());
      return absl::PermissionDeniedError(absl::StrCat(
          host_, ": ", request.method, " ", request.url.substr(base_.size()),
          ": the registry refused ",
          Refused(creds, host_)));
    }
    std::optional<absl::Duration> wait = RetryWait(attempt, absl::OkStatus(), &res);
    if (once || !wait.has_value()) return result;
    absl::SleepFor(*wait);
  }
}

absl::StatusOr<http::Response> Client::Do(const http::Request& request) {
  requests_.fetch_add(1, std::memory_order_relaxed);
  return http::Do(request);
}

absl::StatusOr<http::Response> Client::Send(http::Request request, const std::string& scope) {
  return WithRetries<http::Response>(
      request, scope, [this](const http::Request& r) { return Do(r); },
      [](const http::Response& r) -> const http::Response& { return r; });
}

absl::Status Client::Login() {
  http::Request r;
  r.url = Url("/v2/");
  r.timeout = absl::Seconds(60);
  r.max_body = 1 << 20;
  ASSIGN_OR_RETURN(http::Response res, Send(r, ""));
  if (res.status != 200) return ErrorFor("GET /v2/", res);
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<http::Stream>> Client::Open(http::Request request,
                                                           const std::string& scope) {
  using StreamPtr = std::shared_ptr<http::Stream>;
  return WithRetries<StreamPtr>(
      request, scope,
      [this](const http::Request& r) -> absl::StatusOr<StreamPtr> {
        requests_.fetch_add(1, std::memory_order_relaxed);
        ASSIGN_OR_RETURN(std::unique_ptr<http::Stream> s, http::Stream::Open(r));
        return StreamPtr(std::move(s));
      },
      [](const StreamPtr& s) -> const http::Response& { return s->response(); });
}

}  // namespace stowage::registry
