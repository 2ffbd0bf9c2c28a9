#include "lib/registry/credentials.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "lib/base/status_macros.h"
#include "lib/fs/file.h"
#include "lib/json/json_value.h"
#include "lib/reference/reference.h"

extern char** environ;

namespace stowage::registry {
namespace {

std::string Env(const CredentialFiles& files, const std::string& name) {
  if (!files.env.empty()) {
    auto it = files.env.find(name);
    return it == files.env.end() ? "" : it->second;
  }
  const char* v = std::getenv(name.c_str());
  return v == nullptr ? "" : v;
}

// Docker Hub under any of its names (an empty key is none of them).
bool IsDockerHub(absl::string_view host) { return !host.empty() && IsHubHost(host); }

bool SameHost(absl::string_view key, const std::string& host) {
  std::string k = RegistryHostOf(key);
  return k == host || (IsDockerHub(k) && IsDockerHub(host));
}

// What a helper is asked for: Docker Hub's historical URL, else the host.
std::string ServerUrl(const std::string& host) {
  return IsDockerHub(host) ? "https://index.docker.io/v1/" : host;
}

// ---- docker-credential-* helpers.

struct HelperRun {
  int exit_code = -1;
  std::string out, err;
};

// The helper's absolute path, looked up in PATH. Names are letters, digits,
// '.', '_' and '-': a config file cannot point outside PATH.
absl::StatusOr<std::string> FindHelper(const std::string& name, const CredentialFiles& files) {
  const bool ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_isalnum(c) || c == '.' || c == '_' || c == '-';
  });
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat("credential helper \"", name, "\": not a helper name (letters, digits, . _ -)"));
  }
  const std::string program = "docker-credential-" + name;
  for (absl::string_view dir : absl::StrSplit(Env(files, "PATH"), ':', absl::SkipEmpty())) {
    std::string path = JoinPath(dir, program);
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return absl::NotFoundError(absl::StrCat(program, ": not found in PATH"));
}

// Reads `fd` to its end into `out`, at most 1 MiB.
bool Drain(int fd, std::string& out) {
  char buf[4096];
  ssize_t n = read(fd, buf, sizeof buf);
  if (n > 0 && out.size() < (1 << 20)) out.append(buf, static_cast<size_t>(n));
  return n > 0 || (n < 0 && errno == EINTR);
}

std::vector<std::string> EnvStrings(const CredentialFiles& files) {
  std::vector<std::string> env;
  if (files.env.empty()) {
    for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  } else {
    for (const auto& [k, v] : files.env) env.push_back(k + "=" + v);
  }
  return env;
}

// Runs `path verb` with `input` on stdin, collecting stdout and stderr.
absl::StatusOr<HelperRun> RunHelper(const std::string& path, const std::string& verb,
                                    const std::string& input, const CredentialFiles& files) {
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    return ErrnoStatus("pipe", errno);
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  std::vector<std::string> env = EnvStrings(files);
  std::vector<char*> envp;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string arg0 = path, arg1 = verb;
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  pid_t pid;
  int rc = posix_spawn(&pid, path.c_str(), &actions, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(in[0]);
  close(out[1]);
  close(err[1]);
  if (rc != 0) {
    close(in[1]);
    close(out[0]);
    close(err[0]);
    return ErrnoStatus(path, rc);
  }
  // The input is a host name or a small JSON object: it fits the pipe. A
  // helper that exits without reading it must not kill us (libcurl wants
  // SIGPIPE ignored too).
  signal(SIGPIPE, SIG_IGN);
  (void)!write(in[1], input.data(), input.size());
  close(in[1]);
  HelperRun run;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  for (int open = 2; open > 0;) {
    if (poll(fds, 2, -1) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd >= 0 && fds[i].revents != 0 && !Drain(fds[i].fd, i == 0 ? run.out : run.err)) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open;
      }
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// The first line of a helper's complaint (never its stdout: a secret may
// be there).
std::string Complaint(const HelperRun& run) {
  std::string text = std::string(absl::StripAsciiWhitespace(run.err.empty() ? run.out : run.err));
  text = text.substr(0, text.find('\n'));
  if (text.size() > 200) text.resize(200);
  return text.empty() ? absl::StrCat("exit status ", run.exit_code) : text;
}

absl::StatusOr<std::optional<Credential>> HelperGet(const std::string& name,
                                                    const std::string& host,
                                                    const CredentialFiles& files) {
  ASSIGN_OR_RETURN(std::string path, FindHelper(name, files));
  ASSIGN_OR_RETURN(HelperRun run, RunHelper(path, "get", ServerUrl(host), files));
  if (run.exit_code != 0) {
    // The helpers' own words for "nothing kept for this host".
    if (absl::StrContains(run.out + run.err, "credentials not found")) return std::nullopt;
    return absl::FailedPreconditionError(absl::StrCat(
        "docker-credential-", name, " get ", host, ": ", Complaint(run)));
  }
  absl::StatusOr<JsonValue> doc = JsonValue::Parse(run.out);
  const JsonValue* user = doc.ok() && doc->is_object() ? doc->Find("Username") : nullptr;
  const JsonValue* secret = doc.ok() && doc->is_object() ? doc->Find("Secret") : nullptr;
  if (user == nullptr || secret == nullptr || !user->is_string() || !secret->is_string()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "docker-credential-", name, " get ", host,
        ": the answer is not {\"Username\": ..., \"Secret\": ...}"));
  }
  Credential c;
  if (user->string_value() == "<token>") {
    c.identity_token = secret->string_value();
  } else {
    c.username = user->string_value();
    c.password = secret->string_value();
  }
  return std::optional<Credential>(std::move(c));
}

// ---- auth.json and config.json.

absl::StatusOr<std::optional<JsonValue>> ReadConfig(const std::string& path) {
  if (!Exists(path)) return std::optional<JsonValue>();
  ASSIGN_OR_RETURN(std::string text, ReadFile(path, 4 << 20));
  absl::StatusOr<JsonValue> doc = JsonValue::Parse(text);
  if (!doc.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", doc.status().message()));
  if (!doc->is_object()) return absl::InvalidArgumentError(path + ": not a JSON object");
  return std::optional<JsonValue>(*std::move(doc));
}

// An `auths` entry: "auth" as base64 of USER:PASSWORD, "identitytoken".
absl::StatusOr<std::optional<Credential>> FromEntry(const JsonValue& entry, const std::string& path,
                                                    const std::string& key) {
  const std::string where = absl::StrCat(path, ": auths.\"", key, "\"");
  if (!entry.is_object()) return absl::InvalidArgumentError(where + ": not a JSON object");
  Credential c;
  if (const JsonValue* auth = entry.Find("auth"); auth != nullptr && auth->is_string() &&
                                                  !auth->string_value().empty()) {
    std::string plain;
    size_t colon;
    if (!absl::Base64Unescape(auth->string_value(), &plain) ||
        (colon = plain.find(':')) == std::string::npos) {
      return absl::InvalidArgumentError(where + ".auth: not base64 of USER:PASSWORD");
    }
    c.username = plain.substr(0, colon);
    c.password = plain.substr(colon + 1);
  }
  if (const JsonValue* token = entry.Find("identitytoken"); token != nullptr && token->is_string()) {
    c.identity_token = token->string_value();
  }
  if (c.username.empty() && c.password.empty() && c.identity_token.empty()) return std::nullopt;
  return std::optional<Credential>(std::move(c));
}

// One file's credential for `host`, as the header orders the fields.
absl::StatusOr<std::optional<Credential>> FromConfig(const JsonValue& doc, const std::string& path,
                                                     const std::string& host,
                                                     const CredentialFiles& files) {
  if (const JsonValue* helpers = doc.Find("credHelpers"); helpers != nullptr && helpers->is_object()) {
    for (const auto& [key, name] : helpers->members()) {
      if (SameHost(key, host) && name.is_string()) return HelperGet(name.string_value(), host, files);
    }
  }
  if (const JsonValue* auths = doc.Find("auths"); auths != nullptr && auths->is_object()) {
    for (const auto& [key, entry] : auths->members()) {
      if (!SameHost(key, host)) continue;
      ASSIGN_OR_RETURN(std::optional<Credential> c, FromEntry(entry, path, key));
      if (c.has_value()) return c;
    }
  }
  if (const JsonValue* store = doc.Find("credsStore"); store != nullptr && store->is_string() &&
                                                       !store->string_value().empty()) {
    return HelperGet(store->string_value(), host, files);
  }
  return std::optional<Credential>();
}

std::vector<std::string> LookupFiles(const CredentialFiles& files) {
  if (!files.auth_file.empty()) return {files.auth_file};
  if (std::string f = Env(files, "REGISTRY_AUTH_FILE"); !f.empty()) return {f};
  std::vector<std::string> paths;
  if (std::string run = Env(files, "XDG_RUNTIME_DIR"); !run.empty()) {
    paths.push_back(run + "/containers/auth.json");
  }
  const std::string home = Env(files, "HOME");
  if (!home.empty()) paths.push_back(home + "/.config/containers/auth.json");
  std::string docker = Env(files, "DOCKER_CONFIG");
  if (docker.empty() && !home.empty()) docker = home + "/.docker";
  if (!docker.empty()) paths.push_back(docker + "/config.json");
  return paths;
}

// Writes `doc` to `path`: mode 0600, in a folder made 0700, atomically.
absl::Status WritePrivate(const std::string& path, const JsonValue& doc) {
  const std::string dir = Dirname(path);
  if (!Exists(dir)) RETURN_IF_ERROR(MakeDirs(dir, 0700));
  ASSIGN_OR_RETURN(TempFile tmp, TempFile::Create(dir));
  if (fchmod(tmp.fd().get(), 0600) != 0) return ErrnoStatus(tmp.path(), errno);
  RETURN_IF_ERROR(tmp.Write(doc.Serialize(JsonWriter::Style::kPretty) + "\n"));
  return tmp.Commit(path);
}

}  // namespace

std::string RegistryHostOf(absl::string_view text) {
  absl::ConsumePrefix(&text, "https://") || absl::ConsumePrefix(&text, "http://");
  return std::string(text.substr(0, text.find('/')));
}

std::string CredentialKey(const std::string& host) {
  return IsDockerHub(host) ? "docker.io" : host;
}

absl::StatusOr<std::optional<Credential>> LookupCredential(const std::string& host,
                                                           const CredentialFiles& files) {
  for (const std::string& path : LookupFiles(files)) {
    ASSIGN_OR_RETURN(std::optional<JsonValue> doc, ReadConfig(path));
    if (!doc.has_value()) continue;
    ASSIGN_OR_RETURN(std::optional<Credential> c, FromConfig(*doc, path, host, files));
    if (c.has_value()) return c;
  }
  return std::optional<Credential>();
}

std::string LoginFile(const CredentialFiles& files) {
  if (!files.auth_file.empty()) return files.auth_file;
  if (std::string f = Env(files, "REGISTRY_AUTH_FILE"); !f.empty()) return f;
  if (std::string run = Env(files, "XDG_RUNTIME_DIR"); !run.empty()) {
    return run + "/containers/auth.json";
  }
  return Env(files, "HOME") + "/.config/containers/auth.json";
}

absl::StatusOr<std::string> StoreCredential(const std::string& host, const Credential& cred,
                                            const CredentialFiles& files) {
  const std::string path = LoginFile(files);
  ASSIGN_OR_RETURN(std::optional<JsonValue> doc, ReadConfig(path));
  JsonValue root = doc.has_value() ? *std::move(doc) : JsonValue::Object();
  JsonValue* auths = root.FindMutable("auths");
  if (auths == nullptr || !auths->is_object()) {
    root.Set("auths", JsonValue::Object());
    auths = root.FindMutable("auths");
  }
  // One entry per host: drop the other spellings of it.
  std::vector<std::string> stale;
  for (const auto& [key, entry] : auths->members()) {
    if (SameHost(key, host)) stale.push_back(key);
  }
  for (const std::string& key : stale) auths->Erase(key);
  JsonValue entry = JsonValue::Object();
  if (!cred.identity_token.empty()) {
    entry.Set("identitytoken", JsonValue::String(cred.identity_token));
  } else {
    entry.Set("auth", JsonValue::String(absl::Base64Escape(cred.username + ":" + cred.password)));
  }
  auths->Set(CredentialKey(host), std::move(entry));
  RETURN_IF_ERROR(WritePrivate(path, root));
  return path;
}

absl::StatusOr<std::string> EraseCredential(const std::string& host,
                                            const CredentialFiles& files) {
  const std::string path = LoginFile(files);
  ASSIGN_OR_RETURN(std::optional<JsonValue> doc, ReadConfig(path));
  JsonValue* auths = doc.has_value() ? doc->FindMutable("auths") : nullptr;
  std::vector<std::string> keys;
  if (auths != nullptr && auths->is_object()) {
    for (const auto& [key, entry] : auths->members()) {
      if (SameHost(key, host)) keys.push_back(key);
    }
  }
  if (keys.empty()) {
    return absl::NotFoundError(absl::StrCat("not logged in to ", host, " (in ", path, ")"));
  }
  for (const std::string& key : keys) auths->Erase(key);
  RETURN_IF_ERROR(WritePrivate(path, *doc));
  return path;
}

}  // namespace stowage::registry
