// The catalog metadata of a store: STORE/stowage/catalog.json, beside the
// OCI layout and never inside image content.
//
// Writers hold an exclusive lock on STORE/stowage/catalog.lock while they
// read, change and replace catalog.json, so concurrent writers never lose
// each other's changes. The file is replaced by rename, so readers take no
// lock and see the old or the new catalog, never a mix. The catalog's lock
// is not the store's (STORE/stowage/lock): metadata changes do not wait for
// an import, and an import does not wait for them.
//
// Every function here may be called from several threads and processes at
// once (each call takes its own lock).

#ifndef STOWAGE_LIB_CATALOG_CATALOG_STORE_H_
#define STOWAGE_LIB_CATALOG_CATALOG_STORE_H_

#include <functional>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/catalog/metadata.h"

namespace stowage::catalog {

// STORE/stowage/catalog.json.
std::string CatalogPath(const std::string& store_dir);

// The largest catalog.json (or apply file) read: READMEs of a large site
// add up. A guard against a mistaken file, not a format limit.
inline constexpr uint64_t kMaxCatalogBytes = uint64_t{1} << 30;

// The store's catalog; an empty one when catalog.json does not exist. A
// stored file that does not parse or breaks a rule is DataLoss, with
// ParseCatalog's message (its path in front); other read errors as
// ReadFile gives them.
absl::StatusOr<Catalog> ReadCatalog(const std::string& store_dir);

// Takes the lock, reads the catalog, lets `change` edit it, validates the
// result (ValidateCatalog) and replaces catalog.json atomically. Nothing is
// written when `change` fails (its status is returned unchanged), when the
// result is invalid (InvalidArgument), or when the result serializes to the
// bytes already stored. Blocks while another writer holds the lock.
absl::Status UpdateCatalog(const std::string& store_dir,
                           const std::function<absl::Status(Catalog&)>& change);

// Replaces the whole catalog with `next` (declarative: what `next` does not
// name is removed) and returns what that changed. With `dry_run`, computes
// the same answer from the current catalog and writes nothing (takes no
// lock either). InvalidArgument when `next` is invalid, with nothing
// written.
absl::StatusOr<CatalogDiff> ReplaceCatalog(const std::string& store_dir,
                                           const Catalog& next, bool dry_run);

}  // namespace stowage::catalog

#endif  // STOWAGE_LIB_CATALOG_CATALOG_STORE_H_
