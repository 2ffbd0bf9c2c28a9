// Walking an image's graph of blobs inside a layout.

#ifndef STOWAGE_LIB_OCI_GRAPH_H_
#define STOWAGE_LIB_OCI_GRAPH_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/oci/descriptor.h"
#include "lib/oci/layout.h"
#include "lib/oci/manifest.h"
#include "lib/oci/media_types.h"

namespace stowage::oci {

// Where the walks below get a manifest's bytes from: a layout's ReadBlob,
// or a transport's source through the copy engine. It returns the bytes
// checked against the descriptor (size and digest), or an error.
using ManifestFetcher =
    std::function<absl::StatusOr<std::string>(const Descriptor&)>;

// A partial index: an index of which a store holds only some platforms'
// images, the index itself kept byte for byte (so its digest, and every
// signature over it, stay valid). The store's entry for it carries
// kPlatformsAnnotation (media_types.h), the platforms held as
// "os/arch[/variant]" joined by commas, and every walk below follows only
// the children it names. An entry without it holds the whole graph.

// The platforms a partial index's entry holds; empty for a whole graph.
std::vector<Platform> HeldPlatforms(const Descriptor& root);
// Whether a walk from `root` follows `child` of an index: always for a whole
// graph and for a nested index; for a partial one, only an image manifest
// for one of the platforms held.
bool Held(const std::vector<Platform>& held, const Descriptor& child);
// The same for a child known by its media type and platform alone.
bool Held(const std::vector<Platform>& held, absl::string_view media_type,
          const std::optional<Platform>& platform);

// `root` as the entry of a partial index holding `platforms`, each checked
// to be in the index (NotFound listing the platforms there are, as
// SelectPlatform). A root that is no index, or an index all of whose
// images are chosen, is returned unchanged.
absl::StatusOr<Descriptor> PartialIndex(const ManifestFetcher& fetch, const Descriptor& root,
                                        const std::vector<Platform>& platforms);

// Every blob reachable from `root` in `layout`: root first, then children
// breadth first (an index's manifests, a manifest's config and layers), each
// digest once. Manifests and indexes are read and verified on the way
// (ReadBlob); layers are only listed. Errors name the digest and the chain of
// manifests that led to it.
absl::StatusOr<std::vector<Descriptor>> CollectGraph(const Layout& layout,
                                                     const Descriptor& root);
absl::StatusOr<std::vector<Descriptor>> CollectGraph(const ManifestFetcher& fetch,
                                                     const Descriptor& root);

// Reads, verifies and parses the manifest or index `d` points at.
absl::StatusOr<Manifest> ReadManifest(const Layout& layout, const Descriptor& d);
absl::StatusOr<Manifest> ReadManifest(const ManifestFetcher& fetch,
                                      const Descriptor& d);

// For an index, the child manifest for `platform` (searching nested indexes);
// for an image manifest, `root` itself. NotFound lists the platforms there
// are; for a partial index, NotFound says which platforms were kept.
absl::StatusOr<Descriptor> SelectPlatform(const Layout& layout,
                                          const Descriptor& root,
                                          const Platform& platform);
absl::StatusOr<Descriptor> SelectPlatform(const ManifestFetcher& fetch,
                                          const Descriptor& root,
                                          const Platform& platform);

}  // namespace stowage::oci

#endif  // STOWAGE_LIB_OCI_GRAPH_H_
