// The options of commands that talk to registries (import, export, sync,
// login): TLS, certificates and credentials.

#ifndef STOWAGE_CMD_STOWAGE_REGISTRY_FLAGS_H_
#define STOWAGE_CMD_STOWAGE_REGISTRY_FLAGS_H_

#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "lib/transport/transport.h"

namespace stowage {

struct RegistryFlags {
  std::string tls_verify;  // "", "true" or "false"
  std::string cert_dir;
  std::string creds;       // USER[:PASSWORD]
  bool password_stdin = false;
  std::string auth_file;
};

// Adds --tls-verify, --cert-dir, --creds, --password-stdin and --authfile.
void AddRegistryFlags(CLI::App* app, RegistryFlags* flags);

// The options the flags give; asks for the password of a --creds USER on
// the terminal (echo off), or reads it from stdin with --password-stdin.
absl::StatusOr<transport::RegistryOptions> ResolveRegistryFlags(const RegistryFlags& flags);

// Reads a password: from stdin (one line, its newline dropped) when
// `from_stdin`, otherwise from the terminal with echo off after `prompt`.
// FailedPrecondition when there is no terminal to ask.
absl::StatusOr<std::string> ReadPassword(bool from_stdin, const std::string& prompt);

// Asks on the terminal (/dev/tty) after `prompt` and reads one line, shown
// as typed only with `echo`. FailedPrecondition "no terminal to ask the
// WHAT on: pass INSTEAD" when there is none.
absl::StatusOr<std::string> AskOnTerminal(const std::string& prompt, bool echo,
                                          const std::string& what, const std::string& instead);

// The footer paragraph every registry command shares.
extern const char kRegistryHelp[];

}  // namespace stowage

#endif  // STOWAGE_CMD_STOWAGE_REGISTRY_FLAGS_H_
