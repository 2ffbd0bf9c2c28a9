// Reading bundles: verify one without a store, or import one into a store.
// Both read the stream once, front to back, holding no blob in memory
// (verify keeps manifests and indexes, at most 16 MiB each, to walk the
// images' graphs at the end).

#ifndef STOWAGE_LIB_BUNDLE_READ_H_
#define STOWAGE_LIB_BUNDLE_READ_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/base/progress.h"
#include "lib/bundle/format.h"
#include "lib/store/store.h"

namespace stowage::bundle {

struct VerifyOptions {
  std::string file;  // a bundle, "-" for standard input, or a part index
  Progress* progress = nullptr;
};

struct VerifyReport {
  std::string name;  // what was read: the file, "standard input", the index
  std::optional<Manifest> manifest;  // when stowage-bundle.json was readable
  std::string bundle_id;
  uint64_t blobs_checked = 0;  // hashed and found as listed
  uint64_t bytes_checked = 0;
  size_t parts = 0;          // of a split bundle; 0 otherwise
  size_t parts_checked = 0;  // hashed whole and found as the index says
  // One line per problem, each naming the file or part, and the entry or
  // blob: a missing or damaged part, a blob whose bytes do not hash to its
  // digest, an entry the manifest does not list or a listed one missing, a
  // name that leaves the archive, a truncated stream, a manifest naming a
  // blob the bundle neither holds nor left out. Empty when the bundle is
  // sound.
  std::vector<std::string> problems;
};

// Checks every blob's digest and size against the bundle manifest, the
// layout (oci-layout, index.json) against it, and walks every image's
// graph. Problems are the report's; the status is an error only when there
// is nothing to read (NotFound naming the file).
absl::StatusOr<VerifyReport> Verify(const VerifyOptions& options);

struct ImportOptions {
  std::string file;  // a bundle, "-" for standard input, or a part index
  // Move tags that the store has with another digest.
  bool force = false;
  Progress* progress = nullptr;
};

struct ImportResult {
  std::string bundle_id;
  std::optional<Since> since;  // set when the bundle was differential
  std::vector<store::TagEntry> tagged;
  // "REPOSITORY:TAG sha256:OLD -> sha256:NEW": tags --force moved.
  std::vector<std::string> moved;
  uint64_t blobs_written = 0, bytes_written = 0;  // new to the store
  uint64_t blobs_present = 0, bytes_present = 0;  // skipped: already there
  size_t catalog_entries = 0;  // repositories and namespaces described
};

// Merges a bundle into the store. Every blob is checked against its digest
// and size as it streams in and enters the store through the store's own
// path (transport::LayoutWriter: written under a temporary name in the
// store's blob folder, named after one syncfs, holding
// Store::BlobWriteLock); blobs the store has
// are skipped unread where the input can seek. Nothing is tagged unless
// the whole bundle is sound; then its tags are set and its repositories'
// metadata merged into the catalog (what the bundle says about a field
// wins; fields it does not set are kept).
//
// Refused before any blob is read, each problem one line of the message:
// tags the store has with another digest, unless `force`
// (FailedPrecondition), and a differential bundle whose left-out blobs the
// store lacks (FailedPrecondition naming each). A damaged or incomplete
// bundle is DataLoss (NotFound when a part is missing) listing every
// problem, as Verify words them; the verified blobs read before stay in
// the store, untagged, so the next import skips them: it resumes where this
// one stopped.
absl::StatusOr<ImportResult> Import(const store::Store& store,
                                    const ImportOptions& options);

// The manifest of a bundle (read from its first entry only) and its id.
struct ManifestInfo {
  Manifest manifest;
  std::string id;
};
absl::StatusOr<ManifestInfo> ReadBundleManifest(const std::string& file);

}  // namespace stowage::bundle

#endif  // STOWAGE_LIB_BUNDLE_READ_H_
