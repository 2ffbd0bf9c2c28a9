// OCI image layouts on disk: `oci-layout`, `index.json`, `blobs/sha256/<hex>`.
//
// Blobs enter a layout only complete and verified: written or linked under a
// temporary name, checked against their descriptor's digest and size, then
// renamed into place. index.json is replaced atomically. A Layout object is
// a path plus these rules; it caches nothing, so several may point at one
// directory, and its methods are thread-safe.

#ifndef STOWAGE_LIB_OCI_LAYOUT_H_
#define STOWAGE_LIB_OCI_LAYOUT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/base/progress.h"
#include "lib/json/json_value.h"
#include "lib/oci/descriptor.h"

namespace stowage::oci {

// index.json is read whole; a large store's is large (about 220 bytes a
// tag: 100,000 repositories of a few tags each pass 64 MiB). A guard
// against a mistaken file, not a format limit.
inline constexpr uint64_t kMaxIndexBytes = uint64_t{1} << 30;

// The largest blob Layout::ReadBlob reads into memory (manifests, indexes
// and configs are far smaller).
inline constexpr uint64_t kMaxSmallBlob = uint64_t{16} << 20;

// A layout's index.json: the document (unknown fields kept) and its entries.
struct Index {
  JsonValue doc;
  std::vector<Descriptor> manifests;

  // The document with "manifests" set from `manifests`.
  std::string Serialize() const;
};

// Parses index.json's bytes as Layout::ReadIndex does; DataLoss naming
// `path` (what the bytes were read from) when they are malformed. When they
// are no JSON at all (what a file another program is halfway through
// writing looks like), the status carries the payload kIndexNotJson.
absl::StatusOr<Index> ParseIndex(absl::string_view text, absl::string_view path);
inline constexpr char kIndexNotJson[] = "stowage.dev/oci/index-not-json";

class Layout {
 public:
  // Opens an existing layout. InvalidArgument when `dir` is not a layout
  // (no `oci-layout`, or not version 1.0.0), with the path in the message.
  static absl::StatusOr<Layout> Open(const std::string& dir);
  // Opens `dir`, or makes an empty layout there when it is missing or an
  // empty directory. A non-empty directory that is not a layout is
  // FailedPrecondition.
  static absl::StatusOr<Layout> OpenOrCreate(const std::string& dir);
  // Opens `dir`, or makes a layout in it whatever else it holds: for a
  // caller that owns the folder (publish, whose OUTDIR holds its own files).
  static absl::StatusOr<Layout> OpenOrCreateIn(const std::string& dir);

  // The layout at `dir` without looking at it: for a writer that makes it
  // (OpenOrCreate) before it writes.
  static Layout Unchecked(const std::string& dir) { return Layout(dir); }

  const std::string& dir() const { return dir_; }
  std::string BlobPath(absl::string_view digest) const;
  bool HasBlob(absl::string_view digest) const;

  // Reads index.json. DataLoss when it is missing or malformed.
  absl::StatusOr<Index> ReadIndex() const;
  // Replaces index.json atomically.
  absl::Status WriteIndex(const Index& index) const;

  // Reads a whole blob (a manifest or config; at most 16 MiB) and checks it
  // against `d`: NotFound when absent, DataLoss when its size or digest
  // differ.
  absl::StatusOr<std::string> ReadBlob(const Descriptor& d) const;
  // Stores `bytes` as a blob under its own digest (nothing happens if that
  // blob is already there). Returns the digest.
  absl::StatusOr<std::string> WriteBlob(absl::string_view bytes) const;

 private:
  explicit Layout(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

// The index.json entry naming `image` `ref_name` ("" for an unnamed entry):
// its media type, digest, size, platform and artifactType; other
// annotations are dropped, the ref name annotation set when not "".
Descriptor IndexEntry(const Descriptor& image, absl::string_view ref_name);

// Hashes a file in full and compares it with `d`. DataLoss on mismatch.
absl::Status VerifyBlobFile(const std::string& path, const Descriptor& d,
                            Progress* progress = nullptr);

}  // namespace stowage::oci

#endif  // STOWAGE_LIB_OCI_LAYOUT_H_
