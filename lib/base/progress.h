// Progress: how long-running library work reports how far it has come,
// without printing anything itself. The command line implements it (a
// terminal line) or passes nullptr. Implementations must be thread-safe:
// blobs are transferred by several threads at once.

#ifndef STOWAGE_LIB_BASE_PROGRESS_H_
#define STOWAGE_LIB_BASE_PROGRESS_H_

#include <cstdint>

namespace stowage {

class Progress {
 public:
  virtual ~Progress() = default;
  // The work ahead: `blobs` blobs of `bytes` bytes in all.
  virtual void Start(uint64_t blobs, uint64_t bytes) = 0;
  // `bytes` more bytes were hashed, copied or linked.
  virtual void AddBytes(uint64_t bytes) = 0;
  // One more blob is complete.
  virtual void BlobDone() = 0;
};

}  // namespace stowage

#endif  // STOWAGE_LIB_BASE_PROGRESS_H_
