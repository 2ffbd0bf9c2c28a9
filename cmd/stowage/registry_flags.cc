#include "cmd/stowage/registry_flags.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <iostream>

#include "absl/strings/str_cat.h"

namespace stowage {

const char kRegistryHelp[] =
    "Registries: docker://[HOST[:PORT]/]NAME[:TAG|@DIGEST] as docker names "
    "images: no HOST is Docker Hub (registry-1.docker.io), a bare NAME there "
    "is library/NAME, no tag is latest. TLS is verified against the system's "
    "CAs plus the *.crt of /etc/containers/certs.d/HOST/ or "
    "/etc/docker/certs.d/HOST/ (or --cert-dir), where NAME.cert with NAME.key "
    "is a client certificate. Plain HTTP is used only for loopback hosts or "
    "with --tls-verify=false, and a warning says so. Credentials: --creds, "
    "else $REGISTRY_AUTH_FILE, containers' auth.json "
    "($XDG_RUNTIME_DIR/containers/auth.json, ~/.config/containers/auth.json), "
    "then Docker's ~/.docker/config.json (auths, credHelpers, credsStore); "
    "`stowage login HOST` stores them. Secrets are never printed. Requests "
    "are retried with backoff on 5xx, 429 (after Retry-After) and network "
    "errors; a blob download cut short resumes where it stopped.";

void AddRegistryFlags(CLI::App* app, RegistryFlags* flags) {
  app->add_option("--tls-verify", flags->tls_verify,
                  "docker:// only: true requires verified TLS even on loopback; "
                  "false accepts any certificate and plain HTTP (warned about)")
      ->check(CLI::IsMember({"true", "false"}));
  app->add_option("--cert-dir", flags->cert_dir,
                  "docker:// only: the folder of *.crt CAs and NAME.cert/NAME.key "
                  "client certificates, in place of certs.d's")
      ->check(CLI::ExistingDirectory);
  app->add_option("--creds", flags->creds,
                  "docker:// only: USER[:PASSWORD]; without PASSWORD it is asked "
                  "for (or read with --password-stdin). Prefer `stowage login`: "
                  "a password here lands in shell history and ps");
  app->add_flag("--password-stdin", flags->password_stdin,
                "Read the --creds password from stdin");
  app->add_option("--authfile", flags->auth_file,
                  "docker:// only: the credentials file to read (containers' "
                  "auth.json format), in place of the usual ones");
}

absl::StatusOr<std::string> AskOnTerminal(const std::string& prompt, bool echo,
                                          const std::string& what, const std::string& instead) {
  int tty = open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (tty < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("no terminal to ask the ", what, " on: pass ", instead));
  }
  termios old{};
  bool restore = !echo && tcgetattr(tty, &old) == 0;
  if (restore) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(tty, TCSAFLUSH, &quiet);
  }
  (void)!write(tty, prompt.data(), prompt.size());
  std::string line;
  char c;
  while (read(tty, &c, 1) == 1 && c != '\n') line.push_back(c);
  if (!echo) (void)!write(tty, "\n", 1);  // the Enter that was not shown
  if (restore) tcsetattr(tty, TCSAFLUSH, &old);
  close(tty);
  return line;
}

absl::StatusOr<std::string> ReadPassword(bool from_stdin, const std::string& prompt) {
  if (from_stdin) {
    std::string password;
    std::getline(std::cin, password);
    if (!password.empty() && password.back() == '\r') password.pop_back();
    return password;
  }
  return AskOnTerminal(prompt, /*echo=*/false, "password", "--password-stdin");
}

absl::StatusOr<transport::RegistryOptions> ResolveRegistryFlags(const RegistryFlags& flags) {
  transport::RegistryOptions o;
  if (!flags.tls_verify.empty()) o.tls_verify = flags.tls_verify == "true";
  o.cert_dir = flags.cert_dir;
  o.auth_file = flags.auth_file;
  if (flags.password_stdin && flags.creds.empty()) {
    return absl::InvalidArgumentError("--password-stdin: name the user with --creds USER");
  }
  if (flags.creds.empty()) return o;
  size_t colon = flags.creds.find(':');
  if (colon == 0) return absl::InvalidArgumentError("--creds: the user name is empty");
  if (colon != std::string::npos) {
    if (flags.password_stdin) {
      return absl::InvalidArgumentError(
          "--creds USER:PASSWORD and --password-stdin: give the password once");
    }
    o.creds = flags.creds;
    return o;
  }
  absl::StatusOr<std::string> password =
      ReadPassword(flags.password_stdin, absl::StrCat("Password for ", flags.creds, ": "));
  if (!password.ok()) return password.status();
  o.creds = absl::StrCat(flags.creds, ":", *password);
  return o;
}

}  // namespace stowage
