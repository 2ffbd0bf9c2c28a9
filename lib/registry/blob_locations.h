// Where a registry was last seen to hold a blob, remembered across runs, so
// that a push to a new repository mounts blobs from another
// (?mount=DIGEST&from=REPOSITORY) instead of uploading them again, as
// skopeo's blob-info cache lets it.
//
// The file is $XDG_CACHE_HOME/stowage/blob-locations (default
// ~/.cache/stowage/), one "HOST DIGEST REPOSITORY" line per sighting,
// appended (a line at a time, so concurrent runs do not interleave; a torn
// last line is skipped), mode 0600 in a folder made 0700. It is a hint
// only: a mount the registry refuses is an upload, and nothing read from
// the file is trusted beyond naming what to ask for. When it cannot be
// written (a read-only home), nothing is remembered and nothing fails.
//
//   BlobLocations& known = BlobLocations::Default();
//   known.Add("registry.local", "sha256:...", "team/app");
//   std::string from = known.Find("registry.local", "sha256:...");  // "team/app"

#ifndef STOWAGE_LIB_REGISTRY_BLOB_LOCATIONS_H_
#define STOWAGE_LIB_REGISTRY_BLOB_LOCATIONS_H_

#include <map>
#include <mutex>
#include <string>

namespace stowage::registry {

class BlobLocations {
 public:
  // The file as the header says ("" remembers in memory only).
  static BlobLocations& Default();
  explicit BlobLocations(std::string file) : file_(std::move(file)) {}

  // `repository` of `host` holds `digest`. Thread-safe.
  void Add(const std::string& host, const std::string& digest, const std::string& repository);
  // The repository last seen to hold it, "" when none. Thread-safe.
  std::string Find(const std::string& host, const std::string& digest);

  // Past this many lines the file is rewritten, one line per blob (at most
  // this many).
  static constexpr size_t kMaxEntries = 100000;

 private:
  void LoadLocked();
  void CompactLocked();

  const std::string file_;
  std::mutex mu_;
  bool loaded_ = false;
  size_t lines_ = 0;                          // in the file, as read and appended
  std::map<std::string, std::string> repos_;  // "HOST DIGEST" -> repository
};

}  // namespace stowage::registry

#endif  // STOWAGE_LIB_REGISTRY_BLOB_LOCATIONS_H_
