// One repository of a live registry, asked what its tags name without
// fetching manifests: for `stowage sync`, which copies only what changed.
// (Images themselves move through the docker:// transport this file's
// .cc registers, under the copy engine.)
//
//   ASSIGN_OR_RETURN(std::unique_ptr<RegistryRepository> repo,
//                    RegistryRepository::Open("docker://registry.local/team/app", {}));
//   ASSIGN_OR_RETURN(std::optional<oci::Descriptor> d, repo->Head("v1"));

#ifndef STOWAGE_LIB_TRANSPORT_DOCKER_REGISTRY_H_
#define STOWAGE_LIB_TRANSPORT_DOCKER_REGISTRY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/oci/descriptor.h"
#include "lib/transport/transport.h"

namespace stowage::transport {

// The store tag `import --referrers` gives an OCI 1.1 referrer of
// `subject`: sha256-<subject hex>.ref-<first 12 hex of the referrer's
// digest> (the store keeps only what tags name).
std::string ReferrerTag(const std::string& subject, const std::string& referrer);
// cosign's tags for the manifest `digest`: sha256-<hex>.sig, .att and .sbom.
std::vector<std::string> CosignTags(const std::string& digest);

class RegistryRepository {
 public:
  virtual ~RegistryRepository() = default;

  // Connects to the registry of `text`, docker://[HOST[:PORT]/]NAME (no
  // tag or digest). InvalidArgument for another text; the client's errors
  // when the registry cannot be reached.
  static absl::StatusOr<std::unique_ptr<RegistryRepository>> Open(
      const std::string& text, const RegistryOptions& options);

  // "docker://HOST/NAME" as the text would be written in full.
  virtual const std::string& name() const = 0;
  // The store name of the repository: library/python for docker://python.
  virtual const std::string& repository() const = 0;

  // Every tag, page by page (GET /v2/NAME/tags/list and its Link headers).
  virtual absl::StatusOr<std::vector<std::string>> Tags() = 0;
  // What `tag` names, from a HEAD request (its Docker-Content-Digest,
  // Content-Type and Content-Length); nullopt when the registry has no such
  // tag. The descriptor is the registry's word, not checked against bytes:
  // a copy that follows checks them. Thread-safe.
  virtual absl::StatusOr<std::optional<oci::Descriptor>> Head(const std::string& tag) = 0;
  // The bytes of manifest or index `d`, checked against it. Thread-safe.
  virtual absl::StatusOr<std::string> Get(const oci::Descriptor& d) = 0;
  // The digests of the OCI 1.1 referrers of manifest `digest` (the
  // referrers API, else its sha256-<hex> fallback tag); empty for none.
  virtual absl::StatusOr<std::vector<std::string>> Referrers(const std::string& digest) = 0;
  // HTTP requests sent so far to this registry (retries and token requests
  // included) by this process: repositories of one host, opened with the
  // same options, share one connection and count together.
  virtual int64_t requests() const = 0;
};

}  // namespace stowage::transport

#endif  // STOWAGE_LIB_TRANSPORT_DOCKER_REGISTRY_H_
