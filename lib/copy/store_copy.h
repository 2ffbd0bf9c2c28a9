// Import and export: copies between a transport and the store, through the
// copy engine (copy.h), with the store's names.

#ifndef STOWAGE_LIB_COPY_STORE_COPY_H_
#define STOWAGE_LIB_COPY_STORE_COPY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/base/progress.h"
#include "lib/copy/copy.h"
#include "lib/store/store.h"
#include "lib/transport/transport.h"

namespace stowage::copy {

struct ImportOptions {
  // A transport text: oci:DIR[:REF], oci-archive:FILE[:REF] or
  // docker-archive:FILE[:REF] (transport::Usages()).
  std::string source;
  // REPOSITORY[:TAG]; with `all`, REPOSITORY only, or "" for a source whose
  // refs are image names (a docker archive), whose images are then tagged
  // with their own names.
  std::string target;
  // Import every image of the source, each tagged REPOSITORY:<its ref>; for
  // a docker archive, each under every one of its RepoTags (registry host
  // dropped, busybox:latest as library/busybox:latest), or REPOSITORY:<the
  // RepoTag's tag> when `target` names a repository.
  bool all = false;
  // Copy blobs even where a hard link would do.
  bool copy = false;
  // OS/ARCH[/VARIANT]: of a multi-platform index, import that image alone.
  std::string platform;
  // Of a multi-platform index, import these platforms' images and keep the
  // index itself, tagged, as a partial index (oci/graph.h). Not with
  // `platform`.
  std::vector<std::string> keep_platforms;
  // A registry source's TLS and credentials; with `all` and a docker://
  // text without a tag, every tag of the repository.
  transport::RegistryOptions registry;
  // Blobs moved at once; 0 for the engine's default.
  int threads = 0;
  Progress* progress = nullptr;
};

struct ImportResult {
  std::vector<store::TagEntry> tagged;
  Stats stats;
};

// Copies images from the source into the store, verifying every blob, and
// tags them. Nothing is tagged unless every blob arrived intact. Errors:
// InvalidArgument for bad names or sources (or two images that would take
// one tag), NotFound for a missing ref or blob, FailedPrecondition when the
// source has several images and neither a ref nor `all` says which,
// DataLoss for damaged content or a descriptor whose size differs from the
// blob the store has.
absl::StatusOr<ImportResult> Import(const store::Store& store,
                                    const ImportOptions& options);

struct ExportOptions {
  // One or more REPOSITORY[:TAG] or REPOSITORY@DIGEST.
  std::vector<std::string> images;
  // A transport text. Its REF (NAME:TAG for a docker archive) names a
  // single image; without it, each image is named by its tag in a layout,
  // by REPOSITORY:TAG (busybox:latest for library/busybox:latest) in a
  // docker archive.
  std::string destination;
  // Export every tag of each repository, each under its tag as ref.
  bool all_tags = false;
  // OS/ARCH[/VARIANT]: export that image of a multi-platform index alone.
  // A docker archive cannot hold an index, so there it is required for one.
  std::string platform;
  bool copy = false;
  // A registry destination's TLS and credentials.
  transport::RegistryOptions registry;
  int threads = 0;
  Progress* progress = nullptr;
};

struct ExportResult {
  std::vector<std::string> refs;  // the destination's ref names written
  Stats stats;
};

// Writes images from the store into a destination, adding to what it
// already holds (an entry with the same ref is replaced); a docker archive
// is written whole, replacing the file. Every blob read from the store is
// hashed before the destination is committed: a damaged blob is DataLoss
// naming it, and nothing is written. InvalidArgument when two images would
// get one name; FailedPrecondition for an index bound for a docker archive
// without `platform`.
absl::StatusOr<ExportResult> Export(const store::Store& store,
                                    const ExportOptions& options);

}  // namespace stowage::copy

#endif  // STOWAGE_LIB_COPY_STORE_COPY_H_
