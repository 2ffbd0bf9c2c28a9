#include "lib/catalog/catalog_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/fs/file.h"
#include "lib/store/filename.h"

namespace stowage::catalog {
namespace {

// The catalog at `path` with its bytes ("" when there is no file).
absl::StatusOr<std::pair<Catalog, std::string>> Load(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path, kMaxCatalogBytes);
  if (absl::IsNotFound(text.status())) {
    return std::make_pair(Catalog{}, std::string());
  }
  if (!text.ok()) return text.status();
  absl::StatusOr<Catalog> catalog = ParseCatalog(*text, path, /*base_dir=*/"");
  if (!catalog.ok()) {
    // The file stowage wrote no longer holds a valid catalog: changed by
    // hand or damaged.
    return absl::DataLossError(catalog.status().message());
  }
  return std::make_pair(std::move(*catalog), std::move(*text));
}

}  // namespace

std::string CatalogPath(const std::string& store_dir) {
  return store::CatalogFileName(store_dir);
}

absl::StatusOr<Catalog> ReadCatalog(const std::string& store_dir) {
  ASSIGN_OR_RETURN(auto loaded, Load(CatalogPath(store_dir)));
  return std::move(loaded.first);
}

absl::Status UpdateCatalog(const std::string& store_dir,
                           const std::function<absl::Status(Catalog&)>& change) {
  const std::string path = CatalogPath(store_dir);
  RETURN_IF_ERROR(MakeDirs(store::MetaDir(store_dir)));
  ASSIGN_OR_RETURN(FileLock lock, FileLock::Acquire(store::CatalogLockFileName(store_dir)));
  ASSIGN_OR_RETURN(auto loaded, Load(path));
  Catalog& catalog = loaded.first;
  RETURN_IF_ERROR(change(catalog));
  RETURN_IF_ERROR(ValidateCatalog(catalog, path));
  std::string text = SerializeCatalog(catalog);
  if (text == loaded.second) return absl::OkStatus();
  return WriteFileAtomic(path, text);
}

absl::StatusOr<CatalogDiff> ReplaceCatalog(const std::string& store_dir,
                                           const Catalog& next, bool dry_run) {
  RETURN_IF_ERROR(ValidateCatalog(next, "the new catalog"));
  if (dry_run) {
    ASSIGN_OR_RETURN(Catalog current, ReadCatalog(store_dir));
    return Diff(current, next);
  }
  CatalogDiff diff;
  RETURN_IF_ERROR(UpdateCatalog(store_dir, [&](Catalog& catalog) {
    diff = Diff(catalog, next);
    catalog = next;
    return absl::OkStatus();
  }));
  return diff;
}

}  // namespace stowage::catalog
