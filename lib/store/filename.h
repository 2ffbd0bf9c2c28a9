// The paths of stowage's own files in a store, all in one place (as
// leveldb's db/filename.h names a database's files).
//
// A store is an OCI image layout (oci-layout, index.json, blobs/) that other
// tools read and write too; everything stowage adds lives under
// STORE/stowage/, made on a store's first write:
//
//   STORE/stowage/lock          writers of index.json hold it exclusively
//   STORE/stowage/gc.lock       blob writers and readers share it, gc takes it
//                               exclusively
//   STORE/stowage/tmp/          temporary files of writers (same filesystem
//                               as the blobs, for rename)
//   STORE/stowage/catalog.json  repository metadata (lib/catalog)
//   STORE/stowage/catalog.lock  writers of catalog.json hold it
//
// Pure functions of the store's path; thread-safe.

#ifndef STOWAGE_LIB_STORE_FILENAME_H_
#define STOWAGE_LIB_STORE_FILENAME_H_

#include <string>

namespace stowage::store {

// STORE/stowage.
std::string MetaDir(const std::string& store_dir);
// STORE/stowage/lock.
std::string LockFileName(const std::string& store_dir);
// STORE/stowage/gc.lock.
std::string GcLockFileName(const std::string& store_dir);
// STORE/stowage/tmp.
std::string TempDirName(const std::string& store_dir);
// STORE/stowage/catalog.json.
std::string CatalogFileName(const std::string& store_dir);
// STORE/stowage/catalog.lock.
std::string CatalogLockFileName(const std::string& store_dir);

}  // namespace stowage::store

#endif  // STOWAGE_LIB_STORE_FILENAME_H_
