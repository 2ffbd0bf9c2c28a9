#include "lib/archive/layout_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/fs/file.h"

namespace stowage::archive {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

std::string NewDir() {
  std::string tmpl = ::testing::TempDir() + "/archive-XXXXXX";
  EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
  return tmpl;
}

// Deterministic bytes, different per seed.
std::string Bytes(size_t n, uint32_t seed) {
  std::string s(n, '\0');
  uint32_t x = 2463534242u ^ (seed * 2654435761u);
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    s[i] = static_cast<char>(x);
  }
  return s;
}

struct ReadDeleter {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
struct WriteDeleter {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(struct archive_entry* e) const { archive_entry_free(e); }
};

// One entry of an archive crafted by a test.
struct Entry {
  std::string name;
  unsigned type = AE_IFREG;  // AE_IFREG, AE_IFDIR, AE_IFLNK, AE_IFIFO, ...
  std::string data;          // regular files
  std::string hardlink;      // non-empty: a hard link to this name
  std::string symlink;       // AE_IFLNK: the target
};

Entry File(std::string name, std::string data = "x") {
  return Entry{std::move(name), AE_IFREG, std::move(data), "", ""};
}
Entry Dir(std::string name) { return Entry{std::move(name), AE_IFDIR, "", "", ""}; }
Entry HardLink(std::string name, std::string target) {
  return Entry{std::move(name), AE_IFREG, "", std::move(target), ""};
}
Entry SymLink(std::string name, std::string target) {
  return Entry{std::move(name), AE_IFLNK, "", "", std::move(target)};
}
Entry Special(std::string name, unsigned type) {
  return Entry{std::move(name), type, "", "", ""};
}

// Writes `entries` as a pax tar, gzip-compressed if asked, with libarchive's
// writer: it writes names as given ("../x", "/x"), which is the point.
void WriteArchive(const std::string& path, const std::vector<Entry>& entries,
                  bool gzip = false) {
  std::unique_ptr<struct archive, WriteDeleter> a(archive_write_new());
  ASSERT_EQ(archive_write_set_format_pax_restricted(a.get()), ARCHIVE_OK);
  if (gzip) {
    ASSERT_EQ(archive_write_add_filter_gzip(a.get()), ARCHIVE_OK)
        << archive_error_string(a.get());
  }
  ASSERT_EQ(archive_write_open_filename(a.get(), path.c_str()), ARCHIVE_OK)
      << archive_error_string(a.get());
  for (const Entry& e : entries) {
    std::unique_ptr<struct archive_entry, EntryDeleter> ae(archive_entry_new());
    archive_entry_set_pathname(ae.get(), e.name.c_str());
    archive_entry_set_filetype(ae.get(), e.type);
    archive_entry_set_perm(ae.get(), e.type == AE_IFDIR ? 0755 : 0644);
    archive_entry_set_mtime(ae.get(), 0, 0);
    if (!e.hardlink.empty()) archive_entry_set_hardlink(ae.get(), e.hardlink.c_str());
    if (e.type == AE_IFLNK) archive_entry_set_symlink(ae.get(), e.symlink.c_str());
    if (e.type == AE_IFCHR) archive_entry_set_rdev(ae.get(), makedev(1, 3));
    archive_entry_set_size(ae.get(), e.type == AE_IFREG && e.hardlink.empty()
                                         ? static_cast<la_int64_t>(e.data.size())
                                         : 0);
    ASSERT_EQ(archive_write_header(a.get(), ae.get()), ARCHIVE_OK)
        << e.name << ": " << archive_error_string(a.get());
    if (!e.data.empty()) {
      ASSERT_EQ(archive_write_data(a.get(), e.data.data(), e.data.size()),
                static_cast<la_ssize_t>(e.data.size()));
    }
  }
  ASSERT_EQ(archive_write_close(a.get()), ARCHIVE_OK) << archive_error_string(a.get());
}

// What the test reads back from an archive.
struct ReadEntry {
  std::string name;
  unsigned type = 0;
  int64_t uid = -1, gid = -1, mtime = -1;
  unsigned perm = 0;
  std::string uname, gname;
  std::string data;
};

std::vector<ReadEntry> ReadArchive(const std::string& path) {
  std::vector<ReadEntry> out;
  std::unique_ptr<struct archive, ReadDeleter> a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  EXPECT_EQ(archive_read_open_filename(a.get(), path.c_str(), 1 << 16), ARCHIVE_OK)
      << archive_error_string(a.get());
  while (true) {
    struct archive_entry* e = nullptr;
    int rc = archive_read_next_header(a.get(), &e);
    if (rc == ARCHIVE_EOF) break;
    EXPECT_EQ(rc, ARCHIVE_OK) << archive_error_string(a.get());
    if (rc != ARCHIVE_OK) break;
    ReadEntry r;
    r.name = archive_entry_pathname(e);
    r.type = archive_entry_filetype(e);
    r.uid = archive_entry_uid(e);
    r.gid = archive_entry_gid(e);
    r.mtime = archive_entry_mtime(e);
    r.perm = archive_entry_perm(e);
    if (const char* u = archive_entry_uname(e)) r.uname = u;
    if (const char* g = archive_entry_gname(e)) r.gname = g;
    char buf[65536];
    la_ssize_t n;
    while ((n = archive_read_data(a.get(), buf, sizeof buf)) > 0) r.data.append(buf, n);
    EXPECT_GE(n, 0) << archive_error_string(a.get());
    out.push_back(std::move(r));
  }
  return out;
}

// Every path under `root` ("d/" for folders) with file contents, sorted.
void Tree(const std::string& root, const std::string& rel,
          std::vector<std::pair<std::string, std::string>>* out) {
  absl::StatusOr<std::vector<std::string>> names = ListDir(JoinPath(root, rel));
  ASSERT_TRUE(names.ok()) << names.status();
  for (const std::string& n : *names) {
    std::string child = rel.empty() ? n : JoinPath(rel, n);
    absl::StatusOr<FileInfo> info = Stat(JoinPath(root, child));
    ASSERT_TRUE(info.ok()) << info.status();
    if (info->is_dir) {
      out->emplace_back(child + "/", "");
      Tree(root, child, out);
    } else {
      ASSERT_TRUE(info->is_regular) << child;
      out->emplace_back(child, *ReadFile(JoinPath(root, child)));
    }
  }
}
std::vector<std::pair<std::string, std::string>> Tree(const std::string& root) {
  std::vector<std::pair<std::string, std::string>> out;
  Tree(root, "", &out);
  return out;
}

// A small layout-shaped tree; one blob spans several 1 MiB chunks.
std::string MakeLayoutTree(const std::string& base) {
  std::string src = JoinPath(base, "src");
  EXPECT_TRUE(MakeDirs(JoinPath(src, "blobs/sha256")).ok());
  EXPECT_TRUE(MakeDirs(JoinPath(src, "blobs/empty-dir")).ok());
  EXPECT_TRUE(
      WriteFileAtomic(JoinPath(src, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}")
          .ok());
  EXPECT_TRUE(WriteFileAtomic(JoinPath(src, "index.json"),
                              "{\"schemaVersion\":2,\"manifests\":[]}")
                  .ok());
  EXPECT_TRUE(WriteFileAtomic(JoinPath(src, "blobs/sha256/aaaa"),
                              Bytes((1 << 20) * 2 + 321, 1))
                  .ok());
  EXPECT_TRUE(WriteFileAtomic(JoinPath(src, "blobs/sha256/bbbb"), "").ok());
  EXPECT_TRUE(WriteFileAtomic(JoinPath(src, "blobs/sha256/cccc"), "{}").ok());
  // Permissions that must not leak into the archive.
  EXPECT_EQ(chmod(JoinPath(src, "blobs/sha256/cccc").c_str(), 0600), 0);
  return src;
}

// Unsets SOURCE_DATE_EPOCH for the test's duration (and restores it).
class ArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* e = getenv("SOURCE_DATE_EPOCH")) saved_ = e, had_ = true;
    unsetenv("SOURCE_DATE_EPOCH");
  }
  void TearDown() override {
    if (had_) {
      setenv("SOURCE_DATE_EPOCH", saved_.c_str(), 1);
    } else {
      unsetenv("SOURCE_DATE_EPOCH");
    }
  }

 private:
  bool had_ = false;
  std::string saved_;
};

std::string NoTrailingSlash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

TEST_F(ArchiveTest, PackThenExtractRoundTrip) {
  std::string base = NewDir();
  std::string src = MakeLayoutTree(base);
  std::string tar = JoinPath(base, "layout.tar");
  ASSERT_TRUE(PackDirectory(src, tar).ok());

  std::string dest = JoinPath(base, "dest");
  ASSERT_TRUE(MakeDirs(dest).ok());
  absl::Status s = ExtractArchive(tar, dest);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(Tree(dest), Tree(src));  // names, folders and bytes
  EXPECT_EQ(Stat(JoinPath(dest, "blobs/sha256/cccc"))->mode & 0777, 0644u);

  // Packing again, and packing the extracted copy (other inodes, mtimes and
  // modes), give the same bytes.
  std::string again = JoinPath(base, "again.tar");
  ASSERT_TRUE(PackDirectory(src, again).ok());
  std::string from_copy = JoinPath(base, "from-copy.tar");
  ASSERT_TRUE(PackDirectory(dest, from_copy).ok());
  EXPECT_EQ(*ReadFile(tar), *ReadFile(again));
  EXPECT_EQ(*ReadFile(tar), *ReadFile(from_copy));

  // No temporary file is left beside the archives.
  EXPECT_THAT(*ListDir(base),
              ElementsAre("again.tar", "dest", "from-copy.tar", "layout.tar", "src"));
}

TEST_F(ArchiveTest, PackedEntriesAreSortedAndAnonymous) {
  std::string base = NewDir();
  std::string src = MakeLayoutTree(base);
  std::string tar = JoinPath(base, "layout.tar");
  ASSERT_TRUE(PackDirectory(src, tar).ok());

  std::vector<ReadEntry> entries = ReadArchive(tar);
  std::vector<std::string> names;
  for (const ReadEntry& e : entries) {
    SCOPED_TRACE(e.name);
    names.push_back(NoTrailingSlash(e.name));
    EXPECT_EQ(e.uid, 0);
    EXPECT_EQ(e.gid, 0);
    EXPECT_EQ(e.uname, "");
    EXPECT_EQ(e.gname, "");
    EXPECT_EQ(e.mtime, 0);
    if (e.type == AE_IFDIR) {
      EXPECT_EQ(e.perm, 0755u);
    } else {
      EXPECT_EQ(e.type, static_cast<unsigned>(AE_IFREG));
      EXPECT_EQ(e.perm, 0644u);
    }
  }
  EXPECT_THAT(names, ElementsAre("blobs", "blobs/empty-dir", "blobs/sha256",
                                 "blobs/sha256/aaaa", "blobs/sha256/bbbb",
                                 "blobs/sha256/cccc", "index.json", "oci-layout"));
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(entries[3].data, Bytes((1 << 20) * 2 + 321, 1));
  EXPECT_EQ(entries[5].data, "{}");
}

TEST_F(ArchiveTest, SourceDateEpochSetsTheMtime) {
  std::string base = NewDir();
  std::string src = MakeLayoutTree(base);
  setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
  std::string tar = JoinPath(base, "epoch.tar");
  ASSERT_TRUE(PackDirectory(src, tar).ok());
  for (const ReadEntry& e : ReadArchive(tar)) EXPECT_EQ(e.mtime, 1700000000) << e.name;

  // Nonsense falls back to 0.
  setenv("SOURCE_DATE_EPOCH", "yesterday", 1);
  std::string tar2 = JoinPath(base, "nonsense.tar");
  ASSERT_TRUE(PackDirectory(src, tar2).ok());
  for (const ReadEntry& e : ReadArchive(tar2)) EXPECT_EQ(e.mtime, 0) << e.name;
}

TEST_F(ArchiveTest, PackRefusesSymlinksAndMissingSources) {
  std::string base = NewDir();
  std::string src = MakeLayoutTree(base);
  std::string link = JoinPath(src, "blobs/sha256/link");
  ASSERT_EQ(symlink("aaaa", link.c_str()), 0);
  absl::Status s = PackDirectory(src, JoinPath(base, "x.tar"));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(Msg(s), HasSubstr(link));
  EXPECT_FALSE(Exists(JoinPath(base, "x.tar")));

  std::string missing = JoinPath(base, "missing");
  s = PackDirectory(missing, JoinPath(base, "y.tar"));
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Msg(s), HasSubstr(missing));
  EXPECT_THAT(*ListDir(base), ElementsAre("src"));
}

TEST_F(ArchiveTest, GzipArchiveExtracts) {
  std::string base = NewDir();
  std::string tar = JoinPath(base, "layout.tar.gz");
  const std::string blob = Bytes(300000, 7);
  WriteArchive(tar,
               {Dir("blobs/"), Dir("blobs/sha256/"),
                File("blobs/sha256/abcd", blob), File("oci-layout", "{}"),
                File("./index.json", "{\"manifests\":[]}")},
               /*gzip=*/true);
  // It really is gzip.
  EXPECT_TRUE(absl::StartsWith(*ReadFile(tar), "\x1f\x8b"));
  std::string dest = JoinPath(base, "dest");
  ASSERT_TRUE(MakeDirs(dest).ok());
  absl::Status s = ExtractArchive(tar, dest);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_THAT(Tree(dest),
              ElementsAre(std::make_pair("blobs/", ""), std::make_pair("blobs/sha256/", ""),
                          std::make_pair("blobs/sha256/abcd", blob),
                          std::make_pair("index.json", "{\"manifests\":[]}"),
                          std::make_pair("oci-layout", "{}")));
}

// Counts what ExtractArchive reports.
class CountingProgress : public Progress {
 public:
  void Start(uint64_t blobs, uint64_t bytes) override {
    blobs_ += blobs;
    total_ += bytes;
  }
  void AddBytes(uint64_t bytes) override {
    done_ += bytes;
    ++updates_;
  }
  void BlobDone() override {}
  uint64_t blobs_ = 0, total_ = 0, done_ = 0, updates_ = 0;
};

TEST_F(ArchiveTest, ProgressCountsTheArchiveFileBytes) {
  std::string base = NewDir();
  for (bool gzip : {false, true}) {
    std::string tar = JoinPath(base, gzip ? "big.tar.gz" : "big.tar");
    // Several megabytes over several 1 MiB reads.
    WriteArchive(tar,
                 {File("oci-layout", "{}"), File("blobs/sha256/a", Bytes(3 << 20, 1)),
                  File("blobs/sha256/b", Bytes(2 << 20, 2))},
                 gzip);
    std::string dest = JoinPath(base, gzip ? "dest-gz" : "dest");
    ASSERT_TRUE(MakeDirs(dest).ok());
    CountingProgress progress;
    ExtractOptions options;
    options.progress = &progress;
    absl::Status s = ExtractArchive(tar, dest, options);
    ASSERT_TRUE(s.ok()) << s;
    absl::StatusOr<FileInfo> info = Stat(tar);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(progress.blobs_, 0u);
    EXPECT_EQ(progress.total_, info->size) << tar;
    // Compressed bytes read, never more than the file.
    EXPECT_GT(progress.done_, 0u) << tar;
    EXPECT_LE(progress.done_, info->size) << tar;
    if (!gzip) {
      EXPECT_GE(progress.done_, uint64_t{5} << 20) << tar;
    }
  }
}

TEST_F(ArchiveTest, ImplicitFoldersAndHardLinksExtract) {
  // Folders need no entry of their own, and a hard link to an earlier file
  // is fine (skopeo writes none, but tar does).
  std::string base = NewDir();
  std::string tar = JoinPath(base, "a.tar");
  WriteArchive(tar, {File("blobs/sha256/one", "1"),
                     HardLink("blobs/sha256/two", "blobs/sha256/one"),
                     Dir("."), Dir("blobs/")});
  std::string dest = JoinPath(base, "dest");
  ASSERT_TRUE(MakeDirs(dest).ok());
  absl::Status s = ExtractArchive(tar, dest);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(*ReadFile(JoinPath(dest, "blobs/sha256/two")), "1");
  EXPECT_EQ(Stat(JoinPath(dest, "blobs/sha256/one"))->inode,
            Stat(JoinPath(dest, "blobs/sha256/two"))->inode);
}

struct HostileCase {
  std::string name;
  std::vector<Entry> entries;
  std::string entry;    // the entry the message must name
  std::string message;  // and part of the reason
};

TEST_F(ArchiveTest, HostileArchivesAreRefused) {
  // Absolute names point into a per-case folder, so that nothing outside
  // the test's own space could be touched even if one were accepted.
  const std::string abs_base = NewDir();
  const std::string abs_name = JoinPath(abs_base, "evil");
  const std::vector<HostileCase> cases = {
      {"dot-dot", {File("../evil")}, "../evil", "'..'"},
      {"dot-dot deeper", {File("../../evil")}, "../../evil", "'..'"},
      {"absolute", {File(abs_name)}, abs_name, "absolute"},
      {"dot-dot in the middle", {Dir("a/"), File("a/../../evil")}, "a/../../evil",
       "'..'"},
      {"dot-dot folder", {Dir("../evil/")}, "../evil/", "'..'"},
      {"symlink", {SymLink("link", "../evil")}, "link", "symbolic link"},
      {"symlink to follow",
       {SymLink("blobs", ".."), File("blobs/evil")},
       "blobs",
       "symbolic link"},
      {"hard link outside", {HardLink("h", "../outside")}, "h", "hard link"},
      {"hard link absolute", {HardLink("h", "/etc/passwd")}, "h", "hard link"},
      {"hard link to a later name", {HardLink("a", "b"), File("b")}, "a",
       "not an earlier file"},
      {"hard link to a folder", {Dir("d/"), HardLink("h", "d")}, "h",
       "not an earlier file"},
      {"duplicate file", {File("a", "one"), File("a", "two")}, "a", "appears twice"},
      {"duplicate via hard link", {File("a"), File("b"), HardLink("b", "a")}, "b",
       "appears twice"},
      {"file, then folder of the same name", {File("f"), Dir("f/")}, "f",
       "appears twice"},
      {"folder, then file of the same name", {Dir("f/"), File("f")}, "f",
       "appears twice"},
      {"file under a file", {File("f"), File("f/x")}, "f/x",
       "lies under the file \"f\""},
      {"fifo", {Special("fifo", AE_IFIFO)}, "fifo", "FIFO"},
      {"character device", {Special("null", AE_IFCHR)}, "null", "device"},
  };
  for (const HostileCase& c : cases) {
    SCOPED_TRACE(c.name);
    std::string base = NewDir();
    // Something outside for links to aim at.
    ASSERT_TRUE(WriteFileAtomic(JoinPath(base, "outside"), "precious").ok());
    std::string tar = JoinPath(base, "hostile.tar");
    WriteArchive(tar, c.entries);
    // libarchive wrote the names as given: the test is of what it thinks.
    std::vector<ReadEntry> written = ReadArchive(tar);
    ASSERT_EQ(written.size(), c.entries.size());
    for (size_t i = 0; i < written.size(); ++i) {
      EXPECT_EQ(NoTrailingSlash(written[i].name), NoTrailingSlash(c.entries[i].name));
    }

    std::string dest = JoinPath(base, "dest");
    ASSERT_TRUE(MakeDirs(dest).ok());
    absl::Status s = ExtractArchive(tar, dest);
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
    EXPECT_THAT(Msg(s), HasSubstr(tar));
    EXPECT_THAT(Msg(s), HasSubstr("entry \"" + c.entry + "\""));
    EXPECT_THAT(Msg(s), HasSubstr(c.message));

    // Nothing outside dest.
    EXPECT_THAT(*ListDir(base), ElementsAre("dest", "hostile.tar", "outside"));
    EXPECT_EQ(*ReadFile(JoinPath(base, "outside")), "precious");
    EXPECT_FALSE(Exists(JoinPath(::testing::TempDir(), "evil")));
    EXPECT_THAT(*ListDir(abs_base), IsEmpty());
    // And nothing that is no file or folder inside it.
    for (const auto& [name, data] : Tree(dest)) {
      EXPECT_FALSE(absl::StrContains(name, "evil")) << name;
    }
  }
  // The duplicate did not overwrite the first copy: see that case alone.
  std::string base = NewDir();
  std::string tar = JoinPath(base, "dup.tar");
  WriteArchive(tar, {File("a", "one"), File("a", "two")});
  std::string dest = JoinPath(base, "dest");
  ASSERT_TRUE(MakeDirs(dest).ok());
  EXPECT_EQ(ExtractArchive(tar, dest).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(*ReadFile(JoinPath(dest, "a")), "one");
}

TEST_F(ArchiveTest, TruncatedArchiveIsDataLoss) {
  std::string base = NewDir();
  std::string tar = JoinPath(base, "cut.tar");
  WriteArchive(tar, {File("oci-layout", "{}"), File("big", Bytes(100 * 1024, 3))});
  ASSERT_EQ(truncate(tar.c_str(), 50 * 1024), 0);
  std::string dest = JoinPath(base, "dest");
  ASSERT_TRUE(MakeDirs(dest).ok());
  absl::Status s = ExtractArchive(tar, dest);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_THAT(Msg(s), HasSubstr(tar));
  EXPECT_THAT(Msg(s), HasSubstr("runcated"));
}

TEST_F(ArchiveTest, TruncatedGzipArchiveIsDataLoss) {
  std::string base = NewDir();
  std::string tar = JoinPath(base, "cut.tar.gz");
  WriteArchive(tar, {File("big", Bytes(100 * 1024, 4))}, /*gzip=*/true);
  std::string bytes = *ReadFile(tar);
  ASSERT_TRUE(WriteFileAtomic(tar, bytes.substr(0, bytes.size() / 2)).ok());
  std::string dest = JoinPath(base, "dest");
  ASSERT_TRUE(MakeDirs(dest).ok());
  absl::Status s = ExtractArchive(tar, dest);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_THAT(Msg(s), HasSubstr(tar));
}

TEST_F(ArchiveTest, NotAnArchiveIsDataLoss) {
  std::string base = NewDir();
  std::string path = JoinPath(base, "random.bin");
  ASSERT_TRUE(WriteFileAtomic(path, Bytes(64 * 1024, 5)).ok());
  std::string dest = JoinPath(base, "dest");
  ASSERT_TRUE(MakeDirs(dest).ok());
  absl::Status s = ExtractArchive(path, dest);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_THAT(Msg(s), HasSubstr(path));
  EXPECT_THAT(*ListDir(dest), IsEmpty());

  // Text is no archive either.
  ASSERT_TRUE(WriteFileAtomic(path, "{\"imageLayoutVersion\":\"1.0.0\"}\n").ok());
  s = ExtractArchive(path, dest);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_THAT(Msg(s), HasSubstr(path));
}

TEST_F(ArchiveTest, MissingArchiveIsNotFound) {
  std::string base = NewDir();
  std::string path = JoinPath(base, "missing.tar");
  absl::Status s = ExtractArchive(path, base);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  EXPECT_THAT(Msg(s), HasSubstr(path));
}

// Old `docker save` archives link a layer they have written already.
TEST_F(ArchiveTest, SymlinksInsideBecomeHardLinksWhenAsked) {
  std::string base = NewDir();
  std::string tar = JoinPath(base, "docker.tar");
  WriteArchive(tar, {Dir("a/"), File("a/layer.tar", "layer a"), Dir("b/"),
                     SymLink("b/layer.tar", "../a/layer.tar"),
                     // A link may come before its target, and name a link.
                     SymLink("c/layer.tar", "../d/./layer.tar"),
                     File("d/layer.tar", "layer d"), SymLink("e", "b/layer.tar")});
  // Refused by default, as in an OCI archive.
  std::string refused = JoinPath(base, "refused");
  ASSERT_TRUE(MakeDirs(refused).ok());
  absl::Status s = ExtractArchive(tar, refused);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_THAT(Msg(s), HasSubstr("entry \"b/layer.tar\" is a symbolic link"));

  std::string dest = JoinPath(base, "dest");
  ASSERT_TRUE(MakeDirs(dest).ok());
  ExtractOptions options;
  options.resolve_symlinks = true;
  ASSERT_TRUE(ExtractArchive(tar, dest, options).ok());
  // Only files and folders on disk (Tree fails on anything else).
  EXPECT_THAT(Tree(dest),
              ElementsAre(std::pair<std::string, std::string>("a/", ""),
                          std::pair<std::string, std::string>("a/layer.tar", "layer a"),
                          std::pair<std::string, std::string>("b/", ""),
                          std::pair<std::string, std::string>("b/layer.tar", "layer a"),
                          std::pair<std::string, std::string>("c/", ""),
                          std::pair<std::string, std::string>("c/layer.tar", "layer d"),
                          std::pair<std::string, std::string>("d/", ""),
                          std::pair<std::string, std::string>("d/layer.tar", "layer d"),
                          std::pair<std::string, std::string>("e", "layer a")));
  EXPECT_EQ(Stat(JoinPath(dest, "b/layer.tar"))->inode,
            Stat(JoinPath(dest, "a/layer.tar"))->inode);
}

TEST_F(ArchiveTest, ResolvedSymlinksStayInsideTheArchive) {
  const std::vector<HostileCase> cases = {
      {"up from the top", {SymLink("link", "../outside")}, "link", "points outside"},
      {"up from a folder", {SymLink("a/link", "../../outside")}, "a/link",
       "points outside"},
      {"down then up", {Dir("a/"), SymLink("l", "a/../../outside")}, "l",
       "points outside"},
      {"absolute", {SymLink("link", "/etc/passwd")}, "link", "absolute name"},
      {"to the top", {SymLink("link", ".")}, "link", "top folder"},
      {"to a folder", {Dir("d/"), SymLink("l", "d")}, "l", "not a file of the archive"},
      {"to nothing", {SymLink("l", "missing")}, "l", "not a file of the archive"},
      {"loop", {SymLink("x", "y"), SymLink("y", "x")}, "x", "loops"},
      {"a path through a link", {Dir("d/"), SymLink("blobs", "d"), File("blobs/evil")},
       "blobs/evil", "lies under the file \"blobs\""},
      {"hard link to a link", {File("f"), SymLink("l", "f"), HardLink("h", "l")}, "h",
       "not an earlier file"},
  };
  for (const HostileCase& c : cases) {
    SCOPED_TRACE(c.name);
    std::string base = NewDir();
    ASSERT_TRUE(WriteFileAtomic(JoinPath(base, "outside"), "precious").ok());
    std::string tar = JoinPath(base, "hostile.tar");
    WriteArchive(tar, c.entries);
    std::string dest = JoinPath(base, "dest");
    ASSERT_TRUE(MakeDirs(dest).ok());
    ExtractOptions options;
    options.resolve_symlinks = true;
    absl::Status s = ExtractArchive(tar, dest, options);
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
    EXPECT_THAT(Msg(s), HasSubstr(tar + ": entry \"" + c.entry + "\""));
    EXPECT_THAT(Msg(s), HasSubstr(c.message));
    EXPECT_THAT(*ListDir(base), ElementsAre("dest", "hostile.tar", "outside"));
    EXPECT_EQ(*ReadFile(JoinPath(base, "outside")), "precious");
    for (const auto& [name, data] : Tree(dest)) {
      EXPECT_FALSE(absl::StrContains(name, "evil")) << name;
    }
  }
}

TEST_F(ArchiveTest, TruncationNamesTheEntry) {
  std::string base = NewDir();
  std::string tar = JoinPath(base, "cut.tar");
  WriteArchive(tar, {File("small", "x"), File("big", Bytes(100 * 1024, 3))});
  ASSERT_EQ(truncate(tar.c_str(), 50 * 1024), 0);
  std::string dest = JoinPath(base, "dest");
  ASSERT_TRUE(MakeDirs(dest).ok());
  absl::Status s = ExtractArchive(tar, dest);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_THAT(Msg(s), HasSubstr(tar + ": entry \"big\": "));
  EXPECT_THAT(Msg(s), HasSubstr("runcated"));
}

}  // namespace
}  // namespace stowage::archive
