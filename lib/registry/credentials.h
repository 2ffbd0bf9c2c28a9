// TEMPORARY: replaced by the credentials helper's version at merge.
#ifndef STOWAGE_LIB_REGISTRY_CREDENTIALS_H_
#define STOWAGE_LIB_REGISTRY_CREDENTIALS_H_
#include <map>
#include <optional>
#include <string>
#include "absl/status/statusor.h"
namespace stowage::registry {
struct Credential {
  std::string username;
  std::string password;
  std::string identity_token;
};
struct CredentialFiles {
  std::string auth_file;
  std::map<std::string, std::string> env;
};
std::string CredentialKey(const std::string& host);
absl::StatusOr<std::optional<Credential>> LookupCredential(const std::string& host, const CredentialFiles& files);
absl::StatusOr<std::string> StoreCredential(const std::string& host, const Credential& cred, const CredentialFiles& files);
absl::StatusOr<std::string> EraseCredential(const std::string& host, const CredentialFiles& files);
}  // namespace stowage::registry
#endif
