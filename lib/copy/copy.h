// The copy engine: moves images from any transport's source to any
// transport's destination (lib/transport/transport.h), checking the size and
// digest of every descriptor at every crossing.
//
// For each image it walks the graph (index -> manifests -> config and
// layers), reading every manifest and index from the source and checking it
// against the descriptor that named it; asks the destination which blobs it
// has, and checks the size it reports against the descriptor (a manifest
// that declares a wrong size for a blob the destination already has is
// refused, not trusted); streams the rest from the source, hashing and
// counting every byte as it passes, several blobs at once (or in the
// source's order, for a source that reads front to back); links instead of
// copying where the source keeps blobs as files and the destination can,
// hashing the linked file; then puts manifests (children before their
// index) and names the images. Nothing is named unless every blob arrived
// intact. The destination's Commit is the caller's.

#ifndef STOWAGE_LIB_COPY_COPY_H_
#define STOWAGE_LIB_COPY_COPY_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/base/progress.h"
#include "lib/oci/descriptor.h"
#include "lib/transport/transport.h"

namespace stowage::copy {

// One image to copy and the name it gets at the destination ("" for none;
// see ImageDestination::SetRef).
struct Item {
  oci::Descriptor image;
  std::string ref;
};

struct Options {
  // Hard-link blobs the source keeps as files, where the destination can.
  bool allow_links = true;
  // OS/ARCH[/VARIANT]: of a multi-platform index, copy that image alone
  // (and name it in place of the index).
  std::optional<oci::Platform> platform;
  // Of a multi-platform index, copy these platforms' images and the index
  // itself, byte for byte, as a partial index (oci/graph.h): for a
  // destination that holds_partial_indexes(). Not with `platform`.
  std::vector<oci::Platform> keep_platforms;
  // Blobs moved at once; 0 means one per core.
  int threads = 0;
  Progress* progress = nullptr;
};

struct Stats {
  uint64_t blobs_copied = 0, bytes_copied = 0;
  uint64_t blobs_linked = 0, bytes_linked = 0;
  uint64_t blobs_present = 0, bytes_present = 0;
};

struct Result {
  // The items as copied: with `platform`, each image is the one chosen.
  std::vector<Item> items;
  Stats stats;
};

// Copies `items` from `source` to `destination` and sets their refs; the
// caller commits the destination. Errors name the source or destination
// and the blob: NotFound for a blob or manifest the source lacks, DataLoss
// for one whose size or digest differs from its descriptor (or a
// destination's blob whose size differs), FailedPrecondition for an index
// bound for a destination that cannot hold one, NotFound for a platform an
// index lacks. Blobs put before an error stay with the destination,
// unnamed.
absl::StatusOr<Result> CopyImages(transport::ImageSource& source,
                                  transport::ImageDestination& destination,
                                  const std::vector<Item>& items,
                                  const Options& options);

// Copies blobs by descriptor, with no graph to walk, for callers that
// planned the graph themselves (publish): those the destination lacks,
// checked as CopyImages checks them (a size the destination reports that
// differs from the descriptor's is DataLoss); `platform` is not used. The
// destination's Commit is the caller's.
absl::StatusOr<Stats> CopyBlobs(transport::ImageSource& source,
                                transport::ImageDestination& destination,
                                const std::vector<oci::Descriptor>& blobs,
                                const Options& options);

// The bytes of manifest `d` from `source`, checked against `d`'s size and
// digest (DataLoss naming the source and the digest when they differ).
absl::StatusOr<std::string> FetchManifest(transport::ImageSource& source,
                                          const oci::Descriptor& d);

// A BlobReader that reads `inner` and checks, as the bytes pass, that they
// are exactly `d`: the Read that would pass d.size() fails, and so does the
// last one (returning 0) when the count or the digest differ, with the
// error `mismatch` makes of what is wrong (see
// ImageSource::BlobMismatch), or DataLoss "blob D (WHERE): ..." naming
// `where`. Tells `progress` of each byte.
class VerifyingReader : public transport::BlobReader {
 public:
  using Mismatch = std::function<absl::Status(absl::string_view what)>;
  VerifyingReader(transport::BlobReader& inner, const oci::Descriptor& d,
                  Mismatch mismatch, Progress* progress);
  VerifyingReader(transport::BlobReader& inner, const oci::Descriptor& d,
                  std::string where, Progress* progress);
  ~VerifyingReader() override;
  absl::StatusOr<size_t> Read(char* buf, size_t size) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stowage::copy

#endif  // STOWAGE_LIB_COPY_COPY_H_
