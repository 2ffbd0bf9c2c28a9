// stowage publish: the store rendered into a static registry.
//
// OUTDIR after a publish:
//   oci-layout, index.json, blobs/sha256/   an OCI layout of exactly the
//                                          published images: each blob once
//   www/                                   the served root: index.html, r/,
//                                          u/, _catalog/ (the catalog, see
//                                          lib/site/site.h), www/v2/... (see
//                                          plan.h), every manifest there a
//                                          hard link into blobs/, and
//                                          www/_blobs a symbolic link to
//                                          blobs/sha256 for the rewrites
//   nginx/ apache/ caddy/ s3/              configuration per --server
//   stowage-publish.{marker,lock,state}    publish's own (out_dir.h, state.h)
//
// Publishing is deterministic (the same store gives the same bytes) and
// incremental: files that are already right are left alone, changed ones are
// replaced atomically (temporary name, rename), and what no longer belongs is
// removed last, so a server never serves a half-written file and never a tag
// before its blobs.

#ifndef STOWAGE_LIB_PUBLISH_PUBLISH_H_
#define STOWAGE_LIB_PUBLISH_PUBLISH_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/base/progress.h"
#include "lib/publish/plan.h"
#include "lib/publish/servers.h"
#include "lib/store/store.h"

namespace stowage::publish {

struct PublishOptions {
  std::string out_dir;
  std::vector<std::string> repo_patterns;
  std::vector<Server> servers = {Server::kNginx};
  // Where OUTDIR will be on the machine that serves it; default: out_dir.
  std::string serve_root;
  std::string listen = "127.0.0.1:8080";
  // Where clients reach the registry, e.g. https://registry.example.com;
  // used for the pull commands reported. "" means http://LISTEN.
  std::string base_url;
  // Check and rewrite every file, and delete blobs no longer published.
  // Otherwise repositories whose tags are as the last publish left them are
  // skipped whole (with nginx and Apache; Caddy and S3 configurations name
  // every file, so they always get a full publish).
  bool full = false;
  // Wait for another publish into out_dir to finish instead of failing.
  bool wait = false;
  // The HTML catalog (lib/site) beside the pull API, from the store's
  // repository metadata; `templates_dir` replaces the embedded templates.
  bool catalog = true;
  std::string templates_dir;
  Progress* progress = nullptr;
};

struct PublishReport {
  uint64_t repositories = 0;
  uint64_t tags = 0;
  uint64_t files = 0;      // files in the served tree
  uint64_t written = 0;    // files written anew
  uint64_t linked = 0;     // files (re)linked to a blob
  uint64_t removed = 0;    // files that no longer belong
  uint64_t unchanged = 0;
  uint64_t blob_bytes = 0; // bytes of the distinct blobs written or checked
  uint64_t skipped_repositories = 0;  // unchanged since the last publish
  bool nothing_changed = false;       // the store and options were the same
  std::string registry_host;  // HOST[:PORT] clients pull from
  std::vector<store::TagName> published_examples;  // a few tags, to show
  std::vector<std::string> warnings;
};

// Checks a --base-url: http:// or https://, a host, an optional port, and
// no path, query or fragment (clients ask for /v2/ at the host's root).
// Returns HOST[:PORT]. InvalidArgument names what is wrong.
absl::StatusOr<std::string> RegistryHost(absl::string_view base_url);

// Publishes `store` into options.out_dir (created if missing), in phases:
// prepare (settings checked, OUTDIR claimed and locked, see out_dir.h),
// plan (every file decided, collisions found), write blobs (each hashed as
// it enters OUTDIR; all of them again with --full), write manifests and
// tags, catalog, server configs, prune, commit state (state.h). A non-empty
// folder that is not an earlier publish is FailedPrecondition: publish never
// deletes files it did not write.
absl::StatusOr<PublishReport> Publish(const store::Store& store,
                                      const PublishOptions& options);

}  // namespace stowage::publish

#endif  // STOWAGE_LIB_PUBLISH_PUBLISH_H_
