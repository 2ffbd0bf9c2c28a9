#include "lib/publish/plan.h"

#include <fnmatch.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <set>
#include <unordered_map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/crypto/sha256.h"
#include "lib/json/json_value.h"
#include "lib/json/json_writer.h"
#include "lib/oci/graph.h"
#include "lib/oci/media_types.h"
#include "lib/reference/reference.h"

namespace stowage::publish {
namespace {

constexpr char kOctetStream[] = "application/octet-stream";
constexpr char kJson[] = "application/json";

struct Referrer {
  std::string media_type;
  std::string digest;
  int64_t size;
  std::string artifact_type;
  JsonValue annotations;
};

// A blob as planning sees it.
using Blob = PlannedBlob;

// What planning needs of a manifest: far smaller than oci::Manifest, which
// keeps every descriptor's JSON (a large site holds tens of thousands).
struct Node {
  PlannedManifest manifest;
  std::string subject;  // the digest it refers to, or ""
  Referrer referrer;    // its entry in the subject's referrers index
};

Blob BlobOf(const oci::Descriptor& d) {
  return Blob{d.digest(), d.media_type(), d.size(),
              d.platform().has_value() ? d.platform()->String() : std::string()};
}

// Manifests are shared between tags and repositories: read each once.
class ManifestCache {
 public:
  explicit ManifestCache(const oci::Layout& layout) : layout_(layout) {}

  absl::StatusOr<const Node*> Get(const Blob& b) {
    auto it = cache_.find(b.digest);
    if (it != cache_.end()) return &it->second;
    ASSIGN_OR_RETURN(oci::Manifest m,
                     oci::ReadManifest(layout_, oci::Descriptor::Make(b.media_type, b.digest, b.size)));
    Node n;
    n.manifest.media_type = m.media_type;
    n.manifest.is_index = m.is_index();
    if (m.is_index()) {
      for (const oci::Descriptor& c : m.manifests) n.manifest.children.push_back(BlobOf(c));
    } else {
      n.manifest.children.push_back(BlobOf(*m.config));
      for (const oci::Descriptor& l : m.layers) n.manifest.children.push_back(BlobOf(l));
    }
    if (m.subject.has_value()) {
      n.subject = m.subject->digest();
      std::string artifact_type = m.artifact_type;
      if (artifact_type.empty() && m.config.has_value()) {
        artifact_type = m.config->media_type();
      }
      n.referrer = Referrer{m.media_type, b.digest, b.size, std::move(artifact_type),
                            std::move(m.annotations)};
    }
    return &cache_.emplace(b.digest, std::move(n)).first->second;
  }

  // Every manifest read, moved out (the cache is empty after).
  std::unordered_map<std::string, PlannedManifest> Take() {
    std::unordered_map<std::string, PlannedManifest> out;
    out.reserve(cache_.size());
    for (auto& [digest, node] : cache_) out.emplace(digest, std::move(node.manifest));
    cache_.clear();
    return out;
  }

 private:
  const oci::Layout& layout_;
  std::unordered_map<std::string, Node> cache_;
};

std::string ReferrersIndex(std::vector<Referrer> referrers) {
  std::sort(referrers.begin(), referrers.end(),
            [](const Referrer& a, const Referrer& b) { return a.digest < b.digest; });
  JsonValue list = JsonValue::Array();
  for (const Referrer& r : referrers) {
    JsonValue d = JsonValue::Object();
    d.Set("mediaType", JsonValue::String(r.media_type));
    d.Set("digest", JsonValue::String(r.digest));
    d.Set("size", JsonValue::Int(r.size));
    if (!r.artifact_type.empty()) {
      d.Set("artifactType", JsonValue::String(r.artifact_type));
    }
    if (r.annotations.is_object() && !r.annotations.members().empty()) {
      d.Set("annotations", r.annotations);
    }
    list.Append(std::move(d));
  }
  JsonValue index = JsonValue::Object();
  index.Set("schemaVersion", JsonValue::Int(2));
  index.Set("mediaType", JsonValue::String(oci::kOciIndex));
  index.Set("manifests", std::move(list));
  return index.Serialize();
}

// Adds the files of one repository to `files` (keyed by path).
absl::Status PlanRepository(const std::string& repo,
                            const std::vector<const store::TagSummary*>& tags,
                            ManifestCache& cache, bool blob_links,
                            SitePlan& plan, std::map<std::string, SiteFile>& files) {
  const std::string base = absl::StrCat("v2/", repo, "/");
  auto add_blob = [&](const std::string& digest, int64_t size) {
    plan.blobs.emplace(digest, size);
    if (!blob_links) return;
    SiteFile f;
    f.path = absl::StrCat(base, "blobs/", digest);
    f.blob = digest;
    f.content_type = kOctetStream;
    f.digest = digest;
    files[f.path] = std::move(f);
  };
  auto add_manifest = [&](const std::string& ref, const std::string& digest,
                          const std::string& media_type) {
    SiteFile f;
    f.path = absl::StrCat(base, "manifests/", ref);
    f.blob = digest;
    f.content_type = media_type;
    f.digest = digest;
    f.manifest = true;
    files[f.path] = std::move(f);
  };

  std::set<std::string> tag_names;
  std::set<std::string> seen;
  std::map<std::string, std::vector<Referrer>> referrers;  // by subject
  for (const store::TagSummary* tag : tags) {
    tag_names.insert(tag->name.tag);
    const std::vector<oci::Platform> held = HeldPlatformsOf(*tag);
    std::deque<Blob> queue = {
        Blob{std::string(tag->digest), std::string(tag->media_type), tag->size, ""}};
    add_manifest(tag->name.tag, std::string(tag->digest), std::string(tag->media_type));
    while (!queue.empty()) {
      Blob b = std::move(queue.front());
      queue.pop_front();
      if (!seen.insert(b.digest).second) continue;
      add_blob(b.digest, b.size);
      if (!oci::IsManifestMediaType(b.media_type)) continue;
      absl::StatusOr<const Node*> m = cache.Get(b);
      if (!m.ok()) {
        return Annotate(m.status(), absl::StrCat("the image ", tag->name.String()));
      }
      add_manifest(b.digest, b.digest, (*m)->manifest.media_type);
      if (!(*m)->subject.empty()) referrers[(*m)->subject].push_back((*m)->referrer);
      for (const Blob& c : (*m)->manifest.children) {
        if (!(*m)->manifest.is_index || HeldBlob(held, c)) queue.push_back(c);
      }
    }
  }

  for (auto& [subject, list] : referrers) {
    std::string body = ReferrersIndex(list);
    std::string digest = Sha256::DigestOf(body);
    SiteFile r;
    r.path = absl::StrCat(base, "referrers/", subject);
    r.content = body;
    r.content_type = oci::kOciIndex;
    files[r.path] = r;
    // The tag fallback: sha256-<hex> names the same index.
    std::string fallback = absl::StrCat("sha256-", oci::DigestHex(subject));
    if (tag_names.count(fallback) > 0) {
      plan.warnings.push_back(absl::StrCat(
          repo, ":", fallback, " is a tag in the store; it is published as "
          "it is instead of the referrers index"));
      continue;
    }
    tag_names.insert(fallback);
    for (const std::string& name : {fallback, digest}) {
      SiteFile f;
      f.path = absl::StrCat(base, "manifests/", name);
      f.content = body;
      f.content_type = oci::kOciIndex;
      f.digest = digest;
      f.manifest = true;
      files[f.path] = f;
    }
    plan.generated_blobs.emplace(digest, body);
    if (blob_links) {
      SiteFile b;
      b.path = absl::StrCat(base, "blobs/", digest);
      b.content = body;
      b.content_type = kOctetStream;
      b.digest = digest;
      files[b.path] = std::move(b);
    }
  }

  JsonWriter w;
  w.StartObject().Key("name").String(repo).Key("tags").StartArray();
  for (const std::string& t : tag_names) w.String(t);
  w.EndArray().EndObject();
  SiteFile list;
  list.path = absl::StrCat(base, "tags/list");
  list.content = w.Take();
  list.content_type = kJson;
  files[list.path] = std::move(list);
  return absl::OkStatus();
}

}  // namespace

// The platforms a partial index's entry holds (oci/graph.h); the entry's
// JSON is parsed only when it names them.
std::vector<oci::Platform> HeldPlatformsOf(const store::TagSummary& tag) {
  if (!absl::StrContains(tag.raw, oci::kPlatformsAnnotation)) return {};
  absl::StatusOr<JsonValue> json = JsonValue::Parse(tag.raw);
  absl::StatusOr<oci::Descriptor> d =
      json.ok() ? oci::Descriptor::FromJson(*std::move(json)) : json.status();
  return d.ok() ? oci::HeldPlatforms(*d) : std::vector<oci::Platform>{};
}

// oci::Held for a child of an index as the plan keeps it.
bool HeldBlob(const std::vector<oci::Platform>& held, const PlannedBlob& child) {
  absl::StatusOr<oci::Platform> p = oci::Platform::Parse(child.platform);
  return oci::Held(held, child.media_type,
                   p.ok() ? std::optional<oci::Platform>(*std::move(p)) : std::nullopt);
}

bool RepositorySelected(const std::string& repository,
                        const std::vector<std::string>& patterns) {
  if (patterns.empty()) return true;
  for (const std::string& p : patterns) {
    if (fnmatch(p.c_str(), repository.c_str(), 0) == 0) return true;
  }
  return false;
}

std::string ErrorBody(absl::string_view code, absl::string_view message) {
  JsonWriter w;
  w.StartObject().Key("errors").StartArray().StartObject();
  w.Key("code").String(code).Key("message").String(message);
  w.Key("detail").StartObject().EndObject();
  w.EndObject().EndArray().EndObject();
  return w.Take();
}

absl::StatusOr<SitePlan> PlanSite(const store::Store& store,
                                  const PlanOptions& options) {
  SitePlan plan;
  if (options.scan == nullptr) {
    ASSIGN_OR_RETURN(plan.owned_scan, store.ScanTags());
  }
  const store::TagScan& scan = options.scan != nullptr ? *options.scan : plan.owned_scan;
  const std::vector<store::TagSummary>& tags = scan.tags;
  const std::vector<std::string>& skipped = scan.skipped;
  for (const std::string& name : skipped) {
    if (name.empty()) {
      plan.warnings.push_back(
          "an index.json entry without a name was skipped (name it with "
          "'stowage tag')");
      continue;
    }
    absl::StatusOr<store::TagName> parsed = store::ParseTagName(name);
    plan.warnings.push_back(absl::StrCat(
        "index.json entry \"", name, "\" skipped: ",
        parsed.ok() ? "it is not REPOSITORY:TAG"
                    : std::string(parsed.status().message())));
  }
  std::map<std::string, std::vector<const store::TagSummary*>> by_repo;
  for (const store::TagSummary& e : tags) {
    if (!RepositorySelected(e.name.repository, options.repo_patterns)) continue;
    by_repo[e.name.repository].push_back(&e);
    plan.tags.push_back(&e);
  }

  ManifestCache cache(store.layout());
  std::map<std::string, SiteFile> files;
  for (const auto& [repo, repo_tags] : by_repo) {
    plan.repositories.push_back(repo);
    if (options.unchanged.count(repo) > 0) continue;
    RETURN_IF_ERROR(
        PlanRepository(repo, repo_tags, cache, options.blob_links, plan, files));
    plan.planned.push_back(repo);
  }

  JsonWriter w;
  w.StartObject().Key("repositories").StartArray();
  for (const std::string& r : plan.repositories) w.String(r);
  w.EndArray().EndObject();
  SiteFile catalog;
  catalog.path = "v2/_catalog";
  catalog.content = w.Take();
  catalog.content_type = kJson;
  files[catalog.path] = std::move(catalog);
  SiteFile ping;
  ping.path = "v2/_ping.json";
  ping.content = "{}";
  ping.content_type = kJson;
  files[ping.path] = std::move(ping);

  // A file whose path is also another's folder cannot be written: e.g. a
  // tag "tags" of team/app and the repository team/app/manifests.
  for (const auto& [path, f] : files) {
    for (size_t slash = path.find('/'); slash != std::string::npos;
         slash = path.find('/', slash + 1)) {
      std::string parent = path.substr(0, slash);
      if (files.count(parent) > 0) {
        return absl::FailedPreconditionError(absl::StrCat(
            "cannot publish both ", parent, " and ", path,
            ": one would be a file and a folder at once; rename a tag or "
            "repository"));
      }
    }
  }
  for (auto& [path, f] : files) plan.files.push_back(std::move(f));
  plan.manifests = cache.Take();
  return plan;
}

}  // namespace stowage::publish
