#include "lib/fs/file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace stowage {

absl::Status ErrnoStatus(absl::string_view path, int err) {
  std::string message = absl::StrCat(path, ": ", strerror(err));
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(message);
    case EEXIST:
    case ENOTEMPTY:
      return absl::AlreadyExistsError(message);
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::PermissionDeniedError(message);
    case ENOSPC:
    case EDQUOT:
      return absl::ResourceExhaustedError(message);
    default:
      return absl::InternalError(message);
  }
}

Fd::~Fd() {
  if (fd_ >= 0) close(fd_);
}

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.Release();
  }
  return *this;
}

namespace {

FileInfo InfoOf(const struct stat& st) {
  FileInfo info;
  info.is_dir = S_ISDIR(st.st_mode);
  info.is_regular = S_ISREG(st.st_mode);
  info.is_symlink = S_ISLNK(st.st_mode);
  info.size = static_cast<uint64_t>(st.st_size);
  info.device = st.st_dev;
  info.inode = st.st_ino;
  info.mode = st.st_mode & 07777;
  info.modified = absl::TimeFromTimespec(st.st_mtim);
  info.changed = absl::TimeFromTimespec(st.st_ctim);
  return info;
}

}  // namespace

absl::StatusOr<FileInfo> Stat(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return ErrnoStatus(path, errno);
  return InfoOf(st);
}

absl::StatusOr<FileInfo> StatFd(const Fd& fd, const std::string& path) {
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return ErrnoStatus(path, errno);
  return InfoOf(st);
}

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

absl::StatusOr<Fd> OpenForRead(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(path, errno);
  return Fd(fd);
}

absl::StatusOr<size_t> ReadSome(const Fd& fd, const std::string& path,
                                char* buf, size_t size) {
  while (true) {
    ssize_t n = read(fd.get(), buf, size);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return ErrnoStatus(path, errno);
  }
}

absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     uint64_t max_size) {
  absl::StatusOr<Fd> fd = OpenForRead(path);
  if (!fd.ok()) return fd.status();
  return ReadAll(*fd, path, max_size);
}

absl::StatusOr<std::string> ReadAll(const Fd& fd, const std::string& path,
                                    uint64_t max_size) {
  // Read into a buffer of the file's size: a large file is read without
  // growing (and so copying, and touching new memory) again and again.
  struct stat st;
  uint64_t expected = 0;
  if (fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode)) expected = st.st_size;
  auto too_large = [&] {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": larger than ", max_size, " bytes"));
  };
  if (expected > max_size) return too_large();
  std::string out(expected + 1, '\0');  // +1: to see the end in one read
  size_t have = 0;
  while (true) {
    if (have == out.size()) out.resize(std::max<size_t>(out.size() * 2, 1 << 16));
    absl::StatusOr<size_t> n = ReadSome(fd, path, out.data() + have, out.size() - have);
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    have += *n;
    if (have > max_size) return too_large();
  }
  out.resize(have);
  return out;
}

absl::Status WriteAll(const Fd& fd, const std::string& path,
                      absl::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd.get(), data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::Status MakeDirs(const std::string& path, mode_t mode) {
  if (path.empty()) return absl::OkStatus();
  struct stat st;
  if (stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return absl::OkStatus();
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": exists and is not a directory"));
  }
  std::string parent = Dirname(path);
  if (parent != path && parent != "." && parent != "/") {
    absl::Status s = MakeDirs(parent, mode);
    if (!s.ok()) return s;
  }
  if (mkdir(path.c_str(), mode) != 0 && errno != EEXIST) {
    return ErrnoStatus(path, errno);
  }
  // mkdir applies the umask; the tree must be readable by a web server.
  if (chmod(path.c_str(), mode) != 0) return ErrnoStatus(path, errno);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> ListDir(const std::string& path) {
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return ErrnoStatus(path, errno);
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* e = readdir(dir)) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    names.emplace_back(e->d_name);
  }
  int err = errno;
  closedir(dir);
  if (err != 0) return ErrnoStatus(path, err);
  std::sort(names.begin(), names.end());
  return names;
}

absl::StatusOr<std::vector<DirEntry>> ListDirEntries(const std::string& path) {
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return ErrnoStatus(path, errno);
  std::vector<DirEntry> entries;
  errno = 0;
  while (struct dirent* e = readdir(dir)) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    DirEntry entry{e->d_name, e->d_type == DT_DIR};
    if (e->d_type == DT_UNKNOWN) {
      struct stat st;
      entry.is_dir = lstat(JoinPath(path, e->d_name).c_str(), &st) == 0 &&
                     S_ISDIR(st.st_mode);
    }
    entries.push_back(std::move(entry));
  }
  int err = errno;
  closedir(dir);
  if (err != 0) return ErrnoStatus(path, err);
  std::sort(entries.begin(), entries.end(),
            [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return entries;
}

absl::Status SyncFilesystem(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(path, errno);
  Fd owner(fd);
  if (syncfs(fd) != 0) return ErrnoStatus(path, errno);
  return absl::OkStatus();
}

absl::Status HardLink(const std::string& from, const std::string& to) {
  if (link(from.c_str(), to.c_str()) != 0) {
    return ErrnoStatus(absl::StrCat(from, " -> ", to), errno);
  }
  return absl::OkStatus();
}

absl::Status LinkFd(const Fd& fd, const std::string& path, const std::string& to) {
  // linkat(fd, "", AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH; the /proc
  // name of the descriptor, followed, does not.
  std::string self = absl::StrCat("/proc/self/fd/", fd.get());
  if (linkat(AT_FDCWD, self.c_str(), AT_FDCWD, to.c_str(), AT_SYMLINK_FOLLOW) != 0) {
    return ErrnoStatus(absl::StrCat(path, " -> ", to), errno);
  }
  return absl::OkStatus();
}

absl::Status MakeSymlink(const std::string& target, const std::string& path) {
  if (symlink(target.c_str(), path.c_str()) != 0) {
    return ErrnoStatus(absl::StrCat(path, " -> ", target), errno);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadSymlink(const std::string& path) {
  std::string target(256, '\0');
  while (true) {
    ssize_t n = readlink(path.c_str(), target.data(), target.size());
    if (n < 0) return ErrnoStatus(path, errno);
    if (static_cast<size_t>(n) < target.size()) {
      target.resize(n);
      return target;
    }
    target.resize(target.size() * 2);
  }
}

absl::Status Rename(const std::string& from, const std::string& to) {
  if (rename(from.c_str(), to.c_str()) != 0) {
    return ErrnoStatus(absl::StrCat(from, " -> ", to), errno);
  }
  return absl::OkStatus();
}

absl::Status RemoveFile(const std::string& path) {
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return ErrnoStatus(path, errno);
  }
  return absl::OkStatus();
}

absl::Status RemoveDir(const std::string& path) {
  if (rmdir(path.c_str()) != 0 && errno != ENOENT) {
    return ErrnoStatus(path, errno);
  }
  return absl::OkStatus();
}

absl::Status RemoveAll(const std::string& path) {
  absl::StatusOr<FileInfo> info = Stat(path);
  if (!info.ok()) {
    return absl::IsNotFound(info.status()) ? absl::OkStatus() : info.status();
  }
  if (!info->is_dir) return RemoveFile(path);
  absl::StatusOr<std::vector<std::string>> names = ListDir(path);
  if (!names.ok()) return names.status();
  for (const std::string& name : *names) {
    absl::Status s = RemoveAll(JoinPath(path, name));
    if (!s.ok()) return s;
  }
  return RemoveDir(path);
}

absl::Status SyncDir(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(dir, errno);
  Fd owner(fd);
  if (fsync(fd) != 0) return ErrnoStatus(dir, errno);
  return absl::OkStatus();
}

std::string Dirname(absl::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  size_t slash = path.rfind('/');
  if (slash == absl::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

std::string JoinPath(absl::string_view dir, absl::string_view name) {
  if (dir.empty()) return std::string(name);
  while (!name.empty() && name.front() == '/') name.remove_prefix(1);
  if (dir.back() == '/') return absl::StrCat(dir, name);
  return absl::StrCat(dir, "/", name);
}

absl::StatusOr<TempFile> TempFile::Create(const std::string& dir) {
  std::string tmpl = JoinPath(dir, ".tmp-XXXXXX");
  int fd = mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(tmpl, errno);
  // mkostemp creates 0600; published files must be readable by everyone.
  if (fchmod(fd, 0644) != 0) {
    int err = errno;
    close(fd);
    unlink(tmpl.c_str());
    return ErrnoStatus(tmpl, err);
  }
  return TempFile(std::move(tmpl), Fd(fd));
}

TempFile::TempFile(TempFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::move(other.fd_)),
      done_(other.done_) {
  other.done_ = true;
}

TempFile::~TempFile() { Abandon(); }

void TempFile::Abandon() {
  if (done_) return;
  done_ = true;
  fd_ = Fd();
  unlink(path_.c_str());
}

absl::Status TempFile::Write(absl::string_view data) {
  return WriteAll(fd_, path_, data);
}

std::string TempFile::Release() {
  fd_ = Fd();
  done_ = true;
  return path_;
}

absl::Status TempFile::Sync() {
  if (!fd_.valid()) {
    return absl::FailedPreconditionError(absl::StrCat(path_, ": not open"));
  }
  if (fsync(fd_.get()) != 0) return ErrnoStatus(path_, errno);
  return absl::OkStatus();
}

absl::Status TempFile::Commit(const std::string& final_path, bool replace,
                              bool sync) {
  if (done_) {
    return absl::FailedPreconditionError(
        absl::StrCat(path_, ": already committed or abandoned"));
  }
  if (sync && fd_.valid() && fsync(fd_.get()) != 0) {
    absl::Status s = ErrnoStatus(path_, errno);
    Abandon();
    return s;
  }
  fd_ = Fd();
  if (replace) {
    if (rename(path_.c_str(), final_path.c_str()) != 0) {
      absl::Status s = ErrnoStatus(final_path, errno);
      Abandon();
      return s;
    }
  } else {
    // link() fails with EEXIST instead of replacing; then drop the name.
    if (link(path_.c_str(), final_path.c_str()) != 0) {
      absl::Status s = ErrnoStatus(final_path, errno);
      Abandon();
      return s;
    }
    unlink(path_.c_str());
  }
  done_ = true;
  return sync ? SyncDir(Dirname(final_path)) : absl::OkStatus();
}

absl::Status WriteFileAtomic(const std::string& path, absl::string_view data) {
  absl::StatusOr<TempFile> tmp = TempFile::Create(Dirname(path));
  if (!tmp.ok()) return tmp.status();
  absl::Status s = tmp->Write(data);
  if (!s.ok()) return s;
  return tmp->Commit(path);
}

absl::StatusOr<MappedFile> MappedFile::Map(const Fd& fd,
                                           const std::string& path) {
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return ErrnoStatus(path, errno);
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": not a regular file; cannot map it"));
  }
  // mmap refuses a length of 0.
  if (st.st_size == 0) return MappedFile();
  size_t size = static_cast<size_t>(st.st_size);
  void* addr = mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE,
                    fd.get(), 0);
  if (addr == MAP_FAILED) return ErrnoStatus(path, errno);
  return MappedFile(addr, size);
}

MappedFile::~MappedFile() { Unmap(); }

MappedFile::MappedFile(MappedFile&& other) noexcept
    : addr_(other.addr_), size_(other.size_) {
  other.addr_ = nullptr;
  other.size_ = 0;
}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    Unmap();
    addr_ = other.addr_;
    size_ = other.size_;
    other.addr_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

void MappedFile::Unmap() {
  if (addr_ != nullptr) munmap(addr_, size_);
  addr_ = nullptr;
  size_ = 0;
}

absl::StatusOr<FileLock> FileLock::Acquire(const std::string& path,
                                           bool shared) {
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus(path, errno);
  Fd owner(fd);
  while (flock(fd, shared ? LOCK_SH : LOCK_EX) != 0) {
    if (errno != EINTR) return ErrnoStatus(path, errno);
  }
  return FileLock(std::move(owner));
}

absl::StatusOr<FileLock> FileLock::AcquireSharedExisting(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(path, errno);
  Fd owner(fd);
  while (flock(fd, LOCK_SH) != 0) {
    if (errno != EINTR) return ErrnoStatus(path, errno);
  }
  return FileLock(std::move(owner));
}

}  // namespace stowage
