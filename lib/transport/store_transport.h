// The store as a transport: a source of its tags and a destination that
// tags what it receives, so that import, export and bundles are copies
// between the store and another transport.

#ifndef STOWAGE_LIB_TRANSPORT_STORE_TRANSPORT_H_
#define STOWAGE_LIB_TRANSPORT_STORE_TRANSPORT_H_

#include <memory>

#include "absl/status/statusor.h"
#include "lib/store/store.h"
#include "lib/transport/transport.h"

namespace stowage::transport {

// The store's tags as refs named REPOSITORY:TAG (RefKind::kImageName); its
// blobs as its files. `store` must outlive the source. Reads take no lock:
// index.json is replaced atomically, and blobs are hashed as they are read.
std::unique_ptr<ImageSource> StoreSource(const store::Store& store);

// Puts blobs into the store (durable before they get their names) and, at
// Commit, sets the refs (each "REPOSITORY:TAG") as tags under the store's
// lock. Holds Store::BlobWriteLock for its whole life, so gc waits rather
// than delete what it placed before tagging. `store` must outlive it.
// SetRef with a ref that is no store name is InvalidArgument.
absl::StatusOr<std::unique_ptr<ImageDestination>> StoreDestination(
    const store::Store& store);

}  // namespace stowage::transport

#endif  // STOWAGE_LIB_TRANSPORT_STORE_TRANSPORT_H_
