#include "lib/publish/tree_writer.h"

#include <errno.h>
#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"

namespace stowage::publish {

TreeWriter::TreeWriter(std::string root, bool fresh) : root_(std::move(root)), fresh_(fresh) {
  mode_t mask = umask(0);
  umask(mask);
  umask_hides_ = (mask & 0755) != 0;
}

absl::Status TreeWriter::Link(const std::string& blob, const std::string& path) {
  absl::StatusOr<FileInfo> have =
      fresh_ ? absl::StatusOr<FileInfo>(absl::NotFoundError(path)) : Stat(path);
  if (have.ok()) {
    auto known = inodes_.find(blob);
    if (known == inodes_.end()) {
      ASSIGN_OR_RETURN(FileInfo want, Stat(blob));
      known = inodes_.emplace(blob, std::make_pair(want.device, want.inode)).first;
    }
    if (have->device == known->second.first && have->inode == known->second.second) {
      ++counts_.unchanged;
      return absl::OkStatus();
    }
  }
  std::string dir = Dirname(path);
  RETURN_IF_ERROR(Dirs(dir));
  if (absl::IsNotFound(have.status())) {
    // A new name: link(2) creates it whole, atomically.
    absl::Status linked = HardLink(blob, path);
    if (linked.ok()) {
      ++counts_.linked;
      return absl::OkStatus();
    }
    if (!absl::IsAlreadyExists(linked)) return linked;
  }
  std::string tmp = JoinPath(dir, ".tmp-link");
  absl::Status linked = HardLink(blob, tmp);
  if (absl::IsAlreadyExists(linked)) {  // left by an interrupted publish
    RETURN_IF_ERROR(RemoveFile(tmp));
    linked = HardLink(blob, tmp);
  }
  RETURN_IF_ERROR(linked);
  RETURN_IF_ERROR(Rename(tmp, path));
  ++counts_.linked;
  return absl::OkStatus();
}

absl::StatusOr<bool> TreeWriter::LinkOpenFile(const Fd& from, const std::string& from_path,
                                             const std::string& path) {
  absl::StatusOr<FileInfo> have = Stat(path);
  ASSIGN_OR_RETURN(FileInfo want, StatFd(from, from_path));
  if (have.ok() && have->device == want.device && have->inode == want.inode) {
    ++counts_.unchanged;
    return true;
  }
  if ((want.mode & 0444) != 0444) return false;
  std::string tmp = JoinPath(Dirname(path), ".tmp-index-link");
  RETURN_IF_ERROR(RemoveFile(tmp));
  if (!LinkFd(from, from_path, tmp).ok()) return false;
  RETURN_IF_ERROR(Rename(tmp, path));
  ++counts_.linked;
  return true;
}

absl::Status TreeWriter::Write(const std::string& path, absl::string_view content,
                               bool executable) {
  absl::StatusOr<FileInfo> have =
      fresh_ ? absl::StatusOr<FileInfo>(absl::NotFoundError(path)) : Stat(path);
  if (have.ok() && have->is_regular && have->size == content.size() &&
      have->mode == (executable ? 0755u : 0644u)) {
    absl::StatusOr<std::string> old = ReadFile(path, content.size() + 1);
    if (old.ok() && *old == content) {
      ++counts_.unchanged;
      return absl::OkStatus();
    }
  }
  RETURN_IF_ERROR(Dirs(Dirname(path)));
  ASSIGN_OR_RETURN(TempFile tmp, TempFile::Create(Dirname(path)));
  RETURN_IF_ERROR(tmp.Write(content));
  if (executable && fchmod(tmp.fd().get(), 0755) != 0) {
    return ErrnoStatus(tmp.path(), errno);
  }
  // A few files are synced one by one; many would hold too many
  // descriptors and are synced by one syncfs instead.
  if (pending_.size() >= kSyncEachLimit) tmp.Close();
  pending_.emplace_back(std::move(tmp), path);
  return absl::OkStatus();
}

absl::Status TreeWriter::Flush() {
  if (pending_.empty()) return absl::OkStatus();
  // syncfs writes back everything on the filesystem (an 11 MB store
  // index.json just replaced, say); a fsync per file only these.
  bool each = pending_.size() <= kSyncEachLimit;
  if (!each) RETURN_IF_ERROR(SyncFilesystem(root_));
  for (auto& [tmp, path] : pending_) {
    RETURN_IF_ERROR(tmp.Commit(path, /*replace=*/true, /*sync=*/each));
    ++counts_.written;
  }
  pending_.clear();
  return absl::OkStatus();
}

absl::Status TreeWriter::Prune(const std::string& root, const std::string& rel,
                               const std::set<std::string>& keep) {
  std::string dir = rel.empty() ? root : JoinPath(root, rel);
  ASSIGN_OR_RETURN(std::vector<DirEntry> entries, ListDirEntries(dir));
  for (const DirEntry& e : entries) {
    std::string child_rel = rel.empty() ? e.name : JoinPath(rel, e.name);
    std::string child = JoinPath(root, child_rel);
    if (e.is_dir) {
      RETURN_IF_ERROR(Prune(root, child_rel, keep));
      ASSIGN_OR_RETURN(std::vector<std::string> left, ListDir(child));
      if (left.empty()) RETURN_IF_ERROR(RemoveDir(child));
    } else if (keep.count(child_rel) == 0) {
      RETURN_IF_ERROR(RemoveFile(child));
      ++counts_.removed;
    }
  }
  return absl::OkStatus();
}

absl::Status TreeWriter::PruneRepository(const std::string& www, const std::string& repo,
                                         const std::set<std::string>* keep) {
  for (const char* part : {"manifests", "blobs", "tags", "referrers"}) {
    std::string rel = absl::StrCat("v2/", repo, "/", part);
    std::string dir = JoinPath(www, rel);
    absl::StatusOr<std::vector<DirEntry>> entries = ListDirEntries(dir);
    if (absl::IsNotFound(entries.status())) continue;
    if (!entries.ok()) return entries.status();
    bool left = false;
    for (const DirEntry& e : *entries) {
      std::string child_rel = JoinPath(rel, e.name);
      if (e.is_dir || (keep != nullptr && keep->count(child_rel) > 0)) {
        left = true;
        continue;
      }
      RETURN_IF_ERROR(RemoveFile(JoinPath(www, child_rel)));
      ++counts_.removed;
    }
    if (!left) RETURN_IF_ERROR(RemoveDir(dir));
  }
  // Folders left empty, up to v2/.
  for (std::string rel = absl::StrCat("v2/", repo); rel != "v2"; rel = Dirname(rel)) {
    std::string dir = JoinPath(www, rel);
    absl::StatusOr<std::vector<std::string>> left = ListDir(dir);
    if (absl::IsNotFound(left.status())) continue;
    if (!left.ok()) return left.status();
    if (!left->empty()) break;
    RETURN_IF_ERROR(RemoveDir(dir));
  }
  return absl::OkStatus();
}

absl::Status TreeWriter::Dirs(const std::string& dir) {
  if (made_.count(dir) > 0) return absl::OkStatus();
  if (fresh_) {
    // In a new tree, one mkdir per folder: its parent is made first (from
    // made_, or by the recursion), where MakeDirs would look at each level.
    std::string parent = Dirname(dir);
    if (made_.count(parent) == 0 && dir != root_ && parent != dir) {
      RETURN_IF_ERROR(Dirs(parent));
    }
    if (mkdir(dir.c_str(), 0755) == 0) {
      if (umask_hides_ && chmod(dir.c_str(), 0755) != 0) {
        return ErrnoStatus(dir, errno);
      }
    } else if (errno != EEXIST) {
      return ErrnoStatus(dir, errno);
    }
    made_.insert(dir);
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(MakeDirs(dir));
  made_.insert(dir);
  return absl::OkStatus();
}

absl::Status TreeWriter::RemoveWithParents(const std::string& root, const std::string& rel) {
  RETURN_IF_ERROR(RemoveFile(JoinPath(root, rel)));
  ++counts_.removed;
  return RemoveEmptyParents(root, Dirname(rel));
}

absl::Status RemoveEmptyParents(const std::string& root, std::string rel) {
  for (; !rel.empty() && rel != "."; rel = Dirname(rel)) {
    absl::StatusOr<std::vector<std::string>> left = ListDir(JoinPath(root, rel));
    if (absl::IsNotFound(left.status())) continue;
    if (!left.ok()) return left.status();
    if (!left->empty()) break;
    RETURN_IF_ERROR(RemoveDir(JoinPath(root, rel)));
  }
  return absl::OkStatus();
}

}  // namespace stowage::publish
