// stowage login / logout: keep a registry's credentials in containers'
// auth.json (lib/registry/credentials), checked against the registry first.

#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "cmd/stowage/command.h"
#include "cmd/stowage/common.h"
#include "cmd/stowage/registry_flags.h"
#include "lib/base/status_macros.h"
#include "lib/reference/reference.h"
#include "lib/registry/client.h"
#include "lib/registry/credentials.h"

namespace stowage {
namespace {

struct LoginFlags {
  std::string host = "docker.io";
  std::string username;
  bool password_stdin = false;
  bool get_login = false;
  std::string tls_verify;
  std::string cert_dir;
  std::string auth_file;
};

// HOST or HOST:PORT; a URL's scheme and path are dropped as docker login
// drops them.
absl::StatusOr<std::string> ParseHost(const std::string& text) {
  std::string host = registry::RegistryHostOf(text);
  if (absl::Status s = ValidateRegistryHost(host); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\": ", s.message()));
  }
  return host;
}

// The user name from the terminal (echoed, as docker asks it).
absl::StatusOr<std::string> AskUsername(const std::string& host) {
  ASSIGN_OR_RETURN(std::string name, AskOnTerminal(absl::StrCat("Username for ", host, ": "),
                                                   /*echo=*/true, "user name", "--username"));
  return std::string(absl::StripAsciiWhitespace(name));
}

registry::CredentialFiles Files(const LoginFlags& flags) {
  registry::CredentialFiles files;
  files.auth_file = flags.auth_file;
  return files;
}

int GetLogin(const std::string& host, const LoginFlags& flags) {
  absl::StatusOr<std::optional<registry::Credential>> c =
      registry::LookupCredential(host, Files(flags));
  if (!c.ok()) return Fail("login", c.status());
  if (!c->has_value() || (*c)->username.empty()) {
    return Fail("login", absl::NotFoundError(absl::StrCat("not logged in to ", host)));
  }
  std::cout << (*c)->username << "\n";
  return kExitOk;
}

int RunLogin(const LoginFlags& flags) {
  absl::StatusOr<std::string> host = ParseHost(flags.host);
  if (!host.ok()) return Fail("login", host.status());
  if (flags.get_login) return GetLogin(*host, flags);
  std::string user = flags.username;
  if (user.empty()) {
    absl::StatusOr<std::string> asked = AskUsername(*host);
    if (!asked.ok()) return Fail("login", asked.status());
    user = *asked;
  }
  if (user.empty() || user.find(':') != std::string::npos) {
    return Fail("login", absl::InvalidArgumentError("the user name is empty or holds ':'"));
  }
  absl::StatusOr<std::string> password =
      ReadPassword(flags.password_stdin, absl::StrCat("Password for ", user, "@", *host, ": "));
  if (!password.ok()) return Fail("login", password.status());
  if (password->empty()) return Fail("login", absl::InvalidArgumentError("the password is empty"));

  registry::ClientOptions options;
  if (!flags.tls_verify.empty()) options.tls_verify = flags.tls_verify == "true";
  options.cert_dir = flags.cert_dir;
  options.creds = registry::Credential{user, *password, ""};
  absl::StatusOr<std::shared_ptr<registry::Client>> client =
      registry::Client::Connect(*host, options);
  if (!client.ok()) return Fail("login", client.status());
  if (absl::Status s = (*client)->Login(); !s.ok()) return Fail("login", s);
  absl::StatusOr<std::string> path =
      registry::StoreCredential(*host, *options.creds, Files(flags));
  if (!path.ok()) return Fail("login", path.status());
  std::cerr << "credentials of " << user << " for " << *host << " saved to " << *path << "\n";
  std::cout << "Login Succeeded\n";
  return kExitOk;
}

int RunLogout(const LoginFlags& flags) {
  absl::StatusOr<std::string> host = ParseHost(flags.host);
  if (!host.ok()) return Fail("logout", host.status());
  absl::StatusOr<std::string> path = registry::EraseCredential(*host, Files(flags));
  if (!path.ok()) return Fail("logout", path.status());
  std::cout << "Removed login credentials for " << *host << " from " << *path << "\n";
  return kExitOk;
}

void AddFileOption(CLI::App* app, LoginFlags* flags) {
  app->add_option("--authfile", flags->auth_file,
                  "The credentials file (containers' auth.json format), in place of "
                  "$REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json or "
                  "~/.config/containers/auth.json");
}

}  // namespace

Command AddLoginCommand(CLI::App& root) {
  auto flags = std::make_shared<LoginFlags>();
  CLI::App* app = root.add_subcommand(
      "login", "Check a user's credentials with a registry and keep them for import, export and sync");
  app->add_option("HOST", flags->host, "HOST[:PORT] (default docker.io, Docker Hub)");
  app->add_option("-u,--username", flags->username, "The user (asked for when not given)");
  app->add_flag("--password-stdin", flags->password_stdin,
                "Read the password from stdin (one line), for scripts");
  app->add_flag("--get-login", flags->get_login,
                "Print the user logged in to HOST and exit (1 when none)");
  app->add_option("--tls-verify", flags->tls_verify,
                  "true requires verified TLS even on loopback; false accepts any "
                  "certificate and plain HTTP (warned about)")
      ->check(CLI::IsMember({"true", "false"}));
  app->add_option("--cert-dir", flags->cert_dir,
                  "The folder of *.crt CAs and client certificates, in place of certs.d's")
      ->check(CLI::ExistingDirectory);
  AddFileOption(app, flags.get());
  app->footer(
      "The password is asked for with echo off, or read from stdin with "
      "--password-stdin; there is no option that takes it on the command line, "
      "where shell history and ps would keep it. The credentials are checked "
      "first, as docker login checks them (GET /v2/ with HTTP Basic, or a "
      "token from the registry's token service), and written only when the "
      "registry accepts them: to containers' auth.json, the file podman, "
      "skopeo and buildah read (mode 0600, its folder 0700, its other "
      "entries kept, replaced atomically), as base64 of USER:PASSWORD like "
      "theirs, which hides the password from a glance and from nobody else: "
      "protect the file. Nothing prints the password.\n"
      "Reading, stowage also takes Docker's ~/.docker/config.json (auths, "
      "credHelpers, credsStore) as docker does.\n\n"
      "Examples:\n"
      "  stowage login registry.local:5000 -u alice\n"
      "  printf '%s\\n' \"$TOKEN\" | stowage login ghcr.io -u bot --password-stdin\n"
      "  stowage login --get-login registry.local:5000\n"
      "  stowage logout registry.local:5000");
  return Command{app, [flags] { return RunLogin(*flags); }};
}

Command AddLogoutCommand(CLI::App& root) {
  auto flags = std::make_shared<LoginFlags>();
  CLI::App* app = root.add_subcommand("logout", "Remove a registry's credentials that login kept");
  app->add_option("HOST", flags->host, "HOST[:PORT] (default docker.io)");
  AddFileOption(app, flags.get());
  app->footer(
      "Removes HOST's entry from the file login writes; exit status 1 when it "
      "holds none. Credentials kept by a credential helper or in Docker's "
      "config.json are left alone (docker logout removes those).");
  return Command{app, [flags] { return RunLogout(*flags); }};
}

}  // namespace stowage
