// Media types of the manifests stowage walks: OCI image manifests and
// indexes, and their Docker schema 2 counterparts.

#ifndef STOWAGE_LIB_OCI_MEDIA_TYPES_H_
#define STOWAGE_LIB_OCI_MEDIA_TYPES_H_

#include "absl/strings/string_view.h"

namespace stowage::oci {

inline constexpr char kOciManifest[] =
    "application/vnd.oci.image.manifest.v1+json";
inline constexpr char kOciIndex[] = "application/vnd.oci.image.index.v1+json";
inline constexpr char kOciLayout[] = "application/vnd.oci.layout.header.v1+json";
inline constexpr char kDockerManifest[] =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr char kDockerManifestList[] =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr char kDockerSchema1[] =
    "application/vnd.docker.distribution.manifest.v1+json";
inline constexpr char kDockerSchema1Signed[] =
    "application/vnd.docker.distribution.manifest.v1+prettyjws";

// The annotation that names an entry of a layout's index.json.
inline constexpr char kOciConfig[] = "application/vnd.oci.image.config.v1+json";
inline constexpr char kDockerConfig[] = "application/vnd.docker.container.image.v1+json";
inline constexpr char kRefNameAnnotation[] = "org.opencontainers.image.ref.name";
// On a store entry: the platforms a partial index holds (see graph.h).
inline constexpr char kPlatformsAnnotation[] = "dev.stowage.platforms";

inline bool IsIndexMediaType(absl::string_view t) {
  return t == kOciIndex || t == kDockerManifestList;
}
inline bool IsImageManifestMediaType(absl::string_view t) {
  return t == kOciManifest || t == kDockerManifest;
}
// A manifest or index stowage can parse and walk.
inline bool IsManifestMediaType(absl::string_view t) {
  return IsIndexMediaType(t) || IsImageManifestMediaType(t);
}

}  // namespace stowage::oci

#endif  // STOWAGE_LIB_OCI_MEDIA_TYPES_H_
