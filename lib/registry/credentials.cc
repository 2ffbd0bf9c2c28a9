// TEMPORARY stub
#include "lib/registry/credentials.h"
namespace stowage::registry {
absl::StatusOr<std::optional<Credential>> LookupCredential(const std::string&, const CredentialFiles&) { return std::nullopt; }
}
