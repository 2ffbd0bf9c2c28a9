// Manifests and indexes, parsed just enough to walk the graph of blobs an
// image consists of and to show what it is. stowage never rewrites image
// manifests: their bytes, and so their digests, stay as they came.

#ifndef STOWAGE_LIB_OCI_MANIFEST_H_
#define STOWAGE_LIB_OCI_MANIFEST_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/json/json_value.h"
#include "lib/oci/descriptor.h"

namespace stowage::oci {

struct Manifest {
  enum class Kind { kImage, kIndex };

  Kind kind = Kind::kImage;
  // The media type it is served with: its own "mediaType", or, where an OCI
  // manifest omits it, the type of the descriptor that pointed at it.
  std::string media_type;
  std::string artifact_type;
  std::optional<Descriptor> config;    // images
  std::vector<Descriptor> layers;      // images
  std::vector<Descriptor> manifests;   // indexes
  std::optional<Descriptor> subject;   // referrers (signatures, SBOMs, ...)
  JsonValue annotations;               // an object, or null

  bool is_index() const { return kind == Kind::kIndex; }

  // Parses manifest bytes. `descriptor_media_type` is the type the parent
  // (index.json or an index) gave it; "" when unknown. InvalidArgument for
  // malformed JSON or descriptors, Unimplemented for Docker schema 1, and
  // InvalidArgument when the document's mediaType contradicts the
  // descriptor's.
  static absl::StatusOr<Manifest> Parse(absl::string_view bytes,
                                        absl::string_view descriptor_media_type);
};

}  // namespace stowage::oci

#endif  // STOWAGE_LIB_OCI_MANIFEST_H_
