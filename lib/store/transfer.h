// Import and export: one copy between a transport's layout and the store.

#ifndef STOWAGE_LIB_STORE_TRANSFER_H_
#define STOWAGE_LIB_STORE_TRANSFER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/base/progress.h"
#include "lib/oci/layout.h"
#include "lib/store/store.h"

namespace stowage::store {

struct ImportOptions {
  // oci:DIR[:REF], oci-archive:FILE[:REF] or docker-archive:FILE[:REF]
  std::string source;
  // REPOSITORY[:TAG]; with `all`, REPOSITORY only, or "" for a docker
  // archive, whose images are then tagged with their own RepoTags.
  std::string target;
  // Import every image of the source, each tagged REPOSITORY:<its ref>; for
  // a docker archive, each under every one of its RepoTags (registry host
  // dropped, busybox:latest as library/busybox:latest), or REPOSITORY:<the
  // RepoTag's tag> when `target` names a repository.
  bool all = false;
  // Copy blobs even where a hard link would do.
  bool copy = false;
  Progress* progress = nullptr;
};

struct ImportResult {
  std::vector<TagEntry> tagged;
  oci::TransferStats stats;
};

// Copies images from the source into the store, verifying every blob, and
// tags them. Nothing is tagged unless every blob arrived intact. Errors:
// InvalidArgument for bad names or sources (or two images that would take
// one tag), NotFound for a missing ref or blob, FailedPrecondition when the
// source has several images and neither a ref nor `all` says which,
// DataLoss for damaged content.
absl::StatusOr<ImportResult> Import(const Store& store,
                                    const ImportOptions& options);

struct ExportOptions {
  // One or more REPOSITORY[:TAG] or REPOSITORY@DIGEST.
  std::vector<std::string> images;
  // oci:DIR[:REF], oci-archive:FILE[:REF] or docker-archive:FILE[:NAME:TAG].
  // REF (NAME:TAG) names a single image; without it, each image is named
  // by its tag in a layout, by REPOSITORY:TAG (busybox:latest for
  // library/busybox:latest) in a docker archive.
  std::string destination;
  // Export every tag of each repository, each under its tag as ref.
  bool all_tags = false;
  // OS/ARCH[/VARIANT]: export that image of a multi-platform index alone.
  // A docker archive cannot hold an index, so there it is required for one.
  std::string platform;
  bool copy = false;
  Progress* progress = nullptr;
};

struct ExportResult {
  std::vector<std::string> refs;  // the destination's ref names written
  oci::TransferStats stats;
};

// Writes images from the store into a destination layout or archive, adding
// to what it already holds (an entry with the same ref is replaced); a
// docker archive is written whole, replacing the file. InvalidArgument when
// two images would get one name; FailedPrecondition for an index bound for
// a docker archive without `platform`.
absl::StatusOr<ExportResult> Export(const Store& store,
                                    const ExportOptions& options);

}  // namespace stowage::store

#endif  // STOWAGE_LIB_STORE_TRANSFER_H_
