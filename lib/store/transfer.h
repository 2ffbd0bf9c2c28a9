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
  std::string source;  // oci:DIR[:REF] or oci-archive:FILE[:REF]
  std::string target;  // REPOSITORY[:TAG]; with `all`, REPOSITORY only
  // Import every image of the source, each tagged REPOSITORY:<its ref>.
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
// InvalidArgument for bad names or sources, NotFound for a missing ref or
// blob, FailedPrecondition when the source has several images and neither
// a ref nor `all` says which, DataLoss for damaged content.
absl::StatusOr<ImportResult> Import(const Store& store,
                                    const ImportOptions& options);

struct ExportOptions {
  std::string image;        // REPOSITORY[:TAG] or REPOSITORY@DIGEST
  std::string destination;  // oci:DIR[:REF] or oci-archive:FILE[:REF]
  // Export every tag of the repository, each under its tag as ref.
  bool all_tags = false;
  // OS/ARCH[/VARIANT]: export that image of a multi-platform index alone.
  std::string platform;
  bool copy = false;
  Progress* progress = nullptr;
};

struct ExportResult {
  std::vector<std::string> refs;  // the destination's ref names written
  oci::TransferStats stats;
};

// Writes images from the store into a destination layout or archive, adding
// to what it already holds (an entry with the same ref is replaced).
absl::StatusOr<ExportResult> Export(const Store& store,
                                    const ExportOptions& options);

}  // namespace stowage::store

#endif  // STOWAGE_LIB_STORE_TRANSFER_H_
