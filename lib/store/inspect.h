// What `stowage inspect`, `ls` and `tags` show about stored images.

#ifndef STOWAGE_LIB_STORE_INSPECT_H_
#define STOWAGE_LIB_STORE_INSPECT_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/oci/descriptor.h"
#include "lib/store/store.h"

namespace stowage::store {

struct ImageInfo {
  std::string name;    // "repository:tag" or "repository@digest"
  std::string digest;
  std::string media_type;
  bool is_index = false;
  std::string artifact_type;  // config media type of a non-image artifact
  // An index: one per child manifest, with its platform ("" if none given).
  struct Child {
    std::string platform;
    std::string digest;
    std::string media_type;
    int64_t size = 0;
    bool held = true;  // false: of a partial index, not in the store
  };
  std::vector<Child> manifests;
  // An image: from its config.
  std::string platform;
  std::string created;
  std::vector<std::pair<std::string, std::string>> labels;  // sorted by key
  std::vector<oci::Descriptor> layers;
  // Every blob reachable, each counted once (compressed sizes).
  uint64_t total_size = 0;
  std::string raw_manifest;
};

// Finds REPOSITORY[:TAG] or REPOSITORY@DIGEST (the digest of a tagged image,
// or of a manifest inside a tagged index). Sets `*name` to the canonical
// "repository:tag" or "repository@digest" when given.
absl::StatusOr<oci::Descriptor> ResolveImage(const Store& store,
                                             absl::string_view image,
                                             std::string* name = nullptr);

// Looks up REPOSITORY[:TAG] or REPOSITORY@DIGEST (the digest of a tagged
// image, or of a manifest inside a tagged index) and describes it.
absl::StatusOr<ImageInfo> Inspect(const Store& store, absl::string_view image);

struct RepositoryInfo {
  std::string repository;
  uint64_t tags = 0;
  uint64_t size = 0;  // unique blobs of all its tags
};

// Every repository with its tag count and size, sorted by name.
absl::StatusOr<std::vector<RepositoryInfo>> ListRepositories(const Store& store);

// Total size of the blobs reachable from `d`, each counted once.
absl::StatusOr<uint64_t> ImageSize(const Store& store, const oci::Descriptor& d);

}  // namespace stowage::store

#endif  // STOWAGE_LIB_STORE_INSPECT_H_
