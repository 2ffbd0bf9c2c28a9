// Progress: how long-running library work reports how far it has come,
// without printing anything itself. The command line implements it (a
// terminal line) or passes nullptr. Implementations must be thread-safe:
// blobs are transferred by several threads at once.

#ifndef STOWAGE_LIB_BASE_PROGRESS_H_
#define STOWAGE_LIB_BASE_PROGRESS_H_

#include <cstdint>
#include <string>

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

  // Per blob, for a display of each transfer (docker pull's lines); by
  // default only the totals above hear of them. A copy calls BlobStarted,
  // then BlobBytes as bytes pass, then BlobFinished.
  virtual void BlobStarted(const std::string& digest, uint64_t size) {
    (void)digest;
    (void)size;
  }
  virtual void BlobBytes(const std::string& digest, uint64_t bytes) {
    (void)digest;
    AddBytes(bytes);
  }
  virtual void BlobFinished(const std::string& digest) {
    (void)digest;
    BlobDone();
  }
};

}  // namespace stowage

#endif  // STOWAGE_LIB_BASE_PROGRESS_H_
