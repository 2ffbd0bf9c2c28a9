#include "lib/store/inspect.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/json/json_value.h"
#include "lib/oci/graph.h"
#include "lib/oci/media_types.h"
#include "lib/reference/reference.h"

namespace stowage::store {
namespace {

constexpr char kDockerConfig[] = "application/vnd.docker.container.image.v1+json";
constexpr char kOciConfig[] = "application/vnd.oci.image.config.v1+json";

// The tagged image, or a manifest inside one, with this digest.
absl::StatusOr<oci::Descriptor> FindByDigest(const Store& store,
                                             const std::string& repository,
                                             const std::string& digest) {
  ASSIGN_OR_RETURN(std::vector<TagEntry> tags, store.Tags());
  for (const TagEntry& e : tags) {
    if (e.name.repository != repository) continue;
    if (e.descriptor.digest() == digest) return e.descriptor;
    ASSIGN_OR_RETURN(std::vector<oci::Descriptor> graph,
                     oci::CollectGraph(store.layout(), e.descriptor));
    for (const oci::Descriptor& d : graph) {
      if (d.digest() == digest && oci::IsManifestMediaType(d.media_type())) {
        return d;
      }
    }
  }
  return absl::NotFoundError(
      absl::StrCat("no image ", digest, " in the repository ", repository));
}

void ReadConfig(const Store& store, const oci::Descriptor& config,
                ImageInfo* info) {
  if (config.media_type() != kOciConfig && config.media_type() != kDockerConfig) {
    info->artifact_type = config.media_type();
    return;
  }
  absl::StatusOr<std::string> bytes = store.layout().ReadBlob(config);
  if (!bytes.ok()) return;
  absl::StatusOr<JsonValue> json = JsonValue::Parse(*bytes);
  if (!json.ok()) return;
  if (const JsonValue* v = json->Find("created")) info->created = v->string_value();
  std::string os, arch, variant;
  if (const JsonValue* v = json->Find("os")) os = v->string_value();
  if (const JsonValue* v = json->Find("architecture")) arch = v->string_value();
  if (const JsonValue* v = json->Find("variant")) variant = v->string_value();
  if (!os.empty() || !arch.empty()) {
    info->platform = absl::StrCat(os, "/", arch, variant.empty() ? "" : "/", variant);
  }
  const JsonValue* cfg = json->Find("config");
  const JsonValue* labels = cfg != nullptr ? cfg->Find("Labels") : nullptr;
  if (labels != nullptr) {
    for (const JsonValue::Member& m : labels->members()) {
      info->labels.emplace_back(m.first, m.second.string_value());
    }
    std::sort(info->labels.begin(), info->labels.end());
  }
}

}  // namespace

absl::StatusOr<uint64_t> ImageSize(const Store& store, const oci::Descriptor& d) {
  ASSIGN_OR_RETURN(std::vector<oci::Descriptor> graph,
                   oci::CollectGraph(store.layout(), d));
  uint64_t total = 0;
  for (const oci::Descriptor& b : graph) total += b.size();
  return total;
}

absl::StatusOr<oci::Descriptor> ResolveImage(const Store& store,
                                             absl::string_view image,
                                             std::string* name) {
  ASSIGN_OR_RETURN(Reference ref, Reference::Parse(image, RuleSet::kOci));
  if (!ref.host().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(image, ": store names have no registry host"));
  }
  if (!ref.digest().empty()) {
    if (name != nullptr) *name = absl::StrCat(ref.repository(), "@", ref.digest());
    return FindByDigest(store, ref.repository(), ref.digest());
  }
  ASSIGN_OR_RETURN(TagEntry e, store.Find(TagName{ref.repository(), ref.tag()}));
  if (name != nullptr) *name = e.name.String();
  return e.descriptor;
}

absl::StatusOr<ImageInfo> Inspect(const Store& store, absl::string_view image) {
  ImageInfo info;
  ASSIGN_OR_RETURN(oci::Descriptor root, ResolveImage(store, image, &info.name));
  info.digest = root.digest();
  ASSIGN_OR_RETURN(info.raw_manifest, store.layout().ReadBlob(root));
  ASSIGN_OR_RETURN(oci::Manifest m, oci::ReadManifest(store.layout(), root));
  info.media_type = m.media_type;
  info.is_index = m.is_index();
  if (m.is_index()) {
    const std::vector<oci::Platform> held = oci::HeldPlatforms(root);
    for (const oci::Descriptor& c : m.manifests) {
      info.manifests.push_back(ImageInfo::Child{
          c.platform().has_value() ? c.platform()->String() : "", c.digest(),
          c.media_type(), c.size(), oci::Held(held, c)});
    }
  } else {
    ReadConfig(store, *m.config, &info);
    if (!m.artifact_type.empty()) info.artifact_type = m.artifact_type;
    info.layers = m.layers;
  }
  ASSIGN_OR_RETURN(info.total_size, ImageSize(store, root));
  return info;
}

absl::StatusOr<std::vector<RepositoryInfo>> ListRepositories(const Store& store) {
  ASSIGN_OR_RETURN(std::vector<TagEntry> tags, store.Tags());
  std::map<std::string, std::pair<uint64_t, std::map<std::string, int64_t>>> repos;
  for (const TagEntry& e : tags) {
    auto& [count, blobs] = repos[e.name.repository];
    ++count;
    ASSIGN_OR_RETURN(std::vector<oci::Descriptor> graph,
                     oci::CollectGraph(store.layout(), e.descriptor));
    for (const oci::Descriptor& d : graph) blobs[d.digest()] = d.size();
  }
  std::vector<RepositoryInfo> out;
  for (const auto& [name, data] : repos) {
    RepositoryInfo r{name, data.first, 0};
    for (const auto& [digest, size] : data.second) r.size += size;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace stowage::store
