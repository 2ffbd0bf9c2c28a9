// Writes files into a published tree so that a server reading it never sees
// a half-written file: new content goes to a temporary name, is made
// durable, then renamed into place (Flush); new names of a blob are hard
// links, made whole by link(2). Files already right are left alone.

#ifndef STOWAGE_LIB_PUBLISH_TREE_WRITER_H_
#define STOWAGE_LIB_PUBLISH_TREE_WRITER_H_

#include <sys/types.h>

#include <cstdint>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/fs/file.h"

namespace stowage::publish {

struct TreeCounts {
  uint64_t written = 0;    // files written anew
  uint64_t linked = 0;     // files (re)linked to a blob
  uint64_t removed = 0;    // files that no longer belong
  uint64_t unchanged = 0;  // files already right
};

class TreeWriter {
 public:
  // Files are synced one by one up to this many per Flush; beyond it, by
  // one syncfs (holding a descriptor per file would run out).
  static constexpr size_t kSyncEachLimit = 32;

  // `root`: the tree's folder (for syncfs). `fresh`: the tree was empty when
  // this publish began, so no file is looked for before it is made.
  explicit TreeWriter(std::string root, bool fresh = false);

  // `path` becomes another name of `blob` (already complete).
  absl::Status Link(const std::string& blob, const std::string& path);

  // Makes `path` another name of the open file `from` (named `from_path`)
  // if it is readable by all. False (nothing changed) when it is not, or
  // cannot be linked there (another filesystem; replaced since it was read).
  absl::StatusOr<bool> LinkOpenFile(const Fd& from, const std::string& from_path,
                                    const std::string& path);

  // `path` will hold exactly `content` once Flush() has run.
  absl::Status Write(const std::string& path, absl::string_view content,
                     bool executable = false);

  // Makes the written files durable, then renames them into place: a crash
  // leaves old files or whole new ones, never a torn one.
  absl::Status Flush();

  // Removes every file under `root` whose path (relative) is not in `keep`,
  // then the folders left empty.
  absl::Status Prune(const std::string& root, const std::string& rel,
                     const std::set<std::string>& keep);

  // Prunes one repository's folders under `www` (v2/<repo>/manifests/ and
  // the others): their files not in `keep` (all of them when `keep` is
  // null), then the folders left empty up to v2/. Subfolders are left alone:
  // they belong to other repositories (team/app/tags/... is team/app/tags's).
  absl::Status PruneRepository(const std::string& www, const std::string& repo,
                               const std::set<std::string>* keep);

  // Removes the file `rel` under `root`, then its folders left empty.
  absl::Status RemoveWithParents(const std::string& root, const std::string& rel);

  const TreeCounts& counts() const { return counts_; }

 private:
  absl::Status Dirs(const std::string& dir);

  std::string root_;
  bool fresh_ = false;
  bool umask_hides_ = false;
  TreeCounts counts_;
  std::unordered_map<std::string, std::pair<dev_t, ino_t>> inodes_;
  std::unordered_set<std::string> made_;
  std::vector<std::pair<TempFile, std::string>> pending_;
};

// Removes `rel` (a folder under `root`) and its parents up to `root` while
// they are empty.
absl::Status RemoveEmptyParents(const std::string& root, std::string rel);

}  // namespace stowage::publish

#endif  // STOWAGE_LIB_PUBLISH_TREE_WRITER_H_
