#include "lib/archive/layout_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/archive/entry_name.h"
#include "lib/archive/internal/handles.h"
#include "lib/base/status_macros.h"
#include "lib/fs/file.h"

namespace stowage::archive {
namespace {

using internal::ArchiveError;
using internal::EntryDeleter;
using internal::ReadDeleter;
using internal::WriteDeleter;

// DataLoss "<file>: <where>: <libarchive's message>".
absl::Status ArchiveErrorAt(const std::string& file, absl::string_view where,
                            struct archive* a) {
  const char* msg = archive_error_string(a);
  return absl::DataLossError(absl::StrCat(
      file, ": ", where, ": ", msg != nullptr ? msg : "unreadable archive"));
}

absl::Status EntryError(const std::string& file, const std::string& name,
                        absl::string_view why) {
  return absl::DataLossError(
      absl::StrCat(file, ": entry \"", name, "\" ", why));
}

// The archive name a symbolic link at `name` holding `target` points at,
// read as the kernel would from the link's folder, or an error when it is
// absolute or climbs out of the archive. Only names are compared: no link
// is ever made on disk, so no folder on the way can be a link itself.
absl::StatusOr<std::string> ResolveSymlink(const std::string& file,
                                           const std::string& name,
                                           const std::string& target) {
  if (target.empty()) {
    return EntryError(file, name, "is a symbolic link with no target");
  }
  if (target[0] == '/') {
    return EntryError(file, name,
                      absl::StrCat("is a symbolic link to the absolute name \"",
                                   target, "\""));
  }
  std::vector<std::string> parts = absl::StrSplit(name, '/');
  parts.pop_back();  // the link itself
  for (absl::string_view p : absl::StrSplit(target, '/')) {
    if (p.empty() || p == ".") continue;
    if (p == "..") {
      if (parts.empty()) {
        return EntryError(file, name,
                          absl::StrCat("is a symbolic link to \"", target,
                                       "\", which points outside the archive"));
      }
      parts.pop_back();
      continue;
    }
    parts.emplace_back(p);
  }
  if (parts.empty()) {
    return EntryError(file, name,
                      absl::StrCat("is a symbolic link to \"", target,
                                   "\", the archive's top folder"));
  }
  return absl::StrJoin(parts, "/");
}

// Tells `progress` (when set) how far into the archive file reading has
// come: compressed bytes, so that the total is the file's size whatever
// the compression.
class ReadProgress {
 public:
  ReadProgress(struct archive* a, const std::string& file, Progress* progress)
      : a_(a), progress_(progress) {
    if (progress_ == nullptr) return;
    absl::StatusOr<FileInfo> info = Stat(file);
    if (info.ok()) progress_->Start(0, info->size);
  }
  void Update() {
    if (progress_ == nullptr) return;
    la_int64_t at = archive_filter_bytes(a_, -1);
    if (at > done_) {
      progress_->AddBytes(static_cast<uint64_t>(at - done_));
      done_ = at;
    }
  }

 private:
  struct archive* a_;
  Progress* progress_;
  la_int64_t done_ = 0;
};

absl::Status WriteEntryData(struct archive* a, const std::string& file,
                            const std::string& name, const std::string& path,
                            ReadProgress& progress) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EEXIST) {
      return absl::DataLossError(
          absl::StrCat(file, ": entry \"", name, "\" appears twice"));
    }
    return ErrnoStatus(path, errno);
  }
  Fd out(fd);
  std::unique_ptr<char[]> buf(new char[1 << 20]);
  while (true) {
    la_ssize_t n = archive_read_data(a, buf.get(), 1 << 20);
    if (n < 0) return ArchiveErrorAt(file, absl::StrCat("entry \"", name, "\""), a);
    if (n == 0) break;
    RETURN_IF_ERROR(WriteAll(out, path, absl::string_view(buf.get(), n)));
    progress.Update();
  }
  return absl::OkStatus();
}

void CollectTree(const std::string& root, const std::string& rel,
                 std::vector<std::string>* out, absl::Status* status) {
  absl::StatusOr<std::vector<std::string>> names = ListDir(JoinPath(root, rel));
  if (!names.ok()) {
    *status = names.status();
    return;
  }
  for (const std::string& name : *names) {
    std::string child = rel.empty() ? name : JoinPath(rel, name);
    out->push_back(child);
    absl::StatusOr<FileInfo> info = Stat(JoinPath(root, child));
    if (info.ok() && info->is_dir) CollectTree(root, child, out, status);
  }
}

}  // namespace

absl::Status ExtractArchive(const std::string& archive_path,
                            const std::string& dest,
                            const ExtractOptions& options) {
  std::unique_ptr<struct archive, ReadDeleter> a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_filename(a.get(), archive_path.c_str(), 1 << 20) !=
      ARCHIVE_OK) {
    if (!Exists(archive_path)) {
      return absl::NotFoundError(absl::StrCat(archive_path, ": no such file"));
    }
    return ArchiveError(archive_path, a.get());
  }
  ReadProgress progress(a.get(), archive_path, options.progress);
  std::set<std::string> seen;   // every name taken: files and links
  std::set<std::string> files;  // regular files on disk (hard links too)
  // Symbolic links to resolve once every file is there: name -> (target
  // as an archive name, target as written).
  std::map<std::string, std::pair<std::string, std::string>> symlinks;
  std::string last;  // the last entry read, for errors
  while (true) {
    struct archive_entry* entry = nullptr;
    int rc = archive_read_next_header(a.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) {
      // Say where it broke: a truncated archive ends after some entry.
      return last.empty() ? ArchiveError(archive_path, a.get())
                          : ArchiveErrorAt(archive_path,
                                           absl::StrCat("after entry \"", last, "\""),
                                           a.get());
    }
    ASSIGN_OR_RETURN(std::string name,
                     CleanEntryName(archive_path, archive_entry_pathname(entry)));
    if (name == ".") continue;
    last = name;
    auto bad = [&](absl::string_view why) {
      return EntryError(archive_path, name, why);
    };
    // A name taken by an earlier file, or a path through one, is the
    // archive's fault: say so rather than fail on the filesystem below.
    if (seen.count(name) != 0) return bad("appears twice");
    for (size_t slash = name.find('/'); slash != std::string::npos;
         slash = name.find('/', slash + 1)) {
      if (seen.count(name.substr(0, slash)) != 0) {
        return bad(absl::StrCat("lies under the file \"", name.substr(0, slash),
                                "\""));
      }
    }
    std::string path = JoinPath(dest, name);
    RETURN_IF_ERROR(MakeDirs(Dirname(path)));
    if (const char* target = archive_entry_hardlink(entry); target != nullptr) {
      absl::StatusOr<std::string> clean = CleanEntryName(archive_path, target);
      if (!clean.ok() || files.count(*clean) == 0) {
        return bad(absl::StrCat("is a hard link to \"", target,
                                "\", which is not an earlier file of the "
                                "archive"));
      }
      RETURN_IF_ERROR(HardLink(JoinPath(dest, *clean), path));
      seen.insert(name);
      files.insert(name);
      continue;
    }
    switch (archive_entry_filetype(entry)) {
      case AE_IFDIR:
        RETURN_IF_ERROR(MakeDirs(path));
        break;
      case AE_IFREG:
        RETURN_IF_ERROR(WriteEntryData(a.get(), archive_path, name, path, progress));
        seen.insert(name);
        files.insert(name);
        break;
      case AE_IFLNK: {
        const char* raw = archive_entry_symlink(entry);
        std::string target = raw != nullptr ? raw : "";
        if (!options.resolve_symlinks) {
          return bad(absl::StrCat("is a symbolic link (to \"", target,
                                  "\"); an OCI layout holds none"));
        }
        ASSIGN_OR_RETURN(std::string resolved,
                         ResolveSymlink(archive_path, name, target));
        symlinks[name] = {resolved, target};
        seen.insert(name);
        break;
      }
      default:
        return bad("is a device, FIFO or socket; an OCI layout holds none");
    }
  }
  // Links may name files that came after them: resolve at the end, through
  // chains of links, each to the regular file it ends at.
  for (const auto& [name, link] : symlinks) {
    std::string at = link.first;
    for (int hops = 0; symlinks.count(at) != 0; ++hops) {
      if (hops == 40) {
        return EntryError(archive_path, name,
                          absl::StrCat("is a symbolic link to \"", link.second,
                                       "\" that loops"));
      }
      at = symlinks[at].first;
    }
    if (files.count(at) == 0) {
      return EntryError(
          archive_path, name,
          absl::StrCat("is a symbolic link to \"", link.second,
                       "\", which is not a file of the archive"));
    }
    RETURN_IF_ERROR(HardLink(JoinPath(dest, at), JoinPath(dest, name)));
  }
  return absl::OkStatus();
}

absl::Status PackDirectory(const std::string& src_dir,
                           const std::string& archive_path) {
  int64_t mtime = 0;
  if (const char* epoch = getenv("SOURCE_DATE_EPOCH"); epoch != nullptr) {
    if (!absl::SimpleAtoi(epoch, &mtime) || mtime < 0) mtime = 0;
  }
  std::vector<std::string> names;
  absl::Status status;
  CollectTree(src_dir, "", &names, &status);
  RETURN_IF_ERROR(status);
  std::sort(names.begin(), names.end());

  ASSIGN_OR_RETURN(TempFile out, TempFile::Create(Dirname(archive_path)));
  std::unique_ptr<struct archive, WriteDeleter> a(archive_write_new());
  if (archive_write_set_format_pax_restricted(a.get()) != ARCHIVE_OK ||
      archive_write_open_fd(a.get(), out.fd().get()) != ARCHIVE_OK) {
    return ArchiveError(archive_path, a.get());
  }
  std::unique_ptr<char[]> buf(new char[1 << 20]);
  for (const std::string& name : names) {
    std::string path = JoinPath(src_dir, name);
    ASSIGN_OR_RETURN(FileInfo info, Stat(path));
    std::unique_ptr<struct archive_entry, EntryDeleter> e(archive_entry_new());
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_mtime(e.get(), mtime, 0);
    archive_entry_set_uid(e.get(), 0);
    archive_entry_set_gid(e.get(), 0);
    if (info.is_dir) {
      archive_entry_set_filetype(e.get(), AE_IFDIR);
      archive_entry_set_perm(e.get(), 0755);
    } else if (info.is_regular) {
      archive_entry_set_filetype(e.get(), AE_IFREG);
      archive_entry_set_perm(e.get(), 0644);
      archive_entry_set_size(e.get(), static_cast<la_int64_t>(info.size));
    } else {
      return absl::FailedPreconditionError(
          absl::StrCat(path, ": neither a file nor a folder"));
    }
    if (archive_write_header(a.get(), e.get()) != ARCHIVE_OK) {
      return ArchiveError(archive_path, a.get());
    }
    if (info.is_regular) {
      ASSIGN_OR_RETURN(Fd in, OpenForRead(path));
      uint64_t written = 0;
      while (true) {
        ASSIGN_OR_RETURN(size_t n, ReadSome(in, path, buf.get(), 1 << 20));
        if (n == 0) break;
        if (archive_write_data(a.get(), buf.get(), n) < 0) {
          return ArchiveError(archive_path, a.get());
        }
        written += n;
      }
      if (written != info.size) {
        return absl::DataLossError(
            absl::StrCat(path, ": changed size while it was archived"));
      }
    }
  }
  // Close before free: errors after archive_write_free are lost.
  if (archive_write_close(a.get()) != ARCHIVE_OK) {
    return ArchiveError(archive_path, a.get());
  }
  return out.Commit(archive_path);
}

}  // namespace stowage::archive
