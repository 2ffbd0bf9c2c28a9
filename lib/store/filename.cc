#include "lib/store/filename.h"

#include "lib/fs/file.h"

namespace stowage::store {

std::string MetaDir(const std::string& store_dir) { return JoinPath(store_dir, "stowage"); }

std::string LockFileName(const std::string& store_dir) {
  return JoinPath(MetaDir(store_dir), "lock");
}

std::string GcLockFileName(const std::string& store_dir) {
  return JoinPath(MetaDir(store_dir), "gc.lock");
}

std::string TempDirName(const std::string& store_dir) {
  return JoinPath(MetaDir(store_dir), "tmp");
}

std::string CatalogFileName(const std::string& store_dir) {
  return JoinPath(MetaDir(store_dir), "catalog.json");
}

std::string CatalogLockFileName(const std::string& store_dir) {
  return JoinPath(MetaDir(store_dir), "catalog.lock");
}

}  // namespace stowage::store
