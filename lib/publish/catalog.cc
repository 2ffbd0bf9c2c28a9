#include "lib/publish/catalog.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/json/json_value.h"
#include "lib/oci/media_types.h"

namespace stowage::publish {

absl::Status TagDescriber::ReadConfig(const oci::Descriptor& config, Image& image) {
  image.blobs.emplace_back(config.digest(), config.size());
  // An image config: platform and date. Other artifacts' configs are not
  // read.
  if (config.media_type() != oci::kOciConfig && config.media_type() != oci::kDockerConfig) {
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(std::string bytes, layout_.ReadBlob(config));
  absl::StatusOr<JsonValue> json = JsonValue::Parse(bytes);
  if (!json.ok() || !json->is_object()) return absl::OkStatus();
  std::string os, arch, variant;
  if (const JsonValue* v = json->Find("os")) os = v->string_value();
  if (const JsonValue* v = json->Find("architecture")) arch = v->string_value();
  if (const JsonValue* v = json->Find("variant")) variant = v->string_value();
  if (!os.empty() && !arch.empty()) {
    image.platforms.push_back(variant.empty() ? absl::StrCat(os, "/", arch)
                                              : absl::StrCat(os, "/", arch, "/", variant));
  }
  if (const JsonValue* v = json->Find("created")) image.created = v->string_value();
  return absl::OkStatus();
}

absl::StatusOr<const TagDescriber::Image*> TagDescriber::Read(const std::string& digest,
                                                              const std::string& media_type,
                                                              int64_t size, int depth,
                                                              const std::vector<oci::Platform>& held) {
  // A partial index is another image than the whole one of its digest.
  std::string key = digest;
  for (const oci::Platform& p : held) absl::StrAppend(&key, " ", p.String());
  auto it = cache_.find(key);
  if (it != cache_.end()) return &it->second;
  if (depth > 8) {
    return absl::DataLossError(absl::StrCat(digest, ": indexes nested too deeply"));
  }
  Image image;
  image.blobs.emplace_back(digest, size);
  auto planned = planned_.find(digest);
  if (planned != planned_.end() && planned->second.is_index) {
    // An index's children: each with the platform its descriptor names, or
    // else the child's own.
    std::set<std::string> platforms;
    for (const PlannedBlob& c : planned->second.children) {
      if (!HeldBlob(held, c)) continue;
      ASSIGN_OR_RETURN(const Image* child, Read(c.digest, c.media_type, c.size, depth + 1, held));
      if (!c.platform.empty()) {
        if (c.platform != "unknown/unknown") platforms.insert(c.platform);
      } else {
        platforms.insert(child->platforms.begin(), child->platforms.end());
      }
      image.blobs.insert(image.blobs.end(), child->blobs.begin(), child->blobs.end());
      image.created = std::max(image.created, child->created);
    }
    image.platforms.assign(platforms.begin(), platforms.end());
  } else if (planned != planned_.end()) {
    // An image: its config, then its layers.
    const std::vector<PlannedBlob>& children = planned->second.children;
    if (!children.empty()) {
      const PlannedBlob& config = children[0];
      RETURN_IF_ERROR(
          ReadConfig(oci::Descriptor::Make(config.media_type, config.digest, config.size), image));
    }
    for (size_t i = 1; i < children.size(); ++i) {
      image.blobs.emplace_back(children[i].digest, children[i].size);
    }
  } else if (oci::IsManifestMediaType(media_type)) {
    // Every manifest of a planned repository was read by the plan.
    return absl::InternalError(absl::StrCat(digest, ": a manifest the publish plan did not read"));
  }
  // Each blob once.
  std::sort(image.blobs.begin(), image.blobs.end());
  image.blobs.erase(std::unique(image.blobs.begin(), image.blobs.end()), image.blobs.end());
  return &cache_.emplace(key, std::move(image)).first->second;
}

absl::StatusOr<site::TagInfo> TagDescriber::Describe(const store::TagSummary& tag) {
  ASSIGN_OR_RETURN(const Image* image,
                   Read(std::string(tag.digest), std::string(tag.media_type), tag.size, 0,
                        HeldPlatformsOf(tag)));
  site::TagInfo info;
  info.tag = tag.name.tag;
  info.digest = std::string(tag.digest);
  info.platforms = image->platforms;
  for (const auto& [digest, size] : image->blobs) info.size += size;
  info.created = image->created;
  return info;
}

}  // namespace stowage::publish
