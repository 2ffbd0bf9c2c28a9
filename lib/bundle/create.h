// Writing bundles: many repositories of a store as one deduplicated,
// verifiable tar stream (format.h), to a file, standard output, or numbered
// parts of a given size.

#ifndef STOWAGE_LIB_BUNDLE_CREATE_H_
#define STOWAGE_LIB_BUNDLE_CREATE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/archive/tar_stream.h"
#include "lib/base/progress.h"
#include "lib/bundle/format.h"
#include "lib/store/store.h"

namespace stowage::bundle {

struct CreateOptions {
  // The bundle to write (replaced atomically), or "-" for standard output
  // (refused when it is a terminal).
  std::string file;
  // REPOSITORY (every tag of it) or REPOSITORY:TAG, as the store names
  // them; or `all` for every tag of the store.
  std::vector<std::string> images;
  bool all = false;
  // OS/ARCH[/VARIANT]: of a multi-platform index, that image alone.
  std::string platform;
  archive::Compression compression = archive::Compression::kNone;
  // A differential bundle: leave out the blobs the receiving side has,
  // named by an earlier bundle (its file, its part index, or its
  // stowage-bundle.json: its blobs and those it left out) or by a text file
  // of digests, one per line ("sha256:<hex>" or the bare hex, as
  // `ls STORE/blobs/sha256` prints; '#' starts a comment).
  std::string since;
  // Split into parts FILE.001, FILE.002, ... of at most this many bytes,
  // with FILE.parts.json; 0 writes one file.
  uint64_t max_size = 0;
  Progress* progress = nullptr;
};

struct CreateResult {
  Manifest manifest;
  std::string bundle_id;
  uint64_t bytes_written = 0;  // the stream's length
  uint64_t omitted_bytes = 0;  // of blobs left out
  std::vector<PartInfo> parts;  // when split
  std::string part_index;       // its path, when split
};

// Errors: InvalidArgument for a bad selection or option, NotFound for a
// tag or repository the store lacks, and the store's and file system's
// errors naming the path. Nothing is left behind on error (no file, no
// part), except on standard output.
absl::StatusOr<CreateResult> Create(const store::Store& store,
                                    const CreateOptions& options);

}  // namespace stowage::bundle

#endif  // STOWAGE_LIB_BUNDLE_CREATE_H_
