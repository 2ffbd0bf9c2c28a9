#include "lib/archive/layout_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/base/status_macros.h"
#include "lib/fs/file.h"

namespace stowage::archive {
namespace {

struct ReadDeleter {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
struct WriteDeleter {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(struct archive_entry* e) const { archive_entry_free(e); }
};

absl::Status ArchiveError(const std::string& file, struct archive* a) {
  const char* msg = archive_error_string(a);
  return absl::DataLossError(
      absl::StrCat(file, ": ", msg != nullptr ? msg : "unreadable archive"));
}

// The entry's name, relative and clean, or an error naming it.
absl::StatusOr<std::string> SafeName(const std::string& file, const char* raw) {
  std::string name = raw != nullptr ? raw : "";
  auto bad = [&](absl::string_view why) {
    return absl::DataLossError(
        absl::StrCat(file, ": entry \"", name, "\" ", why));
  };
  if (name.empty()) return bad("has no name");
  if (name[0] == '/') return bad("has an absolute name");
  std::vector<std::string> parts;
  for (absl::string_view p : absl::StrSplit(name, '/')) {
    if (p.empty() || p == ".") continue;
    if (p == "..") return bad("climbs out of the archive with '..'");
    parts.emplace_back(p);
  }
  if (parts.empty()) return std::string(".");
  std::string clean;
  for (const std::string& p : parts) {
    if (!clean.empty()) clean += '/';
    clean += p;
  }
  return clean;
}

absl::Status WriteEntryData(struct archive* a, const std::string& file,
                            const std::string& name, const std::string& path) {
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
    if (n < 0) return ArchiveError(file, a);
    if (n == 0) break;
    RETURN_IF_ERROR(WriteAll(out, path, absl::string_view(buf.get(), n)));
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
                            const std::string& dest) {
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
  std::set<std::string> seen;
  while (true) {
    struct archive_entry* entry = nullptr;
    int rc = archive_read_next_header(a.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) return ArchiveError(archive_path, a.get());
    ASSIGN_OR_RETURN(std::string name,
                     SafeName(archive_path, archive_entry_pathname(entry)));
    if (name == ".") continue;
    auto bad = [&](absl::string_view why) {
      return absl::DataLossError(
          absl::StrCat(archive_path, ": entry \"", name, "\" ", why));
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
      absl::StatusOr<std::string> clean = SafeName(archive_path, target);
      if (!clean.ok() || seen.count(*clean) == 0) {
        return bad(absl::StrCat("is a hard link to \"", target,
                                "\", which is not an earlier file of the "
                                "archive"));
      }
      RETURN_IF_ERROR(HardLink(JoinPath(dest, *clean), path));
      seen.insert(name);
      continue;
    }
    switch (archive_entry_filetype(entry)) {
      case AE_IFDIR:
        RETURN_IF_ERROR(MakeDirs(path));
        break;
      case AE_IFREG:
        RETURN_IF_ERROR(WriteEntryData(a.get(), archive_path, name, path));
        seen.insert(name);
        break;
      case AE_IFLNK:
        return bad(absl::StrCat("is a symbolic link (to \"",
                                archive_entry_symlink(entry) != nullptr
                                    ? archive_entry_symlink(entry)
                                    : "",
                                "\"); an OCI layout holds none"));
      default:
        return bad("is a device, FIFO or socket; an OCI layout holds none");
    }
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
