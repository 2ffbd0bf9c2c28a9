// The site plan: every file of a published registry tree, decided from the
// store alone (a pure function of it), before anything is written.
//
// Paths are relative to the served root (OUTDIR/www):
//   v2/_ping.json                            what GET /v2/ answers ({})
//   v2/_catalog                              {"repositories":[...]}
//   v2/<name>/tags/list                      {"name":...,"tags":[...]}
//   v2/<name>/manifests/<tag>                manifest bytes, per tag
//   v2/<name>/manifests/sha256:<hex>         every manifest and index
//                                            reachable from a tag
//   v2/<name>/referrers/sha256:<hex>         OCI index of the manifests whose
//                                            subject is that digest
// plus, per subject, the tag "sha256-<hex>" of the referrers tag fallback.
//
// Blobs (manifests too) are served from one folder, OUTDIR/blobs/sha256,
// which the servers reach as _blobs/<hex> (a symbolic link in the served
// root): a rewrite sends v2/<name>/blobs/sha256:<hex> there when <name> is
// a published repository. So a blob shared by many repositories costs one
// file, not a link per repository. Servers that cannot rewrite (S3) get
// per-repository files v2/<name>/blobs/sha256:<hex> instead (`blob_links`).
// nginx serves manifests from there too: its generated maps name every
// manifest path with its type and digest, so the manifests/ files are
// written only for the other servers (publish decides).

#ifndef STOWAGE_LIB_PUBLISH_PLAN_H_
#define STOWAGE_LIB_PUBLISH_PLAN_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/oci/descriptor.h"
#include "lib/store/store.h"

namespace stowage::publish {

struct SiteFile {
  std::string path;          // relative to the served root
  std::string blob;          // the digest whose bytes this file is, or ""
  std::string content;       // the bytes, when `blob` is ""
  std::string content_type;  // exact Content-Type to send
  std::string digest;        // Docker-Content-Digest to send, or ""
  bool manifest = false;     // served from manifests/: needs its own type
};

// A manifest as planning read it: what the catalog's tags table needs of
// it too, so that it is not read and parsed a second time.
struct PlannedBlob {
  std::string digest;
  std::string media_type;
  int64_t size = 0;
  // An index's child's platform as its descriptor gives it
  // (OS/ARCH[/VARIANT]), or "" when the descriptor has none.
  std::string platform;
};
struct PlannedManifest {
  std::string media_type;
  bool is_index = false;
  // An index's manifests; an image's config, then its layers.
  std::vector<PlannedBlob> children;
};

// The platforms a partial index's entry holds (oci/graph.h), and whether
// an index's child is one of them: the plan and the catalog follow only
// those.
std::vector<oci::Platform> HeldPlatformsOf(const store::TagSummary& tag);
bool HeldBlob(const std::vector<oci::Platform>& held, const PlannedBlob& child);

struct SitePlan {
  std::vector<SiteFile> files;              // sorted by path, unique
  std::map<std::string, int64_t> blobs;     // every store blob served
  // Blobs made here, not in the store (referrers indexes), by digest.
  std::map<std::string, std::string> generated_blobs;
  std::vector<std::string> repositories;    // published, sorted
  std::vector<std::string> planned;         // repositories with files here
  // Published tags, sorted: pointers into PlanOptions::tags, or into
  // `owned_scan` when PlanSite read them itself.
  std::vector<const store::TagSummary*> tags;
  store::TagScan owned_scan;
  std::vector<std::string> warnings;        // what was skipped, and why
  // Every manifest planning read (those of the planned repositories), by
  // digest.
  std::unordered_map<std::string, PlannedManifest> manifests;
};

struct PlanOptions {
  // fnmatch(3) patterns on repository names ('*' also matches '/'); empty
  // publishes every repository.
  std::vector<std::string> repo_patterns;
  // Repositories whose files are already published and unchanged: their
  // tags count, but their files are not planned (publish keeps them).
  std::set<std::string> unchanged;
  // Plan v2/<name>/blobs/ files too, for servers without rewrites.
  bool blob_links = false;
  // The store's tags, when the caller has read them already
  // (Store::ScanTags); otherwise PlanSite reads them.
  const store::TagScan* scan = nullptr;
};

// Plans the site for `store`. Store entries whose names break the OCI rules
// are skipped with a warning naming the entry and the rule. Errors: a damaged
// image (NotFound/DataLoss naming the blob).
absl::StatusOr<SitePlan> PlanSite(const store::Store& store,
                                  const PlanOptions& options);

// Whether `repository` matches one of `patterns` (fnmatch(3), '*' also
// matching '/'); every repository matches an empty list.
bool RepositorySelected(const std::string& repository,
                        const std::vector<std::string>& patterns);

// The JSON body of a distribution-spec error, e.g. ErrorBody("BLOB_UNKNOWN",
// "blob unknown to registry").
std::string ErrorBody(absl::string_view code, absl::string_view message);

}  // namespace stowage::publish

#endif  // STOWAGE_LIB_PUBLISH_PLAN_H_
