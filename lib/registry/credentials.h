// Registry credentials where docker, podman and skopeo keep them.
//
// Lookup, first found wins:
//   1. --authfile FILE, else $REGISTRY_AUTH_FILE: that file alone.
//   2. containers' auth.json: $XDG_RUNTIME_DIR/containers/auth.json, then
//      ~/.config/containers/auth.json.
//   3. Docker's $DOCKER_CONFIG/config.json (default ~/.docker/config.json).
// In each file: `credHelpers[HOST]` names a docker-credential-NAME helper;
// else `auths[HOST]` holds "auth" (base64 of USER:PASSWORD) or an
// "identitytoken"; else `credsStore` names a helper for every host. Keys
// are matched as Docker matches them: "https://HOST/v1/", "http://HOST"
// and "HOST" are one host, and docker.io, index.docker.io and
// registry-1.docker.io are Docker Hub.
//
// The helper protocol is Docker's: `docker-credential-NAME get` with the
// host on stdin answers {"ServerURL","Username","Secret"} on stdout (a
// Username of "<token>" makes Secret an identity token); `store` reads
// that JSON; `erase` reads the host.
//
// Nothing here prints or logs a secret; errors name files, hosts and
// helpers, never what they hold.

#ifndef STOWAGE_LIB_REGISTRY_CREDENTIALS_H_
#define STOWAGE_LIB_REGISTRY_CREDENTIALS_H_

#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace stowage::registry {

struct Credential {
  std::string username;
  std::string password;
  std::string identity_token;  // an OAuth2 refresh token, in place of a password
};

// Where to look. `env` replaces the process environment when not empty
// (for tests): HOME, XDG_RUNTIME_DIR, REGISTRY_AUTH_FILE, DOCKER_CONFIG,
// PATH.
struct CredentialFiles {
  std::string auth_file;  // --authfile
  std::map<std::string, std::string> env;
};

// The host of an `auths` key or a `docker login` argument, as Docker reads
// them: "https://HOST/v1/", "http://HOST" and "HOST" are all "HOST".
std::string RegistryHostOf(absl::string_view text);

// The key login writes for `host`: "docker.io" for Docker Hub's names, the
// host (with its port) otherwise.
std::string CredentialKey(const std::string& host);

// The credential for `host`, or nullopt when none is kept. InvalidArgument
// naming the file for a file that is not JSON or an "auth" that is not
// base64 of USER:PASSWORD; the helper's exit and stderr when it fails.
absl::StatusOr<std::optional<Credential>> LookupCredential(const std::string& host,
                                                           const CredentialFiles& files);

// The file login writes: --authfile, else $REGISTRY_AUTH_FILE, else
// $XDG_RUNTIME_DIR/containers/auth.json where XDG_RUNTIME_DIR is set (as
// podman login), else ~/.config/containers/auth.json.
std::string LoginFile(const CredentialFiles& files);

// Writes `cred` for `host` into LoginFile() (its other entries and fields
// kept), mode 0600 in a folder made 0700, replaced atomically. Returns the
// file's path.
absl::StatusOr<std::string> StoreCredential(const std::string& host, const Credential& cred,
                                            const CredentialFiles& files);

// Removes `host`'s entry from LoginFile(). NotFound when it holds none.
// Returns the file's path.
absl::StatusOr<std::string> EraseCredential(const std::string& host,
                                            const CredentialFiles& files);

}  // namespace stowage::registry

#endif  // STOWAGE_LIB_REGISTRY_CREDENTIALS_H_
