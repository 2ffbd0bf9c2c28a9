// The two small documents of a bundle: the bundle manifest
// (stowage-bundle.json, the first entry of every bundle) and the part index
// (FILE.parts.json, beside the numbered parts of a split bundle).
//
// A bundle is one tar stream (plain, gzip or zstd) holding an OCI image
// layout, with its entries in this order:
//
//   stowage-bundle.json       this manifest: what the bundle holds
//   oci-layout                {"imageLayoutVersion":"1.0.0"}
//   index.json                one entry per tag, named "<repository>:<tag>"
//   blobs/  blobs/sha256/     folders
//   blobs/sha256/<hex> ...    every blob once, sorted by digest
//
// The manifest comes first so that a reader knows every digest and size
// before the first blob arrives: it checks each blob as it streams past,
// and an import can refuse (a conflicting tag, a differential bundle whose
// base the store lacks) before reading gigabytes. `skopeo copy
// oci-archive:FILE:<repository>:<tag> ...` reads the same file; it ignores
// the manifest.
//
// stowage-bundle.json (pretty JSON, keys in this order, arrays sorted):
//
//   {
//     "schemaVersion": 1,
//     "mediaType": "application/vnd.stowage.bundle.v1+json",
//     "images": [{"name": "library/python:3.12",
//                 "descriptor": {<index.json's entry for it>}}],
//     "blobs": [{"mediaType": ..., "digest": ..., "size": ...}],
//     "omitted": [...],                       only in a differential bundle
//     "since": {"bundle": "sha256:..."},      or {"list": "sha256:..."}; ditto
//     "catalog": {"namespaces": {...}, "repositories": {...}}
//   }
//
// "blobs" are the blobs in this bundle; "omitted" those of its images that
// a differential bundle leaves out because the receiving side has them
// already (the store must hold them to import it). "since" names what the
// bundle was made against: the base bundle's id (the sha256 of its
// stowage-bundle.json), or the sha256 of a list of digests. "catalog" is the
// repositories' metadata in catalog.json's form (lib/catalog).
//
// FILE.parts.json:
//
//   {
//     "schemaVersion": 1,
//     "mediaType": "application/vnd.stowage.bundle.parts.v1+json",
//     "bundle": "sha256:...",     the bundle's id
//     "size": 12345,              the whole stream's length
//     "parts": [{"name": "FILE.001", "size": ..., "digest": "sha256:..."}]
//   }
//
// The parts are the stream cut in pieces, nothing added: `cat FILE.0*`
// gives the unsplit bundle. Part names are plain file names in the index's
// folder.
//
// Everything here is pure and thread-safe.

#ifndef STOWAGE_LIB_BUNDLE_FORMAT_H_
#define STOWAGE_LIB_BUNDLE_FORMAT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/catalog/metadata.h"
#include "lib/oci/descriptor.h"
#include "lib/store/store.h"

namespace stowage::bundle {

inline constexpr char kManifestName[] = "stowage-bundle.json";
inline constexpr char kManifestMediaType[] =
    "application/vnd.stowage.bundle.v1+json";
inline constexpr char kPartIndexMediaType[] =
    "application/vnd.stowage.bundle.parts.v1+json";
// The largest stowage-bundle.json read (READMEs add up).
inline constexpr uint64_t kMaxManifestBytes = uint64_t{1} << 30;

struct BundleImage {
  store::TagName name;
  oci::Descriptor descriptor;  // exactly as the bundle's index.json holds it
};

// What a differential bundle was made against.
struct Since {
  enum class Kind { kBundle, kList };
  Kind kind = Kind::kBundle;
  std::string digest;  // the base bundle's id, or the list file's sha256
};

struct Manifest {
  std::vector<BundleImage> images;          // sorted by name
  std::vector<oci::Descriptor> blobs;       // sorted by digest
  std::vector<oci::Descriptor> omitted;     // sorted by digest
  std::optional<Since> since;               // set for a differential bundle
  catalog::Catalog catalog;

  uint64_t BlobBytes() const;
};

// Pretty JSON with a final newline; equal manifests give equal bytes.
std::string SerializeManifest(const Manifest& manifest);

// Parses and checks a manifest. Errors name `file_name`: DataLoss for a
// document that is not a valid manifest (with the JSON path of the
// problem), Unimplemented for a schemaVersion newer than 1.
absl::StatusOr<Manifest> ParseManifest(absl::string_view json,
                                       absl::string_view file_name);

// The id of a bundle: "sha256:" + the hex SHA-256 of its manifest's bytes.
std::string BundleId(absl::string_view manifest_bytes);

struct PartInfo {
  std::string name;  // a file name, no folder
  uint64_t size = 0;
  std::string digest;  // "sha256:<hex>" of the part's bytes
};

struct PartIndex {
  std::string bundle;  // the bundle's id
  uint64_t size = 0;   // the sum of the parts' sizes
  std::vector<PartInfo> parts;
};

std::string SerializePartIndex(const PartIndex& index);

// DataLoss naming `file_name` for a document that is not a part index, or
// whose part names are not plain file names or whose sizes do not add up.
absl::StatusOr<PartIndex> ParsePartIndex(absl::string_view json,
                                         absl::string_view file_name);

// True when `json` (a file's first bytes will do) looks like a part index
// rather than a tar stream.
bool LooksLikeJson(absl::string_view head);

}  // namespace stowage::bundle

#endif  // STOWAGE_LIB_BUNDLE_FORMAT_H_
