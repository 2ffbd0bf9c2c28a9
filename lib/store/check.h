// Checking a store: every blob hashed, every image graph walked.
//
// Check hashes every file of blobs/sha256 (its name must be its digest),
// referenced or not, on all cores, and walks every index.json entry's graph
// (indexes, manifests, configs, layers), checking that each descriptor's blob
// is there with the declared size and digest and that each manifest parses.
// It reads only: it works on a store this process cannot write, and holds
// the store's BlobReadLock so that gc deletes nothing under it.

#ifndef STOWAGE_LIB_STORE_CHECK_H_
#define STOWAGE_LIB_STORE_CHECK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/base/progress.h"
#include "lib/store/store.h"

namespace stowage::store {

struct CheckOptions {
  // Hashing threads; 0 means one per core.
  int threads = 0;
  // Told of every blob hashed; may be null. Called from several threads.
  Progress* progress = nullptr;
};

// One damaged or missing object.
struct CheckProblem {
  std::string digest;  // "sha256:<hex>"
  // What the first descriptor that reached it calls it: "index",
  // "manifest", "config", "layer"; "unreferenced" when nothing reaches it.
  std::string role;
  // Every index.json entry ("team/app:v1") whose graph reaches it, sorted.
  std::vector<std::string> tags;
  // What is wrong: "missing", "content hashes to sha256:...", ...
  std::string what;

  // "sha256:... (layer of team/app:v1): content hashes to sha256:...".
  std::string String() const;
};

// A file of blobs/sha256 that is not a blob: a temporary file of a writer,
// or a name that is no sha256 digest. Never served (every reader looks
// blobs up by digest), so only a warning.
struct CheckStray {
  std::string name;  // the file name within blobs/sha256
  std::string what;
};

struct CheckReport {
  uint64_t blobs = 0;      // files of blobs/sha256 hashed
  uint64_t bytes = 0;      // their bytes
  uint64_t manifests = 0;  // manifests and indexes parsed
  uint64_t tags = 0;       // index.json entries walked
  // Sorted by first tag, then digest; unreferenced blobs last.
  std::vector<CheckProblem> problems;
  std::vector<CheckStray> strays;  // sorted by name

  bool ok() const { return problems.empty(); }
};

// Checks `store`. Damage is reported in the CheckReport, not as an error;
// the status is an error only when the store cannot be checked at all:
// index.json unreadable or malformed (DataLoss, naming it), blobs/sha256
// unlistable, the read lock refused.
absl::StatusOr<CheckReport> Check(const Store& store, const CheckOptions& options);

}  // namespace stowage::store

#endif  // STOWAGE_LIB_STORE_CHECK_H_
