// Walking an image's graph of blobs inside a layout.

#ifndef STOWAGE_LIB_OCI_GRAPH_H_
#define STOWAGE_LIB_OCI_GRAPH_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/oci/descriptor.h"
#include "lib/oci/layout.h"
#include "lib/oci/manifest.h"

namespace stowage::oci {

// Where the walks below get a manifest's bytes from: a layout's ReadBlob,
// or a transport's source through the copy engine. It returns the bytes
// checked against the descriptor (size and digest), or an error.
using ManifestFetcher =
    std::function<absl::StatusOr<std::string>(const Descriptor&)>;

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
// are.
absl::StatusOr<Descriptor> SelectPlatform(const Layout& layout,
                                          const Descriptor& root,
                                          const Platform& platform);
absl::StatusOr<Descriptor> SelectPlatform(const ManifestFetcher& fetch,
                                          const Descriptor& root,
                                          const Platform& platform);

}  // namespace stowage::oci

#endif  // STOWAGE_LIB_OCI_GRAPH_H_
