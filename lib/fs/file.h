// POSIX files for stowage, with errno turned into absl::Status once, here.
//
// Every error message starts with the path it concerns. Codes: ENOENT gives
// NotFound, EEXIST AlreadyExists, EACCES/EPERM/EROFS PermissionDenied, ENOSPC
// ResourceExhausted, anything else Internal.
//
// Files that others may read are written through TempFile: written under a
// temporary name in the destination's directory, fsynced, then renamed, so a
// reader sees the whole file or none of it, even after a crash.

#ifndef STOWAGE_LIB_FS_FILE_H_
#define STOWAGE_LIB_FS_FILE_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace stowage {

// "<path>: <strerror(err)>" with the code for `err`.
absl::Status ErrnoStatus(absl::string_view path, int err);

// An open file descriptor, closed on destruction.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd();
  Fd(Fd&& other) noexcept : fd_(other.Release()) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

struct FileInfo {
  bool is_dir = false;
  bool is_regular = false;
  bool is_symlink = false;
  uint64_t size = 0;
  dev_t device = 0;
  ino_t inode = 0;
  mode_t mode = 0;
  absl::Time modified;  // st_mtim: the data was last written
  absl::Time changed;   // st_ctim: the inode was last changed (link, chmod, write)
};

// lstat(2): a symlink is described, not followed.
absl::StatusOr<FileInfo> Stat(const std::string& path);
// fstat(2) of an open file; `path` names it in errors.
absl::StatusOr<FileInfo> StatFd(const Fd& fd, const std::string& path);
// True when something (of any type) is at `path`.
bool Exists(const std::string& path);

absl::StatusOr<Fd> OpenForRead(const std::string& path);

// Reads a whole file. FailedPrecondition when it is larger than `max_size`
// (a guard against a hostile or mistaken multi-gigabyte "small" file).
absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     uint64_t max_size = 64 << 20);

// Reads the rest of an open file, as ReadFile; `path` names it in errors.
absl::StatusOr<std::string> ReadAll(const Fd& fd, const std::string& path,
                                    uint64_t max_size = 64 << 20);

// Reads up to `size` bytes; returns how many (0 at end of file).
absl::StatusOr<size_t> ReadSome(const Fd& fd, const std::string& path,
                                char* buf, size_t size);
absl::Status WriteAll(const Fd& fd, const std::string& path,
                      absl::string_view data);

// Creates `path` and missing parents with `mode` (0755 by default).
absl::Status MakeDirs(const std::string& path, mode_t mode = 0755);

// Names in a directory, sorted, without "." and "..".
absl::StatusOr<std::vector<std::string>> ListDir(const std::string& path);

struct DirEntry {
  std::string name;
  bool is_dir = false;
};
// ListDir with each entry's kind (from readdir's d_type, lstat where the
// filesystem does not say), sorted by name.
absl::StatusOr<std::vector<DirEntry>> ListDirEntries(const std::string& path);

// syncfs(2): makes every write to the filesystem holding `path` durable.
// One call replaces many fsyncs when a tree of files was written.
absl::Status SyncFilesystem(const std::string& path);

// link(2). AlreadyExists if `to` exists.
absl::Status HardLink(const std::string& from, const std::string& to);
// `to` becomes another name of the open file `fd` (named `path` in
// errors): the very file that was read, even if its name was replaced since.
// AlreadyExists if `to` exists; NotFound if the file has no name left
// (it was replaced and removed).
absl::Status LinkFd(const Fd& fd, const std::string& path, const std::string& to);
// symlink(2): `path` becomes a symbolic link holding `target`.
// AlreadyExists if `path` exists.
absl::Status MakeSymlink(const std::string& target, const std::string& path);
// readlink(2): what the symbolic link `path` holds.
absl::StatusOr<std::string> ReadSymlink(const std::string& path);
// rename(2), replacing `to`.
absl::Status Rename(const std::string& from, const std::string& to);
// unlink(2); OK if nothing was there.
absl::Status RemoveFile(const std::string& path);
// rmdir(2); OK if nothing was there.
absl::Status RemoveDir(const std::string& path);
// Removes a file or a whole tree; OK if nothing was there.
absl::Status RemoveAll(const std::string& path);
// Makes the directory entry changes in `dir` durable.
absl::Status SyncDir(const std::string& dir);

// The directory part of a path ("." for a bare name).
std::string Dirname(absl::string_view path);
// The path joined with a name, with exactly one '/' between.
std::string JoinPath(absl::string_view dir, absl::string_view name);

// A file being written under a temporary name beside its final name. Commit()
// makes it visible; a TempFile destroyed without Commit() leaves nothing.
class TempFile {
 public:
  // Creates "<dir>/.tmp-<random>" for writing, mode 0644.
  static absl::StatusOr<TempFile> Create(const std::string& dir);
  ~TempFile();
  TempFile(TempFile&&) noexcept;
  TempFile& operator=(TempFile&&) = delete;
  TempFile(const TempFile&) = delete;

  const std::string& path() const { return path_; }
  const Fd& fd() const { return fd_; }
  absl::Status Write(absl::string_view data);
  // fsync(2) of what was written so far, for a caller that checks something
  // between making the file durable and Commit(..., sync=false).
  absl::Status Sync();
  // fsync, close, rename onto `final_path` (same filesystem), sync the
  // directory. With `replace` false, AlreadyExists when `final_path` exists
  // (the temporary file is then removed). With `sync` false, no fsync: for
  // callers that make a whole batch durable with one SyncFilesystem() before
  // they commit it.
  absl::Status Commit(const std::string& final_path, bool replace = true,
                      bool sync = true);
  // Closes and removes the temporary file now.
  void Abandon();
  // Closes the file and gives up ownership of it: it stays under path(),
  // for the caller to rename (or remove). Returns path().
  std::string Release();
  // Closes the file, keeping it for a later Commit(..., sync=false): many
  // files can wait for one SyncFilesystem() without holding descriptors.
  void Close() { fd_ = Fd(); }

 private:
  TempFile(std::string path, Fd fd) : path_(std::move(path)), fd_(std::move(fd)) {}
  std::string path_;
  Fd fd_;
  bool done_ = false;
};

// Writes `data` to `path` atomically (TempFile, then rename).
absl::Status WriteFileAtomic(const std::string& path, absl::string_view data);

// A whole file mapped read-only into memory: its bytes without a copy.
// Move-only; unmaps on destruction. Thread-safe to read from.
//
// The mapping shows the file as it was opened, byte for byte, only as long
// as no one changes that file in place: a file replaced by rename (as
// TempFile and WriteFileAtomic replace files) is safe, but one truncated
// while mapped makes a read of the lost bytes crash the process (SIGBUS),
// and one written in place may show the new bytes.
class MappedFile {
 public:
  // Maps the whole of the open file `fd` (mmap(2) with MAP_PRIVATE |
  // MAP_POPULATE: every page is read in now, not faulted in one by one);
  // `path` names it in errors. An empty file maps to empty data. `fd` may be
  // closed afterwards; the mapping stays. FailedPrecondition when `fd` is not
  // a regular file (a pipe or a device cannot be mapped whole); errno
  // statuses (ErrnoStatus) when fstat or mmap fails.
  static absl::StatusOr<MappedFile> Map(const Fd& fd, const std::string& path);

  // Empty data.
  MappedFile() = default;
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // The file's bytes; valid until this MappedFile is destroyed or assigned
  // to. Moving a MappedFile keeps them where they are: views stay valid and
  // follow the mapping to its new owner.
  absl::string_view data() const {
    return absl::string_view(static_cast<const char*>(addr_), size_);
  }
  size_t size() const { return size_; }

 private:
  MappedFile(void* addr, size_t size) : addr_(addr), size_(size) {}
  void Unmap();

  void* addr_ = nullptr;  // nullptr when nothing is mapped (empty data)
  size_t size_ = 0;
};

// An advisory lock (flock) on a file, held until destruction.
class FileLock {
 public:
  // Creates `path` if needed and waits for the lock: exclusive, or shared
  // with other shared holders.
  static absl::StatusOr<FileLock> Acquire(const std::string& path,
                                          bool shared = false);
  // Waits for a shared lock on the existing file `path`, opened read-only
  // (flock needs no write access, so this works on a read-only filesystem
  // and for users who may not write the file). Creates nothing: NotFound
  // when `path` is missing.
  static absl::StatusOr<FileLock> AcquireSharedExisting(const std::string& path);
  // A FileLock that holds no lock, for callers that go on without one.
  FileLock() = default;
  FileLock(FileLock&&) = default;
  FileLock& operator=(FileLock&&) = default;

  // False for a FileLock that holds no lock.
  bool held() const { return fd_.valid(); }

 private:
  explicit FileLock(Fd fd) : fd_(std::move(fd)) {}
  Fd fd_;
};

}  // namespace stowage

#endif  // STOWAGE_LIB_FS_FILE_H_
