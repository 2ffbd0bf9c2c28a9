#include "lib/publish/catalog.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/json/json_value.h"
#include "lib/oci/graph.h"
#include "lib/oci/media_types.h"

namespace stowage::publish {

absl::StatusOr<const TagDescriber::Image*> TagDescriber::Read(const std::string& digest,
                                                              const std::string& media_type,
                                                              int64_t size, int depth) {
  auto it = cache_.find(digest);
  if (it != cache_.end()) return &it->second;
  if (depth > 8) {
    return absl::DataLossError(absl::StrCat(digest, ": indexes nested too deeply"));
  }
  Image image;
  image.blobs.emplace_back(digest, size);
  if (oci::IsManifestMediaType(media_type)) {
    ASSIGN_OR_RETURN(oci::Manifest m,
                     oci::ReadManifest(layout_, oci::Descriptor::Make(media_type, digest, size)));
    if (m.is_index()) {
      std::set<std::string> platforms;
      for (const oci::Descriptor& c : m.manifests) {
        ASSIGN_OR_RETURN(const Image* child, Read(c.digest(), c.media_type(), c.size(), depth + 1));
        if (c.platform().has_value()) {
          std::string p = c.platform()->String();
          if (p != "unknown/unknown") platforms.insert(p);
        } else {
          platforms.insert(child->platforms.begin(), child->platforms.end());
        }
        image.blobs.insert(image.blobs.end(), child->blobs.begin(), child->blobs.end());
        image.created = std::max(image.created, child->created);
      }
      image.platforms.assign(platforms.begin(), platforms.end());
    } else {
      if (m.config.has_value()) {
        image.blobs.emplace_back(m.config->digest(), m.config->size());
        // An image config: platform and date. Other artifacts' configs are
        // not read.
        if (m.config->media_type() == oci::kOciConfig ||
            m.config->media_type() == oci::kDockerConfig) {
          ASSIGN_OR_RETURN(std::string bytes, layout_.ReadBlob(*m.config));
          absl::StatusOr<JsonValue> config = JsonValue::Parse(bytes);
          if (config.ok() && config->is_object()) {
            std::string os, arch, variant;
            if (const JsonValue* v = config->Find("os")) os = v->string_value();
            if (const JsonValue* v = config->Find("architecture")) arch = v->string_value();
            if (const JsonValue* v = config->Find("variant")) variant = v->string_value();
            if (!os.empty() && !arch.empty()) {
              image.platforms.push_back(
                  variant.empty() ? absl::StrCat(os, "/", arch)
                                  : absl::StrCat(os, "/", arch, "/", variant));
            }
            if (const JsonValue* v = config->Find("created")) image.created = v->string_value();
          }
        }
      }
      for (const oci::Descriptor& l : m.layers) image.blobs.emplace_back(l.digest(), l.size());
    }
  }
  // Each blob once.
  std::sort(image.blobs.begin(), image.blobs.end());
  image.blobs.erase(std::unique(image.blobs.begin(), image.blobs.end()), image.blobs.end());
  return &cache_.emplace(digest, std::move(image)).first->second;
}

absl::StatusOr<site::TagInfo> TagDescriber::Describe(const store::TagSummary& tag) {
  ASSIGN_OR_RETURN(const Image* image,
                   Read(std::string(tag.digest), std::string(tag.media_type), tag.size, 0));
  site::TagInfo info;
  info.tag = tag.name.tag;
  info.digest = std::string(tag.digest);
  info.platforms = image->platforms;
  for (const auto& [digest, size] : image->blobs) info.size += size;
  info.created = image->created;
  return info;
}

}  // namespace stowage::publish
