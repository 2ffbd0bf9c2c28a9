// The catalog's input, gathered from the store: every published tag's
// platforms, compressed size and date, read from its manifests and image
// configs. lib/site renders it.

#ifndef STOWAGE_LIB_PUBLISH_CATALOG_H_
#define STOWAGE_LIB_PUBLISH_CATALOG_H_

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/oci/layout.h"
#include "lib/publish/plan.h"
#include "lib/site/site.h"
#include "lib/store/store.h"

namespace stowage::publish {

// Describes tags for the tags table, from the manifests the publish plan
// read (SitePlan::manifests, which must outlive the describer) and the image
// configs, which are read here. Configs shared between tags are read once.
class TagDescriber {
 public:
  TagDescriber(const oci::Layout& layout,
               const std::unordered_map<std::string, PlannedManifest>& planned)
      : layout_(layout), planned_(planned) {}

  // The tag's digest, platforms (of an index's children; an image's
  // config's os/architecture[/variant]; attestation manifests with platform
  // unknown/unknown left out), compressed size (every blob reachable, each
  // once) and creation date (the config's "created"; for an index, the
  // latest of its images'). Errors name the damaged blob; Internal for a
  // manifest of `tag` the plan did not read.
  absl::StatusOr<site::TagInfo> Describe(const store::TagSummary& tag);

 private:
  struct Image {
    std::vector<std::string> platforms;
    std::vector<std::pair<std::string, int64_t>> blobs;  // digest, size
    std::string created;
  };
  // `held`: of a partial index, the platforms the store holds (oci/graph.h).
  absl::StatusOr<const Image*> Read(const std::string& digest, const std::string& media_type,
                                    int64_t size, int depth,
                                    const std::vector<oci::Platform>& held);

  // The config's platform and date into `image`.
  absl::Status ReadConfig(const oci::Descriptor& config, Image& image);

  const oci::Layout& layout_;
  const std::unordered_map<std::string, PlannedManifest>& planned_;
  std::map<std::string, Image> cache_;
};

}  // namespace stowage::publish

#endif  // STOWAGE_LIB_PUBLISH_CATALOG_H_
