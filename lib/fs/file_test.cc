#include "lib/fs/file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace stowage {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string NewDir() {
  std::string tmpl = ::testing::TempDir() + "/fs-XXXXXX";
  EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
  return tmpl;
}

TEST(FileTest, AtomicWriteThenRead) {
  std::string dir = NewDir();
  std::string path = JoinPath(dir, "a.json");
  ASSERT_TRUE(WriteFileAtomic(path, "{}").ok());
  EXPECT_EQ(*ReadFile(path), "{}");
  ASSERT_TRUE(WriteFileAtomic(path, "[1]").ok());
  EXPECT_EQ(*ReadFile(path), "[1]");
  EXPECT_EQ(Stat(path)->mode, 0644u);
  // No temporary file is left behind.
  EXPECT_THAT(*ListDir(dir), ElementsAre("a.json"));
}

TEST(FileTest, ErrorsNameThePath) {
  std::string missing = NewDir() + "/nope";
  absl::StatusOr<std::string> r = ReadFile(missing);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr(missing));
}

TEST(FileTest, ReadFileLimit) {
  std::string path = NewDir() + "/big";
  ASSERT_TRUE(WriteFileAtomic(path, std::string(100, 'x')).ok());
  absl::StatusOr<std::string> r = ReadFile(path, 10);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("larger than 10"));
}

TEST(FileTest, AbandonedTempFileLeavesNothing) {
  std::string dir = NewDir();
  {
    absl::StatusOr<TempFile> t = TempFile::Create(dir);
    ASSERT_TRUE(t.ok());
    ASSERT_TRUE(t->Write("partial").ok());
  }
  EXPECT_TRUE(ListDir(dir)->empty());
}

TEST(FileTest, CommitWithoutReplaceRefusesExisting) {
  std::string dir = NewDir();
  std::string path = JoinPath(dir, "blob");
  ASSERT_TRUE(WriteFileAtomic(path, "first").ok());
  absl::StatusOr<TempFile> t = TempFile::Create(dir);
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(t->Write("second").ok());
  absl::Status s = t->Commit(path, /*replace=*/false);
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(*ReadFile(path), "first");
  EXPECT_THAT(*ListDir(dir), ElementsAre("blob"));
}

TEST(FileTest, MakeDirsRemoveAllAndLinks) {
  std::string dir = NewDir();
  std::string deep = JoinPath(dir, "a/b/c");
  ASSERT_TRUE(MakeDirs(deep).ok());
  EXPECT_TRUE(Stat(deep)->is_dir);
  EXPECT_EQ(Stat(deep)->mode, 0755u);
  ASSERT_TRUE(WriteFileAtomic(JoinPath(deep, "f"), "x").ok());
  ASSERT_TRUE(HardLink(JoinPath(deep, "f"), JoinPath(dir, "g")).ok());
  EXPECT_EQ(Stat(JoinPath(deep, "f"))->inode, Stat(JoinPath(dir, "g"))->inode);
  EXPECT_EQ(HardLink(JoinPath(deep, "f"), JoinPath(dir, "g")).code(),
            absl::StatusCode::kAlreadyExists);
  ASSERT_TRUE(RemoveAll(JoinPath(dir, "a")).ok());
  EXPECT_FALSE(Exists(JoinPath(dir, "a")));
  EXPECT_TRUE(RemoveAll(JoinPath(dir, "a")).ok());
  EXPECT_EQ(*ReadFile(JoinPath(dir, "g")), "x");
}

TEST(FileTest, Symlinks) {
  std::string dir = NewDir();
  ASSERT_TRUE(WriteFileAtomic(JoinPath(dir, "f"), "x").ok());
  ASSERT_TRUE(MakeSymlink("f", JoinPath(dir, "l")).ok());
  EXPECT_EQ(*ReadSymlink(JoinPath(dir, "l")), "f");
  EXPECT_EQ(*ReadFile(JoinPath(dir, "l")), "x");
  EXPECT_EQ(MakeSymlink("f", JoinPath(dir, "l")).code(), absl::StatusCode::kAlreadyExists);
  std::string long_target(1000, 'a');
  ASSERT_TRUE(MakeSymlink(long_target, JoinPath(dir, "long")).ok());
  EXPECT_EQ(*ReadSymlink(JoinPath(dir, "long")), long_target);
  EXPECT_FALSE(ReadSymlink(JoinPath(dir, "f")).ok());  // not a link
}

TEST(FileTest, ReadAllAndLinkFd) {
  std::string dir = NewDir();
  std::string path = JoinPath(dir, "big");
  std::string big(300000, 'x');
  big[123456] = 'y';
  ASSERT_TRUE(WriteFileAtomic(path, big).ok());
  absl::StatusOr<Fd> fd = OpenForRead(path);
  ASSERT_TRUE(fd.ok());
  EXPECT_EQ(StatFd(*fd, path)->size, big.size());
  EXPECT_EQ(*ReadAll(*fd, path), big);
  EXPECT_EQ(ReadFile(path, 1000).status().code(), absl::StatusCode::kFailedPrecondition);
  // The open file is the one linked, whatever its name now holds.
  ASSERT_TRUE(HardLink(path, JoinPath(dir, "other")).ok());
  ASSERT_TRUE(WriteFileAtomic(path, "new").ok());
  ASSERT_TRUE(LinkFd(*fd, path, JoinPath(dir, "kept")).ok());
  EXPECT_EQ(*ReadFile(JoinPath(dir, "kept")), big);
  EXPECT_EQ(LinkFd(*fd, path, JoinPath(dir, "kept")).code(), absl::StatusCode::kAlreadyExists);
  // A file with no name left cannot be given one.
  ASSERT_TRUE(RemoveFile(JoinPath(dir, "other")).ok());
  ASSERT_TRUE(RemoveFile(JoinPath(dir, "kept")).ok());
  EXPECT_EQ(LinkFd(*fd, path, JoinPath(dir, "again")).code(), absl::StatusCode::kNotFound);
  // Not a regular file: read to its end all the same.
  absl::StatusOr<Fd> null = OpenForRead("/dev/null");
  ASSERT_TRUE(null.ok());
  EXPECT_EQ(*ReadAll(*null, "/dev/null"), "");
}

TEST(FileTest, MappedFile) {
  std::string dir = NewDir();
  std::string path = JoinPath(dir, "big");
  std::string big(300001, 'x');  // not a whole number of pages
  big[123456] = 'y';
  ASSERT_TRUE(WriteFileAtomic(path, big).ok());
  absl::StatusOr<MappedFile> mapped;
  {
    absl::StatusOr<Fd> fd = OpenForRead(path);
    ASSERT_TRUE(fd.ok());
    mapped = MappedFile::Map(*fd, path);
  }  // the descriptor is closed; the mapping stays
  ASSERT_TRUE(mapped.ok()) << mapped.status();
  EXPECT_EQ(mapped->data(), big);
  EXPECT_EQ(mapped->size(), big.size());
  // Replaced by rename: the mapping keeps the bytes it had.
  ASSERT_TRUE(WriteFileAtomic(path, "new").ok());
  EXPECT_EQ(mapped->data(), big);
  // Moving keeps the bytes where they are.
  const char* bytes = mapped->data().data();
  MappedFile moved = std::move(*mapped);
  EXPECT_EQ(moved.data().data(), bytes);
  EXPECT_EQ(moved.data(), big);
  EXPECT_TRUE(mapped->data().empty());
  MappedFile assigned;
  assigned = std::move(moved);
  EXPECT_EQ(assigned.data().data(), bytes);
  EXPECT_TRUE(moved.data().empty());
  EXPECT_TRUE(MappedFile().data().empty());

  // An empty file maps to empty data.
  std::string empty = JoinPath(dir, "empty");
  ASSERT_TRUE(WriteFileAtomic(empty, "").ok());
  absl::StatusOr<Fd> empty_fd = OpenForRead(empty);
  ASSERT_TRUE(empty_fd.ok());
  absl::StatusOr<MappedFile> none = MappedFile::Map(*empty_fd, empty);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->data(), "");

  // Only a regular file can be mapped whole.
  for (const std::string& other : {std::string("/dev/null"), dir}) {
    absl::StatusOr<Fd> fd = OpenForRead(other);
    ASSERT_TRUE(fd.ok()) << other;
    absl::StatusOr<MappedFile> m = MappedFile::Map(*fd, other);
    EXPECT_EQ(m.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(m.status().message()),
                HasSubstr(other + ": not a regular file"));
  }
  // A closed descriptor: errno's status, naming the path.
  absl::StatusOr<MappedFile> closed = MappedFile::Map(Fd(), path);
  EXPECT_EQ(closed.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(closed.status().message()), HasSubstr(path + ": "));
}

TEST(FileTest, PathHelpers) {
  EXPECT_EQ(Dirname("a/b/c"), "a/b");
  EXPECT_EQ(Dirname("a/b/"), "a");
  EXPECT_EQ(Dirname("c"), ".");
  EXPECT_EQ(Dirname("/c"), "/");
  EXPECT_EQ(JoinPath("a/", "/b"), "a/b");
  EXPECT_EQ(JoinPath("a", "b"), "a/b");
}

TEST(FileTest, LockSerializesHolders) {
  std::string lock_path = NewDir() + "/lock";
  std::vector<int> order;
  std::mutex mu;
  auto worker = [&](int id) {
    absl::StatusOr<FileLock> lock = FileLock::Acquire(lock_path);
    ASSERT_TRUE(lock.ok());
    {
      std::lock_guard<std::mutex> g(mu);
      order.push_back(id);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::lock_guard<std::mutex> g(mu);
    order.push_back(id);
  };
  std::thread a(worker, 1), b(worker, 2);
  a.join();
  b.join();
  // Each holder's enter and leave are adjacent: the lock was never shared.
  ASSERT_EQ(order.size(), 4u);
  EXPECT_EQ(order[0], order[1]);
  EXPECT_EQ(order[2], order[3]);
}

TEST(FileTest, SharedLockOfAnExistingFileNeedsNoWriteAccess) {
  std::string lock_path = NewDir() + "/lock";
  absl::StatusOr<FileLock> missing = FileLock::AcquireSharedExisting(lock_path);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr(lock_path));
  EXPECT_FALSE(Exists(lock_path));  // nothing created

  ASSERT_TRUE(FileLock::Acquire(lock_path, /*shared=*/true).ok());
  ASSERT_EQ(chmod(lock_path.c_str(), 0444), 0);
  absl::StatusOr<FileLock> a = FileLock::AcquireSharedExisting(lock_path);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(a->held());
  absl::StatusOr<FileLock> b = FileLock::AcquireSharedExisting(lock_path);
  ASSERT_TRUE(b.ok()) << b.status();  // shared with another reader
  // An exclusive holder (gc) is kept out while the readers hold it.
  int fd = open(lock_path.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  EXPECT_NE(flock(fd, LOCK_EX | LOCK_NB), 0);
  *a = FileLock();
  *b = FileLock();
  EXPECT_EQ(flock(fd, LOCK_EX | LOCK_NB), 0);
  close(fd);
  EXPECT_FALSE(FileLock().held());
}

TEST(FileTest, StatGivesModifiedAndChangedTimes) {
  std::string path = NewDir() + "/f";
  ASSERT_TRUE(WriteFileAtomic(path, "x").ok());
  struct timespec times[2] = {{1000, 0}, {1000, 500}};  // atime, mtime
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  absl::StatusOr<FileInfo> info = Stat(path);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->modified, absl::FromUnixSeconds(1000) + absl::Nanoseconds(500));
  // utimensat changed the inode just now; ctime cannot be set back.
  EXPECT_GT(info->changed, absl::Now() - absl::Hours(1));
}

}  // namespace
}  // namespace stowage
