#include "lib/store/check.h"

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/base/status_macros.h"
#include "lib/crypto/hash_files.h"
#include "lib/fs/file.h"
#include "lib/oci/graph.h"
#include "lib/oci/manifest.h"
#include "lib/oci/media_types.h"

namespace stowage::store {
namespace {

// What hashing one file of blobs/sha256 found.
struct Hashed {
  std::string name;  // the file name: the hex digest it claims
  uint64_t size = 0;
  std::string hex;    // what its content hashes to
  std::string error;  // a read error; then `hex` is empty
};

bool IsHexDigest(absl::string_view name) {
  if (name.size() != 64) return false;
  for (char c : name) {
    if (!absl::ascii_isdigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

// Hashes every entry of `files` (named within `dir`) on `threads` threads.
void HashAll(const std::string& dir, std::vector<Hashed>& files, int threads,
             Progress* progress) {
  std::vector<FileHash> hashes(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    hashes[i].path = JoinPath(dir, files[i].name);
    hashes[i].size = files[i].size;
  }
  HashFiles(hashes, threads, progress);
  for (size_t i = 0; i < files.size(); ++i) {
    files[i].size = hashes[i].size;
    files[i].hex = std::move(hashes[i].hex);
    files[i].error = std::move(hashes[i].error);
  }
}

// Lists blobs/sha256: the files to hash (sizes from stat, for ordering and
// progress), and the strays.
absl::Status ListBlobs(const std::string& dir, std::vector<Hashed>& files,
                       std::vector<CheckStray>& strays) {
  ASSIGN_OR_RETURN(std::vector<DirEntry> entries, ListDirEntries(dir));
  for (const DirEntry& e : entries) {
    if (absl::StartsWith(e.name, ".tmp-")) {
      strays.push_back({e.name, "temporary file of a write in progress or "
                                "interrupted (gc removes it)"});
      continue;
    }
    if (!IsHexDigest(e.name)) {
      strays.push_back({e.name, "not a sha256 digest (64 lowercase hex "
                                "digits); never served"});
      continue;
    }
    absl::StatusOr<FileInfo> info = Stat(JoinPath(dir, e.name));
    if (info.ok() && !info->is_regular) {
      strays.push_back({e.name, "not a regular file; never served"});
      continue;
    }
    Hashed h;
    h.name = e.name;
    if (info.ok()) h.size = info->size;
    files.push_back(std::move(h));
  }
  return absl::OkStatus();
}

// What the walk learns of one digest.
struct Reached {
  std::string role;
  int64_t size = 0;  // what the first descriptor declared
  std::set<std::string> tags;
  std::string what;  // the problem, when there is one
  bool walked = false;
};

std::string RoleOf(const oci::Descriptor& d, absl::string_view parent_role) {
  if (oci::IsIndexMediaType(d.media_type())) return "index";
  if (oci::IsManifestMediaType(d.media_type())) return "manifest";
  return std::string(parent_role);
}

class Walker {
 public:
  Walker(const oci::Layout& layout, std::map<std::string, const Hashed*> blobs)
      : layout_(layout), blobs_(std::move(blobs)) {}

  // Walks the graph of one index.json entry named `tag`.
  void Walk(const std::string& tag, const oci::Descriptor& root) {
    std::set<std::string> seen;
    // A partial index: the platforms not held are not looked for.
    const std::vector<oci::Platform> held = oci::HeldPlatforms(root);
    std::deque<std::pair<oci::Descriptor, std::string>> queue;
    queue.emplace_back(root, RoleOf(root, "manifest"));
    while (!queue.empty()) {
      auto [d, role] = std::move(queue.front());
      queue.pop_front();
      if (!seen.insert(d.digest()).second) continue;
      Reached& r = reached_[d.digest()];
      if (r.role.empty()) {
        r.role = role;
        r.size = d.size();
        r.what = BlobProblem(d);
      }
      r.tags.insert(tag);
      if (!oci::IsManifestMediaType(d.media_type()) || !r.what.empty()) continue;
      const std::vector<std::pair<oci::Descriptor, std::string>>* children =
          Children(d, r);
      if (children == nullptr) continue;
      const bool index = oci::IsIndexMediaType(d.media_type());
      for (const auto& c : *children) {
        if (!index || oci::Held(held, c.first)) queue.push_back(c);
      }
    }
  }

  const std::map<std::string, Reached>& reached() const { return reached_; }
  uint64_t manifests() const { return children_.size(); }

 private:
  // "" when `d`'s blob is there with its declared size and digest.
  std::string BlobProblem(const oci::Descriptor& d) const {
    if (!absl::StartsWith(d.digest(), "sha256:")) {
      return "digest algorithm not checked (only sha256 is)";
    }
    auto it = blobs_.find(std::string(oci::DigestHex(d.digest())));
    if (it == blobs_.end()) return "missing (no file blobs/sha256/" +
                                   std::string(oci::DigestHex(d.digest())) + ")";
    const Hashed& h = *it->second;
    if (!h.error.empty()) return "unreadable: " + h.error;
    if (h.size != static_cast<uint64_t>(d.size())) {
      return absl::StrCat("size ", h.size, " bytes, descriptor says ", d.size());
    }
    if (h.hex != h.name) return "content hashes to sha256:" + h.hex;
    return "";
  }

  // The parsed children of manifest `d`, read once across all tags; null,
  // with `r.what` set, when it cannot be read or parsed.
  const std::vector<std::pair<oci::Descriptor, std::string>>* Children(
      const oci::Descriptor& d, Reached& r) {
    auto it = children_.find(d.digest());
    if (it != children_.end()) return &it->second;
    // ReadBlob checks size and digest again: the bytes parsed are the bytes
    // hashed, even if the file changed since.
    absl::StatusOr<std::string> bytes = layout_.ReadBlob(d);
    if (!bytes.ok()) {
      r.what = std::string(bytes.status().message());
      return nullptr;
    }
    absl::StatusOr<oci::Manifest> m = oci::Manifest::Parse(*bytes, d.media_type());
    if (!m.ok()) {
      r.what = "not a valid manifest: " + std::string(m.status().message());
      return nullptr;
    }
    std::vector<std::pair<oci::Descriptor, std::string>> out;
    for (const oci::Descriptor& c : m->manifests) out.emplace_back(c, RoleOf(c, "manifest"));
    if (m->config) out.emplace_back(*m->config, RoleOf(*m->config, "config"));
    for (const oci::Descriptor& c : m->layers) out.emplace_back(c, RoleOf(c, "layer"));
    return &children_.emplace(d.digest(), std::move(out)).first->second;
  }

  const oci::Layout& layout_;
  std::map<std::string, const Hashed*> blobs_;  // by hex digest
  std::map<std::string, Reached> reached_;      // by digest
  std::map<std::string, std::vector<std::pair<oci::Descriptor, std::string>>>
      children_;
};

std::string EntryName(const oci::Descriptor& d, size_t i) {
  std::string name = d.Annotation(oci::kRefNameAnnotation);
  return name.empty() ? absl::StrCat("index.json manifests[", i, "]") : name;
}

std::vector<CheckProblem> Problems(const Walker& walker,
                                   const std::vector<Hashed>& files) {
  std::vector<CheckProblem> out;
  for (const auto& [digest, r] : walker.reached()) {
    if (r.what.empty()) continue;
    out.push_back({digest, r.role, {r.tags.begin(), r.tags.end()}, r.what});
  }
  std::sort(out.begin(), out.end(), [](const CheckProblem& a, const CheckProblem& b) {
    return std::tie(a.tags.front(), a.digest) < std::tie(b.tags.front(), b.digest);
  });
  for (const Hashed& h : files) {
    std::string digest = "sha256:" + h.name;
    if (walker.reached().count(digest) > 0) continue;
    if (!h.error.empty()) {
      out.push_back({digest, "unreferenced", {}, "unreadable: " + h.error});
    } else if (h.hex != h.name) {
      out.push_back({digest, "unreferenced", {}, "content hashes to sha256:" + h.hex});
    }
  }
  return out;
}

}  // namespace

std::string CheckProblem::String() const {
  std::string where = role;
  if (!tags.empty()) {
    constexpr size_t kShown = 3;
    std::vector<std::string> shown(tags.begin(),
                                   tags.begin() + std::min(tags.size(), kShown));
    absl::StrAppend(&where, " of ", absl::StrJoin(shown, ", "));
    if (tags.size() > kShown) absl::StrAppend(&where, " and ", tags.size() - kShown, " more");
  }
  return absl::StrCat(digest, " (", where, "): ", what);
}

absl::StatusOr<CheckReport> Check(const Store& store, const CheckOptions& options) {
  ASSIGN_OR_RETURN(FileLock lock, store.BlobReadLock());
  ASSIGN_OR_RETURN(oci::Index index, store.ReadIndex());
  const std::string dir = JoinPath(store.dir(), "blobs/sha256");
  CheckReport report;
  std::vector<Hashed> files;
  RETURN_IF_ERROR(ListBlobs(dir, files, report.strays));
  uint64_t planned = 0;
  for (const Hashed& h : files) planned += h.size;
  if (options.progress != nullptr) options.progress->Start(files.size(), planned);
  HashAll(dir, files, options.threads, options.progress);

  std::map<std::string, const Hashed*> by_hex;
  for (const Hashed& h : files) {
    by_hex.emplace(h.name, &h);
    report.bytes += h.size;
  }
  report.blobs = files.size();
  Walker walker(store.layout(), std::move(by_hex));
  for (size_t i = 0; i < index.manifests.size(); ++i) {
    walker.Walk(EntryName(index.manifests[i], i), index.manifests[i]);
  }
  report.tags = index.manifests.size();
  report.manifests = walker.manifests();
  report.problems = Problems(walker, files);
  return report;
}

}  // namespace stowage::store
