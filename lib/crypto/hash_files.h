// SHA-256 of many files at once, on every core: what `stowage check` and
// `publish --full` do to every blob.

#ifndef STOWAGE_LIB_CRYPTO_HASH_FILES_H_
#define STOWAGE_LIB_CRYPTO_HASH_FILES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "lib/base/progress.h"

namespace stowage {

struct FileHash {
  std::string path;
  // Before: the size expected (from stat or a descriptor), which orders the
  // work largest first so that one big file does not start last. After: the
  // bytes read.
  uint64_t size = 0;
  std::string hex;    // the content's SHA-256, 64 lowercase hex digits
  std::string error;  // a read error ("" when none); then `hex` is ""
};

// Hashes every entry of `files` on `threads` threads (0: one per core),
// with large preads. `progress` (may be null) is told the bytes read and
// each file done; its Start is the caller's.
void HashFiles(std::vector<FileHash>& files, int threads, Progress* progress);

}  // namespace stowage

#endif  // STOWAGE_LIB_CRYPTO_HASH_FILES_H_
